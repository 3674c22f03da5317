//! The `run` command: inputs → documents → parallel analysis → aggregation → reports.
//!
//! Ingestion runs on its own thread and hands over batches through a bounded channel, so memory
//! holds at most a few batches of documents whatever the corpus size. Each batch is analysed in
//! parallel by rayon and its results come back in batch order; one thread writes them and feeds
//! the aggregator in corpus order (batch after batch, while the workers analyse the next one),
//! which is what makes the reports byte-identical whatever the thread count. The first pass
//! (line statistics, languages) gathers sums and per-document facts, so its workers take
//! batches in any order.

use crate::align::{Aggregator, Keep};
use crate::analysis;
use crate::config::Config;
use crate::decode::{self, DecodeError, Limits};
use crate::document::{ErrorRow, Item};
use crate::ingest::Prepared;
use crate::lang::Detected;
use crate::model::Model;
use crate::report::html;
use crate::report::{OutputDir, Rendered, Sink};
use crate::structure::CorpusStats;
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The part file holding the claims until stories are aligned (in the temporary output
/// directory; removed once read).
const CLAIMS_PART: &str = "claims.part.bin";

/// A batch is handed to the workers when it holds this many documents or bytes. The last
/// batch is taken (aggregated, its rows written) after the workers are done, on one thread: a
/// small batch keeps that short (on synth 10 MB at 2 threads, 256 instead of 1024 documents
/// took 2% off the run, and nothing off synth 100 MB).
const BATCH_DOCS: usize = 256;
const BATCH_BYTES: usize = 16 << 20;
/// The first batch's documents; each next batch doubles it, up to `BATCH_DOCS`.
const FIRST_BATCH_DOCS: usize = 64;

/// What a run did, for the summary line and the exit code.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub documents: usize,
    pub errors: usize,
    pub bytes: u64,
    pub seconds: f64,
}

impl Summary {
    /// One line for stderr.
    pub fn line(&self, out: &std::path::Path) -> String {
        let mb = self.bytes as f64 / 1e6;
        format!(
            "recoupe: {} documents analysed, {} errors, {:.1} MB in {:.2} s ({:.1} MB/s); reports in {}",
            self.documents,
            self.errors,
            mb,
            self.seconds,
            mb / self.seconds.max(1e-9),
            out.display()
        )
    }
}

/// Environment variable of a test hook: `STAGE:MARKER` makes the analysis of every document
/// whose raw bytes contain MARKER panic on entering STAGE (`lang`, `structure`, `entities`,
/// `claims`, `report`), to show that a panic is contained and reported. Unset, it costs nothing;
/// set, it only fails the documents holding the marker.
pub const FAULT_ENV: &str = "RECOUPE_FAULT_INJECT";

/// The parsed test hook: the stage to fail and the marker.
type Fault = Option<(&'static str, Vec<u8>)>;

fn fault_from_env() -> Fault {
    let v = std::env::var(FAULT_ENV).ok()?;
    let (stage, marker) = v.split_once(':')?;
    // Leaked once per run: the stage name is compared with the `&'static str` of each stage.
    Some((Box::leak(stage.to_string().into_boxed_str()), marker.as_bytes().to_vec()))
}

/// The stage the test hook makes panic for a document with these raw bytes, if any.
fn fault_stage(fault: &Fault, bytes: &[u8]) -> Option<&'static str> {
    let (stage, marker) = fault.as_ref()?;
    let hit = !marker.is_empty() && bytes.windows(marker.len()).any(|w| w == marker.as_slice());
    hit.then_some(*stage)
}

/// The message of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// The outcome of one item: an analysed document (with its rendered rows, and the stage the
/// test hook arms for it), or an error row.
enum Outcome {
    Done(Box<Analysed>),
    Failed(ErrorRow),
}

/// An analysed document: what the aggregator keeps of it and its rendered rows.
struct Analysed {
    prepared: crate::align::Prepared,
    rendered: Rendered,
    index: usize,
    bytes: u64,
    id: String,
    path: String,
}

/// What every worker needs to process an item.
struct Ctx<'a> {
    prepared: &'a Prepared,
    model: &'a Model,
    stats: &'a CorpusStats,
    detections: &'a Detections,
    limits: Limits,
    raw_csv: bool,
    fault: &'a Fault,
    /// Set once report.html keeps no more article text (see `Sink::html_text_spent`).
    html_text_spent: &'a std::sync::atomic::AtomicBool,
}

