//! Text primitives of the claims stage: folding, a tokenizer that keeps exact byte offsets and
//! reads numbers with each language's separators, and sentence splitting.
//!
//! A line is tokenized once into reusable buffers: each token knows its byte span in the
//! document and its lowercase and folded (no diacritics) forms, stored in one per-line string,
//! so no token allocates. That string starts with the line itself, ASCII letters lowercased:
//! both forms of an all-ASCII token are its own bytes there, and only the other tokens write
//! forms of their own (one for both when they are the same, as for a curly apostrophe).

use super::lexicon::Vocab;
use std::sync::LazyLock;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Appends the folded form of `s` (lowercase, no diacritics, apostrophes as `'`) to `out`.
pub fn fold_into(s: &str, out: &mut String) {
    for c in s.chars() {
        fold_char(c, out);
    }
}

/// Folds one character (see `fold_into`).
#[inline]
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() && c != '`' {
        // Most characters of most texts: no table look-up.
        out.push(c.to_ascii_lowercase());
    } else {
        match FORMS.get(c) {
            Some(f) => f.push_fold(out),
            None => fold_char_uncached(c, out),
        }
    }
}

/// Folds one character without the table (the table's source of truth).
fn fold_char_uncached(c: char, out: &mut String) {
    match c {
        'a'..='z' | '0'..='9' | ' ' => out.push(c),
        '’' | '‘' | 'ʼ' | '`' | '´' => out.push('\''),
        'œ' | 'Œ' => out.push_str("oe"),
        'æ' | 'Æ' => out.push_str("ae"),
        'ß' => out.push_str("ss"),
        '\u{a0}' | '\u{202f}' | '\u{2009}' => out.push(' '),
        _ if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        _ => {
            for l in c.to_lowercase() {
                decompose_canonical(l, |d| {
                    if !is_combining_mark(d) {
                        out.push(d)
                    }
                });
            }
        }
    }
}

/// Lowercases one character, keeping diacritics (number words need them: « dieciséis »): what
/// `push_forms` does to each character, which the tests compare with the rule.
#[cfg(test)]
fn lower_char(c: char, out: &mut String) {
    if c.is_ascii() && c != '`' {
        out.push(c.to_ascii_lowercase());
    } else {
        match FORMS.get(c) {
            Some(f) => f.push_lower(out),
            None => lower_char_uncached(c, out),
        }
    }
}

/// Lowercases one character without the table (the table's source of truth).
fn lower_char_uncached(c: char, out: &mut String) {
    match c {
        _ if c.is_ascii() && c != '`' => out.push(c.to_ascii_lowercase()),
        '’' | '‘' | 'ʼ' | '`' | '´' => out.push('\''),
        _ => out.extend(c.to_lowercase()),
    }
}

/// The lowercase and folded forms of one character, of at most two characters each.
#[derive(Debug, Clone, Copy)]
struct CharForms {
    lower: [char; 2],
    fold: [char; 2],
    lower_len: u8,
    fold_len: u8,
    /// Whether the two forms are the same (’ and most letters of other scripts), so that a
    /// token of such characters and ASCII needs no second pass for its folded form.
    same: bool,
}

impl CharForms {
    /// The forms of `c` by the rules; None when one is longer than two characters.
    fn of(c: char) -> Option<Self> {
        let chars = |rule: fn(char, &mut String)| {
            let mut s = String::new();
            rule(c, &mut s);
            let mut a = ['\0'; 2];
            let mut n = 0;
            for d in s.chars() {
                *a.get_mut(n)? = d;
                n += 1;
            }
            Some((a, n as u8))
        };
        let (lower, lower_len) = chars(lower_char_uncached)?;
        let (fold, fold_len) = chars(fold_char_uncached)?;
        let same = (lower, lower_len) == (fold, fold_len);
        Some(CharForms { lower, fold, lower_len, fold_len, same })
    }

    #[inline]
    fn push_lower(&self, out: &mut String) {
        self.lower[..usize::from(self.lower_len)].iter().for_each(|&c| out.push(c));
    }

    #[inline]
    fn push_fold(&self, out: &mut String) {
        self.fold[..usize::from(self.fold_len)].iter().for_each(|&c| out.push(c));
    }
}

/// Both forms of each character of the blocks that hold the non-ASCII letters and
/// punctuation of European text: Latin-1 Supplement to Spacing Modifier Letters (U+0080 to
/// U+02FF) and General Punctuation (U+2000 to U+206F). A case mapping plus a canonical
/// decomposition costs tens of times a table read; the table is computed once from the rules
/// (`lower_char_uncached`, `fold_char_uncached`), which stay the one source of truth.
struct FormsTable(Vec<Option<CharForms>>);

/// Where General Punctuation starts in the table: after U+0080 to U+02FF.
const PUNCT_AT: u32 = 0x300 - 0x80;

impl FormsTable {
    fn new() -> Self {
        let chars = (0x80..0x300).chain(0x2000..0x2070).filter_map(char::from_u32);
        FormsTable(chars.map(CharForms::of).collect())
    }

    /// The forms of `c`, if it is in the table's blocks and its forms are short.
    #[inline]
    fn get(&self, c: char) -> Option<&CharForms> {
        let u = c as u32;
        let i = match u {
            0x80..0x300 => u - 0x80,
            0x2000..0x2070 => u - 0x2000 + PUNCT_AT,
            _ => return None,
        };
        self.0.get(i as usize)?.as_ref()
    }
}

