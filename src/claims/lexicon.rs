//! Per-language knowledge the claims stage reads: cue phrases, counted nouns, units, days,
//! speech verbs, number formats, function words and abbreviations. All of it is data
//! (`data/lang/<lang>/claims-*.tsv`, embedded at build time); adding a language is adding its
//! files to `LANGS`. Phrases are folded (lowercase, no diacritics, ’ → ') and tokenized with the
//! same tokenizer as the text, then matched token by token (leftmost-longest).

use super::text::{Tokens, fold_into};
use crate::hash::{FxMap, FxSet, Shapes, WordMap};
use anyhow::{Context, Result, bail};
use std::collections::HashMap;

/// A set of folded words, with the fast hasher.
pub type WordSet = FxSet<String>;

macro_rules! lang_files {
    ($($code:literal),*) => {
        &[$(($code, [
            include_str!(concat!("../../data/lang/", $code, "/claims-cues.tsv")),
            include_str!(concat!("../../data/lang/", $code, "/claims-heads.tsv")),
            include_str!(concat!("../../data/lang/", $code, "/claims-units.tsv")),
            include_str!(concat!("../../data/lang/", $code, "/claims-days.tsv")),
            include_str!(concat!("../../data/lang/", $code, "/claims-speech.tsv")),
            include_str!(concat!("../../data/lang/", $code, "/claims-numbers.tsv")),
            include_str!(concat!("../../data/lang/", $code, "/claims-stopwords.tsv")),
            include_str!(concat!("../../data/lang/", $code, "/claims-abbrev.tsv")),
        ])),*]
    };
}

/// The bundled languages and their eight files, in the order `Lex::parse` reads them.
const LANGS: &[(&str, [&str; 8])] = lang_files!("fr", "en", "es", "de");

/// Concept → entity type (language-independent).
const CONCEPTS: &str = include_str!("../../data/claims-concepts.tsv");
/// Event classes (language-independent).
const EVENTS: &str = include_str!("../../data/claims-events.tsv");

/// Data rows of a TSV file: comments and blank lines skipped, cells trimmed.
fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

/// Ids of the folded words that a language's phrases use. The tokenizer gives each token its
/// id once ([`NO_WORD`] for a word no phrase uses), so that asking every phrase table at every
/// position compares integers instead of hashing the token's text again each time.
#[derive(Debug, Default)]
pub struct Vocab {
    /// Packed keys: a look-up that finds its word compares integers in the table instead of
    /// following a pointer to the word's bytes.
    ids: WordMap<u32>,
    /// The words' shapes: every token of every line asks for its id, and most are no phrase
    /// word, which the shape test tells without hashing them.
    shapes: Shapes,
}

/// The id of a word that no phrase uses.
pub const NO_WORD: u32 = u32::MAX;

impl Vocab {
    pub(super) fn intern(&mut self, word: String) -> u32 {
        let next = u32::try_from(self.ids.len()).expect("fewer than 2^32 phrase words");
        self.shapes.insert(&word);
        *self.ids.get_or_insert_with(&word, || next)
    }

    /// The id of a folded word.
    #[inline]
    pub fn id(&self, word: &str) -> u32 {
        // The empty word has no shape; it is looked up.
        if !word.is_empty() && !self.shapes.may_contain(word) {
            return NO_WORD;
        }
        self.ids.get(word).copied().unwrap_or(NO_WORD)
    }
}

/// A set of word ids, one bit each: the words that start a table's phrases, or several
/// tables'.
#[derive(Debug, Clone, Default)]
pub struct StartSet(Vec<u64>);

impl StartSet {
    fn insert(&mut self, id: u32) {
        let word = id as usize / 64;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (id % 64);
    }

