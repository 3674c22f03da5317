use hashbrown::HashMap;

#[cfg(test)]
use super::utils::get_trigrams_with_positions;
use super::utils::ranked_trigrams;
use super::{ARABIC_LANGS, CYRILLIC_LANGS, DEVANAGARI_LANGS, HEBREW_LANGS, LATIN_LANGS};
#[cfg(test)]
use super::LangProfile;
use super::LangProfileList;
use super::{MAX_TOTAL_DISTANCE, MAX_TRIGRAM_DISTANCE, Trigram};
use crate::Lang;
use crate::core::{FilterList, Info, InternalQuery, Text, calculate_confidence};
use crate::scripts::grouping::MultiLangScript;

#[derive(Debug)]
pub struct RawOutcome {
    pub trigrams_count: usize,
    #[allow(dead_code)]
    pub raw_distances: Vec<(Lang, u32)>,
    pub scores: Vec<(Lang, f64)>,
}

#[inline]
pub fn detect(iquery: &InternalQuery) -> Option<Info> {
    let raw_outcome = raw_detect(iquery);
    let RawOutcome {
        trigrams_count,
        scores,
        ..
    } = raw_outcome;

    let mut raw_scores_iter = scores.into_iter();

    let opt_lang_score1 = raw_scores_iter.next();
    let opt_lang_score2 = raw_scores_iter.next();

    // TODO: Logic is duplicated in alphabets. Consider refactoring
    opt_lang_score1.map(|(lang1, score1)| {
        let script = iquery.multi_lang_script.to_script();
        let confidence = if let Some((_, score2)) = opt_lang_score2 {
            calculate_confidence(score1, score2, trigrams_count)
        } else {
            1.0
        };
        Info::new(script, lang1, confidence)
    })
}

#[inline]
pub fn raw_detect(iquery: &InternalQuery) -> RawOutcome {
    calculate_scores_in_profiles(&iquery.text, iquery.filter_list, iquery.multi_lang_script)
}

fn script_to_lang_profile_list(script: MultiLangScript) -> LangProfileList {
    use MultiLangScript as MLS;
    match script {
        MLS::Latin => LATIN_LANGS,
        MLS::Cyrillic => CYRILLIC_LANGS,
        MLS::Arabic => ARABIC_LANGS,
        MLS::Devanagari => DEVANAGARI_LANGS,
        MLS::Hebrew => HEBREW_LANGS,
    }
}

/// An inverted index of one script's profiles: for each trigram, the languages whose profile
/// holds it and its rank there.
///
/// recoupe patch: the upstream code looks every trigram of every profile up in the text's map
/// (about 40 languages × 300 trigrams for Latin script, whatever the text's length). Looking
/// each text trigram up once here gives the same distances, summed in the same integers.
struct ProfileIndex {
    /// Trigram (packed by `Trigram::pack`) → range of `entries`.
    ranges: HashMap<u64, (u32, u32)>,
    /// (position of the language in the profile list, rank of the trigram in its profile).
    entries: Vec<(u16, u16)>,
    /// Each language's distance when no trigram of its profile is in the text.
    unmatched: Vec<u32>,
}

impl ProfileIndex {
    fn new(list: LangProfileList) -> Self {
        let mut all: Vec<(Trigram, u16, u16)> = Vec::new();
        for (pos, &(_, profile)) in list.iter().enumerate() {
            for (rank, &trigram) in profile.iter().enumerate() {
                all.push((trigram, pos as u16, rank as u16));
            }
        }
        all.sort_unstable();
        let mut ranges = HashMap::with_capacity(all.len());
        let mut entries = Vec::with_capacity(all.len());
        let mut i = 0;
        while i < all.len() {
            let trigram = all[i].0;
            let start = entries.len() as u32;
            while i < all.len() && all[i].0 == trigram {
                entries.push((all[i].1, all[i].2));
                i += 1;
            }
            ranges.insert(trigram.pack(), (start, entries.len() as u32 - start));
        }
        let unmatched =
            list.iter().map(|&(_, profile)| profile.len() as u32 * MAX_TRIGRAM_DISTANCE).collect();
        ProfileIndex { ranges, entries, unmatched }
    }
}

