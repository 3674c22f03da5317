//! kbgen: writes `data/kb/countries.tsv` and `data/kb/countries-collisions.tsv` from CLDR.
//!
//! Names come from icu_experimental's region display names (compiled CLDR data, every locale
//! the data covers); the list of countries is ISO 3166-1 (rust_iso3166). The output is in the
//! KB format of `data/kb/README.md`: `id type lang alias kind case`.
//!
//! Collision policy (see `data/kb/README.md`): a name that, folded, is also an ordinary
//! lower-case word of another language whose word list is given with `--words LANG=PATH`
//! (and is not that country's name in that language too) goes to the collisions file, whose
//! rows the matcher only uses in documents of the alias's own language. Names in the
//! languages that have a word list are only checked against English (title case). A name that folds to
//! the name of two different countries is dropped from the language that is not the majority
//! one and reported.
//!
//! Usage: `cargo run --release -- [--out DIR] [--words LANG=PATH]...`
//! Without `--words`, the Debian word lists found in /usr/share/dict are used
//! (packages wamerican wfrench wngerman wspanish witalian wportuguese wdutch).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use icu_experimental::displaynames::multi::RegionDisplayNames;
use icu_experimental::displaynames::{DisplayNamesOptions, Style};
use icu_locale_core::subtags::Region;
use icu_locale_core::{LanguageIdentifier, Locale};
use icu_provider::IterableDataProvider;

/// Our own handle on the baked CLDR data, with iteration enabled (the crate's own `Baked` does
/// not implement `IterableDataProvider`, which we need to list the covered locales).
struct Data;

mod icu {
    pub use icu_experimental as experimental;
}

const _: () = {
    use icu_experimental_data::*;
    make_provider!(Data);
    impl_locale_names_region_v0!(Data, ITER);
};

const DEFAULT_WORDS: &[(&str, &str)] = &[
    ("en", "/usr/share/dict/american-english"),
    ("fr", "/usr/share/dict/french"),
    ("de", "/usr/share/dict/ngerman"),
    ("es", "/usr/share/dict/spanish"),
    ("it", "/usr/share/dict/italian"),
    ("pt", "/usr/share/dict/portuguese"),
    ("nl", "/usr/share/dict/dutch"),
];

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    id: String,
    lang: String,
    alias: String,
    kind: &'static str,
    case: &'static str,
}

