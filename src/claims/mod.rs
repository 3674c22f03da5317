//! Claims: what a document asserts — quantities, enumerations, list memberships, quotes and
//! events with their days — each tied to its line and sentence.
//!
//! Per document, a pure function of (Document, &Model): each content line is tokenized once,
//! split into sentences, and read for quantities (`quantity`), enumerations, memberships and
//! events (`lists`) and quotes (`quotes`); every claim keeps its line, the byte spans of its
//! value and sentence, the entities and the days of its sentence. Keys are language-independent
//! (`count:countries|after`, `member:country|MA`), so claims from articles in different
//! languages align. The document's MinHash signature (`fingerprint`) is computed in the same
//! pass.

mod fingerprint;
mod lexicon;
mod lists;
mod quantity;
mod quotes;
mod sentence;
mod spelled;
mod text;

pub use fingerprint::{HASHES, fnv, mix, similarity};
pub use quantity::fmt_value;
pub use quotes::normalize as normalize_quote;

use crate::document::Document;
use crate::entities::Mention;
use crate::lang::Lang;
use crate::report::CsvOut;
use crate::structure::Structure;
use anyhow::Result;
use fingerprint::MinHasher;
use lexicon::Lexicons;
use sentence::SentView;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use text::{NumFormat, Sentence, Tokens, sentences};

/// What a claim is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Quantity,
    Enumeration,
    Membership,
    Quote,
    Event,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Quantity => "quantity",
            Kind::Enumeration => "enumeration",
            Kind::Membership => "membership",
            Kind::Quote => "quote",
            Kind::Event => "event",
        }
    }
}

/// One claim of one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claim {
    /// 1-based line number.
    pub line: usize,
    pub kind: Kind,
    /// Normalized alignment key (what is counted, the list, the role…), language-independent.
    pub key: String,
    /// Normalized value: a number in plain digits, `in`/`out`, a count, a quote's text…
    pub value: String,
    /// Unit of a quantity (`USD`, `%`, `hours`…), empty for plain counts.
    pub unit: String,
    /// Role given by a cue: `after`, `before`, `removed`, `added`… or empty.
    pub role: String,
    /// Approximation: `about`, `more`, `less`, `at_least`, `at_most`, or empty.
    pub approx: String,
    /// What is counted or listed, normalized across languages (`countries`), or empty.
    pub head: String,
    /// Canonical entity ids of the claim's sentence, sorted, deduplicated.
    pub entities: Vec<String>,
    /// Members of an enumeration or the entity of a membership, in text order.
    pub members: Vec<String>,
    /// Speaker of a quote (entity id when known, else the name as written).
    pub speaker: String,
    /// Weekdays and dates of the sentence (`wednesday`, `2019`, `2021-11`).
    pub days: Vec<String>,
    /// The value as written.
    pub surface: String,
    /// Byte span of the value in the document.
    pub span: (usize, usize),
    /// Byte span of the sentence in the document.
    pub sentence: (usize, usize),
    /// The sentence the claim comes from.
    pub text: Arc<str>,
    /// Byte spans worth highlighting in the sentence (entities, cue).
    pub marks: Vec<(usize, usize)>,
    /// The value was computed (a sum, names counted) rather than read: it may confirm a
    /// finding but never makes a conflict.
    pub derived: bool,
    /// For an enumeration: the count the text claims for it, if any.
    pub compared: String,
}

/// Lexicons and patterns, built once per run.
#[derive(Debug)]
pub struct Model {
    pub lex: Lexicons,
}

impl Model {
    pub fn build() -> Result<Self> {
        Ok(Model { lex: Lexicons::build()? })
    }
}

/// All claims of one document, plus the fingerprint used to find copies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocClaims {
    pub claims: Vec<Claim>,
    /// MinHash signature of the content's word shingles (empty for very short texts).
    pub signature: Vec<u32>,
}

/// A claim with the common fields filled from its sentence.
fn claim(line: usize, kind: Kind, sv: &SentView, doc: &str, days: &[String]) -> Claim {
    let (bs, be) = sv.s.bytes;
    Claim {
        entities: sv.entity_ids(),
        days: days.to_vec(),
        text: sv.text(doc),
        marks: sv
            .ments
            .iter()
            .filter(|m| !m.demonym || kind == Kind::Quantity)
            .map(|m| (m.start, m.end))
            .collect(),
        ..bare_claim(line, kind, (bs, be))
    }
}

