//! One roster CSV row → a validated, normalised row ready to store, or the reason it is bad. Pure: the
//! header decides which column is which; unknown columns are reported once and ignored.

use super::roster::{parse_status, status_text};
use crate::card::number::{is_digits, normalise_facility};
use crate::card::{BirthDate, CardCode, Sex, date, text};
use crate::coverage::RecordStatus;
use chrono::NaiveDate;

/// The columns a roster may have, in any order.
pub const COLUMNS: [&str; 14] = [
    "card_number",
    "bhxh_number",
    "citizen_id",
    "full_name",
    "birth_date",
    "sex",
    "address",
    "facility_code",
    "valid_from",
    "valid_to",
    "five_year_date",
    "status",
    "replaced_by",
    "as_of",
];

/// Longest field accepted, in bytes: a 1 MB address is a broken file, not an address.
pub const MAX_FIELD_BYTES: usize = 1_000;

/// Where each known column sits in a row.
#[derive(Debug, Clone)]
pub struct Header {
    index: [Option<usize>; 14],
    /// Columns in the file that tiepdon does not know (ignored).
    pub unknown: Vec<String>,
    width: usize,
}

impl Header {
    /// Reads a header row (names trimmed, case-insensitive, a UTF-8 BOM removed). Fails when no id column
    /// (card_number, bhxh_number, citizen_id) is present or a column is repeated.
    pub fn parse(names: &[&str]) -> Result<Header, (String, String)> {
        let mut index = [None; 14];
        let mut unknown = Vec::new();
        for (i, raw) in names.iter().enumerate() {
            let name = raw.trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
            match COLUMNS.iter().position(|c| *c == name) {
                Some(k) if index[k].is_some() => {
                    return Err((
                        format!("Cột “{name}” bị lặp lại."),
                        format!("Column “{name}” appears twice."),
                    ));
                }
                Some(k) => index[k] = Some(i),
                None => unknown.push(name),
            }
        }
        if index[..3].iter().all(Option::is_none) {
            return Err((
                "Tiêu đề cần ít nhất một cột card_number, bhxh_number hoặc citizen_id.".into(),
                "The header needs at least one of card_number, bhxh_number, citizen_id.".into(),
            ));
        }
        Ok(Header { index, unknown, width: names.len() })
    }
}

/// A validated roster row, in the store's text forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub card_number: Option<String>,
    pub bhxh_number: Option<String>,
    pub citizen_id: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<&'static str>,
    pub address: Option<String>,
    pub facility_code: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub five_year_date: Option<String>,
    pub status: &'static str,
    pub replaced_by: Option<String>,
    pub as_of: String,
}

/// Why a row is bad, in Vietnamese and English.
pub type RowError = (String, String);

/// A reason naming the column, never its value: the reasons go to the terminal and the summary, and a
/// roster value is personal data.
fn err(column: &str, vi: &str, en: &str) -> RowError {
    (format!("{column}: {vi}"), format!("{column}: {en}"))
}

fn day(column: &str, v: &str) -> Result<NaiveDate, RowError> {
    date::parse_iso(v).or_else(|| date::parse_dmy_slash(v)).ok_or_else(|| {
        err(column, "không phải ngày (dd/mm/yyyy hoặc yyyy-mm-dd)", "not a date (dd/mm/yyyy or yyyy-mm-dd)")
    })
}

