//! End of day (issue 7): the CSV, the Decision 130 check-in XML, the summary with its chart, masked ids,
//! owner-only atomic files, the sealed close with its manifest, and reopening. The real binary runs with
//! a pinned clock against a fresh database per test; a day with every kind of visit is built via the CLI.

mod common;

use base64::Engine;
use common::desk::{Db, Run, run_at};
use quick_xml::events::Event;
use rusqlite::Connection;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tiepdon::export::xml130::FIELDS;

const NOW: &str = "2026-11-23T02:00:00Z"; // 09:00 in Vietnam
const LATER: &str = "2026-11-23T03:15:00Z"; // 10:15
const EVENING: &str = "2026-11-23T11:00:00Z"; // 18:00
const DAY: &str = "2026-11-23";
const CARD_A: &str = "DN4790123456789";
const CARD_B: &str = "HT3010345678912";
const CARD_R: &str = "DN4790456789123";
const CARD_Q: &str = "GD4790234567891";
const CIT_A: &str = "079090123456";
const CIT_X: &str = "079099999999";
const VSSID_BHXH: &str = "7912345678";
const ODD_NAME: &str = "Đặng Thị <Hạnh> & Con";
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn run(db: &Db, args: &[&str]) -> Run {
    run_at(EVENING, db, args)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A legacy 15-field BHYT QR: the name as hex UTF-8 (a name the roster would refuse is kept with a warning).
fn legacy_qr(card: &str, name: &str, facility: &str) -> String {
    let (name, bhxh) = (hex(name), &card[5..]);
    format!(
        "{card}|{name}|20/10/1990|2|-|{facility}|01/01/2026|-|01/01/2026|0179{bhxh}|-|4|-|0a1b2c3d4e5f6a7b-7102|$"
    )
}

/// A VssID 17-field QR: a 10-digit BHXH number and no 15-character card code.
fn vssid_qr() -> String {
    let (name, area) = (hex("Trần Thị Bình"), hex("Quận 12"));
    format!(
        "{VSSID_BHXH}|{name}|30/07/1981|2|-|79 - 034|01/02/2021|-|20/02/2021|7902{VSSID_BHXH}|-|4|-|1a2b3c4d5e6f7a8b-7102|4|{area}|$"
    )
}

/// The day: A-001 eligible, A-002 warning (`&<>` name, registered elsewhere), A-003 warning (VssID),
/// A-004 not eligible (forced), A-005 cannot verify (10:15), A-006 repeat of A-001 (10:15), A-007 voided.
fn build_day(name: &str) -> Db {
    let db = Db::new(name);
    run_at(NOW, &db, &["settings", "set", "facility_code", "79034"]).only(0);
    run_at(NOW, &db, &["settings", "set", "expertise_level", "ban_dau"]).only(0);
    let roster = format!(
        "card_number,citizen_id,full_name,birth_date,sex,facility_code,valid_from,valid_to,status,as_of\n\
         {CARD_A},{CIT_A},Nguyễn Văn An,20/10/1990,male,79034,01/01/2026,31/12/2027,active,2026-11-20\n\
         {CARD_B},,Lê Minh Châu,15/03/2008,female,79034,01/01/2026,31/12/2027,active,2026-11-20\n\
         {CARD_R},,Phạm Văn Dũng,1970,,79034,01/01/2026,31/12/2027,revoked,2026-11-20\n"
    );
    let path = db.write("roster.csv", &roster);
    run_at(NOW, &db, &["import-roster", path.to_str().unwrap()]).only(0);
    let checkins: [(&str, &[&str], &str, &str); 7] = [
        (NOW, &["--id", CARD_A], "ELIGIBLE", "000"),
        // Registered in another province, at a primary-level clinic: 1.11 at the card's level, no warning.
        (NOW, &[&legacy_qr(CARD_Q, ODD_NAME, "01 - 065")], "ELIGIBLE", "000"),
        (NOW, &[&vssid_qr()], "ELIGIBLE_WITH_WARNING", "L06"),
        (NOW, &["--id", CARD_R, "--force"], "NOT_ELIGIBLE", "110"),
        (LATER, &["--id", CIT_X], "CANNOT_VERIFY", "050"),
        (LATER, &["--id", CARD_A, "--force"], "ELIGIBLE", "000"),
        (LATER, &["--id", CARD_B], "ELIGIBLE", "000"),
    ];
    for (i, (at, args, status, code)) in checkins.iter().enumerate() {
        let v = run_at(at, &db, &[&["checkin"], *args].concat()).only(0).clone();
        let got = ["ticket", "status", "code"].map(|k| s(&v[k]).to_string());
        assert_eq!(got, [format!("A-{:03}", i + 1), status.to_string(), code.to_string()], "{v}");
    }
    run_at(LATER, &db, &["void", "A-007", "--reason", "nhầm người"]).only(0);
    assert_eq!(visits(&db, DAY)[5]["repeat_of"], "A-001");
    db
}

fn visits(db: &Db, day: &str) -> Vec<Value> {
    let r = run(db, &["visits", "--date", day]);
    assert_eq!(r.code, 0, "{}", r.err);
    r.out
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The files of one export.
struct Files {
    csv: Vec<u8>,
    xml: String,
    /// The check-in table of every HOSO, decoded.
    inners: Vec<String>,
    summary: Value,
    png: Vec<u8>,
}

/// `export --date DAY --out DB/SUB EXTRA…`: all four files read back, the check-in table decoded.
fn export(db: &Db, sub: &str, day: &str, extra: &[&str]) -> Files {
    let (dir, compact) = (db.dir.join(sub), day.replace('-', ""));
    let r = run(db, &[&["export", "--date", day, "--out", dir.to_str().unwrap()], extra].concat());
    assert_eq!(r.only(0)["files"].as_array().map(Vec::len), Some(4), "{}", r.err);
    let read = |suffix: &str| std::fs::read(dir.join(format!("tiepdon-{compact}-{suffix}"))).expect(suffix);
    let xml = String::from_utf8(read("checkin-xml130.xml")).expect("the XML is UTF-8");
    let root = parse_xml(&xml);
    let inners = root
        .at("THONGTINHOSO/DANHSACHHOSO")
        .all("HOSO")
        .iter()
        .map(|h| {
            let b64 = h.at("FILEHOSO/NOIDUNGFILE").text.trim().to_string();
            let inner = base64::engine::general_purpose::STANDARD.decode(b64).expect("NOIDUNGFILE is Base64");
            String::from_utf8(inner).expect("the check-in table is UTF-8")
        })
        .collect();
    Files {
        csv: read("visits.csv"),
        inners,
        xml,
        summary: serde_json::from_slice(&read("summary.json")).expect("the summary is JSON"),
        png: read("visits-per-hour.png"),
    }
}

/// CSV rows as header → value maps, after checking the BOM.
fn csv_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    assert!(bytes.starts_with(BOM), "the CSV starts with a UTF-8 BOM");
    let mut reader = csv::Reader::from_reader(&bytes[BOM.len()..]);
    let head: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(head, tiepdon::export::csv::HEADER);
    let rows =
        reader.records().map(|r| head.iter().cloned().zip(r.unwrap().iter().map(String::from)).collect());
    rows.collect()
}

/// An element: its name, its text exactly as parsed (entities resolved), its children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    kids: Vec<Node>,
}

