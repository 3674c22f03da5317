//! Claims: what a document asserts — quantities, enumerations, list memberships, quotes and
//! events with their days — each tied to its line and sentence.
//!
//! STUB in progress: the types below are final; extraction is being built.

use crate::document::Document;
use crate::entities::Mention;
use crate::lang::Lang;
use crate::report::CsvOut;
use crate::structure::Structure;
use anyhow::Result;
use serde::{Deserialize, Serialize};

/// What a claim is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Quantity,
    Enumeration,
    Membership,
    Quote,
    Event,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Quantity => "quantity",
            Kind::Enumeration => "enumeration",
            Kind::Membership => "membership",
            Kind::Quote => "quote",
            Kind::Event => "event",
        }
    }
}

/// One claim of one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claim {
    /// 1-based line number.
    pub line: usize,
    pub kind: Kind,
    /// Normalized alignment key (what is counted, the list, the role…), language-independent.
    pub key: String,
    /// Normalized value: a number in plain digits, `in`/`out`, a count, a quote's text…
    pub value: String,
    /// Unit of a quantity (`USD`, `%`, `hours`…), empty for plain counts.
    pub unit: String,
    /// Role given by a cue: `after`, `before`, `removed`, `added`… or empty.
    pub role: String,
    /// Approximation: `about`, `more`, `less`, `at_least`, `at_most`, or empty.
    pub approx: String,
    /// What is counted or listed, normalized across languages (`countries`), or empty.
    pub head: String,
    /// Canonical entity ids of the claim's sentence, sorted, deduplicated.
    pub entities: Vec<String>,
    /// Members of an enumeration or the entity of a membership, in text order.
    pub members: Vec<String>,
    /// Speaker of a quote (entity id when known, else the name as written).
    pub speaker: String,
    /// Weekdays and dates of the sentence (`wednesday`, `2019`, `2021-11`).
    pub days: Vec<String>,
    /// The value as written.
    pub surface: String,
    /// Byte span of the value in the document.
    pub span: (usize, usize),
    /// Byte span of the sentence in the document.
    pub sentence: (usize, usize),
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

/// All claims of one document, plus the fingerprint used to find copies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocClaims {
    pub claims: Vec<Claim>,
    /// MinHash signature of the content's word shingles (empty for very short texts).
    pub signature: Vec<u32>,
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
            cl.kind.as_str(),
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
