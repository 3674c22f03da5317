//! Entities: finds the countries, companies, agencies, organizations, people, media, products
//! and places a document names, linked to canonical ids of the knowledge base.
//!
//! STUB (foundation): finds nothing. The entities issue replaces this; the types and signatures
//! below are what the pipeline relies on.

use crate::cli::KbArgs;
use crate::document::Document;
use crate::lang::Lang;
use crate::report::CsvOut;
use crate::structure::Structure;
use anyhow::{Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One mention of an entity in a document.
#[derive(Debug, Clone, Serialize)]
pub struct Mention {
    /// 1-based line number.
    pub line: usize,
    /// Span in Unicode scalar values from the start of the line.
    pub char_start: usize,
    pub char_end: usize,
    /// Span in bytes from the start of the decoded document.
    pub byte_start: usize,
    pub byte_end: usize,
    /// The text as written.
    pub surface: String,
    /// Canonical entity id (ISO alpha-2 for countries, slug otherwise).
    pub entity: String,
    /// country, company, agency, org, media, person, product, place.
    #[serde(rename = "type")]
    pub etype: String,
    /// name, demonym, misspelling, translation, acronym, discovered…
    pub kind: String,
    pub confidence: f32,
}

/// The knowledge base and its matchers, built once per run.
#[derive(Debug, Default)]
pub struct Model {}

impl Model {
    pub fn build(_kb_files: &[PathBuf]) -> Result<Self> {
        Ok(Model {})
    }

    /// Canonical display name and type of an entity id.
    pub fn describe(&self, _id: &str) -> Option<(&str, &str)> {
        None
    }
}

/// Finds the mentions of `doc`, from content lines only.
pub fn find(_doc: &Document, _lang: &Lang, _structure: &Structure, _model: &Model) -> Vec<Mention> {
    Vec::new()
}

/// Columns of mentions.csv.
pub const MENTIONS_HEADER: &[&str] = &[
    "doc",
    "line",
    "char_start",
    "char_end",
    "byte_start",
    "byte_end",
    "surface",
    "entity",
    "type",
    "kind",
    "confidence",
];

/// Writes the mentions.csv rows of one document.
pub fn write_mentions(doc: &str, mentions: &[Mention], w: &mut CsvOut) -> Result<()> {
    for m in mentions {
        w.row([
            doc,
            &m.line.to_string(),
            &m.char_start.to_string(),
            &m.char_end.to_string(),
            &m.byte_start.to_string(),
            &m.byte_end.to_string(),
            &m.surface,
            &m.entity,
            &m.etype,
            &m.kind,
            &format!("{:.2}", m.confidence),
        ])?;
    }
    Ok(())
}

/// Per-entity totals over the corpus, for entities.csv.
#[derive(Debug, Default)]
pub struct Tally {
    /// entity → (type, docs, mentions, surface → count)
    entities: BTreeMap<String, (String, usize, usize, BTreeMap<String, usize>)>,
}

impl Tally {
    pub fn add(&mut self, mentions: &[Mention]) {
        let mut seen = std::collections::HashSet::new();
        for m in mentions {
            let e = self
                .entities
                .entry(m.entity.clone())
                .or_insert_with(|| (m.etype.clone(), 0, 0, BTreeMap::new()));
            if seen.insert(m.entity.as_str()) {
                e.1 += 1;
            }
            e.2 += 1;
            *e.3.entry(m.surface.clone()).or_default() += 1;
        }
    }

    /// Writes entities.csv.
    pub fn write(&self, model: &Model, w: &mut CsvOut) -> Result<()> {
        w.row(["entity", "type", "name", "docs", "mentions", "surfaces"])?;
        for (id, (etype, docs, mentions, surfaces)) in &self.entities {
            let name = model.describe(id).map_or(id.as_str(), |d| d.0);
            let surfaces: Vec<&str> = surfaces.keys().map(String::as_str).collect();
            w.row([
                id.as_str(),
                etype,
                name,
                &docs.to_string(),
                &mentions.to_string(),
                &surfaces.join("|"),
            ])?;
        }
        Ok(())
    }
}

/// `recoupe kb ...`.
pub fn kb_command(_args: &KbArgs) -> Result<()> {
    bail!("`recoupe kb` is not available yet")
}

/// `recoupe eval mentions`: scores `reports/mentions.csv` against a gold TSV.
pub fn eval_mentions(_gold: &std::path::Path, _reports: &std::path::Path) -> Result<()> {
    bail!("`recoupe eval mentions` is not available yet")
}
