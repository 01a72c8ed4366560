//! Card and person numbers: the 15-character BHYT card code (validated character by character, VSS
//! 051/052/053), the 10-digit BHXH number, the 12-digit citizen id, the 9-digit old id, and the
//! classification of a number typed at the desk (spec §1.2, §3).

use super::codes;
use super::reject::{RejectCode, Rejection, quote};
use serde::Serialize;

/// A validated 15-character BHYT card code: group (2 letters), benefit (1 digit), province (2 digits),
/// then either the 10-digit BHXH number (the 2015 template of QĐ 1351) or, on a card of the template
/// before 2015, district (2 letters or digits), unit (3 letters or digits) and serial (5 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CardCode(String);

/// Which card template a code follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// QĐ 1351/QĐ-BHXH (2015): characters 6–15 are the BHXH number; benefit 1–5.
    Current,
    /// Before 2015: letters may stand in characters 6–10 and the benefit code may be 6–9; there is no
    /// BHXH number in the code, so the card cannot be looked up by one.
    Pre2015,
}

impl CardCode {
    /// Validates an upper-case card code (rules V1–V5 of spec §3.6, and the shape of the template before
    /// 2015, issue 15) and says which character is wrong.
    pub fn parse(s: &str) -> Result<CardCode, Rejection> {
        let count = s.chars().count();
        if count != 15 {
            return Err(Rejection::new(
                RejectCode::CardCode,
                format!("Mã thẻ phải có 15 ký tự, đang có {count}."),
                format!("A card code has 15 characters; this one has {count}."),
            ));
        }
        let chars: Vec<char> = s.chars().collect();
        // Characters 6–10 are digits on a 2015 card; an old card may have letters there.
        let old_shape = chars[5..10].iter().any(char::is_ascii_uppercase);
        for (i, &c) in chars.iter().enumerate() {
            let (ok, kind_vi, kind_en) = match i {
                0 | 1 => (c.is_ascii_uppercase(), "chữ in hoa không dấu (A–Z)", "a capital letter A–Z"),
                5..=9 if old_shape => (
                    c.is_ascii_uppercase() || c.is_ascii_digit(),
                    "chữ in hoa không dấu hoặc chữ số",
                    "a capital letter A–Z or a digit",
                ),
                _ => (c.is_ascii_digit(), "chữ số", "a digit"),
            };
            if !ok {
                return Err(Rejection::new(
                    RejectCode::CardCode,
                    format!("Ký tự thứ {} của mã thẻ phải là {kind_vi}, đang là “{c}”.", i + 1),
                    format!("Character {} of the card code must be {kind_en}, not “{c}”.", i + 1),
                ));
            }
        }
        let code = CardCode(s.to_string());
        if codes::group(code.group()).is_none() {
            return Err(Rejection::new(
                RejectCode::CardCode,
                format!("Mã đối tượng “{}” (ký tự thứ 1, 2) không có trong danh mục.", code.group()),
                format!("Group code “{}” (characters 1–2) is not a known group.", code.group()),
            ));
        }
        if code.benefit() == 0 {
            return Err(Rejection::new(
                RejectCode::Benefit,
                "Mã quyền lợi (ký tự thứ 3) phải từ 1 đến 5 (thẻ mẫu cũ: đến 9), đang là “0”.",
                "The benefit code (character 3) must be 1 to 5 (9 on an old card), not “0”.",
            ));
        }
        if codes::province_name(code.province()).is_none() {
            return Err(Rejection::new(
                RejectCode::Province,
                format!("Mã tỉnh cấp thẻ (ký tự thứ 4, 5) “{}” không đúng.", code.province()),
                format!("Province code “{}” (characters 4–5) is not a province.", code.province()),
            ));
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Which template: letters in characters 6–10, or a benefit code above 5, mean before 2015.
    pub fn template(&self) -> Template {
        let b = self.0.as_bytes();
        if b[5..10].iter().any(u8::is_ascii_uppercase) || self.benefit() > 5 {
            Template::Pre2015
        } else {
            Template::Current
        }
    }
    /// Characters 1–2: the beneficiary group.
    pub fn group(&self) -> &str {
        &self.0[..2]
    }
    /// Character 3: the benefit code as printed (1–5; up to 9 on a card before 2015).
    pub fn benefit(&self) -> u8 {
        self.0.as_bytes()[2] - b'0'
    }
    /// The benefit level the fund's share follows today (spec §3.2): the 2015 template's code. `None` on
    /// an older card, whose codes meant other shares (`HT5` was 95 %).
    pub fn level(&self) -> Option<u8> {
        (self.template() == Template::Current).then(|| self.benefit())
    }
    /// Characters 4–5: the issuing province.
    pub fn province(&self) -> &str {
        &self.0[3..5]
    }
    /// Characters 6–15: the BHXH number (2015 template only).
    pub fn bhxh_number(&self) -> Option<&str> {
        (self.template() == Template::Current).then(|| &self.0[5..])
    }
}

/// The warning an old-template card code carries: what it is and why it cannot be looked up.
pub fn old_template_warning() -> super::Warning {
    super::Warning::new(
        "card_number",
        "Thẻ mẫu cũ (trước 2015): mã thẻ không chứa mã số BHXH nên không tra được theo mã số BHXH; \
         mức hưởng của mẫu cũ khác mẫu hiện nay. Hãy xem hạn thẻ và đề nghị thẻ mới hoặc CCCD.",
        "Old card template (before 2015): the code holds no BHXH number, so it cannot be looked up by \
         one, and its benefit codes meant other shares. Check the dates; ask for the current card or \
         the citizen id.",
    )
}

/// A facility code (MA_CSKCB / MA_DKBD) as cards and people write it — `79 - 034`, `01 – C54`,
/// `79034` — normalised to its 5 characters: 2 province digits and 3 letters or digits (spec §7).
pub fn normalise_facility(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '–' | '—'))
        .flat_map(char::to_uppercase)
        .collect();
    let valid = code.len() == 5
        && code.bytes().all(|b| b.is_ascii_alphanumeric())
        && code.bytes().take(2).all(|b| b.is_ascii_digit());
    valid.then_some(code)
}