impl Node {
    fn at(&self, path: &str) -> &Node {
        path.split('/').fold(self, |n, name| {
            n.kids.iter().find(|k| k.name == name).unwrap_or_else(|| panic!("no {name} under {}", n.name))
        })
    }
    fn all(&self, name: &str) -> Vec<&Node> {
        self.kids.iter().filter(|k| k.name == name).collect()
    }
}

/// Parses with quick-xml (names must match, entities must be known); returns the root element.
fn parse_xml(text: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack = vec![Node::default()];
    let name = |n: quick_xml::name::QName| String::from_utf8(n.as_ref().to_vec()).unwrap();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(Node { name: name(e.name()), ..Node::default() }),
            Event::Empty(e) => {
                stack.last_mut().unwrap().kids.push(Node { name: name(e.name()), ..Node::default() })
            }
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().expect("balanced").kids.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let entity = r.decode().unwrap().into_owned();
                let resolved = quick_xml::escape::resolve_predefined_entity(&entity)
                    .map(String::from)
                    .or_else(|| r.resolve_char_ref().unwrap().map(String::from))
                    .unwrap_or_else(|| panic!("unknown entity &{entity};"));
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "every element closed");
    let mut top = stack.pop().unwrap().kids;
    assert_eq!(top.len(), 1, "one root element");
    top.remove(0)
}

