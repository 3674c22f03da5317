//! The structure stage's read-only model, built once per run: stopword sets per language (from
//! the `stop-words` crate: NLTK lists where NLTK has the language, Stopwords ISO otherwise) and
//! the pattern tables of `data/lang/<lang>/structure-*.tsv`, compiled into lazy DFAs (sets).
//!
//! Furniture, notice, credit and dateline patterns of every language are applied to every
//! document, whatever its detected language: pages mix languages in their furniture (an English
//! "Related Articles" widget on a French site), and the patterns are anchored or specific enough
//! not to fire on article text. Stopwords, on the other hand, follow the detected language.

use crate::hash::{Shapes, WordSet};
use anyhow::{Context, Result, bail};
use regex::{Regex, RegexBuilder};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::pool::Pool;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::OnceLock;

/// The bundled tables: (language, patterns, section labels). Adding a language is adding its
/// two files and one line here.
const TABLES: &[(&str, &str, &str)] = &[
    ("mul", include_str!("../../data/lang/mul/structure-patterns.tsv"), ""),
    (
        "fr",
        include_str!("../../data/lang/fr/structure-patterns.tsv"),
        include_str!("../../data/lang/fr/structure-sections.tsv"),
    ),
    (
        "en",
        include_str!("../../data/lang/en/structure-patterns.tsv"),
        include_str!("../../data/lang/en/structure-sections.tsv"),
    ),
    (
        "es",
        include_str!("../../data/lang/es/structure-patterns.tsv"),
        include_str!("../../data/lang/es/structure-sections.tsv"),
    ),
    (
        "de",
        include_str!("../../data/lang/de/structure-patterns.tsv"),
        include_str!("../../data/lang/de/structure-sections.tsv"),
    ),
    (
        "it",
        include_str!("../../data/lang/it/structure-patterns.tsv"),
        include_str!("../../data/lang/it/structure-sections.tsv"),
    ),
    (
        "pt",
        include_str!("../../data/lang/pt/structure-patterns.tsv"),
        include_str!("../../data/lang/pt/structure-sections.tsv"),
    ),
];

/// What a whole-line pattern says about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LineKind {
    /// Page furniture on its own line.
    Furniture,
    /// Opens a teaser block that ends where article text resumes.
    Block,
    /// Opens the page's closing furniture.
    End,
    /// Opens the readers' comments, to the end of the document.
    Comments,
}

/// FNV-1a: the hash of a line's normalized text (the key of the corpus line counts, which its
/// values place in the count-min sketch) and of the sets of those hashes. Stopwords are
/// [`Stopwords`].
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        // The offset basis, so that no byte has to ask whether the hash has started.
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u8(b);
        }
    }
    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
}

pub type FnvBuild = BuildHasherDefault<Fnv>;

/// A stopword set. Every word of every line is looked up in it; held as `hash::Packed` keys, a
/// look-up hashes two integers (FNV went a byte at a time) and compares integers instead of
/// calling `memcmp`. Most words that are not stopwords are turned away before that by their
/// shape (first byte and length: stopwords are short), with a load and a shift.
#[derive(Debug, Default)]
pub struct Stopwords {
    words: WordSet,
    shapes: Shapes,
}

