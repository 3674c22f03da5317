//! recoupe: cross-checks news coverage.
//!
//! The library holds the whole pipeline; `main.rs` only parses flags and maps errors to exit
//! codes. Data flows one way, one module per stage:
//! `ingest` → `decode` → per document in parallel (`lang`, `structure`, `entities`, `claims`,
//! gathered by `analysis`) → `align` (stories, consistency) → `report`. The read-only `model` is
//! built once and shared by every worker. `pipeline` drives a `run`.

pub mod align;
pub mod alloc;
pub mod analysis;
pub mod claims;
pub mod cli;
pub mod config;
pub mod decode;
pub mod document;
pub mod entities;
pub mod hash;
pub mod ingest;
pub mod lang;
pub mod latin;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod special;
pub mod structure;
pub mod synth;
#[cfg(test)]
mod testing;

pub use config::Config;
pub use pipeline::{Held, Summary, run, run_holding};
