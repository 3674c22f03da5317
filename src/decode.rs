//! Decoding: raw bytes to the canonical text every later stage works on.
//!
//! Promise: the text is valid UTF-8 in Unicode NFC, line ends are `\n` (CRLF and lone CR are
//! converted), invisible format characters that break names apart (zero-width spaces and joiners,
//! bidi controls, soft hyphens, stray BOMs) are removed, and other C0 controls become spaces. All
//! report offsets refer to this text. The source encoding is detected (BOM, then strict UTF-8,
//! then mostly-UTF-8 with a few bad sequences, then a legacy encoding guessed by chardetng) and
//! recorded. Binary and empty inputs are refused with a reason a person understands.

use crate::document::{Document, Payload, RawDoc};
use crate::special::Special;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Limits applied while decoding; see `Config`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest line accepted, in bytes of decoded text.
    pub max_line_bytes: usize,
}

/// Why a document could not be decoded: the errors.csv stage (`decode`, or `limit` when a
/// configured limit was hit) and a message for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub stage: &'static str,
    pub message: String,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Decodes a raw document, or says why it cannot be analysed.
pub fn decode(raw: RawDoc, limits: Limits) -> Result<Document, String> {
    decode_doc(raw, limits).map_err(|e| e.message)
}

/// Decodes a raw document, or says why it cannot be analysed and at which stage.
pub fn decode_doc(raw: RawDoc, limits: Limits) -> Result<Document, DecodeError> {
    let fail = |message: String| DecodeError { stage: "decode", message };
    let bytes_len = raw.payload.as_bytes().len();
    let (text, encoding) = match raw.payload {
        Payload::JsonString(text) => (text, "utf-8".to_string()),
        Payload::Bytes(bytes) => decode_owned(bytes).map_err(fail)?,
    };
    let text = if needs_canonicalizing(&text) { canonicalize(&text) } else { text };
    if text.trim().is_empty() {
        return Err(fail(if bytes_len == 0 {
            "empty input: no text to analyse".to_string()
        } else {
            "no text: the input holds only whitespace or invisible characters".to_string()
        }));
    }
    if let Some((n, len)) = longest_line(&text).filter(|&(_, len)| len > limits.max_line_bytes) {
        return Err(DecodeError {
            stage: "limit",
            message: format!(
                "line {n} is {len} bytes long, over --max-line-bytes {}; raise the limit to \
                 analyse it",
                limits.max_line_bytes
            ),
        });
    }
    Ok(Document {
        index: raw.index,
        id: raw.id,
        path: raw.path,
        record_id: raw.record_id,
        meta: raw.meta,
        encoding,
        bytes: bytes_len,
        text,
    })
}

/// `decode_bytes` on owned bytes: valid UTF-8 without a BOM (the common case) becomes the
/// text without a copy.
fn decode_owned(bytes: Vec<u8>) -> Result<(String, String), String> {
    if encoding_rs::Encoding::for_bom(&bytes).is_none() && looks_binary(&bytes).is_none() {
        match String::from_utf8(bytes) {
            Ok(s) => return Ok((s, "utf-8".to_string())),
            Err(e) => return decode_bytes(e.as_bytes()),
        }
    }
    decode_bytes(&bytes)
}

/// Whether `canonicalize` would change `text`: a CR, a control character, an invisible format
/// character, or text not in NFC. A byte scan, so that text already canonical (most of it) is
/// used as it is, without a copy.
fn needs_canonicalizing(text: &str) -> bool {
    let b = text.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    // Every byte that can start a hit is one of `HIT_STARTS`: the text between two of them
    // (letters, digits, spaces, accented letters) is passed over sixteen bytes at a time.
    while let Some(k) = HIT_STARTS.position(&b[i..]) {
        i += k;
        let hit = match b[i] {
            b'\n' | b'\t' => false,
            0..=0x1f | 0x7f => true,
            // U+0080–U+009F (C1 controls), U+00AD (soft hyphen)
            0xc2 => matches!(at(i + 1), 0x80..=0x9f | 0xad),
            // U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069
            0xe2 => match at(i + 1) {
                0x80 => matches!(at(i + 2), 0x8b..=0x8f | 0xaa..=0xae),
                0x81 => matches!(at(i + 2), 0xa0..=0xa4 | 0xa6..=0xa9),
                _ => false,
            },
            // U+FEFF
            0xef => at(i + 1) == 0xbb && at(i + 2) == 0xbf,
            _ => false,
        };
        if hit {
            return true;
        }
        i += 1;
    }
    !is_nfc(text)
}

/// The bytes that can start what `needs_canonicalizing` looks for: controls (line feeds and
/// tabs among them), DEL, and the lead bytes of U+0080–U+00BF, U+2000–U+2FFF and U+F000–U+FFFF.
const HIT_STARTS: Special<4> = Special { below: 0x20, these: [0x7f, 0xc2, 0xe2, 0xef], from: None };

/// The lead bytes of code points from U+0300 on, the only bytes from 0xCC up.
const MARK_LEADS: Special<0> = Special { below: 0, these: [], from: Some(0xcc) };

