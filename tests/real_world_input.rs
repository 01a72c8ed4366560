//! Real-world input (issue 15): every card and scanner quirk seen in the field is read, repaired or told
//! plainly. One test per quirk, with payloads of that shape written here (made-up people), and the
//! property that an input method's rewriting is undone exactly or refused, never read as another card.

mod common;

use common::{json_lines, tiepdon};
use proptest::prelude::*;
use serde_json::Value;
use tiepdon::card::ime::{Method, type_through};
use tiepdon::card::{Card, detect};

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A legacy BHYT payload (15 fields with the terminator) with the given code, name and validity. The
/// management code is 4 digits + the BHXH number, or 12 digits on a card before 2015.
fn legacy(code: &str, name: &str, from: &str, to: &str) -> String {
    let tail = &code[5..];
    let management =
        if tail.bytes().all(|b| b.is_ascii_digit()) { format!("0101{tail}") } else { "010100313123".into() };
    format!(
        "{code}|{}|15/06/1958|1|{}|01 - 065|{from}|{to}|{from}|{management}|-|4|-|0a1b2c3d4e5f6a7b-7102|$",
        hex(name),
        hex("Số 5 Phố Huế, Hà Nội"),
    )
}

/// `tiepdon parse` of one input: its JSON report.
fn parse(input: &str) -> Value {
    let out = tiepdon(&["parse", input], "");
    json_lines(&out).into_iter().next().unwrap_or_else(|| panic!("a report for {input:?}"))
}

fn warned(report: &Value, field: &str, words: &str) -> bool {
    report["card"]["warnings"].as_array().is_some_and(|w| {
        w.iter().any(|w| w["field"] == field && w["message_en"].as_str().is_some_and(|m| m.contains(words)))
    })
}

mod old_cards {
    use super::*;

    #[test]
    fn a_pre_2015_code_is_read_as_legacy_with_a_warning_and_its_dates_decide() {
        for code in ["DN401AA31900313", "DN479GA78900007"] {
            let payload = legacy(code, "Trần Văn Bình", "01/01/2012", "31/12/2012");
            let r = parse(&payload);
            assert_eq!(r["layout"], "bhyt-legacy", "{r}");
            assert_eq!(r["card"]["card_number"], code);
            assert_eq!(r["card"]["full_name"], "Trần Văn Bình");
            assert_eq!(r["card"]["bhxh_number"], Value::Null, "an old code holds no BHXH number");
            assert!(warned(&r, "card_number", "Old card template"), "{r}");
            assert!(!warned(&r, "management_code", ""), "a 12-digit management code is the old norm: {r}");
            let out = tiepdon(&["check", &payload, "--date", "2026-12-01", "--facility", "01065"], "");
            let v = &json_lines(&out)[0]["verdict"];
            assert_eq!(v["code"], "010", "long expired: {v}");
        }
    }

    #[test]
    fn benefit_codes_above_5_are_old_and_give_no_share() {
        for code in ["HS7010120300001", "MS7790120300001", "TQ7790120300001"] {
            let payload = legacy(code, "Lê Thị Hoa", "01/01/2026", "31/12/2027");
            let out = tiepdon(&["check", &payload, "--date", "2026-12-01", "--facility", "01065"], "");
            let r = &json_lines(&out)[0];
            assert_eq!(r["card"]["benefit_level"], 7, "{r}");
            assert_eq!(r["verdict"]["benefit_percent"], Value::Null, "an old level means another share: {r}");
        }
    }

    #[test]
    fn a_typed_old_code_says_why_it_cannot_be_looked_up() {
        let r = parse("dn401 aa319 00313");
        assert_eq!((r["kind"].as_str(), r["layout"].as_str()), (Some("number"), Some("card-code")), "{r}");
        assert_eq!(r["card"]["card_number"], "DN401AA31900313");
        assert!(warned(&r, "card_number", "cannot be looked up by"), "{r}");
    }
}

mod terminators {
    use super::*;

