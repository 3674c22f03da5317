//! `recoupe eval mentions`: scores `mentions.csv` against a gold TSV.
//!
//! Takes a gold file in the format of `gold/seeds/mentions.tsv` (`file line char_start surface
//! entity kind note`) and a reports directory; prints precision, recall and F1 over distinct
//! (doc, line, entity) triples, overall and per type and kind, then the misses and the false
//! hits. Gold rows of kind `garbled` (machine-translation artifacts) are optional: they are not
//! counted as misses, and finding them is not a false hit. Only documents the gold file names
//! are scored.

use super::kb::Kb;
use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

type Key = (String, usize, String);

/// Counts for one scope.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Score {
    pub gold: usize,
    pub found: usize,
    pub correct_found: usize,
    pub correct_gold: usize,
}

impl Score {
    pub fn precision(&self) -> f64 {
        if self.found == 0 { 1.0 } else { self.correct_found as f64 / self.found as f64 }
    }
    pub fn recall(&self) -> f64 {
        if self.gold == 0 { 1.0 } else { self.correct_gold as f64 / self.gold as f64 }
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

/// The evaluation: scores per scope and the lists of errors.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// "all", "type:country", "kind:name"…
    pub scores: BTreeMap<String, Score>,
    /// (doc, line, entity, surface) missed.
    pub misses: Vec<(String, usize, String, String)>,
    /// (doc, line, entity, surface) found but not in the gold.
    pub false_hits: Vec<(String, usize, String, String)>,
}

/// Scores `reports/mentions.csv` against `gold`.
pub fn evaluate(gold: &Path, reports: &Path) -> Result<Evaluation> {
    let kb = Kb::load(&[])?;
    let type_of = |id: &str, fallback: &str| -> String {
        kb.get(id).map_or_else(|| fallback.to_string(), |e| e.etype.to_string())
    };
    let text = std::fs::read_to_string(gold)
        .with_context(|| format!("reading the gold file {}", gold.display()))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(cf), Some(cl), Some(ce), Some(ck)) =
        (col("file"), col("line"), col("entity"), col("kind"))
    else {
        bail!("{}: the header must name the columns file, line, entity and kind", gold.display());
    };
    let cs = col("surface");
    let mut gold_set: BTreeMap<Key, (String, String)> = BTreeMap::new(); // key → (kind, surface)
    let mut optional: BTreeSet<Key> = BTreeSet::new();
    let mut docs: BTreeSet<String> = BTreeSet::new();
    for (n, l) in lines.enumerate() {
        let c: Vec<&str> = l.split('\t').collect();
        let get = |i: usize| c.get(i).copied().unwrap_or("");
        let line: usize = get(cl)
            .parse()
            .with_context(|| format!("{}:{}: bad line number", gold.display(), n + 2))?;
        let key = (get(cf).to_string(), line, get(ce).to_string());
        docs.insert(key.0.clone());
        if get(ck) == "garbled" {
            optional.insert(key);
        } else {
            let surface = cs.map_or("", get).to_string();
            gold_set.entry(key).or_insert((get(ck).to_string(), surface));
        }
    }

    let path = reports.join("mentions.csv");
    let mut rdr = csv::Reader::from_path(&path)
        .with_context(|| format!("reading {}; run `recoupe run` first", path.display()))?;
    let headers = rdr.headers()?.clone();
    let idx = |name: &str| headers.iter().position(|h| h == name);
    let (Some(rd), Some(rl), Some(re)) = (idx("doc"), idx("line"), idx("entity")) else {
        bail!("{}: missing doc, line or entity column", path.display());
    };
    let (rk, rt, rs) = (idx("kind"), idx("type"), idx("surface"));
    let mut found: BTreeMap<Key, (String, String, String)> = BTreeMap::new(); // kind, type, surface
    for r in rdr.records() {
        let r = r.with_context(|| format!("reading {}", path.display()))?;
        let doc = r.get(rd).unwrap_or("").to_string();
        if !docs.contains(&doc) {
            continue;
        }
        let line: usize = r.get(rl).unwrap_or("0").parse().unwrap_or(0);
        let key = (doc, line, r.get(re).unwrap_or("").to_string());
        let get = |i: Option<usize>| i.and_then(|i| r.get(i)).unwrap_or("").to_string();
        found.entry(key).or_insert((get(rk), get(rt), get(rs)));
    }

    let mut ev = Evaluation::default();
    let mut bump = |scope: String, f: &dyn Fn(&mut Score)| f(ev.scores.entry(scope).or_default());
    for (key, (kind, surface)) in &gold_set {
        let t = type_of(&key.2, found.get(key).map_or("", |f| f.1.as_str()));
        let hit = found.contains_key(key);
        for scope in ["all".to_string(), format!("type:{t}"), format!("kind:{kind}")] {
            bump(scope, &|s| {
                s.gold += 1;
                if hit {
                    s.correct_gold += 1;
                }
            });
        }
        if !hit {
            ev.misses.push((key.0.clone(), key.1, key.2.clone(), surface.clone()));
        }
    }
    let mut kind_of_gold: HashMap<&Key, &str> = HashMap::new();
    for (k, (kind, _)) in &gold_set {
        kind_of_gold.insert(k, kind);
    }
    for (key, (kind, etype, surface)) in &found {
        if optional.contains(key) {
            continue;
        }
        let ok = gold_set.contains_key(key);
        let t = type_of(&key.2, etype);
        // A correct find counts under the gold's kind, so per-kind precision and recall agree.
        let kind = kind_of_gold.get(key).copied().unwrap_or(kind.as_str()).to_string();
        for scope in ["all".to_string(), format!("type:{t}"), format!("kind:{kind}")] {
            bump(scope, &|s| {
                s.found += 1;
                if ok {
                    s.correct_found += 1;
                }
            });
        }
        if !ok {
            ev.false_hits.push((key.0.clone(), key.1, key.2.clone(), surface.clone()));
        }
    }
    Ok(ev)
}

impl Evaluation {
    /// The human report.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<20} {:>6} {:>6} {:>9} {:>7} {:>7}",
            "scope", "gold", "found", "precision", "recall", "f1"
        );
        let mut order: Vec<&String> = self.scores.keys().collect();
        order.sort_by_key(|k| (*k != "all", k.starts_with("kind:"), (*k).clone()));
        for k in order {
            let sc = &self.scores[k];
            let _ = writeln!(
                s,
                "{:<20} {:>6} {:>6} {:>9.3} {:>7.3} {:>7.3}",
                k,
                sc.gold,
                sc.found,
                sc.precision(),
                sc.recall(),
                sc.f1()
            );
        }
        let _ = writeln!(s, "\nmisses ({}):", self.misses.len());
        for (d, l, e, surf) in &self.misses {
            let _ = writeln!(s, "  {d}:{l}\t{e}\t{surf}");
        }
        let _ = writeln!(s, "\nfalse hits ({}):", self.false_hits.len());
        for (d, l, e, surf) in &self.false_hits {
            let _ = writeln!(s, "  {d}:{l}\t{e}\t{surf}");
        }
        s
    }
}

/// `recoupe eval mentions`: scores `reports/mentions.csv` against a gold TSV.
pub fn eval_mentions(gold: &Path, reports: &Path) -> Result<()> {
    let ev = evaluate(gold, reports)?;
    print!("{}", ev.render());
    Ok(())
}
