//! Keyboard-wedge damage: text a USB scanner typed through the PC's input method or code page, undone
//! where exactly one original reads as a card, refused with the fix where not (issue 15). Never guesses:
//! every repair is checked by typing the candidate back through the same damage.

use super::ime::{self, Method};
use super::reject::{Rejection, Warning};
use super::text::{decode_hex_utf8, is_vietnamese_letter};
use super::{Card, codes, number};

/// What [`repair`] made of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Nothing to repair (or nothing known to be wrong).
    Intact,
    /// The original text, and what was undone.
    Repaired { text: String, note: Warning, input_method: bool },
    /// Damaged by an input method in a way that cannot be undone with certainty.
    Refused(Rejection),
}

/// A repair of the whole text: the text it would have been, if the damage is found.
type Fix = fn(&str) -> Option<String>;

/// The longest text repaired (a BHYT QR is 150–450 characters).
const MAX_REPAIRED_CHARS: usize = 1_200;

/// Candidates kept per field before a repair is called ambiguous.
const LIMIT: usize = 512;

/// Looks for known damage in `cleaned` and undoes it. `reads` parses a candidate (the detection without
/// repair).
pub fn repair(cleaned: &str, reads: &dyn Fn(&str) -> Result<Card, Rejection>) -> Repair {
    if cleaned.chars().nth(MAX_REPAIRED_CHARS).is_some() {
        return Repair::Intact; // far longer than any card's QR: nothing to repair
    }
    let first = cleaned.split('|').next().unwrap_or_default().trim();
    let citizen_shaped = number::is_digits(first, 12);
    if !citizen_shaped && ime::has_marks(cleaned) {
        return undo_input_method(cleaned, reads);
    }
    let ordinary = match reads(cleaned) {
        Ok(_) => return Repair::Intact,
        Err(why) => why,
    };
    // VNI can leave no mark at all (`TE1010…` types `TE00…`: a tone keyed, then removed, eats the
    // digits): a typed card code that does not read is checked for that too, and the refusal says both.
    if !cleaned.contains('|') {
        match undo_input_method(cleaned, reads) {
            Repair::Intact => {}
            Repair::Refused(_) => {
                return Repair::Refused(Rejection::new(
                    ordinary.code,
                    format!(
                        "{} Nếu bộ gõ tiếng Việt (VNI) đang bật, nó có thể đã xoá chữ số: hãy chuyển bộ gõ \
                         sang tiếng Anh (E) rồi quét hoặc nhập lại.",
                        ordinary.detail_vi
                    ),
                    format!(
                        "{} If a Vietnamese input method (VNI) is on, it may have eaten digits: switch it to \
                         English (E) and scan or type again.",
                        ordinary.detail_en
                    ),
                ));
            }
            repaired => return repaired,
        }
    }
    let attempts: [(Fix, &str, &str); 2] = [
        (
            from_cp1252_mojibake,
            "Đã sửa chữ bị đọc sai bảng mã (UTF-8 đọc như Windows-1252, ví dụ “Ná»¯” thành “Nữ”).",
            "Repaired text read in the wrong code page (UTF-8 read as Windows-1252, “Ná»¯” for “Nữ”).",
        ),
        (
            from_alt_codes,
            "Đã sửa chữ có dấu mà máy quét gõ thành mã số Alt (ví dụ “Nguy7877n” thành “Nguyễn”).",
            "Repaired accented letters the scanner typed as Alt-code digits (“Nguy7877n” for “Nguyễn”).",
        ),
    ];
    for (fix, vi, en) in attempts {
        if let Some(text) = fix(cleaned)
            && text != cleaned
            && reads(&text).is_ok()
        {
            return Repair::Repaired { text, note: Warning::new("payload", vi, en), input_method: false };
        }
    }
    // A stray `|` inside a word: the one removal that makes a card.
    let bars: Vec<usize> = cleaned
        .char_indices()
        .filter(|&(i, c)| {
            c == '|'
                && cleaned[..i].chars().next_back().is_some_and(char::is_alphabetic)
                && cleaned[i + 1..].chars().next().is_some_and(char::is_alphabetic)
        })
        .map(|(i, _)| i)
        .collect();
    // Only a removal after which nothing at all is odd: a merge of two real fields reads too, with
    // warnings (`Nam|Hà Nội` → an unknown sex).
    let fixed: Vec<String> = bars
        .iter()
        .map(|&i| format!("{}{}", &cleaned[..i], &cleaned[i + 1..]))
        .filter(|t| reads(t).is_ok_and(|card| card.warnings().is_empty()))
        .collect();
    if let [text] = fixed.as_slice() {
        return Repair::Repaired {
            text: text.clone(),
            note: Warning::new(
                "payload",
                "Đã bỏ một dấu “|” thừa giữa một từ (máy quét gõ sai một ký tự).",
                "Removed a stray “|” inside a word (the scanner mistyped a character).",
            ),
            input_method: false,
        };
    }
    Repair::Intact
}

