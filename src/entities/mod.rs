//! Entities: finds the countries, companies, agencies, organizations, people, media, products
//! and places a document names, linked to canonical ids of the knowledge base.
//!
//! Takes a decoded document, its language and its line labels; promises the mentions found in
//! its title, heading and body lines, each with exact char and byte offsets, a canonical id
//! (KB id, or a stable slug for a discovered name), a type, a kind and a confidence.
//!
//! Steps, per content line: fold ([`fold`]), one leftmost-longest pass of the KB automaton
//! ([`matcher`]), structured government names ([`structured`]), misspellings and discovery
//! ([`discover`], [`variants`]). Then, per document: acronym definitions, bare government
//! bodies linked to the document's dominant country, overlaps resolved (nested mentions
//! dropped). Language knowledge comes from `data/lang/<lang>/entities-*` ([`lexicon`]).

mod discover;
mod eval;
pub mod fold;
pub mod kb;
mod lexicon;
pub mod matcher;
mod scan;
mod structured;
mod variants;

pub use eval::eval_mentions;
pub use scan::{Scratch, find_with};

use crate::cli::{KbArgs, KbCommand};
use crate::document::Document;
use crate::hash::SeededMap;
use crate::lang::Lang;
use crate::report::CsvOut;
use crate::structure::Structure;
use anyhow::Result;
use kb::Kb;
use lexicon::Lexicons;
use matcher::Matcher;
use regex_automata::util::pool::Pool;
use serde::Serialize;
use std::path::PathBuf;

/// One mention of an entity in a document.
#[derive(Debug, Clone, Serialize)]
pub struct Mention {
    /// 1-based line number.
    pub line: usize,
    /// Span in Unicode scalar values from the start of the line.
    pub char_start: usize,
    pub char_end: usize,
    /// Span in bytes from the start of the decoded document.
    pub byte_start: usize,
    pub byte_end: usize,
    /// The text as written.
    pub surface: String,
    /// Canonical entity id (ISO alpha-2 for countries, slug otherwise).
    pub entity: String,
    /// country, company, agency, org, media, person, product, place. Static, like `kind`: the
    /// knowledge base's types and the matchers' kinds live as long as the run, and copying
    /// them cost two allocations per mention.
    #[serde(rename = "type")]
    pub etype: &'static str,
    /// name, demonym, misspelling, translation, acronym, discovered…
    pub kind: &'static str,
    pub confidence: f32,
}

/// The knowledge base and its matchers, built once per run.
#[derive(Debug)]
pub struct Model {
    pub(crate) kb: Kb,
    pub(crate) matcher: Matcher,
    pub(crate) lex: Lexicons,
    pub(crate) variants: variants::Index,
    /// Per-thread buffers for [`find`]: kept from document to document, where fresh ones grew
    /// again with every document (16 M instructions on synth 10 MB).
    scratch: Pool<Scratch, fn() -> Scratch>,
}

impl Model {
    /// Loads the bundled knowledge base and `kb_files`, adds the generated translation
    /// variants, and compiles the automaton.
    pub fn build(kb_files: &[PathBuf]) -> Result<Self> {
        let mut kb = Kb::load(kb_files)?;
        let lex = Lexicons::load()?;
        variants::add_translations(&mut kb, &lex);
        // The automaton is most of the build; the variant index is built beside it.
        let (matcher, variants) =
            rayon::join(|| Matcher::build(&kb), || variants::Index::build(&kb));
        let matcher = matcher?;
        let scratch = Pool::new(Scratch::default as fn() -> Scratch);
        Ok(Model { kb, matcher, lex, variants, scratch })
    }

    /// Canonical display name and type of an entity id.
    pub fn describe(&self, id: &str) -> Option<(&str, &str)> {
        self.kb.get(id).map(|e| (e.name.as_str(), e.etype))
    }

    /// Number of distinct folded aliases in the automaton.
    pub fn patterns(&self) -> usize {
        self.matcher.patterns()
    }

    /// Number of aliases (generated translations included).
    pub fn aliases(&self) -> usize {
        self.kb.aliases.len()
    }

    /// The KB aliases of one line already folded into `folder` (the matching step alone, for
    /// benchmarks).
    pub fn scan_line(
        &self,
        line: &str,
        folder: &fold::Folder,
        lang: &str,
        out: &mut Vec<matcher::Hit>,
    ) {
        self.matcher.scan(&self.kb, line, folder, lang, out);
    }
}

/// Finds the mentions of `doc`, from content lines only.
pub fn find(doc: &Document, lang: &Lang, structure: &Structure, model: &Model) -> Vec<Mention> {
    find_with(doc, lang, structure, model, &mut model.scratch.get())
}

/// Columns of mentions.csv.
pub const MENTIONS_HEADER: &[&str] = &[
    "doc",
    "line",
    "char_start",
    "char_end",
    "byte_start",
    "byte_end",
    "surface",
    "entity",
    "type",
    "kind",
    "confidence",
];

/// Distinct confidences `write_mentions` keeps formatted.
const SHOWN_CONFIDENCES: usize = 16;

