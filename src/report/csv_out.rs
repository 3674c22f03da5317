//! CSV writing shared by every report: header rows, RFC 4180 quoting, and
//! neutralization of cells a spreadsheet would execute as formulas.

use anyhow::{Context, Result};
use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Prefixes a cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
/// `@`, tab or CR) with an apostrophe, as OWASP recommends. Plain numbers (`-5`, `+3.2`) are
/// left alone: they are data, not formulas, and so is a lone `-` (standard input's path).
#[inline]
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

/// Bytes of rows a file writer gathers before it writes them.
const FLUSH_BYTES: usize = 1 << 16;

/// What a CSV cell must be quoted for: the delimiter, the quote and line breaks (both, as the
/// csv crate quotes them: a reader takes either as the end of a record).
const QUOTED: crate::special::Special<4> =
    crate::special::Special { below: 0, these: [b',', b'"', b'\r', b'\n'], from: None };

/// A CSV file being written: RFC 4180 with `\n` line ends, byte for byte what the csv crate's
/// writer writes with its defaults (a cell is quoted only if it holds a comma, a quote or a
/// line break; a record of one empty cell is written `""`; every record has the first one's
/// number of cells). Written here rather than through the csv crate because most cells need
/// no quotes, and are then copied whole: the crate's writer checks them a byte at a time, and
/// was 2% of a run's instructions.
pub struct CsvOut {
    /// The rows not yet in the file; all of them for a writer in memory (rows rendered by a
    /// worker thread, appended to the file later by the writer thread). Cells are copied here
    /// directly, not through `io::Write` (a call and a match per piece of a cell).
    buf: Vec<u8>,
    /// The file, for a writer that writes one; `buf` goes to it past `FLUSH_BYTES`.
    file: Option<BufWriter<super::file::ReportFile>>,
    raw: bool,
    path: PathBuf,
    /// Cells written in the current record; the number in the first record.
    cells: usize,
    width: Option<usize>,
    /// Whether the current record holds no byte yet.
    blank: bool,
}

impl CsvOut {
    fn new(
        buf: Vec<u8>,
        file: Option<BufWriter<super::file::ReportFile>>,
        raw: bool,
        path: PathBuf,
    ) -> Self {
        CsvOut { buf, file, raw, path, cells: 0, width: None, blank: true }
    }

    /// Creates `path`; `raw` disables formula neutralization.
    pub fn create(path: &Path, raw: bool) -> Result<Self> {
        let file = super::file::create(path)?;
        Ok(Self::new(Vec::with_capacity(FLUSH_BYTES * 2), Some(file), raw, path.to_path_buf()))
    }

    /// Rows rendered in memory, to be taken with `into_bytes` and appended to a file.
    pub fn memory(raw: bool) -> Self {
        Self::memory_sized(raw, 0)
    }

    /// As `memory`, with room for about `bytes` bytes: a buffer grown from nothing to a
    /// document's rows is reallocated and copied a dozen times.
    pub fn memory_sized(raw: bool, bytes: usize) -> Self {
        Self::new(Vec::with_capacity(bytes), None, raw, PathBuf::from("(memory)"))
    }

    /// As `memory`, written into `buf`'s room (its bytes are dropped).
    pub fn memory_in(raw: bool, mut buf: Vec<u8>) -> Self {
        buf.clear();
        Self::new(buf, None, raw, PathBuf::from("(memory)"))
    }

