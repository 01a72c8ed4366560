//! Tests of the independent XML0 check-in validator (`tests/common/xml0.rs`) on hand-written files: a good
//! file passes, and each rule of the spec catches a single mutation of it.

mod common;

use base64::Engine;
use common::xml0::{CDATA_FIELDS, FIELDS, MANDATORY, read_strict, validate};

/// The 26 fields in the order of the spec's table (§3.4), written out independently of the validator.
const ORDER: [&str; 26] = [
    "MA_LK",
    "STT",
    "MA_BN",
    "HO_TEN",
    "SO_CCCD",
    "NGAY_SINH",
    "GIOI_TINH",
    "MA_THE_BHYT",
    "MA_DKBD",
    "GT_THE_TU",
    "GT_THE_DEN",
    "MA_DOITUONG_KCB",
    "NGAY_VAO",
    "NGAY_VAO_NOI_TRU",
    "LY_DO_VNT",
    "MA_LY_DO_VNT",
    "MA_LOAI_KCB",
    "MA_CSKCB",
    "MA_DICH_VU",
    "TEN_DICH_VU",
    "MA_THUOC",
    "TEN_THUOC",
    "MA_VAT_TU",
    "TEN_VAT_TU",
    "NGAY_YL",
    "DU_PHONG",
];

/// The fields the C# reader types as `XmlCDataSection` (spec §3.2).
const CDATA: [&str; 7] =
    ["HO_TEN", "LY_DO_VNT", "TEN_DICH_VU", "MA_THUOC", "TEN_THUOC", "MA_VAT_TU", "TEN_VAT_TU"];

/// One check-in row: the fields in the order they are written, and the CDATA fields written as plain text.
#[derive(Clone, Debug)]
struct Row {
    fields: Vec<(&'static str, String)>,
    plain: Vec<&'static str>,
}

impl Row {
    /// A row with all 26 fields, in order, from `values` (fields not named are empty).
    fn new(values: &[(&str, &str)]) -> Row {
        let fields = ORDER
            .iter()
            .map(|&f| {
                (f, values.iter().find(|(k, _)| *k == f).map(|(_, v)| v.to_string()).unwrap_or_default())
            })
            .collect();
        for (k, _) in values {
            assert!(ORDER.contains(k), "{k} is not a field");
        }
        Row { fields, plain: Vec::new() }
    }

    fn pos(&self, f: &str) -> usize {
        self.fields.iter().position(|(k, _)| *k == f).unwrap_or_else(|| panic!("{f} not in the row"))
    }

    fn set(mut self, f: &str, v: &str) -> Row {
        let i = self.pos(f);
        self.fields[i].1 = v.to_string();
        self
    }

    fn without(mut self, f: &str) -> Row {
        let i = self.pos(f);
        self.fields.remove(i);
        self
    }

    fn swap(mut self, a: &str, b: &str) -> Row {
        let (i, j) = (self.pos(a), self.pos(b));
        self.fields.swap(i, j);
        self
    }

