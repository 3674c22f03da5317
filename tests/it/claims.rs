//! Claims and the consistency report: quantities, lists, quotes, stories and copies, checked
//! on the bundled corpus against ../shared/gold/seeds/findings.tsv and on articles of our own.

use super::util::*;
use recoupe::analysis::{DocAnalysis, DocInfo};
use recoupe::document::{Document, Meta};
use recoupe::entities::Mention;
use std::collections::BTreeMap;

/// (type, entity) of the gold knowledge base.
fn gold_types() -> BTreeMap<String, String> {
    let kb = std::fs::read_to_string(shared().join("gold/seeds/kb.tsv")).expect("gold kb");
    kb.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() > 1).then(|| (c[0].to_string(), c[1].to_string()))
        })
        .collect()
}

/// The gold mentions of one seed document, as the entity stage would give them.
fn gold_mentions(file: &str, text: &str) -> Vec<Mention> {
    let types = gold_types();
    let gold = std::fs::read_to_string(shared().join("gold/seeds/mentions.tsv")).expect("gold");
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let mut out = Vec::new();
    for l in gold.lines().skip(1) {
        let c: Vec<&str> = l.split('\t').collect();
        if c[0] != file {
            continue;
        }
        let line: usize = c[1].parse().unwrap();
        let cs: usize = c[2].parse().unwrap();
        let ls = line_starts[line - 1];
        let lt = &text[ls..];
        let bs = ls + lt.char_indices().nth(cs).map_or(lt.len(), |x| x.0);
        let be = bs + c[3].len();
        assert_eq!(&text[bs..be], c[3], "{file}:{line}");
        out.push(Mention {
            line,
            char_start: cs,
            char_end: cs + c[3].chars().count(),
            byte_start: bs,
            byte_end: be,
            surface: c[3].to_string(),
            entity: c[4].to_string(),
            // A mention's type and kind are static (the knowledge base's); a test's few gold
            // ones are leaked.
            etype: types.get(c[4]).cloned().unwrap_or_default().leak(),
            kind: c[5].to_string().leak(),
            confidence: 1.0,
        });
    }
    out
}

/// Analyses a text in-process with the given mentions (the entity stage bypassed).
fn analyse_with(
    index: usize,
    id: &str,
    outlet: &str,
    text: &str,
    mentions: Vec<Mention>,
) -> DocAnalysis {
    let model = recoupe::model::Model::build(&[]).unwrap();
    let doc = Document {
        index,
        id: id.to_string(),
        path: id.to_string(),
        record_id: String::new(),
        meta: Meta { outlet: outlet.to_string(), ..Default::default() },
        encoding: "utf-8".into(),
        bytes: text.len(),
        text: text.to_string(),
    };
    let lang = recoupe::lang::detect(text, "");
    let structure = recoupe::structure::analyse(&doc, &lang, &model.structure, &Default::default());
    let claims = recoupe::claims::extract(&doc, &lang, &structure, &mentions, &model.claims);
    let info = DocInfo {
        index,
        doc: id.to_string(),
        path: id.to_string(),
        record_id: String::new(),
        outlet: outlet.to_string(),
        date: String::new(),
        url: String::new(),
        lang,
        encoding: "utf-8".into(),
        bytes: text.len(),
        chars: text.chars().count(),
        lines: text.lines().count(),
        title: text.lines().next().unwrap_or("").to_string(),
        section: String::new(),
        credits: Vec::new(),
        source: String::new(),
    };
    DocAnalysis { info, structure, mentions, claims }
}

/// The seed corpus analysed with the gold mentions.
fn seeds_with_gold_mentions() -> recoupe::align::Corpus {
    let mut files: Vec<_> = std::fs::read_dir(repo().join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".txt"))
        .collect();
    files.sort();
    let mut agg = recoupe::align::Aggregator::default();
    for (i, f) in files.iter().enumerate() {
        let text = std::fs::read_to_string(repo().join("corpus").join(f)).unwrap();
        let m = gold_mentions(f, &text);
        agg.add(analyse_with(i, f, "", &text, m));
    }
    agg.finish(&recoupe::entities::Model::build(&[]).unwrap())
}

