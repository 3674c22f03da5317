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
//! Memory stays bounded: the worker that analysed a document keeps its metadata, its text and
//! what rendering the text needs (`fragment::Source`), and the sink appends them to a part file
//! in the output directory. At the end, stories are ordered (most sources first), and
//! report.html is written story by story, each story's records read back from the part file by
//! offset; only the texts the page shows are rendered (`fragment::render`), on the run's
//! threads. The number of stories, documents and columns shown is capped; every cap that
//! applies is stated in the report, never silent. The bytes depend only on the corpus.

mod fragment;
mod story;

pub use fragment::{Fragment, Source, first_line, render as render_fragment};

use crate::align::Corpus;
use crate::analysis::DocAnalysis;
use crate::model::Model;
use anyhow::{Context, Result};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Text for the page, escaped as maud escapes it (`&`, `<`, `>`, `"`) but found sixteen bytes
/// at a time and copied in runs: maud's own escaping pushes the text a byte at a time, 1.7% of
/// a run's instructions on synth 10 MB (article texts, sentences in link titles). The other
/// splices of text (titles, names, labels, values, quotes) go through it too: maud's escaping
/// of those was another 0.7%.
struct Text<'a>(&'a str);

/// The bytes `Text` escapes.
const HTML_SPECIAL: crate::special::Special<4> =
    crate::special::Special { below: 0, these: [b'&', b'<', b'>', b'"'], from: None };

impl maud::Render for Text<'_> {
    fn render_to(&self, out: &mut String) {
        let (s, mut from) = (self.0, 0);
        while let Some(k) = HTML_SPECIAL.position(&s.as_bytes()[from..]) {
            let i = from + k;
            out.push_str(&s[from..i]);
            out.push_str(match s.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                _ => "&quot;",
            });
            from = i + 1;
        }
        out.push_str(&s[from..]);
    }
}

/// The anchor of a document's article (`doc-<n>`, n its corpus position), of one of its lines
/// (`doc-<n>-l<line>`) or of a sentence of a line (`doc-<n>-l<line>-s<k>`), written into the
/// page as it is rendered: a string formatted for each, ids and links, took 45,000 `format!`
/// calls and 0.5% of a run's instructions on synth 10 MB. Digits and dashes: nothing to escape.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    doc: usize,
    line: Option<usize>,
    sentence: Option<usize>,
}

impl Anchor {
    fn doc(doc: usize) -> Self {
        Anchor { doc, line: None, sentence: None }
    }
}

impl maud::Render for Anchor {
    fn render_to(&self, out: &mut String) {
        let mut n = itoa::Buffer::new();
        out.push_str("doc-");
        out.push_str(n.format(self.doc));
        if let Some(line) = self.line {
            out.push_str("-l");
            out.push_str(n.format(line));
        }
        if let Some(k) = self.sentence {
            out.push_str("-s");
            out.push_str(n.format(k));
        }
    }
}

/// A link's target: an anchor, or the documents table (for a document the page does not show).
#[derive(Debug, Clone, Copy)]
enum Href {
    To(Anchor),
    Documents,
}

impl maud::Render for Href {
    fn render_to(&self, out: &mut String) {
        match self {
            Href::To(a) => {
                out.push('#');
                a.render_to(out);
            }
            Href::Documents => out.push_str("#documents"),
        }
    }
}

/// Records of every analysed document, one JSON line each, in corpus order.
const PART: &str = "report.part.jsonl";
/// Byte offset, length and corpus index of each record in `PART`, one `offset len index` line
/// each, so stories can be planned without decoding the records.
const PART_INDEX: &str = "report.part.idx";

/// The screenshot of report.html made by the browser check (tests/it/html.rs) and shown in the
/// README; a run keeps the previous one in the output directory.
pub const SCREENSHOT: &str = "report.png";

