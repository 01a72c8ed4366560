//! Roster files a clinic really has (issue 17), imported through the real binary into a real SQLite
//! file: an Excel list with a title block and a two-row merged header, a TSV with Vietnamese headers, the
//! clinic's XML 130 claim file with a `;`-joined card field, a HIS export whose sex codes are reversed,
//! a gateway-cache export, a Windows-1258 CSV; per-source replace and staleness; mappings remembered.

mod common;

use base64::Engine;
use common::desk::{Db, Run, run_at};
use rusqlite::Connection;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const NOW: &str = "2027-01-15T02:00:00Z";

fn run(db: &Db, args: &[&str]) -> Run {
    run_at(NOW, db, args)
}

/// The stored roster row of `card` (or of a citizen id): the columns named, and the origin.
fn stored(db: &Db, key: &str) -> Vec<String> {
    let conn = Connection::open(&db.path).unwrap();
    conn.query_row(
        "SELECT card_number, bhxh_number, citizen_id, full_name, birth_date, sex, facility_code, valid_from,
                valid_to, status, replaced_by, as_of, origin FROM coverage WHERE card_number = ?1 OR citizen_id = ?1",
        [key],
        |r| (0..13).map(|i| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default)).collect(),
    )
    .unwrap_or_else(|e| panic!("{key} is in the roster: {e}"))
}

fn count(db: &Db) -> i64 {
    Connection::open(&db.path).unwrap().query_row("SELECT COUNT(*) FROM coverage", [], |r| r.get(0)).unwrap()
}

