//! One document's text as an HTML fragment.
//!
//! The worker that analysed a document keeps only what rendering needs (`Source`: its lines, the
//! spans to mark, its claim sentences) beside the text in the part file; the fragment is rendered
//! at the end, and only for the documents the page shows (at most `MAX_DOCS`), so a corpus of any
//! size pays for rendering a thousand articles at most.
//!
//! Promises: every non-empty line becomes a block with the anchor `doc-<n>-l<line>` (n is the
//! document's corpus position), every sentence inside it a span with the anchor
//! `doc-<n>-l<line>-s<k>`, so a claim cell can link to the exact sentence; the line's label is
//! written as a word (not only a colour); boilerplate lines carry the class `bp` that the page
//! hides until the reader asks for it; entity mentions are `<mark>`ed with their canonical id;
//! the numbers of sentences that carry a claim are marked too. Every piece of the text goes
//! through maud's escaping: nothing from the article is ever written as markup.

use super::{Anchor, Text};
use crate::align::store::{Reader, put_span, put_str, put_uint};
use crate::claims::DocClaims;
use crate::document::Document;
use crate::entities::Mention;
use crate::structure::{Label, Structure};
use anyhow::{Result, bail};
use maud::{Markup, html};
use std::borrow::Cow;

/// The rendered text of one document, and where its sentences are.
#[derive(Debug, Clone, Default)]
pub struct Fragment {
    /// The escaped markup of the lines.
    pub html: String,
    /// (byte start in the document, line, k) of every sentence, in text order: the sentence
    /// holding byte b has the anchor `doc-<n>-l<line>-s<k>`.
    pub sentences: Vec<(usize, usize, usize)>,
}

/// What rendering a document's text needs besides the text itself. One is written per analysed
/// document (`encode`), while its text is kept. Its strings borrow from the analysis it was
/// made `of` (only to be encoded: cloning them took half a million allocations on synth 10 MB)
/// and are owned once decoded.
#[derive(Debug, Clone, Default)]
pub struct Source<'a> {
    lines: Vec<SourceLine<'a>>,
    /// Mentions and quantity values, in the order `render` marks them: by start, longest first,
    /// a mention before a value at the same place.
    marks: Vec<Mark<'a>>,
    /// The sentences claims come from (`Claim::sentence`), sorted, without repeats.
    claim_spans: Vec<(usize, usize)>,
}

/// One line of `Structure::lines`, as the page shows it.
#[derive(Debug, Clone)]
struct SourceLine<'a> {
    number: usize,
    start: usize,
    end: usize,
    text_start: usize,
    label: Label,
    reason: Cow<'a, str>,
}

/// A span to mark: a mention (with what its tooltip says), or a claim's value.
#[derive(Debug, Clone)]
struct Mark<'a> {
    start: usize,
    end: usize,
    mention: Option<Marked<'a>>,
}

/// The entity a mention mark names.
#[derive(Debug, Clone)]
struct Marked<'a> {
    entity: Cow<'a, str>,
    etype: Cow<'a, str>,
    kind: Cow<'a, str>,
}

/// Labels in the order of their codes in an encoded `Source`.
const LABELS: [Label; 5] =
    [Label::Title, Label::Heading, Label::Body, Label::Credit, Label::Boilerplate];