#[test]
#[ignore = "debugging aid: prints the claims of the seeds"]
fn print_seed_claims() {
    let mut files: Vec<_> = std::fs::read_dir(repo().join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".txt"))
        .collect();
    files.sort();
    for (i, f) in files.iter().enumerate() {
        let text = std::fs::read_to_string(repo().join("corpus").join(f)).unwrap();
        let a = analyse_with(i, f, "", &text, gold_mentions(f, &text));
        for c in &a.claims.claims {
            println!(
                "{} l{} {:?} {} = {} {} {} [{}] days={:?} spk={} {}",
                &f[..3],
                c.line,
                c.kind,
                c.key,
                c.value,
                c.unit,
                c.approx,
                c.surface,
                c.days,
                c.speaker,
                if c.derived { "(derived)" } else { "" }
            );
        }
    }
    let corpus = seeds_with_gold_mentions();
    std::fs::write(
        std::env::temp_dir().join("seed_report.md"),
        recoupe::report::markdown::render(&corpus.report),
    )
    .unwrap();
    for st in &corpus.report.stories {
        println!(
            "== {} {:?} copies={:?}",
            st.id,
            st.docs,
            st.copies.iter().map(|c| &c.doc).collect::<Vec<_>>()
        );
        for f in &st.findings {
            let src: Vec<&str> = f.sources.iter().map(|s| &s[..3]).collect();
            println!(
                "{:?} {:?} {} {:?} {:?} {}",
                f.status, f.consistent, f.key, f.values, src, f.note
            );
        }
        for g in &st.quotes {
            let m: Vec<String> =
                g.members.iter().map(|m| format!("{}:{}", &m.doc[..3], m.line)).collect();
            println!("{} {} {} {:?}", g.id, g.status, g.speaker, m);
        }
        for v in &st.variants {
            let f: Vec<String> =
                v.forms.iter().map(|f| format!("{}({})", f.surface, f.docs.len())).collect();
            println!("variant {} {:?}", v.entity, f);
        }
    }
}

/// How a gold finding shows in our report.
enum Expect {
    /// A finding with this key, and optionally its value as shown.
    Finding(&'static str, Option<&'static str>),
    /// Several findings, one per key (F28 lists four counts).
    Findings(&'static [(&'static str, &'static str)]),
    /// A name variant: entity, and (surface, documents) pairs.
    Variant(&'static str, &'static [(&'static str, &'static str)]),
    /// A quote group with members in these documents (doc prefix, line) and a word that
    /// must appear in the diff.
    Quote(&'static [(&'static str, usize)], &'static str),
}

