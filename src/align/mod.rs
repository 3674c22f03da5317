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

mod consistency;
pub mod model;
mod quotes;
mod stories;

use crate::analysis::DocAnalysis;
use crate::claims::Claim;
use crate::report::CsvOut;
use anyhow::Result;
pub use model::*;
use std::collections::{BTreeMap, BTreeSet};

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

    /// Groups, aligns and builds the report model. `kb` gives entities their display names.
    pub fn finish(self, kb: &crate::entities::Model) -> Corpus {
        use crate::analysis::phase;
        use std::time::Instant;
        let t = Instant::now();
        let mut docs = self.docs;
        docs.sort_by_key(|d| d.index);
        let names = Names::build(&docs, kb);
        phase("  names", t);
        let t = Instant::now();
        let copies = stories::copies(&docs);
        phase("  copies", t);
        let t = Instant::now();
        let story_of = stories::stories(&docs, &copies);
        phase("  stories", t);
        let t = Instant::now();
        let copy_of: Vec<Option<String>> =
            copies.iter().map(|c| c.map(|(j, _)| docs[j].doc.clone())).collect();
        let n_stories = story_of.iter().max().map_or(0, |m| m + 1);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_stories];
        for (i, s) in story_of.iter().enumerate() {
            members[*s].push(i);
        }
        let mut quote_ids = 0;
        let mut stories = Vec::with_capacity(n_stories);
        for (n, idx) in members.iter().enumerate() {
            let sdocs: Vec<&DocRecord> = idx.iter().map(|&i| &docs[i]).collect();
            let scopy: Vec<Option<String>> = idx.iter().map(|&i| copy_of[i].clone()).collect();
            let (findings, lists) = consistency::align(&sdocs, &scopy, &names);
            let quotes = quotes::group(&sdocs, &scopy, &mut quote_ids);
            let count = |st: Status| findings.iter().filter(|f| f.status == st).count();
            let outlets: BTreeSet<&str> =
                sdocs.iter().map(|d| d.outlet.as_str()).filter(|o| !o.is_empty()).collect();
            let copies: Vec<Copy> = idx
                .iter()
                .filter_map(|&i| {
                    copies[i].map(|(j, sim)| Copy {
                        doc: docs[i].doc.clone(),
                        original: docs[j].doc.clone(),
                        similarity: round3(sim),
                    })
                })
                .collect();
            let summary = StorySummary {
                documents: sdocs.len(),
                outlets: outlets.len(),
                independent: sdocs.len() - copies.len(),
                claims: sdocs.iter().map(|d| d.claims.len()).sum(),
                agree: count(Status::Agree),
                conflict: count(Status::Conflict),
                single: count(Status::Single),
                derived: count(Status::Derived),
                copies: copies.len(),
            };
            stories.push(Story {
                id: format!("s{}", n + 1),
                title: sdocs
                    .iter()
                    .find(|d| !d.title.is_empty())
                    .map_or_else(|| sdocs[0].doc.clone(), |d| d.title.clone()),
                docs: sdocs.iter().map(|d| d.doc.clone()).collect(),
                summary,
                findings,
                lists,
                quotes,
                variants: variants(&sdocs, &names),
                coverage: coverage(&sdocs, &names),
                copies,
            });
        }
        phase("  alignment", t);
        let documents = docs
            .iter()
            .enumerate()
            .map(|(i, d)| DocSummary {
                doc: d.doc.clone(),
                index: d.index,
                outlet: d.outlet.clone(),
                title: d.title.clone(),
                lang: d.lang.clone(),
                story: format!("s{}", story_of[i] + 1),
                copy_of: copy_of[i].clone(),
                copy_similarity: copies[i].map_or(0.0, |c| round3(c.1)),
                claims: d.claims.len(),
            })
            .collect();
        let all: Vec<&DocRecord> = docs.iter().collect();
        let report =
            Report { schema: SCHEMA_VERSION, documents, stories, variants: variants(&all, &names) };
        Corpus { report, tally: self.tally }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Display names of entities: the knowledge base's, else the form the sources use most.
#[derive(Debug, Default)]
pub struct Names {
    names: BTreeMap<String, (String, String)>,
}

impl Names {
    fn build(docs: &[DocRecord], kb: &crate::entities::Model) -> Self {
        let mut counts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        let mut types: BTreeMap<&str, &str> = BTreeMap::new();
        for d in docs {
            for (e, surface, kind) in &d.forms {
                let c = counts.entry(e).or_default();
                if kind != "demonym" {
                    *c.entry(surface).or_default() += 1;
                }
            }
            for (e, t, _) in &d.entities {
                types.entry(e).or_insert(t);
            }
        }
        let mut names = BTreeMap::new();
        for (e, forms) in counts {
            let ty = types.get(e).copied().unwrap_or("");
            let name = match kb.describe(e) {
                Some((n, _)) => n.to_string(),
                None => forms
                    .iter()
                    .max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s)))
                    .map_or(e.to_string(), |(s, _)| s.to_string()),
            };
            names.insert(e.to_string(), (name, ty.to_string()));
        }
        Names { names }
    }

    /// The display name of an entity id (the id itself when unknown).
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, |n| n.0.as_str())
    }

    pub fn etype<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or("", |n| n.1.as_str())
    }
}

