//! reports/report.html: what a journalist opens in a browser.
//!
//! One self-contained file: the page's own style and script are inline, a Content-Security-Policy
//! allows nothing else (no network request, no other script, not even one injected by a bug:
//! `default-src 'none'` plus the hashes of our two inline blocks). It reads without JavaScript
//! (the script only adds sorting and filtering), prints, and says everything in words as well as
//! in colours.
//!
//! Template engine: maud. Templates are Rust code checked at compile time, every `(expr)` splice
//! is HTML-escaped unless wrapped in `PreEscaped`, and `PreEscaped` is used only for markup this
//! module rendered itself and for the constant CSS/JS — so escaping can be audited by grepping
//! one word. It renders to a `String` piece by piece, which suits writing the page as a stream.
//!
//! Memory stays bounded: each document's text is rendered to a fragment by the worker that
//! analysed it (`fragment`), and the sink appends it with the document's metadata to a part file
//! in the output directory. At the end, stories are ordered (most sources first), and
//! report.html is written story by story, each story's records read back from the part file by
//! offset. The number of stories, documents and columns shown is capped; every cap that applies
//! is stated in the report, never silent. The bytes depend only on the corpus.

mod fragment;

pub use fragment::{Fragment, render as render_fragment};

use crate::align::Corpus;
use crate::analysis::DocAnalysis;
use crate::model::Model;
use anyhow::{Context, Result};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Records of every analysed document, one JSON line each, in corpus order.
const PART: &str = "report.part.jsonl";
/// Byte offset, length and corpus index of each record in `PART`, one `offset len index` line
/// each, so stories can be planned without decoding the records.
const PART_INDEX: &str = "report.part.idx";

/// Stories shown in full (most sources first); the others are counted in the overview.
pub const MAX_STORIES: usize = 200;
/// Documents whose tables and text are shown, over all shown stories.
pub const MAX_DOCS: usize = 1000;
/// Source columns of one story's tables.
pub const MAX_SOURCES: usize = 30;
/// Entities (rows) of one story's coverage heatmap.
pub const MAX_ENTITIES: usize = 40;
/// Article text kept in the part file; later documents keep their metadata but not their text.
pub const MAX_TEXT_BYTES: u64 = 256 << 20;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");
/// base64 SHA-256 of `CSS` and `JS`, for the Content-Security-Policy (checked by a unit test).
const CSS_SHA256: &str = "qrU5VPHigBJTEuBSi8+57dUWnil0ysFC6nWw4Km1k1o=";
const JS_SHA256: &str = "ilm7Iti4oJTf+OFVsmcVHTJluwogE1EsLCYpF7z5TdY=";

/// What the report keeps of one document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Record {
    index: usize,
    doc: String,
    outlet: String,
    date: String,
    url: String,
    title: String,
    lang: String,
    /// Non-empty lines, and how many of them are boilerplate.
    lines: usize,
    boilerplate: usize,
    /// (entity, type, surface, mentions), sorted.
    mentions: Vec<(String, String, String, usize)>,
    /// Sentence anchor of each claim, in claims.csv order.
    claim_anchors: Vec<String>,
    /// The text fragment; `None` when over the text budget.
    html: Option<String>,
}

impl Record {
    /// The column label of this source: its outlet when known, else its doc id.
    fn label(&self) -> &str {
        if self.outlet.is_empty() { &self.doc } else { &self.outlet }
    }

    fn anchor(&self) -> String {
        format!("doc-{}", self.index)
    }
}

/// The part file being written during the streaming pass.
pub struct Parts {
    data: BufWriter<File>,
    index: BufWriter<File>,
    offset: u64,
    text_bytes: u64,
    path: PathBuf,
}

