//! Language knowledge of the entities stage, as data: `data/lang/<lang>/entities-*`.
//!
//! Takes the embedded files of every language (institution words, discovery cues, capitalised
//! non-names, name-word translations); promises their folded forms, merged across languages
//! (a French article quotes English names, and a misdetected language must not switch rules
//! off), plus the translations per target language. Adding a language is adding its four files
//! and one line to [`LANGS`].

use super::fold::fold;
use super::scan::Tok;
use anyhow::{Result, bail};
// The fast hasher: these sets are probed for every token of every line.
use crate::hash::{FxMap as HashMap, FxSet as HashSet, Shapes};

struct LangFiles {
    code: &'static str,
    institutions: &'static str,
    cues: &'static str,
    stopwords: &'static str,
    translations: &'static str,
}

macro_rules! lang {
    ($code:literal) => {
        LangFiles {
            code: $code,
            institutions: include_str!(concat!(
                "../../data/lang/",
                $code,
                "/entities-institutions.tsv"
            )),
            cues: include_str!(concat!("../../data/lang/", $code, "/entities-cues.tsv")),
            stopwords: include_str!(concat!("../../data/lang/", $code, "/entities-stopwords.txt")),
            translations: include_str!(concat!(
                "../../data/lang/",
                $code,
                "/entities-translations.tsv"
            )),
        }
    };
}

const LANGS: &[LangFiles] = &[lang!("fr"), lang!("en"), lang!("es"), lang!("de")];

/// The merged lexicons. Every form is folded; multi-word forms are sequences of folded words.
#[derive(Debug, Default)]
pub struct Lexicons {
    pub institutions: HashSet<String>,
    /// Domain word sequences → domain key (`mod`, `commerce`, …).
    pub domains: Vec<(Vec<DomainWord>, String)>,
    /// Positions in `domains` (in order) by the first byte of their first word: a domain
    /// matches a token only if their first bytes agree (see `structured::find`), so a token is
    /// tried against a few domains, not all of them (that scan was a third of the stage).
    /// Indexed by the byte: a table, not a map, as it is asked of every token of a line that
    /// names an institution.
    pub domains_by_first: Vec<Vec<usize>>,
    /// The shapes of the tokens a domain's first word can match (itself, or a word of the
    /// same first byte at most two bytes longer or shorter when it has four bytes or more):
    /// most tokens are none of them, and are told so before the look-up in `domains_by_first`.
    pub domain_shapes: Shapes,
    pub links: HashSet<String>,
    /// Institution-and-domain compounds (German) → domain key.
    pub compounds: HashMap<String, String>,
    /// The shapes of `institutions` and `compounds`' words: a line none of whose tokens has
    /// one holds no government body, and is told so without hashing its tokens.
    pub institution_shapes: Shapes,
    /// `compounds`, `institutions` and `links` in one map (a word in several takes the first
    /// of them), and the shapes of its words: in a line that names an institution, every
    /// token is asked what it is, and most are none of these.
    pub gov_words: HashMap<String, GovWord>,
    pub gov_shapes: Shapes,
    /// Domain key → English label of the body.
    pub labels: HashMap<String, String>,
    /// Words just before an organisation's name, with the type they imply.
    pub org_before: Cues<&'static str>,
    pub org_after: HashSet<String>,
    pub person_before: Cues<()>,
    pub say: Cues<()>,
    pub stopwords: HashSet<String>,
    /// Target language → (English word, translated word), as written.
    pub translations: Vec<(String, Vec<(String, String)>)>,
}

/// What a word can be in the name of a government body (see [`Lexicons::gov_words`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GovWord {
    /// Institution and domain in one word, with the domain key.
    Compound(String),
    Inst,
    Link,
}

/// Cue phrases (folded words) with a payload, found by their first word: a candidate name is
/// checked against the cues at several places around it, and trying each of the 150 cues at
/// each place cost 0.15 G of a run's 3.19 G instructions on 800 OrangeSum articles.
#[derive(Debug)]
pub struct Cues<T> {
    /// In file order.
    seqs: Vec<(Vec<String>, T)>,
    /// First word → indices in `seqs`, increasing.
    by_first: HashMap<String, Vec<u32>>,
    /// Words of the longest cue.
    longest: usize,
}

impl<T> Default for Cues<T> {
    fn default() -> Self {
        Cues { seqs: Vec::new(), by_first: HashMap::default(), longest: 0 }
    }
}

impl<T: Copy> Cues<T> {
    /// Adds a cue of at least one word.
    fn push(&mut self, words: Vec<String>, payload: T) {
        let k = u32::try_from(self.seqs.len()).expect("fewer than 2^32 cues");
        self.by_first.entry(words[0].clone()).or_default().push(k);
        self.longest = self.longest.max(words.len());
        self.seqs.push((words, payload));
    }