/// Stories shown in full (most sources first); the others are counted in the overview.
pub const MAX_STORIES: usize = 200;
/// Documents whose tables and text are shown, over all shown stories.
pub const MAX_DOCS: usize = 1000;
/// Source columns of one story's tables, and documents named for one form of a name.
pub const MAX_SOURCES: usize = 30;
/// Rows of any other table of one story (claims of one status, list members, quotes, forms).
pub const MAX_ROWS: usize = 300;
/// Entities (rows) of one story's coverage heatmap.
pub const MAX_ENTITIES: usize = 40;
/// Article text kept in the part file (counted in bytes of the documents' text); later documents
/// keep their metadata but not their text.
pub const MAX_TEXT_BYTES: u64 = 256 << 20;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");
/// base64 SHA-256 of `CSS` and `JS`, for the Content-Security-Policy (checked by a unit test).
const CSS_SHA256: &str = "KIdHlfQQT7blq6ArOkQItBF8zarZdq3fJUSbjCyGX/Q=";
const JS_SHA256: &str = "ilm7Iti4oJTf+OFVsmcVHTJluwogE1EsLCYpF7z5TdY=";

/// (entity, type, surface, mentions) of one document.
type MentionCount<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>, usize);

/// What the report keeps of one document, as read back at the end.
type Record = RecordOf<'static>;

/// What the report keeps of one document. Written by the worker that analysed it, with the
/// mention names borrowed from its analysis: cloning them took 200,000 allocations on synth
/// 10 MB, for strings serialized at once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RecordOf<'a> {
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
    mentions: Vec<MentionCount<'a>>,
    /// (byte start, line, k) of each sentence (`Fragment::sentences`), once its text is rendered.
    #[serde(skip)]
    sentences: Vec<(usize, usize, usize)>,
    /// The text fragment, once rendered.
    #[serde(skip)]
    html: Option<String>,
    /// Whether the text is in the page (within the text budget), so its anchors exist.
    #[serde(skip)]
    kept: bool,
}

impl RecordOf<'_> {
    /// The column label of this source: its outlet when known, else its doc id.
    fn label(&self) -> &str {
        if self.outlet.is_empty() { &self.doc } else { &self.outlet }
    }

    fn anchor(&self) -> Anchor {
        Anchor::doc(self.index)
    }

    /// The link to the sentence holding byte `byte` of the document (to the article when its
    /// text is not in the page).
    fn href_at(&self, byte: usize) -> Href {
        let i = self.sentences.partition_point(|s| s.0 <= byte);
        Href::To(match (self.kept, i.checked_sub(1).map(|i| self.sentences[i])) {
            (true, Some((_, line, k))) => {
                Anchor { doc: self.index, line: Some(line), sentence: Some(k) }
            }
            _ => self.anchor(),
        })
    }
}

/// One document's record, encoded by the worker that analysed it.
#[derive(Debug, Clone, Default)]
pub struct Part {
    index: usize,
    /// The record as JSON.
    meta: Vec<u8>,
    /// What rendering the text needs, as JSON, and the text; `None` when not kept.
    text: Option<(Vec<u8>, String)>,
}

impl Part {
    /// Keeps what report.html needs of one analysed document: its record, and its text with
    /// what rendering it needs (here, in the worker: the text is not kept after analysis).
    pub fn of(a: &DocAnalysis, doc: &crate::document::Document) -> Result<Self> {
        Self::with_text(a, doc, true)
    }

    /// As `of`, keeping the text only when `text`: once the part file's text budget is spent
    /// (`Parts::text_spent`), a later document's text would be dropped, so it is not copied.
    /// Its title and record are the same.
    pub fn with_text(a: &DocAnalysis, doc: &crate::document::Document, text: bool) -> Result<Self> {
        // Mentions counted per (entity, type, surface), in that order: sorted, then runs counted.
        let mut keys: Vec<(&str, &str, &str)> =
            a.mentions.iter().map(|m| (&*m.entity, m.etype, &*m.surface)).collect();
        keys.sort_unstable();
        let counts = keys.chunk_by(|x, y| x == y).map(|run| (run[0], run.len()));
        let boilerplate = a
            .structure
            .lines
            .iter()
            .filter(|l| l.label == crate::structure::Label::Boilerplate)
            .count();
        let i = &a.info;
        let rec = RecordOf {
            index: i.index,
            doc: i.doc.clone(),
            outlet: i.outlet.clone(),
            date: i.date.clone(),
            url: i.url.clone(),
            title: if i.title.is_empty() { first_line(doc, &a.structure) } else { i.title.clone() },
            lang: i.lang.code.clone(),
            lines: a.structure.lines.len(),
            boilerplate,
            mentions: counts.map(|((e, t, s), n)| (e.into(), t.into(), s.into(), n)).collect(),
            sentences: Vec::new(),
            html: None,
            kept: false,
        };
        // Room for the record's JSON, so that it is not grown and copied a few times: its
        // strings and about the bytes of the rest (punctuation, field names, numbers).
        let strings = rec.doc.len() + rec.outlet.len() + rec.date.len() + rec.url.len();
        let mentions: usize =
            rec.mentions.iter().map(|(e, t, s, _)| e.len() + t.len() + s.len() + 24).sum();
        let meta = super::json::compact::to_vec_with_capacity(
            &rec,
            160 + strings + rec.title.len() + mentions,
        )
        .context("encoding an HTML record")?;
        let text = if text {
            let source = Source::of(&a.structure, &a.mentions, &a.claims);
            let mut bytes = Vec::with_capacity(source.encoded_len());
            source.encode(&mut bytes);
            Some((bytes, doc.text.clone()))
        } else {
            None
        };
        Ok(Part { index: i.index, meta, text })
    }
}