    /// Adds the words of `other`.
    fn union(&mut self, other: &StartSet) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        self.0.iter_mut().zip(&other.0).for_each(|(w, o)| *w |= o);
    }

    /// Whether word `id` is in the set.
    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        self.0.get(id as usize / 64).is_some_and(|w| w >> (id % 64) & 1 == 1)
    }

    /// Appends to `out` the tokens of `from..to` whose word is in the set.
    pub fn positions(&self, t: &Tokens, from: usize, to: usize, out: &mut Vec<usize>) {
        let ids = t.ids(from);
        let ids = &ids[..to.saturating_sub(from).min(ids.len())];
        out.extend((from..).zip(ids).filter(|(_, id)| self.contains(**id)).map(|(i, _)| i));
    }
}

/// A set of token sequences mapped to payloads, matched leftmost-longest.
#[derive(Debug)]
pub struct Phrases<T> {
    /// first word id → (ids of the remaining words, payload index)
    first: FxMap<u32, Vec<(Vec<u32>, usize)>>,
    /// The first words of the phrases: most tokens start none, and every table is asked at
    /// every token, so a bit test spares the map look-up.
    starts: StartSet,
    pub payloads: Vec<T>,
}

impl<T> Default for Phrases<T> {
    fn default() -> Self {
        Phrases { first: FxMap::default(), starts: StartSet::default(), payloads: Vec::new() }
    }
}

/// One phrase found in a token sequence: tokens `start..end`, payload index.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub payload: usize,
}

impl<T> Phrases<T> {
    /// Adds a phrase (tokenized like the text), its words interned in `vocab`.
    pub fn add(&mut self, vocab: &mut Vocab, phrase: &str, payload: T) {
        let toks = Tokens::of_phrase(phrase);
        if toks.is_empty() {
            return;
        }
        let idx = self.payloads.len();
        self.payloads.push(payload);
        let mut it = toks.into_iter().map(|w| vocab.intern(w));
        let first = it.next().expect("non-empty");
        self.starts.insert(first);
        self.first.entry(first).or_default().push((it.collect(), idx));
        // Longest first, so the first complete match at a position is the longest.
        for v in self.first.values_mut() {
            v.sort_by_key(|x| std::cmp::Reverse(x.0.len()));
        }
    }

    /// The longest phrase starting at token `i` of `t`, if any.
    ///
    /// Inlined: the tables are asked millions of times per run, nearly always about a token
    /// that starts none of their phrases, which the bit test answers in a few instructions;
    /// a call for it cost more than the test.
    #[inline]
    pub fn at(&self, t: &Tokens, i: usize) -> Option<Hit> {
        if i >= t.len() {
            return None;
        }
        let id = t.id(i);
        if !self.starts_phrase(id) {
            return None;
        }
        self.longest_from(t, i, id)
    }

    /// Whether some phrase starts with the word `id`.
    #[inline]
    fn starts_phrase(&self, id: u32) -> bool {
        self.starts.contains(id)
    }

    /// The longest phrase starting at token `i` (whose id `id` starts some phrase).
    #[inline(never)]
    fn longest_from(&self, t: &Tokens, i: usize, id: u32) -> Option<Hit> {
        let cands = self.first.get(&id)?;
        let next = t.ids(i + 1);
        // Compared word by word, not as slices (a `memcmp` call each): the rest of a phrase is a
        // word or two, and most candidates differ at the first.
        cands
            .iter()
            .find(|(rest, _)| next.get(..rest.len()).is_some_and(|w| w.iter().eq(rest)))
            .map(|(rest, payload)| Hit { start: i, end: i + 1 + rest.len(), payload: *payload })
    }

    /// Non-overlapping leftmost-longest hits within tokens `from..to`.
    pub fn scan(&self, t: &Tokens, from: usize, to: usize, out: &mut Vec<Hit>) {
        out.clear();
        // The ids read as one slice: every table scans every sentence, token by token.
        let ids = t.ids(from);
        let ids = &ids[..to.saturating_sub(from).min(ids.len())];
        let mut k = 0;
        while let Some(&id) = ids.get(k) {
            if self.starts_phrase(id)
                && let Some(h) = self.longest_from(t, from + k, id)
                && h.end <= to
            {
                out.push(h);
                k = h.end - from;
            } else {
                k += 1;
            }
        }
    }

