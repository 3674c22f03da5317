//! Per-line features, computed in one pass over each line's characters: length, words,
//! stopwords, letters, how the line ends, and a hash of its normalized text (for in-document
//! repetition and corpus recurrence). No allocation per token: words are lowercased into one
//! reused buffer.

use super::model::{Fnv, Stopwords};
use std::hash::Hasher;

/// How a line ends, once closing quotes and brackets are set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `.` or `;`: a sentence.
    Sentence,
    Question,
    Exclamation,
    Colon,
    Comma,
    /// `...` or `…`: often a truncated teaser.
    Ellipsis,
    /// A letter, digit, closing quote after a word, or anything else.
    Open,
}

/// Features of one non-empty line.
#[derive(Debug, Clone)]
pub struct Feat {
    /// 1-based line number.
    pub number: usize,
    /// Byte range of the line in the text (without the line end).
    pub start: usize,
    pub end: usize,
    /// Byte range of the line without surrounding whitespace.
    pub tstart: usize,
    pub tend: usize,
    /// Unicode scalar values of the trimmed line.
    pub chars: usize,
    /// Words (runs of letters and digits holding at least one letter).
    pub words: u32,
    /// Words found in the language's stopword list.
    pub stops: u32,
    /// Letters in the line.
    pub letters: u32,
    /// The first letter of the line is lowercase.
    pub lower_start: bool,
    pub ending: Ending,
    /// Hash of the normalized text: lowercase letters and digits only, digits folded to `0`.
    pub hash: u64,
}

impl Feat {
    /// Share of the words that are stopwords, if a stopword list was used.
    pub fn density(&self) -> f64 {
        if self.words == 0 { 0.0 } else { f64::from(self.stops) / f64::from(self.words) }
    }
}

/// Hash of a line's normalized text (the key of repetition and recurrence counts).
pub fn line_hash(line: &str) -> u64 {
    let mut h = Fnv::default();
    let mut buf = [0u8; 4];
    for c in line.chars().filter(|c| c.is_alphanumeric()) {
        if c.is_numeric() {
            h.write(b"0");
        } else {
            for l in c.to_lowercase() {
                h.write(l.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    // Never 0, so 0 can mean "no hash".
    h.finish() | 1
}

fn ending(line: &str) -> Ending {
    let t = line.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '*')
    });
    let mut rev = t.chars().rev();
    match rev.next() {
        Some('…') => Ending::Ellipsis,
        Some('.') if rev.next() == Some('.') => Ending::Ellipsis,
        Some('.' | ';') => Ending::Sentence,
        Some('?') => Ending::Question,
        Some('!') => Ending::Exclamation,
        Some(':') => Ending::Colon,
        Some(',') => Ending::Comma,
        _ => Ending::Open,
    }
}

/// The features of every non-empty line of `text`. `stop` is the stopword list of the
/// document's language, if there is one.
pub fn lines(text: &str, stop: Option<&Stopwords>) -> Vec<Feat> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut start = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let end = start + raw.len();
        let trimmed = raw.trim();
        if !trimmed.is_empty() {
            let tstart = start + (raw.len() - raw.trim_start().len());
            let mut f = Feat {
                number: i + 1,
                start,
                end,
                tstart,
                tend: tstart + trimmed.len(),
                chars: 0,
                words: 0,
                stops: 0,
                letters: 0,
                lower_start: false,
                ending: ending(trimmed),
                hash: line_hash(trimmed),
            };
            let mut first_letter = true;
            let mut has_letter = false;
            word.clear();
            let finish = |word: &mut String, has_letter: &mut bool, f: &mut Feat| {
                if *has_letter {
                    f.words += 1;
                    if stop.is_some_and(|s| s.contains(word.as_str())) {
                        f.stops += 1;
                    }
                }
                word.clear();
                *has_letter = false;
            };
            for c in trimmed.chars() {
                f.chars += 1;
                if c.is_alphanumeric() {
                    if c.is_alphabetic() {
                        f.letters += 1;
                        has_letter = true;
                        if first_letter {
                            f.lower_start = c.is_lowercase();
                            first_letter = false;
                        }
                    }
                    if stop.is_some() {
                        word.extend(c.to_lowercase());
                    }
                } else {
                    finish(&mut word, &mut has_letter, &mut f);
                }
            }
            finish(&mut word, &mut has_letter, &mut f);
            out.push(f);
        }
        start = end + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings() {
        assert_eq!(ending("Il a dit « non ». "), Ending::Sentence);
        assert_eq!(ending("Une information datant de juin a..."), Ending::Ellipsis);
        assert_eq!(ending("Pourquoi maintenant ?"), Ending::Question);
        assert_eq!(ending("La liste comprend :"), Ending::Colon);
        assert_eq!(ending("NSO Group et Candiru"), Ending::Open);
    }

    #[test]
    fn counts_and_hash() {
        let stop: Stopwords = ["le", "de", "l", "la"].into_iter().collect();
        let f = &lines("\n  Le ministère de l’Intérieur a 3 ans.\n", Some(&stop))[0];
        assert_eq!((f.number, f.words, f.stops), (2, 7, 3));
        assert!(!f.lower_start);
        assert_eq!(line_hash("Les plus lus"), line_hash("les  plus-lus !"));
        assert_eq!(line_hash("Vidéo 00:24:59"), line_hash("vidéo 01:13:07"));
    }
}
