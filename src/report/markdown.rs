//! report.md: the consistency report for a person reading top to bottom, rendered from
//! `align::Report`.

use crate::align::Report;
use anyhow::{Context, Result};
use std::path::Path;

/// Renders `report` as Markdown.
pub fn render(report: &Report) -> String {
    let mut s = String::from("# recoupe — consistency report\n\n");
    s.push_str(&format!(
        "{} documents, {} stories.\n",
        report.documents.len(),
        report.stories.len()
    ));
    s
}

/// Writes `report` to `path`.
pub fn write(report: &Report, path: &Path) -> Result<()> {
    std::fs::write(path, render(report)).with_context(|| format!("writing {}", path.display()))
}
