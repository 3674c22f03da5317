//! Foundation: ingestion of every input form, decoding, reports, determinism, safe writes,
//! exit codes.

use super::util::*;
use std::collections::BTreeSet;

fn docs(dir: &Dir, out: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    dir.csv(&format!("{out}/documents.csv"))
}

fn errors(dir: &Dir, out: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    dir.csv(&format!("{out}/errors.csv"))
}

#[test]
fn bundled_corpus_is_five_french_documents() {
    let dir = Dir::new();
    let out = dir.path().join("r");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_recoupe"))
        .current_dir(repo())
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_csv(&out.join("documents.csv"));
    assert_eq!(rows.len(), 5);
    for r in &rows {
        assert_eq!(r["lang"], "fr", "{}", r["doc"]);
        assert_eq!(r["encoding"], "utf-8");
        assert!(r["doc"].ends_with(".txt") && !r["doc"].contains('/'));
    }
    assert_eq!(read_csv(&out.join("errors.csv")).len(), 0);
    // The manifest beside the corpus fills the outlet column where the text names one.
    assert!(rows.iter().any(|r| !r["outlet"].is_empty()));
}

#[test]
fn committed_reports_are_current() {
    // `cargo run --release` writes reports/ from corpus/; the committed copy must match it.
    let dir = Dir::new();
    let out = dir.run_bundled("reports");
    let fresh = snapshot(&out);
    let mut committed = snapshot(&repo().join("reports"));
    committed.remove("report.png"); // a screenshot made by the browser check, not by `run`
    let names = |m: &std::collections::BTreeMap<String, Vec<u8>>| {
        m.keys().cloned().collect::<BTreeSet<_>>()
    };
    assert_eq!(
        names(&fresh),
        names(&committed),
        "reports/ lists other files than a fresh run; run `cargo run --release`"
    );
    for (name, bytes) in &fresh {
        assert!(
            committed[name] == *bytes,
            "reports/{name} is stale: regenerate with `cargo run --release` and commit"
        );
    }
}

#[test]
fn single_file_directory_and_stdin() {
    let dir = Dir::new();
    dir.write("in/a.txt", french_article(1));
    dir.write("in/sub/b.md", french_article(2));
    dir.write("in/.hidden.txt", french_article(3));
    dir.ok(&["run", "in", "--out", "r1", "-q"]);
    let ids: Vec<String> = docs(&dir, "r1").into_iter().map(|r| r["doc"].clone()).collect();
    assert_eq!(ids, ["a.txt", "sub/b.md"]);

    dir.ok(&["run", "in/a.txt", "--out", "r2", "-q"]);
    assert_eq!(docs(&dir, "r2")[0]["doc"], "a.txt");

    let o = dir.run_stdin(&["run", "-", "--out", "r3", "-q"], french_article(4).as_bytes());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = docs(&dir, "r3");
    assert_eq!((rows[0]["doc"].as_str(), rows[0]["path"].as_str()), ("stdin", "-"));
    assert!(o.stdout.is_empty(), "nothing on stdout for run");
}

#[test]
fn jsonl_gz_and_news_please_json() {
    let dir = Dir::new();
    let line = |n: usize| {
        serde_json::json!({"maintext": french_article(n), "title": format!("Titre {n}"),
            "source_domain": "example.org", "date_publish": "2021-11-05", "url": format!("https://example.org/{n}"),
            "language": "fr", "id": format!("rec-{n}")})
        .to_string()
    };
    let jsonl = format!("{}\n{}\n", line(1), line(2));
    dir.write("in/a.jsonl", &jsonl);
    dir.write("in/b.jsonl.gz", gzip(jsonl.as_bytes()));
    dir.write("in/c.json", format!("[{},{}]", line(3), line(4)));
    dir.write(
        "in/d.json",
        serde_json::json!({"text": french_article(5), "title": "Traf", "hostname": "traf.example", "date": "2021-11-04", "source": "https://traf.example/x"}).to_string(),
    );
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let rows = docs(&dir, "r");
    let ids: Vec<&str> = rows.iter().map(|r| r["doc"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "a.jsonl#1",
            "a.jsonl#2",
            "b.jsonl.gz#1",
            "b.jsonl.gz#2",
            "c.json#1",
            "c.json#2",
            "d.json#1"
        ]
    );
    assert_eq!(rows[0]["outlet"], "example.org");
    assert_eq!(rows[0]["record_id"], "rec-1");
    assert_eq!(rows[0]["date"], "2021-11-05");
    assert_eq!(rows[6]["outlet"], "traf.example");
    assert_eq!(rows[6]["url"], "https://traf.example/x");
    assert!(rows.iter().all(|r| r["lang"] == "fr"));
}

#[test]
fn custom_text_field() {
    let dir = Dir::new();
    dir.write("a.jsonl", format!("{}\n", serde_json::json!({"story": french_article(1)})));
    let o = dir.run(&["run", "a.jsonl", "--out", "r", "-q"]);
    assert!(o.status.code() == Some(1), "no document could be read: fatal");
    dir.ok(&["run", "a.jsonl", "--out", "r", "-q", "--text-field", "story"]);
    assert_eq!(docs(&dir, "r").len(), 1);
}

#[test]
fn windows_1252_french_is_decoded() {
    let dir = Dir::new();
    let text = french_article(1);
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    dir.write("in/latin.txt", &bytes);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let row = &docs(&dir, "r")[0];
    assert_eq!(row["encoding"], "windows-1252");
    assert_eq!(row["lang"], "fr");
    assert!(row["chars"].parse::<usize>().unwrap() < bytes.len() + 1);
}

