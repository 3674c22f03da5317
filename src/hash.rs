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

/// Which (first byte, length) pairs a set of words has: a test that rejects most other words
/// with a load and a shift, before any hashing. The government-bodies step of the entities
/// stage and the claims stage's phrase words look words up for every token of every line, and
/// most tokens are none of them: testing their shapes first took 0.11 G (1.0%) off a synth
/// 10 MB run's 10.83 G instructions in the entities stage.
#[derive(Debug)]
pub struct Shapes([u64; 256]);

impl Default for Shapes {
    fn default() -> Self {
        Shapes([0; 256])
    }
}

impl Shapes {
    /// Lengths from 63 bytes on share one bit.
    fn bit(len: usize) -> u64 {
        1 << len.min(63)
    }

    pub fn insert(&mut self, word: &str) {
        if let Some(&b) = word.as_bytes().first() {
            self.0[b as usize] |= Self::bit(word.len());
        }
    }

    /// False when no inserted word has `word`'s first byte and length.
    #[inline]
    pub fn may_contain(&self, word: &str) -> bool {
        word.as_bytes().first().is_some_and(|&b| self.0[b as usize] & Self::bit(word.len()) != 0)
    }
}
