//! Ingestion: turns the user's inputs into a stream of raw documents, in a deterministic order.
//!
//! Promise: inputs are visited in command-line order, directories recursively in sorted order
//! (hidden entries skipped, symbolic links followed but loops detected and reported); every file,
//! JSON record or unreadable thing yields exactly one `Item` — a document or an error row — so
//! nothing is lost silently. Nothing is held whole in memory: files are read one at a time and
//! JSON-lines files line by line, with a bounded line buffer. Document ids are labels, never
//! used as paths.

use crate::config::{InputConfig, InputSpec};
use crate::document::{ErrorRow, Item, Meta, Payload, RawDoc, RawRecord};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How a file holds its articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One article per file (.txt, .md).
    Text,
    /// One JSON object per line (.jsonl, .ndjson).
    JsonLines,
    /// One JSON object or an array of objects (.json).
    Json,
}

/// Extensions recognised, without `.gz`.
const TEXT_EXT: &[&str] = &["txt", "md", "text", "markdown"];
const JSONL_EXT: &[&str] = &["jsonl", "ndjson"];
const JSON_EXT: &[&str] = &["json"];

/// File name of the manifest looked for at the top of each input directory.
pub const MANIFEST_NAME: &str = "manifest.csv";

/// Format and compression of a path, from its extension(s).
pub fn format_of(path: &Path) -> Option<(Format, bool)> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let (stem, gz) = match name.strip_suffix(".gz") {
        Some(s) => (s.to_string(), true),
        None => (name, false),
    };
    let ext = Path::new(&stem).extension()?.to_str()?.to_string();
    let fmt = if TEXT_EXT.contains(&ext.as_str()) {
        Format::Text
    } else if JSONL_EXT.contains(&ext.as_str()) {
        Format::JsonLines
    } else if JSON_EXT.contains(&ext.as_str()) {
        Format::Json
    } else {
        return None;
    };
    Some((fmt, gz))
}

/// One file to read, with the id its documents get and the manifest entry that describes it.
#[derive(Debug, Clone)]
struct Source {
    /// The file on disk (the spooled copy for standard input).
    file: PathBuf,
    /// The path shown in reports (`-` for standard input).
    display: String,
    /// Document id of the file (records get `id#N`).
    id: String,
    format: Format,
    gz: bool,
    meta: Meta,
}

/// A prepared input set: files listed, manifests loaded, standard input spooled to a temporary
/// file so that the corpus can be read twice (the structure stage's corpus statistics need a
/// first pass). Reading yields the same items in the same order every time.
pub struct Prepared {
    cfg: InputConfig,
    /// In order: a source to read, or an error found while listing.
    entries: Vec<Result<Source, ErrorRow>>,
    /// Total bytes on disk of the sources, for progress.
    pub total_bytes: u64,
    /// Bytes read so far in the current pass (shared with the progress bar).
    pub read_bytes: Arc<AtomicU64>,
    /// Spooled copies of standard input and of named pipes, deleted when the run ends.
    _spools: Vec<tempfile::NamedTempFile>,
}

impl Prepared {
    /// Lists the inputs. Fails only on what makes the whole run impossible (standard input
    /// unreadable, a manifest unreadable).
    pub fn new(cfg: &InputConfig) -> Result<Self> {
        let explicit_manifest = match &cfg.manifest {
            Some(p) => Some(load_manifest(p)?),
            None => None,
        };
        let multi = cfg.inputs.len() > 1;
        let mut entries = Vec::new();
        let mut spools = Vec::new();
        for spec in &cfg.inputs {
            match spec {
                InputSpec::Stdin => {
                    let spool = spool(&mut io::stdin().lock()).context("reading standard input")?;
                    let (format, gz) = sniff(spool.path())?;
                    entries.push(Ok(Source {
                        file: spool.path().to_path_buf(),
                        display: "-".into(),
                        id: "stdin".into(),
                        format,
                        gz,
                        meta: Meta::default(),
                    }));
                    spools.push(spool);
                }
                InputSpec::Path(p) => {
                    list_path(p, multi, explicit_manifest.as_ref(), &mut entries, &mut spools)?
                }
            }
        }
        let total_bytes = entries
            .iter()
            .filter_map(|e| e.as_ref().ok())
            .filter_map(|s| std::fs::metadata(&s.file).ok())
            .map(|m| m.len())
            .sum();
        Ok(Prepared {
            cfg: cfg.clone(),
            entries,
            total_bytes,
            read_bytes: Arc::new(AtomicU64::new(0)),
            _spools: spools,
        })
    }

