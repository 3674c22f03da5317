//! Reports: where results become files. Per-document rows (documents, lines, mentions, claims,
//! errors) are streamed as each batch finishes, in corpus order; corpus-level reports are written
//! once at the end. Everything goes into a temporary directory beside `--out`, renamed into place
//! only when the run succeeds, so an interrupted or failed run leaves the previous reports intact.
//! One thread writes, in a fixed order: the bytes never depend on thread scheduling.

mod csv_out;
pub mod file;
pub mod html;
pub mod json;
pub mod markdown;
mod sink;

pub use csv_out::{CsvOut, neutralize};
pub use sink::{Rendered, Sink};

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A temporary output directory that replaces the real one on `commit`.
pub struct OutputDir {
    target: PathBuf,
    tmp: Option<PathBuf>,
}

fn hidden_sibling(target: &Path, tag: &str) -> PathBuf {
    let name = target.file_name().map_or("reports".into(), |n| n.to_string_lossy().into_owned());
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{tag}-{}", std::process::id()))
}

impl OutputDir {
    /// Creates `.NAME.tmp-PID` beside `target` (creating the parent if needed).
    pub fn create(target: &Path) -> Result<Self> {
        let parent =
            target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating output parent directory {}", parent.display()))?;
        remove_stale(parent, target);
        let tmp = hidden_sibling(target, "tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).ok();
        }
        std::fs::create_dir(&tmp).with_context(|| {
            format!("cannot write reports beside {}: creating {}", target.display(), tmp.display())
        })?;
        Ok(OutputDir { target: target.to_path_buf(), tmp: Some(tmp) })
    }

    /// The directory to write into.
    pub fn path(&self) -> &Path {
        self.tmp.as_deref().expect("output directory used after commit")
    }

    /// Moves the finished reports into place, replacing the previous ones. On Linux the two
    /// directories are exchanged atomically (`renameat2(RENAME_EXCHANGE)`), so at every instant
    /// `target` holds either the old or the new reports; elsewhere the old reports are moved
    /// aside first, and a run killed between the two renames has them restored by the next run.
    pub fn commit(mut self) -> Result<()> {
        let tmp = self.tmp.take().expect("committed twice");
        // The screenshot of report.html is made by the browser check, not by a run: keep it
        // (the README shows it) rather than drop it with the previous reports.
        let png = self.target.join(html::SCREENSHOT);
        if png.is_file() {
            std::fs::copy(&png, tmp.join(html::SCREENSHOT)).ok();
        }
        // On the disk before they replace anything: after a power cut or a system crash the
        // directory holds the whole new reports or the old ones, never truncated files.
        sync_tree(&tmp)?;
        if self.target.exists() && exchange(&tmp, &self.target) {
            sync_parent(&self.target);
            // `tmp` now holds the previous reports.
            remove_tree(&tmp);
            return Ok(());
        }
        let old = hidden_sibling(&self.target, "old");
        if self.target.exists() {
            std::fs::rename(&self.target, &old)
                .with_context(|| format!("moving the previous {} aside", self.target.display()))?;
        }
        std::fs::rename(&tmp, &self.target)
            .with_context(|| format!("moving the new reports into {}", self.target.display()))?;
        sync_parent(&self.target);
        if old.exists() {
            remove_tree(&old);
        }
        Ok(())
    }
}

/// Removes the previous reports, best effort: each file on a thread of its own, since freeing a
/// large file's blocks waits on the file system (the previous reports of synth 10 MB took
/// 0.03 s to remove one after the other, most of it in report.json), then the directory.
fn remove_tree(dir: &Path) {
    if let Ok(files) = files_in(dir) {
        std::thread::scope(|scope| {
            for f in &files {
                scope.spawn(move || std::fs::remove_file(f).ok());
            }
        });
    }
    std::fs::remove_dir_all(dir).ok();
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            std::fs::remove_dir_all(tmp).ok();
        }
    }
}

