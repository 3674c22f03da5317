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
            etype: types.get(c[4]).cloned().unwrap_or_default(),
            kind: c[5].to_string(),
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
