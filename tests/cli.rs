//! The CLI contract of `tiepdon parse` and `tiepdon check`, through the real binary: the spec's example
//! payloads, the exact keys, exit codes, stdin handling and scanner noise.

mod common;

use common::{json_lines, tiepdon};
use serde_json::{Value, json};

const SPEC_A: &str = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|20/10/1990|1|5068c6b0e1bb9d6e67204cc3a16e672048e1baa12c205175e1baad6e20c490e1bb916e6720c490612c205468c3a06e68207068e1bb912048c3a0204ee1bb9969|01 - 065|09/01/2018|31/12/2018|10/01/2018|01090123456789|-|4| 01/08/2019|0a1b2c3d4e5f6a7b-7102|$";
const SPEC_B: &str = "0123456789|5472e1baa76e205468e1bb8b2042c3ac6e68|30/07/1981|2|-|79 - 034|01/02/2021|-|20/02/2021|79020123456789|-|4| 01/01/2015|1a2b3c4d5e6f7a8b-7102|4|5175e1baad6e2031322c205468c3a06e68207068e1bb912048e1bb93204368c3ad204d696e68|$";
const SPEC_C: &str =
    "HS4010123456780|4cc3aa204d696e68204368c3a275|15/03/2008|2|-|01 - 028|24/01/2019|-|24/01/2019|$";
const SPEC_CCCD7: &str = "001090123456|012345678|Nguyễn Văn An|01011990|Nam|Số 1 Ngõ 2, Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021";
const SPEC_CCCD11: &str = "079181012345||Trần Thị Bình|30071981|Nữ|Số 10 Đường số 3, Phường Tân Thới Hiệp, Quận 12, Thành phố Hồ Chí Minh|01072024||||";

fn parse_one(text: &str) -> (Value, i32) {
    let out = tiepdon(&["parse", text], "");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "one JSON line, stderr: {}", String::from_utf8_lossy(&out.stderr));
    (lines[0].clone(), out.status.code().expect("exited normally"))
}

/// Asserts that every key of `want` has that value in `card`.
fn assert_card(report: &Value, want: Value) {
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(&report["card"][key], value, "key {key} in {report}");
    }
}

#[test]
fn spec_example_a_legacy() {
    let (r, code) = parse_one(SPEC_A);
    assert_eq!(code, 0);
    assert_eq!(
        (r["kind"].as_str(), r["layout"].as_str(), &r["error"]),
        (Some("bhyt"), Some("bhyt-legacy"), &Value::Null)
    );
    assert_card(
        &r,
        json!({
            "card_number": "DN4010123456789", "bhxh_number": "0123456789", "group_code": "DN", "benefit_level": 4,
            "province_code": "01", "full_name": "Nguyễn Văn An", "birth_date": "1990-10-20", "sex": "male",
            "address": "Phường Láng Hạ, Quận Đống Đa, Thành phố Hà Nội", "facility_code": "01065",
            "valid_from": "2018-01-09", "valid_to": "2018-12-31", "issued_on": "2018-01-10",
            "management_code": "01090123456789", "parent_name": null, "area_code": "4",
            "five_year_date": "2019-08-01", "check_string": "0a1b2c3d4e5f6a7b-7102", "warnings": []
        }),
    );
}

#[test]
fn spec_example_b_new_layout() {
    let (r, _) = parse_one(SPEC_B);
    assert_eq!(r["layout"], "bhyt-new");
    assert_card(
        &r,
        json!({
            "card_number": null, "bhxh_number": "0123456789", "group_code": null, "benefit_level": null,
            "province_code": null, "full_name": "Trần Thị Bình", "birth_date": "1981-07-30", "sex": "female",
            "address": null, "facility_code": "79034", "valid_from": "2021-02-01", "valid_to": null,
            "issued_on": "2021-02-20", "management_code": "79020123456789", "five_year_date": "2015-01-01",
            "issuing_area": "Quận 12, Thành phố Hồ Chí Minh"
        }),
    );
}

#[test]
fn spec_example_c_truncated() {
    let (r, _) = parse_one(SPEC_C);
    assert_eq!(r["layout"], "bhyt-truncated");
    assert_card(
        &r,
        json!({
            "card_number": "HS4010123456780", "group_code": "HS", "benefit_level": 4, "province_code": "01",
            "full_name": "Lê Minh Châu", "birth_date": "2008-03-15", "sex": "female", "facility_code": "01028",
            "valid_from": "2019-01-24", "valid_to": null, "issued_on": "2019-01-24", "management_code": null,
            "five_year_date": null, "check_string": null
        }),
    );
}

