#[cfg(test)]
use hashbrown::HashMap;
use std::cell::RefCell;

use super::TEXT_TRIGRAMS_SIZE;
use super::Trigram;
#[cfg(test)]
use crate::core::LowercaseText;
use crate::utils::is_stop_char;

/// recoupe patch: the text's trigrams ranked as `get_trigrams_with_positions` ranks them (most
/// frequent first, ties to the greater trigram, the first `TEXT_TRIGRAMS_SIZE` only), each
/// passed to `f` as (rank, trigram packed by `Trigram::pack`); returns how many were passed.
///
/// Upstream counts into a hash map, sorts its entries and builds a second map of the ranks,
/// three allocations and two rounds of hashing per detection. Here the packed trigrams are
/// sorted, counted as runs and sorted again, in buffers kept by each thread. Packing keeps the
/// order of `Trigram`, so the ranks are the same.
pub fn ranked_trigrams(text: &str, mut f: impl FnMut(u32, u64)) -> usize {
    thread_local! {
        static BUFFERS: RefCell<Buffers> = const { RefCell::new(Buffers::new()) };
    }
    BUFFERS.with_borrow_mut(|Buffers { trigrams, counted, first, ranked: order }| {
        trigrams.clear();
        counted.clear();
        // The same walk as `count`.
        let mut chars = text.chars().map(to_trigram_char).chain(Some(' '));
        let mut c1 = ' ';
        let mut c2 = chars.next().unwrap_or(' ');
        for c3 in chars {
            if !(c2 == ' ' && (c1 == ' ' || c3 == ' ')) {
                trigrams.push(Trigram(c1, c2, c3).pack());
            }
            c1 = c2;
            c2 = c3;
        }
        trigrams.sort_unstable();
        counted.extend(trigrams.chunk_by(|a, b| a == b).map(|run| (run.len() as u32, run[0])));
        // Most frequent first, ties to the greater trigram: a counting sort on the count, which
        // is small, walking the trigrams (in increasing order) from the end.
        let most = counted.iter().map(|&(n, _)| n as usize).max().unwrap_or(0);
        first.clear();
        first.resize(most + 2, 0);
        for &(n, _) in counted.iter() {
            first[most - n as usize + 1] += 1;
        }
        for i in 1..first.len() {
            first[i] += first[i - 1];
        }
        order.clear();
        order.resize(counted.len(), 0);
        for &(n, trigram) in counted.iter().rev() {
            let slot = &mut first[most - n as usize];
            order[*slot as usize] = trigram;
            *slot += 1;
        }
        let ranked = order.len().min(TEXT_TRIGRAMS_SIZE);
        for (rank, &trigram) in order[..ranked].iter().enumerate() {
            f(rank as u32, trigram);
        }
        ranked
    })
}

/// The buffers `ranked_trigrams` keeps per thread.
struct Buffers {
    /// The text's trigrams, packed.
    trigrams: Vec<u64>,
    /// (count, trigram) per distinct trigram, in increasing order of trigram.
    counted: Vec<(u32, u64)>,
    /// Per count, from the highest: where its trigrams start in `ranked`.
    first: Vec<u32>,
    /// The distinct trigrams, most frequent first.
    ranked: Vec<u64>,
}

impl Buffers {
    const fn new() -> Self {
        Buffers { trigrams: Vec::new(), counted: Vec::new(), first: Vec::new(), ranked: Vec::new() }
    }
}

#[cfg(test)]
pub struct TrigramsWithPositions {
    pub(crate) _total_trigrams: u32,
    pub(crate) trigram_positions: HashMap<Trigram, u32>,
}

#[cfg(test)]
pub fn get_trigrams_with_positions(text: &LowercaseText) -> TrigramsWithPositions {
    let CountResult {
        total_trigrams,
        trigram_occurances,
    } = count(text);
    let trigram_positions = trigram_occurances_to_positions(trigram_occurances);
    TrigramsWithPositions {
        _total_trigrams: total_trigrams,
        trigram_positions,
    }
}

#[cfg(test)]
#[allow(clippy::unnecessary_sort_by)]
fn trigram_occurances_to_positions(
    trigram_occurances: HashMap<Trigram, u32>,
) -> HashMap<Trigram, u32> {
    // Sort in descending order by number of occurrences and trigrams
    let mut count_vec: Vec<_> = trigram_occurances
        .into_iter()
        .map(|(trigram, count)| (count, trigram))
        .collect();
    count_vec.sort_unstable_by(|a, b| b.cmp(a));

    count_vec
        .into_iter()
        .take(TEXT_TRIGRAMS_SIZE) // we're interested only in the first 600 (2 * MAX_TRIGRAM_DISTANCE)
        .enumerate()
        .map(|(i, (_, trigram))| (trigram, i as u32))
        .collect()
}

#[cfg(test)]
struct CountResult {
    total_trigrams: u32,
    trigram_occurances: HashMap<Trigram, u32>,
}

