//! Vietnamese input methods as a keyboard-wedge scanner meets them: Telex and VNI rewrite the scanner's
//! keystrokes (`aa` → `â`, `e1` → `é`) before the desk sees them. [`type_through`] models that rewriting
//! (Unikey's defaults, simplified: a mark lands on the word typed since the last non-letter);
//! [`sources`] undoes it for one field, listing every text that types to what was received.
//!
//! The model, per word (a run of ASCII letters; anything else is passed through and ends the word):
//! - Telex: `aa` `ee` `oo` add a circumflex to the letter just typed, `dd` makes `đ`, `aw` `ow` `uw` a
//!   breve or horn; `s f r x j` put a tone (acute, grave, hook, tilde, dot) on the last vowel of the
//!   word, `z` removes it. A mark keyed a second time is removed and the key typed as itself.
//! - VNI: digits after letters are marks: `1`–`5` tones, `6` circumflex (last `a e o`), `7` horn (last
//!   `o u`), `8` breve (last `a`), `9` stroke (first `d`), `0` removes the tone. A digit that marks
//!   nothing, or keys a mark a second time (which removes it), is typed as itself and ends the word.

use unicode_normalization::UnicodeNormalization;

/// A Vietnamese input method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Telex,
    Vni,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Telex => "Telex",
            Method::Vni => "VNI",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Plain,
    Circumflex,
    Breve,
    Horn,
    Stroke,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    None,
    Acute,
    Grave,
    Hook,
    Tilde,
    Dot,
}

/// A letter being typed: an ASCII base (its case kept) and its marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Letter {
    base: char,
    shape: Shape,
    tone: Tone,
}

impl Letter {
    fn plain(base: char) -> Letter {
        Letter { base, shape: Shape::Plain, tone: Tone::None }
    }
    fn lower(self) -> char {
        self.base.to_ascii_lowercase()
    }
    fn is_vowel(self) -> bool {
        matches!(self.lower(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
    }
    /// The precomposed character; `None` for a mark the letter cannot carry (never made by the model).
    fn char(self) -> Option<char> {
        if self.shape == Shape::Stroke {
            return match self.base {
                'd' => Some('đ'),
                'D' => Some('Đ'),
                _ => None,
            };
        }
        let mut s = String::with_capacity(8);
        s.push(self.base);
        s.extend(match self.shape {
            Shape::Circumflex => Some('\u{302}'),
            Shape::Breve => Some('\u{306}'),
            Shape::Horn => Some('\u{31B}'),
            _ => None,
        });
        s.extend(match self.tone {
            Tone::Acute => Some('\u{301}'),
            Tone::Grave => Some('\u{300}'),
            Tone::Hook => Some('\u{309}'),
            Tone::Tilde => Some('\u{303}'),
            Tone::Dot => Some('\u{323}'),
            Tone::None => None,
        });
        let mut composed = s.nfc();
        let c = composed.next()?;
        composed.next().is_none().then_some(c)
    }
}

/// Reads a received character back into a letter with marks; `None` for anything else.
fn letter_of(c: char) -> Option<Letter> {
    match c {
        'đ' => return Some(Letter { base: 'd', shape: Shape::Stroke, tone: Tone::None }),
        'Đ' => return Some(Letter { base: 'D', shape: Shape::Stroke, tone: Tone::None }),
        _ => {}
    }
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next().filter(char::is_ascii_alphabetic)?;
    let mut letter = Letter::plain(base);
    for mark in parts {
        match mark {
            '\u{302}' => letter.shape = Shape::Circumflex,
            '\u{306}' => letter.shape = Shape::Breve,
            '\u{31B}' => letter.shape = Shape::Horn,
            '\u{301}' => letter.tone = Tone::Acute,
            '\u{300}' => letter.tone = Tone::Grave,
            '\u{309}' => letter.tone = Tone::Hook,
            '\u{303}' => letter.tone = Tone::Tilde,
            '\u{323}' => letter.tone = Tone::Dot,
            _ => return None,
        }
    }
    Some(letter)
}

/// What a key did to the word being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// A letter appended, or a mark added or changed: the word goes on.
    Typed,
    /// A VNI digit that marks nothing (or removed a mark): typed as itself; the word ends.
    Literal,
}

/// A word being typed through `method`.
#[derive(Debug, Clone, Default)]
struct Word {
    letters: Vec<Letter>,
}

impl Word {
    fn last_vowel(&mut self) -> Option<&mut Letter> {
        self.letters.iter_mut().rev().find(|l| l.is_vowel())
    }

