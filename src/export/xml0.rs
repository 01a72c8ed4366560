//! The check-in file (XML0, `CHI_TIEU_TRANG_THAI_KCB`) of Decision 130/QĐ-BYT as amended by 4750, as
//! real receivers read it (spec `xml0-checkin.md`): its own file — never inside the `GIAMDINHHS` claim
//! envelope — with the 26 fields in order, CDATA for the seven text fields and `<CHUKYDONVI/>`. One file
//! per visit (what the check-in API takes) and one per day for the HIS hand-over (`STT` 1..n).
//!
//! Every row carries what a desk can honestly give: the provisional visit category
//! (`MA_DOITUONG_KCB`, `9` and no card fields for a visit not under BHYT), the exam registered at
//! check-in as the first chargeable item, the check-in time as `NGAY_YL`. A BHYT visit whose card code,
//! registered facility, validity or category the desk does not know is *held back* — never written
//! half-filled — and named in the summary, to be looked up (the portal's card look-up) and exported again.
//! Voided visits are left out. The file is not signed (`CHUKYDONVI` empty): signing needs the clinic's
//! certificate registered on the portal, which tiepdon does not hold.

use super::Day;
use crate::store::StoreError;
use crate::store::visits::Visit;
use serde_json::Value;

/// The 26 fields of a check-in row, in QĐ 4750 order.
pub const FIELDS: [&str; 26] = [
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

/// The fields written as CDATA (what HIS readers deserialise as `XmlCDataSection`).
pub const CDATA_FIELDS: [&str; 7] =
    ["HO_TEN", "LY_DO_VNT", "TEN_DICH_VU", "MA_THUOC", "TEN_THUOC", "MA_VAT_TU", "TEN_VAT_TU"];

/// `MA_DOITUONG_KCB` of a visit not under BHYT (QĐ 3276 PL1).
pub const NOT_BHYT: &str = "9";

/// Card groups whose end date the portal cannot look up: `GT_THE_DEN` may stay empty.
pub const OPEN_ENDED_GROUPS: [&str; 6] = ["QN", "HC", "LS", "XK", "CY", "CA"];

/// `MA_LOAI_KCB` of an outpatient exam (QĐ 1804: 01 = Khám bệnh).
pub const EXAM: &str = "01";

/// The folder of a day's per-visit files inside an export folder (`tiepdon-20261123-xml0`).
pub fn visit_dir(compact_day: &str) -> String {
    format!("tiepdon-{compact_day}-xml0")
}

/// Whether `name` is a folder [`visit_dir`] names.
pub fn is_visit_dir(name: &str) -> bool {
    name.strip_prefix("tiepdon-")
        .and_then(|n| n.strip_suffix("-xml0"))
        .is_some_and(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))
}

/// What a BHYT visit lacks for its check-in row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// The 15-character card code (only a BHXH number or a citizen id was shown).
    CardCode,
    /// The registered facility (MA_DKBD).
    Registered,
    ValidFrom,
    ValidTo,
    /// A category the desk cannot propose (a pre-2025 "3.x", or none).
    Category,
    Name,
    BirthDate,
}

impl Missing {
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Missing::CardCode => ("mã thẻ BHYT 15 ký tự", "the 15-character card code"),
            Missing::Registered => ("nơi ĐKBĐ", "the registered facility"),
            Missing::ValidFrom => ("ngày thẻ có giá trị", "the card's start date"),
            Missing::ValidTo => ("hạn thẻ", "the card's end date"),
            Missing::Category => ("mã đối tượng", "the visit category"),
            Missing::Name => ("họ tên", "the name"),
            Missing::BirthDate => ("ngày sinh", "the birth date"),
        }
    }
}

/// One visit's check-in row (its `STT` is set when a file is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub ma_lk: String,
    /// The values in [`FIELDS`] order; `values[1]` (STT) is empty here.
    pub values: Vec<String>,
}

/// The visit key `MA_LK`: day, ticket and this database's id (`20261203-A-001-3f9a2c1b`). The store
/// numbers tickets per desk prefix and day in one sequence, so desks sharing a database never share a
/// ticket, and the database id keeps separate databases apart.
pub fn ma_lk(day: &Day, v: &Visit) -> String {
    let base = format!("{}-{}", v.day.format("%Y%m%d"), v.ticket);
    if day.store_id.is_empty() { base } else { format!("{base}-{}", day.store_id) }
}

/// `YYYY-MM-DD` → `yyyyMMdd`.
fn compact_date(iso: Option<&str>) -> Option<String> {
    iso.filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-').map(|d| d.replace('-', ""))
}

/// A birth date as `yyyyMMddHHmm`: unknown time `0000`, unknown day `00`, unknown day and month `0000`.
fn birth(iso: Option<&str>) -> Option<String> {
    let d = iso?;
    let digits = d.replace('-', "");
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        8 => Some(format!("{digits}0000")),
        6 => Some(format!("{digits}000000")),
        4 => Some(format!("{digits}00000000")),
        _ => None,
    }
}

