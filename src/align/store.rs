//! Where the corpus level keeps what it needs until the end of a run without holding it in
//! memory: the claims of every document, encoded compactly and appended to a part file (or to a
//! buffer, for corpora analysed in memory), read back story by story; and the names every
//! document repeats (entity ids, types, surfaces), interned once.
//!
//! Claims are the bulk of what a document leaves behind (each keeps its sentence), and stories
//! are known only once every document is in: kept as structures they made memory grow with the
//! corpus (about 1 GB for 90 MB of news). The encoding is a plain length-prefixed layout written
//! by hand, field by field: destructuring `Claim` without `..` makes a new field a compile
//! error here rather than a value silently lost.

use crate::claims::{Claim, Kind};
use anyhow::{Context, Result, bail};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An interned string.
pub type Sym = u32;

/// Strings stored once, named by a number.
#[derive(Debug, Default)]
pub struct Syms {
    ids: crate::hash::SeededMap<Box<str>, Sym>,
    strs: Vec<Box<str>>,
}

impl Syms {
    pub fn id(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = Sym::try_from(self.strs.len()).expect("fewer than 2^32 distinct names");
        self.strs.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    pub fn get(&self, id: Sym) -> &str {
        &self.strs[id as usize]
    }
}

/// Appends `v` as a LEB128 varint.
pub fn put_uint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_uint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_strs(out: &mut Vec<u8>, v: &[String]) {
    put_uint(out, v.len() as u64);
    for s in v {
        put_str(out, s);
    }
}

pub fn put_span(out: &mut Vec<u8>, (a, b): (usize, usize)) {
    put_uint(out, a as u64);
    put_uint(out, b as u64);
}

fn kind_code(k: Kind) -> u8 {
    match k {
        Kind::Quantity => 0,
        Kind::Enumeration => 1,
        Kind::Membership => 2,
        Kind::Quote => 3,
        Kind::Event => 4,
    }
}

/// Encodes claims (appended to `out`).
pub fn encode(claims: &[Claim], out: &mut Vec<u8>) {
    put_uint(out, claims.len() as u64);
    let mut prev_text: Option<&str> = None;
    for c in claims {
        let Claim {
            line,
            kind,
            key,
            value,
            unit,
            role,
            approx,
            head,
            entities,
            members,
            speaker,
            days,
            surface,
            span,
            sentence,
            text,
            marks,
            derived,
            compared,
        } = c;
        put_uint(out, *line as u64);
        out.push(kind_code(*kind) | if *derived { 0x80 } else { 0 });
        for s in [key, value, unit, role, approx, head, speaker, surface] {
            put_str(out, s);
        }
        // The sentence: a sentence's claims follow each other, and almost half the sentence
        // bytes of a corpus repeat the previous claim's (on synth 100 MB, 43 MB of 95). A
        // repeated one is written as 0, a new one as its length plus one, then its bytes.
        if prev_text.is_some_and(|p| p == &**text) {
            put_uint(out, 0);
        } else {
            put_uint(out, text.len() as u64 + 1);
            out.extend_from_slice(text.as_bytes());
        }
        prev_text = Some(text);
        put_str(out, compared);
        put_strs(out, entities);
        put_strs(out, members);
        put_strs(out, days);
        put_span(out, *span);
        put_span(out, *sentence);
        put_uint(out, marks.len() as u64);
        for m in marks {
            put_span(out, *m);
        }
    }
}

/// Reads back what `put_uint`, `put_str` and `encode` wrote (and `html::Source::encode`).
pub struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

/// A string read back from a record, checked as UTF-8 with SIMD: alignment reads back every
/// claim's sentence and strings, and the standard check was a few percent of its time.
fn utf8(bytes: &[u8]) -> Result<&str> {
    // Most strings are short ASCII (keys, ids, values), which simdutf8 hands to the standard
    // check: a word-at-a-time ASCII test answers them first.
    if bytes.is_ascii() {
        // SAFETY: ASCII is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    simdutf8::basic::from_utf8(bytes).ok().context("record holds invalid UTF-8")
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, at: 0 }
    }

