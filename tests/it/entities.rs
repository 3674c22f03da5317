//! Entities: KB matching, case rules, structured names, variants, discovery, languages,
//! offsets, user KB files, `kb aliases` and `eval mentions`.

use super::util::*;
use std::collections::{BTreeMap, BTreeSet};

/// Runs recoupe on the bundled corpus into a temporary directory.
fn run_corpus(dir: &Dir) -> std::path::PathBuf {
    dir.run_bundled("r")
}

/// Runs recoupe on one article and returns its mentions.
fn mentions_of(dir: &Dir, name: &str, text: &str) -> Vec<BTreeMap<String, String>> {
    dir.write(&format!("in-{name}/{name}.txt"), text);
    dir.ok(&["run", &format!("in-{name}"), "--out", &format!("out-{name}"), "-q"]);
    dir.csv(&format!("out-{name}/mentions.csv"))
}

fn ids(mentions: &[BTreeMap<String, String>]) -> BTreeSet<String> {
    mentions.iter().map(|m| m["entity"].clone()).collect()
}

/// Whether the structure stage labels boilerplate (it is a stub until its issue lands).
fn structure_labels_boilerplate(out: &std::path::Path) -> bool {
    read_csv(&out.join("lines.csv")).iter().any(|r| r["label"] == "boilerplate")
}