    /// The cues (indices, in file order) whose words are the tokens from `start` on of the
    /// folded line `hay`.
    fn starting_at<'a>(
        &'a self,
        hay: &'a str,
        toks: &'a [Tok],
        start: usize,
    ) -> impl Iterator<Item = usize> + 'a {
        let first = toks.get(start).and_then(|t| self.by_first.get(&hay[t.fs..t.fe]));
        first.into_iter().flatten().map(|&k| k as usize).filter(move |&k| {
            let seq = &self.seqs[k].0;
            start + seq.len() <= toks.len()
                && seq.iter().zip(&toks[start..]).all(|(w, t)| hay[t.fs..t.fe] == **w)
        })
    }

    /// The payload of the first cue (in file order) ending just before token `i`.
    pub fn just_before(&self, hay: &str, toks: &[Tok], i: usize) -> Option<T> {
        (i.saturating_sub(self.longest)..i)
            .flat_map(|s| {
                self.starting_at(hay, toks, s).filter(move |&k| s + self.seqs[k].0.len() == i)
            })
            .min()
            .map(|k| self.seqs[k].1)
    }

    /// Whether a cue ends before token `i` with at most `within` tokens between them.
    pub fn before(&self, hay: &str, toks: &[Tok], i: usize, within: usize) -> bool {
        (i.saturating_sub(self.longest + within)..i).any(|s| {
            self.starting_at(hay, toks, s).any(|k| {
                let end = s + self.seqs[k].0.len();
                end <= i && end + within >= i
            })
        })
    }

    /// Whether a cue starts at one of the tokens `from..=to`.
    pub fn starts_within(&self, hay: &str, toks: &[Tok], from: usize, to: usize) -> bool {
        (from..=to).any(|s| self.starting_at(hay, toks, s).next().is_some())
    }
}

