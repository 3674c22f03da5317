//! Line classification in the spirit of jusText (Pomikálek, 2011), adapted to text whose lines
//! are paragraphs:
//!
//! 1. local class of each line: furniture, notices, credits, symbols-only lines, repetition
//!    inside the document and recurrence across the corpus come first; otherwise the line is
//!    `Good` (long enough, stopword-dense, ends like a sentence), `NearGood`, `Short` or `Low`
//!    (long but poor in stopwords: a list of names, a tag cloud);
//! 2. blocks: an end-of-article marker ("Most read") makes what follows boilerplate until
//!    article text clearly resumes; a teaser marker ("Read more:") does the same for a few lines;
//!    runs of very short lines are menus;
//! 3. smoothing: uncertain lines take the side of their nearest certain neighbours, leaning to
//!    body (a body line lost here is lost to every later stage; a furniture line kept costs little).
//!
//! Titles and headings are decided afterwards (see `title.rs`) on the smoothed classes.

use super::CorpusStats;
use super::features::{Ending, Feat};
use super::model::{FnvBuild, LineKind, Model};
use std::collections::HashSet;

/// Below this many characters a line is short: its class comes from its neighbours.
pub const SHORT_CHARS: usize = 70;
/// From this many characters a stopword-dense line is good even without a final period.
const LONG_CHARS: usize = 200;
/// Stopword density above which a line reads as running text (NLTK-sized lists).
const DENSITY_HIGH: f64 = 0.28;
/// Stopword density under which a long line is a list rather than prose.
const DENSITY_LOW: f64 = 0.18;
/// Lines longer than this are never whole-line furniture or credits.
const FURNITURE_MAX_CHARS: usize = 200;
const CREDIT_MAX_CHARS: usize = 300;
/// Lines longer than this are never whole-line notices: copyright lines and cookie banners are
/// shorter, and a longer line holding a notice phrase is an article written as one line (a
/// scraped page, a JSON field without newlines) that ends with its rights notice.
const NOTICE_MAX_CHARS: usize = 1000;
/// A repeated line is a teaser when it has at least this many words (a repeated "Non." in an
/// interview is not).
const REPEATED_MIN_WORDS: u32 = 3;
/// A teaser block ("Read more:") covers at most this many lines.
const TEASER_BLOCK_MAX: usize = 8;
/// Corpus recurrence: a line is site furniture when it occurs in at least this many documents…
const RECUR_MIN_DOCS: u32 = 5;
/// …and in more than this many times as many documents as the document's own most widely
/// shared paragraph (syndicated copies share their headings along with their paragraphs).
const RECUR_OVER_SYNDICATION: u32 = 2;
/// Only lines this short can be site furniture by recurrence.
const RECUR_MAX_CHARS: usize = 100;
/// A paragraph this long counts when measuring how widely the document is syndicated.
const SYNDICATION_MIN_CHARS: usize = 150;

/// The working class of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Good,
    NearGood,
    Short,
    Low,
    Credit,
    Bad(&'static str),
}

/// Side of a neighbour, for smoothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Good,
    Bad,
    Edge,
}

/// Class of a line from its text alone.
fn text_class(f: &Feat, has_stopwords: bool) -> Class {
    if f.chars < SHORT_CHARS {
        return Class::Short;
    }
    let sentence = matches!(f.ending, Ending::Sentence | Ending::Question | Ending::Exclamation);
    let d = if has_stopwords { f.density() } else { 1.0 };
    if d >= DENSITY_HIGH {
        if sentence || f.chars >= LONG_CHARS { Class::Good } else { Class::NearGood }
    } else if d >= DENSITY_LOW {
        Class::NearGood
    } else {
        Class::Low
    }
}

/// Whether a short line reads as a sentence (several words, final period): such lines are
/// never site furniture by recurrence.
fn sentence_like(f: &Feat) -> bool {
    f.words >= 8 && matches!(f.ending, Ending::Sentence | Ending::Question | Ending::Exclamation)
}

/// Step 1: local classes. Returns the classes, the block markers and each credit line's names.
pub fn local<'t>(
    text: &'t str,
    feats: &[Feat],
    model: &Model,
    has_stopwords: bool,
) -> (Vec<Class>, Vec<Option<LineKind>>, Vec<&'t str>) {
    let n = feats.len();
    let mut cls = Vec::with_capacity(n);
    let mut marks = vec![None; n];
    let mut names = vec![""; n];
    let mut seen: HashSet<u64, FnvBuild> =
        HashSet::with_capacity_and_hasher(n, FnvBuild::default());
    for (i, f) in feats.iter().enumerate() {
        let line = &text[f.tstart..f.tend];
        let repeated = !seen.insert(f.hash);
        let c = if f.letters < 2 {
            Class::Bad("symbols")
        } else if f.chars <= NOTICE_MAX_CHARS && model.is_notice(line) {
            Class::Bad("notice")
        } else if let Some(kind) =
            (f.chars <= FURNITURE_MAX_CHARS).then(|| model.line_kind(line)).flatten()
        {
            marks[i] = Some(kind);
            Class::Bad(match kind {
                LineKind::End => "end-marker",
                LineKind::Comments => "comments",
                LineKind::Block => "teaser-marker",
                LineKind::Furniture => "furniture",
            })
        } else if let Some(who) = (f.chars <= CREDIT_MAX_CHARS)
            .then(|| model.credit(line))
            .flatten()
            .filter(|who| who.is_empty() || super::title::names_ok(model, who))
        {
            names[i] = who;
            Class::Credit
        } else if repeated && f.words >= REPEATED_MIN_WORDS {
            Class::Bad("repeated")
        } else {
            text_class(f, has_stopwords)
        };
        cls.push(c);
    }
    (cls, marks, names)
}

