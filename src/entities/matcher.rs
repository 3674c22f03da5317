//! The alias matcher: byte tries over the folded form of every alias, built once per run.
//!
//! Takes a line folded by [`Folder`]; promises the KB aliases found in it, leftmost-longest and
//! non-overlapping, each at word boundaries, passing its case rule (checked on the original
//! text) and its language gate. A candidate that fails its checks does not hide a later one:
//! the search resumes one character after its start. The tries are walked anchored, only where
//! a name can start (a byte some alias starts with, not inside a word unless glued to it with
//! its own capital, as in "DiplomatieIsraël"): searching the whole line met a match inside most
//! words ("us" in "plusieurs") and started again after it. This runs a few more instructions
//! (the walk to each possible start) but the entity stage takes less time: 0.64 s against
//! 0.70 s on synth 10 MB at 1 thread (medians of five interleaved runs). Nothing is allocated
//! per token.
//!
//! Folded aliases in the Latin script are ASCII; the others (Cyrillic, Greek, Arabic, CJK...
//! names of countries) are half the aliases and two thirds of the trie nodes. They get tries of
//! their own, one per run of Unicode pages (256 code points: a script, or a few small ones),
//! each built the first time a line holds the first non-ASCII character of one of its aliases:
//! a corpus in Latin-script languages never pays for them, and a Greek "μ" in a French article
//! builds the Greek aliases' trie, not all of them. The longest of the tries' matches at a
//! start is the longest match of one trie over all the aliases.

use super::fold::Folder;
use super::kb::{Alias, Case, Gate, Kb};
use anyhow::Result;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// A KB alias found in a line.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Byte span in the original line.
    pub start: usize,
    pub end: usize,
    /// Index of the alias in the KB.
    pub alias: u32,
}

/// The automata and, per pattern, the aliases that fold to it.
#[derive(Debug)]
pub struct Matcher {
    /// Over the folded aliases that are ASCII; searched in every line.
    ascii: Trie,
    /// Over the other folded aliases, built on first use.
    others: Others,
    /// Pattern id → alias indices, best first.
    groups: Vec<Vec<u32>>,
    /// Whether some pattern starts with this byte: a match can start nowhere else.
    first_bytes: [bool; 256],
    /// Per alias of the `Cap` rule, the words of its surface that must start with a capital
    /// ([`cap_rule`]), or `UNREAD`: read from the alias at its first match, not at each one
    /// (nor for every alias when the matcher is built, 45 M instructions for the bundled
    /// aliases and their variants, more than their matches on synth 10 MB saved).
    cap_rules: Vec<AtomicU32>,
}

/// A byte trie over folded aliases, walked anchored from each place a name can start, and the
/// pattern id (in `Matcher::groups`) of the pattern ending at each node.
///
/// The search only ever asks for the longest alias starting at a given byte, so the failure
/// transitions of an Aho-Corasick automaton would never be followed; building them was 99 M of
/// the 163 M instructions of the ASCII automaton (aho-corasick's contiguous NFA), a fixed cost
/// of every run. The trie is built from the sorted patterns in one depth-first pass, and a
/// node's children are numbered consecutively, so a sparse node's edge needs no target: edge
/// `j` leads to node `j + 1` (the root is node 0). Nodes with many edges (the root and the
/// first letters) get a dense row indexed by byte class instead, so the walk never searches a
/// long list. Walking it here rather than through a library's search also avoids the dispatch
/// and input checks each search pays, and a search starts at nearly every word (1.2 million on
/// synth 10 MB).
#[derive(Debug)]
struct Trie {
    /// Node by node; edges are numbered in the same order (edge `j` leads to node `j + 1`).
    nodes: Vec<Node>,
    /// The class of each byte: 0 for the bytes no pattern holds, from 1 for the others.
    classes: Box<[u8; 256]>,
    /// The dense nodes' rows: per byte class, the child, or `NONE`.
    dense: Vec<u32>,
    /// The root's child for each byte, or `NONE`: a walk starts at nearly every word, and its
    /// first step is then one look-up instead of a node and a row (KB matching in
    /// `cargo bench --bench entities`, medians of 6 interleaved rounds: 123.3 → 126.1 MB/s).
    root: Box<[u32; 256]>,
}

/// 16 bytes: a node and its labels are read together.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// A sparse node's first edge, or a dense node's row in `dense`.
    edges: u32,
    /// The number of edges; above `SPARSE_EDGES`, the node is dense.
    len: u32,
    /// The pattern id of the pattern ending here, or `NONE`.
    end: u32,
    /// A sparse node's edge labels, sorted.
    labels: [u8; SPARSE_EDGES as usize],
}

/// No node, no pattern.
const NONE: u32 = u32::MAX;

/// Edges of a node searched one by one up to this many, held in the node (most nodes below the
/// first letters have one or two); a node with more has a dense row.
const SPARSE_EDGES: u32 = 4;