    /// Number of files (and listing errors) to read.
    pub fn sources(&self) -> usize {
        self.entries.len()
    }

    /// Reads every input in order, calling `f` with each item. Item indices start at 0 and
    /// follow corpus order. Stops early only if `f` fails.
    pub fn for_each(&self, mut f: impl FnMut(Item) -> Result<()>) -> Result<()> {
        self.for_each_unparsed(|item| f(self.parse(item)))
    }

    /// As `for_each`, but JSON-lines records come as `Item::Record`, for `parse` to finish on
    /// another thread.
    pub fn for_each_unparsed(&self, mut f: impl FnMut(Item) -> Result<()>) -> Result<()> {
        self.read_bytes.store(0, Ordering::Relaxed);
        let mut next = 0usize;
        let mut emit = |item: Item| -> Result<()> {
            let item = with_index(item, next);
            next += 1;
            f(item)
        };
        for (k, entry) in self.entries.iter().enumerate() {
            match entry {
                Err(e) => emit(Item::Error(e.clone()))?,
                Ok(src) => self.read_source(k, src, &mut emit)?,
            }
        }
        Ok(())
    }

    /// Parses an `Item::Record` into a document or an error row; other items pass unchanged.
    pub fn parse(&self, item: Item) -> Item {
        let Item::Record(r) = item else { return item };
        let parsed = match &self.entries.get(r.source) {
            Some(Ok(src)) => record_item(src, &r.id, &r.line, &self.cfg),
            _ => Item::Error(ErrorRow::new(0, r.id, "", "read", "internal error: unknown input")),
        };
        with_index(parsed, r.index)
    }

    fn read_source(
        &self,
        source: usize,
        src: &Source,
        emit: &mut dyn FnMut(Item) -> Result<()>,
    ) -> Result<()> {
        let err = |doc: &str, stage: &str, msg: String| {
            Item::Error(ErrorRow::new(0, doc, &src.display, stage, msg))
        };
        let reader = match open(&src.file, src.gz, &self.read_bytes) {
            Ok(r) => r,
            Err(e) => return emit(err(&src.id, "read", format!("cannot open: {e}"))),
        };
        let limits = self.cfg.limits;
        match src.format {
            Format::Text => {
                let mut bytes = Vec::new();
                let cap = limits.max_doc_bytes;
                match reader.take(cap + 1).read_to_end(&mut bytes) {
                    Err(e) => emit(err(&src.id, "read", read_error(&e, src.gz))),
                    Ok(n) if n as u64 > cap => emit({
                        err(
                            &src.id,
                            "limit",
                            format!(
                                "document is larger than --max-doc-bytes {cap}; raise the limit to analyse it"
                            ),
                        )
                    }),
                    Ok(_) => emit(Item::Doc(RawDoc {
                        index: 0,
                        id: src.id.clone(),
                        path: src.display.clone(),
                        record_id: String::new(),
                        meta: src.meta.clone(),
                        payload: Payload::Bytes(bytes),
                    })),
                }
            }
            Format::JsonLines => {
                let mut lines = BoundedLines::new(reader, limits.max_json_line_bytes);
                let mut line_no = 0usize;
                loop {
                    line_no += 1;
                    let id = format!("{}#{line_no}", src.id);
                    match lines.next_line() {
                        Ok(None) => break,
                        Ok(Some(Line::TooLong(len))) => emit({
                            err(
                                &id,
                                "limit",
                                format!(
                                    "JSON line is {len} bytes or more, over --max-json-line-bytes {}",
                                    limits.max_json_line_bytes
                                ),
                            )
                        })?,
                        Ok(Some(Line::Text(buf))) => {
                            if buf.iter().all(u8::is_ascii_whitespace) {
                                continue; // blank lines hold no record
                            }
                            emit(Item::Record(RawRecord {
                                index: 0,
                                source,
                                id,
                                line: buf.to_vec(),
                            }))?;
                        }
                        Err(e) => {
                            return emit({
                                err(
                                    &src.id,
                                    "read",
                                    format!(
                                        "{} after line {}; the rest of the file could not be read",
                                        read_error(&e, src.gz),
                                        line_no - 1
                                    ),
                                )
                            });
                        }
                    }
                }
                Ok(())
            }
            Format::Json => {
                let mut bytes = Vec::new();
                let cap = limits.max_doc_bytes.max(limits.max_json_line_bytes);
                match reader.take(cap + 1).read_to_end(&mut bytes) {
                    Err(e) => emit(err(&src.id, "read", read_error(&e, src.gz))),
                    Ok(n) if n as u64 > cap => emit({
                        err(
                            &src.id,
                            "limit",
                            format!(
                                "JSON file is larger than {cap} bytes, the larger of --max-doc-bytes \
                                 and --max-json-line-bytes; raise one, or convert it to JSON lines"
                            ),
                        )
                    }),
                    Ok(_) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                        Err(e) => emit(err(&src.id, "parse", format!("invalid JSON: {e}"))),
                        Ok(serde_json::Value::Array(records)) => {
                            for (n, rec) in records.into_iter().enumerate() {
                                let id = format!("{}#{}", src.id, n + 1);
                                emit(value_item(src, &id, rec, &self.cfg))?;
                            }
                            Ok(())
                        }
                        Ok(rec) => {
                            let id = format!("{}#1", src.id);
                            emit(value_item(src, &id, rec, &self.cfg))
                        }
                    },
                }
            }
        }
    }
}