#[test]
fn spec_cccd_examples() {
    let (r, _) = parse_one(SPEC_CCCD7);
    assert_eq!((r["kind"].as_str(), r["layout"].as_str()), (Some("cccd"), Some("cccd-7")));
    assert_card(
        &r,
        json!({
            "citizen_id": "001090123456", "old_id": "012345678", "full_name": "Nguyễn Văn An",
            "birth_date": "1990-01-01", "sex": "male", "address": "Số 1 Ngõ 2, Phường Láng Hạ, Quận Đống Đa, Hà Nội",
            "issued_on": "2021-04-15"
        }),
    );
    let (r, _) = parse_one(SPEC_CCCD11);
    assert_eq!(r["layout"], "cccd-11");
    assert_card(
        &r,
        json!({
            "citizen_id": "079181012345", "old_id": null, "full_name": "Trần Thị Bình", "birth_date": "1981-07-30",
            "sex": "female", "issued_on": "2024-07-01"
        }),
    );
}

#[test]
fn year_only_birth_and_missing_terminator() {
    let payload = SPEC_A.replace("|20/10/1990|", "|1990|").replace("|$", "");
    let (r, code) = parse_one(&payload);
    assert_eq!(code, 0);
    assert_eq!((r["kind"].as_str(), r["card"]["birth_date"].as_str()), (Some("bhyt"), Some("1990")));
    let warnings = r["card"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w["message_en"].as_str().unwrap().contains("terminator")),
        "{warnings:?}"
    );
}

