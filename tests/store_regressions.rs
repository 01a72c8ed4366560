//! Regressions found in review of the store: scans never outrank the roster, another card of the same
//! person is not this card, several people's first runs at once, a person with two cards met through
//! their citizen id, tampering with visits, a reject file over its own input, and refusals that write.

mod common;

use common::desk::{Db, Run, run_at};
use rusqlite::Connection;
use serde_json::Value;
use std::process::{Command, Stdio};

const NOW: &str = "2026-11-23T02:00:00Z";
const NEXT_DAY: &str = "2026-11-24T02:00:00Z";
const HEADER: &str =
    "card_number,bhxh_number,citizen_id,full_name,birth_date,valid_from,valid_to,status,replaced_by,as_of";

fn run(db: &Db, args: &[&str]) -> Run {
    run_at(NOW, db, args)
}

fn import(db: &Db, rows: &[&str], extra: &[&str]) -> Run {
    let path = db.write("roster.csv", &format!("{HEADER}\n{}\n", rows.join("\n")));
    run(db, &[&["import-roster", path.to_str().unwrap()], extra].concat())
}

fn verdict(v: &Value) -> (String, String) {
    (v["verdict"]["status"].as_str().unwrap().into(), v["verdict"]["code"].as_str().unwrap().into())
}

/// A VssID (new-layout) QR: field 0 is the 10-digit BHXH number.
fn vssid_qr(bhxh: &str) -> String {
    let name: String = "Nguyễn Văn An".bytes().map(|b| format!("{b:02x}")).collect();
    format!(
        "{bhxh}|{name}|20/10/1990|1|-|79 - 034|01/01/2026|-|01/01/2026|7902{bhxh}|-|4|-|0a1b2c3d4e5f6a7b-7102|4|-|$"
    )
}

#[test]
fn a_card_learned_from_a_scan_never_hides_a_roster_revocation() {
    let db = Db::new("scan-vs-roster");
    run(&db, &["checkin", &vssid_qr("0123456789")]).only(0);
    import(&db, &["HC4790123456789,,,Nguyễn Văn An,1990-10-20,2026-01-01,,revoked,,2026-11-22"], &[]).only(0);
    let found = run(&db, &["lookup", "0123456789", "--date", "2026-11-23"]).only(0).clone();
    assert_eq!(verdict(&found), ("NOT_ELIGIBLE".into(), "110".into()), "{found}");
    assert_eq!(found["record"]["source"], "roster");
    let again = run_at(NEXT_DAY, &db, &["checkin", &vssid_qr("0123456789")]);
    assert_eq!(again.code, 1, "a revoked card is refused: {:?}", again.out);
}

#[test]
fn a_card_learned_from_its_own_qr_is_still_card_only_evidence() {
    let db = Db::new("learned-is-card-only");
    run(&db, &["settings", "set", "card_only_status", "CANNOT_VERIFY"]).only(0);
    let qr = vssid_qr("0123456789");
    let first = run(&db, &["checkin", &qr]).only(0).clone();
    assert_eq!((first["status"].as_str(), first["code"].as_str()), (Some("CANNOT_VERIFY"), Some("L07")));
    let next = run_at(NEXT_DAY, &db, &["checkin", &qr]).only(0).clone();
    assert_eq!(
        (next["status"].as_str(), next["code"].as_str()),
        (Some("CANNOT_VERIFY"), Some("L07")),
        "{next}"
    );
    assert_eq!(next["verdict"]["source"], "qr");
}

#[test]
fn another_card_of_the_same_person_is_not_this_card() {
    let db = Db::new("other-card");
    import(
        &db,
        &["DN4790123456789,,,Nguyễn Văn An,1990-10-20,2026-01-01,2027-12-31,active,,2026-11-22"],
        &[],
    )
    .only(0);
    let typed = run(&db, &["lookup", "CC1790123456789", "--date", "2026-11-23"]).only(0).clone();
    assert_eq!(verdict(&typed), ("CANNOT_VERIFY".into(), "050".into()), "{typed}");
    assert_eq!(typed["record"], Value::Null);
    // The BHXH number alone still finds the person's card.
    let by_bhxh = run(&db, &["lookup", "0123456789", "--date", "2026-11-23"]).only(0).clone();
    assert_eq!(by_bhxh["record"]["card_number"], "DN4790123456789");
}

