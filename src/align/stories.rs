//! Stories and copies, without comparing every pair of documents.
//!
//! Copies: each document's MinHash signature is cut into LSH bands; documents sharing a band
//! bucket are candidates, verified by estimated Jaccard similarity. A document is compared with
//! at most `BUCKET_CAP` earlier documents per bucket, so the work per document is bounded.
//!
//! Stories: each document's salient features (its most-mentioned entities, weighted by type,
//! and its counted quantities) go into an inverted index; a document joins the story of the
//! earlier document it shares most feature weight with, looked up through posting lists capped
//! at `POSTING_CAP`, so the cost is linear in the number of documents. Features that name a
//! topic rather than a story link nothing, and a story has a size cap (see `stories`).

use super::DocRecord;
use crate::claims::{Claim, HASHES, Kind, mix};
use crate::hash::SeededMap;
use std::collections::VecDeque;

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
/// A feature carried by more than this share of the documents, and by more than
/// `TOPIC_MIN_DOCS`, names a topic and links nothing.
const TOPIC_SHARE: f64 = 0.01;
const TOPIC_MIN_DOCS: usize = 50;
/// Documents a story takes through shared features (copies join their original regardless).
pub const MAX_STORY: usize = 200;
/// Documents dated further apart than this many days are not linked by features.
const STORY_DAYS: i64 = 7;

/// Days since 1970-01-01 of a date written `YYYY-MM-DD` (possibly followed by a time), or
/// `None` when the date is missing or written otherwise.
pub fn day_number(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || b.get(10).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| date.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (proleptic Gregorian), after H. Hinnant.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// For each document: the earlier document it copies, with the similarity.
///
/// Band by band, the (bucket key, document) pairs are sorted, so that each bucket's documents
/// come together in corpus order; a document is compared with the first `BUCKET_CAP` earlier
/// documents of each of its buckets. (A hash map of every bucket of every band held 32 lists
/// per document at once: the peak of a run's memory.) Bands are searched in parallel, each
/// worker holding one band's keys and its own best candidates.
///
/// `signatures` holds the signatures whose slots the documents' records give, one after the
/// other: the comparisons, millions on a large corpus, read them straight from that table in
/// bucket order instead of going through each document's record to a signature of its own (on
/// synth 1 GB, cache misses on those two loads were most of the search's time).
pub fn copies(docs: &[DocRecord], signatures: &[u32]) -> Vec<Option<(usize, f64)>> {
    use rayon::prelude::*;
    // (document, slot of its signature in `signatures`) for the documents that have one.
    let signed: Vec<(u32, u32)> =
        docs.iter().enumerate().filter_map(|(i, d)| Some((i as u32, d.signature?))).collect();
    let sig = |slot: u32| &signatures[slot as usize * HASHES..(slot as usize + 1) * HASHES];
    // The better of two candidate originals: higher similarity, then the earlier document. A
    // total order, so the bands can be searched in any order, in parallel, with the same result.
    let better =
        |a: Option<(usize, f64)>, b: Option<(usize, f64)>| match (a, b) {
            (Some((aj, a_sim)), Some((bj, b_sim))) => {
                if b_sim > a_sim || (b_sim == a_sim && bj < aj) { b } else { a }
            }
            (None, b) => b,
            (a, None) => a,
        };
    let search_band = |mut best: Vec<Option<(usize, f64)>>, b: usize| {
        // (bucket key, document, its signature): sorted, each bucket's documents come
        // together in corpus order.
        let mut keys: Vec<(u64, u32, u32)> = signed
            .iter()
            .map(|&(i, slot)| {
                let rows = &sig(slot)[b * ROWS..(b + 1) * ROWS];
                let mut h = mix(b as u64 + 1);
                for &r in rows {
                    h = mix(h ^ u64::from(r));
                }
                (h, i, slot)
            })
            .collect();
        keys.sort_unstable();
        for bucket in keys.chunk_by(|x, y| x.0 == y.0) {
            for (p, &(_, i, si)) in bucket.iter().enumerate().skip(1) {
                // A bucket's documents lie far apart in a table larger than the caches on a
                // large corpus (112 MB on synth 1 GB): each waited for its signature. Asked
                // for two documents ahead, the search there took 1.83 s instead of 2.22 s (at
                // 2 threads; four ahead gave the same).
                if let Some(&(_, _, next)) = bucket.get(p + PREFETCH) {
                    prefetch(sig(next));
                }
                let i = i as usize;
                for &(_, j, sj) in &bucket[..p.min(BUCKET_CAP)] {
                    let j = j as usize;
                    // A copy shares most bands with its original: the pair already found in
                    // an earlier band of this fold would only give the same similarity again.
                    if best[i].is_some_and(|(k, _)| k == j) {
                        continue;
                    }
                    let sim = crate::claims::similarity(sig(si), sig(sj));
                    if sim >= COPY_THRESHOLD {
                        best[i] = better(best[i], Some((j, sim)));
                    }
                }
            }
        }
        best
    };
    // One run of bands per thread: each fold holds a best-candidate vector per document, so
    // their number, not the number of bands, bounds the memory.
    let per_thread = BANDS.div_ceil(rayon::current_num_threads().max(1));
    let best: Vec<Option<(usize, f64)>> = (0..BANDS)
        .into_par_iter()
        .with_min_len(per_thread)
        .fold(|| vec![None; docs.len()], search_band)
        .reduce(
            || vec![None; docs.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x = better(*x, y);
                }
                a
            },
        );
    // Point at the original, not at another copy.
    let mut out: Vec<Option<(usize, f64)>> = vec![None; docs.len()];
    for i in 0..docs.len() {
        out[i] = best[i].map(|(j, s)| (out[j].map_or(j, |o| o.0), s));
    }
    out
}