static FORMS: LazyLock<FormsTable> = LazyLock::new(FormsTable::new);

/// Appends to `forms` the lowercase form (the folded one if `FOLD`) of its bytes `a..b`, which
/// are a token of the lowercased line at its start: `lower_char` or `fold_char` of each
/// character, its ASCII bytes copied as they are there and the others read from the table.
/// Returns whether each character's two forms are the same.
#[inline]
fn push_forms<const FOLD: bool>(forms: &mut String, a: usize, b: usize) -> bool {
    let table = &*FORMS;
    let mut same = true;
    let mut k = a;
    while k < b {
        let x = forms.as_bytes()[k];
        // A backtick is ASCII but an apostrophe in both forms.
        if x.is_ascii() && x != b'`' {
            forms.push(char::from(x));
            k += 1;
            continue;
        }
        let (c, len) = char_at(forms, k);
        match table.get(c) {
            Some(f) if FOLD => f.push_fold(forms),
            Some(f) => {
                f.push_lower(forms);
                same &= f.same;
            }
            None if FOLD => fold_char_uncached(c, forms),
            None => {
                lower_char_uncached(c, forms);
                same = false;
            }
        }
        k += len;
    }
    same
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    match c {
        // No combining mark in these blocks (a test checks it): letters only.
        '\u{80}'..='\u{2ff}' | '\u{2000}'..='\u{206f}' => crate::latin::is_alphabetic(c),
        _ => c.is_alphabetic() || is_combining_mark(c),
    }
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    /// A number in digits; its value is `Tok::num`.
    Num,
    /// One punctuation or symbol character.
    Punct,
    /// Digits glued to something else (scores, times, codes): never a quantity.
    Other,
}

/// One token.
#[derive(Debug, Clone, Copy)]
pub struct Tok {
    /// Byte span in the document.
    pub start: usize,
    pub end: usize,
    lo: (u32, u32),
    fo: (u32, u32),
    pub kind: Kind,
    pub num: f64,
    /// Whether the token has a decimal part (a year has none).
    pub decimal: bool,
}

/// Number format of a language: decimal separator and digit-group separators.
#[derive(Debug, Clone, Copy)]
pub struct NumFormat<'a> {
    pub decimal: char,
    pub groups: &'a [char],
}

/// The tokens of one line, with their reusable buffers.
#[derive(Debug, Default)]
pub struct Tokens {
    toks: Vec<Tok>,
    /// The line with its ASCII letters lowercased, then the lowercase and folded forms of the
    /// tokens that are not all ASCII: an ASCII token's two forms are its own range of the line.
    forms: String,
    /// Phrase-word id of each token (see `lexicon::Vocab`).
    ids: Vec<u32>,
    /// Scratch for the digits of the number being read.
    digits: String,
}