/// A claim of sentence `sentence` with no text, entities or marks yet (a quote fills in its
/// own: copying its whole line's would cost the line's length per quote).
pub(crate) fn bare_claim(line: usize, kind: Kind, sentence: (usize, usize)) -> Claim {
    Claim {
        line,
        kind,
        key: String::new(),
        value: String::new(),
        unit: String::new(),
        role: String::new(),
        approx: String::new(),
        head: String::new(),
        entities: Vec::new(),
        members: Vec::new(),
        speaker: String::new(),
        days: Vec::new(),
        surface: String::new(),
        span: (sentence.0, sentence.0),
        sentence,
        text: Arc::default(),
        marks: Vec::new(),
        derived: false,
        compared: String::new(),
    }
}

/// Reverse of the concept table: the concept counting entities of a type.
fn concept_of<'a>(lexs: &'a Lexicons, etype: &str) -> Option<&'a str> {
    let mut best: Option<&str> = None;
    for (c, t) in &lexs.concepts {
        if t == etype && best.is_none_or(|b| c.as_str() < b) {
            best = Some(c);
        }
    }
    best
}

/// Extracts the claims of `doc` from its content lines.
pub fn extract(
    doc: &Document,
    lang: &Lang,
    structure: &Structure,
    mentions: &[Mention],
    model: &Model,
) -> DocClaims {
    let lexs = &model.lex;
    let lex = lexs.get(&lang.code);
    let fmt = NumFormat { decimal: lex.decimal, groups: &lex.groups };
    let text = doc.text.as_str();
    // The entities stage gives its mentions in this order already; copying them (four strings
    // each) is only for input that does not.
    let order = |m: &Mention| (m.byte_start, std::cmp::Reverse(m.byte_end));
    let ments: std::borrow::Cow<[Mention]> = if mentions.is_sorted_by_key(order) {
        std::borrow::Cow::Borrowed(mentions)
    } else {
        let mut v = mentions.to_vec();
        v.sort_by_key(order);
        std::borrow::Cow::Owned(v)
    };
    // First pass: does the document name a list, and which outlet does it cite as its source?
    // Each line is tokenized and split into sentences once; the second pass reuses them.
    let mut lines: Vec<Tokens> = Vec::new();
    let mut line_sents: Vec<Vec<Sentence>> = Vec::new();
    let mut sources: Vec<(String, usize)> = Vec::new();
    for line in structure.content_lines() {
        let mut toks = Tokens::with_capacity(line.end - line.start);
        toks.tokenize(&text[line.start..line.end], line.start, fmt, &lex.vocab);
        let mut sents = Vec::new();
        sentences(&toks, text, &lex.abbrev, &mut sents);
        lines.push(toks);
        line_sents.push(sents);
    }
    // Each sentence's view is made once, for both passes: it locates the sentence's mentions
    // among its tokens (one walk and two vectors per sentence), and the tokens where its days
    // and cues may start.
    let views: Vec<Vec<SentView>> = lines
        .iter()
        .zip(line_sents)
        .map(|(toks, sents)| {
            sents
                .into_iter()
                .map(|s| SentView::new(toks, s, &ments).with_cues(&lex.sentence_starts))
                .collect()
        })
        .collect();
    // Whether each sentence has a list word, in the order of `views`: the second pass asks
    // again for each sentence.
    let mut list_words = Vec::with_capacity(views.iter().map(Vec::len).sum());
    for sv in views.iter().flatten() {
        list_words.push(lists::has_list_word(sv, lex));
        lists::attributed(sv, lex, &mut sources);
    }
    let list_doc = list_words.contains(&true);
    let mut list_words = list_words.into_iter();
    let source = sources
        .iter()
        .max_by_key(|c| (c.1, std::cmp::Reverse(c.0.clone())))
        .map(|c| c.0.clone())
        .unwrap_or_default();

    let mut out = Vec::new();
    let mut fp = MinHasher::default();
    let (mut quants, mut years, mut members, mut evs, mut qs, mut hits) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut prev_heads: Vec<(String, f64)> = Vec::new();
    let mut prev_list = false;
    let mut prev_intro = false;
    for (line, (toks, line_views)) in structure.content_lines().zip(lines.iter().zip(&views)) {
        if toks.is_empty() {
            // No tokens, no sentences: `list_words` stays in step with the views.
            debug_assert!(line_views.is_empty());
            continue;
        }
        fp.feed(toks);
        let whole = Sentence {
            toks: (0, toks.len()),
            bytes: (toks.tok(0).start, toks.tok(toks.len() - 1).end),
        };
        quotes::find(text, whole.bytes, &mut qs);
        // The line's view locates all its mentions: made only for a line with quotes.
        if !qs.is_empty() {
            let lv = SentView::unmarked(toks, whole, &ments);
            quotes::attribute(text, &lv, lex, &mut qs);
            for q in &qs {
                let mut c = bare_claim(line.number, Kind::Quote, q.outer);
                c.key = "quote".into();
                c.value = q.text.clone();
                c.speaker = q.speaker.clone();
                c.surface = text[q.start..q.end].to_string();
                c.span = (q.start, q.end);
                c.text = q.text.as_str().into();
                c.entities = lv
                    .ments_within_bytes(q.start, q.end)
                    .iter()
                    .filter(|m| m.end <= q.end)
                    .map(|m| m.entity.to_string())
                    .collect();
                c.entities.sort();
                c.entities.dedup();
                out.push(c);
            }
        }
        for sv in line_views {
            let s = &sv.s;
            let b = s.toks.1;
            lex.days.scan_at(toks, &sv.cues, b, &mut hits);
            let mut day_at: Vec<(String, usize)> =
                hits.iter().map(|h| (lex.days.payloads[h.payload].clone(), h.start)).collect();
            quantity::find(sv, lex, &mut quants, &mut years);
            day_at.append(&mut years);
            // The day closest to a cue is the day of that event.
            let nearest_day = |cue: (usize, usize)| {
                day_at
                    .iter()
                    .min_by_key(
                        |(_, i)| if *i < cue.0 { cue.0 - i } else { i.saturating_sub(cue.1) },
                    )
                    .map(|d| d.0.clone())
                    .unwrap_or_default()
            };
            let mut days: Vec<String> = day_at.iter().map(|d| d.0.clone()).collect();
            days.sort();
            days.dedup();

            for q in &quants {
                let mut c = claim(line.number, Kind::Quantity, sv, text, &days);
                let mut key = q.key();
                if q.other {
                    key = key.replacen('|', "[other]|", 1);
                }
                c.key = key;
                c.value = fmt_value(q.value);
                c.unit = q.unit.clone();
                c.role = q.role.clone();
                c.approx = q.approx.clone();
                c.head = q.head.clone();
                c.span = (toks.tok(q.a).start, toks.tok(q.end.max(q.b) - 1).end);
                c.surface = text[c.span.0..c.span.1].to_string();
                out.push(c);
                // « NSO Group et Candira … avec deux autres sociétés »: the total.
                if q.other
                    && let Some(ty) = lexs.concept_type(&q.head)
                {
                    let mut named: Vec<&str> = sv
                        .ments
                        .iter()
                        .filter(|m| m.b <= q.a && !m.demonym && m.etype == ty)
                        .map(|m| m.entity)
                        .collect();
                    named.sort();
                    named.dedup();
                    if !named.is_empty() {
                        let mut d = out.last().expect("just pushed").clone();
                        d.key = q.key();
                        d.value = fmt_value(q.value + named.len() as f64);
                        d.derived = true;
                        d.members = named.iter().map(|s| s.to_string()).collect();
                        out.push(d);
                    }
                }
            }

            // Enumerations, and names counted by type (« Pour Israël, il s'agit de X et de Y »).
            let usable = vec![true; sv.ments.len()];
            for ch in lists::chains(sv, lex, &usable) {
                // One name is neither an enumeration nor a pair counted.
                if ch.len() < 2 {
                    continue;
                }
                let ty = sv.ments[ch[0]].etype;
                let Some(concept) = concept_of(lexs, ty) else { continue };
                let ids: Vec<String> = ch.iter().map(|&k| sv.ments[k].entity.to_string()).collect();
                let mut uniq = ids.clone();
                uniq.sort();
                uniq.dedup();
                let span = (sv.ments[ch[0]].start, sv.ments[*ch.last().expect("non-empty")].end);
                if uniq.len() >= 3 {
                    let mut c = claim(line.number, Kind::Enumeration, sv, text, &days);
                    c.key = ["enum:", ty].concat();
                    c.value = uniq.len().to_string();
                    c.head = concept.to_string();
                    c.members = ids;
                    c.span = span;
                    c.surface = text[span.0..span.1].to_string();
                    // Complete when a count of the same thing introduces it.
                    let claimed = quants
                        .iter()
                        .filter(|q| q.head == concept)
                        .map(|q| q.value)
                        .chain(prev_heads.iter().filter(|p| p.0 == concept).map(|p| p.1))
                        .collect::<Vec<_>>();
                    if let Some(v) =
                        claimed.iter().find(|v| **v == uniq.len() as f64).or(claimed.first())
                    {
                        c.compared = fmt_value(*v);
                    }
                    if c.compared == c.value || (prev_intro && claimed.is_empty()) {
                        c.role = "complete".into();
                    }
                    out.push(c);
                } else if uniq.len() == 2 && !quants.iter().any(|q| q.head == concept) {
                    let country = sv
                        .ments
                        .iter()
                        .find(|m| !m.demonym && m.etype == "country" && ty != "country");
                    if let Some(cm) = country {
                        let mut c = claim(line.number, Kind::Quantity, sv, text, &days);
                        c.key = ["count:", concept, "[", cm.entity, "]|"].concat();
                        c.value = "2".into();
                        c.head = concept.to_string();
                        c.members = uniq;
                        c.derived = true;
                        c.span = span;
                        c.surface = text[span.0..span.1].to_string();
                        out.push(c);
                    }
                }
            }

            // Memberships and list changes.
            let list_here = list_words.next().expect("one per view");
            lists::memberships(
                sv,
                lex,
                lexs,
                &quants,
                list_here || prev_list,
                list_doc,
                &mut members,
            );
            let mut seen: Vec<(String, String)> = Vec::new();
            for m in &members {
                let cue = (toks.tok(m.cue.0).start, toks.tok(m.cue.1 - 1).end);
                for &k in &m.members {
                    let e = &sv.ments[k];
                    if seen.iter().any(|(x, st)| x == e.entity && *st == m.state) {
                        continue;
                    }
                    seen.push((e.entity.to_string(), m.state.clone()));
                    let mut c = claim(line.number, Kind::Membership, sv, text, &days);
                    c.key = ["member:", &m.etype, "|", e.entity].concat();
                    c.value = m.state.clone();
                    c.role = toks.fold(m.cue.0).to_string();
                    c.members = vec![e.entity.to_string()];
                    c.head = concept_of(lexs, &m.etype).unwrap_or("").to_string();
                    c.span = (e.start, e.end);
                    c.surface = text[cue.0..cue.1].to_string();
                    c.marks.push(cue);
                    out.push(c);
                }
                let ev_key = ["event:list_", &m.state, "|", &m.etype].concat();
                if !days.is_empty()
                    && !out.iter().rev().take(64).any(|c| c.key == ev_key && c.sentence == s.bytes)
                {
                    let mut c = claim(line.number, Kind::Event, sv, text, &days);
                    c.key = ev_key;
                    c.value = nearest_day(m.cue);
                    c.span = cue;
                    c.surface = text[cue.0..cue.1].to_string();
                    out.push(c);
                }
            }

            // Events: reports, lawsuits.
            lists::events(sv, lex, lexs, &source, &mut evs);
            for ev in &evs {
                let Some(class) = lexs.event(&ev.class) else { continue };
                let cue = (toks.tok(ev.cue.0).start, toks.tok(ev.cue.1 - 1).end);
                let mut c = claim(line.number, Kind::Event, sv, text, &days);
                let years: Vec<&String> = days
                    .iter()
                    .filter(|d| d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()))
                    .collect();
                if class.anchor_agent {
                    c.key = ["event:", &ev.class, "|", &ev.agent].concat();
                } else {
                    c.key = ["event:", &ev.class, "|", &ev.object].concat();
                    if class.value_agent
                        && let Some(y) = years.first()
                    {
                        c.key.push('|');
                        c.key.push_str(y);
                    }
                }
                c.value = if class.value_agent { ev.agent.clone() } else { nearest_day(ev.cue) };
                if c.value.is_empty() {
                    continue;
                }
                c.role = ev.class.clone();
                c.members = vec![ev.agent.clone(), ev.object.clone()];
                c.span = cue;
                c.surface = text[cue.0..cue.1].to_string();
                out.push(c);
            }

            prev_heads = quants.iter().map(|q| (q.head.clone(), q.value)).collect();
            prev_list = list_here;
            prev_intro = toks.fold(b - 1) == ":" && !members.is_empty();
        }
    }
    DocClaims { claims: out, signature: fp.finish() }
}

