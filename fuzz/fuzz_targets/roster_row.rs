//! Any bytes as a roster CSV (a header line, then rows): every row is validated or rejected with a
//! reason. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tiepdon::store::roster_csv::{Header, parse_row};

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
});
