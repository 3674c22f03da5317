//! Per-line features, computed in one pass over each line's characters: length, words,
//! stopwords, letters, how the line ends, and a hash of its normalized text (for in-document
//! repetition and corpus recurrence). No allocation per token: a word is looked up in the
//! stopwords as it stands when it is its own lowercase (most words), else lowercased into one
//! reused buffer.

use super::model::{Fnv, Stopwords};
use crate::latin;
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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The lowercase of a Latin-1 capital letter (À–Þ but ×), the common case in European text,
/// without the general Unicode lookup.
#[inline]
fn latin1_lower(c: char) -> Option<char> {
    match c {
        'À'..='Þ' if c != '×' => char::from_u32(c as u32 + 32),
        'ß'..='ÿ' if c != '÷' => Some(c),
        _ => None,
    }
}

/// If `bytes` start with a Latin-1 letter (À–ÿ but × and ÷, two bytes in UTF-8 of which the
/// first is 0xC3), the second byte of its lowercase: é, à and è are most of the non-ASCII
/// characters of French text, read so without decoding them or calling `hash_char`.
#[inline]
fn latin1_letter(bytes: &[u8]) -> Option<u8> {
    match *bytes {
        [0xC3, b, ..] if b != 0x97 && b != 0xB7 => Some(if b <= 0x9E { b + 0x20 } else { b }),
        _ => None,
    }
}

