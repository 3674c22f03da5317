//! Corpus-level aggregation: groups documents into stories, detects syndicated copies, aligns
//! the claims of each story into agreements, conflicts, single-source and derived findings,
//! groups quotes and collects name variants.
//!
//! Memory stays bounded by the compact per-document results (`DocRecord`: a MinHash signature,
//! interned entity counts and name forms, story features); the texts are gone once a document
//! is analysed, and its claims wait in a `store::ClaimStore` (a part file during a run) until
//! its story is aligned. Stories are aligned one at a time and handed to a `StoryOutput` that
//! writes them, so the findings of the whole corpus are never held at once either.
//! Nothing here is quadratic in the number of documents: copies and stories are found through
//! LSH buckets and an inverted index with bounded candidate lists (see `stories`).
//!
//! The result, `Corpus`, wraps the serializable `model::Report` that every corpus-level report
//! renders.

mod consistency;
pub mod model;
mod quotes;
mod store;
mod stories;

use crate::analysis::DocAnalysis;
use crate::claims::Claim;
use crate::entities::Mention;
use crate::report::CsvOut;
use anyhow::{Context, Result};
pub use model::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use store::{ClaimStore, Sym, Syms};
pub use stories::MAX_STORY;

/// What the corpus level keeps of one document until the end of the run.
#[derive(Debug, Clone, Default)]
pub struct DocRecord {
    pub index: usize,
    pub doc: String,
    pub outlet: String,
    pub title: String,
    pub lang: String,
    pub date: String,
    /// The document's claims: only while its story is aligned (they wait in the claim store).
    pub claims: Vec<Claim>,
    /// How many claims it has.
    pub n_claims: usize,
    /// MinHash signature of the document's word shingles.
    pub signature: Vec<u32>,
    /// (entity, type, mention count), sorted by entity id.
    entities: Vec<(Sym, Sym, u32)>,
    /// (entity, surface, kind), sorted by their text and deduplicated.
    forms: Vec<(Sym, Sym, Sym)>,
    /// Hashes of the counted quantities that link documents into stories.
    quantities: Vec<u64>,
    /// Where its claims are in the claim store.
    claims_at: (u64, u32),
}

/// One document's analysis reduced to what the corpus level needs, with its claims encoded: made
/// by `Aggregator::prepare` in the worker that analysed the document, so that this work runs in
/// parallel, then handed to `Aggregator::add_prepared` in corpus order.
#[derive(Debug, Default)]
pub struct Prepared {
    index: usize,
    doc: String,
    outlet: String,
    title: String,
    lang: String,
    date: String,
    n_claims: usize,
    signature: Vec<u32>,
    entities: Vec<(String, String, u32)>,
    forms: Vec<(String, String, String)>,
    quantities: Vec<u64>,
    claims: Vec<u8>,
    mentions: Vec<Mention>,
}

/// Receives the corpus-level results as they are produced: the documents and variants first
/// (`begin`, with the stories still empty), then each story in order, then `end`.
pub trait StoryOutput {
    fn begin(&mut self, report: &Report, stories: usize) -> Result<()>;
    fn story(&mut self, story: &Story) -> Result<()>;
    fn end(&mut self, report: &Report) -> Result<()>;
}

/// An output that writes nothing (the stories are kept in the `Corpus`).
struct Nowhere;

impl StoryOutput for Nowhere {
    fn begin(&mut self, _: &Report, _: usize) -> Result<()> {
        Ok(())
    }
    fn story(&mut self, _: &Story) -> Result<()> {
        Ok(())
    }
    fn end(&mut self, _: &Report) -> Result<()> {
        Ok(())
    }
}

/// Collects what the corpus-level reports need from each document, in corpus order.
#[derive(Debug, Default)]
pub struct Aggregator {
    docs: Vec<DocRecord>,
    syms: Syms,
    store: ClaimStore,
    tally: crate::entities::Tally,
}

impl Aggregator {
    /// An aggregator keeping the claims in the part file `path` (removed when done).
    pub fn spilling(path: &Path) -> Result<Self> {
        Ok(Aggregator { store: ClaimStore::file(path)?, ..Default::default() })
    }

    /// Reduces one document's analysis to what the corpus level keeps (a pure function).
    pub fn prepare(a: DocAnalysis) -> Prepared {
        let mut counts: BTreeMap<&str, (&str, u32)> = BTreeMap::new();
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
        let mut claims = Vec::new();
        store::encode(&a.claims.claims, &mut claims);
        Prepared {
            index: a.info.index,
            doc: a.info.doc,
            outlet: a.info.outlet,
            title: a.info.title,
            lang: a.info.lang.code,
            date: a.info.date,
            n_claims: a.claims.claims.len(),
            signature: a.claims.signature,
            entities,
            forms,
            quantities: stories::quantity_features(&a.claims.claims),
            claims,
            mentions: a.mentions,
        }
    }