    /// Writes the CDATA field `f` as escaped plain text.
    fn plain(mut self, f: &'static str) -> Row {
        self.plain.push(f);
        self
    }
}

/// A visit under BHYT with a DN card, first service a consultation.
fn bhyt_row() -> Row {
    Row::new(&[
        ("MA_LK", "TD20261201-0001"),
        ("STT", "1"),
        ("MA_BN", "BN000123"),
        ("HO_TEN", "Nguyễn Văn An"),
        ("SO_CCCD", "001089012345"),
        ("NGAY_SINH", "198905150000"),
        ("GIOI_TINH", "1"),
        ("MA_THE_BHYT", "DN4010123456789"),
        ("MA_DKBD", "01001"),
        ("GT_THE_TU", "20260101"),
        ("GT_THE_DEN", "20261231"),
        ("MA_DOITUONG_KCB", "1.1"),
        ("NGAY_VAO", "202612010815"),
        ("MA_LOAI_KCB", "01"),
        ("MA_CSKCB", "01001"),
        ("MA_DICH_VU", "02.1896"),
        ("TEN_DICH_VU", "Khám Nội <tổng quát> & tư vấn"),
        ("NGAY_YL", "202612010820"),
        ("DU_PHONG", "ghi chú: a & b < c"),
    ])
}

/// A self-paying visit (`9`): no card fields; year-only birth date; first item a drug, no service.
fn self_pay_row() -> Row {
    Row::new(&[
        ("MA_LK", "TD20261201-0002"),
        ("STT", "2"),
        ("MA_BN", "BN000124"),
        ("HO_TEN", "Trần Thị Bình"),
        ("NGAY_SINH", "197500000000"),
        ("GIOI_TINH", "2"),
        ("MA_DOITUONG_KCB", "9"),
        ("NGAY_VAO", "202612010900"),
        ("MA_LOAI_KCB", "01"),
        ("MA_CSKCB", "01001"),
        ("MA_THUOC", "40.17"),
        ("TEN_THUOC", "Paracetamol 500mg"),
        ("NGAY_YL", "202612010905"),
    ])
}

/// An inpatient visit on a QN card without an end date; passport number; month-only birth date.
fn qn_row() -> Row {
    Row::new(&[
        ("MA_LK", "TD20261201-0003"),
        ("STT", "3"),
        ("MA_BN", "BN000125"),
        ("HO_TEN", "Lê Chưa Rõ"),
        ("SO_CCCD", "B1234567"),
        ("NGAY_SINH", "200003000000"),
        ("GIOI_TINH", "3"),
        ("MA_THE_BHYT", "QN5970123456789"),
        ("MA_DKBD", "97001"),
        ("GT_THE_TU", "20250101"),
        ("MA_DOITUONG_KCB", "1.1"),
        ("NGAY_VAO", "202612010930"),
        ("NGAY_VAO_NOI_TRU", "202612011000"),
        ("LY_DO_VNT", "Theo dõi sốt cao"),
        ("MA_LOAI_KCB", "03"),
        ("MA_CSKCB", "01001"),
        ("MA_VAT_TU", "N03.05.070"),
        ("TEN_VAT_TU", "Bơm tiêm 5ml"),
        ("NGAY_YL", "202612011005"),
    ])
}

fn good_rows() -> Vec<Row> {
    vec![bhyt_row(), self_pay_row(), qn_row()]
}

fn escape(v: &str) -> String {
    v.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The fields of one row, one per line; CDATA for the seven text fields (even when empty, as HISPRO writes).
fn render_fields(row: &Row, indent: &str) -> String {
    let mut s = String::new();
    for (f, v) in &row.fields {
        if CDATA.contains(f) && !row.plain.contains(f) {
            s += &format!("{indent}<{f}><![CDATA[{v}]]></{f}>\n");
        } else if v.is_empty() {
            s += &format!("{indent}<{f} />\n");
        } else {
            s += &format!("{indent}<{f}>{}</{f}>\n", escape(v));
        }
    }
    s
}

/// A complete XML0 file with these rows.
fn render(rows: &[Row]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CHI_TIEU_TRANG_THAI_KCB>\n  <DSACH_TRANG_THAI_KCB>\n",
    );
    for row in rows {
        s += "    <TRANG_THAI_KCB>\n";
        s += &render_fields(row, "      ");
        s += "    </TRANG_THAI_KCB>\n";
    }
    s += "  </DSACH_TRANG_THAI_KCB>\n  <CHUKYDONVI />\n</CHI_TIEU_TRANG_THAI_KCB>";
    s
}

fn good() -> String {
    render(&good_rows())
}

/// The good file with row `i` (0-based) changed by `f`.
fn with_row(i: usize, f: impl FnOnce(Row) -> Row) -> String {
    let mut rows = good_rows();
    rows[i] = f(rows[i].clone());
    render(&rows)
}

/// `text` with the single occurrence of `from` replaced (the test fails if it is not there).
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} occurs once in the file");
    text.replacen(from, to, 1)
}

/// Asserts some message contains `needle`; returns all messages.
#[track_caller]
fn reports(xml: impl AsRef<[u8]>, needle: &str) -> Vec<String> {
    let msgs = validate(xml.as_ref());
    assert!(
        msgs.iter().any(|m| m.contains(needle)),
        "expected a message containing {needle:?}, got {msgs:#?}"
    );
    msgs
}

/// Asserts the file breaks exactly one rule, reported with `needle`.
#[track_caller]
fn only(xml: impl AsRef<[u8]>, needle: &str) {
    let msgs = reports(xml, needle);
    assert_eq!(msgs.len(), 1, "exactly one message expected, got {msgs:#?}");
}

#[track_caller]
fn passes(xml: impl AsRef<[u8]>) {
    let msgs = validate(xml.as_ref());
    assert!(msgs.is_empty(), "expected no message, got {msgs:#?}");
}

