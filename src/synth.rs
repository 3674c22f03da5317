//! `recoupe synth`: a deterministic generator of large, realistic corpora for benchmarks and
//! scale tests.
//!
//! Promise: the same `--docs`, `--seed`, `--format` and source articles give the same bytes,
//! whatever the machine or thread count. Documents come in stories of one to five articles
//! sharing their sentences, entities and numbers (with the occasional conflicting number, as
//! real coverage has), some stories are in other languages, some articles are syndicated
//! copies of another outlet's, and every outlet wraps its articles in its own site furniture.
//! Sentences are recombined from the source articles (`--from`, the bundled corpus by default)
//! and from `data/synth/`; names and numbers are substituted within a class, consistently
//! within a story. Each document is a pure function of (seed, its index), so generation runs
//! in parallel and writes in order.

use crate::cli::{SynthArgs, SynthFormat};
use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// The data of one language: sentences (besides those of the source articles), names that may
/// replace one another, and lines of site furniture.
struct LangData {
    code: &'static str,
    sentences: &'static str,
    entities: &'static str,
    furniture: &'static str,
}

/// Languages the generator writes. Adding one: its files in data/synth/ and a line here.
const LANGS: &[LangData] = &[
    LangData {
        code: "fr",
        sentences: "",
        entities: include_str!("../data/synth/entities-fr.tsv"),
        furniture: include_str!("../data/synth/furniture-fr.txt"),
    },
    LangData {
        code: "en",
        sentences: include_str!("../data/synth/sentences-en.txt"),
        entities: include_str!("../data/synth/entities-en.tsv"),
        furniture: include_str!("../data/synth/furniture-en.txt"),
    },
    LangData {
        code: "de",
        sentences: include_str!("../data/synth/sentences-de.txt"),
        entities: include_str!("../data/synth/entities-de.tsv"),
        furniture: include_str!("../data/synth/furniture-de.txt"),
    },
    LangData {
        code: "es",
        sentences: include_str!("../data/synth/sentences-es.txt"),
        entities: include_str!("../data/synth/entities-es.tsv"),
        furniture: include_str!("../data/synth/furniture-es.txt"),
    },
];
const OUTLETS: &str = include_str!("../data/synth/outlets.tsv");
const PEOPLE: &str = include_str!("../data/synth/people.txt");

/// Share of stories written in the first language (that of the source articles).
const MAIN_LANG_SHARE: f64 = 0.85;
/// Share of a story's later articles that are syndicated copies of its first.
const SYNDICATED_SHARE: f64 = 0.3;
/// Share of articles whose figures conflict with the rest of their story.
const CONFLICT_SHARE: f64 = 0.08;
/// Documents per block; a block is cut into stories.
const BLOCK: usize = 8;

/// SplitMix64: small, fast, and the same on every platform.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(parts: &[u64]) -> Self {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for &p in parts {
            r.0 ^= p;
            r.next();
        }
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

/// A piece of a sentence template.
#[derive(Debug, Clone)]
enum Piece {
    Lit(String),
    /// A name: its class and its index in the class.
    Name(usize, usize),
    /// A run of digits (not a year), replaced by a number of the same length.
    Num(String),
}

type Template = Vec<Piece>;

/// Everything the generator needs for one language.
struct Pool {
    code: &'static str,
    sentences: Vec<Template>,
    /// Names by class.
    classes: Vec<Vec<String>>,
    furniture: Vec<&'static str>,
    outlets: Vec<(String, String)>,
}