/// Every CHI_TIET row of every HOSO, in order.
fn rows_of(f: &Files) -> Vec<BTreeMap<String, String>> {
    f.inners.iter().flat_map(|inner| chi_tiet(inner)).collect()
}

/// The inner table's CHI_TIET rows as field → value (trimmed), checking the 26 fields in order.
fn chi_tiet(inner: &str) -> Vec<BTreeMap<String, String>> {
    let table = parse_xml(inner);
    assert_eq!(table.name, "CHECKIN");
    let rows = table.all("CHI_TIET");
    for row in &rows {
        assert_eq!(
            row.kids.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            FIELDS,
            "26 fields in order"
        );
    }
    rows.iter()
        .map(|r| r.kids.iter().map(|k| (k.name.clone(), k.text.trim().to_string())).collect())
        .collect()
}

fn mask(id: &str) -> String {
    let n = id.chars().count();
    id.chars().enumerate().map(|(i, c)| if i + 4 < n { '*' } else { c }).collect()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn csv_and_summary_equal_the_database() {
    let db = build_day("csv");
    let f = export(&db, "out", DAY, &[]);
    let (db_visits, rows) = (visits(&db, DAY), csv_rows(&f.csv));
    assert_eq!(rows.len(), 7, "one row per visit, voided included");
    assert_eq!(rows.len(), db_visits.len());
    for (row, v) in rows.iter().zip(&db_visits) {
        let keys = "ticket status code card_number bhxh_number citizen_id full_name checked_in_at \
                    facility_code birth_date repeat_of operator repeat voided";
        for key in keys.split_whitespace() {
            let want = if v[key].is_boolean() { v[key].to_string() } else { s(&v[key]).to_string() };
            assert_eq!(row[key], want, "{key} of {}", v["ticket"]);
        }
    }
    assert_eq!((rows[6]["voided"].as_str(), rows[6]["void_reason"].as_str()), ("true", "nhầm người"));
    assert_eq!(rows[1]["full_name"], ODD_NAME, "diacritics and &<> survive in the CSV");
    assert_eq!(rows[5]["repeat"], "true");

    let kept: Vec<&Value> = db_visits.iter().filter(|v| v["voided"] == false).collect();
    let sm = &f.summary;
    for (list, key) in [("per_status", "status"), ("per_code", "code"), ("per_operator", "operator")] {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        kept.iter().for_each(|v| *counts.entry(s(&v[key]).to_string()).or_default() += 1);
        assert_eq!(serde_json::from_value::<BTreeMap<String, usize>>(sm[list].clone()).unwrap(), counts);
    }
    assert_eq!(sm["per_status"].as_object().unwrap().len(), 4, "all four statuses: {}", sm["per_status"]);
    // Per proposed category, from each visit's verdict (none proposed for a citizen id with no record).
    let mut per_route: BTreeMap<String, usize> = BTreeMap::new();
    kept.iter().for_each(|v| {
        *per_route.entry(v["verdict"]["route"].as_str().unwrap_or("none").into()).or_default() += 1
    });
    assert_eq!(
        serde_json::from_value::<BTreeMap<String, usize>>(sm["per_route"].clone()).unwrap(),
        per_route
    );
    assert_eq!(sm["per_route"]["1.11"], 1, "the card registered in another province: {}", sm["per_route"]);
    let mut per_hour = vec![0_usize; 24];
    kept.iter().for_each(|v| per_hour[s(&v["checked_in_at"])[11..13].parse::<usize>().unwrap()] += 1);
    assert_eq!(serde_json::from_value::<Vec<usize>>(sm["per_hour"].clone()).unwrap(), per_hour);
    assert_eq!((per_hour[9], per_hour[10]), (4, 2), "local hours, not UTC");
    assert_eq!(sm["visits"], kept.len());
    assert_eq!((sm["voided"].as_u64(), sm["repeats"].as_u64()), (Some(1), Some(1)));
    let tickets = |key: &str| {
        sm[key].as_array().unwrap().iter().map(|p| s(&p["ticket"]).to_string()).collect::<Vec<_>>()
    };
    let want = |pred: &dyn Fn(&Value) -> bool| {
        kept.iter().filter(|v| pred(v)).map(|v| s(&v["ticket"]).to_string()).collect::<Vec<_>>()
    };
    assert_eq!(tickets("recheck"), want(&|v| v["status"] == "CANNOT_VERIFY"));
    assert_eq!(tickets("recheck"), ["A-005"]);
    assert_eq!(tickets("need_card_code"), want(&|v| s(&v["card_number"]).len() != 15));
    assert_eq!(tickets("need_card_code"), ["A-003", "A-005"]);

    assert!(f.png.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG signature");
    let img = image::load_from_memory(&f.png).expect("the chart decodes").to_luma8();
    assert!(img.width() > 0 && img.height() > 0);
    assert!(img.pixels().any(|p| p.0[0] < 128), "something is drawn");
}

/// Expected check-in table values of the non-voided visits, in order: the ticket, then [`CHECKED`], then
/// the local check-in time (hhmm) of NGAY_VAO.
fn expected_rows() -> [String; 6] {
    let an = |t: &str, at: &str| {
        format!(
            "{t};0123456789;Nguyễn Văn An;{CIT_A};199010200000;1;{CARD_A};79034;20260101;20271231;1.1;{at}"
        )
    };
    [
        an("A-001", "0900"),
        // Registered in another province at a primary-level clinic: 1.11 (QĐ 3276), proposed.
        format!("A-002;0234567891;{ODD_NAME};;199010200000;2;{CARD_Q};01065;20260101;;1.11;0900"),
        format!("A-003;{VSSID_BHXH};Trần Thị Bình;;198107300000;2;;79034;20210201;;1.1;0900"),
        format!("A-004;0456789123;Phạm Văn Dũng;;197000000000;;{CARD_R};79034;20260101;20271231;1.1;0900"),
        format!("A-005;{CIT_X};;{CIT_X};;;;;;;;1015"),
        an("A-006", "1015"),
    ]
}

const CHECKED: &str =
    "MA_BN HO_TEN SO_CCCD NGAY_SINH GIOI_TINH MA_THE_BHYT MA_DKBD GT_THE_TU GT_THE_DEN MA_DOITUONG_KCB";
const NOT_FILLABLE: &str = "NGAY_VAO_NOI_TRU LY_DO_VNT MA_LY_DO_VNT MA_DICH_VU TEN_DICH_VU MA_THUOC TEN_THUOC \
                            MA_VAT_TU TEN_VAT_TU NGAY_YL DU_PHONG";

#[test]
fn xml130_parses_back_with_each_visits_values() {
    let db = build_day("xml");
    let f = export(&db, "out", DAY, &[]);
    assert!(f.xml.starts_with("<?xml"), "an XML declaration");
    let root = parse_xml(&f.xml);
    assert_eq!(root.name, "GIAMDINHHS");
    assert_eq!(root.at("THONGTINDONVI/MACSKCB").text, "79034");
    assert_eq!(root.at("THONGTINHOSO/NGAYLAP").text, "20261123");
    assert_eq!(root.at("THONGTINHOSO/SOLUONGHOSO").text, "6", "the non-voided visits");
    assert_eq!(root.at("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO/LOAIHOSO").text, "XML0");

    let all = f.inners.concat();
    assert!(all.contains("&amp;") && all.contains("&lt;"), "the name is escaped in the raw XML");
    assert!(!all.contains(ODD_NAME), "never written unescaped");
    assert_eq!(f.inners.len(), 6, "one HOSO per non-voided visit");
    let rows = rows_of(&f);
    assert_eq!(rows.len(), 6, "one CHI_TIET per non-voided visit");
    let db_visits: Vec<Value> = visits(&db, DAY).into_iter().filter(|v| v["voided"] == false).collect();
    for (i, ((row, line), v)) in rows.iter().zip(expected_rows()).zip(&db_visits).enumerate() {
        let want: Vec<&str> = line.split(';').collect();
        assert_eq!(row["MA_LK"], format!("20261123-{}", want[0]));
        for (field, value) in CHECKED.split(' ').zip(&want[1..11]) {
            assert_eq!(row[field], *value, "{field} of {}", want[0]);
        }
        assert_eq!(row["NGAY_VAO"], format!("20261123{}", want[11]), "local time yyyyMMddHHmm");
        let fixed = [&row["STT"], &row["MA_LOAI_KCB"], &row["MA_CSKCB"]].map(String::as_str);
        assert_eq!(fixed, [(i + 1).to_string().as_str(), "01", "79034"], "{}", want[0]);
        assert_eq!(format!("20261123-{}", s(&v["ticket"])), row["MA_LK"], "same order as the database");
        let card = s(&v["card_number"]);
        assert_eq!(
            row["MA_THE_BHYT"],
            if card.len() == 15 { card } else { "" },
            "the 15-char code or nothing"
        );
        for field in NOT_FILLABLE.split_whitespace() {
            assert_eq!(row[field], "", "{field} is never invented");
        }
    }
}

#[test]
fn xml130_unfilled_fields_are_truly_empty() {
    let db = build_day("xml-empty");
    let f = export(&db, "out", DAY, &[]);
    assert_eq!(parse_xml(&f.xml).at("CHUKYDONVI").text, "", "CHUKYDONVI");
    for table in f.inners.iter().map(|inner| parse_xml(inner)) {
        let row = table.at("CHI_TIET");
        for field in NOT_FILLABLE.split_whitespace() {
            assert_eq!(row.at(field).text, "", "{field} must be empty, not whitespace");
        }
        for k in &row.kids {
            assert_eq!(k.text, k.text.trim(), "{} has no surrounding whitespace", k.name);
        }
    }
}

#[test]
fn mask_ids_leaves_only_the_last_four_characters_everywhere() {
    let db = build_day("mask");
    let db_visits = visits(&db, DAY);
    let ids: Vec<String> = db_visits
        .iter()
        .flat_map(|v| ["card_number", "bhxh_number", "citizen_id"].map(|k| s(&v[k]).to_string()))
        .filter(|id| !id.is_empty())
        .collect();
    assert!(ids.len() >= 12, "{ids:?}");
    let texts = |f: &Files| {
        [String::from_utf8(f.csv.clone()).unwrap(), f.xml.clone(), f.inners.concat(), f.summary.to_string()]
    };
    let plain = export(&db, "plain", DAY, &[]);
    assert!(
        ids.iter().all(|id| texts(&plain).iter().any(|t| t.contains(id.as_str()))),
        "control: ids appear unmasked"
    );

    let f = export(&db, "masked", DAY, &["--mask-ids"]);
    for (i, t) in texts(&f).iter().enumerate() {
        for id in &ids {
            assert!(!t.contains(id.as_str()), "file {i} leaks {id}");
        }
    }
    for (row, v) in csv_rows(&f.csv).iter().zip(&db_visits) {
        for key in ["card_number", "bhxh_number", "citizen_id"] {
            assert_eq!(row[key], mask(s(&v[key])), "{key} of {}", v["ticket"]);
        }
    }
    let kept: Vec<&Value> = db_visits.iter().filter(|v| v["voided"] == false).collect();
    for (row, v) in rows_of(&f).iter().zip(&kept) {
        let bn = if v["bhxh_number"].is_null() { s(&v["citizen_id"]) } else { s(&v["bhxh_number"]) };
        assert_eq!(row["MA_BN"], mask(bn));
        assert_eq!(row["SO_CCCD"], mask(s(&v["citizen_id"])));
        let card = s(&v["card_number"]);
        assert_eq!(row["MA_THE_BHYT"], if card.len() == 15 { mask(card) } else { String::new() });
        assert_eq!(row["HO_TEN"], s(&v["full_name"]), "names are not ids");
    }
    for list in ["recheck", "need_card_code"] {
        for p in f.summary[list].as_array().unwrap() {
            let v = db_visits.iter().find(|v| v["ticket"] == p["ticket"]).unwrap();
            for key in ["bhxh_number", "citizen_id"] {
                assert_eq!(s(&p[key]), mask(s(&v[key])), "{list} {key}");
            }
        }
    }
    assert_eq!(f.summary["recheck"][0]["citizen_id"], "********9999");
}

#[test]
fn export_files_are_owner_only_and_no_temporary_file_is_left() {
    let db = build_day("perms");
    let dir = db.dir.join("new/out");
    let stale = dir.join("tiepdon-20261123-visits.csv");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&stale, "old").unwrap();
    std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o644)).unwrap();
    for _ in 0..2 {
        export(&db, "new/out", DAY, &[]);
        let want = ["checkin-xml130.xml", "summary.json", "visits-per-hour.png", "visits.csv"]
            .map(|s| format!("tiepdon-20261123-{s}"));
        assert_eq!(names(&dir), want, "exactly the exports, no temporary file");
        for n in &want {
            assert_eq!(mode(&dir.join(n)), 0o600, "{n} is owner-only");
        }
    }
    assert_ne!(std::fs::read(&stale).unwrap(), b"old", "the old file was replaced");
    let fresh = db.dir.join("fresh");
    run(&db, &["export", "--date", DAY, "--format", "csv", "--out", fresh.to_str().unwrap()]).only(0);
    assert_eq!(names(&fresh), ["tiepdon-20261123-visits.csv"]);
    assert_eq!(mode(&fresh), 0o700, "a created folder is owner-only");
}

