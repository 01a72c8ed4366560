//! The BHYT (health-insurance) QR payload: legacy 15-field, VssID 17-field and truncated legacy layouts
//! (spec §2), parsed by position with soft checks turned into warnings.

use super::date::{BirthDate, parse_dmy_slash};
use super::number::{CardCode, Template, is_digits, normalise_facility, old_template_warning};
use super::reject::{Rejection, Warning, quote};
use super::text::{HexError, decode_hex_utf8, is_plausible_name};
use super::{Layout, Sex, codes};
use chrono::NaiveDate;

/// A BHYT card as its QR states it. Absent fields (`-` or missing) are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BhytCard {
    pub layout: Layout,
    /// The 15-character card code (legacy layouts only).
    pub card_code: Option<CardCode>,
    /// The 10-digit mã số BHXH: field 0 of the new layout, characters 6–15 of a card code; `None` for a
    /// card of the template before 2015, whose code holds none.
    pub bhxh_number: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<BirthDate>,
    pub sex: Option<Sex>,
    /// Residence or workplace address (a school or a company's name on some cards).
    pub address: Option<String>,
    /// The code Hồ Chí Minh City cards append to the address (`…Thành phố Hồ Chí Minh_16146234`), kept
    /// apart from its text.
    pub address_code: Option<String>,
    /// Registered primary-care facility, 5 characters (`79 - 034` → `79034`).
    pub facility_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    /// `None` means no end date (open-ended).
    pub valid_to: Option<NaiveDate>,
    pub issued_on: Option<NaiveDate>,
    /// Field 9 "mã quản lý": 4 digits + the BHXH number (12 digits on a card before 2015).
    pub management_code: Option<String>,
    pub parent_name: Option<String>,
    /// Field 11: `4` none, `5`–`7` K1–K3 (unofficial mapping).
    pub area_code: Option<String>,
    /// Field 12: the date five consecutive years of coverage are reached.
    pub five_year_date: Option<NaiveDate>,
    /// Field 13, kept verbatim: it cannot be checked offline.
    pub check_string: Option<String>,
    /// Field 15 of the new layout: the issuing BHXH area.
    pub issuing_area: Option<String>,
    /// Whether the `$` terminator was present (a wedge scanner may swallow it).
    pub terminated: bool,
    pub warnings: Vec<Warning>,
}

impl BhytCard {
    /// Benefit code (card character 3), known only with a 15-character code.
    pub fn benefit_level(&self) -> Option<u8> {
        self.card_code.as_ref().map(CardCode::benefit)
    }
}

/// Field positions (zero-based) of the BHYT layouts.
mod field {
    pub const NAME: usize = 1;
    pub const BIRTH: usize = 2;
    pub const SEX: usize = 3;
    pub const ADDRESS: usize = 4;
    pub const FACILITY: usize = 5;
    pub const VALID_FROM: usize = 6;
    pub const VALID_TO: usize = 7;
    pub const ISSUED: usize = 8;
    pub const MANAGEMENT: usize = 9;
    pub const PARENT: usize = 10;
    pub const AREA: usize = 11;
    pub const FIVE_YEAR: usize = 12;
    pub const CHECK: usize = 13;
    pub const ISSUING_AREA: usize = 15;
    /// Fields before `$` in the legacy and new layouts.
    pub const LEGACY_COUNT: usize = 14;
    pub const NEW_COUNT: usize = 16;
}

