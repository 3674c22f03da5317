//! Per-document analysis: a pure function of one decoded document and the read-only model.
//! Runs every stage in order (language, structure, entities, claims) and returns everything the
//! reports need about that document. The language may come detected already (by the pipeline's
//! first pass, from the same text): the result is the same. A panic inside a stage is caught at
//! the pipeline's edge and reported with the stage it happened in.

use crate::claims::DocClaims;
use crate::document::Document;
use crate::entities::Mention;
use crate::lang::{Detected, Lang};
use crate::model::Model;
use crate::structure::{CorpusStats, Structure};
use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

thread_local! {
    /// The stage the current thread is in, so a caught panic can be attributed.
    static STAGE: Cell<&'static str> = const { Cell::new("decode") };
    /// Test hook: a stage that must panic when entered (see `pipeline::FAULT_ENV`).
    static FAULT: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Environment variable: set (and not `0`), a run prints on stderr how long each phase took and
/// the CPU time each stage spent over all threads. Never written into a report.
pub const TIMINGS_ENV: &str = "RECOUPE_TIMINGS";

/// Stages whose time is accumulated (the names `enter` receives).
const STAGES: [&str; 7] =
    ["decode", "lang", "structure", "entities", "claims", "report", "aggregate"];
static STAGE_NANOS: [AtomicU64; STAGES.len()] = [const { AtomicU64::new(0) }; STAGES.len()];

thread_local! {
    /// The timed stage this thread is in and since when.
    static CLOCK: Cell<Option<(usize, Instant)>> = const { Cell::new(None) };
}

/// Whether `RECOUPE_TIMINGS` asks for timings.
pub fn timings_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os(TIMINGS_ENV).is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Closes the timed interval of this thread and opens one for `next`.
fn clock(next: Option<&'static str>) {
    let now = Instant::now();
    CLOCK.with(|c| {
        if let Some((i, since)) = c.get() {
            let nanos = u64::try_from(now.duration_since(since).as_nanos()).unwrap_or(u64::MAX);
            STAGE_NANOS[i].fetch_add(nanos, Ordering::Relaxed);
        }
        c.set(next.and_then(|s| STAGES.iter().position(|x| *x == s)).map(|i| (i, now)));
    });
}

/// Marks the end of this thread's work on a document (for the stage timings).
pub fn leave() {
    if timings_on() {
        clock(None);
    }
}

/// With timings on, prints how long a phase took since `since`, and the resident memory now
/// and at its peak (Linux).
pub fn phase(name: &str, since: Instant) {
    if timings_on() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let mb = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map_or(String::from("?"), |kb| format!("{}", kb / 1024))
        };
        eprintln!(
            "recoupe timings: {name:<28} {:>9.3} s  rss {:>5} MB  peak {:>5} MB  cpu {:>8.2} s",
            since.elapsed().as_secs_f64(),
            mb("VmRSS:"),
            mb("VmHWM:"),
            process_cpu_seconds()
        );
    }
}

/// With timings on, prints a duration measured inside a phase (time a thread was busy, or
/// waited), under the phase's line.
pub fn span(name: &str, seconds: f64) {
    if timings_on() {
        eprintln!("recoupe timings: {name:<28} {seconds:>9.3} s");
    }
}

/// User and system CPU time of the whole process so far (Linux; 0 elsewhere), so that phases
/// that leave cores idle show up in the timings: compare its growth with the wall time.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 =
        rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse::<u64>().ok()).sum();
    // Linux reports these in clock ticks of 1/100 s (USER_HZ) on every common platform.
    ticks as f64 / 100.0
}

/// With timings on, prints the CPU time each stage spent, summed over threads.
pub fn print_stage_times() {
    if timings_on() {
        for (name, nanos) in STAGES.iter().zip(&STAGE_NANOS) {
            let secs = nanos.load(Ordering::Relaxed) as f64 / 1e9;
            eprintln!("recoupe timings: stage {name:<22} {secs:>9.3} s (all threads)");
        }
    }
}

/// Records which stage this thread is running.
pub fn enter(stage: &'static str) {
    if timings_on() {
        clock(Some(stage));
    }
    STAGE.with(|s| s.set(stage));
    if FAULT.with(Cell::get) == Some(stage) {
        panic!("fault injected for testing in the {stage} stage");
    }
}

/// Arms (or, with `None`, disarms) the test hook that makes this thread panic on entering
/// `stage`; the pipeline arms it only for documents holding the marker of `pipeline::FAULT_ENV`.
pub fn arm_fault(stage: Option<&'static str>) {
    FAULT.with(|f| f.set(stage));
}

/// The stage this thread was last in.
pub fn current_stage() -> &'static str {
    STAGE.with(Cell::get)
}

/// One row of documents.csv, without the story (known only at the end).
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub index: usize,
    pub doc: String,
    pub path: String,
    pub record_id: String,
    pub outlet: String,
    pub date: String,
    pub url: String,
    pub lang: Lang,
    pub encoding: String,
    pub bytes: usize,
    pub chars: usize,
    pub lines: usize,
    pub title: String,
    pub section: String,
    pub credits: Vec<String>,
    /// A source named in a dateline.
    pub source: String,
}

/// Everything known about one document after analysis.
#[derive(Debug, Clone)]
pub struct DocAnalysis {
    pub info: DocInfo,
    pub structure: Structure,
    pub mentions: Vec<Mention>,
    pub claims: DocClaims,
}

/// Analyses one document.
pub fn analyse(doc: &Document, model: &Model, stats: &CorpusStats) -> DocAnalysis {
    analyse_detected(doc, model, stats, None)
}

/// As [`analyse`], with what the language detector made of the document's text when that is
/// already known (the first pass detects it: see `pipeline`).
pub fn analyse_detected(
    doc: &Document,
    model: &Model,
    stats: &CorpusStats,
    detected: Option<Detected>,
) -> DocAnalysis {
    enter("lang");
    let lang = detected.unwrap_or_else(|| Detected::of(&doc.text)).lang(&doc.meta.lang);
    enter("structure");
    let structure = crate::structure::analyse(doc, &lang, &model.structure, stats);
    enter("entities");
    let mentions = crate::entities::find(doc, &lang, &structure, &model.entities);
    enter("claims");
    let claims = crate::claims::extract(doc, &lang, &structure, &mentions, &model.claims);
    enter("report");
    let title =
        if structure.title.is_empty() { doc.meta.title.clone() } else { structure.title.clone() };
    let info = DocInfo {
        index: doc.index,
        doc: doc.id.clone(),
        path: doc.path.clone(),
        record_id: doc.record_id.clone(),
        outlet: doc.meta.outlet.clone(),
        date: doc.meta.date.clone(),
        url: doc.meta.url.clone(),
        lang,
        encoding: doc.encoding.clone(),
        bytes: doc.bytes,
        chars: doc.text.chars().count(),
        lines: crate::document::line_count(&doc.text),
        title,
        section: structure.section.clone(),
        credits: structure.credits.clone(),
        source: structure.attributed_source.clone(),
    };
    DocAnalysis { info, structure, mentions, claims }
}
