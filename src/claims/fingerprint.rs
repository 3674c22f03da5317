//! MinHash fingerprints of a document's wording, for finding copies at corpus level: word
//! 4-shingles of the folded content tokens, hashed with FNV-1a and 64 seeded mixes. Fixed
//! seeds make signatures identical across runs and machines.

use super::text::{Kind, Tokens};

/// Signature length (LSH in `align::stories` splits it into bands).
pub const HASHES: usize = 64;
const SHINGLE: usize = 4;

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// splitmix64 finalizer: a good 64-bit mix.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Accumulates the shingles of a document, line after line.
#[derive(Debug)]
pub struct MinHasher {
    window: [u64; SHINGLE],
    filled: usize,
    mins: [u64; HASHES],
    shingles: usize,
}

impl Default for MinHasher {
    fn default() -> Self {
        MinHasher { window: [0; SHINGLE], filled: 0, mins: [u64::MAX; HASHES], shingles: 0 }
    }
}

impl MinHasher {
    /// Feeds the word and number tokens of one line.
    pub fn feed(&mut self, t: &Tokens) {
        for i in 0..t.len() {
            if !matches!(t.kind(i), Kind::Word | Kind::Num) {
                continue;
            }
            self.window.rotate_left(1);
            self.window[SHINGLE - 1] = fnv(t.fold(i));
            self.filled += 1;
            if self.filled >= SHINGLE {
                let mut h = 0u64;
                for w in &self.window {
                    h = mix(h ^ w);
                }
                self.shingles += 1;
                for (k, m) in self.mins.iter_mut().enumerate() {
                    let v = mix(h ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    if v < *m {
                        *m = v;
                    }
                }
            }
        }
    }

    /// The signature; empty when the text is too short to compare.
    pub fn finish(&self) -> Vec<u32> {
        if self.shingles < 8 {
            return Vec::new();
        }
        self.mins.iter().map(|m| (m >> 32) as u32).collect()
    }
}

/// Estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}