fn with_index(mut item: Item, index: usize) -> Item {
    match &mut item {
        Item::Doc(d) => d.index = index,
        Item::Error(e) => e.index = index,
        Item::Record(r) => r.index = index,
    }
    item
}

fn read_error(e: &io::Error, gz: bool) -> String {
    if gz && matches!(e.kind(), io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData) {
        format!("corrupt gzip data: {e}")
    } else if gz && e.kind() == io::ErrorKind::UnexpectedEof {
        "truncated gzip file (unexpected end of stream)".to_string()
    } else {
        format!("read error: {e}")
    }
}

/// Parses one JSON-lines record.
fn record_item(src: &Source, id: &str, line: &[u8], cfg: &InputConfig) -> Item {
    // The record is checked as UTF-8 once, whole, with SIMD; serde_json then reads it as a str
    // and does not check each of its strings again (core's check of every string was 1.25% of
    // a run's instructions, on text whose accents keep it off its ASCII fast path). Invalid
    // UTF-8 goes to `from_slice`, whose error says where it is.
    let parsed = match simdutf8::basic::from_utf8(line) {
        Ok(text) => serde_json::from_str::<serde_json::Value>(text),
        Err(_) => serde_json::from_slice::<serde_json::Value>(line),
    };
    match parsed {
        Ok(v) => value_item(src, id, v, cfg),
        Err(e) => {
            Item::Error(ErrorRow::new(0, id, &src.display, "parse", format!("invalid JSON: {e}")))
        }
    }
}

/// First candidate field present in `obj`.
fn field<'a>(
    obj: &'a serde_json::Map<String, serde_json::Value>,
    names: &'a [String],
) -> Option<(&'a str, &'a serde_json::Value)> {
    names.iter().find_map(|n| obj.get(n).filter(|v| !v.is_null()).map(|v| (n.as_str(), v)))
}

/// A metadata field as a string: strings as they are, numbers and booleans printed.
fn meta_field(obj: &serde_json::Map<String, serde_json::Value>, names: &[String]) -> String {
    match field(obj, names) {
        Some((_, serde_json::Value::String(s))) => s.trim().to_string(),
        Some((_, v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)))) => v.to_string(),
        _ => String::new(),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Turns one JSON value into a document or an error row.
