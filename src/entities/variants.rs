//! Variants: misspellings (a small edit distance from a KB name) and translations (a KB name
//! with some words translated).
//!
//! [`add_translations`] runs once when the model is built: every multi-word English name of an
//! organisation, company, agency, medium or product gets, per language with a translation
//! table (`data/lang/<lang>/entities-translations.tsv`), the variant with its translatable
//! words translated, as an alias of kind `translation` (« Atlantic Conseil »). [`Index`]
//! answers, for a capitalised word the KB does not know, which single-word KB name it misspells
//! (one edit, same first letter; « Candira » → Candiru, « Calcaliste » → Calcalist). Names of
//! people are left out: "Bennet" and "Bennett" are different people, not a typo.

use super::fold::fold;
use super::kb::{Alias, Case, Gate, Kb, Kind};
use super::lexicon::Lexicons;
use std::collections::{HashMap, HashSet};

/// Adds the translation variants of the KB's English names.
pub fn add_translations(kb: &mut Kb, lex: &Lexicons) {
    let known: HashSet<(u32, &str)> =
        kb.aliases.iter().map(|a| (a.entity, a.folded.as_str())).collect();
    // Forms of the variants added here (`known` borrows the KB's).
    let mut new_forms: HashSet<(u32, String)> = HashSet::new();
    let mut added = Vec::new();
    for a in &kb.aliases {
        let etype = kb.entities[a.entity as usize].etype;
        if matches!(etype, "country" | "person" | "place")
            || !(a.lang == "en" || a.lang == "*")
            || a.case == Case::Exact
            || !a.text.contains(' ')
        {
            continue;
        }
        for (lang, pairs) in &lex.translations {
            let mut changed = false;
            let words: Vec<&str> = a
                .text
                .split(' ')
                .map(|w| match pairs.iter().find(|(en, _)| en == w) {
                    Some((_, t)) => {
                        changed = true;
                        t.as_str()
                    }
                    None => w,
                })
                .collect();
            if !changed {
                continue;
            }
            let text = words.join(" ");
            let folded = fold(&text);
            if !known.contains(&(a.entity, folded.as_str()))
                && new_forms.insert((a.entity, folded.clone()))
            {
                added.push(Alias {
                    entity: a.entity,
                    lang: lang.clone(),
                    text,
                    folded,
                    kind: Kind::Translation,
                    case: Case::Cap,
                    gate: Gate::Any,
                    user: a.user,
                });
            }
        }
    }
    kb.aliases.extend(added);
}

/// Single-word KB names by first letter and length, for misspelling look-ups.
#[derive(Debug, Default)]
pub struct Index {
    by_first: HashMap<(char, usize), Vec<(String, u32)>>,
}

/// Languages whose country names are considered (a misspelling is judged against the names the
/// press of the supported languages writes).
const COUNTRY_LANGS: &[&str] = &["en", "fr", "es", "de", "*"];

impl Index {
    pub fn build(kb: &Kb) -> Index {
        let mut by_first: HashMap<(char, usize), Vec<(String, u32)>> = HashMap::new();
        let mut seen = HashSet::new();
        for a in &kb.aliases {
            let etype = kb.entities[a.entity as usize].etype;
            if etype == "person"
                || !matches!(a.kind, Kind::Name | Kind::Canonical)
                || a.case == Case::Exact
                || (etype == "country" && !COUNTRY_LANGS.contains(&a.lang.as_str()))
            {
                continue;
            }
            let f = &a.folded;
            if f.contains(' ') || f.chars().count() < 6 || !f.chars().all(char::is_alphanumeric) {
                continue;
            }
            if seen.insert((f.as_str(), a.entity)) {
                let key = (f.chars().next().unwrap_or(' '), f.chars().count());
                by_first.entry(key).or_default().push((f.clone(), a.entity));
            }
        }
        Index { by_first }
    }

