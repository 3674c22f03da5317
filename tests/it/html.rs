//! The HTML report: self-contained, every piece of article text escaped, caps stated, and (in
//! `browser_renders_report`, run by .ci/run) rendered by headless Chromium.

use super::util::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// An article that tries every way of getting markup or script into the page.
const HOSTILE: &str = "Titre <script>document.documentElement.dataset.pwned='title'</script>\n\n\
Le ministère a indiqué \"><img src=x onerror=\"document.documentElement.dataset.pwned='img'\"> que 37 pays restent sur la liste.\n\n\
Voir <a href=\"javascript:document.documentElement.dataset.pwned='a'\">ici</a> et [lien](javascript:alert(3)) \
<svg onload=\"document.documentElement.dataset.pwned='svg'\"></svg> <iframe src=\"https://example.com/\"></iframe>.\n\n\
<style>body{display:none}</style> &lt;b&gt;déjà échappé&lt;/b&gt; ]]> <!-- commentaire -->\n";

/// Elements report.html may contain: anything else came from an article.
const ALLOWED_TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "input",
    "main",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "label",
    "span",
    "nav",
    "ol",
    "ul",
    "li",
    "a",
    "section",
    "div",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
    "article",
    "code",
    "mark",
    "br",
    "figure",
    "blockquote",
    "figcaption",
    "ins",
    "del",
    "script",
];

/// Runs recoupe on `inputs` (paths relative to `dir`) and returns report.html.
fn report(dir: &Dir, inputs: &[&str]) -> String {
    let mut args = vec!["run", "--quiet", "--out", "r"];
    args.extend_from_slice(inputs);
    dir.ok(&args);
    std::fs::read_to_string(dir.path().join("r/report.html")).unwrap()
}

/// The names of every element opened in `html`, with their count.
fn tags(html: &str) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for (i, _) in html.match_indices('<') {
        let name: String = html[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect::<String>()
            .to_ascii_lowercase();
        if !name.is_empty() {
            *out.entry(name).or_default() += 1;
        }
    }
    out
}

/// The attribute names of the tag `tag` starts with (quoted values skipped).
fn attr_names(tag: &str) -> Vec<String> {
    let b = tag.as_bytes();
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'!' || b[i] == b'/') {
        i += 1;
    }
    let mut names = Vec::new();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' || b[i] == b'/' {
            return names;
        }
        let start = i;
        while i < b.len() && !b"= >\t\n/".contains(&b[i]) {
            i += 1;
        }
        names.push(tag[start..i].to_ascii_lowercase());
        if i < b.len() && b[i] == b'=' {
            i += 1;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            } else {
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
            }
        }
    }
}

