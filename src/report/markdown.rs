//! report.md: the consistency report for a person reading top to bottom, rendered from
//! `align::Report`. Per story: a summary, conflicts, agreements, derived checks, single-source
//! claims, the list-membership grid, name variants, quotes side by side with their word
//! differences marked, and the coverage matrix. Article text is escaped for Markdown tables.

use crate::align::{Cell, DocSummary, Finding, Report, Status, Story, StoryOutput};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

/// Escapes text for a Markdown table cell (and inline text): pipes, backslashes, markup
/// characters and line breaks.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A short document label: the id's stem before the first `_` or `.`, kept unique enough.
fn short(doc: &str) -> &str {
    let end = doc.find(['_', '.']).filter(|&i| i > 0).unwrap_or(doc.len());
    &doc[..end]
}

fn cell_text(c: &Cell) -> String {
    let ev = c.evidence.first().map_or(String::new(), |e| format!(" (l. {}", e.line));
    let copy = c.copy_of.as_ref().map_or(String::new(), |o| format!(", copy of {}", short(o)));
    let close = if ev.is_empty() { "" } else { ")" };
    let how = if c.inferred { ", inferred" } else { "" };
    format!("{}{ev}{how}{copy}{close}", esc(&c.shown))
}

fn findings_table(s: &mut String, story: &Story, fs: &[&Finding]) {
    s.push_str("| subject | ");
    for d in &story.docs {
        let _ = write!(s, "{} | ", esc(short(d)));
    }
    s.push_str("note |\n|---|");
    for _ in &story.docs {
        s.push_str("---|");
    }
    s.push_str("---|\n");
    for f in fs {
        let _ = write!(s, "| {} | ", esc(&f.label));
        for d in &story.docs {
            let cell = f.cells.iter().find(|c| c.doc == *d);
            let _ = write!(s, "{} | ", cell.map_or(String::from("—"), cell_text));
        }
        let mut note = f.note.clone();
        if let Some(ok) = f.consistent {
            note = format!(
                "{}: {}",
                if ok { "consistent" } else { "INCONSISTENT" },
                f.values.join("; ")
            );
        }
        let _ = writeln!(s, "{} |", esc(&note));
    }
    s.push('\n');
}