/// Splits a folded form into words (runs of letters and digits; a trailing '.' stays).
pub fn words(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .map(|w| w.trim_start_matches('.'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .skip(1) // header
        .map(|(n, l)| (n + 1, l.split('\t').map(str::trim).collect()))
}

impl Lexicons {
    pub fn load() -> Result<Lexicons> {
        let mut lex = Lexicons::default();
        for f in LANGS {
            let at = |file: &str, n: usize| format!("data/lang/{}/{file}:{n}", f.code);
            for (n, cols) in rows(f.institutions) {
                let form = fold(cols[1]);
                let value = cols.get(2).copied().unwrap_or("");
                match cols[0] {
                    "inst" => {
                        lex.institution_shapes.insert(&form);
                        lex.institutions.insert(form);
                    }
                    "domain" => {
                        let seq = words(&form).into_iter().map(DomainWord::new).collect();
                        lex.domains.push((seq, value.to_string()));
                    }
                    "link" => {
                        lex.links.insert(form);
                    }
                    "compound" => {
                        lex.institution_shapes.insert(&form);
                        lex.compounds.insert(form, value.to_string());
                    }
                    "label" => {
                        lex.labels.insert(cols[1].to_string(), value.to_string());
                    }
                    r => bail!("{}: unknown role '{r}'", at("entities-institutions.tsv", n)),
                }
            }
            for (n, cols) in rows(f.cues) {
                let w = words(&fold(cols[1]));
                if w.is_empty() {
                    bail!("{}: the cue {:?} has no word", at("entities-cues.tsv", n), cols[1]);
                }
                match cols[0] {
                    "org-before" => {
                        let t = match cols.get(2).copied().unwrap_or("") {
                            "media" => "media",
                            "org" => "org",
                            _ => "company",
                        };
                        lex.org_before.push(w, t);
                    }
                    "org-after" => lex.org_after.extend(w),
                    "person-before" => lex.person_before.push(w, ()),
                    "say" => lex.say.push(w, ()),
                    r => bail!("{}: unknown role '{r}'", at("entities-cues.tsv", n)),
                }
            }
            for l in f.stopwords.lines() {
                if !l.trim().is_empty() && !l.starts_with('#') {
                    lex.stopwords.insert(fold(l.trim()));
                }
            }
            let pairs: Vec<(String, String)> = rows(f.translations)
                .filter(|(_, c)| c.len() == 2 && c[0] != c[1])
                .map(|(_, c)| (c[0].to_string(), c[1].to_string()))
                .collect();
            if !pairs.is_empty() {
                lex.translations.push((f.code.to_string(), pairs));
            }
        }
        // The last insertion wins: links, then institutions, then compounds.
        let roles = (lex.links.iter().map(|w| (w, GovWord::Link)))
            .chain(lex.institutions.iter().map(|w| (w, GovWord::Inst)))
            .chain(lex.compounds.iter().map(|(w, key)| (w, GovWord::Compound(key.clone()))));
        for (w, role) in roles {
            lex.gov_shapes.insert(w);
            lex.gov_words.insert(w.clone(), role);
        }
        // Longest domain sequences first, so "affaires étrangères" wins over a shorter one.
        lex.domains.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        lex.domains_by_first = vec![Vec::new(); 256];
        for (i, (seq, _)) in lex.domains.iter().enumerate() {
            let first = seq.first().and_then(|w| w.text.bytes().next()).unwrap_or(0);
            lex.domains_by_first[first as usize].push(i);
            for len in domain_word_lengths(seq.first().map_or(0, |w| w.text.len())) {
                lex.domain_shapes.insert_shape(first, len);
            }
        }
        Ok(lex)
    }

    /// Whether the folded word is a capitalised non-name (function word, day, month).
    pub fn is_stopword(&self, folded: &str) -> bool {
        self.stopwords.contains(folded)
    }
}

/// A word of a domain's name, with its length in characters, counted once here: a token more
/// than one character longer or shorter is no near miss of it, and `structured::find` tells
/// so by lengths (`variants::char_counts_allow_one_edit`) before asking `within_one_edit`.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainWord {
    pub text: String,
    pub chars: usize,
}

impl DomainWord {
    fn new(text: String) -> Self {
        let chars = text.chars().count();
        DomainWord { text, chars }
    }
}

/// The byte lengths of the words that can stand for a domain word of `n` bytes: itself, and
/// from four bytes on, a near miss (one edit, `variants::within_one_edit`) up to two bytes
/// longer or shorter. `structured::find` matches by it and the shape filter is built from it,
/// so the two cannot disagree.
pub fn domain_word_lengths(n: usize) -> std::ops::RangeInclusive<usize> {
    if n >= 4 { n - 2..=n + 2 } else { n..=n }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicons_load() {
        let lex = Lexicons::load().unwrap();
        assert!(lex.institutions.contains("ministere"));
        assert!(lex.links.contains("du"));
        assert_eq!(lex.compounds.get("verteidigungsministerium").map(String::as_str), Some("mod"));
        assert!(lex.is_stopword("mardi"));
        let foreign = ["affaires", "etrangeres"];
        assert!(
            lex.domains.iter().any(|(seq, k)| {
                seq.iter().map(|w| w.text.as_str()).eq(foreign) && k == "foreign"
            })
        );
    }

    #[test]
    fn shapes_keep_every_institution_word() {
        let lex = Lexicons::load().unwrap();
        let words = lex.institutions.iter().chain(lex.compounds.keys());
        for w in words {
            assert!(lex.institution_shapes.may_contain(w), "{w}");
        }
        // The filter rejects: no institution word is 40 bytes long and starts with a 'q'.
        assert!(!lex.institution_shapes.may_contain(&"q".repeat(40)));
        assert!(!lex.institution_shapes.may_contain(""));
        let mut shapes = Shapes::default();
        shapes.insert("ministere");
        assert!(shapes.may_contain("mxxxxxxxx"));
        assert!(!shapes.may_contain("ministeres") && !shapes.may_contain("ninistere"));
    }

    /// Every word `structured::find` can take for a domain's first word (itself, or one of
    /// the same first byte within two bytes of its length when it has four or more) has a
    /// shape the filter keeps, and the domain is listed under its first byte.
    #[test]
    fn domain_shapes_keep_every_word_a_domain_can_match() {
        let lex = Lexicons::load().unwrap();
        for (i, (seq, _)) in lex.domains.iter().enumerate() {
            let w = &seq[0].text;
            let b = w.as_bytes()[0];
            assert!(lex.domains_by_first[b as usize].contains(&i), "{w}");
            assert!(lex.domain_shapes.may_contain(w), "{w}");
            for n in domain_word_lengths(w.len()) {
                let near = format!("{}{}", char::from(b), "x".repeat(n - 1));
                assert!(lex.domain_shapes.may_contain(&near), "{w} {near}");
            }
        }
        assert!(!lex.domain_shapes.may_contain(&"q".repeat(40)));
    }

    #[test]
    fn government_words_keep_the_order_of_the_three_sets() {
        let lex = Lexicons::load().unwrap();
        let all = lex.institutions.iter().chain(lex.compounds.keys()).chain(&lex.links);
        for w in all {
            let want = if let Some(key) = lex.compounds.get(w) {
                GovWord::Compound(key.clone())
            } else if lex.institutions.contains(w) {
                GovWord::Inst
            } else {
                GovWord::Link
            };
            assert_eq!(lex.gov_words.get(w), Some(&want), "{w}");
            assert!(lex.gov_shapes.may_contain(w), "{w}");
        }
        let n = lex.institutions.len() + lex.compounds.len() + lex.links.len();
        assert!(lex.gov_words.len() <= n && lex.gov_words.len() > 20);
    }
}