/// Feeds one character of a line into its normalized hash.
#[inline]
fn hash_char(h: &mut Fnv, c: char) {
    if c.is_ascii() {
        if c.is_ascii_digit() {
            h.write_u8(b'0');
        } else if c.is_ascii_alphabetic() {
            h.write_u8(c.to_ascii_lowercase() as u8);
        }
    } else if let Some(l) = latin1_lower(c) {
        let mut buf = [0u8; 4];
        h.write(l.encode_utf8(&mut buf).as_bytes());
    } else if latin::is_numeric(c) {
        h.write_u8(b'0');
    } else if latin::is_alphanumeric(c) {
        let mut buf = [0u8; 4];
        for l in c.to_lowercase() {
            h.write(l.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// What an ASCII byte adds to a line's hash: its lowercase for a letter, `0` for a digit,
/// nothing (0) for the rest. Non-ASCII bytes read 0 too, so that one read tells the letters and
/// digits of ASCII from every other byte.
const ASCII_NORM: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_digit() {
            b'0'
        } else if c.is_ascii_alphabetic() {
            c.to_ascii_lowercase()
        } else {
            0
        };
        b += 1;
    }
    t
};

/// Hash of a line's normalized text (the key of repetition and recurrence counts).
pub fn line_hash(line: &str) -> u64 {
    let mut h = Fnv::default();
    let bytes = line.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // Most bytes of most lines are ASCII letters and digits: hashed as bytes, without
        // decoding a character, after one table read (which reads 0 for every other byte).
        let n = ASCII_NORM[usize::from(b)];
        if n != 0 {
            h.write_u8(n);
            i += 1;
        } else if b.is_ascii() {
            i += 1;
        } else if let Some(second) = latin1_letter(&bytes[i..]) {
            h.write_u8(0xC3);
            h.write_u8(second);
            i += 2;
        } else {
            let c = line[i..].chars().next().expect("a character starts at a non-ASCII byte");
            hash_char(&mut h, c);
            i += c.len_utf8();
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
    let mut lower = String::new();
    let mut start = 0;
    for (i, raw) in crate::document::split_lines(text).enumerate() {
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
                hash: 0,
            };
            scan(trimmed, stop, &mut lower, &mut f);
            out.push(f);
        }
        start = end + 1;
    }
    out
}

/// Fills the counts and hash of `f` from its trimmed line, in one pass over its bytes that
/// decodes only non-ASCII characters. The ASCII letters and digits of a word are read by a
/// tight inner loop that keeps, besides the hash and the letter count, only the AND of the
/// bytes: lowercase letters and digits have bit 0x20 and capitals do not, so it tells whether
/// the ASCII of the word is its own lowercase. Only a word with capitals or non-ASCII
/// characters other than lowercase Latin-1 letters is lowercased into `lower`, for the
/// stopword look-up. (Pushing every word's lowercase into a
/// buffer character by character, the structure stage took 756 M instructions on synth 10 MB
/// against 697 M so.)
// Kept out of line: inlined into `analyse`, its inner loop kept the line's bytes, length and
// letter count on the stack, 14 instructions a byte against 9 here (run 7,112.7 → 7,105.8 M).
#[inline(never)]
fn scan(line: &str, stop: Option<&Stopwords>, lower: &mut String, f: &mut Feat) {
    let bytes = line.as_bytes();
    let mut h = Fnv::default();
    // Bytes that continue a character, and letters.
    let (mut continuing, mut letters) = (0, 0u32);
    // Where the first non-ASCII letter is, and whether it is lowercase.
    let mut first_letter = None;
    let mut at = 0;
    while at < bytes.len() {
        if ASCII_NORM[usize::from(bytes[at])] == 0 && bytes[at].is_ascii() {
            at += 1;
            continue;
        }
        // A word starts here (or a non-ASCII character that ends none).
        let start = at;
        let letters_before = letters;
        let mut all = 0xff;
        // A non-ASCII character other than a lowercase Latin-1 letter (é, à) is in the word.
        let mut non_ascii_case = false;
        let mut non_ascii_letter = false;
        let end = loop {
            while let Some(&b) = bytes.get(at) {
                let n = ASCII_NORM[usize::from(b)];
                if n == 0 {
                    break;
                }
                h.write_u8(n);
                letters += u32::from(n > b'9');
                all &= b;
                at += 1;
            }
            if bytes.get(at).is_none_or(u8::is_ascii) {
                break at;
            }
            let here = at;
            if let Some(second) = latin1_letter(&bytes[here..]) {
                non_ascii_case |= second != bytes[here + 1];
                h.write_u8(0xC3);
                h.write_u8(second);
                continuing += 1;
                at += 2;
                non_ascii_letter = true;
                letters += 1;
                first_letter.get_or_insert((here, second == bytes[here + 1]));
                continue;
            }
            let c = line[here..].chars().next().expect("a character starts at a non-ASCII byte");
            hash_char(&mut h, c);
            continuing += c.len_utf8() - 1;
            at += c.len_utf8();
            if !latin::is_alphanumeric(c) {
                break here;
            }
            non_ascii_case = true;
            if latin::is_alphabetic(c) {
                non_ascii_letter = true;
                letters += 1;
                first_letter.get_or_insert((here, c.is_lowercase()));
            }
        };
        // A word is a run of letters and digits holding at least one letter.
        if letters == letters_before && !non_ascii_letter {
            continue;
        }
        f.words += 1;
        let Some(stop) = stop else { continue };
        let text = &line[start..end];
        let text = if non_ascii_case {
            lowercase(text, &mut *lower)
        } else if all & 0x20 == 0 {
            // ASCII capitals; any other letter is a lowercase Latin-1 one, left as it is.
            lower.clear();
            lower.push_str(text);
            lower.make_ascii_lowercase();
            lower.as_str()
        } else {
            text
        };
        if stop.contains(text) {
            f.stops += 1;
        }
    }
    f.chars = bytes.len() - continuing;
    f.letters = letters;
    f.lower_start = match (bytes.iter().position(u8::is_ascii_alphabetic), first_letter) {
        (Some(i), Some((j, lower))) if j < i => lower,
        (Some(i), _) => bytes[i].is_ascii_lowercase(),
        (None, Some((_, lower))) => lower,
        (None, None) => false,
    };
    f.hash = h.finish() | 1;
}

/// The lowercase of `word` as the stopword lists hold words, written into `buf`.
fn lowercase<'a>(word: &str, buf: &'a mut String) -> &'a str {
    buf.clear();
    for c in word.chars() {
        if c.is_ascii() {
            buf.push(c.to_ascii_lowercase());
        } else if let Some(l) = latin1_lower(c) {
            buf.push(l);
        } else {
            buf.extend(c.to_lowercase());
        }
    }
    buf
}