/// The refusal when an input method's rewriting cannot be undone: what to switch.
pub fn input_method_refusal() -> Rejection {
    Rejection::unreadable(
        "Bộ gõ tiếng Việt (Unikey/EVKey, kiểu Telex hoặc VNI) đã sửa dữ liệu máy quét và không khôi phục \
         chắc chắn được. Hãy chuyển bộ gõ sang tiếng Anh (E) rồi quét lại.",
        "A Vietnamese input method (Unikey/EVKey, Telex or VNI) rewrote the scanner's text and it cannot \
         be restored with certainty. Switch the input method to English (E) and scan again.",
    )
}

/// Which characters a BHYT field may hold, what it must be, and how long it is when that is fixed.
struct FieldRule {
    alphabet: fn(char) -> bool,
    exact_len: Option<usize>,
    /// The field's value for comparing candidates (hex fields compare decoded), or `None` when invalid.
    value: fn(&str) -> Option<String>,
}

fn hex_digit(c: char) -> bool {
    c.is_ascii_hexdigit()
}

fn code_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// A field of digits, dates or spaces: no letter, so nothing an input method could have marked.
fn no_letter(c: char) -> bool {
    c.is_ascii() && !c.is_ascii_alphabetic()
}

fn card_code_value(s: &str) -> Option<String> {
    let upper = s.to_ascii_uppercase();
    number::CardCode::parse(&upper).ok().map(|_| upper)
}

/// A hex field's text when it decodes to readable Vietnamese or ASCII text.
fn hex_text_value(s: &str) -> Option<String> {
    let text = decode_hex_utf8(s).ok()?;
    let readable = text.chars().all(|c| {
        is_vietnamese_letter(c) || (c.is_ascii() && !c.is_ascii_control()) || matches!(c, '–' | '’')
    });
    readable.then_some(text)
}

fn verbatim_value(s: &str) -> Option<String> {
    Some(s.to_ascii_uppercase())
}

/// The rule of field `i` of a BHYT payload (spec §2.3).
fn rule(i: usize) -> FieldRule {
    match i {
        0 => FieldRule { alphabet: code_char, exact_len: Some(15), value: card_code_value },
        1 | 4 | 10 | 15 => FieldRule { alphabet: hex_digit, exact_len: None, value: hex_text_value },
        13 => FieldRule { alphabet: hex_digit, exact_len: None, value: verbatim_value },
        5 => FieldRule { alphabet: code_char, exact_len: None, value: verbatim_value },
        _ => FieldRule { alphabet: no_letter, exact_len: None, value: verbatim_value },
    }
}

