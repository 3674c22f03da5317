//! The corpus-level data model: what the consistency reports show, story by story.
//!
//! `report.json` is this model serialized as is; `report.md` and `report.html` render it, and
//! `consistency.csv`, `quotes.csv` and `variants.csv` flatten parts of it. Every list is sorted
//! so that the same corpus always gives the same bytes. Offsets (`byte_start`, `byte_end`) are
//! in bytes of the decoded document text, like everywhere else in recoupe; lines are 1-based.

use serde::{Deserialize, Serialize};

/// Version of the report.json schema; bumped when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything the corpus-level reports show.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    /// `SCHEMA_VERSION` of the writer.
    pub schema: u32,
    /// Every analysed document, in corpus order.
    pub documents: Vec<DocSummary>,
    /// Stories, ordered by their first document.
    pub stories: Vec<Story>,
    /// Name variants over the whole corpus: per entity, the surface forms and who used them.
    pub variants: Vec<EntityVariants>,
}

/// One analysed document as the consistency report sees it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocSummary {
    /// Document id (as in every CSV's `doc` column).
    pub doc: String,
    /// Position in corpus order.
    pub index: usize,
    /// Outlet, when known (manifest, record or dateline); empty otherwise.
    pub outlet: String,
    pub title: String,
    /// Detected language code.
    pub lang: String,
    /// Story id (`s1`, `s2`…).
    pub story: String,
    /// When this text is a near-copy of an earlier one: that document's id.
    pub copy_of: Option<String>,
    /// Estimated Jaccard similarity of word shingles with `copy_of` (0 when not a copy).
    pub copy_similarity: f64,
    /// Number of claims extracted from the document.
    pub claims: usize,
}

/// A group of documents about the same events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Story {
    /// `s1`, `s2`… in order of each story's first document.
    pub id: String,
    /// Title of the story's first document that has one.
    pub title: String,
    /// Member documents, in corpus order.
    pub docs: Vec<String>,
    pub summary: StorySummary,
    /// The claims table: one row per aligned key.
    pub findings: Vec<Finding>,
    /// List membership grids (which source puts which entity in or out of a list).
    pub lists: Vec<MembershipList>,
    /// Quotes carried by the sources, grouped when they are the same quote.
    pub quotes: Vec<QuoteGroup>,
    /// Entities named differently by the story's sources.
    pub variants: Vec<EntityVariants>,
    /// Entities × sources mention counts.
    pub coverage: Coverage,
    /// Near-duplicate texts: a copy is shown but never counted as an independent source.
    pub copies: Vec<Copy>,
}

/// Headline numbers of a story.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StorySummary {
    pub documents: usize,
    /// Distinct non-empty outlets.
    pub outlets: usize,
    /// Documents that are not copies of another: the independent sources.
    pub independent: usize,
    pub claims: usize,
    pub agree: usize,
    pub conflict: usize,
    pub single: usize,
    pub derived: usize,
    pub copies: usize,
}

/// How the sources of one aligned key relate.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Two or more independent sources give compatible values.
    Agree,
    /// Independent sources give incompatible values.
    Conflict,
    /// Only one independent source says it (copies of it do not count).
    #[default]
    Single,
    /// Checked by arithmetic or against an enumeration rather than read in one sentence;
    /// `Finding::consistent` says whether the check holds.
    Derived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Agree => "agree",
            Status::Conflict => "conflict",
            Status::Single => "single",
            Status::Derived => "derived",
        }
    }
}

/// A document's id (`FILE` or `FILE#N`) as the story model repeats it in every cell, evidence
/// and source list: one string per document of a story, shared, rather than a copy each time
/// (a story of 20,000 documents has hundreds of thousands of cells).
pub type DocId = std::sync::Arc<str>;

/// One row of the claims table: a normalized key and what each source says about it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Finding {
    /// Normalized key, e.g. `quantity:countries|after`, `member:country|MA`,
    /// `arith:countries|before-after=removed`.
    pub key: String,
    /// quantity, enumeration, membership, event, arithmetic.
    pub kind: String,
    pub status: Status,
    /// For `derived` findings: whether the check holds. `None` otherwise.
    pub consistent: Option<bool>,
    /// A readable subject, e.g. "countries (after)".
    pub label: String,
    /// Distinct normalized values, sorted.
    pub values: Vec<String>,
    /// Documents supporting the finding, in corpus order.
    pub sources: Vec<DocId>,
    /// What each source says, one cell per source, in corpus order.
    pub cells: Vec<Cell>,
    /// How a derived finding was computed, or why values were judged (in)compatible.
    pub note: String,
}