/// Every value of attribute `attr` in `html`.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!(" {attr}=\"");
    html.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &html[i + pat.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn article_markup_renders_as_plain_text() {
    let dir = Dir::new();
    dir.write("in/a.txt", HOSTILE);
    let record = serde_json::json!({
        "id": "x\"><script>alert(1)</script>",
        "title": "<img src=x onerror=alert(1)>",
        "url": "javascript:alert(1)",
        "outlet": "<b>Evil</b> Outlet",
        "text": HOSTILE,
    });
    dir.write("in/b.jsonl", format!("{record}\n"));
    let html = report(&dir, &["in"]);

    // Only the page's own elements, and its one script.
    let found = tags(&html);
    for name in found.keys() {
        assert!(
            ALLOWED_TAGS.contains(&name.as_str()) || name == "!doctype",
            "element <{name}> from article text in report.html"
        );
    }
    assert_eq!(found["script"], 1, "only the page's own script");
    assert!(html.contains("<script>\"use strict\""));
    assert_eq!(found["style"], 1, "only the page's own style");
    // Links stay inside the page; nothing is loaded from anywhere.
    for href in attr_values(&html, "href") {
        assert!(href.starts_with('#'), "link out of the page: {href}");
    }
    assert!(attr_values(&html, "src").is_empty(), "a src attribute in report.html");
    // No event handler attribute in any tag (a raw '<' only ever opens the page's own tags).
    let before_script = &html[..html.find("<script>").unwrap()];
    for (i, _) in before_script.match_indices('<') {
        for name in attr_names(&html[i..]) {
            assert!(!name.starts_with("on"), "handler {name} at {}", &html[i..i + 80]);
        }
    }
    // The text is shown, as text.
    for shown in [
        "&lt;script&gt;document.documentElement.dataset.pwned='title'&lt;/script&gt;",
        "&quot;&gt;&lt;img src=x onerror=&quot;document.documentElement.dataset.pwned='img'&quot;&gt;",
        "&lt;a href=&quot;javascript:document.documentElement.dataset.pwned='a'&quot;&gt;ici&lt;/a&gt;",
        "[lien](javascript:alert(",
        "&amp;lt;b&amp;gt;déjà échappé&amp;lt;/b&amp;gt; ]]&gt; &lt;!-- commentaire --&gt;",
        "&lt;b&gt;Evil&lt;/b&gt; Outlet",
    ] {
        assert!(html.contains(shown), "not shown as text: {shown}");
    }
    // A Content-Security-Policy forbids everything but the page's own blocks.
    assert!(html.contains("content=\"default-src 'none'; script-src 'sha256-"));
}

#[test]
fn report_is_self_contained_and_anchored() {
    let dir = Dir::new();
    dir.write("in/a.txt", french_article(1));
    dir.write("in/b.txt", french_article(2));
    let html = report(&dir, &["in"]);
    let ids: BTreeSet<&str> = attr_values(&html, "id").into_iter().collect();
    assert_eq!(ids.len(), attr_values(&html, "id").len(), "duplicate ids");
    // Every in-page link lands on an element.
    for href in attr_values(&html, "href") {
        assert!(ids.contains(&href[1..]), "dangling link {href}");
    }
    // Each line and each sentence has its anchor (doc-<n>-l<line>[-s<k>]).
    for id in ["doc-0", "doc-0-l1", "doc-0-l3", "doc-0-l3-s1", "doc-1-l5-s1", "documents-table"] {
        assert!(ids.contains(id), "no #{id}");
    }
    // No external resource of any kind.
    for needle in ["http://", "https://", "url(", "@import", "src="] {
        assert!(!html.contains(needle), "report.html references {needle}");
    }
    assert!(html.contains("@media print"));
    // Tables are semantic: every table has a caption and column headers.
    let tables = html.matches("<table").count();
    assert!(tables >= 1);
    assert_eq!(html.matches("<caption").count(), tables);
    assert_eq!(html.matches("<thead>").count(), tables);
}

#[test]
fn stories_over_the_cap_are_stated_not_dropped_silently() {
    let dir = Dir::new();
    // More single-document stories than the page shows: distinct subjects, distinct words.
    let n = recoupe::report::html::MAX_STORIES + 3;
    let mut jsonl = String::new();
    for i in 0..n {
        let text =
            format!("Dépêche {i}\n\nLe sujet {i:x}{i:o} concerne le dossier z{}q.\n", i * 7919);
        jsonl.push_str(&serde_json::json!({ "text": text }).to_string());
        jsonl.push('\n');
    }
    dir.write("in/many.jsonl", jsonl);
    let html = report(&dir, &["in"]);
    let stories = html.matches("<section class=\"story\"").count();
    assert!(stories <= recoupe::report::html::MAX_STORIES, "{stories} stories shown");
    let docs = dir.csv("r/documents.csv");
    let total: BTreeSet<&str> = docs.iter().map(|r| r["story"].as_str()).collect();
    if total.len() > stories {
        assert!(html.contains("id=\"cap-note\""), "capped without saying so");
        assert!(html.contains(&format!("of {} stories", total.len())), "cap note miscounts");
    }
}

// ---------------------------------------------------------------------------------------------
// The browser check.

/// The Chromium binary: $RECOUPE_CHROMIUM, else the first of the usual names on PATH.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("RECOUPE_CHROMIUM") {
        return p.into();
    }
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "no Chromium found: install it (Debian: apt-get install chromium) or set RECOUPE_CHROMIUM"
    );
}

/// Runs headless Chromium on `page` with `extra` flags; returns (stdout, stderr). Chromium is
/// killed if it has not finished after two minutes.
fn run_chromium(page: &Path, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let o = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let e = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish rendering {} in 120 s", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (o.join().unwrap(), e.join().unwrap())
}

/// The rendered DOM of `page`, after its scripts ran.
fn dom(page: &Path) -> String {
    let (out, err) = run_chromium(page, &["--dump-dom".into()]);
    assert!(out.contains("</html>"), "no DOM from chromium for {}:\n{err}", page.display());
    for refused in ["Content Security Policy", "Refused to", "violates"] {
        assert!(!err.contains(refused), "the page broke its own policy:\n{err}");
    }
    out
}

/// The outer HTML of the first element whose id starts with `prefix`, found in a Chromium DOM
/// dump (whose markup is normalized).
fn element<'a>(dom: &'a str, prefix: &str) -> Option<&'a str> {
    let at = dom.find(&format!(" id=\"{prefix}"))?;
    let open = dom[..at].rfind('<')?;
    let name: String = dom[open + 1..].chars().take_while(char::is_ascii_alphanumeric).collect();
    let (open_tag, close_tag) = (format!("<{name}"), format!("</{name}>"));
    let mut depth = 0;
    let mut pos = open;
    loop {
        let next_open = dom[pos..].find(&open_tag).map(|i| pos + i);
        let next_close = dom[pos..].find(&close_tag).map(|i| pos + i)?;
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                pos = o + open_tag.len();
            }
            _ => {
                depth -= 1;
                pos = next_close + close_tag.len();
                if depth == 0 {
                    return Some(&dom[open..pos]);
                }
            }
        }
    }
}

/// Every element whose id starts with `prefix`.
fn elements<'a>(dom: &'a str, prefix: &str) -> Vec<&'a str> {
    let pat = format!(" id=\"{prefix}");
    dom.match_indices(&pat)
        .filter_map(|(i, _)| element(&dom[dom[..i].rfind('<')?..], prefix))
        .collect()
}

