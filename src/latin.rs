//! Per-character tables for the Latin blocks. The entities and claims stages fold every letter
//! of every line (lowercase, no diacritics); for the accented letters of Latin-script text a
//! case mapping plus a canonical decomposition costs tens of times a table read. A table is
//! computed once from the stage's own folding rule, which stays the one source of truth.

use std::ops::Range;

/// Latin-1 Supplement, Latin Extended-A and Latin Extended-B.
const RANGE: Range<u32> = 0x80..0x250;

/// What a rule makes of each character of [`RANGE`].
#[derive(Debug)]
pub struct LatinTable(Vec<Box<str>>);

impl LatinTable {
    /// Applies `rule` (which appends a character's form to a string) to every character of the
    /// Latin blocks.
    pub fn new(rule: impl Fn(char, &mut String)) -> Self {
        LatinTable(
            RANGE
                .filter_map(char::from_u32)
                .map(|c| {
                    let mut s = String::new();
                    rule(c, &mut s);
                    s.into_boxed_str()
                })
                .collect(),
        )
    }

    /// Appends the form of `c` to `out`: read from the table in the Latin blocks, given by
    /// `rule` (the table's source) elsewhere.
    #[inline]
    pub fn push(&self, c: char, out: &mut String, rule: impl Fn(char, &mut String)) {
        match self.get(c) {
            Some(form) => out.push_str(form),
            None => rule(c, out),
        }
    }

    /// The form of `c`, if it is in the Latin blocks.
    #[inline]
    pub fn get(&self, c: char) -> Option<&str> {
        let i = (c as u32).checked_sub(RANGE.start)?;
        self.0.get(i as usize).map(|s| &**s)
    }
}

/// `char::is_alphabetic`, answered without Unicode's tables for ASCII, the Latin blocks and
/// General Punctuation (the letters, quotes and dashes of European text), which the standard
/// library looks up by a search of its tables.
#[inline]
pub fn is_alphabetic(c: char) -> bool {
    match c {
        '\0'..='\x7f' => c.is_ascii_alphabetic(),
        '\u{80}'..='\u{bf}' => matches!(c, 'ª' | 'µ' | 'º'),
        '\u{c0}'..='\u{24f}' => !matches!(c, '×' | '÷'),
        '\u{2000}'..='\u{206f}' => false,
        _ => c.is_alphabetic(),
    }
}

/// `char::is_numeric`, answered likewise.
#[inline]
pub fn is_numeric(c: char) -> bool {
    match c {
        '\0'..='\x7f' => c.is_ascii_digit(),
        '\u{80}'..='\u{bf}' => matches!(c, '²' | '³' | '¹' | '¼' | '½' | '¾'),
        '\u{c0}'..='\u{24f}' | '\u{2000}'..='\u{206f}' => false,
        _ => c.is_numeric(),
    }
}

/// `char::is_alphanumeric`, answered likewise.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    is_alphabetic(c) || is_numeric(c)
}

/// `char::is_uppercase`, answered without Unicode's tables for ASCII, Latin-1 and General
/// Punctuation.
#[inline]
pub fn is_uppercase(c: char) -> bool {
    match c {
        '\0'..='\x7f' => c.is_ascii_uppercase(),
        '\u{80}'..='\u{bf}' | '\u{2000}'..='\u{206f}' => false,
        '\u{c0}'..='\u{de}' => c != '×',
        '\u{df}'..='\u{ff}' => false,
        _ => c.is_uppercase(),
    }
}

/// `char::is_lowercase`, answered likewise.
#[inline]
pub fn is_lowercase(c: char) -> bool {
    match c {
        '\0'..='\x7f' => c.is_ascii_lowercase(),
        '\u{80}'..='\u{bf}' => matches!(c, 'ª' | 'µ' | 'º'),
        '\u{2000}'..='\u{206f}' | '\u{c0}'..='\u{de}' => false,
        '\u{df}'..='\u{ff}' => c != '÷',
        _ => c.is_lowercase(),
    }
}

/// Test helper: panics unless `fast` (a rule reading a table) and `full` (the rule itself) give
/// the same form to every character below U+3000.
#[cfg(test)]
pub fn assert_same_forms(fast: impl Fn(char, &mut String), full: impl Fn(char, &mut String)) {
    for c in (0u32..0x3000).filter_map(char::from_u32) {
        let (mut a, mut b) = (String::new(), String::new());
        fast(c, &mut a);
        full(c, &mut b);
        assert_eq!(a, b, "{c:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_classes_agree_with_the_standard_library() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_numeric(c), c.is_numeric(), "{c:?}");
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
            assert_eq!(is_uppercase(c), c.is_uppercase(), "{c:?}");
            assert_eq!(is_lowercase(c), c.is_lowercase(), "{c:?}");
        }
    }

    #[test]
    fn covers_the_latin_blocks_only() {
        let t = LatinTable::new(|c, out| out.extend(c.to_uppercase()));
        assert_eq!(t.get('é'), Some("É"));
        assert_eq!(t.get('ß'), Some("SS"));
        assert_eq!(t.get('ɏ'), Some("Ɏ"));
        assert_eq!(t.get('a'), None);
        assert_eq!(t.get('ɐ'), None);
        assert_eq!(t.get('д'), None);
    }
}
