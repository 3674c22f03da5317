//! Per-stage benchmarks on fixed inputs: decoding, language, structure, entity matching,
//! claims, row rendering, aggregation, the whole analysis of a document (also on the same
//! texts joined into one-line documents of a megabyte) and ingestion of a gzip-compressed
//! JSON-lines file.
//!
//! The input is a synthetic corpus generated in memory from the bundled articles
//! (`recoupe::synth::texts`, fixed size and seed), so every run measures the same bytes. Each
//! bench also counts what its stage produced and checks the count against
//! `benches/expected.tsv`, and against a floor a working stage must reach: a broken stage
//! cannot look fast. After an intended change of a stage, rerun with `BLESS=1` to record the
//! new counts.
//!
//! Run: `cargo bench --bench stages [-- STAGE ...]` (release profile). Each stage runs at least
//! 3 times and for at least 2 s; the median and the best time are reported.

use recoupe::analysis::{self, DocAnalysis};
use recoupe::decode::{Limits, decode_doc};
use recoupe::document::{Document, Meta, Payload, RawDoc};
use recoupe::model::Model;
use recoupe::structure::CorpusStats;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const DOCS: usize = 5_000;
const SEED: u64 = 42;
const EXPECTED: &str = "benches/expected.tsv";

struct Bench {
    name: &'static str,
    /// Documents and bytes per iteration, for the rates.
    docs: usize,
    bytes: usize,
    /// The least count a working stage produces, and what it counts.
    floor: usize,
    unit: &'static str,
}

/// Times `f` (which returns its count) and returns the count.
fn time(b: &Bench, mut f: impl FnMut() -> usize) -> (usize, Duration, Duration) {
    let count = black_box(f()); // warm-up
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 3 || (start.elapsed() < Duration::from_secs(2) && times.len() < 50) {
        let t = Instant::now();
        let c = black_box(f());
        times.push(t.elapsed());
        assert_eq!(c, count, "{}: the count changed between iterations", b.name);
    }
    times.sort();
    (count, times[times.len() / 2], times[0])
}

fn raw(i: usize, id: &str, text: &str) -> RawDoc {
    RawDoc {
        index: i,
        id: id.to_string(),
        path: id.to_string(),
        record_id: String::new(),
        meta: Meta::default(),
        payload: Payload::Bytes(text.as_bytes().to_vec()),
    }
}

