//! The local store on a real SQLite file (issue 4): schema and migrations, roster import, lookup
//! verdicts, check-in with tickets, learning from scans, void, the audit chain, visits and settings,
//! demo data. The binary runs with a pinned clock (`TIEPDON_NOW`) against a fresh file per test.

mod common;

use chrono::{Duration, NaiveDate};
use common::desk::{Db, Run, exec, run_at};
use rusqlite::Connection;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tiepdon::store::roster::{self, Key};
use tiepdon::store::{Store, schema, settings};

const NOW: &str = "2026-11-23T02:00:00Z";
const NEXT_DAY: &str = "2026-11-24T02:00:00Z";
const DAY: &str = "2026-11-23";

// Valid card codes (group, benefit, province, then the 10-digit BHXH number) and citizen ids.
const CARD_A: &str = "DN4790123456789";
const CARD_B: &str = "GD4790234567891";
const CARD_C: &str = "HT3010345678912";
const CARD_R: &str = "DN4790456789123";
const CIT_A: &str = "079090123456";
const CIT_B: &str = "079181234567";

fn run(db: &Db, args: &[&str]) -> Run {
    run_at(NOW, db, args)
}

fn import(db: &Db, file: &str, csv: &str, extra: &[&str]) -> Run {
    let path = db.write(file, csv);
    run(db, &[&["import-roster", path.to_str().unwrap()], extra].concat())
}

/// `lookup ID --date 2026-11-23`: the `{record, verdict}` object.
fn lookup(db: &Db, id: &str) -> Value {
    run(db, &["lookup", id, "--date", DAY]).only(0).clone()
}

fn checkin(db: &Db, now: &str, args: &[&str]) -> Run {
    run_at(now, db, &[&["checkin"], args].concat())
}

const HEADER: &str =
    "card_number,citizen_id,full_name,birth_date,valid_from,valid_to,status,replaced_by,as_of";

/// A roster row with the usual validity (all of 2026–2027) and data three days old.
fn active(card: &str, citizen: &str, name: &str) -> String {
    format!("{card},{citizen},{name},1990,01/01/2026,31/12/2027,active,,2026-11-20")
}

