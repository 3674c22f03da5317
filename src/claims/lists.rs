//! Lists and events: enumerations (three or more coordinated entities of one type), list
//! memberships given by inclusion and exclusion cues, and events (reports, lawsuits, list
//! changes) with their agent, object and days.
//!
//! Which entities a membership cue governs is decided by general rules: coordinated groups win;
//! otherwise the nearest entity on the side the cue looks at. Entities inside parentheticals
//! and relative clauses are set aside when others remain, and a genitive complement leading an
//! apposition (« les alliés d'Israël, le Maroc et … ») is not a member.

use super::lexicon::{CueClass, Dir, Hit, Lex, Lexicons};
use super::quantity::Quant;
use super::sentence::{MTok, SentView};
use super::text::Kind;

/// Whether mentions `p` and `m` (same type, `p` first) are coordinated: only punctuation,
/// function words and a comma or a coordinating word between them (« le Maroc, Bahreïn et
/// l'Arabie saoudite »).
fn adjacent(sv: &SentView, lex: &Lex, p: &MTok, m: &MTok) -> bool {
    let t = sv.t;
    if m.a < p.b || m.a - p.b > 4 {
        return false;
    }
    let mut linked = false;
    for i in p.b..m.a {
        if t.is_punct(i, ',') || lex.is(CueClass::Coord, t, i) {
            linked = true;
        } else if !(t.kind(i) == Kind::Word
            && (lex.stop.contains(t.fold(i)) || lex.is(CueClass::Genitive, t, i)))
        {
            return false;
        }
    }
    linked
}

/// Whether `p` and `m` are parallel complements across a short aside: « de la société X,
/// qui …, et de Y » — a coordinating word and a preposition right before `m`, the same
/// preposition shortly before `p`.
fn parallel(sv: &SentView, lex: &Lex, p: &MTok, m: &MTok) -> bool {
    let t = sv.t;
    let (s, _) = sv.range();
    if m.a < p.b + 2 || m.a - p.b > 12 || m.a < s + 2 {
        return false;
    }
    let prep = m.a - 1;
    if !lex.is(CueClass::Coord, t, prep - 1) || t.kind(prep) != Kind::Word {
        return false;
    }
    if (p.b..m.a).any(|i| t.kind(i) == Kind::Punct && matches!(t.fold(i), ";" | ":" | "(" | ")")) {
        return false;
    }
    (p.a.saturating_sub(3).max(s)..p.a).any(|i| t.fold(i) == t.fold(prep))
}