fn main() {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f));
    let bless = std::env::var_os("BLESS").is_some();
    let mut expected: BTreeMap<String, usize> = std::fs::read_to_string(EXPECTED)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once('\t')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();

    let corpus = recoupe::synth::texts(DOCS, SEED, Path::new("corpus")).expect("synth corpus");
    let bytes: usize = corpus.iter().map(|(_, t)| t.len()).sum();
    let limits = Limits { max_line_bytes: 1 << 20 };
    let model = Model::build(&[]).expect("model");
    let docs: Vec<Document> = corpus
        .iter()
        .enumerate()
        .map(|(i, (id, t))| decode_doc(raw(i, id, t), limits).expect("synthetic docs decode"))
        .collect();
    let mut stats = CorpusStats::default();
    for d in &docs {
        stats.observe(d);
    }
    let langs: Vec<_> = docs.iter().map(|d| recoupe::lang::detect(&d.text, "")).collect();
    let analyses: Vec<DocAnalysis> =
        docs.iter().map(|d| analysis::analyse(d, &model, &stats)).collect();
    eprintln!(
        "corpus: {DOCS} synthetic documents, {:.1} MB (seed {SEED}); release build, 1 thread",
        bytes as f64 / 1e6
    );

    let all = |name, floor, unit| Bench { name, docs: DOCS, bytes, floor, unit };
    let mut failures = Vec::new();
    let mut report = |b: Bench, f: &mut dyn FnMut() -> usize| {
        if !wanted(b.name) {
            return;
        }
        let (count, median, best) = time(&b, f);
        let secs = median.as_secs_f64();
        println!(
            "{:<10} {:>9.1} MB/s {:>10.0} docs/s   median {:>8.2} ms  best {:>8.2} ms   {} {}",
            b.name,
            b.bytes as f64 / 1e6 / secs,
            b.docs as f64 / secs,
            secs * 1e3,
            best.as_secs_f64() * 1e3,
            count,
            b.unit
        );
        if count < b.floor {
            failures.push(format!(
                "{}: {count} {}, fewer than the {} a working stage finds",
                b.name, b.unit, b.floor
            ));
        }
        match expected.get(b.name) {
            _ if bless => {
                expected.insert(b.name.to_string(), count);
            }
            Some(&e) if e != count => failures.push(format!(
                "{}: {count} {}, expected {e} (benches/expected.tsv; BLESS=1 records a new count)",
                b.name, b.unit
            )),
            None => failures.push(format!("{}: no expected count; run with BLESS=1", b.name)),
            _ => {}
        }
    };

    report(all("decode", DOCS, "documents decoded"), &mut || {
        corpus
            .iter()
            .enumerate()
            .filter(|(i, (id, t))| decode_doc(raw(*i, id, t), limits).is_ok())
            .count()
    });
    report(all("lang", DOCS * 8 / 10, "documents in French"), &mut || {
        docs.iter().filter(|d| recoupe::lang::detect(&d.text, "").code == "fr").count()
    });
    report(all("structure", DOCS, "body lines"), &mut || {
        docs.iter()
            .zip(&langs)
            .map(|(d, l)| {
                let s = recoupe::structure::analyse(d, l, &model.structure, &stats);
                s.lines.iter().filter(|l| l.label == recoupe::structure::Label::Body).count()
            })
            .sum()
    });
    report(all("entities", DOCS * 3, "mentions"), &mut || {
        analyses
            .iter()
            .zip(&docs)
            .zip(&langs)
            .map(|((a, d), l)| recoupe::entities::find(d, l, &a.structure, &model.entities).len())
            .sum()
    });
    report(all("claims", DOCS, "claims"), &mut || {
        analyses
            .iter()
            .zip(&docs)
            .zip(&langs)
            .map(|((a, d), l)| {
                recoupe::claims::extract(d, l, &a.structure, &a.mentions, &model.claims)
                    .claims
                    .len()
            })
            .sum()
    });
    report(all("render", DOCS, "documents rendered"), &mut || {
        analyses
            .iter()
            .zip(&docs)
            .filter(|(a, d)| recoupe::report::Rendered::of(a, d, false).is_ok())
            .count()
    });
    report(all("aggregate", 1, "stories"), &mut || {
        let mut agg = recoupe::align::Aggregator::default();
        for a in &analyses {
            agg.add(a.clone());
        }
        let corpus = agg.finish(&model.entities);
        let stories: std::collections::BTreeSet<&str> =
            analyses.iter().map(|a| corpus.story_of(a.info.index)).collect();
        stories.len()
    });

    // The whole per-document analysis, then the same texts written as one-line documents of
    // about a megabyte each (scraped pages and JSON fields often have no newlines): per-line
    // work must stay linear in a line's length, so both rates should be close.
    report(all("analyse", DOCS * 4, "mentions and claims"), &mut || {
        docs.iter()
            .map(|d| {
                let a = analysis::analyse(d, &model, &stats);
                a.mentions.len() + a.claims.claims.len()
            })
            .sum()
    });
    let mut joined: Vec<String> = vec![String::new()];
    for (_, t) in &corpus {
        let last = joined.last_mut().expect("non-empty");
        if last.len() >= 1_000_000 {
            joined.push(String::new());
        }
        let last = joined.last_mut().expect("non-empty");
        if !last.is_empty() {
            last.push(' ');
        }
        last.extend(t.chars().map(|c| if c == '\n' { ' ' } else { c }));
    }
    let one_line: Vec<Document> = joined
        .iter()
        .enumerate()
        .map(|(i, t)| decode_doc(raw(i, &format!("line{i}"), t), limits).expect("one-line docs"))
        .collect();
    let one_line_bench = Bench {
        name: "oneline",
        docs: one_line.len(),
        bytes: joined.iter().map(String::len).sum(),
        floor: DOCS * 2,
        unit: "mentions and claims",
    };
    report(one_line_bench, &mut || {
        one_line
            .iter()
            .map(|d| {
                let a = analysis::analyse(d, &model, &stats);
                a.mentions.len() + a.claims.claims.len()
            })
            .sum()
    });

    // Ingestion: the corpus as one gzip-compressed JSON-lines file on disk.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("corpus.jsonl.gz");
    {
        use std::io::Write;
        let f = std::fs::File::create(&path).expect("create");
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        for (id, t) in &corpus {
            let line = serde_json::json!({"id": id, "text": t}).to_string();
            writeln!(gz, "{line}").expect("write");
        }
        gz.finish().expect("gzip");
    }
    let args = recoupe::cli::InputArgs {
        inputs: vec![path],
        text_field: "text".into(),
        title_field: "title".into(),
        outlet_field: "outlet".into(),
        date_field: "date".into(),
        url_field: "url".into(),
        lang_field: "lang".into(),
        id_field: "id".into(),
        manifest: None,
        max_doc_bytes: 64 << 20,
        max_line_bytes: 1 << 20,
        max_json_line_bytes: 64 << 20,
        kb: Vec::new(),
        threads: Some(1),
    };
    let cfg = recoupe::config::InputConfig::from_args(&args).expect("input config");
    report(all("ingest", DOCS, "records read"), &mut || {
        let prepared = recoupe::ingest::Prepared::new(&cfg).expect("prepare");
        let mut n = 0;
        prepared
            .for_each(|item| {
                n += matches!(item, recoupe::document::Item::Doc(_)) as usize;
                Ok(())
            })
            .expect("read");
        n
    });

    if bless {
        let text: String = expected.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
        std::fs::write(EXPECTED, text).expect("write benches/expected.tsv");
        eprintln!("recorded counts in {EXPECTED}");
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAILED {f}");
        }
        std::process::exit(1);
    }
}