/// True when `s` is exactly `n` ASCII digits.
pub fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// A number typed (or pasted) at the desk, classified by its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypedNumber {
    /// 15-character BHYT card code.
    CardCode(CardCode),
    /// 10-digit mã số BHXH.
    Bhxh(String),
    /// 12-digit personal id (CCCD / Căn cước).
    CitizenId(String),
    /// 9-digit old id card (CMND).
    OldId(String),
}

/// Classifies a typed number after removing spaces and upper-casing letters (spec §1.2).
pub fn classify_typed(input: &str) -> Result<TypedNumber, Rejection> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    // A card-code attempt: exactly 15 characters, or letters and digits only with a letter first and a
    // digit somewhere (`DN40101`). Other text (a URL, a word) is not a number at all.
    let code_like = s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.contains(|c: char| c.is_ascii_digit());
    if code_like || s.chars().count() == 15 {
        return CardCode::parse(&s).map(TypedNumber::CardCode);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
        return match s.len() {
            10 => Ok(TypedNumber::Bhxh(s)),
            12 => Ok(TypedNumber::CitizenId(s)),
            9 => Ok(TypedNumber::OldId(s)),
            n => Err(Rejection::unreadable(
                format!("Số có {n} chữ số. Cần 10 số (mã số BHXH), 12 số (CCCD) hoặc mã thẻ 15 ký tự."),
                format!(
                    "This number has {n} digits. Type 10 digits (BHXH number), 12 digits (citizen id) \
                     or the 15-character card code."
                ),
            )),
        };
    }
    Err(Rejection::unreadable(
        format!(
            "Không nhận ra {}. Hãy quét lại, hoặc nhập mã thẻ 15 ký tự, mã số BHXH 10 số hay số CCCD 12 số.",
            quote(input.trim())
        ),
        format!(
            "{} is not a card. Scan again, or type the 15-character card code, the 10-digit BHXH number \
             or the 12-digit citizen id.",
            quote(input.trim())
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(s: &str) -> Option<&'static str> {
        CardCode::parse(s).err().map(|r| r.code.as_str())
    }

    #[test]
    fn card_code_parts() {
        let c = CardCode::parse("HS4010123456780").unwrap();
        assert_eq!(
            (c.group(), c.benefit(), c.province(), c.bhxh_number()),
            ("HS", 4, "01", Some("0123456780"))
        );
        assert_eq!((c.template(), c.level()), (Template::Current, Some(4)));
    }

    #[test]
    fn old_template_codes_parse_without_a_bhxh_number() {
        for (s, benefit) in
            [("DN401AA31900313", 4), ("DN479GA78900007", 4), ("HS7010120300001", 7), ("TQ7790120300001", 7)]
        {
            let c = CardCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(c.benefit(), benefit, "{s}");
            assert_eq!(c.bhxh_number(), None, "{s}");
            assert_eq!(c.level(), None, "{s}");
        }
        // HT5 with digits only is a current code (level 5): nothing in it says it is old.
        assert_eq!(CardCode::parse("HT5790123400001").unwrap().template(), Template::Current);
        assert_eq!(CardCode::parse("DN401AA31900313").unwrap().template(), Template::Pre2015);
        // Letters in the serial (characters 11–15) are never a card.
        assert_eq!(code_of("DN401AA3190031A"), Some("051"));
        assert_eq!(code_of("DN401A-31900313"), Some("051"));
    }

    #[test]
    fn card_code_rejections_name_the_character() {
        assert_eq!(code_of("DN401012345678"), Some("051"));
        assert_eq!(code_of("D14010123456789"), Some("051"));
        assert_eq!(code_of("DN40101234567A9"), Some("051"));
        assert_eq!(code_of("ZZ4010123456789"), Some("051"));
        assert_eq!(code_of("DN7010123456789"), None, "benefit 7: a card before 2015");
        assert_eq!(code_of("DN0010123456789"), Some("053"));
        assert_eq!(code_of("DN4030123456789"), Some("052"));
        let err = CardCode::parse("DN40101234567A9").unwrap_err();
        assert!(err.detail_en.contains("Character 14"), "{}", err.detail_en);
        assert!(err.detail_vi.contains("Ký tự thứ 14"), "{}", err.detail_vi);
    }

    #[test]
    fn typed_numbers_by_shape() {
        assert!(matches!(classify_typed(" dn4 010123456789 "), Ok(TypedNumber::CardCode(_))));
        assert_eq!(classify_typed("0123456789"), Ok(TypedNumber::Bhxh("0123456789".into())));
        assert_eq!(classify_typed("001090123456"), Ok(TypedNumber::CitizenId("001090123456".into())));
        assert_eq!(classify_typed("012345678"), Ok(TypedNumber::OldId("012345678".into())));
        assert_eq!(classify_typed("12345").unwrap_err().code, RejectCode::Unreadable);
        assert_eq!(classify_typed("DN40").unwrap_err().code, RejectCode::CardCode);
        assert_eq!(classify_typed("D N 4 0").unwrap_err().code, RejectCode::CardCode);
        assert_eq!(classify_typed("hello world!").unwrap_err().code, RejectCode::Unreadable);
        assert_eq!(classify_typed("https://x.invalid/1").unwrap_err().code, RejectCode::Unreadable);
        assert_eq!(classify_typed("ĐN4010123456789").unwrap_err().code, RejectCode::CardCode);
        assert_eq!(classify_typed("+-*").unwrap_err().code, RejectCode::Unreadable);
    }
}
