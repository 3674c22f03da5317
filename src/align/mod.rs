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
pub(crate) mod store;
mod stories;

use crate::analysis::DocAnalysis;
use crate::entities::Mention;
use crate::hash::SeededMap;
use crate::report::CsvOut;
use anyhow::{Context, Result};
pub use model::*;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use store::{ClaimStore, Sym, Syms};
pub use stories::MAX_STORY;

/// What the corpus level keeps in memory of one document until the end of the run: its row of
/// the report's document list, what grouping needs (day, MinHash signature, story features) and
/// where the rest waits in the claim store.
#[derive(Debug, Clone, Default)]
struct DocRecord {
    /// Story and copy are filled once known.
    summary: DocSummary,
    /// Days since 1970 of its date, when written `YYYY-MM-DD`.
    day: Option<i64>,
    /// Slot of the MinHash signature of the document's word shingles in the aggregator's
    /// table of signatures; none for a text too short to have one.
    signature: Option<u32>,
    /// Story features (hash, weight), sorted by hash.
    features: Vec<(u64, f32)>,
    /// Where its entities, name forms and claims are in the claim store.
    stored: (u64, u32),
}

/// A document of a story being aligned, read back from the claim store; its names borrow from
/// the stored record.
#[derive(Debug, Clone, Default)]
pub struct Member<'a> {
    pub doc: &'a str,
    /// `doc`, shared by the story's cells and evidence.
    pub id: DocId,
    pub outlet: &'a str,
    pub title: &'a str,
    pub claims: Vec<store::StoredClaim<'a>>,
    /// (entity, type, mention count), sorted by entity id.
    pub entities: Vec<(&'a str, &'a str, u32)>,
    /// (entity, surface, kind), sorted and deduplicated.
    pub forms: Vec<(&'a str, &'a str, &'a str)>,
}

/// One document's analysis reduced to what the corpus level needs, the bulk encoded for the
/// claim store: made by `Aggregator::prepare` in the worker that analysed the document, so that
/// this work runs in parallel, then handed to `Aggregator::add_prepared` in corpus order.
#[derive(Debug, Default)]
pub struct Prepared {
    summary: DocSummary,
    day: Option<i64>,
    signature: Vec<u32>,
    features: Vec<(u64, f32)>,
    /// The stored record, which starts with the entities and name forms that the corpus-level
    /// name tables take (`read_names`).
    record: Vec<u8>,
    mentions: Vec<Mention>,
}

/// Renders one story into the bytes [`StoryOutput::write`] appends; called in parallel, in
/// any order, while `write` appends the previous stories.
pub type Render = Box<dyn Fn(&Story) -> Result<Vec<Vec<u8>>> + Send + Sync>;

/// Receives the corpus-level results as they are produced: the documents and variants first
/// (`begin`, with the stories still empty), then each story, rendered in parallel (by its
/// `renderer`) and written in story order (`write`, on a thread beside the workers, hence
/// `Send`), then `end`.
pub trait StoryOutput: Send {
    fn begin(&mut self, report: &Report, stories: usize) -> Result<()>;
    /// The story renderer. It owns what it needs, so that stories are rendered while `write`
    /// holds the output.
    fn renderer(&self) -> Render;
    /// Which stories `write` needs besides their rendered bytes. The others are dropped by the
    /// worker that rendered them, not by the thread that writes (freeing memory another thread
    /// allocated costs more, and that thread is the one every chunk waits for).
    fn needs_story(&self) -> NeedsStory {
        |_| false
    }
    /// Writes one rendered story; called in story order, with the story if `needs_story` said
    /// so (and maybe otherwise).
    fn write(&mut self, story: Option<&Story>, rendered: Vec<Vec<u8>>) -> Result<()>;
    fn end(&mut self, report: &Report) -> Result<()>;
}

/// See [`StoryOutput::needs_story`].
pub type NeedsStory = fn(&Story) -> bool;

/// One chunk of aligned stories and their rendered bytes: (story numbers, the stories still
/// needed, bytes).
type Rendered = (std::ops::Range<usize>, Vec<Option<Story>>, Vec<Vec<Vec<u8>>>);

/// An output that writes nothing (the stories are kept in the `Corpus`).
struct Nowhere;

impl StoryOutput for Nowhere {
    fn begin(&mut self, _: &Report, _: usize) -> Result<()> {
        Ok(())
    }
    fn renderer(&self) -> Render {
        Box::new(|_| Ok(Vec::new()))
    }
    fn write(&mut self, _: Option<&Story>, _: Vec<Vec<u8>>) -> Result<()> {
        Ok(())
    }
    fn end(&mut self, _: &Report) -> Result<()> {
        Ok(())
    }
}

