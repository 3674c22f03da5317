//! Quote groups: the same quote carried by several sources, found through an inverted index of
//! word 3-shingles (no pairwise comparison of all quotes), and the word-level differences of
//! each member against the group's first one (`similar`).

use super::Member;
use super::model::{DiffSpan, DocId, QuoteGroup, QuoteMember};
use crate::claims::{Kind, fnv, mix};
use crate::hash::SeededMap;
use std::collections::{BTreeSet, HashSet};

/// Shared shingles (absolute and relative to the smaller quote) making two quotes one.
const MIN_SHARED: usize = 3;
const MIN_OVERLAP: f64 = 0.5;
const POSTING_CAP: usize = 32;
/// The end of a shingle's postings.
const NO_POSTING: u32 = u32::MAX;

/// The distinct word 3-shingles of a quote, hashed, in ascending order. Each word is hashed
/// once, lowercased as it is read (FNV-1a over the bytes of its lowercase form, then mixed), and
/// the shingles combine three word hashes, in order. Mixing every byte of every shingle took
/// about a quarter of quote grouping's time; copying the lowercased words into a buffer first
/// took a tenth. Words are the runs of alphanumeric characters, read in one pass over the
/// bytes: ASCII (most of a quote) a byte at a time through `ASCII_WORD`, only other characters
/// decoded (splitting the text into words decoded every character, and was most of the
/// grouping's own instructions).
fn shingles(text: &str) -> Vec<u64> {
    let mut word_hashes: Vec<u64> = Vec::with_capacity(text.len() / 4 + 1);
    let mut utf8 = [0u8; 4];
    let bytes = text.as_bytes();
    let mut h = Fnv::default();
    let mut in_word = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let (alphanumeric, len) = if b.is_ascii() {
            let lower = ASCII_WORD[usize::from(b)];
            if lower != 0 {
                h.byte(lower);
            }
            (lower != 0, 1)
        } else {
            // The Unicode tables only for what ASCII's rule does not cover.
            let Some(c) = text[i..].chars().next() else { break };
            let alphanumeric = c.is_alphanumeric();
            if alphanumeric {
                for l in c.to_lowercase() {
                    l.encode_utf8(&mut utf8).bytes().for_each(|b| h.byte(b));
                }
            }
            (alphanumeric, c.len_utf8())
        };
        if alphanumeric {
            in_word = true;
        } else if std::mem::take(&mut in_word) {
            word_hashes.push(mix(std::mem::take(&mut h).0));
        }
        i += len;
    }
    if in_word {
        word_hashes.push(mix(h.0));
    }
    let mut out: Vec<u64> =
        word_hashes.windows(3).map(|w| mix(mix(w[0] ^ mix(w[1])) ^ w[2])).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Per ASCII byte: its lowercase if it is alphanumeric (part of a word), else 0.
const ASCII_WORD: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        if (b as u8).is_ascii_alphanumeric() {
            t[b] = (b as u8).to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// FNV-1a fed byte by byte: [`fnv`] of the bytes fed.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(fnv(""))
    }
}

impl Fnv {
    #[inline]
    fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
}

/// Word diff of `new` against `old`: runs of equal, deleted and inserted text.
pub fn diff(old: &str, new: &str) -> Vec<DiffSpan> {
    if old == new {
        // Most members of a group quote it word for word (syndicated copies): one equal run,
        // what the word diff gives, without tokenizing both texts.
        if old.is_empty() {
            return Vec::new();
        }
        return vec![DiffSpan { op: "equal".to_string(), text: old.to_string() }];
    }
    word_diff(old, new)
}

fn word_diff(old: &str, new: &str) -> Vec<DiffSpan> {
    let d = similar::TextDiff::from_words(old, new);
    let mut out: Vec<DiffSpan> = Vec::new();
    for ch in d.iter_all_changes() {
        let op = match ch.tag() {
            similar::ChangeTag::Equal => "equal",
            similar::ChangeTag::Delete => "delete",
            similar::ChangeTag::Insert => "insert",
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(ch.value()),
            _ => out.push(DiffSpan { op: op.to_string(), text: ch.value().to_string() }),
        }
    }
    out
}

/// The diff as one line, `[-old words-]{+new words+}` inside the shared text, into `s`
/// (replacing what it held: quotes.csv writes one per quote).
pub fn diff_line_into(s: &mut String, spans: &[DiffSpan]) {
    s.clear();
    for d in spans {
        match d.op.as_str() {
            "delete" => {
                s.push_str("[-");
                s.push_str(d.text.trim());
                s.push_str("-]");
            }
            "insert" => {
                s.push_str("{+");
                s.push_str(d.text.trim());
                s.push_str("+}");
            }
            _ => s.push_str(&d.text),
        }
    }
}

