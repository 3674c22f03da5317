//! CSV writing shared by every report: header rows, RFC 4180 quoting (the csv crate), and
//! neutralization of cells a spreadsheet would execute as formulas.

use anyhow::{Context, Result};
use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Prefixes a cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
/// `@`, tab or CR) with an apostrophe, as OWASP recommends. Plain numbers (`-5`, `+3.2`) are
/// left alone: they are data, not formulas, and so is a lone `-` (standard input's path).
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
            if cell != "-" && cell.parse::<f64>().is_err() =>
        {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// Where rows go: a file, or memory (rows rendered by a worker thread, appended to the file
/// later by the writer thread with `append`).
enum Dest {
    File(BufWriter<super::file::ReportFile>),
    Memory(Vec<u8>),
}

impl Write for Dest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Dest::File(f) => f.write(buf),
            Dest::Memory(v) => v.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Dest::File(f) => f.write_all(buf),
            Dest::Memory(v) => v.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Dest::File(f) => f.flush(),
            Dest::Memory(_) => Ok(()),
        }
    }
}

/// A CSV file being written.
pub struct CsvOut {
    w: csv::Writer<Dest>,
    raw: bool,
    path: PathBuf,
}

impl CsvOut {
    fn new(dest: Dest, raw: bool, path: PathBuf, capacity: usize) -> Self {
        let w =
            csv::WriterBuilder::new().flexible(false).buffer_capacity(capacity).from_writer(dest);
        CsvOut { w, raw, path }
    }

    /// Creates `path`; `raw` disables formula neutralization.
    pub fn create(path: &Path, raw: bool) -> Result<Self> {
        let dest = Dest::File(super::file::create(path)?);
        Ok(Self::new(dest, raw, path.to_path_buf(), 1 << 12))
    }

    /// Rows rendered in memory, to be taken with `into_bytes` and appended to a file.
    pub fn memory(raw: bool) -> Self {
        Self::new(Dest::Memory(Vec::new()), raw, PathBuf::from("(memory)"), 1 << 10)
    }

    /// The rows written so far into a `memory` writer (empty for a file).
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        match self.w.into_inner().map_err(|e| anyhow::anyhow!("rendering CSV rows: {e}"))? {
            Dest::Memory(v) => Ok(v),
            Dest::File(_) => Ok(Vec::new()),
        }
    }

    /// Writes one row.
    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let ctx = || format!("writing {}", self.path.display());
        for c in cells {
            let c = c.as_ref();
            let cell = if self.raw { Cow::Borrowed(c) } else { neutralize(c) };
            self.w.write_field(cell.as_bytes()).with_context(ctx)?;
        }
        let res = self.w.write_record(None::<&[u8]>);
        res.with_context(|| format!("writing {}", self.path.display()))
    }

    /// Writes one row without neutralization (cells that were neutralized already).
    pub fn row_verbatim<T: AsRef<[u8]>>(
        &mut self,
        cells: impl IntoIterator<Item = T>,
    ) -> Result<()> {
        self.w.write_record(cells).with_context(|| format!("writing {}", self.path.display()))
    }

    /// Flushes to disk.
    pub fn finish(mut self) -> Result<()> {
        self.w.flush().with_context(|| format!("writing {}", self.path.display()))?;
        let dest = self
            .w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.path.display()))?;
        if let Dest::File(f) = dest {
            f.into_inner()
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.path.display()))?
                .sync_all()
                .ok();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize;

    #[test]
    fn formulas_are_neutralized() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("-5"), "-5");
        assert_eq!(neutralize("Israël"), "Israël");
        assert_eq!(neutralize(""), "");
    }
}