    /// What is left to read.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.at..]
    }

    pub fn byte(&mut self) -> Result<u8> {
        let b = *self.buf.get(self.at).context("truncated record")?;
        self.at += 1;
        Ok(b)
    }

    pub fn uint(&mut self) -> Result<u64> {
        // Most values (lengths of keys and names, counts, small lines) fit in one byte: read
        // without the loop (records are read back by the million).
        if let Some(&b) = self.buf.get(self.at)
            && b < 0x80
        {
            self.at += 1;
            return Ok(u64::from(b));
        }
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.buf.get(self.at) else { bail!("truncated record") };
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        bail!("malformed record")
    }

    pub fn usize(&mut self) -> Result<usize> {
        usize::try_from(self.uint()?).context("claim record value out of range")
    }

    /// The bytes of a string `put_str` wrote.
    fn str_bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.usize()?;
        let bytes = self.buf.get(self.at..self.at + n).context("truncated record")?;
        self.at += n;
        Ok(bytes)
    }

    /// A string `put_str` wrote, borrowed from the buffer.
    pub fn str(&mut self) -> Result<&'a str> {
        let bytes = self.str_bytes()?;
        utf8(bytes)
    }

    pub fn string(&mut self) -> Result<String> {
        self.str().map(str::to_owned)
    }

    /// A claim's sentence as `encode` wrote it: `prev` shared when repeated (no copy, no
    /// allocation), else the one `sentences` holds.
    fn shared(
        &mut self,
        prev: Option<&Arc<str>>,
        sentences: &mut Sentences<'a>,
    ) -> Result<Arc<str>> {
        let Some(n) = self.usize()?.checked_sub(1) else {
            return prev.cloned().context("a claim record repeats a sentence before the first");
        };
        let bytes = self.buf.get(self.at..self.at + n).context("truncated record")?;
        self.at += n;
        Ok(sentences.get(utf8(bytes)?))
    }

    pub fn span(&mut self) -> Result<(usize, usize)> {
        Ok((self.usize()?, self.usize()?))
    }

    /// The strings `put_strs` wrote, borrowed.
    fn strs(&mut self) -> Result<Vec<&'a str>> {
        let n = self.usize()?;
        // Each string takes at least its length byte: a count beyond the bytes left is corrupt.
        let mut v = Vec::with_capacity(n.min(self.rest().len()));
        for _ in 0..n {
            v.push(self.str()?);
        }
        Ok(v)
    }
}

/// A claim read back from a stored record: its strings borrowed from the record's bytes, which
/// the story being aligned holds anyway. (Decoded into owned `Claim`s, the claims of a story of
/// 20,000 copies of one article took 370 MB beside their 86 MB of records.)
#[derive(Debug, Clone)]
pub struct StoredClaim<'a> {
    pub line: usize,
    pub kind: Kind,
    pub key: &'a str,
    pub value: &'a str,
    pub unit: &'a str,
    pub role: &'a str,
    pub approx: &'a str,
    pub head: &'a str,
    pub entities: Vec<&'a str>,
    pub members: Vec<&'a str>,
    pub speaker: &'a str,
    pub days: Vec<&'a str>,
    pub surface: &'a str,
    pub span: (usize, usize),
    pub sentence: (usize, usize),
    /// Shared by the claims of one sentence, and with the findings' evidence.
    pub text: Arc<str>,
    pub marks: Vec<(usize, usize)>,
    pub derived: bool,
    pub compared: &'a str,
}

impl StoredClaim<'_> {
    /// The claim as the claims stage made it.
    #[cfg(test)]
    pub fn owned(&self) -> Claim {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Claim {
            line: self.line,
            kind: self.kind,
            key: self.key.into(),
            value: self.value.into(),
            unit: self.unit.into(),
            role: self.role.into(),
            approx: self.approx.into(),
            head: self.head.into(),
            entities: strings(&self.entities),
            members: strings(&self.members),
            speaker: self.speaker.into(),
            days: strings(&self.days),
            surface: self.surface.into(),
            span: self.span,
            sentence: self.sentence,
            text: self.text.clone(),
            marks: self.marks.clone(),
            derived: self.derived,
            compared: self.compared.into(),
        }
    }
}

/// The sentences of one story's claims, one string each: syndicated copies repeat their
/// original's sentences, and a story of thousands of copies held thousands of copies of each
/// (a story of 20,000 copies of one article: 90 MB of sentences).
#[derive(Default)]
pub struct Sentences<'a>(crate::hash::SeededMap<&'a str, Arc<str>>);

impl<'a> Sentences<'a> {
    /// The one string of `sentence`.
    pub fn get(&mut self, sentence: &'a str) -> Arc<str> {
        self.0.entry(sentence).or_insert_with(|| sentence.into()).clone()
    }
}