/// Groups the quotes of one story's documents. `next_id` numbers groups across the corpus.
pub fn group(docs: &[&Member], copy_of: &[Option<DocId>], next_id: &mut usize) -> Vec<QuoteGroup> {
    struct G {
        first: Vec<u64>,
        members: Vec<QuoteMember>,
    }
    let mut groups: Vec<G> = Vec::new();
    // shingle → (its last posting, its number of postings); the postings of every shingle in
    // one vector, (group, the shingle's previous posting). Most shingles have one posting, and
    // a vector each was a story's most frequent allocation.
    let mut index: SeededMap<u64, (u32, u32)> = SeededMap::default();
    let mut postings: Vec<(usize, u32)> = Vec::new();
    // Emptied for each quote, not made anew: most stories have a few quotes, some thousands.
    let mut shared: SeededMap<usize, usize> = SeededMap::default();
    for (d, doc) in docs.iter().enumerate() {
        for c in doc.claims.iter().filter(|c| c.kind == Kind::Quote) {
            let sh = shingles(c.value);
            shared.clear();
            for h in &sh {
                let mut at = index.get(h).map_or(NO_POSTING, |e| e.0);
                while let Some(&(g, previous)) = postings.get(at as usize) {
                    *shared.entry(g).or_default() += 1;
                    at = previous;
                }
            }
            let best = shared
                .iter()
                .filter(|(g, n)| {
                    let small = sh.len().min(groups[**g].first.len()).max(1);
                    **n >= MIN_SHARED && **n as f64 / small as f64 >= MIN_OVERLAP
                })
                .max_by_key(|(g, n)| (**n, std::cmp::Reverse(**g)))
                .map(|(g, _)| *g);
            let member = QuoteMember {
                doc: doc.id.clone(),
                line: c.line,
                speaker: c.speaker.to_string(),
                text: c.value.to_string(),
                byte_start: c.span.0,
                byte_end: c.span.1,
                diff: Vec::new(),
                copy_of: copy_of[d].clone(),
            };
            match best {
                Some(g) => {
                    let m =
                        QuoteMember { diff: diff(&groups[g].members[0].text, c.value), ..member };
                    groups[g].members.push(m);
                }
                None => {
                    let g = groups.len();
                    for h in &sh {
                        // A shingle shared by many quotes ("de la liste") says little: its
                        // posting list is capped so grouping stays linear.
                        let (last, n) = index.entry(*h).or_insert((NO_POSTING, 0));
                        if (*n as usize) < POSTING_CAP {
                            postings.push((g, *last));
                            *last = u32::try_from(postings.len() - 1).unwrap_or(NO_POSTING);
                            *n += 1;
                        }
                    }
                    groups.push(G { first: sh, members: vec![member] });
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|g| {
            *next_id += 1;
            let members: HashSet<&str> = g.members.iter().map(|m| &*m.doc).collect();
            let docs: BTreeSet<&str> = g
                .members
                .iter()
                .filter(|m| m.copy_of.as_ref().is_none_or(|o| !members.contains(&**o)))
                .map(|m| &*m.doc)
                .collect();
            let same = g.members.iter().all(|m| m.text == g.members[0].text);
            let status = if g.members.len() < 2 {
                "single"
            } else if same {
                "same"
            } else if docs.len() < 2 && g.members.iter().all(|m| m.doc == g.members[0].doc) {
                "repeated"
            } else {
                "variant"
            };
            let mut speakers: Vec<&str> =
                g.members.iter().map(|m| m.speaker.as_str()).filter(|s| !s.is_empty()).collect();
            speakers.sort_unstable();
            // The most frequent speaker, the first in order among equals.
            let mut speaker = "";
            let mut best = 0;
            for run in speakers.chunk_by(|a, b| a == b) {
                if run.len() > best {
                    (speaker, best) = (run[0], run.len());
                }
            }
            let speaker = speaker.to_string();
            QuoteGroup {
                id: format!("q{next_id}"),
                speaker,
                status: status.to_string(),
                members: g.members,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shingles as first written: the lowercased words copied into a buffer, then hashed.
    fn shingles_by_copy(text: &str) -> Vec<u64> {
        let mut buf = String::new();
        let mut words = Vec::new();
        for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            let start = buf.len();
            buf.extend(w.chars().flat_map(char::to_lowercase));
            words.push((start, buf.len()));
        }
        let hashes: Vec<u64> = words.iter().map(|&(a, b)| mix(fnv(&buf[a..b]))).collect();
        let mut out: Vec<u64> =
            hashes.windows(3).map(|w| mix(mix(w[0] ^ mix(w[1])) ^ w[2])).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn shingles_hash_the_lowercased_words() {
        // Words in capitals and in several scripts, letters whose lower case is longer
        // (İ) or two characters, digits, and separators of every kind.
        let pieces = [
            "Nous",
            "AVONS",
            "décidé",
            "İstanbul",
            "ΣΟΦΙΑ",
            "Ωmega",
            "ß",
            "12",
            " ",
            ", ",
            "-",
            "’",
            "«\u{a0}",
            "日本",
        ];
        let mut next = crate::testing::xorshift(0x51_4e61);
        let mut distinct = 0;
        for _ in 0..3000 {
            let text: String = (0..next(40)).map(|_| pieces[next(pieces.len())]).collect();
            let want = shingles_by_copy(&text);
            assert_eq!(shingles(&text), want, "{text:?}");
            distinct += usize::from(want.len() > 2);
        }
        assert!(distinct > 500, "{distinct} texts with three shingles or more");
    }

    #[test]
    fn equal_texts_diff_as_the_word_diff_does() {
        for s in ["", "un", "« Nous  avons\tdécidé », a-t-il dit.\n", " deux espaces  "] {
            let fast = diff(s, s);
            let slow = word_diff(s, s);
            assert_eq!(fast.len(), slow.len(), "{s:?}");
            for (a, b) in fast.iter().zip(&slow) {
                assert_eq!((&a.op, &a.text), (&b.op, &b.text), "{s:?}");
            }
        }
        let d = diff("a b c", "a x c");
        assert!(d.iter().any(|s| s.op == "insert" && s.text.contains('x')), "{d:?}");
    }
}
