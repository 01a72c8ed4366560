//! The parser and the verdict never panic, whatever text arrives: arbitrary strings, arbitrary bytes,
//! random pipe-separated fields, and real payloads with random damage.
//!
//! The default run uses 2,000 cases per property; `PROPTEST_CASES=1000000 cargo test --release --test
//! never_panics` is the long run.

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::Config;
use tiepdon::card::{Card, Kind, ParseReport, detect};
use tiepdon::coverage::{Clinic, Status, assess};

const SEEDS: [&str; 5] = [
    "DN4010123456789|4e677579e1bb856e2056c4836e20416e|20/10/1990|1|5068c6b0|01 - 065|09/01/2018|31/12/2018|10/01/2018|01090123456789|-|4| 01/08/2019|0a1b2c3d4e5f6a7b-7102|$",
    "0123456789|5472e1baa76e205468e1bb8b2042c3ac6e68|30/07/1981|2|-|79 - 034|01/02/2021|-|20/02/2021|79020123456789|-|4| 01/01/2015|1a2b3c4d5e6f7a8b-7102|4|5175e1baad6e|$",
    "HS4010123456780|4cc3aa204d696e68204368c3a275|15/03/2008|2|-|01 - 028|24/01/2019|-|24/01/2019|$",
    "001090123456|012345678|Nguyễn Văn An|01011990|Nam|Số 1 Ngõ 2, Hà Nội|15042021",
    "079181012345||Trần Thị Bình|30071981|Nữ|Quận 12|01072024||||",
];

/// Tokens that sit on the parser's decision boundaries.
const TOKENS: [&str; 24] = [
    "$",
    "-",
    "",
    " ",
    "1",
    "2",
    "4",
    "Nam",
    "Nữ",
    "29/02/2024",
    "29/02/2023",
    "31/12/9999",
    "1990",
    "01011990",
    "0123456789",
    "001090123456",
    "DN4010123456789",
    "QN5970123456789",
    "79 - 034",
    "01 – C54",
    "ff",
    "e1bb",
    "4e677579e1bb856e",
    "\u{0}",
];

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2_000);
    eprintln!("proptest: {cases} cases per property");
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Runs the whole pure pipeline on `text` and checks the invariants that must hold for any input.
fn exercise(text: &str) {
    let detection = detect(text);
    let report = ParseReport::from(&detection);
    serde_json::to_string(&report).expect("a report always serialises");
    let at = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap();
    let verdict = assess(&detection, None, &Clinic::with_facility("79034"), at);
    serde_json::to_string(&verdict).expect("a verdict always serialises");
    match &detection.result {
        Ok(card) => {
            assert_eq!(card.kind(), detection.kind);
            assert_eq!(Some(card.layout()), detection.layout);
            if !matches!(card, Card::Bhyt(_)) {
                assert_ne!(verdict.status, Status::Eligible, "an identity alone is never eligible");
            }
        }
        Err(_) => {
            assert_eq!(verdict.status, Status::CannotVerify);
            assert!(report.error.is_some() && report.card.is_none());
        }
    }
    if detection.kind == Kind::Unknown {
        assert!(detection.result.is_err());
    }
}

/// A real payload with up to 8 random edits (insert, delete or replace one character).
fn damaged_seed() -> impl Strategy<Value = String> {
    (0..SEEDS.len(), prop::collection::vec((any::<u16>(), 0u8..3, any::<char>()), 0..8)).prop_map(
        |(i, edits)| {
            let mut chars: Vec<char> = SEEDS[i].chars().collect();
            for (pos, op, c) in edits {
                let at = usize::from(pos) % (chars.len() + 1);
                match op {
                    0 => chars.insert(at, c),
                    1 if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ if at < chars.len() => chars[at] = c,
                    _ => {}
                }
            }
            chars.into_iter().collect()
        },
    )
}

/// Pipe-joined fields drawn from boundary tokens and random text.
fn token_fields() -> impl Strategy<Value = String> {
    let field = prop_oneof![3 => prop::sample::select(&TOKENS[..]).prop_map(str::to_string), 1 => ".{0,20}"];
    prop::collection::vec(field, 0..20).prop_map(|f| f.join("|"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_string(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn pipe_fields(text in token_fields()) {
        exercise(&text);
    }

    #[test]
    fn damaged_real_payloads(text in damaged_seed()) {
        exercise(&text);
    }
}

#[test]
fn oversized_input_is_rejected_quickly() {
    let huge = format!("{}|$", "a".repeat(10_000_000));
    let d = detect(&huge);
    assert_eq!(d.kind, Kind::Unknown);
    assert!(d.result.is_err());
}