fn main() {
    let mut out = PathBuf::from("../../data/kb");
    let mut words: Vec<(String, PathBuf)> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = PathBuf::from(args.next().expect("--out DIR")),
            "--words" => {
                let v = args.next().expect("--words LANG=PATH");
                let (l, p) = v.split_once('=').expect("--words LANG=PATH");
                words.push((l.to_string(), PathBuf::from(p)));
            }
            _ => {
                eprintln!("usage: kbgen [--out DIR] [--words LANG=PATH]...");
                std::process::exit(2);
            }
        }
    }
    if words.is_empty() {
        for (l, p) in DEFAULT_WORDS {
            if std::path::Path::new(p).exists() {
                words.push((l.to_string(), PathBuf::from(p)));
            } else {
                eprintln!("warning: {p} missing; install the Debian word list for '{l}'");
            }
        }
    }

    // Lower-case words per language, folded.
    let mut lexicon: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for (l, p) in &words {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("reading {p:?}: {e}"));
        let set = lexicon.entry(l.clone()).or_default();
        for w in text.lines() {
            let w = w.trim();
            // Only ordinary words: entirely lower case (proper nouns are listed capitalised).
            if w.chars().next().is_some_and(|c| c.is_lowercase()) && !w.contains('\'') {
                set.insert(fold(w));
            }
        }
    }

    let locales: BTreeSet<String> = Data
        .iter_ids()
        .expect("iterating locales")
        .into_iter()
        .map(|id| id.locale.to_string())
        .filter(|l| l != "und")
        .collect();
    eprintln!("{} locales", locales.len());

    let countries: Vec<(&str, &str)> = rust_iso3166::ALL
        .iter()
        .map(|c| (c.alpha2, c.name))
        .collect();

    let mut rows: BTreeSet<Row> = BTreeSet::new();
    let mut canonical: BTreeMap<String, String> = BTreeMap::new();
    for loc in &locales {
        let locale: Locale = loc.parse().expect("locale");
        let langid: LanguageIdentifier = locale.id.clone();
        let lang = langid.language.to_string();
        let long = load(&locale, None);
        let short = load(&locale, Some(Style::Short));
        for (code, _) in &countries {
            let region: Region = code.parse().expect("region");
            let mut forms: Vec<String> = Vec::new();
            if let Some(n) = long.of(region) {
                forms.push(n.to_string());
            }
            if let Some(n) = short.of(region) {
                forms.push(n.to_string());
            }
            for name in forms {
                if loc == "en" && !canonical.contains_key(*code) && name.chars().count() > 3 {
                    canonical.insert(code.to_string(), name.clone());
                }
                for alias in derived(&lang, &name) {
                    rows.insert(Row {
                        id: code.to_string(),
                        lang: lang.clone(),
                        case: case_rule(&alias),
                        alias,
                        kind: "name",
                    });
                }
            }
        }
    }
    for (code, name) in &countries {
        if !canonical.contains_key(*code) {
            canonical.insert(code.to_string(), name.to_string());
        }
    }

    // Ambiguity across countries: the same folded form naming two ids.
    let mut by_fold: HashMap<String, BTreeMap<String, BTreeSet<String>>> = HashMap::new();
    for r in &rows {
        by_fold
            .entry(fold(&r.alias))
            .or_default()
            .entry(r.id.clone())
            .or_default()
            .insert(r.lang.clone());
    }
    let mut report = String::new();
    let mut dropped_ambiguous: HashSet<(String, String)> = HashSet::new(); // (fold, id)
    let mut amb: Vec<_> = by_fold.iter().filter(|(_, ids)| ids.len() > 1).collect();
    amb.sort_by(|a, b| a.0.cmp(b.0));
    for (f, ids) in amb {
        // Keep the id named so by the most languages; drop the others.
        let best = ids
            .iter()
            .max_by_key(|(id, langs)| (langs.len(), std::cmp::Reverse((*id).clone())))
            .map(|(id, _)| id.clone())
            .unwrap();
        for (id, langs) in ids {
            if *id != best {
                dropped_ambiguous.insert((f.clone(), id.clone()));
                let _ = writeln!(
                    report,
                    "# ambiguous: '{f}' kept for {best}, dropped for {id} ({})",
                    langs.iter().cloned().collect::<Vec<_>>().join(",")
                );
            }
        }
    }

    // Names of each country per language (folded), to know when a common word is also
    // that language's own name for the country.
    let mut own: HashSet<(String, String, String)> = HashSet::new(); // (id, lang, fold)
    for r in &rows {
        own.insert((r.id.clone(), r.lang.clone(), fold(&r.alias)));
    }

    let mut main_rows: Vec<Row> = Vec::new();
    let mut collisions: Vec<(Row, String)> = Vec::new();
    for r in rows {
        let f = fold(&r.alias);
        if dropped_ambiguous.contains(&(f.clone(), r.id.clone())) {
            continue;
        }
        let mut hit = None;
        // Upper-case short forms (`exact`) and caseless scripts cannot meet a lower-case word.
        // Names in a language with a word list are what that language's press writes: they
        // are checked against English only, whose headlines capitalise ordinary words
        // (German "Island", French « Suède » vs "suede"); names in other languages are checked
        // against every word list.
        let major = lexicon.contains_key(&r.lang);
        if r.case == "cap" {
            for (l, set) in &lexicon {
                if major && l != "en" {
                    continue;
                }
                if *l != r.lang
                    && set.contains(&f)
                    && !own.contains(&(r.id.clone(), l.clone(), f.clone()))
                {
                    hit = Some(l.clone());
                    break;
                }
            }
        }
        // Very short names in a language without a word list ("Mỹ", "Ý", "Áo" fold to
        // "my", "y", "ao") are too likely to be something else in another language.
        let latin = f
            .chars()
            .all(|c| c.is_ascii() || ('\u{c0}'..='\u{24f}').contains(&c));
        if hit.is_none() && r.case == "cap" && !major && latin && f.chars().count() <= 3 {
            hit = Some("several languages (3 letters or fewer)".to_string());
        }
        match hit {
            Some(l) => collisions.push((r, l)),
            None => main_rows.push(r),
        }
    }

    // A collision row whose folded form the main file already has for the same id adds
    // nothing (the main row matches everywhere).
    let main_forms: HashSet<(String, String)> = main_rows
        .iter()
        .map(|r| (r.id.clone(), fold(&r.alias)))
        .collect();
    collisions.retain(|(r, _)| !main_forms.contains(&(r.id.clone(), fold(&r.alias))));

    let header = "id\ttype\tlang\talias\tkind\tcase\n";
    let mut text = String::new();
    text.push_str(
        "# Generated by tools/kbgen from CLDR (icu_experimental compiled data); do not edit.\n",
    );
    let _ = writeln!(
        text,
        "# {} locales, {} ISO 3166-1 countries.",
        locales.len(),
        countries.len()
    );
    text.push_str(&report);
    text.push_str(header);
    let mut last_id = String::new();
    for r in &main_rows {
        if r.id != last_id {
            last_id = r.id.clone();
            let _ = writeln!(
                text,
                "{}\tcountry\ten\t{}\tcanonical\t{}",
                r.id,
                canonical[&r.id],
                case_rule(&canonical[&r.id])
            );
        }
        if r.lang == "en" && r.alias == canonical[&r.id] {
            continue;
        }
        let _ = writeln!(
            text,
            "{}\tcountry\t{}\t{}\t{}\t{}",
            r.id, r.lang, r.alias, r.kind, r.case
        );
    }
    std::fs::write(out.join("countries.tsv"), text).expect("writing countries.tsv");

    let mut text = String::new();
    text.push_str(
        "# Generated by tools/kbgen: country names that are also ordinary words of another\n",
    );
    text.push_str(
        "# language (that language in the comment before each row). The matcher uses these\n",
    );
    text.push_str("# rows only in documents written in the alias's own language.\n");
    text.push_str(header);
    for (r, l) in &collisions {
        let _ = writeln!(
            text,
            "# common word in {l}\n{}\tcountry\t{}\t{}\t{}\t{}",
            r.id, r.lang, r.alias, r.kind, r.case
        );
    }
    std::fs::write(out.join("countries-collisions.tsv"), text)
        .expect("writing countries-collisions.tsv");
    eprintln!(
        "{} rows, {} collisions, {} ambiguous",
        main_rows.len(),
        collisions.len(),
        dropped_ambiguous.len()
    );
}