/// Step 1b: recurrence across the corpus, beyond what the document's own syndication explains.
/// `protect` is the line in title position, never furniture by recurrence alone (a series
/// keeps its title from one article to the next).
pub fn recurrence(feats: &[Feat], cls: &mut [Class], stats: &CorpusStats, protect: Option<usize>) {
    let syndication = feats
        .iter()
        .zip(cls.iter())
        .filter(|(f, c)| f.chars >= SYNDICATION_MIN_CHARS && !matches!(c, Class::Bad(_)))
        .map(|(f, _)| stats.count(f.hash))
        .max()
        .unwrap_or(1)
        .max(1);
    let threshold = RECUR_MIN_DOCS.max(RECUR_OVER_SYNDICATION * syndication + 1);
    for (i, (f, c)) in feats.iter().zip(cls.iter_mut()).enumerate() {
        if matches!(c, Class::Short | Class::NearGood | Class::Low)
            && Some(i) != protect
            && f.chars <= RECUR_MAX_CHARS
            && !sentence_like(f)
            && stats.count(f.hash) >= threshold
        {
            *c = Class::Bad("recurring");
        }
    }
}

/// Step 2: end-of-article and teaser blocks, then menus. `bulleted` tells the lines that start
/// with a bullet or a list number.
pub fn blocks(feats: &[Feat], cls: &mut [Class], marks: &[Option<LineKind>], bulleted: &[bool]) {
    let n = cls.len();
    let mut state: Option<(LineKind, usize)> = None;
    for i in 0..n {
        if let Some(kind @ (LineKind::End | LineKind::Block | LineKind::Comments)) = marks[i] {
            state = Some((kind, 0));
            continue;
        }
        let Some((kind, len)) = state else { continue };
        let good = cls[i] == Class::Good && feats[i].ending != Ending::Ellipsis;
        let resume = match kind {
            // Closing furniture ends only where two paragraphs of text follow each other.
            LineKind::End => {
                good && i + 1 < n
                    && cls[i + 1] == Class::Good
                    && feats[i + 1].ending != Ending::Ellipsis
            }
            // Comments are prose: nothing after them is the article.
            LineKind::Comments => false,
            _ => good || len >= TEASER_BLOCK_MAX,
        };
        if resume {
            state = None;
        } else {
            if !matches!(cls[i], Class::Bad(_)) {
                cls[i] = Class::Bad(match kind {
                    LineKind::End => "end-block",
                    LineKind::Comments => "comments",
                    _ => "teaser-block",
                });
            }
            state = Some((kind, len + 1));
        }
    }
    // Menus: three or more consecutive lines of at most three words without punctuation. A
    // list announced by a colon, or written with bullets or numbers, is the article's own.
    let menu_item: Vec<bool> = (0..n)
        .map(|i| {
            let f = &feats[i];
            cls[i] == Class::Short
                && f.words <= 3
                && f.ending == Ending::Open
                && f.chars <= 30
                && !bulleted[i]
        })
        .collect();
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && menu_item[j] {
            j += 1;
        }
        let announced = i > 0 && feats[i - 1].ending == Ending::Colon;
        if j - i >= 3 && !announced {
            for c in &mut cls[i..j] {
                *c = Class::Bad("menu");
            }
        }
        i = j.max(i + 1);
    }
}

/// The nearest decided neighbour of line `i` in direction `step` (−1 or +1).
fn neighbour(cls: &[Class], i: usize, forward: bool) -> Side {
    let mut j = i;
    loop {
        if forward {
            j += 1;
            if j >= cls.len() {
                return Side::Edge;
            }
        } else {
            if j == 0 {
                return Side::Edge;
            }
            j -= 1;
        }
        match cls[j] {
            Class::Good => return Side::Good,
            Class::Bad(_) => return Side::Bad,
            _ => {}
        }
    }
}

/// Step 3: smoothing. Near-good lines first (from good and bad neighbours), then short and
/// low-density lines (from the updated classes). Returns, per line, whether it was decided by
/// context (for the reason code).
pub fn smooth(feats: &[Feat], cls: &mut [Class]) -> Vec<&'static str> {
    let n = cls.len();
    let mut why = vec![""; n];
    let against = |p: Side, q: Side| {
        matches!((p, q), (Side::Bad, Side::Bad) | (Side::Bad, Side::Edge) | (Side::Edge, Side::Bad))
    };
    let decided: Vec<Class> = cls.to_vec();
    for i in 0..n {
        if decided[i] == Class::NearGood {
            let (p, q) = (neighbour(&decided, i, false), neighbour(&decided, i, true));
            cls[i] = if against(p, q) { Class::Bad("context") } else { Class::Good };
            why[i] = "context";
        }
    }
    let decided: Vec<Class> = cls.to_vec();
    for i in 0..n {
        match decided[i] {
            Class::Short => {
                let (p, q) = (neighbour(&decided, i, false), neighbour(&decided, i, true));
                cls[i] = if against(p, q) { Class::Bad("context") } else { Class::Good };
                why[i] = "context";
            }
            Class::Low => {
                let (p, q) = (neighbour(&decided, i, false), neighbour(&decided, i, true));
                // A list announced by a colon, or with no furniture beside it, is body.
                let announced = i > 0 && feats[i - 1].ending == Ending::Colon;
                let beside_furniture = p == Side::Bad || q == Side::Bad;
                cls[i] = if announced || !beside_furniture {
                    Class::Good
                } else {
                    Class::Bad("low-stopwords")
                };
                why[i] = "list";
            }
            _ => {}
        }
    }
    why
}
