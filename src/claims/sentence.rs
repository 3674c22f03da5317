//! A sentence as the extractors see it: its tokens and the entity mentions inside it, mapped
//! to token ranges.

use super::text::{Sentence, Tokens};
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
}

impl<'a> SentView<'a> {
    /// Builds the view; `mentions` are the document's, sorted by `byte_start`.
    pub fn new(t: &'a Tokens, s: Sentence, mentions: &'a [Mention]) -> Self {
        let (bs, be) = s.bytes;
        let first = mentions.partition_point(|m| m.byte_end <= bs);
        let (ts, te) = s.toks;
        let mut ments = Vec::new();
        for m in &mentions[first..] {
            if m.byte_start >= be {
                break;
            }
            // Tokens overlapping the mention (a mention may start inside a glued token).
            let a = ts + (ts..te).map(|i| t.tok(i)).take_while(|k| k.end <= m.byte_start).count();
            let b = ts + (ts..te).map(|i| t.tok(i)).take_while(|k| k.start < m.byte_end).count();
            if a >= b {
                continue;
            }
            ments.push(MTok {
                a,
                b,
                entity: &m.entity,
                etype: &m.etype,
                demonym: m.kind == "demonym",
                start: m.byte_start,
                end: m.byte_end,
            });
        }
        SentView { t, s, ments }
    }

    /// Token range of the sentence.
    pub fn range(&self) -> (usize, usize) {
        self.s.toks
    }

    /// Whether token `i` is part of a mention.
    pub fn in_mention(&self, i: usize) -> bool {
        self.ments.iter().any(|m| m.a <= i && i < m.b)
    }

    /// The mention starting at token `i`.
    pub fn mention_at(&self, i: usize) -> Option<&MTok<'a>> {
        self.ments.iter().find(|m| m.a == i)
    }

    /// Sorted, deduplicated entity ids of the sentence.
    pub fn entity_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.ments.iter().map(|m| m.entity.to_string()).collect();
        v.sort();
        v.dedup();
        v
    }
}
