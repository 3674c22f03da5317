//! It's a hard-core optimized implementation of a relatively simple algorithm.
//! The explanation of the algorithm can be found in the parent module [crate::alphabets].

use super::RawOutcome;
use crate::core::{FilterList, LowercaseText};
use crate::utils::is_stop_char;
use crate::{Lang, Script};
use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Code points below this are found in an `InvertedMap` by one table read (ASCII, Latin-1 and the
/// Latin extensions A and B, which are most of the letters of Latin-script text).
const DIRECT: usize = 0x250;

/// Inverted map binding a character to a set of languages.
pub struct InvertedMap {
    /// The characters of all the alphabets, sorted.
    pub chars: Vec<char>,
    /// The languages whose alphabet holds `chars[i]`.
    pub langs: Vec<Vec<Lang>>,
    /// For each code point below `DIRECT`, its position in `chars`, or `u16::MAX`. (recoupe
    /// patch: the binary search it replaces was most of the alphabet scoring's time.)
    direct: Vec<u16>,
}

impl InvertedMap {
    /// The position of `ch` in `chars`, as `chars.binary_search(&ch).ok()` gives it.
    #[inline]
    pub fn position(&self, ch: char) -> Option<usize> {
        match self.direct.get(ch as usize) {
            Some(&p) => (p != u16::MAX).then_some(usize::from(p)),
            None => self.chars.binary_search(&ch).ok(),
        }
    }
}

/// Builds the inverted map of `alphabets`.
pub fn build_inverted_map(alphabets: &[(Lang, &str)]) -> InvertedMap {
    let mut map = HashMap::new();

    for (lang, alphabet) in alphabets {
        for c in alphabet.chars() {
            let entry = map.entry(c).or_insert_with(Vec::new);
            entry.push(*lang);
        }
    }

    let mut char_lang: Vec<_> = map.into_iter().collect();

    char_lang.sort_unstable_by_key(|(c, _)| *c);

    let mut chars = Vec::with_capacity(char_lang.len());
    let mut langs = Vec::with_capacity(char_lang.len());
    for (ch, languages) in char_lang {
        chars.push(ch);
        langs.push(languages);
    }

    let mut direct = vec![u16::MAX; DIRECT];
    for (position, &ch) in chars.iter().enumerate() {
        if let Some(slot) = direct.get_mut(ch as usize) {
            *slot = u16::try_from(position).expect("fewer than 65,535 alphabet characters");
        }
    }

    InvertedMap { chars, langs, direct }
}

pub fn generic_alphabet_calculate_scores(
    script: Script,
    lang_map: &LazyLock<InvertedMap>,
    text: &LowercaseText,
    filter_list: &FilterList,
) -> RawOutcome {
    let map: &InvertedMap = lang_map;
    let (chars, langs) = (&map.chars, &map.langs);
    let script_langs = script.langs();

    // score of each character.
    let mut char_scores = vec![0; chars.len()];
    let mut max_raw_score = 0;
    // iterate over the text and scores characters.
    for ch in text.chars() {
        if is_stop_char(ch) {
            continue;
        }

        max_raw_score += 1;

        if let Some(position) = map.position(ch) {
            // add 2 and remove max_raw_score at the end,
            // to keep the score interval of -max_raw_score..max_raw_score
            char_scores[position] += 2;
        }
    }

    // score of each lang.
    let mut lang_scores = vec![0; Lang::all().len()];
    let mut common_score: usize = 0;
    // iterate over scored characters to compute language's scores.
    for (position, char_score) in char_scores.into_iter().enumerate() {
        if char_score > 0 {
            let languages = &langs[position];
            // if current character is common to all Languages, increment a common score
            // instead of iterating over all Languages scores.
            if languages.len() == script_langs.len() {
                common_score += char_score;
            } else {
                for &lang in languages {
                    lang_scores[lang as usize] += char_score;
                }
            }
        }
    }

    // remap languages with theirs scores.
    let mut raw_scores: Vec<(Lang, usize)> = script_langs
        .iter()
        .filter(|&&l| filter_list.is_allowed(l))
        .map(|&l| {
            let score = (lang_scores[l as usize] + common_score).saturating_sub(max_raw_score);
            (l, score)
        })
        .collect();

    raw_scores.sort_unstable_by_key(|(_, score)| Reverse(*score));

    let mut normalized_scores = vec![];

    for &(lang, raw_score) in raw_scores.iter() {
        let normalized_score = raw_score as f64 / max_raw_score as f64;
        normalized_scores.push((lang, normalized_score));
    }

    RawOutcome {
        count: max_raw_score,
        raw_scores,
        scores: normalized_scores,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{cyrillic, latin};

    /// The table gives every char the position the binary search gives it.
    #[test]
    fn position_is_the_binary_search() {
        for map in [&*latin::ALPHABET_LANG_MAP, &*cyrillic::CYRILLIC_ALPHABET_LANG_MAP] {
            for ch in (0..=0x2FFFFu32).filter_map(char::from_u32) {
                assert_eq!(map.position(ch), map.chars.binary_search(&ch).ok(), "{ch:?}");
            }
        }
    }
}
