//! The citizen-id QR: chip CCCD (7 fields), the 6-field variant without the old id, and the Căn cước
//! card's longer payload whose first 7 fields match and which may name the parents (spec §4, issue 15).
//! Identity only: no coverage data. Look-alikes (the party-membership card's QR has the same shape) are
//! refused by structure and by the citizen-id checks.

use super::codes;
use super::date::{BirthDate, parse_dmy_compact};
use super::number::is_digits;
use super::reject::{Rejection, Warning, quote};
use super::text::is_plausible_name;
use super::{Layout, Sex};
use chrono::NaiveDate;

/// A citizen-id card as its QR states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CccdCard {
    pub layout: Layout,
    /// The 12-digit personal id.
    pub citizen_id: String,
    /// The 9-digit old id (CMND), when printed.
    pub old_id: Option<String>,
    pub full_name: String,
    /// Full, or only month and year (`MMyyyy`), or only the year, as the card knows it.
    pub birth_date: BirthDate,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    pub issued_on: Option<NaiveDate>,
    /// The father's and mother's names of a Căn cước card's 11-field QR (a child's card; empty for an
    /// adult), as written (often in capitals).
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub warnings: Vec<Warning>,
}

/// True when the fields have the shape of a citizen-id QR (spec §4.3): 12 digits first, and 6, 7 or at
/// least 11 fields.
pub fn looks_like(fields: &[&str]) -> bool {
    (matches!(fields.len(), 6 | 7) || fields.len() >= 11) && fields.first().is_some_and(|f| is_digits(f, 12))
}

/// The party-membership (Đảng viên) card's QR: 7 fields, a 12-digit number, a name, then dates at
/// fields 2, 3 and 6 where a citizen card has a name, a birth date and an issue date.
fn party_card(fields: &[&str]) -> bool {
    fields.len() == 7
        && is_plausible_name(fields[1])
        && BirthDate::parse_cccd(fields[2]).is_some()
        && parse_dmy_compact(fields[3]).is_some()
        && parse_dmy_compact(fields[6]).is_some()
}

/// Parses the fields of a citizen-id QR (split on `|`, trimmed). The birth date is found at position 3
/// (with the old-id field) or 2 (without it), not assumed.
pub fn parse(fields: &[&str]) -> Result<CccdCard, Rejection> {
    if party_card(fields) {
        return Err(not_a_citizen_card());
    }
    let citizen_id = fields.first().copied().unwrap_or_default().to_string();
    let get = |i: usize| fields.get(i).copied().filter(|f| !f.is_empty());
    let (birth_at, birth_date) =
        [3, 2].into_iter().find_map(|i| Some((i, BirthDate::parse_cccd(get(i)?)?))).ok_or_else(|| {
            Rejection::unreadable(
                "Mã QR căn cước không có ngày sinh hợp lệ (ddMMyyyy); hãy quét lại.",
                "The citizen-id QR has no valid birth date (ddMMyyyy); scan again.",
            )
        })?;
    let layout = Layout::Cccd(fields.len());
    let mut warnings = Vec::new();
    let old_id = if birth_at == 3 { get(1).map(str::to_string) } else { None };
    if let Some(old) = &old_id
        && !is_digits(old, 9)
        && !is_digits(old, 12)
    {
        warnings.push(Warning::new(
            "old_id",
            format!("Số CMND cũ {} không phải 9 chữ số.", quote(old)),
            format!("The old id {} is not 9 digits.", quote(old)),
        ));
    }
    let name = get(birth_at - 1).unwrap_or_default();
    if !is_plausible_name(name) {
        return Err(Rejection::unreadable(
            "Không đọc được họ tên trên mã QR căn cước (máy quét hoặc bộ gõ có thể đã làm sai dấu); \
             hãy quét bằng camera hoặc nhập số CCCD.",
            "The name in the citizen-id QR is unreadable (a scanner or input method may have garbled the \
             accents); scan with the camera or type the citizen id.",
        ));
    }
    let sex = match get(birth_at + 1) {
        Some(s) => parse_sex(s, &mut warnings),
        None => None,
    };
    let issued_on = get(birth_at + 3).and_then(|raw| {
        let d = parse_dmy_compact(raw);
        if d.is_none() {
            warnings.push(Warning::new(
                "issued_on",
                format!("Ngày cấp {} không hợp lệ, đã bỏ qua.", quote(raw)),
                format!("Ignored the invalid issue date {}.", quote(raw)),
            ));
        }
        d
    });
    // A Căn cước card's parents follow the issue date; only names are taken as names.
    let parent = |i: usize| get(birth_at + 4 + i).filter(|n| is_plausible_name(n)).map(str::to_string);
    let long = fields.len() >= 11;
    let card = CccdCard {
        layout,
        old_id,
        full_name: name.to_string(),
        birth_date,
        sex,
        address: get(birth_at + 2).map(str::to_string),
        issued_on,
        father_name: if long { parent(0) } else { None },
        mother_name: if long { parent(1) } else { None },
        citizen_id,
        warnings,
    };
    cross_check_id(card)
}

