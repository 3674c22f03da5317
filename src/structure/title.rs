//! Titles, section labels glued to titles, headings and contributor names.
//!
//! A title is the first line that is neither furniture nor a credit, when it is shaped like one
//! (no final period, not starting in lowercase, at most 250 characters) and text follows it; when
//! the source gives the title separately (a JSON `title` field), only a line repeating that title
//! is the title. A section label glued to the title without a space ("DiplomatieIsraël réduit…")
//! is split off at the lowercase→uppercase boundary when the left part is a short capitalised
//! word that is a known section label, or when the document itself supports the split: the
//! glued token never recurs in the text while its right part does (a brand such as "PlayStation"
//! recurs whole, a section label does not).

use super::classify::Class;
use super::features::{Ending, Feat, line_hash};
use super::model::Model;

/// How many non-empty lines from the top a title may be found in.
const TITLE_SEARCH_LINES: usize = 8;
const TITLE_MAX_CHARS: usize = 250;
/// The boundary of a glued section label lies within this many bytes of the line start.
const SECTION_MAX_BYTES: usize = 40;
const HEADING_MAX_CHARS: usize = 150;
const HEADING_MAX_WORDS: u32 = 20;

/// The title found in a document.
#[derive(Debug, Clone, Default)]
pub struct Title {
    /// Index (into the line features) of the title line.
    pub index: usize,
    /// Byte offset in the text where the title proper starts (after a glued section label).
    pub text_start: usize,
    /// A section label glued to the title or on its own line just before it.
    pub section: String,
    /// Index of a section label standing on its own line before the title.
    pub kicker: Option<usize>,
}

fn is_candidate(c: Class) -> bool {
    !matches!(c, Class::Bad(_) | Class::Credit)
}

fn title_like(f: &Feat) -> bool {
    f.chars <= TITLE_MAX_CHARS
        && f.words >= 1
        && !f.lower_start
        && !matches!(f.ending, Ending::Sentence | Ending::Comma)
}

