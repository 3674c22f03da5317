//! Discovery: names the KB lacks, and the forms of known names it lacks.
//!
//! Takes a tokenized line and the candidates found so far; adds:
//! - extensions: a company, medium or organisation name followed by more capitalised words
//!   (« Calcalist Business News »), a person's surname preceded by first names and initials
//!   (« Gina M. Raimondo »), are one mention;
//! - misspellings: a capitalised word within one edit of a single-word KB name
//!   ([`super::variants::Index`]);
//! - new names: capitalised sequences after an organisation cue (« la société X », "X Group",
//!   "X Ltd") or a person cue (a title or role before, a verb of saying around), with a stable
//!   id from the folded name;
//! - acronym definitions: « Bureau de l'industrie et de la sécurité (BIS) » makes "BIS" mean
//!   that entity in the whole document.
//!
//! Cues and capitalised non-names are data (`data/lang/<lang>/entities-cues.tsv`,
//! `entities-stopwords.txt`).

use super::Model;
use super::fold::{Folder, fold};
use super::scan::{Cand, Target, Tok};
use std::collections::BTreeMap;

/// An acronym defined in the document: `ABC` → the entity of its long form.
#[derive(Debug, Clone)]
pub struct AcronymDef {
    pub acronym: String,
    pub target: Target,
}

/// Byte spans, asked whether any of them overlaps a token. Sorted by start with the largest end
/// so far, so each question is a bisection: a line can be a whole document of a megabyte, with
/// thousands of candidates.
struct Spans {
    /// (start, largest end of this span and those before), in one vector: the ends replaced
    /// in place once sorted.
    spans: Vec<(usize, usize)>,
}

impl Spans {
    fn of(spans: impl Iterator<Item = (usize, usize)>) -> Spans {
        let mut spans: Vec<(usize, usize)> = spans.collect();
        spans.sort_unstable();
        let mut m = 0;
        for s in &mut spans {
            m = m.max(s.1);
            s.1 = m;
        }
        Spans { spans }
    }

    /// Whether a span overlaps `tok`.
    fn overlap(&self, tok: &Tok) -> bool {
        let k = self.spans.partition_point(|&(s, _)| s < tok.oe);
        k > 0 && self.spans[k - 1].1 > tok.os
    }
}

/// Asked of every token of every line: an ASCII first letter answers without decoding.
#[inline]
fn is_capitalised(line: &str, tok: &Tok) -> bool {
    match line.as_bytes().get(tok.os) {
        Some(b) if b.is_ascii() => b.is_ascii_uppercase(),
        _ => line[tok.os..].chars().next().is_some_and(char::is_uppercase),
    }
}

/// An initial: one capital letter followed by a period ("M." in « Gina M. Raimondo »).
fn is_initial(line: &str, tok: &Tok) -> bool {
    let w = &line[tok.os..tok.oe];
    w.chars().count() == 1 && is_capitalised(line, tok) && line[tok.oe..].starts_with('.')
}

/// Whether only spaces (or an initial's period and spaces) separate two tokens.
fn adjacent(line: &str, a: &Tok, b: &Tok) -> bool {
    line.get(a.oe..b.os).is_some_and(|gap| {
        !gap.is_empty() && gap.len() <= 3 && gap.chars().all(|c| c == ' ' || c == '.')
    })
}

/// Whether the token starts a sentence (first of the line, or after . ! ? : « " etc.).
fn sentence_initial(line: &str, toks: &[Tok], i: usize) -> bool {
    if i == 0 {
        return true;
    }
    let gap = &line[toks[i - 1].oe..toks[i].os];
    gap.chars()
        .any(|c| matches!(c, '.' | '!' | '?' | ':' | '«' | '"' | '“' | '—' | '–' | '(' | '['))
        && !is_initial(line, &toks[i - 1])
}