/// Decodes, analyses and renders one item; never panics (a panic is caught and reported).
fn process(item: Item, ctx: &Ctx) -> Outcome {
    analysis::enter("decode");
    let raw = match ctx.prepared.parse(item) {
        Item::Doc(raw) => raw,
        failed => {
            analysis::leave();
            return Outcome::Failed(match failed {
                Item::Error(e) => e,
                other => ErrorRow::new(other.index(), "", "", "parse", "internal error: unparsed"),
            });
        }
    };
    let (index, id, path) = (raw.index, raw.id.clone(), raw.path.clone());
    let armed = fault_stage(ctx.fault, raw.payload.as_bytes());
    if ctx.fault.is_some() {
        analysis::arm_fault(armed);
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        let doc = decode::decode_doc(raw, ctx.limits)?;
        let detected = ctx.detections.get(doc.index).copied().flatten();
        let a = analysis::analyse_detected(&doc, ctx.model, ctx.stats, detected);
        let html_text = !ctx.html_text_spent.load(Ordering::Relaxed);
        let rendered = Rendered::with_text(&a, &doc, ctx.raw_csv, html_text)
            .map_err(|e| DecodeError { stage: "report", message: format!("{e:#}") })?;
        let (index, bytes) = (a.info.index, a.info.bytes as u64);
        let (id, path) = (a.info.doc.clone(), a.info.path.clone());
        // What the corpus level keeps is extracted here, in parallel; the aggregator only
        // appends it in corpus order.
        analysis::enter("aggregate");
        let prepared = Aggregator::prepare(a);
        Ok::<_, DecodeError>(Analysed { prepared, rendered, index, bytes, id, path })
    }));
    analysis::leave();
    if ctx.fault.is_some() {
        analysis::arm_fault(None);
    }
    match result {
        Ok(Ok(a)) => Outcome::Done(Box::new(a)),
        Ok(Err(e)) => Outcome::Failed(ErrorRow::new(index, id, path, e.stage, e.message)),
        Err(panic) => {
            let msg = panic_message(&*panic);
            let stage = analysis::current_stage();
            Outcome::Failed(ErrorRow::new(
                index,
                id,
                path,
                stage,
                format!("internal error in the {stage} stage: {msg}"),
            ))
        }
    }
}

/// How the reader hands over JSON-lines records.
#[derive(Clone, Copy, PartialEq)]
enum Parse {
    /// Parsed on the reader thread.
    Reader,
    /// As `Item::Record`, for the workers to parse (`Prepared::parse`). With two workers or
    /// more, the first pass does little per document and waits for its one reader, a third of
    /// whose time is parsing: on synth 1 GB at 2 threads the pass took 4.0 s instead of 4.6.
    /// With one worker the reader has a core of its own, and parsing in the worker made the
    /// pass 5.9 s instead of 4.6. The analysis pass keeps the cores busy at any thread count,
    /// and parsing in its workers made it 0.2–0.3 s slower on synth 100 MB.
    Workers,
}

/// Reads the inputs in batches on a separate thread and calls `f` on each batch in order.
fn batches(
    prepared: &Prepared,
    parse: Parse,
    mut f: impl FnMut(Vec<Item>) -> Result<()>,
) -> Result<()> {
    read_batches(prepared, parse, |rx| rx.into_iter().try_for_each(&mut f))
}

/// Reads the inputs in batches on a separate thread and hands `consume` the receiving end.
/// When `consume` returns before the last batch (an error), the reader stops at its next one.
fn read_batches<R>(
    prepared: &Prepared,
    parse: Parse,
    consume: impl FnOnce(std::sync::mpsc::Receiver<Vec<Item>>) -> Result<R>,
) -> Result<R> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Item>>(2);
        let reader = scope.spawn(move || {
            let mut batch = Vec::new();
            let mut bytes = 0usize;
            // The first batches are small, so that the workers start soon after the reader:
            // with a full first batch they waited for a thousand documents to be read.
            let mut limit = FIRST_BATCH_DOCS;
            prepared.for_each_unparsed(|item| {
                let item = if parse == Parse::Reader { prepared.parse(item) } else { item };
                match &item {
                    Item::Doc(d) => bytes += d.payload.as_bytes().len(),
                    Item::Record(r) => bytes += r.line.len(),
                    Item::Error(_) => {}
                }
                batch.push(item);
                if batch.len() >= limit || bytes >= BATCH_BYTES {
                    bytes = 0;
                    limit = (limit * 2).min(BATCH_DOCS);
                    tx.send(std::mem::take(&mut batch)).context("pipeline stopped")?;
                }
                Ok(())
            })?;
            if !batch.is_empty() {
                tx.send(batch).context("pipeline stopped")?;
            }
            Ok::<_, anyhow::Error>(())
        });
        // Dropping the receiver (when `consume` returns) makes the reader's next send fail.
        let result = consume(rx);
        let read = reader.join().map_err(|_| anyhow::anyhow!("the input reader panicked"))?;
        result.and_then(|r| read.map(|()| r))
    })
}

