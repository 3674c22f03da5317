//! One document's text as an HTML fragment, rendered by the worker that analysed it (the text is
//! gone once the document leaves the parallel pass).
//!
//! Promises: every non-empty line becomes a block with the anchor `doc-<n>-l<line>` (n is the
//! document's corpus position), every sentence inside it a span with the anchor
//! `doc-<n>-l<line>-s<k>`, so a claim cell can link to the exact sentence; the line's label is
//! written as a word (not only a colour); boilerplate lines carry the class `bp` that the page
//! hides until the reader asks for it; entity mentions are `<mark>`ed with their canonical id;
//! the numbers of sentences that carry a claim are marked too. Every piece of the text goes
//! through maud's escaping: nothing from the article is ever written as markup.

use crate::claims::DocClaims;
use crate::document::Document;
use crate::entities::Mention;
use crate::structure::{Label, Structure};
use maud::{Markup, html};
use unicode_segmentation::UnicodeSegmentation;

/// The rendered text of one document, and where each of its claims points.
#[derive(Debug, Clone, Default)]
pub struct Fragment {
    /// The escaped markup of the lines.
    pub html: String,
    /// For claim n (in `DocClaims` order, as numbered in claims.csv), the anchor of its sentence
    /// (or of its line when the sentence could not be found in the line).
    pub claim_anchors: Vec<String>,
    /// A heading for the article when it has no title: its first content line, shortened.
    pub first_line: String,
}