#[test]
fn an_excel_list_with_a_title_block_and_a_merged_two_row_header_imports() {
    let db = Db::new("xlsx-merged");
    let path = db.dir.join("danh-sach-q1-2027.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_string(0, 0, "DANH SÁCH NGƯỜI CÓ THẺ BHYT ĐĂNG KÝ KCB BAN ĐẦU").unwrap();
    sheet.write_string(1, 0, "Quý I năm 2027 — Phòng khám Đa khoa Hòa Bình (79034)").unwrap();
    for (c, h) in
        ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Mã số BHXH", "Số CCCD", "Mã thẻ BHYT", "Nơi ĐKKCB BĐ"]
            .iter()
            .enumerate()
    {
        sheet.merge_range(3, c as u16, 4, c as u16, h, &bold).unwrap();
    }
    sheet.merge_range(3, 8, 3, 9, "Giá trị sử dụng", &bold).unwrap();
    sheet.write_string_with_format(4, 8, "Từ ngày", &bold).unwrap();
    sheet.write_string_with_format(4, 9, "Đến ngày", &bold).unwrap();
    // A row of column numbers under the header, as official forms have.
    for c in 0..10u16 {
        sheet.write_string(5, c, format!("({})", c + 1)).unwrap();
    }
    let d = |y, m, day| ExcelDateTime::from_ymd(y, m, day).unwrap();
    // Ids typed as numbers (Excel drops the leading zero), a date cell, a date as text, a year.
    sheet.write_number(6, 0, 1).unwrap();
    sheet.write_string(6, 1, "Nguyễn Văn An").unwrap();
    sheet.write_datetime_with_format(6, 2, d(1990, 10, 20), &date).unwrap();
    sheet.write_string(6, 3, "Nam").unwrap();
    sheet.write_number(6, 4, 123456789).unwrap();
    sheet.write_number(6, 5, 79090123456_f64).unwrap();
    sheet.write_string(6, 6, "DN4790123456789").unwrap();
    sheet.write_number(6, 7, 1034).unwrap();
    sheet.write_datetime_with_format(6, 8, d(2027, 1, 1), &date).unwrap();
    sheet.write_datetime_with_format(6, 9, d(2027, 12, 31), &date).unwrap();
    sheet.write_number(7, 0, 2).unwrap();
    sheet.write_string(7, 1, "Lê Thị Bình").unwrap();
    sheet.write_number(7, 2, 1985).unwrap();
    sheet.write_string(7, 3, "Nữ").unwrap();
    sheet.write_string(7, 6, "HT3010345678912").unwrap();
    sheet.write_string(7, 7, "01 - 034").unwrap();
    sheet.write_string(7, 8, "01/01/2027").unwrap();
    sheet.write_string(7, 9, "31/12/2027").unwrap();
    sheet.write_string(8, 0, "Tổng cộng: 2 người").unwrap();
    book.save(&path).unwrap();

    let r = run(&db, &["import-roster", path.to_str().unwrap(), "--source", "vss-list"]);
    let summary = r.only(0);
    assert_eq!((summary["inserted"].as_u64(), summary["rejected"].as_u64()), (Some(2), Some(0)), "{summary}");
    assert_eq!(summary["origin"], "vss-list");
    let an = stored(&db, "DN4790123456789");
    assert_eq!(
        an,
        [
            "DN4790123456789",
            "0123456789",
            "079090123456",
            "Nguyễn Văn An",
            "1990-10-20",
            "male",
            "01034",
            "2027-01-01",
            "2027-12-31",
            "active",
            "",
            an[11].as_str(),
            "vss-list"
        ],
        "leading zeros restored (BHXH 10, CCCD 12, facility 5), the merged header read as from/to"
    );
    let binh = stored(&db, "HT3010345678912");
    assert_eq!((binh[4].as_str(), binh[5].as_str(), binh[6].as_str()), ("1985", "female", "01034"));
}

#[test]
fn a_tsv_with_vietnamese_headers_and_a_split_name_imports() {
    let db = Db::new("tsv");
    let tsv = "Họ đệm\tTên\tNgày sinh\tGiới tính\tSố thẻ BHYT\tMã KCB BĐ\tHSD từ ngày\tHSD đến ngày\tGhi chú\n\
               Trần Thị\tCúc\t15/03/2008\tNữ\tHS4010123456780\t01028\t20270101\t20271231\tmới\n\
               Phạm\tDũng\t19700000\tNam\tGD4790234567891\t79034\t01-01-2027\t-\t\n";
    let path = db.write("his.tsv", tsv);
    let r = run(&db, &["import-roster", path.to_str().unwrap(), "--as-of", "2027-01-10"]);
    let summary = r.only(0);
    assert_eq!(summary["inserted"], 2, "{summary}");
    assert_eq!(summary["origin"], "his");
    let cuc = stored(&db, "HS4010123456780");
    assert_eq!(cuc[3], "Trần Thị Cúc", "the name joined from Họ đệm + Tên");
    assert_eq!(
        (cuc[4].as_str(), cuc[7].as_str(), cuc[8].as_str()),
        ("2008-03-15", "2027-01-01", "2027-12-31")
    );
    assert_eq!(cuc[11], "2027-01-10");
    let dung = stored(&db, "GD4790234567891");
    assert_eq!(
        (dung[4].as_str(), dung[8].as_str()),
        ("1970", ""),
        "a 0000 day and month is a year; `-` no end"
    );
}

/// An XML1 `TONG_HOP` table with `;`-joined card fields (the card changed during the stay).
fn xml1(rows: &[[&str; 9]]) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><CHITIEU_TONGHOP_XML1><TONG_HOP>");
    let names = [
        "MA_LK",
        "HO_TEN",
        "SO_CCCD",
        "NGAY_SINH",
        "GIOI_TINH",
        "MA_THE_BHYT",
        "MA_DKBD",
        "GT_THE_TU",
        "GT_THE_DEN",
    ];
    for row in rows {
        for (n, v) in names.iter().zip(row) {
            if *n == "HO_TEN" {
                x.push_str(&format!("<{n}><![CDATA[{v}]]></{n}>"));
            } else {
                x.push_str(&format!("<{n}>{v}</{n}>"));
            }
        }
        x.push_str("<NGAY_VAO>202612150830</NGAY_VAO>");
    }
    x.push_str("</TONG_HOP></CHITIEU_TONGHOP_XML1>");
    x
}

#[test]
fn the_clinics_own_xml_130_claim_file_gives_the_newest_card_of_a_joined_field() {
    let db = Db::new("claims");
    let inner = xml1(&[
        [
            "LK1",
            "Võ Minh Khang",
            "079090123457",
            "199005120000",
            "1",
            "DN4790123456700;DN4790123456789",
            "79034;79035",
            "20260101;20261201",
            "20261130;20271130",
        ],
        ["LK2", "Đỗ Thu", "", "198501010000", "2", "", "", "", ""],
    ]);
    let b64 = base64::engine::general_purpose::STANDARD.encode(inner);
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><GIAMDINHHS><THONGTINDONVI><MACSKCB>79034</MACSKCB></THONGTINDONVI>\
         <THONGTINHOSO><NGAYLAP>20261215</NGAYLAP><SOLUONGHOSO>1</SOLUONGHOSO><DANHSACHHOSO><HOSO><FILEHOSO>\
         <LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>{b64}</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO></THONGTINHOSO>\
         <CHUKYDONVI/></GIAMDINHHS>"
    );
    let path = db.write("xml130-20261215.xml", &envelope);
    let r = run(&db, &["import-roster", path.to_str().unwrap()]);
    let summary = r.only(0);
    assert_eq!(
        (summary["inserted"].as_u64(), summary["origin"].as_str()),
        (Some(1), Some("claims")),
        "{summary}"
    );
    let khang = stored(&db, "DN4790123456789");
    assert_eq!(khang[6..9], ["79035", "2026-12-01", "2027-11-30"], "the last card's facility and dates");
    assert_eq!(
        (khang[2].as_str(), khang[5].as_str(), khang[11].as_str()),
        ("079090123457", "male", "2026-12-15")
    );
    assert_eq!(count(&db), 1, "the visit without a card is no roster row");
}

