//! `recoupe synth`: a deterministic generator of large realistic corpora for benchmarks.
//!
//! STUB (foundation): the performance issue implements it.

use crate::cli::SynthArgs;
use anyhow::{Result, bail};

pub fn synth_command(_args: &SynthArgs) -> Result<()> {
    bail!("`recoupe synth` is not available yet")
}