impl<'a> Source<'a> {
    /// Keeps what `render` needs of one analysed document. Quantity values (`Claim::span`) are
    /// marked as numbers, and the sentences claims come from (`Claim::sentence`) as claim
    /// sentences.
    pub fn of(structure: &Structure, mentions: &'a [Mention], claims: &DocClaims) -> Self {
        let lines = structure
            .lines
            .iter()
            .map(|l| SourceLine {
                number: l.number,
                start: l.start,
                end: l.end,
                text_start: l.text_start,
                label: l.label,
                reason: Cow::Borrowed(l.reason),
            })
            .collect();
        // Collected into their room: the length of a filtered chain is not known, and the
        // vector was grown and copied from four elements on.
        let mut marks: Vec<Mark> = Vec::with_capacity(mentions.len() + claims.claims.len());
        marks.extend(
            mentions
                .iter()
                .map(|m| Mark {
                    start: m.byte_start,
                    end: m.byte_end,
                    mention: Some(Marked {
                        entity: Cow::Borrowed(&m.entity),
                        etype: Cow::Borrowed(m.etype),
                        kind: Cow::Borrowed(m.kind),
                    }),
                })
                // Values of quantities only: a quote's or a membership's span is its whole text.
                .chain(
                    claims
                        .claims
                        .iter()
                        .filter(|c| c.kind == crate::claims::Kind::Quantity)
                        .map(|c| Mark { start: c.span.0, end: c.span.1, mention: None }),
                )
                .filter(|s| s.start < s.end),
        );
        marks.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end), s.mention.is_none()));
        let mut claim_spans: Vec<(usize, usize)> =
            claims.claims.iter().map(|c| c.sentence).filter(|s| s.0 < s.1).collect();
        claim_spans.sort_unstable();
        claim_spans.dedup();
        Source { lines, marks, claim_spans }
    }

    /// About the bytes `encode` writes (at least its strings'), for the buffer's room.
    pub fn encoded_len(&self) -> usize {
        let lines: usize = self.lines.iter().map(|l| l.reason.len() + 12).sum();
        let marks: usize = self
            .marks
            .iter()
            .map(|m| {
                m.mention.as_ref().map_or(0, |m| m.entity.len() + m.etype.len() + m.kind.len() + 3)
                    + 7
            })
            .sum();
        3 + lines + marks + 6 * self.claim_spans.len()
    }

    /// Appends the encoding `decode` reads: varints and length-prefixed strings, as in the
    /// claims part file. As JSON a `Source` took as many bytes as the text it goes with (4.0 KB
    /// for a 4.0 KB synthetic article), all written to the part file and nearly all never read.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let Source { lines, marks, claim_spans } = self;
        put_uint(out, lines.len() as u64);
        for SourceLine { number, start, end, text_start, label, reason } in lines {
            for v in [number, start, end, text_start] {
                put_uint(out, *v as u64);
            }
            out.push(LABELS.iter().position(|l| l == label).expect("every label is listed") as u8);
            put_str(out, reason);
        }
        put_uint(out, marks.len() as u64);
        for Mark { start, end, mention } in marks {
            put_span(out, (*start, *end));
            match mention {
                Some(Marked { entity, etype, kind }) => {
                    out.push(1);
                    for s in [entity, etype, kind] {
                        put_str(out, s);
                    }
                }
                None => out.push(0),
            }
        }
        put_uint(out, claim_spans.len() as u64);
        for span in claim_spans {
            put_span(out, *span);
        }
    }

    /// Reads back what `encode` wrote.
    pub fn decode(buf: &[u8]) -> Result<Source<'static>> {
        let mut r = Reader::new(buf);
        let lines = (0..r.usize()?)
            .map(|_| {
                let (number, start, end, text_start) =
                    (r.usize()?, r.usize()?, r.usize()?, r.usize()?);
                let code = r.byte()?;
                let Some(&label) = LABELS.get(usize::from(code)) else {
                    bail!("unknown line label {code} in an HTML record")
                };
                Ok(SourceLine { number, start, end, text_start, label, reason: r.string()?.into() })
            })
            .collect::<Result<_>>()?;
        let marks = (0..r.usize()?)
            .map(|_| {
                let (start, end) = r.span()?;
                let mention = match r.byte()? {
                    0 => None,
                    1 => {
                        let [entity, etype, kind] =
                            [r.string()?.into(), r.string()?.into(), r.string()?.into()];
                        Some(Marked { entity, etype, kind })
                    }
                    other => bail!("unknown mark {other} in an HTML record"),
                };
                Ok(Mark { start, end, mention })
            })
            .collect::<Result<_>>()?;
        let claim_spans = (0..r.usize()?).map(|_| r.span()).collect::<Result<_>>()?;
        if !r.rest().is_empty() {
            bail!("trailing bytes after an HTML record");
        }
        Ok(Source { lines, marks, claim_spans })
    }
}