/// A HIS Pro export: `gender_code` 1 = Nữ, 2 = Nam.
fn his_pro(rows: usize) -> String {
    let mut s = String::from(
        "treatment_code,tdl_patient_name,tdl_patient_dob,tdl_patient_gender_id,SO_CCCD,tdl_hein_card_number,tdl_hein_medi_org_code,tdl_hein_card_from_time,tdl_hein_card_to_time\n",
    );
    for i in 0..rows {
        let female = i % 3 == 0;
        // CCCD digit 4: 0 = man born in the 1900s, 1 = woman.
        let id = format!("079{}{:08}", if female { "1" } else { "0" }, i);
        let code = if female { "1" } else { "2" };
        let name = ["Nguyễn Văn An", "Lê Văn Bình", "Trần Văn Cường"][i % 3];
        s.push_str(&format!(
            "T{i},{name},19900101000000,{code},{id},DN4790{:09},79034,20270101000000,20271231000000\n",
            100 + i
        ));
    }
    s
}

#[test]
fn a_his_export_with_reversed_sex_codes_is_refused_then_imports_with_the_map_it_names() {
    let db = Db::new("reversed-sex");
    let path = db.write("hispro.csv", &his_pro(30));
    let r = run(&db, &["import-roster", path.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{:?}", r.out);
    assert!(r.err.contains("contradict the citizen ids on 30 of 30"), "{}", r.err);
    assert!(r.err.contains("--map \"tdl_patient_gender_id=sex:1=Nữ,2=Nam\""), "{}", r.err);
    assert_eq!(count(&db), 0, "nothing imported");
    let r =
        run(&db, &["import-roster", path.to_str().unwrap(), "--map", "tdl_patient_gender_id=sex:1=Nữ,2=Nam"]);
    assert_eq!(r.only(0)["inserted"], 30, "{}", r.err);
    for i in [0_usize, 1, 3] {
        let row = stored(&db, &format!("DN4790{:09}", 100 + i));
        assert_eq!(row[5], if i % 3 == 0 { "female" } else { "male" }, "row {i}");
        assert_eq!((row[4].as_str(), row[7].as_str()), ("1990-01-01", "2027-01-01"), "14-digit stamps");
    }
    // The mapping is remembered for this header: next quarter's file imports in one step.
    let next = db.write("hispro-q2.csv", &his_pro(12));
    assert_eq!(run(&db, &["import-roster", next.to_str().unwrap()]).only(0)["updated"], 12);
}

#[test]
fn a_gateway_cache_export_gives_statuses_and_replacement_cards() {
    let db = Db::new("gateway");
    let csv = "STT,Mã hồ sơ,Mã kết quả,Ghi chú,Số thẻ,Họ tên,Ngày sinh,Giới tính,Thẻ mới,Nơi ĐKBĐ,Thẻ giá trị từ,Thẻ giá trị đến,Mã số BHXH,Thời gian tra cứu\n\
               1,A1,Thẻ BHYT đã thu hồi,,DN4790123456789,Nguyễn Văn An,20/10/1990,Nam,,79034,01/01/2026,31/12/2026,,2026-12-20 08:00:00\n\
               2,A2,Thẻ BHYT cũ còn giá trị sử dụng được cấp thẻ mới,,HT3010345678912,Lê Thị Bình,15/03/1985,Nữ,HT3010345678999,01034,01/01/2026,31/12/2026,,2026-12-21 09:00:00\n\
               3,A3,Không có thông tin thẻ BHYT,,GD4790234567891,Phạm Dũng,1970,Nam,,79034,,,,2026-12-22 10:00:00\n";
    let path = db.write("ket-qua-tra-cuu.csv", csv);
    let summary = run(&db, &["import-roster", path.to_str().unwrap()]).only(0).clone();
    assert_eq!(
        (summary["origin"].as_str(), summary["inserted"].as_u64()),
        (Some("gateway"), Some(2)),
        "{summary}"
    );
    assert_eq!(summary["skipped"], 1, "an answer that is no fact about the card");
    let an = stored(&db, "DN4790123456789");
    assert_eq!((an[9].as_str(), an[11].as_str()), ("revoked", "2026-12-20"));
    let binh = stored(&db, "HT3010345678912");
    assert_eq!((binh[9].as_str(), binh[10].as_str()), ("replaced", "HT3010345678999"));
}

#[test]
fn a_windows_1258_csv_is_refused_once_with_the_fix() {
    let db = Db::new("cp1258");
    // "Họ và tên" and "Nguyễn" in Windows-1258 bytes: not UTF-8.
    let mut bytes = b"Ma the,H\xd2 va\xcc t\xea\xd2n\n".to_vec();
    for i in 0..50 {
        bytes.extend_from_slice(format!("DN47901234567{i:02},Nguy").as_bytes());
        bytes.extend_from_slice(b"\xd2n\n");
    }
    let path = db.dir.join("ansi.csv");
    std::fs::write(&path, bytes).unwrap();
    let r = run(&db, &["import-roster", path.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert_eq!(r.err.matches("not UTF-8").count(), 1, "one refusal for the file, not one per row: {}", r.err);
    assert!(r.err.contains("CSV UTF-8"), "{}", r.err);
    assert_eq!(count(&db), 0);
}

#[test]
fn replace_touches_one_source_only_and_the_quarterly_list_stays_current_through_its_quarter() {
    let db = Db::new("sources");
    let list = "Mã thẻ BHYT,Họ và tên,Giá trị thẻ từ,Giá trị thẻ đến\nDN4790123456789,Nguyễn Văn An,01/01/2027,31/12/2027\n";
    let his = "Mã thẻ BHYT,Họ và tên,Giá trị thẻ từ,Giá trị thẻ đến\nHT3010345678912,Lê Thị Bình,01/01/2027,31/12/2027\n";
    let (l, h) = (db.write("list.csv", list), db.write("his.csv", his));
    run(&db, &["import-roster", l.to_str().unwrap(), "--source", "vss-list", "--as-of", "2027-01-05"])
        .only(0);
    run(&db, &["import-roster", h.to_str().unwrap(), "--as-of", "2027-01-05"]).only(0);
    let empty_list = db.write(
        "list-q2.csv",
        "Mã thẻ BHYT,Họ và tên,Giá trị thẻ từ,Giá trị thẻ đến\nGD4790234567891,Phạm Dũng,01/01/2027,31/12/2027\n",
    );
    run(
        &db,
        &[
            "import-roster",
            empty_list.to_str().unwrap(),
            "--source",
            "vss-list",
            "--replace",
            "--as-of",
            "2027-01-05",
        ],
    )
    .only(0);
    assert_eq!(count(&db), 2, "the new list replaced the old list's rows, not the HIS rows");
    assert_eq!(stored(&db, "HT3010345678912")[12], "his");
    // 98 days after the list was made: still the newest list there is, so no L03 (the HIS row, as old,
    // is too old to decide alone).
    let at =
        |id: &str| run_at("2027-04-13T02:00:00Z", &db, &["lookup", id]).only(0)["verdict"]["code"].clone();
    assert_eq!(at("GD4790234567891"), "L02", "the list warns in its last days, it is not too old");
    assert_eq!(at("HT3010345678912"), "L03");
}

#[test]
fn inspect_roster_shows_the_mapping_with_masked_values_and_imports_nothing() {
    let db = Db::new("inspect");
    let csv = "Số thẻ,Họ và tên,Cột lạ\nDN4790123456789,Nguyễn Văn An,079090123456\nHT3010345678912,Lê Thị Bình,079185123456\n";
    let path = db.write("unknown.csv", csv);
    let out = run(&db, &["inspect-roster", path.to_str().unwrap()]).only(0).clone();
    let text = out.to_string();
    assert!(
        !text.contains("DN4790123456789") && !text.contains("Nguyễn Văn An"),
        "values are masked: {text}"
    );
    let cols = out["columns"].as_array().unwrap();
    assert_eq!(cols[0]["maps_to"], "card_number");
    assert_eq!(cols[2]["maps_to"], "unknown");
    assert_eq!(cols[2]["proposed"], "citizen_id", "proposed from the values, not applied");
    assert_eq!(out["unknown_columns"], serde_json::json!(["Cột lạ"]));
    assert_eq!(count(&db), 0);
}