/// Writes the mentions.csv rows of one document.
pub fn write_mentions(doc: &str, mentions: &[Mention], w: &mut CsvOut) -> Result<()> {
    use std::fmt::Write;
    // Numbers are formatted into buffers reused from row to row: a document has dozens of
    // mentions, and a string per number was a fifth of the rows' cost.
    let [mut line, mut cs, mut ce, mut bs, mut be] = [itoa::Buffer::new(); 5];
    // Confidences take a handful of values (one per way of finding a name), and formatting a
    // float costs more than the rest of the row: each value is formatted once per document.
    let mut shown: Vec<(u32, String)> = Vec::new();
    let mut other = String::new();
    for m in mentions {
        let bits = m.confidence.to_bits();
        let confidence = match shown.iter().position(|&(b, _)| b == bits) {
            Some(i) => &shown[i].1,
            None if shown.len() < SHOWN_CONFIDENCES => {
                shown.push((bits, format!("{:.2}", m.confidence)));
                &shown[shown.len() - 1].1
            }
            None => {
                other.clear();
                write!(other, "{:.2}", m.confidence).expect("writing to a String");
                &other
            }
        };
        w.row([
            doc,
            line.format(m.line),
            cs.format(m.char_start),
            ce.format(m.char_end),
            bs.format(m.byte_start),
            be.format(m.byte_end),
            &m.surface,
            &m.entity,
            m.etype,
            m.kind,
            confidence,
        ])?;
    }
    Ok(())
}

/// Per-entity totals over the corpus, for entities.csv.
#[derive(Debug, Default)]
pub struct Tally {
    /// entity → its totals; written sorted by entity.
    entities: SeededMap<Box<str>, Totals>,
    /// Documents added so far: the number of the one being added.
    added: usize,
}

#[derive(Debug)]
struct Totals {
    etype: Box<str>,
    docs: usize,
    mentions: usize,
    /// The last document (`Tally::added`) that mentioned the entity.
    last_doc: usize,
    /// surface → mentions; written sorted by surface.
    surfaces: SeededMap<Box<str>, usize>,
}

impl Tally {
    pub fn add(&mut self, mentions: &[Mention]) {
        // This runs on the one thread that takes documents in corpus order, so known entities
        // and surfaces (nearly all of them, past the first documents) are looked up by
        // reference, in hash maps: only a new key is copied.
        self.added += 1;
        let doc = self.added;
        for m in mentions {
            let e = match self.entities.get_mut(m.entity.as_str()) {
                Some(e) => e,
                None => self.entities.entry(m.entity.as_str().into()).or_insert(Totals {
                    etype: m.etype.into(),
                    docs: 0,
                    mentions: 0,
                    last_doc: 0,
                    surfaces: SeededMap::default(),
                }),
            };
            if e.last_doc != doc {
                e.last_doc = doc;
                e.docs += 1;
            }
            e.mentions += 1;
            match e.surfaces.get_mut(m.surface.as_str()) {
                Some(n) => *n += 1,
                None => {
                    e.surfaces.insert(m.surface.as_str().into(), 1);
                }
            }
        }
    }

    /// Writes entities.csv.
    pub fn write(&self, model: &Model, w: &mut CsvOut) -> Result<()> {
        w.row(["entity", "type", "name", "docs", "mentions", "surfaces"])?;
        let mut entities: Vec<(&str, &Totals)> =
            self.entities.iter().map(|(id, t)| (&**id, t)).collect();
        entities.sort_unstable_by_key(|&(id, _)| id);
        for (id, t) in entities {
            let mut surfaces: Vec<(&str, usize)> =
                t.surfaces.iter().map(|(s, &n)| (&**s, n)).collect();
            surfaces.sort_unstable();
            // Entities discovered in the documents are named by their most frequent surface.
            let frequent = surfaces.iter().max_by_key(|(s, n)| (*n, std::cmp::Reverse(*s)));
            let name = model.describe(id).map(|d| d.0).or(frequent.map(|(s, _)| *s)).unwrap_or(id);
            let surfaces: Vec<&str> = surfaces.into_iter().map(|(s, _)| s).collect();
            w.row([
                id,
                &t.etype,
                name,
                &t.docs.to_string(),
                &t.mentions.to_string(),
                &surfaces.join("|"),
            ])?;
        }
        Ok(())
    }
}

/// `recoupe kb ...`.
pub fn kb_command(args: &KbArgs) -> Result<()> {
    use std::io::Write;
    match args.command {
        KbCommand::Aliases => {
            let kb = Kb::load(&args.kb)?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let mut seen = std::collections::HashSet::new();
            for a in &kb.aliases {
                if seen.insert(a.text.as_str())
                    && let Err(e) = writeln!(out, "{}", a.text)
                {
                    // A closed pipe (`| head`) is not an error.
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        return Ok(());
                    }
                    return Err(e.into());
                }
            }
            match out.flush() {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows written with the formatted confidences kept agree with formatting each row's, past
    /// the number of values kept too, and for values that round alike.
    #[test]
    fn kept_confidences_are_the_rows_own() {
        let values: Vec<f32> =
            (0..40).map(|k| k as f32 / 37.0).chain([0.125, 0.135, 0.95]).collect();
        let mut next = crate::testing::xorshift(0xc0f1);
        let mentions: Vec<Mention> = (0..500)
            .map(|i| Mention {
                line: i,
                char_start: 0,
                char_end: 1,
                byte_start: i,
                byte_end: i + 1,
                surface: "x".into(),
                entity: "e".into(),
                etype: "org",
                kind: "name",
                confidence: values[next(values.len())],
            })
            .collect();
        let mut w = CsvOut::memory(true);
        write_mentions("d", &mentions, &mut w).unwrap();
        let bytes = w.into_bytes().unwrap();
        let rows: Vec<&str> = std::str::from_utf8(&bytes).unwrap().lines().collect();
        assert_eq!(rows.len(), mentions.len());
        for (row, m) in rows.iter().zip(&mentions) {
            let shown = row.rsplit(',').next().unwrap();
            assert_eq!(shown, format!("{:.2}", m.confidence), "{row}");
        }
    }
}