#[test]
fn wedge_scanner_noise_and_decomposed_text_are_cleaned() {
    let decomposed = "001090123456|012345678|Nguye\u{302}\u{303}n Va\u{306}n An|01011990|Nam|Hà Nội|15042021";
    let out = tiepdon(&["parse", "--stdin"], &format!("\u{0}{decomposed}\u{0}\r\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json_lines(&out)[0]["card"]["full_name"], "Nguyễn Văn An");
}

#[test]
fn typed_numbers_have_their_own_layouts() {
    for (text, layout, key, value) in [
        ("dn4010123456789", "card-code", "card_number", "DN4010123456789"),
        ("0123456789", "bhxh-number", "bhxh_number", "0123456789"),
        ("001090123456", "citizen-id", "citizen_id", "001090123456"),
        ("012345678", "old-id", "old_id", "012345678"),
    ] {
        let (r, code) = parse_one(text);
        assert_eq!(
            (code, r["kind"].as_str(), r["layout"].as_str()),
            (0, Some("number"), Some(layout)),
            "{text}"
        );
        assert_eq!(r["card"][key], value, "{text}");
    }
}

#[test]
fn rejections_exit_1_with_a_reason_in_both_languages() {
    for (text, kind, code) in [
        ("DN0010123456789", "number", "053"),
        ("DN4030123456789", "number", "052"),
        ("DN40101234567A9", "number", "051"),
        ("https://example.invalid/x", "unknown", "L04"),
        ("xin chào", "unknown", "L04"),
        ("DN40101", "number", "051"),
        ("12345", "number", "L04"),
        ("a|b|c", "unknown", "L04"),
        ("", "unknown", "L04"),
        ("DN4010123456789|416e|31/01/1990|1|-|01 - 065|31/02/2018|-|10/01/2018|$", "bhyt", "L04"),
    ] {
        let out = tiepdon(&["parse", text], "");
        assert_eq!(out.status.code(), Some(1), "{text}");
        let r = &json_lines(&out)[0];
        assert_eq!(
            (r["kind"].as_str(), r["error_code"].as_str(), &r["card"]),
            (Some(kind), Some(code), &Value::Null),
            "{text}"
        );
        assert!(r["error"].as_str().unwrap().starts_with(code), "{r}");
        assert!(!r["error_vi"].as_str().unwrap().is_ascii(), "Vietnamese reason for {text}: {r}");
        assert!(!out.stderr.is_empty(), "a human message on stderr for {text}");
    }
}

#[test]
fn stdin_gives_one_line_per_input_and_survives_invalid_utf8() {
    let out = tiepdon(&["parse", "--stdin"], &format!("{SPEC_A}\n\n{SPEC_CCCD7}\r\n0123456789\n"));
    assert!(out.status.success());
    let kinds: Vec<String> =
        json_lines(&out).iter().map(|r| r["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["bhyt", "cccd", "number"]);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(["parse", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"\xff\xfe|\x80\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out)[0]["error_code"], "L04");
}

#[test]
fn check_prints_the_card_and_the_verdict() {
    let out = tiepdon(&["check", SPEC_A, "--date", "2018-12-31", "--facility", "01065"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = &json_lines(&out)[0];
    assert_eq!(r["card"]["card_number"], "DN4010123456789");
    let v = &r["verdict"];
    for key in [
        "status",
        "code",
        "message_vi",
        "message_en",
        "benefit_percent",
        "valid_from",
        "valid_to",
        "days_left",
        "route",
        "five_year_reached",
        "source",
    ] {
        assert!(v.get(key).is_some(), "verdict has {key}: {v}");
    }
    assert_eq!((v["status"].as_str(), v["code"].as_str()), (Some("ELIGIBLE_WITH_WARNING"), Some("L08")));
    assert_eq!(
        (v["days_left"].as_i64(), v["benefit_percent"].as_i64(), v["route"].as_str()),
        (Some(0), Some(80), Some("1.1"))
    );
    assert_eq!(v["source"], "qr");

    let out = tiepdon(&["check", SPEC_A, "--date", "2019-01-01"], "");
    let v = &json_lines(&out)[0]["verdict"];
    assert_eq!(
        (v["status"].as_str(), v["code"].as_str(), v["route"].as_str()),
        (Some("NOT_ELIGIBLE"), Some("010"), None)
    );

    let out = tiepdon(&["check", SPEC_B, "--date", "2026-11-23", "--facility", "79034"], "");
    let v = &json_lines(&out)[0]["verdict"];
    assert_eq!(
        (v["status"].as_str(), v["code"].as_str(), &v["benefit_percent"]),
        (Some("ELIGIBLE_WITH_WARNING"), Some("L06"), &Value::Null)
    );
    assert!(v["message_en"].as_str().unwrap().contains("Benefit level unknown"));

    let out = tiepdon(&["check", SPEC_CCCD7], "");
    let v = &json_lines(&out)[0]["verdict"];
    assert_eq!(
        (v["status"].as_str(), v["code"].as_str(), v["source"].as_str()),
        (Some("CANNOT_VERIFY"), Some("050"), Some("none"))
    );
}

#[test]
fn check_takes_the_clinic_profile_and_the_visit_and_prints_route_and_fund_percent() {
    // SPEC_A (registered at 01065, level 4, 80 %) on 1/12/2026 at a basic-level 50–70-point clinic 79034.
    let base = ["check", SPEC_A, "--date", "2026-12-01", "--facility", "79034"];
    let profile = ["--level", "co_ban", "--score-band", "50_to_lt70"];
    let run = |extra: &[&str]| {
        let out = tiepdon(&[&base[..], &profile[..], extra].concat(), "");
        json_lines(&out)[0]["verdict"].clone()
    };
    let v = run(&[]);
    // SPEC_A's card ended in 2018: NOT_ELIGIBLE 010 decides, but the category and share are still told.
    assert_eq!((v["route"].as_str(), v["fund_percent"].as_f64()), (Some("1.13"), Some(40.0)), "{v}");
    assert_eq!(v["route_percent"], 50);
    assert_eq!(v["route_pending"], "1.16");
    assert_eq!(v["visit"]["kind"], "outpatient");
    let v = run(&["--visit-kind", "inpatient"]);
    assert_eq!((v["route"].as_str(), v["fund_percent"].as_f64()), (Some("1.15"), Some(80.0)), "{v}");
    let v = run(&["--paper", "transfer"]);
    assert_eq!((v["route"].as_str(), v["visit"]["paper"].as_str()), (Some("1.3"), Some("transfer")), "{v}");
    let v = run(&["--emergency"]);
    assert_eq!(v["route"], "2");
    let out = tiepdon(&[&base[..], &["--level", "nonsense"][..]].concat(), "");
    assert_eq!(out.status.code(), Some(2), "a bad level is a usage error");
}

#[test]
fn check_of_unreadable_input_is_cannot_verify_and_exit_1() {
    let out = tiepdon(&["check", "not a card"], "");
    assert_eq!(out.status.code(), Some(1));
    let v = &json_lines(&out)[0]["verdict"];
    assert_eq!(v["status"], "CANNOT_VERIFY");
}

#[test]
fn usage_errors_exit_2_without_json() {
    for args in
        [&["check", SPEC_A, "--date", "31/12/2018"][..], &["check", SPEC_A, "--facility", "7903"], &["parse"]]
    {
        let out = tiepdon(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn no_subcommand_opens_the_window_or_says_why_not() {
    let help = tiepdon(&["--help"], "");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("window") && help.contains("parse") && help.contains("check"), "{help}");
    // With no display at all, `tiepdon` alone cannot open its window: a clear error, no panic.
    let home = std::env::temp_dir().join(format!("tiepdon-nodisplay-{}", std::process::id()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .env("XDG_DATA_HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .output()
        .expect("tiepdon runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot open the window"), "{err}");
    assert!(home.join("tiepdon/demo.db").is_file(), "a first run prepares the demo database");
    let _ = std::fs::remove_dir_all(&home);
}