    /// As [`Phrases::scan`] over `from..to`, visiting only the tokens `at` (ascending): they
    /// must include every token of `from..to` whose word starts one of the phrases.
    pub fn scan_at(&self, t: &Tokens, at: &[usize], to: usize, out: &mut Vec<Hit>) {
        out.clear();
        // Tokens before `next` are inside the last hit.
        let mut next = 0;
        for &i in at {
            if i < next {
                continue;
            }
            let id = t.id(i);
            if self.starts_phrase(id)
                && let Some(h) = self.longest_from(t, i, id)
                && h.end <= to
            {
                out.push(h);
                next = h.end;
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }
}

/// A cue's class (`class` column of claims-cues.tsv).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueClass {
    Approx,
    Role,
    Pair,
    Member,
    List,
    Event,
    Qualifier,
    Genitive,
    Relative,
    Coord,
    Attribution,
}

/// Where a cue sits or looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Before the number (roles) / the members or agent are before the cue.
    Before,
    /// After.
    After,
}

/// One cue: its value (`more`, `after`, `in`, `report`…), direction and strength.
#[derive(Debug, Clone)]
pub struct Cue {
    pub value: String,
    pub dir: Dir,
    pub strong: bool,
}

/// A unit word's class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitClass {
    Currency,
    Percent,
    Scale,
    Duration,
    Fraction,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub class: UnitClass,
    /// Currency code, `%`, duration unit, or the multiplier / fraction as text.
    pub value: String,
    pub factor: f64,
}

/// An event class of claims-events.tsv.
#[derive(Debug, Clone)]
pub struct EventClass {
    pub name: String,
    /// Whether the key's anchor is the agent (else the object).
    pub anchor_agent: bool,
    /// Whether the value is the agent (else the days).
    pub value_agent: bool,
    pub agent_types: Vec<String>,
    pub object_types: Vec<String>,
}

impl EventClass {
    pub fn agent_ok(&self, etype: &str) -> bool {
        self.agent_types.iter().any(|t| t == "*" || t == etype)
    }
    pub fn object_ok(&self, etype: &str) -> bool {
        self.object_types.iter().any(|t| t == "*" || t == etype)
    }
}

/// Everything the stage knows about one language.
pub struct Lex {
    pub code: String,
    /// Cue phrases by class, in `CLASSES` order (indexed by `CueClass as usize`).
    cues: Vec<Phrases<Cue>>,
    pub heads: Phrases<String>,
    pub units: Phrases<Unit>,
    pub days: Phrases<String>,
    pub speech: Phrases<()>,
    /// The words of all the phrases above.
    pub vocab: Vocab,
    /// The first words of the phrases every sentence is scanned for: days, and the list,
    /// attribution, membership and event cues. One pass finds the tokens where they may start
    /// (few), and each table looks only there instead of scanning the sentence again.
    pub sentence_starts: StartSet,
    pub stop: WordSet,
    pub abbrev: WordSet,
    pub weak: WordSet,
    pub decimal: char,
    pub groups: Vec<char>,
    pub numbers: Option<text2num::Language>,
}

impl std::fmt::Debug for Lex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lex").field("code", &self.code).finish_non_exhaustive()
    }
}

fn class_name(c: CueClass) -> &'static str {
    match c {
        CueClass::Approx => "approx",
        CueClass::Role => "role",
        CueClass::Pair => "pair",
        CueClass::Member => "member",
        CueClass::List => "list",
        CueClass::Event => "event",
        CueClass::Qualifier => "qualifier",
        CueClass::Genitive => "genitive",
        CueClass::Relative => "relative",
        CueClass::Coord => "coord",
        CueClass::Attribution => "attribution",
    }
}