/// The part file being written during the streaming pass: each record's JSON then, when kept,
/// its `Source` (`Source::encode`) and its text; and one index line per record:
/// `offset json_len source_len text_len index` (source_len and text_len `-` when the text was not
/// kept), so stories can be planned without decoding the records.
pub struct Parts {
    data: BufWriter<super::file::ReportFile>,
    index: BufWriter<super::file::ReportFile>,
    offset: u64,
    text_bytes: u64,
    /// Article text the part file keeps (`MAX_TEXT_BYTES`; smaller in tests).
    text_budget: u64,
    /// Set once `text_bytes` reached `text_budget`: no later document's text is kept.
    text_spent: Arc<AtomicBool>,
    path: PathBuf,
}

impl Parts {
    pub fn create(dir: &Path) -> Result<Self> {
        let path = dir.join(PART);
        // Written behind like a report: report.html reads back only the records it shows.
        Ok(Parts {
            data: super::file::create(&path)?,
            index: super::file::create(&dir.join(PART_INDEX))?,
            offset: 0,
            text_bytes: 0,
            text_budget: MAX_TEXT_BYTES,
            text_spent: Arc::default(),
            path,
        })
    }

    #[cfg(test)]
    fn with_text_budget(self, bytes: u64) -> Self {
        Parts { text_budget: bytes, ..self }
    }

    /// Whether the text budget is spent. Documents are appended in corpus order and the budget
    /// only shrinks, so a document analysed after this reads true is never kept: its text need
    /// not be rendered. (Reading false only means rendering text that may be dropped.)
    pub fn text_spent(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.text_spent)
    }

    /// Appends one document's record, in corpus order.
    pub fn append(&mut self, p: &Part) -> Result<()> {
        let kept = p.text.as_ref().filter(|_| self.text_bytes < self.text_budget);
        let ctx = || format!("writing {}", self.path.display());
        self.data.write_all(&p.meta).with_context(ctx)?;
        let mut len = p.meta.len();
        let lens = match kept {
            Some((source, text)) => {
                self.data.write_all(source).with_context(ctx)?;
                self.data.write_all(text.as_bytes()).with_context(ctx)?;
                self.text_bytes += text.len() as u64;
                len += source.len() + text.len();
                format!("{} {}", source.len(), text.len())
            }
            None => "- -".to_string(),
        };
        writeln!(self.index, "{} {} {lens} {}", self.offset, p.meta.len(), p.index)
            .with_context(ctx)?;
        self.offset += len as u64;
        if self.text_bytes >= self.text_budget {
            self.text_spent.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Flushes the part files (report.html is written by `write`).
    pub fn finish(mut self) -> Result<()> {
        let ctx = || format!("writing {}", self.path.display());
        self.data.flush().with_context(ctx)?;
        self.index.flush().with_context(ctx)
    }
}

/// Where one record is in the part file.
#[derive(Debug, Clone, Copy)]
struct At {
    offset: u64,
    /// Length of the record's JSON.
    meta: usize,
    /// Lengths of its encoded `Source` and of its text, when kept.
    text: Option<(usize, usize)>,
}

/// Reads records back by position.
struct Store {
    file: File,
    /// Where each record is, in corpus order.
    at: Vec<At>,
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
            let f: Vec<&str> = line.split(' ').collect();
            let parsed = match f[..] {
                [o, m, s, t, i] => (|| {
                    let text = match (s, t) {
                        ("-", "-") => None,
                        _ => Some((s.parse().ok()?, t.parse().ok()?)),
                    };
                    Some((o.parse().ok()?, m.parse().ok()?, text, i.parse().ok()?))
                })(),
                _ => None,
            };
            let Some((offset, meta, text, i)) = parsed else {
                anyhow::bail!("corrupt {}", idx.display());
            };
            at.push(At { offset, meta, text });
            index.push(i);
        }
        let path = dir.join(PART);
        let file = File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        Ok(Store { file, at, index })
    }

    /// Starts reading the record in `slot` and its text into the cache (see `file::prefetch`).
    fn prefetch(&self, slot: usize) {
        let At { offset, meta, text } = self.at[slot];
        let (source, text) = text.unwrap_or((0, 0));
        super::file::prefetch(&self.file, offset, (meta + source + text) as u64);
    }

    /// The bytes of the record in `slot` and, when kept, of its `Source` and text: read in
    /// page order on one thread, decoded by `Raw::record` and `Raw::text` on any.
    fn raw(&mut self, slot: usize, with_text: bool) -> Result<Raw> {
        let At { offset, meta, text } = self.at[slot];
        let extra = match text {
            Some((source, text)) if with_text => source + text,
            _ => 0,
        };
        let mut buf = vec![0; meta + extra];
        self.file.seek(SeekFrom::Start(offset))?;
        self.file.read_exact(&mut buf).context("reading back the HTML part file")?;
        Ok(Raw {
            buf,
            meta,
            source: text.filter(|_| with_text).map(|(s, _)| s),
            kept: text.is_some(),
        })
    }
}

