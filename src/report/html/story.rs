//! One story's section of report.html, rendered from the corpus-level model (`align::Story`):
//! headline summary, the claims tables (one column per source, every value linking to the
//! sentence it comes from), membership grids, quotes side by side with their word differences,
//! name variants, the coverage heatmap, and the articles' texts.
//!
//! Every state is written as a word (conflict, agree, in, out, silent…) besides its colour, and
//! every table has a caption and header cells, so the page reads without colour and with a
//! screen reader.

use super::{
    Href, MAX_ENTITIES, MAX_ROWS, MAX_SOURCES, MAX_TEXT_BYTES, Record, Text, doc_list, plural,
};
use crate::align::{Cell, Coverage, CoverageRow, Evidence, Finding, Status, Story};
use crate::model::Model;
use maud::{Markup, PreEscaped, html};
use std::collections::BTreeMap;

/// The documents of one story, by id, and the columns its tables show.
struct Cols<'a> {
    by_doc: BTreeMap<&'a str, &'a Record>,
    cols: Vec<&'a Record>,
}

impl<'a> Cols<'a> {
    fn link(&self, doc: &str) -> Markup {
        match self.by_doc.get(doc) {
            Some(r) => {
                html! { a href={ "#" (r.anchor()) } title=(Text(&r.doc)) { (Text(r.label())) } }
            }
            None => html! { (Text(doc)) },
        }
    }

    /// The link to the sentence holding byte `byte` of `doc` (its line, `line`).
    fn href(&self, doc: &str, byte: usize) -> Href {
        match self.by_doc.get(doc) {
            Some(r) => r.href_at(byte),
            None => Href::Documents,
        }
    }

    fn evidence(&self, e: &Evidence, text: &str) -> Markup {
        html! { a href=(self.href(&e.doc, e.byte_start)) title=(Text(&e.text)) { (Text(text)) } }
    }
}

/// Renders the start of story `id`'s section, up to the heading of its articles, in pieces to be
/// written in order (its tables are rendered apart: copied into one string, grown table after
/// table, they were copied twice); the caller writes the articles (`article`, one at a time)
/// and closes the section. `recs` are the
/// documents the page shows (the first ones of the story), `total` how many the story has.
/// `story` is the corpus-level model's view of it, when it has one; without it the section
/// shows what the documents alone tell (coverage, texts).
pub(super) fn section(
    id: &str,
    recs: &[&Record],
    total: usize,
    story: Option<&Story>,
    model: &Model,
) -> Vec<Markup> {
    let by_doc: BTreeMap<&str, &Record> = recs.iter().map(|r| (r.doc.as_str(), *r)).collect();
    let mut cols: Vec<&Record> = match story {
        Some(s) => s.docs.iter().filter_map(|d| by_doc.get(d.as_str()).copied()).collect(),
        None => recs.to_vec(),
    };
    cols.truncate(MAX_SOURCES);
    let c = Cols { by_doc, cols };
    // The first document's title (or first line when it has no title line).
    let title = recs.first().map_or("", |r| r.title.as_str());
    let outlets: std::collections::BTreeSet<&str> =
        recs.iter().map(|r| r.outlet.as_str()).filter(|o| !o.is_empty()).collect();
    let fallback_summary = crate::align::StorySummary {
        documents: total,
        outlets: outlets.len(),
        independent: total,
        ..Default::default()
    };
    let sum = story.map_or(&fallback_summary, |s| &s.summary);
    let coverage = match story {
        Some(s) if !s.coverage.rows.is_empty() => s.coverage.clone(),
        _ => coverage_of(recs, model),
    };
    // Opened here, closed by the caller once the articles are written.
    let open = html! { (id) }.into_string();
    let open =
        format!("<section class=\"story\" id=\"story-{open}\" aria-labelledby=\"h-{open}\">\n");
    let head = html! {
        (PreEscaped(open))
        h2 id={ "h-" (id) } { "Story " (id) ": " (Text(title)) }
        dl.summary aria-label="Summary" {
            div { dt { "outlets" } dd { (sum.outlets) } }
            div { dt { "articles" } dd { (sum.documents) } }
            div { dt { "independent sources" } dd { (sum.independent) } }
            div { dt { "claims that agree" } dd { (sum.agree) } }
            div.sum-conflict { dt { "conflicts" } dd { (sum.conflict) } }
            div { dt { "on one source only" } dd { (sum.single) } }
            div { dt { "derived checks" } dd { (sum.derived) } }
            div { dt { "syndicated copies" } dd { (sum.copies) } }
        }
        @if total > c.cols.len() {
            p.note {
                "This story has " (total) " documents; its tables show the first "
                (c.cols.len()) " as columns and the page the text of the first " (recs.len())
                " (consistency.csv, report.json and lines.csv have all)."
            }
        }
        @if let Some(s) = story {
            @if !s.copies.is_empty() {
                h3 { "Syndicated copies" }
                ul {
                    @for cp in s.copies.iter().take(MAX_ROWS) {
                        li {
                            (c.link(&cp.doc)) " is a near copy of " (c.link(&cp.original))
                            " (" (format!("{:.0}", cp.similarity * 100.0)) "% of word sequences shared): "
                            "it is shown but not counted as an independent source."
                        }
                    }
                }
                (more(MAX_ROWS, s.copies.len(), "report.json"))
            }
        } @else {
            p.empty { "No claim of this story was aligned across sources." }
        }
    };
    let mut pieces = vec![head];
    if let Some(s) = story {
        pieces.extend([
            findings(id, &s.findings, &c),
            lists(id, s, &c),
            quotes(id, s, &c, model),
            variants(id, s, &c),
        ]);
    }
    pieces.push(heatmap(id, &coverage, &c, model));
    pieces.push(html! { h3 { "Articles" } });
    pieces
}

