//! Numbers written in words (« trente-sept », "two hundred"), read as text2num reads them, with
//! text2num asked only about the words that can change its reading.
//!
//! Promise: [`find`] gives exactly the occurrences `text2num::find_numbers` gives on the same
//! words with a threshold of 0, at the same positions (those its caller keeps). text2num reads
//! the words in order with a parser (its `FindNumbers`), and [`Reader`] is that parser's loop
//! as text2num 2.8 has it, built on the same pieces (the language's `apply`, `apply_decimal`,
//! `check_decimal_separator` and formats, and `DigitString`); the tests compare the two on
//! many word sequences, so that a text2num that reads otherwise fails them. It differs in
//! what cannot change a result:
//!
//! - A word text2num rejects from its start state, leaving that state exactly as it was, moves
//!   nothing when the parser is in that state: most words are such (« pays », "said"), and
//!   the reader passes over them without asking text2num. Whether a word is rejected so is
//!   asked of text2num itself, and the answer kept in a small table per thread: the word is
//!   applied to a new digit string, which must come out as new.
//! - text2num also tracks which numbers stand alone among other words (asking, for every word
//!   outside a number, whether it merely links numbers), to hold back lone numbers under its
//!   threshold: at 0, nothing is held back, so the reader does not track them.
//! - The tokens here never claim a pause between words, so the reader does not look for one.
//!
//! Calling `text2num::find_numbers` from a sentence's first word that is not rejected, as
//! before, went through every word after the first article (« un », "a") and asked of each
//! whether it links numbers: on the 10 MB synthetic benchmark, the quantities took 338.9 M
//! instructions with it, 226.5 M with the reader.

use crate::hash::Packed;
use std::cell::RefCell;
use text2num::digit_string::DigitString;
use text2num::error::Error;
use text2num::{LangInterpreter, Language, Occurence};

/// The occurrences of numbers in words among tokens `0..n` in the language `lang` (whose code
/// is `code`): `nan(i)` tells whether token `i` is no part of any number (a digit run,
/// punctuation, a word inside a name or a unit), `text(i)` gives its lowercased text, which
/// is not asked of most such tokens, and `bytes(i)` the same as bytes: most words are passed
/// over on a look-up of their bytes alone, so `text` is asked only of the others. Only the occurrences `keep(start, end, is_ordinal)`
/// accepts are given: the others are not formatted (most numbers in words are articles,
/// « un », "a").
pub fn find<'a>(
    lang: &Language,
    code: &str,
    n: usize,
    nan: impl Fn(usize) -> bool,
    text: impl Fn(usize) -> &'a str,
    bytes: impl Fn(usize) -> &'a [u8],
    keep: impl Fn(usize, usize, bool) -> bool,
) -> Vec<Occurence> {
    with_thread(code, |asked, reader| {
        let mut found = Found { keep: &keep, numbers: Vec::new() };
        reader.start();
        for i in 0..n {
            if !nan(i) {
                reader.push(lang, asked, i, bytes(i), || text(i), &mut found);
            } else if reader.has_number() && !passed_over(text(i)) {
                // A token that is no part of a number ends the number before it.
                reader.number_end(lang, &mut found);
            }
        }
        if reader.has_number() {
            reader.number_end(lang, &mut found);
        }
        found.numbers
    })
}

/// The numbers read, and which of them to keep (see [`find`]).
struct Found<'k> {
    keep: &'k dyn Fn(usize, usize, bool) -> bool,
    numbers: Vec<Occurence>,
}

/// text2num's parser of numbers in words (`FindNumbers` and its `WordToDigitParser`, whose
/// steps keep their names here), less what a threshold of 0 and tokens without pauses make
/// moot, and passing over the words that cannot move it (see the module's documentation).
/// Kept by each thread, so that its digit strings are not made anew for every sentence.
struct Reader {
    /// The integer part of the number being read.
    int_part: DigitString,
    /// Its decimal part, after a decimal separator.
    dec_part: DigitString,
    dec_separator: Option<char>,
    /// Set when the three fields above are as new, so that a rejected word moves nothing;
    /// cleared by any word parsed.
    fresh: bool,
    /// Tokens of the number being read: `match_start..match_end`, equal before its first.
    match_start: usize,
    match_end: usize,
}

impl Reader {
    fn new() -> Self {
        Reader {
            int_part: DigitString::new(),
            dec_part: DigitString::new(),
            dec_separator: None,
            fresh: true,
            match_start: 0,
            match_end: 0,
        }
    }

    /// Ready for a new sequence of tokens (`reset` makes a digit string as new).
    fn start(&mut self) {
        if !self.fresh {
            self.reset();
        }
        (self.match_start, self.match_end) = (0, 0);
    }

    fn reset(&mut self) {
        self.int_part.reset();
        self.dec_part.reset();
        self.dec_separator = None;
        self.fresh = true;
    }

    fn has_number(&self) -> bool {
        !self.int_part.is_empty()
    }