/// The mapping from each gold row to our keys. It lives here, not in the code: the code only
/// knows general rules.
fn mapping(id: &str) -> Expect {
    use Expect::*;
    match id {
        "F01" => Finding("count:countries|after", Some("37")),
        "F02" => Finding("count:countries|before", Some("102")),
        "F03" => Finding("count:countries|removed", Some("65")),
        "F04" => Finding("arith:countries|before-after=removed", None),
        "F05" => Finding("list_count:countries", None),
        "F06" => Finding("member:country|MA", Some("out")),
        "F07" => Finding("member:country|SA", Some("out")),
        "F08" => Finding("member:country|AE", Some("out")),
        "F09" => Finding("member:country|BH", Some("out")),
        "F10" => Finding("member:country|MX", Some("out")),
        "F11" => Finding("member:country|IN", Some("in")),
        "F12" => Finding("member:company|nso-group", Some("in")),
        "F13" => Finding("event:list_in|company", Some("wednesday")),
        "F14" => Finding("count:companies|added", Some("4")),
        "F15" => Finding("count:companies[IL]|added", Some("2")),
        "F16" => Variant("candiru", &[("Candira", "003"), ("Candiru", "000 002 004")]),
        "F17" => Variant(
            "calcalist",
            &[("Calcaliste", "000"), ("Calcalist", "002"), ("Calcalist Business News", "001")],
        ),
        "F18" => Variant("pegasus", &[("Pégase", "000"), ("Pegasus", "001 002 003 004")]),
        "F19" => Quote(&[("003", 21), ("004", 11)], "commercialisent"),
        "F20" => Quote(&[("003", 7), ("004", 3), ("004", 9)], ""),
        "F21" => Finding("duration:hours|before", Some("1 hours")),
        "F22" => Finding("event:report|calcalist", Some("thursday")),
        "F23" => Finding("event:lawsuit|nso-group|2019", None),
        "F24" => Finding("count:users|", Some("1400")),
        "F25" => Finding("money:USD:debt|", Some("~500000000 USD")),
        "F26" => Finding("money:USD|valuation", Some(">1000000000 USD")),
        "F27" => Finding("count:media|", Some("17")),
        "F28" => Findings(&[
            ("count:journalists|", "~180"),
            ("count:politicians|", "600"),
            ("count:human-rights activists|", "85"),
            ("count:business owners|", "65"),
        ]),
        other => panic!("no mapping for gold finding {other}"),
    }
}

/// The status a gold row states, in our vocabulary.
fn gold_status(kind: &str, expected: &str, sources: usize) -> &'static str {
    match kind {
        "arithmetic" | "list_count" => "derived",
        _ if expected.contains(" vs ") => "conflict",
        "membership" if expected == "single source" => "single",
        _ if sources < 2 => "single",
        _ => "agree",
    }
}

/// Asserts every finding of ../shared/gold/seeds/findings.tsv in `report`; returns the ids
/// checked.
fn check_gold_findings(report: &recoupe::align::Report) -> Vec<String> {
    let gold =
        std::fs::read_to_string(shared().join("gold/seeds/findings.tsv")).expect("gold findings");
    assert_eq!(report.stories.len(), 1, "the five seeds are one story");
    let story = &report.stories[0];
    let prefix = |d: &str| d[..3].to_string();
    let mut checked = Vec::new();
    for line in gold.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let (id, kind, expected, sources) = (c[0], c[1], c[3], c[4]);
        let gold_sources: Vec<&str> = sources.split_whitespace().collect();
        let status = gold_status(kind, expected, gold_sources.len());
        let check_finding = |key: &str, value: Option<&str>, status: &str| {
            let f = story
                .findings
                .iter()
                .find(|f| f.key == key)
                .unwrap_or_else(|| panic!("{id}: no finding {key}"));
            assert_eq!(f.status.as_str(), status, "{id}: {key} status ({:?})", f.values);
            let ours: Vec<String> = f.sources.iter().map(|s| prefix(s)).collect();
            for s in &gold_sources {
                assert!(ours.iter().any(|o| o == s), "{id}: {key} lacks source {s}: {ours:?}");
            }
            if status == "single" {
                assert_eq!(ours, gold_sources, "{id}: {key} single source");
            }
            if let Some(v) = value {
                assert_eq!(f.values, [v], "{id}: {key} value");
            }
            if status == "derived" {
                assert_eq!(f.consistent, Some(true), "{id}: {key} consistency");
            }
        };
        match mapping(id) {
            Expect::Finding(key, value) => check_finding(key, value, status),
            Expect::Findings(list) => {
                for (key, value) in list {
                    check_finding(key, Some(value), status);
                }
            }
            Expect::Variant(entity, forms) => {
                let v = story
                    .variants
                    .iter()
                    .find(|v| v.entity == entity)
                    .unwrap_or_else(|| panic!("{id}: no variants for {entity}"));
                for (surface, docs) in forms {
                    let f = v
                        .forms
                        .iter()
                        .find(|f| f.surface == *surface)
                        .unwrap_or_else(|| panic!("{id}: {entity} lacks form {surface}"));
                    let ours: Vec<String> = f.docs.iter().map(|d| prefix(d)).collect();
                    assert_eq!(ours.join(" "), *docs, "{id}: documents writing {surface}");
                }
            }
            Expect::Quote(members, word) => {
                let g = story
                    .quotes
                    .iter()
                    .find(|g| {
                        members.iter().all(|(d, l)| {
                            g.members.iter().any(|m| prefix(&m.doc) == *d && m.line == *l)
                        })
                    })
                    .unwrap_or_else(|| panic!("{id}: no quote group with {members:?}"));
                assert_eq!(g.status, "variant", "{id}: same quote, different wording");
                if !word.is_empty() {
                    let diffed = g
                        .members
                        .iter()
                        .any(|m| m.diff.iter().any(|d| d.op != "equal" && d.text.contains(word)));
                    assert!(diffed, "{id}: the diff shows {word}");
                }
            }
        }
        checked.push(id.to_string());
    }
    checked
}