/// Entities written in more than one way (demonyms aside), with the documents using each form.
fn variants(docs: &[&DocRecord], names: &Names) -> Vec<EntityVariants> {
    let mut forms: BTreeMap<&str, BTreeMap<(&str, &str), Vec<String>>> = BTreeMap::new();
    for d in docs {
        for (e, surface, kind) in &d.forms {
            if kind == "demonym" {
                continue;
            }
            let docs = forms.entry(e).or_default().entry((surface, kind)).or_default();
            // A document lists each of its forms once and documents come in order, so a
            // repeated id can only be the last one (a search of the whole list was quadratic
            // over the corpus).
            if docs.last() != Some(&d.doc) {
                docs.push(d.doc.clone());
            }
        }
    }
    forms
        .into_iter()
        .filter(|(_, f)| {
            let distinct: BTreeSet<String> = f.keys().map(|(s, _)| s.to_lowercase()).collect();
            distinct.len() > 1
        })
        .map(|(e, f)| EntityVariants {
            entity: e.to_string(),
            name: names.name(e).to_string(),
            etype: names.etype(e).to_string(),
            forms: f
                .into_iter()
                .map(|((surface, kind), docs)| Form {
                    surface: surface.to_string(),
                    kind: kind.to_string(),
                    docs,
                })
                .collect(),
        })
        .collect()
}

/// Rows of a coverage matrix: the entities most sources name.
const COVERAGE_ROWS: usize = 60;

/// Entities × documents mention counts, the entities most sources name first. Counts are
/// gathered sparse and only the kept rows are laid out per document: a story of thousands of
/// documents naming thousands of entities would otherwise fill a dense matrix to drop most of it.
fn coverage(docs: &[&DocRecord], names: &Names) -> Coverage {
    /// Documents naming an entity, its total mentions, and the (document, count) pairs.
    type Sparse = (usize, u32, Vec<(usize, u32)>);
    let mut rows: BTreeMap<&str, Sparse> = BTreeMap::new();
    for (d, doc) in docs.iter().enumerate() {
        for (e, _, n) in &doc.entities {
            let row = rows.entry(e).or_default();
            row.0 += usize::from(*n > 0);
            row.1 += *n;
            row.2.push((d, *n));
        }
    }
    let mut rows: Vec<(&str, Sparse)> = rows.into_iter().collect();
    rows.sort_by(|(a, x), (b, y)| (y.0, y.1).cmp(&(x.0, x.1)).then_with(|| a.cmp(b)));
    rows.truncate(COVERAGE_ROWS);
    let rows = rows
        .into_iter()
        .map(|(e, (_, _, sparse))| {
            let mut counts = vec![0; docs.len()];
            for (d, n) in sparse {
                counts[d] = n;
            }
            CoverageRow {
                entity: e.to_string(),
                name: names.name(e).to_string(),
                etype: names.etype(e).to_string(),
                counts,
            }
        })
        .collect();
    Coverage { docs: docs.iter().map(|d| d.doc.clone()).collect(), rows }
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

    /// consistency.csv: one row per finding.
    pub fn write_consistency(&self, w: &mut CsvOut) -> Result<()> {
        w.row([
            "story",
            "key",
            "kind",
            "status",
            "values",
            "sources",
            "evidence",
            "label",
            "consistent",
            "note",
        ])?;
        for s in &self.report.stories {
            for f in &s.findings {
                let evidence: Vec<String> = f
                    .cells
                    .iter()
                    .flat_map(|c| c.evidence.iter().map(|e| format!("{}:{}", e.doc, e.line)))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let consistent = f.consistent.map_or("", |c| if c { "yes" } else { "no" });
                w.row([
                    s.id.as_str(),
                    &f.key,
                    &f.kind,
                    f.status.as_str(),
                    &f.values.join(" | "),
                    &f.sources.join(";"),
                    &evidence.join(";"),
                    &f.label,
                    consistent,
                    &f.note,
                ])?;
            }
        }
        Ok(())
    }

    /// quotes.csv: one row per quote occurrence, grouped.
    pub fn write_quotes(&self, w: &mut CsvOut) -> Result<()> {
        w.row(["group", "doc", "line", "speaker", "text", "diff", "status", "story"])?;
        for s in &self.report.stories {
            for g in &s.quotes {
                for m in &g.members {
                    w.row([
                        g.id.as_str(),
                        &m.doc,
                        &m.line.to_string(),
                        &m.speaker,
                        &m.text,
                        &quotes::diff_line(&m.diff),
                        &g.status,
                        &s.id,
                    ])?;
                }
            }
        }
        Ok(())
    }

    /// variants.csv: one row per surface form of an entity written in several ways.
    pub fn write_variants(&self, w: &mut CsvOut) -> Result<()> {
        w.row(["entity", "surface", "kind", "docs", "name", "type"])?;
        for v in &self.report.variants {
            for f in &v.forms {
                w.row([
                    v.entity.as_str(),
                    &f.surface,
                    &f.kind,
                    &f.docs.join(";"),
                    &v.name,
                    &v.etype,
                ])?;
            }
        }
        Ok(())
    }
}