#[test]
fn the_validator_tables_match_the_spec() {
    assert_eq!(FIELDS.map(|(f, _)| f), ORDER);
    let max: Vec<usize> = FIELDS.iter().map(|(_, m)| *m).collect();
    assert_eq!(
        max,
        [
            100, 10, 100, 255, 15, 12, 1, 15, 5, 8, 8, 4, 12, 12, 4000, 5, 2, 5, 50, 1024, 255, 1024, 255,
            1024, 12, 4000
        ]
    );
    assert_eq!(CDATA_FIELDS, CDATA);
    let mut mandatory = MANDATORY.to_vec();
    mandatory.sort_unstable();
    let mut expected = [
        "MA_LK",
        "STT",
        "MA_BN",
        "HO_TEN",
        "NGAY_SINH",
        "GIOI_TINH",
        "MA_DOITUONG_KCB",
        "NGAY_VAO",
        "MA_LOAI_KCB",
        "MA_CSKCB",
        "NGAY_YL",
    ];
    expected.sort_unstable();
    assert_eq!(mandatory, expected);
}

#[test]
fn a_good_file_passes_and_reads_strictly() {
    let xml = good();
    passes(&xml);
    let rows = read_strict(&xml).expect("the strict reader accepts the good file");
    assert_eq!(rows.iter().map(|r| r.stt).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(rows.iter().map(|r| r.gioi_tinh).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(rows[0].ho_ten, "Nguyễn Văn An");
    assert_eq!(rows[0].ten_dich_vu, "Khám Nội <tổng quát> & tư vấn");
    assert_eq!(rows[0].du_phong, "ghi chú: a & b < c");
    assert_eq!(rows[0].ma_the_bhyt, "DN4010123456789");
    assert_eq!(rows[1].ma_the_bhyt, "");
    assert_eq!(rows[1].ma_doituong_kcb, "9");
    assert_eq!(rows[1].ten_thuoc, "Paracetamol 500mg");
    assert_eq!(rows[2].gt_the_den, "");
    assert_eq!(rows[2].ly_do_vnt, "Theo dõi sốt cao");
    assert_eq!(rows[2].ma_lk, "TD20261201-0003");
}

#[test]
fn one_row_files_pass_and_empty_element_forms_are_alike() {
    passes(render(&[bhyt_row()]));
    passes(render(&[self_pay_row().set("STT", "1")]));
    // `<X></X>` and `<X/>` for empty values, an empty CDATA field as a bare element, a signed file.
    let xml = replace_once(&good(), "<SO_CCCD />", "<SO_CCCD></SO_CCCD>");
    assert!(xml.contains("<LY_DO_VNT><![CDATA[]]></LY_DO_VNT>"));
    let xml = xml.replacen("<LY_DO_VNT><![CDATA[]]></LY_DO_VNT>", "<LY_DO_VNT/>", 1);
    let xml = replace_once(&xml, "<CHUKYDONVI />", "<CHUKYDONVI>MIIB3zCCAUigAwIBAgIJ==</CHUKYDONVI>");
    let xml = replace_once(&xml, "encoding=\"utf-8\"", "encoding=\"UTF-8\"");
    passes(&xml);
    assert_eq!(read_strict(&xml).expect("strict read").len(), 3);
    let with_ns = replace_once(
        &good(),
        "<CHI_TIEU_TRANG_THAI_KCB>",
        "<CHI_TIEU_TRANG_THAI_KCB xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">",
    );
    passes(with_ns);
}

/// The shape tiepdon used to write: a `GIAMDINHHS` claim envelope carrying a legacy `<CHECKIN>` table.
fn old_envelope() -> String {
    let inner = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CHECKIN>\n  <CHI_TIET>\n{}  </CHI_TIET>\n</CHECKIN>",
        render_fields(&bhyt_row(), "    ")
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(inner);
    [
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        "<GIAMDINHHS xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">",
        "  <THONGTINDONVI>",
        "    <MACSKCB>01001</MACSKCB>",
        "  </THONGTINDONVI>",
        "  <THONGTINHOSO>",
        "    <NGAYLAP>20261201</NGAYLAP>",
        "    <SOLUONGHOSO>1</SOLUONGHOSO>",
        "    <DANHSACHHOSO>",
        "      <HOSO>",
        "        <FILEHOSO>",
        "          <LOAIHOSO>XML0</LOAIHOSO>",
        &format!("          <NOIDUNGFILE>{b64}</NOIDUNGFILE>"),
        "        </FILEHOSO>",
        "      </HOSO>",
        "    </DANHSACHHOSO>",
        "  </THONGTINHOSO>",
        "  <CHUKYDONVI />",
        "</GIAMDINHHS>",
    ]
    .join("\n")
}

#[test]
fn the_old_envelope_shape_fails() {
    let envelope = old_envelope();
    reports(&envelope, "the root element is <GIAMDINHHS>");
    reports(&envelope, "<FILEHOSO> found");
    assert!(read_strict(&envelope).is_err(), "XmlRoot(CHI_TIEU_TRANG_THAI_KCB) refuses GIAMDINHHS");

    let b64 = envelope.split("<NOIDUNGFILE>").nth(1).and_then(|s| s.split("</NOIDUNGFILE>").next()).unwrap();
    let inner = base64::engine::general_purpose::STANDARD.decode(b64).expect("base64");
    let msgs = reports(&inner, "the root element is <CHECKIN>");
    assert!(msgs.iter().any(|m| m.contains("<CHI_TIET> found")), "{msgs:#?}");
    assert!(read_strict(std::str::from_utf8(&inner).unwrap()).is_err());

    // The right rows inside the right root, but still wrapped in the old elements.
    let wrapped =
        replace_once(&good(), "  <DSACH_TRANG_THAI_KCB>", "  <CHECKIN />\n  <DSACH_TRANG_THAI_KCB>");
    reports(wrapped, "<CHECKIN> found inside <CHI_TIEU_TRANG_THAI_KCB>");
}

#[test]
fn swapped_fields_are_out_of_order() {
    only(
        with_row(0, |r| r.swap("MA_BN", "HO_TEN")),
        "row 1: fields out of QĐ 4750 order: MA_BN comes after HO_TEN",
    );
    only(with_row(2, |r| r.swap("MA_LK", "DU_PHONG")), "row 3: fields out of QĐ 4750 order");
}

#[test]
fn a_missing_field_is_reported() {
    only(with_row(1, |r| r.without("MA_BN")), "row 2: MA_BN is missing");
    only(with_row(0, |r| r.without("DU_PHONG")), "row 1: DU_PHONG is missing");
}

#[test]
fn extra_or_repeated_fields_are_reported() {
    let extra =
        replace_once(&good(), "<MA_BN>BN000124</MA_BN>", "<MA_BN>BN000124</MA_BN>\n<MA_KHOA>K01</MA_KHOA>");
    only(extra, "row 2: unexpected element <MA_KHOA>");
    let twice = replace_once(&good(), "<MA_BN>BN000124</MA_BN>", "<MA_BN>BN000124</MA_BN><MA_BN>BN9</MA_BN>");
    reports(twice, "row 2: MA_BN appears 2 times");
}

#[test]
fn stt_runs_from_one() {
    let rows: Vec<Row> = good_rows()
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let stt = (i + 2).to_string();
            r.set("STT", &stt)
        })
        .collect();
    let msgs = reports(render(&rows), "row 1: STT is 2, expected 1");
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    only(with_row(2, |r| r.set("STT", "1")), "row 3: STT is 1, expected 3");
    only(with_row(1, |r| r.set("STT", "2a")), "row 2: STT '2a' is not an integer");
}

