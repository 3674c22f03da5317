//! The per-document driver of the entities stage.
//!
//! Takes a document, its language, its line labels and the model; promises the mentions of its
//! content lines (title, heading, body), sorted by position, without overlaps (the longer
//! mention wins, then the more confident one). Buffers live in a [`Scratch`] reused from line
//! to line, so the hot loop allocates only when it finds something.

use super::discover::{self, AcronymDef};
use super::fold::Folder;
use super::kb::Kind;
use super::matcher::Hit;
use super::structured::{self, Bare};
use super::{Mention, Model};
use crate::document::Document;
use crate::hash::SeededMap;
use crate::lang::Lang;
use crate::structure::Structure;
use std::collections::BTreeMap;

pub use super::fold::Tok;

/// What a candidate mention refers to.
#[derive(Debug, Clone)]
pub enum Target {
    /// A KB entity (index).
    Kb(u32),
    /// An entity made up here: id and type.
    New(String, &'static str),
}

/// A candidate mention in one line.
#[derive(Debug, Clone)]
pub struct Cand {
    /// Byte span in the original line.
    pub start: usize,
    pub end: usize,
    pub target: Target,
    pub kind: &'static str,
    pub confidence: f32,
}

/// Reusable buffers.
#[derive(Debug, Default)]
pub struct Scratch {
    pub folder: Folder,
    pub hits: Vec<Hit>,
}

/// [`super::find`] with caller-provided buffers.
pub fn find_with(
    doc: &Document,
    lang: &Lang,
    structure: &Structure,
    model: &Model,
    scratch: &mut Scratch,
) -> Vec<Mention> {
    let kb = &model.kb;
    let code = lang.code.as_str();
    // Per content line: (line number, byte range, candidates, how many were resolved).
    // Sized up front: growing it line by line cost a reallocation every few lines.
    let mut lines: Vec<(usize, usize, usize, Vec<Cand>, usize)> =
        Vec::with_capacity(structure.content_lines().count());
    let mut bare: Vec<(usize, Bare)> = Vec::new();
    let mut defs: Vec<AcronymDef> = Vec::new();
    let mut country_counts: SeededMap<u32, (usize, usize)> = SeededMap::default();

    for l in structure.content_lines() {
        let text = &doc.text[l.start..l.end];
        let Scratch { folder, hits } = scratch;
        folder.fold_line(text);
        hits.clear();
        model.matcher.scan(kb, text, folder, code, hits);
        let toks = &folder.toks;

        let mut cands: Vec<Cand> = Vec::with_capacity(hits.len());
        for h in hits.iter() {
            let a = &kb.aliases[h.alias as usize];
            cands.push(Cand {
                start: h.start,
                end: h.end,
                target: Target::Kb(a.entity),
                kind: a.kind.as_str(),
                confidence: confidence(a.kind, a.case),
            });
        }
        let idx = lines.len();
        structured::find(model, text, folder, toks, hits, &mut cands, &mut |b| bare.push((idx, b)));
        discover::line(model, text, folder, toks, &mut cands, &mut defs);
        resolve_overlaps(&mut cands);
        for c in &cands {
            if let Some(country) = country_of(model, &c.target) {
                country_counts.entry(country).or_insert((0, l.start + c.start)).0 += 1;
            }
        }
        let resolved = cands.len();
        lines.push((l.number, l.start, l.end, cands, resolved));
    }

    // Bare government bodies take the document's dominant country.
    let dominant = country_counts
        .iter()
        .max_by_key(|(_, (n, first))| (*n, std::cmp::Reverse(*first)))
        .map(|(&e, _)| e);
    if let Some(country) = dominant {
        for (idx, b) in bare {
            if let Some(c) = structured::resolve(model, country, &b, 0.6) {
                lines[idx].3.push(c);
            }
        }
    }

    // Acronyms defined in the document link to their long form everywhere in it.
    if !defs.is_empty() {
        for (_, start, end, cands, _) in &mut lines {
            discover::acronym_uses(&doc.text[*start..*end], &defs, cands);
        }
    }

    let mut out = Vec::with_capacity(lines.iter().map(|l| l.3.len()).sum());
    for (number, offset, end, mut cands, resolved) in lines {
        let text = &doc.text[offset..end];
        // Candidates added since the line's were resolved (bare bodies, acronyms) may overlap
        // them; without any, the line's are already disjoint and in order. (Acronym uses may
        // retarget a resolved candidate in place, which does not move it.)
        if cands.len() != resolved {
            resolve_overlaps(&mut cands);
        }
        let mut chars_before = 0usize;
        let mut last = 0usize;
        for c in cands {
            chars_before += text[last..c.start].chars().count();
            last = c.start;
            let char_len = text[c.start..c.end].chars().count();
            let (entity, etype) = match &c.target {
                Target::Kb(i) => {
                    let e = &kb.entities[*i as usize];
                    (e.id.clone(), e.etype)
                }
                Target::New(id, t) => (id.clone(), *t),
            };
            out.push(Mention {
                line: number,
                char_start: chars_before,
                char_end: chars_before + char_len,
                byte_start: offset + c.start,
                byte_end: offset + c.end,
                surface: text[c.start..c.end].to_string(),
                entity,
                etype,
                kind: c.kind,
                confidence: c.confidence,
            });
        }
    }
    out
}

/// The country a candidate names or belongs to: a country itself, or a body whose id starts
/// with a country code (`il-mod`, `us-commerce`).
fn country_of(model: &Model, t: &Target) -> Option<u32> {
    let id = match t {
        Target::Kb(e) => {
            let e = *e;
            if model.kb.entities[e as usize].etype == "country" {
                return Some(e);
            }
            model.kb.entities[e as usize].id.as_str()
        }
        Target::New(id, _) => id.as_str(),
    };
    let (cc, _) = id.split_once('-')?;
    if cc.len() != 2 {
        return None;
    }
    let upper = cc.to_ascii_uppercase();
    let &i = model.kb.index.get(&upper)?;
    (model.kb.entities[i as usize].etype == "country").then_some(i)
}

fn confidence(kind: Kind, case: super::kb::Case) -> f32 {
    use super::kb::Case;
    match (kind, case) {
        (Kind::Misspelling, _) => 0.7,
        (Kind::Translation, _) => 0.8,
        (Kind::Acronym, _) => 0.85,
        (Kind::Demonym, _) => 0.9,
        (_, Case::Fold) => 0.9,
        _ => 0.95,
    }
}

/// Keeps non-overlapping candidates: longer spans first, then higher confidence, then earlier.
fn resolve_overlaps(cands: &mut Vec<Cand>) {
    if cands.len() < 2 {
        return;
    }
    // Already disjoint and in order, as a line's alias hits are: all are kept, in this order.
    if cands.windows(2).all(|w| w[0].end <= w[1].start) && cands.iter().all(|c| c.start < c.end) {
        return;
    }
    cands.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Cand> = Vec::with_capacity(cands.len());
    let mut spans = KeptSpans::with_capacity(cands.len());
    for c in cands.drain(..) {
        let free = if c.start < c.end {
            spans.keep_if_free(c.start, c.end)
        } else {
            kept.iter().all(|k| c.end <= k.start || c.start >= k.end)
        };
        if free {
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    *cands = kept;
}

/// The non-empty spans kept so far, by start. They are disjoint, so a span can only overlap
/// the kept one that starts last before its end: one look-up per candidate, not a scan of all
/// kept ones. A line has few candidates, kept in a sorted vector (a `BTreeMap` allocated its
/// nodes at each line); a line with many, which inserting into a vector would make quadratic,
/// keeps them in a `BTreeMap`.
enum KeptSpans {
    Few(Vec<(usize, usize)>),
    Many(BTreeMap<usize, usize>),
}

impl KeptSpans {
    /// Candidates up to which a sorted vector is used.
    const FEW: usize = 64;

    fn with_capacity(n: usize) -> Self {
        if n <= Self::FEW {
            KeptSpans::Few(Vec::with_capacity(n))
        } else {
            KeptSpans::Many(BTreeMap::new())
        }
    }

    /// Keeps the span `start..end` (not empty) if it overlaps no kept span; says whether it did.
    fn keep_if_free(&mut self, start: usize, end: usize) -> bool {
        match self {
            KeptSpans::Few(spans) => {
                let at = spans.partition_point(|&(s, _)| s < end);
                // The kept spans before `at` start before `end`; the last ends by `start` or
                // overlaps. None starts in `start..end`, so `at` is where `start` sorts.
                let free = at == 0 || spans[at - 1].1 <= start;
                if free {
                    spans.insert(at, (start, end));
                }
                free
            }
            KeptSpans::Many(spans) => {
                let free = spans.range(..end).next_back().is_none_or(|(_, &e)| e <= start);
                if free {
                    spans.insert(start, end);
                }
                free
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits the folded line into tokens, as [`Folder::fold_line`] does while folding: the
    /// reference its tokens are checked against.
    fn tokenize(folder: &Folder, line: &str, out: &mut Vec<Tok>) {
        out.clear();
        let hay = folder.text.as_str();
        let bytes = hay.as_bytes();
        let mut start = None;
        let mut next = 0;
        while next < bytes.len() {
            let i = next;
            // Folded text is mostly ASCII: its bytes are tested without decoding a character.
            let alnum = if bytes[i].is_ascii() {
                next += 1;
                bytes[i].is_ascii_alphanumeric()
            } else {
                let c = hay[i..].chars().next().expect("i is on a character boundary");
                next += c.len_utf8();
                crate::latin::is_alphanumeric(c)
            };
            match (alnum, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    let (os, oe) = folder.original_span(s, i, line);
                    out.push(Tok { fs: s, fe: i, os, oe, glued: true });
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            let (os, oe) = folder.original_span(s, hay.len(), line);
            out.push(Tok { fs: s, fe: hay.len(), os, oe, glued: true });
        }
    }

    /// The greedy choice as first written: every kept candidate checked.
    fn by_scan(mut cands: Vec<Cand>) -> Vec<(usize, usize, f32)> {
        cands.sort_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then(b.confidence.total_cmp(&a.confidence))
                .then(a.start.cmp(&b.start))
        });
        let mut kept: Vec<Cand> = Vec::new();
        for c in cands {
            if kept.iter().all(|k| c.end <= k.start || c.start >= k.end) {
                kept.push(c);
            }
        }
        kept.sort_by_key(|c| c.start);
        kept.iter().map(|c| (c.start, c.end, c.confidence)).collect()
    }

    /// The tokens found while folding are the folded line's runs of letters and digits, as
    /// tokenizing the folded line finds them: lines of ASCII and of letters that fold to
    /// several characters (ß, œ, ½), to none (a lone combining mark) or to separators, in
    /// several scripts.
    #[test]
    fn folding_finds_the_tokens_of_the_folded_line() {
        let pieces = [
            "Israël",
            " ",
            "-",
            "États-Unis",
            "l’Inde",
            "ß",
            "Œuvre",
            "½",
            "\u{301}",
            "e\u{301}",
            "日本",
            "Россия",
            "ΣΟΦΙΑ",
            "NSO",
            "2021",
            ",",
            ".",
            "\u{a0}",
            "—",
            "'",
            "x",
            "ﬁ",
            "\t",
            "İ",
            "(a)",
        ];
        let mut next = crate::testing::xorshift(0x70_6b65_6e73);
        let (mut folder, mut want) = (Folder::default(), Vec::new());
        let mut tokens = 0;
        for _ in 0..5000 {
            let line: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            folder.fold_line(&line);
            tokenize(&folder, &line, &mut want);
            let spans = |t: &[Tok]| t.iter().map(|t| (t.fs, t.fe, t.os, t.oe)).collect::<Vec<_>>();
            assert_eq!(spans(&folder.toks), spans(&want), "{line:?}");
            tokens += want.len();
        }
        assert!(tokens > 10_000, "{tokens} tokens");
    }

    /// Lines whose candidates are already disjoint and in order, as resolving leaves them, or
    /// nearly (one span moved or widened, an empty span): resolved as a scan resolves them.
    #[test]
    fn ordered_candidates_resolve_as_a_scan_does() {
        let mut next = crate::testing::xorshift(0x0dd_0e5);
        let mut untouched = 0;
        for round in 0..3000 {
            let mut cands = Vec::new();
            let mut at = 0;
            for _ in 0..2 + next(12) {
                at += next(4);
                let len = 1 + next(9);
                cands.push(Cand {
                    start: at,
                    end: at + len,
                    target: Target::Kb(0),
                    kind: "name",
                    confidence: [0.6, 0.8, 0.9][next(3)],
                });
                at += len;
            }
            let k = next(cands.len());
            match round % 4 {
                0 => cands[k].end += next(6),
                1 => cands[k].start = cands[k].start.saturating_sub(next(4)),
                2 => cands[k].end = cands[k].start,
                _ => {}
            }
            let want = by_scan(cands.clone());
            let before: Vec<_> = cands.iter().map(|c| (c.start, c.end, c.confidence)).collect();
            let mut got = cands;
            resolve_overlaps(&mut got);
            let got: Vec<_> = got.iter().map(|c| (c.start, c.end, c.confidence)).collect();
            assert_eq!(got, want, "round {round}: {before:?}");
            untouched += usize::from(got == before);
        }
        assert!(untouched > 750 && untouched < 2900, "{untouched} lines kept as they were");
    }

    #[test]
    fn overlaps_resolve_as_a_scan_does() {
        let mut x: u64 = 11;
        let mut next = |m: usize| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) as usize % m
        };
        for round in 0..50 {
            let cands: Vec<Cand> = (0..20 + round * 10)
                .map(|_| {
                    let start = next(2000);
                    Cand {
                        start,
                        end: start + 1 + next(30),
                        target: Target::Kb(0),
                        kind: "name",
                        confidence: [0.6, 0.8, 0.9][next(3)],
                    }
                })
                .collect();
            let want = by_scan(cands.clone());
            let mut got = cands;
            resolve_overlaps(&mut got);
            // Resolved candidates stay as they are when resolved again, even retargeted in
            // place with another confidence, as acronym uses do: `find_with` does not resolve
            // a line again unless candidates were added to it.
            let mut again = got.clone();
            again.iter_mut().step_by(3).for_each(|c| c.confidence = 0.8);
            let retargeted: Vec<_> = again.iter().map(|c| (c.start, c.end)).collect();
            resolve_overlaps(&mut again);
            assert_eq!(again.iter().map(|c| (c.start, c.end)).collect::<Vec<_>>(), retargeted);
            let got: Vec<_> = got.iter().map(|c| (c.start, c.end, c.confidence)).collect();
            assert_eq!(got, want, "round {round}");
        }
    }
}