    /// `FindNumbers::push`, for token `pos`, a word that may be part of a number, of these
    /// `bytes` and this `text`; an ended number goes to `found`.
    fn push<'a>(
        &mut self,
        lang: &Language,
        asked: &mut Asked,
        pos: usize,
        bytes: &[u8],
        text: impl Fn() -> &'a str,
        found: &mut Found,
    ) {
        // Dashes and blanks are passed over as if absent, even between the words of a number;
        // from the start state, a rejected word is as absent too: which is asked first does
        // not matter then, and most words are rejected.
        if self.fresh && rejected(asked, lang, bytes, &text) {
            return;
        }
        let word = text();
        if passed_over(word) {
            return;
        }
        match self.parse(lang, word) {
            Ok(()) => self.number_advanced(pos),
            // A word that may link the words of a number (« et », "and"), or a decimal separator.
            Err(Error::Incomplete) => {}
            Err(_) if self.has_number() => {
                // The word after a number ends it, and may start the next.
                self.number_end(lang, found);
                if !rejected(asked, lang, bytes, || word) && self.parse(lang, word).is_ok() {
                    self.number_advanced(pos);
                }
            }
            Err(_) => {}
        }
    }

    /// `WordToDigitParser::push`.
    fn parse(&mut self, lang: &Language, word: &str) -> Result<(), Error> {
        self.fresh = false;
        let status = match self.dec_separator {
            Some(_) => lang.apply_decimal(word, &mut self.dec_part),
            None => lang.apply(word, &mut self.int_part),
        };
        if status.is_err() && self.dec_separator.is_none() && self.has_number() {
            self.dec_separator = lang.check_decimal_separator(word);
            if self.dec_separator.is_some() {
                return Err(Error::Incomplete);
            }
        }
        status
    }

    fn number_advanced(&mut self, pos: usize) {
        if self.match_start == self.match_end {
            self.match_start = pos;
        }
        self.match_end = pos + 1;
    }

    /// The number read so far goes to `found` if it is to be kept, and the parser starts anew.
    fn number_end(&mut self, lang: &Language, found: &mut Found) {
        let (start, end) = (self.match_start, self.match_end);
        let is_ordinal = self.int_part.is_ordinal();
        if (found.keep)(start, end, is_ordinal) {
            let (text, value) = match self.dec_separator {
                Some(sep) if !self.dec_part.is_empty() => {
                    lang.format_decimal_and_value(&self.int_part, &self.dec_part, sep)
                }
                _ => lang.format_and_value(&self.int_part),
            };
            found.numbers.push(Occurence { start, end, text, value, is_ordinal });
        }
        self.match_start = end;
        self.reset();
    }
}

/// Whether text2num passes over a token as if it were absent: a dash, or blank.
fn passed_over(text: &str) -> bool {
    text == "-" || text.chars().all(char::is_whitespace)
}

/// This thread's reader, and per language code its answers.
struct Thread {
    reader: Reader,
    langs: Vec<(String, Asked)>,
}