    fn toggle_tone(&mut self, tone: Tone) -> Option<bool> {
        let v = self.last_vowel()?;
        if v.tone == tone {
            v.tone = Tone::None;
            Some(false)
        } else {
            v.tone = tone;
            Some(true)
        }
    }

    /// A Telex key (an ASCII letter).
    fn telex(&mut self, key: char) {
        let k = key.to_ascii_lowercase();
        let last = self.letters.last().copied();
        let same_base = last.is_some_and(|l| l.lower() == k);
        let shape_key = match k {
            'a' | 'e' | 'o' if same_base => Some(Shape::Circumflex),
            'd' if same_base => Some(Shape::Stroke),
            'w' if last.is_some_and(|l| matches!(l.lower(), 'a' | 'o' | 'u')) => {
                Some(if last.is_some_and(|l| l.lower() == 'a') { Shape::Breve } else { Shape::Horn })
            }
            _ => None,
        };
        if let (Some(shape), Some(l)) = (shape_key, self.letters.last_mut()) {
            if l.shape == shape {
                l.shape = Shape::Plain;
                self.letters.push(Letter::plain(key));
            } else {
                l.shape = shape;
            }
            return;
        }
        let tone = match k {
            's' => Some(Tone::Acute),
            'f' => Some(Tone::Grave),
            'r' => Some(Tone::Hook),
            'x' => Some(Tone::Tilde),
            'j' => Some(Tone::Dot),
            _ => None,
        };
        if let Some(tone) = tone {
            match self.toggle_tone(tone) {
                Some(true) => {}
                Some(false) | None => self.letters.push(Letter::plain(key)),
            }
            return;
        }
        if k == 'z'
            && let Some(v) = self.letters.iter_mut().find(|l| l.tone != Tone::None)
        {
            v.tone = Tone::None;
            return;
        }
        self.letters.push(Letter::plain(key));
    }

    /// A VNI digit after at least one letter.
    fn vni(&mut self, digit: char) -> Effect {
        let tone = match digit {
            '1' => Some(Tone::Acute),
            '2' => Some(Tone::Grave),
            '3' => Some(Tone::Hook),
            '4' => Some(Tone::Tilde),
            '5' => Some(Tone::Dot),
            _ => None,
        };
        if let Some(tone) = tone {
            return match self.toggle_tone(tone) {
                Some(true) => Effect::Typed,
                _ => Effect::Literal,
            };
        }
        let (targets, shape): (&[char], Shape) = match digit {
            '6' => (&['a', 'e', 'o'], Shape::Circumflex),
            '7' => (&['o', 'u'], Shape::Horn),
            '8' => (&['a'], Shape::Breve),
            '9' => (&['d'], Shape::Stroke),
            _ => (&[], Shape::Plain),
        };
        if digit == '0' {
            return match self.letters.iter_mut().find(|l| l.tone != Tone::None) {
                Some(v) => {
                    v.tone = Tone::None;
                    Effect::Typed
                }
                None => Effect::Literal,
            };
        }
        let target = if shape == Shape::Stroke {
            // The first d of the word (`di9` → `đi`).
            self.letters.iter_mut().find(|l| l.lower() == 'd')
        } else {
            self.letters.iter_mut().rev().find(|l| targets.contains(&l.lower()))
        };
        match target {
            Some(l) if l.shape == shape => {
                l.shape = Shape::Plain;
                Effect::Literal
            }
            Some(l) => {
                l.shape = shape;
                Effect::Typed
            }
            None => Effect::Literal,
        }
    }

    fn push_to(&self, out: &mut String) {
        out.extend(self.letters.iter().filter_map(|l| l.char()));
    }

    /// The text so far, as characters.
    fn chars(&self) -> Vec<char> {
        self.letters.iter().filter_map(|l| l.char()).collect()
    }
}

/// What `text`, typed key by key, becomes through `method` (the model in the module's doc).
pub fn type_through(text: &str, method: Method) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = Word::default();
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            match method {
                Method::Telex => word.telex(c),
                Method::Vni => word.letters.push(Letter::plain(c)),
            }
            continue;
        }
        if method == Method::Vni
            && c.is_ascii_digit()
            && !word.letters.is_empty()
            && word.vni(c) == Effect::Typed
        {
            continue;
        }
        word.push_to(&mut out);
        word = Word::default();
        out.push(c);
    }
    word.push_to(&mut out);
    out
}

