//! report.md: the consistency report for a person reading top to bottom, rendered from
//! `align::Report`. Per story: a summary, conflicts, agreements, derived checks, single-source
//! claims, the list-membership grid, name variants, quotes side by side with their word
//! differences marked, and the coverage matrix. Article text is escaped for Markdown tables.

use crate::align::{Cell, DocSummary, Finding, Render, Report, Status, Story, StoryOutput};
use crate::hash::SeededMap;
use crate::special::Special;
use anyhow::{Context, Result};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

/// Text escaped for a Markdown table cell (and inline text): pipes, backslashes, markup
/// characters and line breaks. Written where it is formatted (`{}`), without a string of its
/// own (one per name, title and quote took 75,000 allocations on synth 10 MB).
struct Esc<'a>(&'a str);

fn esc(s: &str) -> Esc<'_> {
    Esc(s)
}

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape(f, self.0)
    }
}

/// As `esc`, appended to `out` (a table's cells).
fn esc_into(out: &mut String, s: &str) {
    let _ = escape(out, s);
}

/// The bytes `escape` changes.
const MARKUP: Special<12> = Special {
    below: 0,
    these: [b'|', b'\\', b'*', b'_', b'`', b'[', b']', b'<', b'>', b'#', b'\n', b'\r'],
    from: None,
};

fn escape(out: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    // Every character to change is ASCII, so the text between two of them is copied whole,
    // found sixteen bytes at a time.
    let mut from = 0;
    let mut at = 0;
    while let Some(k) = MARKUP.position(&s.as_bytes()[at..]) {
        let i = at + k;
        out.write_str(&s[from..i])?;
        if matches!(s.as_bytes()[i], b'\n' | b'\r') {
            out.write_char(' ')?;
            from = i + 1;
        } else {
            out.write_char('\\')?;
            from = i;
        }
        at = i + 1;
    }
    out.write_str(&s[from..])
}

/// A short document label: the id's stem before the first `_` or `.`, kept unique enough.
fn short(doc: &str) -> &str {
    let end = doc.find(['_', '.']).filter(|&i| i > 0).unwrap_or(doc.len());
    &doc[..end]
}

/// A cell of a findings table, appended to `s`: the value as shown, then (line, inferred,
/// copy of).
fn cell_into(s: &mut String, c: &Cell) {
    // Pieces pushed into the escaped value: `format!` made four strings per cell.
    esc_into(s, &c.shown);
    let line = c.evidence.first().map(|e| e.line);
    if let Some(line) = line {
        s.push_str(" (l. ");
        s.push_str(itoa::Buffer::new().format(line));
    }
    if c.inferred {
        s.push_str(", inferred");
    }
    if let Some(o) = &c.copy_of {
        s.push_str(", copy of ");
        s.push_str(short(o));
    }
    if line.is_some() {
        s.push(')');
    }
}

/// The note of a finding (its arithmetic verdict, for a derived check).
fn note(f: &Finding) -> String {
    match f.consistent {
        Some(ok) => {
            format!("{}: {}", if ok { "consistent" } else { "INCONSISTENT" }, f.values.join("; "))
        }
        None => f.note.clone(),
    }
}

/// Where a story's Markdown goes while it is rendered: `spill` hands it the text rendered so far
/// once that passes `SPILL_BYTES`. Writing a large story to the file (`Stream::write_story`),
/// it writes the text out and empties it, so that the story's Markdown is never held whole;
/// rendering in memory, it keeps everything.
type Spill<'a> = &'a mut dyn FnMut(&mut String);

/// Text a story being written keeps before it goes to the file.
const SPILL_BYTES: usize = 1 << 16;

/// Hands `s` to `out` once it holds `SPILL_BYTES`.
fn spill(s: &mut String, out: Spill) {
    if s.len() >= SPILL_BYTES {
        out(s);
    }
}

/// Keeps the text: rendering in memory.
fn keep(_: &mut String) {}

