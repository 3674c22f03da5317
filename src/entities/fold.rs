//! Folding: the form in which aliases and text are compared.
//!
//! Takes any text; promises a lower-case form without diacritics, with one apostrophe (`'`) for
//! all apostrophe variants, one space for every run of spaces, hyphens, dashes and no-break
//! spaces, and a few letters spelled out (ß → ss, œ → oe, æ → ae, ø → o, ł → l, đ → d,
//! ı → i). [`Folder::fold_line`] also records, for every byte of the folded text, the byte of
//! the original it came from, so that a match in the folded text maps back to the exact span
//! of the original, and the folded line's tokens (runs of letters and digits), each marked if a
//! capital inside it follows a small letter in the original.

use crate::latin::LatinTable;
use std::sync::LazyLock;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// How one original character folds.
enum Class {
    /// A separator: spaces, hyphens, dashes, no-break spaces.
    Space,
    /// Folds to these characters (possibly none, for a lone combining mark).
    Chars,
}

fn is_space_like(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '-'
            | '\u{a0}'
            | '\u{202f}'
            | '\u{2007}'
            | '\u{2009}'
            | '\u{200a}'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2212}'
            | '\u{3000}'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02bc}' | '\u{b4}' | '`' | '\u{2032}')
}

/// What a byte is to [`Folder::fold_line`]: one look-up per byte, where the range tests of
/// `is_ascii_alphanumeric`, `is_ascii_uppercase` and the separators took several. Bytes beyond
/// ASCII are `OTHER` here (the loop over a word's letters then reads the next byte's kind with
/// no test of whether it is ASCII); the main loop decodes their characters.
const OTHER: u8 = 0;
const SPACE: u8 = 1;
/// A small letter or a digit; from here on, letters and digits.
const SMALL: u8 = 2;
/// A capital, whose small letter is 32 bytes on.
const CAPITAL: u8 = 3;

static BYTE_KIND: [u8; 256] = {
    let mut kinds = [OTHER; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        kinds[b] = if c.is_ascii_uppercase() {
            CAPITAL
        } else if c.is_ascii_alphanumeric() {
            SMALL
        } else if matches!(c, b' ' | b'\t' | b'-') {
            SPACE
        } else {
            OTHER
        };
        b += 1;
    }
    kinds
};

/// Folded forms of the accented Latin letters, computed once by `push_folded_uncached`.
static LATIN_FOLDS: LazyLock<LatinTable> = LazyLock::new(|| LatinTable::new(push_folded_uncached));

/// Pushes the folded form of `c` (which is not a separator) onto `out`.
#[inline]
fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        LATIN_FOLDS.push(c, out, push_folded_uncached);
    }
}

/// Folds `c` without the table (the table's source of truth).
fn push_folded_uncached(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    if is_apostrophe(c) {
        out.push('\'');
        return;
    }
    decompose_canonical(c, |d| {
        if is_combining_mark(d) {
            return;
        }
        for l in d.to_lowercase() {
            match l {
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ø' => out.push('o'),
                'ł' => out.push('l'),
                'đ' => out.push('d'),
                'ı' => out.push('i'),
                l => out.push(l),
            }
        }
    });
}

/// Whether the character of `line` before byte `i` is a small letter. Asked only of capitals
/// (rare inside words), rather than tracked at every character.
fn lower_before(line: &str, i: usize) -> bool {
    line[..i].chars().next_back().is_some_and(char::is_lowercase)
}

fn class(c: char) -> Class {
    if is_space_like(c) { Class::Space } else { Class::Chars }
}

/// Folds a short string (an alias); allocates.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        match class(c) {
            Class::Space => pending_space = true,
            Class::Chars => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                push_folded(c, &mut out);
            }
        }
    }
    out
}

/// A token of a folded line: a run of letters and digits.
#[derive(Debug, Clone, Copy)]
pub struct Tok {
    /// Span in the folded line.
    pub fs: usize,
    pub fe: usize,
    /// Span in the original line.
    pub os: usize,
    pub oe: usize,
    /// Whether a capital inside the token may follow a small letter in the original
    /// ("DiplomatieIsraël"): a name may start there (`matcher::glued`). When false, no name
    /// starts inside the token, and the alias scan skips it. (True is always safe.)
    pub glued: bool,
}

/// Reusable buffers for folding lines: no allocation per line once warmed up.
#[derive(Debug, Default)]
pub struct Folder {
    /// The folded line.
    pub text: String,
    /// `map[i]`: byte offset in the original line of the character that produced folded byte
    /// `i`; one extra entry holds the original line's length.
    pub map: Vec<u32>,
    /// The folded line's tokens, in order. Found while folding, as the bytes are classified
    /// there anyway: a pass of their own over the folded line cost 1% of a run's instructions.
    pub toks: Vec<Tok>,
}

impl Folder {
    /// Folds `line` into `self.text`, filling `self.map`. A run of separators folds to one
    /// space mapped to the first separator; leading separators are kept (as one space) so
    /// that offsets stay simple.
    pub fn fold_line(&mut self, line: &str) {
        // The buffers are moved out while the line is read, and put back after: as locals,
        // their lengths stay in registers, where pushes through `self` stored them at every
        // byte.
        let mut text = std::mem::take(&mut self.text);
        let mut map = std::mem::take(&mut self.map);
        let toks = &mut self.toks;
        text.clear();
        map.clear();
        toks.clear();
        // Folding rarely lengthens a line (ß, œ, æ): one reservation serves most lines.
        text.reserve(line.len());
        map.reserve(line.len() + 1);
        let bytes = line.as_bytes();
        let mut in_space = false;
        // The folded start of the token being read, if one is, and whether it is glued.
        let mut tok: Option<usize> = None;
        let mut glued = false;
        // Most ASCII bytes fold to themselves, lowered: letters, digits, punctuation, and a
        // space after anything but a separator. `line[copy..i]` is a run of such bytes not
        // written yet, copied whole (and lowered if it holds a capital) when a byte that folds
        // otherwise comes: pushing each byte and its map entry took about 29 instructions a
        // byte, reloading the buffers' lengths and pointers for want of registers.
        let mut copy = 0;
        let mut capitals = false;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii() {
                let kind = BYTE_KIND[usize::from(b)];
                if kind >= SMALL {
                    // Letters and digits, most bytes: the token goes on, or starts.
                    if tok.is_none() {
                        tok = Some(text.len() + i - copy);
                        glued = false;
                    } else if kind == CAPITAL && lower_before(line, i) {
                        glued = true;
                    }
                    capitals |= kind == CAPITAL;
                    in_space = false;
                    i += 1;
                    // The rest of the word's ASCII letters and digits, in a loop of their own.
                    while let Some(&b) = bytes.get(i) {
                        let kind = BYTE_KIND[usize::from(b)];
                        if kind < SMALL {
                            break;
                        }
                        if kind == CAPITAL {
                            capitals = true;
                            // The previous character is the run's previous byte, ASCII.
                            glued |= bytes[i - 1].is_ascii_lowercase();
                        }
                        i += 1;
                    }
                    continue;
                }
                if let Some(s) = tok.take() {
                    let end = text.len() + i - copy;
                    close(toks, (&map, text.len(), copy), s, end, glued, line);
                }
                if kind == SPACE {
                    // A space after anything but a separator folds to itself; any other
                    // separator folds to a space, or to nothing after a separator.
                    if in_space || b != b' ' {
                        flush(&mut text, &mut map, &line[copy..i], copy, capitals);
                        capitals = false;
                        if !in_space {
                            text.push(' ');
                            map.push(i as u32);
                        }
                        copy = i + 1;
                    }
                    in_space = true;
                } else {
                    in_space = false;
                }
                i += 1;
                continue;
            }
            flush(&mut text, &mut map, &line[copy..i], copy, capitals);
            capitals = false;
            let c = line[i..].chars().next().expect("i is on a character boundary");
            let at = i as u32;
            i += c.len_utf8();
            // The run before is written: the map holds every folded byte's origin.
            copy = i;
            // A capital after a small letter, wherever its folded characters fall: marked
            // glued whether or not they are inside the token (safe, and rare).
            let glue_here = c.is_uppercase() && lower_before(line, at as usize);
            match class(c) {
                Class::Space => {
                    if let Some(s) = tok.take() {
                        close(toks, (&map, text.len(), copy), s, text.len(), glued, line);
                    }
                    if !in_space {
                        text.push(' ');
                        map.push(at);
                        in_space = true;
                    }
                }
                Class::Chars => {
                    in_space = false;
                    let before = text.len();
                    push_folded(c, &mut text);
                    map.resize(map.len() + text.len() - before, at);
                    // Each folded character is a letter or digit or not, as the folded text
                    // is read: ß is two letters, a lone combining mark none.
                    let mut k = before;
                    while let Some(f) = text[k..].chars().next() {
                        match (crate::latin::is_alphanumeric(f), tok) {
                            (true, None) => {
                                tok = Some(k);
                                glued = glue_here;
                            }
                            (true, Some(_)) => glued |= glue_here,
                            (false, Some(s)) => {
                                close(toks, (&map, text.len(), copy), s, k, glued, line);
                                tok = None;
                            }
                            (false, None) => {}
                        }
                        k += f.len_utf8();
                    }
                }
            }
        }
        if let Some(s) = tok {
            let end = text.len() + line.len() - copy;
            close(toks, (&map, text.len(), copy), s, end, glued, line);
        }
        flush(&mut text, &mut map, &line[copy..], copy, capitals);
        map.push(line.len() as u32);
        self.text = text;
        self.map = map;
    }

    /// Maps a folded span back to the original line: `[start, end)` in original bytes. The end
    /// is the end of the original character that produced the last folded byte.
    pub fn original_span(&self, start: usize, end: usize, line: &str) -> (usize, usize) {
        span_of(&self.map, start, end, line)
    }
}

/// Writes `run`, ASCII bytes that fold to themselves lowered, found at byte `at` of the
/// line, with their map entries; `capitals` says whether some need lowering.
#[inline]
fn flush(text: &mut String, map: &mut Vec<u32>, run: &str, at: usize, capitals: bool) {
    let from = text.len();
    text.push_str(run);
    if capitals {
        text[from..].make_ascii_lowercase();
    }
    map.extend(at as u32..(at + run.len()) as u32);
}

/// The folded line as far as [`Folder::fold_line`] has read it: the map of the folded bytes
/// written, their number, and where in the line the run of bytes that fold to themselves,
/// not written yet, starts (the folded bytes from that number on are its bytes).
type Read<'a> = (&'a [u32], usize, usize);

/// Records the token of folded bytes `start..end`.
#[inline(always)]
fn close(toks: &mut Vec<Tok>, read: Read, start: usize, end: usize, glued: bool, line: &str) {
    let (map, written, copy) = read;
    let (os, oe) = if start >= written {
        // A token of the run not written, most of them: its bytes are the line's, ASCII.
        (copy + (start - written), copy + (end - written))
    } else {
        let origin = |f: usize| if f < written { map[f] as usize } else { copy + (f - written) };
        (map[start] as usize, char_end(line, origin(end - 1)))
    };
    toks.push(Tok { fs: start, fe: end, os, oe, glued });
}

/// [`Folder::original_span`] over the map `map`.
#[inline]
fn span_of(map: &[u32], start: usize, end: usize, line: &str) -> (usize, usize) {
    (map[start] as usize, char_end(line, map[end - 1] as usize))
}

/// The end of the character of `line` at byte `at`.
#[inline]
fn char_end(line: &str, at: usize) -> usize {
    // Most tokens end in an ASCII character, one byte long: no need to decode it.
    match line.as_bytes().get(at) {
        Some(b) if b.is_ascii() => at + 1,
        _ => at + line[at..].chars().next().map_or(0, char::len_utf8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_apostrophes_and_hyphens() {
        assert_eq!(fold("États-Unis"), "etats unis");
        assert_eq!(fold("Etats unis"), "etats unis");
        assert_eq!(fold("Bureau de l’industrie"), "bureau de l'industrie");
        assert_eq!(fold("Großbritannien"), "grossbritannien");
        assert_eq!(fold("Nouvelle\u{a0}-\u{a0}Zélande"), "nouvelle zelande");
        assert_eq!(fold("Krstić"), "krstic");
    }

    #[test]
    fn folding_table_agrees_with_the_full_rules() {
        crate::latin::assert_same_forms(push_folded, push_folded_uncached);
    }

    #[test]
    fn ascii_shortcut_folds_as_the_rules_do() {
        let mut f = Folder::default();
        for b in 0u8..128 {
            let c = char::from(b);
            let line = format!("A{c}{c}é");
            f.fold_line(&line);
            let mut want = String::from("a");
            if is_space_like(c) {
                want.push(' ');
            } else {
                push_folded_uncached(c, &mut want);
                push_folded_uncached(c, &mut want);
            }
            push_folded_uncached('é', &mut want);
            assert_eq!(f.text, want, "{b}");
            assert_eq!(f.map.len(), f.text.len() + 1, "{b}");
        }
    }

    /// A token as (folded start, folded end, original start, original end, glued).
    type RefTok = (usize, usize, usize, usize, bool);

    /// `fold_line` spelled out a character at a time, without its ASCII shortcuts: the folded
    /// text, the map, and the tokens.
    fn reference(line: &str) -> (String, Vec<u32>, Vec<RefTok>) {
        let (mut text, mut map, mut toks) = (String::new(), Vec::new(), Vec::new());
        let mut tok: Option<(usize, usize, bool)> = None;
        let close =
            |tok: &mut Option<(usize, usize, bool)>, end, map: &Vec<u32>, toks: &mut Vec<_>| {
                if let Some((fs, os, glued)) = tok.take() {
                    let last = map[end - 1] as usize;
                    let oe = last + line[last..].chars().next().map_or(0, char::len_utf8);
                    toks.push((fs, end, os, oe, glued));
                }
            };
        let mut in_space = false;
        for (at, c) in line.char_indices() {
            if is_space_like(c) {
                close(&mut tok, text.len(), &map, &mut toks);
                if !in_space {
                    text.push(' ');
                    map.push(at as u32);
                }
                in_space = true;
                continue;
            }
            in_space = false;
            let glue = c.is_uppercase() && lower_before(line, at);
            let before = text.len();
            push_folded_uncached(c, &mut text);
            map.resize(text.len(), at as u32);
            let mut k = before;
            for f in text[before..].to_string().chars() {
                if crate::latin::is_alphanumeric(f) {
                    match &mut tok {
                        None => tok = Some((k, map[k] as usize, glue)),
                        Some((_, _, g)) => *g |= glue,
                    }
                } else {
                    close(&mut tok, k, &map, &mut toks);
                }
                k += f.len_utf8();
            }
        }
        close(&mut tok, text.len(), &map, &mut toks);
        map.push(line.len() as u32);
        (text, map, toks)
    }

    #[test]
    fn lines_fold_as_the_rules_say() {
        let pieces = [
            "a",
            "Z",
            "9",
            "ab",
            "AB",
            "aB",
            "Ab",
            "Israël",
            "DiplomatieIsraël",
            "éA",
            "Éa",
            "ß",
            "Straße",
            "œ",
            "Œuvre",
            "ǅ",
            "İ",
            "ı",
            " ",
            "  ",
            "-",
            "\t",
            "\u{a0}",
            "\u{2014}",
            "'",
            "’",
            "`",
            ".",
            ",",
            "«",
            "»",
            "e\u{301}",
            "\u{301}",
            "Ω",
            "я",
            "Я",
            "日本",
            "ﬁ",
            "x1Y",
            "NSO",
            "nso",
            "McDonald",
            "iPhone",
            "5G",
            "\u{0}",
            // Runs that fold to themselves, broken by separators that do not.
            "Le pays de l'Est",
            " -\t",
            "a  B",
        ];
        let mut next = crate::testing::xorshift(0xf01d_11e5);
        let mut f = Folder::default();
        let mut line = String::new();
        for _ in 0..50_000 {
            line.clear();
            for _ in 0..1 + next(10) {
                line.push_str(pieces[next(pieces.len())]);
            }
            f.fold_line(&line);
            let (text, map, toks) = reference(&line);
            assert_eq!(f.text, text, "{line:?}");
            assert_eq!(f.map, map, "{line:?}");
            let got: Vec<_> = f.toks.iter().map(|t| (t.fs, t.fe, t.os, t.oe, t.glued)).collect();
            assert_eq!(got, toks, "{line:?}");
        }
    }

    #[test]
    fn offsets_map_back_exactly() {
        let line = "Les États\u{a0}Unis et l’Arabie saoudite";
        let mut f = Folder::default();
        f.fold_line(line);
        assert_eq!(f.text, "les etats unis et l'arabie saoudite");
        let at = f.text.find("etats unis").unwrap();
        let (s, e) = f.original_span(at, at + "etats unis".len(), line);
        assert_eq!(&line[s..e], "États\u{a0}Unis");
        let at = f.text.find("arabie saoudite").unwrap();
        let (s, e) = f.original_span(at, at + "arabie saoudite".len(), line);
        assert_eq!(&line[s..e], "Arabie saoudite");
    }

    #[test]
    fn expanded_letters_map_to_their_character() {
        let line = "Die Straße";
        let mut f = Folder::default();
        f.fold_line(line);
        let at = f.text.find("strasse").unwrap();
        let (s, e) = f.original_span(at, at + 7, line);
        assert_eq!(&line[s..e], "Straße");
    }
}