#[test]
fn an_empty_stt_is_reported_and_the_strict_reader_refuses_it() {
    let xml = with_row(0, |r| r.set("STT", ""));
    only(&xml, "row 1: STT is empty");
    assert!(read_strict(&xml).is_err(), "int STT cannot be empty");
}

#[test]
fn an_empty_gioi_tinh_is_reported_and_the_strict_reader_refuses_it() {
    let xml = with_row(1, |r| r.set("GIOI_TINH", ""));
    only(&xml, "row 2: GIOI_TINH is empty");
    let err = read_strict(&xml);
    assert!(err.is_err(), "int GIOI_TINH cannot be empty: {err:?}");
    let explicit = replace_once(&good(), "<GIOI_TINH>2</GIOI_TINH>", "<GIOI_TINH></GIOI_TINH>");
    assert!(read_strict(&explicit).is_err());
    only(with_row(1, |r| r.set("GIOI_TINH", "0")), "row 2: GIOI_TINH '0' is not 1, 2 or 3");
}

#[test]
fn an_empty_category_is_reported() {
    only(with_row(0, |r| r.set("MA_DOITUONG_KCB", "")), "row 1: MA_DOITUONG_KCB is empty (mandatory)");
}

#[test]
fn a_self_paying_row_carries_no_card() {
    only(
        with_row(1, |r| r.set("MA_THE_BHYT", "DN4010123456789")),
        "row 2: MA_THE_BHYT must be empty when MA_DOITUONG_KCB is 9",
    );
    only(with_row(1, |r| r.set("GT_THE_TU", "20260101")), "row 2: GT_THE_TU must be empty");
    only(with_row(1, |r| r.set("MA_DKBD", "01001")), "row 2: MA_DKBD must be empty");
}