/// How many documents ahead in a bucket the copy search asks for a signature.
const PREFETCH: usize = 2;

/// Asks the processor to start loading `sig` into its caches, in steps of 64 bytes (16 hashes,
/// a cache line; a signature not aligned to one may leave its last line to the load itself).
#[inline(always)]
fn prefetch(sig: &[u32]) {
    #[cfg(target_arch = "x86_64")]
    for line in sig.chunks(16) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of x86_64, and a prefetch is a hint that reads nothing and
        // cannot fault, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = sig;
}

/// A feature (entity or counted quantity) as a 64-bit hash of its kind and text.
fn feature_hash(tag: u8, parts: &[&str]) -> u64 {
    let mut h = mix(u64::from(tag) + 1);
    for p in parts {
        for b in p.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = mix(h ^ 0xff);
    }
    h
}

/// Story features of a document, sorted by hash: its most-mentioned entities (`entities`:
/// id, type, mentions) and its counted quantities.
pub fn features(entities: &[(&str, &str, u32)], claims: &[Claim]) -> Vec<(u64, f32)> {
    let mut ents: Vec<&(&str, &str, u32)> = entities.iter().collect();
    // Most mentioned first; ties by id so the choice is deterministic.
    ents.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(b.0)));
    let mut out: Vec<(u64, f32)> = ents
        .iter()
        .take(SALIENT)
        .map(|(id, ty, _)| {
            // Countries are named by most stories; other entities characterize one.
            let w = if *ty == "country" { 0.5 } else { 1.0 };
            (feature_hash(b'e', &[id]), w)
        })
        .collect();
    for c in claims {
        if c.kind == Kind::Quantity && !c.head.is_empty() && !c.derived {
            out.push((feature_hash(b'q', &[&c.key, &c.value]), 1.0));
        }
    }
    out.sort_by_key(|f| f.0);
    out.dedup_by_key(|f| f.0);
    out
}