#[test]
fn gold_findings_with_gold_mentions() {
    // The claims and alignment stages alone: mentions come from the gold file, so an entity
    // miss cannot hide a claims regression (and vice versa).
    let corpus = seeds_with_gold_mentions();
    let checked = check_gold_findings(&corpus.report);
    assert_eq!(checked.len(), 28);
}

#[test]
fn gold_findings_in_bundled_reports() {
    let dir = Dir::new();
    let out = dir.run_bundled("r");
    let report: recoupe::align::Report =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(check_gold_findings(&report).len(), 28);
    // The CSV views carry the same findings.
    let rows = read_csv(&out.join("consistency.csv"));
    let f01 = rows.iter().find(|r| r["key"] == "count:countries|after").expect("F01 row");
    assert_eq!((f01["status"].as_str(), f01["values"].as_str()), ("agree", "37"));
}

/// A tiny mention finder for our own articles: (surface, entity, type, kind).
const ALIASES: &[(&str, &str, &str, &str)] = &[
    ("Japon", "JP", "country", "name"),
    ("Japan", "JP", "country", "name"),
    ("japonais", "JP", "country", "demonym"),
    ("France", "FR", "country", "name"),
    ("Allemagne", "DE", "country", "name"),
    ("Germany", "DE", "country", "name"),
    ("Italie", "IT", "country", "name"),
    ("Italy", "IT", "country", "name"),
    ("Espagne", "ES", "country", "name"),
    ("Spain", "ES", "country", "name"),
    ("Brésil", "BR", "country", "name"),
    ("Brazil", "BR", "country", "name"),
    ("Inde", "IN", "country", "name"),
    ("India", "IN", "country", "name"),
    ("Mexique", "MX", "country", "name"),
    ("Mexico", "MX", "country", "name"),
    ("Asahi", "asahi", "media", "name"),
    ("Kenji Sato", "kenji-sato", "person", "name"),
];

fn find_mentions(text: &str) -> Vec<Mention> {
    let mut out = Vec::new();
    for (surface, entity, etype, kind) in ALIASES {
        for (bs, _) in text.match_indices(surface) {
            let be = bs + surface.len();
            let before = text[..bs].chars().next_back().is_some_and(char::is_alphanumeric);
            let after = text[be..].chars().next().is_some_and(char::is_alphanumeric);
            if before || after {
                continue;
            }
            let ls = text[..bs].rfind('\n').map_or(0, |i| i + 1);
            let cs = text[ls..bs].chars().count();
            out.push(Mention {
                line: text[..bs].matches('\n').count() + 1,
                char_start: cs,
                char_end: cs + surface.chars().count(),
                byte_start: bs,
                byte_end: be,
                surface: surface.to_string(),
                entity: entity.to_string(),
                etype,
                kind,
                confidence: 1.0,
            });
        }
    }
    out.sort_by_key(|m| m.byte_start);
    out
}