#[test]
fn a_bhyt_row_needs_its_card_fields() {
    only(with_row(0, |r| r.set("GT_THE_DEN", "")), "row 1: GT_THE_DEN is empty on a DN card");
    for group in ["QN", "HC", "LS", "XK", "CY", "CA"] {
        passes(with_row(0, |r| r.set("GT_THE_DEN", "").set("MA_THE_BHYT", &format!("{group}4010123456789"))));
    }
    only(with_row(0, |r| r.set("MA_DKBD", "")), "row 1: MA_DKBD is empty but a card is set");
    only(with_row(2, |r| r.set("GT_THE_TU", "")), "row 3: GT_THE_TU is empty but a card is set");
    let no_card = with_row(0, |r| {
        r.set("MA_THE_BHYT", "").set("MA_DKBD", "").set("GT_THE_TU", "").set("GT_THE_DEN", "")
    });
    only(no_card, "row 1: MA_THE_BHYT is empty but MA_DOITUONG_KCB '1.1' is a BHYT visit");
    only(with_row(0, |r| r.set("MA_THE_BHYT", "DN401012345678")), "is not a 15-character card code");
    only(with_row(0, |r| r.set("MA_THE_BHYT", "dn4010123456789")), "is not a 15-character card code");
    only(with_row(0, |r| r.set("GT_THE_TU", "20270101")), "GT_THE_TU 20270101 is after GT_THE_DEN 20261231");
    only(
        with_row(0, |r| r.set("GT_THE_DEN", "20260231")),
        "GT_THE_DEN '20260231' is not a real date yyyyMMdd",
    );
}

#[test]
fn category_codes_follow_the_list_in_force() {
    only(
        with_row(0, |r| r.set("MA_DOITUONG_KCB", "3.x")),
        "row 1: MA_DOITUONG_KCB '3.x' is not a QĐ 3276 PL1 code",
    );
    only(
        with_row(0, |r| r.set("MA_DOITUONG_KCB", "1.10")),
        "MA_DOITUONG_KCB '1.10' is not a QĐ 3276 PL1 code",
    );
    only(with_row(0, |r| r.set("MA_DOITUONG_KCB", "3.4")), "MA_DOITUONG_KCB '3.4' is not a QĐ 3276 PL1 code");
    for code in ["1.2", "1.7", "1.11", "1.18", "2", "3.1", "3.6", "7", "7.4", "8", "10"] {
        passes(with_row(0, |r| r.set("MA_DOITUONG_KCB", code)));
    }
    // Before 2025-01-01 any digits[.digits] code is accepted, but not `3.x`.
    let old = |code: &str| with_row(0, |r| r.set("MA_DOITUONG_KCB", code).set("NGAY_VAO", "202412310815"));
    passes(old("1.10"));
    passes(old("4"));
    only(old("3.x"), "MA_DOITUONG_KCB '3.x' is not a category code");
    only(old("1."), "MA_DOITUONG_KCB '1.' is not a category code");
    only(with_row(0, |r| r.set("MA_DOITUONG_KCB", "1.10").set("NGAY_VAO", "202501010000")), "not a QĐ 3276");
}

#[test]
fn visit_kinds_follow_the_list_in_force() {
    passes(with_row(0, |r| r.set("MA_LOAI_KCB", "16")));
    only(with_row(0, |r| r.set("MA_LOAI_KCB", "17")), "MA_LOAI_KCB '17' is not in the list 01–16");
    only(with_row(0, |r| r.set("MA_LOAI_KCB", "1")), "MA_LOAI_KCB '1' is not in the list");
    only(with_row(0, |r| r.set("MA_LOAI_KCB", "00")), "MA_LOAI_KCB '00' is not in the list");
    let before = |kind: &str| with_row(0, |r| r.set("MA_LOAI_KCB", kind).set("NGAY_VAO", "202607311200"));
    passes(before("09"));
    only(before("12"), "MA_LOAI_KCB '12' is not in the list 01–09");
    passes(with_row(0, |r| r.set("MA_LOAI_KCB", "12").set("NGAY_VAO", "202608010000")));
}