/// A piece of a sentence: plain text, a mention, or a claim's value.
enum Piece<'a> {
    Text(&'a str),
    Mention(&'a str, &'a Marked<'a>),
    Number(&'a str),
}

/// Renders the lines of the document at corpus position `n`, whose text is `text`.
pub fn render(n: usize, doc_text: &str, src: &Source) -> Fragment {
    let order = &src.marks;
    let claim_spans = &src.claim_spans;
    let claim_starts: Vec<usize> = claim_spans.iter().map(|s| s.0).collect();
    let mut cuts: Vec<usize> = Vec::new();
    let mut next_mention = 0;
    let mut out = String::with_capacity(doc_text.len() * 2);
    let mut all_sentences = Vec::new();
    let mut sentences: Vec<(usize, &str)> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    for line in &src.lines {
        // A section label glued before a title is shown apart, labelled.
        let own = line.text_start.clamp(line.start, line.end);
        let (Some(section), Some(text)) =
            (doc_text.get(line.start..own), doc_text.get(own..line.end))
        else {
            continue;
        };
        split_sentences(text, own, claim_spans, &mut cuts, &mut sentences);
        // A sentence is a claim sentence when a claim's sentence starts inside it.
        let claim_sentence: Vec<bool> = sentences
            .iter()
            .map(|(off, s)| {
                let (a, b) = (own + off, own + off + s.len());
                let i = claim_starts.partition_point(|&c| c < a);
                claim_starts.get(i).is_some_and(|&c| c < b)
            })
            .collect();
        all_sentences.extend(
            sentences.iter().enumerate().map(|(k, (off, _))| (own + off, line.number, k + 1)),
        );
        while next_mention < order.len() && order[next_mention].end <= line.start {
            next_mention += 1;
        }
        let line_mentions = {
            let mut end = next_mention;
            while end < order.len() && order[end].start < line.end {
                end += 1;
            }
            &order[next_mention..end]
        };
        let id = Anchor { doc: n, line: Some(line.number), sentence: None };
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
                    " " span.lbl title=(Text(&line.reason)) { (line.label.as_str()) }
                }
                " "
                span.tx {
                    @if !section.is_empty() {
                        span.section title="section label" { (Text(section)) } " "
                    }
                    @for (k, (s_off, s)) in sentences.iter().enumerate() {
                        (sentence(id, k, claim_sentence[k], {
                            split_pieces(text, own, *s_off, s, line_mentions, &mut pieces);
                            &pieces
                        }))
                    }
                }
            }
        };
        out.push_str(&markup.into_string());
        out.push('\n');
    }
    Fragment { html: out, sentences: all_sentences }
}

/// A heading for an article without a title: its first content line, shortened.
pub fn first_line(doc: &Document, structure: &Structure) -> String {
    structure
        .content_lines()
        .find_map(|l| doc.text.get(l.text_start.clamp(l.start, l.end)..l.end))
        .map(|t| shorten(t.trim(), 120))
        .unwrap_or_default()
}

