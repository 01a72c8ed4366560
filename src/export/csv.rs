//! The day's visits as CSV: UTF-8 with a byte-order mark (so Excel shows Vietnamese), one row per visit
//! in check-in order, voided ones kept and flagged.

use super::Day;
use serde_json::Value;

pub const HEADER: [&str; 22] = [
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

/// Free text from a scan or a person, made safe for spreadsheets: a leading `=`, `+`, `-` or `@` would
/// be run as a formula by Excel, so it gets a leading apostrophe.
fn cell(s: &Option<String>) -> String {
    let s = s.clone().unwrap_or_default();
    if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn render(day: &Day) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record(HEADER);
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
            v.status.clone(),
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
