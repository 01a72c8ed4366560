//! Reading the card's printed text (issue 18) through the real binary and the real Tesseract: the
//! committed cards of the development set (tests/data/ocr, made by `tiepdon bench-ocr --make`: a VssID
//! card image photographed by the modelled webcam, a 2021 paper card, a VNeID wallet screenshot), the
//! `tiepdon ocr` and `tiepdon check --ocr` contracts, and the desk without Tesseract.

mod common;

use common::{json_lines, tiepdon};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ocr")
}

/// The manifest's entries: image name → printed fields.
fn truth() -> Vec<(String, Value)> {
    let text =
        std::fs::read_to_string(data().join("manifest.jsonl")).expect("the OCR test manifest is there");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a manifest line is JSON");
            (v["image"].as_str().expect("an image name").to_string(), v)
        })
        .collect()
}

const KEYS: [&str; 10] = [
    "card_number",
    "bhxh_number",
    "full_name",
    "birth_date",
    "sex",
    "facility_name",
    "facility_code",
    "valid_from",
    "valid_to",
    "five_year_date",
];

#[test]
fn every_committed_card_is_read_with_its_number_dates_and_no_wrong_name_shown_as_sure() {
    let entries = truth();
    assert!(entries.len() >= 3, "three layouts at least");
    let images: Vec<String> = entries.iter().map(|(i, _)| data().join(i).display().to_string()).collect();
    let mut args = vec!["ocr", "--json"];
    args.extend(images.iter().map(String::as_str));
    let out = tiepdon(&args, "");
    let lines = json_lines(&out);
    assert_eq!(
        lines.len(),
        entries.len(),
        "one line per image; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut layouts = std::collections::BTreeSet::new();
    for ((name, want), got) in entries.iter().zip(&lines) {
        assert!(got["image"].as_str().unwrap().ends_with(name.as_str()));
        for key in KEYS {
            assert!(got["fields"].get(key).is_some(), "{name}: key {key} present (null when absent): {got}");
            assert!(got["confidence"].get(key).is_some(), "{name}: confidence of {key}: {got}");
        }
        assert!(got["ms"].as_u64().is_some());
        assert_eq!(got["layout"], want["layout"], "{name}: the layout is told from the labels");
        layouts.insert(got["layout"].as_str().unwrap().to_string());
        let (f, t) = (&got["fields"], &want["fields"]);
        if t["card_number"].is_string() {
            assert_eq!(f["card_number"], t["card_number"], "{name}: the card code");
        }
        assert_eq!(f["bhxh_number"], t["bhxh_number"], "{name}: the BHXH number");
        assert_eq!(f["birth_date"], t["birth_date"], "{name}: the birth date, ISO");
        assert_eq!(f["valid_to"], t["valid_to"], "{name}: valid to");
        assert_eq!(f["sex"], t["sex"], "{name}: sex");
        // A name is exact, or shown as unsure: never wrong and sure.
        if f["full_name"] != t["full_name"] {
            let k = got["confidence"]["full_name"].as_f64().unwrap_or(0.0);
            assert!(k < 0.8, "{name}: a wrong name ({}) is shown as sure ({k})", f["full_name"]);
        }
        for (key, k) in got["confidence"].as_object().unwrap() {
            if let Some(k) = k.as_f64() {
                assert!((0.0..=1.0).contains(&k), "{name}: confidence of {key} is 0–1: {k}");
            }
        }
    }
    assert_eq!(layouts.len(), 3, "the three layouts: {layouts:?}");
}

#[test]
fn check_ocr_gives_the_verdict_of_a_card_text_card_and_says_where_each_field_came_from() {
    let (name, want) = truth().into_iter().find(|(_, v)| v["layout"] == "vneid").expect("a VNeID card");
    let image = data().join(&name).display().to_string();
    let out = tiepdon(&["check", "--ocr", &image, "--date", "2026-12-01", "--facility", "79034"], "");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let r = &lines[0];
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!((r["kind"].as_str(), r["layout"].as_str()), (Some("bhyt"), Some("card-text")));
    assert_eq!(r["card"]["card_number"], want["fields"]["card_number"], "{r}");
    assert!(r["verdict"]["status"].is_string(), "a verdict: {r}");
    let sources = r["sources"].as_array().expect("sources");
    let from = |field: &str| {
        sources.iter().find(|s| s["field"] == field).map(|s| s["from"].as_str().unwrap().to_string())
    };
    assert_eq!(from("card_number").as_deref(), Some("ocr"), "{r}");
    assert!(matches!(from("bhxh_number").as_deref(), Some("ocr" | "derived")), "{r}");
    assert!(r["ocr"]["fields"].is_object() && r["ocr"]["confidence"].is_object());
    // The card carries a warning that it was read by OCR and must be checked against the patient.
    let warnings = r["card"]["warnings"].to_string();
    assert!(warnings.contains("OCR"), "{warnings}");
}

#[test]
fn without_tesseract_ocr_says_what_to_install_and_the_rest_of_the_desk_works() {
    let image = data().join(&truth()[0].0).display().to_string();
    for args in [vec!["ocr", image.as_str()], vec!["check", "--ocr", image.as_str()]] {
        let out = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
            .args(&args)
            .env("TIEPDON_TESSERACT", "/nonexistent/tesseract")
            .output()
            .expect("tiepdon runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("tesseract-ocr-vie") && err.contains("Chưa cài") && err.contains("not installed"),
            "{err}"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(["parse", "GD4797912345678"])
        .env("TIEPDON_TESSERACT", "/nonexistent/tesseract")
        .output()
        .expect("tiepdon runs");
    assert_eq!(out.status.code(), Some(0), "a typed number still reads");
}

#[test]
fn an_image_with_no_card_offers_no_number() {
    let dir = std::env::temp_dir().join(format!("tiepdon-ocr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("desk.png");
    // A desk: grey wood grain, no text.
    let img = image::GrayImage::from_fn(640, 360, |x, y| {
        image::Luma([(90.0 + 30.0 * ((x as f32 * 0.05).sin() + (y as f32 * 0.013).cos())) as u8])
    });
    img.save(&path).unwrap();
    let out = tiepdon(&["ocr", &path.display().to_string()], "");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(out.status.code(), Some(1), "nothing read is a rejection: {}", lines[0]);
    assert!(lines[0]["fields"]["card_number"].is_null() && lines[0]["fields"]["bhxh_number"].is_null());
    let out = tiepdon(&["check", "--ocr", &path.display().to_string()], "");
    assert_eq!(out.status.code(), Some(1), "no number, no card: {}", String::from_utf8_lossy(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_card_held_up_looks_like_a_card_and_an_empty_desk_does_not() {
    let grey = |path: &std::path::Path| {
        let img = image::open(path).expect("the image opens").to_luma8();
        tiepdon::ocr::Grey { w: img.width(), h: img.height(), px: img.into_raw() }
    };
    for (name, want) in truth() {
        if want["degraded"] != true {
            continue;
        }
        let g = grey(&data().join(&name));
        assert!(tiepdon::ocr::looks_like_card(&g), "{name} at 1280×720");
        // The window looks at its preview frames, at most 800 wide.
        assert!(tiepdon::ocr::looks_like_card(&g.scaled(800.0 / g.w as f32)), "{name} at preview size");
    }
    let desk = tiepdon::ocr::Grey {
        w: 800,
        h: 450,
        px: (0..800 * 450).map(|i| (90.0 + 30.0 * ((i % 800) as f32 * 0.05).sin()) as u8).collect(),
    };
    assert!(!tiepdon::ocr::looks_like_card(&desk), "an empty desk");
}