/// Which stories the returned `Corpus` keeps in memory (all are handed to the output): the
/// largest first (the first among equals), while fewer than `stories` are kept and they hold
/// fewer than `docs` documents — the stories report.html shows.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    pub stories: usize,
    pub docs: usize,
}

impl Keep {
    pub const ALL: Keep = Keep { stories: usize::MAX, docs: usize::MAX };
}

/// Collects what the corpus-level reports need from each document, in corpus order.
#[derive(Debug, Default)]
pub struct Aggregator {
    docs: Vec<DocRecord>,
    /// The documents' MinHash signatures, `HASHES` values each, in the order they came: one
    /// allocation for the corpus, read in bucket order by the copy search.
    signatures: Vec<u32>,
    store: ClaimStore,
    syms: Syms,
    /// (entity, surface, kind) → corpus indices of the documents using the form.
    form_docs: SeededMap<(Sym, Sym, Sym), Vec<u32>>,
    /// entity → (corpus index, type) of its first mention.
    types: SeededMap<Sym, (usize, Sym)>,
    tally: crate::entities::Tally,
}

/// Appends a list of string tuples to a store record.
fn put_tuples<const N: usize>(out: &mut Vec<u8>, v: &[[&str; N]]) {
    store::put_uint(out, v.len() as u64);
    for t in v {
        for s in t {
            store::put_str(out, s);
        }
    }
}

impl Aggregator {
    /// An aggregator keeping the claims in the part file `path` (removed when done).
    pub fn spilling(path: &Path) -> Result<Self> {
        Ok(Aggregator { store: ClaimStore::file(path)?, ..Default::default() })
    }