/// Undoes Telex or VNI on a BHYT payload or a typed card code: each damaged field's originals are
/// listed (complete, see [`ime::sources`]) and must agree on one value; the whole is then typed back
/// through the method and must give exactly what was received, and read as a card. Both methods are
/// tried; they must not disagree. Text neither method can have made is left to the parser.
fn undo_input_method(cleaned: &str, reads: &dyn Fn(&str) -> Result<Card, Rejection>) -> Repair {
    // A typed number is compared without the spaces typed between its groups.
    let received: String = if cleaned.contains('|') {
        cleaned.to_string()
    } else {
        cleaned.chars().filter(|c| !c.is_whitespace()).collect()
    };
    let mut found: Vec<(Method, String, Card)> = Vec::new();
    let mut possible = false;
    for method in [Method::Telex, Method::Vni] {
        match undo_with(cleaned, method) {
            Undone::Impossible => {}
            Undone::One(text) if text == received => {}
            Undone::Unsure => possible = true,
            Undone::One(text) => {
                possible = true;
                if ime::type_through(&text, method) == received
                    && let Ok(card) = reads(&text)
                {
                    found.push((method, text, card));
                }
            }
        }
    }
    if !possible {
        return Repair::Intact;
    }
    let agree = found.windows(2).all(|w| w[0].2 == w[1].2);
    match found.first() {
        Some((_, text, _)) if agree => {
            let names = found.iter().map(|f| f.0.name()).collect::<Vec<_>>().join("/");
            Repair::Repaired {
                text: text.clone(),
                note: Warning::new(
                    "payload",
                    format!(
                        "Đã khôi phục dữ liệu bị bộ gõ tiếng Việt ({names}) sửa. Hãy chuyển bộ gõ sang tiếng \
                         Anh (E) khi quét."
                    ),
                    format!(
                        "Restored text a Vietnamese input method ({names}) had rewritten. Switch the input \
                         method to English (E) while scanning."
                    ),
                ),
                input_method: true,
            }
        }
        _ => Repair::Refused(input_method_refusal()),
    }
}

/// What undoing one method gave.
enum Undone {
    /// No text the method could type gives this (a damaged field has no original at all).
    Impossible,
    /// Originals exist, but not exactly one valid value for every field (or too many to list).
    Unsure,
    One(String),
}

/// The one original of every field of `cleaned` under `method`.
fn undo_with(cleaned: &str, method: Method) -> Undone {
    let typed_number = !cleaned.contains('|');
    let mut out: Vec<String> = Vec::new();
    for (i, field) in cleaned.split('|').enumerate() {
        // A field without a mark is taken as typed, but for the card code (field 0, or a typed number):
        // VNI may have eaten digits of it without leaving one.
        let code_as_typed = number::is_digits(field.trim(), 10) || card_code_value(field.trim()).is_some();
        if field.is_ascii() && (i > 0 || code_as_typed) {
            out.push(field.to_string());
            continue;
        }
        let (rule, field) = if typed_number {
            // A typed card code: letters of either case; spaces typed between groups are dropped.
            let squeezed: String = field.chars().filter(|c| !c.is_whitespace()).collect();
            // A card code starts with a known group code (`TE`, `DN`…), whatever VNI ate after it.
            let plain = ime::unmarked(&squeezed);
            let group: String = plain.chars().take(2).collect::<String>().to_ascii_uppercase();
            let alphanumeric = plain.chars().all(|c| c.is_ascii_alphanumeric());
            if squeezed.chars().count() > 15 || !alphanumeric || codes::group(&group).is_none() {
                return Undone::Impossible; // no card code was typed
            }
            (FieldRule { alphabet: code_char, exact_len: Some(15), value: card_code_value }, squeezed)
        } else {
            (rule(i), field.to_string())
        };
        let options = match ime::sources(&field, method, rule.alphabet, rule.exact_len, LIMIT) {
            None => return Undone::Unsure,
            Some(o) if o.is_empty() => return Undone::Impossible,
            Some(o) => o,
        };
        match one_value(&field, options, rule.value) {
            Choice::One(o) => out.push(o),
            Choice::Several => return Undone::Unsure,
            // Originals, but none valid: without a mark, nothing says an input method was at work.
            Choice::NoneValid if !ime::has_marks(&field) => return Undone::Impossible,
            Choice::NoneValid => return Undone::Unsure,
        }
    }
    Undone::One(out.join("|"))
}

