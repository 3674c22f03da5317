//! Fast hash maps. `Fx` is for the short words of the per-language lexicons, looked up for
//! every token of every line by the entities and claims stages (the default SipHash was a tenth
//! of a stage): their keys are fixed data shipped with the program, so hash flooding is no
//! concern. `SeededMap` is for keys taken from the input, on the thread that takes every
//! document in corpus order: foldhash, seeded afresh in each process, so crafted input cannot
//! choose colliding keys, at a fraction of SipHash's cost.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash-style: one multiply per 8 bytes.
#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set of words with the fast hasher.
pub type FxSet<K> = HashSet<K, BuildHasherDefault<Fx>>;
/// A map from words with the fast hasher.
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// A map from keys taken from the input (see the module doc); iterate it only to sort.
pub type SeededMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
