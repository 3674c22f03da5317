//! A sentence as the extractors see it: its tokens and the entity mentions inside it, mapped
//! to token ranges.

use super::lexicon::StartSet;
use super::text::{Sentence, Tok, Tokens};
use crate::entities::Mention;

/// One entity mention, located by tokens.
#[derive(Debug, Clone, Copy)]
pub struct MTok<'a> {
    /// Token range `a..b`.
    pub a: usize,
    pub b: usize,
    pub entity: &'a str,
    pub etype: &'a str,
    /// A nationality word (« israélien »): a qualifier, never a member or a speaker.
    pub demonym: bool,
    /// Byte span in the document.
    pub start: usize,
    pub end: usize,
}

/// One sentence with its mentions.
#[derive(Debug)]
pub struct SentView<'a> {
    pub t: &'a Tokens,
    pub s: Sentence,
    /// Mentions in token order.
    pub ments: Vec<MTok<'a>>,
    /// Per token of the sentence: whether it is part of a mention.
    inside: Vec<bool>,
    /// The tokens where a day or a sentence cue may start (`Lex::sentence_starts`), in order;
    /// empty unless the view is made [`SentView::with_cues`].
    pub cues: Vec<usize>,
    /// The sentence's text, made once and shared by its claims.
    text: std::cell::OnceCell<std::sync::Arc<str>>,
}

/// The first token of `lo..hi` for which `past` holds, or `hi`; `past` must be false, then true,
/// along the tokens.
pub fn first_token(t: &Tokens, mut lo: usize, mut hi: usize, past: impl Fn(&Tok) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if past(t.tok(mid)) { hi = mid } else { lo = mid + 1 }
    }
    lo
}

impl<'a> SentView<'a> {
    /// Builds the view; `mentions` are the document's, sorted by `byte_start`.
    pub fn new(t: &'a Tokens, s: Sentence, mentions: &'a [Mention]) -> Self {
        let ments = Self::locate(t, s, mentions);
        let (ts, te) = s.toks;
        let mut inside = vec![false; te - ts];
        for m in &ments {
            inside[m.a - ts..m.b - ts].iter_mut().for_each(|x| *x = true);
        }
        SentView { t, s, ments, inside, cues: Vec::new(), text: std::cell::OnceCell::new() }
    }

    /// As [`SentView::new`], without the per-token marks that [`SentView::in_mention`] reads:
    /// for the view of a whole line that only the quotes read (they look mentions up by
    /// token range), which would otherwise mark every token of the line once more.
    pub fn unmarked(t: &'a Tokens, s: Sentence, mentions: &'a [Mention]) -> Self {
        let ments = Self::locate(t, s, mentions);
        SentView {
            t,
            s,
            ments,
            inside: Vec::new(),
            cues: Vec::new(),
            text: std::cell::OnceCell::new(),
        }
    }

    /// The mentions of sentence `s`, located by tokens.
    fn locate(t: &Tokens, s: Sentence, mentions: &'a [Mention]) -> Vec<MTok<'a>> {
        let (bs, be) = s.bytes;
        let first = mentions.partition_point(|m| m.byte_end <= bs);
        let (ts, te) = s.toks;
        let last = first + mentions[first..].partition_point(|m| m.byte_start < be);
        let mut ments = Vec::with_capacity(last - first);
        // The first token of the last mention: mentions come in byte order, so their first
        // tokens never go back, and one walk along the sentence finds them all.
        let mut a = ts;
        for m in &mentions[first..last] {
            // Tokens overlapping the mention (a mention may start inside a glued token), found
            // by walking forward: a walk costs the sentence's tokens once plus each mention's
            // few (a view of a whole line, even a one-line document of a megabyte, walks its
            // line once), and a sentence's are fewer than the steps of two bisections each.
            while a < te && t.tok(a).end <= m.byte_start {
                a += 1;
            }
            let mut b = a;
            while b < te && t.tok(b).start < m.byte_end {
                b += 1;
            }
            if a >= b {
                continue;
            }
            ments.push(MTok {
                a,
                b,
                entity: &m.entity,
                etype: m.etype,
                demonym: m.kind == "demonym",
                start: m.byte_start,
                end: m.byte_end,
            });
        }
        ments
    }

    /// The view with its `cues`: the tokens whose word is in `starts`.
    pub fn with_cues(mut self, starts: &StartSet) -> Self {
        let (ts, te) = self.s.toks;
        starts.positions(self.t, ts, te, &mut self.cues);
        self
    }

    /// The sentence's text in `doc`, shared (the claims of a sentence, and their evidence
    /// in the reports, all hold it).
    pub fn text(&self, doc: &str) -> std::sync::Arc<str> {
        let (bs, be) = self.s.bytes;
        self.text.get_or_init(|| doc[bs..be].into()).clone()
    }

    /// Token range of the sentence.
    pub fn range(&self) -> (usize, usize) {
        self.s.toks
    }

    /// Whether token `i` is part of a mention.
    pub fn in_mention(&self, i: usize) -> bool {
        debug_assert_eq!(self.inside.len(), self.s.toks.1 - self.s.toks.0, "an unmarked view");
        i.checked_sub(self.s.toks.0).and_then(|k| self.inside.get(k)).is_some_and(|&x| x)
    }

    /// The mention starting at token `i`.
    pub fn mention_at(&self, i: usize) -> Option<&MTok<'a>> {
        self.ments_in(i, i + 1).first()
    }