    /// Takes one document's analysis (its per-document rows are already written). Panics if
    /// the claim store cannot be written: use `prepare` and `add_prepared` with a spilling
    /// aggregator.
    pub fn add(&mut self, a: DocAnalysis) {
        self.add_prepared(Self::prepare(a)).expect("storing claims");
    }

    /// Takes one prepared document, in corpus order.
    pub fn add_prepared(&mut self, p: Prepared) -> Result<()> {
        self.tally.add(&p.mentions);
        let claims_at = self.store.put(&p.claims)?;
        let syms = &mut self.syms;
        let entities = p.entities.iter().map(|(e, t, n)| (syms.id(e), syms.id(t), *n)).collect();
        let forms = p.forms.iter().map(|(e, s, k)| (syms.id(e), syms.id(s), syms.id(k))).collect();
        self.docs.push(DocRecord {
            index: p.index,
            doc: p.doc,
            outlet: p.outlet,
            title: p.title,
            lang: p.lang,
            date: p.date,
            claims: Vec::new(),
            n_claims: p.n_claims,
            signature: p.signature,
            entities,
            forms,
            quantities: p.quantities,
            claims_at,
        });
        Ok(())
    }

    /// Groups, aligns and builds the report model, every story kept in it. `kb` gives entities
    /// their display names.
    pub fn finish(self, kb: &crate::entities::Model) -> Corpus {
        self.finish_into(kb, &mut Nowhere, usize::MAX).expect("aligning stories in memory")
    }