/// One row per finding, one column per source that gives a value in one of them (a source
/// silent on all of them would only add a column of dashes: in a story of hundreds of
/// documents, most of the file).
fn findings_table(s: &mut String, story: &Story, fs: &[&Finding], out: Spill) {
    let used: HashSet<&str> = fs.iter().flat_map(|f| f.cells.iter().map(|c| &*c.doc)).collect();
    let cols: Vec<&str> =
        story.docs.iter().map(String::as_str).filter(|d| used.contains(d)).collect();
    s.push_str("| subject | ");
    for d in &cols {
        esc_into(s, short(d));
        s.push_str(" | ");
    }
    s.push_str("note |\n|---|");
    for _ in &cols {
        s.push_str("---|");
    }
    s.push_str("---|\n");
    let mut by_doc: SeededMap<&str, &Cell> = SeededMap::default();
    for f in fs {
        s.push_str("| ");
        esc_into(s, &f.label);
        s.push_str(" | ");
        by_doc.clear();
        for c in &f.cells {
            by_doc.entry(&*c.doc).or_insert(c);
        }
        for d in &cols {
            match by_doc.get(d) {
                Some(c) => cell_into(s, c),
                None => s.push('—'),
            }
            s.push_str(" | ");
        }
        esc_into(s, &note(f));
        s.push_str(" |\n");
        spill(s, out);
    }
    s.push('\n');
}

/// Single-source claims: one row per claim and source (one source each, or a source and its
/// copies), so the table stays as wide as the page however many sources the story has.
fn single_table(s: &mut String, fs: &[&Finding], out: Spill) {
    s.push_str("| subject | source | value | note |\n|---|---|---|---|\n");
    for f in fs {
        for c in &f.cells {
            s.push_str("| ");
            esc_into(s, &f.label);
            s.push_str(" | ");
            esc_into(s, short(&c.doc));
            s.push_str(" | ");
            cell_into(s, c);
            s.push_str(" | ");
            esc_into(s, &note(f));
            s.push_str(" |\n");
            spill(s, out);
        }
    }
    s.push('\n');
}