fn value_item(src: &Source, id: &str, v: serde_json::Value, cfg: &InputConfig) -> Item {
    let fields = &cfg.fields;
    let fail =
        |stage: &str, msg: String| Item::Error(ErrorRow::new(0, id, &src.display, stage, msg));
    let serde_json::Value::Object(mut obj) = v else {
        return fail("parse", format!("expected a JSON object, found {}", json_kind(&v)));
    };
    let text_name = match field(&obj, &fields.text) {
        Some((name, serde_json::Value::String(_))) => name.to_string(),
        Some((name, other)) => {
            return fail(
                "parse",
                format!(
                    "field `{name}` is {}, expected a string of article text",
                    json_kind(other)
                ),
            );
        }
        None => {
            return fail(
                "parse",
                format!(
                    "no text field: none of {} is present (choose one with --text-field)",
                    fields.text.join(", ")
                ),
            );
        }
    };
    // Taken out of the record, not copied: article texts are most of the bytes.
    let Some(serde_json::Value::String(text)) = obj.remove(&text_name) else {
        unreachable!("the text field was just found")
    };
    let mut meta = Meta {
        outlet: meta_field(&obj, &fields.outlet),
        date: meta_field(&obj, &fields.date),
        url: meta_field(&obj, &fields.url),
        lang: meta_field(&obj, &fields.lang),
        title: meta_field(&obj, &fields.title),
    };
    meta.fill_from(&src.meta);
    // The title goes first, as in a text file, so that the structure stage sees it as line 1
    // and entities in titles are found; offsets then refer to this combined text.
    let body = text.trim_start();
    let combined = if meta.title.is_empty() || body.starts_with(meta.title.as_str()) {
        text
    } else {
        let mut c = String::with_capacity(meta.title.len() + 2 + text.len());
        c.push_str(&meta.title);
        c.push_str("\n\n");
        c.push_str(&text);
        c
    };
    let max = cfg.limits.max_doc_bytes;
    if combined.len() as u64 > max {
        return fail(
            "limit",
            format!(
                "document is {} bytes, larger than --max-doc-bytes {max}; raise the limit to analyse it",
                combined.len()
            ),
        );
    }
    Item::Doc(RawDoc {
        index: 0,
        id: id.to_string(),
        path: src.display.clone(),
        record_id: meta_field(&obj, &fields.id),
        meta,
        payload: Payload::JsonString(combined),
    })
}

/// Lists one command-line path into sources.
fn list_path(
    path: &Path,
    multi: bool,
    explicit_manifest: Option<&HashMap<String, Meta>>,
    out: &mut Vec<Result<Source, ErrorRow>>,
    spools: &mut Vec<tempfile::NamedTempFile>,
) -> Result<()> {
    let display = path.display().to_string();
    let meta_of = |manifest: Option<&HashMap<String, Meta>>, rel: &str| {
        manifest.and_then(|m| m.get(rel)).cloned().unwrap_or_default()
    };
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) => {
            out.push(Err(ErrorRow::new(
                0,
                &display,
                &display,
                "read",
                format!("cannot read input: {e}"),
            )));
            return Ok(());
        }
    };
    if !md.is_dir() {
        let name = path.file_name().map_or(display.clone(), |n| n.to_string_lossy().into_owned());
        let local = match explicit_manifest {
            Some(_) => None,
            None => local_manifest(path.parent().unwrap_or(Path::new(".")))?,
        };
        let meta = meta_of(explicit_manifest.or(local.as_ref()), &name);
        let id = if multi { display.clone() } else { name };
        if !md.is_file() {
            // A named pipe or process substitution (`<(zcat x.jsonl.gz)`): it can be read only
            // once, so it is copied aside like standard input and its format sniffed.
            let spooled = File::open(path)
                .and_then(|mut f| spool(&mut f))
                .and_then(|s| sniff(s.path()).map_err(io::Error::other).map(|fmt| (s, fmt)));
            match spooled {
                Ok((s, (format, gz))) => {
                    let file = s.path().to_path_buf();
                    spools.push(s);
                    out.push(Ok(Source { file, display, id, format, gz, meta }));
                }
                Err(e) => out.push(Err(ErrorRow::new(
                    0,
                    &id,
                    &display,
                    "read",
                    format!("cannot read input: {e}"),
                ))),
            }
            return Ok(());
        }
        // A file named explicitly is read even without a known extension: as text.
        let (format, gz) = format_of(path).unwrap_or((Format::Text, false));
        out.push(Ok(Source { file: path.to_path_buf(), display, id, format, gz, meta }));
        return Ok(());
    }
    let local = match explicit_manifest {
        Some(_) => None,
        None => local_manifest(path)?,
    };
    let manifest = explicit_manifest.or(local.as_ref());
    // The id of a file found in the walk: relative to the input directory, prefixed with that
    // directory when several inputs are given.
    let id_of = |p: &Path| {
        let rel = p.strip_prefix(path).unwrap_or(p).to_string_lossy().replace('\\', "/");
        let id =
            if multi { format!("{}/{rel}", display.trim_end_matches('/')) } else { rel.clone() };
        (rel, id)
    };
    let walker = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let (id, file_display) = match e.path() {
                    Some(p) => (id_of(p).1, p.display().to_string()),
                    None => (display.clone(), display.clone()),
                };
                let msg = match e.loop_ancestor() {
                    Some(a) => format!("symbolic link loop back to {}: not followed", a.display()),
                    None => format!(
                        "cannot read: {}",
                        e.io_error().map_or(e.to_string(), |io| io.to_string())
                    ),
                };
                out.push(Err(ErrorRow::new(0, &id, &file_display, "read", msg)));
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let (rel, id) = id_of(entry.path());
        if entry.depth() == 1 && rel == MANIFEST_NAME {
            continue;
        }
        let file_display = entry.path().display().to_string();
        if !ft.is_file() {
            // Reading a FIFO or a device found in a tree could block forever or never end.
            out.push(Err(ErrorRow::new(
                0,
                &id,
                &file_display,
                "read",
                "not a regular file (a named pipe, socket or device): skipped; name it on the \
                 command line to read it",
            )));
            continue;
        }
        match format_of(entry.path()) {
            Some((format, gz)) => out.push(Ok(Source {
                file: entry.path().to_path_buf(),
                display: file_display,
                id,
                format,
                gz,
                meta: meta_of(manifest, &rel),
            })),
            None => out.push(Err(ErrorRow::new(
                0,
                &id,
                &file_display,
                "read",
                "unsupported file type: expected .txt, .md, .json, .jsonl or .ndjson, optionally .gz",
            ))),
        }
    }
    Ok(())
}

