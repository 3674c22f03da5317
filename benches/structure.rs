//! Benchmark of the structure stage alone, single-threaded: the corpus pass (line hashes into
//! the count-min sketch) and the per-document analysis (features, patterns, blocks, smoothing,
//! titles, credits), over the bundled corpus repeated to about 16 MB, and over the OrangeSum
//! articles when `../shared/data/orangesum/articles.jsonl.gz` is present.
//!
//! Run: `cargo bench --bench structure`. Prints MB/s; asserts label counts so a broken stage
//! cannot look fast.

mod common;

use recoupe::document::{Document, Meta};
use recoupe::structure::{self, CorpusStats, Label};
use std::io::BufRead;
use std::time::Instant;

const TARGET_BYTES: usize = 16 << 20;

fn doc(index: usize, title: &str, text: String) -> Document {
    Document {
        index,
        id: index.to_string(),
        path: String::new(),
        record_id: String::new(),
        meta: Meta { title: title.to_string(), ..Meta::default() },
        encoding: "utf-8".into(),
        bytes: text.len(),
        text,
    }
}

/// Runs both passes; returns (content lines, non-content lines).
fn bench(name: &str, docs: &[Document], model: &structure::Model) -> (usize, usize) {
    let langs: Vec<_> = docs.iter().map(|d| recoupe::lang::detect(&d.text, "")).collect();
    let mb = docs.iter().map(|d| d.text.len()).sum::<usize>() as f64 / 1e6;
    let t = Instant::now();
    let mut stats = CorpusStats::default();
    for d in docs {
        stats.observe(d);
    }
    let stats = stats.merge(CorpusStats::default());
    let pass1 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (mut content, mut other) = (0, 0);
    for (d, lang) in docs.iter().zip(&langs) {
        let s = structure::analyse(d, lang, model, &stats);
        for l in &s.lines {
            if l.label.is_content() { content += 1 } else { other += 1 }
        }
        assert!(s.lines.iter().all(|l| l.label != Label::Title) || !s.title.is_empty());
    }
    let pass2 = t.elapsed().as_secs_f64();
    println!(
        "{name}: {} docs, {mb:.1} MB; corpus pass {:.0} MB/s, analysis {:.0} MB/s; \
         {content} content lines, {other} non-content",
        docs.len(),
        mb / pass1,
        mb / pass2
    );
    (content, other)
}

fn main() {
    let texts = common::bundled_texts();
    let copies = TARGET_BYTES.div_ceil(texts.iter().map(String::len).sum());

    let t = Instant::now();
    let model = structure::Model::build().expect("model");
    println!("model built in {:.1} ms", t.elapsed().as_secs_f64() * 1e3);

    let n = texts.len();
    let docs: Vec<Document> = (0..copies)
        .flat_map(|c| texts.iter().enumerate().map(move |(i, t)| (c * n + i, t)))
        .map(|(i, t)| doc(i, "", t.clone()))
        .collect();
    let (content, other) = bench("bundled corpus", &docs, &model);
    // The five seeds hold 51 content lines and 29 credit or boilerplate lines.
    assert_eq!((content, other), (51 * copies, 29 * copies));

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let orangesum = root.join("../shared/data/orangesum/articles.jsonl.gz");
    if let Ok(f) = std::fs::File::open(&orangesum) {
        let r = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
        let docs: Vec<Document> = r
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let v: serde_json::Value = serde_json::from_str(&l.ok()?).ok()?;
                let title = v["title"].as_str().unwrap_or_default();
                let body = v["article"].as_str().unwrap_or_default();
                (!body.trim().is_empty()).then(|| doc(i, title, format!("{title}\n\n{body}")))
            })
            .collect();
        let (content, other) = bench("OrangeSum", &docs, &model);
        // OrangeSum has no furniture: nearly every line is content.
        assert!(other * 1000 < content, "{other} non-content lines");
    }
}
