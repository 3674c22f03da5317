//! Article structure: labels every non-empty line of a document `title`, `heading`, `body`,
//! `credit` or `boilerplate`, so that later stages see only the article.
//!
//! STUB (foundation): every non-empty line is `body`. The structure issue replaces this with the
//! real classifier; the types and signatures below are what the pipeline relies on.

use crate::cli::CleanArgs;
use crate::document::Document;
use crate::lang::Lang;
use crate::report::CsvOut;
use anyhow::{Result, bail};
use serde::Serialize;

/// The label of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Title,
    Heading,
    Body,
    Credit,
    Boilerplate,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Title => "title",
            Label::Heading => "heading",
            Label::Body => "body",
            Label::Credit => "credit",
            Label::Boilerplate => "boilerplate",
        }
    }

    /// Title, heading and body lines are the article; entities and claims come only from them.
    pub fn is_content(self) -> bool {
        matches!(self, Label::Title | Label::Heading | Label::Body)
    }
}

/// One labelled non-empty line.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// 1-based line number in the decoded text.
    pub number: usize,
    /// Byte range of the line in the decoded text (without the line end).
    pub start: usize,
    pub end: usize,
    pub label: Label,
    /// Short code saying why (e.g. `stopwords`, `furniture`, `repeated`).
    pub reason: &'static str,
}

/// The structure of one document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Structure {
    pub lines: Vec<Line>,
    /// The title, without a glued section label.
    pub title: String,
    /// A section label glued to the title, if any.
    pub section: String,
    /// Contributor names from credit lines.
    pub credits: Vec<String>,
    /// A source named in a dateline, if any.
    pub attributed_source: String,
}

impl Structure {
    /// The lines that are article content.
    pub fn content_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.label.is_content())
    }
}

/// Read-only knowledge the stage needs (stopwords, furniture patterns), built once per run.
#[derive(Debug, Default)]
pub struct Model {}

impl Model {
    pub fn build() -> Result<Self> {
        Ok(Model {})
    }
}

/// Corpus-level line statistics gathered in a first parallel pass (site furniture recurs
/// across documents). Mergeable, so the pass can fold in parallel.
#[derive(Debug, Default, Clone)]
pub struct CorpusStats {}

impl CorpusStats {
    /// Whether the analysis needs the first pass at all.
    pub const NEEDED: bool = false;

    pub fn observe(&mut self, _doc: &Document) {}

    pub fn merge(self, _other: CorpusStats) -> CorpusStats {
        self
    }
}

/// Labels the lines of `doc`.
pub fn analyse(doc: &Document, _lang: &Lang, _model: &Model, _stats: &CorpusStats) -> Structure {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, l) in doc.text.split('\n').enumerate() {
        if !l.trim().is_empty() {
            lines.push(Line {
                number: i + 1,
                start,
                end: start + l.len(),
                label: Label::Body,
                reason: "default",
            });
        }
        start += l.len() + 1;
    }
    Structure { lines, ..Default::default() }
}

/// Columns of lines.csv.
pub const LINES_HEADER: &[&str] = &["doc", "line", "label", "reason"];

/// Writes the lines.csv rows of one document.
pub fn write_lines(doc: &str, s: &Structure, w: &mut CsvOut) -> Result<()> {
    for l in &s.lines {
        w.row([doc, &l.number.to_string(), l.label.as_str(), l.reason])?;
    }
    Ok(())
}

/// `recoupe eval lines`: scores `reports/lines.csv` against a gold TSV.
pub fn eval_lines(_gold: &std::path::Path, _reports: &std::path::Path) -> Result<()> {
    bail!("`recoupe eval lines` is not available yet")
}

/// `recoupe clean`.
pub fn clean_command(_args: &CleanArgs) -> Result<()> {
    bail!("`recoupe clean` is not available yet")
}
