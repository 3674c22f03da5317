//! Reliability: hostile inputs, limits, conservation of documents, crash safety, determinism,
//! safe outputs and contained panics, plus a property test of per-document analysis. Every
//! input is generated here; none comes from the bundled corpus.

use super::util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

type Row = BTreeMap<String, String>;

/// An article written for these tests, naming entities of the knowledge base, with accents,
/// numbers, a list and a quote.
fn article() -> String {
    "Israël restreint ses exportations de cybersurveillance\n\
     \n\
     Le ministère israélien de la Défense a ramené de 102 à 37 le nombre de pays autorisés, \
     selon un document consulté jeudi.\n\
     Le Maroc, Bahreïn, l'Arabie saoudite et les Émirats arabes unis ne figurent plus sur la \
     liste, alors que les États-Unis et la France y restent.\n\
     La société NSO Group, dont le logiciel Pegasus a visé des journalistes, conteste la décision.\n\
     « Nous respectons la loi », a déclaré un porte-parole.\n"
        .to_string()
}

/// The documents.csv and errors.csv rows of a run, by id; panics if an id is listed twice,
/// in one file or across both (the conservation invariant).
fn accounted(out: &Path) -> (BTreeMap<String, Row>, BTreeMap<String, Row>) {
    let mut seen = BTreeSet::new();
    let mut split = |file: &str| {
        let mut m = BTreeMap::new();
        for r in read_csv(&out.join(file)) {
            assert!(seen.insert(r["doc"].clone()), "{} listed twice", r["doc"]);
            m.insert(r["doc"].clone(), r);
        }
        m
    };
    let docs = split("documents.csv");
    let errors = split("errors.csv");
    (docs, errors)
}

/// Relative path → size of every entry under `root` except `skip` (symbolic links are listed,
/// not followed), to show that a run created nothing outside its `--out`.
fn listing(root: &Path, skip: &str) -> BTreeMap<String, u64> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || e.file_name() != skip)
        .map(|e| {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
            (rel, e.path().symlink_metadata().unwrap().len())
        })
        .collect()
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut b = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for u in text.encode_utf16() {
        b.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
    }
    b
}

fn nfd(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfd().collect()
}

/// Zero-width and bidi control characters inside and around names.
fn invisible(text: &str) -> String {
    text.replace("Israël", "Is\u{200B}ra\u{200D}ël")
        .replace("Maroc", "\u{2067}Ma\u{00AD}roc\u{2069}")
        .replace("NSO Group", "\u{202B}NSO\u{200E} Gro\u{2060}up\u{202C}")
        .replace("Émirats", "\u{FEFF}Émi\u{200C}rats")
}

fn json_line(v: serde_json::Value) -> String {
    v.to_string() + "\n"
}

