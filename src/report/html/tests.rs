//! report.html rendered from a hand-made corpus-level model: every section, every link, every
//! word that says what a colour says.

use super::*;
use crate::align::{
    Cell, Copy, Coverage, CoverageRow, DiffSpan, DocSummary, EntityVariants, Evidence, Finding,
    Form, MemberCell, MembershipList, MembershipRow, QuoteGroup, QuoteMember, Report, Status,
    Story, StorySummary,
};
use crate::analysis::{DocAnalysis, DocInfo};
use crate::claims::{Claim, DocClaims, Kind};
use crate::document::{Document, Meta};
use crate::entities::Mention;
use crate::structure::{Label, Line, Structure};

#[test]
fn csp_hashes_match_the_inline_blocks() {
    use base64::Engine;
    use sha2::Digest;
    let h = |s: &str| base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s));
    assert_eq!(h(CSS), CSS_SHA256, "update CSS_SHA256");
    assert_eq!(h(JS), JS_SHA256, "update JS_SHA256");
}

const A: &str = "Israël réduit sa liste\n\nLe ministère a réduit la liste à 37 pays, contre 102 auparavant. Le Maroc a été supprimé.\n« Ces entreprises trafiquent des outils », a déclaré Gina Raimondo.\nPublicité : abonnez-vous <b>ici</b>";
const B: &str = "La liste israélienne passe à 39 pays\n\nLa liste compte désormais 39 pays, contre 102. Candira est visée.\n« Ces entreprises commercialisent des outils », a déclaré Gina Raimondo.";

fn structure(text: &str) -> Structure {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, l) in text.split('\n').enumerate() {
        if !l.is_empty() {
            let label = if i == 0 {
                Label::Title
            } else if l.starts_with("Publicité") {
                Label::Boilerplate
            } else {
                Label::Body
            };
            lines.push(Line {
                number: i + 1,
                start,
                end: start + l.len(),
                text_start: start,
                label,
                reason: "test",
            });
        }
        start += l.len() + 1;
    }
    Structure { lines, ..Default::default() }
}

fn mention(text: &str, surface: &str, entity: &str, etype: &'static str) -> Mention {
    let byte_start = text.find(surface).unwrap();
    Mention {
        line: text[..byte_start].matches('\n').count() + 1,
        char_start: 0,
        char_end: 0,
        byte_start,
        byte_end: byte_start + surface.len(),
        surface: surface.into(),
        entity: entity.into(),
        etype,
        kind: "name",
        confidence: 1.0,
    }
}

/// A claim of `text`: the value `surface` in the sentence starting with `sentence`.
fn claim(text: &str, sentence: &str, surface: &str, key: &str) -> Claim {
    let s = text.find(sentence).unwrap();
    let end =
        s + text[s..].find(". ").map_or(text[s..].find('\n').unwrap_or(text.len() - s), |e| e + 1);
    let v = s + text[s..].find(surface).unwrap();
    Claim {
        line: text[..s].matches('\n').count() + 1,
        kind: Kind::Quantity,
        key: key.into(),
        value: surface.into(),
        unit: String::new(),
        role: String::new(),
        approx: String::new(),
        head: "countries".into(),
        entities: vec![],
        members: vec![],
        speaker: String::new(),
        days: vec![],
        surface: surface.into(),
        span: (v, v + surface.len()),
        sentence: (s, end),
        text: text[s..end].into(),
        marks: vec![],
        derived: false,
        compared: String::new(),
    }
}

