//! Quantities: numbers in digits or words, scaled (millions, milliards), with their unit
//! (currency, percent, duration, fraction), approximation, the noun they count (normalized to a
//! language-independent concept), a qualifier (a nationality, "other") and the role a cue gives
//! them (after, before, removed, added…), including comparison pairs (« 37 pays, contre 102
//! auparavant »).

use super::lexicon::{CueClass, Dir, Hit, Lex, UnitClass};
use super::sentence::SentView;
use super::spelled;
use super::text::Kind;

/// What kind of amount a quantity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QClass {
    Count,
    Money,
    Percent,
    Duration,
    Fraction,
}

/// One quantity of a sentence.
#[derive(Debug, Clone)]
pub struct Quant {
    /// Token range of the number and its unit words.
    pub a: usize,
    pub b: usize,
    pub value: f64,
    pub class: QClass,
    pub unit: String,
    pub head: String,
    /// Token range of the counted noun, if any.
    pub head_range: Option<(usize, usize)>,
    /// A nationality qualifier (entity id) of the counted noun.
    pub qual: String,
    /// The noun is qualified as "other" (« deux autres sociétés »).
    pub other: bool,
    pub approx: String,
    pub role: String,
    /// End of the number with its unit words and counted noun.
    pub end: usize,
}

impl Quant {
    /// The alignment key: class (and unit), counted concept, qualifier, role.
    pub fn key(&self) -> String {
        // Pieces pushed into one string: `format!` made four here, for every quantity.
        let mut key = String::with_capacity(
            16 + self.unit.len() + self.head.len() + self.qual.len() + self.role.len(),
        );
        key.push_str(match self.class {
            QClass::Count => "count",
            QClass::Money => "money",
            QClass::Percent => "percent",
            QClass::Duration => "duration",
            QClass::Fraction => "fraction",
        });
        if matches!(self.class, QClass::Money | QClass::Duration) {
            key.push(':');
            key.push_str(&self.unit);
        }
        if !self.head.is_empty() || self.class == QClass::Count {
            key.push(':');
            key.push_str(&self.head);
        }
        if !self.qual.is_empty() {
            key.push('[');
            key.push_str(&self.qual);
            key.push(']');
        }
        key.push('|');
        key.push_str(&self.role);
        key
    }
}

/// Formats a value without float noise: integers plainly, others with up to 3 decimals.
pub fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Number candidates of a sentence: (start, end, value, in words). `covered` marks the tokens
/// of the sentence that are not numbers of their own; it is empty when none is.
fn candidates(
    sv: &SentView,
    lex: &Lex,
    covered: &[bool],
    out: &mut Vec<(usize, usize, f64, bool)>,
) {
    let t = sv.t;
    let (s, e) = sv.range();
    out.clear();
    for i in s..e {
        if t.kind(i) == Kind::Num {
            out.push((i, i + 1, t.tok(i).num, false));
        }
    }
    let Some(numbers) = &lex.numbers else { return };
    let nan = |k: usize| {
        let i = s + k;
        t.kind(i) != Kind::Word || covered.get(k) == Some(&true) || sv.in_mention(i)
    };
    let keep = |a: usize, b: usize, ordinal: bool| {
        let (a, b) = (s + a, s + b);
        // Not an ordinal, nor read across a dash; « un », "a": an article unless a unit or
        // scale word follows.
        !ordinal
            && (a..b).all(|i| t.kind(i) == Kind::Word)
            && !(b - a == 1
                && lex.weak.contains(t.lower(a))
                && (b >= e || lex.units.at(t, b).is_none()))
    };
    let (text, bytes) = (|k| t.lower(s + k), |k| t.lower_bytes(s + k));
    for occ in spelled::find(numbers, &lex.code, e - s, nan, text, bytes, keep) {
        out.push((s + occ.start, s + occ.end, occ.value, true));
    }
    out.sort_by_key(|c| c.0);
}

