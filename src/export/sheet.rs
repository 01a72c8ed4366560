//! The day as a table for people: Vietnamese column names, one row per visit in check-in order (voided
//! ones kept and marked), typed cells, so the CSV writes `dd/MM/yyyy` text and the spreadsheet real dates.

use super::{Day, xml0};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

/// The column names, in order.
pub const HEADER: [&str; 17] = [
    "STT",
    "Giờ tiếp đón",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số thẻ BHYT",
    "Mã BHXH",
    "CCCD",
    "Nơi ĐKBĐ",
    "Hạn thẻ",
    "Kết quả",
    "Mã lý do",
    "Quỹ trả %",
    "Mã đối tượng",
    "Người tiếp đón",
    "Hủy",
    "Lý do hủy",
];

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Int(i64),
    /// Text from a card or a person (a spreadsheet must never run it as a formula).
    Text(String),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    /// A percentage (80, 47.5).
    Percent(f64),
}

impl Cell {
    fn text(s: Option<&str>) -> Cell {
        match s {
            Some(s) if !s.is_empty() => Cell::Text(s.to_string()),
            _ => Cell::Empty,
        }
    }

    /// The cell as the Vietnamese CSV writes it: dates `dd/MM/yyyy`, decimals with a comma, free text
    /// starting with `=`, `+`, `-` or `@` behind an apostrophe (never a formula in Excel).
    pub fn csv(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Int(n) => n.to_string(),
            Cell::Text(s) => defuse(s),
            Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
            Cell::DateTime(t) => t.format("%d/%m/%Y %H:%M").to_string(),
            Cell::Percent(p) => percent(*p).replace('.', ","),
        }
    }
}

/// `80` or `47.5`.
pub fn percent(p: f64) -> String {
    if p.fract() == 0.0 { format!("{p:.0}") } else { format!("{p}") }
}

/// A leading `=`, `+`, `-` or `@` would be run as a formula by a spreadsheet: put an apostrophe first.
pub fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() }
}

/// The words of a verdict status.
pub fn status_words(status: &str) -> &str {
    match status {
        "ELIGIBLE" => "Đủ điều kiện",
        "ELIGIBLE_WITH_WARNING" => "Đủ điều kiện, có lưu ý",
        "CANNOT_VERIFY" => "Chưa xác minh được",
        "NOT_ELIGIBLE" => "Không đủ điều kiện",
        other => other,
    }
}

/// A stored birth date (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`) as a date, or as the text people write.
fn birth(iso: Option<&str>) -> Cell {
    match iso {
        Some(d) if d.len() == 10 => {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_or(Cell::text(Some(d)), Cell::Date)
        }
        Some(d) if d.len() == 7 && d.is_ascii() => Cell::Text(format!("{}/{}", &d[5..], &d[..4])),
        other => Cell::text(other),
    }
}

fn date(v: &Value) -> Cell {
    v.as_str().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).map_or(Cell::Empty, Cell::Date)
}

/// Every visit of the day as a row of [`HEADER`]'s cells, ids masked when asked.
pub fn rows(day: &Day) -> Vec<Vec<Cell>> {
    let id = |s: Option<&str>| Cell::text(Some(day.id(s)).as_deref());
    day.visits
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let at = DateTime::parse_from_rfc3339(&v.checked_in_at)
                .map_or(Cell::text(Some(&v.checked_in_at)), |t| Cell::DateTime(t.naive_local()));
            let sex = match v.sex.as_deref() {
                Some("male") => Cell::Text("Nam".into()),
                Some("female") => Cell::Text("Nữ".into()),
                _ => Cell::Empty,
            };
            let fund = v.verdict["fund_percent"].as_f64().map_or(Cell::Empty, Cell::Percent);
            let category = if v.voided { None } else { xml0::category(v) };
            vec![
                Cell::Int(i as i64 + 1),
                at,
                Cell::text(v.full_name.as_deref()),
                birth(v.birth_date.as_deref()),
                sex,
                id(v.card_number.as_deref()),
                id(v.bhxh_number.as_deref()),
                id(v.citizen_id.as_deref()),
                Cell::text(v.facility_code.as_deref()),
                date(&v.verdict["valid_to"]),
                Cell::Text(status_words(v.status.as_str()).to_string()),
                Cell::Text(v.code.clone()),
                fund,
                Cell::text(category.as_deref()),
                Cell::Text(v.operator.clone()),
                if v.voided { Cell::Text("Có".into()) } else { Cell::Empty },
                Cell::text(v.void_reason.as_deref()),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Cell, birth};

    #[test]
    fn a_birth_date_of_any_text_never_panics() {
        // Found by the xml_export fuzz target: 7 bytes that are not 7 characters.
        let odd = "a\u{f1}\u{f1}\u{f1}";
        assert_eq!(odd.len(), 7);
        assert_eq!(birth(Some(odd)), Cell::Text(odd.into()));
        assert_eq!(birth(Some("1990-10")), Cell::Text("10/1990".into()));
        assert_eq!(birth(Some("1970")), Cell::Text("1970".into()));
    }
}
