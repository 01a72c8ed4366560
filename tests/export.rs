//! End of day (issues 7 and 16): the CSV and the workbook for people, the raw CSV, the XML0 check-in
//! files as real receivers read them (checked by the spec's validator and a strict typed reader), the
//! summary with its chart, masked ids, owner-only atomic files, the sealed close with its manifest, and
//! reopening. The real binary runs with a pinned clock against a fresh database per test; a day with
//! every kind of visit is built via the CLI.

mod common;

use calamine::{Data, DataType, Reader};
use common::desk::{Db, Run, run_at};
use common::xml0::{read_strict, validate};
use rusqlite::Connection;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

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
const EXAM_CODE: &str = "02.1896";
const EXAM_NAME: &str = "Khám Nội";

fn run(db: &Db, args: &[&str]) -> Run {
    run_at(EVENING, db, args)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A legacy 15-field BHYT QR valid 2026–2027: the name as hex UTF-8 (a name the roster would refuse is
/// kept with a warning).
fn legacy_qr(card: &str, name: &str, facility: &str) -> String {
    let (name, bhxh) = (hex(name), &card[5..]);
    format!(
        "{card}|{name}|20/10/1990|2|-|{facility}|01/01/2026|31/12/2027|01/01/2026|0179{bhxh}|-|4|-|0a1b2c3d4e5f6a7b-7102|$"
    )
}

/// A VssID 17-field QR: a 10-digit BHXH number and no 15-character card code.
fn vssid_qr() -> String {
    let (name, area) = (hex("Trần Thị Bình"), hex("Quận 12"));
    format!(
        "{VSSID_BHXH}|{name}|30/07/1981|2|-|79 - 034|01/02/2021|-|20/02/2021|7902{VSSID_BHXH}|-|4|-|1a2b3c4d5e6f7a8b-7102|4|{area}|$"
    )
}

/// The day: A-001 eligible, A-002 eligible (`&<>` name, registered elsewhere), A-003 warning (VssID: no
/// card code, no end date), A-004 not eligible (forced), A-005 cannot verify (10:15), A-006 repeat of
/// A-001 (10:15), A-007 voided.
fn build_day(name: &str) -> Db {
    let db = Db::new(name);
    settings(&db);
    run_at(NOW, &db, &["settings", "set", "exam_service_code", EXAM_CODE]).only(0);
    run_at(NOW, &db, &["settings", "set", "exam_service_name", EXAM_NAME]).only(0);
    fill_day(&db);
    db
}

/// The clinic's settings but the exam service.
fn settings(db: &Db) {
    run_at(NOW, db, &["settings", "set", "facility_code", "79034"]).only(0);
    run_at(NOW, db, &["settings", "set", "expertise_level", "ban_dau"]).only(0);
}

fn fill_day(db: &Db) {
    let roster = format!(
        "card_number,citizen_id,full_name,birth_date,sex,facility_code,valid_from,valid_to,status,as_of\n\
         {CARD_A},{CIT_A},Nguyễn Văn An,20/10/1990,male,79034,01/01/2026,31/12/2027,active,2026-11-20\n\
         {CARD_B},,Lê Minh Châu,15/03/2008,female,79034,01/01/2026,31/12/2027,active,2026-11-20\n\
         {CARD_R},,Phạm Văn Dũng,1970,,79034,01/01/2026,31/12/2027,revoked,2026-11-20\n"
    );
    let path = db.write("roster.csv", &roster);
    run_at(NOW, db, &["import-roster", path.to_str().unwrap()]).only(0);
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
        let v = run_at(at, db, &[&["checkin"], *args].concat()).only(0).clone();
        let got = ["ticket", "status", "code"].map(|k| s(&v[k]).to_string());
        assert_eq!(got, [format!("A-{:03}", i + 1), status.to_string(), code.to_string()], "{v}");
    }
    run_at(LATER, db, &["void", "A-007", "--reason", "nhầm người"]).only(0);
    assert_eq!(visits(db, DAY)[5]["repeat_of"], "A-001");
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
    dir: PathBuf,
    /// The `files` the command printed.
    listed: Vec<String>,
    csv: Vec<u8>,
    raw: Vec<u8>,
    xlsx: Vec<u8>,
    /// The day's check-in file, when written.
    xml: Option<String>,
    /// The per-visit check-in files, by file name.
    per_visit: BTreeMap<String, String>,
    summary: Value,
    png: Vec<u8>,
}

/// `export --date DAY --out DB/SUB EXTRA…`: every file read back.
fn export(db: &Db, sub: &str, day: &str, extra: &[&str]) -> Files {
    let (dir, compact) = (db.dir.join(sub), day.replace('-', ""));
    let r = run(db, &[&["export", "--date", day, "--out", dir.to_str().unwrap()], extra].concat());
    let listed: Vec<String> =
        r.only(0)["files"].as_array().unwrap().iter().map(|f| s(f).to_string()).collect();
    let read = |suffix: &str| std::fs::read(dir.join(format!("tiepdon-{compact}-{suffix}"))).expect(suffix);
    let xml = std::fs::read(dir.join(format!("tiepdon-{compact}-checkin-xml0.xml")))
        .ok()
        .map(|b| String::from_utf8(b).expect("the XML is UTF-8"));
    let per_visit: BTreeMap<String, String> = std::fs::read_dir(dir.join(format!("tiepdon-{compact}-xml0")))
        .map(|d| {
            d.flatten()
                .map(|e| {
                    let text = String::from_utf8(std::fs::read(e.path()).unwrap()).expect("UTF-8");
                    (e.file_name().to_string_lossy().into_owned(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    let f = Files {
        csv: read("visits.csv"),
        raw: read("visits-raw.csv"),
        xlsx: read("visits.xlsx"),
        summary: serde_json::from_slice(&read("summary.json")).expect("the summary is JSON"),
        png: read("visits-per-hour.png"),
        xml,
        per_visit,
        listed,
        dir,
    };
    assert_eq!(f.listed.len(), 5 + usize::from(f.xml.is_some()) + f.per_visit.len(), "{:?}", f.listed);
    f
}

/// CSV rows as header → value maps, after checking the BOM and the header.
fn csv_rows(bytes: &[u8], header: &[&str]) -> Vec<BTreeMap<String, String>> {
    assert!(bytes.starts_with(BOM), "the CSV starts with a UTF-8 BOM");
    let mut reader = csv::Reader::from_reader(&bytes[BOM.len()..]);
    let head: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(head, header);
    let rows =
        reader.records().map(|r| head.iter().cloned().zip(r.unwrap().iter().map(String::from)).collect());
    rows.collect()
}

fn raw_rows(f: &Files) -> Vec<BTreeMap<String, String>> {
    csv_rows(&f.raw, &tiepdon::export::csv::RAW_HEADER)
}

fn people_rows(f: &Files) -> Vec<BTreeMap<String, String>> {
    csv_rows(&f.csv, &tiepdon::export::sheet::HEADER)
}

/// This database's id (the tail of every MA_LK).
fn store_id(db: &Db) -> String {
    let conn = Connection::open(&db.path).unwrap();
    conn.query_row("SELECT value FROM settings WHERE key = 'store_id'", [], |r| r.get(0)).unwrap()
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

/// `yyyyMMdd` of an ISO date, empty for none.
fn compact(iso: &Value) -> String {
    s(iso).replace('-', "")
}

#[test]
fn raw_csv_and_summary_equal_the_database() {
    let db = build_day("csv");
    let f = export(&db, "out", DAY, &[]);
    let (db_visits, rows) = (visits(&db, DAY), raw_rows(&f));
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
    // Held back from the check-in file, each with what it lacks.
    assert_eq!(tickets("need_card_lookup"), ["A-003", "A-005"]);
    assert_eq!(sm["checkin_rows"], 4);
    let missing = |i: usize| sm["need_card_lookup"][i]["missing"].clone();
    assert_eq!(missing(0), json!(["card_code", "valid_to"]), "the VssID card");
    for m in ["name", "birth_date", "card_code", "registered", "valid_from", "valid_to", "category"] {
        assert!(missing(1).as_array().unwrap().contains(&json!(m)), "A-005 lacks {m}: {}", missing(1));
    }
    assert!(s(&sm["need_card_lookup"][0]["missing_vi"]).starts_with("Thiếu mã thẻ BHYT 15 ký tự"));
}

#[test]
fn the_chart_names_the_clinic_and_stacks_the_hours_in_the_verdict_colours() {
    let db = build_day("chart");
    run_at(NOW, &db, &["settings", "set", "clinic_name", "Phòng khám Đa khoa Hòa Bình"]).only(0);
    let f = export(&db, "out", DAY, &[]);
    assert!(f.png.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG signature");
    let img = image::load_from_memory(&f.png).expect("the chart decodes").to_rgb8();
    assert_eq!(img.dimensions(), (1100, 520));
    let count = |rgb: [u8; 3]| img.pixels().filter(|p| p.0 == rgb).count();
    // At 09:00: 2 eligible, 1 with warning, 1 not eligible; at 10:15: 1 eligible (the repeat), 1 cannot
    // verify (the voided visit is not drawn).
    let (green, amber, red, grey) = (
        count([0x1b, 0x7f, 0x3b]),
        count([0xa8, 0x62, 0x00]),
        count([0xb0, 0x1e, 0x1e]),
        count([0x5f, 0x63, 0x68]),
    );
    assert!(green > 1000 && amber > 1000 && red > 1000 && grey > 1000, "{green} {amber} {red} {grey}");
    // Areas scale with the counts: 3 eligible units against 1 of each other status.
    let unit = (amber + red + grey) as f64 / 3.0;
    let ratio = green as f64 / unit;
    assert!((2.3..3.7).contains(&ratio), "green is about 3 units: {ratio:.2}");
    // Text is drawn (title, axes): dark anti-aliased pixels that are none of the bar colours.
    let dark = img.pixels().filter(|p| p.0.iter().all(|&c| c < 60)).count();
    assert!(dark > 2000, "title and labels are drawn: {dark}");
}

#[test]
fn the_csv_for_people_has_vietnamese_columns_and_dates() {
    let db = build_day("people");
    let f = export(&db, "out", DAY, &[]);
    let (db_visits, rows) = (visits(&db, DAY), people_rows(&f));
    assert_eq!(rows.len(), 7, "voided ones are kept");
    let words = [
        ("ELIGIBLE", "Đủ điều kiện"),
        ("ELIGIBLE_WITH_WARNING", "Đủ điều kiện, có lưu ý"),
        ("CANNOT_VERIFY", "Chưa xác minh được"),
        ("NOT_ELIGIBLE", "Không đủ điều kiện"),
    ];
    for (i, (row, v)) in rows.iter().zip(&db_visits).enumerate() {
        assert_eq!(row["STT"], (i + 1).to_string());
        let at = s(&v["checked_in_at"]);
        assert_eq!(row["Giờ tiếp đón"], format!("23/11/2026 {}", &at[11..16]));
        assert_eq!(row["Họ và tên"], s(&v["full_name"]));
        let card = s(&v["card_number"]);
        assert_eq!(row["Số thẻ BHYT"], card);
        assert_eq!(row["Mã BHXH"], s(&v["bhxh_number"]));
        assert_eq!(row["CCCD"], s(&v["citizen_id"]));
        assert_eq!(row["Nơi ĐKBĐ"], s(&v["facility_code"]));
        let to = s(&v["verdict"]["valid_to"]);
        let dmy = |iso: &str| {
            if iso.len() == 10 {
                format!("{}/{}/{}", &iso[8..], &iso[5..7], &iso[..4])
            } else {
                iso.to_string()
            }
        };
        assert_eq!(row["Hạn thẻ"], dmy(to));
        assert_eq!(row["Ngày sinh"], dmy(s(&v["birth_date"])));
        let status = words.iter().find(|(k, _)| *k == s(&v["status"])).unwrap().1;
        assert_eq!(row["Kết quả"], status);
        assert_eq!(row["Mã lý do"], s(&v["code"]));
        let fund = v["verdict"]["fund_percent"]
            .as_f64()
            .map(|p| p.to_string().replace('.', ","))
            .unwrap_or_default();
        assert_eq!(row["Quỹ trả %"], fund);
        assert_eq!(row["Người tiếp đón"], s(&v["operator"]));
        let sex = match s(&v["sex"]) {
            "male" => "Nam",
            "female" => "Nữ",
            _ => "",
        };
        assert_eq!(row["Giới tính"], sex);
    }
    assert_eq!(rows[0]["Ngày sinh"], "20/10/1990");
    assert_eq!(rows[0]["Hạn thẻ"], "31/12/2027");
    assert_eq!(rows[3]["Ngày sinh"], "1970", "a year-only birth date stays a year");
    let category: Vec<&str> = rows.iter().map(|r| r["Mã đối tượng"].as_str()).collect();
    assert_eq!(category, ["1.1", "1.11", "1.1", "9", "", "1.1", ""], "9 for the forced NOT_ELIGIBLE visit");
    assert_eq!((rows[6]["Hủy"].as_str(), rows[6]["Lý do hủy"].as_str()), ("Có", "nhầm người"));
    assert_eq!(rows[0]["Hủy"], "");
}

#[test]
fn the_workbook_reads_back_with_a_header_and_dates_as_dates() {
    let db = build_day("xlsx");
    let f = export(&db, "out", DAY, &[]);
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(f.xlsx.clone())).expect("an xlsx workbook");
    assert_eq!(book.sheet_names(), ["Tiếp đón 23-11-2026"]);
    let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 8, "a header and the 7 visits");
    let head: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(head, tiepdon::export::sheet::HEADER);
    let people = people_rows(&f);
    for (row, csv) in rows[1..].iter().zip(&people) {
        // Dates are dates (so they sort), and read back as the CSV writes them.
        let at = row[1].as_datetime().expect("the check-in time is a date-time");
        assert_eq!(at.format("%d/%m/%Y %H:%M").to_string(), csv["Giờ tiếp đón"]);
        match &row[3] {
            Data::DateTime(_) => {
                assert_eq!(row[3].as_date().unwrap().format("%d/%m/%Y").to_string(), csv["Ngày sinh"])
            }
            other => assert_eq!(other.to_string(), csv["Ngày sinh"], "a partial birth date is text"),
        }
        if !csv["Hạn thẻ"].is_empty() {
            assert_eq!(row[9].as_date().expect("a date").format("%d/%m/%Y").to_string(), csv["Hạn thẻ"]);
        }
        assert_eq!(row[0].as_i64(), csv["STT"].parse().ok());
        for col in [2, 5, 6, 7, 8, 10, 11, 13, 14, 15, 16] {
            assert_eq!(row[col].to_string(), csv[tiepdon::export::sheet::HEADER[col]], "column {col}");
        }
    }
    assert_eq!(rows[2][2].to_string(), ODD_NAME);
    assert!(matches!(rows[4][3], Data::Float(_) | Data::String(_) | Data::Int(_)), "1970 is not a date");
}

/// A typed row's values by field name (STT and GIOI_TINH as read: integers).
fn fields(r: &common::xml0::TrangThaiKcb) -> BTreeMap<&'static str, String> {
    let values = [
        &r.ma_lk,
        &r.ma_bn,
        &r.ho_ten,
        &r.so_cccd,
        &r.ngay_sinh,
        &r.ma_the_bhyt,
        &r.ma_dkbd,
        &r.gt_the_tu,
        &r.gt_the_den,
        &r.ma_doituong_kcb,
        &r.ngay_vao,
        &r.ngay_vao_noi_tru,
        &r.ly_do_vnt,
        &r.ma_ly_do_vnt,
        &r.ma_loai_kcb,
        &r.ma_cskcb,
        &r.ma_dich_vu,
        &r.ten_dich_vu,
        &r.ma_thuoc,
        &r.ten_thuoc,
        &r.ma_vat_tu,
        &r.ten_vat_tu,
        &r.ngay_yl,
        &r.du_phong,
    ];
    let names = tiepdon::export::xml0::FIELDS.iter().filter(|f| !matches!(**f, "STT" | "GIOI_TINH"));
    let mut map: BTreeMap<&'static str, String> = names.copied().zip(values.map(String::clone)).collect();
    map.insert("STT", r.stt.to_string());
    map.insert("GIOI_TINH", r.gioi_tinh.to_string());
    map
}

/// The values every check-in row must carry for `v` (a visit of the test day).
fn expected_row(v: &Value, store: &str) -> BTreeMap<&'static str, String> {
    let forced = v["status"] == "NOT_ELIGIBLE";
    let card = |text: String| if forced { String::new() } else { text };
    let at = format!("20261123{}", s(&v["checked_in_at"])[11..16].replace(':', ""));
    let birth = s(&v["birth_date"]).replace('-', "");
    let birth = if birth.len() == 8 { format!("{birth}0000") } else { format!("{birth}00000000") };
    let id = if v["bhxh_number"].is_null() { s(&v["citizen_id"]) } else { s(&v["bhxh_number"]) };
    BTreeMap::from([
        ("MA_LK", format!("20261123-{}-{store}", s(&v["ticket"]))),
        ("MA_BN", id.to_string()),
        ("HO_TEN", s(&v["full_name"]).to_string()),
        ("SO_CCCD", s(&v["citizen_id"]).to_string()),
        ("NGAY_SINH", birth),
        ("MA_THE_BHYT", card(s(&v["card_number"]).to_string())),
        ("MA_DKBD", card(s(&v["facility_code"]).to_string())),
        ("GT_THE_TU", card(compact(&v["verdict"]["valid_from"]))),
        ("GT_THE_DEN", card(compact(&v["verdict"]["valid_to"]))),
        ("MA_DOITUONG_KCB", if forced { "9".into() } else { s(&v["verdict"]["route"]).to_string() }),
        ("NGAY_VAO", at.clone()),
        ("NGAY_VAO_NOI_TRU", String::new()),
        ("LY_DO_VNT", String::new()),
        ("MA_LY_DO_VNT", String::new()),
        ("MA_LOAI_KCB", "01".into()),
        ("MA_CSKCB", "79034".into()),
        ("MA_DICH_VU", EXAM_CODE.into()),
        ("TEN_DICH_VU", EXAM_NAME.into()),
        ("MA_THUOC", String::new()),
        ("TEN_THUOC", String::new()),
        ("MA_VAT_TU", String::new()),
        ("TEN_VAT_TU", String::new()),
        ("NGAY_YL", at),
        ("DU_PHONG", String::new()),
    ])
}

#[test]
fn the_xml0_files_pass_the_validator_and_a_strict_reader_gets_each_visits_values() {
    let db = build_day("xml");
    let f = export(&db, "out", DAY, &[]);
    let xml = f.xml.as_deref().expect("the day's check-in file");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "UTF-8 declaration, no BOM");
    assert_eq!(validate(xml.as_bytes()), Vec::<String>::new(), "the day file");
    assert!(xml.contains(&format!("<HO_TEN><![CDATA[{ODD_NAME}]]></HO_TEN>")), "the name in CDATA, as is");
    assert!(xml.contains("<CHUKYDONVI/>") && !xml.contains("GIAMDINHHS"), "its own file, not in an envelope");

    let store = store_id(&db);
    assert!(store.len() == 8 && store.bytes().all(|b| b.is_ascii_hexdigit()), "{store}");
    let kept: Vec<Value> = visits(&db, DAY).into_iter().filter(|v| v["voided"] == false).collect();
    let in_file: Vec<&Value> =
        kept.iter().filter(|v| !["A-003", "A-005"].contains(&s(&v["ticket"]))).collect();
    let rows = read_strict(xml).expect("a typed reader takes the day file");
    assert_eq!(rows.len(), in_file.len(), "the held-back and voided visits are not in it");
    assert_eq!(rows.len(), 4);
    for (i, (row, v)) in rows.iter().zip(&in_file).enumerate() {
        assert_eq!(row.stt as usize, i + 1, "STT 1..n");
        let sex = match s(&v["sex"]) {
            "male" => 1,
            "female" => 2,
            _ => 3,
        };
        assert_eq!(row.gioi_tinh, sex, "GIOI_TINH of {}", v["ticket"]);
        let got = fields(row);
        for (field, want) in expected_row(v, &store) {
            assert_eq!(got[field], want, "{field} of {}", v["ticket"]);
        }
    }
    assert_eq!(rows[2].ma_the_bhyt, "", "the forced NOT_ELIGIBLE visit has no card fields");
    assert_eq!(rows[2].ma_doituong_kcb, "9");
    assert_eq!(rows[1].ho_ten, ODD_NAME);

    // One file per visit, named by its MA_LK, with the same row as STT 1.
    let want_names: Vec<String> = rows.iter().map(|r| format!("{}.xml", r.ma_lk)).collect();
    assert_eq!(f.per_visit.keys().cloned().collect::<Vec<_>>(), want_names);
    for (row, (name, text)) in rows.iter().zip(&f.per_visit) {
        assert_eq!(validate(text.as_bytes()), Vec::<String>::new(), "{name}");
        let one = read_strict(text).expect("a typed reader takes the visit's file");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].stt, 1);
        assert_eq!(fields(&one[0])["MA_LK"], row.ma_lk);
        assert_eq!(fields(&one[0])["HO_TEN"], row.ho_ten);
    }
}

#[test]
fn the_validator_fails_on_the_old_shape_of_the_export() {
    // What tiepdon wrote before: the check-in table as a LOAIHOSO XML0 inside the claim envelope.
    let inner = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><CHECKIN><CHI_TIET>{}</CHI_TIET></CHECKIN>",
        tiepdon::export::xml0::FIELDS.iter().map(|f| format!("<{f}/>")).collect::<String>()
    );
    use base64::Engine;
    let old = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><GIAMDINHHS><THONGTINDONVI><MACSKCB>79034</MACSKCB></THONGTINDONVI>\
         <THONGTINHOSO><NGAYLAP>20261123</NGAYLAP><SOLUONGHOSO>1</SOLUONGHOSO><DANHSACHHOSO><HOSO><FILEHOSO>\
         <LOAIHOSO>XML0</LOAIHOSO><NOIDUNGFILE>{}</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO></THONGTINHOSO>\
         <CHUKYDONVI/></GIAMDINHHS>",
        base64::engine::general_purpose::STANDARD.encode(&inner)
    );
    assert!(!validate(old.as_bytes()).is_empty());
    assert!(!validate(inner.as_bytes()).is_empty());
    assert!(read_strict(&inner).is_err(), "an empty STT does not read as an integer");
}

