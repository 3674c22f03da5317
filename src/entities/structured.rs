//! Structured government names: an institution word, a country (a name or a demonym the KB
//! matched) and a domain, in the orders the languages allow, resolve to one id per
//! (country, domain): `{country}-{domain}` (`il-mod`, `us-commerce`, `us-state`).
//!
//! Takes a folded, tokenized line and its KB hits; promises a candidate for every government
//! body it can read there: « ministère israélien de la Défense », « ministère de la Défense
//! israélien », « Département du commerce des États-Unis », "US Commerce Department",
//! "Israel's Defense Ministry", « israelische Verteidigungsministerium ». A body named without a
//! country (« le ministère de la Défense ») is handed back as [`Bare`], to be linked to the
//! document's dominant country with a lower confidence. The words are data
//! (`data/lang/<lang>/entities-institutions.tsv`); ids the KB lacks become new agencies.

use super::Model;
use super::fold::Folder;
use super::lexicon::{GovWord, domain_word_lengths};
use super::matcher::Hit;
use super::scan::{Cand, Target, Tok};
use super::variants::{char_counts_allow_one_edit, within_one_edit};

/// A government body named without its country.
#[derive(Debug, Clone)]
pub struct Bare {
    pub start: usize,
    pub end: usize,
    pub domain: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum U<'a> {
    /// A country (KB entity index).
    Country(u32),
    Domain(&'a str),
    Inst,
    /// Institution and domain in one word.
    Compound(&'a str),
    Link,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Unit<'a> {
    u: U<'a>,
    /// Original byte span.
    os: usize,
    oe: usize,
}

/// Finds the government bodies of one line; pushes explicit ones to `cands` and hands bare
/// ones to `bare`.
pub fn find(
    model: &Model,
    line: &str,
    folder: &Folder,
    toks: &[Tok],
    hits: &[Hit],
    cands: &mut Vec<Cand>,
    bare: &mut dyn FnMut(Bare),
) {
    let lex = &model.lex;
    let hay = folder.text.as_str();
    // Cheap exit: no institution word, no compound, no structured name. Asked of every token
    // of every line, and most are told by their shape, read from the bytes: slicing the text
    // into a `&str` checks both ends for character boundaries. (A token is never empty.)
    let bytes = hay.as_bytes();
    if !toks.iter().any(|t| {
        lex.institution_shapes.may_contain_shape(bytes[t.fs], t.fe - t.fs)
            && matches!(
                lex.gov_words.get(&hay[t.fs..t.fe]),
                Some(GovWord::Inst | GovWord::Compound(_))
            )
    }) {
        return;
    }
    let kb = &model.kb;
    let mut units: Vec<Unit> = Vec::with_capacity(toks.len());
    // `hits[h]`: the first hit not before the token. Hits are in text order and do not
    // overlap, and tokens are read in order: the index only moves forward (a line can be a
    // whole document of a megabyte).
    let (mut t, mut h) = (0, 0);
    while t < toks.len() {
        let tok = toks[t];
        while hits.get(h).is_some_and(|h| h.start < tok.os) {
            h += 1;
        }
        // A country the KB found here.
        if let Some(h) = hits.get(h).filter(|h| h.start == tok.os)
            && kb.entities[kb.aliases[h.alias as usize].entity as usize].etype == "country"
        {
            units.push(Unit {
                u: U::Country(kb.aliases[h.alias as usize].entity),
                os: h.start,
                oe: h.end,
            });
            while t < toks.len() && toks[t].os < h.end {
                t += 1;
            }
            continue;
        }
        let w = &hay[tok.fs..tok.fe];
        // A domain, possibly several words, tolerating one edit in long words.
        let mut matched = None;
        let first = w.bytes().next().unwrap_or(0);
        // Most tokens have the shape of no domain's first word: no look-up for them.
        let candidates = if lex.domain_shapes.may_contain(w) {
            lex.domains_by_first.get(first as usize).map_or(&[][..], Vec::as_slice)
        } else {
            &[]
        };
        for (seq, key) in candidates.iter().map(|&i| &lex.domains[i]) {
            if t + seq.len() <= toks.len()
                && seq.iter().enumerate().all(|(k, dw)| {
                    let tw = &hay[toks[t + k].fs..toks[t + k].fe];
                    let sw = dw.text.as_str();
                    tw == sw
                        || (sw.len() >= 4
                            && domain_word_lengths(sw.len()).contains(&tw.len())
                            && tw.as_bytes()[0] == sw.as_bytes()[0]
                            && char_counts_allow_one_edit(tw, dw.chars)
                            && within_one_edit(tw, sw))
                })
            {
                matched = Some((seq.len(), key.as_str()));
                break;
            }
        }
        if let Some((n, key)) = matched {
            units.push(Unit { u: U::Domain(key), os: tok.os, oe: toks[t + n - 1].oe });
            t += n;
            continue;
        }
        let role = if lex.gov_shapes.may_contain(w) { lex.gov_words.get(w) } else { None };
        let u = match role {
            Some(GovWord::Compound(key)) => U::Compound(key),
            Some(GovWord::Inst) => U::Inst,
            Some(GovWord::Link) => U::Link,
            None => U::Other,
        };
        units.push(Unit { u, os: tok.os, oe: tok.oe });
        t += 1;
    }

    let country_at = |i: usize| match units.get(i) {
        Some(Unit { u: U::Country(c), .. }) => Some(*c),
        _ => None,
    };
    let is = |i: usize, f: fn(&U) -> bool| units.get(i).is_some_and(|u| f(&u.u));
    let mut i = 0;
    while i < units.len() {
        let (found, next) = match units[i].u {
            U::Inst => read_inst(&units, i, &country_at, &is),
            U::Compound(key) => {
                // [C] Compound [L* C]
                let mut start = i;
                let mut end = i;
                let mut country = None;
                if i > 0
                    && let Some(c) = country_at(i - 1)
                {
                    country = Some(c);
                    start = i - 1;
                } else {
                    let mut j = i + 1;
                    while is(j, |u| *u == U::Link) && j < i + 3 {
                        j += 1;
                    }
                    if j > i + 1
                        && let Some(c) = country_at(j)
                    {
                        country = Some(c);
                        end = j;
                    }
                }
                (Some((start, end, country, key)), end + 1)
            }
            _ => (None, i + 1),
        };
        if let Some((start, end, country, key)) = found {
            let (os, oe) = (units[start].os, units[end].oe);
            match country {
                Some(c) => {
                    if let Some(mut cand) = resolve(
                        model,
                        c,
                        &Bare { start: os, end: oe, domain: key.to_string() },
                        0.9,
                    ) {
                        cand.kind = "name";
                        cands.push(cand);
                    }
                }
                None => bare(Bare { start: os, end: oe, domain: key.to_string() }),
            }
        }
        i = next.max(i + 1);
    }
    let _ = line;
}

type Found<'a> = Option<(usize, usize, Option<u32>, &'a str)>;

/// Reads a government body around the institution word at `i`.
fn read_inst<'a>(
    units: &[Unit<'a>],
    i: usize,
    country_at: &dyn Fn(usize) -> Option<u32>,
    is: &dyn Fn(usize, fn(&U) -> bool) -> bool,
) -> (Found<'a>, usize) {
    let domain_at = |j: usize| match units.get(j) {
        Some(Unit { u: U::Domain(k), .. }) => Some(*k),
        _ => None,
    };
    // Forward: [C] Inst [C] L* Domain [C | L{1,2} C]
    let c0 = if i > 0 { country_at(i - 1) } else { None };
    let mut j = i + 1;
    let c1 = country_at(j);
    if c1.is_some() {
        j += 1;
    }
    let links_start = j;
    while is(j, |u| *u == U::Link) && j < links_start + 3 {
        j += 1;
    }
    if let Some(key) = domain_at(j) {
        let mut end = j;
        let mut c2 = None;
        if let Some(c) = country_at(j + 1) {
            c2 = Some(c);
            end = j + 1;
        } else {
            let mut k = j + 1;
            while is(k, |u| *u == U::Link) && k < j + 3 {
                k += 1;
            }
            if k > j + 1
                && let Some(c) = country_at(k)
            {
                c2 = Some(c);
                end = k;
            }
        }
        let (start, country) = match (c1.or(c2), c0) {
            (Some(c), _) => (i, Some(c)),
            (None, Some(c)) => (i - 1, Some(c)),
            (None, None) => (i, None),
        };
        return (Some((start, end, country, key)), end + 1);
    }
    // Backward (English): [C ['s]] Domain Inst
    if i > 0
        && let Some(key) = domain_at(i - 1)
    {
        let mut start = i - 1;
        let mut country = None;
        if i >= 2
            && let Some(c) = country_at(i - 2)
        {
            country = Some(c);
            start = i - 2;
        } else if i >= 3 && is(i - 2, |u| *u == U::Link) {
            if let Some(c) = country_at(i - 3) {
                country = Some(c);
                start = i - 3;
            }
        }
        return (Some((start, i, country, key)), i + 1);
    }
    (None, i + 1)
}

/// The candidate for a body of `country` (KB entity index) in `b.domain`: the KB entity
/// `{cc}-{domain}` if there is one, otherwise a new agency.
pub fn resolve(model: &Model, country: u32, b: &Bare, confidence: f32) -> Option<Cand> {
    let kb = &model.kb;
    let c = &kb.entities[country as usize];
    let id = format!("{}-{}", c.id.to_ascii_lowercase(), b.domain);
    let target = match kb.index.get(&id) {
        Some(&i) => Target::Kb(i),
        None => Target::New(id, "agency"),
    };
    Some(Cand { start: b.start, end: b.end, target, kind: "name", confidence })
}