/// `GIOI_TINH`: 1 Nam, 2 Nữ, 3 not known.
fn sex(v: Option<&str>) -> &'static str {
    match v {
        Some("male") => "1",
        Some("female") => "2",
        _ => "3",
    }
}

/// The check-in time `…THH:MM…` as `yyyyMMddHHmm`.
fn minute(local: &str) -> String {
    local.get(..16).unwrap_or_default().replace(['-', 'T', ':'], "")
}

fn text(verdict: &Value, key: &str) -> Option<String> {
    verdict[key].as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Whether a recorded visit is under BHYT: every visit but one recorded on a NOT_ELIGIBLE verdict (an
/// override: the patient pays).
pub fn under_bhyt(v: &Visit) -> bool {
    v.status != crate::coverage::Status::NotEligible
}

/// The visit category the row gives: the proposed QĐ 3276 code, [`NOT_BHYT`] for a visit not under
/// BHYT, `None` when the desk cannot tell.
pub fn category(v: &Visit) -> Option<String> {
    if !under_bhyt(v) {
        return Some(NOT_BHYT.to_string());
    }
    text(&v.verdict, "route").filter(|r| r != "3.x")
}

/// The check-in row of `v`, or what it lacks.
pub fn row(day: &Day, v: &Visit) -> Result<Row, Vec<Missing>> {
    let mut missing = Vec::new();
    let name = v.full_name.clone().filter(|n| !n.trim().is_empty());
    if name.is_none() {
        missing.push(Missing::Name);
    }
    let born = birth(v.birth_date.as_deref());
    if born.is_none() {
        missing.push(Missing::BirthDate);
    }
    let [mut card, mut registered, mut from, mut to] =
        [String::new(), String::new(), String::new(), String::new()];
    if under_bhyt(v) {
        let code =
            text(&v.verdict, "card_number").or_else(|| v.card_number.clone()).filter(|c| c.len() == 15);
        match code {
            Some(c) => card = c,
            None => missing.push(Missing::CardCode),
        }
        match text(&v.verdict, "registered_facility").or_else(|| v.facility_code.clone()) {
            Some(f) if f.len() == 5 => registered = f,
            _ => missing.push(Missing::Registered),
        }
        match compact_date(text(&v.verdict, "valid_from").as_deref()) {
            Some(d) => from = d,
            None => missing.push(Missing::ValidFrom),
        }
        match compact_date(text(&v.verdict, "valid_to").as_deref()) {
            Some(d) => to = d,
            None if OPEN_ENDED_GROUPS.contains(&card.get(..2).unwrap_or_default()) => {}
            None => missing.push(Missing::ValidTo),
        }
    }
    let category = category(v);
    if category.is_none() {
        missing.push(Missing::Category);
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let citizen =
        v.citizen_id.clone().filter(|c| matches!(c.len(), 9 | 12) && c.bytes().all(|b| b.is_ascii_digit()));
    let ma_lk = ma_lk(day, v);
    let patient = v
        .bhxh_number
        .clone()
        .or_else(|| citizen.clone())
        .or_else(|| v.card_number.clone())
        .unwrap_or_else(|| ma_lk.clone());
    let at = minute(&v.checked_in_at);
    let values = vec![
        ma_lk.clone(),
        String::new(),
        patient,
        name.unwrap_or_default(),
        citizen.unwrap_or_default(),
        born.unwrap_or_default(),
        sex(v.sex.as_deref()).to_string(),
        card,
        registered,
        from,
        to,
        category.unwrap_or_default(),
        at.clone(),
        String::new(),
        String::new(),
        String::new(),
        EXAM.to_string(),
        day.clinic.facility_code.clone().unwrap_or_default(),
        day.exam.code.clone().unwrap_or_default(),
        day.exam.name.clone().unwrap_or_default(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        at,
        String::new(),
    ];
    Ok(Row { ma_lk, values })
}

/// What the clinic must set before any check-in file can be written, as one refusal.
pub fn settings_missing(day: &Day) -> Option<StoreError> {
    let mut vi = Vec::new();
    let mut en = Vec::new();
    if day.clinic.facility_code.is_none() {
        vi.push("mã cơ sở (facility_code)");
        en.push("the facility code (facility_code)");
    }
    if day.exam.code.is_none() || day.exam.name.is_none() {
        vi.push("mã và tên dịch vụ khám (exam_service_code, exam_service_name)");
        en.push("the exam service code and name (exam_service_code, exam_service_name)");
    }
    (!vi.is_empty()).then(|| {
        StoreError::invalid(
            format!(
                "Chưa ghi được tệp check-in XML0: thiếu {} trong Cài đặt (hoặc `tiepdon settings set …`). Các tệp khác vẫn xuất được.",
                vi.join(", ")
            ),
            format!(
                "Cannot write the XML0 check-in file: set {} in Settings (or `tiepdon settings set …`). The other files can still be exported.",
                en.join(", ")
            ),
        )
    })
}

/// Whether XML 1.0 allows `c` in text.
fn allowed(c: char) -> bool {
    (u32::from(c) >= 0x20 || matches!(c, '\t' | '\n' | '\r')) && c != '\u{FFFE}' && c != '\u{FFFF}'
}

/// Text for an XML element: `&`, `<`, `>` escaped, characters XML 1.0 forbids dropped.
fn escape(out: &mut String, s: &str) {
    for c in s.chars().filter(|c| allowed(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// CDATA content: forbidden characters dropped, a `]]>` inside split across two sections.
fn cdata(out: &mut String, s: &str) {
    out.push_str("<![CDATA[");
    let clean: String = s.chars().filter(|c| allowed(*c)).collect();
    out.push_str(&clean.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

/// A whole check-in file of `rows`, numbered `STT` 1..n; UTF-8 without a byte-order mark.
pub fn file<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Vec<u8> {
    let mut out = String::with_capacity(4096);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CHI_TIEU_TRANG_THAI_KCB>\n  <DSACH_TRANG_THAI_KCB>\n",
    );
    for (i, row) in rows.into_iter().enumerate() {
        out.push_str("    <TRANG_THAI_KCB>\n");
        for (field, value) in FIELDS.iter().zip(&row.values) {
            out.push_str("      <");
            out.push_str(field);
            out.push('>');
            if *field == "STT" {
                out.push_str(&(i + 1).to_string());
            } else if CDATA_FIELDS.contains(field) {
                cdata(&mut out, value);
            } else {
                escape(&mut out, value);
            }
            out.push_str("</");
            out.push_str(field);
            out.push_str(">\n");
        }
        out.push_str("    </TRANG_THAI_KCB>\n");
    }
    out.push_str("  </DSACH_TRANG_THAI_KCB>\n  <CHUKYDONVI/>\n</CHI_TIEU_TRANG_THAI_KCB>\n");
    out.into_bytes()
}

/// A visit held back from the check-in file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub ticket: String,
    pub missing: Vec<Missing>,
}

/// The day's check-in rows (visits not voided, in check-in order) and the visits held back.
pub fn rows(day: &Day) -> (Vec<Row>, Vec<Held>) {
    let mut rows = Vec::new();
    let mut held = Vec::new();
    for v in day.visits.iter().filter(|v| !v.voided) {
        match row(day, v) {
            Ok(r) => rows.push(r),
            Err(missing) => held.push(Held { ticket: v.ticket.clone(), missing }),
        }
    }
    (rows, held)
}

/// The check-in files of a day.
pub struct Files {
    /// The day file (none when no visit has a row: a receiver reads an empty list as a broken file).
    pub day: Option<Vec<u8>>,
    /// One `(MA_LK, bytes)` per visit with a row.
    pub per_visit: Vec<(String, Vec<u8>)>,
}

/// The files of the day. Refused when the ids would be masked (a masked check-in file is wrong, never
/// a safe copy) or the clinic's settings are missing.
pub fn render(day: &Day) -> Result<Files, StoreError> {
    if day.mask_ids {
        return Err(masked_refusal());
    }
    if let Some(e) = settings_missing(day) {
        return Err(e);
    }
    let (rows, _) = rows(day);
    let per_visit = rows.iter().map(|r| (r.ma_lk.clone(), file([r]))).collect();
    Ok(Files { day: (!rows.is_empty()).then(|| file(&rows)), per_visit })
}

/// Why a masked check-in file is never written.
pub fn masked_refusal() -> StoreError {
    StoreError::invalid(
        "Không ghi tệp XML0 che số định danh: HIS và cổng BHXH cần số thật. Che số chỉ dùng cho CSV, Excel và tổng hợp; bỏ xml130 khỏi --format, hoặc xuất XML0 không che.",
        "A masked XML0 check-in file is never written: the HIS and the BHXH portal need the real ids. Masking is for the CSV, the spreadsheet and the summary; leave xml130 out of --format, or export the XML0 unmasked.",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn cdata_never_ends_early_and_forbidden_characters_are_dropped() {
        let mut out = String::new();
        super::cdata(&mut out, "a]]>b\u{1}c");
        assert_eq!(out, "<![CDATA[a]]]]><![CDATA[>bc]]>");
        let mut out = String::new();
        super::escape(&mut out, "<&>\u{0}\t");
        assert_eq!(out, "&lt;&amp;&gt;\t");
    }

    #[test]
    fn birth_dates_keep_their_precision() {
        assert_eq!(super::birth(Some("1990-10-20")).as_deref(), Some("199010200000"));
        assert_eq!(super::birth(Some("1990-10")).as_deref(), Some("199010000000"));
        assert_eq!(super::birth(Some("1970")).as_deref(), Some("197000000000"));
        assert_eq!(super::birth(Some("19x0")), None);
        assert_eq!(super::birth(None), None);
    }
}