impl Trie {
    /// The trie of `patterns` (distinct, non-empty), `ids[i]` being the pattern id of
    /// `patterns[i]`.
    fn build(patterns: &[&str], ids: &[u32]) -> Self {
        let mut order: Vec<u32> = (0..patterns.len() as u32).collect();
        order.sort_by(|&a, &b| patterns[a as usize].cmp(patterns[b as usize]));
        let bytes = |k: usize| patterns[order[k] as usize].as_bytes();
        let mut classes = Box::new([0u8; 256]);
        for p in patterns {
            for &b in p.as_bytes() {
                classes[b as usize] = 1;
            }
        }
        let mut n_classes = 1;
        for c in classes.iter_mut().filter(|c| **c != 0) {
            *c = n_classes;
            // UTF-8 never holds the bytes C0, C1 and F5 to FF: at most 243 distinct bytes, and
            // their classes fit in a byte beside the absent bytes' class.
            n_classes += 1;
        }
        let row = usize::from(n_classes);
        let total: usize = patterns.iter().map(|p| p.len()).sum();
        let vacant = Node { edges: 0, len: 0, end: NONE, labels: [0; SPARSE_EDGES as usize] };
        let mut nodes = Vec::with_capacity(total + 1);
        nodes.push(vacant);
        // Nodes numbered so far besides the root: the next child numbered is node `edges + 1`.
        let (mut edges, mut labels, mut runs) = (0u32, Vec::new(), Vec::new());
        let mut dense = Vec::new();
        // Each node is a run of the sorted patterns sharing its first `depth` bytes: (node, run
        // start, run end, depth). A node's children are numbered together when it is visited,
        // and visited depth-first, first child first: the rest of an alias, a chain of single
        // children, then lies in consecutive nodes, where breadth-first numbering put each of
        // its nodes a whole level of the trie after the one before, a cache miss per byte
        // (KB matching in `cargo bench --bench entities`, four interleaved rounds: 130-139 MB/s
        // breadth-first, 144-150 depth-first).
        let mut stack = vec![(0usize, 0usize, order.len(), 0usize)];
        while let Some((id, lo, hi, depth)) = stack.pop() {
            // A pattern ending here sorts before those extending it.
            let mut i = lo;
            let mut end = NONE;
            while i < hi && bytes(i).len() == depth {
                if end == NONE {
                    end = ids[order[i] as usize];
                }
                i += 1;
            }
            labels.clear();
            runs.clear();
            while i < hi {
                let b = bytes(i)[depth];
                let mut j = i + 1;
                while j < hi && bytes(j)[depth] == b {
                    j += 1;
                }
                labels.push(b);
                runs.push((i, j));
                i = j;
            }
            let (first, len) = (edges, labels.len() as u32);
            edges += len;
            nodes.resize(edges as usize + 1, vacant);
            for (k, &(i, j)) in runs.iter().enumerate().rev() {
                stack.push((first as usize + 1 + k, i, j, depth + 1));
            }
            let mut inline = [0; SPARSE_EDGES as usize];
            let at = if len > SPARSE_EDGES {
                let r = dense.len();
                dense.resize(r + row, NONE);
                for (j, &b) in (first..).zip(&labels) {
                    dense[r + usize::from(classes[b as usize])] = j + 1;
                }
                r as u32
            } else {
                inline[..labels.len()].copy_from_slice(&labels);
                first
            };
            nodes[id] = Node { edges: at, len, end, labels: inline };
        }
        let mut trie = Trie { nodes, classes, dense, root: Box::new([NONE; 256]) };
        for b in 0..=255u8 {
            trie.root[b as usize] = trie.step(trie.nodes[0], b);
        }
        trie
    }

    /// The leftmost-longest match in `hay[pos..]`: (start, end, pattern id).
    #[cfg(test)]
    fn find(&self, hay: &str, pos: usize) -> Option<(usize, usize, u32)> {
        (pos..hay.len()).find_map(|at| self.longest_at(hay, at).map(|(end, id)| (at, end, id)))
    }

    /// The child of node `n` on byte `b`, or `NONE`.
    #[inline]
    fn step(&self, n: Node, b: u8) -> u32 {
        if n.len > SPARSE_EDGES {
            self.dense[n.edges as usize + usize::from(self.classes[b as usize])]
        } else if n.len == 1 {
            // Most nodes past the first letters: the rest of one alias.
            if n.labels[0] == b { n.edges + 1 } else { NONE }
        } else {
            // The label equal to `b`, four at a time: the lowest zero byte of `x`, among the
            // node's `len` labels (a borrow can mark bytes above a zero byte, never below).
            let x = u32::from_le_bytes(n.labels) ^ (u32::from(b) * 0x0101_0101);
            let valid = (0x8080_8080_u64 >> (32 - 8 * n.len)) as u32;
            let zero = x.wrapping_sub(0x0101_0101) & !x & valid;
            if zero == 0 { NONE } else { n.edges + zero.trailing_zeros() / 8 + 1 }
        }
    }

    /// The longest match starting at `hay[at]`: (end, pattern id).
    #[inline]
    fn longest_at(&self, hay: &str, at: usize) -> Option<(usize, u32)> {
        let bytes = hay.as_bytes();
        // The end and pattern of the longest match so far, `NONE` for none: two words kept
        // at each node that ends a pattern, where an `Option` kept a third.
        let (mut best_end, mut best) = (0, NONE);
        // The root ends no pattern (none is empty): its step is one table look-up.
        let next = self.root[*bytes.get(at)? as usize];
        if next == NONE {
            return None;
        }
        let (mut node, mut i) = (next as usize, at + 1);
        loop {
            let n = self.nodes[node];
            if n.end != NONE {
                (best_end, best) = (i, n.end);
            }
            let Some(&b) = bytes.get(i) else { break };
            let next = self.step(n, b);
            if next == NONE {
                break;
            }
            node = next as usize;
            i += 1;
        }
        (best != NONE).then_some((best_end, best))
    }
}

/// The automata of the non-ASCII folded aliases.
#[derive(Debug)]
struct Others {
    /// Unicode page (code point / 256) of aliases' first non-ASCII characters → index in
    /// `groups`, sorted by page.
    pages: Vec<(u32, u32)>,
    groups: Vec<Lazy>,
}

/// Aliases per automaton of [`Others`] before a further page starts another: Cyrillic's or
/// Arabic's names have an automaton each, small scripts share one.
const GROUP_PATTERNS: usize = 1024;