    /// The rows written so far into a `memory` writer (empty for a file).
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        Ok(if self.file.is_some() { Vec::new() } else { self.buf })
    }

    /// Writes one cell of the current record.
    fn cell(&mut self, cell: &[u8]) {
        let w = &mut self.buf;
        if self.cells > 0 {
            w.push(b',');
            self.blank = false;
        }
        self.cells += 1;
        if cell.is_empty() {
            return;
        }
        self.blank = false;
        if !QUOTED.any_in(cell) {
            w.extend_from_slice(cell);
            return;
        }
        // Quoted cells are mostly sentences holding a comma: their quotes, if any, are found
        // by `memchr`, not by testing each byte.
        w.push(b'"');
        let mut from = 0;
        for q in memchr::memchr_iter(b'"', cell) {
            // The quote, and another.
            w.extend_from_slice(&cell[from..=q]);
            w.push(b'"');
            from = q + 1;
        }
        w.extend_from_slice(&cell[from..]);
        w.push(b'"');
    }

    /// Ends the current record.
    fn end_record(&mut self) -> Result<()> {
        let cells = std::mem::take(&mut self.cells);
        match self.width {
            None => self.width = Some(cells),
            Some(width) if width != cells => anyhow::bail!(
                "writing {}: a record of {cells} cells in a file of {width} columns",
                self.path.display()
            ),
            Some(_) => {}
        }
        // A lone empty cell is written quoted, or the record would be an empty line.
        let end: &[u8] = if cells == 1 && self.blank { b"\"\"\n" } else { b"\n" };
        self.blank = true;
        self.buf.extend_from_slice(end);
        match &mut self.file {
            Some(f) if self.buf.len() >= FLUSH_BYTES => {
                f.write_all(&self.buf)
                    .with_context(|| format!("writing {}", self.path.display()))?;
                self.buf.clear();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Writes one row.
    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for c in cells {
            let c = c.as_ref();
            let cell = if self.raw { Cow::Borrowed(c) } else { neutralize(c) };
            self.cell(cell.as_bytes());
        }
        self.end_record()
    }

    /// Writes one row without neutralization (cells that were neutralized already).
    pub fn row_verbatim<T: AsRef<[u8]>>(
        &mut self,
        cells: impl IntoIterator<Item = T>,
    ) -> Result<()> {
        for c in cells {
            self.cell(c.as_ref());
        }
        self.end_record()
    }

    /// Appends whole rows rendered by another writer of the same columns (in memory, on
    /// another thread), after the rows written so far.
    pub fn append_rows(&mut self, rows: &[u8]) -> Result<()> {
        debug_assert_eq!(self.cells, 0, "rows appended inside a record");
        match &mut self.file {
            Some(f) => {
                let path = &self.path;
                let context = || format!("writing {}", path.display());
                if !self.buf.is_empty() {
                    f.write_all(&self.buf).with_context(context)?;
                    self.buf.clear();
                }
                f.write_all(rows).with_context(context)
            }
            None => {
                self.buf.extend_from_slice(rows);
                Ok(())
            }
        }
    }

    /// Flushes to the file (the commit syncs it to the disk).
    pub fn finish(self) -> Result<()> {
        if let Some(mut w) = self.file {
            w.write_all(&self.buf).with_context(|| format!("writing {}", self.path.display()))?;
            w.into_inner()
                .map_err(|e| anyhow::anyhow!("writing {}: {}", self.path.display(), e.error()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{CsvOut, neutralize};
    use proptest::prelude::*;

    /// Cells weighted towards what CSV quotes, at every length around the checked blocks.
    fn cell() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            6 => "[a-z0-9 ]{0,9}",
            1 => Just(",".to_string()),
            1 => Just("\"".to_string()),
            1 => Just("\r".to_string()),
            1 => Just("\n".to_string()),
            1 => Just("é’\t#'=".to_string()),
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
    }

    /// The csv crate's writer with its defaults, as the reports were first written.
    fn by_the_csv_crate(rows: &[Vec<String>]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().flexible(false).from_writer(Vec::new());
        for r in rows {
            w.write_record(r).unwrap();
        }
        w.into_inner().unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn rows_as_the_csv_crate_writes_them(
            width in 1usize..5,
            rows in proptest::collection::vec(proptest::collection::vec(cell(), 4), 0..6),
        ) {
            let rows: Vec<Vec<String>> = rows.into_iter().map(|mut r| { r.truncate(width); r }).collect();
            let mut ours = CsvOut::memory(true);
            for r in &rows {
                ours.row(r).unwrap();
            }
            prop_assert_eq!(
                String::from_utf8(ours.into_bytes().unwrap()).unwrap(),
                String::from_utf8(by_the_csv_crate(&rows)).unwrap()
            );
        }
    }

    #[test]
    fn a_lone_empty_cell_is_quoted_and_widths_must_agree() {
        let rows = vec![vec![String::new()], vec!["a".into()], vec![String::new()]];
        let mut ours = CsvOut::memory(true);
        for r in &rows {
            ours.row(r).unwrap();
        }
        assert_eq!(ours.into_bytes().unwrap(), by_the_csv_crate(&rows));
        let mut ours = CsvOut::memory(true);
        ours.row(["a", "b"]).unwrap();
        assert!(ours.row(["a"]).is_err());
        assert!(ours.row(["a", "b", ""]).is_err());
    }

    #[test]
    fn formulas_are_neutralized() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("-5"), "-5");
        assert_eq!(neutralize("Israël"), "Israël");
        assert_eq!(neutralize(""), "");
    }
}