    /// Reduces one document's analysis to what the corpus level keeps (a pure function).
    pub fn prepare(a: DocAnalysis) -> Prepared {
        let mut counts: BTreeMap<&str, (&str, u32)> = BTreeMap::new();
        let mut forms: Vec<(&str, &str, &str)> = Vec::new();
        for m in &a.mentions {
            let e = counts.entry(m.entity.as_str()).or_insert((m.etype, 0));
            e.1 += 1;
            forms.push((&m.entity, &m.surface, m.kind));
        }
        forms.sort();
        forms.dedup();
        let entities: Vec<(&str, &str, u32)> =
            counts.into_iter().map(|(e, (t, n))| (e, t, n)).collect();
        let mut record = Vec::new();
        store::put_uint(&mut record, entities.len() as u64);
        for (e, t, n) in &entities {
            store::put_str(&mut record, e);
            store::put_str(&mut record, t);
            store::put_uint(&mut record, u64::from(*n));
        }
        let form_cells: Vec<[&str; 3]> = forms.iter().map(|(e, s, k)| [*e, *s, *k]).collect();
        put_tuples(&mut record, &form_cells);
        store::put_str(&mut record, &a.info.doc);
        store::put_str(&mut record, &a.info.outlet);
        store::put_str(&mut record, &a.info.title);
        store::encode(&a.claims.claims, &mut record);
        let features = stories::features(&entities, &a.claims.claims);
        Prepared {
            summary: DocSummary {
                doc: a.info.doc.clone(),
                index: a.info.index,
                outlet: a.info.outlet.clone(),
                title: a.info.title.clone(),
                lang: a.info.lang.code.clone(),
                claims: a.claims.claims.len(),
                ..Default::default()
            },
            day: stories::day_number(&a.info.date),
            signature: a.claims.signature,
            features,
            record,
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
        let stored = self.store.put(&p.record)?;
        let index = p.summary.index;
        let syms = &mut self.syms;
        // Read back from the record rather than kept apart as strings: a third of a million
        // allocations on synth 10 MB.
        let (entities, forms) = read_names(&mut store::Reader::new(&p.record))?;
        for (e, s, k) in forms {
            let docs = self.form_docs.entry((syms.id(e), syms.id(s), syms.id(k))).or_default();
            docs.push(u32::try_from(index).context("over 2^32 documents")?);
        }
        for (e, t, _) in entities {
            let (e, t) = (syms.id(e), syms.id(t));
            let first = self.types.entry(e).or_insert((index, t));
            if index < first.0 {
                *first = (index, t);
            }
        }
        let signature = if p.signature.len() == crate::claims::HASHES {
            let slot = self.signatures.len() / crate::claims::HASHES;
            self.signatures.extend_from_slice(&p.signature);
            Some(u32::try_from(slot).context("over 2^32 documents")?)
        } else {
            None
        };
        self.docs.push(DocRecord {
            summary: p.summary,
            day: p.day,
            signature,
            features: p.features,
            stored,
        });
        Ok(())
    }

    /// Groups, aligns and builds the report model, every story kept in it. `kb` gives entities
    /// their display names.
    pub fn finish(self, kb: &crate::entities::Model) -> Corpus {
        self.finish_into(kb, &mut Nowhere, Keep::ALL).expect("aligning stories in memory")
    }

    /// Groups and aligns, handing each story to `out` as soon as it is aligned. The returned
    /// corpus keeps the documents, the variants and the stories `keep` names, in story order.
    pub fn finish_into(
        self,
        kb: &crate::entities::Model,
        out: &mut dyn StoryOutput,
        keep: Keep,
    ) -> Result<Corpus> {
        self.plan(kb)?.align_into(out, keep)
    }

    /// Names entities, finds copies and groups documents into stories: every document knows
    /// its story once this returns; aligning the stories is [`Plan::align_into`].
    pub fn plan(self, kb: &crate::entities::Model) -> Result<Plan> {
        use crate::analysis::phase;
        use std::time::Instant;
        let t = Instant::now();
        let Aggregator { docs, signatures, mut store, syms, form_docs, types, tally } = self;
        let mut docs = docs;
        docs.sort_by_key(|d| d.summary.index);
        store.seal()?;
        let names = Names::build(&form_docs, &types, &syms, kb);
        phase("  names", t);
        let t = Instant::now();
        let copies = stories::copies(&docs, &signatures);
        drop(signatures);
        phase("  copies", t);
        let t = Instant::now();
        let story_of = stories::stories(&docs, &copies);
        phase("  stories", t);
        let t = Instant::now();
        let n_stories = story_of.iter().max().map_or(0, |m| m + 1);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_stories];
        for (i, s) in story_of.iter().enumerate() {
            members[*s].push(i);
        }
        for i in 0..docs.len() {
            let copy = copies[i].map(|(j, sim)| (docs[j].summary.doc.clone(), round3(sim)));
            let d = &mut docs[i].summary;
            d.story = format!("s{}", story_of[i] + 1);
            if let Some((original, sim)) = copy {
                d.copy_of = Some(original);
                d.copy_similarity = sim;
            }
        }
        let corpus_variants = corpus_variants(&docs, form_docs, &names, &syms);
        drop(syms);
        // What the story loop needs of each document; the rest goes to the report.
        let grouped: Vec<((u64, u32), Option<f64>)> =
            docs.iter().zip(&copies).map(|(d, c)| (d.stored, c.map(|c| c.1))).collect();
        drop(copies);
        let documents: Vec<DocSummary> = docs.into_iter().map(|d| d.summary).collect();
        let report = Report {
            schema: SCHEMA_VERSION,
            documents,
            stories: Vec::new(),
            variants: corpus_variants,
        };
        phase("  documents and variants", t);
        Ok(Plan { report, members, grouped, names, store, tally })
    }
}

/// Documents grouped into stories, before the stories are aligned.
pub struct Plan {
    /// The report so far: documents (with their stories and copies) and variants.
    report: Report,
    /// The documents (positions in `report.documents`) of each story.
    members: Vec<Vec<usize>>,
    /// Per document position: where its record is stored, and its similarity to the document
    /// it copies, if it is a copy.
    grouped: Vec<((u64, u32), Option<f64>)>,
    names: Names,
    store: ClaimStore,
    tally: crate::entities::Tally,
}

impl Plan {
    /// The documents with their stories, in corpus order.
    pub fn documents(&self) -> &[DocSummary] {
        &self.report.documents
    }