    #[test]
    fn dollar_hash_none_nul_padding_and_line_ends_all_read_the_same_card() {
        let base = legacy("DN4010123456789", "Nguyễn Văn An", "01/01/2026", "31/12/2027");
        let body = base.strip_suffix("|$").expect("ends in |$");
        let want = detect(&base).result.expect("the base reads");
        for (input, terminated) in [
            (format!("{body}|#"), true),
            (format!("{body}|$\0\0\0\0"), true),
            (format!("{body}|$\r\n"), true),
            (format!("{body}|"), false),
            (body.to_string(), false),
        ] {
            let d = detect(&input);
            let Ok(Card::Bhyt(card)) = &d.result else { panic!("{input:?}: {:?}", d.result) };
            let Card::Bhyt(w) = &want else { unreachable!() };
            assert_eq!(card.full_name, w.full_name, "{input:?}");
            assert_eq!(card.valid_to, w.valid_to, "{input:?}");
            assert_eq!(card.terminated, terminated, "{input:?}");
            let missing = card.warnings.iter().any(|w| w.message_en.contains("terminator is missing"));
            assert_eq!(missing, !terminated, "{input:?}");
        }
    }
}

mod hex_fields {
    use super::*;

    #[test]
    fn upper_and_lower_case_hex_read_alike_and_text_that_is_not_hex_is_kept_with_a_warning() {
        let lower = legacy("DN4010123456789", "Nguyễn Văn An", "01/01/2026", "31/12/2027");
        let upper = lower.replace(&hex("Nguyễn Văn An"), &hex("Nguyễn Văn An").to_uppercase());
        assert_eq!(parse(&upper)["card"]["full_name"], "Nguyễn Văn An");
        // The parent's name written as plain text, and once already damaged.
        for parent in ["Nguyễn Văn Cha", "Nguy?n V?n Cha"] {
            let payload = lower.replacen("|-|4|", &format!("|{parent}|4|"), 1);
            let r = parse(&payload);
            assert_eq!(r["card"]["parent_name"], parent, "kept as written: {r}");
            assert!(warned(&r, "parent_name", "not hex-encoded"), "{r}");
            assert_eq!(r["repaired"], false);
        }
    }
}

mod separators {
    use super::*;

    #[test]
    fn leading_spaces_facility_forms_and_check_strings_are_read() {
        let base = legacy("DN4010123456789", "Nguyễn Văn An", "01/01/2026", "31/12/2027");
        let spaced = base.replace("|01/01/2026|31/12/2027|", "| 01/01/2026| 31/12/2027|");
        assert_eq!(parse(&spaced)["card"]["valid_to"], "2027-12-31");
        for (written, code) in [
            ("01 - 028", "01028"),
            ("01-028", "01028"),
            ("01 – 028", "01028"),
            ("01 028", "01028"),
            ("01 - C54", "01C54"),
        ] {
            let r = parse(&base.replace("01 - 065", written));
            assert_eq!(r["card"]["facility_code"], code, "{written}");
            assert!(!warned(&r, "facility_code", ""), "{written}: {r}");
        }
        for check in ["0a1b2c3d4e5f6a7-0101", "0A1B2c3d4e5f6a7b-7102", "0a1b2c3d4e5f6a7b-1202"] {
            let r = parse(&base.replace("0a1b2c3d4e5f6a7b-7102", check));
            assert_eq!(r["card"]["check_string"], check, "kept verbatim");
        }
    }
}

mod addresses {
    use super::*;

    #[test]
    fn a_workplace_is_an_address_and_a_city_code_is_kept_apart() {
        let base = legacy("DN4790123456789", "Võ Thị Mai", "01/01/2026", "31/12/2027");
        let school = base.replace(&hex("Số 5 Phố Huế, Hà Nội"), &hex("Trường THPT Nguyễn Du, Quận 1"));
        let r = parse(&school);
        assert_eq!(r["card"]["address"], "Trường THPT Nguyễn Du, Quận 1");
        assert_eq!(r["card"]["address_code"], Value::Null);
        let hcm = base.replace(
            &hex("Số 5 Phố Huế, Hà Nội"),
            &hex("Phường 12, Quận Gò Vấp, Thành phố Hồ Chí Minh_16146234"),
        );
        let r = parse(&hcm);
        assert_eq!(r["card"]["address"], "Phường 12, Quận Gò Vấp, Thành phố Hồ Chí Minh");
        assert_eq!(r["card"]["address_code"], "16146234");
    }
}

mod citizen_cards {
    use super::*;

    const ADDRESS: &str = "Phường Láng, Thành phố Hà Nội";

