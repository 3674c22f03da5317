//! Corpus-level aggregation: groups documents into stories, detects syndicated copies, aligns
//! the claims of each story into agreements, conflicts, single-source and derived findings.
//!
//! STUB (foundation): every document is its own story and nothing is aligned. The claims issue
//! replaces this; `Aggregator::add` receives each analysis in corpus order and `finish` must
//! not be quadratic in the number of documents.

use crate::analysis::DocAnalysis;
use crate::report::CsvOut;
use anyhow::Result;

/// Collects what the corpus-level reports need from each document, in corpus order.
#[derive(Debug, Default)]
pub struct Aggregator {
    docs: Vec<(usize, String)>,
    tally: crate::entities::Tally,
}

impl Aggregator {
    /// Takes one document's analysis (its per-document rows are already written).
    pub fn add(&mut self, a: DocAnalysis) {
        self.tally.add(&a.mentions);
        self.docs.push((a.info.index, a.info.doc.clone()));
    }

    pub fn finish(self) -> Corpus {
        let story = self.docs.iter().map(|(i, _)| (*i, format!("s{}", i + 1))).collect();
        Corpus { story, tally: self.tally }
    }
}

/// The aggregated results.
#[derive(Debug, Default)]
pub struct Corpus {
    story: std::collections::HashMap<usize, String>,
    tally: crate::entities::Tally,
}

impl Corpus {
    /// The story id of the document at corpus position `index`.
    pub fn story_of(&self, index: usize) -> &str {
        self.story.get(&index).map_or("", String::as_str)
    }

    /// Per-entity totals.
    pub fn tally(&self) -> &crate::entities::Tally {
        &self.tally
    }

    pub fn write_consistency(&self, w: &mut CsvOut) -> Result<()> {
        w.row(["story", "key", "kind", "status", "values", "sources", "evidence"])
    }

    pub fn write_quotes(&self, w: &mut CsvOut) -> Result<()> {
        w.row(["group", "doc", "line", "speaker", "text", "diff"])
    }

    pub fn write_variants(&self, w: &mut CsvOut) -> Result<()> {
        w.row(["entity", "surface", "kind", "docs"])
    }
}