#[test]
fn masked_ids_are_reported() {
    reports(with_row(0, |r| r.set("MA_THE_BHYT", "***********6789")), "row 1: MA_THE_BHYT is masked");
    reports(with_row(0, |r| r.set("SO_CCCD", "********2345")), "row 1: SO_CCCD is masked");
    only(with_row(1, |r| r.set("MA_BN", "BN***124")), "row 2: MA_BN is masked");
    only(with_row(2, |r| r.set("MA_LK", "TD2026****0003")), "row 3: MA_LK is masked");
}

#[test]
fn text_fields_must_be_cdata() {
    only(with_row(0, |r| r.plain("HO_TEN")), "row 1: HO_TEN is not a CDATA section");
    only(with_row(1, |r| r.plain("TEN_THUOC")), "row 2: TEN_THUOC is not a CDATA section");
    only(with_row(2, |r| r.plain("LY_DO_VNT")), "row 3: LY_DO_VNT is not a CDATA section");
    // An empty field written as plain text is fine (`XmlCDataSection` null).
    passes(with_row(0, |r| r.plain("MA_THUOC").plain("TEN_VAT_TU")));
    // Text before or after the section is not a CDATA field either.
    let before =
        replace_once(&good(), "<HO_TEN><![CDATA[Trần Thị Bình]]>", "<HO_TEN>Trần <![CDATA[Thị Bình]]>");
    only(before, "row 2: HO_TEN is not a CDATA section");
    let after = replace_once(&good(), "<![CDATA[Trần Thị Bình]]>", "<![CDATA[Trần Thị]]> Bình");
    only(after, "row 2: HO_TEN is not a CDATA section");
    let entity = replace_once(&good(), "<![CDATA[Trần Thị Bình]]>", "&#84;<![CDATA[rần Thị Bình]]>");
    only(entity, "row 2: HO_TEN is not a CDATA section");
}

#[test]
fn mandatory_fields_must_not_be_empty() {
    only(with_row(0, |r| r.set("NGAY_YL", "")), "row 1: NGAY_YL is empty (mandatory)");
    for f in ["MA_BN", "HO_TEN", "NGAY_SINH", "NGAY_VAO", "MA_LOAI_KCB", "MA_CSKCB"] {
        only(with_row(1, |r| r.set(f, "")), &format!("row 2: {f} is empty (mandatory)"));
    }
    // Whitespace is not a value.
    only(with_row(0, |r| r.set("MA_BN", "   ")), "row 1: MA_BN is empty");
}

#[test]
fn a_first_service_drug_or_supply_is_required() {
    only(
        with_row(0, |r| r.set("MA_DICH_VU", "")),
        "row 1: MA_DICH_VU is empty while MA_THUOC and MA_VAT_TU are empty",
    );
    only(with_row(1, |r| r.set("MA_THUOC", "")), "row 2: MA_DICH_VU is empty while");
    // A drug or a supply is enough.
    passes(with_row(0, |r| {
        r.set("MA_DICH_VU", "").set("TEN_DICH_VU", "").set("MA_VAT_TU", "V1").set("TEN_VAT_TU", "Gạc")
    }));
    // A code needs its name.
    only(with_row(0, |r| r.set("TEN_DICH_VU", "")), "row 1: TEN_DICH_VU is empty while MA_DICH_VU is set");
    only(with_row(1, |r| r.set("TEN_THUOC", "")), "row 2: TEN_THUOC is empty while MA_THUOC is set");
    only(with_row(2, |r| r.set("TEN_VAT_TU", "")), "row 3: TEN_VAT_TU is empty while MA_VAT_TU is set");
}

#[test]
fn dates_must_be_real() {
    only(
        with_row(0, |r| r.set("NGAY_VAO", "202613321200")),
        "row 1: NGAY_VAO '202613321200' is not a real date-time",
    );
    only(with_row(0, |r| r.set("NGAY_YL", "202612011260")), "NGAY_YL '202612011260' is not a real date-time");
    only(with_row(0, |r| r.set("NGAY_YL", "2026120108")), "NGAY_YL '2026120108' is not a real date-time");
    only(with_row(2, |r| r.set("NGAY_VAO_NOI_TRU", "202602300900")), "NGAY_VAO_NOI_TRU '202602300900'");
    only(
        with_row(2, |r| r.set("NGAY_VAO_NOI_TRU", "202612010900")),
        "NGAY_VAO_NOI_TRU 202612010900 is before",
    );
    only(with_row(2, |r| r.set("LY_DO_VNT", "")), "row 3: LY_DO_VNT is empty while NGAY_VAO_NOI_TRU is set");
    reports(with_row(0, |r| r.set("GT_THE_TU", "2026-01-01")), "GT_THE_TU '2026-01-01' is not a real date");
}