impl Parts {
    pub fn create(dir: &Path) -> Result<Self> {
        let path = dir.join(PART);
        let open = |p: &Path| -> Result<BufWriter<File>> {
            let f = File::create(p).with_context(|| format!("creating {}", p.display()))?;
            Ok(BufWriter::with_capacity(1 << 16, f))
        };
        Ok(Parts {
            data: open(&path)?,
            index: open(&dir.join(PART_INDEX))?,
            offset: 0,
            text_bytes: 0,
            path,
        })
    }

    /// Appends one analysed document.
    pub fn add(&mut self, a: &DocAnalysis) -> Result<()> {
        let mut counts: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
        for m in &a.mentions {
            *counts.entry((&m.entity, &m.etype, &m.surface)).or_default() += 1;
        }
        let boilerplate = a
            .structure
            .lines
            .iter()
            .filter(|l| l.label == crate::structure::Label::Boilerplate)
            .count();
        let keep = self.text_bytes < MAX_TEXT_BYTES;
        if keep {
            self.text_bytes += a.html.html.len() as u64;
        }
        let i = &a.info;
        let rec = Record {
            index: i.index,
            doc: i.doc.clone(),
            outlet: i.outlet.clone(),
            date: i.date.clone(),
            url: i.url.clone(),
            title: if i.title.is_empty() { a.html.first_line.clone() } else { i.title.clone() },
            lang: i.lang.code.clone(),
            lines: a.structure.lines.len(),
            boilerplate,
            mentions: counts
                .into_iter()
                .map(|((e, t, s), n)| (e.to_string(), t.to_string(), s.to_string(), n))
                .collect(),
            claim_anchors: a.html.claim_anchors.clone(),
            html: keep.then(|| a.html.html.clone()),
        };
        let mut line = serde_json::to_vec(&rec).context("encoding an HTML record")?;
        line.push(b'\n');
        let ctx = || format!("writing {}", self.path.display());
        self.data.write_all(&line).with_context(ctx)?;
        writeln!(self.index, "{} {} {}", self.offset, line.len(), i.index).with_context(ctx)?;
        self.offset += line.len() as u64;
        Ok(())
    }

    /// Flushes the part files (report.html is written by `write`).
    pub fn finish(mut self) -> Result<()> {
        let ctx = || format!("writing {}", self.path.display());
        self.data.flush().with_context(ctx)?;
        self.index.flush().with_context(ctx)
    }
}

/// Reads records back by position.
struct Store {
    file: File,
    /// (offset, len) of each record, in corpus order.
    at: Vec<(u64, usize)>,
    /// The corpus index of each record.
    index: Vec<usize>,
}

impl Store {
    fn open(dir: &Path) -> Result<Self> {
        let idx = dir.join(PART_INDEX);
        let (mut at, mut index) = (Vec::new(), Vec::new());
        let r =
            BufReader::new(File::open(&idx).with_context(|| format!("reading {}", idx.display()))?);
        for line in r.lines() {
            let line = line.with_context(|| format!("reading {}", idx.display()))?;
            let mut f = line.split(' ').map(str::parse::<u64>);
            let (Some(Ok(o)), Some(Ok(l)), Some(Ok(i))) = (f.next(), f.next(), f.next()) else {
                anyhow::bail!("corrupt {}", idx.display());
            };
            at.push((o, l as usize));
            index.push(i as usize);
        }
        let path = dir.join(PART);
        let file = File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        Ok(Store { file, at, index })
    }

    fn get(&mut self, slot: usize) -> Result<Record> {
        let (offset, len) = self.at[slot];
        let mut buf = vec![0; len];
        self.file.seek(SeekFrom::Start(offset))?;
        self.file.read_exact(&mut buf).context("reading back the HTML part file")?;
        serde_json::from_slice(&buf).context("decoding an HTML record")
    }
}

/// A story as the page lays it out.
struct StoryPlan {
    id: String,
    /// Slots (positions in the part file) of its documents, in corpus order.
    slots: Vec<usize>,
}