/// Finds the quantities of a sentence, and the years it mentions (pushed to `years` with
/// their token).
pub fn find(sv: &SentView, lex: &Lex, out: &mut Vec<Quant>, years: &mut Vec<(String, usize)>) {
    out.clear();
    let t = sv.t;
    let (s, e) = sv.range();
    // Tokens inside unit phrases (« pour cent », « deux tiers ») are not numbers of their own.
    // Made only for the few sentences that have such tokens.
    let mut covered = Vec::new();
    let mut cover = |a: usize, b: usize| {
        covered.resize(e - s, false);
        covered[a - s..b - s].iter_mut().for_each(|c| *c = true);
    };
    let mut hits: Vec<Hit> = Vec::new();
    lex.units.scan(t, s, e, &mut hits);
    let mut fractions = Vec::new();
    for h in &hits {
        let u = &lex.units.payloads[h.payload];
        if matches!(u.class, UnitClass::Percent | UnitClass::Fraction) {
            cover(h.start, h.end);
        }
        if u.class == UnitClass::Fraction {
            fractions.push((h.start, h.end, u.factor));
        }
        // « 500 millions »: the scale word is not a number of its own.
        if u.class == UnitClass::Scale && h.start > s && t.kind(h.start - 1) == Kind::Num {
            cover(h.start, h.end);
        }
    }
    let mut cands = Vec::new();
    candidates(sv, lex, &covered, &mut cands);
    // The cues only qualify numbers: most sentences have none, and are spared the three scans.
    let (mut approx, mut roles, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
    if !cands.is_empty() {
        lex.cues(CueClass::Approx).scan(t, s, e, &mut approx);
        lex.cues(CueClass::Role).scan(t, s, e, &mut roles);
        lex.cues(CueClass::Pair).scan(t, s, e, &mut pairs);
    }
    for &(a, b, value, words) in &cands {
        let mut q = Quant {
            a,
            b,
            value,
            class: QClass::Count,
            unit: String::new(),
            head: String::new(),
            head_range: None,
            qual: String::new(),
            other: false,
            approx: String::new(),
            role: String::new(),
            end: b,
        };
        let mut k = b;
        // Scale words: « 500 millions », "1.5 billion".
        if let Some(h) = lex.units.at(t, k).filter(|h| h.end <= e)
            && lex.units.payloads[h.payload].class == UnitClass::Scale
        {
            q.value *= lex.units.payloads[h.payload].factor;
            k = h.end;
        }
        // A currency symbol before ("$500").
        if a > s
            && let Some(h) = lex.units.at(t, a - 1)
            && lex.units.payloads[h.payload].class == UnitClass::Currency
        {
            q.class = QClass::Money;
            q.unit = lex.units.payloads[h.payload].value.clone();
            q.a = a - 1;
        }
        // A unit after, possibly behind « de »/"of".
        let skip_gen = |k: usize| {
            if k < e && lex.is(CueClass::Genitive, t, k) { k + 1 } else { k }
        };
        for at in [k, skip_gen(k)] {
            if at >= e {
                break;
            }
            if let Some(h) = lex.units.at(t, at).filter(|h| h.end <= e) {
                let u = &lex.units.payloads[h.payload];
                let class = match u.class {
                    UnitClass::Currency => QClass::Money,
                    UnitClass::Percent => QClass::Percent,
                    UnitClass::Duration if at == k => QClass::Duration,
                    _ => continue,
                };
                if q.class == QClass::Count || class == QClass::Money {
                    q.class = class;
                    q.unit = u.value.clone();
                    k = h.end;
                }
                break;
            }
        }
        if q.class == QClass::Count
            && !words
            && !t.tok(a).decimal
            && (1800.0..=2100.0).contains(&value)
        {
            // A year, unless it counts something (« 2000 personnes »).
            let counts = k < e && (lex.heads.at(t, k).is_some() || lex.units.at(t, k).is_some());
            if !counts {
                years.push((format!("{}", value as i64), a));
                continue;
            }
        }
        // « deux autres sociétés »
        if k < e && lex.is(CueClass::Qualifier, t, k) {
            q.other = true;
            k += 1;
        }
        // A nationality before the noun ("two Israeli firms").
        if let Some(m) = sv.mention_at(k).filter(|m| m.demonym) {
            q.qual = m.entity.to_string();
            k = m.b;
        }
        // The counted noun: a lexicon noun (possibly one word further), else the next noun.
        let head_at =
            if matches!(q.class, QClass::Money | QClass::Percent) { skip_gen(k) } else { k };
        let mut found = None;
        for at in [head_at, head_at + 1] {
            if at < e
                && let Some(h) = lex.heads.at(t, at).filter(|h| h.end <= e)
            {
                if at == head_at + 1 && !is_plain_word(sv, lex, head_at) {
                    break;
                }
                found = Some((h.start, h.end, lex.heads.payloads[h.payload].clone()));
                break;
            }
        }
        if found.is_none()
            && head_at < e
            && is_plain_word(sv, lex, head_at)
            && q.class != QClass::Duration
        {
            found = Some((head_at, head_at + 1, t.fold(head_at).to_string()));
        }
        if found.is_none() && q.class == QClass::Count && !words {
            // « la liste des pays éligibles a été réduite à seulement 37 »: the noun is before.
            let from = a.saturating_sub(10).max(s);
            for i in (from..a).rev() {
                if t.kind(i) == Kind::Num {
                    break;
                }
                if let Some(h) = lex.heads.at(t, i).filter(|h| h.end <= a) {
                    found = Some((h.start, h.end, lex.heads.payloads[h.payload].clone()));
                    break;
                }
            }
        }
        q.end = k;
        if let Some((ha, hb, head)) = found {
            q.head = head;
            if hb > a {
                q.head_range = Some((ha, hb));
                k = hb;
                q.end = hb;
                // A nationality right after the noun, within a short noun phrase.
                for i in hb..(hb + 4).min(e) {
                    if t.kind(i) == Kind::Punct {
                        break;
                    }
                    if let Some(m) = sv.mention_at(i) {
                        if m.demonym && q.qual.is_empty() {
                            q.qual = m.entity.to_string();
                        }
                        break;
                    }
                }
            }
        }
        if words && q.head.is_empty() && q.class == QClass::Count {
            continue; // a number word with nothing counted is not a claim
        }
        // Approximation right before the number.
        if let Some(h) = approx.iter().find(|h| h.end == q.a) {
            q.approx = lex.cues(CueClass::Approx).payloads[h.payload].value.clone();
        }
        // Role: a cue right after the counted noun, else one shortly before the number.
        let post = roles.iter().find(|h| {
            let c = &lex.cues(CueClass::Role).payloads[h.payload];
            c.dir == Dir::After && h.start >= k && h.start <= k + 2
        });
        let pre = roles.iter().rev().find(|h| {
            let c = &lex.cues(CueClass::Role).payloads[h.payload];
            c.dir == Dir::Before && h.end <= q.a && h.end + 7 > q.a
        });
        if let Some(h) = post.or(pre) {
            q.role = lex.cues(CueClass::Role).payloads[h.payload].value.clone();
        }
        // Comparison pair: « contre 102 », "down from 102".
        if pairs.iter().any(|h| {
            h.end == q.a || (h.end + 1 == q.a && q.approx.is_empty() && t.kind(h.end) == Kind::Word)
        }) {
            q.role = "before".into();
            if let Some(prev) = out.last_mut() {
                if prev.role.is_empty() || prev.role == "before" {
                    prev.role = "after".into();
                }
                if q.head.is_empty() && q.class == prev.class {
                    q.head = prev.head.clone();
                    q.qual = prev.qual.clone();
                    q.unit = prev.unit.clone();
                }
            }
        }
        out.push(q);
    }
    for (a, b, v) in fractions {
        let mut q = Quant {
            a,
            b,
            value: v,
            class: QClass::Fraction,
            unit: "fraction".into(),
            head: String::new(),
            head_range: None,
            qual: String::new(),
            other: false,
            approx: String::new(),
            role: String::new(),
            end: b,
        };
        let k = if b < e && lex.is(CueClass::Genitive, t, b) { b + 1 } else { b };
        if let Some(h) = lex.heads.at(t, k).filter(|h| h.end <= e) {
            q.head = lex.heads.payloads[h.payload].clone();
            q.head_range = Some((h.start, h.end));
            q.end = h.end;
        } else if k < e && is_plain_word(sv, lex, k) {
            q.head = t.fold(k).to_string();
            q.head_range = Some((k, k + 1));
            q.end = k + 1;
        }
        out.push(q);
    }
    out.sort_by_key(|q| q.a);
}

/// A word that can be a counted noun: not a function word, cue, number or entity.
fn is_plain_word(sv: &SentView, lex: &Lex, i: usize) -> bool {
    let t = sv.t;
    t.kind(i) == Kind::Word
        && !lex.stop.contains(t.fold(i))
        && !sv.in_mention(i)
        && t.fold(i).chars().count() > 1
        && !lex.is(CueClass::Approx, t, i)
        && !lex.is(CueClass::Pair, t, i)
        && !lex.is(CueClass::Role, t, i)
        && lex.units.at(t, i).is_none()
        && lex.days.at(t, i).is_none()
}
