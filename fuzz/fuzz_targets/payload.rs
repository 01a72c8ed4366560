//! Any text as a scanned payload: parse it, decide a verdict from the card alone. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let detection = tiepdon::card::detect(&text);
    let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap_or_default();
    let verdict = tiepdon::coverage::assess(&detection, None, &tiepdon::coverage::Clinic::default(), at);
    // The verdict is always serialisable (the CLI prints it).
    let _ = serde_json::to_string(&verdict);
});