/// Whether `text` is in NFC by the quick check (a "maybe" counts as no: normalizing text
/// already in NFC leaves it as it is).
///
/// Every code point below U+0300 is NFC_Quick_Check=Yes with combining class 0 (a test checks
/// it): to the check, a run of them is the same as one space, which resets the ordering of
/// marks. The check therefore reads the code points from U+0300 on, whose UTF-8 lead bytes are
/// the only bytes from 0xCC up, and one space for each run of others between them, found
/// sixteen bytes at a time: most text is read as bytes, not decoded into characters.
fn is_nfc(text: &str) -> bool {
    is_nfc_quick(MarksAndAbove { text, i: 0, skipped: false }) == IsNormalized::Yes
}

/// The characters of `text` from U+0300 on, in order, with a space for each run of others
/// before one of them.
struct MarksAndAbove<'a> {
    text: &'a str,
    i: usize,
    /// Characters below U+0300 were passed over since the last one given.
    skipped: bool,
}

impl Iterator for MarksAndAbove<'_> {
    type Item = char;

    #[inline]
    fn next(&mut self) -> Option<char> {
        let b = self.text.as_bytes();
        match MARK_LEADS.position(b.get(self.i..)?) {
            Some(0) => {}
            Some(k) => {
                self.i += k;
                self.skipped = true;
            }
            None => {
                self.i = b.len();
                return None;
            }
        }
        if std::mem::take(&mut self.skipped) {
            return Some(' ');
        }
        let c = self.text[self.i..].chars().next().expect("a character starts here");
        self.i += c.len_utf8();
        Some(c)
    }
}

/// Detects the encoding of `bytes` and decodes them. Returns the text and the encoding's name.
pub fn decode_bytes(bytes: &[u8]) -> Result<(String, String), String> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        let (text, had_errors) = enc.decode_without_bom_handling(body);
        let mut name = enc.name().to_ascii_lowercase();
        if enc == encoding_rs::UTF_8 {
            name = "utf-8-bom".to_string();
        }
        if had_errors {
            name.push_str(" (invalid sequences replaced)");
        }
        return Ok((text.into_owned(), name));
    }
    if let Some(pos) = looks_binary(bytes) {
        return Err(format!(
            "binary content (NUL or control bytes, first at byte {pos}): not a text file"
        ));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "utf-8".to_string()));
    }
    // Mostly UTF-8 with a few broken sequences (a truncated copy, one bad byte): a legacy
    // decoding would turn every accented letter into mojibake, so keep UTF-8 and say so.
    let (mut valid_multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid_multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    if valid_multibyte > 0 && invalid <= valid_multibyte {
        let text = String::from_utf8_lossy(bytes).into_owned();
        return Ok((text, format!("utf-8 ({invalid} invalid sequences replaced)")));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let mut enc = detector.guess(None, chardetng::Utf8Detection::Deny);
    if enc == encoding_rs::WINDOWS_1252 && looks_latin9(bytes) {
        enc = encoding_rs::ISO_8859_15;
    }
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    let mut name = enc.name().to_ascii_lowercase();
    if had_errors {
        name.push_str(" (unmappable bytes replaced)");
    }
    Ok((text.into_owned(), name))
}

/// True when bytes guessed as Windows-1252 are better read as ISO-8859-15 (Latin-9): they use
/// none of the 0x80–0x9F range where Windows-1252 keeps its typographic quotes, `€` and `œ`
/// (C1 controls in Latin-9), and they hold a byte that Latin-9 reads as `€`, `œ` or `Œ` where
/// Windows-1252 would give a currency sign or a fraction between two letters, which no
/// French text has.
fn looks_latin9(bytes: &[u8]) -> bool {
    if bytes.iter().any(|b| (0x80..=0x9f).contains(b)) {
        return false;
    }
    let letter = |b: u8| b.is_ascii_alphabetic() || b >= 0xc0;
    bytes.iter().enumerate().any(|(i, &b)| match b {
        0xa4 => true,
        0xbc | 0xbd => {
            (i == 0 || letter(bytes[i - 1])) && bytes.get(i + 1).is_some_and(|&n| letter(n))
        }
        _ => false,
    })
}

/// Position of the first byte that marks `bytes` as binary rather than text: a NUL, or a high
/// share of C0 control bytes in the first 8 KiB.
fn looks_binary(bytes: &[u8]) -> Option<usize> {
    let head = &bytes[..bytes.len().min(8192)];
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Some(pos);
    }
    let is_ctrl = |b: &u8| *b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c);
    let controls = head.iter().filter(|b| is_ctrl(b)).count();
    if controls * 10 > head.len().max(1) {
        return head.iter().position(is_ctrl);
    }
    None
}

/// True for characters that are invisible in rendered text and only split words apart:
/// zero-width space/joiners, word joiner, BOM, soft hyphen, bidi marks and controls.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Line ends to `\n`, invisible format characters removed, controls to spaces, then NFC.
pub fn canonicalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if is_invisible_format(c) => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    if is_nfc(&out) { out } else { out.nfc().collect() }
}

