//! Article structure: labels every non-empty line of a document `title`, `heading`, `body`,
//! `credit` or `boilerplate`, with a short reason code, so that later stages see only the
//! article. Entities and claims are taken from title, heading and body lines only.
//!
//! Promise: `analyse` is a pure function of (document, language, model, corpus statistics).
//! Every non-empty line gets exactly one label; line numbers and byte ranges refer to the
//! decoded text. The title (without a glued section label), the section label, the contributors
//! named in credit lines and a source named in a dateline are returned alongside.
//!
//! The method (jusText-like classification, block and repetition rules, smoothing, titles) is
//! described in `classify.rs` and `title.rs`; the language knowledge is in
//! `data/lang/<lang>/structure-*.tsv` (see `model.rs`).

mod classify;
mod commands;
mod corpus;
mod features;
mod model;
mod title;

pub use commands::{clean_command, eval_lines};
pub use corpus::CorpusStats;
pub use model::Model;

use crate::document::Document;
use crate::lang::Lang;
use crate::report::CsvOut;
use anyhow::Result;
use classify::Class;
use serde::{Deserialize, Serialize};

/// The label of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Title,
    Heading,
    Body,
    Credit,
    Boilerplate,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Title => "title",
            Label::Heading => "heading",
            Label::Body => "body",
            Label::Credit => "credit",
            Label::Boilerplate => "boilerplate",
        }
    }

    /// Parses a label name as written in lines.csv.
    pub fn parse(s: &str) -> Option<Label> {
        Some(match s {
            "title" => Label::Title,
            "heading" => Label::Heading,
            "body" => Label::Body,
            "credit" => Label::Credit,
            "boilerplate" => Label::Boilerplate,
            _ => return None,
        })
    }

    /// Title, heading and body lines are the article; entities and claims come only from them.
    pub fn is_content(self) -> bool {
        matches!(self, Label::Title | Label::Heading | Label::Body)
    }
}

/// One labelled non-empty line.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// 1-based line number in the decoded text.
    pub number: usize,
    /// Byte range of the line in the decoded text (without the line end).
    pub start: usize,
    pub end: usize,
    /// Where the line's own text starts: after a section label glued to a title, `start`
    /// otherwise. Offsets of anything found in the line still count from `start`.
    pub text_start: usize,
    pub label: Label,
    /// Short code saying why (e.g. `text`, `furniture`, `repeated`); see the README.
    pub reason: &'static str,
}

/// The structure of one document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Structure {
    pub lines: Vec<Line>,
    /// The title, without a glued section label.
    pub title: String,
    /// A section label glued to the title (or standing alone just before it), if any.
    pub section: String,
    /// Contributor names from credit lines, in order of appearance, without repeats.
    pub credits: Vec<String>,
    /// A source named in a dateline, if any.
    pub attributed_source: String,
}

impl Structure {
    /// The lines that are article content.
    pub fn content_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.label.is_content())
    }
}

/// How many content lines from the top may carry a dateline.
const DATELINE_LINES: usize = 3;

/// Labels the lines of `doc`.
pub fn analyse(doc: &Document, lang: &Lang, model: &Model, stats: &CorpusStats) -> Structure {
    let text = doc.text.as_str();
    let stop = model.stopwords(&lang.code);
    let feats = features::lines(text, stop);
    let (mut cls, marks, names) = classify::local(
        text,
        &feats,
        model,
        stop.is_some() && features::stopwords_informative(&feats),
    );
    let meta_title = doc.meta.title.as_str();
    let in_title_position = title::find(model, text, &feats, &cls, meta_title)
        .filter(|t| !meta_title.trim().is_empty() || feats[t.index].words >= 4)
        .map(|t| t.index);
    classify::recurrence(&feats, &mut cls, stats, in_title_position);
    let bulleted: Vec<bool> =
        feats.iter().map(|f| features::bulleted(&text[f.tstart..f.tend])).collect();
    classify::blocks(&feats, &mut cls, &marks, &bulleted);
    let title = title::find(model, text, &feats, &cls, meta_title);
    if let Some(t) = &title {
        cls[t.index] = Class::Good;
        if let Some(k) = t.kicker {
            cls[k] = Class::Bad("section");
        }
    }
    let why = classify::smooth(&feats, &mut cls);
    let title_index = title.as_ref().map(|t| t.index);
    let headings = title::headings(&feats, &cls, title_index, &bulleted);

    let mut s = Structure::default();
    let mut datelines = DATELINE_LINES;
    for (i, f) in feats.iter().enumerate() {
        let (label, mut reason) = match cls[i] {
            _ if Some(i) == title_index => (Label::Title, "title"),
            Class::Credit => (Label::Credit, "credit"),
            Class::Bad(r) => (Label::Boilerplate, r),
            _ if headings[i] => (Label::Heading, "heading"),
            _ if why[i].is_empty() => (Label::Body, "text"),
            _ => (Label::Body, why[i]),
        };
        if label == Label::Body && datelines > 0 {
            datelines -= 1;
            if let Some((_, source)) = model.dateline(&text[f.tstart..f.tend]) {
                if s.attributed_source.is_empty() && !source.is_empty() {
                    s.attributed_source = source.to_string();
                }
                reason = "dateline";
                datelines = 0;
            }
        }
        if label == Label::Credit {
            for name in title::names(model, names[i]) {
                if !s.credits.iter().any(|c| c == name) {
                    s.credits.push(name.to_string());
                }
            }
        }
        let text_start = match &title {
            Some(t) if t.index == i => t.text_start,
            _ => f.start,
        };
        s.lines.push(Line {
            number: f.number,
            start: f.start,
            end: f.end,
            text_start,
            label,
            reason,
        });
    }
    if let Some(t) = &title {
        s.title = text[t.text_start..feats[t.index].tend].trim().to_string();
        s.section = t.section.clone();
    }
    s
}

/// Columns of lines.csv.
pub const LINES_HEADER: &[&str] = &["doc", "line", "label", "reason"];

/// Writes the lines.csv rows of one document.
pub fn write_lines(doc: &str, s: &Structure, w: &mut CsvOut) -> Result<()> {
    for l in &s.lines {
        w.row([doc, &l.number.to_string(), l.label.as_str(), l.reason])?;
    }
    Ok(())
}