/// Below this overall stopword density the language's list says nothing about the document:
/// the language was misdetected, or it is written without spaces (Chinese, Japanese, Thai), so
/// words cannot be told apart.
const INFORMATIVE_DENSITY: f64 = 0.08;
/// Words needed before the overall density is trusted.
const INFORMATIVE_MIN_WORDS: u32 = 30;

/// Whether stopword density can be used on this document.
pub fn stopwords_informative(feats: &[Feat]) -> bool {
    let (words, stops) = feats.iter().fold((0u32, 0u32), |(w, s), f| (w + f.words, s + f.stops));
    words < INFORMATIVE_MIN_WORDS || f64::from(stops) >= INFORMATIVE_DENSITY * f64::from(words)
}

/// Whether a line starts like a list item: a bullet, a dash, or a number followed by `.` or `)`.
pub fn bulleted(line: &str) -> bool {
    let mut chars = line.chars();
    match chars.next() {
        Some('-' | '–' | '—' | '•' | '·' | '*' | '▪' | '►' | '‣' | '◦') => true,
        Some(c) if c.is_ascii_digit() => {
            let rest = chars.as_str().trim_start_matches(|c: char| c.is_ascii_digit());
            rest.starts_with(['.', ')']) && rest[1..].starts_with(' ')
        }
        _ => false,
    }
}

