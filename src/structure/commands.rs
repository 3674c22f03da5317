//! The structure stage's commands: `recoupe clean` (the article text of documents, or their
//! labelled lines as JSON) and `recoupe eval lines` (lines.csv scored against a gold TSV).

use super::{CorpusStats, Label, Model, Structure, analyse};
use crate::cli::{CleanArgs, CleanFormat};
use crate::config::InputConfig;
use crate::decode::{self, Limits};
use crate::document::{Document, Item};
use crate::ingest::Prepared;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

/// One document as `recoupe clean --format json` prints it (one JSON object per line).
#[derive(Serialize)]
struct CleanDoc<'a> {
    doc: &'a str,
    lang: &'a str,
    title: &'a str,
    section: &'a str,
    credits: &'a [String],
    source: &'a str,
    lines: Vec<CleanLine<'a>>,
}

#[derive(Serialize)]
struct CleanLine<'a> {
    line: usize,
    label: Label,
    reason: &'a str,
    text: &'a str,
}

fn print_text(out: &mut impl Write, doc: &Document, s: &Structure, header: bool) -> Result<()> {
    if header {
        writeln!(out, "==> {} <==", doc.id)?;
    }
    let title = if s.title.is_empty() { doc.meta.title.trim() } else { s.title.as_str() };
    if !title.is_empty() {
        writeln!(out, "{title}\n")?;
    }
    for l in s.content_lines().filter(|l| l.label != Label::Title) {
        writeln!(out, "{}\n", doc.text[l.text_start..l.end].trim())?;
    }
    Ok(())
}

fn print_json(out: &mut impl Write, doc: &Document, lang: &str, s: &Structure) -> Result<()> {
    let title = if s.title.is_empty() { doc.meta.title.trim() } else { s.title.as_str() };
    let record = CleanDoc {
        doc: &doc.id,
        lang,
        title,
        section: &s.section,
        credits: &s.credits,
        source: &s.attributed_source,
        lines: s
            .lines
            .iter()
            .map(|l| CleanLine {
                line: l.number,
                label: l.label,
                reason: l.reason,
                text: doc.text[l.start..l.end].trim(),
            })
            .collect(),
    };
    serde_json::to_writer(&mut *out, &record)?;
    writeln!(out)?;
    Ok(())
}

/// `recoupe clean FILE...`: every input form `run` reads; only the requested output goes to
/// standard output, problems go to standard error.
pub fn clean_command(args: &CleanArgs) -> Result<()> {
    let cfg = InputConfig::from_args(&args.input)?;
    let prepared = Prepared::new(&cfg)?;
    if prepared.sources() == 0 {
        bail!("no input documents found in {:?}", cfg.inputs);
    }
    let model = Model::build()?;
    let limits = Limits { max_line_bytes: cfg.limits.max_line_bytes as usize };
    // First pass, as in `run`: lines recurring across the inputs are site furniture.
    let mut stats = CorpusStats::default();
    let mut docs = 0usize;
    prepared.for_each(|item| {
        if let Item::Doc(raw) = item {
            if let Ok(doc) = decode::decode(raw, limits) {
                stats.observe(&doc);
            }
            docs += 1;
        }
        Ok(())
    })?;
    let stats = stats.seal();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut ok, mut failed) = (0usize, 0usize);
    let result = prepared.for_each(|item| {
        let raw = match item {
            Item::Doc(raw) => raw,
            Item::Error(e) => {
                eprintln!("recoupe: {}: {}", e.doc, e.error);
                failed += 1;
                return Ok(());
            }
            // `for_each` parses every record.
            Item::Record(r) => anyhow::bail!("internal error: record {} left unparsed", r.id),
        };
        let id = raw.id.clone();
        let doc = match decode::decode(raw, limits) {
            Ok(doc) => doc,
            Err(msg) => {
                eprintln!("recoupe: {id}: {msg}");
                failed += 1;
                return Ok(());
            }
        };
        let lang = crate::lang::detect(&doc.text, &doc.meta.lang);
        let s = analyse(&doc, &lang, &model, &stats);
        match args.format {
            CleanFormat::Text => print_text(&mut out, &doc, &s, docs > 1)?,
            CleanFormat::Json => print_json(&mut out, &doc, &lang.code, &s)?,
        }
        ok += 1;
        Ok(())
    });
    let result = result.and_then(|()| out.flush().map_err(Into::into));
    if let Err(e) = result {
        // A closed pipe (`recoupe clean … | head`) is not an error.
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return Ok(());
        }
        return Err(e);
    }
    if ok == 0 {
        bail!("no readable input: all {failed} inputs failed");
    }
    Ok(())
}

/// Precision and recall counts for one class.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    gold: usize,
    predicted: usize,
    correct: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        if self.predicted == 0 { 1.0 } else { self.correct as f64 / self.predicted as f64 }
    }
    fn recall(&self) -> f64 {
        if self.gold == 0 { 1.0 } else { self.correct as f64 / self.gold as f64 }
    }
}