/// Waits until every file of `dir`, and `dir` itself, is on the disk. Each file is synced on a
/// thread of its own: most of their bytes were sent to the disk as they were written (see
/// [`file`]), and the waits overlap. A failure names the file: the reports are then not
/// committed, and the previous ones stay.
fn sync_tree(dir: &Path) -> Result<()> {
    let files = files_in(dir).with_context(|| format!("listing {}", dir.display()))?;
    sync_files(&files)?;
    sync_dir(dir).with_context(|| format!("writing {} to the disk", dir.display()))
}

/// The regular files directly in `dir`.
fn files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type().is_ok_and(|t| t.is_file()) {
            files.push(e.path());
        }
    }
    Ok(files)
}

/// Waits until `files` are on the disk, each synced on a thread of its own.
pub fn sync_files(files: &[PathBuf]) -> Result<()> {
    let sync = |path: &Path| -> Result<()> {
        // Opened for writing (without truncating): some systems sync only writable handles.
        let f = std::fs::OpenOptions::new().write(true).open(path);
        f.and_then(|f| f.sync_all())
            .with_context(|| format!("writing {} to the disk", path.display()))
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = files.iter().map(|p| scope.spawn(move || sync(p))).collect();
        handles.into_iter().try_for_each(|h| {
            h.join().map_err(|_| anyhow::anyhow!("internal error while syncing reports"))?
        })
    })
}

/// Syncs a directory's entries (Linux; elsewhere directories cannot be opened for it).
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Makes the rename of the reports into `target` durable. Best effort: the reports are in
/// place already, and a failure here could only undo the rename after a crash.
fn sync_parent(target: &Path) {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    sync_dir(parent).ok();
}

/// Swaps two directories atomically; false when the system cannot (then nothing changed).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> bool {
    false
}

/// Refuses an `--out` whose replacement would destroy something other than reports: a
/// directory holding files that recoupe does not write (someone's home, a project), or one
/// that holds an input. `inputs` are the paths about to be read.
pub fn check_out_dir(out: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(md) = std::fs::symlink_metadata(out) else { return Ok(()) };
    if md.file_type().is_symlink() {
        bail!(
            "--out {} is a symbolic link; recoupe replaces --out as a whole, so name the \
             directory itself",
            out.display()
        );
    }
    if !md.is_dir() {
        bail!("--out {}: exists and is not a directory", out.display());
    }
    if let Ok(out_abs) = out.canonicalize() {
        for input in inputs {
            if let Ok(input_abs) = input.canonicalize()
                && input_abs.starts_with(&out_abs)
            {
                bail!(
                    "--out {} holds the input {}; recoupe replaces --out as a whole, so \
                     choose another output directory",
                    out.display(),
                    input.display()
                );
            }
        }
    }
    let entries = std::fs::read_dir(out)
        .with_context(|| format!("--out {}: cannot list it", out.display()))?;
    let mut empty = true;
    let mut reports = false;
    for e in entries.flatten() {
        empty = false;
        let name = e.file_name();
        reports |= REPORT_MARKERS.iter().any(|m| name == *m);
    }
    if !empty && !reports {
        bail!(
            "--out {} is not empty and holds no recoupe reports (no documents.csv or \
             errors.csv); recoupe replaces --out as a whole, so name a new or empty directory",
            out.display()
        );
    }
    Ok(())
}

/// Files every committed reports directory holds: a non-empty `--out` without one of them is
/// not ours to replace.
const REPORT_MARKERS: &[&str] = &["documents.csv", "errors.csv"];

/// Removes temporary directories left by killed runs (their process no longer exists), and
/// restores previous reports that a run killed in the middle of its commit had moved aside.
fn remove_stale(parent: &Path, target: &Path) {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else { return };
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let mut stale: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    stale.sort();
    for (fname, path) in stale {
        let found = [".tmp-", ".old-"].iter().find_map(|tag| {
            let pid = fname.strip_prefix(&format!(".{name}{tag}"))?.parse::<u32>().ok()?;
            Some((*tag, pid))
        });
        if let Some((tag, pid)) = found
            && pid != std::process::id()
            && cfg!(target_os = "linux")
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            if tag == ".old-" && !target.exists() && std::fs::rename(&path, target).is_ok() {
                continue;
            }
            std::fs::remove_dir_all(&path).ok();
        }
    }
}