/// The index of `script`'s profile list, built on first use.
fn profile_index(script: MultiLangScript) -> &'static ProfileIndex {
    use MultiLangScript as MLS;
    use std::sync::OnceLock;
    static INDEXES: [OnceLock<ProfileIndex>; 5] = [const { OnceLock::new() }; 5];
    let slot = match script {
        MLS::Latin => 0,
        MLS::Cyrillic => 1,
        MLS::Arabic => 2,
        MLS::Devanagari => 3,
        MLS::Hebrew => 4,
    };
    INDEXES[slot].get_or_init(|| ProfileIndex::new(script_to_lang_profile_list(script)))
}

#[inline]
fn calculate_scores_in_profiles(
    text: &Text,
    filter_list: &FilterList,
    script: MultiLangScript,
) -> RawOutcome {
    let lang_profile_list = script_to_lang_profile_list(script);
    let mut lang_distances: Vec<(Lang, u32)> = vec![];

    // Each language starts at the distance of a text sharing no trigram with its profile; a
    // shared trigram replaces its MAX_TRIGRAM_DISTANCE by the difference of the two ranks.
    let index = profile_index(script);
    let mut totals: Vec<i64> = index.unmatched.iter().map(|&d| i64::from(d)).collect();
    let unique_trigrams_count = ranked_trigrams(&text.lowercase(), |n, trigram| {
        if let Some(&(start, len)) = index.ranges.get(&trigram) {
            for &(pos, rank) in &index.entries[start as usize..(start + len) as usize] {
                let dist = (n as i32 - i32::from(rank)).unsigned_abs();
                totals[pos as usize] += i64::from(dist) - i64::from(MAX_TRIGRAM_DISTANCE);
            }
        }
    });

    for (pos, &(lang, _)) in lang_profile_list.iter().enumerate() {
        if !filter_list.is_allowed(lang) {
            continue;
        }
        let dist = finish_distance(totals[pos], unique_trigrams_count);
        lang_distances.push(((lang), dist));
    }

    // Sort languages by distance
    lang_distances.sort_unstable_by_key(|(_, dist)| *dist);

    let max_dist = unique_trigrams_count as u32 * MAX_TRIGRAM_DISTANCE;

    let raw_scores = lang_distances
        .iter()
        .map(|&(lang, distance)| (lang, distance_to_raw_score(distance, max_dist)))
        .collect();

    RawOutcome {
        trigrams_count: unique_trigrams_count,
        scores: raw_scores,
        raw_distances: lang_distances,
    }
}

/// The upstream end of a language's distance: the adjustment for short texts, then the clamp.
#[inline]
fn finish_distance(total: i64, text_trigrams: usize) -> u32 {
    // The sum of non-negative rank differences: never negative, and far below u32::MAX.
    let mut total_dist = total as u32;
    let count = text_trigrams as u32;

    if MAX_TRIGRAM_DISTANCE > count {
        let delta = MAX_TRIGRAM_DISTANCE - count;
        total_dist -= delta * MAX_TRIGRAM_DISTANCE;
    }

    total_dist.clamp(0, MAX_TOTAL_DISTANCE)
}

/// The upstream distance of one language, kept to check the index against.
#[cfg(test)]
fn calculate_distance(lang_trigrams: LangProfile, text_trigrams: &HashMap<Trigram, u32>) -> u32 {
    let mut total_dist = 0u32;

    for (i, &trigram) in lang_trigrams.iter().enumerate() {
        let dist = match text_trigrams.get(&trigram) {
            Some(&n) => (n as i32 - i as i32).unsigned_abs(),
            None => MAX_TRIGRAM_DISTANCE,
        };
        total_dist += dist;
    }

    let count = text_trigrams.len() as u32;

    if MAX_TRIGRAM_DISTANCE > count {
        let delta = MAX_TRIGRAM_DISTANCE - count;
        total_dist -= delta * MAX_TRIGRAM_DISTANCE;
    }

    total_dist.clamp(0, MAX_TOTAL_DISTANCE)
}

