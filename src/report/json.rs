//! report.json: the consistency report model (`align::Report`) serialized as is, pretty-printed
//! with a final newline. Its schema is documented in the README; `Report` is also
//! `Deserialize`, so consumers (and the tests) read it back into the same types.
//!
//! During a run the file is written as a stream (`Stream`), one story at a time, with the very
//! bytes `write` gives for the whole model: the stories of a large corpus are never all held.

use crate::align::{Report, Story, StoryOutput};
use anyhow::{Context, Result};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `report` to `path`.
pub fn write(report: &Report, path: &Path) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, report)
        .with_context(|| format!("writing {}", path.display()))?;
    w.write_all(b"\n")
        .and_then(|()| w.flush())
        .with_context(|| format!("writing {}", path.display()))
}

/// Writes `value` pretty-printed as it would appear nested `depth` levels deep: serde_json's
/// pretty printer indents by two spaces, and a serialized value holds no raw line break (they
/// are escaped in strings), so every line break is followed by the indentation.
fn nested(w: &mut impl Write, value: &impl Serialize, depth: usize) -> Result<()> {
    let buf = serde_json::to_vec_pretty(value)?;
    let indent = "  ".repeat(depth);
    for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            w.write_all(b"\n")?;
            w.write_all(indent.as_bytes())?;
        }
        w.write_all(line)?;
    }
    Ok(())
}

/// report.json written story by story.
pub struct Stream {
    w: BufWriter<File>,
    path: PathBuf,
    stories: usize,
    written: usize,
}

impl Stream {
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Stream {
            w: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            stories: 0,
            written: 0,
        })
    }

    fn context(&self) -> String {
        format!("writing {}", self.path.display())
    }
}

impl StoryOutput for Stream {
    fn begin(&mut self, report: &Report, stories: usize) -> Result<()> {
        self.stories = stories;
        let w = &mut self.w;
        write!(w, "{{\n  \"schema\": {},\n  \"documents\": ", report.schema)?;
        nested(w, &report.documents, 1)?;
        w.write_all(if stories == 0 { b",\n  \"stories\": []" } else { b",\n  \"stories\": [" })
            .with_context(|| self.context())
    }

    fn story(&mut self, story: &Story) -> Result<()> {
        let sep: &[u8] = if self.written == 0 { b"\n    " } else { b",\n    " };
        self.written += 1;
        self.w.write_all(sep)?;
        nested(&mut self.w, story, 2).with_context(|| self.context())
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
        nested(&mut self.w, &report.variants, 1)?;
        self.w.write_all(b"\n}\n").and_then(|()| self.w.flush()).with_context(|| self.context())
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
    fn the_stream_writes_the_same_bytes() {
        use crate::align::{Finding, Story, StoryOutput};
        let dir = tempfile::tempdir().unwrap();
        let mut r = crate::align::Report { schema: 1, ..Default::default() };
        for stories in [0, 1, 3] {
            r.stories = (0..stories)
                .map(|i| Story {
                    id: format!("s{i}"),
                    docs: vec!["a \"b\"\n".into()],
                    findings: vec![Finding { key: "k".into(), ..Default::default() }],
                    ..Default::default()
                })
                .collect();
            let whole = dir.path().join("whole.json");
            super::write(&r, &whole).unwrap();
            let streamed = dir.path().join("stream.json");
            let mut s = super::Stream::create(&streamed).unwrap();
            let head = crate::align::Report { stories: Vec::new(), ..r.clone() };
            s.begin(&head, r.stories.len()).unwrap();
            for st in &r.stories {
                s.story(st).unwrap();
            }
            s.end(&head).unwrap();
            assert_eq!(
                String::from_utf8(std::fs::read(&streamed).unwrap()).unwrap(),
                String::from_utf8(std::fs::read(&whole).unwrap()).unwrap(),
                "{stories} stories"
            );
            r.documents
                .push(crate::align::DocSummary { doc: "a.txt".into(), ..Default::default() });
        }
    }
}