#[test]
fn close_day_seals_verifies_refuses_checkins_and_reopens_audited() {
    let db = build_day("close");
    let sealed = db.dir.join("sealed");
    let closed = run(&db, &["close-day", "--date", DAY, "--out", sealed.to_str().unwrap()]).only(0).clone();
    assert_eq!(closed["closed"], true);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(sealed.join("MANIFEST.json")).unwrap()).unwrap();
    assert_eq!((s(&manifest["day"]), manifest["visits"].as_u64()), (DAY, Some(7)));
    let entries = manifest["files"].as_array().unwrap();
    let mut listed: Vec<String> = entries.iter().map(|e| s(&e["file"]).to_string()).collect();
    listed.push("MANIFEST.json".into());
    listed.sort();
    assert_eq!(listed, names(&sealed), "the manifest lists every file");
    for e in entries {
        let bytes = std::fs::read(sealed.join(s(&e["file"]))).unwrap();
        assert_eq!(s(&e["sha256"]), format!("{:x}", Sha256::digest(&bytes)), "{}", e["file"]);
        assert_eq!(e["bytes"], bytes.len());
    }
    assert_eq!(mode(&sealed.join("MANIFEST.json")), 0o600);
    let verify = || run(&db, &["verify-export", sealed.to_str().unwrap()]);
    assert_eq!(verify().only(0)["ok"], true);

    // Each change is detected and named, then undone.
    let [csv, png] =
        ["visits.csv", "visits-per-hour.png"].map(|n| sealed.join(format!("tiepdon-20261123-{n}")));
    let (notes, csv_bytes, png_bytes) =
        (sealed.join("notes.txt"), std::fs::read(&csv).unwrap(), std::fs::read(&png).unwrap());
    let mut flipped = csv_bytes.clone();
    flipped[10] ^= 1;
    let write = |p: &Path, b: &[u8]| std::fs::write(p, b).unwrap();
    // (what is checked, how the folder is changed, how it is restored)
    type Tamper<'a> = (&'a str, &'a dyn Fn(), &'a dyn Fn());
    let tampers: [Tamper; 3] = [
        ("changed", &|| write(&csv, &flipped), &|| write(&csv, &csv_bytes)),
        ("missing", &|| std::fs::remove_file(&png).unwrap(), &|| write(&png, &png_bytes)),
        ("extra", &|| write(&notes, b"added"), &|| std::fs::remove_file(&notes).unwrap()),
    ];
    for (key, tamper, undo) in tampers {
        tamper();
        let v = verify().only(1).clone();
        assert_eq!(v["ok"], false, "{key}: {v}");
        for (k, file) in ["changed", "missing", "extra"].into_iter().zip([&csv, &png, &notes]) {
            let name = file.file_name().unwrap().to_str().unwrap();
            assert_eq!(v[k], if k == key { json!([name]) } else { json!([]) }, "{key}: {v}");
        }
        undo();
        assert_eq!(verify().only(0)["ok"], true, "undone");
    }

    let checkin = || run_at(EVENING, &db, &["checkin", "--id", CARD_B, "--force"]);
    assert_eq!(checkin().only(1)["refused"], "closed_day");
    assert_eq!(visits(&db, DAY).len(), 7, "nothing recorded on a closed day");
    let again = run(&db, &["close-day", "--date", DAY, "--out", db.dir.join("again").to_str().unwrap()]);
    assert_eq!(again.code, 2, "closing twice fails: {}", again.err);
    for args in [
        &["--supervisor", "Hoa"][..],
        &["--reason", "sửa sai"],
        &["--supervisor", " ", "--reason", "sửa sai"],
        &["--supervisor", "Hoa", "--reason", ""],
    ] {
        let r = run(&db, &[&["reopen-day", "--date", DAY], args].concat());
        assert_eq!(r.code, 2, "reopen-day {args:?} must fail");
        assert_eq!(checkin().only(1)["refused"], "closed_day", "still closed");
    }
    let reopened = run(&db, &["reopen-day", "--date", DAY, "--supervisor", "Hoa", "--reason", "sửa sai"])
        .only(0)
        .clone();
    assert_eq!(reopened["closed"], false);
    assert_eq!(run(&db, &["audit", "verify"]).only(0)["ok"], true);
    let conn = Connection::open(&db.path).unwrap();
    let sql = "SELECT COUNT(*), MAX(operator), MAX(subject), MAX(detail), (SELECT COUNT(*) FROM audit \
               WHERE action = 'close-day') FROM audit WHERE action = 'reopen-day'";
    let row = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?));
    let (reopens, who, subject, detail, closes): (i64, String, String, String, i64) =
        conn.query_row(sql, [], row).unwrap();
    assert_eq!((reopens, who.as_str(), subject.as_str(), closes), (1, "Hoa", DAY, 1), "audit rows");
    assert!(detail.contains("sửa sai"), "the reason is audited: {detail}");
    drop(conn);
    assert_eq!(checkin().only(0)["ticket"], "A-008", "accepted once reopened");
}