/// The 1-based number and byte length of the longest line.
fn longest_line(text: &str) -> Option<(usize, usize)> {
    crate::document::split_lines(text)
        .enumerate()
        .map(|(i, l)| (i + 1, l.len()))
        .max_by_key(|&(i, len)| (len, std::cmp::Reverse(i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_french() {
        let bytes = b"Le minist\xe8re isra\xe9lien de la D\xe9fense a r\xe9duit la liste.";
        let (text, enc) = decode_bytes(bytes).unwrap();
        assert_eq!(text, "Le ministère israélien de la Défense a réduit la liste.");
        assert_eq!(enc, "windows-1252");
    }

    #[test]
    fn latin9_french() {
        let text = "Le ministère israélien de la Défense a réduit la liste des pays autorisés. \
                    Au cœur du dossier, un contrat de 5 millions d'€ signé l'été dernier, \
                    selon l'Œuvre d'Orient et le quotidien économique.";
        let (bytes, _, bad) = encoding_rs::ISO_8859_15.encode(text);
        assert!(!bad);
        let (decoded, enc) = decode_bytes(&bytes).unwrap();
        assert_eq!((decoded.as_str(), enc.as_str()), (text, "iso-8859-15"));
        // The same letters in Windows-1252 stay Windows-1252.
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        assert_eq!(decode_bytes(&bytes).unwrap(), (text.to_string(), "windows-1252".to_string()));
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Israël".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (text, enc) = decode_bytes(&bytes).unwrap();
        assert_eq!((text.as_str(), enc.as_str()), ("Israël", "utf-16le"));
    }

    #[test]
    fn canonical_text() {
        let s = canonicalize("Isra\u{65}\u{308}l\r\nNS\u{200B}O\rfin\u{7}");
        assert_eq!(s, "Israël\nNSO\nfin ");
    }

    #[test]
    fn canonical_text_is_recognised() {
        for s in [
            "Israël\nNSO Group\tà 37 %",
            "\u{2065}\u{2070}\u{20AC}\u{00A0}\u{00AE}\u{FEFE}\u{FFBF}日本",
            "",
        ] {
            assert!(!needs_canonicalizing(s), "{s:?}");
            assert_eq!(canonicalize(s), s);
        }
        for s in [
            "a\rb",
            "a\u{7}",
            "a\u{7f}",
            "a\u{85}",
            "soft\u{AD}hyphen",
            "\u{200B}",
            "\u{200F}",
            "\u{202A}",
            "\u{202E}",
            "\u{2060}",
            "\u{2064}",
            "\u{2066}",
            "\u{2069}",
            "\u{FEFF}x",
            "Isra\u{65}\u{308}l",
        ] {
            assert!(needs_canonicalizing(s), "{s:?}");
            assert_ne!(canonicalize(s), s);
            // At every offset in and across the words the scan skips whole.
            for pad in 0..17 {
                let long =
                    format!("{}{s}{}", "x ~".repeat(pad).get(..pad).unwrap(), "y".repeat(pad));
                assert!(needs_canonicalizing(&long), "{long:?}");
            }
        }
        let clean = "Le ministère israélien ~ a réduit la liste de 102 à 37 pays.\n".repeat(3);
        for cut in 0..clean.len() {
            if let Some(s) = clean.get(cut..) {
                assert!(!needs_canonicalizing(s), "{s:?}");
            }
        }
    }

    #[test]
    fn code_points_below_combining_marks_cannot_change_the_nfc_check() {
        use unicode_normalization::char::canonical_combining_class;
        for c in ('\0'..'\u{300}').filter(|c| !c.is_ascii()) {
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
        }
        // U+0300 itself is a mark: the boundary is where the marks start.
        assert_ne!(canonical_combining_class('\u{300}'), 0);
    }

    #[test]
    fn nfc_check_reading_marks_only_agrees_with_the_full_check() {
        // Starters, marks of several classes (in and out of order), composable pairs, a
        // character never in NFC (U+0340), Hangul jamo, CJK compatibility, below and above
        // U+0300, with ASCII runs long and short so that the sixteen-byte blocks start anywhere.
        let pieces = [
            "a", "e", "\u{301}", "\u{316}", "\u{327}", "\u{308}", "\u{340}", "é", "ß", "ʼ",
            "\u{1100}", "\u{1161}", "\u{F900}", "日", "’", "« ", "Israël ", "abcdefgh", " ",
            "\u{5B0}", "\u{93C}", "𝄞",
        ];
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let s: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            let want = is_nfc_quick(s.chars()) == IsNormalized::Yes;
            assert_eq!(is_nfc(&s), want, "{s:?}");
        }
    }

    #[test]
    fn binary_refused() {
        assert!(decode_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").is_err());
    }

    #[test]
    fn mostly_utf8_stays_utf8() {
        let (text, enc) = decode_bytes(
            "Israël a réduit \u{e9}"
                .as_bytes()
                .iter()
                .copied()
                .chain([0xff])
                .collect::<Vec<_>>()
                .as_slice(),
        )
        .unwrap();
        assert!(text.starts_with("Israël a réduit é"));
        assert!(enc.starts_with("utf-8 (1 invalid"));
    }
}
