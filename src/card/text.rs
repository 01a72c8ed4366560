//! Text hygiene for payloads: cleaning scanner input, hex-encoded UTF-8 fields, Vietnamese name checks
//! and comparison.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Longest payload accepted, in characters. A QR code holds at most 7,089 characters (numeric mode);
/// anything longer is not a card and is rejected before any further work.
pub const MAX_PAYLOAD_CHARS: usize = 8_000;

/// Removes what scanners and pastes add around a payload (NUL, CR, LF, a byte-order mark, outer
/// spaces) and normalises the rest to Unicode NFC.
pub fn clean(input: &str) -> String {
    let noise = |c: char| matches!(c, '\0' | '\r' | '\n' | '\u{feff}');
    let trimmed = input.trim();
    // Fast path: most text is already clean and composed.
    // Precomposed Vietnamese letters and plain printable ASCII are already NFC, and are almost all text.
    let composed =
        trimmed.chars().all(|c| (c.is_ascii() && !c.is_ascii_control()) || is_vietnamese_letter(c));
    if composed || (!trimmed.contains(noise) && is_nfc_quick(trimmed.chars()) == IsNormalized::Yes) {
        return trimmed.to_string();
    }
    let kept: String = input.chars().filter(|c| !noise(*c)).collect();
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

/// Precomposed Latin-1 and Latin Extended letters of the Vietnamese alphabet (the rest of the accented
/// letters are the block U+1EA0–U+1EF9).
const VIETNAMESE_LATIN: &str = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư";

/// True for a letter of the Vietnamese alphabet (plain Latin letters included), precomposed.
pub fn is_vietnamese_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
        || (('\u{C0}'..='\u{1B0}').contains(&c) && VIETNAMESE_LATIN.contains(c))
}

/// Longest personal name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// True when `name` (NFC) looks like a person's name written with the Vietnamese alphabet: Latin letters
/// with Vietnamese marks only, single spaces, and the odd apostrophe, hyphen or dot. Rejects mojibake
/// such as `Nguyá»…n` and text rewritten by an input method.
pub fn is_plausible_name(name: &str) -> bool {
    let mut letters = 0_usize;
    let mut count = 0_usize;
    let mut previous_space = true;
    for c in name.chars() {
        count += 1;
        if is_vietnamese_letter(c) {
            letters += 1;
            previous_space = false;
        } else if c == ' ' {
            if previous_space {
                return false; // leading or double space
            }
            previous_space = true;
        } else if matches!(c, '\'' | '-' | '.') {
            previous_space = false;
        } else {
            return false;
        }
    }
    letters > 0 && count <= MAX_NAME_CHARS && !previous_space
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