/// Splits one line (`text`, at byte `line_start` of the document) into sentences, as (offset in
/// the line, sentence) pairs covering the whole line. The sentences claims come from
/// (`claim_spans`, sorted, in document bytes) are kept whole, so a claim's evidence is exactly
/// one anchored sentence; elsewhere a sentence ends after `.`, `!`, `?` or `…` (and any closing
/// quotes or brackets) followed by a space and a character that is not lowercase, or after an
/// ideographic full stop. Cheap on purpose: the page only needs anchors and highlights.
fn split_sentences<'a>(
    text: &'a str,
    line_start: usize,
    claim_spans: &[(usize, usize)],
    cuts: &mut Vec<usize>,
    out: &mut Vec<(usize, &'a str)>,
) {
    cuts.clear();
    let closing =
        |c: char| matches!(c, '.' | '!' | '?' | '…' | '»' | '”' | '"' | '’' | '\'' | ')' | ']');
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        i += c.len_utf8();
        let ideographic = matches!(c, '。' | '！' | '？');
        if !(ideographic || matches!(c, '.' | '!' | '?' | '…')) {
            continue;
        }
        // Closing marks, also after a space (French « Non. »).
        loop {
            let rest = &text[i..];
            let trimmed = rest.trim_start();
            match trimmed.chars().next() {
                Some(d) if closing(d) => i += rest.len() - trimmed.len() + d.len_utf8(),
                _ => break,
            }
        }
        let rest = &text[i..];
        let trimmed = rest.trim_start();
        let spaced = trimmed.len() < rest.len();
        match trimmed.chars().next() {
            Some(d) if (spaced && !d.is_lowercase()) || ideographic => {
                i += rest.len() - trimmed.len();
                cuts.push(i);
            }
            _ => {}
        }
    }
    // Claim sentences: their ends are cuts, nothing inside them is.
    let (lo, hi) = (line_start, line_start + text.len());
    let first = claim_spans.partition_point(|s| s.1 <= lo);
    let spans = claim_spans[first..].iter().take_while(|s| s.0 < hi);
    for &(a, b) in spans.clone() {
        cuts.retain(|&c| c + lo <= a || c + lo >= b);
    }
    for &(a, b) in spans {
        for edge in [a, b] {
            if edge > lo && edge < hi && text.is_char_boundary(edge - lo) {
                cuts.push(edge - lo);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    out.clear();
    let mut start = 0;
    for &c in cuts.iter().chain(std::iter::once(&text.len())) {
        if c <= start {
            continue;
        }
        match out.last_mut() {
            // A run of spaces between two cuts joins the sentence before it.
            Some(last) if text[start..c].trim().is_empty() => {
                *last = (last.0, &text[last.0..c]);
            }
            _ => out.push((start, &text[start..c])),
        }
        start = c;
    }
}

/// `t` cut after `max` characters, at a word boundary when there is one, with an ellipsis.
pub(super) fn shorten(t: &str, max: usize) -> String {
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
fn sentence(line_id: Anchor, k: usize, claim: bool, pieces: &[Piece]) -> Markup {
    html! {
        span class=(if claim { "s claim" } else { "s" }) id=(Anchor { sentence: Some(k + 1), ..line_id }) {
            @for p in pieces {
                @match p {
                    Piece::Text(t) => (Text(t)),
                    Piece::Mention(t, m) => {
                        mark.ent title={ (Text(&m.entity)) " · " (Text(&m.etype)) " · " (Text(&m.kind)) }
                            data-entity=(Text(&m.entity)) { (Text(t)) }
                    }
                    Piece::Number(t) => mark.num { (Text(t)) },
                }
            }
        }
    }
}

/// Cuts the sentence `s` (at `s_off` in the line, the line at `line_start` in the document) into
/// text, mention and value pieces. Spans crossing a sentence end are cut at it; a span that
/// overlaps an earlier one, or whose offsets are not on character boundaries of this text, is
/// left unmarked.
fn split_pieces<'a>(
    line: &'a str,
    line_start: usize,
    s_off: usize,
    s: &'a str,
    spans: &'a [Mark],
    out: &mut Vec<Piece<'a>>,
) {
    out.clear();
    let s_end = s_off + s.len();
    let mut pos = s_off;
    for sp in spans {
        let (Some(a), Some(b)) = (sp.start.checked_sub(line_start), sp.end.checked_sub(line_start))
        else {
            continue;
        };
        if a < pos && pos > s_off {
            continue; // overlaps the span marked before it
        }
        let (a, b) = (a.max(pos), b.min(s_end));
        if a >= b || !line.is_char_boundary(a) || !line.is_char_boundary(b) {
            continue;
        }
        if a > pos {
            out.push(Piece::Text(&line[pos..a]));
        }
        out.push(match &sp.mention {
            Some(m) => Piece::Mention(&line[a..b], m),
            None => Piece::Number(&line[a..b]),
        });
        pos = b;
    }
    if pos < s_end {
        out.push(Piece::Text(&line[pos..s_end]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{Claim, Kind};
    use crate::document::Meta;
    use crate::structure::Line;

    fn render_doc(d: &Document, s: &Structure, m: &[Mention], c: &DocClaims) -> Fragment {
        render(d.index, &d.text, &Source::of(s, m, c))
    }

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
                out.push(Line {
                    number: i + 1,
                    start,
                    end: start + l.len(),
                    text_start: start,
                    label,
                    reason: "t",
                });
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
            etype: "country",
            kind: "name",
            confidence: 1.0,
        }
    }

    #[test]
    fn lines_sentences_mentions_and_claims_are_anchored() {
        let text = "Titre & <b>gras</b>\n\nLe Maroc est sorti. La liste compte 37 pays, contre 1 400.\nPub";
        let d = doc(text);
        let s = lines(text, &[Label::Title, Label::Body, Label::Boilerplate]);
        let sentence = "La liste compte 37 pays, contre 1 400.";
        let at = text.find(sentence).unwrap();
        let value = |v: &str| {
            let start = at + sentence.find(v).unwrap();
            Claim {
                line: 3,
                kind: Kind::Quantity,
                key: "quantity:countries".into(),
                value: v.replace(' ', ""),
                unit: String::new(),
                role: String::new(),
                approx: String::new(),
                head: "countries".into(),
                entities: vec![],
                members: vec![],
                speaker: String::new(),
                days: vec![],
                surface: v.into(),
                span: (start, start + v.len()),
                sentence: (at, at + sentence.len()),
                text: sentence.into(),
                marks: vec![],
                derived: false,
                compared: String::new(),
            }
        };
        let claims = DocClaims { claims: vec![value("37"), value("1 400")], ..Default::default() };
        let f = render_doc(&d, &s, &[mention(text, "Maroc", "MA")], &claims);
        let h = &f.html;
        assert!(h.contains("Titre &amp; &lt;b&gt;gras&lt;/b&gt;"), "{h}");
        assert!(!h.contains("<b>"));
        assert!(h.contains(r#"id="doc-3-l1""#) && h.contains(r#"id="doc-3-l3-s2""#), "{h}");
        assert!(h.contains(r#"data-entity="MA">Maroc</mark>"#), "{h}");
        assert!(h.contains(r#"<mark class="num">37</mark>"#), "{h}");
        assert!(h.contains(r#"<mark class="num">1 400</mark>"#), "{h}");
        assert!(h.contains(r#"<span class="s claim" id="doc-3-l3-s2">"#), "{h}");
        assert!(h.contains(r#"<span class="s" id="doc-3-l3-s1">"#), "{h}");
        let starts: Vec<_> = f.sentences.iter().map(|s| (s.1, s.2)).collect();
        assert_eq!(starts, [(1, 1), (3, 1), (3, 2), (4, 1)]);
        assert_eq!(f.sentences[2].0, at);
        assert_eq!(first_line(&d, &s), "Titre & <b>gras</b>");
        assert!(h.contains(r#"class="ln boilerplate bp""#), "{h}");
        assert!(h.contains(r#"<span class="lbl" title="t">title</span>"#), "{h}");
    }

    fn split(text: &str, claims: &[(usize, usize)]) -> Vec<String> {
        let (mut cuts, mut out) = (Vec::new(), Vec::new());
        split_sentences(text, 100, claims, &mut cuts, &mut out);
        assert_eq!(out.iter().map(|s| s.1).collect::<String>(), text, "sentences cover the line");
        out.iter().map(|s| s.1.to_string()).collect()
    }

    #[test]
    fn a_source_read_back_from_the_part_file_renders_the_same() {
        let text = "Titre\n\nLe Maroc et l'Espagne. Pub";
        let d = doc(text);
        let s = lines(text, &[Label::Title, Label::Boilerplate]);
        let m = [mention(text, "Maroc", "MA"), mention(text, "Espagne", "ES")];
        let src = Source::of(&s, &m, &DocClaims::default());
        let mut buf = Vec::new();
        src.encode(&mut buf);
        let back = Source::decode(&buf).unwrap();
        let (a, b) = (render(d.index, text, &src), render(d.index, text, &back));
        assert_eq!(a.html, b.html);
        assert_eq!(a.sentences, b.sentences);
        assert_eq!(a.html.matches("<mark").count(), 2, "{}", a.html);
        assert!(a.html.contains(r#"title="t">boilerplate</span>"#), "{}", a.html);
    }

    #[test]
    fn a_source_round_trips_through_its_encoding() {
        let marked =
            Marked { entity: "IL".into(), etype: "country".into(), kind: "demonym".into() };
        let src = Source {
            lines: vec![SourceLine {
                number: 3,
                start: 10,
                end: 300,
                text_start: 12,
                label: Label::Boilerplate,
                reason: "récurrente".into(),
            }],
            marks: vec![
                Mark { start: 12, end: 20, mention: Some(marked) },
                Mark { start: 200, end: 70_000, mention: None },
            ],
            claim_spans: vec![(10, 300), (1 << 33, (1 << 33) + 5)],
        };
        let mut buf = Vec::new();
        src.encode(&mut buf);
        assert_eq!(format!("{:?}", Source::decode(&buf).unwrap()), format!("{src:?}"));
        assert!(Source::decode(&buf[..buf.len() - 1]).is_err(), "a truncated record is an error");
        buf.push(0);
        assert!(Source::decode(&buf).is_err(), "trailing bytes are an error");
    }

    #[test]
    fn sentences_split_on_punctuation_and_keep_claim_sentences_whole() {
        assert_eq!(
            split("Il a dit « Non. » Puis 3.5 %, etc. et fin! « Oui » 中文。好", &[]),
            ["Il a dit « Non. » ", "Puis 3.5 %, etc. et fin! ", "« Oui » 中文。", "好"]
        );
        // A claim sentence that the rule would cut ("M. Dupont") stays one sentence.
        let t = "Selon M. Dupont, 37 pays. Fin.";
        assert_eq!(split(t, &[(100, 125)]), ["Selon M. Dupont, 37 pays. ", "Fin."]);
        assert_eq!(split(t, &[]), ["Selon M. ", "Dupont, 37 pays. ", "Fin."]);
    }

    #[test]
    fn a_glued_section_label_is_shown_apart() {
        let text = "DiplomatieIsraël réduit sa liste";
        let mut s = lines(text, &[Label::Title]);
        s.lines[0].text_start = "Diplomatie".len();
        let d = doc(text);
        let f = render_doc(&d, &s, &[], &DocClaims::default());
        assert!(
            f.html.contains(r#"<span class="section" title="section label">Diplomatie</span> <span class="s" id="doc-3-l1-s1">Israël"#),
            "{}",
            f.html
        );
        assert_eq!(first_line(&d, &s), "Israël réduit sa liste");
    }

    #[test]
    fn bad_mention_offsets_are_ignored() {
        let text = "Éric à Paris";
        let d = doc(text);
        let s = lines(text, &[Label::Body]);
        let mut m = mention(text, "Paris", "paris");
        m.byte_start = 1; // inside 'É'
        let f = render_doc(&d, &s, &[m], &DocClaims::default());
        assert!(f.html.contains("Éric à Paris"), "{}", f.html);
        assert!(!f.html.contains("<mark"));
    }
}