/// `text` with every mark an input method can make taken off (`TÉ` → `TE`, `đ` → `d`).
pub fn unmarked(text: &str) -> String {
    text.chars().map(|c| letter_of(c).map_or(c, |l| l.base)).collect()
}

/// True when `text` holds a character an input method makes from ASCII keys (a Vietnamese letter with a
/// mark, or đ).
pub fn has_marks(text: &str) -> bool {
    text.chars().any(|c| !c.is_ascii() && letter_of(c).is_some())
}

/// Every text over `alphabet` that types to `received` through `method`, each a whole field: `None`
/// when there are more than `limit` (or possibly more than the search can list: a VNI word with a vowel
/// can hide any number of marks keyed and removed again), unless `exact_len` bounds the length of the
/// original, which then makes the list complete.
pub fn sources(
    received: &str,
    method: Method,
    alphabet: fn(char) -> bool,
    exact_len: Option<usize>,
    limit: usize,
) -> Option<Vec<String>> {
    // Split into words (runs of letters, marked or not) and what lies between them, kept as received.
    let mut pieces: Vec<(bool, String)> = Vec::new();
    for c in received.chars() {
        let is_letter = letter_of(c).is_some();
        match pieces.last_mut() {
            Some((true, s)) if is_letter => s.push(c),
            Some((false, s)) if !is_letter => s.push(c),
            _ => pieces.push((is_letter, c.to_string())),
        }
    }
    let received_len = received.chars().count();
    // The keys a field may hide: all of them when its length is known, else a bound that is checked.
    let spare = exact_len.map(|n| n.saturating_sub(received_len));
    let mut fields: Vec<String> = vec![String::new()];
    let followers: Vec<Option<char>> =
        (0..pieces.len()).map(|i| pieces.get(i + 1).and_then(|(_, p)| p.chars().next())).collect();
    for ((is_word, piece), next) in pieces.into_iter().zip(followers) {
        let options = if is_word {
            let target: Vec<char> = piece.chars().collect();
            word_sources(&target, next, method, alphabet, spare, limit)?
        } else {
            // What lies between words passes through unchanged (`79 – 034`'s dash too); its letters and
            // digits must belong to the field.
            if !piece.chars().all(|c| !c.is_ascii_alphanumeric() || alphabet(c)) {
                return Some(Vec::new());
            }
            vec![piece]
        };
        let mut next = Vec::with_capacity(fields.len() * options.len());
        for f in &fields {
            for o in &options {
                if exact_len.is_some_and(|n| f.chars().count() + o.chars().count() > n) {
                    continue;
                }
                next.push(format!("{f}{o}"));
            }
        }
        if next.len() > limit {
            return None;
        }
        fields = next;
    }
    fields
        .retain(|f| exact_len.is_none_or(|n| f.chars().count() == n) && type_through(f, method) == received);
    Some(fields)
}

/// The most key sequences [`word_sources`] tries for one word.
const MAX_NODES: usize = 50_000;