/// A stable id from a name: folded, non-alphanumerics as single hyphens.
pub fn slug(name: &str) -> String {
    let f = fold(name);
    let mut s = String::with_capacity(f.len());
    for c in f.chars() {
        if c.is_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// Discovery on one line.
pub fn line(
    model: &Model,
    line: &str,
    folder: &Folder,
    toks: &[Tok],
    cands: &mut Vec<Cand>,
    defs: &mut Vec<AcronymDef>,
) {
    let lex = &model.lex;
    let kb = &model.kb;
    let hay = folder.text.as_str();
    let name_tok = |i: usize| -> bool {
        let t = &toks[i];
        is_capitalised(line, t) && !lex.is_stopword(&hay[t.fs..t.fe])
    };

    // Extensions of known names, up to the next name found.
    let spans = Spans::of(cands.iter().map(|c| (c.start, c.end)));
    let free = |t: &Tok| !spans.overlap(t);
    for c in cands.iter_mut() {
        let Target::Kb(e) = c.target else { continue };
        let etype = kb.entities[e as usize].etype;
        if matches!(etype, "company" | "media" | "org") {
            // The candidate's last token (tokens are in text order and do not overlap).
            let k = toks.partition_point(|t| t.oe <= c.end);
            let Some(mut last) = k.checked_sub(1).filter(|&k| toks[k].os >= c.start) else {
                continue;
            };
            let mut n = 0;
            while n < 3
                && last + 1 < toks.len()
                && name_tok(last + 1)
                && free(&toks[last + 1])
                && adjacent(line, &toks[last], &toks[last + 1])
                && line[toks[last].oe..toks[last + 1].os].chars().all(|ch| ch == ' ')
            {
                last += 1;
                n += 1;
            }
            c.end = c.end.max(toks[last].oe);
        } else if etype == "person" {
            // The candidate's first token.
            let k = toks.partition_point(|t| t.os < c.start);
            let Some(mut first) = toks.get(k).filter(|t| t.oe <= c.end).map(|_| k) else {
                continue;
            };
            let mut n = 0;
            while n < 2
                && first > 0
                && (name_tok(first - 1) || is_initial(line, &toks[first - 1]))
                && free(&toks[first - 1])
                && adjacent(line, &toks[first - 1], &toks[first])
                && !sentence_initial(line, toks, first)
            {
                first -= 1;
                n += 1;
            }
            c.start = c.start.min(toks[first].os);
        }
    }
    // Extensions may now overlap later candidates; the overlap pass keeps the longest.

    // The candidates found below all end before the token being read, so whether a token is
    // covered depends only on the candidates found so far.
    let known = Spans::of(cands.iter().map(|c| (c.start, c.end)));
    let covered = |t: &Tok| known.overlap(t);
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        // Most tokens are not capitalised: told so before the bisection of `covered`.
        if !is_capitalised(line, t) || covered(t) || !name_tok(i) {
            i += 1;
            continue;
        }
        // A run of capitalised words (initials allowed inside).
        let mut j = i;
        while j + 1 < toks.len()
            && !covered(&toks[j + 1])
            && (name_tok(j + 1) || is_initial(line, &toks[j + 1]))
            && adjacent(line, &toks[j], &toks[j + 1])
        {
            j += 1;
        }
        let initial = sentence_initial(line, toks, i);
        let (s, e) = (t.os, toks[j].oe);
        let text = &line[s..e];
        let n = j - i + 1;
        let mut made: Option<(&'static str, &'static str, f32)> = None;

        // A misspelled KB name.
        if n == 1 && !initial {
            let w = &hay[t.fs..t.fe];
            if let Some(e) = model.variants.misspelled(w) {
                cands.push(Cand {
                    start: s,
                    end: t.oe,
                    target: Target::Kb(e),
                    kind: "misspelling",
                    confidence: 0.7,
                });
                i = j + 1;
                continue;
            }
        }
        // Organisation cue before: « la société X », « le groupe X ».
        if let Some(etype) = lex.org_before.just_before(hay, toks, i) {
            made = Some((etype, "discovered", 0.6));
        }
        // Company suffix: "X Group", "X Technologies", "X Ltd".
        if made.is_none() && n >= 2 && lex.org_after.contains(&hay[toks[j].fs..toks[j].fe]) {
            made = Some(("company", "discovered", 0.6));
        }
        // Person: 2–3 words after a title or role, or near a verb of saying.
        if made.is_none() && (2..=3).contains(&n) && !initial {
            let after = lex.say.starts_within(hay, toks, j + 1, j + 3);
            // "Will Smith, a spokesman", « Ned Price, porte-parole »: a role after a comma.
            let role_after = line[toks[j].oe..].trim_start().starts_with(',')
                && lex.person_before.starts_within(hay, toks, j + 1, j + 3);
            if lex.person_before.before(hay, toks, i, 2)
                || lex.say.before(hay, toks, i, 1)
                || after
                || role_after
            {
                made = Some(("person", "discovered", 0.6));
            }
        }
        if let Some((etype, kind, conf)) = made {
            let id = slug(text);
            if !id.is_empty() {
                cands.push(Cand {
                    start: s,
                    end: e,
                    target: Target::New(id, etype),
                    kind,
                    confidence: conf,
                });
            }
        }
        i = j + 1;
    }

    // Acronym definitions: a mention followed by « (ABC) ».
    for c in cands.iter() {
        let rest = &line[c.end..];
        let rest = rest.trim_start_matches(' ');
        let Some(inner) = rest.strip_prefix('(') else { continue };
        let Some(close) = inner.find(')') else { continue };
        let acr = &inner[..close];
        let letters = acr.chars().count();
        if (2..=8).contains(&letters)
            && acr.chars().all(|ch| ch.is_uppercase() || ch.is_ascii_digit())
            && !defs.iter().any(|d| d.acronym == acr)
        {
            defs.push(AcronymDef { acronym: acr.to_string(), target: c.target.clone() });
        }
    }
}

fn same_target(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Kb(x), Target::Kb(y)) => x == y,
        (Target::New(x, ..), Target::New(y, ..)) => x == y,
        _ => false,
    }
}