    /// The mentions starting at tokens `lo..hi`, in order. (Views of whole lines have many
    /// mentions: looked up by bisection, not scanned.)
    pub fn ments_in(&self, lo: usize, hi: usize) -> &[MTok<'a>] {
        let from = self.ments.partition_point(|m| m.a < lo);
        let to = from + self.ments[from..].partition_point(|m| m.a < hi);
        &self.ments[from..to]
    }

    /// The mentions starting at bytes `lo..hi` of the document, in order.
    pub fn ments_within_bytes(&self, lo: usize, hi: usize) -> &[MTok<'a>] {
        let from = self.ments.partition_point(|m| m.start < lo);
        let to = from + self.ments[from..].partition_point(|m| m.start < hi);
        &self.ments[from..to]
    }

    /// Sorted, deduplicated entity ids of the sentence.
    pub fn entity_ids(&self) -> Vec<String> {
        // Copied once deduplicated: a sentence names an entity several times.
        let mut v: Vec<&str> = self.ments.iter().map(|m| m.entity).collect();
        v.sort_unstable();
        v.dedup();
        v.into_iter().map(str::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexicon::Vocab;
    use super::super::text::NumFormat;
    use super::*;

    /// The walk finds the token ranges that two bisections per mention find, for mentions
    /// starting and ending anywhere (inside glued tokens, nested, overlapping sentences).
    #[test]
    fn mentions_walked_as_bisected() {
        let text = "Selon l'AFP, le Maroc, Bahreïn et l'Arabie saoudite (royaume-uni) sont \
                    sortis de la liste mercredi. Les États-Unis l'ont dit à 3 reprises.";
        let mut t = Tokens::default();
        t.tokenize(text, 0, NumFormat { decimal: '.', groups: &[] }, &Vocab::default());
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(3).collect();
        let mut mentions = Vec::new();
        for (k, &s) in bounds.iter().enumerate() {
            for &e in bounds[k + 1..].iter().step_by(7).take(4) {
                mentions.push(Mention {
                    line: 1,
                    char_start: 0,
                    char_end: 0,
                    byte_start: s,
                    byte_end: e,
                    surface: String::new(),
                    entity: format!("e{s}-{e}"),
                    etype: "country",
                    kind: "name",
                    confidence: 1.0,
                });
            }
        }
        mentions.sort_by_key(|m| (m.byte_start, std::cmp::Reverse(m.byte_end)));
        for (ts, te) in [(0, t.len()), (0, 9), (3, 17), (9, t.len())] {
            let s = Sentence { toks: (ts, te), bytes: (t.tok(ts).start, t.tok(te - 1).end) };
            let sv = SentView::new(&t, s, &mentions);
            // The mentions `new` looks at, as it selects them.
            let first = mentions.partition_point(|m| m.byte_end <= s.bytes.0);
            let last = first + mentions[first..].partition_point(|m| m.byte_start < s.bytes.1);
            let expected: Vec<(usize, usize, &str)> = mentions[first..last]
                .iter()
                .map(|m| {
                    let a = first_token(&t, ts, te, |k| k.end > m.byte_start);
                    (a, first_token(&t, a, te, |k| k.start >= m.byte_end), m.entity.as_str())
                })
                .filter(|(a, b, _)| a < b)
                .collect();
            let got: Vec<(usize, usize, &str)> =
                sv.ments.iter().map(|m| (m.a, m.b, m.entity)).collect();
            assert!(!got.is_empty());
            assert_eq!(got, expected, "{ts}..{te}");
        }
    }
}
