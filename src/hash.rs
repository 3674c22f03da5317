//! Fast hash maps. `Fx` is for the short words of the per-language lexicons, looked up for
//! every token of every line by the entities and claims stages (the default SipHash was a tenth
//! of a stage): their keys are fixed data shipped with the program, so hash flooding is no
//! concern. `SeededMap` is for keys taken from the input, on the thread that takes every
//! document in corpus order: foldhash, seeded afresh in each process, so crafted input cannot
//! choose colliding keys, at a fraction of SipHash's cost. `Packed` holds a word of up to 16
//! bytes inside the key itself, for tables looked up once per word (`WordMap`, `WordSet`, the
//! claims stage's table of text2num's answers): a found word is compared in the table's own
//! memory, not through a pointer to its bytes.

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
            self.insert_shape(b, word.len());
        }
    }

    /// Admits the words of first byte `first` and length `len`, whatever their other bytes.
    pub fn insert_shape(&mut self, first: u8, len: usize) {
        self.0[first as usize] |= Self::bit(len);
    }

    /// False when no inserted word has `word`'s first byte and length.
    #[inline]
    pub fn may_contain(&self, word: &str) -> bool {
        word.as_bytes().first().is_some_and(|&b| self.may_contain_shape(b, word.len()))
    }

    /// False when no inserted word has first byte `first` and length `len`: for callers that
    /// hold a word as a span of a text, which they need not slice (and check) to reject it.
    #[inline]
    pub fn may_contain_shape(&self, first: u8, len: usize) -> bool {
        self.0[first as usize] & Self::bit(len) != 0
    }
}

/// A word of up to 16 bytes held whole in two integers and its length: its first and last eight
/// bytes (which overlap below 16), or four bytes for words of 4 to 7 bytes, or bytes 0, n/2 and
/// n-1, which cover words of 1 to 3. With the length they determine the word, so a table keyed
/// by them compares integers in its own memory instead of following a pointer to the word's
/// bytes, and hashes them with two multiplications instead of one per byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packed {
    lo: u64,
    hi: u64,
    /// The length plus one (so that `Option<Packed>` costs no more room).
    len: std::num::NonZeroU8,
}

impl Packed {
    /// The longest word packed.
    pub const MAX: usize = 16;

    /// `w` packed; None when it is longer than [`Packed::MAX`] bytes.
    #[inline]
    pub fn of(w: &[u8]) -> Option<Packed> {
        let n = w.len();
        let u32_at = |i: usize| u64::from(u32::from_le_bytes(w[i..i + 4].try_into().expect("4")));
        let u64_at = |i: usize| u64::from_le_bytes(w[i..i + 8].try_into().expect("8 bytes"));
        let (lo, hi) = match n {
            0 => (0, 0),
            1..=3 => (u64::from(w[0]) | u64::from(w[n / 2]) << 8 | u64::from(w[n - 1]) << 16, 0),
            4..=7 => (u32_at(0), u32_at(n - 4)),
            8..=16 => (u64_at(0), u64_at(n - 8)),
            _ => return None,
        };
        let len = std::num::NonZeroU8::new(n as u8 + 1).expect("at most 17");
        Some(Packed { lo, hi, len })
    }

    /// A hash of the whole key: a multiply-xor mix, good enough for the top bits too.
    #[inline]
    pub fn mix(self) -> u64 {
        (self.lo.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ self.hi ^ u64::from(self.len.get()))
            .wrapping_mul(0xff51_afd7_ed55_8ccd)
    }
}

impl std::hash::Hash for Packed {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.mix());
    }
}

/// A map from words, the short ones held as [`Packed`] keys.
#[derive(Debug, Clone)]
pub struct WordMap<V> {
    short: FxMap<Packed, V>,
    long: FxMap<Box<str>, V>,
}

impl<V> Default for WordMap<V> {
    fn default() -> Self {
        WordMap { short: FxMap::default(), long: FxMap::default() }
    }
}

impl<V> WordMap<V> {
    #[inline]
    pub fn get(&self, word: &str) -> Option<&V> {
        match Packed::of(word.as_bytes()) {
            Some(p) => self.short.get(&p),
            None => self.long.get(word),
        }
    }

    /// The value of `word`, inserted by `make` if it had none.
    pub fn get_or_insert_with(&mut self, word: &str, make: impl FnOnce() -> V) -> &mut V {
        match Packed::of(word.as_bytes()) {
            Some(p) => self.short.entry(p).or_insert_with(make),
            None => self.long.entry(word.into()).or_insert_with(make),
        }
    }

    pub fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A set of words, the short ones held as [`Packed`] keys.
#[derive(Debug, Default, Clone)]
pub struct WordSet(WordMap<()>);

impl WordSet {
    #[inline]
    pub fn contains(&self, word: &str) -> bool {
        self.0.get(word).is_some()
    }

    pub fn insert(&mut self, word: &str) {
        self.0.get_or_insert_with(word, || ());
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> FromIterator<&'a str> for WordSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(words: I) -> Self {
        let mut set = WordSet::default();
        for w in words {
            set.insert(w);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_word_tells_it_from_every_other() {
        let mut next = crate::testing::xorshift(0x5eed_0fba_5e11);
        let letters: Vec<char> = "unedxvigtéèœ-".chars().collect();
        let mut seen: std::collections::HashMap<Packed, String> = Default::default();
        for _ in 0..200_000 {
            let n = next(12);
            let w: String = (0..n).map(|_| letters[next(letters.len())]).collect();
            match Packed::of(w.as_bytes()) {
                None => assert!(w.len() > Packed::MAX, "{w:?}"),
                Some(p) => {
                    assert!(w.len() <= Packed::MAX, "{w:?}");
                    let before = seen.entry(p).or_insert_with(|| w.clone());
                    assert_eq!(*before, w, "two words packed alike");
                }
            }
        }
        // Every length up to 16 bytes came up, and many words of each.
        for n in 0..=Packed::MAX {
            let of_length = seen.values().filter(|w| w.len() == n).count();
            assert!(of_length >= 1 && (n == 0 || of_length > 3), "length {n}");
        }
    }

    #[test]
    fn a_word_set_holds_its_words_short_and_long() {
        let words = ["le", "l", "de", "qu", "aujourd'hui", "anticonstitutionnellement", "", "é"];
        let set: WordSet = words.iter().copied().collect();
        assert_eq!(set.len(), words.len());
        for w in words {
            assert!(set.contains(w), "{w:?}");
        }
        for w in ["la", "ll", "d", "lee", "anticonstitutionnel", "anticonstitutionnellemenT"] {
            assert!(!set.contains(w), "{w:?}");
        }
    }
}