/// Adds a candidate for every use of a defined acronym in `line` that no candidate covers, and
/// relinks candidates written as the acronym.
pub fn acronym_uses(line: &str, defs: &[AcronymDef], cands: &mut Vec<Cand>) {
    // The candidates by span, kept up to date as uses are added: a line can be a whole document
    // of a megabyte, with thousands of uses and candidates. Overlaps are looked for among the
    // candidates starting at most `longest` bytes before a use.
    let mut by_span: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut longest = 0;
    for (k, c) in cands.iter().enumerate() {
        by_span.entry((c.start, c.end)).or_insert(k);
        longest = longest.max(c.end - c.start);
    }
    for d in defs {
        let mut from = 0;
        while let Some(p) = line[from..].find(d.acronym.as_str()) {
            let s = from + p;
            let e = s + d.acronym.len();
            from = e;
            let before_ok = line[..s].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
            let after_ok = line[e..].chars().next().is_none_or(|c| !c.is_alphanumeric());
            if !(before_ok && after_ok) {
                continue;
            }
            if let Some(&k) = by_span.get(&(s, e)) {
                let c = &mut cands[k];
                if !same_target(&c.target, &d.target) {
                    c.target = d.target.clone();
                    c.kind = "acronym";
                    c.confidence = 0.8;
                }
                continue;
            }
            if by_span.range((s.saturating_sub(longest), 0)..(e, 0)).any(|(&(_, ce), _)| ce > s) {
                continue;
            }
            by_span.insert((s, e), cands.len());
            longest = longest.max(e - s);
            cands.push(Cand {
                start: s,
                end: e,
                target: d.target.clone(),
                kind: "acronym",
                confidence: 0.8,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ASCII shortcut of `is_capitalised` answers as the token's first character does.
    #[test]
    fn capitals_are_told_as_their_first_character_says() {
        let pieces = ["Israël", "israël", "États", "états", "Ωmega", "ωmega", "9", " ", "-", "ß"];
        let mut next = crate::testing::xorshift(0xca_9175);
        let mut folder = Folder::default();
        let mut seen = [0usize; 2];
        for _ in 0..2000 {
            let line: String = (0..1 + next(6)).map(|_| pieces[next(pieces.len())]).collect();
            folder.fold_line(&line);
            for t in &folder.toks {
                let want = line[t.os..].chars().next().is_some_and(char::is_uppercase);
                assert_eq!(is_capitalised(&line, t), want, "{line:?} {t:?}");
                seen[usize::from(want)] += 1;
            }
        }
        assert!(seen[0] > 100 && seen[1] > 100, "{seen:?}");
    }

    #[test]
    fn spans_answer_as_a_scan_does() {
        // Deterministic pseudo-random spans, overlapping and nested, and probe tokens.
        let mut x: u64 = 7;
        let mut next = |m: usize| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) as usize % m
        };
        let spans: Vec<(usize, usize)> = (0..300)
            .map(|_| {
                let s = next(5000);
                (s, s + 1 + next(40))
            })
            .collect();
        let index = Spans::of(spans.iter().copied());
        for _ in 0..3000 {
            let os = next(5100);
            let tok = Tok { fs: 0, fe: 0, os, oe: os + 1 + next(12), glued: false };
            let scan = spans.iter().any(|&(s, e)| tok.os < e && tok.oe > s);
            assert_eq!(index.overlap(&tok), scan, "token {}..{}", tok.os, tok.oe);
        }
    }

    #[test]
    fn slugs_are_stable() {
        assert_eq!(slug("Saito Tech Ltd."), "saito-tech-ltd");
        assert_eq!(slug("Société Générale"), "societe-generale");
    }
}
