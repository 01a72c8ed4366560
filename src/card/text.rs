//! Text hygiene for payloads: cleaning scanner input, hex-encoded UTF-8 fields, Vietnamese name checks
//! and comparison.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest payload accepted, in characters. A QR code holds at most 7,089 characters (numeric mode);
/// anything longer is not a card and is rejected before any further work.
pub const MAX_PAYLOAD_CHARS: usize = 8_000;

/// Removes what scanners and pastes add around a payload (NUL, CR, LF, a byte-order mark, outer
/// spaces) and normalises the rest to Unicode NFC.
pub fn clean(input: &str) -> String {
    let kept: String = input.chars().filter(|c| !matches!(c, '\0' | '\r' | '\n' | '\u{feff}')).collect();
    kept.trim().nfc().collect()
}

/// Why a hex field could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HexError {
    /// Contains a character that is not a hex digit: probably plain text.
    NotHex,
    /// Odd number of hex digits.
    OddLength,
    /// The bytes are not UTF-8.
    NotUtf8,
}

/// Decodes a field written as the hex of its UTF-8 bytes (upper or lower case) and normalises it to NFC.
pub fn decode_hex_utf8(field: &str) -> Result<String, HexError> {
    let digits = field.as_bytes();
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(HexError::NotHex);
    }
    if !digits.len().is_multiple_of(2) {
        return Err(HexError::OddLength);
    }
    let bytes: Vec<u8> =
        digits.chunks_exact(2).map(|pair| (hex_value(pair[0]) << 4) | hex_value(pair[1])).collect();
    let text = String::from_utf8(bytes).map_err(|_| HexError::NotUtf8)?;
    Ok(text.nfc().collect())
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0, // never reached: callers check `is_ascii_hexdigit` first
    }
}

/// Marks that Vietnamese writing puts on a Latin base letter, after canonical decomposition:
/// five tone marks (grave, acute, tilde, hook above, dot below) and three vowel marks
/// (circumflex, breve, horn).
const VIETNAMESE_MARKS: [char; 8] =
    ['\u{0300}', '\u{0301}', '\u{0303}', '\u{0309}', '\u{0323}', '\u{0302}', '\u{0306}', '\u{031B}'];

/// Longest personal name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// True when `name` looks like a person's name written with the Vietnamese alphabet: Latin letters
/// (with Vietnamese marks only, and đ/Đ), single spaces, and the odd apostrophe, hyphen or dot.
/// Rejects mojibake such as `Nguyá»…n` and text rewritten by an input method.
pub fn is_plausible_name(name: &str) -> bool {
    let count = name.chars().count();
    if count == 0 || count > MAX_NAME_CHARS || name.trim() != name || name.contains("  ") {
        return false;
    }
    let mut letters = 0;
    for c in name.nfd() {
        match c {
            'a'..='z' | 'A'..='Z' | 'đ' | 'Đ' => letters += 1,
            ' ' | '\'' | '-' | '.' => {}
            m if VIETNAMESE_MARKS.contains(&m) => {}
            _ => return false,
        }
    }
    letters > 0
}

/// The form two names are compared in: NFC, lower case, runs of white space collapsed to one space.
pub fn fold_name(name: &str) -> String {
    let lower: String = name.nfc().flat_map(char::to_lowercase).collect();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// [`fold_name`] without diacritics (đ becomes d): for search, never for deciding identity.
pub fn fold_name_ascii(name: &str) -> String {
    fold_name(name).nfd().filter(|c| !is_combining_mark(*c)).map(|c| if c == 'đ' { 'd' } else { c }).collect()
}

/// How two renderings of a person's name relate (spec §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameMatch {
    /// Equal after NFC, case folding and space collapsing.
    Same,
    /// Different, but the first letter is the same (VSS 061).
    FirstLetterOnly,
    /// Different from the first letter on (VSS 060).
    Different,
}

/// Compares two names the way the VSS gateway reports it: equal, same first letter, or different.
pub fn compare_names(a: &str, b: &str) -> NameMatch {
    let (a, b) = (fold_name(a), fold_name(b));
    if a == b {
        NameMatch::Same
    } else if a.chars().next().is_some() && a.chars().next() == b.chars().next() {
        NameMatch::FirstLetterOnly
    } else {
        NameMatch::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_scanner_noise_and_composes() {
        assert_eq!(clean("\u{feff}  abc|$\r\n\0"), "abc|$");
        // "Nữ" written decomposed becomes the single precomposed letter.
        assert_eq!(clean("Nu\u{031B}\u{0303}"), "Nữ");
    }

    #[test]
    fn hex_decodes_and_reports_each_failure() {
        assert_eq!(decode_hex_utf8("4e677579e1bb856e").as_deref(), Ok("Nguyễn"));
        assert_eq!(decode_hex_utf8("4E677579E1BB856E").as_deref(), Ok("Nguyễn"));
        assert_eq!(decode_hex_utf8("Nguyen"), Err(HexError::NotHex));
        assert_eq!(decode_hex_utf8("4e6"), Err(HexError::OddLength));
        assert_eq!(decode_hex_utf8("ff"), Err(HexError::NotUtf8));
    }

    #[test]
    fn names_are_checked_against_the_vietnamese_alphabet() {
        assert!(is_plausible_name("Nguyễn Văn An"));
        assert!(is_plausible_name("Đặng Thị Ngọc Hưởng"));
        assert!(!is_plausible_name("Nguyá»…n VÄƒn An"));
        assert!(!is_plausible_name("Nguyen  An"));
        assert!(!is_plausible_name("An 1990"));
        assert!(!is_plausible_name(""));
    }

    #[test]
    fn names_compare_like_the_vss_gateway() {
        assert_eq!(compare_names("NGUYỄN  văn an", "Nguyễn Văn An"), NameMatch::Same);
        assert_eq!(compare_names("Nguyen Van An", "Nguyễn Văn An"), NameMatch::FirstLetterOnly);
        assert_eq!(compare_names("Dang Van An", "Đặng Văn An"), NameMatch::Different);
        assert_eq!(fold_name_ascii("Đặng Văn Ân"), "dang van an");
    }
}