    /// The entity whose single-word name `word` (folded) misspells, if exactly one does.
    pub fn misspelled(&self, word: &str) -> Option<u32> {
        let n = word.chars().count();
        if n < 6 {
            return None;
        }
        let first = word.chars().next()?;
        let mut found = None;
        for len in n - 1..=n + 1 {
            for (name, e) in self.by_first.get(&(first, len)).into_iter().flatten() {
                if name == word {
                    return None; // a name, not a misspelling
                }
                if within_one_edit(word, name) {
                    match found {
                        None => found = Some(*e),
                        Some(f) if f == *e => {}
                        Some(_) => return None, // ambiguous
                    }
                }
            }
        }
        found
    }
}

/// Whether `word` may be at most one edit from a name of `name_chars` characters, by lengths
/// alone: false only if it is not (then `within_one_edit` is false too). One edit changes the
/// number of characters by one at most; `word` has at most one character per byte, and
/// exactly that when it is ASCII, as most folded tokens are. Government names ask it before
/// `within_one_edit` of the tokens a domain word's byte-length window admits ("et" for
/// "etat", "contre" for "commerce"): on synth 10 MB, two in five of those its two-byte test
/// let through.
#[inline]
pub fn char_counts_allow_one_edit(word: &str, name_chars: usize) -> bool {
    word.len() + 1 >= name_chars && (word.len() <= name_chars + 1 || !word.is_ascii())
}