fn local_manifest(dir: &Path) -> Result<Option<HashMap<String, Meta>>> {
    let p = dir.join(MANIFEST_NAME);
    if p.is_file() { load_manifest(&p).map(Some) } else { Ok(None) }
}

/// Reads a manifest: CSV with a header naming at least `file`; `outlet`, `url`, `date`,
/// `language` and `title` are optional. Unknown columns are ignored.
pub fn load_manifest(path: &Path) -> Result<HashMap<String, Meta>> {
    let mut rdr = csv::Reader::from_path(path)
        .with_context(|| format!("reading manifest {}", path.display()))?;
    let headers =
        rdr.headers().with_context(|| format!("reading manifest {}", path.display()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let file_col = col("file")
        .with_context(|| format!("manifest {}: no `file` column in the header", path.display()))?;
    let (outlet, url, date, lang, title) =
        (col("outlet"), col("url"), col("date"), col("language"), col("title"));
    let mut map = HashMap::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("manifest {}: row {}", path.display(), n + 2))?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string();
        map.insert(
            get(Some(file_col)),
            Meta {
                outlet: get(outlet),
                url: get(url),
                date: get(date),
                lang: get(lang),
                title: get(title),
            },
        );
    }
    Ok(map)
}

/// Copies a stream that can be read only once (standard input, a named pipe) to a temporary
/// file so that it can be read in two passes.
fn spool(input: &mut dyn Read) -> io::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::NamedTempFile::new()?;
    io::copy(input, &mut tmp)?;
    tmp.flush()?;
    tmp.as_file_mut().rewind()?;
    Ok(tmp)
}

/// Guesses the format of standard input from its first bytes: gzip magic, then `{`/`[` for
/// JSON (several lines starting with `{` are JSON lines), else text.
fn sniff(path: &Path) -> Result<(Format, bool)> {
    let mut head = Vec::new();
    File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
    let gz = head.starts_with(&[0x1f, 0x8b]);
    if gz {
        head.clear();
        let dec = flate2::read::MultiGzDecoder::new(File::open(path)?);
        // A corrupt stream is reported when the documents are read; here, guess from what decodes.
        let _ = dec.take(64 * 1024).read_to_end(&mut head);
    }
    let trimmed: &[u8] = head.trim_ascii_start();
    let fmt = match trimmed.first() {
        Some(b'[') => Format::Json,
        Some(b'{') => {
            let lines = trimmed.split(|&b| b == b'\n').filter(|l| !l.trim_ascii().is_empty());
            if lines.take(2).all(|l| l.trim_ascii_start().starts_with(b"{"))
                && trimmed.contains(&b'\n')
            {
                Format::JsonLines
            } else {
                Format::Json
            }
        }
        _ => Format::Text,
    };
    Ok((fmt, gz))
}