/// The corpus-level reports written story by story as alignment produces them: consistency.csv,
/// quotes.csv, report.json and report.md. Each story's bytes are rendered in parallel; the
/// writer only appends them in story order, except for a story over `json::RENDER_MAX_DOCS`
/// documents, which it writes from the story itself, a piece at a time, so that a story of
/// thousands of copies is never held rendered as well.
pub struct StoryFiles {
    raw: bool,
    consistency: CsvOut,
    quotes: CsvOut,
    json: json::Stream,
    markdown: markdown::Stream,
}

/// Room in a new story's buffers (consistency.csv, quotes.csv, report.json, report.md), about
/// a story's median bytes of each on synth 10 MB (1.1, 1.1, 17 and 2.6 KB), rounded: a buffer
/// grown from nothing to 17 KB of JSON was copied eight times. Reusing the sets the writer had
/// appended saved 20 M instructions more of a run's 7.57 G, but a reused set keeps the capacity
/// of a larger story while it waits for the writer, and a chunk's stories can all wait at once:
/// 45 MB more peak memory on synth 100 MB, 70 MB on synth 1 GB. A story's JSON longer than its
/// buffer continues in new buffers rather than growing it (`json::compact::to_chunks`).
const NEW_SET_BYTES: [usize; 4] = [2 << 10, 2 << 10, 16 << 10, 4 << 10];

impl StoryFiles {
    /// The files, in `dir`.
    pub const NAMES: [&str; 4] = ["consistency.csv", "quotes.csv", "report.json", "report.md"];

    pub fn create(dir: &Path, raw: bool) -> Result<Self> {
        Ok(StoryFiles {
            raw,
            consistency: CsvOut::create(&dir.join(Self::NAMES[0]), raw)?,
            quotes: CsvOut::create(&dir.join(Self::NAMES[1]), raw)?,
            json: json::Stream::create(&dir.join(Self::NAMES[2]))?,
            markdown: markdown::Stream::create(&dir.join(Self::NAMES[3]))?,
        })
    }

    /// Closes the CSV files (after `end`).
    pub fn finish(self) -> Result<()> {
        self.consistency.finish()?;
        self.quotes.finish()
    }
}

impl crate::align::StoryOutput for StoryFiles {
    fn begin(&mut self, report: &crate::align::Report, stories: usize) -> Result<()> {
        crate::align::consistency_header(&mut self.consistency)?;
        crate::align::quotes_header(&mut self.quotes)?;
        self.json.begin(report, stories)?;
        self.markdown.begin(report, stories)
    }

    fn renderer(&self) -> crate::align::Render {
        let raw = self.raw;
        Box::new(move |story| {
            // A large story is written by the writer thread straight from its model
            // (`write`): its rendered bytes are never all held.
            if json::large(story) {
                return Ok(vec![Vec::new(); 3]);
            }
            let [consistency, quotes, json, markdown] = NEW_SET_BYTES.map(Vec::with_capacity);
            // consistency.csv, quotes.csv, report.json in any number of parts, report.md.
            let mut bufs = Vec::with_capacity(6);
            let mut w = CsvOut::memory_in(raw, consistency);
            crate::align::consistency_rows(story, &mut w)?;
            bufs.push(w.into_bytes()?);
            let mut w = CsvOut::memory_in(raw, quotes);
            crate::align::quotes_rows(story, &mut w)?;
            bufs.push(w.into_bytes()?);
            json::render_into(story, json, &mut bufs)?;
            bufs.push(markdown::render_into(story, markdown));
            Ok(bufs)
        })
    }

    fn needs_story(&self) -> crate::align::NeedsStory {
        self.json.needs_story()
    }

    fn write(&mut self, story: Option<&crate::align::Story>, rendered: Vec<Vec<u8>>) -> Result<()> {
        if let Some(story) = story.filter(|s| json::large(s)) {
            crate::align::consistency_rows(story, &mut self.consistency)?;
            crate::align::quotes_rows(story, &mut self.quotes)?;
            self.json.append(Some(story), &[])?;
            return self.markdown.write_story(story);
        }
        let [consistency, quotes, json @ .., markdown] = rendered.as_slice() else {
            bail!("a story rendered incompletely");
        };
        self.consistency.append_rows(consistency)?;
        self.quotes.append_rows(quotes)?;
        self.json.append(story, json)?;
        self.markdown.append(std::slice::from_ref(markdown))
    }