#[test]
fn eight_processes_opening_a_new_file_at_once_all_succeed() {
    for round in 0..3 {
        let db = Db::new(&format!("first-run-{round}"));
        let children: Vec<_> = (0..8)
            .map(|i| {
                Command::new(env!("CARGO_BIN_EXE_tiepdon"))
                    .arg("--db")
                    .arg(&db.path)
                    .args(["checkin", "--id", &format!("0790900000{i:02}"), "--operator", "t"])
                    .env_remove("TIEPDON_DB")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
fn a_citizen_card_finds_a_person_with_an_old_and_a_new_card() {
    let db = Db::new("two-cards");
    import(
        &db,
        &[
            "DN4790123456789,,,Nguyễn Văn An,1990-10-20,2024-01-01,2025-12-31,replaced,HC4790123456789,2026-11-22",
            "HC4790123456789,,,Nguyễn Văn An,1990-10-20,2026-01-01,2027-12-31,active,,2026-11-22",
        ],
        &[],
    )
    .only(0);
    run(&db, &["checkin", "--id", "HC4790123456789"]).only(0);
    let cccd = "079090123456||Nguyễn Văn An|20101990|Nam|Hà Nội|01012021";
    let again = run(&db, &["checkin", cccd]);
    assert_eq!(again.code, 1, "the same person is a repeat: {:?}", again.out);
    assert_eq!(again.out[0]["refused"], "repeat");
    assert_eq!(again.out[0]["earlier"]["ticket"], "A-001");
    // A refused check-in writes nothing: the citizen id is linked only by a recorded visit.
    let by_citizen = run(&db, &["lookup", "079090123456", "--date", "2026-11-23"]).only(0).clone();
    assert_eq!(by_citizen["record"], Value::Null);
    let next = run_at(NEXT_DAY, &db, &["checkin", cccd]).only(0).clone();
    assert_eq!(next["card_number"], "HC4790123456789");
    let linked = run_at(NEXT_DAY, &db, &["lookup", "079090123456"]).only(0).clone();
    assert_eq!(linked["record"]["card_number"], "HC4790123456789");
}

#[test]
fn audit_verify_catches_an_edited_or_unvoided_visit() {
    let db = Db::new("visit-tamper");
    for id in ["079090000001", "079090000002"] {
        run(&db, &["checkin", "--id", id]).only(0);
    }
    run(&db, &["void", "A-002", "--reason", "nhầm"]).only(0);
    assert_eq!(run(&db, &["audit", "verify"]).only(0)["ok"], true);

    let conn = Connection::open(&db.path).unwrap();
    conn.execute("UPDATE visits SET citizen_id = '079090999999' WHERE id = 1", []).unwrap();
    let edited = run(&db, &["audit", "verify"]);
    assert_eq!(edited.code, 1);
    assert_eq!(edited.out[0]["first_bad_visit"], 1, "{:?}", edited.out);
    conn.execute("UPDATE visits SET citizen_id = '079090000001' WHERE id = 1", []).unwrap();
    assert_eq!(run(&db, &["audit", "verify"]).only(0)["ok"], true, "restored");

    conn.execute("UPDATE visits SET voided_at = NULL, voided_by = NULL, void_reason = NULL WHERE id = 2", [])
        .unwrap();
    let unvoided = run(&db, &["audit", "verify"]);
    assert_eq!((unvoided.code, &unvoided.out[0]["first_bad_visit"]), (1, &Value::from(2)));
}

#[test]
fn a_reject_file_cannot_overwrite_the_file_being_imported() {
    let db = Db::new("reject-over-input");
    let csv = format!("{HEADER}\nDN7790123456789,,,An,1990,,,active,,2026-11-22\n");
    let path = db.write("roster.csv", &csv);
    let p = path.to_str().unwrap();
    let out = run(&db, &["import-roster", p, "--skip-bad", "--reject-file", p]);
    assert_eq!(out.code, 2, "{}", out.err);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), csv, "the input is untouched");
}

#[test]
fn a_desk_can_open_the_database_left_in_rollback_mode() {
    let db = Db::new("journal");
    run(&db, &["settings", "show"]).only(0);
    let conn = Connection::open(&db.path).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
    drop(conn);
    run(&db, &["checkin", "--id", "079090000001"]).only(0);
    let conn = Connection::open(&db.path).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal", "the next open switched it back");
}

#[test]
fn roster_reasons_name_the_column_not_the_value() {
    let db = Db::new("no-pii");
    let out = import(&db, &["DN4790123456789,,0790901,Trần Thị Bình,1990,,,active,,2026-11-22"], &[]);
    assert_eq!(out.code, 1);
    let reason = out.out[0]["bad_rows"][0]["reason_en"].as_str().unwrap().to_string();
    assert!(reason.starts_with("citizen_id"), "{reason}");
    assert!(!reason.contains("0790901") && !out.err.contains("0790901"), "{reason} / {}", out.err);
}