const FR_ORIGINAL: &str = "Le Japon réduit sa liste d'exportation de drones militaires\n\n\
Le ministère japonais de la Défense a réduit à 12 pays, contre 30 auparavant, la liste des pays \
autorisés à acheter ses drones militaires, selon le quotidien Asahi publié mardi.\n\n\
La liste comprend désormais la France, l'Allemagne, l'Italie et l'Espagne. Le Brésil, l'Inde et \
le Mexique ont été supprimés de la liste.\n\n\
« Nous voulons que nos drones ne servent qu'à des pays qui respectent le droit international », \
a déclaré le ministre Kenji Sato lors d'une conférence de presse à Tokyo.\n";

/// The same dispatch, picked up by another outlet with a new title and one word changed.
const FR_COPY: &str = "Drones : Tokyo resserre ses exportations\n\n\
Le ministère japonais de la Défense a réduit à 12 pays, contre 30 auparavant, la liste des pays \
autorisés à acheter ses drones militaires, selon le quotidien Asahi publié mardi.\n\n\
La liste comprend désormais la France, l'Allemagne, l'Italie et l'Espagne. Le Brésil, l'Inde et \
le Mexique ont été supprimés de la liste.\n\n\
« Nous voulons que nos drones ne servent qu'à des pays qui respectent le droit international », \
a déclaré le ministre Kenji Sato lors d'une conférence à Tokyo.\n";

/// An independent English report: a different count, and India still on the list.
const EN_OTHER: &str = "Japan cuts its military drone export list\n\n\
Japan's Defense Ministry has cut the list of countries allowed to buy its military drones to 15, \
down from 30, the Asahi newspaper reported on Tuesday.\n\n\
The list now includes France, Germany, India and Spain. Brazil and Mexico were dropped from the \
list.\n\n\
\"We want our drones to serve only countries that respect international law,\" Kenji Sato said at \
a news conference.\n";

fn own_corpus() -> recoupe::align::Corpus {
    let mut agg = recoupe::align::Aggregator::default();
    for (i, (id, outlet, text)) in [
        ("a-fr.txt", "Le Quotidien", FR_ORIGINAL),
        ("b-en.txt", "The Herald", EN_OTHER),
        ("c-fr.txt", "La Gazette", FR_COPY),
    ]
    .into_iter()
    .enumerate()
    {
        agg.add(analyse_with(i, id, outlet, text, find_mentions(text)));
    }
    agg.finish(&recoupe::entities::Model::build(&[]).unwrap())
}

#[test]
fn conflicts_and_copies_across_languages() {
    let corpus = own_corpus();
    let r = &corpus.report;
    assert_eq!(r.stories.len(), 1, "one story in two languages");
    let s = &r.stories[0];
    // The copy is detected and points at the original.
    assert_eq!(s.copies.len(), 1);
    assert_eq!((s.copies[0].doc.as_str(), s.copies[0].original.as_str()), ("c-fr.txt", "a-fr.txt"));
    assert_eq!(s.summary.independent, 2);
    let f = |key: &str| {
        s.findings.iter().find(|f| f.key == key).unwrap_or_else(|| panic!("no finding {key}"))
    };
    // Two outlets, two numbers for the same thing, across French and English.
    let after = f("count:countries|after");
    assert_eq!(after.status.as_str(), "conflict");
    assert_eq!(after.values, ["12", "15"]);
    assert_eq!(f("count:countries|before").status.as_str(), "agree");
    // One outlet keeps India on the list, the other says it was removed.
    let india = f("member:country|IN");
    assert_eq!(india.status.as_str(), "conflict");
    let grid = s.lists.iter().find(|l| l.key == "list:country").expect("country grid");
    let row = grid.rows.iter().find(|r| r.entity == "IN").unwrap();
    let states: Vec<&str> = row.cells.iter().map(|c| c.state.as_str()).collect();
    assert_eq!(states, ["out", "in", "out"]);
    // Italy is named by the original and its copy only: one source, not two.
    let italy = f("member:country|IT");
    assert_eq!(italy.status.as_str(), "single");
    assert_eq!(italy.sources.iter().map(|s| &**s).collect::<Vec<_>>(), ["a-fr.txt", "c-fr.txt"]);
    assert_eq!(italy.cells[1].copy_of.as_deref(), Some("a-fr.txt"));
    // Where all three agree, the copy does not add a confirmation, but two outlets still agree.
    assert_eq!(f("member:country|MX").status.as_str(), "agree");
    assert_eq!(f("event:report|asahi").values, ["tuesday"]);
    // The quote of the original and its copy is one group; the English one is a translation.
    let q = s.quotes.iter().find(|g| g.members.len() == 2).expect("quote group");
    assert_eq!(q.speaker, "kenji-sato");
    assert_eq!(q.status, "same");
}