fn analysis(
    index: usize,
    doc: &str,
    outlet: &str,
    text: &str,
    mentions: Vec<Mention>,
    claims: Vec<Claim>,
) -> (DocAnalysis, Document) {
    let d = Document {
        index,
        id: doc.into(),
        path: doc.into(),
        record_id: String::new(),
        meta: Meta { outlet: outlet.into(), ..Default::default() },
        encoding: "utf-8".into(),
        bytes: text.len(),
        text: text.into(),
    };
    let structure = structure(text);
    let claims = DocClaims { claims, ..Default::default() };
    let a = DocAnalysis {
        info: DocInfo {
            index,
            doc: doc.into(),
            path: doc.into(),
            record_id: String::new(),
            outlet: outlet.into(),
            date: String::new(),
            url: String::new(),
            lang: crate::lang::Lang { code: "fr".into(), confidence: 1.0 },
            encoding: "utf-8".into(),
            bytes: text.len(),
            chars: text.chars().count(),
            lines: text.lines().count(),
            title: String::new(),
            section: String::new(),
            credits: vec![],
            source: String::new(),
        },
        structure,
        mentions,
        claims,
    };
    (a, d)
}

fn evidence(doc: &str, text: &str, c: &Claim) -> Evidence {
    let _ = text;
    Evidence {
        doc: doc.into(),
        line: c.line,
        byte_start: c.sentence.0,
        byte_end: c.sentence.1,
        text: c.text.clone(),
        marks: vec![],
    }
}

fn cell(doc: &str, text: &str, c: &Claim) -> Cell {
    Cell {
        doc: doc.into(),
        value: c.value.clone(),
        surface: c.surface.clone(),
        evidence: vec![evidence(doc, text, c)],
        ..Default::default()
    }
}