/// Spawns recoupe and waits at most `limit`, killing it after: a hang fails the test instead
/// of blocking the suite.
fn run_bounded(dir: &Dir, args: &[&str], limit: Duration) -> std::process::Output {
    let mut child = dir
        .cmd()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().ok();
            panic!("recoupe {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn hostile_corpus_is_accounted_for() {
    let dir = Dir::new();
    let text = article();
    // Analysed: id → expected encoding (prefix).
    let mut analysed: BTreeMap<&str, &str> = BTreeMap::new();
    // Refused: id → (stage, words of the reason).
    let mut refused: BTreeMap<&str, (&str, &str)> = BTreeMap::new();

    dir.write("in/good.txt", &text);
    analysed.insert("good.txt", "utf-8");
    let mut broken = text.clone().into_bytes();
    broken.splice(10..10, [0xFF, 0xFE]);
    broken.splice(200..200, [0xC3]);
    broken.push(0xE2);
    dir.write("in/invalid-utf8.txt", broken);
    analysed.insert("invalid-utf8.txt", "utf-8 (");
    let (cp1252, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!bad);
    dir.write("in/windows-1252.txt", &cp1252);
    analysed.insert("windows-1252.txt", "windows-1252");
    let latin9_text =
        format!("{text}Au cœur du dossier, un contrat de 5 millions d'€ et l'Œuvre.\n");
    let (latin9, _, bad) = encoding_rs::ISO_8859_15.encode(&latin9_text);
    assert!(!bad);
    dir.write("in/iso-8859-15.txt", &latin9);
    analysed.insert("iso-8859-15.txt", "iso-8859-15");
    dir.write("in/utf16le.txt", utf16(&text, false));
    analysed.insert("utf16le.txt", "utf-16le");
    dir.write("in/utf16be.txt", utf16(&text, true));
    analysed.insert("utf16be.txt", "utf-16be");
    dir.write("in/crlf.txt", text.replace('\n', "\r\n"));
    analysed.insert("crlf.txt", "utf-8");
    dir.write("in/cr.txt", text.replace('\n', "\r"));
    analysed.insert("cr.txt", "utf-8");
    dir.write("in/nfd.txt", nfd(&text));
    analysed.insert("nfd.txt", "utf-8");
    dir.write("in/invisible.txt", invisible(&text));
    analysed.insert("invisible.txt", "utf-8");
    let word: String = "anticonstitutionnellement".chars().cycle().take(10_000).collect();
    dir.write("in/long-words.txt", format!("{text}{word} {word}\n{word}é\n"));
    analysed.insert("long-words.txt", "utf-8");
    dir.write("in/dir.txt/inner.txt", &text);
    analysed.insert("dir.txt/inner.txt", "utf-8");

    dir.write("in/empty.txt", b"");
    refused.insert("empty.txt", ("decode", "empty"));
    dir.write("in/blank.txt", " \n\t\r\n \u{200B}\n");
    refused.insert("blank.txt", ("decode", "no text"));
    dir.write("in/image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0");
    refused.insert("image.txt", ("decode", "binary"));
    dir.write("in/photo.jpg", b"\xFF\xD8\xFF\xE0\0\x10JFIF\0");
    refused.insert("photo.jpg", ("read", "unsupported file type"));
    let mut nul = text.clone().into_bytes();
    nul.splice(50..50, [0u8, 0, 0]);
    dir.write("in/nul.txt", nul);
    refused.insert("nul.txt", ("decode", "binary"));
    dir.write("in/one-line.txt", "é".repeat(5 << 20));
    refused.insert("one-line.txt", ("limit", "--max-line-bytes"));
    let gz = gzip(text.as_bytes());
    dir.write("in/truncated.txt.gz", &gz[..gz.len() / 2]);
    refused.insert("truncated.txt.gz", ("read", "gzip"));
    dir.write("in/not-gzip.jsonl.gz", json_line(serde_json::json!({"text": text})));
    refused.insert("not-gzip.jsonl.gz", ("read", "gzip"));
    let records: String = (0..3).map(|_| json_line(serde_json::json!({"text": text}))).collect();
    let mut corrupt = gzip(records.as_bytes());
    let mid = corrupt.len() / 2;
    for b in &mut corrupt[mid..mid + 8] {
        *b ^= 0x5A;
    }
    dir.write("in/corrupt.jsonl.gz", corrupt);
    refused.insert("corrupt.jsonl.gz", ("read", "gzip"));
    dir.write("in/bad.json", "{\"text\": \"unterminated");
    refused.insert("bad.json", ("parse", "invalid JSON"));

    let good = json_line(serde_json::json!({"text": text, "title": "Titre"}));
    let huge = json_line(serde_json::json!({"text": "x".repeat(20 << 20)}));
    let jsonl = [
        good.clone(),
        "{\"text\": \"no end\n".to_string(),
        json_line(serde_json::json!({"body_text": text})),
        json_line(serde_json::json!({"text": 42})),
        "   \n".to_string(), // blank: holds no record, gets no id
        "[1, 2]\n".to_string(),
        huge,
        json_line(serde_json::json!({"id": "../../x", "text": text})),
        json_line(serde_json::json!({"text": null, "content": null})),
        json_line(serde_json::json!({"text": ""})),
        good.trim_end().to_string(), // last line without a line end
    ]
    .concat();
    dir.write("in/records.jsonl", jsonl);
    analysed.insert("records.jsonl#1", "utf-8");
    refused.insert("records.jsonl#2", ("parse", "invalid JSON"));
    refused.insert("records.jsonl#3", ("parse", "no text field"));
    refused.insert("records.jsonl#4", ("parse", "a number"));
    refused.insert("records.jsonl#6", ("parse", "expected a JSON object"));
    refused.insert("records.jsonl#7", ("limit", "--max-line-bytes"));
    analysed.insert("records.jsonl#8", "utf-8");
    refused.insert("records.jsonl#9", ("parse", "no text field"));
    refused.insert("records.jsonl#10", ("decode", "empty"));
    analysed.insert("records.jsonl#11", "utf-8");
    let arr = format!(
        "[{}, 5, {{\"title\": \"no text\"}}]",
        serde_json::json!({"text": text, "id": "/etc/passwd"})
    );
    dir.write("in/array.json", arr);
    analysed.insert("array.json#1", "utf-8");
    refused.insert("array.json#2", ("parse", "expected a JSON object"));
    refused.insert("array.json#3", ("parse", "no text field"));

    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(".", dir.path().join("in/loop")).unwrap();
        refused.insert("loop", ("read", "symbolic link loop"));
        std::os::unix::fs::symlink("missing.txt", dir.path().join("in/dangling.txt")).unwrap();
        refused.insert("dangling.txt", ("read", "cannot read"));
        let fifo = dir.path().join("in/pipe.txt");
        assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        refused.insert("pipe.txt", ("read", "not a regular file"));
    }

    let before = listing(dir.path(), "out");
    let o = run_bounded(&dir, &["run", "in", "--out", "out", "-q"], Duration::from_secs(120));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(before, listing(dir.path(), "out"), "a file was created or changed outside --out");

    let out = dir.path().join("out");
    let (docs, errors) = accounted(&out);
    // Records of the corrupt gzip stream read before the damage may be analysed; the file
    // itself is listed once for the part that could not be read.
    let extra = |id: &String| id.starts_with("corrupt.jsonl.gz#");
    let doc_ids: BTreeSet<&str> = docs.keys().filter(|id| !extra(id)).map(String::as_str).collect();
    let err_ids: BTreeSet<&str> =
        errors.keys().filter(|id| !extra(id)).map(String::as_str).collect();
    assert_eq!(doc_ids, analysed.keys().copied().collect());
    assert_eq!(err_ids, refused.keys().copied().collect());
    for (id, enc) in &analysed {
        let row = &docs[*id];
        assert!(row["encoding"].starts_with(enc), "{id}: encoding {}", row["encoding"]);
        assert_eq!(row["lang"], "fr", "{id}");
    }
    for (id, (stage, words)) in &refused {
        let row = &errors[*id];
        assert_eq!(row["stage"], *stage, "{id}: {}", row["error"]);
        assert!(row["error"].contains(words), "{id}: {:?} lacks {words:?}", row["error"]);
    }
    // Line ends and invisible characters do not change what is counted.
    let lines = &docs["good.txt"]["lines"];
    for id in ["crlf.txt", "cr.txt", "nfd.txt", "invisible.txt", "utf16le.txt", "windows-1252.txt"]
    {
        assert_eq!(&docs[id]["lines"], lines, "{id}");
    }
    assert_eq!(docs["nfd.txt"]["chars"], docs["good.txt"]["chars"]);
    assert_eq!(docs["invisible.txt"]["chars"], docs["good.txt"]["chars"]);
    assert_eq!(docs["records.jsonl#8"]["record_id"], "../../x");
    assert_eq!(docs["array.json#1"]["record_id"], "/etc/passwd");
}