    #[test]
    fn birth_dates_keep_their_precision() {
        for (written, iso) in [("01011990", "1990-01-01"), ("031990", "1990-03"), ("1990", "1990")] {
            let r = parse(&format!("001090123456||Nguyễn Văn An|{written}|Nam|{ADDRESS}|15042021"));
            assert_eq!(r["card"]["birth_date"], iso, "{written}: {r}");
            assert!(!warned(&r, "citizen_id", ""), "the id agrees with 1990: {r}");
        }
    }

    #[test]
    fn an_eleven_field_can_cuoc_names_the_parents_and_an_adults_are_empty() {
        let child = format!(
            "079221012345||Trần Minh Khôi|05032022|Nam|{ADDRESS}|01072024|TRẦN VĂN BÌNH|NGUYỄN THỊ LAN||"
        );
        let r = parse(&child);
        assert_eq!(r["layout"], "cccd-11", "{r}");
        assert_eq!(r["card"]["father_name"], "TRẦN VĂN BÌNH");
        assert_eq!(r["card"]["mother_name"], "NGUYỄN THỊ LAN");
        assert_eq!(r["card"]["old_id"], Value::Null, "an empty old id");
        let adult = format!("079181012345||Trần Thị Bình|30071981|Nữ|{ADDRESS}|01072024||||");
        let r = parse(&adult);
        assert_eq!(
            (r["card"]["father_name"].clone(), r["card"]["mother_name"].clone()),
            (Value::Null, Value::Null)
        );
        assert_eq!(r["card"]["sex"], "female");
    }

    #[test]
    fn a_party_membership_card_is_refused_as_not_a_citizen_card() {
        let r = parse("079123456789|Nguyễn Văn An|01011980|03022010|Chi bộ 3|Đảng bộ phường Láng|03022011");
        assert_eq!(r["card"], Value::Null, "{r}");
        assert!(r["error"].as_str().is_some_and(|e| e.contains("not a citizen card")), "{r}");
    }
}

mod keyboard_wedge {
    use super::*;

    #[test]
    fn telex_damage_is_undone_and_marked_repaired() {
        let payload = legacy("DN401AA31900313", "Trần Văn Bình", "01/01/2012", "31/12/2012");
        let typed = type_through(&payload, Method::Telex);
        assert_ne!(typed, payload, "Telex rewrites this payload");
        let r = parse(&typed);
        assert_eq!(r["repaired"], true, "{r}");
        assert_eq!(r["input_method"], true);
        assert_eq!(r["card"]["card_number"], "DN401AA31900313");
        assert_eq!(r["card"]["full_name"], "Trần Văn Bình");
        assert!(warned(&r, "payload", "Telex"), "{r}");
    }

    #[test]
    fn vni_damage_that_cannot_be_undone_says_to_switch_to_english() {
        let payload = legacy("DN4010123456789", "Nguyễn Văn An", "01/01/2026", "31/12/2027");
        let typed = type_through(&payload, Method::Vni);
        let r = parse(&typed);
        assert_eq!(r["card"], Value::Null, "{r}");
        assert_eq!(r["input_method"], true);
        assert!(r["error"].as_str().is_some_and(|e| e.contains("English (E)")), "{r}");
        assert!(r["error_vi"].as_str().is_some_and(|e| e.contains("tiếng Anh (E)")), "{r}");
    }

    #[test]
    fn a_vni_typed_card_code_is_restored() {
        let typed = type_through("TE1790123456789", Method::Vni);
        assert_eq!(typed, "TÉ790123456789");
        let r = parse(&typed);
        assert_eq!(r["card"]["card_number"], "TE1790123456789", "{r}");
        assert_eq!(r["repaired"], true);
    }