/// Writes the page of a two-source story (plus a copy) and returns it.
pub(super) fn sample_page() -> String {
    let a_after = claim(A, "Le ministère", "37", "quantity:countries|after");
    let a_before = claim(A, "Le ministère", "102", "quantity:countries|before");
    let b_after = claim(B, "La liste compte", "39", "quantity:countries|after");
    let b_before = claim(B, "La liste compte", "102", "quantity:countries|before");
    let a = analysis(
        0,
        "a.txt",
        "Le Quotidien",
        A,
        vec![
            mention(A, "Israël", "IL", "country"),
            mention(A, "Maroc", "MA", "country"),
            mention(A, "Gina Raimondo", "gina-raimondo", "person"),
        ],
        vec![a_after.clone(), a_before.clone()],
    );
    let b = analysis(
        1,
        "b.txt",
        "",
        B,
        vec![
            mention(B, "Candira", "candiru", "company"),
            mention(B, "Gina Raimondo", "gina-raimondo", "person"),
        ],
        vec![b_after.clone(), b_before.clone()],
    );
    let c = analysis(2, "c.txt", "Copie", A, vec![], vec![]);
    let dir = tempfile::tempdir().unwrap();
    let mut parts = Parts::create(dir.path()).unwrap();
    for x in [&a, &b, &c] {
        parts.append(&Part::of(&x.0, &x.1).unwrap()).unwrap();
    }
    parts.finish().unwrap();

    let docs = ["a.txt", "b.txt", "c.txt"];
    let finding = |status, key: &str, cells: Vec<Cell>| Finding {
        key: key.into(),
        kind: "quantity".into(),
        status,
        label: format!("<{key}>"),
        values: cells.iter().map(|c| c.value.clone()).collect(),
        sources: cells.iter().map(|c| c.doc.clone()).collect(),
        cells,
        ..Default::default()
    };
    let quote = |doc: &str, text: &str, diff: Vec<(&str, &str)>| {
        let at = text.find('«').unwrap();
        QuoteMember {
            doc: doc.into(),
            line: 4,
            speaker: "gina-raimondo".into(),
            text: text[at..].lines().next().unwrap().into(),
            byte_start: at,
            byte_end: at + 10,
            diff: diff
                .into_iter()
                .map(|(op, t)| DiffSpan { op: op.into(), text: t.into() })
                .collect(),
            copy_of: None,
        }
    };
    let story = Story {
        id: "s1".into(),
        title: "Israël réduit sa liste".into(),
        docs: docs.iter().map(|d| d.to_string()).collect(),
        summary: StorySummary {
            documents: 3,
            outlets: 2,
            independent: 2,
            claims: 4,
            agree: 1,
            conflict: 1,
            single: 1,
            derived: 1,
            copies: 1,
        },
        findings: vec![
            finding(
                Status::Conflict,
                "quantity:countries|after",
                vec![cell("a.txt", A, &a_after), cell("b.txt", B, &b_after)],
            ),
            finding(
                Status::Agree,
                "quantity:countries|before",
                vec![cell("a.txt", A, &a_before), cell("b.txt", B, &b_before)],
            ),
            Finding {
                consistent: Some(true),
                note: "102 - 37 = 65".into(),
                ..finding(
                    Status::Derived,
                    "arith:countries|before-after=removed",
                    vec![cell("a.txt", A, &a_before)],
                )
            },
            finding(Status::Single, "quantity:companies", vec![cell("b.txt", B, &b_after)]),
        ],
        lists: vec![MembershipList {
            key: "list:country".into(),
            label: "countries allowed".into(),
            docs: docs.iter().map(|&d| d.into()).collect(),
            rows: vec![MembershipRow {
                entity: "MA".into(),
                name: "Maroc".into(),
                status: Status::Single,
                cells: vec![
                    MemberCell {
                        doc: "a.txt".into(),
                        state: "out".into(),
                        how: "words".into(),
                        evidence: vec![evidence("a.txt", A, &a_after)],
                    },
                    MemberCell {
                        doc: "b.txt".into(),
                        state: "silent".into(),
                        ..Default::default()
                    },
                ],
            }],
        }],
        quotes: vec![
            QuoteGroup {
                id: "q2".into(),
                speaker: String::new(),
                status: "single".into(),
                members: vec![quote("b.txt", B, vec![])],
            },
            QuoteGroup {
                id: "q1".into(),
                speaker: "Gina Raimondo".into(),
                status: "variant".into(),
                members: vec![
                    quote("a.txt", A, vec![]),
                    quote(
                        "b.txt",
                        B,
                        vec![
                            ("equal", "« Ces entreprises "),
                            ("delete", "trafiquent"),
                            ("insert", "commercialisent"),
                            ("equal", " des outils »"),
                        ],
                    ),
                ],
            },
        ],
        variants: vec![EntityVariants {
            entity: "candiru".into(),
            name: "Candiru".into(),
            etype: "company".into(),
            forms: vec![
                Form {
                    surface: "Candira".into(),
                    kind: "misspelling".into(),
                    docs: vec!["b.txt".into()],
                },
                Form { surface: "Candiru".into(), kind: "name".into(), docs: vec!["a.txt".into()] },
            ],
        }],
        coverage: Coverage {
            docs: docs.iter().map(|d| d.to_string()).collect(),
            rows: vec![
                CoverageRow {
                    entity: "IL".into(),
                    name: "Israël".into(),
                    etype: "country".into(),
                    counts: vec![1, 0, 1],
                },
                CoverageRow {
                    entity: "gina-raimondo".into(),
                    name: "Gina Raimondo".into(),
                    etype: "person".into(),
                    counts: vec![1, 1, 1],
                },
            ],
        },
        copies: vec![Copy { doc: "c.txt".into(), original: "a.txt".into(), similarity: 1.0 }],
    };
    let mut corpus = Corpus::default();
    corpus.report = Report {
        schema: 1,
        documents: docs
            .iter()
            .enumerate()
            .map(|(i, d)| DocSummary {
                doc: d.to_string(),
                index: i,
                story: "s1".into(),
                copy_of: (i == 2).then(|| "a.txt".to_string()),
                ..Default::default()
            })
            .collect(),
        variants: story.variants.clone(),
        stories: vec![story],
    };
    let model = Model::build(&[]).unwrap();
    write(dir.path(), &corpus, &model).unwrap();
    assert!(!dir.path().join(PART).exists() && !dir.path().join(PART_INDEX).exists());
    std::fs::read_to_string(dir.path().join("report.html")).unwrap()
}

