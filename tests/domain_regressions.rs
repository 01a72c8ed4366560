//! Regressions found in review of the domain core against formats.md: broken hex kept, CCCD field
//! counts, character (not byte) lengths, unknown replacement cards, a swallowed `$`, truncated cards
//! without validity, facility codes as written.

mod common;

use chrono::NaiveDate;
use tiepdon::card::{Card, Kind, detect};
use tiepdon::coverage::{Clinic, CoverageRecord, RecordStatus, Status, assess};

const LEGACY: &str = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|20/10/1990|1|-|01 - 065|09/01/2018|-|10/01/2018|01090123456789|-|4| 01/08/2019|0a1b2c3d4e5f6a7b-7102|$";

fn bhyt(text: &str) -> tiepdon::card::BhytCard {
    match detect(text).result {
        Ok(Card::Bhyt(b)) => b,
        other => panic!("not a BHYT card: {other:?}"),
    }
}

#[test]
fn broken_hex_is_kept_as_written_and_flagged() {
    let card = bhyt(&LEGACY.replace("4e677579e1bb856e2056c4836e20416e", "4e677579e1bb856"));
    assert_eq!(card.full_name.as_deref(), Some("4e677579e1bb856"));
    assert!(card.warnings.iter().any(|w| w.field == "full_name" && w.message_en.starts_with("The name")));
}

#[test]
fn a_citizen_id_qr_has_6_7_or_at_least_11_fields() {
    let seven = "001090123456|012345678|Nguyễn Văn An|01011990|Nam|Hà Nội|15042021";
    assert_eq!(detect(seven).kind, Kind::Cccd);
    let eight = format!("{seven}|x");
    assert!(detect(&eight).result.is_err(), "8 fields is no known layout");
    let eleven = format!("{seven}||||");
    assert_eq!(detect(&eleven).layout.map(|l| l.to_string()).as_deref(), Some("cccd-11"));
}

#[test]
fn a_15_character_code_with_a_non_ascii_letter_is_a_wrong_code_not_unreadable() {
    let d = detect(&LEGACY.replacen("DN4", "ĐN4", 1));
    assert_eq!(d.result.unwrap_err().code.as_str(), "051");
}

#[test]
fn an_unknown_replacement_card_leaves_no_placeholder() {
    let mut r = CoverageRecord::new(NaiveDate::from_ymd_opt(2018, 6, 1).unwrap());
    r.status = RecordStatus::Replaced;
    r.valid_from = NaiveDate::from_ymd_opt(2018, 1, 9);
    r.valid_to = NaiveDate::from_ymd_opt(2018, 12, 31);
    let at = NaiveDate::from_ymd_opt(2019, 1, 5).unwrap().and_hms_opt(9, 0, 0).unwrap();
    let v = assess(&detect("DN4010123456789"), Some(&r), &Clinic::with_facility("01065"), at);
    assert_eq!(v.code.as_str(), "003");
    assert!(!v.message_vi.contains('?') && !v.message_en.contains('?'), "{}", v.message_en);
}

#[test]
fn a_swallowed_terminator_leaves_no_empty_field_behind() {
    let card = bhyt(LEGACY.strip_suffix('$').unwrap());
    let fields: Vec<&str> = card.warnings.iter().map(|w| w.field).collect();
    assert_eq!(fields, ["payload"], "only the missing-$ note: {:?}", card.warnings);
}

#[test]
fn a_truncated_card_without_validity_parses_and_cannot_be_confirmed() {
    let short = "HS4010123456780|4cc3aa204d696e68204368c3a275|15/03/2008|2|$";
    let card = bhyt(short);
    assert_eq!((card.valid_from, card.full_name.as_deref()), (None, Some("Lê Minh Châu")));
    let at = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap();
    let v = assess(&detect(short), None, &Clinic::with_facility("01028"), at);
    assert_eq!((v.status, v.code.as_str()), (Status::CannotVerify, "050"));
    // A garbled birth date is a warning, not a lost card.
    let card = bhyt(&LEGACY.replace("20/10/1990", "00/00/1990"));
    assert_eq!(card.birth_date, None);
    assert!(card.warnings.iter().any(|w| w.field == "birth_date"));
}

#[test]
fn the_clinic_facility_may_be_written_as_on_the_card() {
    let out = common::tiepdon(&["check", LEGACY, "--date", "2018-06-01", "--facility", "01 - 065"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(common::json_lines(&out)[0]["verdict"]["route"], "1.1");
}