/// Decodes the claims `encode` wrote into `buf`, borrowing their strings from it; their
/// sentences come from `sentences`.
pub fn decode<'a>(buf: &'a [u8], sentences: &mut Sentences<'a>) -> Result<Vec<StoredClaim<'a>>> {
    let mut r = Reader { buf, at: 0 };
    let n = r.usize()?;
    let mut out: Vec<StoredClaim> = Vec::with_capacity(n.min(buf.len()));
    for _ in 0..n {
        let line = r.usize()?;
        let code = r.byte()?;
        let kind = match code & 0x7f {
            0 => Kind::Quantity,
            1 => Kind::Enumeration,
            2 => Kind::Membership,
            3 => Kind::Quote,
            4 => Kind::Event,
            other => bail!("unknown claim kind {other} in a claim record"),
        };
        // In the order `encode` wrote them.
        let (key, value, unit, role) = (r.str()?, r.str()?, r.str()?, r.str()?);
        let (approx, head, speaker, surface) = (r.str()?, r.str()?, r.str()?, r.str()?);
        let text = r.shared(out.last().map(|c| &c.text), sentences)?;
        let compared = r.str()?;
        let (entities, members, days) = (r.strs()?, r.strs()?, r.strs()?);
        let (span, sentence) = (r.span()?, r.span()?);
        let n_marks = r.usize()?;
        let mut marks = Vec::with_capacity(n_marks.min(r.rest().len()));
        for _ in 0..n_marks {
            marks.push(r.span()?);
        }
        out.push(StoredClaim {
            line,
            kind,
            key,
            value,
            unit,
            role,
            approx,
            head,
            entities,
            members,
            speaker,
            days,
            surface,
            span,
            sentence,
            text,
            marks,
            derived: code & 0x80 != 0,
            compared,
        });
    }
    Ok(out)
}

/// Where the encoded claims live: a buffer, or a part file being written then read.
enum Backing {
    Memory(Vec<u8>),
    Writing(BufWriter<File>),
    Reading(File),
}

/// Encoded claims, one record per document, addressed by (offset, length).
pub struct ClaimStore {
    backing: Backing,
    len: u64,
    /// The part file, removed when the store is dropped.
    path: Option<PathBuf>,
}

impl std::fmt::Debug for ClaimStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimStore").field("len", &self.len).field("path", &self.path).finish()
    }
}

impl Default for ClaimStore {
    fn default() -> Self {
        ClaimStore { backing: Backing::Memory(Vec::new()), len: 0, path: None }
    }
}

impl ClaimStore {
    /// A store writing to the part file `path` (created, truncated; removed on drop).
    pub fn file(path: &Path) -> Result<Self> {
        let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(ClaimStore {
            backing: Backing::Writing(BufWriter::with_capacity(1 << 16, f)),
            len: 0,
            path: Some(path.to_path_buf()),
        })
    }

    /// Appends one encoded record; returns where it is.
    pub fn put(&mut self, record: &[u8]) -> Result<(u64, u32)> {
        let at = self.len;
        match &mut self.backing {
            Backing::Memory(v) => v.extend_from_slice(record),
            Backing::Writing(w) => w.write_all(record).with_context(|| self.context())?,
            Backing::Reading(_) => bail!("claims added after the store was sealed"),
        }
        self.len += record.len() as u64;
        Ok((at, u32::try_from(record.len()).context("a document with over 4 GB of claims")?))
    }

    fn context(&self) -> String {
        format!("writing {}", self.path.as_deref().unwrap_or(Path::new("claims")).display())
    }

    /// Ends writing; records can be read from now on.
    pub fn seal(&mut self) -> Result<()> {
        if let Backing::Writing(w) = &mut self.backing {
            w.flush().with_context(|| self.context())?;
            let path = self.path.as_deref().expect("a file store has a path");
            let f = File::open(path).with_context(|| format!("reading {}", path.display()))?;
            self.backing = Backing::Reading(f);
        }
        Ok(())
    }

    /// The record at `at` (a sealed store).
    pub fn get(&self, (offset, len): (u64, u32)) -> Result<Cow<'_, [u8]>> {
        match &self.backing {
            Backing::Memory(v) => {
                let start = usize::try_from(offset)?;
                let rec = v.get(start..start + len as usize).context("record out of range")?;
                Ok(Cow::Borrowed(rec))
            }
            Backing::Reading(f) => {
                let buf = read_at(f, len as usize, offset).with_context(|| {
                    let path = self.path.as_deref().unwrap_or(Path::new(""));
                    format!("reading back {}", path.display())
                })?;
                Ok(Cow::Owned(buf))
            }
            Backing::Writing(_) => bail!("records read before the store was sealed"),
        }
    }
}