/// Values of attribute `attr`.
fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!(" {attr}=\"");
    html.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &html[i + pat.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn every_section_renders_from_the_model() {
    let h = sample_page();
    // Conflicts first, each value linking to its exact sentence.
    let conflict = &h[h.find(r#"id="conflict-s1""#).unwrap()..];
    let conflict = &conflict[..conflict.find("</table>").unwrap()];
    assert!(conflict.contains("&lt;quantity:countries|after&gt;"), "labels are escaped");
    assert!(conflict.contains(r##"href="#doc-0-l3-s1""##), "{conflict}");
    assert!(conflict.contains(r##"href="#doc-1-l3-s1""##), "{conflict}");
    assert!(
        conflict.contains(">conflict<") && conflict.contains(" silent</span>"),
        "status in words"
    );
    assert!(h.contains(r#"id="agree-s1""#) && h.contains(r#"id="derived-s1""#));
    assert!(h.contains("holds</strong>: 102 - 37 = 65"));
    assert!(h.contains(r#"id="single-s1""#));
    // Membership grid, quotes, variants, coverage, copies.
    let list = &h[h.find(r#"id="list-s1-1""#).unwrap()..];
    assert!(list.contains(">out</a>") && list.contains("<td class=\"silent\">silent</td>"));
    let q = &h[h.find(r#"id="quote-s1-q1""#).unwrap()..];
    assert_eq!(q[..q.find("</div>").unwrap()].matches("<figure>").count(), 2);
    assert!(q.contains(r#"<del class="d">trafiquent</del><ins class="d">commercialisent</ins>"#));
    let single = &h[h.find(r#"id="quotes-s1""#).unwrap()..];
    assert!(single.contains("<q>« Ces entreprises commercialisent des outils »"), "{single}");
    assert!(!h.contains(r#"id="quote-s1-q2""#), "a single quote is not a side-by-side group");
    let v = &h[h.find(r#"id="variants-s1""#).unwrap()..];
    assert!(v.contains("<q>Candira</q>") && v.contains("misspelling"));
    let v = &h[h.find(r#"id="variants-corpus""#).unwrap()..];
    assert!(
        v[..v.find("</table>").unwrap()]
            .contains(r##"<q>Candira</q></td><td>misspelling</td><td><a href="#doc-1""##)
    );
    assert!(h.contains(r#"id="coverage-s1""#) && h.contains(r#"<td class="c h4">1</td>"#));
    assert!(h.contains("is a near copy of"));
    // Highlights in the text: entities, and the claim values.
    assert!(h.contains(r#"data-entity="MA">Maroc</mark>"#));
    assert!(h.contains(r#"<mark class="num">37</mark>"#));
    assert!(h.contains(r#"class="ln boilerplate bp""#));
    assert!(h.contains("abonnez-vous &lt;b&gt;ici&lt;/b&gt;"));
    // No dangling link, no duplicate id.
    let ids: std::collections::BTreeSet<&str> = attrs(&h, "id").into_iter().collect();
    assert_eq!(ids.len(), attrs(&h, "id").len(), "duplicate ids");
    for href in attrs(&h, "href") {
        assert!(ids.contains(&href[1..]), "dangling {href}");
    }
}

#[test]
fn page_is_deterministic() {
    assert_eq!(sample_page(), sample_page());
}

/// Writes report.html from the part files in `dir`, documents `d0.txt`… `d{n-1}.txt` forming
/// one story, and reads it back.
fn one_story_page(dir: &std::path::Path, n: usize) -> String {
    let mut corpus = Corpus::default();
    corpus.report.documents = (0..n)
        .map(|i| DocSummary {
            doc: format!("d{i}.txt"),
            index: i,
            story: "s1".into(),
            ..Default::default()
        })
        .collect();
    write(dir, &corpus, &Model::build(&[]).unwrap()).unwrap();
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

/// Writes the part files of documents `d0.txt`… `d{n-1}.txt`, each naming "Candira".
fn candira_parts(dir: &std::path::Path, n: usize) {
    let mut parts = Parts::create(dir).unwrap();
    for i in 0..n {
        let m = vec![mention(B, "Candira", "candiru", "company")];
        let (a, d) = analysis(i, &format!("d{i}.txt"), "", B, m, vec![]);
        parts.append(&Part::of(&a, &d).unwrap()).unwrap();
    }
    parts.finish().unwrap();
}

#[test]
fn a_story_larger_than_the_page_shows_its_first_documents_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let n = MAX_DOCS + 5;
    candira_parts(dir.path(), n);
    let h = one_story_page(dir.path(), n);
    assert_eq!(h.matches("<article class=\"doc\"").count(), MAX_DOCS);
    assert!(h.contains(&format!("This story has {n} documents")), "no note on the story");
    assert!(h.contains(&format!("({MAX_DOCS} of {n} documents)")), "no note at the top");
    let heat = &h[h.find("id=\"coverage-s1\"").unwrap()..];
    let heat = &heat[..heat.find("</table>").unwrap()];
    assert!(heat.contains(&format!(" title=\"d{}.txt\">", MAX_SOURCES - 1)), "{heat}");
    assert!(!heat.contains(&format!(" title=\"d{MAX_SOURCES}.txt\">")), "{heat}");
}

#[test]
fn documents_past_the_text_budget_need_not_render_their_text() {
    let docs: Vec<_> = (0..3)
        .map(|i| {
            let m = vec![mention(B, "Candira", "candiru", "company")];
            analysis(i, &format!("d{i}.txt"), "", B, m, vec![])
        })
        .collect();
    // The page, with the later documents' text rendered anyway or skipped as the pipeline does.
    let page = |render_all: bool| {
        let dir = tempfile::tempdir().unwrap();
        let mut parts = Parts::create(dir.path()).unwrap().with_text_budget(1);
        let spent = parts.text_spent();
        let mut skipped = 0;
        for (a, d) in &docs {
            let text = render_all || !spent.load(std::sync::atomic::Ordering::Relaxed);
            skipped += usize::from(!text);
            parts.append(&Part::with_text(a, d, text).unwrap()).unwrap();
        }
        parts.finish().unwrap();
        (one_story_page(dir.path(), docs.len()), skipped)
    };
    let (full, none_skipped) = page(true);
    let (lean, skipped) = page(false);
    assert_eq!((none_skipped, skipped), (0, 2), "the first document spends the budget");
    assert_eq!(full, lean);
    // The first document's text is in the page, with its title taken from its first line.
    assert_eq!(full.matches("<article class=\"doc\"").count(), 3);
    assert_eq!(full.matches("Candira").count(), lean.matches("Candira").count());
}

#[test]
fn a_form_written_by_many_documents_names_the_first_ones_and_counts_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let n = MAX_SOURCES + 7;
    candira_parts(dir.path(), n);
    let docs: Vec<String> = (0..n).map(|i| format!("d{i}.txt")).collect();
    let variants = vec![EntityVariants {
        entity: "candiru".into(),
        name: "Candiru".into(),
        etype: "company".into(),
        forms: vec![Form {
            surface: "Candira".into(),
            kind: "misspelling".into(),
            docs: docs.clone(),
        }],
    }];
    let mut corpus = Corpus::default();
    corpus.report.documents = (0..n)
        .map(|i| DocSummary {
            doc: docs[i].clone(),
            index: i,
            story: "s1".into(),
            ..Default::default()
        })
        .collect();
    corpus.report.variants = variants.clone();
    corpus.report.stories =
        vec![Story { id: "s1".into(), docs: docs.clone(), variants, ..Default::default() }];
    write(dir.path(), &corpus, &Model::build(&[]).unwrap()).unwrap();
    let h = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    for table in ["variants-s1", "variants-corpus"] {
        let t = &h[h.find(&format!("id=\"{table}\"")).unwrap()..];
        let t = &t[..t.find("</table>").unwrap()];
        assert_eq!(t.matches("<a href=").count(), MAX_SOURCES, "{table}: {t}");
        assert!(t.contains(&format!(" title=\"d{}.txt\">", MAX_SOURCES - 1)), "{table}");
        assert!(!t.contains(&format!(" title=\"d{MAX_SOURCES}.txt\">")), "{table}");
        assert!(t.contains("and 7 more (variants.csv lists all)"), "{table}: {t}");
    }
}

#[test]
fn stories_rendered_window_by_window_keep_the_page_order() {
    // 23 stories of 8 or 9 documents (largest first on the page), over three windows in all.
    let dir = tempfile::tempdir().unwrap();
    let n = 3 * WINDOW_DOCS + 11;
    candira_parts(dir.path(), n);
    let story = |i: usize| format!("s{}", (i * 7) % 23);
    let mut corpus = Corpus::default();
    corpus.report.documents = (0..n)
        .map(|i| DocSummary {
            doc: format!("d{i}.txt"),
            index: i,
            story: story(i),
            ..Default::default()
        })
        .collect();
    write(dir.path(), &corpus, &Model::build(&[]).unwrap()).unwrap();
    let h = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    // Expected: largest stories first, then by their first document; articles in corpus order.
    let mut order: Vec<(String, Vec<usize>)> = Vec::new();
    for i in 0..n {
        match order.iter_mut().find(|(s, _)| *s == story(i)) {
            Some((_, docs)) => docs.push(i),
            None => order.push((story(i), vec![i])),
        }
    }
    order.sort_by_key(|(_, docs)| (std::cmp::Reverse(docs.len()), docs[0]));
    let mut at = 0;
    for (id, docs) in &order {
        let section = h[at..].find(&format!("id=\"story-{id}\"")).map(|p| at + p);
        at = section.unwrap_or_else(|| panic!("story {id} missing or out of order"));
        for i in docs {
            let article = format!("<article class=\"doc\" id=\"doc-{i}\"");
            at += h[at..].find(&article).unwrap_or_else(|| panic!("{article} out of order"));
        }
        let next = h[at..].find("<section class=\"story\"").map_or(h.len(), |p| at + p);
        let own = h[at..next].matches("<article class=\"doc\"").count();
        assert_eq!(own, 1, "story {id}: its last article is followed by another story's");
    }
}

/// `Text` writes what maud's own escaping writes, for text with and without the four escaped
/// bytes, short and long, at every place in the sixteen-byte blocks.
#[test]
fn text_is_escaped_as_maud_escapes_it() {
    let pieces = ["a", "&", "<", ">", "\"", "'", "é", "Israël ", "abcdefghijklmnop", " ", "’"];
    let mut next = crate::testing::xorshift(0x5eed);
    for _ in 0..5000 {
        let s: String = (0..next(30)).map(|_| pieces[next(pieces.len())]).collect();
        assert_eq!(html! { (Text(&s)) }.into_string(), html! { (s) }.into_string(), "{s:?}");
    }
}

/// `Anchor` and `Href` write the ids and links `format!` wrote, at every number of digits.
#[test]
fn anchors_as_formatted() {
    let numbers = [0, 1, 9, 10, 99, 100, 12_345, 1 << 20, usize::MAX];
    for &doc in &numbers {
        assert_eq!(html! { (Anchor::doc(doc)) }.into_string(), format!("doc-{doc}"));
        for &line in &numbers[..5] {
            let a = Anchor { doc, line: Some(line), sentence: None };
            assert_eq!(html! { (a) }.into_string(), format!("doc-{doc}-l{line}"));
            for &k in &numbers[1..5] {
                let s = Anchor { sentence: Some(k), ..a };
                assert_eq!(html! { (s) }.into_string(), format!("doc-{doc}-l{line}-s{k}"));
                let href = html! { (Href::To(s)) }.into_string();
                assert_eq!(href, format!("#doc-{doc}-l{line}-s{k}"));
            }
        }
    }
    assert_eq!(html! { (Href::Documents) }.into_string(), "#documents");
}