fn page(c: char) -> u32 {
    c as u32 >> 8
}

/// The group of the page of `c` in `pages` (see [`Others::pages`]), if the page has aliases.
fn group_of(pages: &[(u32, u32)], c: char) -> Option<usize> {
    let i = pages.binary_search_by_key(&page(c), |&(q, _)| q).ok()?;
    Some(pages[i].1 as usize)
}

impl Others {
    /// Groups `patterns` (folded, non-ASCII, with their pattern ids) by the page of their first
    /// non-ASCII character.
    fn new(patterns: Vec<(&str, u32)>) -> Others {
        let first = |p: &str| p.chars().find(|c| !c.is_ascii()).expect("a non-ASCII pattern");
        let mut per_page: Vec<(u32, usize)> = Vec::new();
        for (p, _) in &patterns {
            let pg = page(first(p));
            match per_page.binary_search_by_key(&pg, |&(q, _)| q) {
                Ok(i) => per_page[i].1 += 1,
                Err(i) => per_page.insert(i, (pg, 1)),
            }
        }
        let mut pages = Vec::with_capacity(per_page.len());
        let mut sizes: Vec<usize> = Vec::new();
        for (pg, n) in per_page {
            match sizes.last_mut() {
                Some(size) if *size + n <= GROUP_PATTERNS => *size += n,
                _ => sizes.push(n),
            }
            pages.push((pg, sizes.len() as u32 - 1));
        }
        let mut groups: Vec<Lazy> = sizes
            .iter()
            .map(|&n| Lazy {
                patterns: Vec::with_capacity(n),
                ids: Vec::with_capacity(n),
                chars: Vec::new(),
                built: OnceLock::new(),
            })
            .collect();
        for (p, id) in patterns {
            let c = first(p);
            let g = &mut groups[group_of(&pages, c).expect("its page has a group")];
            g.patterns.push(p.to_string());
            g.ids.push(id);
            g.chars.push(c);
        }
        for g in &mut groups {
            g.chars.sort_unstable();
            g.chars.dedup();
        }
        Others { pages, groups }
    }

    /// Appends to `out` the automata `hay` needs (those whose aliases' first non-ASCII
    /// characters it holds), built if they were not yet, in group order.
    fn for_line<'a>(&'a self, hay: &str, out: &mut Vec<&'a Trie>) {
        out.clear();
        let bytes = hay.as_bytes();
        let mut needed = 0u64;
        let mut more: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            // A folded line holds few characters beyond ASCII, if any (quotes, dashes): eight
            // bytes at a time are passed over while they are all ASCII, and only the others
            // decoded (decoding every character was 45 M instructions on synth 10 MB).
            if let Some(word) = bytes.get(i..i + 8) {
                let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
                let high = word & 0x8080_8080_8080_8080;
                if high == 0 {
                    i += 8;
                    continue;
                }
                // The first byte with its high bit set: a character's first byte, as only whole
                // characters were passed over.
                i += high.trailing_zeros() as usize / 8;
            } else if bytes[i].is_ascii() {
                i += 1;
                continue;
            }
            let c = hay[i..].chars().next().expect("i is on a character boundary");
            i += c.len_utf8();
            let Some(k) = group_of(&self.pages, c) else { continue };
            if self.groups[k].chars.binary_search(&c).is_ok() {
                // A bit per group for the first 64 (the bundled aliases make about 15 groups).
                if k < 64 {
                    needed |= 1 << k;
                } else if !more.contains(&k) {
                    more.push(k);
                }
            }
        }
        // The first 64 groups by their bits, lowest first: testing all 64 bits took 11 M
        // instructions on synth 10 MB, where most lines need no group.
        while needed != 0 {
            out.push(self.groups[needed.trailing_zeros() as usize].get());
            needed &= needed - 1;
        }
        more.sort_unstable();
        for k in more {
            out.push(self.groups[k].get());
        }
    }
}

/// An automaton over some of the non-ASCII folded aliases, built the first time a line needs it.
#[derive(Debug)]
struct Lazy {
    patterns: Vec<String>,
    ids: Vec<u32>,
    /// The first non-ASCII character of each pattern, sorted: a line without any cannot match.
    chars: Vec<char>,
    built: OnceLock<Trie>,
}

impl Lazy {
    fn get(&self) -> &Trie {
        self.built.get_or_init(|| {
            let patterns: Vec<&str> = self.patterns.iter().map(String::as_str).collect();
            Trie::build(&patterns, &self.ids)
        })
    }
}

