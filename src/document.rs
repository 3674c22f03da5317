//! The units that flow through the pipeline: a raw input record, a decoded document, and the
//! error row recorded for an input that could not be analysed.
//!
//! A `RawDoc` is what ingestion found (bytes plus whatever metadata the container carried); a
//! `Document` is the same record once decoded: its text is NFC, its line ends are `\n`, and every
//! offset written by any later stage refers to this text.

use serde::Serialize;

/// How many lines `text.lines()` gives (no empty line after a final break), counted by
/// `memchr` (see `split_lines`).
pub fn line_count(text: &str) -> usize {
    let breaks = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    if text.is_empty() || text.ends_with('\n') { breaks } else { breaks + 1 }
}

/// The lines of `text`, split at each `\n` exactly as `text.split('\n')` splits it (an empty
/// last line after a final break included). The breaks are found by `memchr`, many bytes at a
/// time: the standard library's search for a `char` took about 250 instructions a line, and
/// several stages walk every line of every document.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut breaks = memchr::memchr_iter(b'\n', text.as_bytes());
    let mut start = Some(0);
    std::iter::from_fn(move || {
        let from = start?;
        match breaks.next() {
            Some(i) => {
                start = Some(i + 1);
                Some(&text[from..i])
            }
            None => {
                start = None;
                Some(&text[from..])
            }
        }
    })
}

/// Metadata that travels with a document, from a JSON record, a manifest, or both.
/// Empty strings mean "unknown"; they stay empty in the reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// The outlet (publication, site) that published the article.
    pub outlet: String,
    /// Publication date as given by the source (not reformatted).
    pub date: String,
    /// Canonical URL of the article.
    pub url: String,
    /// Language declared by the source, if any (the detected one is recorded separately).
    pub lang: String,
    /// Title given by the source, if any, separately from the text.
    pub title: String,
}

impl Meta {
    /// Fills the empty fields of `self` from `other`: record fields win over manifest fields.
    pub fn fill_from(&mut self, other: &Meta) {
        for (mine, theirs) in [
            (&mut self.outlet, &other.outlet),
            (&mut self.date, &other.date),
            (&mut self.url, &other.url),
            (&mut self.lang, &other.lang),
            (&mut self.title, &other.title),
        ] {
            if mine.is_empty() && !theirs.is_empty() {
                mine.clone_from(theirs);
            }
        }
    }
}

/// What a raw document holds, which says how it is turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Bytes of a text file in an unknown encoding: sniff BOM, UTF-8, then legacy encodings.
    Bytes(Vec<u8>),
    /// Text already decoded from a JSON string (JSON is UTF-8 by definition): kept a `String`,
    /// so that it is not validated again (in each of the two passes).
    JsonString(String),
}

impl Payload {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Payload::Bytes(b) => b,
            Payload::JsonString(s) => s.as_bytes(),
        }
    }
}

/// One input document before decoding.
#[derive(Debug, Clone)]
pub struct RawDoc {
    /// Position in corpus order (sorted inputs, then record order): the key of every report.
    pub index: usize,
    /// Document id, as in the reports' `doc` column.
    pub id: String,
    /// The file the document came from, as the user named it (or `-` for standard input).
    pub path: String,
    /// The record's own id field (JSON), empty otherwise.
    pub record_id: String,
    pub meta: Meta,
    pub payload: Payload,
}

/// One decoded document: the input of every analysis stage.
#[derive(Debug, Clone)]
pub struct Document {
    pub index: usize,
    pub id: String,
    pub path: String,
    pub record_id: String,
    pub meta: Meta,
    /// Encoding the bytes were decoded from (`utf-8`, `utf-8-bom`, `utf-16le`, `windows-1252`…).
    pub encoding: String,
    /// Size of the raw input in bytes.
    pub bytes: usize,
    /// The decoded text: NFC, `\n` line ends, invisible format characters removed.
    pub text: String,
}

/// An input that could not be analysed: one row of errors.csv.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorRow {
    /// Document id (or the file's id when the whole file failed).
    pub doc: String,
    /// The file, as the user named it.
    pub path: String,
    /// Pipeline stage that failed: read, parse, limit, decode, analyse.
    pub stage: String,
    /// What went wrong, for a person.
    pub error: String,
    /// Position in corpus order, so errors interleave deterministically with documents.
    #[serde(skip)]
    pub index: usize,
}

impl ErrorRow {
    pub fn new(
        index: usize,
        doc: impl Into<String>,
        path: impl Into<String>,
        stage: &str,
        error: impl Into<String>,
    ) -> Self {
        ErrorRow {
            doc: doc.into(),
            path: path.into(),
            stage: stage.to_string(),
            error: error.into(),
            index,
        }
    }
}

/// What ingestion yields: a document to analyse, or an input that failed before analysis.
#[derive(Debug, Clone)]
pub enum Item {
    Doc(RawDoc),
    Error(ErrorRow),
    /// A JSON-lines record not parsed yet (`Prepared::for_each_unparsed`); `Prepared::parse`
    /// turns it into a document or an error.
    Record(RawRecord),
}

/// One line of a JSON-lines file, as read. Parsing it is per-document work: the workers do it,
/// not the one thread that reads the input (where it was a third of that thread's time and
/// made the first pass wait for the reader).
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub index: usize,
    /// Position of the file among the inputs.
    pub source: usize,
    pub id: String,
    pub line: Vec<u8>,
}

impl Item {
    pub fn index(&self) -> usize {
        match self {
            Item::Doc(d) => d.index,
            Item::Error(e) => e.index,
            Item::Record(r) => r.index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{line_count, split_lines};

    #[test]
    fn lines_split_and_counted_as_the_standard_library_does() {
        let pieces = ["", "\n", "\n\n", "a", "é", "ligne", "\r\n", " ", "x\ny", "日本"];
        let mut next = crate::testing::xorshift(0x11e5);
        let mut text = String::new();
        for _ in 0..5_000 {
            text.clear();
            for _ in 0..next(12) {
                text.push_str(pieces[next(pieces.len())]);
            }
            assert_eq!(line_count(&text), text.lines().count(), "{text:?}");
            let ours: Vec<&str> = split_lines(&text).collect();
            let std: Vec<&str> = text.split('\n').collect();
            assert_eq!(ours, std, "{text:?}");
        }
        // A line longer than memchr's blocks.
        let long = format!("{}\n{}\n", "a".repeat(100), "b".repeat(70));
        assert_eq!(split_lines(&long).collect::<Vec<_>>(), long.split('\n').collect::<Vec<_>>());
    }
}
