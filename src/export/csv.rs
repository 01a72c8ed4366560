//! The day's visits as CSV, UTF-8 with a byte-order mark (so Excel shows Vietnamese), one row per visit
//! in check-in order, voided ones kept and flagged: for people ([`render`]: Vietnamese column names,
//! `dd/MM/yyyy` dates, the table of `sheet`) and for scripts ([`render_raw`], `--format csv-raw`:
//! English snake_case names, ISO dates, every stored value).

use super::{Day, sheet};
use serde_json::Value;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The CSV for people.
pub fn render(day: &Day) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(BOM.to_vec());
    let _ = w.write_record(sheet::HEADER);
    for row in sheet::rows(day) {
        let _ = w.write_record(row.iter().map(sheet::Cell::csv));
    }
    w.into_inner().unwrap_or_default()
}

/// The column names of the machine form.
pub const RAW_HEADER: [&str; 22] = [
    "ticket",
    "checked_in_at",
    "full_name",
    "birth_date",
    "sex",
    "card_number",
    "bhxh_number",
    "citizen_id",
    "facility_code",
    "valid_from",
    "valid_to",
    "status",
    "code",
    "benefit_percent",
    "route",
    "fund_percent",
    "operator",
    "visit_type",
    "repeat",
    "repeat_of",
    "voided",
    "void_reason",
];

/// Free text from a scan or a person, made safe for spreadsheets (see [`sheet::defuse`]).
fn cell(s: &Option<String>) -> String {
    sheet::defuse(s.as_deref().unwrap_or_default())
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The machine form.
pub fn render_raw(day: &Day) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(BOM.to_vec());
    let _ = w.write_record(RAW_HEADER);
    for v in &day.visits {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        let row = [
            v.ticket.clone(),
            v.checked_in_at.clone(),
            cell(&v.full_name),
            o(&v.birth_date),
            o(&v.sex),
            day.id(v.card_number.as_deref()),
            day.id(v.bhxh_number.as_deref()),
            day.id(v.citizen_id.as_deref()),
            o(&v.facility_code),
            text(&v.verdict["valid_from"]),
            text(&v.verdict["valid_to"]),
            v.status.as_str().to_string(),
            v.code.clone(),
            text(&v.verdict["benefit_percent"]),
            text(&v.verdict["route"]),
            text(&v.verdict["fund_percent"]),
            v.operator.clone(),
            v.visit_type.clone(),
            v.repeat.to_string(),
            o(&v.repeat_of),
            v.voided.to_string(),
            cell(&v.void_reason),
        ];
        let _ = w.write_record(row);
    }
    w.into_inner().unwrap_or_default()
}