#[test]
fn empty_day_exports_header_only_no_chi_tiet_and_zero_counts() {
    let db = build_day("empty");
    let f = export(&db, "empty", "2026-11-24", &[]);
    let text = String::from_utf8(f.csv[BOM.len()..].to_vec()).unwrap();
    assert!(f.csv.starts_with(BOM));
    assert_eq!(text.lines().collect::<Vec<_>>(), [tiepdon::export::csv::HEADER.join(",")], "only the header");
    assert!(csv_rows(&f.csv).is_empty());
    let root = parse_xml(&f.xml);
    assert_eq!(root.at("THONGTINHOSO/SOLUONGHOSO").text, "0");
    assert_eq!(root.at("THONGTINHOSO/NGAYLAP").text, "20261123", "the day the file was made");
    assert!(f.inners.is_empty(), "no HOSO, so no CHI_TIET");
    let zero = json!({"visits": 0, "voided": 0, "repeats": 0, "per_status": {}, "per_code": {}, "per_route": {},
        "per_operator": {}, "per_hour": vec![0; 24], "recheck": [], "need_card_code": []});
    for (key, want) in zero.as_object().unwrap() {
        assert_eq!(&f.summary[key], want, "{key}");
    }
    assert!(image::load_from_memory(&f.png).is_ok(), "an empty chart still decodes");
}