    fn end(&mut self, report: &crate::align::Report) -> Result<()> {
        self.json.end(report)?;
        self.markdown.end(report)
    }
}

/// Writes the corpus-level reports that need the whole corpus (after the streamed ones and the
/// stories): entities.csv, variants.csv and report.html.
pub fn write_corpus(
    dir: &Path,
    raw: bool,
    corpus: &crate::align::Corpus,
    model: &crate::model::Model,
) -> Result<()> {
    use crate::analysis::phase;
    use std::time::Instant;
    let t = Instant::now();
    let mut w = CsvOut::create(&dir.join("entities.csv"), raw)?;
    corpus.tally().write(&model.entities, &mut w)?;
    w.finish()?;
    phase("entities.csv", t);
    let t = Instant::now();
    let mut w = CsvOut::create(&dir.join("variants.csv"), raw)?;
    corpus.write_variants(&mut w)?;
    w.finish()?;
    phase("variants.csv", t);
    let t = Instant::now();
    html::write(dir, corpus, model)?;
    phase("report.html", t);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{CsvOut, StoryFiles};
    use crate::align::{
        Cell, Finding, QuoteGroup, QuoteMember, Report, Status, Story, StoryOutput,
    };

    fn story(docs: usize) -> Story {
        let ids: Vec<String> = (0..docs).map(|i| format!("doc, {i}.txt")).collect();
        Story {
            id: "s1".into(),
            title: "A title".into(),
            docs: ids.clone(),
            findings: vec![Finding {
                key: "count:pays|".into(),
                kind: "quantity".into(),
                status: Status::Conflict,
                values: vec!["37".into(), "=38".into()],
                sources: ids.iter().map(|d| d.as_str().into()).collect(),
                cells: ids
                    .iter()
                    .enumerate()
                    .map(|(i, d)| Cell {
                        doc: d.as_str().into(),
                        value: if i % 2 == 0 { "37" } else { "=38" }.into(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            quotes: vec![QuoteGroup {
                id: "q1".into(),
                status: "same".into(),
                members: ids
                    .iter()
                    .map(|d| QuoteMember {
                        doc: d.as_str().into(),
                        text: "« dit-il, \"ainsi\" »".into(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// A story too large to render in memory, written by the writer from its model, gives the
    /// bytes the rendering gives: in each of the four story files.
    #[test]
    fn a_large_story_is_written_as_it_would_be_rendered() {
        for docs in [3, super::json::RENDER_MAX_DOCS + 100] {
            let st = story(docs);
            assert_eq!(super::json::large(&st), docs > 3);
            let report = Report { schema: 1, stories: vec![st.clone()], ..Default::default() };
            let dir = tempfile::tempdir().unwrap();
            let mut files = StoryFiles::create(dir.path(), false).unwrap();
            files.begin(&report, 1).unwrap();
            let rendered = files.renderer()(&st).unwrap();
            let needs = files.needs_story()(&st);
            files.write(needs.then_some(&st), rendered).unwrap();
            files.end(&report).unwrap();
            files.finish().unwrap();
            let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
            let csv = |header: fn(&mut CsvOut) -> anyhow::Result<()>,
                       rows: fn(&Story, &mut CsvOut) -> anyhow::Result<()>| {
                let mut w = CsvOut::memory(false);
                header(&mut w).unwrap();
                rows(&st, &mut w).unwrap();
                w.into_bytes().unwrap()
            };
            use crate::align::{consistency_header, consistency_rows, quotes_header, quotes_rows};
            assert!(read("consistency.csv") == csv(consistency_header, consistency_rows));
            assert!(read("quotes.csv") == csv(quotes_header, quotes_rows));
            let md = String::from_utf8(read("report.md")).unwrap();
            assert_eq!(md, super::markdown::render(&report), "{docs} documents");
            let json: serde_json::Value = serde_json::from_slice(&read("report.json")).unwrap();
            assert_eq!(json, serde_json::to_value(&report).unwrap());
        }
    }
}