/// The per-story findings the page shows besides the texts, drawn from the corpus-level
/// results. Sources are documents, by corpus index.
#[derive(Debug, Default)]
pub struct StoryData {
    /// Aligned claims (agree, conflict, single, derived).
    pub claims: Vec<ClaimRow>,
    /// Lists and which source puts which entity in or out.
    pub membership: Vec<MembershipList>,
    /// Quotes found in several sources.
    pub quotes: Vec<QuoteGroup>,
    /// Name variants per entity.
    pub variants: Vec<VariantRow>,
    /// Syndicated copies: (copy, original) corpus indices.
    pub syndicated: Vec<(usize, usize)>,
}

/// One aligned claim of a story.
#[derive(Debug, Default)]
pub struct ClaimRow {
    pub key: String,
    pub kind: String,
    /// agree, conflict, single or derived.
    pub status: String,
    /// For derived findings, the check made (e.g. `102 - 37 = 65`).
    pub note: String,
    /// Per source (corpus index), what it says.
    pub cells: BTreeMap<usize, Vec<Evidence>>,
}

/// What one source says, and where.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    pub value: String,
    /// 1-based line.
    pub line: usize,
    /// The claim's number in its document (claims.csv order, 0-based), when known.
    pub claim: Option<usize>,
    pub sentence: String,
}

/// One list and the membership each source gives its entities.
#[derive(Debug, Default)]
pub struct MembershipList {
    pub list: String,
    /// entity → source → (in: true / out: false, evidence).
    pub rows: BTreeMap<String, BTreeMap<usize, (bool, Evidence)>>,
}

/// One quote as worded by several sources.
#[derive(Debug, Default)]
pub struct QuoteGroup {
    pub speaker: String,
    pub items: Vec<QuoteItem>,
}

/// One source's wording of a quote, as a word diff against the group's first wording.
#[derive(Debug, Default)]
pub struct QuoteItem {
    pub source: usize,
    pub evidence: Evidence,
    /// (op, text): op is `=`, `+` (only here) or `-` (only in the reference).
    pub words: Vec<(char, String)>,
}

/// The surface forms one entity was written in.
#[derive(Debug, Default)]
pub struct VariantRow {
    pub entity: String,
    /// (surface, kind, sources).
    pub forms: Vec<(String, String, Vec<usize>)>,
}

/// The findings of one story, from the corpus-level results.
fn story_data(_corpus: &Corpus, _story: &str) -> StoryData {
    // The corpus-level model (stories, aligned claims, quotes, variants) fills this in.
    StoryData::default()
}