/// `n` distinct random lines of letters (what a line's hash keeps of it), 1 to 60 bytes.
#[cfg(test)]
pub(super) fn random_lines(n: usize) -> std::collections::HashSet<String> {
    let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
    let mut lines = std::collections::HashSet::new();
    while lines.len() < n {
        let len = 1 + next(60);
        lines.insert((0..len).map(|_| char::from(b'a' + next(26) as u8)).collect());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items() {
        assert!(bulleted("- Lyon"));
        assert!(bulleted("• Nantes"));
        assert!(bulleted("12. Lille"));
        assert!(bulleted("3) Brest"));
        assert!(!bulleted("2024 en chiffres"));
        assert!(!bulleted("3.5 millions"));
        assert!(!bulleted("Lyon"));
    }

    #[test]
    fn endings() {
        assert_eq!(ending("Il a dit « non ». "), Ending::Sentence);
        assert_eq!(ending("Une information datant de juin a..."), Ending::Ellipsis);
        assert_eq!(ending("Pourquoi maintenant ?"), Ending::Question);
        assert_eq!(ending("La liste comprend :"), Ending::Colon);
        assert_eq!(ending("NSO Group et Candiru"), Ending::Open);
    }

    /// `lines` as it was written before `scan`: every count taken character by character,
    /// each word's lowercase pushed into a buffer as it went, each character hashed by
    /// `hash_char`.
    fn reference_lines(text: &str, stop: Option<&Stopwords>) -> Vec<Feat> {
        let mut out = Vec::new();
        let mut word = String::new();
        let mut start = 0;
        for (i, raw) in crate::document::split_lines(text).enumerate() {
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
                    hash: 0,
                };
                let mut h = Fnv::default();
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
                    hash_char(&mut h, c);
                    if latin::is_alphanumeric(c) {
                        if latin::is_alphabetic(c) {
                            f.letters += 1;
                            has_letter = true;
                            if first_letter {
                                f.lower_start = c.is_lowercase();
                                first_letter = false;
                            }
                        }
                        if stop.is_some() {
                            if c.is_ascii() {
                                word.push(c.to_ascii_lowercase());
                            } else if let Some(l) = latin1_lower(c) {
                                word.push(l);
                            } else {
                                word.extend(c.to_lowercase());
                            }
                        }
                    } else {
                        finish(&mut word, &mut has_letter, &mut f);
                    }
                }
                finish(&mut word, &mut has_letter, &mut f);
                f.hash = h.finish() | 1;
                out.push(f);
            }
            start = end + 1;
        }
        out
    }

    #[test]
    fn scan_agrees_with_the_reference() {
        let stop: Stopwords = ["le", "de", "l", "la", "à", "été", "où", "même", "i̇", "über", "ok2"]
            .into_iter()
            .collect();
        let pieces = [
            "Le",
            "le",
            "LE",
            "de",
            "l",
            "’",
            "'",
            "à",
            "À",
            "été",
            "ÉTÉ",
            "Été",
            "où",
            "OÙ",
            "même",
            "Über",
            "über",
            "İ",
            "ok2",
            "OK2",
            "2",
            "½",
            "²",
            "x",
            "Ab",
            "ZZ",
            "ß",
            "ẞ",
            "\u{212A}",
            "ſ",
            "ǅ",
            "œ",
            "Œ",
            "ﬁ",
            "ΣΑΣ",
            "σας",
            "Москва",
            "北京",
            "😀",
            "-",
            ".",
            ",",
            " ",
            " ",
            "  ",
            "\t",
            "\u{a0}",
            "\u{2009}",
            "\n",
            "\r\n",
            "…",
            "«",
            "»",
            "×",
            "÷",
            "ª",
            "µ",
            "3,5",
            "2024",
            "a1b2",
            "\u{301}",
            "ÿ",
            "Þ",
            "þ",
            "Ÿ",
            "Ā",
            "ā",
            "Éa",
            "1É",
        ];
        let mut next = crate::testing::xorshift(0x5eed_f00d);
        for round in 0..20_000 {
            let text: String = (0..1 + next(30)).map(|_| pieces[next(pieces.len())]).collect();
            let s = (round % 3 != 0).then_some(&stop);
            let want = reference_lines(&text, s);
            assert_eq!(lines(&text, s), want, "{text:?}");
            // `line_hash` reads the bytes its own way, to the same hash.
            for f in &want {
                assert_eq!(line_hash(&text[f.tstart..f.tend]), f.hash, "{text:?}");
            }
        }
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        for entry in std::fs::read_dir(corpus).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            assert_eq!(lines(&text, Some(&stop)), reference_lines(&text, Some(&stop)));
        }
    }

    #[test]
    fn line_hashes_tell_lines_apart() {
        let lines = random_lines(1 << 16);
        let hashes: std::collections::HashSet<u64> = lines.iter().map(|l| line_hash(l)).collect();
        assert_eq!(hashes.len(), lines.len());
    }

    #[test]
    fn counts_and_hash() {
        let stop: Stopwords = ["le", "de", "l", "la"].into_iter().collect();
        let f = &lines("\n  Le ministère de l’Intérieur a 3 ans.\n", Some(&stop))[0];
        assert_eq!((f.number, f.words, f.stops), (2, 7, 3));
        assert!(!f.lower_start);
        assert_eq!(f.hash, line_hash("Le ministère de l’Intérieur a 3 ans."));
        assert_eq!(line_hash("Les plus lus"), line_hash("les  plus-lus !"));
        assert_eq!(line_hash("Vidéo 00:24:59"), line_hash("vidéo 01:13:07"));
        assert_eq!(line_hash("ÉTATS-UNIS ÀÖØÞ"), line_hash("états-unis àöøþ"));
        for c in ('À'..='ÿ').filter(|c| c.is_alphabetic()) {
            let mut want = c.to_lowercase();
            assert_eq!(latin1_lower(c), want.next().filter(|_| want.next().is_none()), "{c}");
        }
        // Every ASCII byte read through the table hashes as `hash_char` hashes it.
        for b in 0..128u8 {
            let mut h = Fnv::default();
            hash_char(&mut h, char::from(b));
            let s = char::from(b).to_string();
            assert_eq!(line_hash(&s), h.finish() | 1, "{b:#x}");
        }
    }
}