/// Renders the bundled corpus's report and a hostile one in headless Chromium, checks the
/// rendered DOM, and saves the screenshot shown in the README (reports/report.png).
#[test]
#[ignore = "needs headless Chromium; .ci/run runs it (cargo test browser -- --ignored)"]
fn browser_renders_report() {
    let dir = Dir::new();
    let out = dir.run_bundled("r");
    let page = out.join("report.html");
    let d = dom(&page);

    // The page's own script ran under its policy (sorting buttons, filter box).
    assert!(d.contains("data-js=\"on\""), "the page's script did not run");
    assert!(d.contains("class=\"filter\""), "no filter box on the documents table");
    let docs = element(&d, "documents-table").expect("documents table");
    assert_eq!(docs.matches("<tr>").count(), 1 + 5, "documents table rows");

    // What the CSV reports find, the page shows.
    let consistency = read_csv(&out.join("consistency.csv"));
    let conflicts: Vec<_> = consistency.iter().filter(|r| r["status"] == "conflict").collect();
    assert!(!conflicts.is_empty(), "the bundled corpus has a conflict (who sued NSO Group)");
    {
        let tables = elements(&d, "conflict-");
        assert!(!tables.is_empty(), "no conflicts table");
        assert!(tables.iter().all(|t| t.starts_with("<table") && t.contains("<caption")));
        let all = tables.concat();
        for c in &conflicts {
            assert!(all.contains(&escape(&c["key"])), "conflict {} not shown", c["key"]);
        }
    }
    // Name variants: every surface of an entity written in several ways is in a variants table.
    let tables = elements(&d, "variants-").concat();
    let variants = read_csv(&out.join("variants.csv"));
    let mut surfaces: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for v in &variants {
        surfaces.entry(v["entity"].as_str()).or_default().push(v["surface"].as_str());
    }
    for (entity, forms) in surfaces.iter().filter(|(_, f)| f.len() > 1) {
        for f in forms {
            assert!(
                tables.contains(&escape(f)),
                "variant {f:?} of {entity} not in a variants table"
            );
        }
    }
    // The bundled corpus's own findings: the misspelt company, side by side with its name.
    assert!(tables.contains("Candira") && tables.contains("Candiru"), "no Candira/Candiru");
    // Quotes: every group carried by several sources is shown side by side, differences marked.
    let quotes = read_csv(&out.join("quotes.csv"));
    let mut groups: std::collections::BTreeMap<&str, Vec<_>> = Default::default();
    for q in &quotes {
        groups.entry(q["group"].as_str()).or_default().push(q);
    }
    let mut raimondo = false;
    for (g, rows) in groups.iter().filter(|(_, r)| r.len() > 1) {
        let shown = elements(&d, "quote-")
            .into_iter()
            .find(|e| e.starts_with("<div") && e.contains(&format!("-{g}\"")))
            .unwrap_or_else(|| panic!("quote group {g} not shown"));
        assert_eq!(shown.matches("<figure>").count(), rows.len(), "quote group {g}");
        if rows.iter().any(|r| r["text"] != rows[0]["text"]) {
            assert!(shown.contains("<ins") || shown.contains("<del"), "{g}: no difference marked");
        }
        if rows.iter().any(|r| r["speaker"].to_lowercase().contains("raimondo")) {
            assert!(shown.contains("Gina Raimondo"), "the Raimondo pair does not name her");
            raimondo = true;
        }
    }
    assert!(raimondo, "no Raimondo quote pair shown side by side");

    // Nothing from an article runs, even through a link or an event handler.
    let hostile = Dir::new();
    hostile.write("in/a.txt", HOSTILE);
    let hostile_page = hostile.path().join("r/report.html");
    report(&hostile, &["in"]);
    let h = dom(&hostile_page);
    assert!(!h.contains("pwned=\""), "a script from article text ran");
    assert!(h.contains("<title>recoupe"), "the page title was changed");
    let t = tags(&h);
    for name in ["img", "svg", "iframe"] {
        assert!(!t.contains_key(name), "<{name}> from article text in the DOM");
    }
    assert_eq!(t["script"], 1);
    assert!(h.contains("&lt;script&gt;document.documentElement.dataset.pwned"));

    // It prints (the print style hides the controls and starts each story on a new page).
    let pdf = dir.path().join("report.pdf");
    let (_, err) = run_chromium(
        &page,
        &["--no-pdf-header-footer".into(), format!("--print-to-pdf={}", pdf.display())],
    );
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("no PDF ({e}):\n{err}"));
    assert!(bytes.starts_with(b"%PDF") && bytes.len() > 10_000, "the printed report looks empty");

    // The screenshot shown in the README.
    let png = repo().join("reports/report.png");
    let (_, err) = run_chromium(
        &page,
        &["--window-size=1280,2000".into(), format!("--screenshot={}", png.display())],
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot ({e}):\n{err}"));
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "screenshot looks empty");
}

/// The HTML escaping of text, as in the page.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