/// Columns of claims.csv.
pub const CLAIMS_HEADER: &[&str] =
    &["claim", "doc", "line", "kind", "key", "value", "unit", "role", "entities", "text"];

/// Writes the claims.csv rows of one document.
pub fn write_claims(doc: &str, c: &DocClaims, w: &mut CsvOut) -> Result<()> {
    // Buffers reused from row to row (see `entities::write_mentions`).
    let (mut id, mut entities) = (String::new(), String::new());
    let (mut line, mut number) = (itoa::Buffer::new(), itoa::Buffer::new());
    for (n, cl) in c.claims.iter().enumerate() {
        id.clear();
        id.push_str(doc);
        id.push_str("#c");
        id.push_str(number.format(n + 1));
        entities.clear();
        for (i, e) in cl.entities.iter().enumerate() {
            if i > 0 {
                entities.push(';');
            }
            entities.push_str(e);
        }
        w.row([
            &id,
            doc,
            line.format(cl.line),
            cl.kind.as_str(),
            &cl.key,
            &cl.value,
            &cl.unit,
            &cl.role,
            &entities,
            &cl.text,
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Meta;

    fn claims_of(text: &str, lang: &str) -> Vec<Claim> {
        let model = Model::build().unwrap();
        let doc = Document {
            index: 0,
            id: "t".into(),
            path: "t".into(),
            record_id: String::new(),
            meta: Meta::default(),
            encoding: "utf-8".into(),
            bytes: text.len(),
            text: text.into(),
        };
        let lang = Lang { code: lang.into(), confidence: 1.0 };
        let st = crate::structure::analyse(
            &doc,
            &lang,
            &crate::structure::Model::build().unwrap(),
            &Default::default(),
        );
        extract(&doc, &lang, &st, &[], &model).claims
    }

    fn quantities(text: &str, lang: &str) -> Vec<(String, String, String)> {
        claims_of(text, lang)
            .into_iter()
            .filter(|c| c.kind == Kind::Quantity)
            .map(|c| (c.key, c.value, c.approx))
            .collect()
    }

    fn q(key: &str, value: &str, approx: &str) -> (String, String, String) {
        (key.into(), value.into(), approx.into())
    }

    #[test]
    fn french_counts_pairs_and_words() {
        let v =
            quantities("La liste ne comprend désormais que 37 pays, contre 102 auparavant.", "fr");
        assert_eq!(
            v,
            [q("count:countries|after", "37", ""), q("count:countries|before", "102", "")]
        );
        let v = quantities(
            "Dix-sept médias et quatre sociétés étrangères, près de 1 400 utilisateurs.",
            "fr",
        );
        assert_eq!(
            v,
            [
                q("count:media|", "17", ""),
                q("count:companies|", "4", ""),
                q("count:users|", "1400", "about")
            ]
        );
        let v = quantities(
            "Elle est évaluée à plus d'un milliard de dollars, soit 2,5 % du marché.",
            "fr",
        );
        assert_eq!(
            v,
            [q("money:USD|valuation", "1000000000", "more"), q("percent:marche|", "2.5", "")]
        );
        // Articles and years are not quantities.
        assert!(quantities("Un rapport publié en 2019 cite une source.", "fr").is_empty());
    }

    #[test]
    fn english_counts_money_fractions() {
        let v = quantities("The list was cut to 37 countries, down from 102.", "en");
        assert_eq!(
            v,
            [q("count:countries|after", "37", ""), q("count:countries|before", "102", "")]
        );
        let v = quantities("About $500 million of debt, and two-thirds of users.", "en");
        assert_eq!(
            v,
            [q("money:USD:debt|", "500000000", "about"), q("fraction:users|", "0.667", "")]
        );
        let v = quantities(
            "More than 1,400 users were targeted, officials said one hour before.",
            "en",
        );
        assert_eq!(v, [q("count:users|", "1400", "more"), q("duration:hours|before", "1", "")]);
    }

    #[test]
    fn quotes_nested_and_unclosed() {
        let c = claims_of(
            "« Il a dit “nous partirons demain matin” hier », a déclaré le porte-parole.\n\
             Il a ajouté : « une phrase qui ne se ferme jamais dans ce paragraphe\n",
            "fr",
        );
        let quotes: Vec<&str> =
            c.iter().filter(|c| c.kind == Kind::Quote).map(|c| c.value.as_str()).collect();
        assert_eq!(
            quotes,
            [
                "Il a dit “nous partirons demain matin” hier",
                "une phrase qui ne se ferme jamais dans ce paragraphe"
            ]
        );
    }

    #[test]
    fn days_travel_with_claims() {
        let c = claims_of("Mercredi, le ministère a supprimé 65 pays de la liste.", "fr");
        assert_eq!(c[0].days, ["wednesday"]);
        assert_eq!(c[0].key, "count:countries|removed");
    }
}
