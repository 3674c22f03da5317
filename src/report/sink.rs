//! The streaming side of the reports: per-document rows written in corpus order as batches
//! finish, so memory does not grow with the corpus. documents.csv needs each document's story,
//! known only at the end, so its rows go to a part file first and are copied with the story
//! column once stories are known.

use super::CsvOut;
use crate::align::Corpus;
use crate::analysis::DocAnalysis;
use crate::document::ErrorRow;
use anyhow::{Context, Result};
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

/// Per-document report writers.
pub struct Sink {
    dir: PathBuf,
    raw: bool,
    documents: CsvOut,
    errors: CsvOut,
    lines: CsvOut,
    mentions: CsvOut,
    claims: CsvOut,
    /// Records for report.html, assembled by `html::write` at the end.
    html: super::html::Parts,
    /// Documents analysed and errors listed so far.
    pub docs: usize,
    pub errors_count: usize,
}

impl Sink {
    pub fn new(dir: &Path, raw: bool) -> Result<Self> {
        let open = |name: &str, header: &[&str]| -> Result<CsvOut> {
            let mut w = CsvOut::create(&dir.join(name), raw)?;
            w.row(header)?;
            Ok(w)
        };
        let part: Vec<&str> = DOCUMENTS_HEADER
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != STORY_COL)
            .map(|(_, h)| *h)
            .collect();
        Ok(Sink {
            dir: dir.to_path_buf(),
            raw,
            documents: open(DOCUMENTS_PART, &part)?,
            errors: open("errors.csv", &["doc", "path", "stage", "error"])?,
            lines: open("lines.csv", crate::structure::LINES_HEADER)?,
            mentions: open("mentions.csv", crate::entities::MENTIONS_HEADER)?,
            claims: open("claims.csv", crate::claims::CLAIMS_HEADER)?,
            html: super::html::Parts::create(dir)?,
            docs: 0,
            errors_count: 0,
        })
    }

    /// Writes the rows of one analysed document.
    pub fn document(&mut self, a: &DocAnalysis) -> Result<()> {
        let i = &a.info;
        self.documents.row([
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
        crate::structure::write_lines(&i.doc, &a.structure, &mut self.lines)?;
        crate::entities::write_mentions(&i.doc, &a.mentions, &mut self.mentions)?;
        crate::claims::write_claims(&i.doc, &a.claims, &mut self.claims)?;
        self.html.add(a)?;
        self.docs += 1;
        Ok(())
    }

    /// Writes one error row.
    pub fn error(&mut self, e: &ErrorRow) -> Result<()> {
        self.errors.row([&e.doc, &e.path, &e.stage, &e.error])?;
        self.errors_count += 1;
        Ok(())
    }

    /// Closes the streamed files and writes documents.csv with its story column.
    pub fn finish(self, corpus: &Corpus, story_index: &[usize]) -> Result<()> {
        for w in [self.documents, self.errors, self.lines, self.mentions, self.claims] {
            w.finish()?;
        }
        self.html.finish()?;
        let part = self.dir.join(DOCUMENTS_PART);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(&part)
            .with_context(|| format!("reading back {}", part.display()))?;
        let mut out = CsvOut::create(&self.dir.join("documents.csv"), self.raw)?;
        out.row(DOCUMENTS_HEADER)?;
        // The part file is already neutralized: copy its cells verbatim.
        let mut cells: Vec<String> = Vec::with_capacity(DOCUMENTS_HEADER.len());
        for (rec, &index) in rdr.records().zip(story_index) {
            let rec = rec.with_context(|| format!("reading back {}", part.display()))?;
            cells.clear();
            cells.extend(rec.iter().take(STORY_COL).map(str::to_string));
            cells.push(corpus.story_of(index).to_string());
            cells.extend(rec.iter().skip(STORY_COL).map(str::to_string));
            out.row_verbatim(&cells)?;
        }
        out.finish()?;
        std::fs::remove_file(&part).with_context(|| format!("removing {}", part.display()))?;
        Ok(())
    }
}