    #[test]
    fn mojibake_a_stray_bar_alt_codes_and_capitals() {
        let good = "001190123456|012345678|Nguyễn Thị Nữ|01011990|Nữ|Phường Láng, Hà Nội|15042021";
        assert!(detect(good).result.as_ref().is_ok_and(|c| c.warnings().is_empty()), "a clean card");
        let want = detect(good).result.expect("reads");
        // UTF-8 read as Windows-1252.
        let mojibake: String =
            good.bytes().map(|b| if b < 0x80 { char::from(b) } else { cp1252(b) }).collect();
        assert_ne!(mojibake, good);
        let d = detect(&mojibake);
        assert_eq!(d.result.as_ref().ok(), Some(&want), "{mojibake}");
        assert!(d.repaired);
        // A `|` typed inside a word.
        let d = detect(&good.replace("Nguyễn Thị", "Nguy|ễn Thị"));
        assert_eq!(d.result.as_ref().ok(), Some(&want));
        assert!(d.repaired && !d.input_method);
        // Alt-code digits for the accented letters.
        let d = detect(&good.replace("Nguyễn", "Nguy7877n"));
        assert_eq!(d.result.as_ref().ok(), Some(&want));
        // Upper-cased by the receiving field: the same person, in capitals.
        let d = detect(&good.to_uppercase());
        let Ok(Card::Cccd(c)) = &d.result else { panic!("{:?}", d.result) };
        assert_eq!((c.full_name.as_str(), c.sex), ("NGUYỄN THỊ NỮ", Some(tiepdon::card::Sex::Female)));
        let bhyt = legacy("DN4010123456789", "Nguyễn Văn An", "01/01/2026", "31/12/2027");
        assert_eq!(parse(&bhyt.to_uppercase())["card"]["full_name"], "Nguyễn Văn An");
    }

    fn cp1252(b: u8) -> char {
        const HIGH: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";
        match b {
            0x80..=0x9f => HIGH.chars().nth(usize::from(b - 0x80)).expect("in the table"),
            _ => char::from(b),
        }
    }

    const SYLLABLES: &[&str] = &[
        "Nguyễn", "Trần", "Lê", "Phạm", "Đặng", "Văn", "Thị", "An", "Bình", "Châu", "Dũng", "Đức", "Hạnh",
        "Hương", "Khoa", "Mai", "Ngọc", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Việt", "Yến", "Ánh", "Ê",
        "Bảo", "Cầm", "Đào", "Ấu",
    ];