impl Matcher {
    /// Builds the automaton over every alias of `kb`. Aliases of user files take their folded
    /// form over from bundled ones.
    pub fn build(kb: &Kb) -> Result<Matcher> {
        let mut by_form: HashMap<&str, usize> = HashMap::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for (i, a) in kb.aliases.iter().enumerate() {
            let f = &a.folded;
            if f.trim().is_empty() {
                continue;
            }
            let g = *by_form.entry(f).or_insert_with(|| {
                patterns.push(f);
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(i as u32);
        }
        for g in &mut groups {
            if g.iter().any(|&i| kb.aliases[i as usize].user) {
                g.retain(|&i| kb.aliases[i as usize].user);
            }
            // Stricter case rules first: "US" (exact) before any folded form of "us".
            g.sort_by_key(|&i| std::cmp::Reverse(kb.aliases[i as usize].case));
        }
        let (mut ascii, mut ascii_ids, mut other) = (Vec::new(), Vec::new(), Vec::new());
        for (id, p) in patterns.iter().enumerate() {
            if p.is_ascii() {
                ascii.push(*p);
                ascii_ids.push(id as u32);
            } else {
                other.push((*p, id as u32));
            }
        }
        // Trie nodes and edges are numbered in 32 bits: one per byte of the patterns at most.
        let bytes: usize = patterns.iter().map(|p| p.len()).sum();
        anyhow::ensure!(
            bytes < u32::MAX as usize,
            "the knowledge base's aliases fold to {bytes} bytes; at most 4 GiB are supported"
        );
        let mut first_bytes = [false; 256];
        for p in &patterns {
            first_bytes[p.as_bytes()[0] as usize] = true;
        }
        let others = Others::new(other);
        let cap_rules = kb.aliases.iter().map(|_| AtomicU32::new(UNREAD)).collect();
        let ascii = Trie::build(&ascii, &ascii_ids);
        Ok(Matcher { ascii, others, groups, first_bytes, cap_rules })
    }

    /// The leftmost-longest alias in `hay[pos..]` (start, end, pattern id), `others` being
    /// the non-ASCII automata the line needs.
    #[cfg(test)]
    fn find(&self, others: &[&Trie], hay: &str, pos: usize) -> Option<(usize, usize, u32)> {
        let mut best = self.ascii.find(hay, pos);
        for o in others {
            best = match (best, o.find(hay, pos)) {
                // The leftmost, then the longest. Two cannot end at the same byte: a pattern is
                // in one automaton only.
                (Some(a), Some(b)) => Some(if (b.0, a.1) < (a.0, b.1) { b } else { a }),
                (a, b) => a.or(b),
            };
        }
        best
    }

    /// The longest alias starting at `hay[at]` (end, pattern id), `others` being the
    /// non-ASCII automata the line needs. Two cannot end at the same byte: a pattern is in one
    /// automaton only.
    #[inline]
    fn longest_at(&self, others: &[&Trie], hay: &str, at: usize) -> Option<(usize, u32)> {
        let mut best = self.ascii.longest_at(hay, at);
        for o in others {
            if let Some(b) = o.longest_at(hay, at)
                && best.is_none_or(|a| b.0 > a.0)
            {
                best = Some(b);
            }
        }
        best
    }

    /// The first place at or after `pos` where a match could start and pass
    /// [`boundaries_ok`]'s test of its start: a byte some pattern starts with, not inside a
    /// word unless glued with its own capital. Searching only there, anchored, instead of
    /// searching the line and throwing away the matches inside words ("us" in "plusieurs"),
    /// finds the same matches.
    ///
    /// The inside of a token (a run of letters and digits) that holds no capital after a small
    /// letter (`Tok::glued`) is skipped whole: most bytes of a line are inside such words.
    /// `tok` is the index of the first token that ends after `pos` or a token before it;
    /// positions only grow during a line's scan, so it moves forward only.
    #[inline]
    fn next_start(
        &self,
        hay: &str,
        pos: usize,
        line: &str,
        folder: &Folder,
        tok: &mut usize,
    ) -> Option<usize> {
        let bytes = hay.as_bytes();
        let toks = &folder.toks;
        // Whether the character before `at` is a letter or digit; asked of the one before `pos`
        // only when needed (`pos` is mostly inside a word just tried, which is skipped).
        let mut prev_alnum = None;
        let mut at = pos;
        while at < bytes.len() {
            while toks.get(*tok).is_some_and(|t| t.fe <= at) {
                *tok += 1;
            }
            if let Some(t) = toks.get(*tok)
                && t.fs < at
                && !t.glued
            {
                // Inside a word with no glued capital: no name starts before its end, which is
                // a letter or digit.
                at = t.fe;
                prev_alnum = Some(true);
                continue;
            }
            // Folded text is mostly ASCII: its bytes are tested without decoding a character.
            let b = bytes[at];
            let (alnum, len) = if b.is_ascii() {
                (ASCII_ALNUM[usize::from(b)], 1)
            } else {
                let c = hay[at..].chars().next().expect("at is on a character boundary");
                (c.is_alphanumeric(), c.len_utf8())
            };
            if self.first_bytes[b as usize]
                && (!alnum
                    || !prev_alnum.unwrap_or_else(|| alnum_before(hay, at))
                    || glued(at, line, folder))
            {
                return Some(at);
            }
            prev_alnum = Some(alnum);
            at += len;
        }
        None
    }

    /// Number of distinct folded aliases.
    pub fn patterns(&self) -> usize {
        self.groups.len()
    }

    /// Finds the aliases of `line` (already folded into `folder`) and appends them to `out`.
    /// `lang` is the document's language code (empty when unknown).
    pub fn scan(&self, kb: &Kb, line: &str, folder: &Folder, lang: &str, out: &mut Vec<Hit>) {
        let hay = folder.text.as_str();
        // Empty, and so not allocated, for a line in the Latin script.
        let mut others = Vec::new();
        self.others.for_line(hay, &mut others);
        let check = Check::new(kb, line, folder, lang);
        let (mut pos, mut tok) = (0, 0);
        while let Some(fs) = self.next_start(hay, pos, line, folder, &mut tok) {
            if let Some((fe, pattern)) = self.longest_at(&others, hay, fs)
                && let Some(h) = self.accept(&check, fs, fe, pattern)
            {
                out.push(h);
                pos = fe;
            } else {
                // Resume one character later.
                pos = next_char(hay, fs);
            }
        }
    }

    /// The hit of the folded match `hay[fs..fe]` of `pattern`, if it stands at word boundaries
    /// and one of the pattern's aliases passes its gate and case rule.
    #[inline]
    fn accept(&self, c: &Check, fs: usize, fe: usize, pattern: u32) -> Option<Hit> {
        if !boundaries_ok(&c.folder.text, fs, fe, c.line, c.folder) {
            return None;
        }
        let (s, e) = c.folder.original_span(fs, fe, c.line);
        let surface = &c.line[s..e];
        self.groups[pattern as usize].iter().find_map(|&ai| {
            let a = &c.kb.aliases[ai as usize];
            let case_ok = match a.case {
                Case::Cap => {
                    // The surface is read only up to the last word the rule asks about:
                    // mostly the first, or none. A pattern seldom has two aliases, so the
                    // capitals are not kept for the next one.
                    let rule = self.cap_rule(ai, &a.text);
                    cap_ok(rule, capitals_of(surface, words_asked(rule)))
                }
                case => case_ok(&a.text, case, surface),
            };
            let ok = gate_ok(a, c.lang)
                && case_ok
                && !(a.case == Case::Exact && a.text.chars().count() <= 3 && c.shouting());
            ok.then_some(Hit { start: s, end: e, alias: ai })
        })
    }
}

impl Matcher {
    /// The [`cap_rule`] of alias `ai`, whose text is `text`, read at its first match.
    fn cap_rule(&self, ai: u32, text: &str) -> u16 {
        let slot = &self.cap_rules[ai as usize];
        match slot.load(Ordering::Relaxed) {
            // Threads that read it at once store the same rule.
            UNREAD => {
                let rule = cap_rule(text);
                slot.store(u32::from(rule), Ordering::Relaxed);
                rule
            }
            rule => rule as u16,
        }
    }
}

/// A `Matcher::cap_rules` slot not read yet (a rule is 16 bits).
const UNREAD: u32 = u32::MAX;

/// What a match is checked against: the line, its folded form and the document's language.
struct Check<'a> {
    kb: &'a Kb,
    line: &'a str,
    folder: &'a Folder,
    lang: &'a str,
    /// Whether the line is written in capitals, where short acronyms cannot be told from
    /// words. Asked only when such an acronym matched: reading every line for it took 122 M
    /// instructions on synth 10 MB, against 624 M for the alias scan itself.
    shouting: OnceCell<bool>,
}

impl<'a> Check<'a> {
    fn new(kb: &'a Kb, line: &'a str, folder: &'a Folder, lang: &'a str) -> Self {
        Check { kb, line, folder, lang, shouting: OnceCell::new() }
    }