impl Stopwords {
    #[inline]
    pub fn contains(&self, word: &str) -> bool {
        self.shapes.may_contain(word) && self.words.contains(word)
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

impl<'a> FromIterator<&'a str> for Stopwords {
    fn from_iter<I: IntoIterator<Item = &'a str>>(words: I) -> Self {
        let mut set = Stopwords::default();
        for w in words {
            set.words.insert(w);
            set.shapes.insert(w);
        }
        set
    }
}

/// Read-only knowledge the stage needs, built once per run.
#[derive(Debug)]
pub struct Model {
    /// Stopwords by ISO 639-1 code.
    stopwords: HashMap<&'static str, Stopwords>,
    /// Whole-line patterns (end, block, furniture), with the kind of each.
    whole: FastSet,
    whole_kinds: Vec<LineKind>,
    /// Notices, matched anywhere in a line.
    notice: FastSet,
    /// Credit patterns: a set to test, then each pattern for its `names` group, compiled the
    /// first time the set finds its pattern (most patterns of the other languages never are;
    /// compiling them all was a quarter of this model's build).
    credit_set: FastSet,
    credit: Vec<Lazy>,
    /// Dateline patterns, with an optional `source` group.
    dateline: Vec<Regex>,
    /// Separators between names in a credit line.
    sep: Regex,
    /// Section labels, lowercased.
    sections: HashSet<String>,
}

/// A set of patterns tested on every line by a forward lazy DFA alone.
///
/// The regex crate's `RegexSet` also compiles a reverse automaton (to find where matches
/// start, which a set never asks) and the other engines' tables: the three sets took 169 M
/// instructions to build against 94 M here (callgrind), most of this model's build, a fixed
/// cost of every run.
///
/// A Unicode word boundary (`\b`) cannot be decided by a lazy DFA on non-ASCII text (the
/// regex crate falls back to its slowest engine on every line of French, 300 times slower on
/// whole-article lines). So the DFA runs the patterns without their word-boundary assertions
/// (a superset of the matches, since it only drops assertions), and a pattern that had some
/// is confirmed by its exact regex, compiled the first time the DFA lets a line through.
struct FastSet {
    dfa: DFA,
    /// Per-thread search state: the DFA's cache and the set of matched patterns.
    scratch: Pool<Scratch, ScratchFn>,
    /// Per pattern, its exact form when it differs from the one the DFA runs.
    exact: Vec<Option<Lazy>>,
    /// Whether no pattern needs confirming: a match can stop the search.
    relaxed_is_exact: bool,
}

type ScratchFn = Box<dyn Fn() -> Scratch + Send + Sync + UnwindSafe + RefUnwindSafe>;

struct Scratch {
    cache: Cache,
    matched: PatternSet,
}

/// A regex compiled the first time it is needed.
#[derive(Debug)]
struct Lazy {
    pattern: String,
    case_insensitive: bool,
    regex: OnceLock<Regex>,
}

impl Lazy {
    fn get(&self) -> &Regex {
        self.regex.get_or_init(|| {
            // The DFA compiled the pattern without its assertions, and the tests compile each
            // one whole: this cannot fail.
            RegexBuilder::new(&self.pattern)
                .case_insensitive(self.case_insensitive)
                .build()
                .expect("a structure pattern")
        })
    }
}

impl std::fmt::Debug for FastSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastSet").field("patterns", &self.exact.len()).finish_non_exhaustive()
    }
}

impl FastSet {
    /// The set of `patterns` (with the file and line of each, for errors).
    fn new(patterns: &[(String, String)], case_insensitive: bool) -> Result<FastSet> {
        let relaxed: Vec<String> =
            patterns.iter().map(|(p, _)| without_word_boundaries(p)).collect();
        let build = |p: &[String]| {
            DFA::builder()
                .configure(DFA::config().match_kind(MatchKind::All))
                .syntax(syntax::Config::new().case_insensitive(case_insensitive))
                .thompson(
                    thompson::Config::new()
                        .which_captures(WhichCaptures::None)
                        .nfa_size_limit(Some(64 << 20)),
                )
                .build_many(p)
                .map_err(anyhow::Error::from)
        };
        // Compiled as a set; only when the set fails is each pattern compiled alone, so that
        // the error names its file and line.
        let dfa = build(&relaxed).or_else(|e| {
            for (p, (_, ctx)) in relaxed.iter().zip(patterns) {
                build(std::slice::from_ref(p)).with_context(|| ctx.clone())?;
            }
            Err(e).context("compiling structure patterns")
        })?;
        let exact: Vec<Option<Lazy>> = patterns
            .iter()
            .zip(&relaxed)
            .map(|((p, _), r)| {
                (p != r).then(|| Lazy {
                    pattern: p.clone(),
                    case_insensitive,
                    regex: OnceLock::new(),
                })
            })
            .collect();
        let relaxed_is_exact = exact.iter().all(Option::is_none);
        let for_pool = dfa.clone();
        let scratch: Pool<Scratch, ScratchFn> = Pool::new(Box::new(move || Scratch {
            cache: for_pool.create_cache(),
            matched: PatternSet::new(for_pool.pattern_len()),
        }));
        Ok(FastSet { dfa, scratch, exact, relaxed_is_exact })
    }