/// The `len` bytes at `offset`, read into a new vector's room as it is: a zeroed buffer
/// (`vec![0; len]`) was written twice, and zeroing the records of the stories took 17 M
/// instructions on synth 10 MB.
#[cfg(unix)]
fn read_at(f: &File, len: usize, offset: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(len);
    while buf.len() < len {
        // The room is `len` bytes (what `with_capacity` asked for), and a read past the
        // record is cut off all the same.
        let at = offset + buf.len() as u64;
        match rustix::io::pread(f, rustix::buffer::spare_capacity(&mut buf), at) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(_) => {}
            // Retried, as `read_exact_at` does.
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    buf.truncate(len);
    Ok(buf)
}

#[cfg(not(unix))]
fn read_at(f: &File, len: usize, offset: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = f;
    let mut buf = vec![0u8; len];
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(&mut buf)?;
    Ok(buf)
}

impl Drop for ClaimStore {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            // Close before removing (needed on some systems).
            self.backing = Backing::Memory(Vec::new());
            std::fs::remove_file(p).ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(i: usize) -> Claim {
        Claim {
            line: i,
            kind: if i % 2 == 0 { Kind::Quote } else { Kind::Event },
            key: format!("count:pays|after{i}"),
            value: "37".into(),
            unit: String::new(),
            role: "after".into(),
            approx: "about".into(),
            head: "countries".into(),
            entities: vec!["IL".into(), "nso-group".into()],
            members: vec![],
            speaker: "Gina Raimondo".into(),
            days: vec!["wednesday".into()],
            surface: "« près de 37 pays »".into(),
            span: (3, 300),
            sentence: (0, 1 << 40),
            // Claims 0 and 1 share a sentence, 2 is alone, 3 and 4 share an empty one.
            text: match i {
                0 | 1 => "Le texte, avec des accents : é, ü, 中文.",
                2 => "Un autre.",
                _ => "",
            }
            .into(),
            marks: vec![(1, 2), (200, 100_000)],
            derived: i % 3 == 0,
            compared: "12".into(),
        }
    }

    #[test]
    fn claims_round_trip_in_memory_and_on_disk() {
        let claims: Vec<Claim> = (0..5).map(claim).collect();
        let dir = tempfile::tempdir().unwrap();
        for mut store in [ClaimStore::default(), ClaimStore::file(&dir.path().join("c")).unwrap()] {
            let mut at = Vec::new();
            for n in [0, 2, 5] {
                let mut buf = Vec::new();
                encode(&claims[..n], &mut buf);
                at.push(store.put(&buf).unwrap());
            }
            store.seal().unwrap();
            for (n, at) in [0, 2, 5].into_iter().zip(at) {
                let record = store.get(at).unwrap();
                let back = decode(&record, &mut Sentences::default()).unwrap();
                let owned: Vec<Claim> = back.iter().map(StoredClaim::owned).collect();
                assert_eq!(format!("{owned:?}"), format!("{:?}", &claims[..n]));
                // A repeated sentence is read back as the same string, not a copy.
                if n == 5 {
                    assert!(Arc::ptr_eq(&back[0].text, &back[1].text));
                    assert!(!Arc::ptr_eq(&back[1].text, &back[2].text));
                }
            }
        }
        assert!(!dir.path().join("c").exists(), "the part file is removed");
    }

    /// Documents that repeat a sentence (syndicated copies) share its one string.
    #[test]
    fn a_sentence_repeated_across_records_is_one_string() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode(&[claim(0)], &mut a);
        encode(&[claim(2), claim(1)], &mut b);
        let mut sentences = Sentences::default();
        let a = decode(&a, &mut sentences).unwrap();
        let b = decode(&b, &mut sentences).unwrap();
        assert!(Arc::ptr_eq(&a[0].text, &b[1].text));
        assert!(!Arc::ptr_eq(&a[0].text, &b[0].text));
        assert_eq!(&*b[0].text, &*claim(2).text);
    }

    /// ASCII is taken as is; anything else is still checked.
    #[test]
    fn strings_read_back_are_checked() {
        assert_eq!(super::utf8(b"nso-group").unwrap(), "nso-group");
        assert_eq!(super::utf8("Israël".as_bytes()).unwrap(), "Israël");
        assert!(super::utf8(b"Isra\xebl").is_err());
        assert!(super::utf8(b"\xff").is_err());
    }

    #[test]
    fn a_repeated_sentence_is_written_once() {
        let (one, mut two) = (claim(0), claim(1));
        let mut buf = Vec::new();
        encode(&[one.clone(), two.clone()], &mut buf);
        let shared = buf.len();
        two.text = "x".repeat(one.text.len()).into();
        buf.clear();
        encode(&[one.clone(), two], &mut buf);
        assert_eq!(buf.len() - shared, one.text.len());
    }

    #[test]
    fn names_are_interned_once() {
        let mut s = Syms::default();
        let a = s.id("nso-group");
        assert_eq!(s.id("IL"), a + 1);
        assert_eq!(s.id("nso-group"), a);
        assert_eq!(s.get(a), "nso-group");
    }
}