    fn shouting(&self) -> bool {
        *self.shouting.get_or_init(|| shouting(self.line))
    }
}

/// Whether byte `b`, ASCII, is a letter or digit: one look-up, where `is_ascii_alphanumeric`
/// tests three ranges, at each byte the alias scan reads outside words.
static ASCII_ALNUM: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// Whether the character of `hay` before byte `at` is a letter or digit.
fn alnum_before(hay: &str, at: usize) -> bool {
    // The character is that byte when it is ASCII, as it mostly is.
    match at.checked_sub(1).map(|p| hay.as_bytes()[p]) {
        None => false,
        Some(b) if b.is_ascii() => ASCII_ALNUM[usize::from(b)],
        Some(_) => hay[..at].chars().next_back().is_some_and(char::is_alphanumeric),
    }
}

/// The byte after the character at `at`.
fn next_char(hay: &str, at: usize) -> usize {
    if hay.as_bytes().get(at).is_some_and(u8::is_ascii) {
        return at + 1;
    }
    at + hay[at..].chars().next().map_or(1, char::len_utf8)
}

/// Whether the line is written in capitals (a shouted headline).
pub fn shouting(line: &str) -> bool {
    let (mut up, mut low) = (0usize, 0usize);
    // Bytes not yet read: each can add at most one capital.
    let mut rest = line.len();
    for c in line.chars() {
        // Once the small letters are more than the capitals could still outweigh, the answer
        // is no: most lines are told after a few words, not read to the end.
        if low * 5 >= up + rest {
            return false;
        }
        rest -= c.len_utf8();
        if crate::latin::is_uppercase(c) {
            up += 1;
        } else if crate::latin::is_lowercase(c) {
            low += 1;
        }
    }
    up >= 12 && low * 5 < up
}

fn gate_ok(a: &Alias, lang: &str) -> bool {
    match a.gate {
        Gate::Any => true,
        Gate::LangOrUnknown => lang.is_empty() || a.lang == lang,
        Gate::LangOnly => a.lang == lang,
    }
}

/// Word boundaries at both ends of a folded match. A name glued to a preceding lower-case word
/// with its own capital ("DiplomatieIsraël", a section label run into a title) still counts.
fn boundaries_ok(hay: &str, fs: usize, fe: usize, line: &str, folder: &Folder) -> bool {
    let first = hay[fs..].chars().next().unwrap_or(' ');
    let last = hay[..fe].chars().next_back().unwrap_or(' ');
    if first.is_alphanumeric()
        && let Some(prev) = hay[..fs].chars().next_back()
        && prev.is_alphanumeric()
    {
        let long_enough = hay[fs..fe].chars().count() >= 4;
        if !(glued(fs, line, folder) && long_enough) {
            return false;
        }
    }
    if last.is_alphanumeric()
        && let Some(next) = hay[fe..].chars().next()
        && next.is_alphanumeric()
    {
        return false;
    }
    true
}

/// Camel-case glue at folded byte `fs`: the original previous character is in lower case and
/// the first one in upper case.
#[inline(always)]
fn glued(fs: usize, line: &str, folder: &Folder) -> bool {
    let os = folder.map[fs] as usize;
    // Asked of nearly every letter inside a word: an ASCII one answers at once.
    let first = line.as_bytes()[os];
    if first.is_ascii() && !first.is_ascii_uppercase() {
        return false;
    }
    let orig_first = line[os..].chars().next().unwrap_or(' ');
    let orig_prev = line[..os].chars().next_back().unwrap_or(' ');
    orig_first.is_uppercase() && orig_prev.is_lowercase()
}

/// Whether `surface` (the original text) satisfies the case rule of `alias`.
pub fn case_ok(alias: &str, case: Case, surface: &str) -> bool {
    match case {
        Case::Fold => true,
        Case::Exact => {
            let mut a = alias.chars().filter(|c| c.is_alphabetic());
            let mut s = surface.chars().filter(|c| c.is_alphabetic());
            loop {
                match (a.next(), s.next()) {
                    (None, None) => return true,
                    (Some(x), Some(y)) => {
                        if x.is_uppercase() != y.is_uppercase() {
                            return false;
                        }
                    }
                    _ => return false,
                }
            }
        }
        Case::Cap => {
            let words = |t: &str| {
                t.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(|w| w.chars().next().unwrap_or(' '))
                    .collect::<smallvec_like::Firsts>()
            };
            let a = words(alias);
            let s = words(surface);
            let n_alias_words = a.len();
            let first_short = alias
                .split(|c: char| !c.is_alphanumeric())
                .find(|w| !w.is_empty())
                .is_some_and(|w| w.chars().count() <= 3);
            for (i, ac) in a.iter().enumerate() {
                if !ac.is_uppercase() {
                    continue;
                }
                if i == 0 && n_alias_words >= 2 && first_short {
                    continue;
                }
                match s.get(i) {
                    Some(sc) if sc.is_uppercase() => {}
                    Some(_) => return false,
                    // Word counts differ (ligatures, punctuation): judge the first word only.
                    None => return s.first().is_some_and(|c| c.is_uppercase()),
                }
            }
            true
        }
    }
}

/// The capitals of the words of `t` as [`case_ok`]'s `Cap` rule reads them, of the first
/// `limit` words (at most 16, the rule's limit): bit `i` is set when word `i` starts with a
/// capital; and the number of words, at most `limit`.
fn capitals_of(t: &str, limit: u32) -> (u16, u32) {
    let bytes = t.as_bytes();
    let (mut upper, mut words, mut in_word) = (0u16, 0u32, false);
    let mut i = 0;
    while i < bytes.len() && words < limit {
        // Most surfaces are ASCII: their bytes are read without decoding a character.
        let b = bytes[i];
        let (alnum, capital, len) = if b.is_ascii() {
            (ASCII_ALNUM[usize::from(b)], b.is_ascii_uppercase(), 1)
        } else {
            let c = t[i..].chars().next().expect("i is on a character boundary");
            (c.is_alphanumeric(), c.is_uppercase(), c.len_utf8())
        };
        if alnum && !in_word {
            upper |= u16::from(capital) << words;
            words += 1;
        }
        in_word = alnum;
        i += len;
    }
    (upper, words)
}

/// The words of a surface that must start with a capital for `alias` (of the `Cap` rule): its
/// own capitalised words, but for a short first word before others ("de", "al", "el").
fn cap_rule(alias: &str) -> u16 {
    let (upper, words) = capitals_of(alias, 16);
    let first_short = alias
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .is_some_and(|w| w.chars().count() <= 3);
    if words >= 2 && first_short { upper & !1 } else { upper }
}

/// How many words of a surface [`cap_ok`] needs for the rule `required`: up to its last
/// required word. A surface with more words is judged alike when read only that far, since
/// [`cap_ok`] then looks at the required words alone.
fn words_asked(required: u16) -> u32 {
    u16::BITS - required.leading_zeros()
}

/// [`case_ok`]'s `Cap` rule from the alias's [`cap_rule`] and the surface's [`capitals_of`]:
/// each required word that the surface has must start with a capital; when the surface has
/// fewer words (ligatures, punctuation), its first word alone is judged.
fn cap_ok(required: u16, (upper, words): (u16, u32)) -> bool {
    let present = if words >= 16 { u16::MAX } else { (1u16 << words) - 1 };
    if required & present & !upper != 0 {
        return false;
    }
    required & !present == 0 || upper & 1 != 0
}

/// A fixed-capacity list of the first letters of words, so case checks do not allocate.
mod smallvec_like {
    const N: usize = 16;