fn load(locale: &Locale, style: Option<Style>) -> RegionDisplayNames {
    let mut options = DisplayNamesOptions::default();
    options.style = style;
    RegionDisplayNames::try_new_unstable(&Data, locale.into(), options).expect("region names")
}

/// The aliases a CLDR name gives: itself, and its forms without a parenthetical or a
/// "SAR China"-like qualifier are left to the hand-curated press file.
fn derived(lang: &str, name: &str) -> Vec<String> {
    let mut v = vec![name.to_string()];
    if lang == "en" && name.contains(" & ") {
        v.push(name.replace(" & ", " and "));
    }
    if let Some(i) = name.find(" (") {
        if name.ends_with(')') {
            v.push(name[..i].to_string());
        }
    }
    v
}

/// `exact` for upper-case short forms (US, U.K., EAU), `fold` for caseless scripts, `cap`
/// otherwise: a country name is a proper noun, written with a capital in cased scripts.
fn case_rule(alias: &str) -> &'static str {
    let cased: Vec<char> = alias
        .chars()
        .filter(|c| c.is_lowercase() || c.is_uppercase())
        .collect();
    if cased.is_empty() {
        return "fold";
    }
    if cased.iter().all(|c| c.is_uppercase()) && cased.len() <= 5 {
        return "exact";
    }
    let first = alias.chars().find(|c| c.is_alphabetic()).unwrap_or(' ');
    if first.is_lowercase() {
        // Written in lower case in its language (rare): require nothing of the text's case.
        return "fold";
    }
    "cap"
}

/// Fold like the matcher: lower case, no diacritics, one apostrophe, hyphens and spaces as one
/// space. Used here only to detect collisions.
fn fold(s: &str) -> String {
    let nfd = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd().normalize(s);
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in nfd.chars() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' | '\u{b4}' => '\'',
            '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{a0}' | '\u{202f}'
            | '\t' => ' ',
            c => c,
        };
        if c == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        for l in c.to_lowercase() {
            match l {
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ø' => out.push('o'),
                'ł' => out.push('l'),
                'đ' => out.push('d'),
                'ı' => out.push('i'),
                l => out.push(l),
            }
        }
    }
    out
}