/// The "all" row of `recoupe eval mentions`: (precision, recall).
fn eval_all(dir: &Dir, gold: &std::path::Path, reports: &std::path::Path) -> (f64, f64, String) {
    let o = dir.ok(&[
        "eval",
        "mentions",
        "--gold",
        gold.to_str().unwrap(),
        "--reports",
        reports.to_str().unwrap(),
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    let row = text.lines().find(|l| l.starts_with("all ")).expect("an 'all' row");
    let cols: Vec<&str> = row.split_whitespace().collect();
    (cols[3].parse().unwrap(), cols[4].parse().unwrap(), text)
}

#[test]
fn seed_corpus_meets_precision_and_recall_floors() {
    let gold = shared().join("gold/seeds/mentions.tsv");
    if !gold.exists() {
        eprintln!("skipped: no gold annotations at {}", gold.display());
        return;
    }
    let dir = Dir::new();
    let out = run_corpus(&dir);
    let (p, r, text) = eval_all(&dir, &gold, &out);
    assert!(r >= 0.95, "recall {r} < 0.95\n{text}");
    if structure_labels_boilerplate(&out) {
        assert!(p >= 0.95, "precision {p} < 0.95\n{text}");
    } else {
        // Until the structure stage labels boilerplate, the teaser block of 004 is searched.
        eprintln!("precision floor not checked: the structure stage labels no boilerplate yet");
    }
}

#[test]
fn no_entity_from_boilerplate_lines() {
    let dir = Dir::new();
    let out = run_corpus(&dir);
    let labels: BTreeMap<(String, String), String> = read_csv(&out.join("lines.csv"))
        .into_iter()
        .map(|r| ((r["doc"].clone(), r["line"].clone()), r["label"].clone()))
        .collect();
    for m in read_csv(&out.join("mentions.csv")) {
        let label = &labels[&(m["doc"].clone(), m["line"].clone())];
        assert!(
            matches!(label.as_str(), "title" | "heading" | "body"),
            "{} line {} is {label} but yields {}",
            m["doc"],
            m["line"],
            m["entity"]
        );
    }
    if structure_labels_boilerplate(&out) {
        // The « Les plus lus » teasers at the end of 004 (Qatar, Indonesia, FIFA).
        let m = read_csv(&out.join("mentions.csv"));
        for id in ["QA", "ID", "fifa"] {
            assert!(!m.iter().any(|r| r["entity"] == id), "{id} found in boilerplate");
        }
    } else {
        eprintln!("teaser check skipped: the structure stage labels no boilerplate yet");
    }
}

#[test]
fn offsets_point_at_the_surface() {
    let dir = Dir::new();
    let out = run_corpus(&dir);
    let mut texts = BTreeMap::new();
    for m in read_csv(&out.join("mentions.csv")) {
        let text = texts.entry(m["doc"].clone()).or_insert_with(|| {
            std::fs::read_to_string(repo().join("corpus").join(&m["doc"])).unwrap()
        });
        let (bs, be): (usize, usize) =
            (m["byte_start"].parse().unwrap(), m["byte_end"].parse().unwrap());
        assert_eq!(&text[bs..be], m["surface"], "bytes of {m:?}");
        let line: usize = m["line"].parse().unwrap();
        let l = text.split('\n').nth(line - 1).unwrap();
        let (cs, ce): (usize, usize) =
            (m["char_start"].parse().unwrap(), m["char_end"].parse().unwrap());
        let s: String = l.chars().skip(cs).take(ce - cs).collect();
        assert_eq!(s, m["surface"], "chars of {m:?}");
    }
}

const FRENCH: &str = "\
Israël réduit la liste des pays autorisés à acheter ses cyberarmes

Le ministère israélien de la Défense a réduit à 37 pays la liste des pays autorisés, selon le \
quotidien Calcalist. Le Maroc, l'Arabie saoudite, le Mexique et les Émirats arabes unis ne figurent \
plus sur la liste. Le département américain du Commerce avait inscrit NSO Group et Candiru sur sa \
liste noire. Apple poursuit NSO Group pour le logiciel espion Pegasus.
";

const ENGLISH: &str = "\
Israel slashes list of countries allowed to buy its cyber weapons

Israel's Defense Ministry has cut the number of countries to which Israeli firms may sell \
offensive cyber tools from 102 to 37, the business daily Calcalist reported on Thursday. Morocco, \
Saudi Arabia, Mexico and the United Arab Emirates are no longer on the list.

The decision follows the blacklisting of NSO Group and Candiru by the US Commerce Department. The \
Bureau of Industry and Security (BIS) said the companies supplied spyware to foreign governments. \
BIS acted under the Export Administration Regulations.

Apple sued NSO Group and its parent company, Q Cyber Technologies, over the Pegasus spyware. \
\"We look forward to further discussions,\" said State Department spokesman Ned Price.
";

const SPANISH: &str = "\
Israel reduce la lista de países que pueden comprar sus ciberarmas

El Ministerio de Defensa de Israel redujo de 102 a 37 el número de países a los que las empresas \
israelíes pueden vender herramientas de ciberespionaje, según el diario económico Calcalist. \
Marruecos, Arabia Saudita, México y los Emiratos Árabes Unidos ya no figuran en la lista.

La decisión llega después de que el Departamento de Comercio de Estados Unidos incluyera a NSO \
Group y a Candiru en su lista negra. Apple demandó a NSO Group por el programa espía Pegasus.
";

const GERMAN: &str = "\
Israel schränkt den Export von Spähsoftware ein

Das israelische Verteidigungsministerium hat die Zahl der Länder, in die israelische Firmen \
Cyberwaffen verkaufen dürfen, von 102 auf 37 reduziert, berichtet die Wirtschaftszeitung \
Calcalist. Marokko, Saudi-Arabien, Mexiko und die Vereinigten Arabischen Emirate stehen nicht \
mehr auf der Liste.

Zuvor hatte das US-Handelsministerium die Firmen NSO Group und Candiru auf eine schwarze Liste \
gesetzt. Apple verklagte NSO Group wegen der Spähsoftware Pegasus.
";

#[test]
fn english_spanish_and_german_articles_give_the_french_ids() {
    let dir = Dir::new();
    let expected: BTreeSet<String> = [
        "IL",
        "MA",
        "SA",
        "MX",
        "AE",
        "il-mod",
        "us-commerce",
        "nso-group",
        "candiru",
        "calcalist",
        "apple",
        "pegasus",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let fr = ids(&mentions_of(&dir, "fr", FRENCH));
    assert!(fr.is_superset(&expected), "fr lacks {:?}", expected.difference(&fr));
    for (name, text) in [("en", ENGLISH), ("es", SPANISH), ("de", GERMAN)] {
        let got = ids(&mentions_of(&dir, name, text));
        assert!(got.is_superset(&expected), "{name} lacks {:?}", expected.difference(&got));
    }
    let en = ids(&mentions_of(&dir, "en2", ENGLISH));
    for id in ["us-bis", "us-state", "ned-price", "q-cyber"] {
        assert!(en.contains(id), "en lacks {id}: {en:?}");
    }
}

#[test]
fn ordinary_words_are_not_names() {
    let dir = Dir::new();
    let m = mentions_of(
        &dir,
        "words",
        "Des chaussures en suède et une tarte aux pommes.\n\n\
         Elle a acheté une apple pie, mais le prix de la dinde a monté.\n\n\
         Il a mangé une dinde pour Thanksgiving, et nous sommes partis avec nos amis.\n",
    );
    assert!(m.is_empty(), "{m:?}");
    let en = mentions_of(
        &dir,
        "words-en",
        "The price of a turkey rose again this week, and the island residents said it was us who paid.\n\n\
         She ate an apple and bought suede shoes in the market before she took the post office bus.\n",
    );
    assert!(en.is_empty(), "{en:?}");
}

#[test]
fn government_bodies_in_every_order_resolve_to_one_id() {
    let dir = Dir::new();
    let m = mentions_of(
        &dir,
        "govt",
        "Le ministère israélien de la Défense a publié la liste.\n\n\
         Selon le ministère de la Défense israélien, la liste est close.\n\n\
         Le Département du commerce des États-Unis a répondu, comme le département de commerce américain.\n\n\
         Le Département d’Etats américain a réagi.\n\n\
         Puis le ministère de la Défense a confirmé la décision prise en Israël et par les Israéliens.\n\n\
         Le ministère allemand de la Justice n'a rien dit.\n",
    );
    let by_line: Vec<(String, String)> =
        m.iter().map(|r| (r["line"].clone(), r["entity"].clone())).collect();
    for (line, id) in [
        ("1", "il-mod"),
        ("3", "il-mod"),
        ("5", "us-commerce"),
        ("7", "us-state"),
        ("9", "il-mod"),
        ("11", "de-justice"),
    ] {
        assert!(
            by_line.contains(&(line.into(), id.into())),
            "line {line}: {id} not in {by_line:?}"
        );
    }
    // The country inside a structured name is not a separate mention.
    assert!(!by_line.contains(&("5".into(), "US".into())), "{by_line:?}");
    let bare = m.iter().find(|r| r["line"] == "9" && r["entity"] == "il-mod").unwrap();
    assert!(bare["confidence"].parse::<f32>().unwrap() < 0.8, "{bare:?}");
}

#[test]
fn misspellings_and_translations_link_but_different_names_do_not() {
    let dir = Dir::new();
    let m = mentions_of(
        &dir,
        "variants",
        "Selon le quotidien Calcaliste, la société NSO Group et Candira ont été sanctionnées.\n\n\
         Le logiciel Pégase a été cité par le Atlantic Conseil dans son rapport.\n\n\
         Le député Tony Bennet a rencontré des journalistes mercredi.\n",
    );
    let find = |s: &str| m.iter().find(|r| r["surface"] == s);
    for (surface, id, kind) in [
        ("Calcaliste", "calcalist", "misspelling"),
        ("Candira", "candiru", "misspelling"),
        ("Pégase", "pegasus", "translation"),
        ("Atlantic Conseil", "atlantic-council", "translation"),
    ] {
        let r = find(surface).unwrap_or_else(|| panic!("{surface} not found in {m:?}"));
        assert_eq!((r["entity"].as_str(), r["kind"].as_str()), (id, kind), "{r:?}");
    }
    // A different person is not Naftali Bennett.
    assert!(!m.iter().any(|r| r["entity"] == "naftali-bennett"), "{m:?}");
}

#[test]
fn discovered_names_get_stable_ids() {
    let dir = Dir::new();
    let m = mentions_of(
        &dir,
        "discover",
        "La société Saito Tech a été fondée en 2014, a déclaré Yossi Cohen mercredi.\n\n\
         Le rapport a été publié mardi.\n",
    );
    let get = |id: &str| m.iter().filter(|r| r["entity"] == id).count();
    assert!(get("candiru") >= 1, "Saito Tech is an alias of Candiru: {m:?}");
    assert_eq!(get("yossi-cohen"), 1, "{m:?}");
    let person = m.iter().find(|r| r["entity"] == "yossi-cohen").unwrap();
    assert_eq!(person["type"], "person");
}

#[test]
fn acronym_definitions_link_within_the_document() {
    let dir = Dir::new();
    let m = mentions_of(
        &dir,
        "acronym",
        "Le Bureau de l’industrie et de la sécurité (BIS) a publié la liste.\n\n\
         Le BIS a aussi sanctionné deux sociétés russes.\n",
    );
    let bis: Vec<_> = m.iter().filter(|r| r["entity"] == "us-bis").collect();
    assert_eq!(bis.len(), 3, "{m:?}");
}

#[test]
fn user_kb_files_extend_and_override() {
    let dir = Dir::new();
    dir.write(
        "my.tsv",
        "id\ttype\tlang\talias\tkind\tcase\n\
         acme-spy\tcompany\ten\tAcme Spyware Ltd\tcanonical\tfold\n\
         acme-spy\tcompany\t*\tAcme\tname\tcap\n\
         calcalist\tmedia\ten\tCalcalist (Yedioth)\tcanonical\tcap\n",
    );
    dir.write("in/a.txt", "Acme a vendu ses outils au Maroc, selon Calcalist.\n");
    dir.ok(&["run", "in", "--kb", "my.tsv", "--out", "r", "-q"]);
    let m = dir.csv("r/mentions.csv");
    assert!(m.iter().any(|r| r["entity"] == "acme-spy" && r["surface"] == "Acme"), "{m:?}");
    let e = dir.csv("r/entities.csv");
    let cal = e.iter().find(|r| r["entity"] == "calcalist").unwrap();
    assert_eq!(cal["name"], "Calcalist (Yedioth)");

    let aliases = dir.ok(&["kb", "aliases", "--kb", "my.tsv"]);
    let text = String::from_utf8(aliases.stdout).unwrap();
    assert!(text.lines().any(|l| l == "Acme Spyware Ltd"));
    assert!(text.lines().any(|l| l == "Israël"));
    assert!(text.lines().any(|l| l == "israéliennes"));

    dir.write("bad.tsv", "id\ttype\tlang\talias\tkind\tcase\nx\tplanet\ten\tX\tname\tcap\n");
    let o = dir.run(&["run", "in", "--kb", "bad.tsv", "--out", "r2", "-q"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.tsv:2"), "{o:?}");
}

#[test]
fn eval_mentions_scores_and_lists_errors() {
    let dir = Dir::new();
    dir.write("in/a.txt", "Le Maroc et Israël ont signé. Apple a réagi.\n");
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    dir.write(
        "gold.tsv",
        "file\tline\tchar_start\tsurface\tentity\tkind\tnote\n\
         a.txt\t1\t3\tMaroc\tMA\tname\t\n\
         a.txt\t1\t12\tIsraël\tIL\tname\t\n\
         a.txt\t1\t0\tLe\tfrance\tname\tnot there\n",
    );
    let (p, r, text) = eval_all(&dir, &dir.path().join("gold.tsv"), &dir.path().join("r"));
    assert!((p - 2.0 / 3.0).abs() < 1e-3, "{text}");
    assert!((r - 2.0 / 3.0).abs() < 1e-3, "{text}");
    assert!(text.contains("a.txt:1\tfrance"), "{text}");
    assert!(text.contains("a.txt:1\tapple"), "{text}");
}