#[test]
fn bad_inputs_are_listed_and_the_rest_analysed() {
    let dir = Dir::new();
    dir.write("in/good.txt", french_article(1));
    dir.write("in/image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0");
    dir.write("in/empty.txt", b"");
    let good = serde_json::json!({"text": french_article(2)}).to_string();
    dir.write("in/mixed.jsonl", format!("{good}\n{{not json\n{{\"text\": 42}}\n{good}\n"));
    dir.write("in/broken.jsonl.gz", &gzip(format!("{good}\n").as_bytes())[..20]);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let d: Vec<String> = docs(&dir, "r").into_iter().map(|r| r["doc"].clone()).collect();
    let e = errors(&dir, "r");
    let e_ids: Vec<&str> = e.iter().map(|r| r["doc"].as_str()).collect();
    assert_eq!(d, ["good.txt", "mixed.jsonl#1", "mixed.jsonl#4"]);
    assert_eq!(
        e_ids,
        ["broken.jsonl.gz", "empty.txt", "image.txt", "mixed.jsonl#2", "mixed.jsonl#3"]
    );
    let reason = |id: &str| e.iter().find(|r| r["doc"] == id).unwrap()["error"].clone();
    assert!(reason("image.txt").contains("binary"));
    assert!(reason("empty.txt").contains("empty"));
    assert!(reason("mixed.jsonl#2").contains("invalid JSON"));
    assert!(reason("mixed.jsonl#3").contains("number"));
    assert!(reason("broken.jsonl.gz").contains("gzip"));
}

#[test]
fn thread_count_does_not_change_reports() {
    let dir = Dir::new();
    for n in 0..40 {
        dir.write(&format!("in/{n:03}.txt"), french_article(n));
    }
    dir.write(
        "in/z.jsonl",
        (0..50)
            .map(|n| serde_json::json!({"text": french_article(n)}).to_string() + "\n")
            .collect::<String>(),
    );
    dir.ok(&["run", "in", "--out", "t1", "-q", "--threads", "1"]);
    dir.ok(&["run", "in", "--out", "t4", "-q", "--threads", "4"]);
    dir.ok(&["run", "in", "--out", "t4b", "-q", "--threads", "4"]);
    let a = snapshot(&dir.path().join("t1"));
    assert_eq!(a, snapshot(&dir.path().join("t4")));
    assert_eq!(a, snapshot(&dir.path().join("t4b")));
}

#[test]
fn failed_run_leaves_previous_reports_intact() {
    let dir = Dir::new();
    dir.write("in/a.txt", french_article(1));
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let before = snapshot(&dir.path().join("r"));
    dir.write("bad/x.txt", b"");
    let o = dir.run(&["run", "bad", "--out", "r", "-q"]);
    assert_eq!(o.status.code(), Some(1), "no readable input is fatal");
    assert_eq!(before, snapshot(&dir.path().join("r")));
    let o = dir.run(&["run", "missing-dir", "--out", "r", "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(before, snapshot(&dir.path().join("r")));
    // Nothing left beside the output.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn exit_codes() {
    let dir = Dir::new();
    dir.write("in/a.txt", french_article(1));
    dir.write("in/b.txt", b"");
    assert_eq!(dir.run(&["run", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(dir.run(&["run", "in", "--threads", "0"]).status.code(), Some(2));
    assert_eq!(dir.run(&["run", "in", "--out", "r", "-q"]).status.code(), Some(0));
    assert_eq!(dir.run(&["run", "in", "--out", "r", "-q", "--strict"]).status.code(), Some(1));
    // Without -q, the summary reaches stderr before the process ends (it exits without the
    // allocator's clean-up), with the same codes.
    let o = dir.run(&["run", "in", "--out", "r", "--strict"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("1 documents analysed, 1 errors"), "{err}");
    assert!(err.contains("1 inputs could not be analysed"), "{err}");
    let help = String::from_utf8(dir.run(&["run", "--help"]).stdout).unwrap();
    assert!(help.contains("EXIT CODES"));
}

#[test]
fn record_ids_never_become_paths() {
    let dir = Dir::new();
    let rec = serde_json::json!({"id": "../../escape", "text": french_article(1)});
    dir.write("work/in.jsonl", format!("{rec}\n"));
    let o = dir
        .cmd()
        .current_dir(dir.path().join("work"))
        .args(["run", "in.jsonl", "--out", "out", "-q"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let top: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(top, BTreeSet::from(["work".to_string()]));
    let rows = read_csv(&dir.path().join("work/out/documents.csv"));
    assert_eq!(
        (rows[0]["doc"].as_str(), rows[0]["record_id"].as_str()),
        ("in.jsonl#1", "../../escape")
    );
}

#[test]
fn every_input_is_accounted_for() {
    // Conservation: each input document lands in exactly one of documents.csv and errors.csv.
    let dir = Dir::new();
    let mut expected = BTreeSet::new();
    for n in 0..7 {
        dir.write(
            &format!("in/{n}.txt"),
            if n % 3 == 0 { Vec::new() } else { french_article(n).into_bytes() },
        );
        expected.insert(format!("{n}.txt"));
    }
    let lines: String = (1..=9)
        .map(|n| {
            if n % 4 == 0 {
                "{oops\n".to_string()
            } else {
                serde_json::json!({"text": french_article(n)}).to_string() + "\n"
            }
        })
        .collect();
    dir.write("in/r.jsonl", lines);
    expected.extend((1..=9).map(|n| format!("r.jsonl#{n}")));
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let mut seen = BTreeSet::new();
    for row in docs(&dir, "r").into_iter().chain(errors(&dir, "r")) {
        assert!(seen.insert(row["doc"].clone()), "{} listed twice", row["doc"]);
    }
    assert_eq!(seen, expected);
}