/// Whether `hay` holds `needle` as a whole word.
fn has_word(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// If `line` starts with a section label glued to the title, the byte offset where the title
/// proper starts. `elsewhere` are the other parts of the document.
fn glued_section(model: &Model, line: &str, elsewhere: [&str; 2]) -> Option<usize> {
    let mut prev: Option<char> = None;
    let (split, _) =
        line.char_indices().take_while(|&(i, _)| i <= SECTION_MAX_BYTES).find(|&(_, c)| {
            let hit = c.is_uppercase() && prev.is_some_and(char::is_lowercase);
            prev = Some(c);
            hit
        })?;
    let left = &line[..split];
    let words: Vec<&str> = left.split_whitespace().collect();
    let capitalised = left.chars().next().is_some_and(char::is_uppercase)
        && left.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-');
    if !capitalised || words.is_empty() || words.len() > 3 || left.ends_with(' ') {
        return None;
    }
    if model.is_section(left) {
        return Some(split);
    }
    // Not a known label: a single word of four letters or more, and the text must support it.
    let glued_start = left.rfind(' ').map_or(0, |i| i + 1);
    let token_end = line[split..].find(char::is_whitespace).map_or(line.len(), |i| split + i);
    let glued = line[glued_start..token_end].trim_end_matches(|c: char| !c.is_alphanumeric());
    let right = line[split..token_end].trim_end_matches(|c: char| !c.is_alphanumeric());
    // An all-capitals right part is an acronym inside a brand ("OpenAI"), not a title's start.
    let supported = right.chars().any(char::is_lowercase)
        && !elsewhere.iter().any(|t| has_word(t, glued))
        && elsewhere.iter().any(|t| has_word(t, right));
    (words.len() == 1 && left.chars().count() >= 4 && supported).then_some(split)
}

/// Finds the title line among the first lines. `meta_title` is the title given by the source.
pub fn find(
    model: &Model,
    text: &str,
    feats: &[Feat],
    cls: &[Class],
    meta_title: &str,
) -> Option<Title> {
    let candidates: Vec<usize> =
        (0..feats.len().min(TITLE_SEARCH_LINES)).filter(|&i| is_candidate(cls[i])).collect();
    let line = |i: usize| &text[feats[i].tstart..feats[i].tend];
    let elsewhere = |i: usize| [&text[..feats[i].start], &text[feats[i].end..]];
    let meta_title = meta_title.trim();
    if !meta_title.is_empty() {
        let h = line_hash(meta_title);
        for &i in &candidates {
            let l = line(i);
            if feats[i].hash == h {
                return Some(Title { index: i, text_start: feats[i].tstart, ..Title::default() });
            }
            // The source's title with a label glued in front of it.
            if let Some(prefix) = l.strip_suffix(meta_title) {
                let p = prefix.trim();
                if !p.is_empty()
                    && p.len() <= SECTION_MAX_BYTES
                    && p.chars().next().is_some_and(char::is_uppercase)
                {
                    return Some(Title {
                        index: i,
                        text_start: feats[i].tstart + prefix.len(),
                        section: p.to_string(),
                        kicker: None,
                    });
                }
            }
        }
        return None;
    }
    let follows = |i: usize| ((i + 1)..feats.len()).any(|j| is_candidate(cls[j]));
    let mut kicker = None;
    for &i in candidates.iter().take(2) {
        let f = &feats[i];
        if !title_like(f) || !follows(i) {
            return None;
        }
        // A section label on its own line, then the title.
        if kicker.is_none() && f.words <= 3 && f.ending == Ending::Open && model.is_section(line(i))
        {
            kicker = Some(i);
            continue;
        }
        let l = line(i);
        let (text_start, section) = match glued_section(model, l, elsewhere(i)) {
            Some(split) => (f.tstart + split, l[..split].trim().to_string()),
            None => (f.tstart, kicker.map(|k| line(k).to_string()).unwrap_or_default()),
        };
        return Some(Title { index: i, text_start, section, kicker });
    }
    None
}

fn heading_like(f: &Feat) -> bool {
    f.chars <= HEADING_MAX_CHARS
        && (1..=HEADING_MAX_WORDS).contains(&f.words)
        && !f.lower_start
        && matches!(f.ending, Ending::Open | Ending::Question | Ending::Exclamation)
}

/// Lines that are headings: short, unpunctuated content lines between text, followed by a
/// paragraph.
pub fn headings(feats: &[Feat], cls: &[Class], title: Option<usize>) -> Vec<bool> {
    let n = feats.len();
    let mut out = vec![false; n];
    let mut seen_content = false;
    for i in 0..n {
        if cls[i] != Class::Good {
            continue;
        }
        if Some(i) != title && seen_content && heading_like(&feats[i]) {
            let next = ((i + 1)..n).find(|&j| cls[j] != Class::Credit);
            out[i] = next.is_some_and(|j| cls[j] == Class::Good && !heading_like(&feats[j]));
        }
        seen_content = true;
    }
    out
}

/// Whether `s` reads as a person's or an organisation's name: one to six words, each
/// capitalised, short lowercase particles (de, van, bin) allowed inside.
fn valid_name(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    let cap = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let wordish =
        |w: &str| w.chars().all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'' | '’'));
    (1..=6).contains(&words.len())
        && words.iter().all(|w| wordish(w))
        && cap(words[0])
        && cap(words[words.len() - 1])
        && words.iter().all(|w| cap(w) || w.chars().count() <= 3)
}

/// The names in the names part of a credit line.
pub fn names<'a>(model: &'a Model, who: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    model
        .split_names(who)
        .map(|s| s.trim_matches(|c: char| !c.is_alphanumeric() && c != '.').trim_end_matches('.'))
        .filter(|s| valid_name(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_sections() {
        let m = Model::build().unwrap();
        let s = "DiplomatieIsraël réduit la liste";
        assert_eq!(glued_section(&m, s, ["", ""]), Some("Diplomatie".len()));
        // Unknown label, supported by the text: the right part recurs, the glued token not.
        let s = "KulturpolitikBerlin streicht Mittel";
        assert_eq!(glued_section(&m, s, ["", "Berlin hat entschieden."]), Some(13));
        // A brand recurs whole: no split.
        let s = "PlayStation 6 arrive en 2027";
        assert_eq!(glued_section(&m, s, ["", "La PlayStation 6 sera vendue."]), None);
        assert_eq!(glued_section(&m, "McDonald's ferme", ["", "Donald"]), None);
        assert_eq!(glued_section(&m, "OpenAI lance un modèle", ["", "OpenAI et AI"]), None);
        assert_eq!(glued_section(&m, "OpenAI lance un modèle", ["", "AI"]), None);
    }

    #[test]
    fn credit_names() {
        let m = Model::build().unwrap();
        let got: Vec<&str> = names(&m, "Les agences, Jane Doe et Jean de La Tour").collect();
        assert_eq!(got, ["Jane Doe", "Jean de La Tour"]);
        let got: Vec<&str> = names(&m, "Jane Doe; Editing by John Roe").collect();
        assert_eq!(got, ["Jane Doe", "John Roe"]);
        let got: Vec<&str> = names(&m, "Ana Pérez (EFE)").collect();
        assert_eq!(got, ["Ana Pérez", "EFE"]);
        assert_eq!(names(&m, "Maio attacca Salvini").count(), 0);
    }
}