    fn is_match(&self, line: &str) -> bool {
        if self.relaxed_is_exact {
            let mut s = self.scratch.get();
            let input = Input::new(line).earliest(true);
            // No quit byte is set and the cache never gives up: the search cannot fail.
            return self
                .dfa
                .try_search_fwd(&mut s.cache, &input)
                .expect("a lazy DFA search")
                .is_some();
        }
        self.matches(line, |_| true)
    }

    /// Calls `f` with the index of each pattern matching `line`, in increasing order, until
    /// it returns `true`; says whether it did.
    fn matches(&self, line: &str, mut f: impl FnMut(usize) -> bool) -> bool {
        let mut s = self.scratch.get();
        let Scratch { cache, matched } = &mut *s;
        // Most lines match no pattern. The plain search says so at a fraction of the cost of
        // the overlapping one, which reads a byte per turn of its loop, checking each state
        // for a match, where the plain one reads several; and a line some pattern matches
        // is a line the overlapping search would find at least that pattern in (both run the
        // same DFA). On synth 10 MB this took the structure stage from 827 M to 756 M
        // instructions (callgrind).
        if self
            .dfa
            .try_search_fwd(cache, &Input::new(line).earliest(true))
            .expect("a lazy DFA search")
            .is_none()
        {
            return false;
        }
        matched.clear();
        self.dfa
            .try_which_overlapping_matches(cache, &Input::new(line), matched)
            .expect("a lazy DFA search");
        matched
            .iter()
            .map(|p| p.as_usize())
            .any(|i| self.exact[i].as_ref().is_none_or(|e| e.get().is_match(line)) && f(i))
    }
}

/// The pattern without its word-boundary assertions (`\b`, `\B`); escaped backslashes kept.
fn without_word_boundaries(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b' | 'B') => {
                // `\b{start}` and its kin: the braces belong to the assertion.
                if chars.clone().next() == Some('{') {
                    for n in chars.by_ref() {
                        if n == '}' {
                            break;
                        }
                    }
                }
            }
            Some(n) => {
                out.push(c);
                out.push(n);
            }
            None => out.push(c),
        }
    }
    out
}

/// One parsed table row.
struct Row<'a> {
    lang: &'a str,
    line: usize,
    kind: &'a str,
    pattern: &'a str,
}

fn rows<'a>(lang: &'a str, text: &'a str) -> impl Iterator<Item = Result<Row<'a>>> + 'a {
    text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')).map(
        move |(i, l)| {
            let Some((kind, pattern)) = l.split_once('\t') else {
                bail!("data/lang/{lang}/structure-patterns.tsv line {}: no TAB", i + 1);
            };
            Ok(Row { lang, line: i + 1, kind: kind.trim(), pattern })
        },
    )
}

impl Model {
    pub fn build() -> Result<Self> {
        let mut stopwords = HashMap::new();
        for &code in stop_words::available_languages() {
            if let Some(words) = stop_words::lookup(code) {
                stopwords.insert(code, words.iter().copied().collect::<Stopwords>());
            }
        }
        let mut whole = Vec::new();
        let mut whole_kinds = Vec::new();
        let (mut notice, mut credit, mut dateline, mut sep, mut sep_any) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut sections = HashSet::new();
        for &(lang, patterns, section_list) in TABLES {
            for row in rows(lang, patterns) {
                let row = row?;
                let ctx =
                    || format!("data/lang/{}/structure-patterns.tsv line {}", row.lang, row.line);
                let p = row.pattern;
                match row.kind {
                    "end" | "block" | "furniture" | "comments" => {
                        whole.push((format!("^(?:{p})$"), ctx()));
                        whole_kinds.push(match row.kind {
                            "end" => LineKind::End,
                            "comments" => LineKind::Comments,
                            "block" => LineKind::Block,
                            _ => LineKind::Furniture,
                        });
                    }
                    "notice" => notice.push((p.to_string(), ctx())),
                    "sep" if lang == "mul" => sep_any.push(p),
                    // Language separators first: they are longer ("; Editing by").
                    "sep" => sep.push(p),
                    "credit" => credit.push((p.to_string(), ctx())),
                    "dateline" => dateline.push(Regex::new(p).with_context(ctx)?),
                    other => bail!("{}: unknown kind {other:?}", ctx()),
                }
            }
            for l in section_list.lines() {
                let l = l.trim();
                if !l.is_empty() && !l.starts_with('#') {
                    sections.insert(l.to_lowercase());
                }
            }
        }
        sep.append(&mut sep_any);
        Ok(Model {
            stopwords,
            whole: FastSet::new(&whole, true)?,
            whole_kinds,
            notice: FastSet::new(&notice, true)?,
            // Compiling the set checks each pattern (naming its line when one fails).
            credit_set: FastSet::new(&credit, false)?,
            credit: credit
                .into_iter()
                .map(|(pattern, _)| Lazy {
                    pattern,
                    case_insensitive: false,
                    regex: OnceLock::new(),
                })
                .collect(),
            dateline,
            sep: RegexBuilder::new(&sep.join("|"))
                .case_insensitive(true)
                .build()
                .context("compiling name separators")?,
            sections,
        })
    }