/// Which of a field's originals are valid.
enum Choice {
    /// All valid ones have one value: this one.
    One(String),
    /// Valid ones with different values.
    Several,
    NoneValid,
}

/// The candidate when every valid one has the same value; of those, the one whose letters keep the case
/// the received field is written in (a modifier key's case is not seen).
fn one_value(received: &str, options: Vec<String>, value: fn(&str) -> Option<String>) -> Choice {
    let mut valid: Vec<(String, String)> =
        options.into_iter().filter_map(|o| value(o.trim()).map(|v| (o, v))).collect();
    let Some(first) = valid.first().map(|(_, v)| v.clone()) else { return Choice::NoneValid };
    if !valid.iter().all(|(_, v)| *v == first) {
        return Choice::Several;
    }
    let upper = received.chars().filter(|c| c.is_uppercase()).count();
    let lower = received.chars().filter(|c| c.is_lowercase()).count();
    let off_case = |o: &String| {
        o.chars()
            .filter(|c| if upper > lower { c.is_ascii_lowercase() } else { c.is_ascii_uppercase() })
            .count()
    };
    valid.sort_by_key(|(o, _)| off_case(o));
    Choice::One(valid.swap_remove(0).0)
}

/// Text whose UTF-8 bytes were read as Windows-1252 (`Ná»¯` for `Nữ`), read again as UTF-8.
pub fn from_cp1252_mojibake(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None;
    }
    let bytes: Vec<u8> = text.chars().map(cp1252_byte).collect::<Option<_>>()?;
    String::from_utf8(bytes).ok()
}

/// Windows-1252's characters for bytes 0x80–0x9F (the rest is Latin-1; the five unassigned bytes are
/// kept as the C1 controls decoders map them to).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}',
    '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// The Windows-1252 byte of `c`, if it has one.
fn cp1252_byte(c: char) -> Option<u8> {
    match c as u32 {
        0..=0x7f | 0xa0..=0xff => Some(c as u8),
        _ => CP1252_HIGH.iter().position(|&h| h == c).map(|i| 0x80 + i as u8),
    }
}

/// Alt-code digits a scanner typed for accented letters (`Nguy7877n`): a run of 3–5 digits touching a
/// letter inside a word, read as the decimal code of a Vietnamese letter (Unicode, or Windows-1252 with
/// a leading 0).
pub fn from_alt_codes(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut changed = false;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run: String = chars[start..i].iter().collect();
        let touches_letter = (start > 0 && chars[start - 1].is_alphabetic())
            || chars.get(i).is_some_and(|c| c.is_alphabetic());
        let letter = (touches_letter && (3..=5).contains(&run.len()))
            .then(|| {
                let n: u32 = run.parse().ok()?;
                let c = if run.starts_with('0') {
                    cp1252_char(u8::try_from(n).ok()?)
                } else {
                    char::from_u32(n)?
                };
                is_vietnamese_letter(c).then_some(c)
            })
            .flatten();
        match letter {
            Some(c) => {
                out.push(c);
                changed = true;
            }
            None => out.push_str(&run),
        }
    }
    changed.then_some(out)
}

fn cp1252_char(b: u8) -> char {
    match b {
        0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_and_alt_codes_are_read_back() {
        assert_eq!(from_cp1252_mojibake("Ná»¯").as_deref(), Some("Nữ"));
        assert_eq!(from_cp1252_mojibake("Hà Nội"), None, "real Vietnamese is left alone");
        assert_eq!(from_alt_codes("Nguy7877n").as_deref(), Some("Nguyễn"));
        assert_eq!(from_alt_codes("H0224 N7897i").as_deref(), Some("Hà Nội"));
        assert_eq!(from_alt_codes("Số 123 Đường 4"), None, "numbers of an address stay numbers");
    }
}