impl Tokens {
    pub fn len(&self) -> usize {
        self.toks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    pub fn tok(&self, i: usize) -> &Tok {
        &self.toks[i]
    }

    pub fn kind(&self, i: usize) -> Kind {
        self.toks[i].kind
    }

    /// Empty buffers sized for a line of `bytes` bytes, so that tokenizing it does not grow them.
    pub fn with_capacity(bytes: usize) -> Self {
        Tokens {
            toks: Vec::with_capacity(bytes / 4 + 1),
            // The line, and two forms of each token that is not ASCII (the accented words and
            // curly apostrophes of French news): a line of other scripts grows it.
            forms: String::with_capacity(bytes + bytes / 2),
            ids: Vec::with_capacity(bytes / 4 + 1),
            digits: String::new(),
        }
    }

    /// Folded form of token `i`.
    pub fn fold(&self, i: usize) -> &str {
        let (a, b) = self.toks[i].fo;
        &self.forms[a as usize..b as usize]
    }

    /// Folded form of token `i` as bytes, for the loops that only hash or compare it: slicing
    /// the string checks that both ends are character boundaries, which they are (the
    /// tokenizer wrote them), and in the fingerprint's loop over every word those checks were
    /// a seventh of its instructions.
    pub fn fold_bytes(&self, i: usize) -> &[u8] {
        let (a, b) = self.toks[i].fo;
        &self.forms.as_bytes()[a as usize..b as usize]
    }

    /// Phrase-word id of token `i`.
    pub fn id(&self, i: usize) -> u32 {
        self.ids[i]
    }

    /// Phrase-word ids of the tokens from `i` on (empty past the end).
    pub fn ids(&self, i: usize) -> &[u32] {
        self.ids.get(i..).unwrap_or(&[])
    }

    /// Lowercase form of token `i` (diacritics kept).
    pub fn lower(&self, i: usize) -> &str {
        let (a, b) = self.toks[i].lo;
        &self.forms[a as usize..b as usize]
    }

    /// Lowercase form of token `i` as bytes, without the character-boundary checks of `lower`
    /// (see `fold_bytes`): numbers in words look up nearly every word by its bytes.
    pub fn lower_bytes(&self, i: usize) -> &[u8] {
        let (a, b) = self.toks[i].lo;
        &self.forms.as_bytes()[a as usize..b as usize]
    }

    /// Whether token `i` is this punctuation character.
    pub fn is_punct(&self, i: usize, c: char) -> bool {
        self.toks[i].kind == Kind::Punct && self.fold(i).starts_with(c)
    }

    /// Folded tokens of a data phrase (English number format).
    pub fn of_phrase(phrase: &str) -> Vec<String> {
        let mut t = Tokens::default();
        t.tokenize(phrase, 0, NumFormat { decimal: '.', groups: &[','] }, &Vocab::default());
        (0..t.len()).map(|i| t.fold(i).to_string()).collect()
    }

    /// Adds the token of bytes `a..b` of the line, whose forms are written from the lowercased
    /// line at the start of `forms`. `ascii`: its bytes are ASCII and none is a backtick (an
    /// apostrophe once folded), so that its lowercase and folded forms are its own bytes there;
    /// its caller knows that from the scan, without reading the bytes again.
    #[inline(always)]
    fn push(&mut self, offset: usize, a: usize, b: usize, kind: Kind, ascii: bool) {
        let (lo, fo) = if ascii {
            ((a as u32, b as u32), (a as u32, b as u32))
        } else {
            let ls = self.forms.len() as u32;
            let same = push_forms::<false>(&mut self.forms, a, b);
            let fs = self.forms.len() as u32;
            // A token whose characters each have one form for both (curly apostrophes, other
            // scripts) has one range of `forms` for both.
            if same {
                ((ls, fs), (ls, fs))
            } else {
                push_forms::<true>(&mut self.forms, a, b);
                ((ls, fs), (fs, self.forms.len() as u32))
            }
        };
        self.toks.push(Tok {
            start: offset + a,
            end: offset + b,
            lo,
            fo,
            kind,
            num: 0.0,
            decimal: false,
        });
    }

    /// Tokenizes `text`, which starts at byte `offset` of the document, giving each token its
    /// id in `vocab`.
    ///
    /// Works on byte positions, decoding a character only where a byte is not ASCII: the
    /// lookahead of elisions, initialisms and digit groups reads the next character in place
    /// (collecting the line's characters into a vector first took a ninth of the stage's
    /// instructions). An ASCII byte is classed by a table, and a word's runs of ASCII letters
    /// and digits are taken byte by byte: decoding each byte as a character and testing it
    /// with the character classes cost about 8% of the tokenizer's instructions.
    pub fn tokenize(&mut self, text: &str, offset: usize, fmt: NumFormat, vocab: &Vocab) {
        self.toks.clear();
        self.forms.clear();
        // Copied and lowercased as a whole: a check, a copy and a lowercasing pass per token
        // were a quarter of the tokenizer's instructions.
        self.forms.push_str(text);
        self.forms.make_ascii_lowercase();
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            let mut class = BYTE_CLASS[usize::from(b)];
            if class == Class::NotAscii {
                let c = char_at(text, i).0;
                class = if c.is_whitespace() {
                    Class::Space
                } else if is_word_char(c) {
                    Class::Letter
                } else {
                    Class::Other
                };
            }
            match class {
                Class::Space => i += utf8_len(b),
                Class::Digit => {
                    let (j, kind, value, decimal) = scan_number(text, i, fmt, &mut self.digits);
                    let ascii = bytes[i..j].iter().all(|&b| b.is_ascii() && b != b'`');
                    self.push(offset, i, j, kind, ascii);
                    let t = self.toks.last_mut().expect("just pushed");
                    t.num = value;
                    t.decimal = decimal;
                    i = j;
                }
                Class::Letter => {
                    let (j, ascii) = scan_word(text, i);
                    self.push(offset, i, j, Kind::Word, ascii);
                    i = j;
                }
                // (`NotAscii` was classed above.)
                Class::Other | Class::NotAscii => {
                    let len = utf8_len(b);
                    self.push(offset, i, i + len, Kind::Punct, len == 1 && b != b'`');
                    i += len;
                }
            }
        }
        self.ids.clear();
        self.ids.extend(
            self.toks.iter().map(|t| vocab.id(&self.forms[t.fo.0 as usize..t.fo.1 as usize])),
        );
    }
}

/// The character at byte `p` of `text` (a character boundary) and its length in bytes;
/// `('\0', 0)` past the end, which no test of the tokenizer accepts.
#[inline]
fn char_at(text: &str, p: usize) -> (char, usize) {
    match text.as_bytes().get(p) {
        None => ('\0', 0),
        Some(&b) if b.is_ascii() => (char::from(b), 1),
        Some(_) => {
            let c = text[p..].chars().next().expect("p is a character boundary");
            (c, c.len_utf8())
        }
    }
}

/// What the tokenizer makes of a character that starts a token (or of whitespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    /// An ASCII digit: a number starts.
    Digit,
    /// A word character (`is_word_char`): a word starts.
    Letter,
    /// Punctuation or a symbol: a token of its own.
    Other,
    /// A byte of a character that is not ASCII, which has to be decoded to be classed.
    NotAscii,
}

/// The class of each byte: for an ASCII character, `char::is_whitespace`, `is_ascii_digit`
/// and `is_word_char` answered by one load (a test checks it against them).
static BYTE_CLASS: [Class; 256] = {
    let mut t = [Class::NotAscii; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => Class::Space,
            b'0'..=b'9' => Class::Digit,
            b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
            _ => Class::Other,
        };
        b += 1;
    }
    t
};

