//! The citizen-id QR: chip CCCD (7 fields), the 6-field variant without the old id, and the Căn cước
//! card's longer payload whose first 7 fields match (spec §4). Identity only: no coverage data.

use super::date::parse_dmy_compact;
use super::number::is_digits;
use super::reject::{Rejection, Warning, quote};
use super::text::is_plausible_name;
use super::{Layout, Sex};
use chrono::{Datelike, NaiveDate};

/// A citizen-id card as its QR states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CccdCard {
    pub layout: Layout,
    /// The 12-digit personal id.
    pub citizen_id: String,
    /// The 9-digit old id (CMND), when printed.
    pub old_id: Option<String>,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub warnings: Vec<Warning>,
}

/// True when the fields have the shape of a citizen-id QR (spec §4.3): 12 digits first, and 6, 7 or at
/// least 11 fields.
pub fn looks_like(fields: &[&str]) -> bool {
    (matches!(fields.len(), 6 | 7) || fields.len() >= 11) && fields.first().is_some_and(|f| is_digits(f, 12))
}

/// Parses the fields of a citizen-id QR (split on `|`, trimmed). The birth date is found at position 3
/// (with the old-id field) or 2 (without it), not assumed.
pub fn parse(fields: &[&str]) -> Result<CccdCard, Rejection> {
    let citizen_id = fields.first().copied().unwrap_or_default().to_string();
    let get = |i: usize| fields.get(i).copied().filter(|f| !f.is_empty());
    let (birth_at, birth_date) =
        [3, 2].into_iter().find_map(|i| Some((i, parse_dmy_compact(get(i)?)?))).ok_or_else(|| {
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
    let card = CccdCard {
        layout,
        old_id,
        full_name: name.to_string(),
        birth_date,
        sex,
        address: get(birth_at + 2).map(str::to_string),
        issued_on,
        citizen_id,
        warnings,
    };
    Ok(cross_check_id(card))
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

/// Soft check of spec §3.5: digit 4 encodes century and sex, digits 5–6 the birth year. A mismatch is a
/// warning, never a rejection.
fn cross_check_id(mut card: CccdCard) -> CccdCard {
    let digits = card.citizen_id.as_bytes();
    let (Some(&code), Some(yy)) = (digits.get(3), card.citizen_id.get(4..6)) else {
        return card;
    };
    let code = i32::from(code.wrapping_sub(b'0'));
    let century = 1900 + (code / 2) * 100;
    let sex = if code % 2 == 0 { Sex::Male } else { Sex::Female };
    let year_ok = yy.parse::<i32>().ok().map(|yy| century + yy) == Some(card.birth_date.year());
    let sex_ok = card.sex.is_none_or(|s| s == sex);
    if !(year_ok && sex_ok) {
        card.warnings.push(Warning::new(
            "citizen_id",
            "Số CCCD không khớp năm sinh hoặc giới tính; hãy kiểm tra lại thẻ.",
            "The citizen id does not match the birth year or sex; check the card.",
        ));
    }
    card
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
}