    /// Aligns the stories, handing each to `out` as soon as it is aligned. The returned corpus
    /// keeps the documents, the variants and the stories `keep` names, in story order.
    pub fn align_into(self, out: &mut dyn StoryOutput, keep: Keep) -> Result<Corpus> {
        use crate::analysis::phase;
        use std::time::Instant;
        let Plan { mut report, members, grouped, names, store, tally } = self;
        let n_stories = members.len();
        // The stories kept in the corpus: the largest, the first among equals.
        let mut by_size: Vec<usize> = (0..n_stories).collect();
        by_size.sort_by_key(|&n| (std::cmp::Reverse(members[n].len()), n));
        let mut kept = vec![false; n_stories];
        let (mut kept_stories, mut kept_docs) = (0, 0);
        for &n in &by_size {
            if kept_stories >= keep.stories || kept_docs >= keep.docs {
                break;
            }
            kept[n] = true;
            kept_stories += 1;
            kept_docs += members[n].len();
        }
        drop(by_size);
        let t = Instant::now();
        out.begin(&report, n_stories)?;
        let ctx = StoryCtx { grouped: &grouped, documents: &report.documents, names: &names };
        let mut quote_ids = 0;
        let mut next = 0;
        let mut kept_stories = Vec::new();
        let (render, needs) = (out.renderer(), out.needs_story());
        // Rendered stories are appended in story order, one chunk at a time: on a thread of its
        // own while the workers align and render the next chunk, so that neither waits for the
        // other (on synth 100 MB at 2 threads the writer is busy 0.9–1.0 s of a 3.2 s alignment
        // and the workers never wait for it; with the writer beside aligning only, alignment
        // took 0.1–0.3 s longer).
        // Time the story writer was busy, and time the workers waited for it with a chunk
        // ready (for the timings: a writer slower than the workers caps the alignment).
        let (mut writing, mut waiting) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        let mut write = |out: &mut dyn StoryOutput, chunk: Rendered| -> Result<()> {
            let t = Instant::now();
            for ((n, story), bytes) in chunk.0.zip(chunk.1).zip(chunk.2) {
                out.write(story.as_ref(), bytes)?;
                if kept[n] {
                    kept_stories.push(story.context("a kept story was dropped")?);
                }
            }
            writing += t.elapsed();
            Ok(())
        };
        let mut pending: Option<Rendered> = None;
        while next < n_stories {
            let end = chunk_end(&members, next, rayon::current_num_threads());
            // The chunk's stories, largest first: the threads start on the stories that take
            // longest, and the small ones fill in around them (a large story started last kept
            // one thread busy alone at the end of its chunk).
            let mut order: Vec<usize> = (next..end).collect();
            order.sort_by_key(|&n| (std::cmp::Reverse(members[n].len()), n));
            let order = &order;
            let (chunk, written) = std::thread::scope(|scope| {
                let out = &mut *out;
                let write = &mut write;
                let writer = pending.take().map(|chunk| scope.spawn(move || write(out, chunk)));
                let chunk = (|| -> Result<Rendered> {
                    // In `order`: aligned, numbered and rendered largest first.
                    let mut aligned: Vec<Story> = order
                        .par_iter()
                        // One story per task: stories differ in size, and with the default
                        // splitting one worker often finished a chunk alone (at 2 threads
                        // alignment kept 1.82–1.85 cores busy, 1.90 with this).
                        .with_max_len(1)
                        .map(|&n| ctx.story(n, &members[n], &store))
                        .collect::<Result<_>>()?;
                    // Quote groups are numbered across the corpus, in story order.
                    let mut by_story: Vec<usize> = (0..order.len()).collect();
                    by_story.sort_by_key(|&i| order[i]);
                    for &i in &by_story {
                        for g in &mut aligned[i].quotes {
                            quote_ids += 1;
                            g.id = format!("q{quote_ids}");
                        }
                    }
                    let done = aligned
                        .into_par_iter()
                        .zip(order.par_iter())
                        .with_max_len(1)
                        .map(|(story, &n)| {
                            let bytes = render(&story)?;
                            Ok(((kept[n] || needs(&story)).then_some(story), bytes))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    let (stories, rendered): (Vec<Option<Story>>, Vec<Vec<Vec<u8>>>) =
                        in_story_order(order, next, done).into_iter().unzip();
                    Ok((next..end, stories, rendered))
                })();
                let t = Instant::now();
                let written = writer.map(|w| w.join());
                waiting += t.elapsed();
                (chunk, written)
            });
            if let Some(written) = written {
                written.map_err(|_| anyhow::anyhow!("internal error while writing stories"))??;
            }
            pending = Some(chunk?);
            next = end;
        }
        if let Some(chunk) = pending {
            write(out, chunk)?;
        }
        report.stories = kept_stories;
        out.end(&report)?;
        phase("  alignment", t);
        crate::analysis::span("    story writer busy", writing.as_secs_f64());
        crate::analysis::span("    workers waiting for it", waiting.as_secs_f64());
        Ok(Corpus { report, tally })
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Documents whose stories are aligned and rendered in one parallel chunk (more when the chunk
/// holds a large story: `chunk_end`). Large enough that a chunk holds many stories, small
/// enough to bound the claims and rendered bytes held at once. Memory a
/// process touches for the first time is costly on a virtual machine (the kernel zeroes each
/// page; `dd` into a fresh 1 GiB buffer takes about 1 s here): at 4,096 documents the chunks of a
/// 10 MB corpus touched 90 MB more and its alignment took twice as long.
const CHUNK_DOCS: usize = 1024;

/// The end of the chunk of stories that starts at `next`: stories are added while their
/// documents fit in `CHUNK_DOCS`, or, when the chunk holds a large story, in `threads` times
/// the largest story's documents. A chunk whose largest story is a large share of its work
/// leaves the other threads idle while one aligns that story (on synth 1 GB, whose largest
/// stories have 500–1,500 documents, alignment kept 1.56 cores busy); the extra stories keep
/// them busy. A chunk holds at most one story over `CHUNK_DOCS`: a large story's membership
/// grids and evidence take far more memory per document than small stories' (a story of
/// 4,000 copies of one article peaks at about 500 MB), and two of them are not held at once.
fn chunk_end(members: &[Vec<usize>], next: usize, threads: usize) -> usize {
    let (mut end, mut docs, mut largest) = (next, 0, 0);
    while end < members.len() {
        let len = members[end].len();
        let cap = CHUNK_DOCS.max(threads.max(1) * largest.max(len));
        let second_large = len > CHUNK_DOCS && largest > CHUNK_DOCS;
        if end > next && (docs + len > cap || second_large) {
            break;
        }
        docs += len;
        largest = largest.max(len);
        end += 1;
    }
    end
}

/// Results computed in `order` (a permutation of the stories from `first`), put back in story
/// order.
fn in_story_order<T>(order: &[usize], first: usize, results: Vec<T>) -> Vec<T> {
    let mut slots: Vec<Option<T>> = (0..results.len()).map(|_| None).collect();
    for (&n, r) in order.iter().zip(results) {
        slots[n - first] = Some(r);
    }
    slots.into_iter().map(|r| r.expect("order is a permutation")).collect()
}

/// What aligning one story needs besides its documents.
struct StoryCtx<'a> {
    /// Per document position: where its record is stored, and its similarity to the
    /// document it copies, if it is a copy.
    grouped: &'a [((u64, u32), Option<f64>)],
    documents: &'a [DocSummary],
    names: &'a Names,
}

/// (entity, type, mention count) and (entity, surface, kind) of the name forms, as a stored
/// record starts.
type RecordNames<'a> = (Vec<(&'a str, &'a str, u32)>, Vec<(&'a str, &'a str, &'a str)>);

/// Reads the entities and name forms a stored record starts with.
fn read_names<'a>(r: &mut store::Reader<'a>) -> Result<RecordNames<'a>> {
    // Sized from the counts the record gives (bounded by its bytes left, each entry taking
    // some): collected through `Result`, the vectors had no size to start from and grew by
    // doubling, copied each time.
    let n = r.usize()?;
    let mut entities = Vec::with_capacity(n.min(r.rest().len()));
    for _ in 0..n {
        entities.push((r.str()?, r.str()?, u32::try_from(r.uint()?)?));
    }
    let n = r.usize()?;
    let mut forms = Vec::with_capacity(n.min(r.rest().len()));
    for _ in 0..n {
        forms.push((r.str()?, r.str()?, r.str()?));
    }
    Ok((entities, forms))
}