#[test]
fn birth_dates_may_be_partial() {
    for ok in ["198900000000", "198905000000", "202402291200", "198905152359"] {
        passes(with_row(0, |r| r.set("NGAY_SINH", ok)));
    }
    for bad in ["198900150000", "198902300000", "202302290000", "198905152400", "198913000000", "19890515"] {
        only(with_row(0, |r| r.set("NGAY_SINH", bad)), &format!("NGAY_SINH '{bad}' is not yyyyMMddHHmm"));
    }
    only(with_row(0, |r| r.set("NGAY_SINH", "202701010000")), "NGAY_SINH 202701010000 is after NGAY_VAO");
}

#[test]
fn identity_numbers_have_their_shapes() {
    for ok in ["123456789", "001089012345", "C7654321"] {
        passes(with_row(0, |r| r.set("SO_CCCD", ok)));
    }
    for bad in ["12345678", "b1234567", "0010890123456", "AB123456"] {
        only(with_row(0, |r| r.set("SO_CCCD", bad)), &format!("SO_CCCD '{bad}' is neither"));
    }
}

#[test]
fn facility_codes_have_five_characters() {
    let msgs = reports(
        with_row(0, |r| r.set("MA_CSKCB", "010011")),
        "row 1: MA_CSKCB is 6 characters, over the maximum of 5",
    );
    assert!(msgs.iter().any(|m| m.contains("MA_CSKCB '010011' is not 5 characters")), "{msgs:#?}");
    only(with_row(0, |r| r.set("MA_CSKCB", "0101")), "MA_CSKCB '0101' is not 5 characters");
    only(with_row(0, |r| r.set("MA_DKBD", "0100")), "MA_DKBD '0100' is not 5 characters");
}

#[test]
fn lengths_count_characters() {
    // 255 Vietnamese characters (many bytes each) fit HO_TEN; 256 do not.
    passes(with_row(0, |r| r.set("HO_TEN", &"Ễ".repeat(255))));
    only(
        with_row(0, |r| r.set("HO_TEN", &"Ễ".repeat(256))),
        "HO_TEN is 256 characters, over the maximum of 255",
    );
    only(
        with_row(0, |r| r.set("MA_DICH_VU", &"D".repeat(51))),
        "MA_DICH_VU is 51 characters, over the maximum of 50",
    );
    only(with_row(0, |r| r.set("MA_LK", &"L".repeat(101))), "MA_LK is 101 characters");
}

#[test]
fn a_byte_order_mark_is_reported() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(good().as_bytes());
    only(&bytes, "byte order mark");
}

#[test]
fn the_declaration_is_required() {
    let xml = good();
    let body = xml.split_once('\n').unwrap().1;
    only(body, "does not start with the XML declaration");
    only(
        replace_once(&xml, "encoding=\"utf-8\"", "encoding=\"utf-16\""),
        "encoding=\"utf-16\", expected \"utf-8\"",
    );
    only(replace_once(&xml, " encoding=\"utf-8\"", ""), "has no encoding=\"utf-8\"");
    reports(format!("\n{xml}"), "does not start with the XML declaration");
}

#[test]
fn the_signature_closes_the_file() {
    only(replace_once(&good(), "  <CHUKYDONVI />\n", ""), "<CHUKYDONVI> is missing");
    let early = replace_once(&good(), "  <CHUKYDONVI />\n", "");
    let early =
        replace_once(&early, "<CHI_TIEU_TRANG_THAI_KCB>\n", "<CHI_TIEU_TRANG_THAI_KCB>\n  <CHUKYDONVI />\n");
    only(early, "<CHUKYDONVI> is not the last child");
}

#[test]
fn the_structure_is_exact() {
    let xml = good();
    only(
        replace_once(&xml, "  <CHUKYDONVI />", "  <THONGTIN />\n  <CHUKYDONVI />"),
        "unexpected element <THONGTIN>",
    );
    let no_rows = render(&[]);
    only(&no_rows, "has no <TRANG_THAI_KCB> row");
    let two_lists = replace_once(
        &xml,
        "  <CHUKYDONVI />",
        "  <DSACH_TRANG_THAI_KCB>\n  </DSACH_TRANG_THAI_KCB>\n  <CHUKYDONVI />",
    );
    only(two_lists, "<DSACH_TRANG_THAI_KCB> appears 2 times");
    let stray = replace_once(&xml, "  </DSACH_TRANG_THAI_KCB>", "  <HOSO />\n  </DSACH_TRANG_THAI_KCB>");
    only(stray, "unexpected element <HOSO> in <DSACH_TRANG_THAI_KCB>");
    let namespaced =
        replace_once(&xml, "<CHI_TIEU_TRANG_THAI_KCB>", "<CHI_TIEU_TRANG_THAI_KCB xmlns=\"urn:x\">");
    only(namespaced, "declares the default namespace");
    let nested = replace_once(&xml, "<MA_BN>BN000124</MA_BN>", "<MA_BN><ID>BN000124</ID></MA_BN>");
    reports(nested, "row 2: MA_BN contains child elements");
}