/// Writes report.html into `dir` and removes the part files.
pub fn write(dir: &Path, corpus: &Corpus, model: &Model) -> Result<()> {
    let mut store = Store::open(dir)?;
    // Group documents into stories; stories with most documents first, then corpus order.
    let mut by_story: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (slot, &index) in store.index.iter().enumerate() {
        by_story.entry(corpus.story_of(index).to_string()).or_default().push(slot);
    }
    let mut stories: Vec<StoryPlan> =
        by_story.into_iter().map(|(id, slots)| StoryPlan { id, slots }).collect();
    stories.sort_by_key(|s| (std::cmp::Reverse(s.slots.len()), s.slots[0]));
    let total_stories = stories.len();
    let total_docs = store.at.len();
    let mut shown = Vec::new();
    let mut shown_docs = 0;
    for s in stories {
        if shown.len() >= MAX_STORIES
            || (!shown.is_empty() && shown_docs + s.slots.len() > MAX_DOCS)
        {
            break;
        }
        shown_docs += s.slots.len();
        shown.push(s);
    }

    let path = dir.join("report.html");
    let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    let ctx = || format!("writing {}", path.display());
    let mut overview_rows = Vec::with_capacity(shown_docs);
    for s in &shown {
        for &slot in &s.slots {
            let mut r = store.get(slot)?;
            r.html = None;
            overview_rows.push((s.id.clone(), r));
        }
    }
    let head = page_head(total_docs, total_stories, &shown, shown_docs, &overview_rows);
    w.write_all(head.into_string().as_bytes()).with_context(ctx)?;
    drop(overview_rows);
    for s in &shown {
        let recs: Vec<Record> =
            s.slots.iter().map(|&slot| store.get(slot)).collect::<Result<_>>()?;
        let data = story_data(corpus, &s.id);
        let section = story_section(&s.id, &recs, &data, model);
        w.write_all(section.into_string().as_bytes()).with_context(ctx)?;
    }
    w.write_all(page_tail().into_string().as_bytes()).with_context(ctx)?;
    w.flush().with_context(ctx)?;
    drop(store);
    for p in [PART, PART_INDEX] {
        std::fs::remove_file(dir.join(p)).with_context(|| format!("removing {p}"))?;
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The page up to the first story: head, overview, documents table.
fn page_head(
    total_docs: usize,
    total_stories: usize,
    shown: &[StoryPlan],
    shown_docs: usize,
    rows: &[(String, Record)],
) -> Markup {
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{JS_SHA256}'; style-src 'sha256-{CSS_SHA256}'; \
         img-src data:; base-uri 'none'; form-action 'none'"
    );
    let multi = shown.iter().filter(|s| s.slots.len() > 1).count();
    html! {
        (DOCTYPE)
        (PreEscaped("<html lang=\"en\">\n"))
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(csp);
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content="recoupe";
                title { "recoupe — cross-source report" }
                style { (PreEscaped(CSS)) }
            }
                (PreEscaped("\n<body>\n"))
                input.toggle #show-bp type="checkbox";
                (PreEscaped("\n<main>\n"))
                    header {
                        h1 { "Cross-source report" }
                        p.lead {
                            (plural(total_docs, "document", "documents")) " in "
                            (plural(total_stories, "story", "stories")) ". "
                            "Each story compares what its sources claim: agreements, conflicts, "
                            "claims only one source makes, lists, quotes and how names are written. "
                            "Every value links to the sentence it comes from."
                        }
                        @if shown.len() < total_stories {
                            p.note #cap-note {
                                "This page shows " (shown.len()) " of " (total_stories)
                                " stories (" (shown_docs) " of " (total_docs) " documents), those "
                                "with the most sources first, at most " (MAX_STORIES) " stories and "
                                (MAX_DOCS) " documents. Every story is in consistency.csv and "
                                "report.json."
                            }
                        }
                        label.toggle-label for="show-bp" {
                            span.off { "Show" } span.on { "Hide" }
                            " the lines removed as boilerplate (greyed out)"
                        }
                    }
                    nav.toc aria-label="Stories" {
                        h2 #stories { "Stories" }
                        p {
                            (plural(multi, "story has", "stories have")) " more than one source."
                        }
                        ol {
                            @for s in shown {
                                li {
                                    a href={ "#story-" (s.id) } {
                                        (s.id) ": "
                                        (rows.iter().find(|(id, _)| *id == s.id).map_or("", |(_, r)| r.title.as_str()))
                                    }
                                    " (" (plural(s.slots.len(), "document", "documents")) ")"
                                }
                            }
                        }
                    }
                    section #documents {
                        h2 { "Documents" }
                        div.wrap {
                            table.sortable.filterable #documents-table {
                                caption { "Documents analysed, by story" }
                                thead {
                                    tr {
                                        th scope="col" { "doc" }
                                        th scope="col" { "outlet" }
                                        th scope="col" { "date" }
                                        th scope="col" { "lang" }
                                        th scope="col" { "title" }
                                        th scope="col" { "story" }
                                        th.n scope="col" { "lines" }
                                        th.n scope="col" { "boilerplate" }
                                        th.n scope="col" { "mentions" }
                                    }
                                }
                                tbody {
                                    @for (story, r) in rows {
                                        tr {
                                            th scope="row" { a href={ "#" (r.anchor()) } { (r.doc) } }
                                            td { (r.outlet) }
                                            td { (r.date) }
                                            td { (r.lang) }
                                            td { (r.title) }
                                            td { a href={ "#story-" (story) } { (story) } }
                                            td.n { (r.lines) }
                                            td.n { (r.boilerplate) }
                                            td.n { (r.mentions.iter().map(|m| m.3).sum::<usize>()) }
                                        }
                                    }
                                }
                            }
                        }
                    }
    }
}