#[test]
fn a_closed_day_refuses_voids_and_a_rewritten_manifest_is_caught() {
    let db = build_day("seal-guards");
    let sealed = db.dir.join("sealed");
    run(&db, &["close-day", "--date", DAY, "--out", sealed.to_str().unwrap()]).only(0);
    let void = run(&db, &["void", "A-001", "--reason", "nhầm", "--date", DAY]);
    assert_eq!(void.code, 2, "a closed day's visits cannot be voided: {:?}", void.out);
    assert!(void.err.contains("reopen"), "{}", void.err);

    // Edit a file and rewrite the manifest to match: the files agree, the seal in the database does not.
    let csv = sealed.join("tiepdon-20261123-visits.csv");
    let mut bytes = std::fs::read(&csv).unwrap();
    bytes.extend_from_slice(b"A-999,forged\n");
    std::fs::write(&csv, &bytes).unwrap();
    let manifest_path = sealed.join("MANIFEST.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for e in manifest["files"].as_array_mut().unwrap() {
        if e["file"] == "tiepdon-20261123-visits.csv" {
            e["sha256"] = format!("{:x}", Sha256::digest(&bytes)).into();
            e["bytes"] = bytes.len().into();
        }
    }
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    let verify = run(&db, &["verify-export", sealed.to_str().unwrap()]);
    assert_eq!(verify.code, 1, "{:?}", verify.out);
    assert_eq!(verify.out[0]["manifest_matches_seal"], false);
    assert_eq!(verify.out[0]["changed"], serde_json::json!([]), "the files match the forged manifest");
}

