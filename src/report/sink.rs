//! The streaming side of the reports: per-document rows written in corpus order as batches
//! finish, so memory does not grow with the corpus. Each document's rows are rendered by the
//! worker thread that analysed it (`Rendered::of`), so formatting runs in parallel and a panic
//! while rendering one document is contained like any other; the writer thread only appends
//! bytes. documents.csv needs each document's story, known only at the end, so its rows go to a
//! part file first and are copied with the story column once stories are known.

use super::CsvOut;
use crate::analysis::DocAnalysis;
use crate::document::ErrorRow;
use anyhow::{Context, Result};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Columns of documents.csv. `story` is filled at the end (position `STORY_COL`).
pub const DOCUMENTS_HEADER: &[&str] = &[
    "doc",
    "path",
    "record_id",
    "outlet",
    "date",
    "url",
    "lang",
    "lang_confidence",
    "encoding",
    "bytes",
    "chars",
    "lines",
    "title",
    "story",
    "section",
    "credits",
    "source",
];
const STORY_COL: usize = 13;
const DOCUMENTS_PART: &str = "documents.part.csv";

/// Room reserved for a document's rows, so that their buffers are not grown and copied row
/// after row: about a row's bytes besides its long texts (a row of documents.csv or claims.csv
/// without its title, URL or sentence), and a row of lines.csv and of mentions.csv (37 and
/// 76 bytes on average on synth 10 MB). Only capacities: the rows are the same whatever they are.
const ROW_BYTES: usize = 160;
const LINE_BYTES: usize = 48;
const MENTION_BYTES: usize = 96;

/// The CSV rows of one analysed document, rendered (and neutralized) off the writer thread.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    documents: Vec<u8>,
    lines: Vec<u8>,
    mentions: Vec<u8>,
    claims: Vec<u8>,
    /// The document's record for report.html.
    html: super::html::Part,
}

impl Rendered {
    /// Renders the rows of `a`; `raw` disables formula neutralization. Marks the stage whose
    /// writer runs (`analysis::enter`), so a panic is attributed to it.
    pub fn of(a: &DocAnalysis, doc: &crate::document::Document, raw: bool) -> Result<Self> {
        Self::with_text(a, doc, raw, true)
    }

    /// As `of`; the document's text is kept for report.html only when `html_text` (see
    /// `Sink::html_text_spent`).
    pub fn with_text(
        a: &DocAnalysis,
        doc: &crate::document::Document,
        raw: bool,
        html_text: bool,
    ) -> Result<Self> {
        let i = &a.info;
        crate::analysis::enter("report");
        let mut w = CsvOut::memory_sized(raw, ROW_BYTES + i.title.len() + i.url.len());
        w.row([
            i.doc.as_str(),
            &i.path,
            &i.record_id,
            &i.outlet,
            &i.date,
            &i.url,
            &i.lang.code,
            &format!("{:.3}", i.lang.confidence),
            &i.encoding,
            &i.bytes.to_string(),
            &i.chars.to_string(),
            &i.lines.to_string(),
            &i.title,
            &i.section,
            &i.credits.join("; "),
            &i.source,
        ])?;
        let documents = w.into_bytes()?;
        crate::analysis::enter("structure");
        let mut w = CsvOut::memory_sized(raw, a.structure.lines.len() * LINE_BYTES);
        crate::structure::write_lines(&i.doc, &a.structure, &mut w)?;
        let lines = w.into_bytes()?;
        crate::analysis::enter("entities");
        let mut w = CsvOut::memory_sized(raw, a.mentions.len() * MENTION_BYTES);
        crate::entities::write_mentions(&i.doc, &a.mentions, &mut w)?;
        let mentions = w.into_bytes()?;
        crate::analysis::enter("claims");
        let claim_bytes = a.claims.claims.iter().map(|c| c.text.len() + ROW_BYTES).sum();
        let mut w = CsvOut::memory_sized(raw, claim_bytes);
        crate::claims::write_claims(&i.doc, &a.claims, &mut w)?;
        let claims = w.into_bytes()?;
        crate::analysis::enter("report");
        let html = super::html::Part::with_text(a, doc, html_text)?;
        Ok(Rendered { documents, lines, mentions, claims, html })
    }
}

/// A file of rows rendered elsewhere.
struct RawOut {
    w: BufWriter<super::file::ReportFile>,
    path: PathBuf,
}

impl RawOut {
    fn create(path: &Path, raw: bool, header: &[&str]) -> Result<Self> {
        let mut out = RawOut { w: super::file::create(path)?, path: path.into() };
        let mut h = CsvOut::memory(raw);
        h.row(header)?;
        out.append(&h.into_bytes()?)?;
        Ok(out)
    }

    fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.w.write_all(bytes).with_context(|| format!("writing {}", self.path.display()))
    }

    fn finish(self) -> Result<()> {
        let path = self.path;
        let file = self
            .w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.into_error()))?;
        // Synced now, while the stories are aligned, rather than all at the commit.
        file.sync_all().with_context(|| format!("writing {} to the disk", path.display()))
    }
}

/// Per-document report writers.
pub struct Sink {
    dir: PathBuf,
    raw: bool,
    documents: RawOut,
    errors: CsvOut,
    lines: RawOut,
    mentions: RawOut,
    claims: RawOut,
    /// Records for report.html, assembled by `html::write` at the end.
    html: super::html::Parts,
    /// Documents analysed and errors listed so far.
    pub docs: usize,
    pub errors_count: usize,
}

impl Sink {
    pub fn new(dir: &Path, raw: bool) -> Result<Self> {
        let part: Vec<&str> = DOCUMENTS_HEADER
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != STORY_COL)
            .map(|(_, h)| *h)
            .collect();
        let mut errors = CsvOut::create(&dir.join("errors.csv"), raw)?;
        errors.row(["doc", "path", "stage", "error"])?;
        Ok(Sink {
            dir: dir.to_path_buf(),
            raw,
            documents: RawOut::create(&dir.join(DOCUMENTS_PART), raw, &part)?,
            errors,
            lines: RawOut::create(&dir.join("lines.csv"), raw, crate::structure::LINES_HEADER)?,
            mentions: RawOut::create(
                &dir.join("mentions.csv"),
                raw,
                crate::entities::MENTIONS_HEADER,
            )?,
            claims: RawOut::create(&dir.join("claims.csv"), raw, crate::claims::CLAIMS_HEADER)?,
            html: super::html::Parts::create(dir)?,
            docs: 0,
            errors_count: 0,
        })
    }

    /// Set once report.html's text budget is spent: documents analysed from then on need not keep
    /// their text (`Rendered::with_text`).
    pub fn html_text_spent(&self) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
        self.html.text_spent()
    }

    /// Writes the rows of one analysed document.
    pub fn document(&mut self, a: &DocAnalysis, doc: &crate::document::Document) -> Result<()> {
        let r = Rendered::of(a, doc, self.raw)?;
        self.rendered(&r)
    }

    /// Writes the rows of one document rendered by `Rendered::of` with this sink's settings.
    pub fn rendered(&mut self, r: &Rendered) -> Result<()> {
        self.documents.append(&r.documents)?;
        self.lines.append(&r.lines)?;
        self.mentions.append(&r.mentions)?;
        self.claims.append(&r.claims)?;
        self.html.append(&r.html)?;
        self.docs += 1;
        Ok(())
    }

    /// Writes one error row.
    pub fn error(&mut self, e: &ErrorRow) -> Result<()> {
        self.errors.row([&e.doc, &e.path, &e.stage, &e.error])?;
        self.errors_count += 1;
        Ok(())
    }

    /// Closes the streamed files and writes documents.csv with its story column. `stories` gives
    /// the story of each document, as (corpus position, story id) sorted by position.
    pub fn finish(self, stories: &[(usize, String)], story_index: &[usize]) -> Result<()> {
        for w in [self.documents, self.lines, self.mentions, self.claims] {
            w.finish()?;
        }
        self.errors.finish()?;
        self.html.finish()?;
        let part = self.dir.join(DOCUMENTS_PART);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(&part)
            .with_context(|| format!("reading back {}", part.display()))?;
        let mut out = CsvOut::create(&self.dir.join("documents.csv"), self.raw)?;
        out.row(DOCUMENTS_HEADER)?;
        // The part file is already neutralized: copy its cells verbatim, as bytes (it is
        // UTF-8 already: this thread copies 13 MB per 100 MB of corpus).
        let mut record = csv::ByteRecord::new();
        let mut rows = 0usize;
        while rdr
            .read_byte_record(&mut record)
            .with_context(|| format!("reading back {}", part.display()))?
        {
            let index = *story_index.get(rows).context("documents.part.csv has extra rows")?;
            rows += 1;
            let story = stories.binary_search_by_key(&index, |s| s.0).map_or("", |i| &stories[i].1);
            let cells = record.iter().take(STORY_COL);
            let cells = cells.chain([story.as_bytes()]).chain(record.iter().skip(STORY_COL));
            out.row_verbatim(cells)?;
        }
        anyhow::ensure!(rows == story_index.len(), "documents.part.csv lost rows");
        out.finish()?;
        std::fs::remove_file(&part).with_context(|| format!("removing {}", part.display()))?;
        Ok(())
    }
}