fn data_lines(s: &str) -> impl Iterator<Item = &str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Splits a paragraph into sentences: after `.`, `!`, `?` (and a closing quote) followed by a
/// space and an upper-case letter or an opening quote.
fn sentences(paragraph: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
    for w in 0..chars.len() {
        if !matches!(chars[w].1, '.' | '!' | '?') {
            continue;
        }
        let mut j = w + 1;
        if j < chars.len() && matches!(chars[j].1, '»' | '"' | '”') {
            j += 1;
        }
        if j + 1 < chars.len()
            && chars[j].1 == ' '
            && (chars[j + 1].1.is_uppercase() || matches!(chars[j + 1].1, '«' | '"' | '“'))
        {
            let end = chars[j].0;
            out.push(paragraph[start..end].trim());
            start = end;
        }
    }
    out.push(paragraph[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// A sentence worth recombining: a real sentence, not a line of furniture or a list.
fn keep(sentence: &str) -> bool {
    let words = sentence.split_whitespace().count();
    (8..=80).contains(&words)
        && sentence.ends_with(['.', '!', '?', '»', '"', '”'])
        && sentence.chars().next().is_some_and(|c| c.is_uppercase() || matches!(c, '«' | '"'))
}

/// Cuts a sentence into literal text, names of `classes` and numbers.
fn template(sentence: &str, classes: &[Vec<String>]) -> Template {
    let bytes = sentence.as_bytes();
    let boundary = |i: usize| {
        i == 0
            || i >= bytes.len()
            || !sentence[..i].chars().next_back().is_some_and(char::is_alphanumeric)
    };
    let after = |i: usize| {
        i >= bytes.len() || !sentence[i..].chars().next().is_some_and(char::is_alphanumeric)
    };
    // Names, leftmost-longest, not overlapping.
    let mut found: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (c, names) in classes.iter().enumerate() {
        for (k, name) in names.iter().enumerate() {
            for (at, _) in sentence.match_indices(name.as_str()) {
                if boundary(at) && after(at + name.len()) {
                    found.push((at, at + name.len(), c, k));
                }
            }
        }
    }
    found.sort_by_key(|&(s, e, _, _)| (s, std::cmp::Reverse(e)));
    let mut spans: Vec<(usize, usize, Piece)> = Vec::new();
    let mut end = 0;
    for (s, e, c, k) in found {
        if s >= end {
            spans.push((s, e, Piece::Name(c, k)));
            end = e;
        }
    }
    // Numbers in the gaps.
    let mut pieces = Vec::new();
    let mut pos = 0;
    let push_gap = |pieces: &mut Template, gap: &str| {
        let mut lit = String::new();
        let mut digits = String::new();
        for ch in gap.chars() {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            flush_digits(pieces, &mut lit, &mut digits);
            lit.push(ch);
        }
        flush_digits(pieces, &mut lit, &mut digits);
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
    };
    for (s, e, p) in spans {
        push_gap(&mut pieces, &sentence[pos..s]);
        pieces.push(p);
        pos = e;
    }
    push_gap(&mut pieces, &sentence[pos..]);
    pieces
}

fn flush_digits(pieces: &mut Template, lit: &mut String, digits: &mut String) {
    if digits.is_empty() {
        return;
    }
    let year = digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"));
    if year {
        lit.push_str(digits);
    } else {
        if !lit.is_empty() {
            pieces.push(Piece::Lit(std::mem::take(lit)));
        }
        pieces.push(Piece::Num(digits.clone()));
    }
    digits.clear();
}

/// Reads the source articles: every .txt and .md file of `dir`, decoded like `run` decodes.
fn source_texts(dir: &Path) -> Result<Vec<String>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| {
            format!(
                "reading the source articles in {}; run from the repository root or name them \
                 with --from",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "md"))
        .collect();
    files.sort();
    let mut texts = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
        if let Ok((text, _)) = crate::decode::decode_bytes(&bytes) {
            texts.push(crate::decode::canonicalize(&text));
        }
    }
    Ok(texts)
}

fn pools(from: &Path) -> Result<Vec<Pool>> {
    let outlets: Vec<(&str, &str, &str)> = data_lines(OUTLETS)
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?, f.next()?))
        })
        .collect();
    let mut pools: Vec<Pool> = LANGS
        .iter()
        .map(|d| {
            let mut classes: Vec<(String, Vec<String>)> = Vec::new();
            for l in data_lines(d.entities) {
                let Some((class, name)) = l.split_once('\t') else { continue };
                match classes.iter_mut().find(|(c, _)| c == class) {
                    Some((_, names)) => names.push(name.to_string()),
                    None => classes.push((class.to_string(), vec![name.to_string()])),
                }
            }
            let classes: Vec<Vec<String>> = classes.into_iter().map(|(_, n)| n).collect();
            let sentences = data_lines(d.sentences).map(|s| template(s, &classes)).collect();
            Pool {
                code: d.code,
                sentences,
                classes,
                furniture: data_lines(d.furniture).collect(),
                outlets: outlets
                    .iter()
                    .filter(|o| o.2 == d.code)
                    .map(|o| (o.0.to_string(), o.1.to_string()))
                    .collect(),
            }
        })
        .collect();
    for text in source_texts(from)? {
        let lang = crate::lang::detect(&text, "");
        let Some(pool) = pools.iter_mut().find(|p| p.code == lang.code) else { continue };
        for line in text.lines() {
            for s in sentences(line.trim()) {
                if keep(s) {
                    let t = template(s, &pool.classes);
                    pool.sentences.push(t);
                }
            }
        }
    }
    if pools[0].sentences.is_empty() {
        bail!("no sentences found in the source articles of {}", from.display());
    }
    pools.retain(|p| !p.sentences.is_empty() && !p.outlets.is_empty());
    Ok(pools)
}