/// Whether `a` and `b` are at most one edit apart (one character inserted, deleted or
/// substituted), in one pass and without allocating: once their longest common prefix and then
/// their longest common suffix are set aside, what remains of each is at most one character.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    // Equal strings need no test of their own: their common prefix is all of them. The callers
    // compare a word with a name for equality before asking, so a test here repeated theirs
    // (6 M instructions on synth 10 MB).
    //
    // Most pairs asked about are far apart, and told by two bytes. One edit leaves a common
    // tail, and then the last bytes are equal, or none: then all but the last character of
    // each (at most 4 bytes) is a common head, which holds the second byte once either word
    // has 6 bytes or more.
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len().max(y.len()) >= 6 && x.get(1) != y.get(1) && x.last() != y.last() {
        return false;
    }
    if a.len().abs_diff(b.len()) > 4 {
        // More than one character apart in length (a character is at most 4 bytes).
        return false;
    }
    // Common bytes, then back to a character boundary: a character both strings begin alike
    // has the same length in both (its first byte says it), so a boundary of one at a common
    // position is a boundary of the other. Bytes are compared without decoding characters:
    // government names try this on every near-miss of a domain word.
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let mut prefix = x.iter().zip(y).take_while(|(p, q)| p == q).count();
    while !a.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let mut suffix = x.iter().rev().zip(y.iter().rev()).take_while(|(p, q)| p == q).count();
    // Likewise from the end: the common tail is whole characters, the same in both, once it
    // starts on a boundary of each.
    while !a.is_char_boundary(a.len() - suffix) || !b.is_char_boundary(b.len() - suffix) {
        suffix -= 1;
    }
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    a.chars().nth(1).is_none() && b.chars().nth(1).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: whether the edit distance between `a` and `b` is at most `k` (k ≤ 2), without allocating
    /// for short words.
    fn levenshtein_at_most(a: &str, b: &str, k: usize) -> bool {
        if a == b {
            return true;
        }
        let mut ab = [' '; 64];
        let mut bb = [' '; 64];
        let (mut n, mut m) = (0, 0);
        for c in a.chars() {
            if n == 64 {
                return false;
            }
            ab[n] = c;
            n += 1;
        }
        for c in b.chars() {
            if m == 64 {
                return false;
            }
            bb[m] = c;
            m += 1;
        }
        if n.abs_diff(m) > k {
            return false;
        }
        let mut prev = [0usize; 65];
        let mut cur = [0usize; 65];
        for (j, p) in prev.iter_mut().enumerate().take(m + 1) {
            *p = j;
        }
        for i in 1..=n {
            cur[0] = i;
            let mut row_min = cur[0];
            for j in 1..=m {
                let cost = usize::from(ab[i - 1] != bb[j - 1]);
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
                row_min = row_min.min(cur[j]);
            }
            if row_min > k {
                return false;
            }
            prev[..=m].copy_from_slice(&cur[..=m]);
        }
        prev[m] <= k
    }

    /// Every word of up to `max` letters over `letters`, the empty word first.
    fn words_over(letters: &[char], max: usize) -> Vec<String> {
        let mut words = vec![String::new()];
        let mut from = 0;
        for _ in 0..max {
            let to = words.len();
            for i in from..to {
                for c in letters {
                    let w = format!("{}{c}", words[i]);
                    words.push(w);
                }
            }
            from = to;
        }
        words
    }

    #[test]
    fn one_edit_agrees_with_the_dynamic_programme() {
        // Every pair of strings of up to 5 letters over a, b and é (a two-byte character).
        let words = words_over(&['a', 'b', 'é'], 5);
        for a in &words {
            for b in &words {
                assert_eq!(within_one_edit(a, b), levenshtein_at_most(a, b, 1), "{a:?} {b:?}");
            }
        }
    }

    /// Every pair of ASCII words of up to 6 letters over a, b and c.
    #[test]
    fn one_edit_of_ascii_words_agrees_with_the_dynamic_programme() {
        let words = words_over(&['a', 'b', 'c'], 6);
        let mut near = 0;
        for a in &words {
            for b in &words {
                let want = levenshtein_at_most(a, b, 1);
                assert_eq!(within_one_edit(a, b), want, "{a:?} {b:?}");
                near += usize::from(want);
            }
        }
        assert!(near > 10_000, "{near} pairs within one edit");
    }

    /// The length test never turns down a pair within one edit, and does turn some down:
    /// words over ASCII, two-byte and three-byte letters, against ASCII and non-ASCII names.
    #[test]
    fn char_counts_only_turn_down_pairs_beyond_one_edit() {
        let words = words_over(&['a', 'b', 'é', '€'], 4);
        let mut turned_down = 0;
        for a in &words {
            for b in &words {
                let near = within_one_edit(a, b) || a == b;
                let allowed = char_counts_allow_one_edit(a, b.chars().count());
                assert!(allowed || !near, "{a:?} {b:?}");
                turned_down += usize::from(!allowed);
            }
        }
        assert!(turned_down > 1_000, "{turned_down} pairs turned down");
    }

    #[test]
    fn edit_distance() {
        assert!(within_one_edit("candira", "candiru"));
        assert!(within_one_edit("calcaliste", "calcalist"));
        assert!(!within_one_edit("candiru", "canada"));
        assert!(within_one_edit("etats", "etat"));
    }

    #[test]
    fn misspellings_link_and_different_names_do_not() {
        let kb = Kb::load(&[]).unwrap();
        let idx = Index::build(&kb);
        let id = |w: &str| idx.misspelled(w).map(|e| kb.entities[e as usize].id.clone());
        assert_eq!(id("candira").as_deref(), Some("candiru"));
        assert_eq!(id("calcaliste").as_deref(), Some("calcalist"));
        // Names of people are not corrected: Bennet is not Bennett.
        assert_eq!(id("bennet"), None);
        // A KB name is not a misspelling of another.
        assert_eq!(id("candiru"), None);
        assert_eq!(id("austria"), None);
    }

    #[test]
    fn translations_are_generated() {
        let mut kb = Kb::load(&[]).unwrap();
        let lex = Lexicons::load().unwrap();
        add_translations(&mut kb, &lex);
        let e = kb.index["atlantic-council"];
        assert!(
            kb.aliases.iter().any(|a| a.entity == e
                && a.text == "Atlantic Conseil"
                && a.kind == Kind::Translation)
        );
    }
}