    fn name() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(SYLLABLES), 2..5).prop_map(|w| w.join(" "))
    }

    fn date() -> impl Strategy<Value = String> {
        (1..=28u32, 1..=12u32, 1940..=2020i32).prop_map(|(d, m, y)| format!("{d:02}/{m:02}/{y}"))
    }

    prop_compose! {
        fn bhyt_payload()(
            group in prop::sample::select(&[("DN", 4), ("HT", 3), ("TE", 1), ("GD", 4), ("HS", 4), ("CC", 1), ("CA", 5), ("AK", 2)][..]),
            province in prop::sample::select(&["01", "79", "48", "31", "92"][..]),
            digits in "[0-9]{10}",
            old in prop::sample::select(&["", "AA", "GA", "DD", "EE", "BE"][..]),
            name in name(),
            upper in any::<bool>(),
            born in prop_oneof![date(), (1930..2020i32).prop_map(|y| y.to_string())],
            sex in 1..=2u8,
            street in name(),
            facility in prop::sample::select(&["79 - 034", "01 - C54", "01-028", "48 028"][..]),
            from in (1..=28u32, 1..=12u32, 2000..=2025i32).prop_map(|(d, m, y)| format!("{d:02}/{m:02}/{y}")),
            to in prop_oneof![(1..=28u32, 1..=12u32, 2026..=2030i32).prop_map(|(d, m, y)| format!("{d:02}/{m:02}/{y}")), Just("-".to_string())],
            parent in prop_oneof![Just(None), name().prop_map(Some)],
            check in "[0-9a-f]{16}",
            newer in any::<bool>(),
        ) -> String {
            let h = |s: &str| if upper { hex(s).to_uppercase() } else { hex(s) };
            let code = if old.is_empty() {
                format!("{}{}{province}{digits}", group.0, group.1)
            } else {
                format!("{}{}{province}{old}{}", group.0, group.1, &digits[..8])
            };
            let parent = parent.map_or("-".to_string(), |p| h(&p));
            let address = h(&format!("Số {} Đường {street}, Hà Nội", sex + 3));
            if newer {
                format!(
                    "{digits}|{}|{born}|{sex}|{address}|{facility}|{from}|{to}|{from}|0101{digits}|{parent}|4|-|{check}-7102|4|{}|$",
                    h(&name), h("Quận Cầu Giấy, Thành phố Hà Nội"),
                )
            } else {
                format!(
                    "{code}|{}|{born}|{sex}|{address}|{facility}|{from}|{to}|{from}|0101{digits}|{parent}|4|-|{check}-7102|$",
                    h(&name),
                )
            }
        }
    }

    prop_compose! {
        fn cccd_payload()(
            id in "0(01|79|48)[0-3][0-9]{8}",
            name in name(),
            born in date(),
            street in name(),
            n in 1..200u32,
        ) -> String {
            let born = born.replace('/', "");
            format!("{id}||{name}|{born}|Nam|Số {n} Đường {street}, Phường Láng, Hà Nội|15042021")
        }
    }

    fn typed_code() -> impl Strategy<Value = String> {
        (prop::sample::select(&["DN4", "TE1", "HT3", "CA5", "AK2"][..]), "(01|79)[0-9]{10}")
            .prop_map(|(head, rest)| format!("{head}{rest}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Any valid payload typed through Telex or VNI is read as exactly the same card, or refused with
        /// the input-method reason; never read as another card.
        #[test]
        fn an_input_method_is_undone_exactly_or_refused(
            payload in prop_oneof![bhyt_payload(), cccd_payload(), typed_code()],
            vni in any::<bool>(),
        ) {
            let method = if vni { Method::Vni } else { Method::Telex };
            let original = detect(&payload);
            prop_assert!(original.result.is_ok(), "the generator makes valid payloads: {payload} {:?}", original.result);
            let typed = type_through(&payload, method);
            let d = detect(&typed);
            if typed == payload {
                prop_assert_eq!(&d.result, &original.result);
            } else {
                match &d.result {
                    Ok(card) => {
                        prop_assert_eq!(Some(card), original.result.as_ref().ok(), "{} → {}", payload, typed);
                        prop_assert!(d.repaired && d.input_method);
                    }
                    Err(why) => {
                        prop_assert!(d.input_method, "{} → {}: {}", payload, typed, why);
                        prop_assert!(why.detail_en.contains("English (E)"), "{}", why);
                    }
                }
            }
        }
    }

    #[test]
    fn a_long_or_hostile_marked_text_is_answered_at_once() {
        // Marked words that fit many originals, in every field of a BHYT-shaped text and as a typed
        // code: the search gives up (and refuses) instead of running on.
        let word = "ầâđèàêđầ";
        let fields: Vec<String> = (0..16).map(|i| format!("{i}{word}{word}e1{word}")).collect();
        for text in [fields.join("|") + "|$", format!("TÊ{}", "ầ".repeat(12)), word.repeat(140)] {
            let started = std::time::Instant::now();
            let d = detect(&text);
            assert!(d.result.is_err(), "{text}");
            assert!(
                started.elapsed() < std::time::Duration::from_secs(3),
                "{:?} for {text}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn the_property_restores_a_real_share_of_telex_damage() {
        // Not a tautology of refusals: most Telex-typed legacy cards come back exactly.
        let mut restored = 0;
        for (i, name) in SYLLABLES.windows(3).enumerate() {
            let code = format!("DN4{:02}{:010}", [1, 79, 48][i % 3], 123456789 + i);
            let payload = legacy(&code, &name.join(" "), "01/01/2026", "31/12/2027");
            let d = detect(&type_through(&payload, Method::Telex));
            if d.repaired && d.result == detect(&payload).result {
                restored += 1;
            }
        }
        assert!(restored * 2 > SYLLABLES.len() - 2, "restored {restored} of {}", SYLLABLES.len() - 2);
    }
}

mod import_lines {
    use super::*;
    use common::desk::{Db, run_at};

    #[test]
    fn a_bad_row_is_reported_on_its_physical_line_with_windows_line_ends_too() {
        for eol in ["\n", "\r\n"] {
            let db = Db::new(&format!("lines-{}", eol.len()));
            let rows = [
                "card_number,full_name,birth_date,valid_from,valid_to,as_of",
                "DN4790123456789,Nguyễn Văn An,20/10/1990,01/01/2026,31/12/2027,2026-11-20",
                "DN47901234567X9,Trần Thị Bình,1981,01/01/2026,31/12/2027,2026-11-20",
            ];
            let csv = db.write("roster.csv", &(rows.join(eol) + eol));
            let run = run_at("2026-11-23T02:00:00Z", &db, &["import-roster", csv.to_str().unwrap()]);
            let summary = run.only(1);
            assert_eq!(summary["bad_rows"][0]["line"], 3, "{eol:?}: {summary}");
            assert!(run.err.contains("line 3"), "{eol:?}: {}", run.err);
        }
    }
}