/// What one source says about a key.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cell {
    pub doc: DocId,
    /// The normalized value (e.g. `37`, `500000000`, `in`, `wednesday`).
    pub value: String,
    /// The value as the reports show it (`~500000000 USD`, `Facebook`).
    pub shown: String,
    /// The value as written (e.g. « près de 500 millions de dollars »).
    pub surface: String,
    /// The value is inferred (from a complete list, a sum, names counted), not read in words.
    pub inferred: bool,
    /// Approximation qualifier: `about`, `more`, `less`, `at_least`, `at_most`, or empty.
    pub approx: String,
    /// Weekdays and dates of the sentence(s) (`wednesday`, `2019`, `2021-11`).
    pub days: Vec<String>,
    /// Set when the document is a copy of another: the original's id.
    pub copy_of: Option<DocId>,
    /// Where the source says it.
    pub evidence: Vec<Evidence>,
}

/// A sentence of a document, located exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub doc: DocId,
    pub line: usize,
    /// Byte span of the sentence in the decoded document.
    pub byte_start: usize,
    pub byte_end: usize,
    /// The sentence (shared with the claims it holds).
    pub text: std::sync::Arc<str>,
    /// Byte spans (in the document) worth highlighting: the value, the entities.
    pub marks: Vec<Mark>,
}

/// A highlighted span inside an evidence sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Mark {
    pub byte_start: usize,
    pub byte_end: usize,
    pub kind: MarkKind,
}

/// What a mark highlights; written in lowercase (`value`, `entity`, `cue`, `day`). Declared in
/// alphabetical order, so marks sort as their names do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarkKind {
    Cue,
    Day,
    #[default]
    Entity,
    Value,
}

/// Which entities each source puts in or out of one list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MembershipList {
    /// List key, e.g. `list:country`.
    pub key: String,
    pub label: String,
    /// The story's documents, the grid's columns, in corpus order.
    pub docs: Vec<DocId>,
    /// One row per entity.
    pub rows: Vec<MembershipRow>,
}

/// One entity's row of a membership grid.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MembershipRow {
    pub entity: String,
    /// Display name of the entity.
    pub name: String,
    pub status: Status,
    /// One cell per column of `MembershipList::docs`.
    pub cells: Vec<MemberCell>,
}

/// One source's view of one entity's membership.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MemberCell {
    pub doc: DocId,
    /// `in`, `out` or `silent`.
    pub state: String,
    /// `words` (a cue says it) or `enumeration` (inferred from a complete list); empty when
    /// silent.
    pub how: String,
    pub evidence: Vec<Evidence>,
}

/// The same quote as carried by one or more sources.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QuoteGroup {
    /// `q1`, `q2`… within the corpus.
    pub id: String,
    /// The speaker most sources name (entity id or name as written), may be empty.
    pub speaker: String,
    /// `same` (identical wording), `variant` (same quote, different wording) or `single`.
    pub status: String,
    pub members: Vec<QuoteMember>,
}

/// One occurrence of a quote.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QuoteMember {
    pub doc: DocId,
    pub line: usize,
    pub speaker: String,
    pub text: String,
    pub byte_start: usize,
    pub byte_end: usize,
    /// Word diff against the group's first member (empty for the first member).
    pub diff: Vec<DiffSpan>,
    pub copy_of: Option<DocId>,
}

/// One run of a word diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSpan {
    /// `equal`, `delete` (only in the first member) or `insert` (only in this one).
    pub op: String,
    pub text: String,
}

/// The surface forms of one entity and who used them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EntityVariants {
    pub entity: String,
    pub name: String,
    #[serde(rename = "type")]
    pub etype: String,
    pub forms: Vec<Form>,
}

/// One surface form of an entity.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Form {
    pub surface: String,
    /// name, demonym, misspelling, translation…
    pub kind: String,
    pub docs: Vec<String>,
}

/// Entities × sources mention counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Coverage {
    /// Columns: the story's documents in corpus order.
    pub docs: Vec<String>,
    pub rows: Vec<CoverageRow>,
}

/// One entity's mention counts, one per column of `Coverage::docs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CoverageRow {
    pub entity: String,
    pub name: String,
    #[serde(rename = "type")]
    pub etype: String,
    pub counts: Vec<u32>,
}

/// A document detected as a near-copy of another.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Copy {
    pub doc: String,
    pub original: String,
    pub similarity: f64,
}
