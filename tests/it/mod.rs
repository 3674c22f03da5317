pub mod util;

mod build;
mod claims;
mod entities;
mod foundation;
mod html;
mod reliability;
mod structure;
