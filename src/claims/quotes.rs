//! Quotes: spans inside « », “ ”, „ “, ‹ › and straight double quotes, nested ones kept inside
//! their outer quote, an unclosed quote closed at the end of its paragraph (line). The speaker
//! comes from the speech verbs of the language around the quote: « », a déclaré X », « X a
//! déclaré : « … », « selon X », "…," X said, "…," said X.

use super::lexicon::Lex;
use super::sentence::{SentView, first_token};
use super::text::Kind;

/// Quotes shorter than this many words are scare quotes or titles, not statements.
const MIN_WORDS: usize = 4;

/// One quote of a line.
#[derive(Debug, Clone)]
pub struct Quote {
    /// Byte span of the inner text in the document (marks excluded).
    pub start: usize,
    pub end: usize,
    /// Byte span including the marks.
    pub outer: (usize, usize),
    pub text: String,
    pub speaker: String,
}

fn closing_for(c: char) -> Option<char> {
    match c {
        '«' => Some('»'),
        '“' => Some('”'),
        '„' => Some('“'),
        '‹' => Some('›'),
        '"' => Some('"'),
        _ => None,
    }
}

/// Finds the top-level quote spans of `line` (starting at byte `offset` of the document).
pub fn spans(line: &str, offset: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut out = Vec::new();
    let mut stack: Vec<(char, usize)> = Vec::new();
    // Every quotation mark is '"' or starts with byte C2 (« ») or E2 (“ ” „ ‹ ›): the other
    // characters are skipped by memchr, not decoded one by one.
    let bytes = line.as_bytes();
    let mut at = 0;
    while let Some(k) = memchr::memchr3(b'"', 0xC2, 0xE2, &bytes[at..]) {
        let i = at + k;
        let c = line[i..].chars().next().expect("a character starts at a lead byte");
        at = i + c.len_utf8();
        if let Some(&(open, start)) = stack.last()
            && closing_for(open) == Some(c)
        {
            stack.pop();
            if stack.is_empty() {
                out.push((
                    offset + start,
                    offset + start + open.len_utf8(),
                    offset + i,
                    offset + i + c.len_utf8(),
                ));
            }
            continue;
        }
        if closing_for(c).is_some() {
            stack.push((c, i));
        }
    }
    // Unclosed: the outermost one runs to the end of the paragraph.
    if let Some(&(open, start)) = stack.first() {
        out.push((
            offset + start,
            offset + start + open.len_utf8(),
            offset + line.len(),
            offset + line.len(),
        ));
    }
    out
}

/// Normalizes a quote's text: trimmed, inner whitespace collapsed.
pub fn normalize(s: &str) -> String {
    let s = s.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
    // The words of `s.split_whitespace()` joined by one space, written straight into the
    // result; whitespace is found byte by byte, a character decoded only at the lead bytes that
    // Unicode's other spaces start with (quotes are long: decoding every character to test it
    // was most of the stage's cost for them).
    let mut out = String::with_capacity(s.len());
    let mut word = 0;
    let mut i = 0;
    while let Some(&b) = s.as_bytes().get(i) {
        // One look-up per byte: the tests of a `match` cost twice the loop.
        let space = if !SPACE_START[usize::from(b)] {
            0
        } else if b.is_ascii() {
            1
        } else {
            let c = s[i..].chars().next().expect("a character starts at a lead byte");
            if c.is_whitespace() { c.len_utf8() } else { 0 }
        };
        if space == 0 {
            i += 1;
            continue;
        }
        push_word(&mut out, &s[word..i]);
        i += space;
        word = i;
    }
    push_word(&mut out, &s[word..]);
    out
}

/// The bytes that may start a whitespace character: the ASCII spaces, and the lead bytes of
/// Unicode's others (U+0085, U+00A0; U+1680; U+2000–U+205F; U+3000).
const SPACE_START: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = matches!(b as u8, b'\t'..=b'\r' | b' ' | 0xC2 | 0xE1 | 0xE2 | 0xE3);
        b += 1;
    }
    t
};

/// Appends a word to a normalized text, after a space unless it is the first.
fn push_word(out: &mut String, w: &str) {
    if w.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(w);
}

/// The quotes of the line at bytes `line` of `doc`, their speakers not yet known: most lines
/// have none, and only for those that do is the line viewed (see [`attribute`]).
pub fn find(doc: &str, line: (usize, usize), out: &mut Vec<Quote>) {
    out.clear();
    let (ls, le) = line;
    for (o_start, i_start, i_end, o_end) in spans(&doc[ls..le], ls) {
        let text = normalize(&doc[i_start..i_end]);
        // Normalized, the words are split by single spaces; counting stops at the minimum.
        let mut words = text.split(' ').filter(|w| w.chars().any(char::is_alphanumeric));
        if words.nth(MIN_WORDS - 1).is_none() {
            continue;
        }
        out.push(Quote {
            start: i_start,
            end: i_end,
            outer: (o_start, o_end),
            text,
            speaker: String::new(),
        });
    }
}

