//! Fuzz target over per-document analysis: arbitrary bytes are decoded like a text file (or,
//! when the first byte is odd and the rest is UTF-8, like a JSON string) and analysed with the
//! bundled model. Must never panic, and every offset reported must be on a char boundary and
//! inside the text. Run: `cargo +nightly fuzz run analyse` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use recoupe::analysis::analyse;
use recoupe::decode::{Limits, decode_doc};
use recoupe::document::{Meta, Payload, RawDoc};
use recoupe::model::Model;
use recoupe::structure::CorpusStats;
use std::sync::OnceLock;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::build(&[]).expect("bundled model builds"))
}

fuzz_target!(|data: &[u8]| {
    let (payload, bytes) = match data.split_first() {
        Some((b, rest)) if b % 2 == 1 && std::str::from_utf8(rest).is_ok() => {
            (Payload::JsonString, rest.to_vec())
        }
        _ => (Payload::Bytes, data.to_vec()),
    };
    let raw = RawDoc {
        index: 0,
        id: "fuzz".into(),
        path: "fuzz".into(),
        record_id: String::new(),
        meta: Meta::default(),
        payload,
        bytes,
    };
    let Ok(doc) = decode_doc(raw, Limits { max_line_bytes: 1 << 20 }) else { return };
    let text = doc.text.as_str();
    assert!(!text.contains('\r'));
    assert!(unicode_normalization::is_nfc(text));
    let mut stats = CorpusStats::default();
    stats.observe(&doc);
    let a = analyse(&doc, model(), &stats);
    let mut starts = vec![0usize, 0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let n_lines = starts.len() - 1;
    for l in &a.structure.lines {
        assert!(l.number >= 1 && l.number <= n_lines);
        assert!(l.start <= l.end && l.end <= text.len());
        assert!(text.is_char_boundary(l.start) && text.is_char_boundary(l.end));
        assert_eq!(l.start, starts[l.number]);
    }
    for m in &a.mentions {
        assert!(m.line >= 1 && m.line <= n_lines);
        assert!(m.byte_start < m.byte_end && m.byte_end <= text.len());
        assert!(text.is_char_boundary(m.byte_start) && text.is_char_boundary(m.byte_end));
        let line_start = starts[m.line];
        assert!(m.byte_start >= line_start);
        assert_eq!(text[line_start..m.byte_start].chars().count(), m.char_start);
        assert_eq!(m.char_start + text[m.byte_start..m.byte_end].chars().count(), m.char_end);
    }
    for c in &a.claims.claims {
        assert!(c.line >= 1 && c.line <= n_lines);
    }
});