fn roster(rows: &[String]) -> String {
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

/// Three active patients and one revoked card.
fn standard_roster(db: &Db) {
    let rows = [
        active(CARD_A, CIT_A, "Nguyễn Văn An"),
        active(CARD_B, CIT_B, "Trần Thị Bình"),
        active(CARD_C, "", "Lê Minh Châu"),
        format!("{CARD_R},,Phạm Văn Dũng,1970,01/01/2026,31/12/2027,revoked,,2026-11-20"),
    ];
    import(db, "standard.csv", &roster(&rows), &[]).only(0);
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("the file exists").permissions().mode() & 0o777
}

/// Asserts that every key of `want` has that value in `v`.
fn has(v: &Value, want: Value) {
    for (key, value) in want.as_object().expect("an object") {
        assert_eq!(&v[key], value, "key {key} in {v}");
    }
}

/// Asserts a usage/data error: exit 2 and `needle` in the message on stderr.
fn fails(r: Run, needle: &str) {
    assert_eq!(r.code, 2, "stdout {:?}, stderr {}", r.out, r.err);
    assert!(r.err.contains(needle), "stderr should mention {needle:?}: {}", r.err);
}

fn verdict_code(v: &Value) -> (&str, &str) {
    (v["verdict"]["status"].as_str().unwrap(), v["verdict"]["code"].as_str().unwrap())
}

// 1. Schema and migrations

#[test]
fn new_file_is_latest_schema_owner_only_wal_and_foreign_keys() {
    let db = Db::new("schema-new");
    let store = Store::open(&db.path).expect("a new database opens");
    assert_eq!(store.schema_version().unwrap(), schema::latest_version() as i64);
    assert_eq!(mode(&db.path), 0o600, "the database file is owner-only");
    let wal = db.dir.join("tiepdon.db-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600, "the WAL file is owner-only too");
    }
    let conn = store.conn();
    let journal: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    let fk: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
    let sync: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
    let busy: i64 = conn.pragma_query_value(None, "busy_timeout", |r| r.get(0)).unwrap();
    assert_eq!((journal.as_str(), fk, sync), ("wal", 1, 2), "WAL, foreign_keys=ON, synchronous=FULL");
    assert!(busy > 0, "a busy timeout is set");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn earlier_schema_migrates_to_latest_keeping_rows_and_reopening_is_idempotent() {
    let db = Db::new("schema-old");
    {
        let mut conn = Connection::open(&db.path).unwrap();
        schema::migrations().to_version(&mut conn, 1).expect("migration 1 applies");
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, 1);
        conn.execute_batch(&format!(
            "INSERT INTO coverage(card_number, bhxh_number, full_name, birth_date, valid_from, as_of, source)
             VALUES ('{CARD_A}', substr('{CARD_A}', 6), 'Nguyễn Văn An', '1990-10-20', '2026-01-01', '2026-11-20', 'roster');
             INSERT INTO settings(key, value) VALUES ('desk', 'B');"
        ))
        .unwrap();
    }
    for _ in 0..2 {
        let store = Store::open(&db.path).expect("an earlier schema opens");
        assert_eq!(store.schema_version().unwrap(), schema::latest_version() as i64);
        let found =
            roster::find(store.conn(), Key::Card(CARD_A)).unwrap().expect("the coverage row survived");
        assert_eq!(found.record.full_name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(settings::load(store.conn()).unwrap().desk, "B", "the settings row survived");
        let id = settings::load(store.conn()).unwrap().store_id;
        assert!(id.len() == 8 && id.bytes().all(|b| b.is_ascii_hexdigit()), "a database id is drawn: {id}");
        let rows: i64 = store.conn().query_row("SELECT COUNT(*) FROM coverage", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1, "migrating twice duplicates nothing");
        let sql = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'coverage_unlinked_birth'";
        let index: i64 = store.conn().query_row(sql, [], |r| r.get(0)).unwrap();
        assert_eq!(index, 1, "migration 2 ran");
    }
    // The binary reads the migrated file too.
    assert_eq!(run(&db, &["settings", "show"]).only(0)["desk"], "B");
}

// 2. Roster import

const SHUFFLED: &str = "\u{feff}as_of,ghi_chu,full_name,citizen_id,valid_to,card_number,birth_date,status,valid_from,bhxh_number\r\n\
2026-11-20,VIP,Nguyễn Văn An,079090123456,31/12/2027,DN4790123456789,20/10/1990,active,01/01/2026,\r\n\
20/11/2026,,Trần Thị Bình,079181234567,2027-12-31,GD4790234567891,1981-07-30,,2026-01-01,0234567891\r\n\
2026-11-20,,Lê Minh Châu,001208345678,,,15/03/2008,active,01/02/2026,0345678912\r\n";

#[test]
fn import_bom_shuffled_columns_unknown_column_and_both_date_forms() {
    let db = Db::new("import");
    let r = import(&db, "roster.csv", SHUFFLED, &[]);
    let s = r.only(0);
    has(s, json!({"rows_read": 3, "inserted": 3, "updated": 0, "rejected": 0, "committed": true}));
    assert_eq!(s["mode"], "merge");
    assert!(s["seconds"].as_f64().is_some_and(|x| x >= 0.0), "seconds: {s}");
    assert_eq!(s["unknown_columns"], json!(["ghi_chu"]));
    assert!(r.err.contains("ghi_chu"), "stderr warns about the unknown column: {}", r.err);

    for id in [CARD_A, "0123456789", CIT_A] {
        let want = json!({"card_number": CARD_A, "valid_from": "2026-01-01", "valid_to": "2027-12-31",
            "as_of": "2026-11-20", "birth_date": "1990-10-20", "full_name": "Nguyễn Văn An", "source": "roster"});
        has(&lookup(&db, id)["record"], want);
    }
    for id in [CARD_B, "0234567891", CIT_B] {
        let want = json!({"card_number": CARD_B, "as_of": "2026-11-20", "valid_to": "2027-12-31"});
        has(&lookup(&db, id)["record"], want);
    }
    for id in ["0345678912", "001208345678"] {
        let want = json!({"full_name": "Lê Minh Châu", "card_number": null, "valid_from": "2026-02-01",
            "birth_date": "2008-03-15"});
        has(&lookup(&db, id)["record"], want);
    }

    has(import(&db, "roster.csv", SHUFFLED, &[]).only(0), json!({"inserted": 0, "updated": 3}));

    let changed = SHUFFLED.replace("20/10/1990,active", "20/10/1990,revoked");
    has(import(&db, "changed.csv", &changed, &["--merge"]).only(0), json!({"inserted": 0, "updated": 3}));
    assert_eq!(lookup(&db, CARD_A)["record"]["status"], "revoked", "a merge updates the row");
}

#[test]
fn import_replace_drops_cards_missing_from_the_new_file_but_keeps_scanned_ones() {
    let db = Db::new("replace");
    import(&db, "roster.csv", SHUFFLED, &[]).only(0);
    // A card learned from a scan is not part of the imported roster.
    checkin(&db, NOW, &[&bhyt_qr(CARD_R, "Phạm Văn Dũng")]).only(0);
    let smaller = roster(&[active(CARD_A, CIT_A, "Nguyễn Văn An")]);
    let s = import(&db, "smaller.csv", &smaller, &["--replace"]).only(0).clone();
    has(&s, json!({"mode": "replace", "rows_read": 1, "inserted": 1, "updated": 0}));
    assert_eq!(lookup(&db, CARD_A)["record"]["card_number"], CARD_A);
    for gone in [CARD_B, CIT_B, "0345678912"] {
        let l = lookup(&db, gone);
        assert_eq!(l["record"], Value::Null, "{gone} was removed");
        assert_eq!(verdict_code(&l), ("CANNOT_VERIFY", "050"));
    }
    assert_eq!(lookup(&db, CARD_R)["record"]["source"], "qr", "cards learned from scans stay");
    // A replace that fails on a bad row changes nothing, not even the clearing of the old roster.
    let bad = roster(&[active(CARD_B, CIT_B, "Trần Thị Bình"), "XX,,An,1990,,,,,2026-11-20".into()]);
    import(&db, "bad.csv", &bad, &["--replace"]).only(1);
    assert_eq!(lookup(&db, CARD_A)["record"]["card_number"], CARD_A, "a failed replace keeps the old roster");
    assert_eq!(lookup(&db, CARD_B)["record"], Value::Null);
}

/// Header is line 1; line 3 has a bad card code, lines 4–5 are one row (a quoted newline), line 6 has
/// a bad date.
const WITH_BAD_ROWS: &str = "card_number,full_name,birth_date,address,valid_from,valid_to,as_of
DN4790123456789,Nguyễn Văn An,20/10/1990,Hà Nội,01/01/2026,31/12/2027,2026-11-20
DN47901234567X9,Trần Thị Bình,1981,Huế,01/01/2026,31/12/2027,2026-11-20
GD4790234567891,Lê Minh Châu,2008,\"Số 1
Phường 2\",01/01/2026,31/12/2027,2026-11-20
HT3010345678912,Phạm Văn Dũng,1970,Đà Nẵng,31/02/2026,31/12/2027,2026-11-20
DN4790456789123,Võ Thị Mai,1995,,2026-01-01,2027-12-31,2026-11-20
";

fn assert_bad_lines(summary: &Value) {
    let bad = summary["bad_rows"].as_array().expect("bad_rows");
    let lines: Vec<u64> = bad.iter().map(|b| b["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 6], "{summary}");
    assert!(bad[0]["reason_en"].as_str().unwrap().contains("card_number"), "{summary}");
    assert!(bad[1]["reason_en"].as_str().unwrap().contains("valid_from"), "{summary}");
    assert!(bad.iter().all(|b| !b["reason_vi"].as_str().unwrap().is_empty()));
}

#[test]
fn import_with_bad_rows_imports_nothing_and_names_the_lines() {
    let db = Db::new("bad-rows");
    let r = import(&db, "bad.csv", WITH_BAD_ROWS, &[]);
    let s = r.only(1);
    has(s, json!({"rows_read": 5, "rejected": 2, "inserted": 0, "committed": false}));
    assert_bad_lines(s);
    assert!(r.err.contains("line 3") && r.err.contains("line 6"), "stderr names the lines: {}", r.err);
    for good in [CARD_A, "GD4790234567891", "DN4790456789123"] {
        assert_eq!(lookup(&db, good)["record"], Value::Null, "{good} must not be imported");
    }
    assert!(!db.dir.join("bad.csv.rejects.csv").exists(), "no reject file without --skip-bad");
}

#[test]
fn import_skip_bad_keeps_good_rows_and_writes_an_owner_only_reject_file() {
    let db = Db::new("skip-bad");
    let r = import(&db, "bad.csv", WITH_BAD_ROWS, &["--skip-bad"]);
    // Committed, but some input was refused: exit 1 with the summary on stdout.
    let s = r.only(1);
    has(s, json!({"rows_read": 5, "inserted": 3, "rejected": 2, "committed": true}));
    assert_bad_lines(s);
    let rejects = db.dir.join("bad.csv.rejects.csv");
    assert_eq!(s["reject_file"], rejects.display().to_string());
    let multi_line = &lookup(&db, "GD4790234567891")["record"];
    assert!(multi_line["address"].as_str().unwrap().ends_with("Phường 2"), "{multi_line}");
    assert_eq!(lookup(&db, "DN4790456789123")["record"]["full_name"], "Võ Thị Mai");
    assert_eq!(lookup(&db, "HT3010345678912")["record"], Value::Null);

    assert_eq!(mode(&rejects), 0o600, "the reject file is owner-only");
    let mut reader = csv::Reader::from_path(&rejects).unwrap();
    let head: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&head[..3], ["line", "reason", "card_number"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!((&rows[0][0], &rows[0][2]), ("3", "DN47901234567X9"));
    assert_eq!((&rows[1][0], &rows[1][2], &rows[1][6]), ("6", "HT3010345678912", "31/02/2026"));
}

// 3. Lookup verdicts

/// Imports one row for CARD_A (`status`, `replaced_by`, `valid_to`, `as_of`) and looks CARD_A up.
fn lookup_one(name: &str, status: &str, replaced_by: &str, valid_to: &str, as_of: &str) -> Value {
    let db = Db::new(name);
    let row = format!("{CARD_A},,Nguyễn Văn An,1990,01/01/2026,{valid_to},{status},{replaced_by},{as_of}");
    import(&db, "one.csv", &roster(&[row]), &[]).only(0);
    let l = lookup(&db, CARD_A);
    assert_eq!(l["record"]["card_number"], CARD_A);
    l
}

fn days_before(n: i64) -> String {
    (NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() - Duration::days(n)).to_string()
}

#[test]
fn lookup_unknown_id_cannot_verify_050() {
    let db = Db::new("unknown");
    standard_roster(&db);
    for id in ["DN4790999999999", "0999999999", "079099999999"] {
        let l = lookup(&db, id);
        assert_eq!(l["record"], Value::Null, "{id}");
        assert_eq!(verdict_code(&l), ("CANNOT_VERIFY", "050"), "{id}: never silently eligible");
    }
}

#[test]
fn lookup_revoked_not_eligible_110() {
    let l = lookup_one("revoked", "revoked", "", "31/12/2027", "2026-11-20");
    assert_eq!(verdict_code(&l), ("NOT_ELIGIBLE", "110"));
}

#[test]
fn lookup_replaced_still_valid_warns_004_with_new_card() {
    let l = lookup_one("replaced-valid", "replaced", "GD4790123456789", "31/12/2027", "2026-11-20");
    assert_eq!(verdict_code(&l), ("ELIGIBLE_WITH_WARNING", "004"));
    assert_eq!(l["verdict"]["replaced_by"], "GD4790123456789");
    assert_eq!(l["record"]["replaced_by"], "GD4790123456789");
}

#[test]
fn lookup_replaced_and_expired_not_eligible_003() {
    let l = lookup_one("replaced-expired", "replaced", "GD4790123456789", "30/06/2026", "2026-11-20");
    assert_eq!(verdict_code(&l), ("NOT_ELIGIBLE", "003"));
}

#[test]
fn lookup_reduced_not_eligible_120() {
    let l = lookup_one("reduced", "reduced", "", "31/12/2027", "2026-11-20");
    assert_eq!(verdict_code(&l), ("NOT_ELIGIBLE", "120"));
}

#[test]
fn lookup_data_45_days_old_warns_l02_with_its_age() {
    let l = lookup_one("stale45", "active", "", "31/12/2027", &days_before(45));
    assert_eq!(verdict_code(&l), ("ELIGIBLE_WITH_WARNING", "L02"));
    assert_eq!(l["verdict"]["data_age_days"], 45);
    assert!(l["verdict"]["message_en"].as_str().unwrap().contains("45"), "says how old: {}", l["verdict"]);
}

#[test]
fn lookup_data_100_days_old_cannot_verify_l03() {
    let l = lookup_one("stale100", "active", "", "31/12/2027", &days_before(100));
    assert_eq!(verdict_code(&l), ("CANNOT_VERIFY", "L03"));
    assert_eq!(l["verdict"]["data_age_days"], 100);
}

// 4. Check-in

const VISIT_KEYS: &str =
    "ticket checked_in_at full_name card_number bhxh_number citizen_id verdict operator repeat voided";

fn assert_visit_keys(v: &Value) {
    for k in VISIT_KEYS.split(' ') {
        assert!(v.get(k).is_some(), "visit key {k} missing: {v}");
    }
}

#[test]
fn checkin_tickets_repeats_desks_and_days() {
    let db = Db::new("checkin");
    standard_roster(&db);
    let r = checkin(&db, NOW, &["--id", CARD_A, "--operator", "Lan"]);
    let v = r.only(0);
    assert_visit_keys(v);
    let want = json!({"ticket": "A-001", "operator": "Lan", "checked_in_at": "2026-11-23T09:00:00+07:00",
        "repeat": false, "voided": false, "card_number": CARD_A, "citizen_id": CIT_A,
        "full_name": "Nguyễn Văn An", "bhxh_number": "0123456789"});
    has(v, want);
    assert_eq!(v["verdict"]["status"], "ELIGIBLE");

    // The same patient again, by card and by citizen id: refused with the earlier ticket.
    for id in [CARD_A, CIT_A] {
        let again = checkin(&db, NOW, &["--id", id, "--operator", "Lan"]);
        let refusal = again.only(1);
        has(refusal, json!({"refused": "repeat"}));
        assert_eq!(refusal["earlier"]["ticket"], "A-001");
        assert!(!again.err.trim().is_empty(), "a human message on stderr");
    }
    let forced = checkin(&db, NOW, &["--id", CARD_A, "--operator", "Lan", "--force"]);
    let want = json!({"ticket": "A-002", "repeat": true, "repeat_of": "A-001", "overrides": ["repeat"]});
    has(forced.only(0), want);

    assert_eq!(checkin(&db, NOW, &["--id", CARD_B]).only(0)["ticket"], "A-003");
    assert_eq!(run(&db, &["settings", "set", "desk", "B"]).only(0)["desk"], "B");
    assert_eq!(checkin(&db, NOW, &["--id", CARD_C]).only(0)["ticket"], "B-001");

    // The next day both desks start again at 001.
    let next = checkin(&db, NEXT_DAY, &["--id", CARD_A]);
    has(
        next.only(0),
        json!({"ticket": "B-001", "repeat": false, "checked_in_at": "2026-11-24T09:00:00+07:00"}),
    );
    run_at(NEXT_DAY, &db, &["settings", "set", "desk", "A"]).only(0);
    assert_eq!(checkin(&db, NEXT_DAY, &["--id", CARD_B]).only(0)["ticket"], "A-001");
}

#[test]
fn checkin_not_eligible_is_refused_unless_forced() {
    let db = Db::new("not-eligible");
    standard_roster(&db);
    let refused = checkin(&db, NOW, &["--id", CARD_R]);
    let r = refused.only(1);
    has(r, json!({"refused": "not_eligible"}));
    assert_eq!(r["verdict"]["code"], "110");
    assert!(!refused.err.trim().is_empty());
    assert!(run(&db, &["visits", "--date", DAY]).out.is_empty(), "nothing recorded");
    let forced = checkin(&db, NOW, &["--id", CARD_R, "--force"]);
    let v = forced.only(0);
    has(v, json!({"ticket": "A-001", "status": "NOT_ELIGIBLE", "code": "110"}));
    assert!(v["overrides"].as_array().unwrap().contains(&"not_eligible".into()), "{v}");
}

// 5. Learning from scans

/// A legacy 15-field BHYT QR for `card`, born 20/10/1990, valid from 01/01/2026, registered at 79034.
fn bhyt_qr(card: &str, name: &str) -> String {
    let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    let bhxh = &card[5..];
    format!(
        "{card}|{hex}|20/10/1990|1|-|79 - 034|01/01/2026|-|01/01/2026|0179{bhxh}|-|4|-|0a1b2c3d4e5f6a7b-7102|$"
    )
}

#[test]
fn scans_teach_the_store_and_a_citizen_card_links_to_the_scanned_card() {
    let db = Db::new("learn");
    let qr = bhyt_qr(CARD_A, "Nguyễn Văn An");
    assert!(tiepdon::card::detect(&qr).result.is_ok(), "the test payload parses");
    has(
        checkin(&db, NOW, &[&qr]).only(0),
        json!({"ticket": "A-001", "card_number": CARD_A, "input_kind": "bhyt"}),
    );

    let want = json!({"source": "qr", "card_number": CARD_A, "full_name": "Nguyễn Văn An",
        "birth_date": "1990-10-20", "facility_code": "79034", "as_of": DAY, "citizen_id": null});
    has(&lookup(&db, "0123456789")["record"], want);

    // A citizen card with the same name but another birth date is someone else: not linked.
    let stranger = checkin(&db, NEXT_DAY, &["079090999999||Nguyễn Văn An|21101990|Nam|Hà Nội|01012021"]);
    assert_eq!(stranger.only(0)["verdict"]["code"], "050");
    assert_eq!(lookup(&db, "079090999999")["record"], Value::Null);

    let cccd = format!("{CIT_A}||Nguyễn Văn An|20101990|Nam|Hà Nội|01012021");
    let v = checkin(&db, NEXT_DAY, &[&cccd]).only(0).clone();
    assert_ne!(v["verdict"]["code"], "050", "coverage found through the link: {}", v["verdict"]);
    has(&v, json!({"card_number": CARD_A, "citizen_id": CIT_A, "input_kind": "cccd"}));
    has(&lookup(&db, CIT_A)["record"], json!({"card_number": CARD_A, "source": "qr", "citizen_id": CIT_A}));
}

#[test]
fn citizen_link_ignores_case_and_unicode_form() {
    let db = Db::new("link-fold");
    checkin(&db, NOW, &[&bhyt_qr(CARD_B, "Trần Thị Bình")]).only(0);
    // Upper case and decomposed (NFD) diacritics for the same name. (Doubled spaces are refused earlier,
    // by the foundation's name check, as a sign of a garbled scan.)
    let name = "TRA\u{0302}\u{0300}N THI\u{0323} BI\u{0300}NH";
    let cccd = format!("{CIT_B}||{name}|20101990|Nữ|Hà Nội|01012021");
    let v = checkin(&db, NEXT_DAY, &[&cccd]).only(0).clone();
    assert_eq!(v["card_number"], CARD_B, "linked despite case and form: {}", v["verdict"]);
    assert_eq!(lookup(&db, CIT_B)["record"]["card_number"], CARD_B);
}

// 6. Void

#[test]
fn void_keeps_the_row_needs_a_reason_and_frees_the_patient() {
    let db = Db::new("void");
    standard_roster(&db);
    checkin(&db, NOW, &["--id", CARD_A]).only(0);
    for empty in ["", "   "] {
        fails(run(&db, &["void", "A-001", "--reason", empty, "--operator", "Lan"]), "reason");
    }
    assert_eq!(run(&db, &["visits"]).only(0)["voided"], false, "a refused void changes nothing");

    let v = run(&db, &["void", "A-001", "--reason", "nhầm người", "--operator", "Lan"]).only(0).clone();
    let want = json!({"ticket": "A-001", "voided": true, "void_reason": "nhầm người", "voided_by": "Lan"});
    has(&v, want.clone());
    has(run(&db, &["visits", "--date", DAY]).only(0), want);

    fails(run(&db, &["void", "A-001", "--reason", "lần nữa"]), "already voided");
    fails(run(&db, &["void", "A-099", "--reason", "không có"]), "A-099");

    has(checkin(&db, NOW, &["--id", CARD_A]).only(0), json!({"ticket": "A-002", "repeat": false}));
    assert_eq!(run(&db, &["visits"]).out.len(), 2, "the voided visit is still listed");
}

// 7. Audit

fn sql_error(conn: &Connection, sql: &str) -> String {
    conn.execute(sql, []).expect_err(sql).to_string()
}

#[test]
fn audit_chain_verifies_and_names_the_first_edited_row() {
    let db = Db::new("audit");
    standard_roster(&db);
    for card in [CARD_A, CARD_B, CARD_C] {
        checkin(&db, NOW, &["--id", card]).only(0);
    }
    let ok = run(&db, &["audit", "verify"]).only(0).clone();
    has(&ok, json!({"ok": true, "first_bad_id": null}));
    assert!(ok["rows"].as_i64().unwrap() >= 4, "import + 3 check-ins: {ok}");

    let conn = Connection::open(&db.path).unwrap();
    assert!(sql_error(&conn, "UPDATE audit SET detail = '{}' WHERE id = 2").contains("append-only"));
    assert!(sql_error(&conn, "DELETE FROM audit WHERE id = 2").contains("append-only"));
    assert!(sql_error(&conn, "DELETE FROM visits WHERE id = 1").contains("never deleted"));
    let visits: i64 = conn.query_row("SELECT COUNT(*) FROM visits", [], |r| r.get(0)).unwrap();
    assert_eq!(visits, 3);
    assert_eq!(run(&db, &["audit", "verify"]).only(0)["ok"], true, "blocked edits leave the chain intact");

    conn.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET detail = '{\"visit_id\":99}' WHERE id = 2;",
    )
    .unwrap();
    drop(conn);
    let bad = run(&db, &["audit", "verify"]);
    let v = bad.only(1);
    has(v, json!({"ok": false, "first_bad_id": 2}));
    assert!(bad.err.contains('2'), "stderr names the row: {}", bad.err);
}

// 8. Visits and settings

#[test]
fn visits_lists_the_day_in_order_and_settings_validate() {
    let db = Db::new("visits");
    standard_roster(&db);
    for card in [CARD_B, CARD_A, CARD_C] {
        checkin(&db, NOW, &["--id", card]).only(0);
    }
    let r = run(&db, &["visits", "--date", DAY]);
    assert_eq!(r.code, 0);
    let tickets: Vec<&str> = r.out.iter().map(|v| v["ticket"].as_str().unwrap()).collect();
    assert_eq!(tickets, ["A-001", "A-002", "A-003"]);
    let cards: Vec<&str> = r.out.iter().map(|v| v["card_number"].as_str().unwrap()).collect();
    assert_eq!(cards, [CARD_B, CARD_A, CARD_C]);
    r.out.iter().for_each(assert_visit_keys);
    assert_eq!(run(&db, &["visits"]).out.len(), 3, "today by default");
    assert!(run(&db, &["visits", "--date", "2026-11-24"]).out.is_empty());

    let shown = run(&db, &["settings", "show"]).only(0).clone();
    let mut keys: Vec<&str> = shown.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want: Vec<&str> = settings::KEYS.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    want.sort_unstable();
    assert_eq!(keys, want);
    has(&shown, json!({"desk": "A", "timezone": "Asia/Ho_Chi_Minh", "facility_code": null, "demo": false}));

    fails(run(&db, &["settings", "set", "facility_code", "7903"]), "facility_code");
    assert_eq!(run(&db, &["settings", "show"]).only(0)["facility_code"], Value::Null, "unchanged");
    fails(run(&db, &["settings", "set", "nonsense", "1"]), "nonsense");
    has(run(&db, &["settings", "set", "facility_code", "79-034"]).only(0), json!({"facility_code": "79034"}));
}

// 9. Demo data

#[test]
fn demo_data_fills_the_roster_and_labels_the_database() {
    let db = Db::new("demo");
    let r = run(&db, &["demo-data", "--cards", "50"]).only(0).clone();
    has(&r, json!({"cards": 50, "demo": true}));
    has(run(&db, &["settings", "show"]).only(0), json!({"demo": true, "facility_code": "79034"}));

    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    for i in [0, 49] {
        let p = tiepdon::demo::person(i, 2025, today);
        let card = p.card_number.clone().unwrap();
        let want = json!({"card_number": card, "source": "roster", "full_name": p.full_name});
        has(&lookup(&db, &card)["record"], want);
    }
    let outside = tiepdon::demo::person(50, 2025, today).card_number.unwrap();
    assert_eq!(lookup(&db, &outside)["record"], Value::Null, "only 50 cards");
}

// 10. Never a panic

#[test]
fn odd_inputs_never_panic() {
    let db = Db::new("odd");
    let simple = "lookup garbage;lookup 123;lookup DN7790123456789;checkin |||$;void Z-001 --reason x;\
                  visits --date 2026-13-45;settings set desk ABCDE;import-roster /nonexistent/roster.csv";
    let mut cases: Vec<Vec<String>> =
        simple.split(';').map(|c| c.split_whitespace().map(String::from).collect()).collect();
    cases.push(vec!["checkin".into(), "--id".into(), String::new()]);
    for (name, csv) in
        [("empty.csv", ""), ("header.csv", HEADER), ("noid.csv", "full_name,as_of\nAn,2026-11-20\n")]
    {
        cases.push(vec!["import-roster".into(), db.write(name, csv).display().to_string()]);
    }
    for args in cases {
        let r = run(&db, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!((0..=2).contains(&r.code), "{args:?} exited {}: {}", r.code, r.err);
    }
    let nested = db.dir.join("a/b/c.db");
    // `--db` after the subcommand; a directory as the database.
    assert_eq!(exec(NOW, &["lookup", CARD_A, "--db", nested.to_str().unwrap()]).code, 0);
    let dir = exec(NOW, &["lookup", CARD_A, "--db", db.dir.to_str().unwrap()]);
    assert_eq!(dir.code, 2, "a directory is not a database: {}", dir.err);
    assert!(nested.exists(), "--db after the subcommand is honoured and its folder created");
    assert_eq!(mode(&nested), 0o600);
}

#[test]
fn upgrading_keeps_primary_level_for_old_visits_and_asks_the_profile() {
    for old in ["true", "false"] {
        let db = Db::new(&format!("upgrade-profile-{old}"));
        {
            // A database as version 3 left it: `primary_level` set, no profile.
            let store = tiepdon::store::Store::open(&db.path).expect("open");
            store.conn().execute_batch("DELETE FROM settings;").expect("no settings");
            store
                .conn()
                .execute("INSERT INTO settings(key, value) VALUES ('primary_level', ?1)", [old])
                .expect("the old setting");
        }
        let store = tiepdon::store::Store::open(&db.path).expect("reopen");
        let clinic = settings::load(store.conn()).expect("settings").clinic;
        assert_eq!(clinic.profile.level, None, "nothing guessed: the profile is asked");
        assert!(!clinic.profile.is_complete());
        assert_eq!(clinic.pre2025_primary_level, old == "true", "kept for visits before 2025");
    }
}

#[test]
fn a_supervisor_pin_guards_reopening_and_a_clinic_series_numbers_every_desk() {
    let db = Db::new("pin-series");
    standard_roster(&db);
    assert_eq!(checkin(&db, NOW, &["--id", CARD_A]).only(0)["ticket"], "A-001");
    let set = run(&db, &["settings", "set", "supervisor_pin", "2468"]);
    assert_eq!(set.only(0)["supervisor_pin"], "set");
    assert!(!format!("{:?}{}", set.out, set.err).contains("2468"), "the PIN is never shown");
    fails(run(&db, &["settings", "set", "supervisor_pin", "none"]), "PIN");
    fails(run(&db, &["settings", "set", "supervisor_pin", "1357", "--pin", "1111"]), "PIN");
    assert_eq!(
        run(&db, &["settings", "set", "supervisor_pin", "2468", "--pin", "2468"]).code,
        0,
        "the current PIN changes it"
    );
    let out = db.dir.join("closed");
    for (key, value) in
        [("facility_code", "79034"), ("exam_service_code", "02.1896"), ("exam_service_name", "Khám Nội")]
    {
        run(&db, &["settings", "set", key, value]).only(0);
    }
    let closed = run(&db, &["close-day", "--date", DAY, "--out", out.to_str().unwrap()]);
    assert_eq!(closed.code, 0, "{}", closed.err);
    let reopen = ["reopen-day", "--date", DAY, "--supervisor", "Hoa", "--reason", "sửa thẻ"];
    fails(run(&db, &reopen), "PIN");
    fails(run(&db, &[&reopen[..], &["--pin", "1111"]].concat()), "PIN");
    assert_eq!(run(&db, &[&reopen[..], &["--pin", "2468"]].concat()).code, 0, "the right PIN reopens");

    // One series for every desk, then each desk's own again.
    assert_eq!(run(&db, &["settings", "set", "clinic_series", "k"]).only(0)["clinic_series"], "K");
    assert_eq!(checkin(&db, NOW, &["--id", CARD_B]).only(0)["ticket"], "K-001");
    run(&db, &["settings", "set", "desk", "B"]).only(0);
    assert_eq!(checkin(&db, NOW, &["--id", CARD_C]).only(0)["ticket"], "K-002");
    assert_eq!(run(&db, &["settings", "set", "clinic_series", "none"]).only(0)["clinic_series"], Value::Null);
    // An override (a second visit today) needs the PIN too, checked where the visit is recorded.
    let refused = checkin(&db, NOW, &["--id", CARD_A, "--force"]);
    assert_eq!(refused.only(1)["refused"], "supervisor_pin", "no PIN, no override");
    assert_eq!(
        checkin(&db, NOW, &["--id", CARD_A, "--force", "--pin", "1111"]).only(1)["refused"],
        "supervisor_pin"
    );
    let forced = checkin(&db, NOW, &["--id", CARD_A, "--force", "--pin", "2468"]);
    assert_eq!(forced.only(0)["overrides"], json!(["repeat"]));
    assert_eq!(run(&db, &["visits", "--date", DAY]).out.last().unwrap()["ticket"], "B-001");
    assert_eq!(run(&db, &["audit", "verify"]).only(0)["ok"], true);
}

/// The same store tests with the visits, tickets, settings and audit on the clinic server (a throwaway
/// PostgreSQL) and the roster in the desk's replica: one suite, both backends.
mod on_server {
    use super::common::desk::on_server;

    macro_rules! on_both {
        ($($test:ident),* $(,)?) => { $( #[test] fn $test() { on_server(super::$test) } )* };
    }

    on_both!(
        import_bom_shuffled_columns_unknown_column_and_both_date_forms,
        import_replace_drops_cards_missing_from_the_new_file_but_keeps_scanned_ones,
        import_with_bad_rows_imports_nothing_and_names_the_lines,
        import_skip_bad_keeps_good_rows_and_writes_an_owner_only_reject_file,
        lookup_unknown_id_cannot_verify_050,
        lookup_revoked_not_eligible_110,
        lookup_replaced_still_valid_warns_004_with_new_card,
        lookup_replaced_and_expired_not_eligible_003,
        lookup_reduced_not_eligible_120,
        lookup_data_45_days_old_warns_l02_with_its_age,
        lookup_data_100_days_old_cannot_verify_l03,
        checkin_tickets_repeats_desks_and_days,
        checkin_not_eligible_is_refused_unless_forced,
        scans_teach_the_store_and_a_citizen_card_links_to_the_scanned_card,
        citizen_link_ignores_case_and_unicode_form,
        void_keeps_the_row_needs_a_reason_and_frees_the_patient,
        visits_lists_the_day_in_order_and_settings_validate,
        demo_data_fills_the_roster_and_labels_the_database,
        odd_inputs_never_panic,
        a_supervisor_pin_guards_reopening_and_a_clinic_series_numbers_every_desk,
    );
}
