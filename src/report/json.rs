//! report.json: the consistency report model (`align::Report`) serialized as is, pretty-printed
//! with a final newline. Its schema is documented in the README; `Report` is also
//! `Deserialize`, so consumers (and the tests) read it back into the same types.

use crate::align::Report;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

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
}