    /// The stopwords of a language, if the crate has them.
    pub fn stopwords(&self, code: &str) -> Option<&Stopwords> {
        self.stopwords.get(code)
    }

    /// The strongest whole-line kind `line` matches (comments > end > block > furniture). Punctuation and
    /// symbols around the line ("★ Most read ★", "Read more:") are set aside first.
    pub fn line_kind(&self, line: &str) -> Option<LineKind> {
        let core = line.trim_matches(|c: char| !c.is_alphanumeric());
        let mut kind = None;
        self.whole.matches(core, |i| {
            kind = kind.max(Some(self.whole_kinds[i]));
            false
        });
        kind
    }

    /// Whether `line` holds a legal, copyright or cookie notice.
    pub fn is_notice(&self, line: &str) -> bool {
        self.notice.is_match(line)
    }

    /// If `line` is a credit line, the text holding its names (possibly empty).
    pub fn credit<'a>(&self, line: &'a str) -> Option<&'a str> {
        let mut first = None;
        self.credit_set.matches(line, |i| {
            first = Some(i);
            true
        });
        let caps = self.credit[first?].get().captures(line)?;
        Some(caps.name("names").map_or("", |m| m.as_str()))
    }

    /// If `line` starts with a dateline: the byte length of the dateline and the source it names.
    pub fn dateline<'a>(&self, line: &'a str) -> Option<(usize, &'a str)> {
        self.dateline.iter().find_map(|re| {
            let caps = re.captures(line)?;
            let all = caps.get(0)?;
            Some((all.end(), caps.name("source").map_or("", |m| m.as_str().trim())))
        })
    }

    /// Splits a list of names at the separators of every language.
    pub fn split_names<'a>(&'a self, names: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.sep.split(names).map(str::trim).filter(|s| !s.is_empty())
    }

    /// Whether `word` is a known section label.
    pub fn is_section(&self, word: &str) -> bool {
        self.sections.contains(&word.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_compile() {
        let m = Model::build().unwrap();
        // Credit patterns are compiled alone only when first needed: each must compile.
        for c in m.credit.iter().chain(
            [&m.whole, &m.notice, &m.credit_set].iter().flat_map(|set| set.exact.iter().flatten()),
        ) {
            c.get();
        }
        for code in ["fr", "en", "es", "de", "it", "pt"] {
            assert!(m.stopwords(code).is_some_and(|s| s.len() > 100), "{code}");
        }
        assert_eq!(m.line_kind("Les plus lus"), Some(LineKind::End));
        assert_eq!(m.line_kind("Related Articles"), Some(LineKind::End));
        assert_eq!(m.line_kind("12 commentaires"), Some(LineKind::Comments));
        assert_eq!(m.line_kind("Read more:"), Some(LineKind::Block));
        assert_eq!(m.line_kind("Laisser un commentaire"), Some(LineKind::Furniture));
        assert_eq!(m.line_kind("Le ministère a réduit la liste."), None);
        assert!(m.is_notice("©️ Copyright Pulse Media. Tous droits réservés."));
        assert!(!m.is_notice("The copyright lawsuit was dismissed on Monday."));
        assert_eq!(
            m.credit("Reporting by Jane Doe; Editing by John Roe"),
            Some("Jane Doe; Editing by John Roe")
        );
        assert_eq!(m.dateline("(Agence Test) — Le texte").map(|d| d.1), Some("Agence Test"));
        assert_eq!(m.dateline("JERUSALEM (Reuters) - Israel said").map(|d| d.1), Some("Reuters"));
        assert!(m.dateline("Le Bureau de l’industrie (BIS) du Département a publié").is_none());
        assert!(m.is_section("diplomatie"));
        for date in [
            "12 mars 2024 à 14h05",
            "Le mardi 5 novembre 2024",
            "March 4, 2024, 10:32 AM EST",
            "Thursday 4 March 2024",
            "12 de febrero de 2024 - 10:35",
            "Montag, 5. August 2024, 14:30 Uhr",
            "5 agosto 2024 alle 14:30",
            "Segunda-feira, 5 de agosto de 2024",
            "2024-03-04T10:00:00Z",
            "https://example.org/a/b",
        ] {
            assert_eq!(m.line_kind(date), Some(LineKind::Furniture), "{date}");
        }
        assert_eq!(m.line_kind("Le 12 mars 2024, le conseil a voté le budget."), None);
        assert_eq!(m.line_kind("Lire aussi | Le budget de Lyon"), Some(LineKind::Furniture));
        assert_eq!(m.line_kind("Share full article"), Some(LineKind::Furniture));
        assert!(m.credit("Le Monde avec AFP").is_some());
        assert!(m.credit("Un ancien animateur de TF1 s'engage avec LREM").is_none());
        assert!(m.credit("CNN's Jane Doe contributed reporting.").is_some());
    }

    #[test]
    fn stopword_shapes_turn_away_no_stopword() {
        let m = Model::build().unwrap();
        let mut next = crate::testing::xorshift(0x0057_0b00);
        let letters = ["a", "e", "l", "s", "d", "é", "à", "ü", "ß", "ı", "я", "2"];
        for &code in stop_words::available_languages() {
            let (Some(words), Some(stop)) = (stop_words::lookup(code), m.stopwords(code)) else {
                continue;
            };
            // The words themselves, their parts and variants, and random words.
            let mut trials: Vec<String> = Vec::new();
            for w in words {
                trials.push(w.to_string());
                trials.push(format!("{w}s"));
                trials.push(format!("x{w}"));
                trials.extend(w.char_indices().map(|(i, _)| w[i..].to_string()));
                trials.extend(w.char_indices().map(|(i, _)| w[..i].to_string()));
            }
            for _ in 0..2000 {
                trials.push((0..1 + next(12)).map(|_| letters[next(letters.len())]).collect());
            }
            for t in &trials {
                assert_eq!(stop.contains(t), stop.words.contains(t), "{t:?}");
            }
        }
    }

    #[test]
    fn patterns_with_word_boundaries_are_confirmed() {
        let pats =
            [(r"\bcopyright\b".to_string(), "t:1".to_string()), ("^vu$".into(), "t:2".into())];
        let set = FastSet::new(&pats, true).unwrap();
        assert!(!set.relaxed_is_exact);
        assert!(set.is_match("© Copyright, 2024"));
        assert!(!set.is_match("Copyrightée, l'œuvre"));
        assert!(set.is_match("Vu"));
        let matched = |line: &str| {
            let mut all = Vec::new();
            set.matches(line, |i| {
                all.push(i);
                false
            });
            all
        };
        assert_eq!(matched("vu"), [1]);
        assert_eq!(matched("copyrighted"), Vec::<usize>::new());
        assert_eq!(matched("COPYRIGHT"), [0]);
        let bad = [("(unclosed".to_string(), "data/x.tsv line 7".to_string())];
        let err = format!("{:#}", FastSet::new(&bad, true).unwrap_err());
        assert!(err.contains("data/x.tsv line 7"), "{err}");
    }

    /// Lines to try the sets on: the seed corpus, the synthetic corpus's sentences and
    /// furniture, random lines made of the pieces the patterns look for (capitals, credit
    /// phrases, brackets, notices, characters whose case folds outside ASCII), and lines each
    /// set matches, alone and with a piece before or after them.
    fn trial_lines() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut lines = Vec::new();
        for dir in ["corpus", "data/synth"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
                lines.extend(text.lines().map(|l| l.trim().to_string()));
            }
        }
        let pieces = [
            "Jane Doe",
            "JERUSALEM",
            "Reuters",
            "AFP",
            "Le Monde",
            "by",
            "By",
            "Par",
            "par",
            "Von",
            "avec",
            "with",
            "Source :",
            "Crédit photo",
            "Photo:",
            "(Photo by ",
            "(",
            ")",
            ".",
            " ",
            " ",
            " ",
            "  ",
            ",",
            ";",
            ":",
            "-",
            "—",
            "«",
            "\"",
            "contributed reporting",
            "contributed to this report",
            "a contribué à cet article",
            "hat zu diesem Bericht beigetragen",
            "colaboró en esta nota",
            "ha contribuito a questo articolo",
            "contribuiu para esta reportagem",
            "Editing by",
            "Tous droits réservés",
            "©",
            "(c) 2024",
            "Copyright",
            "cookies",
            "Lire aussi",
            "Les plus lus",
            "12 commentaires",
            "Read more",
            "2024",
            "12 mars",
            "\u{212A}",
            "ſ",
            "É",
            "é",
            "ß",
            "Ł",
            "the",
            "article",
            "story",
            "rapport",
            "x",
        ];
        let mut next = crate::testing::xorshift(0x00c0_ffee);
        for _ in 0..20_000 {
            lines.push((0..1 + next(12)).map(|_| pieces[next(pieces.len())]).collect());
        }
        // Lines each set matches, alone and with pieces before or after them.
        let seeds = [
            "(Agence Test) — Le texte",
            "JERUSALEM (Reuters) - Israel said",
            "Reporting by Jane Doe; Editing by John Roe",
            "CNN's Jane Doe contributed reporting.",
            "Jane Doe a contribué à cet article.",
            "Le Monde avec AFP",
            "Un texte (Photo: Jane Doe)",
            "©️ Copyright Pulse Media. Tous droits réservés.",
            "Les plus lus",
            "Lire aussi : le budget",
        ];
        for seed in seeds {
            for _ in 0..200 {
                let piece = pieces[next(pieces.len())];
                lines.push(seed.to_string());
                lines.push(format!("{seed}{piece}"));
                lines.push(format!("{piece}{seed}"));
            }
        }
        lines
    }

    #[test]
    fn the_plain_search_first_changes_no_answer() {
        let m = Model::build().unwrap();
        let lines = trial_lines();
        for (name, set) in [("whole", &m.whole), ("notice", &m.notice), ("credit", &m.credit_set)] {
            // What `matches` answered before the plain search came first: the overlapping
            // search alone, then the exact forms.
            let mut cache = set.dfa.create_cache();
            let mut found = 0;
            for line in lines
                .iter()
                .flat_map(|l| [l.as_str(), l.trim_matches(|c: char| !c.is_alphanumeric())])
            {
                let mut all = PatternSet::new(set.dfa.pattern_len());
                set.dfa
                    .try_which_overlapping_matches(&mut cache, &Input::new(line), &mut all)
                    .unwrap();
                let want: Vec<usize> = all
                    .iter()
                    .map(|p| p.as_usize())
                    .filter(|&i| set.exact[i].as_ref().is_none_or(|e| e.get().is_match(line)))
                    .collect();
                let mut got = Vec::new();
                set.matches(line, |i| {
                    got.push(i);
                    false
                });
                assert_eq!(got, want, "{name}: {line:?}");
                assert_eq!(set.is_match(line), !want.is_empty(), "{name}: {line:?}");
                found += usize::from(!want.is_empty());
            }
            // The trial lines do reach the patterns.
            assert!(found > 100, "{name}: {found} lines matched");
        }
    }

    #[test]
    fn word_boundaries_are_screened_not_lost() {
        assert_eq!(without_word_boundaries(r"^\W*copyright\b"), r"^\W*copyright");
        assert_eq!(without_word_boundaries(r"\bx\B\\b\b{start}y"), r"x\\by");
        let m = Model::build().unwrap();
        // The exact set still decides: no boundary after "copyright" here.
        assert!(!m.is_notice("Copyrightée, l'œuvre"));
        assert!(m.is_notice("Copyright, 2024"));
    }
}