/// Reads one stored record back, its strings borrowed from it.
fn read_member<'a>(buf: &'a [u8], sentences: &mut store::Sentences<'a>) -> Result<Member<'a>> {
    let mut r = store::Reader::new(buf);
    let (entities, forms) = read_names(&mut r)?;
    let (doc, outlet, title) = (r.str()?, r.str()?, r.str()?);
    let claims = store::decode(r.rest(), sentences)?;
    Ok(Member { doc, id: doc.into(), outlet, title, claims, entities, forms })
}

impl StoryCtx<'_> {
    /// Aligns story number `n`: the documents at positions `idx`, read back from `store`.
    /// Quote groups are numbered from 1 within the story; the caller renumbers them across the
    /// corpus.
    fn story(&self, n: usize, idx: &[usize], store: &ClaimStore) -> Result<Story> {
        let records: Vec<_> =
            idx.iter().map(|&i| store.get(self.grouped[i].0)).collect::<Result<_>>()?;
        let mut sentences = store::Sentences::default();
        let members: Vec<Member> =
            records.iter().map(|r| read_member(r, &mut sentences)).collect::<Result<_>>()?;
        let sdocs: Vec<&Member> = members.iter().collect();
        let scopy: Vec<Option<DocId>> =
            idx.iter().map(|&i| self.documents[i].copy_of.as_deref().map(DocId::from)).collect();
        let (findings, lists) = consistency::align(&sdocs, &scopy, self.names);
        let quotes = quotes::group(&sdocs, &scopy, &mut 0);
        let count = |st: Status| findings.iter().filter(|f| f.status == st).count();
        let outlets: BTreeSet<&str> =
            sdocs.iter().map(|d| d.outlet).filter(|o| !o.is_empty()).collect();
        let copies: Vec<Copy> = idx
            .iter()
            .zip(&sdocs)
            .filter_map(|(&i, d)| {
                self.grouped[i].1.map(|sim| Copy {
                    doc: d.doc.to_string(),
                    original: self.documents[i].copy_of.clone().unwrap_or_default(),
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
                .map_or(sdocs[0].doc, |d| d.title)
                .to_string(),
            docs: sdocs.iter().map(|d| d.doc.to_string()).collect(),
            summary,
            findings,
            lists,
            quotes,
            variants: variants(&sdocs, self.names),
            coverage: coverage(&sdocs, self.names),
            copies,
        };
        Ok(story)
    }
}

/// Display names of entities: the knowledge base's, else the form the sources use most.
#[derive(Debug, Default)]
pub struct Names {
    /// Only looked up, never walked: hashed rather than ordered (a story's alignment asks it
    /// for every finding, grid row and coverage row, and the string compares of a tree's
    /// search were over a third of its calls to `memcmp` on synth 10 MB).
    names: SeededMap<String, (String, String)>,
}

impl Names {
    fn build(
        form_docs: &SeededMap<(Sym, Sym, Sym), Vec<u32>>,
        types: &SeededMap<Sym, (usize, Sym)>,
        syms: &Syms,
        kb: &crate::entities::Model,
    ) -> Self {
        // entity → surface → documents using it (demonyms aside).
        let mut counts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for (&(e, surface, kind), docs) in form_docs {
            let c = counts.entry(syms.get(e)).or_default();
            if syms.get(kind) != "demonym" {
                *c.entry(syms.get(surface)).or_default() += docs.len();
            }
        }
        let types: HashMap<&str, &str> =
            types.iter().map(|(&e, &(_, t))| (syms.get(e), syms.get(t))).collect();
        let mut names = SeededMap::default();
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

/// Whether an entity's forms (demonyms aside) are written in more than one way, case aside:
/// whether one's lower case differs from the first's. Most entities of a story have one form,
/// which needs no lower case at all, and ASCII forms are compared in place (a set of lowercased
/// copies of every form was a twentieth of a story's alignment).
fn several_ways<'a>(mut surfaces: impl Iterator<Item = &'a str>) -> bool {
    let Some(first) = surfaces.next() else { return false };
    let mut first_lower: Option<String> = None;
    surfaces.any(|s| {
        if s.is_ascii() && first.is_ascii() {
            !s.eq_ignore_ascii_case(first)
        } else {
            // `str::to_lowercase`, not character by character: a final sigma lowers apart.
            *first_lower.get_or_insert_with(|| first.to_lowercase()) != s.to_lowercase()
        }
    })
}

/// Variants over the whole corpus, from the form table gathered while documents came in.
fn corpus_variants(
    docs: &[DocRecord],
    form_docs: SeededMap<(Sym, Sym, Sym), Vec<u32>>,
    names: &Names,
    syms: &Syms,
) -> Vec<EntityVariants> {
    let mut forms: BTreeMap<&str, BTreeMap<(&str, &str), Vec<u32>>> = BTreeMap::new();
    for ((e, surface, kind), indices) in form_docs {
        if syms.get(kind) != "demonym" {
            let key = (syms.get(surface), syms.get(kind));
            forms.entry(syms.get(e)).or_default().insert(key, indices);
        }
    }
    // Corpus index → position in `docs` (sorted by index), looked up for every document of
    // every form: a table rather than a binary search each time.
    let mut position = vec![u32::MAX; docs.last().map_or(0, |d| d.summary.index + 1)];
    for (i, d) in docs.iter().enumerate() {
        position[d.summary.index] = i as u32;
    }
    entity_variants(forms, names, |mut indices| {
        indices.sort_unstable();
        indices.dedup();
        indices
            .into_iter()
            .filter_map(|index| {
                let i = *position.get(index as usize)?;
                (i != u32::MAX).then(|| docs[i as usize].summary.doc.clone())
            })
            .collect()
    })
}

/// The entities of `forms` (entity → (surface, kind) → documents, as `doc_ids` turns them into
/// ids) written in more than one way.
fn entity_variants<D: Send>(
    forms: BTreeMap<&str, BTreeMap<(&str, &str), D>>,
    names: &Names,
    doc_ids: impl Fn(D) -> Vec<String> + Sync,
) -> Vec<EntityVariants> {
    let several: Vec<_> =
        forms.into_iter().filter(|(_, f)| several_ways(f.keys().map(|(s, _)| *s))).collect();
    // A corpus has thousands of such entities, each form naming up to every document (a tenth
    // of the serial end of a synth 1 GB run); a story has a few, not worth the threads.
    several
        .into_par_iter()
        .with_min_len(64)
        .map(|(e, f)| EntityVariants {
            entity: e.to_string(),
            name: names.name(e).to_string(),
            etype: names.etype(e).to_string(),
            forms: f
                .into_iter()
                .map(|((surface, kind), docs)| Form {
                    surface: surface.to_string(),
                    kind: kind.to_string(),
                    docs: doc_ids(docs),
                })
                .collect(),
        })
        .collect()
}

/// Entities written in more than one way (demonyms aside) in a story, with the documents
/// using each form.
fn variants(docs: &[&Member], names: &Names) -> Vec<EntityVariants> {
    let mut forms: BTreeMap<&str, BTreeMap<(&str, &str), Vec<String>>> = BTreeMap::new();
    for d in docs {
        for &(e, surface, kind) in &d.forms {
            if kind == "demonym" {
                continue;
            }
            let docs = forms.entry(e).or_default().entry((surface, kind)).or_default();
            // A document lists each of its forms once and documents come in order.
            if docs.last().map(String::as_str) != Some(d.doc) {
                docs.push(d.doc.to_string());
            }
        }
    }
    entity_variants(forms, names, |docs| docs)
}

/// Rows of a coverage matrix: the entities most sources name.
const COVERAGE_ROWS: usize = 60;

/// Entities × documents mention counts, the entities most sources name first. Counts are
/// gathered sparse and only the kept rows are laid out per document: a story of thousands of
/// documents naming thousands of entities would otherwise fill a dense matrix to drop most of it.
fn coverage(docs: &[&Member], names: &Names) -> Coverage {
    /// Documents naming an entity, its total mentions, and the (document, count) pairs.
    type Sparse = (usize, u32, Vec<(usize, u32)>);
    // Hashed: the rows are sorted below in an order of their own (entity last, so their order
    // here does not matter), and the string compares of a tree's search were most of it.
    let mut rows: SeededMap<&str, Sparse> = SeededMap::default();
    for (d, doc) in docs.iter().enumerate() {
        for (e, _, n) in &doc.entities {
            let (e, n) = (*e, *n);
            let row = rows.entry(e).or_default();
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
    Coverage { docs: docs.iter().map(|d| d.doc.to_string()).collect(), rows }
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
    let mut line = itoa::Buffer::new();
    // The joined cells are written into buffers kept from one finding to the next, and the
    // `doc:line` references into one string, sorted as spans of it: a string for each
    // reference and each joined cell was over a tenth of the story's CSV instructions.
    let (mut values, mut sources, mut evidence) = (String::new(), String::new(), String::new());
    let mut refs = String::new();
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    for f in &s.findings {
        // `doc:line` of each piece of evidence, sorted as strings, each once.
        refs.clear();
        spans.clear();
        for e in f.cells.iter().flat_map(|c| c.evidence.iter()) {
            let start = refs.len();
            refs.push_str(&e.doc);
            refs.push(':');
            refs.push_str(line.format(e.line));
            spans.push(start..refs.len());
        }
        spans.sort_unstable_by(|a, b| refs[a.clone()].cmp(&refs[b.clone()]));
        spans.dedup_by(|a, b| refs[a.clone()] == refs[b.clone()]);
        join_into(&mut evidence, spans.iter().map(|r| &refs[r.clone()]), ";");
        join_into(&mut values, f.values.iter().map(String::as_str), " | ");
        join_into(&mut sources, f.sources.iter().map(|s| &**s), ";");
        let consistent = f.consistent.map_or("", |c| if c { "yes" } else { "no" });
        w.row([
            s.id.as_str(),
            &f.key,
            &f.kind,
            f.status.as_str(),
            &values,
            &sources,
            &evidence,
            &f.label,
            consistent,
            &f.note,
        ])?;
    }
    Ok(())
}

/// `items` joined by `sep`, into `out` (replacing what it held).
fn join_into<'a>(out: &mut String, items: impl Iterator<Item = &'a str>, sep: &str) {
    out.clear();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
    }
}

/// quotes.csv: the header row.
pub fn quotes_header(w: &mut CsvOut) -> Result<()> {
    w.row(["group", "doc", "line", "speaker", "text", "diff", "status", "story"])
}

/// quotes.csv: one row per quote occurrence of story `s`, grouped.
pub fn quotes_rows(s: &Story, w: &mut CsvOut) -> Result<()> {
    let mut line = itoa::Buffer::new();
    let mut diff = String::new();
    for g in &s.quotes {
        for m in &g.members {
            quotes::diff_line_into(&mut diff, &m.diff);
            w.row([
                g.id.as_str(),
                &m.doc,
                line.format(m.line),
                &m.speaker,
                &m.text,
                &diff,
                &g.status,
                &s.id,
            ])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Stories of the given sizes, as `members` lists (the document indices do not matter).
    fn stories(sizes: &[usize]) -> Vec<Vec<usize>> {
        sizes.iter().map(|&n| vec![0; n]).collect()
    }

    /// The chunks of all the stories, as ranges.
    fn chunks(members: &[Vec<usize>], threads: usize) -> Vec<std::ops::Range<usize>> {
        let (mut out, mut next) = (Vec::new(), 0);
        while next < members.len() {
            let end = chunk_end(members, next, threads);
            out.push(next..end);
            next = end;
        }
        out
    }

    #[test]
    fn a_large_story_gets_company() {
        // A story over the budget, then small ones: at 2 threads they join it until the chunk
        // holds twice its documents, so the second thread has work while the first aligns it.
        let mut sizes = vec![1500];
        sizes.extend(std::iter::repeat_n(10, 400));
        let c = chunks(&stories(&sizes), 2);
        assert_eq!(c[0], 0..151, "{c:?}");
        // At one thread a chunk holds the large story alone, as before.
        assert_eq!(chunks(&stories(&sizes), 1)[0], 0..1);
        // Two large stories are never held at once, whatever the thread count.
        assert_eq!(chunks(&stories(&[1500, 1200, 10]), 4), vec![0..1, 1..3]);
        // Small stories fill chunks of CHUNK_DOCS.
        let c = chunks(&stories(&[100; 30]), 2);
        assert_eq!(c.iter().map(|r| r.len()).collect::<Vec<_>>(), vec![10, 10, 10]);
    }

    #[test]
    fn several_ways_when_lower_cases_differ() {
        // As a set of the forms' lower cases says, final sigmas and dotted capitals included.
        let by_set =
            |v: &[&str]| v.iter().map(|s| s.to_lowercase()).collect::<BTreeSet<_>>().len() > 1;
        let forms = [
            "",
            "Paris",
            "PARIS",
            "paris",
            "Pâris",
            "PÂRIS",
            "ΟΔΟΣ",
            "οδος",
            "οδοσ",
            "İstanbul",
            "istanbul",
        ];
        for a in forms {
            for b in forms {
                for c in forms {
                    let v = [a, b, c];
                    for n in 0..=3 {
                        let v = &v[..n];
                        assert_eq!(several_ways(v.iter().copied()), by_set(v), "{v:?}");
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn chunks_cover_every_story_once_within_bounds(
            sizes in proptest::collection::vec(
                prop_oneof![1usize..50, 1usize..3000],
                1..200,
            ),
            threads in 1usize..5,
        ) {
            let members = stories(&sizes);
            let c = chunks(&members, threads);
            // Consecutive, non-empty, covering every story.
            prop_assert_eq!(c[0].start, 0);
            prop_assert_eq!(c.last().unwrap().end, sizes.len());
            for w in c.windows(2) {
                prop_assert_eq!(w[0].end, w[1].start);
            }
            for r in &c {
                prop_assert!(!r.is_empty());
                let docs: usize = sizes[r.clone()].iter().sum();
                let largest = *sizes[r.clone()].iter().max().unwrap();
                // Bounded memory: a chunk of more than one story stays within the budget, or
                // within `threads` times its largest story, and holds one large story at most.
                if r.len() > 1 {
                    prop_assert!(docs <= CHUNK_DOCS.max(threads * largest), "{:?}", r);
                    let large = sizes[r.clone()].iter().filter(|&&n| n > CHUNK_DOCS).count();
                    prop_assert!(large <= 1, "{:?}", r);
                }
            }
        }

        #[test]
        fn results_return_to_story_order(n in 1usize..60, first in 0usize..100, seed: u64) {
            let mut order: Vec<usize> = (first..first + n).collect();
            // A deterministic shuffle of the chunk, as the size ordering gives.
            order.sort_by_key(|&i| (i as u64).wrapping_mul(seed | 1).rotate_left(17));
            let results: Vec<usize> = order.iter().map(|&i| i * 10).collect();
            let back = in_story_order(&order, first, results);
            prop_assert_eq!(back, (first..first + n).map(|i| i * 10).collect::<Vec<_>>());
        }
    }
}
