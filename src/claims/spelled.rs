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
//! text2num itself, and the answer kept in a small table per thread: the word is applied to a
//! new digit string, which must come out as new. On French and English news, text2num went
//! through every word of every sentence, and was about a sixth of the claims stage.

use crate::hash::Packed;
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

/// Per language code, this thread's answers.
type Langs = Vec<(String, Asked)>;

/// Runs `f` on this thread's answers for the language `code`. Found once per sentence, not per
/// word: the look-up per word compared language codes for every word (12 M of the claims
/// stage's 670 M instructions on 800 OrangeSum articles).
fn with_asked<R>(code: &str, f: impl FnOnce(&mut Asked) -> R) -> R {
    thread_local! {
        static CACHE: RefCell<Langs> = const { RefCell::new(Vec::new()) };
    }
    CACHE.with_borrow_mut(|langs| {
        let k = match langs.iter().position(|(c, _)| c == code) {
            Some(k) => k,
            None => {
                langs.push((code.to_string(), Asked::new()));
                langs.len() - 1
            }
        };
        f(&mut langs[k].1)
    })
}

/// Slots of [`Asked`]: 512 KB a language and thread (32 bytes a slot: the word's 24 and the
/// answer, rounded up to the word's alignment), within a core's 1 MB L2 cache here. The
/// answers in a bitmap beside 24-byte slots (386 KB) made no difference on OrangeSum at 2 threads
/// (medians of six interleaved rounds 4.975 and 4.985 s). On
/// 3,000 OrangeSum articles, 8,192 slots made 125,687 asks of text2num, 16,384 made 89,585 and
/// 32,768 made 66,432 (35,516 distinct words were asked with the hash map).
const SLOTS: usize = 1 << 14;

/// The answers text2num gave, for words of up to 16 bytes: a direct-mapped table, whose slot
/// holds the word itself (a [`Packed`] key), so that a look-up reads one slot and compares
/// integers. Nearly every word of a sentence is looked up, and most are found. The hash map
/// this replaces held up to 65,536 words per thread, each pointing to its bytes elsewhere in
/// the heap: a look-up that found its word read three scattered places (control bytes, entry,
/// the word's bytes). On OrangeSum at 2 threads, those look-ups were 5.6% of a run's samples
/// (perf) for under 1% of its instructions; with this table, 2.6%. A word that misses (not yet
/// asked, or pushed out by another) is asked again, a few hundred instructions; the answer
/// depends only on the word, so what the table holds never changes a result.
struct Asked {
    slots: Vec<Slot>,
}

/// A word and text2num's answer.
#[derive(Clone, Copy, Default)]
struct Slot {
    word: Option<Packed>,
    rejected: bool,
}

impl Asked {
    fn new() -> Self {
        Asked { slots: vec![Slot::default(); SLOTS] }
    }

    /// The slot of a word: the top bits of its hash.
    fn slot(&mut self, word: Packed) -> &mut Slot {
        &mut self.slots[(word.mix() >> (64 - SLOTS.trailing_zeros())) as usize]
    }
}

/// Whether text2num rejects `word` from its start state and leaves that state as it was;
/// `asked` holds answers already given in this language.
fn rejected(asked: &mut Asked, lang: &Language, word: &str) -> bool {
    let Some(packed) = Packed::of(word.as_bytes()) else { return ask(lang, word) };
    let slot = asked.slot(packed);
    if slot.word == Some(packed) {
        return slot.rejected;
    }
    let r = ask(lang, word);
    *slot = Slot { word: Some(packed), rejected: r };
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
    fn answers_from_the_table_are_text2num_answers() {
        // Words sharing their packed halves but not their length ("un", "unn"), words pushed
        // out of their slot by others, long words: each is answered as text2num answers it,
        // the first time and the next.
        let fr = text2num::get_interpreter_for("fr").expect("French");
        let mut next = crate::testing::xorshift(0x00a5_4ed1);
        let numbers = ["un", "une", "deux", "vingt", "vingt-deux", "mille", "premier"];
        let mut words: Vec<String> = vec!["unn".into(), "uune".into(), "deuxx".into()];
        words.extend(numbers.iter().map(|w| w.to_string()));
        let letters: Vec<char> = "abdeilmnrstuvxé-".chars().collect();
        for _ in 0..4 * SLOTS {
            let n = 1 + next(20);
            words.push((0..n).map(|_| letters[next(letters.len())]).collect());
        }
        words.extend(numbers.iter().map(|w| w.to_string()));
        with_asked("fr", |asked| {
            for round in 0..2 {
                for w in &words {
                    assert_eq!(rejected(asked, &fr, w), ask(&fr, w), "round {round}: {w:?}");
                }
            }
        });
        for w in numbers {
            assert!(!ask(&fr, w), "{w}");
        }
        // A slot holding another word is not this word's.
        assert!(ask(&fr, "unn") && !ask(&fr, "un"));
        let mut asked = Asked::new();
        *asked.slot(Packed::of(b"unn").expect("short")) =
            Slot { word: Packed::of(b"un"), rejected: false };
        assert!(rejected(&mut asked, &fr, "unn"));
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