fn story(s: &mut String, st: &Story, out: Spill) {
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
    let copies: HashMap<&str, &crate::align::Copy> =
        st.copies.iter().map(|c| (c.doc.as_str(), c)).collect();
    for d in &st.docs {
        s.push_str("- ");
        esc_into(s, d);
        if let Some(c) = copies.get(d.as_str()) {
            let _ = write!(
                s,
                " — copy of {} (similarity {:.2}), not counted as an independent source",
                c.original, c.similarity
            );
        }
        s.push('\n');
        spill(s, out);
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
        } else if status == Status::Single {
            single_table(s, &fs, out);
        } else {
            findings_table(s, st, &fs, out);
        }
    }
    for list in &st.lists {
        let _ = writeln!(s, "### Membership: {}\n", esc(&list.label));
        s.push_str("| entity | ");
        for d in &list.docs {
            esc_into(s, short(d));
            s.push_str(" | ");
        }
        s.push_str("status |\n|---|");
        for _ in &list.docs {
            s.push_str("---|");
        }
        s.push_str("---|\n");
        for r in &list.rows {
            s.push_str("| ");
            esc_into(s, &r.name);
            s.push_str(" | ");
            for c in &r.cells {
                s.push_str(if c.state == "silent" { "·" } else { &c.state });
                if c.how == "enumeration" {
                    s.push_str(" (by its list)");
                }
                s.push_str(" | ");
            }
            s.push_str(r.status.as_str());
            s.push_str(" |\n");
            spill(s, out);
        }
        s.push('\n');
    }
    s.push_str("### Name variants\n\n");
    if st.variants.is_empty() {
        s.push_str("None.\n\n");
    }
    for v in &st.variants {
        // `- **name**: “surface” (kind; docs), …`, pushed piece by piece.
        s.push_str("- **");
        esc_into(s, &v.name);
        s.push_str("**: ");
        for (i, f) in v.forms.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push('“');
            esc_into(s, &f.surface);
            s.push_str("” (");
            s.push_str(&f.kind);
            s.push_str("; ");
            for (j, d) in f.docs.iter().enumerate() {
                if j > 0 {
                    s.push_str(", ");
                }
                s.push_str(short(d));
            }
            s.push(')');
        }
        s.push('\n');
        spill(s, out);
    }
    s.push_str("\n### Quotes\n\n");
    let shared: Vec<_> = st.quotes.iter().filter(|g| g.members.len() > 1).collect();
    if shared.is_empty() {
        s.push_str("No quote appears in more than one place.\n\n");
    }
    for g in shared {
        let who = if g.speaker.is_empty() { "unattributed" } else { &g.speaker };
        let _ = writeln!(s, "**{}** — {}, {}:\n", g.id, esc(who), g.status);
        for m in &g.members {
            s.push_str("- ");
            esc_into(s, short(&m.doc));
            s.push_str(" l. ");
            s.push_str(itoa::Buffer::new().format(m.line));
            s.push_str(": « ");
            if m.diff.is_empty() {
                esc_into(s, &m.text);
            }
            for d in &m.diff {
                match d.op.as_str() {
                    "delete" | "insert" => {
                        let mark = if d.op == "delete" { "~~" } else { "**" };
                        s.push_str(mark);
                        esc_into(s, d.text.trim());
                        s.push_str(mark);
                    }
                    _ => esc_into(s, &d.text),
                }
            }
            s.push_str(" »\n");
            spill(s, out);
        }
        s.push('\n');
    }
    let singles = st.quotes.iter().filter(|g| g.members.len() == 1).count();
    if singles > 0 {
        let _ = writeln!(s, "{singles} other quotes appear in one source only (see quotes.csv).\n");
    }
    s.push_str("### Coverage (mentions per source)\n\n| entity | ");
    for d in &st.coverage.docs {
        esc_into(s, short(d));
        s.push_str(" | ");
    }
    s.push_str("\n|---|");
    for _ in &st.coverage.docs {
        s.push_str("---|");
    }
    s.push('\n');
    // The matrix's cells pushed piece by piece: through `write!` they were a fifth of the
    // story's instructions.
    let mut count = itoa::Buffer::new();
    for r in &st.coverage.rows {
        s.push_str("| ");
        esc_into(s, &r.name);
        s.push_str(" | ");
        for &c in &r.counts {
            if c == 0 {
                s.push_str("· | ");
            } else {
                s.push_str(count.format(c));
                s.push_str(" | ");
            }
        }
        s.push('\n');
        spill(s, out);
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
        story(&mut s, st, &mut keep);
    }
    s
}

/// Writes `report` to `path`.
pub fn write(report: &Report, path: &Path) -> Result<()> {
    std::fs::write(path, render(report)).with_context(|| format!("writing {}", path.display()))
}

/// report.md written story by story, with the bytes `write` gives for the whole model.
pub struct Stream {
    w: BufWriter<super::file::ReportFile>,
    path: PathBuf,
}

impl Stream {
    pub fn create(path: &Path) -> Result<Self> {
        Ok(Stream { w: super::file::create(path)?, path: path.to_path_buf() })
    }

    fn context(&self) -> String {
        format!("writing {}", self.path.display())
    }

    /// Writes `st` straight to the file, a piece at a time: the bytes its renderer would give,
    /// for a story too large to render in memory first.
    pub fn write_story(&mut self, st: &Story) -> Result<()> {
        let mut s = String::with_capacity(SPILL_BYTES * 2);
        let mut failed = None;
        let w = &mut self.w;
        let mut to_file = |s: &mut String| {
            if failed.is_none()
                && let Err(e) = w.write_all(s.as_bytes())
            {
                failed = Some(e);
            }
            s.clear();
        };
        story(&mut s, st, &mut to_file);
        to_file(&mut s);
        match failed {
            Some(e) => Err(e).with_context(|| self.context()),
            None => Ok(()),
        }
    }

    /// As `write`, the rendered bytes borrowed (their buffers are the caller's to reuse).
    pub fn append(&mut self, rendered: &[Vec<u8>]) -> Result<()> {
        for part in rendered {
            self.w.write_all(part).with_context(|| self.context())?;
        }
        Ok(())
    }
}

