//! Benchmark of the entities stage alone: KB automaton matching (fold + one leftmost-longest
//! pass + case and boundary checks) and the whole stage (plus structured names, discovery,
//! variants), single-threaded, over the bundled corpus repeated to about 16 MB.
//!
//! Run: `cargo bench --bench entities`. Prints MB/s; asserts the mention count so a broken
//! stage cannot look fast.

mod common;

use recoupe::document::{Document, Meta};
use recoupe::entities::fold::Folder;
use recoupe::entities::{Model, Scratch, find_with};
use recoupe::structure::{self, CorpusStats};
use std::time::Instant;

const TARGET_BYTES: usize = 16 << 20;

fn main() {
    let texts = common::bundled_texts();
    let one_pass: usize = texts.iter().map(String::len).sum();
    let copies = TARGET_BYTES.div_ceil(one_pass);

    let t = Instant::now();
    let model = recoupe::model::Model::build(&[]).expect("model");
    let build = t.elapsed().as_secs_f64();
    let em: &Model = &model.entities;

    let docs: Vec<(Document, recoupe::lang::Lang, structure::Structure)> = (0..copies)
        .flat_map(|c| texts.iter().enumerate().map(move |(i, t)| (c, i, t)))
        .map(|(c, i, text)| {
            let doc = Document {
                index: c * texts.len() + i,
                id: format!("{c}-{i}"),
                path: String::new(),
                record_id: String::new(),
                meta: Meta::default(),
                encoding: "utf-8".into(),
                bytes: text.len(),
                text: text.clone(),
            };
            let lang = recoupe::lang::detect(&doc.text, "");
            let s = structure::analyse(&doc, &lang, &model.structure, &CorpusStats::default());
            (doc, lang, s)
        })
        .collect();
    let bytes: usize = docs.iter().map(|d| d.0.text.len()).sum();
    let mb = bytes as f64 / 1e6;

    // 1. Matching alone: fold every content line and run the automaton.
    let mut folder = Folder::default();
    let mut hits = Vec::new();
    let t = Instant::now();
    let mut n_hits = 0usize;
    for (doc, lang, s) in &docs {
        for l in s.content_lines() {
            let line = &doc.text[l.start..l.end];
            folder.fold_line(line);
            hits.clear();
            em.scan_line(line, &folder, &lang.code, &mut hits);
            n_hits += hits.len();
        }
    }
    let match_secs = t.elapsed().as_secs_f64();

    // 2. The whole stage.
    let mut scratch = Scratch::default();
    let t = Instant::now();
    let mut n_mentions = 0usize;
    for (doc, lang, s) in &docs {
        n_mentions += find_with(doc, lang, s, em, &mut scratch).len();
    }
    let stage_secs = t.elapsed().as_secs_f64();

    // Each copy of the corpus gives the same counts.
    assert_eq!(n_hits % copies, 0);
    assert_eq!(n_mentions % copies, 0);
    let (per_hits, per_mentions) = (n_hits / copies, n_mentions / copies);
    assert!(per_hits >= 180, "only {per_hits} KB hits per corpus copy");
    assert!(per_mentions >= 190, "only {per_mentions} mentions per corpus copy");

    println!("entities bench: {} aliases folded to {} patterns", em.aliases(), em.patterns());
    println!("  model build            {build:.2} s");
    println!(
        "  corpus                 {mb:.1} MB ({copies} copies of corpus/, {} docs)",
        docs.len()
    );
    println!("  KB matching            {:.1} MB/s ({per_hits} hits per copy)", mb / match_secs);
    println!(
        "  whole entities stage   {:.1} MB/s ({per_mentions} mentions per copy)",
        mb / stage_secs
    );
}