#[test]
fn seals_are_kept_per_close_and_folders_are_never_reused() {
    let db = build_day("seal-history");
    let (first, second) = (db.dir.join("first"), db.dir.join("second"));
    let close = |dir: &Path| run(&db, &["close-day", "--date", DAY, "--out", dir.to_str().unwrap()]);
    close(&first).only(0);
    let verify = |dir: &Path| run(&db, &["verify-export", dir.to_str().unwrap()]);
    assert_eq!(verify(&first).only(0)["seal"], "sealed");
    // Neither a sealed folder nor any non-empty one can be written into again.
    let export_again = run(&db, &["export", "--date", DAY, "--out", first.to_str().unwrap()]);
    assert_eq!(export_again.code, 2, "{}", export_again.err);
    run(&db, &["reopen-day", "--date", DAY, "--supervisor", "Hà", "--reason", "sửa tên"]).only(0);
    assert_eq!(close(&first).code, 2, "a non-empty folder is refused");
    let reopened = verify(&first);
    assert_eq!((reopened.code, &reopened.out[0]["seal"]), (1, &Value::from("reopened after this seal")));
    close(&second).only(0);
    assert_eq!(verify(&second).only(0)["ok"], true, "the new seal stands");

    // A folder that claims another day than it was sealed for is not a seal of this database.
    let manifest = second.join("MANIFEST.json");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(DAY, "2026-11-22");
    std::fs::write(&manifest, text).unwrap();
    let forged = verify(&second);
    assert_eq!((forged.code, &forged.out[0]["seal"]), (1, &Value::from("not sealed by this database")));
}

#[test]
fn a_name_that_looks_like_a_formula_is_defused_in_the_csv() {
    let db = build_day("formula");
    run(&db, &["checkin", &legacy_qr("DN4790567891234", "=HYPERLINK(\"x\")", "79 - 034")]).only(0);
    let f = export(&db, "out", DAY, &[]);
    let rows = csv_rows(&f.csv);
    let row = rows.iter().find(|r| r["card_number"] == "DN4790567891234").expect("the visit is exported");
    assert_eq!(row["full_name"], "'=HYPERLINK(\"x\")");
}