/// A story's Markdown, as the renderer renders it, written into `buf`'s room (its bytes are
/// dropped): a buffer kept from a previous story is not grown and copied again.
pub fn render_into(st: &Story, mut buf: Vec<u8>) -> Vec<u8> {
    buf.clear();
    let mut s = String::from_utf8(buf).unwrap_or_default();
    story(&mut s, st, &mut keep);
    s.into_bytes()
}

impl StoryOutput for Stream {
    fn begin(&mut self, report: &Report, stories: usize) -> Result<()> {
        let head = head(&report.documents, stories);
        self.w.write_all(head.as_bytes()).with_context(|| self.context())
    }

    fn renderer(&self) -> Render {
        Box::new(|st| {
            let mut s = String::new();
            story(&mut s, st, &mut keep);
            Ok(vec![s.into_bytes()])
        })
    }

    fn write(&mut self, _: Option<&Story>, rendered: Vec<Vec<u8>>) -> Result<()> {
        self.append(&rendered)
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
        assert_eq!(esc("a|b <script>").to_string(), "a\\|b \\<script\\>");
        let r = Report { schema: 1, ..Default::default() };
        assert!(render(&r).starts_with("# recoupe"));
    }

    /// The run-copying escape gives what escaping character by character gives, on every string
    /// of up to four pieces among markup, line breaks, plain and multi-byte text.
    #[test]
    fn escaping_runs_is_escaping_characters() {
        fn by_char(s: &str) -> String {
            let mut out = String::new();
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
        let pieces =
            ["", "|", "\\", "*_`", "[]", "<>#", "\r\n", "\n", "ab", "é", "日本", "🦀", " "];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            strings = strings
                .iter()
                .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
                .collect();
            for s in &strings {
                assert_eq!(esc(s).to_string(), by_char(s), "{s:?}");
            }
        }
    }

    fn finding(key: &str, status: Status, docs: &[&str]) -> Finding {
        Finding {
            key: key.into(),
            label: key.into(),
            status,
            cells: docs
                .iter()
                .map(|d| Cell { doc: (*d).into(), shown: "7".into(), ..Default::default() })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn tables_have_columns_only_for_sources_that_speak() {
        // A story of 300 sources where two disagree and one says something alone.
        let docs: Vec<String> = (0..300).map(|i| format!("d{i:03}")).collect();
        let st = Story {
            id: "s1".into(),
            docs: docs.clone(),
            findings: vec![
                finding("pays", Status::Conflict, &["d005", "d250"]),
                finding("morts", Status::Single, &["d100"]),
            ],
            ..Default::default()
        };
        let mut s = String::new();
        story(&mut s, &st, &mut keep);
        assert!(s.contains("| subject | d005 | d250 | note |"), "{s}");
        assert!(s.contains(
            "| subject | source | value | note |\n|---|---|---|---|\n| morts | d100 | 7 |"
        ));
        // The source list still names all 300; no table row does.
        assert!(s.lines().all(|l| !l.starts_with('|') || l.len() < 200), "{s}");
    }

    /// A story written to the file a piece at a time gives the bytes rendered in memory.
    #[test]
    fn a_story_written_in_pieces_is_the_story_rendered() {
        let docs: Vec<String> = (0..12_000).map(|i| format!("doc-{i:05}.txt")).collect();
        let st = Story {
            id: "s7".into(),
            docs: docs.clone(),
            findings: vec![finding("pays", Status::Conflict, &["doc-00005.txt", "doc-11000.txt"])],
            ..Default::default()
        };
        let whole = render_into(&st, Vec::new());
        assert!(whole.len() > 2 * SPILL_BYTES, "{}", whole.len());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        let mut out = Stream::create(&path).unwrap();
        out.write_story(&st).unwrap();
        out.end(&Report::default()).unwrap();
        drop(out);
        assert!(std::fs::read(&path).unwrap() == whole);
    }
}
