//! Claims: what a document asserts — quantities, enumerations, list memberships, quotes and
//! events with their days — each tied to its line and sentence.
//!
//! STUB (foundation): extracts nothing. The claims issue replaces this; the types and
//! signatures below are what the pipeline relies on.

use crate::document::Document;
use crate::entities::Mention;
use crate::lang::Lang;
use crate::report::CsvOut;
use crate::structure::Structure;
use anyhow::Result;
use serde::Serialize;

/// One claim of one document.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// 1-based line number.
    pub line: usize,
    /// quantity, enumeration, membership, quote or event.
    pub kind: String,
    /// Normalized alignment key (what is counted, entities, role).
    pub key: String,
    pub value: String,
    pub unit: String,
    pub role: String,
    /// Canonical entity ids of the claim's sentence.
    pub entities: Vec<String>,
    /// The sentence the claim comes from.
    pub text: String,
}

/// Lexicons and patterns, built once per run.
#[derive(Debug, Default)]
pub struct Model {}

impl Model {
    pub fn build() -> Result<Self> {
        Ok(Model {})
    }
}

/// All claims of one document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocClaims {
    pub claims: Vec<Claim>,
}

/// Extracts the claims of `doc` from its content lines.
pub fn extract(
    _doc: &Document,
    _lang: &Lang,
    _structure: &Structure,
    _mentions: &[Mention],
    _model: &Model,
) -> DocClaims {
    DocClaims::default()
}

/// Columns of claims.csv.
pub const CLAIMS_HEADER: &[&str] =
    &["claim", "doc", "line", "kind", "key", "value", "unit", "role", "entities", "text"];

/// Writes the claims.csv rows of one document.
pub fn write_claims(doc: &str, c: &DocClaims, w: &mut CsvOut) -> Result<()> {
    for (n, cl) in c.claims.iter().enumerate() {
        w.row([
            &format!("{doc}#c{}", n + 1),
            doc,
            &cl.line.to_string(),
            &cl.kind,
            &cl.key,
            &cl.value,
            &cl.unit,
            &cl.role,
            &cl.entities.join(";"),
            &cl.text,
        ])?;
    }
    Ok(())
}
