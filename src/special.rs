//! Finding bytes of a few kinds many bytes at a time: those a report format cannot write as
//! they are (JSON's quotes, backslashes and controls; CSV's commas, quotes and line breaks),
//! and those where decoding has something to check (controls, invisible characters, marks).
//! Most cells, strings and lines have none, and are then copied or passed over whole instead
//! of checked one byte at a time.

/// A set of bytes: those below `below`, those of `these`, and those from `from` up when it is
/// set. `below` is at most 0x80 (the word test holds below that), and the letter `a`, which
/// pads short slices, is not special.
pub struct Special<const N: usize> {
    pub below: u8,
    pub these: [u8; N],
    pub from: Option<u8>,
}

/// Eight bytes each set to `b`.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Eight plain bytes, to fill a vector when there are fewer to check.
const PLAIN: u64 = splat(b'a');

impl<const N: usize> Special<N> {
    /// Whether byte `b` is special.
    #[inline]
    pub fn byte(&self, b: u8) -> bool {
        // Comparisons without a branch (not `contains`, a search), so that `block` vectorizes.
        let from = self.from.is_some_and(|f| b >= f);
        self.these.iter().fold(b < self.below || from, |found, &t| found | (b == t))
    }

    /// Whether any of the eight bytes of `x` is special. Each test is the classic "has a byte
    /// below n" (`(x - n) & !x & 0x80…`), exact as a yes/no answer; the bytes of `these` are
    /// made zero bytes by a xor. (`any_in` does not ask it of a set with `from`.)
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    fn word(&self, x: u64) -> bool {
        const HIGH: u64 = splat(0x80);
        let below = |v: u64, n: u8| v.wrapping_sub(splat(n)) & !v & HIGH;
        let mut found = below(x, self.below);
        for &b in &self.these {
            found |= below(x ^ splat(b), 1);
        }
        found != 0
    }