/// Fills in the speakers of the quotes [`find`] found in the line viewed by `lv`.
pub fn attribute(doc: &str, lv: &SentView, lex: &Lex, quotes: &mut [Quote]) {
    for q in quotes {
        q.speaker = speaker(doc, lv, lex, q.outer);
    }
}

/// Entity types that can speak.
fn can_speak(etype: &str) -> bool {
    !matches!(etype, "place" | "product")
}

/// The speaker of the quote at bytes `outer`, from the speech verbs around it.
fn speaker(doc: &str, lv: &SentView, lex: &Lex, outer: (usize, usize)) -> String {
    let t = lv.t;
    let (s, e) = lv.range();
    // The mentions that can speak, starting at tokens `lo..hi` (looked up, not scanned: a
    // line of a megabyte has thousands of quotes and mentions).
    let speakers = |lo: usize, hi: usize| {
        lv.ments_in(lo, hi).iter().filter(|m| !m.demonym && can_speak(m.etype))
    };
    let after = first_token(t, s, e, |k| k.start >= outer.1);
    let before_end = first_token(t, s, e, |k| k.end > outer.0);
    let opens = |i: usize| t.kind(i) == Kind::Punct && matches!(t.fold(i), "«" | "“" | "\"");
    let ends_clause =
        |i: usize| t.kind(i) == Kind::Punct && matches!(t.fold(i), "." | "!" | "?") || opens(i);
    // After the quote: « », a déclaré X », « », X a déclaré », "…," X said.
    let mut i = after;
    while i < e && t.kind(i) == Kind::Punct && !ends_clause(i) {
        i += 1;
    }
    let stop = (i..e).find(|&j| ends_clause(j)).unwrap_or(e).min(i + 25);
    if let Some(h) = lex.speech.at(t, i) {
        if let Some(m) = speakers(h.end, stop).next() {
            return m.entity.to_string();
        }
        return name_after(doc, lv, h.end, stop);
    }
    if let Some(m) = speakers(i, i + 1).next()
        && (m.b..(m.b + 2).min(stop)).any(|j| lex.speech.at(t, j).is_some())
    {
        return m.entity.to_string();
    }
    // Before the quote: « X a déclaré : « … » », « selon X, « … » ».
    let from = (s..before_end).rev().find(|&j| ends_clause(j)).map_or(s, |j| j + 1);
    let mut verb = None;
    for j in from..before_end {
        if let Some(h) = lex.speech.at(t, j) {
            verb = Some(h);
        }
    }
    if let Some(h) = verb {
        let subject = speakers(from, h.start).rev().find(|m| m.b <= h.start && h.start - m.b <= 3);
        let named = speakers(h.end, h.end + 4).find(|m| m.b <= before_end);
        if let Some(m) = subject.or(named) {
            return m.entity.to_string();
        }
    }
    String::new()
}

/// A capitalized name written after a speech verb when no entity was found there.
fn name_after(doc: &str, lv: &SentView, from: usize, stop: usize) -> String {
    let t = lv.t;
    let mut words: Vec<&str> = Vec::new();
    for i in from..stop {
        let w = &doc[t.tok(i).start..t.tok(i).end];
        let cap = w.chars().next().is_some_and(char::is_uppercase);
        if t.kind(i) == Kind::Word && cap {
            words.push(w);
        } else if !words.is_empty() || t.kind(i) == Kind::Punct {
            break;
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_collapses_as_split_whitespace() {
        let reference = |s: &str| {
            let s = s.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        // Every Unicode space, and non-spaces sharing their lead bytes (« — “ ’ ‰ 　).
        let spaces = [
            "\t", "\n", "\u{b}", "\u{c}", "\r", " ", "\u{85}", "\u{a0}", "\u{1680}", "\u{2000}",
            "\u{2007}", "\u{200a}", "\u{2028}", "\u{2029}", "\u{202f}", "\u{205f}", "\u{3000}",
        ];
        let words =
            ["«", "»", "l’État", "—", "“oui”", "a", "‰", "\u{200b}", "\u{3001}", "x,", ":", "é"];
        let mut state = 7u64;
        let mut next = |n: usize| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 33) as usize % n
        };
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..next(9) {
                if next(2) == 0 {
                    s.push_str(words[next(words.len())]);
                } else {
                    s.push_str(spaces[next(spaces.len())]);
                }
            }
            assert_eq!(normalize(&s), reference(&s), "{s:?}");
        }
        assert_eq!(normalize("  « Il a dit\u{a0}:  oui »,\n"), "« Il a dit : oui »");
    }
}