fn story(s: &mut String, st: &Story) {
    let _ = writeln!(s, "## Story {}: {}\n", st.id, esc(&st.title));
    let m = &st.summary;
    let _ = writeln!(
        s,
        "{} documents ({} independent, {} copies), {} outlets named, {} claims: **{} conflicts**, {} agreements, {} derived checks, {} single-source.\n",
        m.documents,
        m.independent,
        m.copies,
        m.outlets,
        m.claims,
        m.conflict,
        m.agree,
        m.derived,
        m.single
    );
    s.push_str("Sources:\n\n");
    for d in &st.docs {
        let copy = st.copies.iter().find(|c| c.doc == *d);
        let note = copy.map_or(String::new(), |c| {
            format!(
                " — copy of {} (similarity {:.2}), not counted as an independent source",
                c.original, c.similarity
            )
        });
        let _ = writeln!(s, "- {}{note}", esc(d));
    }
    s.push('\n');
    for (title, status) in [
        ("Conflicts", Status::Conflict),
        ("Agreements", Status::Agree),
        ("Derived checks (arithmetic, lists)", Status::Derived),
        ("Single-source claims", Status::Single),
    ] {
        let fs: Vec<&Finding> = st.findings.iter().filter(|f| f.status == status).collect();
        let _ = writeln!(s, "### {title}\n");
        if fs.is_empty() {
            s.push_str("None.\n\n");
        } else {
            findings_table(s, st, &fs);
        }
    }
    for list in &st.lists {
        let _ = writeln!(s, "### Membership: {}\n", esc(&list.label));
        s.push_str("| entity | ");
        for d in &list.docs {
            let _ = write!(s, "{} | ", esc(short(d)));
        }
        s.push_str("status |\n|---|");
        for _ in &list.docs {
            s.push_str("---|");
        }
        s.push_str("---|\n");
        for r in &list.rows {
            let _ = write!(s, "| {} | ", esc(&r.name));
            for c in &r.cells {
                let how = if c.how == "enumeration" { " (by its list)" } else { "" };
                let _ = write!(s, "{}{how} | ", if c.state == "silent" { "·" } else { &c.state });
            }
            let _ = writeln!(s, "{} |", r.status.as_str());
        }
        s.push('\n');
    }
    s.push_str("### Name variants\n\n");
    if st.variants.is_empty() {
        s.push_str("None.\n\n");
    }
    for v in &st.variants {
        let forms: Vec<String> = v
            .forms
            .iter()
            .map(|f| {
                let docs: Vec<&str> = f.docs.iter().map(|d| short(d)).collect();
                format!("“{}” ({}; {})", esc(&f.surface), f.kind, docs.join(", "))
            })
            .collect();
        let _ = writeln!(s, "- **{}**: {}", esc(&v.name), forms.join(", "));
    }
    s.push_str("\n### Quotes\n\n");
    let shared: Vec<_> = st.quotes.iter().filter(|g| g.members.len() > 1).collect();
    if shared.is_empty() {
        s.push_str("No quote appears in more than one place.\n\n");
    }
    for g in shared {
        let who = if g.speaker.is_empty() { "unattributed".to_string() } else { esc(&g.speaker) };
        let _ = writeln!(s, "**{}** — {who}, {}:\n", g.id, g.status);
        for m in &g.members {
            let text = if m.diff.is_empty() {
                esc(&m.text)
            } else {
                m.diff
                    .iter()
                    .map(|d| match d.op.as_str() {
                        "delete" => format!("~~{}~~", esc(d.text.trim())),
                        "insert" => format!("**{}**", esc(d.text.trim())),
                        _ => esc(&d.text),
                    })
                    .collect::<Vec<_>>()
                    .join("")
            };
            let _ = writeln!(s, "- {} l. {}: « {} »", esc(short(&m.doc)), m.line, text);
        }
        s.push('\n');
    }
    let singles = st.quotes.iter().filter(|g| g.members.len() == 1).count();
    if singles > 0 {
        let _ = writeln!(s, "{singles} other quotes appear in one source only (see quotes.csv).\n");
    }
    s.push_str("### Coverage (mentions per source)\n\n| entity | ");
    for d in &st.coverage.docs {
        let _ = write!(s, "{} | ", esc(short(d)));
    }
    s.push_str("\n|---|");
    for _ in &st.coverage.docs {
        s.push_str("---|");
    }
    s.push('\n');
    for r in &st.coverage.rows {
        let _ = write!(s, "| {} | ", esc(&r.name));
        for c in &r.counts {
            let _ = write!(s, "{} | ", if *c == 0 { "·".to_string() } else { c.to_string() });
        }
        s.push('\n');
    }
    s.push('\n');
}

/// The top of the report: title and corpus counts.
fn head(documents: &[DocSummary], stories: usize) -> String {
    let mut s = String::from("# recoupe — consistency report\n\n");
    let copies = documents.iter().filter(|d| d.copy_of.is_some()).count();
    let _ = writeln!(
        s,
        "{} documents, {} stories, {} near-copies. Values in a row are what each source says; “—” means the source is silent. A copy is shown but never counted as a confirmation.\n",
        documents.len(),
        stories,
        copies
    );
    s
}

/// Renders `report` as Markdown.
pub fn render(report: &Report) -> String {
    let mut s = head(&report.documents, report.stories.len());
    for st in &report.stories {
        story(&mut s, st);
    }
    s
}

/// Writes `report` to `path`.
pub fn write(report: &Report, path: &Path) -> Result<()> {
    std::fs::write(path, render(report)).with_context(|| format!("writing {}", path.display()))
}

/// report.md written story by story, with the bytes `write` gives for the whole model.
pub struct Stream {
    w: BufWriter<File>,
    path: PathBuf,
    buf: String,
}

impl Stream {
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Stream {
            w: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            buf: String::new(),
        })
    }

    fn context(&self) -> String {
        format!("writing {}", self.path.display())
    }
}

impl StoryOutput for Stream {
    fn begin(&mut self, report: &Report, stories: usize) -> Result<()> {
        let head = head(&report.documents, stories);
        self.w.write_all(head.as_bytes()).with_context(|| self.context())
    }

    fn story(&mut self, st: &Story) -> Result<()> {
        self.buf.clear();
        story(&mut self.buf, st);
        self.w.write_all(self.buf.as_bytes()).with_context(|| self.context())
    }

    fn end(&mut self, _: &Report) -> Result<()> {
        self.w.flush().with_context(|| self.context())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped() {
        assert_eq!(esc("a|b <script>"), "a\\|b \\<script\\>");
        let r = Report { schema: 1, ..Default::default() };
        assert!(render(&r).starts_with("# recoupe"));
    }
}
