//! The check-in table of Decision 130/QĐ-BYT (as amended by 4750) for the day, in the GIAMDINHHS
//! envelope: one HOSO per visit, its check-in table Base64-encoded (spec formats.md §8). Only what a reception desk can honestly
//! fill is filled; every other field is present and empty, never invented. Voided visits are left out.
//! This is a hand-over file for the clinic's HIS / claims software, not a signed submission
//! (`CHUKYDONVI` is empty).

use super::Day;
use crate::store::StoreError;
use crate::store::visits::Visit;
use base64::Engine;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// The 26 fields of the check-in table, in order.
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

/// The file type of the check-in table in the envelope (the 2026 BHXH annex calls it XML0).
pub const FILE_TYPE: &str = "XML0";

type Xml = Writer<Vec<u8>>;

/// `<NAME>value</NAME>`, or `<NAME/>` when there is nothing to say (truly empty, not whitespace).
fn element(w: &mut Xml, name: &str, value: &str) -> std::io::Result<()> {
    if value.is_empty() {
        return w.write_event(Event::Empty(BytesStart::new(name)));
    }
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(value)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn open(w: &mut Xml, name: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))
}

fn close(w: &mut Xml, name: &str) -> std::io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// `YYYY-MM-DD` → `yyyyMMdd`; anything else → empty.
fn compact_date(iso: Option<&str>) -> String {
    match iso {
        Some(d) if d.len() == 10 => d.replace('-', ""),
        _ => String::new(),
    }
}

/// Birth date as `yyyyMMddHHmm` (`0000` time), a year-only date as `yyyy00000000`.
fn birth(iso: Option<&str>) -> String {
    match iso {
        Some(d) if d.len() == 10 => format!("{}0000", d.replace('-', "")),
        Some(y) if y.len() == 4 => format!("{y}00000000"),
        _ => String::new(),
    }
}

fn sex(v: Option<&str>) -> &'static str {
    match v {
        Some("male") => "1",
        Some("female") => "2",
        _ => "",
    }
}

/// The values of one visit, in [`FIELDS`] order.
pub fn row(day: &Day, stt: usize, v: &Visit) -> Vec<String> {
    let verdict = &v.verdict;
    let s = |key: &str| verdict[key].as_str().map(str::to_string);
    // The QĐ 3276 category proposed at the desk (provisional: the HIS sets the final one when the visit
    // ends); a pre-2025 "3.x" names no sub-category, so it stays empty for staff to fill.
    let route = s("route").filter(|r| r != "3.x").unwrap_or_default();
    let card = v.card_number.as_deref().filter(|c| c.len() == 15);
    let local = v.checked_in_at.get(..16).unwrap_or_default().replace(['-', 'T', ':'], "");
    let mut values = vec![
        format!("{}-{}", day.compact(), v.ticket),
        stt.to_string(),
        day.id(v.bhxh_number.as_deref().or(v.citizen_id.as_deref())),
        v.full_name.clone().unwrap_or_default(),
        day.id(v.citizen_id.as_deref()),
        birth(v.birth_date.as_deref()),
        sex(v.sex.as_deref()).to_string(),
        day.id(card),
        v.facility_code.clone().unwrap_or_default(),
        compact_date(s("valid_from").as_deref()),
        compact_date(s("valid_to").as_deref()),
        route,
        local,
        String::new(),
        String::new(),
        String::new(),
        "01".to_string(),
        day.clinic.facility_code.clone().unwrap_or_default(),
    ];
    values.resize(FIELDS.len(), String::new());
    values
}

/// One visit's check-in table: `<CHECKIN>` with its `<CHI_TIET>` row.
fn table(day: &Day, stt: usize, v: &Visit) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    open(&mut w, "CHECKIN")?;
    open(&mut w, "CHI_TIET")?;
    for (name, value) in FIELDS.iter().zip(row(day, stt, v)) {
        element(&mut w, name, &value)?;
    }
    close(&mut w, "CHI_TIET")?;
    close(&mut w, "CHECKIN")?;
    Ok(w.into_inner())
}

/// The envelope: one `HOSO` per visit (per MA_LK), each holding its check-in table Base64-encoded.
pub fn render(day: &Day) -> Result<Vec<u8>, StoreError> {
    let fail = |e: std::io::Error| {
        StoreError::invalid(format!("Không tạo được XML: {e}"), format!("Cannot build the XML: {e}"))
    };
    let kept = day.visits.iter().filter(|v| !v.voided);
    let tables =
        kept.enumerate().map(|(i, v)| table(day, i + 1, v)).collect::<Result<Vec<_>, _>>().map_err(fail)?;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let built = (|| -> std::io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
        open(&mut w, "GIAMDINHHS")?;
        open(&mut w, "THONGTINDONVI")?;
        element(&mut w, "MACSKCB", day.clinic.facility_code.as_deref().unwrap_or_default())?;
        close(&mut w, "THONGTINDONVI")?;
        open(&mut w, "THONGTINHOSO")?;
        element(&mut w, "NGAYLAP", &day.made_on.format("%Y%m%d").to_string())?;
        element(&mut w, "SOLUONGHOSO", &tables.len().to_string())?;
        open(&mut w, "DANHSACHHOSO")?;
        for inner in &tables {
            open(&mut w, "HOSO")?;
            open(&mut w, "FILEHOSO")?;
            element(&mut w, "LOAIHOSO", FILE_TYPE)?;
            element(&mut w, "NOIDUNGFILE", &base64::engine::general_purpose::STANDARD.encode(inner))?;
            close(&mut w, "FILEHOSO")?;
            close(&mut w, "HOSO")?;
        }
        close(&mut w, "DANHSACHHOSO")?;
        close(&mut w, "THONGTINHOSO")?;
        element(&mut w, "CHUKYDONVI", "")?;
        close(&mut w, "GIAMDINHHS")
    })();
    built.map_err(fail)?;
    Ok(w.into_inner())
}