#[inline]
fn distance_to_raw_score(distance: u32, max_distance: u32) -> f64 {
    let similarity = max_distance - distance;
    similarity as f64 / max_distance as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_when_german_is_given() {
        let text = "Die Ordnung muss für immer in diesem Codebase bleiben";
        let iq = InternalQuery {
            text: Text::new(text),
            filter_list: &FilterList::default(),
            multi_lang_script: MultiLangScript::Latin,
        };
        let raw_outcome = raw_detect(&iq);

        assert_eq!(raw_outcome.trigrams_count, 50);

        let &(first_lang, first_score) = raw_outcome.scores.first().unwrap();
        let &(_last_lang, last_score) = raw_outcome.scores.last().unwrap();

        assert_eq!(first_lang, Lang::Deu);

        assert!(first_score >= 0.0);
        assert!(first_score <= 1.0);

        assert!(last_score >= 0.0);
        assert!(last_score <= 1.0);
    }

    #[test]
    fn index_gives_the_upstream_distances() {
        let texts = [
            "Die Ordnung muss für immer in diesem Codebase bleiben",
            "Le ministère de la Défense a considérablement réduit le nombre de pays.",
            "The Defense Ministry has sharply cut the number of countries.",
            "El Ministerio de Defensa redujo el número de países a los que se puede vender.",
            "Як умру, то поховайте мене на могилі, серед степу широкого",
            "a",
            "",
        ];
        use MultiLangScript as MLS;
        let scripts = [MLS::Latin, MLS::Cyrillic, MLS::Arabic, MLS::Devanagari, MLS::Hebrew];
        for text in texts {
            let t = Text::new(text);
            let positions = get_trigrams_with_positions(&t.lowercase()).trigram_positions;
            for script in scripts {
                let outcome = calculate_scores_in_profiles(&t, &FilterList::default(), script);
                let list = script_to_lang_profile_list(script);
                let mut expected: Vec<(Lang, u32)> = list
                    .iter()
                    .map(|&(lang, profile)| (lang, calculate_distance(profile, &positions)))
                    .collect();
                expected.sort_unstable_by_key(|(_, dist)| *dist);
                assert_eq!(outcome.raw_distances, expected, "{text}");
            }
        }
    }

    #[test]
    fn index_gives_the_upstream_distances_on_random_texts() {
        // Words drawn from the letters of several scripts, so that texts share many trigrams
        // with many profiles, at lengths around the 300-trigram limits.
        let letters: Vec<char> = "eeeaaiioouunnrrsstlldcmpéèàçüöäñßœ жшщиоаеябгд ابتثجح अआइ אבגד  "
            .chars()
            .collect();
        use MultiLangScript as MLS;
        let scripts = [MLS::Latin, MLS::Cyrillic, MLS::Arabic, MLS::Devanagari, MLS::Hebrew];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..500 {
            let len = (next() % 1200) as usize;
            let text: String = (0..len)
                .map(|_| letters[(next() % letters.len() as u64) as usize])
                .collect();
            let t = Text::new(&text);
            let positions = get_trigrams_with_positions(&t.lowercase()).trigram_positions;
            for script in scripts {
                let outcome = calculate_scores_in_profiles(&t, &FilterList::default(), script);
                let list = script_to_lang_profile_list(script);
                let mut expected: Vec<(Lang, u32)> = list
                    .iter()
                    .map(|&(lang, profile)| (lang, calculate_distance(profile, &positions)))
                    .collect();
                expected.sort_unstable_by_key(|(_, dist)| *dist);
                assert_eq!(outcome.raw_distances, expected, "{text}");
            }
        }
    }
}