/// A note saying that a list was cut, and where the rest is.
fn more(shown: usize, total: usize, file: &str) -> Markup {
    html! {
        @if total > shown {
            p.note { "The first " (shown) " of " (total) " are shown; " (file) " has all." }
        }
    }
}

/// The claims tables, one per status: conflicts first.
fn findings(id: &str, all: &[Finding], c: &Cols) -> Markup {
    let tables = [
        (Status::Conflict, "Conflicts", "Independent sources give incompatible values."),
        (Status::Agree, "Agreements", "Independent sources give the same value."),
        (Status::Derived, "Derived checks", "Checked by arithmetic or against a full list."),
    ];
    // One row per source of each single-source finding (copies of it included).
    let single: Vec<(&Finding, &Cell)> = all
        .iter()
        .filter(|f| f.status == Status::Single)
        .flat_map(|f| f.cells.iter().map(move |cell| (f, cell)))
        .collect();
    html! {
        h3 { "Claims" }
        @if all.is_empty() {
            p.empty { "No claim was found in this story." }
        }
        @for (status, heading, what) in tables {
            @let rows: Vec<&Finding> = all.iter().filter(|f| f.status == status).collect();
            @if !rows.is_empty() {
                @let notes = rows.iter().any(|f| !f.note.is_empty() || f.consistent.is_some());
                h4 { (heading) " (" (rows.len()) ")" }
                p.legend { (what) " One column per source; each value links to the sentence it comes from." }
                div.wrap {
                    table.sortable.claims id={ (status.as_str()) "-" (id) } {
                        caption.vh { (heading) }
                        thead {
                            tr {
                                th scope="col" { "claim" }
                                th scope="col" { "status" }
                                @for r in &c.cols { th scope="col" title=(Text(&r.doc)) { (Text(r.label())) } }
                                @if notes { th scope="col" { "check" } }
                            }
                        }
                        tbody {
                            @for f in rows.iter().take(MAX_ROWS) {
                                tr class=(status.as_str()) {
                                    th scope="row" { (subject(f)) }
                                    td { (badge(f)) }
                                    @for r in &c.cols {
                                        @match f.cells.iter().find(|x| *x.doc == *r.doc) {
                                            Some(cell) => td.v { (value_cell(cell, c)) },
                                            None => td.silent { "—" span.sr { " silent" } },
                                        }
                                    }
                                    @if notes { td { (check(f)) } }
                                }
                            }
                        }
                    }
                }
                (more(MAX_ROWS, rows.len(), "consistency.csv"))
            }
        }
        @if !single.is_empty() {
            h4 { "On one source only (" (all.iter().filter(|f| f.status == Status::Single).count()) ")" }
            p.legend { "Claims only one independent source makes (copies of it do not count)." }
            div.wrap {
                table.sortable.claims id={ "single-" (id) } {
                    caption.vh { "Single-source claims" }
                    thead {
                        tr {
                            th scope="col" { "claim" }
                            th scope="col" { "source" }
                            th scope="col" { "says" }
                            th scope="col" { "sentence" }
                        }
                    }
                    tbody {
                        @for (f, cell) in single.iter().take(MAX_ROWS) {
                                tr.single {
                                    th scope="row" { (subject(f)) }
                                    td { (c.link(&cell.doc)) }
                                    td.v { (value_cell(cell, c)) }
                                    td.ev { @if let Some(e) = cell.evidence.first() { (Text(&super::fragment::shorten(&e.text, 200))) } }
                                }
                        }
                    }
                }
            }
            (more(MAX_ROWS, single.len(), "consistency.csv"))
        }
    }
}