    /// Groups and aligns, handing each story to `out` as soon as it is aligned. The returned
    /// corpus keeps the documents, the variants and only the `keep` stories with the most
    /// documents (the first ones among equals), in story order.
    pub fn finish_into(
        self,
        kb: &crate::entities::Model,
        out: &mut dyn StoryOutput,
        keep: usize,
    ) -> Result<Corpus> {
        use crate::analysis::phase;
        use std::time::Instant;
        let t = Instant::now();
        let Aggregator { docs, syms, mut store, tally } = self;
        let mut docs = docs;
        docs.sort_by_key(|d| d.index);
        store.seal()?;
        let names = Names::build(&docs, &syms, kb);
        phase("  names", t);
        let t = Instant::now();
        let copies = stories::copies(&docs);
        phase("  copies", t);
        let t = Instant::now();
        let story_of = stories::stories(&docs, &copies, &syms);
        phase("  stories", t);
        let t = Instant::now();
        let copy_of: Vec<Option<String>> =
            copies.iter().map(|c| c.map(|(j, _)| docs[j].doc.clone())).collect();
        let n_stories = story_of.iter().max().map_or(0, |m| m + 1);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_stories];
        for (i, s) in story_of.iter().enumerate() {
            members[*s].push(i);
        }
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
                claims: d.n_claims,
            })
            .collect();
        let all: Vec<&DocRecord> = docs.iter().collect();
        let corpus_variants = variants(&all, &names, &syms);
        drop(all);
        let mut report = Report {
            schema: SCHEMA_VERSION,
            documents,
            stories: Vec::new(),
            variants: corpus_variants,
        };
        // The stories kept in the corpus: the largest, the first among equals.
        let mut by_size: Vec<usize> = (0..n_stories).collect();
        by_size.sort_by_key(|&n| (std::cmp::Reverse(members[n].len()), n));
        let mut kept = vec![false; n_stories];
        for &n in by_size.iter().take(keep) {
            kept[n] = true;
        }
        drop(by_size);
        phase("  documents and variants", t);
        let t = Instant::now();
        out.begin(&report, n_stories)?;
        // Each document is in one story: its record is taken out when its story is aligned.
        let mut docs: Vec<Option<DocRecord>> = docs.into_iter().map(Some).collect();
        let mut quote_ids = 0;
        for (n, idx) in members.iter().enumerate() {
            let mut sdocs: Vec<DocRecord> = Vec::with_capacity(idx.len());
            for &i in idx {
                let mut d = docs[i].take().context("a document in two stories")?;
                d.claims = store.get(d.claims_at)?;
                sdocs.push(d);
            }
            let sdocs: Vec<&DocRecord> = sdocs.iter().collect();
            let scopy: Vec<Option<String>> = idx.iter().map(|&i| copy_of[i].clone()).collect();
            let (findings, lists) = consistency::align(&sdocs, &scopy, &names);
            let quotes = quotes::group(&sdocs, &scopy, &mut quote_ids);
            let count = |st: Status| findings.iter().filter(|f| f.status == st).count();
            let outlets: BTreeSet<&str> =
                sdocs.iter().map(|d| d.outlet.as_str()).filter(|o| !o.is_empty()).collect();
            let copies: Vec<Copy> = idx
                .iter()
                .zip(&sdocs)
                .filter_map(|(&i, d)| {
                    copies[i].map(|(_, sim)| Copy {
                        doc: d.doc.clone(),
                        original: copy_of[i].clone().unwrap_or_default(),
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
            let story = Story {
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
                variants: variants(&sdocs, &names, &syms),
                coverage: coverage(&sdocs, &names, &syms),
                copies,
            };
            out.story(&story)?;
            if kept[n] {
                report.stories.push(story);
            }
        }
        out.end(&report)?;
        phase("  alignment", t);
        Ok(Corpus { report, tally })
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
    fn build(docs: &[DocRecord], syms: &Syms, kb: &crate::entities::Model) -> Self {
        let mut counts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        let mut types: BTreeMap<&str, &str> = BTreeMap::new();
        for d in docs {
            for &(e, surface, kind) in &d.forms {
                let c = counts.entry(syms.get(e)).or_default();
                if syms.get(kind) != "demonym" {
                    *c.entry(syms.get(surface)).or_default() += 1;
                }
            }
            for &(e, t, _) in &d.entities {
                types.entry(syms.get(e)).or_insert(syms.get(t));
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
fn variants(docs: &[&DocRecord], names: &Names, syms: &Syms) -> Vec<EntityVariants> {
    // First the entities with several forms (case aside), so that document lists are only
    // gathered for them: most entities have one form, named by a large part of the corpus.
    let mut surfaces: BTreeMap<Sym, BTreeSet<Sym>> = BTreeMap::new();
    for d in docs {
        for &(e, surface, kind) in &d.forms {
            if syms.get(kind) != "demonym" {
                surfaces.entry(e).or_default().insert(surface);
            }
        }
    }
    let several: BTreeSet<Sym> = surfaces
        .into_iter()
        .filter(|(_, s)| {
            let distinct: BTreeSet<String> =
                s.iter().map(|&s| syms.get(s).to_lowercase()).collect();
            distinct.len() > 1
        })
        .map(|(e, _)| e)
        .collect();
    let mut forms: BTreeMap<&str, BTreeMap<(&str, &str), Vec<usize>>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        for &(e, surface, kind) in &d.forms {
            if !several.contains(&e) || syms.get(kind) == "demonym" {
                continue;
            }
            let key = (syms.get(surface), syms.get(kind));
            let docs = forms.entry(syms.get(e)).or_default().entry(key).or_default();
            // A document lists each of its forms once and documents come in order.
            if docs.last() != Some(&i) {
                docs.push(i);
            }
        }
    }
    forms
        .into_iter()
        .map(|(e, f)| EntityVariants {
            entity: e.to_string(),
            name: names.name(e).to_string(),
            etype: names.etype(e).to_string(),
            forms: f
                .into_iter()
                .map(|((surface, kind), ds)| Form {
                    surface: surface.to_string(),
                    kind: kind.to_string(),
                    docs: ds.into_iter().map(|i| docs[i].doc.clone()).collect(),
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
fn coverage(docs: &[&DocRecord], names: &Names, syms: &Syms) -> Coverage {
    /// Documents naming an entity, its total mentions, and the (document, count) pairs.
    type Sparse = (usize, u32, Vec<(usize, u32)>);
    let mut rows: BTreeMap<&str, Sparse> = BTreeMap::new();
    for (d, doc) in docs.iter().enumerate() {
        for &(e, _, n) in &doc.entities {
            let row = rows.entry(syms.get(e)).or_default();
            row.0 += usize::from(n > 0);
            row.1 += n;
            row.2.push((d, n));
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

/// consistency.csv: the header row.
pub fn consistency_header(w: &mut CsvOut) -> Result<()> {
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
    ])
}

/// consistency.csv: one row per finding of story `s`.
pub fn consistency_rows(s: &Story, w: &mut CsvOut) -> Result<()> {
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
    Ok(())
}

/// quotes.csv: the header row.
pub fn quotes_header(w: &mut CsvOut) -> Result<()> {
    w.row(["group", "doc", "line", "speaker", "text", "diff", "status", "story"])
}

/// quotes.csv: one row per quote occurrence of story `s`, grouped.
pub fn quotes_rows(s: &Story, w: &mut CsvOut) -> Result<()> {
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
    Ok(())
}
