//! Numbers written in words (« trente-sept », "two hundred"), read by text2num, which is not
//! asked about the words that cannot change its reading.
//!
//! Promise: [`find`] gives exactly the occurrences `text2num::find_numbers` gives on the same
//! words, at the same positions. text2num reads the words in order with a parser. A word it
//! rejects from its start state, leaving that state exactly as it was, moves nothing: most
//! words are such (« pays », "said"). From the start of a sentence up to its first other word,
//! the parser therefore stays in its start state, so text2num is asked from that word on, and
//! not at all when a sentence has none. (text2num's threshold for lone numbers is 0, so no
//! occurrence is held back, and the tokens here never claim a pause between words: nothing
//! else it keeps from the skipped words matters.) Whether a word is rejected so is asked of
//! text2num itself, once per word and thread: the word is applied to a new digit string, which
//! must come out as new. On French and English news, text2num went through every word of
//! every sentence, and was about a sixth of the claims stage.

use crate::hash::FxMap;
use std::borrow::Cow;
use std::cell::RefCell;
use text2num::digit_string::DigitString;
use text2num::{LangInterpreter, Language, Occurence};

/// One token as text2num sees it.
pub struct Word<'a> {
    /// The lowercased text.
    pub text: &'a str,
    /// Not part of any number (a digit run, punctuation, a word inside a name or a unit).
    pub nan: bool,
}

impl text2num::Token for Word<'_> {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.text)
    }
    fn text_lowercase(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.text)
    }
    fn not_a_number_part(&self) -> bool {
        self.nan
    }
}

/// The occurrences of numbers in words among tokens `0..n` (`word(i)` gives token `i`) in the
/// language `lang` (whose code is `code`).
pub fn find<'a>(
    lang: &Language,
    code: &str,
    n: usize,
    word: impl Fn(usize) -> Word<'a>,
) -> Vec<Occurence> {
    let Some(from) = with_asked(code, |asked| {
        (0..n).find(|&i| {
            let w = word(i);
            !w.nan && !rejected(asked, lang, w.text)
        })
    }) else {
        return Vec::new();
    };
    let mut found = text2num::find_numbers((from..n).map(&word), lang, 0.0);
    for o in &mut found {
        o.start += from;
        o.end += from;
    }
    found
}

/// Words cached per thread and language before the cache starts again.
const CACHE_WORDS: usize = 1 << 16;

/// Per language code, the words already asked about and the answers.
type Asked = Vec<(String, FxMap<Box<str>, bool>)>;

/// Runs `f` on this thread's answers for the language `code`. Found once per sentence, not per
/// word: the look-up per word compared language codes for every word (12 M of the claims
/// stage's 670 M instructions on 800 OrangeSum articles).
fn with_asked<R>(code: &str, f: impl FnOnce(&mut FxMap<Box<str>, bool>) -> R) -> R {
    thread_local! {
        static CACHE: RefCell<Asked> = const { RefCell::new(Vec::new()) };
    }
    CACHE.with_borrow_mut(|langs| {
        let k = match langs.iter().position(|(c, _)| c == code) {
            Some(k) => k,
            None => {
                langs.push((code.to_string(), FxMap::default()));
                langs.len() - 1
            }
        };
        f(&mut langs[k].1)
    })
}

/// Whether text2num rejects `word` from its start state and leaves that state as it was;
/// `asked` holds the answers already given in this language.
fn rejected(asked: &mut FxMap<Box<str>, bool>, lang: &Language, word: &str) -> bool {
    if let Some(&r) = asked.get(word) {
        return r;
    }
    let r = ask(lang, word);
    if asked.len() >= CACHE_WORDS {
        asked.clear();
    }
    asked.insert(word.into(), r);
    r
}

/// Asks text2num: `word` applied to a new digit string fails, not for want of a next word, and
/// leaves the digit string new.
fn ask(lang: &Language, word: &str) -> bool {
    let mut digits = DigitString::new();
    match lang.apply(word, &mut digits) {
        Ok(()) | Err(text2num::error::Error::Incomplete) => false,
        Err(_) => is_new(digits),
    }
}