/// One generated article.
struct Doc {
    id: String,
    title: String,
    /// Page furniture above the title (text format only).
    header: Vec<String>,
    /// Byline, paragraphs and footer.
    body: String,
    outlet: String,
    url: String,
    date: String,
    lang: &'static str,
}

/// The story of document `i`: (story key, position in the story, first document of the story).
fn story_of(seed: u64, i: usize) -> (u64, usize, usize) {
    let block = i / BLOCK;
    let mut r = Rng::new(&[seed, 0xB10C, block as u64]);
    let mut start = block * BLOCK;
    let end = start + BLOCK;
    while start < end {
        let len = [1, 1, 2, 3, 4, 5][r.below(6)].min(end - start);
        if i < start + len {
            return (Rng::new(&[seed, 0x5702, start as u64]).next(), i - start, start);
        }
        start += len;
    }
    unreachable!("every document lies in its block")
}

fn hash(parts: &[u64]) -> u64 {
    Rng::new(parts).next()
}

fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Renders a template for a story (`key`), with conflicting figures when `conflict` is set.
fn render(t: &Template, pool: &Pool, key: u64, conflict: Option<u64>, out: &mut String) {
    for p in t {
        match p {
            Piece::Lit(s) => out.push_str(s),
            Piece::Name(c, k) => {
                let names = &pool.classes[*c];
                let pick = hash(&[key, *c as u64, *k as u64]) as usize % names.len();
                out.push_str(&names[pick]);
            }
            Piece::Num(d) => {
                let h = hash_str(d);
                let v = match conflict {
                    Some(doc) if h % 3 == 0 => hash(&[doc, h]),
                    _ => hash(&[key, h]),
                };
                let len = d.len().min(9) as u32;
                let lo = if len == 1 { 1 } else { 10u64.pow(len - 1) };
                let n = lo + v % (10u64.pow(len) - lo);
                let _ = write!(out, "{n}");
            }
        }
    }
}

fn fill(line: &str, outlet: &str, date: &str, time: &str, author: &str, n: usize) -> String {
    line.replace("{outlet}", outlet)
        .replace("{date}", date)
        .replace("{time}", time)
        .replace("{year}", &date[..4])
        .replace("{author}", author)
        .replace("{n}", &n.to_string())
}