/// A reader that counts the bytes it reads (compressed bytes for .gz), for progress.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn open(path: &Path, gz: bool, count: &Arc<AtomicU64>) -> io::Result<Box<dyn BufRead + Send>> {
    let file = Counting { inner: File::open(path)?, count: Arc::clone(count) };
    Ok(if gz {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::read::MultiGzDecoder::new(BufReader::new(file)),
        ))
    } else {
        Box::new(BufReader::with_capacity(256 * 1024, file))
    })
}

/// A line of a JSON-lines file.
enum Line<'a> {
    Text(&'a [u8]),
    /// The line was longer than the limit; it was skipped (its length so far is given).
    TooLong(u64),
}

/// Reads lines without ever buffering more than `limit` bytes of one line.
struct BoundedLines<R> {
    inner: R,
    buf: Vec<u8>,
    limit: u64,
}

impl<R: BufRead> BoundedLines<R> {
    fn new(inner: R, limit: u64) -> Self {
        BoundedLines { inner, buf: Vec::new(), limit }
    }

    fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut seen: u64 = 0;
        let mut too_long = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if seen == 0 {
                    return Ok(None);
                }
                break;
            }
            let (part, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (&chunk[..i], Some(i + 1)),
                None => (chunk, None),
            };
            seen += part.len() as u64 + u64::from(done.is_some());
            if !too_long {
                if self.buf.len() as u64 + part.len() as u64 > self.limit {
                    too_long = true;
                    self.buf = Vec::new(); // release the memory of the oversized line
                } else {
                    self.buf.extend_from_slice(part);
                }
            }
            let used = done.unwrap_or(chunk.len());
            self.inner.consume(used);
            if done.is_some() {
                break;
            }
        }
        if too_long {
            return Ok(Some(Line::TooLong(seen)));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(Line::Text(&self.buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_extensions() {
        assert_eq!(format_of(Path::new("a/b.txt")), Some((Format::Text, false)));
        assert_eq!(format_of(Path::new("x.JSONL.gz")), Some((Format::JsonLines, true)));
        assert_eq!(format_of(Path::new("x.json")), Some((Format::Json, false)));
        assert_eq!(format_of(Path::new("x.png")), None);
        assert_eq!(format_of(Path::new("noext")), None);
    }

    #[test]
    fn records_parsed_later_are_the_items_parsed_at_once() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            input: crate::cli::InputArgs,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        // The last record is not UTF-8 (a Latin-1 é).
        std::fs::write(
            &path,
            b"{\"text\": \"Un.\"}\n{bad\n\n{\"text\": \"Deux.\", \"title\": \"T\"}\n{\"text\": \"caf\xe9\"}\n",
        )
        .unwrap();
        let cli = <Cli as clap::Parser>::parse_from(["t", path.to_str().unwrap()]);
        let prepared = Prepared::new(&InputConfig::from_args(&cli.input).unwrap()).unwrap();
        let show = |item: &Item| match item {
            Item::Doc(d) => {
                format!("{} doc {} {:?} {:?}", d.index, d.id, d.payload.as_bytes(), d.meta)
            }
            Item::Error(e) => format!("{} error {} {} {}", e.index, e.doc, e.stage, e.error),
            Item::Record(r) => format!("{} record {}", r.index, r.id),
        };
        let (mut at_once, mut later, mut records) = (Vec::new(), Vec::new(), 0);
        prepared
            .for_each(|item| {
                at_once.push(show(&item));
                Ok(())
            })
            .unwrap();
        prepared
            .for_each_unparsed(|item| {
                records += usize::from(matches!(item, Item::Record(_)));
                later.push(show(&prepared.parse(item)));
                Ok(())
            })
            .unwrap();
        assert_eq!(records, 4, "{later:?}");
        assert_eq!(at_once.len(), 4, "{at_once:?}");
        assert!(at_once[1].contains("error") && at_once[1].contains("invalid JSON"), "{at_once:?}");
        assert!(at_once[3].contains("invalid JSON: invalid unicode code point"), "{at_once:?}");
        assert_eq!(at_once, later);
    }

    #[test]
    fn bounded_lines_skip_long_ones() {
        let data = b"short\nthis line is far too long\r\nok\n";
        let mut l = BoundedLines::new(&data[..], 10);
        assert!(matches!(l.next_line().unwrap(), Some(Line::Text(b"short"))));
        assert!(matches!(l.next_line().unwrap(), Some(Line::TooLong(_))));
        assert!(matches!(l.next_line().unwrap(), Some(Line::Text(b"ok"))));
        assert!(l.next_line().unwrap().is_none());
    }
}