fn progress_bar(cfg: &Config, total: u64, pass: &str) -> ProgressBar {
    if !cfg.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>9} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(pass.to_string());
    bar
}

/// What pass 1 detected of each document's language, by corpus index; `None` for a document it
/// did not (one it could not decode, or every one when the pass stopped early or did not run).
type Detections = Vec<Option<Detected>>;

/// What pass 1 gathered from some of the documents.
#[derive(Default)]
struct Pass1 {
    stats: CorpusStats,
    /// Documents left out after a panic.
    skipped: usize,
    /// (corpus index, language) of each document observed.
    langs: Vec<(usize, Detected)>,
}

impl Pass1 {
    /// Counts the lines of one document and detects its language.
    fn observe(&mut self, raw: crate::document::RawDoc, limits: Limits, fault: &Fault) {
        // A panic here only leaves this document out of the statistics; its analysis in pass 2
        // reports whatever is wrong with it.
        let armed = fault_stage(fault, raw.payload.as_bytes());
        let observed = catch_unwind(AssertUnwindSafe(|| {
            analysis::arm_fault(armed);
            analysis::enter("scan");
            let doc = decode::decode(raw, limits).ok()?;
            self.stats.observe(&doc);
            Some(doc)
        }));
        analysis::arm_fault(None);
        self.skipped += usize::from(observed.is_err());
        // A panic in detection leaves it to pass 2, which reports it.
        if let Ok(Some(doc)) = &observed
            && let Ok(d) = catch_unwind(|| {
                analysis::enter("lang");
                let d = Detected::of(&doc.text);
                analysis::leave();
                d
            })
        {
            self.langs.push((doc.index, d));
        }
    }

    fn merge(mut self, mut other: Pass1) -> Pass1 {
        self.stats = self.stats.merge(other.stats);
        self.skipped += other.skipped;
        self.langs.append(&mut other.langs);
        self
    }
}

/// Pass 1: corpus-level line statistics, when the structure stage uses them, and each
/// document's language. Stops early (with empty statistics) once `stop` is set.
///
/// The language needs no corpus statistics, so it is detected here rather than in pass 2: this
/// pass's workers wait on their one reader (gunzip), and kept 1.4 of 2 cores busy on synth
/// 100 MB, while detection was a tenth of pass 2's work. On synth 100 MB at 2 threads a run
/// took 7.27 s instead of 8.31 (medians of three interleaved rounds, reports identical); at one
/// thread, where this pass's one worker already had the most to do, it did not change.
fn corpus_stats(
    cfg: &Config,
    prepared: &Prepared,
    limits: Limits,
    fault: &Fault,
    stop: &AtomicBool,
) -> Result<(CorpusStats, Detections)> {
    if !CorpusStats::NEEDED {
        return Ok((CorpusStats::default(), Detections::new()));
    }
    let bar = progress_bar(cfg, prepared.total_bytes, "scanning");
    let parse = if cfg.threads > 1 { Parse::Workers } else { Parse::Reader };
    // Counts are sums and languages are kept by corpus index, so batches need not be taken in
    // order: each worker takes the next batch as soon as it is done with one. Taken in order,
    // a batch at a time, one core waited at the end of each batch while the other finished its
    // share: on synth 100 MB at 2 threads the pass took 0.693 s instead of 0.666, on synth 1 GB
    // 6.74 s instead of 6.64 (medians of five and three interleaved rounds).
    let read = read_batches(prepared, parse, |rx| {
        rx.into_iter()
            .par_bridge()
            .map(|batch| {
                if stop.load(Ordering::Relaxed) {
                    bail!("stopped");
                }
                let mut part = Pass1::default();
                for item in batch {
                    if let Item::Doc(raw) = prepared.parse(item) {
                        part.observe(raw, limits, fault);
                    }
                }
                bar.set_position(prepared.read_bytes.load(Ordering::Relaxed));
                Ok(part)
            })
            .try_reduce(Pass1::default, |a, b| Ok(a.merge(b)))
    });
    bar.finish_and_clear();
    if stop.load(Ordering::Relaxed) {
        return Ok((CorpusStats::default(), Detections::new()));
    }
    let Pass1 { stats, skipped, langs } = read?;
    let mut detections = Detections::new();
    if let Some(last) = langs.iter().map(|&(index, _)| index).max() {
        detections.resize(last + 1, None);
    }
    for (index, d) in langs {
        detections[index] = Some(d);
    }
    if skipped > 0 && !cfg.quiet {
        eprintln!(
            "recoupe: warning: {skipped} documents left out of the corpus statistics after an \
             internal error (their analysis follows)"
        );
    }
    Ok((stats.seal(), detections))
}

