//! `tiepdon parse` reproduces the ground truth of the synthetic-dev corpus: for every entry of
//! `manifest.jsonl`, every key of `fields` (and of `fields_extra`) equals the parsed card's value.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// Checks one manifest file through the real binary; returns how many payloads were compared.
fn check_manifest(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("manifest is readable");
    let entries: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("manifest line is JSON"))
        .collect();
    let with_payload: Vec<&Value> = entries.iter().filter(|e| e["payload"].is_string()).collect();
    assert!(!with_payload.is_empty(), "{} has no payloads", path.display());
    let stdin: String =
        with_payload.iter().map(|e| format!("{}\n", e["payload"].as_str().unwrap())).collect();

    let out = common::tiepdon(&["parse", "--stdin"], &stdin);
    assert!(out.status.success(), "parse failed: {}", String::from_utf8_lossy(&out.stderr));
    let reports = common::json_lines(&out);
    assert_eq!(reports.len(), with_payload.len(), "one JSON line per payload");

    let mut mismatches = Vec::new();
    for (entry, report) in with_payload.iter().zip(&reports) {
        let image = entry["image"].as_str().unwrap_or("?");
        assert_eq!(report["error"], Value::Null, "{image}: rejected: {report}");
        assert_eq!(report["kind"], entry["kind"], "{image}: kind");
        assert_eq!(report["layout"], entry["layout"], "{image}: layout");
        for section in ["fields", "fields_extra"] {
            let Some(fields) = entry[section].as_object() else {
                continue;
            };
            for (key, want) in fields {
                let got = &report["card"][key];
                if got != want {
                    mismatches.push(format!("{image}: {key}: want {want}, got {got}"));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    with_payload.len()
}

#[test]
fn bundled_copy_of_the_synthetic_manifest_parses_exactly() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/synthetic-dev-manifest.jsonl");
    assert_eq!(check_manifest(&path), 114);
}

#[test]
fn shared_synthetic_manifest_parses_exactly() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/synthetic-dev/manifest.jsonl");
    if !path.exists() {
        eprintln!("SKIPPED: {} is absent (the bundled copy is still checked)", path.display());
        return;
    }
    let n = check_manifest(&path);
    eprintln!("compared {n} payloads of {}", path.display());
}
