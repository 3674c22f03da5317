//! The alias matcher: one aho-corasick automaton (leftmost-longest) over the folded form of
//! every alias, built once per run.
//!
//! Takes a line folded by [`Folder`]; promises the KB aliases found in it, leftmost-longest and
//! non-overlapping, each at word boundaries, passing its case rule (checked on the original
//! text) and its language gate. A candidate that fails its checks does not hide a later one:
//! the search resumes one character after its start. Nothing is allocated per token.

use super::fold::Folder;
use super::kb::{Alias, Case, Gate, Kb};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use anyhow::{Context, Result};
use std::collections::HashMap;

/// A KB alias found in a line.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Byte span in the original line.
    pub start: usize,
    pub end: usize,
    /// Index of the alias in the KB.
    pub alias: u32,
}

/// The automaton and, per pattern, the aliases that fold to it.
#[derive(Debug)]
pub struct Matcher {
    ac: AhoCorasick,
    /// Pattern id → alias indices, best first.
    groups: Vec<Vec<u32>>,
}

impl Matcher {
    /// Builds the automaton over every alias of `kb`. Aliases of user files take their folded
    /// form over from bundled ones.
    pub fn build(kb: &Kb) -> Result<Matcher> {
        let mut by_form: HashMap<&str, usize> = HashMap::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for (i, a) in kb.aliases.iter().enumerate() {
            let f = &a.folded;
            if f.trim().is_empty() {
                continue;
            }
            let g = *by_form.entry(f).or_insert_with(|| {
                patterns.push(f);
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(i as u32);
        }
        for g in &mut groups {
            if g.iter().any(|&i| kb.aliases[i as usize].user) {
                g.retain(|&i| kb.aliases[i as usize].user);
            }
            // Stricter case rules first: "US" (exact) before any folded form of "us".
            g.sort_by_key(|&i| std::cmp::Reverse(kb.aliases[i as usize].case));
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .context("building the alias automaton")?;
        Ok(Matcher { ac, groups })
    }

    /// Number of distinct folded aliases.
    pub fn patterns(&self) -> usize {
        self.groups.len()
    }

    /// Finds the aliases of `line` (already folded into `folder`) and appends them to `out`.
    /// `lang` is the document's language code (empty when unknown); `shouting` says the line is
    /// written in capitals, where short acronyms cannot be told from words.
    pub fn scan(
        &self,
        kb: &Kb,
        line: &str,
        folder: &Folder,
        lang: &str,
        shouting: bool,
        out: &mut Vec<Hit>,
    ) {
        let hay = folder.text.as_str();
        let bytes = hay.as_bytes();
        let mut pos = 0;
        while pos < hay.len() {
            let Some(m) = self.ac.find(Input::new(hay).span(pos..hay.len())) else { break };
            let (fs, fe) = (m.start(), m.end());
            let mut accepted = None;
            if boundaries_ok(hay, fs, fe, line, folder) {
                let (s, e) = folder.original_span(fs, fe, line);
                let surface = &line[s..e];
                for &ai in &self.groups[m.pattern().as_usize()] {
                    let a = &kb.aliases[ai as usize];
                    if gate_ok(a, lang)
                        && case_ok(&a.text, a.case, surface)
                        && !(shouting && a.case == Case::Exact && a.text.chars().count() <= 3)
                    {
                        accepted = Some(Hit { start: s, end: e, alias: ai });
                        break;
                    }
                }
            }
            match accepted {
                Some(h) => {
                    out.push(h);
                    pos = fe;
                }
                None => {
                    // Resume one character later.
                    let mut next = fs + 1;
                    while next < bytes.len() && !hay.is_char_boundary(next) {
                        next += 1;
                    }
                    pos = next;
                }
            }
        }
    }
}

/// Whether the line is written in capitals (a shouted headline).
pub fn shouting(line: &str) -> bool {
    let (mut up, mut low) = (0usize, 0usize);
    for c in line.chars() {
        if c.is_uppercase() {
            up += 1;
        } else if c.is_lowercase() {
            low += 1;
        }
    }
    up >= 12 && low * 5 < up
}

fn gate_ok(a: &Alias, lang: &str) -> bool {
    match a.gate {
        Gate::Any => true,
        Gate::LangOrUnknown => lang.is_empty() || a.lang == lang,
        Gate::LangOnly => a.lang == lang,
    }
}

/// Word boundaries at both ends of a folded match. A name glued to a preceding lower-case word
/// with its own capital ("DiplomatieIsraël", a section label run into a title) still counts.
fn boundaries_ok(hay: &str, fs: usize, fe: usize, line: &str, folder: &Folder) -> bool {
    let first = hay[fs..].chars().next().unwrap_or(' ');
    let last = hay[..fe].chars().next_back().unwrap_or(' ');
    if first.is_alphanumeric()
        && let Some(prev) = hay[..fs].chars().next_back()
        && prev.is_alphanumeric()
    {
        // Camel-case glue: original previous char lower case, first char upper case.
        let os = folder.map[fs] as usize;
        let orig_first = line[os..].chars().next().unwrap_or(' ');
        let orig_prev = line[..os].chars().next_back().unwrap_or(' ');
        let long_enough = hay[fs..fe].chars().count() >= 4;
        if !(orig_first.is_uppercase() && orig_prev.is_lowercase() && long_enough) {
            return false;
        }
    }
    if last.is_alphanumeric()
        && let Some(next) = hay[fe..].chars().next()
        && next.is_alphanumeric()
    {
        return false;
    }
    true
}

/// Whether `surface` (the original text) satisfies the case rule of `alias`.
pub fn case_ok(alias: &str, case: Case, surface: &str) -> bool {
    match case {
        Case::Fold => true,
        Case::Exact => {
            let mut a = alias.chars().filter(|c| c.is_alphabetic());
            let mut s = surface.chars().filter(|c| c.is_alphabetic());
            loop {
                match (a.next(), s.next()) {
                    (None, None) => return true,
                    (Some(x), Some(y)) => {
                        if x.is_uppercase() != y.is_uppercase() {
                            return false;
                        }
                    }
                    _ => return false,
                }
            }
        }
        Case::Cap => {
            let words = |t: &str| {
                t.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(|w| w.chars().next().unwrap_or(' '))
                    .collect::<smallvec_like::Firsts>()
            };
            let a = words(alias);
            let s = words(surface);
            let n_alias_words = a.len();
            let first_short = alias
                .split(|c: char| !c.is_alphanumeric())
                .find(|w| !w.is_empty())
                .is_some_and(|w| w.chars().count() <= 3);
            for (i, ac) in a.iter().enumerate() {
                if !ac.is_uppercase() {
                    continue;
                }
                if i == 0 && n_alias_words >= 2 && first_short {
                    continue;
                }
                match s.get(i) {
                    Some(sc) if sc.is_uppercase() => {}
                    Some(_) => return false,
                    // Word counts differ (ligatures, punctuation): judge the first word only.
                    None => return s.first().is_some_and(|c| c.is_uppercase()),
                }
            }
            true
        }
    }
}

/// A fixed-capacity list of the first letters of words, so case checks do not allocate.
mod smallvec_like {
    const N: usize = 16;

    pub struct Firsts {
        items: [char; N],
        len: usize,
    }

    impl Firsts {
        pub fn len(&self) -> usize {
            self.len
        }
        pub fn get(&self, i: usize) -> Option<&char> {
            self.items[..self.len].get(i)
        }
        pub fn first(&self) -> Option<&char> {
            self.get(0)
        }
        pub fn iter(&self) -> std::slice::Iter<'_, char> {
            self.items[..self.len].iter()
        }
    }

    impl FromIterator<char> for Firsts {
        fn from_iter<I: IntoIterator<Item = char>>(iter: I) -> Self {
            let mut f = Firsts { items: [' '; N], len: 0 };
            for c in iter {
                if f.len < N {
                    f.items[f.len] = c;
                    f.len += 1;
                }
            }
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_rules() {
        assert!(case_ok("Apple", Case::Cap, "Apple"));
        assert!(!case_ok("Apple", Case::Cap, "apple"));
        assert!(case_ok("Suède", Case::Cap, "Suede"));
        assert!(!case_ok("Suède", Case::Cap, "suède"));
        assert!(case_ok("Le Monde", Case::Cap, "le Monde"));
        assert!(!case_ok("Le Monde", Case::Cap, "Le monde"));
        assert!(case_ok("Arabie saoudite", Case::Cap, "Arabie Saoudite"));
        assert!(case_ok("groupe NSO", Case::Cap, "Groupe NSO"));
        assert!(case_ok("US", Case::Exact, "US"));
        assert!(!case_ok("US", Case::Exact, "us"));
        assert!(!case_ok("US", Case::Exact, "Us"));
        assert!(case_ok("U.S.", Case::Exact, "U.S."));
        assert!(case_ok("israélien", Case::Fold, "Israéliens"));
    }

    #[test]
    fn shouted_lines() {
        assert!(shouting("UN PAYS INTERDIT LES VENTES DE LOGICIELS"));
        assert!(!shouting("Un pays interdit les ventes de NSO"));
    }
}