/// A piece of a sentence: plain text, a mention, or a number of a claim sentence.
enum Piece<'a> {
    Text(&'a str),
    Mention(&'a str, &'a Mention),
    Number(&'a str),
}

/// Renders the lines of `doc`.
pub fn render(
    doc: &Document,
    structure: &Structure,
    mentions: &[Mention],
    claims: &DocClaims,
) -> Fragment {
    let n = doc.index;
    let mut claim_anchors = vec![String::new(); claims.claims.len()];
    // Mentions in text order, so each line takes a contiguous run of them.
    let mut order: Vec<&Mention> = mentions.iter().collect();
    order.sort_by_key(|m| (m.byte_start, std::cmp::Reverse(m.byte_end)));
    let mut next_mention = 0;
    let mut out = String::with_capacity(doc.text.len() * 2);
    let mut sentences: Vec<(usize, &str)> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    for line in &structure.lines {
        let Some(text) = doc.text.get(line.start..line.end) else { continue };
        sentences.clear();
        sentences.extend(text.split_sentence_bound_indices());
        // The sentence of each claim on this line.
        let mut claim_sentence = vec![false; sentences.len()];
        for (c, claim) in claims.claims.iter().enumerate() {
            if claim.line != line.number {
                continue;
            }
            let k = sentence_of(text, &sentences, &claim.text);
            claim_anchors[c] = match k {
                Some(k) => {
                    claim_sentence[k] = true;
                    format!("doc-{n}-l{}-s{}", line.number, k + 1)
                }
                None => format!("doc-{n}-l{}", line.number),
            };
        }
        while next_mention < order.len() && order[next_mention].byte_end <= line.start {
            next_mention += 1;
        }
        let line_mentions = {
            let mut end = next_mention;
            while end < order.len() && order[end].byte_start < line.end {
                end += 1;
            }
            &order[next_mention..end]
        };
        let id = format!("doc-{n}-l{}", line.number);
        let class = match line.label {
            Label::Boilerplate => "ln boilerplate bp",
            Label::Title => "ln title",
            Label::Heading => "ln heading",
            Label::Body => "ln body",
            Label::Credit => "ln credit",
        };
        let markup: Markup = html! {
            div class=(class) id=(id) {
                a.lno href={ "#" (id) } { (line.number) }
                @if line.label != Label::Body {
                    " " span.lbl title=(line.reason) { (line.label.as_str()) }
                }
                " "
                span.tx {
                    @for (k, (s_off, s)) in sentences.iter().enumerate() {
                        (sentence(&id, k, claim_sentence[k], {
                            split_pieces(text, line.start, *s_off, s, line_mentions, claim_sentence[k], &mut pieces);
                            &pieces
                        }))
                    }
                }
            }
        };
        out.push_str(&markup.into_string());
        out.push('\n');
    }
    let first_line = structure
        .content_lines()
        .find_map(|l| doc.text.get(l.start..l.end))
        .map(|t| shorten(t.trim(), 120))
        .unwrap_or_default();
    Fragment { html: out, claim_anchors, first_line }
}

/// `t` cut after `max` characters, at a word boundary when there is one, with an ellipsis.
fn shorten(t: &str, max: usize) -> String {
    match t.char_indices().nth(max) {
        None => t.to_string(),
        Some((cut, _)) => {
            let head = &t[..cut];
            let head = head.rsplit_once(' ').map_or(head, |(h, _)| h);
            format!("{}…", head.trim_end())
        }
    }
}

/// One sentence span, its mentions and numbers marked.
fn sentence(line_id: &str, k: usize, claim: bool, pieces: &[Piece]) -> Markup {
    html! {
        span class=(if claim { "s claim" } else { "s" }) id={ (line_id) "-s" (k + 1) } {
            @for p in pieces {
                @match p {
                    Piece::Text(t) => (t),
                    Piece::Mention(t, m) => {
                        mark.ent title={ (m.entity) " · " (m.etype) " · " (m.kind) }
                            data-entity=(m.entity) { (t) }
                    }
                    Piece::Number(t) => mark.num { (t) },
                }
            }
        }
    }
}

/// The index of the sentence of `text` that holds `claim_text`, if it can be found.
fn sentence_of(text: &str, sentences: &[(usize, &str)], claim_text: &str) -> Option<usize> {
    let needle = claim_text.trim();
    if needle.is_empty() {
        return None;
    }
    let at = text.find(needle).or_else(|| {
        // The claim may quote a shortened sentence: try its first words.
        let head: String = needle.chars().take(40).collect();
        text.find(head.trim())
    })?;
    sentences.iter().rposition(|(off, _)| *off <= at)
}

/// Cuts the sentence `s` (at `s_off` in the line, the line at `line_start` in the document) into
/// text, mention and number pieces. Mentions crossing a sentence end are cut at it; a mention
/// whose offsets are not on character boundaries of this text is left unmarked.
fn split_pieces<'a>(
    line: &'a str,
    line_start: usize,
    s_off: usize,
    s: &'a str,
    mentions: &[&'a Mention],
    numbers: bool,
    out: &mut Vec<Piece<'a>>,
) {
    out.clear();
    let s_end = s_off + s.len();
    let mut pos = s_off;
    for m in mentions {
        let (Some(a), Some(b)) =
            (m.byte_start.checked_sub(line_start), m.byte_end.checked_sub(line_start))
        else {
            continue;
        };
        let (a, b) = (a.max(pos), b.min(s_end));
        if a >= b || !line.is_char_boundary(a) || !line.is_char_boundary(b) {
            continue;
        }
        push_text(&line[pos..a], numbers, out);
        out.push(Piece::Mention(&line[a..b], m));
        pos = b;
    }
    push_text(&line[pos..s_end], numbers, out);
}

/// Pushes plain text, marking numbers in it when asked.
fn push_text<'a>(t: &'a str, numbers: bool, out: &mut Vec<Piece<'a>>) {
    if t.is_empty() {
        return;
    }
    if !numbers {
        out.push(Piece::Text(t));
        return;
    }
    let mut last = 0;
    let mut it = t.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if !c.is_numeric() || t[..i].chars().next_back().is_some_and(char::is_alphanumeric) {
            continue;
        }
        // A number: digits, with group or decimal separators between digits ("1 400", "3,5").
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = it.peek() {
            if d.is_numeric() {
                it.next();
                end = j + d.len_utf8();
            } else if matches!(d, ' ' | '\u{a0}' | '\u{202f}' | '.' | ',')
                && t[j + d.len_utf8()..].chars().next().is_some_and(char::is_numeric)
            {
                it.next();
            } else {
                break;
            }
        }
        if i > last {
            out.push(Piece::Text(&t[last..i]));
        }
        out.push(Piece::Number(&t[i..end]));
        last = end;
    }
    if last < t.len() {
        out.push(Piece::Text(&t[last..]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Claim;
    use crate::document::Meta;
    use crate::structure::Line;

    fn doc(text: &str) -> Document {
        Document {
            index: 3,
            id: "a.txt".into(),
            path: "a.txt".into(),
            record_id: String::new(),
            meta: Meta::default(),
            encoding: "utf-8".into(),
            bytes: text.len(),
            text: text.into(),
        }
    }

    fn lines(text: &str, labels: &[Label]) -> Structure {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, l) in text.split('\n').enumerate() {
            if !l.is_empty() {
                let label = labels[out.len()];
                out.push(Line { number: i + 1, start, end: start + l.len(), label, reason: "t" });
            }
            start += l.len() + 1;
        }
        Structure { lines: out, ..Default::default() }
    }

    fn mention(text: &str, surface: &str, entity: &str) -> Mention {
        let byte_start = text.find(surface).unwrap();
        Mention {
            line: text[..byte_start].matches('\n').count() + 1,
            char_start: 0,
            char_end: 0,
            byte_start,
            byte_end: byte_start + surface.len(),
            surface: surface.into(),
            entity: entity.into(),
            etype: "country".into(),
            kind: "name".into(),
            confidence: 1.0,
        }
    }

    #[test]
    fn lines_sentences_mentions_and_claims_are_anchored() {
        let text = "Titre & <b>gras</b>\n\nLe Maroc est sorti. La liste compte 37 pays, contre 1 400.\nPub";
        let d = doc(text);
        let s = lines(text, &[Label::Title, Label::Body, Label::Boilerplate]);
        let claim = Claim {
            line: 3,
            kind: "quantity".into(),
            key: "countries".into(),
            value: "37".into(),
            unit: String::new(),
            role: String::new(),
            entities: vec![],
            text: "La liste compte 37 pays, contre 1 400.".into(),
        };
        let f = render(&d, &s, &[mention(text, "Maroc", "MA")], &DocClaims { claims: vec![claim] });
        let h = &f.html;
        assert!(h.contains("Titre &amp; &lt;b&gt;gras&lt;/b&gt;"), "{h}");
        assert!(!h.contains("<b>"));
        assert!(h.contains(r#"id="doc-3-l1""#) && h.contains(r#"id="doc-3-l3-s2""#), "{h}");
        assert!(h.contains(r#"data-entity="MA">Maroc</mark>"#), "{h}");
        assert!(h.contains(r#"<mark class="num">37</mark>"#), "{h}");
        assert!(h.contains(r#"<mark class="num">1 400</mark>"#), "{h}");
        assert_eq!(f.claim_anchors, ["doc-3-l3-s2"]);
        assert!(h.contains(r#"class="ln boilerplate bp""#), "{h}");
        assert!(h.contains(r#"<span class="lbl" title="t">title</span>"#), "{h}");
    }

    #[test]
    fn bad_mention_offsets_are_ignored() {
        let text = "Éric à Paris";
        let d = doc(text);
        let s = lines(text, &[Label::Body]);
        let mut m = mention(text, "Paris", "paris");
        m.byte_start = 1; // inside 'É'
        let f = render(&d, &s, &[m], &DocClaims::default());
        assert!(f.html.contains("Éric à Paris"), "{}", f.html);
        assert!(!f.html.contains("<mark"));
    }
}