#[test]
fn own_articles_reports_are_written() {
    // The same articles through the real binary: the reports exist and parse.
    let dir = Dir::new();
    dir.write("in/a-fr.txt", FR_ORIGINAL);
    dir.write("in/b-en.txt", EN_OTHER);
    dir.write("in/c-fr.txt", FR_COPY);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let report: recoupe::align::Report =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    let docs: Vec<(&str, Option<&str>)> =
        report.documents.iter().map(|d| (d.doc.as_str(), d.copy_of.as_deref())).collect();
    assert_eq!(docs, [("a-fr.txt", None), ("b-en.txt", None), ("c-fr.txt", Some("a-fr.txt"))]);
    let docs = dir.csv("r/documents.csv");
    assert_eq!(docs[0]["story"], docs[2]["story"], "a copy is in its original's story");
    // The English report joins the story through the entities both name (the entity stage);
    // then the two outlets conflict on the count, else the original and its copy stand alone.
    let rows = dir.csv("r/consistency.csv");
    let after = rows
        .iter()
        .find(|r| r["key"] == "count:countries|after" && r["sources"].contains("a-fr.txt"))
        .expect("after row");
    assert!(after["sources"].contains("c-fr.txt"));
    if docs[1]["story"] == docs[0]["story"] {
        assert_eq!((after["status"].as_str(), after["values"].as_str()), ("conflict", "12 | 15"));
        let india = rows.iter().find(|r| r["key"] == "member:country|IN").expect("India row");
        assert_eq!(india["status"], "conflict");
    } else {
        assert_eq!(after["status"], "single", "a copy is not a second source");
    }
    let md = std::fs::read_to_string(dir.path().join("r/report.md")).unwrap();
    assert!(md.contains("copy of a-fr.txt"), "{md}");
    let quotes = dir.csv("r/quotes.csv");
    assert!(quotes.iter().any(|q| q["doc"] == "c-fr.txt" && q["group"] == quotes[0]["group"]));
}

#[test]
fn stories_too_large_to_render_in_memory_are_written_whole() {
    // Over 500 copies of one article make one story whose report.json entry is serialized by
    // the writer from the story itself: the workers must hand it over, not drop it, also when
    // report.html does not keep it (here it comes after a story of 1,000 documents, all the
    // page shows).
    let dir = Dir::new();
    for i in 0..1000 {
        dir.write(&format!("in/a{i:04}.txt"), FR_ORIGINAL);
    }
    let volcano: String = (1..=12)
        .map(|k| {
            format!(
                "Le volcan Etna a connu sa {k}e coulée de lave de l'hiver près de Catane, où \
                 {} habitants du versant {k} ont été évacués par la protection civile.\n",
                40 + 17 * k
            )
        })
        .collect();
    for i in 0..520 {
        dir.write(&format!("in/b{i:04}.txt"), format!("L'Etna en éruption\n\n{volcano}"));
    }
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let report: recoupe::align::Report =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/report.json")).unwrap()).unwrap();
    let mut sizes: Vec<usize> = report.stories.iter().map(|s| s.docs.len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [520, 1000], "one story per article, each with every copy");
}
