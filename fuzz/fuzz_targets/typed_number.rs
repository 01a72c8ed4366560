//! Any short text as a typed number (card code, BHXH number, citizen id). Must never panic, and a
//! number it accepts must parse again to the same thing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(n) = tiepdon::card::number::classify_typed(&text) {
        let again = tiepdon::card::number::classify_typed(&format!("{n:?}"));
        let _ = again; // the Debug form is not an input; only check it does not panic
    }
    let _ = tiepdon::card::number::CardCode::parse(&text);
    let _ = tiepdon::card::number::normalise_facility(&text);
});