/// Generates document `i`.
fn generate(i: usize, seed: u64, pools: &[Pool], people: &[&str]) -> Doc {
    let (key, pos, first) = story_of(seed, i);
    let mut sr = Rng::new(&[key, 1]);
    let pool = if sr.chance(MAIN_LANG_SHARE) || pools.len() == 1 {
        &pools[0]
    } else {
        &pools[1 + sr.below(pools.len() - 1)]
    };
    // The story: its sentences in their first order, its day.
    let n = sr.range(6, 14).min(pool.sentences.len().max(1));
    let story: Vec<usize> = (0..n).map(|_| sr.below(pool.sentences.len())).collect();
    let day = sr.below(5 * 365);
    let (y, m, d) = (2019 + day / 365, 1 + (day % 365) / 31 % 12, 1 + day % 28);
    let date = format!("{y:04}-{m:02}-{d:02}");

    let mut dr = Rng::new(&[seed, 0xD0C, i as u64]);
    let syndicated = pos > 0 && dr.chance(SYNDICATED_SHARE);
    // A syndicated copy carries the first article's text under another outlet.
    let text_of = if syndicated { first } else { i };
    let mut tr = Rng::new(&[seed, 0x7E47, text_of as u64]);
    let mut order: Vec<usize> = story.clone();
    if text_of != first {
        order.retain(|_| !tr.chance(0.2));
        if order.len() > 2 {
            let a = tr.below(order.len());
            let b = tr.below(order.len());
            order.swap(a, b);
        }
    }
    let conflict = (text_of != first && tr.chance(CONFLICT_SHARE)).then_some(text_of as u64);

    let (outlet, domain) = &pool.outlets[dr.below(pool.outlets.len())];
    let outlet_no = hash_str(outlet);
    let author = people[tr.below(people.len())];
    let time = format!("{:02}h{:02}", 6 + dr.below(16), dr.below(60));
    let time = if pool.code == "fr" { time } else { time.replace('h', ":") };
    // Site furniture: each outlet always uses the same header and footer lines.
    let mut or = Rng::new(&[seed, 0x0017, outlet_no]);
    let f = &pool.furniture;
    // Distinct lines: a shuffled prefix of the outlet's furniture.
    let mut lines: Vec<usize> = (0..f.len()).collect();
    for k in (1..lines.len()).rev() {
        lines.swap(k, or.below(k + 1));
    }
    let (nh, nf) = (or.range(1, 3), or.range(2, 5));
    let header: Vec<String> = lines[..nh.min(lines.len())]
        .iter()
        .map(|&l| fill(f[l], outlet, &date, &time, author, or.range(2, 9)))
        .collect();
    let footer: Vec<String> = lines[nh.min(lines.len())..(nh + nf).min(lines.len())]
        .iter()
        .map(|&l| fill(f[l], outlet, &date, &time, author, dr.range(0, 40)))
        .collect();

    let mut body = String::with_capacity(3000);
    let byline = f.iter().find(|l| l.contains("{author}")).copied().unwrap_or("{author}");
    body.push_str(&fill(byline, outlet, &date, &time, author, 0));
    body.push_str("\n\n");
    let mut title = String::new();
    render(&pool.sentences[story[0]], pool, key, None, &mut title);
    let title = title_of(&title);
    let mut k = 0;
    while k < order.len() {
        let per = tr.range(1, 3);
        for (j, &s) in order[k..(k + per).min(order.len())].iter().enumerate() {
            if j > 0 {
                body.push(' ');
            }
            render(&pool.sentences[s], pool, key, conflict, &mut body);
        }
        body.push_str("\n\n");
        k += per;
    }
    for l in &footer {
        body.push_str(l);
        body.push('\n');
    }
    let slug: String = title
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .filter(char::is_ascii)
        .take(40)
        .collect();
    Doc {
        id: format!("synth-{i:07}"),
        url: format!("https://{domain}/{date}/{}-{i}.html", slug.trim_matches('-')),
        title,
        header,
        body,
        outlet: outlet.clone(),
        date,
        lang: pool.code,
    }
}

/// A title from a sentence: its first clause, at most 14 words, without final punctuation.
fn title_of(sentence: &str) -> String {
    let clause = sentence.split([',', ';', ':']).next().unwrap_or(sentence);
    let words: Vec<&str> = clause.split_whitespace().take(14).collect();
    words.join(" ").trim_end_matches(['.', '!', '?']).to_string()
}

/// The article as a text file holds it: header furniture, title, byline, body, footer.
fn page_text(d: &Doc) -> String {
    let mut text = String::with_capacity(d.body.len() + 200);
    for h in &d.header {
        text.push_str(h);
        text.push('\n');
    }
    text.push_str(&d.title);
    text.push_str("\n\n");
    text.push_str(&d.body);
    text
}