/// One record's bytes as read from the part file (`Store::raw`).
struct Raw {
    buf: Vec<u8>,
    /// Length of the record's JSON, at the start of `buf`.
    meta: usize,
    /// Length of its encoded `Source`, when its text was read too (after the JSON).
    source: Option<usize>,
    /// Whether the part file kept its text.
    kept: bool,
}

impl Raw {
    fn record(&self) -> Result<Record> {
        let mut rec: Record =
            serde_json::from_slice(&self.buf[..self.meta]).context("decoding an HTML record")?;
        rec.kept = self.kept;
        Ok(rec)
    }

    /// The record's text and what rendering it needs, when they were kept (its record is
    /// decoded by `record`).
    fn text(self) -> Result<Option<(Source<'static>, String)>> {
        let Some(source) = self.source else { return Ok(None) };
        let mut buf = self.buf;
        let text = buf.split_off(self.meta + source);
        // Checked with SIMD: the standard check took 8.7 M instructions for the 1,000 texts of
        // synth 10 MB's page.
        simdutf8::basic::from_utf8(&text).ok().context("decoding an HTML record")?;
        // SAFETY: checked as UTF-8 just above.
        let text = unsafe { String::from_utf8_unchecked(text) };
        let source = Source::decode(&buf[self.meta..]).context("decoding an HTML record")?;
        Ok(Some((source, text)))
    }
}

/// A story's section as written, in pieces: its start (`story::section`), each article, its end.
type Pieces = Vec<Vec<u8>>;

/// Documents whose articles are rendered at once (a window of stories, or one larger story).
const WINDOW_DOCS: usize = 64;

/// A story as the page lays it out.
struct StoryPlan {
    id: String,
    /// Slots (positions in the part file) of its documents, in corpus order.
    slots: Vec<usize>,
    /// How many of them (the first ones) the page shows.
    shown: usize,
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
        by_story.into_iter().map(|(id, slots)| StoryPlan { id, slots, shown: 0 }).collect();
    stories.sort_by_key(|s| (std::cmp::Reverse(s.slots.len()), s.slots[0]));
    let total_stories = stories.len();
    let total_docs = store.at.len();
    let mut shown = Vec::new();
    let mut shown_docs = 0;
    for mut s in stories {
        if shown.len() >= MAX_STORIES || shown_docs >= MAX_DOCS {
            break;
        }
        // A story larger than what is left shows its first documents (and says so).
        s.shown = s.slots.len().min(MAX_DOCS - shown_docs);
        shown_docs += s.shown;
        shown.push(s);
    }

