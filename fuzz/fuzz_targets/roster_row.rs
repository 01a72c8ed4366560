//! Any bytes as a roster CSV (a header line, then rows), as a table of any shape (its header found by
//! the Vietnamese aliases, every value normalised), and as an XML 130 claim file: every row is
//! validated or rejected with a reason. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tiepdon::store::roster_csv::{COLUMNS, Header, parse_row};
use tiepdon::store::roster_file::{self, Value};

fuzz_target!(|data: &[u8]| {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
    let mut records = reader.records();
    let Some(Ok(first)) = records.next() else { return };
    let names: Vec<&str> = first.iter().collect();
    let header = match Header::parse(&names) {
        Ok(h) => h,
        Err(_) => match Header::parse(&["card_number", "full_name", "birth_date", "valid_from", "valid_to", "as_of"]) {
            Ok(h) => h,
            Err(_) => return,
        },
    };
    for record in records.flatten() {
        let fields: Vec<&str> = record.iter().collect();
        let _ = parse_row(&header, &fields, chrono::NaiveDate::from_ymd_opt(2026, 11, 1));
    }
    // The same bytes as a table a clinic has, and as a claim file.
    let text = String::from_utf8_lossy(data);
    let rows: Vec<Vec<Value>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .flatten()
        .take(5_000)
        .map(|r| r.iter().map(|f| if f.is_empty() { Value::Empty } else { Value::Text(f.to_string()) }).collect())
        .collect();
    let Ok(canonical) = Header::parse(&COLUMNS) else { return };
    if let Some(mut layout) = roster_file::detect(&rows) {
        let sample = rows.get(layout.first_data_row..).unwrap_or_default().to_vec();
        let _ = roster_file::settle_sex(&mut layout, &sample);
        for row in &sample {
            if let Some(fields) = roster_file::canonical(&layout, row) {
                let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                let _ = parse_row(&canonical, &fields, chrono::NaiveDate::from_ymd_opt(2026, 11, 1));
            }
        }
    }
    for fields in roster_file::claim_rows(&text).unwrap_or_default() {
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let _ = parse_row(&canonical, &fields, chrono::NaiveDate::from_ymd_opt(2026, 11, 1));
    }
});