/// The rows of a per-document report, by document, without the columns naming the document.
fn rows_by_doc(out: &Path, file: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut m: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for r in read_csv(&out.join(file)) {
        let doc = r["doc"].clone();
        let cells = r
            .iter()
            .filter(|(k, _)| *k != "doc" && *k != "claim")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        m.entry(doc).or_default().push(cells);
    }
    m
}

/// Encodings, line ends, normalization forms and invisible characters change the bytes, not
/// the text: every variant of one article is analysed exactly like the plain UTF-8 one, with
/// the same lines, mentions (offsets included) and claims.
#[test]
fn benign_variants_are_analysed_identically() {
    let dir = Dir::new();
    let text = article();
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("plain.txt", text.clone().into_bytes()),
        ("crlf.txt", text.replace('\n', "\r\n").into_bytes()),
        ("cr.txt", text.replace('\n', "\r").into_bytes()),
        ("nfd.txt", nfd(&text).into_bytes()),
        ("invisible.txt", invisible(&text).into_bytes()),
        ("bom.txt", [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat()),
        ("utf16le.txt", utf16(&text, false)),
        ("utf16be.txt", utf16(&text, true)),
        ("cp1252.txt", cp1252.into_owned()),
        (
            "record.jsonl",
            json_line(serde_json::json!({"text": nfd(&invisible(&text))})).into_bytes(),
        ),
    ];
    for (name, bytes) in &variants {
        dir.write(&format!("in/{name}"), bytes);
    }
    dir.ok(&["run", "in", "--out", "out", "-q"]);
    let out = dir.path().join("out");
    let (docs, errors) = accounted(&out);
    assert!(errors.is_empty(), "{errors:?}");
    let id = |name: &str| if name.ends_with(".jsonl") { format!("{name}#1") } else { name.into() };
    for col in ["chars", "lines", "lang", "title"] {
        for (name, _) in &variants {
            assert_eq!(docs[&id(name)][col], docs["plain.txt"][col], "{name}: {col}");
        }
    }
    for file in ["lines.csv", "mentions.csv", "claims.csv"] {
        let rows = rows_by_doc(&out, file);
        let plain = rows.get("plain.txt");
        for (name, _) in &variants {
            assert_eq!(rows.get(&id(name)), plain, "{file} differs for {name}");
        }
    }
}

/// The entities of an article are found whatever its encoding, line ends, normalization form
/// or invisible characters inside the names.
#[test]
fn entities_found_through_hostile_encodings() {
    let dir = Dir::new();
    let text = article();
    dir.write("in/nfd.txt", nfd(&text));
    dir.write("in/invisible.txt", invisible(&text));
    dir.write("in/cr.txt", text.replace('\n', "\r"));
    dir.write("in/utf16.txt", utf16(&nfd(&text), true));
    dir.ok(&["run", "in", "--out", "out", "-q"]);
    let mentions = dir.csv("out/mentions.csv");
    for doc in ["nfd.txt", "invisible.txt", "cr.txt", "utf16.txt"] {
        let found: BTreeSet<&str> =
            mentions.iter().filter(|r| r["doc"] == doc).map(|r| r["entity"].as_str()).collect();
        for want in ["IL", "MA", "AE", "US", "FR", "nso-group"] {
            assert!(found.contains(want), "{doc}: {want} not found in {found:?}");
        }
    }
}