/// Whether a digit string is as `DigitString::new` made it. Its fields are no digits, no
/// leading zero, no flags, no marker, and not frozen; the last is private, but a frozen string
/// refuses a leading zero, which a new one takes. (Comparing debug forms did the same with a
/// `format!` per word asked: quantities took 215 M instructions with it, 167 M without, on
/// 800 OrangeSum articles.)
fn is_new(mut digits: DigitString) -> bool {
    digits.is_empty()
        && digits.flags == 0
        && !digits.marker.is_ordinal()
        && !digits.marker.is_fraction()
        && digits.put(b"0").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words of each language: numbers, their links and decimal marks, ordinals, and words
    /// that are not numbers, some of them close (« un », "second", "one's").
    const POOLS: &[(&str, &str)] = &[
        (
            "fr",
            "un une deux trois dix-sept vingt vingt-deux et cent cents mille million millions \
             milliard zéro virgule premier première deuxième troisième pays liste le la de des \
             a été réduit contre entreprises mil onze quatre-vingt soixante-dix -",
        ),
        (
            "en",
            "one two three twenty twenty-one hundred thousand million billion and a point zero \
             first second third fourth the countries list was cut to of one's oh nil seventy \
             eleven dozen -",
        ),
        (
            "es",
            "uno una dos tres veinte veintiuno cien ciento mil millón millones y coma cero \
             primero segunda tercer países lista de la el fue reducido treinta cuarenta -",
        ),
        (
            "de",
            "eins ein eine zwei drei zwanzig zweiundzwanzig hundert tausend million millionen \
             und komma null erste zweite dritte länder liste der die das wurde gekürzt auf -",
        ),
        (
            "it",
            "uno una due tre venti ventidue cento mille milione milioni e virgola zero primo \
             seconda terzo paesi elenco il la di stato ridotto trenta -",
        ),
        (
            "pt",
            "um uma dois três vinte vinte e dois cem cento mil milhão milhões vírgula zero \
             primeiro segunda terceiro países lista o a de foi reduzida trinta -",
        ),
    ];

    #[test]
    fn skipping_rejected_words_finds_what_text2num_finds() {
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        for &(code, pool) in POOLS {
            let lang = text2num::get_interpreter_for(code).expect("a text2num language");
            let words: Vec<&str> = pool.split_whitespace().collect();
            for round in 0..3000 {
                let n = next(25);
                let toks: Vec<(&str, bool)> =
                    (0..n).map(|_| (words[next(words.len())], next(10) == 0)).collect();
                let word = |i: usize| Word { text: toks[i].0, nan: toks[i].1 };
                let fast = find(&lang, code, n, word);
                let full = text2num::find_numbers((0..n).map(word), &lang, 0.0);
                let key = |o: &Occurence| (o.start, o.end, o.text.clone(), o.is_ordinal);
                assert_eq!(
                    fast.iter().map(key).collect::<Vec<_>>(),
                    full.iter().map(key).collect::<Vec<_>>(),
                    "{code} round {round}: {toks:?}"
                );
            }
        }
    }

    #[test]
    fn a_new_digit_string_is_told_from_others_as_its_debug_form_tells_it() {
        let new = format!("{:?}", DigitString::new());
        for (code, pool) in POOLS {
            let lang = text2num::get_interpreter_for(code).expect("a text2num language");
            for word in pool.split_whitespace().chain(["", "3", "1er", "vingtième", "quart"]) {
                let mut digits = DigitString::new();
                let _ = lang.apply(word, &mut digits);
                let debug = format!("{digits:?}");
                assert_eq!(is_new(digits), debug == new, "{code} {word:?}: {debug}");
            }
        }
        let mut frozen = DigitString::new();
        frozen.freeze();
        assert!(!is_new(frozen));
    }

    #[test]
    fn plain_words_are_rejected_and_number_words_are_not() {
        let fr = text2num::get_interpreter_for("fr").expect("French");
        let is_rejected = |lang: &Language, code: &str, w: &str| {
            with_asked(code, |asked| rejected(asked, lang, w))
        };
        assert!(is_rejected(&fr, "fr", "pays"));
        for w in ["vingt", "un", "trente-sept", "premier"] {
            assert!(!is_rejected(&fr, "fr", w), "{w}");
        }
        let en = text2num::get_interpreter_for("en").expect("English");
        assert!(is_rejected(&en, "en", "countries"));
        assert!(!is_rejected(&en, "en", "hundred"));
    }
}