const CLASSES: [CueClass; 11] = [
    CueClass::Approx,
    CueClass::Role,
    CueClass::Pair,
    CueClass::Member,
    CueClass::List,
    CueClass::Event,
    CueClass::Qualifier,
    CueClass::Genitive,
    CueClass::Relative,
    CueClass::Coord,
    CueClass::Attribution,
];

/// The cue classes of `Lex::sentence_starts`.
pub const SENTENCE_CUES: [CueClass; 4] =
    [CueClass::List, CueClass::Attribution, CueClass::Member, CueClass::Event];

impl Lex {
    fn parse(code: &str, files: &[&str; 8]) -> Result<Self> {
        let [cues_f, heads_f, units_f, days_f, speech_f, numbers_f, stop_f, abbrev_f] = *files;
        let mut vocab = Vocab::default();
        let mut cues: HashMap<&'static str, Phrases<Cue>> = HashMap::new();
        for c in CLASSES {
            cues.insert(class_name(c), Phrases::default());
        }
        for r in rows(cues_f) {
            let class = r[1];
            let Some(set) = cues.get_mut(class) else {
                bail!("{code}/claims-cues.tsv: unknown class {class:?}");
            };
            let dir = match r.get(3).copied().unwrap_or("") {
                "post" | "after" => Dir::After,
                _ => Dir::Before,
            };
            let strong = r.get(4).is_none_or(|s| *s != "weak");
            set.add(
                &mut vocab,
                r[0],
                Cue { value: r.get(2).unwrap_or(&"").to_string(), dir, strong },
            );
        }
        let mut heads = Phrases::default();
        for r in rows(heads_f) {
            heads.add(
                &mut vocab,
                r[0],
                r.get(1).context("claims-heads.tsv: concept missing")?.to_string(),
            );
        }
        let mut units = Phrases::default();
        for r in rows(units_f) {
            let class = match r[1] {
                "currency" => UnitClass::Currency,
                "percent" => UnitClass::Percent,
                "scale" => UnitClass::Scale,
                "duration" => UnitClass::Duration,
                "fraction" => UnitClass::Fraction,
                other => bail!("{code}/claims-units.tsv: unknown class {other:?}"),
            };
            let value = r.get(2).unwrap_or(&"").to_string();
            let factor = value.parse::<f64>().unwrap_or(1.0);
            units.add(&mut vocab, r[0], Unit { class, value, factor });
        }
        let mut days = Phrases::default();
        for r in rows(days_f) {
            days.add(&mut vocab, r[0], r[1].to_string());
        }
        let mut speech = Phrases::default();
        for r in rows(speech_f) {
            speech.add(&mut vocab, r[0], ());
        }
        let folded = |f: &str| -> WordSet {
            rows(f)
                .map(|r| {
                    let mut s = String::new();
                    fold_into(r[0], &mut s);
                    s
                })
                .collect()
        };
        let (mut decimal, mut groups, mut weak) = ('.', Vec::new(), WordSet::default());
        for r in rows(numbers_f) {
            let v = r.get(1).copied().unwrap_or("");
            match r[0] {
                "decimal" => decimal = v.chars().next().unwrap_or('.'),
                "group" if v == "space" => groups.extend([' ', '\u{a0}', '\u{202f}', '\u{2009}']),
                "group" => groups.extend(v.chars().next()),
                "weak" => {
                    weak.insert(v.to_lowercase());
                }
                other => bail!("{code}/claims-numbers.tsv: unknown key {other:?}"),
            }
        }
        let mut sentence_starts = days.starts.clone();
        for c in SENTENCE_CUES {
            sentence_starts.union(&cues[class_name(c)].starts);
        }
        Ok(Lex {
            code: code.to_string(),
            // In `CueClass` order, so that a class indexes its phrases.
            cues: CLASSES
                .iter()
                .map(|c| cues.remove(class_name(*c)).expect("every class"))
                .collect(),
            sentence_starts,
            heads,
            units,
            days,
            speech,
            vocab,
            stop: folded(stop_f),
            abbrev: folded(abbrev_f),
            weak,
            decimal,
            groups,
            numbers: text2num::lang::get_interpreter_for(code),
        })
    }

