//! Arbitrary visit text (names, ids, operator, reasons, verdict fields) through the XML0 check-in files,
//! the CSVs and the workbook: must never panic, the XML must stay well-formed with every value escaped,
//! and a masked check-in file must be refused.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tiepdon::export::Day;
use tiepdon::coverage::Status;
use tiepdon::store::visits::{InputKind, Visit};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1f}').map(String::from);
    let mut next = || parts.next();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let visit = Visit {
        id: 1,
        ticket: next().unwrap_or_else(|| "A-001".into()),
        day,
        desk: next().unwrap_or_else(|| "A".into()),
        checked_in_at: next().unwrap_or_else(|| "2026-11-23T09:00:00+07:00".into()),
        full_name: next(),
        birth_date: next(),
        sex: next(),
        card_number: next(),
        bhxh_number: next(),
        citizen_id: next(),
        facility_code: next(),
        verdict: serde_json::json!({"route": next(), "valid_from": next(), "valid_to": next(),
            "benefit_percent": next(), "card_number": next(), "registered_facility": next(),
            "fund_percent": next().and_then(|p| p.parse::<f64>().ok())}),
        // Stored statuses and kinds are parsed at the row boundary: the fuzzer picks among them.
        status: [Status::Eligible, Status::EligibleWithWarning, Status::CannotVerify, Status::NotEligible]
            [data.first().map_or(0, |b| usize::from(*b % 4))],
        code: next().unwrap_or_default(),
        input_kind: [InputKind::Bhyt, InputKind::Cccd, InputKind::Number, InputKind::Ocr]
            [data.last().map_or(0, |b| usize::from(*b % 4))],
        operator: next().unwrap_or_default(),
        visit_type: next().unwrap_or_default(),
        repeat: false,
        repeat_of: next(),
        overrides: vec![],
        voided: false,
        voided_at: None,
        voided_by: None,
        void_reason: next(),
    };
    let mut clinic = tiepdon::coverage::Clinic::default();
    clinic.facility_code = Some("79034".into());
    let exam = tiepdon::store::settings::Exam { code: next(), name: next() };
    let mask_ids = data.first().is_some_and(|b| b & 1 == 1);
    let d = Day { day, clinic, visits: vec![visit], mask_ids, exam, store_id: "0a1b2c3d".into() };
    match tiepdon::export::xml0::render(&d) {
        Ok(files) => {
            assert!(!mask_ids, "a masked check-in file is never written");
            for xml in files.day.iter().chain(files.per_visit.iter().map(|(_, b)| b)) {
                let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
                let mut buf = Vec::new();
                loop {
                    match reader.read_event_into(&mut buf) {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("the export is not well-formed XML: {e}"),
                    }
                    buf.clear();
                }
            }
        }
        Err(_) => assert!(mask_ids || d.exam.code.is_none() || d.exam.name.is_none(), "refused only for a reason"),
    }
    let _ = tiepdon::export::csv::render(&d);
    let _ = tiepdon::export::csv::render_raw(&d);
    let _ = tiepdon::export::xlsx::render(&d);
});