/// Reads a CSV or TSV file with a header into rows of column → value.
fn read_table(path: &Path, delimiter: u8) -> Result<Vec<BTreeMap<String, String>>> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let headers = rdr.headers().with_context(|| format!("reading {}", path.display()))?.clone();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("reading {}", path.display()))?;
        rows.push(
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect(),
        );
    }
    Ok(rows)
}

fn field<'a>(row: &'a BTreeMap<String, String>, names: &[&str]) -> &'a str {
    names.iter().find_map(|n| row.get(*n)).map_or("", String::as_str)
}

/// `recoupe eval lines`: scores `reports/lines.csv` against a gold TSV (columns file or doc,
/// line, label, and an optional note): exact-label accuracy, content-side accuracy, precision
/// and recall per label and per side, and every miss.
pub fn eval_lines(gold: &Path, reports: &Path) -> Result<()> {
    let gold_rows = read_table(gold, b'\t')?;
    let lines_csv = reports.join("lines.csv");
    let predicted: BTreeMap<(String, usize), (String, String)> = read_table(&lines_csv, b',')?
        .into_iter()
        .filter_map(|r| {
            let line = r.get("line")?.parse().ok()?;
            Some((
                (field(&r, &["doc"]).to_string(), line),
                (field(&r, &["label"]).to_string(), field(&r, &["reason"]).to_string()),
            ))
        })
        .collect();
    if gold_rows.is_empty() {
        bail!("{}: no gold lines", gold.display());
    }
    let labels = ["title", "heading", "body", "credit", "boilerplate"];
    let mut per: BTreeMap<&str, Counts> = labels.iter().map(|l| (*l, Counts::default())).collect();
    let (mut content, mut non_content) = (Counts::default(), Counts::default());
    let (mut exact, mut side) = (0usize, 0usize);
    let mut misses = Vec::new();
    let mut docs = std::collections::BTreeSet::new();
    let mut gold_keys = std::collections::BTreeSet::new();
    for r in &gold_rows {
        let doc = field(r, &["file", "doc"]);
        let line: usize = field(r, &["line"])
            .parse()
            .with_context(|| format!("{}: bad line number in {r:?}", gold.display()))?;
        let g = field(r, &["label"]);
        let Some(g_label) = Label::parse(g) else {
            bail!("{}: unknown label {g:?} for {doc} line {line}", gold.display());
        };
        docs.insert(doc.to_string());
        gold_keys.insert((doc, line));
        let (p, reason) = predicted
            .get(&(doc.to_string(), line))
            .map_or(("(missing)", ""), |(l, r)| (l.as_str(), r.as_str()));
        let p_label = Label::parse(p);
        per.get_mut(g).expect("known label").gold += 1;
        if let Some(c) = per.get_mut(p) {
            c.predicted += 1;
        }
        let g_content = g_label.is_content();
        let p_content = p_label.map(Label::is_content);
        let sides = [(true, &mut content), (false, &mut non_content)];
        for (is_content, c) in sides {
            c.gold += usize::from(g_content == is_content);
            c.predicted += usize::from(p_content == Some(is_content));
            c.correct += usize::from(g_content == is_content && p_content == Some(is_content));
        }
        if p_content == Some(g_content) {
            side += 1;
        }
        if p == g {
            exact += 1;
            per.get_mut(g).expect("known label").correct += 1;
        } else {
            misses.push(format!(
                "  {doc}\t{line}\tgold {g}\tgot {p} ({reason})\t{}",
                field(r, &["note"])
            ));
        }
    }
    let n = gold_rows.len();
    let extra = predicted
        .keys()
        .filter(|(d, l)| docs.contains(d) && !gold_keys.contains(&(d.as_str(), *l)))
        .count();
    let pct = |a: usize| 100.0 * a as f64 / n as f64;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{n} gold lines in {} documents; predictions from {}",
        docs.len(),
        lines_csv.display()
    )?;
    writeln!(out, "exact label    {exact:>5}/{n}  {:.1}%", pct(exact))?;
    writeln!(out, "content side   {side:>5}/{n}  {:.1}%", pct(side))?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<34} {:>5} {:>9} {:>7} {:>9} {:>7}",
        "class", "gold", "predicted", "correct", "precision", "recall"
    )?;
    let mut row = |name: &str, c: &Counts| {
        writeln!(
            out,
            "{name:<34} {:>5} {:>9} {:>7} {:>9.3} {:>7.3}",
            c.gold,
            c.predicted,
            c.correct,
            c.precision(),
            c.recall()
        )
    };
    for l in labels {
        row(l, &per[l])?;
    }
    row("content (title+heading+body)", &content)?;
    row("non-content (credit+boilerplate)", &non_content)?;
    if extra > 0 {
        writeln!(out, "\n{extra} lines of these documents in lines.csv are not in the gold file")?;
    }
    writeln!(out, "\n{} misses", misses.len())?;
    for m in &misses {
        writeln!(out, "{m}")?;
    }
    Ok(())
}