fn not_a_citizen_card() -> Rejection {
    Rejection::unreadable(
        "Mã QR này không phải thẻ căn cước (có dạng thẻ Đảng viên hoặc giấy tờ khác); hãy quét thẻ căn \
         cước hoặc thẻ BHYT.",
        "This QR is not a citizen card (it has the shape of a party-membership card or another \
         document); scan the citizen card or the BHYT card.",
    )
}

fn parse_sex(raw: &str, warnings: &mut Vec<Warning>) -> Option<Sex> {
    match raw.to_lowercase().as_str() {
        "nam" => Some(Sex::Male),
        "nữ" | "nu" => Some(Sex::Female),
        _ => {
            warnings.push(Warning::new(
                "sex",
                format!("Giới tính {} không rõ (cần Nam hoặc Nữ).", quote(raw)),
                format!("Unknown sex {} (expected Nam or Nữ).", quote(raw)),
            ));
            None
        }
    }
}

/// The checks of spec §3.5: digits 1–3 are a province (`0` + its 2-digit code), digit 4 encodes century
/// and sex, digits 5–6 the birth year. One mismatch is a warning; a number failing both the province and
/// the year is not a citizen id at all.
fn cross_check_id(mut card: CccdCard) -> Result<CccdCard, Rejection> {
    let id = card.citizen_id.as_str();
    let province_ok = id.starts_with('0') && id.get(1..3).and_then(codes::province_name).is_some();
    let (Some(&code), Some(yy)) = (id.as_bytes().get(3), id.get(4..6)) else {
        return Ok(card);
    };
    let code = i32::from(code.wrapping_sub(b'0'));
    let century = 1900 + (code / 2) * 100;
    let sex = if code % 2 == 0 { Sex::Male } else { Sex::Female };
    let year_ok = code <= 9 && yy.parse::<i32>().ok().map(|yy| century + yy) == Some(card.birth_date.year());
    let sex_ok = card.sex.is_none_or(|s| s == sex);
    if !province_ok && !year_ok {
        return Err(not_a_citizen_card());
    }
    if !(province_ok && year_ok && sex_ok) {
        card.warnings.push(Warning::new(
            "citizen_id",
            "Số CCCD không khớp tỉnh, năm sinh hoặc giới tính; hãy kiểm tra lại thẻ.",
            "The citizen id does not match a province, the birth year or the sex; check the card.",
        ));
    }
    Ok(card)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str) -> Vec<&str> {
        s.split('|').map(str::trim).collect()
    }

    #[test]
    fn six_field_variant_finds_the_birth_date() {
        let card = parse(&fields("001090123456|Nguyễn Văn An|01011990|Nam|Hà Nội|15042021")).unwrap();
        assert_eq!(card.layout, Layout::Cccd(6));
        assert_eq!(card.old_id, None);
        assert_eq!(card.full_name, "Nguyễn Văn An");
        assert_eq!(card.address.as_deref(), Some("Hà Nội"));
        assert!(card.warnings.is_empty(), "{:?}", card.warnings);
    }

    #[test]
    fn id_digits_are_cross_checked() {
        // Digit 4 = 2 means born in the 2000s, male: contradicts 1990.
        let card = parse(&fields("001290123456||Nguyễn Văn An|01011990|Nam|Hà Nội|15042021")).unwrap();
        assert!(card.warnings.iter().any(|w| w.field == "citizen_id"));
    }

    #[test]
    fn garbled_name_is_unreadable() {
        assert!(parse(&fields("001090123456||Nguyá»…n VÄƒn An|01011990|Nam|Hà Nội|15042021")).is_err());
    }

    #[test]
    fn a_party_card_is_not_a_citizen_card() {
        let why =
            parse(&fields("079123456789|Nguyễn Văn An|01011980|03022010|Chi bộ 3|Đảng bộ phường|03022011"))
                .unwrap_err();
        assert!(why.detail_en.contains("not a citizen card"), "{why}");
        // A 12-digit number that is neither a province nor the birth year's century.
        let why = parse(&fields("999990123456||Nguyễn Văn An|01011990|Nam|Hà Nội|15042021")).unwrap_err();
        assert!(why.detail_en.contains("not a citizen card"), "{why}");
    }
}