/// Coordinated runs of same-type entities: indices into `sv.ments`, in text order.
pub fn chains(sv: &SentView, lex: &Lex, usable: &[bool]) -> Vec<Vec<usize>> {
    // At most one chain per mention; a chain of one name, the common case, stays one
    // allocation, and a longer one grows without copies until its fifth name.
    let mut out: Vec<Vec<usize>> = Vec::with_capacity(sv.ments.len());
    let mut prev: Option<usize> = None;
    for (k, m) in sv.ments.iter().enumerate() {
        if m.demonym || !usable[k] {
            continue;
        }
        let strict =
            prev.filter(|&p| sv.ments[p].etype == m.etype && adjacent(sv, lex, &sv.ments[p], m));
        let target = match strict {
            Some(p) => out.iter().position(|c| c.last() == Some(&p)),
            None => out.iter().rposition(|c| {
                let p = &sv.ments[*c.last().expect("non-empty")];
                p.etype == m.etype && parallel(sv, lex, p, m)
            }),
        };
        match target {
            Some(c) => out[c].push(k),
            None => {
                let mut chain = Vec::with_capacity(4);
                chain.push(k);
                out.push(chain);
            }
        }
        prev = Some(k);
    }
    // A genitive complement leading an apposition is not a member: « alliés d'Israël, le Maroc ».
    for c in &mut out {
        if c.len() >= 2 && genitive(sv, lex, &sv.ments[c[0]]) && !genitive(sv, lex, &sv.ments[c[1]])
        {
            c.remove(0);
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

fn genitive(sv: &SentView, lex: &Lex, m: &MTok) -> bool {
    let (s, _) = sv.range();
    m.a > s && lex.is(CueClass::Genitive, sv.t, m.a - 1)
}

/// Marks the mentions outside parentheticals and relative clauses.
pub fn outside_asides(sv: &SentView, lex: &Lex) -> Vec<bool> {
    let t = sv.t;
    let (s, e) = sv.range();
    let mut aside = vec![false; e - s];
    let mut i = s;
    while i < e {
        let f = t.fold(i);
        let opener = t.kind(i) == Kind::Punct && matches!(f, "(" | "–" | "—" | "-");
        if opener {
            let close = if f == "(" { ")" } else { f };
            if let Some(j) = (i + 1..e).find(|&j| t.kind(j) == Kind::Punct && t.fold(j) == close) {
                aside[i - s..=j - s].iter_mut().for_each(|x| *x = true);
                i = j + 1;
                continue;
            }
        }
        if lex.is(CueClass::Relative, t, i) {
            let j = (i + 1..e).find(|&j| t.is_punct(j, ',')).unwrap_or(e);
            aside[i - s..j - s].iter_mut().for_each(|x| *x = true);
            i = j;
            continue;
        }
        i += 1;
    }
    sv.ments.iter().map(|m| !aside[m.a - s]).collect()
}

/// A membership found in a sentence.
#[derive(Debug, Clone)]
pub struct Membership {
    /// Index into `sv.ments` of each member, or none for a list change stated as a count.
    pub members: Vec<usize>,
    /// Entity type of the list's members.
    pub etype: String,
    /// `in` or `out`.
    pub state: String,
    /// The cue's token range.
    pub cue: (usize, usize),
}

/// Whether the sentence contains a list word (looked for among its `cues`).
pub fn has_list_word(sv: &SentView, lex: &Lex) -> bool {
    sv.cues.iter().any(|&i| lex.is(CueClass::List, sv.t, i))
}

/// Memberships of a sentence. `list_near`: a list word is in this sentence or the previous
/// one; `list_doc`: the document names a list somewhere.
pub fn memberships(
    sv: &SentView,
    lex: &Lex,
    lexs: &Lexicons,
    quants: &[Quant],
    list_near: bool,
    list_doc: bool,
    out: &mut Vec<Membership>,
) {
    out.clear();
    if !list_doc {
        return;
    }
    let t = sv.t;
    let mut hits: Vec<Hit> = Vec::new();
    lex.cues(CueClass::Member).scan_at(t, &sv.cues, sv.range().1, &mut hits);
    if hits.is_empty() {
        return;
    }
    let outside = outside_asides(sv, lex);
    let any_outside = sv.ments.iter().zip(&outside).any(|(m, o)| *o && !m.demonym);
    let usable: Vec<bool> = outside.iter().map(|o| *o || !any_outside).collect();
    let chains = chains(sv, lex, &usable);
    for h in &hits {
        let cue = &lex.cues(CueClass::Member).payloads[h.payload];
        if !cue.strong && !list_near {
            continue;
        }
        let dist =
            |m: &MTok| if m.b <= h.start { h.start - m.b } else { m.a.saturating_sub(h.end) };
        // A count right on the cue's side: « supprimant 65 pays », « plaçant quatre sociétés ».
        let counted = quants.iter().find(|q| match cue.dir {
            Dir::After => q.a >= h.end && q.a <= h.end + 2,
            Dir::Before => q.head_range.is_some_and(|r| r.1 <= h.start && r.1 + 3 > h.start),
        });
        if let Some(q) = counted
            && let Some(ty) = lexs.concept_type(&q.head)
        {
            // « inclure deux sociétés israéliennes - NSO et Candiru - »: named right after.
            let named: Vec<usize> = sv
                .ments
                .iter()
                .enumerate()
                .filter(|(_, m)| !m.demonym && m.etype == ty && m.a >= q.end && m.a <= q.end + 8)
                .map(|(k, _)| k)
                .collect();
            out.push(Membership {
                members: named,
                etype: ty.to_string(),
                state: cue.value.clone(),
                cue: (h.start, h.end),
            });
            continue;
        }
        let best_chain = chains.iter().filter(|c| c.len() >= 2).min_by_key(|c| {
            (std::cmp::Reverse(c.len()), c.iter().map(|&k| dist(&sv.ments[k])).min())
        });
        let members: Vec<usize> = if let Some(c) = best_chain {
            let ty = sv.ments[c[0]].etype;
            let in_chains: Vec<usize> =
                chains.iter().filter(|c| sv.ments[c[0]].etype == ty).flatten().copied().collect();
            in_chains
        } else {
            let side = |m: &MTok| match cue.dir {
                Dir::Before => m.b <= h.start,
                Dir::After => m.a >= h.end,
            };
            sv.ments
                .iter()
                .enumerate()
                .filter(|(k, m)| usable[*k] && !m.demonym && side(m))
                .min_by_key(|(_, m)| dist(m))
                .map(|(k, _)| vec![k])
                .unwrap_or_default()
        };
        if members.is_empty() {
            continue;
        }
        out.push(Membership {
            etype: sv.ments[members[0]].etype.to_string(),
            members,
            state: cue.value.clone(),
            cue: (h.start, h.end),
        });
    }
}

/// An event found in a sentence.
#[derive(Debug, Clone)]
pub struct Event {
    pub class: String,
    pub agent: String,
    pub object: String,
    pub cue: (usize, usize),
}

/// Events of a sentence. `source` is the document's attributed source (a media entity), used
/// as the agent of a report that names none.
pub fn events(sv: &SentView, lex: &Lex, lexs: &Lexicons, source: &str, out: &mut Vec<Event>) {
    out.clear();
    let t = sv.t;
    let mut hits: Vec<Hit> = Vec::new();
    lex.cues(CueClass::Event).scan_at(t, &sv.cues, sv.range().1, &mut hits);
    for h in &hits {
        let cue = &lex.cues(CueClass::Event).payloads[h.payload];
        let Some(class) = lexs.event(&cue.value) else { continue };
        let before = |m: &&MTok| m.b <= h.start;
        let after = |m: &&MTok| m.a >= h.end;
        let ments = || sv.ments.iter().filter(|m| !m.demonym);
        let agent = match cue.dir {
            Dir::Before => ments().rev().filter(before).find(|m| class.agent_ok(m.etype)),
            Dir::After => ments().filter(after).find(|m| class.agent_ok(m.etype)),
        }
        .map(|m| m.entity.to_string())
        .or_else(|| {
            // A report naming no outlet is the document's cited source's, unless another
            // subject stands right before the verb (« Moody's a publié »).
            let subject = ments().any(|m| {
                m.b <= h.start
                    && h.start - m.b <= 2
                    && (m.b..h.start).all(|i| t.kind(i) != Kind::Punct)
            });
            (class.anchor_agent && !source.is_empty() && !subject).then(|| source.to_string())
        })
        .unwrap_or_default();
        let object_side = match cue.dir {
            Dir::Before => {
                ments().filter(after).find(|m| class.object_ok(m.etype) && m.entity != agent)
            }
            Dir::After => {
                ments().rev().filter(before).find(|m| class.object_ok(m.etype) && m.entity != agent)
            }
        };
        let object = object_side
            .or_else(|| ments().find(|m| class.object_ok(m.etype) && m.entity != agent))
            .map(|m| m.entity.to_string())
            .unwrap_or_default();
        let anchor = if class.anchor_agent { &agent } else { &object };
        if anchor.is_empty() || (class.value_agent && agent.is_empty()) {
            continue;
        }
        out.push(Event { class: class.name.clone(), agent, object, cue: (h.start, h.end) });
    }
}

/// The document's attributed source: the media entity most often named right after an
/// attribution cue (« selon le quotidien X », "according to X").
pub fn attributed(sv: &SentView, lex: &Lex, counts: &mut Vec<(String, usize)>) {
    let mut hits: Vec<Hit> = Vec::new();
    lex.cues(CueClass::Attribution).scan_at(sv.t, &sv.cues, sv.range().1, &mut hits);
    for h in &hits {
        if let Some(m) =
            sv.ments.iter().find(|m| m.a >= h.end && m.a <= h.end + 5 && m.etype == "media")
        {
            match counts.iter_mut().find(|c| c.0 == m.entity) {
                Some(c) => c.1 += 1,
                None => counts.push((m.entity.to_string(), 1)),
            }
        }
    }
}
