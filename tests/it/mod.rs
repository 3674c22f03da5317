pub mod util;

mod claims;
mod entities;
mod foundation;
mod html;
mod reliability;
mod structure;