/// Validates one row. `default_as_of` fills an empty `as_of`.
pub fn parse_row(
    header: &Header,
    fields: &[&str],
    default_as_of: Option<NaiveDate>,
) -> Result<RosterRow, RowError> {
    if fields.len() != header.width {
        return Err((
            format!("Dòng có {} cột, tiêu đề có {}.", fields.len(), header.width),
            format!("The row has {} fields; the header has {}.", fields.len(), header.width),
        ));
    }
    if let Some(long) = fields.iter().position(|f| f.len() > MAX_FIELD_BYTES) {
        return Err((
            format!("Cột thứ {} dài quá {MAX_FIELD_BYTES} byte.", long + 1),
            format!("Field {} is longer than {MAX_FIELD_BYTES} bytes.", long + 1),
        ));
    }
    let get =
        |k: usize| header.index[k].and_then(|i| fields.get(i)).map(|f| f.trim()).filter(|f| !f.is_empty());
    let opt_day = |k: usize| get(k).map(|v| day(COLUMNS[k], v).map(date::iso)).transpose();

    let card = match get(0) {
        None => None,
        Some(v) => Some(
            CardCode::parse(&v.to_ascii_uppercase())
                .map_err(|r| err("card_number", &r.detail_vi, &r.detail_en))?,
        ),
    };
    // A card of the template before 2015 holds no BHXH number, which every roster card is kept by.
    if card.as_ref().is_some_and(|c| c.bhxh_number().is_none()) {
        return Err(err(
            "card_number",
            "là mã thẻ mẫu cũ (trước 2015), không chứa mã số BHXH; hãy dùng mã thẻ hiện hành",
            "is a card code of the template before 2015, without a BHXH number; use the current card code",
        ));
    }
    let mut bhxh = get(1).map(str::to_string);
    if let Some(b) = &bhxh
        && !is_digits(b, 10)
    {
        return Err(err("bhxh_number", "cần đúng 10 chữ số", "expected exactly 10 digits"));
    }
    if let Some(c) = &card {
        match &bhxh {
            Some(b) if c.bhxh_number().is_some_and(|n| n != b) => {
                return Err(err(
                    "bhxh_number",
                    "khác ký tự 6–15 của mã thẻ",
                    "differs from characters 6–15 of the card code",
                ));
            }
            _ => bhxh = c.bhxh_number().map(str::to_string).or(bhxh),
        }
    }
    let citizen = get(2).map(str::to_string);
    if let Some(c) = &citizen
        && !is_digits(c, 12)
    {
        return Err(err("citizen_id", "cần đúng 12 chữ số", "expected exactly 12 digits"));
    }
    if card.is_none() && bhxh.is_none() && citizen.is_none() {
        return Err((
            "Dòng không có mã thẻ, mã số BHXH hay số CCCD.".into(),
            "The row has no card number, BHXH number or citizen id.".into(),
        ));
    }
    let full_name = match get(3) {
        None => None,
        Some(v) => {
            let name = text::clean(v);
            if !text::is_plausible_name(&name) {
                return Err(err("full_name", "không phải họ tên hợp lệ", "not a valid name"));
            }
            Some(name)
        }
    };
    let birth_date = match get(4) {
        None => None,
        Some(v) => Some(
            BirthDate::parse_any(v)
                .ok_or_else(|| err("birth_date", "không phải ngày sinh", "not a birth date"))?
                .to_string(),
        ),
    };
    let sex = match get(5).map(str::to_lowercase).as_deref() {
        None => None,
        Some("male" | "nam" | "1" | "m") => Some(Sex::Male.as_str()),
        Some("female" | "nữ" | "nu" | "2" | "f") => Some(Sex::Female.as_str()),
        Some(_) => {
            return Err(err("sex", "cần male/female hoặc Nam/Nữ", "expected male/female or Nam/Nữ"));
        }
    };
    let facility_code = match get(7) {
        None => None,
        Some(v) => Some(normalise_facility(v).ok_or_else(|| {
            err(
                "facility_code",
                "cần 5 ký tự, 2 số tỉnh đầu",
                "expected 5 characters, the first 2 a province",
            )
        })?),
    };
    let valid_from = opt_day(8)?;
    let valid_to = opt_day(9)?;
    if let (Some(f), Some(t)) = (&valid_from, &valid_to)
        && t < f
    {
        return Err(err("valid_to", "trước valid_from", "is before valid_from"));
    }
    let status = match get(11) {
        None => RecordStatus::Active,
        Some(v) => parse_status(v).ok_or_else(|| {
            err(
                "status",
                "cần active, revoked, reduced hoặc replaced",
                "expected active, revoked, reduced or replaced",
            )
        })?,
    };
    let replaced_by = match get(12) {
        None => None,
        Some(v) => Some(
            CardCode::parse(&v.to_ascii_uppercase())
                .map_err(|r| err("replaced_by", &r.detail_vi, &r.detail_en))?
                .as_str()
                .to_string(),
        ),
    };
    let as_of = match get(13) {
        Some(v) => day("as_of", v)?,
        None => default_as_of.ok_or_else(|| {
            err("as_of", "bắt buộc (ngày dữ liệu còn đúng)", "required (the date the data was true)")
        })?,
    };
    Ok(RosterRow {
        card_number: card.map(|c| c.as_str().to_string()),
        bhxh_number: bhxh,
        citizen_id: citizen,
        full_name,
        birth_date,
        sex,
        address: get(6).map(text::clean),
        facility_code,
        valid_from,
        valid_to,
        five_year_date: opt_day(10)?,
        status: status_text(status),
        replaced_by,
        as_of: date::iso(as_of),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header::parse(&[
            "\u{feff}Card_Number",
            "full_name",
            "birth_date",
            "valid_from",
            "valid_to",
            "status",
            "as_of",
            "note",
        ])
        .unwrap()
    }

    #[test]
    fn header_finds_columns_and_unknown_ones() {
        assert_eq!(header().unknown, vec!["note".to_string()]);
        assert!(Header::parse(&["full_name", "as_of"]).is_err());
        assert!(Header::parse(&["card_number", "CARD_NUMBER"]).is_err());
    }

    #[test]
    fn good_row_is_normalised() {
        let row = parse_row(
            &header(),
            &[
                "dn4790123456789",
                "Nguyễn Văn An",
                "20/10/1990",
                "01/01/2026",
                "2026-12-31",
                "",
                "2026-11-01",
                "x",
            ],
            None,
        )
        .unwrap();
        assert_eq!(row.card_number.as_deref(), Some("DN4790123456789"));
        assert_eq!(row.bhxh_number.as_deref(), Some("0123456789"));
        assert_eq!(row.birth_date.as_deref(), Some("1990-10-20"));
        assert_eq!(
            (row.valid_from.as_deref(), row.valid_to.as_deref()),
            (Some("2026-01-01"), Some("2026-12-31"))
        );
        assert_eq!((row.status, row.as_of.as_str()), ("active", "2026-11-01"));
    }

    #[test]
    fn bad_rows_say_why() {
        let h = header();
        let cases: [(&[&str], &str); 6] = [
            (&["DN7790123456789", "An", "1990", "", "", "", "2026-11-01", ""], "card_number"),
            (&["DN4790123456789", "An", "31/02/1990", "", "", "", "2026-11-01", ""], "birth_date"),
            (&["DN4790123456789", "An", "1990", "", "", "lost", "2026-11-01", ""], "status"),
            (
                &["DN4790123456789", "An", "1990", "02/01/2026", "01/01/2026", "", "2026-11-01", ""],
                "valid_to",
            ),
            (&["DN4790123456789", "An", "1990", "", "", "", "", ""], "as_of"),
            (&["", "An", "1990", "", "", "", "2026-11-01", ""], "no card number"),
        ];
        for (fields, want) in cases {
            let (_, en) = parse_row(&h, fields, None).unwrap_err();
            assert!(en.contains(want), "{fields:?}: {en}");
        }
        assert!(parse_row(&h, &["DN4790123456789"], None).unwrap_err().1.contains("fields"));
    }
}