    pub struct Firsts {
        items: [char; N],
        len: usize,
    }

    impl Firsts {
        pub fn len(&self) -> usize {
            self.len
        }
        pub fn get(&self, i: usize) -> Option<&char> {
            self.items[..self.len].get(i)
        }
        pub fn first(&self) -> Option<&char> {
            self.get(0)
        }
        pub fn iter(&self) -> std::slice::Iter<'_, char> {
            self.items[..self.len].iter()
        }
    }

    impl FromIterator<char> for Firsts {
        fn from_iter<I: IntoIterator<Item = char>>(iter: I) -> Self {
            let mut f = Firsts { items: [' '; N], len: 0 };
            for c in iter {
                if f.len < N {
                    f.items[f.len] = c;
                    f.len += 1;
                }
            }
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{Input, MatchKind};

    #[test]
    fn case_rules() {
        assert!(case_ok("Apple", Case::Cap, "Apple"));
        assert!(!case_ok("Apple", Case::Cap, "apple"));
        assert!(case_ok("Suède", Case::Cap, "Suede"));
        assert!(!case_ok("Suède", Case::Cap, "suède"));
        assert!(case_ok("Le Monde", Case::Cap, "le Monde"));
        assert!(!case_ok("Le Monde", Case::Cap, "Le monde"));
        assert!(case_ok("Arabie saoudite", Case::Cap, "Arabie Saoudite"));
        assert!(case_ok("groupe NSO", Case::Cap, "Groupe NSO"));
        assert!(case_ok("US", Case::Exact, "US"));
        assert!(!case_ok("US", Case::Exact, "us"));
        assert!(!case_ok("US", Case::Exact, "Us"));
        assert!(case_ok("U.S.", Case::Exact, "U.S."));
        assert!(case_ok("israélien", Case::Fold, "Israéliens"));
    }

    /// A matcher over the bundled KB, and the folded form of each of its patterns.
    fn bundled() -> (Kb, Matcher, Vec<String>) {
        let kb = Kb::load(&[]).unwrap();
        let m = Matcher::build(&kb).unwrap();
        let forms = m.groups.iter().map(|g| kb.aliases[g[0] as usize].folded.clone()).collect();
        (kb, m, forms)
    }

    #[test]
    fn other_scripts_are_found_beside_latin_names() {
        let (kb, m, _) = bundled();
        let line = "Россия, Israel, Ελλάδα et 日本 ; la Russie";
        let mut folder = Folder::default();
        folder.fold_line(line);
        let mut hits = Vec::new();
        m.scan(&kb, line, &folder, "", &mut hits);
        let found: Vec<(&str, &str)> = hits
            .iter()
            .map(|h| {
                let a = &kb.aliases[h.alias as usize];
                (&line[h.start..h.end], kb.entities[a.entity as usize].id.as_str())
            })
            .collect();
        assert_eq!(
            found,
            [
                ("Россия", "RU"),
                ("Israel", "IL"),
                ("Ελλάδα", "GR"),
                ("日本", "JP"),
                ("Russie", "RU")
            ]
        );
        // A Latin-script line never builds the other automata; a Greek letter builds one.
        let (kb, m, _) = bundled();
        let built =
            |m: &Matcher| m.others.groups.iter().filter(|g| g.built.get().is_some()).count();
        let line = "« Israël » réduit sa liste de 102 à 37 pays — la Russie, l’Inde…";
        folder.fold_line(line);
        m.scan(&kb, line, &folder, "fr", &mut hits);
        assert_eq!(built(&m), 0);
        let line = "une dose de 5 μg, en Grèce (Ελλάδα)";
        folder.fold_line(line);
        m.scan(&kb, line, &folder, "fr", &mut hits);
        assert_eq!(built(&m), 1);
        assert!(m.others.groups.len() > 4, "{} groups", m.others.groups.len());
    }

    #[test]
    fn the_tries_find_what_one_automaton_finds() {
        let (_, m, forms) = bundled();
        let all: Vec<&str> = forms.iter().map(String::as_str).collect();
        let one = aho_corasick::AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&all)
            .unwrap();
        let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
        // Lines of whole aliases, their prefixes and suffixes, mixing scripts, so that matches
        // of the two automata start at the same place, overlap and nest.
        let pieces = [" ", " ", "-", "'", "la ", "new ", "rep"];
        for round in 0..2000 {
            let mut line = String::new();
            for _ in 0..next(8) + 1 {
                let f = all[next(all.len())];
                let cut = |i: usize| f.char_indices().nth(i).map_or(f.len(), |(b, _)| b);
                match next(4) {
                    0 => line.push_str(&f[..cut(next(6) + 1)]),
                    1 => line.push_str(&f[cut(next(3))..]),
                    _ => line.push_str(f),
                }
                line.push_str(pieces[next(pieces.len())]);
            }
            let mut others = Vec::new();
            m.others.for_line(&line, &mut others);
            let mut pos = 0;
            while pos <= line.len() {
                let want = one
                    .find(Input::new(&line).span(pos..line.len()))
                    .map(|h| (h.start(), h.end(), h.pattern().as_u32()));
                assert_eq!(m.find(&others, &line, pos), want, "round {round} at {pos}: {line:?}");
                pos += line[pos..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }

    /// The anchored scan at possible word starts finds what searching the whole line and
    /// checking each leftmost-longest match found: lines of aliases in their own spelling, in
    /// capitals or lower case, glued to words or cut, in several scripts.
    #[test]
    fn scanning_at_word_starts_finds_what_searching_the_line_finds() {
        let (kb, m, _) = bundled();
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        let pieces = [" ", " ", "-", "'", "de", "le ", "plus", "é", "x", "aux ", "Ж"];
        let (mut folder, mut got) = (Folder::default(), Vec::new());
        let mut hits = 0;
        for round in 0..3000 {
            let mut line = String::new();
            for _ in 0..next(8) + 1 {
                let t = kb.aliases[next(kb.aliases.len())].text.as_str();
                let cut = |i: usize| t.char_indices().nth(i).map_or(t.len(), |(b, _)| b);
                match next(6) {
                    0 => line.push_str(&t[..cut(next(6) + 1)]),
                    1 => line.push_str(&t[cut(next(3))..]),
                    2 => line.push_str(&t.to_uppercase()),
                    3 => line.push_str(&t.to_lowercase()),
                    _ => line.push_str(t),
                }
                line.push_str(pieces[next(pieces.len())]);
            }
            let lang = ["", "fr", "en", "de"][next(4)];
            folder.fold_line(&line);
            got.clear();
            m.scan(&kb, &line, &folder, lang, &mut got);

            let hay = folder.text.as_str();
            let mut others = Vec::new();
            m.others.for_line(hay, &mut others);
            let check = Check::new(&kb, &line, &folder, lang);
            let mut want = Vec::new();
            let mut pos = 0;
            while let Some((fs, fe, pattern)) = m.find(&others, hay, pos) {
                pos = match m.accept(&check, fs, fe, pattern) {
                    Some(h) => {
                        want.push((h.start, h.end, h.alias));
                        fe
                    }
                    None => next_char(hay, fs),
                };
            }
            let got: Vec<_> = got.iter().map(|h| (h.start, h.end, h.alias)).collect();
            assert_eq!(got, want, "round {round}: {line:?}");
            hits += want.len();
        }
        assert!(hits > 1500, "{hits} hits");
    }

    /// The `Cap` rule read from the alias once and from the surface's capitals gives the
    /// answers of `case_ok`: aliases and surfaces of one to twenty words, ASCII or not, with
    /// short first words, digits and words in capitals or without.
    #[test]
    fn cap_rules_read_once_judge_as_case_ok() {
        let words = ["de", "Le", "al", "NSO", "x", "Apple", "apple", "États", "états", "Ж", "ж"];
        let words2 = ["2021", "O'Neil", "ǅ", "İ", "Ω", "ab", "Monde", "ﬁn", "é"];
        let seps = [" ", "-", "'", ". ", "\u{a0}"];
        let mut next = crate::testing::xorshift(0xca9_5eed);
        let mut text = |n: usize| {
            let mut t = String::new();
            for k in 0..n {
                if k > 0 {
                    t.push_str(seps[next(seps.len())]);
                }
                let w = if next(3) == 0 {
                    words2[next(words2.len())]
                } else {
                    words[next(words.len())]
                };
                t.push_str(w);
            }
            t
        };
        let mut held = 0;
        for round in 0..20_000 {
            let alias = text(1 + round % 20);
            // The alias itself (held), in lower case, or other words.
            let surface = match round % 3 {
                0 => alias.clone(),
                1 => alias.to_lowercase(),
                _ => text(1 + round % 19),
            };
            let want = case_ok(&alias, Case::Cap, &surface);
            let rule = cap_rule(&alias);
            assert_eq!(cap_ok(rule, capitals_of(&surface, 16)), want, "{alias:?} {surface:?}");
            // Read only as far as the rule asks, as the scan does.
            assert_eq!(
                cap_ok(rule, capitals_of(&surface, words_asked(rule))),
                want,
                "{alias:?} {surface:?} read in part"
            );
            held += usize::from(want);
        }
        assert!(held > 7000 && held < 16_000, "{held} of 20,000 held");
    }

    /// The automata a line needs, and the character tests of the scan, found from the bytes
    /// where they can be as the characters say: lines with characters beyond ASCII at every
    /// offset of the eight-byte words `Others::for_line` passes over, and near their ends.
    #[test]
    fn byte_shortcuts_agree_with_the_characters() {
        let (_, m, _) = bundled();
        let pieces =
            ["a", "x y", "1", " ", "'", "«", "é", "μ", "Ж", "日本", "ελλάδα", "россия", "ß"];
        let mut next = crate::testing::xorshift(0x0b17_e5c0_ffee);
        let mut needed = 0;
        for round in 0..5000 {
            let line: String = (0..next(20)).map(|_| pieces[next(pieces.len())]).collect();
            let mut got = Vec::new();
            m.others.for_line(&line, &mut got);
            let mut want: Vec<usize> = line
                .chars()
                .filter_map(|c| group_of(&m.others.pages, c).map(|k| (k, c)))
                .filter(|&(k, c)| m.others.groups[k].chars.binary_search(&c).is_ok())
                .map(|(k, _)| k)
                .collect();
            want.sort_unstable();
            want.dedup();
            let want: Vec<&Trie> = want.iter().map(|&k| m.others.groups[k].get()).collect();
            assert!(
                got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| std::ptr::eq(*a, *b)),
                "round {round}: {line:?}"
            );
            needed += got.len();
            for (at, c) in line.char_indices() {
                let before = line[..at].chars().next_back();
                assert_eq!(alnum_before(&line, at), before.is_some_and(char::is_alphanumeric));
                assert_eq!(next_char(&line, at), at + c.len_utf8(), "{line:?} at {at}");
            }
            let end = line.len();
            assert_eq!(
                alnum_before(&line, end),
                line.chars().next_back().is_some_and(char::is_alphanumeric)
            );
        }
        assert!(needed > 5000, "{needed} automata needed");
    }

    #[test]
    fn shouted_lines() {
        assert!(shouting("UN PAYS INTERDIT LES VENTES DE LOGICIELS"));
        assert!(!shouting("Un pays interdit les ventes de NSO"));
    }

    #[test]
    fn shouting_stops_early_only_when_the_answer_is_known() {
        let whole = |line: &str| {
            let up = line.chars().filter(|&c| crate::latin::is_uppercase(c)).count();
            let low = line.chars().filter(|&c| crate::latin::is_lowercase(c)).count();
            up >= 12 && low * 5 < up
        };
        // Lines whose capitals come late, after lower-case words, in several scripts and with
        // multi-byte letters, around the 1-in-5 threshold.
        let pieces = ["a", "É", "ÉTATS", "é", "x", "ΑΘΗΝΑ", "ω", " ", "-", "NSO", "ß"];
        let mut x: u64 = 5;
        let mut shouted = 0;
        for round in 0..3000 {
            let mut line = String::new();
            for _ in 0..round % 60 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                // Mostly capitals, so that both answers occur.
                let k = (x >> 33) as usize % (pieces.len() + 6);
                line.push_str(pieces.get(k).copied().unwrap_or("ÉTATS"));
            }
            assert_eq!(shouting(&line), whole(&line), "{line:?}");
            shouted += usize::from(whole(&line));
        }
        assert!(shouted > 300 && shouted < 2700, "{shouted} shouted lines of 3000");
    }
}
