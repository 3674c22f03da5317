//! Corpus-level line counts, gathered in the pipeline's first parallel pass: in how many
//! documents does each (normalized) line occur? Site furniture that no table lists ("Focus
//! Thématiques", a site's own slogan) recurs across many unrelated documents.
//!
//! Memory is bounded whatever the corpus size: counts live in a count-min sketch of fixed size
//! (4 rows × 2^18 saturating 16-bit counters, 2 MiB), which can only over-estimate. Each
//! document contributes each distinct line once. Per-document hashes wait in a small pending
//! list until a merge folds them into the sketch, so the many partial results rayon creates
//! cost nothing until they meet. Counts are sums, so the result does not depend on the order
//! of merges or on the thread count.

use super::features::line_hash;
use crate::document::Document;

const ROWS: usize = 4;
const WIDTH_BITS: u32 = 18;
const WIDTH: usize = 1 << WIDTH_BITS;
/// Pending hashes beyond which a merge folds them into a sketch.
const PENDING_MAX: usize = 1 << 15;

/// Corpus-level line statistics. Mergeable, so the first pass can fold in parallel.
#[derive(Debug, Default, Clone)]
pub struct CorpusStats {
    /// Hashes observed but not yet in the sketch (each document's distinct lines).
    pending: Vec<u64>,
    sketch: Option<Box<[u16]>>,
    /// Documents observed.
    docs: u64,
    /// Whether `pending` is sorted (after `seal`), so that `count` can binary-search it: a
    /// small corpus keeps up to `PENDING_MAX` hashes there, and a linear scan per line would
    /// cost more than the rest of the structure stage.
    sealed: bool,
}

/// A hash's slot in each row: `h1 + row * h2` (double hashing). Line hashes are odd (0 means
/// "no hash"), so their lowest bit is left out: taking it into `h1`, with an odd `h2`, used only
/// the odd slots of rows 0 and 2 and the even slots of rows 1 and 3, half of each row.
fn slots(h: u64) -> impl Iterator<Item = usize> {
    let h1 = (h >> 1) as u32;
    let h2 = ((h >> 33) as u32) | 1;
    (0..ROWS).map(move |r| {
        r * WIDTH + (h1.wrapping_add((r as u32).wrapping_mul(h2)) as usize & (WIDTH - 1))
    })
}

impl CorpusStats {
    /// Whether the analysis needs the first pass at all.
    pub const NEEDED: bool = true;

    /// Counts the distinct lines of one document.
    pub fn observe(&mut self, doc: &Document) {
        let start = self.pending.len();
        self.pending.extend(
            crate::document::split_lines(&doc.text)
                .filter(|l| !l.trim().is_empty())
                .map(|l| line_hash(l.trim())),
        );
        self.pending[start..].sort_unstable();
        let mut w = start;
        for r in start..self.pending.len() {
            if w == start || self.pending[w - 1] != self.pending[r] {
                self.pending[w] = self.pending[r];
                w += 1;
            }
        }
        self.pending.truncate(w);
        self.docs += 1;
        self.sealed = false;
        if self.pending.len() > PENDING_MAX {
            self.flush();
        }
    }

    /// Adds up two partial results.
    pub fn merge(mut self, mut other: CorpusStats) -> CorpusStats {
        self.docs += other.docs;
        match (&mut self.sketch, other.sketch.take()) {
            (Some(mine), Some(theirs)) => {
                for (a, b) in mine.iter_mut().zip(theirs.iter()) {
                    *a = a.saturating_add(*b);
                }
            }
            (None, Some(theirs)) => self.sketch = Some(theirs),
            _ => {}
        }
        self.pending.append(&mut other.pending);
        self.sealed = false;
        if self.sketch.is_some() || self.pending.len() > PENDING_MAX {
            self.flush();
        }
        self
    }

    fn flush(&mut self) {
        let sketch = self.sketch.get_or_insert_with(|| vec![0u16; ROWS * WIDTH].into_boxed_slice());
        for &h in &self.pending {
            for s in slots(h) {
                sketch[s] = sketch[s].saturating_add(1);
            }
        }
        self.pending = Vec::new();
    }

    /// Ends the counting: the statistics are read-only from here on, and `count` is fast.
    pub fn seal(mut self) -> CorpusStats {
        self.pending.sort_unstable();
        self.sealed = true;
        self
    }

    /// Documents observed.
    pub fn docs(&self) -> u64 {
        self.docs
    }

    /// In how many documents a line with this hash occurs (an upper bound).
    pub fn count(&self, hash: u64) -> u32 {
        let sketched =
            self.sketch.as_ref().map_or(0, |s| slots(hash).map(|i| s[i]).min().unwrap_or(0));
        // Only small corpora keep hashes pending at the end.
        let pending = if self.sealed {
            let from = self.pending.partition_point(|&h| h < hash);
            self.pending[from..].partition_point(|&h| h == hash)
        } else {
            self.pending.iter().filter(|&&h| h == hash).count()
        };
        u32::from(sketched) + pending as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Document, Meta};

    fn doc(text: &str) -> Document {
        Document {
            index: 0,
            id: "d".into(),
            path: "d".into(),
            record_id: String::new(),
            meta: Meta::default(),
            encoding: "utf-8".into(),
            bytes: text.len(),
            text: text.into(),
        }
    }

    #[test]
    fn every_slot_of_every_row_is_used() {
        // 65,536 hashes fill about 57,984 of a row's 2^18 slots if they spread evenly over it
        // (51,572 if they reach only half of it).
        let hashes: Vec<u64> =
            super::super::features::random_lines(1 << 16).iter().map(|l| line_hash(l)).collect();
        for row in 0..ROWS {
            let used: std::collections::HashSet<usize> =
                hashes.iter().map(|&h| slots(h).nth(row).expect("a slot per row")).collect();
            assert!((57_000..59_000).contains(&used.len()), "row {row}: {}", used.len());
        }
    }

    #[test]
    fn counts_documents_not_lines() {
        let mut a = CorpusStats::default();
        a.observe(&doc("Menu\nMenu\nUn texte."));
        let mut b = CorpusStats::default();
        b.observe(&doc("Menu\nAutre texte."));
        let m = a.clone().merge(b.clone());
        assert_eq!(m.count(line_hash("Menu")), 2);
        assert_eq!(m.count(line_hash("Un texte.")), 1);
        assert_eq!(m.docs(), 2);
        // Sealed, the same counts by binary search.
        let sealed = m.clone().seal();
        assert_eq!(sealed.count(line_hash("Menu")), 2);
        assert_eq!(sealed.count(line_hash("Un texte.")), 1);
        assert_eq!(sealed.count(line_hash("jamais vu")), 0);
        // The same counts once sketched, in either merge order.
        let big = CorpusStats {
            pending: (0..PENDING_MAX as u64 + 1).map(|i| i * 7919 + 3).collect(),
            ..CorpusStats::default()
        };
        let s1 = big.clone().merge(a.clone()).merge(b.clone());
        let s2 = b.merge(a.merge(big));
        assert_eq!(s1.count(line_hash("Menu")), 2);
        assert_eq!(s2.count(line_hash("Menu")), 2);
        assert_eq!(s1.count(line_hash("jamais vu")), s2.count(line_hash("jamais vu")));
    }
}