/// Each size limit is an option, is honoured, and is reported in errors.csv with the flag to
/// raise; a document over a limit is never analysed truncated.
#[test]
fn limits_are_options_reported_never_truncation() {
    let dir = Dir::new();
    let body = |n: usize| format!("Le Maroc et la France. {}\n", "Une phrase de plus. ".repeat(n));
    dir.write("in/small.txt", body(2));
    dir.write("in/big.txt", body(60)); // about 1,200 bytes
    let rec = |n: usize| json_line(serde_json::json!({"text": body(n)}));
    dir.write("in/r.jsonl", [rec(2), rec(60), rec(2)].concat());
    dir.write("in/a.json", format!("[{}, {}]", rec(60).trim(), rec(2).trim()));

    let run = |out: &str, flag: &str, value: &str| {
        dir.ok(&["run", "in", "--out", out, "-q", flag, value]);
        accounted(&dir.path().join(out))
    };
    let big = ["big.txt", "r.jsonl#2", "a.json#1"];
    let small = ["a.json#2", "r.jsonl#1", "r.jsonl#3", "small.txt"]; // sorted

    let (docs, errors) = run("doc", "--max-doc-bytes", "600");
    for id in big {
        assert_eq!(errors[id]["stage"], "limit", "{id}");
        assert!(errors[id]["error"].contains("--max-doc-bytes"), "{id}: {}", errors[id]["error"]);
    }
    assert_eq!(docs.keys().map(String::as_str).collect::<Vec<_>>(), small);

    let (docs, errors) = run("line", "--max-line-bytes", "600");
    for id in big {
        assert!(errors[id]["error"].contains("--max-line-bytes"), "{id}: {}", errors[id]["error"]);
    }
    assert_eq!(docs.len(), small.len());

    let (docs, errors) = run("json", "--max-json-line-bytes", "600");
    assert_eq!(errors["r.jsonl#2"]["stage"], "limit");
    assert!(errors["r.jsonl#2"]["error"].contains("--max-json-line-bytes"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(docs.len(), 6);
    // The .json file is not a JSON line; when the file itself is over both limits, it is
    // refused whole with both flags named.
    let (_, errors) = {
        dir.ok(&[
            "run",
            "in",
            "--out",
            "both",
            "-q",
            "--max-json-line-bytes",
            "100",
            "--max-doc-bytes",
            "100",
        ]);
        accounted(&dir.path().join("both"))
    };
    assert_eq!(errors["a.json"]["stage"], "limit");
    assert!(errors["a.json"]["error"].contains("--max-doc-bytes"));
    assert!(errors["a.json"]["error"].contains("--max-json-line-bytes"));

    // Raised limits analyse the same documents whole.
    let (docs, errors) = run("whole", "--max-doc-bytes", "100000");
    assert!(errors.is_empty());
    let chars = body(60).chars().count().to_string();
    assert_eq!(docs["big.txt"]["chars"], chars);
    assert_eq!(docs["r.jsonl#2"]["chars"], chars);
    assert_eq!(dir.run(&["run", "in", "--max-line-bytes", "0"]).status.code(), Some(2));
}

/// A panic inside one document's analysis is caught, listed in errors.csv with its stage, and
/// the run goes on. The fault is injected by a test hook (an environment variable naming a
/// stage and a marker) that does nothing when unset.
#[test]
fn panics_are_contained_and_attributed() {
    let dir = Dir::new();
    for n in 0..6 {
        let mut t = french_article(n);
        if n == 3 {
            t.push_str("Ce document contient FAULT-MARKER-7f3a.\n");
        }
        dir.write(&format!("in/{n}.txt"), t);
    }
    for stage in ["lang", "structure", "entities", "claims", "report", "aggregate"] {
        let out = format!("out-{stage}");
        let o = dir
            .cmd()
            .args(["run", "in", "--out", &out, "-q", "--threads", "2"])
            .env("RECOUPE_FAULT_INJECT", format!("{stage}:FAULT-MARKER-7f3a"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{stage}: {}", String::from_utf8_lossy(&o.stderr));
        let (docs, errors) = accounted(&dir.path().join(&out));
        assert_eq!(docs.len(), 5, "{stage}");
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["3.txt"], "{stage}");
        assert_eq!(errors["3.txt"]["stage"], stage);
        assert!(
            errors["3.txt"]["error"].contains("internal error"),
            "{}",
            errors["3.txt"]["error"]
        );
        // Nothing of the failed document leaks into the per-document reports.
        for file in ["lines.csv", "mentions.csv", "claims.csv"] {
            let rows = dir.csv(&format!("{out}/{file}"));
            assert!(rows.iter().all(|r| r["doc"] != "3.txt"), "{stage}: {file}");
        }
    }
    // A panic while gathering corpus statistics (the first pass) leaves the document out of
    // them; its analysis goes on.
    let o = dir
        .cmd()
        .args(["run", "in", "--out", "scan"])
        .env("RECOUPE_FAULT_INJECT", "scan:FAULT-MARKER-7f3a")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(accounted(&dir.path().join("scan")).0.len(), 6);
    if recoupe::structure::CorpusStats::NEEDED {
        assert!(String::from_utf8_lossy(&o.stderr).contains("1 documents left out"));
    }
    let o = dir
        .cmd()
        .args(["run", "in", "--out", "strict", "-q", "--strict"])
        .env("RECOUPE_FAULT_INJECT", "entities:FAULT-MARKER-7f3a")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // Unset, the hook changes nothing.
    dir.ok(&["run", "in", "--out", "clean", "-q"]);
    assert_eq!(accounted(&dir.path().join("clean")).0.len(), 6);
}

/// Cells a spreadsheet would execute are neutralized in every CSV report by default, verbatim
/// with --raw-csv; quoting survives commas, quotes and line breaks.
#[test]
fn csv_formulas_are_neutralized_end_to_end() {
    let dir = Dir::new();
    let rec = serde_json::json!({
        "text": article(),
        "title": "=HYPERLINK(\"http://evil.example\",\"clic\")",
        "outlet": "@SUM(1+1)*cmd|' /C calc'!A0",
        "url": "+33 1 23 45",
        "date": "-2+3",
        "id": "=1+1",
    });
    let tricky = serde_json::json!({
        "text": article(),
        "title": "Ligne 1\nLigne 2, \"citée\"; fin",
        "outlet": "-5",
    });
    dir.write("in/=cmd.txt", article());
    dir.write("in/@empty.txt", "");
    dir.write("in/r.jsonl", json_line(rec) + &json_line(tricky));
    dir.ok(&["run", "in", "--out", "safe", "-q"]);
    dir.ok(&["run", "in", "--out", "raw", "-q", "--raw-csv"]);

    let safe = dir.csv("safe/documents.csv");
    let raw = dir.csv("raw/documents.csv");
    let by_id = |rows: &Vec<Row>, id: &str| rows.iter().find(|r| r["doc"] == id).unwrap().clone();
    let s = by_id(&safe, "r.jsonl#1");
    let r = by_id(&raw, "r.jsonl#1");
    for col in ["outlet", "url", "date", "record_id"] {
        assert_eq!(s[col], format!("'{}", r[col]), "{col}");
    }
    assert_eq!(r["record_id"], "=1+1");
    assert_eq!(r["outlet"], "@SUM(1+1)*cmd|' /C calc'!A0");
    // The title leads the text, so it may be the structure stage's title: either way, no cell
    // of any CSV report starts a formula.
    let t = by_id(&raw, "r.jsonl#2");
    assert_eq!(t["outlet"], "-5", "a number is data, not a formula");
    assert!(t["title"].is_empty() || t["title"].starts_with("Ligne 1"));
    assert_eq!(by_id(&safe, "r.jsonl#2")["outlet"], "-5");
    for file in ["documents.csv", "errors.csv", "lines.csv", "mentions.csv", "claims.csv"] {
        for row in dir.csv(&format!("safe/{file}")) {
            for (col, cell) in &row {
                let starts = cell.chars().next();
                let formula = matches!(starts, Some('=' | '+' | '@' | '\t' | '\r'))
                    || (starts == Some('-') && cell != "-" && cell.parse::<f64>().is_err());
                assert!(!formula, "{file}: {col} = {cell:?} is a live formula");
            }
        }
    }
    // Ids are neutralized the same way everywhere, so reports still join.
    assert!(safe.iter().any(|r| r["doc"] == "'=cmd.txt"));
    assert!(raw.iter().any(|r| r["doc"] == "=cmd.txt"));
    assert!(dir.csv("safe/errors.csv").iter().any(|r| r["doc"] == "'@empty.txt"));
    let lines_docs: BTreeSet<String> =
        dir.csv("safe/lines.csv").into_iter().map(|r| r["doc"].clone()).collect();
    assert!(lines_docs.contains("'=cmd.txt"));
}

/// HTML and Markdown reports escape every field: an article carrying markup cannot inject it.
#[test]
fn markup_in_articles_is_escaped_in_html_and_markdown() {
    let dir = Dir::new();
    let evil = "<script>alert('xss')</script>";
    let rec = serde_json::json!({
        "text": format!("{}\n<img src=x onerror=alert(1)> [clic](javascript:alert(1))\n{evil}\n",
            article()),
        "title": format!("Israël {evil}"),
        "outlet": "<b onmouseover=alert(1)>outlet</b>",
        "url": "javascript:alert(1)",
    });
    dir.write("in/r.jsonl", json_line(rec.clone()) + &json_line(rec));
    dir.ok(&["run", "in", "--out", "out", "-q"]);
    for file in ["report.html", "report.md"] {
        let s = std::fs::read_to_string(dir.path().join("out").join(file)).unwrap();
        for bad in ["<script>alert", "<img src=x", "<b onmouseover", "href=\"javascript:"] {
            assert!(!s.contains(bad), "{file} holds {bad:?} unescaped");
        }
        // The title is shown, escaped: the test is not passing on an empty report.
        assert!(s.contains("alert('xss')"), "{file} does not show the title");
    }
}

/// `--out` is replaced as a whole, so recoupe refuses to replace a directory that is not a
/// reports directory, or one that holds its own input.
#[test]
fn out_directory_is_never_something_else() {
    let dir = Dir::new();
    dir.write("in/a.txt", article());
    dir.write("home/notes.txt", "précieux");
    let o = dir.run(&["run", "in", "--out", "home", "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"));
    assert_eq!(std::fs::read_to_string(dir.path().join("home/notes.txt")).unwrap(), "précieux");
    // The input directory itself, or a directory above it.
    dir.ok(&["run", "in", "--out", "in/reports", "-q"]);
    std::fs::write(dir.path().join("in/errors.csv"), "doc,path,stage,error\n").unwrap();
    for out in ["in", "."] {
        let o = dir.run(&["run", "in", "--out", out, "-q"]);
        assert_eq!(o.status.code(), Some(2), "--out {out}");
    }
    assert!(dir.path().join("in/a.txt").exists());
    // An empty directory and an earlier reports directory are fine.
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    dir.ok(&["run", "in/a.txt", "--out", "empty", "-q"]);
    dir.ok(&["run", "in/a.txt", "--out", "empty", "-q"]);
}

/// SIGKILL in the middle of a run leaves the previous reports intact: the new ones are written
/// beside them and swapped in only when complete. The next run cleans up what the killed one
/// left behind.
#[test]
fn sigkill_midway_leaves_previous_reports_intact() {
    let dir = Dir::new();
    dir.write("small/a.txt", article());
    dir.ok(&["run", "small", "--out", "r", "-q"]);
    let before = snapshot(&dir.path().join("r"));
    let hidden = |dir: &Dir| -> Vec<String> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };

    let mut records = 4000;
    let killed_midway = loop {
        let line = json_line(serde_json::json!({"text": article()}));
        std::fs::write(dir.path().join("big.jsonl"), line.repeat(records)).unwrap();
        let mut child = dir
            .cmd()
            .args(["run", "big.jsonl", "--out", "r", "-q", "--threads", "1"])
            .spawn()
            .unwrap();
        let tmp = dir.path().join(format!(".r.tmp-{}", child.id()));
        let start = Instant::now();
        let mut midway = false;
        while child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(60) {
            // Midway: the first batch of rows is on disk in the temporary directory.
            let written = std::fs::metadata(tmp.join("lines.csv")).map_or(0, |m| m.len());
            if written > 100 {
                child.kill().ok(); // SIGKILL
                midway = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.wait().unwrap();
        if midway || records > 64_000 {
            break midway;
        }
        records *= 4; // the run was too quick to catch: a larger corpus
    };
    assert!(killed_midway, "could not catch a run in the middle");
    assert_eq!(before, snapshot(&dir.path().join("r")), "previous reports changed");
    assert_eq!(hidden(&dir).len(), 1, "the killed run's temporary directory is left");
    // The next run removes it and replaces the reports.
    dir.write("small/b.txt", article());
    dir.ok(&["run", "small", "--out", "r", "-q"]);
    assert!(hidden(&dir).is_empty(), "{:?}", hidden(&dir));
    assert_eq!(dir.csv("r/documents.csv").len(), 2);
}

/// A run killed between moving the previous reports aside and moving the new ones in (only
/// possible where directories cannot be exchanged atomically) has them restored.
#[test]
fn reports_moved_aside_by_a_killed_commit_are_restored() {
    let dir = Dir::new();
    dir.write("in/a.txt", article());
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let before = snapshot(&dir.path().join("r"));
    // A dead process's leftovers: pid 999999999 is above any pid_max.
    std::fs::rename(dir.path().join("r"), dir.path().join(".r.old-999999999")).unwrap();
    std::fs::create_dir(dir.path().join(".r.tmp-999999999")).unwrap();
    dir.write("bad/x.txt", b"");
    assert_eq!(dir.run(&["run", "bad", "--out", "r", "-q"]).status.code(), Some(1));
    assert_eq!(before, snapshot(&dir.path().join("r")));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

fn assert_same_reports(dir: &Dir, runs: &[&str]) {
    let first = snapshot(&dir.path().join(runs[0]));
    assert!(first.contains_key("documents.csv"));
    for r in &runs[1..] {
        let other = snapshot(&dir.path().join(r));
        assert_eq!(first.keys().collect::<Vec<_>>(), other.keys().collect::<Vec<_>>());
        for (name, bytes) in &first {
            assert!(other[name] == *bytes, "{name} differs between {} and {r}", runs[0]);
        }
    }
}

#[test]
fn bundled_corpus_reports_do_not_depend_on_threads() {
    let dir = Dir::new();
    let corpus = repo().join("corpus");
    let corpus = corpus.to_str().unwrap();
    for (out, threads) in [("t1", "1"), ("t2", "2"), ("t8", "8"), ("t2b", "2")] {
        dir.ok(&["run", corpus, "--out", out, "-q", "--threads", threads]);
    }
    assert_same_reports(&dir, &["t1", "t2", "t8", "t2b"]);
}

#[test]
fn timings_go_to_stderr_and_change_no_report() {
    let dir = Dir::new();
    let corpus = repo().join("corpus");
    let corpus = corpus.to_str().unwrap();
    let quiet = dir.ok(&["run", corpus, "--out", "plain", "-q", "--threads", "2"]);
    assert!(quiet.stderr.is_empty(), "{}", String::from_utf8_lossy(&quiet.stderr));
    let timed = dir
        .cmd()
        .env(recoupe::analysis::TIMINGS_ENV, "1")
        .args(["run", corpus, "--out", "timed", "-q", "--threads", "2"])
        .output()
        .unwrap();
    assert!(timed.status.success());
    assert!(timed.stdout.is_empty());
    let stderr = String::from_utf8(timed.stderr).unwrap();
    // Phases within a phase are indented.
    let phases = ["pass 1 (line statistics)", "model", "pass 2 (analysis)", "alignment", "commit"];
    for phase in phases {
        let line = stderr
            .lines()
            .find(|l| {
                l.strip_prefix("recoupe timings: ")
                    .is_some_and(|r| r.trim_start().starts_with(&format!("{phase} ")))
            })
            .unwrap_or_else(|| panic!("no timing for {phase:?} in:\n{stderr}"));
        assert!(line.contains(" s  rss ") && line.contains(" MB  peak "), "{line}");
    }
    for stage in ["decode", "lang", "structure", "entities", "claims", "report", "aggregate"] {
        assert!(
            stderr.lines().any(|l| l.starts_with(&format!("recoupe timings: stage {stage} "))
                && l.ends_with("s (all threads)")),
            "no CPU time for the {stage} stage in:\n{stderr}"
        );
    }
    // "0" turns them off, as the variable's absence does.
    let off = dir
        .cmd()
        .env(recoupe::analysis::TIMINGS_ENV, "0")
        .args(["run", corpus, "--out", "off", "-q"])
        .output()
        .unwrap();
    assert!(off.status.success() && off.stderr.is_empty());
    assert_same_reports(&dir, &["plain", "timed", "off"]);
}

#[test]
fn synthetic_corpus_reports_do_not_depend_on_threads() {
    let dir = Dir::new();
    let from = repo().join("corpus");
    let from = from.to_str().unwrap();
    dir.ok(&["synth", "--docs", "2000", "--out", "corpus", "--seed", "11", "--from", from]);
    dir.ok(&["synth", "--docs", "2000", "--out", "again", "--seed", "11", "--from", from]);
    assert_eq!(snapshot(&dir.path().join("corpus")), snapshot(&dir.path().join("again")));
    for (out, threads) in [("t1", "1"), ("t2", "2"), ("t8", "8"), ("t2b", "2")] {
        dir.ok(&["run", "corpus", "--out", out, "-q", "--threads", threads]);
    }
    assert_same_reports(&dir, &["t1", "t2", "t8", "t2b"]);
    assert_eq!(dir.csv("t1/documents.csv").len(), 2000);
}

/// Per-document analysis as a library call, checked for panics and for the offsets contract.
mod property {
    use proptest::prelude::*;
    use recoupe::analysis::analyse;
    use recoupe::decode::{Limits, decode_doc};
    use recoupe::document::{Meta, Payload, RawDoc};
    use recoupe::model::Model;
    use recoupe::structure::CorpusStats;
    use std::sync::OnceLock;

    fn model() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::build(&[]).expect("bundled model builds"))
    }

    /// Decodes and analyses `bytes`; checks every offset the analysis reports.
    fn check(payload: Payload) -> Result<(), TestCaseError> {
        let raw = RawDoc {
            index: 0,
            id: "p".into(),
            path: "p".into(),
            record_id: String::new(),
            meta: Meta::default(),
            payload,
        };
        let Ok(doc) = decode_doc(raw, Limits { max_line_bytes: 1 << 20 }) else { return Ok(()) };
        let text = doc.text.as_str();
        prop_assert!(!text.contains('\r'));
        prop_assert!(unicode_normalization::is_nfc(text));
        prop_assert_eq!(recoupe::decode::canonicalize(text), text, "decoded text is canonical");
        let mut stats = CorpusStats::default();
        stats.observe(&doc);
        let a = analyse(&doc, model(), &stats);
        // Start of each line (1-based number → byte offset).
        let mut starts = vec![0usize, 0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let n_lines = starts.len() - 1;
        let mut last = 0;
        for l in &a.structure.lines {
            prop_assert!(l.number > last && l.number <= n_lines, "line {}", l.number);
            last = l.number;
            prop_assert!(l.start <= l.end && l.end <= text.len());
            prop_assert!(text.is_char_boundary(l.start) && text.is_char_boundary(l.end));
            prop_assert_eq!(l.start, starts[l.number]);
            prop_assert!(!text[l.start..l.end].contains('\n'));
        }
        for m in &a.mentions {
            prop_assert!(m.line >= 1 && m.line <= n_lines, "mention line {}", m.line);
            prop_assert!(m.byte_start < m.byte_end && m.byte_end <= text.len());
            prop_assert!(text.is_char_boundary(m.byte_start) && text.is_char_boundary(m.byte_end));
            let line_start = starts[m.line];
            prop_assert!(m.byte_start >= line_start);
            let span = &text[m.byte_start..m.byte_end];
            prop_assert!(!span.contains('\n'));
            prop_assert_eq!(text[line_start..m.byte_start].chars().count(), m.char_start);
            prop_assert_eq!(m.char_start + span.chars().count(), m.char_end);
            prop_assert_eq!(&m.surface, span);
        }
        for c in &a.claims.claims {
            prop_assert!(c.line >= 1 && c.line <= n_lines, "claim line {}", c.line);
        }
        prop_assert_eq!(a.info.chars, text.chars().count());
        Ok(())
    }

    /// Pieces that make text interesting to the stages: names of the knowledge base, accents
    /// in both normal forms, numbers, list separators, quotes, line ends of every kind,
    /// invisible and control characters, other scripts.
    const PIECES: &[&str] = &[
        "Israël",
        "Isra\u{65}\u{308}l",
        "Maroc",
        "NSO Group",
        "NSO",
        "États-Unis",
        "Etats-unis",
        "U.S.",
        "Émirats arabes unis",
        "France",
        "Pegasus",
        "ministère",
        "de la Défense",
        "37",
        "102",
        "1,5",
        "3 000",
        "65 %",
        "pays",
        " ",
        " ",
        ", ",
        "; ",
        " et ",
        ".",
        ". ",
        ":",
        "\n",
        "\r\n",
        "\r",
        "\n\n",
        "« ",
        " »",
        "\"",
        "'",
        "’",
        "(",
        ")",
        "-",
        "–",
        "\t",
        "\u{200B}",
        "\u{202E}",
        "\u{00AD}",
        "\u{0301}",
        "\u{FEFF}",
        "\u{0}",
        "\u{7}",
        "日本",
        "Россия",
        "إسرائيل",
        "🇮🇱",
        "x",
        "A",
        "jeudi",
        "2021",
        "Selon",
        "a déclaré",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            check(Payload::Bytes(bytes))?;
        }

        #[test]
        fn token_soup_offsets_hold(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..200),
            json in any::<bool>(),
        ) {
            let text = pieces.concat();
            check(if json { Payload::JsonString(text) } else { Payload::Bytes(text.into_bytes()) })?;
        }

        #[test]
        fn arbitrary_strings_offsets_hold(text in "\\PC{0,400}") {
            check(Payload::JsonString(text))?;
        }
    }
}

/// The first pass detects each document's language for the second: every document gets the
/// language of its own text (as `lang::detect` gives it, the declared one when detection has no
/// answer), at any thread count, with unreadable records and other files among them.
#[test]
fn languages_detected_in_the_first_pass_go_to_their_documents() {
    let texts = [
        "Le gouvernement a annoncé jeudi une réforme des retraites qui doit entrer en vigueur \
         l'année prochaine, malgré l'opposition des syndicats et d'une partie de la majorité.",
        "The government announced on Thursday a pension reform that is due to take effect next \
         year, despite opposition from the unions and from part of its own majority.",
        "Die Regierung hat am Donnerstag eine Rentenreform angekündigt, die im nächsten Jahr in \
         Kraft treten soll, trotz des Widerstands der Gewerkschaften und eines Teils der Mehrheit.",
        "El gobierno anunció el jueves una reforma de las pensiones que debe entrar en vigor el \
         año que viene, pese a la oposición de los sindicatos y de una parte de la mayoría.",
        "Il governo ha annunciato giovedì una riforma delle pensioni che dovrebbe entrare in \
         vigore il prossimo anno, nonostante l'opposizione dei sindacati e di parte della maggioranza.",
        "O governo anunciou na quinta-feira uma reforma da previdência que deve entrar em vigor \
         no próximo ano, apesar da oposição dos sindicatos e de parte da maioria.",
    ];
    let dir = Dir::new();
    let mut jsonl = String::new();
    // (record number, text, declared language) of each record that should be analysed.
    let mut expected = Vec::new();
    for n in 1..=40 {
        if n % 7 == 0 {
            jsonl.push_str("{\"text\": \"unfinished\n");
            continue;
        }
        let (text, declared) = if n % 11 == 0 {
            ("12 345 678 — 90 % — 2021".to_string(), "NL")
        } else {
            (format!("Record {n}.\n\n{}", texts[(n * 5) % texts.len()]), "")
        };
        jsonl.push_str(&json_line(serde_json::json!({"text": text, "language": declared})));
        expected.push((n, text, declared));
    }
    dir.write("in/records.jsonl.gz", gzip(jsonl.as_bytes()));
    dir.write("in/a.txt", texts[0]);
    dir.write("in/b.txt", "");
    dir.write("in/c.txt", texts[2]);
    let codes: BTreeSet<String> =
        expected.iter().map(|(_, t, d)| recoupe::lang::detect(t, d).code).collect();
    assert!(codes.len() >= 6, "{codes:?}");
    for threads in ["1", "2"] {
        let out = format!("out-{threads}");
        dir.ok(&["run", "in", "--out", &out, "-q", "--threads", threads]);
        let docs = accounted(&dir.path().join(&out)).0;
        assert_eq!(docs.len(), expected.len() + 2, "{threads} threads");
        for (n, text, declared) in &expected {
            let row = &docs[&format!("records.jsonl.gz#{n}")];
            assert_eq!(row["lang"], recoupe::lang::detect(text, declared).code, "#{n}");
        }
        assert_eq!(docs["a.txt"]["lang"], "fr");
        assert_eq!(docs["c.txt"]["lang"], "de");
    }
}