#[test]
fn a_repeated_visit_key_is_reported() {
    only(with_row(2, |r| r.set("MA_LK", "TD20261201-0001")), "row 3: MA_LK 'TD20261201-0001' is repeated");
}

#[test]
fn ill_formed_xml_is_reported() {
    let xml = good();
    reports(
        replace_once(&xml, "</MA_BN>\n      <HO_TEN><![CDATA[Trần", "</MA_B>\n      <HO_TEN><![CDATA[Trần"),
        "not well-formed",
    );
    reports(replace_once(&xml, "a &amp; b", "a &nbsp; b"), "unknown entity &nbsp;");
    reports(replace_once(&xml, "a &amp; b", "a \u{1} b"), "not an XML 1.0 character");
    reports(format!("{xml}\n<CHI_TIEU_TRANG_THAI_KCB />"), "a second root element");
    reports(format!("{xml}\ntrailing"), "text outside the root element");
    let doctype = replace_once(&xml, "?>\n", "?>\n<!DOCTYPE CHI_TIEU_TRANG_THAI_KCB>\n");
    reports(doctype, "DOCTYPE");
    let mut latin1 = xml.clone().into_bytes();
    let at = xml.find("ễ").unwrap();
    latin1.splice(at..at + "ễ".len(), [0xEA]);
    reports(&latin1, "not UTF-8");
}

#[test]
fn the_strict_reader_refuses_what_a_csharp_reader_refuses() {
    assert!(read_strict(&with_row(0, |r| r.set("STT", "x"))).is_err());
    assert!(read_strict(&with_row(0, |r| r.without("MA_LK"))).is_err(), "a missing mandatory element");
    assert!(read_strict("<TRANG_THAI_KCB><STT>1</STT></TRANG_THAI_KCB>").is_err(), "a wrong root");
    assert!(read_strict("").is_err());
    // An optional element may be absent.
    let rows = read_strict(&with_row(0, |r| r.without("DU_PHONG"))).expect("DU_PHONG is optional");
    assert_eq!(rows[0].du_phong, "");
}

/// xorshift64*: a small deterministic generator for the garbage tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn garbage_gets_messages_not_panics() {
    assert!(!validate(b"").is_empty());
    assert!(!validate(b"\xEF\xBB\xBF").is_empty());
    assert!(!validate(b"   ").is_empty());
    assert!(!validate(b"<").is_empty());
    assert!(!validate(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>").is_empty());
    assert!(!validate(&[0xFF, 0xFE, b'<', 0]).is_empty());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..2000 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert!(!validate(&bytes).is_empty(), "random bytes are not a check-in file: {bytes:?}");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = read_strict(text);
        }
    }
    // Random markup-ish text.
    let alphabet: Vec<char> = "<>/?!=\"'&;#[]-CDATA_TKx0129 \n\u{1}ễ".chars().collect();
    for _ in 0..2000 {
        let len = rng.below(200);
        let text: String = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        assert!(!validate(text.as_bytes()).is_empty(), "{text:?}");
        let _ = read_strict(&text);
    }
}

#[test]
fn truncated_files_get_messages_not_panics() {
    let xml = good();
    let bytes = xml.as_bytes();
    for cut in 0..bytes.len() {
        let msgs = validate(&bytes[..cut]);
        assert!(!msgs.is_empty(), "a file cut at byte {cut} is not complete");
        if let Ok(text) = std::str::from_utf8(&bytes[..cut]) {
            let _ = read_strict(text);
        }
    }
}

#[test]
fn damaged_files_never_panic() {
    let xml = good();
    let mut rng = Rng(42);
    for _ in 0..3000 {
        let mut bytes = xml.clone().into_bytes();
        for _ in 0..=rng.below(4) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = rng.next() as u8,
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, b"<>&/![]\"*0 "[rng.below(11)]),
            }
        }
        let _ = validate(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = read_strict(text);
        }
    }
}
