//! Stories and copies, without comparing every pair of documents.
//!
//! Copies: each document's MinHash signature is cut into LSH bands; documents sharing a band
//! bucket are candidates, verified by estimated Jaccard similarity. A bucket remembers at most
//! `BUCKET_CAP` documents, so the work per document is bounded.
//!
//! Stories: each document's salient features (its most-mentioned entities, weighted by type,
//! and its counted quantities) go into an inverted index; a document is linked to earlier ones
//! sharing enough feature weight, looked up through posting lists capped at `POSTING_CAP`.
//! Linked documents (and copies) form a story (union-find), so the cost is linear in the
//! number of documents.

use super::DocRecord;
use crate::claims::{Kind, mix};
use std::collections::HashMap;

/// LSH banding of the 64-hash signature: 32 bands of 2 rows catch pairs above ~0.4 Jaccard.
const BANDS: usize = 32;
const ROWS: usize = 2;
const BUCKET_CAP: usize = 16;
/// Estimated Jaccard of word 4-shingles above which a text is a copy of another.
pub const COPY_THRESHOLD: f64 = 0.5;
/// Salient entities per document.
const SALIENT: usize = 6;
const POSTING_CAP: usize = 64;
/// Shared feature weight linking two documents into one story.
const LINK: f64 = 1.5;

/// Union-find over document positions.
struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut y = x;
        while self.0[y] != r {
            let n = self.0[y];
            self.0[y] = r;
            y = n;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller position is the root: story order follows corpus order.
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

/// For each document: the earlier document it copies, with the similarity.
pub fn copies(docs: &[DocRecord]) -> Vec<Option<(usize, f64)>> {
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut out: Vec<Option<(usize, f64)>> = vec![None; docs.len()];
    for (i, d) in docs.iter().enumerate() {
        if d.signature.len() < BANDS * ROWS {
            continue;
        }
        let mut best: Option<(usize, f64)> = None;
        let mut keys = [0u64; BANDS];
        for (b, key) in keys.iter_mut().enumerate() {
            let mut h = mix(b as u64 + 1);
            for r in 0..ROWS {
                h = mix(h ^ u64::from(d.signature[b * ROWS + r]));
            }
            *key = h;
            if let Some(list) = buckets.get(key) {
                for &j in list {
                    let sim = crate::claims::similarity(&d.signature, &docs[j].signature);
                    if sim >= COPY_THRESHOLD
                        && best.is_none_or(|(bj, bs)| sim > bs || (sim == bs && j < bj))
                    {
                        best = Some((j, sim));
                    }
                }
            }
        }
        // Point at the original, not at another copy.
        out[i] = best.map(|(j, s)| (out[j].map_or(j, |o| o.0), s));
        for key in keys {
            let list = buckets.entry(key).or_default();
            if list.len() < BUCKET_CAP {
                list.push(i);
            }
        }
    }
    out
}

/// Feature weights of one document.
fn features(d: &DocRecord) -> Vec<(String, f64)> {
    let mut ents: Vec<&(String, String, u32)> = d.entities.iter().collect();
    // Most mentioned first; ties by id so the choice is deterministic.
    ents.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let mut out: Vec<(String, f64)> = ents
        .iter()
        .take(SALIENT)
        .map(|(id, ty, _)| {
            // Countries are named by most stories; other entities characterize one.
            let w = if ty == "country" { 0.5 } else { 1.0 };
            (format!("e:{id}"), w)
        })
        .collect();
    for c in &d.claims {
        if c.kind == Kind::Quantity && !c.head.is_empty() && !c.derived {
            out.push((format!("q:{}={}", c.key, c.value), 1.0));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// The story number (0-based, in order of first document) of each document.
pub fn stories(docs: &[DocRecord], copy_of: &[Option<(usize, f64)>]) -> Vec<usize> {
    let mut dsu = Dsu((0..docs.len()).collect());
    let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
    let mut scores: HashMap<usize, f64> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        if let Some((j, _)) = copy_of[i] {
            dsu.union(i, j);
        }
        let feats = features(d);
        scores.clear();
        for (f, w) in &feats {
            if let Some(list) = postings.get(f) {
                for &j in list {
                    *scores.entry(j).or_default() += w;
                }
            }
        }
        let mut linked: Vec<usize> =
            scores.iter().filter(|(_, s)| **s >= LINK).map(|(j, _)| *j).collect();
        linked.sort_unstable();
        for j in linked {
            dsu.union(i, j);
        }
        for (f, _) in feats {
            let list = postings.entry(f).or_default();
            if list.len() >= POSTING_CAP {
                list.remove(0);
            }
            list.push(i);
        }
    }
    let mut number: HashMap<usize, usize> = HashMap::new();
    (0..docs.len())
        .map(|i| {
            let r = dsu.find(i);
            let n = number.len();
            *number.entry(r).or_insert(n)
        })
        .collect()
}