/// True when `f` (already trimmed) could open a BHYT payload: a card-code shape (either template) or 10
/// digits.
pub fn looks_like_field0(f: &str) -> bool {
    is_digits(f, 10)
        || (f.len() == 15
            && f.bytes().take(2).all(|b| b.is_ascii_uppercase())
            && f.bytes().skip(2).all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

/// Parses the fields of a BHYT payload (split on `|`, trimmed, `$` removed).
pub fn parse(fields: &[&str], terminated: bool) -> Result<BhytCard, Rejection> {
    let get = |i: usize| fields.get(i).copied().filter(|f| !f.is_empty() && *f != "-");
    let first = fields.first().copied().unwrap_or_default();
    let (card_code, bhxh_number, layout) = if is_digits(first, 10) {
        (None, Some(first.to_string()), Layout::BhytNew)
    } else if first.chars().count() == 15 {
        let code = CardCode::parse(first)?;
        let bhxh = code.bhxh_number().map(str::to_string);
        let layout =
            if fields.len() >= field::LEGACY_COUNT { Layout::BhytLegacy } else { Layout::BhytTruncated };
        (Some(code), bhxh, layout)
    } else {
        return Err(Rejection::unreadable(
            format!("Mã QR BHYT có mã thẻ {} không đúng dạng (15 ký tự hoặc 10 số).", quote(first)),
            format!("The BHYT QR starts with {}, neither a 15-character code nor 10 digits.", quote(first)),
        ));
    };

    let mut warnings = Vec::new();
    if card_code.as_ref().is_some_and(|c| c.template() == Template::Pre2015) {
        warnings.push(old_template_warning());
    }
    if !terminated {
        warnings.push(Warning::new(
            "payload",
            "Thiếu ký tự kết thúc “$” (máy quét có thể đã bỏ); đã đọc theo dạng thẻ BHYT.",
            "The “$” terminator is missing (the scanner may have swallowed it); read as a BHYT card.",
        ));
    }
    let expected = if layout == Layout::BhytNew { field::NEW_COUNT } else { field::LEGACY_COUNT };
    if layout != Layout::BhytTruncated && fields.len() != expected {
        warnings.push(Warning::new(
            "payload",
            format!("Mã QR có {} trường, dạng này thường có {expected}.", fields.len()),
            format!("The QR has {} fields; this layout usually has {expected}.", fields.len()),
        ));
    }

    let birth_date = get(field::BIRTH).and_then(|raw| {
        let parsed = BirthDate::parse_bhyt(raw);
        if parsed.is_none() {
            warnings.push(Warning::new(
                "birth_date",
                format!("Ngày sinh {} không hợp lệ, đã bỏ qua; hãy xem giấy tờ.", quote(raw)),
                format!("Ignored the invalid birth date {}; check an ID document.", quote(raw)),
            ));
        }
        parsed
    });
    // A truncated card may end before its validity: the verdict then says it cannot confirm.
    let valid_from = match get(field::VALID_FROM) {
        None => None,
        Some(raw) => Some(
            parse_dmy_slash(raw).ok_or_else(|| bad_date("ngày bắt đầu hạn thẻ", "valid-from date", raw))?,
        ),
    };
    let valid_to = match get(field::VALID_TO) {
        None => None,
        Some(raw) => Some(parse_dmy_slash(raw).ok_or_else(|| bad_date("hạn thẻ đến", "valid-to date", raw))?),
    };
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && to < from
    {
        return Err(Rejection::unreadable(
            "Hạn thẻ đến trước ngày bắt đầu: mã QR không hợp lệ.",
            "The card's end date is before its start date: the QR is not valid.",
        ));
    }

    let (address, address_code) = split_address_code(hex_text(get(field::ADDRESS), "address", &mut warnings));
    let mut card = BhytCard {
        layout,
        card_code,
        full_name: hex_text(get(field::NAME), "full_name", &mut warnings),
        birth_date,
        sex: sex(get(field::SEX), &mut warnings),
        address,
        address_code,
        facility_code: facility(get(field::FACILITY), &mut warnings),
        valid_from,
        valid_to,
        issued_on: soft_date(get(field::ISSUED), "issued_on", &mut warnings),
        management_code: get(field::MANAGEMENT).map(str::to_string),
        parent_name: hex_text(get(field::PARENT), "parent_name", &mut warnings),
        area_code: get(field::AREA).map(str::to_string),
        five_year_date: soft_date(get(field::FIVE_YEAR), "five_year_date", &mut warnings),
        check_string: get(field::CHECK).map(str::to_string),
        issuing_area: if layout == Layout::BhytNew {
            hex_text(get(field::ISSUING_AREA), "issuing_area", &mut warnings)
        } else {
            None
        },
        bhxh_number,
        terminated,
        warnings: Vec::new(),
    };
    cross_check(&card, &mut warnings);
    if let Some(name) = &card.full_name
        && !is_plausible_name(name)
    {
        warnings.push(Warning::new(
            "full_name",
            "Họ tên đọc được có ký tự lạ; hãy so với giấy tờ tùy thân.",
            "The name holds unexpected characters; compare it with a photo ID.",
        ));
    }
    card.warnings = warnings;
    Ok(card)
}

fn bad_date(vi: &str, en: &str, raw: &str) -> Rejection {
    Rejection::unreadable(
        format!("Trường {vi} {} không phải ngày hợp lệ; hãy quét lại.", quote(raw)),
        format!("The {en} {} is not a valid date; scan again.", quote(raw)),
    )
}

/// A date whose loss does not change the verdict: a bad one becomes a warning.
fn soft_date(raw: Option<&str>, key: &'static str, warnings: &mut Vec<Warning>) -> Option<NaiveDate> {
    let raw = raw?;
    let date = parse_dmy_slash(raw);
    if date.is_none() {
        warnings.push(Warning::new(
            key,
            format!("Ngày {} không hợp lệ, đã bỏ qua.", quote(raw)),
            format!("Ignored the invalid date {}.", quote(raw)),
        ));
    }
    date
}

/// The Vietnamese and English names of a hex field, for messages.
fn field_names(key: &str) -> (&'static str, &'static str) {
    match key {
        "full_name" => ("Họ tên", "The name"),
        "address" => ("Địa chỉ", "The address"),
        "parent_name" => ("Tên cha mẹ", "The parent's name"),
        _ => ("Nơi cấp", "The issuing area"),
    }
}

/// Decodes a hex UTF-8 field by position (spec §2.4.4). What cannot be decoded is kept as written and
/// flagged, never dropped.
fn hex_text(raw: Option<&str>, key: &'static str, warnings: &mut Vec<Warning>) -> Option<String> {
    let raw = raw?;
    let (vi, en) = field_names(key);
    match decode_hex_utf8(raw) {
        Ok(text) if !text.chars().any(char::is_control) => {
            Some(text.trim().to_string()).filter(|t| !t.is_empty())
        }
        Ok(_) | Err(HexError::OddLength | HexError::NotUtf8) => {
            warnings.push(Warning::new(
                key,
                format!("{vi}: mã hex hỏng, không giải mã được; giữ nguyên văn bản."),
                format!("{en}: broken hex that cannot be decoded; kept as written."),
            ));
            Some(raw.to_string())
        }
        Err(HexError::NotHex) => {
            warnings.push(Warning::new(
                key,
                format!("{vi}: không mã hóa hex như thường lệ; giữ nguyên văn bản."),
                format!("{en}: not hex-encoded as usual; kept as written."),
            ));
            Some(raw.to_string())
        }
    }
}

/// `…Thành phố Hồ Chí Minh_16146234` → the address and `16146234`: the digits (4 or more) after the last
/// `_`.
fn split_address_code(address: Option<String>) -> (Option<String>, Option<String>) {
    let Some(text) = address else { return (None, None) };
    match text.rsplit_once('_') {
        Some((head, code)) if code.len() >= 4 && code.bytes().all(|b| b.is_ascii_digit()) => {
            let head = head.trim_end();
            (Some(head.to_string()).filter(|h| !h.is_empty()), Some(code.to_string()))
        }
        _ => (Some(text), None),
    }
}

fn sex(raw: Option<&str>, warnings: &mut Vec<Warning>) -> Option<Sex> {
    match raw? {
        "1" => Some(Sex::Male),
        "2" => Some(Sex::Female),
        other => {
            warnings.push(Warning::new(
                "sex",
                format!("Giới tính {} không rõ (cần 1 hoặc 2).", quote(other)),
                format!("Unknown sex {} (expected 1 or 2).", quote(other)),
            ));
            None
        }
    }
}

/// `79 - 034` → `79034`: remove spaces and dashes, expect 5 letters or digits starting with a province.
fn facility(raw: Option<&str>, warnings: &mut Vec<Warning>) -> Option<String> {
    let raw = raw?;
    let code = normalise_facility(raw);
    if code.is_none() {
        warnings.push(Warning::new(
            "facility_code",
            format!("Mã nơi đăng ký KCB ban đầu {} không đúng dạng 5 ký tự.", quote(raw)),
            format!("The registered facility {} is not a 5-character code.", quote(raw)),
        ));
    }
    code
}

/// Soft checks V6 (group ↔ benefit) and V7 (management code ends with the BHXH number).
fn cross_check(card: &BhytCard, warnings: &mut Vec<Warning>) {
    if let Some(code) = &card.card_code
        && code.template() == Template::Current
        && let Some(group) = codes::group(code.group())
        && !group.benefits.contains(&code.benefit())
    {
        warnings.push(Warning::new(
            "benefit_level",
            format!(
                "Mã quyền lợi {} không thường gặp ở nhóm {}; mức hưởng lấy theo thẻ.",
                code.benefit(),
                code.group()
            ),
            format!(
                "Benefit {} is unusual for group {}; the card's own level is used.",
                code.benefit(),
                code.group()
            ),
        ));
    }
    if let Some(m) = &card.management_code
        && let Some(bhxh) = &card.bhxh_number
        && !m.ends_with(bhxh.as_str())
    {
        warnings.push(Warning::new(
            "management_code",
            "Mã quản lý không kết thúc bằng mã số BHXH của thẻ.",
            "The management code does not end with the card's BHXH number.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str) -> Vec<&str> {
        s.split('|').map(str::trim).collect()
    }

    #[test]
    fn facility_forms_normalise() {
        let mut w = Vec::new();
        assert_eq!(facility(Some("79 - 034"), &mut w).as_deref(), Some("79034"));
        assert_eq!(facility(Some("01 – C54"), &mut w).as_deref(), Some("01C54"));
        assert!(w.is_empty());
        assert_eq!(facility(Some("7 - 034"), &mut w), None);
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn end_before_start_is_rejected() {
        let f = fields("DN4010123456789|4e|20/10/1990|1|-|01 - 065|09/01/2018|31/12/2017|10/01/2018");
        assert!(parse(&f, true).is_err());
    }

    #[test]
    fn management_code_mismatch_warns() {
        let f = fields("DN4010123456789|416e|20/10/1990|1|-|01 - 065|09/01/2018|-|10/01/2018|01099999999999");
        let card = parse(&f, true).unwrap();
        assert!(card.warnings.iter().any(|w| w.field == "management_code"));
    }
}