fn page_tail() -> Markup {
    html! {
        (PreEscaped("</main>\n<script>"))
        (PreEscaped(JS))
        (PreEscaped("</script>\n</body>\n</html>\n"))
    }
}

/// The href of a piece of evidence in document `r`.
fn evidence_href(r: &Record, e: &Evidence) -> String {
    match e.claim.and_then(|c| r.claim_anchors.get(c)).filter(|a| !a.is_empty()) {
        Some(a) => format!("#{a}"),
        None => format!("#doc-{}-l{}", r.index, e.line),
    }
}

/// One story: summary, findings, coverage, texts.
fn story_section(id: &str, recs: &[Record], data: &StoryData, model: &Model) -> Markup {
    let sources: Vec<&Record> = recs.iter().take(MAX_SOURCES).collect();
    let by_index: BTreeMap<usize, &Record> = recs.iter().map(|r| (r.index, r)).collect();
    let outlets: std::collections::BTreeSet<&str> = recs.iter().map(Record::label).collect();
    let count = |st: &str| data.claims.iter().filter(|c| c.status == st).count();
    let title = recs.first().map_or("", |r| r.title.as_str());
    let statuses = [
        ("conflict", "Conflicts", "Sources give different values for the same thing."),
        ("agree", "Agreements", "Sources give the same value."),
        ("derived", "Derived checks", "Consistent or not by arithmetic or by a full enumeration."),
        ("single", "Single-source claims", "Only one source says it."),
    ];
    html! {
        section.story id={ "story-" (id) } aria-labelledby={ "h-" (id) } {
            h2 id={ "h-" (id) } { "Story " (id) ": " (title) }
            dl.summary {
                div { dt { "outlets" } dd { (outlets.len()) } }
                div { dt { "articles" } dd { (recs.len()) } }
                div { dt { "claims that agree" } dd { (count("agree")) } }
                div { dt { "conflicts" } dd { (count("conflict")) } }
                div { dt { "single-source claims" } dd { (count("single")) } }
                div { dt { "derived checks" } dd { (count("derived")) } }
                div { dt { "syndicated copies" } dd { (data.syndicated.len()) } }
            }
            @if recs.len() > MAX_SOURCES {
                p.note {
                    "This story has " (recs.len()) " sources; its tables show the first "
                    (MAX_SOURCES) " (all are in consistency.csv)."
                }
            }
            @if !data.syndicated.is_empty() {
                h3 { "Syndicated copies" }
                ul {
                    @for (copy, orig) in &data.syndicated {
                        li {
                            (source_link(by_index.get(copy).copied(), *copy)) " copies "
                            (source_link(by_index.get(orig).copied(), *orig))
                            " and is counted once."
                        }
                    }
                }
            }
            h3 { "Claims" }
            @if data.claims.is_empty() {
                p.empty { "No claim of this story could be aligned across its sources." }
            }
            @for (st, heading, what) in statuses {
                @let rows: Vec<&ClaimRow> = data.claims.iter().filter(|c| c.status == st).collect();
                @if !rows.is_empty() {
                    h4 { (heading) " (" (rows.len()) ")" }
                    div.wrap {
                        table.sortable id={ (st) "-" (id) } {
                            caption { (what) }
                            thead {
                                tr {
                                    th scope="col" { "claim" }
                                    th scope="col" { "status" }
                                    @for s in &sources { th scope="col" title=(s.doc) { (s.label()) } }
                                    @if st == "derived" { th scope="col" { "check" } }
                                }
                            }
                            tbody {
                                @for c in rows {
                                    tr class=(c.status) {
                                        th scope="row" { (c.key) br; span.ev { (c.kind) } }
                                        td { span class={ "badge st-" (c.status) } { (c.status) } }
                                        @for s in &sources {
                                            @match c.cells.get(&s.index) {
                                                Some(ev) => td.v {
                                                    @for e in ev {
                                                        a.val href=(evidence_href(s, e)) title=(e.sentence) { (e.value) }
                                                        " "
                                                    }
                                                },
                                                None => td.silent { "—" span.ev { " silent" } },
                                            }
                                        }
                                        @if st == "derived" { td { (c.note) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h3 { "List membership" }
            @if data.membership.is_empty() {
                p.empty { "No source of this story puts entities in or out of a list." }
            }
            @for l in &data.membership {
                div.wrap {
                    table.sortable.membership {
                        caption { "Who is on the list: " (l.list) }
                        thead {
                            tr {
                                th scope="col" { "entity" }
                                @for s in &sources { th scope="col" title=(s.doc) { (s.label()) } }
                            }
                        }
                        tbody {
                            @for (entity, cells) in &l.rows {
                                tr {
                                    th scope="row" { (entity_name(model, entity)) }
                                    @for s in &sources {
                                        @match cells.get(&s.index) {
                                            Some((true, e)) => td.m-in { a href=(evidence_href(s, e)) title=(e.sentence) { "in" } },
                                            Some((false, e)) => td.m-out { a href=(evidence_href(s, e)) title=(e.sentence) { "out" } },
                                            None => td.silent { "silent" },
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h3 { "Quotes" }
            @if data.quotes.is_empty() {
                p.empty { "No quote appears in more than one source." }
            }
            @for (g, q) in data.quotes.iter().enumerate() {
                h4 { "Quote " (g + 1) @if !q.speaker.is_empty() { ": " (q.speaker) } }
                div.quotes id={ "quote-" (id) "-" (g + 1) } {
                    @for item in &q.items {
                        figure {
                            blockquote {
                                @for (op, w) in &item.words {
                                    @match op {
                                        '+' => ins.d { (w) },
                                        '-' => del.d { (w) },
                                        _ => (w),
                                    }
                                    " "
                                }
                            }
                            figcaption {
                                @match by_index.get(&item.source) {
                                    Some(r) => a href=(evidence_href(r, &item.evidence)) { (r.label()) ", line " (item.evidence.line) },
                                    None => { "document " (item.source) },
                                }
                            }
                        }
                    }
                }
            }
            h3 { "Name variants" }
            @if data.variants.is_empty() {
                p.empty { "Every entity is written the same way by all sources." }
            } @else {
                div.wrap {
                    table.sortable.variants id={ "variants-" (id) } {
                        caption { "How each source writes the names" }
                        thead { tr { th scope="col" { "entity" } th scope="col" { "written as" } th scope="col" { "kind" } th scope="col" { "sources" } } }
                        tbody {
                            @for v in &data.variants {
                                @for (surface, kind, docs) in &v.forms {
                                    tr {
                                        th scope="row" { (entity_name(model, &v.entity)) }
                                        td { (surface) }
                                        td { (kind) }
                                        td {
                                            @for (k, d) in docs.iter().enumerate() {
                                                @if k > 0 { ", " }
                                                (source_link(by_index.get(d).copied(), *d))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (coverage(id, &sources, model))
            h3 { "Articles" }
            @for r in recs { (article(r)) }
        }
    }
}

fn source_link(r: Option<&Record>, index: usize) -> Markup {
    html! {
        @match r {
            Some(r) => a href={ "#" (r.anchor()) } title=(r.doc) { (r.label()) },
            None => { "document " (index) },
        }
    }
}

fn entity_name(model: &Model, id: &str) -> String {
    match model.entities.describe(id) {
        Some((name, _)) if name != id => format!("{name} ({id})"),
        _ => id.to_string(),
    }
}

/// The coverage heatmap: entities × sources, mention counts written in each cell and shaded.
fn coverage(id: &str, sources: &[&Record], model: &Model) -> Markup {
    // entity → per source mentions
    let mut grid: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (k, s) in sources.iter().enumerate() {
        for (entity, _, _, n) in &s.mentions {
            grid.entry(entity).or_insert_with(|| vec![0; sources.len()])[k] += n;
        }
    }
    let mut rows: Vec<(&str, Vec<usize>)> = grid.into_iter().collect();
    // Entities most sources name first, then most mentioned, then by id.
    rows.sort_by_key(|(e, c)| {
        let covered = c.iter().filter(|&&n| n > 0).count();
        (std::cmp::Reverse(covered), std::cmp::Reverse(c.iter().sum::<usize>()), *e)
    });
    let total = rows.len();
    rows.truncate(MAX_ENTITIES);
    let max = rows.iter().flat_map(|(_, c)| c.iter().copied()).max().unwrap_or(0).max(1);
    // Four shades, proportional to the largest count of the table.
    let level = |n: usize| n.saturating_mul(4).div_ceil(max).min(4);
    html! {
        h3 { "Coverage" }
        @if rows.is_empty() {
            p.empty { "No entity was found in this story's articles." }
        } @else {
            @if total > rows.len() {
                p.note { "The " (MAX_ENTITIES) " entities most sources name, of " (total) " (all are in mentions.csv)." }
            }
            div.wrap {
                table.heat.sortable id={ "coverage-" (id) } {
                    caption { "Mentions of each entity per source (darker: more)" }
                    thead {
                        tr {
                            th scope="col" { "entity" }
                            @for s in sources { th.n scope="col" title=(s.doc) { (s.label()) } }
                            th.n scope="col" { "sources" }
                        }
                    }
                    tbody {
                        @for (e, counts) in &rows {
                            tr {
                                th scope="row" { (entity_name(model, e)) }
                                @for n in counts {
                                    td class={ "c h" (level(*n).min(4)) } { (n) }
                                }
                                td.n { (counts.iter().filter(|&&n| n > 0).count()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One article: its metadata and its text fragment.
fn article(r: &Record) -> Markup {
    html! {
        article.doc id=(r.anchor()) aria-labelledby={ (r.anchor()) "-h" } {
            header {
                h4 id={ (r.anchor()) "-h" } { (r.label()) ": " (r.title) }
                p {
                    "doc " code { (r.doc) }
                    @if !r.date.is_empty() { " · " (r.date) }
                    @if !r.lang.is_empty() { " · language " (r.lang) }
                    @if !r.url.is_empty() { " · " span.url { (r.url) } }
                    " · " (plural(r.lines, "line", "lines"))
                }
            }
            @match &r.html {
                Some(h) => {
                    @if r.boilerplate > 0 {
                        p.bp-note { (plural(r.boilerplate, "line was", "lines were")) " removed as boilerplate (hidden; use the toggle at the top to show them)." }
                    }
                    // The fragment was rendered with maud, every piece of text escaped.
                    div.text { (PreEscaped(h)) }
                },
                None => p.note { "The text of this document is not in the page (the page keeps at most " (MAX_TEXT_BYTES >> 20) " MiB of article text); its lines are in lines.csv." },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hashes_match_the_inline_blocks() {
        use base64::Engine;
        use sha2::Digest;
        let h = |s: &str| base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s));
        assert_eq!(h(CSS), CSS_SHA256, "update CSS_SHA256");
        assert_eq!(h(JS), JS_SHA256, "update JS_SHA256");
    }
}