    /// The cue phrases of one class.
    pub fn cues(&self, class: CueClass) -> &Phrases<Cue> {
        &self.cues[class as usize]
    }

    /// Whether token `i` starts a cue of `class`.
    pub fn is(&self, class: CueClass, t: &Tokens, i: usize) -> bool {
        self.cues(class).at(t, i).is_some()
    }
}

/// All languages, plus the language-independent tables.
#[derive(Debug)]
pub struct Lexicons {
    langs: Vec<Lex>,
    /// concept → entity type
    pub concepts: HashMap<String, String>,
    pub events: Vec<EventClass>,
}

impl Lexicons {
    pub fn build() -> Result<Self> {
        let langs = LANGS
            .iter()
            .map(|(code, files)| Lex::parse(code, files))
            .collect::<Result<Vec<_>>>()?;
        let concepts = rows(CONCEPTS).map(|r| (r[0].to_string(), r[1].to_string())).collect();
        let split = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        let events = rows(EVENTS)
            .map(|r| EventClass {
                name: r[0].to_string(),
                anchor_agent: r[1] == "agent",
                value_agent: r[2] == "agent",
                agent_types: split(r[3]),
                object_types: split(r[4]),
            })
            .collect();
        Ok(Lexicons { langs, concepts, events })
    }

    /// The lexicon of a language code; English when the language has no data.
    pub fn get(&self, code: &str) -> &Lex {
        self.langs
            .iter()
            .find(|l| l.code == code)
            .or_else(|| self.langs.iter().find(|l| l.code == "en"))
            .expect("English data is bundled")
    }

    pub fn event(&self, name: &str) -> Option<&EventClass> {
        self.events.iter().find(|e| e.name == name)
    }

    /// Entity type counted by a concept (`countries` → `country`).
    pub fn concept_type(&self, concept: &str) -> Option<&str> {
        self.concepts.get(concept).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::NumFormat;
    use super::*;

    /// `scan_at`, visiting only the tokens `sentence_starts` gives, finds what `scan` finds, for
    /// every table it serves, on every range of varied texts.
    #[test]
    fn scan_at_sentence_starts_matches_scan() {
        let lexs = Lexicons::build().unwrap();
        let texts = [
            (
                "fr",
                "Mercredi, selon Le Monde, le ministère a supprimé 65 pays de la liste noire \
                    et a publié un rapport ; le Maroc ne figure plus sur la liste depuis mai.",
            ),
            (
                "fr",
                "Le 3 janvier, d'après l'AFP, la société a été retirée de la liste et a porté \
                    plainte lundi lundi mardi contre l'État, a rapporté Reuters.",
            ),
            (
                "en",
                "On Monday, according to Reuters, the ministry removed 65 countries from the \
                    list and filed a lawsuit; Morocco remains on the blacklist since March.",
            ),
        ];
        for (code, text) in texts {
            let lex = lexs.get(code);
            let mut t = Tokens::default();
            t.tokenize(
                text,
                0,
                NumFormat { decimal: lex.decimal, groups: &lex.groups },
                &lex.vocab,
            );
            let tables = SENTENCE_CUES.map(|c| lex.cues(c));
            let mut found = 0;
            for from in 0..t.len() {
                for to in from..=t.len() {
                    let mut at = Vec::new();
                    lex.sentence_starts.positions(&t, from, to, &mut at);
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    lex.days.scan(&t, from, to, &mut a);
                    lex.days.scan_at(&t, &at, to, &mut b);
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "days {from}..{to}");
                    found += a.len();
                    for p in tables {
                        p.scan(&t, from, to, &mut a);
                        p.scan_at(&t, &at, to, &mut b);
                        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{from}..{to}");
                        found += a.len();
                    }
                }
            }
            assert!(found > 0, "{code}: the texts have cues");
        }
    }
}
