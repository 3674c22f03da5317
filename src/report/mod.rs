//! Reports: where results become files. Per-document rows (documents, lines, mentions, claims,
//! errors) are streamed as each batch finishes, in corpus order; corpus-level reports are written
//! once at the end. Everything goes into a temporary directory beside `--out`, renamed into place
//! only when the run succeeds, so an interrupted or failed run leaves the previous reports intact.
//! One thread writes, in a fixed order: the bytes never depend on thread scheduling.

mod csv_out;
pub mod html;
pub mod json;
pub mod markdown;
mod sink;

pub use csv_out::{CsvOut, neutralize};
pub use sink::Sink;

use anyhow::{Context, Result};
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

    /// Moves the finished reports into place, replacing the previous ones.
    pub fn commit(mut self) -> Result<()> {
        let tmp = self.tmp.take().expect("committed twice");
        let old = hidden_sibling(&self.target, "old");
        if self.target.exists() {
            std::fs::rename(&self.target, &old)
                .with_context(|| format!("moving the previous {} aside", self.target.display()))?;
        }
        std::fs::rename(&tmp, &self.target)
            .with_context(|| format!("moving the new reports into {}", self.target.display()))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).ok();
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            std::fs::remove_dir_all(tmp).ok();
        }
    }
}

/// Removes temporary directories left by killed runs (their process no longer exists).
fn remove_stale(parent: &Path, target: &Path) {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else { return };
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let fname = e.file_name().to_string_lossy().into_owned();
        let pid = [".tmp-", ".old-"].iter().find_map(|tag| {
            fname.strip_prefix(&format!(".{name}{tag}")).and_then(|p| p.parse::<u32>().ok())
        });
        if let Some(pid) = pid
            && pid != std::process::id()
            && cfg!(target_os = "linux")
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            std::fs::remove_dir_all(e.path()).ok();
        }
    }
}

/// Writes the corpus-level reports (after the streamed ones).
pub fn write_corpus(
    dir: &Path,
    raw: bool,
    corpus: &crate::align::Corpus,
    model: &crate::model::Model,
) -> Result<()> {
    let mut w = CsvOut::create(&dir.join("entities.csv"), raw)?;
    corpus.tally().write(&model.entities, &mut w)?;
    w.finish()?;
    let mut w = CsvOut::create(&dir.join("consistency.csv"), raw)?;
    corpus.write_consistency(&mut w)?;
    w.finish()?;
    let mut w = CsvOut::create(&dir.join("quotes.csv"), raw)?;
    corpus.write_quotes(&mut w)?;
    w.finish()?;
    let mut w = CsvOut::create(&dir.join("variants.csv"), raw)?;
    corpus.write_variants(&mut w)?;
    w.finish()?;
    json::write(&corpus.report, &dir.join("report.json"))?;
    markdown::write(&corpus.report, &dir.join("report.md"))?;
    html::write(dir, corpus, model)
}