#[cfg(test)]
fn count(text: &LowercaseText) -> CountResult {
    let hash_capacity = calculate_initial_hash_capacity(text);
    let mut trigram_occurances: HashMap<Trigram, u32> = HashMap::with_capacity(hash_capacity);
    let mut total_trigrams = 0;

    // iterate through the string and count trigrams
    let mut chars_iter = text
        .chars()
        .map(to_trigram_char)
        //.flat_map(char::to_lowercase)
        .chain(Some(' '));
    let mut c1 = ' ';
    // unwrap is safe, because we always chain a space character on the end of the iterator
    let mut c2 = chars_iter.next().unwrap();
    for cur_char in chars_iter {
        let c3 = cur_char;
        if !(c2 == ' ' && (c1 == ' ' || c3 == ' ')) {
            let trigram = Trigram(c1, c2, c3);
            let count = trigram_occurances.entry(trigram).or_insert(0);
            *count += 1;
            total_trigrams += 1;
        }
        c1 = c2;
        c2 = c3;
    }

    CountResult {
        total_trigrams,
        trigram_occurances,
    }
}

// Convert punctuations and digits to a space.
#[inline]
fn to_trigram_char(ch: char) -> char {
    if is_stop_char(ch) { ' ' } else { ch }
}

// In order to improve performance, define the initial capacity for trigrams hash map,
// based on the size of the input text.
#[cfg(test)]
fn calculate_initial_hash_capacity(text: &str) -> usize {
    const MAX_INITIAL_HASH_CAPACITY: usize = 2048;

    let len = text.len();
    if len > MAX_INITIAL_HASH_CAPACITY {
        MAX_INITIAL_HASH_CAPACITY
    } else {
        len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_valuable_trigram_chars(chars: &[char]) {
        for &ch in chars.iter() {
            assert_eq!(to_trigram_char(ch), ch);
        }
    }

    fn assert_not_valuable_trigram_chars(chars: &[char]) {
        for &ch in chars.iter() {
            assert_eq!(to_trigram_char(ch), ' ');
        }
    }

    #[test]
    fn test_to_trigram_char() {
        // valuable chars, that matters
        assert_valuable_trigram_chars(&['a', 'z', 'A', 'Z', 'Ж', 'ß']);

        // punctuations, digits, etc..
        //
        // 0x00 - 0x40
        assert_not_valuable_trigram_chars(&['\t', '\n', ' ', '.', '0', '9', ',', '@']);
        // 0x5B - 0x60
        assert_not_valuable_trigram_chars(&['[', ']', '^', '\\', '`']);
        // 0x7B - 0x7E
        assert_not_valuable_trigram_chars(&['[', '|', '{', '}', '~']);
    }

    fn assert_count(text: &str, pairs: &[(&str, u32)]) {
        let lowercase_text = LowercaseText::new(text);
        let CountResult {
            total_trigrams: _,
            trigram_occurances,
        } = count(&lowercase_text);
        for &(trigram_str, expected_n) in pairs.iter() {
            let chars: Vec<char> = trigram_str.chars().collect();
            let trigram = Trigram(chars[0], chars[1], chars[2]);
            let actual_n = trigram_occurances[&trigram];
            assert_eq!(
                actual_n, expected_n,
                "trigram '{:?}' expected to occur {} times, got {}",
                trigram, expected_n, actual_n
            );
        }
        assert_eq!(trigram_occurances.len(), pairs.len());
    }

    #[test]
    fn test_count() {
        assert_count("", &[]);
        assert_count(",", &[]);
        assert_count("a", &[(" a ", 1)]);
        assert_count("-a-", &[(" a ", 1)]);
        assert_count("yes", &[(" ye", 1), ("yes", 1), ("es ", 1)]);
        assert_count(
            "Give - IT...",
            &[
                (" gi", 1),
                ("giv", 1),
                ("ive", 1),
                ("ve ", 1),
                (" it", 1),
                ("it ", 1),
            ],
        );
    }

    #[test]
    fn ranked_trigrams_rank_as_upstream() {
        let letters: Vec<char> = "eeaaiounrstlé çüœ жшиоая  ,.9'".chars().collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300 {
            let len = (next() % 2000) as usize;
            let text: String = (0..len)
                .map(|_| letters[(next() % letters.len() as u64) as usize])
                .collect();
            let lower = LowercaseText::new(&text);
            let upstream = get_trigrams_with_positions(&lower).trigram_positions;
            let mut ranked = Vec::new();
            let n = ranked_trigrams(&lower, |rank, t| ranked.push((t, rank)));
            let mut expected: Vec<(u64, u32)> =
                upstream.iter().map(|(t, &rank)| (t.pack(), rank)).collect();
            expected.sort_unstable_by_key(|&(_, rank)| rank);
            assert_eq!(n, expected.len(), "round {round}");
            assert_eq!(ranked, expected, "round {round}");
        }
    }

    #[test]
    fn test_get_trigrams_with_positions() {
        let lowercase_text = LowercaseText::new("xaaaaabbbb    d");
        let TrigramsWithPositions {
            _total_trigrams,
            trigram_positions,
        } = get_trigrams_with_positions(&lowercase_text);

        assert_eq!(trigram_positions[&Trigram('a', 'a', 'a')], 0);
        assert_eq!(trigram_positions[&Trigram('b', 'b', 'b')], 1);
        assert_eq!(_total_trigrams, 11);
    }
}