/// The length of the UTF-8 character whose first byte is `b`.
#[inline]
fn utf8_len(b: u8) -> usize {
    match b {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Reads a word starting at byte `i` of `text` (a word character). Returns its end and whether
/// all its characters are ASCII (a word takes no backtick).
#[inline]
fn scan_word(text: &str, i: usize) -> (usize, bool) {
    let b = text.as_bytes();
    let n = b.len();
    let mut j = i;
    // Characters since the start or an initial's period.
    let mut letters = 0;
    let mut ascii = true;
    loop {
        // Most of a word: ASCII letters and digits, one byte each.
        let run = j;
        while b
            .get(j)
            .is_some_and(|&x| matches!(BYTE_CLASS[usize::from(x)], Class::Letter | Class::Digit))
        {
            j += 1;
        }
        letters += j - run;
        let (d, dl) = char_at(text, j);
        if dl > 1 && is_word_char(d) {
            j += dl;
            ascii = false;
            letters += 1;
        } else if matches!(d, '-' | '‐') && is_word_char(char_at(text, j + dl).0) {
            j += dl;
            ascii &= dl == 1;
        } else if is_apostrophe(d) && (j + dl >= n || is_word_char(char_at(text, j + dl).0)) {
            // Elision (l', d', qu', jusqu'…) ends the token; otherwise (Moody's, aujourd'hui)
            // the apostrophe is inside the word. `q` and `u` are one byte each: two bytes back
            // are two characters back when they match.
            let qu = j >= i + 2
                && b[j - 2].eq_ignore_ascii_case(&b'q')
                && b[j - 1].eq_ignore_ascii_case(&b'u');
            j += dl;
            ascii &= dl == 1;
            if letters <= 2 || qu {
                break;
            }
        } else if d == '.' && letters == 1 && is_word_char(char_at(text, j + dl).0) {
            // Initialisms: U.S., U.N.
            j += dl;
            letters = 0;
        } else {
            break;
        }
    }
    (j, ascii)
}

/// The character before byte `p` of `text` (a character boundary), `'\0'` at the start.
fn char_before(text: &str, p: usize) -> char {
    text[..p].chars().next_back().unwrap_or('\0')
}

/// Whether the byte at `p` of `text` is an ASCII digit (false past the end).
#[inline]
fn digit_at(text: &str, p: usize) -> bool {
    text.as_bytes().get(p).is_some_and(u8::is_ascii_digit)
}

/// Reads a number starting at byte `i` of `text` (a digit). Returns the end, the kind, the
/// value and whether it has a decimal part.
fn scan_number(text: &str, i: usize, fmt: NumFormat, s: &mut String) -> (usize, Kind, f64, bool) {
    let b = text.as_bytes();
    let mut j = i;
    s.clear();
    while digit_at(text, j) {
        s.push(char::from(b[j]));
        j += 1;
    }
    let first_group = j - i;
    let mut grouped = false;
    loop {
        let (sep, sl) = char_at(text, j);
        let is_space = sep.is_whitespace();
        // The three digits after the separator start at `g`.
        let g = j + sl;
        if fmt.groups.contains(&sep)
            && digit_at(text, g)
            && digit_at(text, g + 1)
            && digit_at(text, g + 2)
            && !digit_at(text, g + 3)
            && sep != fmt.decimal
            && first_group <= 3
            && !(is_space && !grouped && first_group == 0)
        {
            // A group separator followed by a letter-glued or decimal digit run is not one.
            if is_space && char_at(text, g + 3).0.is_alphabetic() {
                break;
            }
            s.push_str(&text[g..g + 3]);
            j = g + 3;
            grouped = true;
        } else {
            break;
        }
    }
    let mut decimal = false;
    let (c, cl) = char_at(text, j);
    if c == fmt.decimal && digit_at(text, j + cl) {
        s.push('.');
        j += cl;
        while digit_at(text, j) {
            s.push(char::from(b[j]));
            j += 1;
        }
        decimal = true;
    }
    // Digits glued to letters (5G, B3id) or forming scores, times and dates (3-0, 00:24:59,
    // 2021-11-03) are not quantities.
    let next = char_at(text, j).0;
    let before = char_before(text, i);
    let glued = next.is_alphabetic()
        || (matches!(next, '-' | ':' | '/' | '.' | ',') && digit_at(text, j + 1))
        || (i > 0 && (before.is_alphabetic() || matches!(before, ':' | '/')));
    if glued {
        loop {
            let (c, cl) = char_at(text, j);
            // Past the end `c` is NUL, which is neither.
            if !(c.is_alphanumeric() || matches!(c, '-' | ':' | '/' | '.' | ',')) {
                break;
            }
            if matches!(c, '.' | ',') && !digit_at(text, j + 1) {
                break;
            }
            j += cl;
        }
        return (j, Kind::Other, 0.0, false);
    }
    (j, Kind::Num, s.parse().unwrap_or(0.0), decimal)
}

/// A sentence: tokens `toks.0..toks.1`, bytes `bytes.0..bytes.1` of the document.
#[derive(Debug, Clone, Copy)]
pub struct Sentence {
    pub toks: (usize, usize),
    pub bytes: (usize, usize),
}

/// Whether a folded form ends a sentence's words: ".", "!", "?" or "…" (UTF-8 E2 80 A6).
fn is_end_mark(fold: &[u8]) -> bool {
    matches!(fold, b"." | b"!" | b"?" | b"\xe2\x80\xa6")
}

fn is_closing(c: &str) -> bool {
    matches!(c, "»" | "”" | "\"" | ")" | "’" | "'" | "]")
}

/// Tokens of the longest sentence. Every claim of a sentence carries its text, so sentence
/// length bounds the cost of each claim. News sentences are shorter: of 504,000 sentences of
/// French news (OrangeSum, split roughly), one in 10,000 has over 245 tokens counting
/// punctuation and one only over 1,000 (1,344); a list of a few hundred names still fits.
pub const MAX_SENTENCE_TOKENS: usize = 1000;

/// Splits the tokens of one line into sentences. `doc` is the document text; `abbrev` says
/// which folded words take a period without ending a sentence. A run of more than
/// [`MAX_SENTENCE_TOKENS`] tokens without a sentence end is cut.
pub fn sentences(t: &Tokens, doc: &str, abbrev: &super::lexicon::WordSet, out: &mut Vec<Sentence>) {
    out.clear();
    let n = t.len();
    let mut start = 0;
    let mut i = 0;
    while i < n {
        if i - start >= MAX_SENTENCE_TOKENS {
            // A run this long is a table or a text without punctuation, not a sentence: cut at
            // its last clause mark in the second half, else here.
            let cut = (start + MAX_SENTENCE_TOKENS / 2..i)
                .rev()
                .find(|&k| t.kind(k) == Kind::Punct && matches!(t.fold(k), "," | ";" | ":"))
                .map_or(i, |k| k + 1);
            out.push(Sentence {
                toks: (start, cut),
                bytes: (t.tok(start).start, t.tok(cut - 1).end),
            });
            start = cut;
            continue;
        }
        // Most tokens are not punctuation: on to the next that is, or to the bound of the run.
        let limit = n.min(start + MAX_SENTENCE_TOKENS);
        match t.toks[i..limit].iter().position(|k| k.kind == Kind::Punct) {
            Some(p) => i += p,
            None => {
                i = limit;
                continue;
            }
        }
        if is_end_mark(t.fold_bytes(i)) {
            let prev_abbrev = i > 0
                && t.kind(i - 1) == Kind::Word
                && t.fold_bytes(i) == b"."
                && (abbrev.contains(t.fold(i - 1))
                    || doc[t.tok(i - 1).start..t.tok(i - 1).end].chars().count() == 1);
            let mut j = i + 1;
            while j < n
                && (is_end_mark(t.fold_bytes(j)) || is_closing(&doc[t.tok(j).start..t.tok(j).end]))
            {
                j += 1;
            }
            let next_starts = j >= n || {
                let c = doc[t.tok(j).start..].chars().next().unwrap_or(' ');
                c.is_uppercase()
                    || c.is_ascii_digit()
                    || matches!(c, '«' | '“' | '"' | '(' | '—' | '–' | '-')
            };
            if !prev_abbrev && next_starts && j < n {
                out.push(Sentence {
                    toks: (start, j),
                    bytes: (t.tok(start).start, t.tok(j - 1).end),
                });
                start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    if start < n {
        out.push(Sentence { toks: (start, n), bytes: (t.tok(start).start, t.tok(n - 1).end) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FR: NumFormat = NumFormat { decimal: ',', groups: &[' ', '\u{a0}', '\u{202f}', '.'] };
    const EN: NumFormat = NumFormat { decimal: '.', groups: &[','] };

    /// Every token's spans, kind, value (its bits) and forms, and its phrase-word id.
    fn dump(t: &Tokens) -> Vec<String> {
        (0..t.len())
            .map(|i| {
                let k = t.tok(i);
                let (num, lower, fold, id) = (k.num.to_bits(), t.lower(i), t.fold(i), t.id(i));
                format!(
                    "{}..{} {:?} {num} {} {lower:?} {fold:?} {id}",
                    k.start, k.end, k.kind, k.decimal
                )
            })
            .collect()
    }

    #[test]
    fn tokenizer_agrees_with_the_reference() {
        // Pieces that exercise every branch: digits and each format's separators, elisions
        // (l', qu', jusqu'), hyphens, initialisms, glued digits, non-Latin letters, combining
        // marks, a NUL (which the reference took for its end-of-line sentinel), and ends of line
        // right after each of them.
        let pieces = [
            "1",
            "23",
            "400",
            "1 400",
            "2,5",
            "3.14",
            "1\u{a0}400",
            "1\u{202f}000",
            "12.345.678",
            " ",
            "\u{a0}",
            "\u{202f}",
            "\u{2009}",
            ",",
            ".",
            ":",
            "/",
            "-",
            "‐",
            "'",
            "’",
            "ʼ",
            "`",
            "l",
            "L",
            "qu",
            "QU",
            "jusqu",
            "d",
            "aujourd",
            "hui",
            "U",
            "S",
            "N",
            "é",
            "É",
            "œ",
            "ß",
            "Ω",
            "я",
            "日本",
            "e\u{301}",
            "\u{301}",
            "5G",
            "B3id",
            "00",
            "x",
            "Moody",
            "«",
            "»",
            "%",
            "\u{0}",
            "\t",
            "٫",
            "١",
            "ǅ",
            "ﬁ",
            "İ",
            "À",
            "Ü",
            "ŉ",
            "ǈ",
            "–",
            "…",
            "\u{85}",
            "\u{b}",
            "\u{2003}",
            "\u{2028}",
            "x9",
            "Çà",
            "ʼn",
        ];
        let mut vocab = Vocab::default();
        for w in ["l", "qu", "de", "u.s", "1", "400", "'"] {
            vocab.intern(w.to_string());
        }
        let mut next = crate::testing::xorshift(0x5eed_70c5);
        let (mut fast, mut slow) = (Tokens::default(), Tokens::default());
        let mut line = String::new();
        for case in 0..60_000 {
            line.clear();
            for _ in 0..1 + next(8) {
                line.push_str(pieces[next(pieces.len())]);
            }
            for fmt in [FR, EN, NumFormat { decimal: '٫', groups: &['.', ' '] }] {
                fast.tokenize(&line, case, fmt, &vocab);
                reference(&mut slow, &line, case, fmt, &vocab);
                assert_eq!(dump(&fast), dump(&slow), "{line:?}");
                for i in 0..fast.len() {
                    assert_eq!(fast.fold_bytes(i), fast.fold(i).as_bytes());
                    assert_eq!(fast.lower_bytes(i), fast.lower(i).as_bytes());
                }
            }
        }
    }

    /// The tokenizer as it was written first, over a vector of the line's characters: the
    /// reference the byte-position tokenizer must agree with.
    fn reference(t: &mut Tokens, text: &str, offset: usize, fmt: NumFormat, vocab: &Vocab) {
        t.toks.clear();
        t.forms.clear();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let n = chars.len();
        let pos = |k: usize| if k < n { chars[k].0 } else { text.len() };
        let ch = |k: usize| if k < n { chars[k].1 } else { '\0' };
        let mut i = 0;
        while i < n {
            let c = chars[i].1;
            if c.is_whitespace() {
                i += 1;
            } else if c.is_ascii_digit() {
                let (j, kind, value, decimal) = reference_number(&chars, i, fmt, &mut t.digits);
                reference_push(t, text, offset, pos(i), pos(j), kind);
                let k = t.toks.last_mut().expect("just pushed");
                k.num = value;
                k.decimal = decimal;
                i = j;
            } else if is_word_char(c) {
                let mut j = i + 1;
                let mut letters = 1;
                loop {
                    let d = ch(j);
                    if is_word_char(d) || d.is_ascii_digit() {
                        j += 1;
                        letters += 1;
                    } else if matches!(d, '-' | '‐') && is_word_char(ch(j + 1)) {
                        j += 1;
                    } else if is_apostrophe(d) && (is_word_char(ch(j + 1)) || j + 1 >= n) {
                        // Elision (l', d', qu', jusqu'…) ends the token; otherwise (Moody's,
                        // aujourd'hui) the apostrophe is inside the word.
                        let lower = |k: usize| chars[k].1.to_ascii_lowercase();
                        let qu = j - i >= 2 && lower(j - 2) == 'q' && lower(j - 1) == 'u';
                        j += 1;
                        if letters <= 2 || qu {
                            break;
                        }
                    } else if d == '.' && letters == 1 && is_word_char(ch(j + 1)) {
                        // Initialisms: U.S., U.N.
                        j += 1;
                        letters = 0;
                    } else {
                        break;
                    }
                }
                reference_push(t, text, offset, pos(i), pos(j), Kind::Word);
                i = j;
            } else {
                reference_push(t, text, offset, pos(i), pos(i + 1), Kind::Punct);
                i += 1;
            }
        }
        t.ids.clear();
        t.ids.extend(t.toks.iter().map(|k| vocab.id(&t.forms[k.fo.0 as usize..k.fo.1 as usize])));
    }

    /// Adds a token as the reference did: its forms written after the others, each time (an
    /// ASCII token's two forms one copy).
    fn reference_push(t: &mut Tokens, text: &str, offset: usize, a: usize, b: usize, kind: Kind) {
        let seg = &text[a..b];
        let ls = t.forms.len() as u32;
        let (lo, fo) = if seg.bytes().all(|b| b.is_ascii() && b != b'`') {
            t.forms.push_str(seg);
            t.forms[ls as usize..].make_ascii_lowercase();
            let end = t.forms.len() as u32;
            ((ls, end), (ls, end))
        } else {
            seg.chars().for_each(|c| lower_char(c, &mut t.forms));
            let fs = t.forms.len() as u32;
            seg.chars().for_each(|c| fold_char(c, &mut t.forms));
            ((ls, fs), (fs, t.forms.len() as u32))
        };
        let (start, end) = (offset + a, offset + b);
        t.toks.push(Tok { start, end, lo, fo, kind, num: 0.0, decimal: false });
    }

    /// Reads a number starting at `chars[i]` (a digit). Returns the end, the kind, the value and
    /// whether it has a decimal part.
    fn reference_number(
        chars: &[(usize, char)],
        i: usize,
        fmt: NumFormat,
        s: &mut String,
    ) -> (usize, Kind, f64, bool) {
        let n = chars.len();
        let ch = |k: usize| if k < n { chars[k].1 } else { '\0' };
        let digit = |k: usize| ch(k).is_ascii_digit();
        let mut j = i;
        s.clear();
        while digit(j) {
            s.push(ch(j));
            j += 1;
        }
        let first_group = j - i;
        let mut grouped = false;
        loop {
            let sep = ch(j);
            let is_space = sep.is_whitespace();
            if fmt.groups.contains(&sep)
                && digit(j + 1)
                && digit(j + 2)
                && digit(j + 3)
                && !digit(j + 4)
                && sep != fmt.decimal
                && first_group <= 3
                && !(is_space && !grouped && first_group == 0)
            {
                // A group separator followed by a letter-glued or decimal digit run is not one.
                if is_space && ch(j + 4).is_alphabetic() {
                    break;
                }
                s.extend([ch(j + 1), ch(j + 2), ch(j + 3)]);
                j += 4;
                grouped = true;
            } else {
                break;
            }
        }
        let mut decimal = false;
        if ch(j) == fmt.decimal && digit(j + 1) {
            s.push('.');
            j += 1;
            while digit(j) {
                s.push(ch(j));
                j += 1;
            }
            decimal = true;
        }
        // Digits glued to letters (5G, B3id) or forming scores, times and dates (3-0, 00:24:59,
        // 2021-11-03) are not quantities.
        let glued = ch(j).is_alphabetic()
            || (matches!(ch(j), '-' | ':' | '/' | '.' | ',') && digit(j + 1))
            || (i > 0 && (chars[i - 1].1.is_alphabetic() || matches!(chars[i - 1].1, ':' | '/')));
        if glued {
            while j < n
                && (chars[j].1.is_alphanumeric()
                    || matches!(chars[j].1, '-' | ':' | '/' | '.' | ','))
            {
                if matches!(chars[j].1, '.' | ',') && !digit(j + 1) {
                    break;
                }
                j += 1;
            }
            return (j, Kind::Other, 0.0, false);
        }
        (j, Kind::Num, s.parse().unwrap_or(0.0), decimal)
    }

    fn toks(s: &str, fmt: NumFormat) -> Vec<(String, Kind, f64)> {
        let mut t = Tokens::default();
        t.tokenize(s, 0, fmt, &Vocab::default());
        (0..t.len()).map(|i| (t.fold(i).to_string(), t.kind(i), t.tok(i).num)).collect()
    }

    #[test]
    fn numbers_with_local_separators() {
        let v = toks("1 400 utilisateurs, 1\u{a0}400, 1.400 et 2,5 %", FR);
        let nums: Vec<f64> = v.iter().filter(|x| x.1 == Kind::Num).map(|x| x.2).collect();
        assert_eq!(nums, [1400.0, 1400.0, 1400.0, 2.5]);
        let v = toks("1,400 users and 2.5 percent, 37, down from 102", EN);
        let nums: Vec<f64> = v.iter().filter(|x| x.1 == Kind::Num).map(|x| x.2).collect();
        assert_eq!(nums, [1400.0, 2.5, 37.0, 102.0]);
        let v = toks("vote 3-0 à 00:24:59 pour B3id en 2019", FR);
        let nums: Vec<f64> = v.iter().filter(|x| x.1 == Kind::Num).map(|x| x.2).collect();
        assert_eq!(nums, [2019.0]);
    }

    #[test]
    fn word_characters_are_letters_and_combining_marks() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let want = c.is_ascii_alphabetic()
                || (!c.is_ascii() && (c.is_alphabetic() || is_combining_mark(c)));
            assert_eq!(is_word_char(c), want, "{c:?}");
        }
    }

    #[test]
    fn ascii_classes_agree_with_the_character_tests() {
        for b in 0..128u8 {
            let c = char::from(b);
            let want = if c.is_whitespace() {
                Class::Space
            } else if c.is_ascii_digit() {
                Class::Digit
            } else if is_word_char(c) {
                Class::Letter
            } else {
                Class::Other
            };
            assert_eq!(BYTE_CLASS[usize::from(b)], want, "{c:?}");
        }
        assert!(BYTE_CLASS[128..].iter().all(|&c| c == Class::NotAscii));
    }

    #[test]
    fn folding_table_agrees_with_the_full_rules() {
        crate::latin::assert_same_forms(fold_char, fold_char_uncached);
        crate::latin::assert_same_forms(lower_char, lower_char_uncached);
        let mut s = String::new();
        fold_into("Œuvre à Zürich, ŁÓDŹ", &mut s);
        assert_eq!(s, "oeuvre a zurich, łodz");
    }

    #[test]
    fn elision_and_folding() {
        let v: Vec<String> = toks("qu’Israël d'un l'Arabie Moody’s aujourd'hui U.S.", FR)
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(
            v,
            ["qu'", "israel", "d'", "un", "l'", "arabie", "moody's", "aujourd'hui", "u.s", "."]
        );
    }

    #[test]
    fn sentence_split_respects_initials() {
        let doc = "a déclaré Gina M. Raimondo. Le département a ajouté. Fin";
        let mut t = Tokens::default();
        t.tokenize(doc, 0, FR, &Vocab::default());
        let mut out = Vec::new();
        sentences(&t, doc, &Default::default(), &mut out);
        let s: Vec<&str> = out.iter().map(|s| &doc[s.bytes.0..s.bytes.1]).collect();
        assert_eq!(s, ["a déclaré Gina M. Raimondo.", "Le département a ajouté.", "Fin"]);
    }

    /// The sentence splitter as it was before it jumped between punctuation tokens: a test of
    /// every token in turn, on string forms.
    fn reference_sentences(
        t: &Tokens,
        doc: &str,
        abbrev: &super::super::lexicon::WordSet,
        out: &mut Vec<Sentence>,
    ) {
        out.clear();
        let n = t.len();
        let mut start = 0;
        let mut i = 0;
        while i < n {
            if i - start >= MAX_SENTENCE_TOKENS {
                let cut = (start + MAX_SENTENCE_TOKENS / 2..i)
                    .rev()
                    .find(|&k| t.kind(k) == Kind::Punct && matches!(t.fold(k), "," | ";" | ":"))
                    .map_or(i, |k| k + 1);
                out.push(Sentence {
                    toks: (start, cut),
                    bytes: (t.tok(start).start, t.tok(cut - 1).end),
                });
                start = cut;
                continue;
            }
            if t.kind(i) == Kind::Punct && matches!(t.fold(i), "." | "!" | "?" | "…") {
                let prev_abbrev = i > 0
                    && t.kind(i - 1) == Kind::Word
                    && t.fold(i) == "."
                    && (abbrev.contains(t.fold(i - 1))
                        || doc[t.tok(i - 1).start..t.tok(i - 1).end].chars().count() == 1);
                let mut j = i + 1;
                while j < n
                    && (matches!(t.fold(j), "." | "!" | "?" | "…")
                        || is_closing(&doc[t.tok(j).start..t.tok(j).end]))
                {
                    j += 1;
                }
                let next_starts = j >= n || {
                    let c = doc[t.tok(j).start..].chars().next().unwrap_or(' ');
                    c.is_uppercase()
                        || c.is_ascii_digit()
                        || matches!(c, '«' | '“' | '"' | '(' | '—' | '–' | '-')
                };
                if !prev_abbrev && next_starts && j < n {
                    out.push(Sentence {
                        toks: (start, j),
                        bytes: (t.tok(start).start, t.tok(j - 1).end),
                    });
                    start = j;
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        if start < n {
            out.push(Sentence { toks: (start, n), bytes: (t.tok(start).start, t.tok(n - 1).end) });
        }
    }

    #[test]
    fn sentence_splitter_agrees_with_the_reference() {
        // End marks, closing marks, abbreviations, one-letter initials, clause marks, capitals
        // and digits that start a sentence, non-ASCII punctuation, and some lines long enough
        // to be cut.
        let pieces = [
            " mot", " Mot", " é", " É", " M", " etc", " Dr", " 12", " «", " »", " \"", " (", " —",
            ".", "!", "?", "…", "...", ",", ";", ":", "»", "”", ")", "’", "'", "]", "-", "·", "！",
            " 日本", " Ω",
        ];
        let abbrev: super::super::lexicon::WordSet =
            ["etc", "dr"].into_iter().map(String::from).collect();
        let mut next = crate::testing::xorshift(0x5e47_e0ce);
        let (mut t, mut line) = (Tokens::default(), String::new());
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        for case in 0..3000 {
            line.clear();
            let words = if case % 50 == 0 { 1500 + next(1500) } else { next(40) };
            for _ in 0..words {
                // Long lines are mostly words, so that some runs exceed the bound.
                let k = if case % 50 == 0 && next(4) > 0 { next(2) } else { next(pieces.len()) };
                line.push_str(pieces[k]);
            }
            t.tokenize(&line, 0, FR, &Vocab::default());
            sentences(&t, &line, &abbrev, &mut fast);
            reference_sentences(&t, &line, &abbrev, &mut slow);
            let spans = |v: &[Sentence]| v.iter().map(|s| (s.toks, s.bytes)).collect::<Vec<_>>();
            assert_eq!(spans(&fast), spans(&slow), "{line:?}");
        }
    }

    #[test]
    fn a_run_without_sentence_end_is_cut_after_a_clause_mark() {
        // 3,000 words in clauses of six words and a comma, then one ordinary sentence.
        let mut doc = "mot ".repeat(5).trim_end().to_string();
        for _ in 0..500 {
            doc.push_str(", mot mot mot mot mot mot");
        }
        doc.push_str(". Une phrase courte.");
        let mut t = Tokens::default();
        t.tokenize(&doc, 0, FR, &Vocab::default());
        let mut out = Vec::new();
        sentences(&t, &doc, &Default::default(), &mut out);
        assert!(out.len() >= 4, "{} sentences", out.len());
        // Contiguous, each within the bound, each cut right after a comma.
        assert_eq!(out[0].toks.0, 0);
        for w in out.windows(2) {
            assert_eq!(w[0].toks.1, w[1].toks.0);
        }
        assert_eq!(out.last().unwrap().toks.1, t.len());
        for s in &out[..out.len() - 2] {
            assert!(s.toks.1 - s.toks.0 <= MAX_SENTENCE_TOKENS);
            assert_eq!(t.fold(s.toks.1 - 1), ",");
        }
        assert_eq!(&doc[out.last().unwrap().bytes.0..], "Une phrase courte.");
    }
}