    /// Whether any of sixteen bytes is special. Written without an early exit, so that the
    /// compiler can check the sixteen at once with vector instructions.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    fn block(&self, block: &[u8]) -> bool {
        let mut found = false;
        for &b in &block[..16] {
            found |= self.byte(b);
        }
        found
    }

    /// Whether any byte of two words is special.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    fn words(&self, lo: u64, hi: u64) -> bool {
        if self.from.is_some() {
            return [lo, hi].iter().flat_map(|w| w.to_ne_bytes()).any(|b| self.byte(b));
        }
        self.word(lo) || self.word(hi)
    }

    /// Position of the first special byte of `bytes`.
    #[cfg(not(target_arch = "x86_64"))]
    pub fn position(&self, bytes: &[u8]) -> Option<usize> {
        bytes.iter().position(|&b| self.byte(b))
    }

    /// Whether any of sixteen bytes is special.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn block(&self, block: &[u8]) -> bool {
        self.mask(block) != 0
    }

    /// Which of the sixteen bytes of `block` are special, as the low bits of a mask.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn mask(&self, block: &[u8]) -> u32 {
        let block: &[u8; 16] = block[..16].try_into().expect("sixteen bytes");
        // SAFETY: SSE2 is part of every x86-64 target; the load is an unaligned read of the
        // sixteen bytes of `block`.
        self.vector(unsafe { std::arch::x86_64::_mm_loadu_si128(block.as_ptr().cast()) })
    }

    /// Whether any byte of two words is special.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn words(&self, lo: u64, hi: u64) -> bool {
        // SAFETY: SSE2 is part of every x86-64 target.
        self.vector(unsafe { std::arch::x86_64::_mm_set_epi64x(hi as i64, lo as i64) }) != 0
    }

    /// Which of the sixteen bytes of `v` are special, in SSE2 (every x86-64 has it): one
    /// comparison per byte value of `these` and one per bound, then one mask. The compiler's
    /// vectorization of the portable loop took 22 instructions a block, most of them to
    /// gather the sixteen answers, and the word tests 4 per byte value and word.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn vector(&self, v: std::arch::x86_64::__m128i) -> u32 {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_max_epu8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8, _mm_setzero_si128,
        };
        // SAFETY: SSE2 is part of every x86-64 target.
        unsafe {
            // b < below, unsigned: min(b, below - 1) is b.
            let mut found = match self.below.checked_sub(1) {
                Some(top) => _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(top as i8)), v),
                None => _mm_setzero_si128(),
            };
            // b >= from, unsigned: max(b, from) is b.
            if let Some(from) = self.from {
                let at_least = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(from as i8)), v);
                found = _mm_or_si128(found, at_least);
            }
            for &t in &self.these {
                found = _mm_or_si128(found, _mm_cmpeq_epi8(v, _mm_set1_epi8(t as i8)));
            }
            _mm_movemask_epi8(found) as u32
        }
    }

    /// Position of the first special byte of `bytes`: sixteen bytes at a time, the last
    /// sixteen read where they end, the bits of bytes already read shifted out.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    pub fn position(&self, bytes: &[u8]) -> Option<usize> {
        let n = bytes.len();
        if n < 16 {
            // Padded to a block (ids, labels, short words), the padding's bits masked off.
            let mut block = [b'a'; 16];
            block[..n].copy_from_slice(bytes);
            let m = self.mask(&block) & ((1 << n) - 1);
            return (m != 0).then(|| m.trailing_zeros() as usize);
        }
        let mut i = 0;
        while i + 16 <= n {
            let m = self.mask(&bytes[i..]);
            if m != 0 {
                return Some(i + m.trailing_zeros() as usize);
            }
            i += 16;
        }
        let m = self.mask(&bytes[n - 16..]) >> (16 - (n - i));
        (m != 0).then(|| i + m.trailing_zeros() as usize)
    }

    /// Whether any byte of `bytes` is special: sixteen bytes at a time, the last sixteen read
    /// where they end (overlapping the block before, which only checks some bytes twice). A
    /// shorter slice (ids, labels, keys, numbers) is read as two overlapping words, two
    /// overlapping halves and plain letters, or three bytes and plain letters.
    #[inline]
    pub fn any_in(&self, bytes: &[u8]) -> bool {
        let n = bytes.len();
        let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().expect("eight bytes"));
        let half = |c: &[u8]| u64::from(u32::from_ne_bytes(c.try_into().expect("four bytes")));
        if n >= 16 {
            bytes.chunks_exact(16).any(|c| self.block(c)) || self.block(&bytes[n - 16..])
        } else if n >= 8 {
            self.words(word(&bytes[..8]), word(&bytes[n - 8..]))
        } else if n >= 4 {
            self.words(half(&bytes[..4]) | half(&bytes[n - 4..]) << 32, PLAIN)
        } else if n > 0 {
            let padded = [bytes[0], bytes[n / 2], bytes[n - 1], b'a', b'a', b'a', b'a', b'a'];
            self.words(u64::from_ne_bytes(padded), PLAIN)
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Special;
    use proptest::prelude::*;

    const SETS: [Special<4>; 5] = [
        Special { below: 0x20, these: [b'"', b'\\', b'"', b'"'], from: None },
        Special { below: 0, these: [b',', b'"', b'\r', b'\n'], from: None },
        Special { below: 1, these: [b'\t', b'~', 0xff, 0xc3], from: None },
        Special { below: 0x20, these: [0x7f, 0xc2, 0xe2, 0xef], from: None },
        Special { below: 0, these: [b'"'; 4], from: Some(0xcc) },
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// Slices of every length up to 40, mostly plain, with bytes of every kind.
        #[test]
        fn any_in_agrees_with_checking_each_byte(
            bytes in proptest::collection::vec(
                prop_oneof![8 => b'a'..=b'z', 1 => any::<u8>(), 1 => Just(b'"'), 1 => Just(b',')],
                0..70,
            )
        ) {
            for set in &SETS {
                prop_assert_eq!(set.any_in(&bytes), bytes.iter().any(|&b| set.byte(b)));
                prop_assert_eq!(set.position(&bytes), bytes.iter().position(|&b| set.byte(b)));
            }
        }
    }

    /// Each special byte alone at each place of plain slices of every length up to 33.
    #[test]
    fn one_special_byte_anywhere_is_found() {
        for set in &SETS {
            for b in (0..=255u8).filter(|&b| set.byte(b)) {
                for len in 1..=33 {
                    for at in 0..len {
                        let mut bytes = vec![b'x'; len];
                        bytes[at] = b;
                        assert!(set.any_in(&bytes), "{b:#x} at {at} of {len}");
                        assert_eq!(set.position(&bytes), Some(at), "{b:#x} at {at} of {len}");
                    }
                }
            }
            for len in 0..=33 {
                assert!(!set.any_in(&vec![b'x'; len]));
                assert_eq!(set.position(&vec![b'x'; len]), None);
            }
        }
    }
}