/// The story number (0-based, in order of first document) of each document.
///
/// In corpus order, a document joins the story of the earlier document it shares most feature
/// weight with (at least `LINK`), or starts a new story; a copy joins its original's. A
/// document never merges two existing stories: single-link merging chains everything that
/// shares a name into one component (on 10,000 French news articles, one "story" held 70% of
/// them). Two more rules keep stories stories:
/// - a feature carried by more than `TOPIC_SHARE` of the documents (and by more than
///   `TOPIC_MIN_DOCS`) names a topic (a country, a president, a news agency), not a story, and
///   links nothing — so a small corpus about one event keeps all its links;
/// - a story linked by features takes at most `MAX_STORY` documents: past that it is a topic,
///   and a document that would join it joins its next best story or starts a new one;
/// - documents whose dates (`YYYY-MM-DD`) are both known and more than `STORY_DAYS` apart
///   report different events (a car review and the next year's model), so they do not link.
///
/// The cost is linear: a feature's posting list holds its `POSTING_CAP` latest documents.
pub fn stories(docs: &[DocRecord], copy_of: &[Option<(usize, f64)>]) -> Vec<usize> {
    let feats: Vec<&[(u64, f32)]> = docs.iter().map(|d| d.features.as_slice()).collect();
    let near = |i: usize, j: usize| match (docs[i].day, docs[j].day) {
        (Some(a), Some(b)) => (a - b).abs() <= STORY_DAYS,
        _ => true,
    };
    // Keys are hashes of the input's words: foldhash, seeded (see crate::hash), not SipHash.
    let mut df: SeededMap<u64, u32> = SeededMap::default();
    for f in &feats {
        for (h, _) in f.iter() {
            *df.entry(*h).or_default() += 1;
        }
    }
    let topical = TOPIC_MIN_DOCS.max((TOPIC_SHARE * docs.len() as f64).ceil() as usize);
    // A feature no other document has links nothing either: it needs no posting list.
    let linking = |h: &u64| df.get(h).is_some_and(|n| *n >= 2 && (*n as usize) <= topical);
    let mut story: Vec<usize> = Vec::with_capacity(docs.len());
    // Documents of each story, and how many joined it through features (not as copies).
    let mut linked_size: Vec<usize> = Vec::new();
    let mut postings: SeededMap<u64, VecDeque<u32>> = SeededMap::default();
    // Iterated only to be sorted (candidates by weight, then document).
    let mut scores: SeededMap<usize, f64> = SeededMap::default();
    for (i, f) in feats.iter().enumerate() {
        let joined = if let Some((j, _)) = copy_of[i] {
            Some(story[j])
        } else {
            scores.clear();
            for (h, w) in f.iter().filter(|(h, _)| linking(h)) {
                for &j in postings.get(h).into_iter().flatten() {
                    *scores.entry(j as usize).or_default() += f64::from(*w);
                }
            }
            let mut cands: Vec<(usize, f64)> = scores
                .iter()
                .filter(|(j, s)| **s >= LINK && near(i, **j))
                .map(|(j, s)| (*j, *s))
                .collect();
            // Best shared weight first, then the earliest document.
            cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let best = cands.iter().map(|(j, _)| story[*j]).find(|s| linked_size[*s] < MAX_STORY);
            if let Some(s) = best {
                linked_size[s] += 1;
            }
            best
        };
        let s = joined.unwrap_or_else(|| {
            linked_size.push(1);
            linked_size.len() - 1
        });
        story.push(s);
        for (h, _) in f.iter().filter(|(h, _)| linking(h)) {
            let list = postings.entry(*h).or_default();
            if list.len() >= POSTING_CAP {
                list.pop_front();
            }
            list.push_back(u32::try_from(i).expect("fewer than 2^32 documents"));
        }
    }
    story
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(day_number("2020-07-02T10:00:00Z"), Some(18_445));
        assert_eq!(
            day_number("2021-03-01").zip(day_number("2021-02-28")).map(|(a, b)| a - b),
            Some(1)
        );
        assert_eq!(day_number("2020-13-01"), None);
        assert_eq!(day_number("2 juillet 2020"), None);
        assert_eq!(day_number(""), None);
    }

    fn doc(index: usize, date: &str, entities: &[&str]) -> DocRecord {
        let ents: Vec<(&str, &str, u32)> = entities.iter().map(|e| (*e, "person", 2)).collect();
        DocRecord {
            summary: super::super::DocSummary { index, ..Default::default() },
            day: day_number(date),
            features: features(&ents, &[]),
            ..Default::default()
        }
    }

    #[test]
    fn copies_find_their_original_through_the_signature_slots() {
        // Documents 0 and 3 have no signature, so slots and document indices differ.
        let sig =
            |seed: u64| -> Vec<u32> { (0..HASHES as u64).map(|k| mix(seed ^ k) as u32).collect() };
        let mut near = sig(2);
        near[..8].copy_from_slice(&sig(9)[..8]);
        let texts = [None, Some(sig(1)), Some(sig(2)), None, Some(sig(3)), Some(near)];
        let mut signatures = Vec::new();
        let docs: Vec<DocRecord> = texts
            .iter()
            .enumerate()
            .map(|(index, t)| DocRecord {
                summary: super::super::DocSummary { index, ..Default::default() },
                signature: t.as_ref().map(|s| {
                    signatures.extend_from_slice(s);
                    (signatures.len() / HASHES - 1) as u32
                }),
                ..Default::default()
            })
            .collect();
        let found = copies(&docs, &signatures);
        assert_eq!(found[5], Some((2, 56.0 / 64.0)));
        assert!(found.iter().take(5).all(Option::is_none), "{found:?}");
    }

    #[test]
    fn a_bridge_does_not_merge_stories_and_dates_part_events() {
        let docs = vec![
            doc(0, "2020-01-01", &["a", "b"]),
            doc(1, "2020-01-02", &["c", "d"]),
            // Shares two names with each: joins the first, merges nothing.
            doc(2, "2020-01-02", &["a", "b", "c", "d"]),
            doc(3, "2020-01-03", &["c", "d"]),
            // The same names a year later: another event.
            doc(4, "2021-01-03", &["a", "b"]),
            // Undated: links by names alone.
            doc(5, "", &["a", "b"]),
        ];
        let copies = vec![None; docs.len()];
        assert_eq!(stories(&docs, &copies), [0, 1, 0, 1, 2, 0]);
    }
}
