use std::cell::{Ref, RefCell};
use std::ops::Deref;

#[derive(Debug)]
pub struct LowercaseText {
    inner: String,
}

impl LowercaseText {
    pub fn new(original_text: &str) -> Self {
        let inner = to_lowercase(original_text);
        Self { inner }
    }
}

/// recoupe patch: `str::to_lowercase`, byte for byte, with runs of ASCII lowercased whole.
/// After a text's first non-ASCII character the standard library converts each character
/// alone, ASCII ones too: on French news that was 76 M of a synth 10 MB run's 8.7 G
/// instructions. A capital sigma's lower case depends on its neighbours, so a text holding
/// one is left to the standard library.
fn to_lowercase(s: &str) -> String {
    if s.contains('Σ') {
        return s.to_lowercase();
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let run = ascii_run(&bytes[i..]);
        if run > 0 {
            let start = out.len();
            out.push_str(&s[i..i + run]);
            out[start..].make_ascii_lowercase();
            i += run;
        }
        if let Some(c) = s[i..].chars().next() {
            out.extend(c.to_lowercase());
            i += c.len_utf8();
        }
    }
    out
}

/// The length of the ASCII run `bytes` starts with, read eight bytes at a time.
fn ascii_run(bytes: &[u8]) -> usize {
    let mut n = 0;
    for chunk in bytes.chunks_exact(8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let high = word & 0x8080_8080_8080_8080;
        if high != 0 {
            return n + (high.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + bytes[n..].iter().take_while(|b| b.is_ascii()).count()
}

impl Deref for LowercaseText {
    type Target = str;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

#[derive(Debug)]
pub struct Text<'a> {
    original: &'a str,
    lowercase: RefCell<Option<LowercaseText>>,
}

impl<'a> Text<'a> {
    pub fn new(original_text: &'a str) -> Self {
        Self {
            original: original_text,
            lowercase: RefCell::new(None),
        }
    }

    pub fn lowercase(&self) -> Ref<'_, LowercaseText> {
        if self.lowercase.borrow().is_none() {
            let lowercase_text = LowercaseText::new(self.original);
            self.lowercase.replace(Some(lowercase_text));
        }

        let ref_opt_lowercase = self.lowercase.borrow();
        Ref::map(ref_opt_lowercase, |r| r.as_ref().unwrap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_is_the_standard_librarys() {
        // Runs of ASCII of every length around the eight-byte reads, letters whose lower case
        // is longer (İ) or several characters, capital sigmas in every position.
        let pieces = [
            "a", "B", "Hello THERE ", "12345678", "ÉTATS", "é", "İ", "ẞ", "Σ", "ΟΔΟΣ", "ς", " ",
            "日本", "\u{301}", "ǅ", "Ω", "XYZXYZXYZ",
        ];
        let mut x: u64 = 0x9e37_79b9;
        for round in 0..20_000 {
            let mut text = String::new();
            for _ in 0..round % 23 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(pieces[(x % pieces.len() as u64) as usize]);
            }
            assert_eq!(to_lowercase(&text), text.to_lowercase(), "{text:?}");
        }
    }

    #[test]
    fn test_text() {
        let text = Text::new("Hello THERE");
        assert_eq!(text.lowercase().deref().deref(), "hello there");
    }
}