fn subject(f: &Finding) -> Markup {
    html! {
        @if f.label.is_empty() { (Text(&f.key)) } @else { (Text(&f.label)) }
        br;
        span.key { (Text(&f.kind)) " · " (Text(&f.key)) }
    }
}

fn badge(f: &Finding) -> Markup {
    let word = match (f.status, f.consistent) {
        (Status::Derived, Some(true)) => "consistent",
        (Status::Derived, Some(false)) => "inconsistent",
        (s, _) => s.as_str(),
    };
    let class = match (f.status, f.consistent) {
        (Status::Derived, Some(false)) | (Status::Conflict, _) => "badge st-conflict",
        (Status::Agree, _) | (Status::Derived, Some(true)) => "badge st-agree",
        _ => "badge st-single",
    };
    html! { span class=(class) { (word) } }
}

fn check(f: &Finding) -> Markup {
    html! {
        @match f.consistent {
            Some(true) => { strong { "holds" } ": " }
            Some(false) => { strong { "does not hold" } ": " }
            None => {}
        }
        (Text(&f.note))
    }
}

/// What one source says: the value as the reports show it, linked to its sentence, then the
/// words the source used and the qualifiers.
fn value_cell(cell: &Cell, c: &Cols) -> Markup {
    let shown = [&cell.shown, &cell.value, &cell.surface]
        .into_iter()
        .find(|v| !v.is_empty())
        .map_or("", |v| v.as_str());
    let written = !cell.surface.is_empty() && cell.surface.to_lowercase() != shown.to_lowercase();
    html! {
        @match cell.evidence.first() {
            Some(e) => span.val { (c.evidence(e, shown)) },
            None => span.val { (Text(shown)) },
        }
        @for (k, e) in cell.evidence.iter().enumerate().skip(1) {
            " " (c.evidence(e, &format!("[{}]", k + 1)))
        }
        @if written { br; span.norm { "« " (Text(&cell.surface)) " »" } }
        @if cell.inferred { br; span.norm { "inferred, not said in words" } }
        @if !cell.approx.is_empty() { br; span.norm { "(" (Text(&cell.approx)) ")" } }
        @if !cell.days.is_empty() { br; span.norm { (cell.days.join(", ")) } }
        @if let Some(orig) = &cell.copy_of { br; span.norm { "copy of " (c.link(orig)) } }
    }
}