/// Every key sequence over `alphabet` that types the word `target` from an empty word (`next` is what
/// was received right after it). With `spare`
/// (the keys the word may hide) the search is bounded by the field's length; without, by twice the
/// word's length plus two, and `None` when some sequence at that bound could still go on (the list
/// would not be complete) or when there are more than `limit`.
fn word_sources(
    target: &[char],
    next: Option<char>,
    method: Method,
    alphabet: fn(char) -> bool,
    spare: Option<usize>,
    limit: usize,
) -> Option<Vec<String>> {
    let target_letters: Vec<Letter> = target.iter().map(|&c| letter_of(c)).collect::<Option<_>>()?;
    if !target_letters.iter().all(|l| alphabet(l.base)) {
        return Some(Vec::new()); // plain text, not typed from this alphabet
    }
    if method == Method::Vni && spare.is_none() && target_letters.iter().any(|l| l.is_vowel()) {
        // `e10`, `e20`… all type `e`: a VNI word with a vowel has originals without end.
        return None;
    }
    let max_keys = match spare {
        Some(s) => target.len() + s,
        None => 2 * target.len() + 2,
    };
    let mut keys: Vec<char> = match method {
        Method::Telex => "aeodwsfrxjzAEODWSFRXJZ".chars().collect(),
        Method::Vni => "0123456789".chars().collect(),
    };
    keys.retain(|&k| alphabet(k));
    let mut found = Vec::new();
    let mut open_at_bound = false;
    let mut stack: Vec<(Word, String)> = vec![(Word::default(), String::new())];
    let mut visited = 0_usize;
    while let Some((word, typed)) = stack.pop() {
        visited += 1;
        if visited > MAX_NODES {
            return None; // too many ways to type it to call any one the original
        }
        let out = word.chars();
        // Marks never move a letter: the bases typed so far must start the target's.
        let consistent = word.letters.len() <= target_letters.len()
            && word.letters.iter().zip(&target_letters).all(|(a, b)| a.base == b.base);
        if !consistent {
            continue;
        }
        // A VNI digit typed right after the word may have removed a mark it keyed again (`é` + `1` →
        // `e1`): the word then ends as the target only once that digit is typed.
        let undone_by_next = method == Method::Vni
            && next.is_some_and(|d| d.is_ascii_digit())
            && !word.letters.is_empty()
            && {
                let mut w = word.clone();
                next.is_some_and(|d| w.vni(d) == Effect::Literal) && w.chars() == target
            };
        if out == target || undone_by_next {
            found.push(typed.clone());
            if found.len() > limit {
                return None;
            }
        }
        if typed.chars().count() >= max_keys {
            open_at_bound = true;
            continue;
        }
        let mut next_keys: Vec<char> = keys.clone();
        if let Some(next) = target_letters.get(word.letters.len())
            && alphabet(next.base)
            && !next_keys.contains(&next.base)
        {
            next_keys.push(next.base);
        }
        for k in next_keys {
            let mut w = word.clone();
            if k.is_ascii_alphabetic() {
                match method {
                    Method::Telex => w.telex(k),
                    Method::Vni => w.letters.push(Letter::plain(k)),
                }
            } else if w.letters.is_empty() || w.vni(k) == Effect::Literal {
                // Inside a word a digit must mark something; a literal digit would end it.
                continue;
            }
            stack.push((w, format!("{typed}{k}")));
        }
    }
    if spare.is_none() && open_at_bound {
        return None;
    }
    found.sort();
    found.dedup();
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(c: char) -> bool {
        c.is_ascii_hexdigit()
    }

    #[test]
    fn telex_and_vni_rewrite_like_unikey() {
        assert_eq!(type_through("c3aa", Method::Telex), "c3â");
        assert_eq!(type_through("e1baaf", Method::Telex), "e1bầ");
        assert_eq!(type_through("dd aaa aff", Method::Telex), "đ aa af");
        assert_eq!(type_through("toans Vieejt", Method::Telex), "toán Việt");
        assert_eq!(type_through("DN401AA31900313", Method::Telex), "DN401Â31900313");
        assert_eq!(type_through("4e677579e1bb856e", Method::Vni), "4ê77579ébb856e");
        assert_eq!(type_through("TE1790123456789", Method::Vni), "TÉ790123456789");
        assert_eq!(type_through("Vie65t d9i", Method::Vni), "Việt đi");
        assert_eq!(type_through("e10", Method::Vni), "e");
        assert_eq!(type_through("a11", Method::Vni), "a1");
    }

    #[test]
    fn telex_hex_is_undone_completely() {
        let original = "4e677579e1bb856e2056c483e1baaf6e20c3aa";
        let received = type_through(original, Method::Telex);
        assert_ne!(received, original);
        let found = sources(&received, Method::Telex, hex, None, 64).expect("a complete list");
        assert!(found.contains(&original.to_string()), "{found:?}");
        assert!(found.iter().all(|f| type_through(f, Method::Telex) == received));
    }

    #[test]
    fn vni_with_vowels_is_never_called_complete() {
        let received = type_through("6e20", Method::Vni);
        assert_eq!(received, "6e");
        assert_eq!(sources(&received, Method::Vni, hex, None, 64), None);
        // With the length known, the list is complete.
        let code = type_through("TE1790123456789", Method::Vni);
        let found =
            sources(&code, Method::Vni, |c| c.is_ascii_uppercase() || c.is_ascii_digit(), Some(15), 64);
        assert_eq!(found, Some(vec!["TE1790123456789".to_string()]));
    }
}
