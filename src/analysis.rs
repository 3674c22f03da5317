//! Per-document analysis: a pure function of one decoded document and the read-only model.
//! Runs every stage in order (language, structure, entities, claims) and returns everything the
//! reports need about that document. A panic inside a stage is caught at the pipeline's edge
//! and reported with the stage it happened in.

use crate::claims::DocClaims;
use crate::document::Document;
use crate::entities::Mention;
use crate::lang::Lang;
use crate::model::Model;
use crate::structure::{CorpusStats, Structure};
use std::cell::Cell;

thread_local! {
    /// The stage the current thread is in, so a caught panic can be attributed.
    static STAGE: Cell<&'static str> = const { Cell::new("decode") };
    /// Test hook: a stage that must panic when entered (see `pipeline::FAULT_ENV`).
    static FAULT: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Records which stage this thread is running.
pub fn enter(stage: &'static str) {
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
    enter("lang");
    let lang = crate::lang::detect(&doc.text, &doc.meta.lang);
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
        lines: doc.text.lines().count(),
        title,
        section: structure.section.clone(),
        credits: structure.credits.clone(),
        source: structure.attributed_source.clone(),
    };
    DocAnalysis { info, structure, mentions, claims }
}
