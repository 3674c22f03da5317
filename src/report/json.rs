//! report.json: the consistency report model (`align::Report`) serialized as is, with a final
//! newline. Its schema is documented in the README; `Report` is also `Deserialize`, so consumers
//! (and the tests) read it back into the same types.
//!
//! Layout: the top-level object and its arrays are laid out one element per line, and each
//! element (a document, a story, a variant) is compact JSON on its line. Line-oriented tools
//! (grep, diff, `sed -n`) see one story per line, and the file is about half the size of fully
//! pretty-printed JSON, whose indentation of deeply nested evidence was most of its bytes.
//!
//! During a run the file is written as a stream (`Stream`), one story at a time, with the very
//! bytes `write` gives for the whole model: the stories of a large corpus are never all held.
//! The bytes are serde_json's compact JSON, written by `compact`, which escapes strings faster.

pub mod compact;

use crate::align::{NeedsStory, Render, Report, Story, StoryOutput};
use anyhow::{Context, Result};
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `report` to `path`, through the same stream a run uses.
pub fn write(report: &Report, path: &Path) -> Result<()> {
    let mut s = Stream::create(path)?;
    let render = s.renderer();
    s.begin(report, report.stories.len())?;
    for story in &report.stories {
        let bytes = render(story)?;
        s.write(Some(story), bytes)?;
    }
    s.end(report)
}

/// Writes the array `items` under a top-level key: `[`, one compact element per line, `]`.
fn array<T: Serialize>(w: &mut impl Write, items: &[T]) -> Result<()> {
    if items.is_empty() {
        w.write_all(b"[]")?;
        return Ok(());
    }
    w.write_all(b"[")?;
    for (i, item) in items.iter().enumerate() {
        w.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        compact::to_writer(&mut *w, item)?;
    }
    w.write_all(b"\n  ]")?;
    Ok(())
}

/// report.json written story by story.
pub struct Stream {
    w: BufWriter<super::file::ReportFile>,
    path: PathBuf,
    stories: usize,
    written: usize,
}

impl Stream {
    pub fn create(path: &Path) -> Result<Self> {
        Ok(Stream {
            w: super::file::create(path)?,
            path: path.to_path_buf(),
            stories: 0,
            written: 0,
        })
    }

    fn context(&self) -> String {
        format!("writing {}", self.path.display())
    }
}

/// Documents beyond which a story's JSON is not rendered in memory by the workers but written
/// straight to the file by the writer thread. Its membership grids hold a cell per document and
/// entity, each with its evidence sentence: a story of 4,000 copies of one article makes 260 MB
/// of JSON, which would otherwise be held whole, beside the story, until written.
pub(crate) const RENDER_MAX_DOCS: usize = 500;

/// Whether a story's JSON is written from the story by `write` rather than rendered first.
pub(crate) fn large(story: &Story) -> bool {
    story.docs.len() > RENDER_MAX_DOCS
}

impl StoryOutput for Stream {
    fn begin(&mut self, report: &Report, stories: usize) -> Result<()> {
        self.stories = stories;
        let w = &mut self.w;
        write!(w, "{{\n  \"schema\": {},\n  \"documents\": ", report.schema)?;
        array(w, &report.documents)?;
        w.write_all(if stories == 0 { b",\n  \"stories\": []" } else { b",\n  \"stories\": [" })
            .with_context(|| self.context())
    }

    fn renderer(&self) -> Render {
        Box::new(|story| {
            if large(story) {
                // Serialized by `write`, straight into the file.
                return Ok(Vec::new());
            }
            let mut parts = Vec::new();
            compact::to_chunks(story, Vec::new(), &mut parts)?;
            Ok(parts)
        })
    }

    fn needs_story(&self) -> NeedsStory {
        large
    }

    fn write(&mut self, story: Option<&Story>, rendered: Vec<Vec<u8>>) -> Result<()> {
        self.append(story, &rendered)
    }

    fn end(&mut self, report: &Report) -> Result<()> {
        anyhow::ensure!(
            self.written == self.stories,
            "report.json: stories announced and written differ"
        );
        if self.stories > 0 {
            self.w.write_all(b"\n  ]")?;
        }
        self.w.write_all(b",\n  \"variants\": ")?;
        array(&mut self.w, &report.variants)?;
        self.w.write_all(b"\n}\n").and_then(|()| self.w.flush()).with_context(|| self.context())
    }
}

/// Appends `story`'s JSON to `parts` as the renderer renders it, in `first` and more buffers
/// as needed (`compact::to_chunks`): nothing for a large story, which `Stream::append`
/// serializes itself.
pub fn render_into(story: &Story, first: Vec<u8>, parts: &mut Vec<Vec<u8>>) -> Result<()> {
    if !large(story) {
        compact::to_chunks(story, first, parts)?;
    }
    Ok(())
}

impl Stream {
    /// As `write`, the rendered bytes borrowed: the story's JSON in one or more parts.
    pub fn append(&mut self, story: Option<&Story>, rendered: &[Vec<u8>]) -> Result<()> {
        let sep: &[u8] = if self.written == 0 { b"\n    " } else { b",\n    " };
        self.written += 1;
        self.w.write_all(sep).with_context(|| self.context())?;
        // A story's JSON is never empty: no bytes means `render` left it to us.
        if rendered.iter().all(Vec::is_empty) {
            let story = story.context("report.json: a large story was dropped before writing")?;
            return compact::to_writer(&mut self.w, story).with_context(|| self.context());
        }
        for part in rendered {
            self.w.write_all(part).with_context(|| self.context())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips() {
        let mut r = crate::align::Report { schema: 1, ..Default::default() };
        r.documents.push(crate::align::DocSummary { doc: "a.txt".into(), ..Default::default() });
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        super::write(&r, &p).unwrap();
        let back: crate::align::Report =
            serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(back.documents[0].doc, "a.txt");
    }

    #[test]
    fn one_element_per_line_and_the_same_model_back() {
        use crate::align::{Finding, Story, StoryOutput};
        let dir = tempfile::tempdir().unwrap();
        let mut r = crate::align::Report { schema: 1, ..Default::default() };
        for stories in [0, 1, 3] {
            // The second story is large: written by `write` itself, not rendered first.
            let docs = |i: usize| if i == 1 { super::RENDER_MAX_DOCS + 1 } else { 1 };
            r.stories = (0..stories)
                .map(|i| Story {
                    id: format!("s{i}"),
                    docs: vec!["a \"b\"\n".into(); docs(i)],
                    findings: vec![Finding { key: "k".into(), ..Default::default() }],
                    ..Default::default()
                })
                .collect();
            if stories > 1 {
                let s = super::Stream::create(&dir.path().join("probe.json")).unwrap();
                let render = s.renderer();
                assert!(render(&r.stories[1]).unwrap().is_empty());
                assert!(!render(&r.stories[0]).unwrap().is_empty());
            }
            let p = dir.path().join("report.json");
            super::write(&r, &p).unwrap();
            let text = String::from_utf8(std::fs::read(&p).unwrap()).unwrap();
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, serde_json::to_value(&r).unwrap(), "{stories} stories");
            let story_lines = text.lines().filter(|l| l.starts_with("    {\"id\":\"s")).count();
            assert_eq!(story_lines, stories, "one line per story:\n{text}");
            assert!(text.ends_with("}\n"));
            r.documents
                .push(crate::align::DocSummary { doc: "a.txt".into(), ..Default::default() });
        }
    }
}