    let path = dir.join("report.html");
    let mut w = super::file::create(&path)?;
    let ctx = || format!("writing {}", path.display());
    // The records shown lie all over the part file, whose pages were mostly handed back to
    // the system as it was written: announced at once, they are read from the disk together
    // instead of one after the other (on synth 100 MB, report.html took 0.11–0.15 s instead of
    // 0.20–0.22 s).
    for s in &shown {
        for &slot in &s.slots[..s.shown] {
            store.prefetch(slot);
        }
    }
    // Read in page order on this thread, decoded on the workers.
    let mut raws = Vec::with_capacity(shown_docs);
    for s in &shown {
        for &slot in &s.slots[..s.shown] {
            raws.push((s.id.clone(), store.raw(slot, false)?));
        }
    }
    let mut overview_rows: Vec<(String, Record)> =
        raws.into_par_iter().map(|(id, raw)| Ok((id, raw.record()?))).collect::<Result<_>>()?;
    let head = page_head(total_docs, total_stories, &shown, shown_docs, &overview_rows, corpus);
    w.write_all(head.into_string().as_bytes()).with_context(ctx)?;
    let model_stories: BTreeMap<&str, &crate::align::Story> =
        corpus.report.stories.iter().map(|s| (s.id.as_str(), s)).collect();
    // A window of stories at a time: the page is never held in memory, only a few stories'
    // articles. The window's stories are rendered in parallel, and so are their articles (a
    // section's links need its articles' sentences); the bytes are written in page order, the
    // previous window's while this one renders. A story's section is written in pieces (its
    // start, each article, its end) rather than gathered into one string, which was grown and
    // copied article after article: each article's bytes were copied twice.
    let mut rendered: Vec<Pieces> = Vec::new();
    // The shown records are decoded once, for the overview, and lent to the windows in turn
    // (decoding one again took 28,000 instructions): `overview_rows[..lent]` were lent.
    let mut lent = 0;
    let mut from = 0;
    while from < shown.len() {
        let mut to = from;
        let mut docs = 0;
        while to < shown.len() && (to == from || docs + shown[to].shown <= WINDOW_DOCS) {
            docs += shown[to].shown;
            to += 1;
        }
        let mut read = Vec::with_capacity(to - from);
        let window_rows = lent;
        for s in &shown[from..to] {
            let raws: Vec<Raw> = s.slots[..s.shown]
                .iter()
                .map(|&slot| store.raw(slot, true))
                .collect::<Result<_>>()?;
            let rows = &mut overview_rows[lent..lent + s.shown];
            let recs: Vec<Record> = rows.iter_mut().map(|(_, r)| std::mem::take(r)).collect();
            lent += s.shown;
            read.push((s, raws, recs));
        }
        let render = || -> Result<Vec<(Pieces, Vec<Record>)>> {
            read.into_par_iter()
                .with_max_len(1)
                .map(|(s, raws, mut recs)| {
                    recs.par_iter_mut().zip(raws).with_max_len(1).try_for_each(
                        |(rec, raw)| -> Result<()> {
                            if let Some((source, text)) = raw.text()? {
                                let frag = render_fragment(rec.index, &text, &source);
                                rec.sentences = frag.sentences;
                                rec.html = Some(frag.html);
                            }
                            Ok(())
                        },
                    )?;
                    let refs: Vec<&Record> = recs.iter().collect();
                    let story = model_stories.get(s.id.as_str()).copied();
                    let section = story::section(&s.id, &refs, s.slots.len(), story, model);
                    let mut pieces = Vec::with_capacity(section.len() + recs.len() + 1);
                    pieces.extend(section.into_iter().map(|m| m.into_string().into_bytes()));
                    pieces.par_extend(
                        recs.par_iter()
                            .with_max_len(1)
                            .map(|rec| story::article(rec).into_string().into_bytes()),
                    );
                    pieces.push(b"</section>\n".to_vec());
                    Ok((pieces, recs))
                })
                .collect()
        };
        let previous = std::mem::take(&mut rendered);
        let write = || previous.iter().flatten().try_for_each(|p| w.write_all(p)).with_context(ctx);
        let (pages, written) = rayon::join(render, write);
        written?;
        // The records back in the overview, without what rendering their texts added.
        let mut rows = overview_rows[window_rows..lent].iter_mut();
        rendered = pages?
            .into_iter()
            .map(|(pieces, recs)| {
                for (rec, (_, row)) in recs.into_iter().zip(&mut rows) {
                    *row = Record { html: None, sentences: Vec::new(), ..rec };
                }
                pieces
            })
            .collect();
        from = to;
    }
    rendered.iter().flatten().try_for_each(|p| w.write_all(p)).with_context(ctx)?;
    let tail = html! {
        (corpus_variants(&corpus.report.variants, &overview_rows))
        (page_tail())
    };
    w.write_all(tail.into_string().as_bytes()).with_context(ctx)?;
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
    corpus: &Corpus,
) -> Markup {
    let docs = &corpus.report.documents;
    let copy_of = |index: usize| {
        docs.binary_search_by_key(&index, |d| d.index).ok().and_then(|i| docs[i].copy_of.as_deref())
    };
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
                        @if shown.len() < total_stories || shown_docs < total_docs {
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
                        p {
                            "Also: " a href="#documents" { "the documents" } " · "
                            a href="#variants" { "name variants across the corpus" }
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
                                        th scope="col" { "copy of" }
                                    }
                                }
                                tbody {
                                    @for (story, r) in rows {
                                        tr {
                                            th scope="row" { a href={ "#" (r.anchor()) } { (Text(&r.doc)) } }
                                            td { (Text(&r.outlet)) }
                                            td { (r.date) }
                                            td { (r.lang) }
                                            td { (Text(&r.title)) }
                                            td { a href={ "#story-" (story) } { (story) } }
                                            td.n { (r.lines) }
                                            td.n { (r.boilerplate) }
                                            td.n { (r.mentions.iter().map(|m| m.3).sum::<usize>()) }
                                            td { @if let Some(o) = copy_of(r.index) { (o) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
    }
}

/// Forms listed in the corpus-wide name variants table.
pub const MAX_VARIANT_FORMS: usize = 500;

/// Name variants over the whole corpus: an entity written differently by sources of different
/// stories is a finding too (a misspelling in one outlet).
fn corpus_variants(variants: &[crate::align::EntityVariants], rows: &[(String, Record)]) -> Markup {
    let shown: BTreeMap<&str, &Record> = rows.iter().map(|(_, r)| (r.doc.as_str(), r)).collect();
    let total: usize = variants.iter().map(|v| v.forms.len()).sum();
    let forms: Vec<_> = variants
        .iter()
        .flat_map(|v| v.forms.iter().map(move |f| (v, f)))
        .take(MAX_VARIANT_FORMS)
        .collect();
    html! {
        section #variants {
            h2 { "Name variants across the corpus" }
            @if variants.is_empty() {
                p.empty { "Every entity is written the same way by all sources." }
            } @else {
                p.legend { "Entities the sources write in more than one way, and who wrote each form." }
                @if total > MAX_VARIANT_FORMS {
                    p.note { "The first " (MAX_VARIANT_FORMS) " forms of " (total) " (variants.csv has all)." }
                }
                div.wrap {
                    table.sortable.filterable.variants #variants-corpus {
                        caption { "Name variants" }
                        thead {
                            tr {
                                th scope="col" { "entity" }
                                th scope="col" { "written as" }
                                th scope="col" { "kind" }
                                th scope="col" { "sources" }
                            }
                        }
                        tbody {
                            @for (v, f) in &forms {
                                        tr {
                                            th scope="row" { (if v.name.is_empty() { &v.entity } else { &v.name }) span.key { " " (v.etype) } }
                                            td { q { (f.surface) } }
                                            td { (f.kind) }
                                            td {
                                                (doc_list(&f.docs, |d| html! {
                                                    @match shown.get(d) {
                                                        Some(r) => a href={ "#" (r.anchor()) } title=(r.doc) { (r.label()) },
                                                        None => (d),
                                                    }
                                                }))
                                            }
                                        }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The first `MAX_SOURCES` documents of `docs`, each rendered by `link`, then how many more
/// there are. A common spelling is written by most of a large corpus: listing every document
/// made the variants table of a 1 GB corpus 67 MB, and variants.csv lists them all anyway.
fn doc_list(docs: &[String], link: impl Fn(&str) -> Markup) -> Markup {
    html! {
        @for (k, d) in docs.iter().take(MAX_SOURCES).enumerate() {
            @if k > 0 { ", " }
            (link(d))
        }
        @if docs.len() > MAX_SOURCES {
            " " span.key { "and " (docs.len() - MAX_SOURCES) " more (variants.csv lists all)" }
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

#[cfg(test)]
mod tests;