/// The membership grids: which source puts which entity in or out of each list.
fn lists(id: &str, s: &Story, c: &Cols) -> Markup {
    html! {
        h3 { "List membership" }
        @if s.lists.is_empty() {
            p.empty { "No source puts entities in or out of a list." }
        } @else {
            p.legend { "For each list, what each source says of each entity: in, out, or silent." }
        }
        @for (k, l) in s.lists.iter().enumerate().take(MAX_ROWS) {
            div.wrap {
                table.sortable.membership id={ "list-" (id) "-" (k + 1) } {
                    caption { "Who is on the list: " (if l.label.is_empty() { &l.key } else { &l.label }) }
                    thead {
                        tr {
                            th scope="col" { "entity" }
                            th scope="col" { "status" }
                            @for r in &c.cols { th scope="col" title=(Text(&r.doc)) { (Text(r.label())) } }
                        }
                    }
                    tbody {
                        @for row in l.rows.iter().take(MAX_ROWS) {
                            tr {
                                th scope="row" { (Text(if row.name.is_empty() { &row.entity } else { &row.name })) }
                                td { span class={ "badge st-" (row.status.as_str()) } { (row.status.as_str()) } }
                                @for r in &c.cols {
                                    @match row.cells.iter().find(|x| *x.doc == *r.doc && x.state != "silent") {
                                        Some(m) => td class={ "m-" (m.state) } {
                                            @match m.evidence.first() {
                                                Some(e) => (c.evidence(e, &m.state)),
                                                None => (Text(&m.state)),
                                            }
                                            @if m.how == "enumeration" { span.norm { " (by its full list)" } }
                                        },
                                        None => td.silent { "silent" },
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (more(MAX_ROWS, l.rows.len(), "consistency.csv"))
        }
        (more(MAX_ROWS, s.lists.len(), "report.json"))
    }
}

/// Quotes side by side, the words that differ from the first wording marked.
/// A speaker for people: the entity's name when the speaker is a known entity id.
fn speaker<'a>(model: &'a Model, s: &'a str) -> &'a str {
    model.entities.describe(s).map_or(s, |d| d.0)
}

fn quotes(id: &str, s: &Story, c: &Cols, model: &Model) -> Markup {
    // Quotes carried more than once side by side; the others in one table.
    let (groups, single): (Vec<_>, Vec<_>) = s.quotes.iter().partition(|g| g.members.len() > 1);
    html! {
        h3 { "Quotes" }
        @if s.quotes.is_empty() {
            p.empty { "No quote was found in this story." }
        }
        @if groups.is_empty() && !single.is_empty() {
            p.empty { "No quote appears in more than one place." }
        }
        @if !groups.is_empty() {
            p.legend {
                "The same quote as each source words it, compared with the first: " ins.d { "underlined" }
                " words are only in that wording, " del.d { "struck-through" } " words only in the first."
            }
        }
        @for g in groups.iter().take(MAX_ROWS) {
            h4 {
                "Quote " (g.id)
                @if !g.speaker.is_empty() { " — " (Text(speaker(model, &g.speaker))) }
                " " span class={ "badge st-" (if g.status == "variant" { "conflict" } else { "agree" }) } { (g.status) }
            }
            div.quotes id={ "quote-" (id) "-" (g.id) } {
                @for m in g.members.iter().take(MAX_SOURCES) {
                    figure {
                        blockquote {
                            @if m.diff.is_empty() {
                                (Text(&m.text))
                            } @else {
                                @for d in &m.diff {
                                    @match d.op.as_str() {
                                        "insert" => ins.d { (Text(&d.text)) },
                                        "delete" => del.d { (Text(&d.text)) },
                                        _ => (Text(&d.text)),
                                    }
                                }
                            }
                        }
                        figcaption {
                            (c.link(&m.doc))
                            @if !m.speaker.is_empty() { " · " (Text(speaker(model, &m.speaker))) }
                            " · " a href=(c.href(&m.doc, m.byte_start)) { "line " (m.line) }
                            @if let Some(o) = &m.copy_of { " · copy of " (c.link(o)) }
                        }
                    }
                }
            }
        }
        @if !single.is_empty() {
            div.wrap {
                table.sortable.quotes-single id={ "quotes-" (id) } {
                    caption { "Quotes found in one place only" }
                    thead {
                        tr {
                            th scope="col" { "quote" }
                            th scope="col" { "speaker" }
                            th scope="col" { "source" }
                        }
                    }
                    tbody {
                        @for (g, m) in single.iter().flat_map(|g| g.members.iter().map(move |m| (g, m))).take(MAX_ROWS) {
                            tr {
                                td { q { (Text(&m.text)) } }
                                td { (Text(speaker(model, if m.speaker.is_empty() { &g.speaker } else { &m.speaker }))) }
                                td {
                                    (c.link(&m.doc)) " · "
                                    a href=(c.href(&m.doc, m.byte_start)) { "line " (m.line) }
                                }
                            }
                        }
                    }
                }
            }
            (more(MAX_ROWS, single.len(), "quotes.csv"))
        }
        (more(MAX_ROWS, groups.len(), "quotes.csv"))
    }
}

/// Name variants: per entity, each surface form and the sources that wrote it.
fn variants(id: &str, s: &Story, c: &Cols) -> Markup {
    html! {
        h3 { "Name variants" }
        @if s.variants.is_empty() {
            p.empty { "The sources write every entity's name the same way." }
        } @else {
            p.legend { "The same entity, written differently by the sources." }
            div.wrap {
                table.sortable.variants id={ "variants-" (id) } {
                    caption.vh { "Name variants" }
                    thead {
                        tr {
                            th scope="col" { "entity" }
                            th scope="col" { "written as" }
                            th scope="col" { "kind" }
                            th scope="col" { "sources" }
                        }
                    }
                    tbody {
                        @for (v, f) in s.variants.iter().flat_map(|v| v.forms.iter().map(move |f| (v, f))).take(MAX_ROWS) {
                                tr {
                                    th scope="row" { (Text(if v.name.is_empty() { &v.entity } else { &v.name })) span.key { " " (v.etype) } }
                                    td { q { (Text(&f.surface)) } }
                                    td { (Text(&f.kind)) }
                                    td { (doc_list(&f.docs, |d| c.link(d))) }
                                }
                        }
                    }
                }
            }
            (more(MAX_ROWS, s.variants.iter().map(|v| v.forms.len()).sum(), "variants.csv"))
        }
    }
}

/// Coverage from the documents' own mentions, when the model has none for the story.
fn coverage_of(recs: &[&Record], model: &Model) -> Coverage {
    let mut grid: BTreeMap<&str, (&str, Vec<u32>)> = BTreeMap::new();
    for (k, r) in recs.iter().enumerate() {
        for (entity, etype, _, n) in &r.mentions {
            let row = grid.entry(entity).or_insert_with(|| (etype, vec![0; recs.len()]));
            row.1[k] += *n as u32;
        }
    }
    Coverage {
        docs: recs.iter().map(|r| r.doc.clone()).collect(),
        rows: grid
            .into_iter()
            .map(|(e, (t, counts))| CoverageRow {
                entity: e.to_string(),
                name: model.entities.describe(e).map_or(e, |d| d.0).to_string(),
                etype: t.to_string(),
                counts,
            })
            .collect(),
    }
}

/// The coverage heatmap: entities × sources; each cell writes its count and is shaded by it.
fn heatmap(id: &str, cov: &Coverage, c: &Cols, _model: &Model) -> Markup {
    // Columns in the page's order; a coverage column not shown is left out.
    let pos: Vec<Option<usize>> =
        c.cols.iter().map(|r| cov.docs.iter().position(|d| *d == r.doc)).collect();
    let mut rows: Vec<(&CoverageRow, Vec<u32>)> = cov
        .rows
        .iter()
        .map(|row| {
            let counts =
                pos.iter().map(|p| p.and_then(|p| row.counts.get(p).copied()).unwrap_or(0));
            (row, counts.collect())
        })
        .filter(|(_, counts): &(_, Vec<u32>)| counts.iter().any(|&n| n > 0))
        .collect();
    // Entities most sources name first, then the most mentioned, then by id.
    rows.sort_by_key(|(row, counts)| {
        let covered = counts.iter().filter(|&&n| n > 0).count();
        (std::cmp::Reverse(covered), std::cmp::Reverse(counts.iter().sum::<u32>()), &row.entity)
    });
    let total = rows.len();
    rows.truncate(MAX_ENTITIES);
    let max = rows.iter().flat_map(|(_, c)| c.iter().copied()).max().unwrap_or(0).max(1);
    // Four shades, proportional to the largest count of the table.
    let level = |n: u32| (n.saturating_mul(4).div_ceil(max)).min(4);
    html! {
        h3 { "Coverage" }
        @if rows.is_empty() {
            p.empty { "No entity was found in this story's articles." }
        } @else {
            @if total > rows.len() {
                p.note { "The " (MAX_ENTITIES) " entities most sources name, of " (total) " (mentions.csv has all)." }
            }
            p.legend { "How often each source names each entity: the darker, the more; 0 is silence." }
            div.wrap {
                table.heat.sortable id={ "coverage-" (id) } {
                    caption.vh { "Coverage: mentions per source" }
                    thead {
                        tr {
                            th scope="col" { "entity" }
                            @for r in &c.cols { th.n scope="col" title=(Text(&r.doc)) { (Text(r.label())) } }
                            th.n scope="col" { "sources" }
                        }
                    }
                    tbody {
                        @for (row, counts) in &rows {
                            tr {
                                th scope="row" { (Text(if row.name.is_empty() { &row.entity } else { &row.name })) span.key { " " (row.etype) } }
                                @for n in counts { td class={ "c h" (level(*n)) } { (n) } }
                                td.n { (counts.iter().filter(|&&n| n > 0).count()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One article: its metadata and its text fragment.
pub(super) fn article(r: &Record) -> Markup {
    html! {
        article.doc id=(r.anchor()) aria-labelledby={ (r.anchor()) "-h" } {
            header {
                h4 id={ (r.anchor()) "-h" } { (Text(r.label())) ": " (Text(&r.title)) }
                p {
                    "doc " code { (Text(&r.doc)) }
                    @if !r.date.is_empty() { " · " (r.date) }
                    @if !r.lang.is_empty() { " · language " (r.lang) }
                    @if !r.url.is_empty() { " · " span.url { (Text(&r.url)) } }
                    " · " (plural(r.lines, "line", "lines"))
                }
            }
            @match &r.html {
                Some(h) => {
                    @if r.boilerplate > 0 {
                        p.bp-note { (plural(r.boilerplate, "line was", "lines were")) " removed as boilerplate (hidden; the switch at the top shows them)." }
                    }
                    // Rendered by `fragment` with maud: every piece of the text is escaped.
                    div.text lang=[(!r.lang.is_empty()).then_some(&r.lang)] { (PreEscaped(h)) }
                },
                None => p.note { "The text of this document is not in the page (the page keeps at most " (MAX_TEXT_BYTES >> 20) " MiB of article text); lines.csv has its lines." },
            }
        }
    }
}