/// A synthetic corpus in memory, as (document id, text-file contents), for benches: the same
/// documents `recoupe synth --format txt` writes.
pub fn texts(docs: usize, seed: u64, from: &Path) -> Result<Vec<(String, String)>> {
    let pools = pools(from)?;
    let people: Vec<&str> = data_lines(PEOPLE).collect();
    Ok((0..docs)
        .into_par_iter()
        .map(|i| {
            let d = generate(i, seed, &pools, &people);
            (d.id.clone(), page_text(&d))
        })
        .collect())
}

/// `recoupe synth`.
pub fn synth_command(args: &SynthArgs) -> Result<()> {
    if args.out.exists()
        && std::fs::read_dir(&args.out).map(|mut d| d.next().is_some()).unwrap_or(true)
    {
        bail!("--out {} exists and is not an empty directory", args.out.display());
    }
    let pools = pools(&args.from)?;
    let people: Vec<&str> = data_lines(PEOPLE).collect();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let chunk = 4096;
    match args.format {
        SynthFormat::JsonlGz => {
            let path = args.out.join("synth.jsonl.gz");
            let file = std::fs::File::create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut gz = flate2::write::GzEncoder::new(
                std::io::BufWriter::with_capacity(1 << 20, file),
                flate2::Compression::fast(),
            );
            for start in (0..args.docs).step_by(chunk) {
                let lines: Vec<String> = (start..(start + chunk).min(args.docs))
                    .into_par_iter()
                    .map(|i| {
                        let d = generate(i, args.seed, &pools, &people);
                        let mut line = serde_json::json!({
                            "id": d.id,
                            "title": d.title,
                            "text": d.body,
                            "source_domain": d.outlet,
                            "date_publish": d.date,
                            "url": d.url,
                            "language": d.lang,
                        })
                        .to_string();
                        line.push('\n');
                        line
                    })
                    .collect();
                for l in lines {
                    gz.write_all(l.as_bytes())?;
                }
            }
            gz.finish()?.flush()?;
        }
        SynthFormat::Txt => {
            let mut manifest = csv::Writer::from_path(args.out.join("manifest.csv"))?;
            manifest.write_record(["file", "outlet", "url", "date", "language"])?;
            for start in (0..args.docs).step_by(chunk) {
                let docs: Vec<(String, Doc)> = (start..(start + chunk).min(args.docs))
                    .into_par_iter()
                    .map(|i| {
                        let d = generate(i, args.seed, &pools, &people);
                        (page_text(&d), d)
                    })
                    .collect();
                for (k, (text, d)) in docs.into_iter().enumerate() {
                    let i = start + k;
                    let rel = format!("{:04}/{i:07}.txt", i / 1000);
                    if i % 1000 == 0 || k == 0 {
                        std::fs::create_dir_all(args.out.join(format!("{:04}", i / 1000)))?;
                    }
                    std::fs::write(args.out.join(&rel), text)
                        .with_context(|| format!("writing {rel}"))?;
                    manifest.write_record([rel.as_str(), &d.outlet, &d.url, &d.date, d.lang])?;
                }
            }
            manifest.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sentences() {
        let s = sentences("Le Maroc a signé. Les États-Unis non ! « Jamais », dit-il. Fin");
        assert_eq!(s, ["Le Maroc a signé.", "Les États-Unis non !", "« Jamais », dit-il.", "Fin"]);
    }

    #[test]
    fn templates_find_names_and_numbers() {
        let classes = vec![vec!["Maroc".to_string(), "Inde".to_string()]];
        let t = template("Le Maroc et l'Inde : 37 pays en 2021, pas Marocains.", &classes);
        let names = t.iter().filter(|p| matches!(p, Piece::Name(..))).count();
        let nums: Vec<&str> = t
            .iter()
            .filter_map(|p| if let Piece::Num(d) = p { Some(d.as_str()) } else { None })
            .collect();
        assert_eq!((names, nums), (2, vec!["37"]));
    }

    #[test]
    fn stories_cover_every_document_once() {
        for i in 0..200 {
            let (_, pos, first) = story_of(3, i);
            assert_eq!(first + pos, i);
            assert!(pos < 5);
        }
    }
}