#[test]
fn masked_check_in_files_are_refused_and_masking_covers_every_human_file() {
    let db = build_day("mask");
    let db_visits = visits(&db, DAY);
    let ids: Vec<String> = db_visits
        .iter()
        .flat_map(|v| ["card_number", "bhxh_number", "citizen_id"].map(|k| s(&v[k]).to_string()))
        .filter(|id| !id.is_empty())
        .collect();
    assert!(ids.len() >= 12, "{ids:?}");
    let xlsx_text = |f: &Files| {
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(f.xlsx.clone())).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        range.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect::<Vec<_>>().join("|")
    };
    let texts = |f: &Files| {
        [
            String::from_utf8(f.csv.clone()).unwrap(),
            String::from_utf8(f.raw.clone()).unwrap(),
            xlsx_text(f),
            f.summary.to_string(),
        ]
    };
    let plain = export(&db, "plain", DAY, &[]);
    // Control: the CSVs and the workbook hold every id unmasked (the summary only those it lists).
    for (i, t) in texts(&plain).iter().take(3).enumerate() {
        assert!(ids.iter().all(|id| t.contains(id.as_str())), "control: file {i} has every id unmasked");
    }
    assert!(texts(&plain)[3].contains(CIT_X), "control: the summary names the visit to re-check");

    // Asked for explicitly, a masked check-in file is refused, and nothing is written.
    let refused_dir = db.dir.join("refused");
    let r = run(
        &db,
        &[
            "export",
            "--date",
            DAY,
            "--out",
            refused_dir.to_str().unwrap(),
            "--mask-ids",
            "--format",
            "csv,xml130",
        ],
    );
    assert_eq!(r.code, 2, "{:?}", r.out);
    assert!(r.err.contains("XML0") && r.err.contains("never written"), "{}", r.err);
    assert!(!refused_dir.exists(), "nothing written");
    let sealed = db.dir.join("sealed-masked");
    let r = run(&db, &["close-day", "--date", DAY, "--out", sealed.to_str().unwrap(), "--mask-ids"]);
    assert_eq!(r.code, 2, "a sealed close is never masked: {:?}", r.out);
    assert_eq!(run(&db, &["checkin", "--id", CARD_B, "--force"]).code, 0, "the day is still open");

    // By default, masking writes every other file.
    let f = export(&db, "masked", DAY, &["--mask-ids"]);
    assert!(f.xml.is_none() && f.per_visit.is_empty(), "no check-in file: {:?}", f.listed);
    assert!(!f.dir.join("tiepdon-20261123-xml0").exists());
    for (i, t) in texts(&f).iter().enumerate() {
        for id in &ids {
            assert!(!t.contains(id.as_str()), "file {i} leaks {id}");
        }
    }
    for (row, v) in raw_rows(&f).iter().zip(&db_visits) {
        for key in ["card_number", "bhxh_number", "citizen_id"] {
            assert_eq!(row[key], mask(s(&v[key])), "{key} of {}", v["ticket"]);
        }
    }
    for (row, v) in people_rows(&f).iter().zip(&db_visits) {
        assert_eq!(row["Số thẻ BHYT"], mask(s(&v["card_number"])));
        assert_eq!(row["Họ và tên"], s(&v["full_name"]), "names are not ids");
    }
    for list in ["recheck", "need_card_code", "need_card_lookup"] {
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
fn without_the_exam_service_the_check_in_file_is_refused_with_what_to_set() {
    let db = Db::new("no-exam");
    settings(&db);
    fill_day(&db);
    let out = db.dir.join("out");
    let r = run(&db, &["export", "--date", DAY, "--out", out.to_str().unwrap(), "--format", "xml0"]);
    assert_eq!(r.code, 2, "{:?}", r.out);
    assert!(r.err.contains("exam_service_code"), "{}", r.err);
    let r = run(&db, &["export", "--date", DAY, "--out", out.to_str().unwrap(), "--format", "csv,xlsx"]);
    assert_eq!(r.only(0)["files"].as_array().unwrap().len(), 2, "the other files still export");
}

#[test]
fn ma_lk_stays_unique_across_desks_days_and_databases() {
    let (one, two) = (build_day("desks-1"), build_day("desks-2"));
    // A second desk on the first database, the next day too.
    run_at(EVENING, &one, &["settings", "set", "desk", "B"]).only(0);
    assert_eq!(run_at(EVENING, &one, &["checkin", "--id", CARD_B, "--force"]).only(0)["ticket"], "B-001");
    let next_day = "2026-11-24T02:00:00Z";
    run_at(next_day, &one, &["settings", "set", "desk", "A"]).only(0);
    assert_eq!(run_at(next_day, &one, &["checkin", "--id", CARD_B]).only(0)["ticket"], "A-001");
    let mut keys = Vec::new();
    for (db, day, sub) in [(&one, DAY, "a"), (&one, "2026-11-24", "b"), (&two, DAY, "c")] {
        let f = run_at(
            next_day,
            db,
            &["export", "--date", day, "--out", db.dir.join(sub).to_str().unwrap(), "--format", "xml0"],
        );
        f.only(0);
        let text = std::fs::read_to_string(
            db.dir.join(sub).join(format!("tiepdon-{}-checkin-xml0.xml", day.replace('-', ""))),
        )
        .unwrap();
        assert_eq!(validate(text.as_bytes()), Vec::<String>::new());
        keys.extend(read_strict(&text).unwrap().into_iter().map(|r| r.ma_lk));
    }
    assert_eq!(keys.len(), 4 + 1 + 1 + 4, "{keys:?}");
    let unique: std::collections::BTreeSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "every MA_LK differs: {keys:?}");
    assert_ne!(store_id(&one), store_id(&two));
}

