//! MinHash fingerprints of a document's wording, for finding copies at corpus level: word
//! 4-shingles of the folded content tokens, hashed with FNV-1a and mixed, then summarised by
//! one-permutation hashing (each shingle's hash picks one of 64 bins and competes for that bin's
//! minimum: one hash per shingle instead of 64) with optimal densification (an empty bin takes
//! the minimum of a bin drawn by a fixed hash of its index, Shrivastava 2017), which keeps the
//! share of equal positions an unbiased estimate of the Jaccard similarity. Fixed seeds make
//! signatures identical across runs and machines.

use super::text::{Kind, Tokens};

/// Signature length (LSH in `align::stories` splits it into bands).
pub const HASHES: usize = 64;
const SHINGLE: usize = 4;

/// FNV-1a of a string's bytes.
pub fn fnv(s: &str) -> u64 {
    fnv_bytes(s.as_bytes())
}

/// FNV-1a of bytes.
fn fnv_bytes(s: &[u8]) -> u64 {
    let step = |h: u64, b: &u8| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    // Eight bytes per turn of the loop, and the rest unrolled: every word of every document is
    // hashed, and a byte at a time the loop's own count and branch cost as much as the hash.
    let mut chunks = s.chunks_exact(8);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in &mut chunks {
        h = c.iter().fold(h, step);
    }
    chunks.remainder().iter().fold(h, step)
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
    /// Per bin: the least value seen, `u64::MAX` while empty (values are 58-bit).
    mins: [u64; HASHES],
    shingles: usize,
}

impl Default for MinHasher {
    fn default() -> Self {
        MinHasher { window: [0; SHINGLE], filled: 0, mins: [u64::MAX; HASHES], shingles: 0 }
    }
}

/// Bits of a shingle hash that choose its bin (`HASHES` = 2^BIN_BITS).
const BIN_BITS: u32 = HASHES.trailing_zeros();

impl MinHasher {
    /// Feeds the word and number tokens of one line.
    pub fn feed(&mut self, t: &Tokens) {
        for i in 0..t.len() {
            if !matches!(t.kind(i), Kind::Word | Kind::Num) {
                continue;
            }
            // Shifted by hand: `rotate_left` is a general rotation (a copy through memory).
            let [_, a, b, c] = self.window;
            self.window = [a, b, c, fnv_bytes(t.fold_bytes(i))];
            self.filled += 1;
            if self.filled >= SHINGLE {
                let mut h = 0u64;
                for w in &self.window {
                    h = mix(h ^ w);
                }
                self.shingles += 1;
                let bin = (h >> (64 - BIN_BITS)) as usize;
                let v = h & (u64::MAX >> BIN_BITS);
                if v < self.mins[bin] {
                    self.mins[bin] = v;
                }
            }
        }
    }

    /// The signature; empty when the text is too short to compare.
    pub fn finish(&self) -> Vec<u32> {
        if self.shingles < 8 {
            return Vec::new();
        }
        (0..HASHES)
            .map(|bin| {
                // An empty bin borrows from bins drawn by a fixed sequence of its own; at least
                // one bin is full, so the draw ends.
                let mut from = bin;
                let mut attempt = 0u64;
                while self.mins[from] == u64::MAX {
                    attempt += 1;
                    from = (mix(((bin as u64) << 32) | attempt) % HASHES as u64) as usize;
                }
                (self.mins[from] >> (32 - BIN_BITS)) as u32
            })
            .collect()
    }
}

/// Estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    // A sum of 0/1 rather than a filtered count: the compiler turns it into vector compares
    // (copies are verified pair by pair, millions of times on a large corpus).
    let equal: u32 = a.iter().zip(b).map(|(x, y)| u32::from(x == y)).sum();
    f64::from(equal) / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::super::lexicon::Vocab;
    use super::super::text::NumFormat;
    use super::*;
    use std::collections::HashSet;

    fn signature(words: &[String]) -> Vec<u32> {
        let mut t = Tokens::default();
        t.tokenize(&words.join(" "), 0, NumFormat { decimal: '.', groups: &[] }, &Vocab::default());
        let mut m = MinHasher::default();
        m.feed(&t);
        m.finish()
    }

    fn shingles(words: &[String]) -> HashSet<&[String]> {
        words.windows(SHINGLE).collect()
    }

    /// A pseudo-random text of `n` words from a vocabulary of 500.
    fn text(seed: u64, n: usize) -> Vec<String> {
        (0..n as u64)
            .map(|i| {
                let k = mix(seed.wrapping_mul(1_000_003) ^ i) % 500;
                // Letters only, so each word is one token.
                k.to_string().bytes().map(|b| char::from(b'a' + b - b'0')).collect()
            })
            .collect()
    }

    #[test]
    fn fnv_is_fnv1a() {
        // The byte-at-a-time definition, on lengths around the unrolled loop's eight.
        let reference = |s: &str| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in s.bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            h
        };
        let text = "l'économie « mondiale » a crû de 2,5 % en 2021 — selon l'OCDE";
        for (a, _) in text.char_indices() {
            for (b, _) in text[a..].char_indices().chain([(text.len() - a, ' ')]) {
                assert_eq!(fnv(&text[a..a + b]), reference(&text[a..a + b]));
            }
        }
        // Known values of FNV-1a 64.
        assert_eq!(fnv(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn estimates_jaccard_similarity() {
        let base = text(1, 400);
        assert_eq!(similarity(&signature(&base), &signature(&base)), 1.0);
        // Replace a growing share of the words: the estimate follows the true similarity.
        for (step, changed) in [(40, 10), (10, 40), (4, 100)] {
            let mut other = base.clone();
            let noise = text(2, other.len());
            for i in (0..other.len()).step_by(step) {
                other[i] = noise[i].clone();
            }
            let (a, b) = (shingles(&base), shingles(&other));
            let exact = a.intersection(&b).count() as f64 / a.union(&b).count() as f64;
            let est = similarity(&signature(&base), &signature(&other));
            assert!((est - exact).abs() < 0.1, "{changed} changed: {est} vs {exact}");
        }
        let unrelated = similarity(&signature(&base), &signature(&text(3, 400)));
        assert!(unrelated < 0.1, "{unrelated}");
    }

    #[test]
    fn short_texts_have_no_signature_and_small_ones_are_dense() {
        assert!(signature(&text(4, 10)).is_empty());
        // 12 shingles fill at most 12 of the 64 bins: the others borrow, and copies still match.
        let small = text(5, 15);
        let sig = signature(&small);
        assert_eq!(sig.len(), HASHES);
        assert_eq!(similarity(&sig, &signature(&small)), 1.0);
    }
}