/// Runs `f` on this thread's answers for the language `code` and its reader. Found once per
/// sentence, not per word: the look-up per word compared language codes for every word (12 M
/// of the claims stage's 670 M instructions on 800 OrangeSum articles).
fn with_thread<R>(code: &str, f: impl FnOnce(&mut Asked, &mut Reader) -> R) -> R {
    thread_local! {
        static CACHE: RefCell<Option<Thread>> = const { RefCell::new(None) };
    }
    CACHE.with_borrow_mut(|cache| {
        let Thread { reader, langs } =
            cache.get_or_insert_with(|| Thread { reader: Reader::new(), langs: Vec::new() });
        let k = match langs.iter().position(|(c, _)| c == code) {
            Some(k) => k,
            None => {
                langs.push((code.to_string(), Asked::new()));
                langs.len() - 1
            }
        };
        f(&mut langs[k].1, reader)
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

/// Whether text2num rejects the word of these `bytes` and this `text` from its start state
/// and leaves that state as it was; `asked` holds answers already given in this language.
/// Inlined: nearly every word of a sentence is looked up, and most are found by their bytes
/// (the text is needed only to ask text2num).
#[inline]
fn rejected<'a>(
    asked: &mut Asked,
    lang: &Language,
    bytes: &[u8],
    text: impl Fn() -> &'a str,
) -> bool {
    let Some(packed) = Packed::of(bytes) else { return ask(lang, text()) };
    let slot = asked.slot(packed);
    if slot.word == Some(packed) {
        return slot.rejected;
    }
    let r = ask(lang, text());
    *slot = Slot { word: Some(packed), rejected: r };
    r
}

/// Asks text2num: `word` applied to a new digit string fails, not for want of a next word, and
/// leaves the digit string new.
#[cold]
fn ask(lang: &Language, word: &str) -> bool {
    let mut digits = DigitString::new();
    match lang.apply(word, &mut digits) {
        Ok(()) | Err(Error::Incomplete) => false,
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
    use std::borrow::Cow;

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

    /// A token as text2num's own reader sees it: the reference.
    #[derive(Clone, Copy, Debug)]
    struct Word<'a> {
        text: &'a str,
        nan: bool,
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

    /// Words of every language, mixed into each: other scripts, blanks, digits, punctuation,
    /// words glued with dashes, words that only link numbers in some languages.
    const SHARED: &str = "два 三 ١٢ 12 3,5 . , ’ s et and und y e plus moins ok un-deux \
         vingt-et-un veintitrés ventitré a-b -- 1er neuf nine";

    /// Sequences of words drawn from a language's pool and the shared one, some marked as no
    /// part of a number, some blank: the reader finds what text2num finds in each.
    #[test]
    fn the_reader_finds_what_text2num_finds() {
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        for &(code, pool) in POOLS {
            let lang = text2num::get_interpreter_for(code).expect("a text2num language");
            let mut words: Vec<&str> = pool.split_whitespace().collect();
            // Numbers in words weigh more than the others, so that long numbers, decimals and
            // numbers one after another are drawn too.
            words.extend(pool.split_whitespace().filter(|w| !ask(&lang, w)));
            words.extend(SHARED.split_whitespace());
            words.extend(["", " "]);
            for round in 0..6000 {
                let n = next(30);
                let toks: Vec<(&str, bool)> =
                    (0..n).map(|_| (words[next(words.len())], next(12) == 0)).collect();
                let word = |i: usize| Word { text: toks[i].0, nan: toks[i].1 };
                let fast = find(
                    &lang,
                    code,
                    n,
                    |i| toks[i].1,
                    |i| toks[i].0,
                    |i| toks[i].0.as_bytes(),
                    |_, _, _| true,
                );
                let full = text2num::find_numbers((0..n).map(word), &lang, 0.0);
                let key = |o: &Occurence| {
                    (o.start, o.end, o.text.clone(), o.value.to_bits(), o.is_ordinal)
                };
                assert_eq!(
                    fast.iter().map(key).collect::<Vec<_>>(),
                    full.iter().map(key).collect::<Vec<_>>(),
                    "{code} round {round}: {toks:?}"
                );
                // The occurrences not kept are left out, and only they.
                let keep = |a: usize, b: usize, ordinal: bool| !ordinal && (a + b) % 3 != 0;
                let kept = find(
                    &lang,
                    code,
                    n,
                    |i| toks[i].1,
                    |i| toks[i].0,
                    |i| toks[i].0.as_bytes(),
                    keep,
                );
                assert_eq!(
                    kept.iter().map(key).collect::<Vec<_>>(),
                    full.iter()
                        .filter(|o| keep(o.start, o.end, o.is_ordinal))
                        .map(key)
                        .collect::<Vec<_>>(),
                    "{code} round {round}: {toks:?}"
                );
            }
        }
    }

    /// Sentences where a number ends on a word that starts the next, on a decimal separator,
    /// on a linking word, on a word marked as no part of a number, or on the sentence's end.
    #[test]
    fn the_reader_ends_numbers_where_text2num_ends_them() {
        let cases: &[(&str, &str)] = &[
            ("fr", "il a vingt et un ans et deux cent mille euros"),
            ("fr", "trois virgule cinq pour cent , deux virgule"),
            ("fr", "vingt - deux premier deuxième mille un"),
            ("fr", "un deux trois soixante dix-sept quatre-vingt-douze"),
            ("fr", "zéro zéro trente quatre-vingt-dix-sept neuf"),
            ("en", "a hundred and five people , one point two five million and"),
            ("en", "twenty first second thirty-three third point five"),
            ("de", "zwei komma fünf millionen und drei"),
            ("es", "veintiuno coma cinco mil y dos"),
        ];
        for &(code, text) in cases {
            let lang = text2num::get_interpreter_for(code).expect("a text2num language");
            let toks: Vec<&str> = text.split(' ').collect();
            for marked in [None, Some(2), Some(3)] {
                let word = |i: usize| Word { text: toks[i], nan: Some(i) == marked };
                let nan = |i| Some(i) == marked;
                let fast = find(
                    &lang,
                    code,
                    toks.len(),
                    nan,
                    |i| toks[i],
                    |i| toks[i].as_bytes(),
                    |_, _, _| true,
                );
                let full = text2num::find_numbers((0..toks.len()).map(word), &lang, 0.0);
                let key = |o: &Occurence| (o.start, o.end, o.text.clone(), o.is_ordinal);
                assert_eq!(
                    fast.iter().map(key).collect::<Vec<_>>(),
                    full.iter().map(key).collect::<Vec<_>>(),
                    "{code} {text:?} {marked:?}"
                );
                assert!(!full.is_empty(), "{code} {text:?}");
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
        with_thread("fr", |asked, _| {
            for round in 0..2 {
                for w in &words {
                    assert_eq!(
                        rejected(asked, &fr, w.as_bytes(), || w),
                        ask(&fr, w),
                        "round {round}: {w:?}"
                    );
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
        assert!(rejected(&mut asked, &fr, b"unn", || "unn"));
    }

    #[test]
    fn plain_words_are_rejected_and_number_words_are_not() {
        let fr = text2num::get_interpreter_for("fr").expect("French");
        let is_rejected = |lang: &Language, code: &str, w: &str| {
            with_thread(code, |asked, _| rejected(asked, lang, w.as_bytes(), || w))
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