#[test]
fn a_visit_voided_since_leaves_the_per_visit_folder_on_the_next_export() {
    let db = build_day("stale");
    let first = export(&db, "out", DAY, &[]);
    assert_eq!(first.per_visit.len(), 4);
    run(&db, &["void", "A-006", "--reason", "trùng", "--date", DAY]).only(0);
    let again = export(&db, "out", DAY, &[]);
    assert_eq!(again.per_visit.len(), 3, "{:?}", again.per_visit.keys());
    assert!(again.per_visit.keys().all(|k| !k.contains("A-006")));
    assert_eq!(read_strict(again.xml.as_deref().unwrap()).unwrap().len(), 3);
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
        let f = export(&db, "new/out", DAY, &[]);
        let mut want: Vec<String> = [
            "checkin-xml0.xml",
            "summary.json",
            "visits-per-hour.png",
            "visits-raw.csv",
            "visits.csv",
            "visits.xlsx",
        ]
        .map(|s| format!("tiepdon-20261123-{s}"))
        .to_vec();
        want.push("tiepdon-20261123-xml0".into());
        want.sort();
        assert_eq!(names(&dir), want, "exactly the exports, no temporary file");
        for n in want.iter().filter(|n| !n.ends_with("-xml0")) {
            assert_eq!(mode(&dir.join(n)), 0o600, "{n} is owner-only");
        }
        let visits = dir.join("tiepdon-20261123-xml0");
        assert_eq!(names(&visits).len(), f.per_visit.len(), "no temporary file among the visits");
        for n in f.per_visit.keys() {
            assert_eq!(mode(&visits.join(n)), 0o600, "{n} is owner-only");
        }
        assert_eq!(mode(&visits), 0o700);
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
    let visit_dir = "tiepdon-20261123-xml0";
    let mut present: Vec<String> = names(&sealed).into_iter().filter(|n| n != visit_dir).collect();
    present.extend(names(&sealed.join(visit_dir)).into_iter().map(|n| format!("{visit_dir}/{n}")));
    listed.push("MANIFEST.json".into());
    listed.sort();
    present.sort();
    assert_eq!(listed, present, "the manifest lists every file, the per-visit ones too");
    assert_eq!(listed.iter().filter(|n| n.starts_with("tiepdon-20261123-xml0/")).count(), 4);
    assert_eq!(closed["checkin_held"], 2);
    for e in entries {
        let bytes = std::fs::read(sealed.join(s(&e["file"]))).unwrap();
        assert_eq!(s(&e["sha256"]), format!("{:x}", Sha256::digest(&bytes)), "{}", e["file"]);
        assert_eq!(e["bytes"], bytes.len());
    }
    assert_eq!(mode(&sealed.join("MANIFEST.json")), 0o600);
    let verify = || run(&db, &["verify-export", sealed.to_str().unwrap()]);
    assert_eq!(verify().only(0)["ok"], true);

    // Each change is detected and named, then undone: a per-visit check-in file edited, a file gone, a
    // file added among the per-visit ones.
    let visit_file =
        entries.iter().map(|e| s(&e["file"])).find(|f| f.contains("-xml0/")).unwrap().to_string();
    let csv = sealed.join(&visit_file);
    let png = sealed.join("tiepdon-20261123-visits-per-hour.png");
    let (notes, csv_bytes, png_bytes) = (
        sealed.join("tiepdon-20261123-xml0/notes.xml"),
        std::fs::read(&csv).unwrap(),
        std::fs::read(&png).unwrap(),
    );
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
            let name = file.strip_prefix(&sealed).unwrap().to_str().unwrap();
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
fn empty_day_exports_header_only_no_check_in_file_and_zero_counts() {
    let db = build_day("empty");
    let f = export(&db, "empty", "2026-11-24", &[]);
    let text = String::from_utf8(f.csv[BOM.len()..].to_vec()).unwrap();
    assert!(f.csv.starts_with(BOM));
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [tiepdon::export::sheet::HEADER.join(",")],
        "only the header"
    );
    assert!(people_rows(&f).is_empty() && raw_rows(&f).is_empty());
    assert!(f.xml.is_none() && f.per_visit.is_empty(), "no visit, no check-in file: {:?}", f.listed);
    let zero = json!({"visits": 0, "voided": 0, "repeats": 0, "per_status": {}, "per_code": {}, "per_route": {},
        "per_operator": {}, "per_hour": vec![0; 24], "recheck": [], "need_card_code": [], "checkin_rows": 0,
        "need_card_lookup": []});
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
    let rows = raw_rows(&f);
    let row = rows.iter().find(|r| r["card_number"] == "DN4790567891234").expect("the visit is exported");
    assert_eq!(row["full_name"], "'=HYPERLINK(\"x\")");
    let people = people_rows(&f);
    let row = people.iter().find(|r| r["Số thẻ BHYT"] == "DN4790567891234").expect("the visit is exported");
    assert_eq!(row["Họ và tên"], "'=HYPERLINK(\"x\")");
    // The workbook writes it as text (never a formula), as it is.
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(f.xlsx.clone())).unwrap();
    let formulas = book.worksheet_formula(&book.sheet_names()[0].clone()).unwrap();
    assert!(formulas.used_cells().next().is_none(), "no formula in the workbook");
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    assert!(range.rows().any(|r| r[2] == "=HYPERLINK(\"x\")"));
}