/// What a finished run still holds: its worker threads, models, corpus statistics and
/// aggregated corpus. Dropping it frees them: tens of thousands of allocations, and the
/// allocator then hands each freed page back to the system (20–40 ms after a 1 s run on synth
/// 10 MB). A process that exits next can `std::mem::forget` it instead: the system takes the
/// memory back at once.
pub struct Held {
    _pool: rayon::ThreadPool,
    _prepared: Prepared,
    _model: Model,
    _stats: CorpusStats,
    _corpus: crate::align::Corpus,
}

/// Runs the whole pipeline and writes the reports.
pub fn run(cfg: &Config) -> Result<Summary> {
    run_holding(cfg).map(|(summary, _held)| summary)
}

/// [`run`], handing back what the run still holds instead of freeing it.
pub fn run_holding(cfg: &Config) -> Result<(Summary, Held)> {
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .context("starting worker threads")?;
    let prepared = Prepared::new(&cfg.input)?;
    if prepared.sources() == 0 {
        bail!("no input documents found in {:?}", cfg.input.inputs);
    }
    let limits = Limits { max_line_bytes: cfg.input.limits.max_line_bytes as usize };

    let fault = fault_from_env();

    // The stages' models are built while pass 1 reads the corpus: neither needs the other, and
    // on a small corpus the model build is a tenth of the run. They get threads of their own,
    // as many as the run's: sharing the run's, with one worker thread, the two ran one after the
    // other. A model that fails (a bad --kb file) stops pass 1 at its next batch.
    let model_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .context("starting model threads")?;
    let model_failed = AtomicBool::new(false);
    let (model, stats) = std::thread::scope(|scope| {
        let model = scope.spawn(|| {
            let model = model_pool.install(|| Model::build(&cfg.kb_files));
            analysis::phase("model", start);
            model_failed.store(model.is_err(), Ordering::Relaxed);
            model
        });
        let t = Instant::now();
        let stats = pool.install(|| corpus_stats(cfg, &prepared, limits, &fault, &model_failed));
        analysis::phase("pass 1 (line statistics)", t);
        (model.join(), stats)
    });
    let model =
        model.map_err(|_| anyhow::anyhow!("internal error while building the models"))??;
    drop(model_pool);
    let (stats, detections) = stats?;

    // Pass 2: analysis.
    let t = Instant::now();
    let out = OutputDir::create(&cfg.out)?;
    let mut sink = Sink::new(out.path(), cfg.raw_csv)?;
    let mut agg = Aggregator::spilling(&out.path().join(CLAIMS_PART))?;
    let mut story_index = Vec::new();
    let mut bytes = 0u64;
    let html_text_spent = sink.html_text_spent();
    let ctx = Ctx {
        prepared: &prepared,
        model: &model,
        stats: &stats,
        detections: &detections,
        limits,
        raw_csv: cfg.raw_csv,
        fault: &fault,
        html_text_spent: &html_text_spent,
    };
    let bar = progress_bar(cfg, prepared.total_bytes, "analysing");
    // Takes one batch's outcomes in corpus order: the aggregator, then the per-document rows.
    let mut consume = |results: Vec<Outcome>| -> Result<()> {
        for r in results {
            match r {
                Outcome::Done(a) => {
                    let Analysed { prepared, rendered, index, bytes: doc_bytes, id, path } = *a;
                    // The document's rows are written only once the aggregator took it, so a
                    // panic there lists it in errors.csv alone.
                    let added = catch_unwind(AssertUnwindSafe(|| {
                        analysis::enter("aggregate");
                        agg.add_prepared(prepared)
                    }));
                    analysis::leave();
                    match added {
                        Ok(stored) => {
                            stored?;
                            sink.rendered(&rendered)?;
                            bytes += doc_bytes;
                            story_index.push(index);
                        }
                        Err(panic) => sink.error(&ErrorRow::new(
                            index,
                            id,
                            path,
                            "aggregate",
                            format!(
                                "internal error in the aggregate stage: {}",
                                panic_message(&*panic)
                            ),
                        ))?,
                    }
                }
                Outcome::Failed(e) => sink.error(&e)?,
            }
        }
        bar.set_position(prepared.read_bytes.load(Ordering::Relaxed));
        bar.set_message(format!("{} docs", sink.docs));
        Ok(())
    };
    // While the workers analyse one batch, another thread takes the previous one: the serial
    // part (aggregation, writing rows) overlaps the parallel part instead of idling the workers.
    let mut pending: Vec<Outcome> = Vec::new();
    batches(&prepared, Parse::Reader, |batch| {
        let previous = std::mem::take(&mut pending);
        let (results, consumed) = std::thread::scope(|scope| {
            let taker = scope.spawn(|| consume(previous));
            // At most a few documents per rayon task: with the default splitting a worker could
            // be left with dozens of documents at the end of a batch while the other idled
            // (on synth 100 MB at 2 threads the pass kept 1.89–1.93 cores busy, 1.96 with this).
            let results: Vec<Outcome> = pool.install(|| {
                batch.into_par_iter().with_max_len(4).map(|item| process(item, &ctx)).collect()
            });
            (results, taker.join())
        });
        consumed.map_err(|_| anyhow::anyhow!("internal error while writing the reports"))??;
        pending = results;
        Ok(())
    })?;
    consume(pending)?;
    bar.finish_and_clear();
    if sink.docs == 0 && sink.errors_count == 0 {
        bail!("no input documents found");
    }
    analysis::phase("pass 2 (analysis)", t);
    analysis::print_stage_times();
    let summary = Summary { documents: sink.docs, errors: sink.errors_count, bytes, seconds: 0.0 };
    if summary.documents == 0 {
        // Nothing readable: keep the previous reports, but say what failed.
        let errors = std::fs::read_to_string(out.path().join("errors.csv")).unwrap_or_default();
        bail!("no readable input: all {} inputs failed\n{}", summary.errors, errors.trim_end());
    }
    let t = Instant::now();
    let mut story_files = crate::report::StoryFiles::create(out.path(), cfg.raw_csv)?;
    let plan = pool.install(|| agg.plan(&model.entities))?;
    // documents.csv needs only each document's story: it is written, and the other streamed
    // files flushed to disk, on a thread of its own while the workers align the stories.
    let stories: Vec<(usize, String)> =
        plan.documents().iter().map(|d| (d.index, d.story.clone())).collect();
    let (corpus, written) = std::thread::scope(|scope| {
        let writer = scope.spawn(move || sink.finish(&stories, &story_index));
        // The corpus keeps in memory only the stories report.html shows.
        let keep = Keep { stories: html::MAX_STORIES, docs: html::MAX_DOCS };
        let corpus = pool.install(|| plan.align_into(&mut story_files, keep));
        (corpus, writer.join())
    });
    let corpus = corpus?;
    written.map_err(|_| anyhow::anyhow!("internal error while writing documents.csv"))??;
    story_files.finish()?;
    analysis::phase("aggregation and story reports", t);
    // The story files are complete: they go to the disk while the last reports are written,
    // rather than at the commit, after them (synth 10 MB: the commit's sync took 0.2 s more).
    let story_paths: Vec<_> =
        crate::report::StoryFiles::NAMES.iter().map(|n| out.path().join(n)).collect();
    std::thread::scope(|scope| {
        let synced = scope.spawn(|| crate::report::sync_files(&story_paths));
        // report.html renders the texts it shows on the run's threads.
        let written =
            pool.install(|| crate::report::write_corpus(out.path(), cfg.raw_csv, &corpus, &model));
        let synced = synced
            .join()
            .map_err(|_| anyhow::anyhow!("internal error while syncing the story reports"));
        written.and(synced?)
    })?;
    let t = Instant::now();
    out.commit()?;
    analysis::phase("commit", t);
    let held =
        Held { _pool: pool, _prepared: prepared, _model: model, _stats: stats, _corpus: corpus };
    Ok((Summary { seconds: start.elapsed().as_secs_f64(), ..summary }, held))
}
