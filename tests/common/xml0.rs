//! An independent check of the XML0 check-in file (`CHI_TIEU_TRANG_THAI_KCB`, QĐ 130 / QĐ 4750), written from
//! `/work/shared/spec/xml0-checkin.md` only: a rule-by-rule validator and a strict typed reader that behaves
//! like a C# HIS's `XmlSerializer`.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde::Deserialize;
use std::collections::HashMap;

/// The root element of the check-in file.
pub const ROOT: &str = "CHI_TIEU_TRANG_THAI_KCB";
/// The list element under the root.
pub const LIST: &str = "DSACH_TRANG_THAI_KCB";
/// One check-in row.
pub const ROW: &str = "TRANG_THAI_KCB";
/// The facility signature, the last child of the root.
pub const SIGNATURE: &str = "CHUKYDONVI";

/// The 26 fields of a row in QĐ 4750 order (spec §3.4), with the maximum length in characters.
/// "string n" fields take the receiving portal's (CTN) limit of 4000.
pub const FIELDS: [(&str, usize); 26] = [
    ("MA_LK", 100),
    ("STT", 10),
    ("MA_BN", 100),
    ("HO_TEN", 255),
    ("SO_CCCD", 15),
    ("NGAY_SINH", 12),
    ("GIOI_TINH", 1),
    ("MA_THE_BHYT", 15),
    ("MA_DKBD", 5),
    ("GT_THE_TU", 8),
    ("GT_THE_DEN", 8),
    ("MA_DOITUONG_KCB", 4),
    ("NGAY_VAO", 12),
    ("NGAY_VAO_NOI_TRU", 12),
    ("LY_DO_VNT", 4000),
    ("MA_LY_DO_VNT", 5),
    ("MA_LOAI_KCB", 2),
    ("MA_CSKCB", 5),
    ("MA_DICH_VU", 50),
    ("TEN_DICH_VU", 1024),
    ("MA_THUOC", 255),
    ("TEN_THUOC", 1024),
    ("MA_VAT_TU", 255),
    ("TEN_VAT_TU", 1024),
    ("NGAY_YL", 12),
    ("DU_PHONG", 4000),
];

/// The fields HISPRO types as `XmlCDataSection`: written (and read back) as CDATA sections.
pub const CDATA_FIELDS: [&str; 7] =
    ["HO_TEN", "LY_DO_VNT", "TEN_DICH_VU", "MA_THUOC", "TEN_THUOC", "MA_VAT_TU", "TEN_VAT_TU"];

/// The fields that must never be empty (CTN "Bắt buộc").
pub const MANDATORY: [&str; 11] = [
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

/// `MA_DOITUONG_KCB` codes of QĐ 3276 PL1 (27 codes), applied for `NGAY_VAO` from 2025-01-01.
pub const DOI_TUONG_3276: [&str; 27] = [
    "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.11", "1.12", "1.13", "1.14", "1.15", "1.16", "1.17",
    "1.18", "2", "3.1", "3.2", "3.3", "3.6", "7", "7.2", "7.3", "7.4", "8", "9", "10",
];

/// Card groups whose card may have no end of validity (`GT_THE_DEN` empty).
pub const NO_END_GROUPS: [&str; 6] = ["QN", "HC", "LS", "XK", "CY", "CA"];

/// Ids that must never be masked with `*`.
const UNMASKED: [&str; 4] = ["MA_BN", "SO_CCCD", "MA_THE_BHYT", "MA_LK"];

/// Elements of the old shapes (claim envelope, legacy check-in table) that have no place in XML0.
const OLD_SHAPE: [&str; 6] = ["GIAMDINHHS", "CHECKIN", "CHI_TIET", "FILEHOSO", "NOIDUNGFILE", "THONGTINHOSO"];

/// `NGAY_VAO` from which QĐ 3276 codes apply (tiepdon applies them from 2025-01-01).
const DOI_TUONG_FROM: &str = "202501010000";
/// `NGAY_VAO` from which QĐ 1804 `MA_LOAI_KCB` 01–16 applies.
const LOAI_KCB_1804_FROM: &str = "202608010000";

/// Every rule of the spec the file breaks, one human-readable message each; empty when the file is valid.
/// Never panics, whatever the bytes.
pub fn validate(bytes: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if bytes.is_empty() {
        errs.push("the file is empty (no XML declaration, no root element)".to_string());
        return errs;
    }
    let mut body = bytes;
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        errs.push(
            "the file starts with a UTF-8 byte order mark (BOM); XML0 is UTF-8 without BOM".to_string(),
        );
        body = rest;
    } else if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
        errs.push("the file starts with a UTF-16 byte order mark; XML0 is UTF-8 without BOM".to_string());
        return errs;
    }
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to() + (bytes.len() - body.len());
            errs.push(format!("the file is not UTF-8: invalid byte sequence at byte {at}"));
            return errs;
        }
    };
    let Some(root) = parse(text, &mut errs) else { return errs };
    check_document(&root, &mut errs);
    errs
}

/// One element of the parsed file.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    kids: Vec<Node>,
    /// Text content: text, resolved references and CDATA, in document order.
    text: String,
    /// The first piece of content was a CDATA section (`Some(false)`: something else came first).
    starts_with_cdata: Option<bool>,
    /// Non-whitespace text (or a reference) outside any CDATA section.
    text_outside_cdata: bool,
}

impl Node {
    fn from_start(e: &BytesStart, reader: &Reader<&[u8]>) -> Result<Node, String> {
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| format!("bad attribute on <{name}>: {err}"))?;
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = a
                .decode_and_unescape_value(reader.decoder())
                .map_err(|err| format!("bad value of attribute {key} on <{name}>: {err}"))?;
            if let Some(c) = value.chars().find(|&c| !xml_char(c)) {
                return Err(format!(
                    "attribute {key} on <{name}> holds U+{:04X}, not an XML 1.0 character",
                    c as u32
                ));
            }
            attrs.push((key, value.into_owned()));
        }
        Ok(Node { name, attrs, ..Node::default() })
    }

    /// Records one piece of character content.
    fn content(&mut self, piece: &str, cdata: bool) {
        if piece.is_empty() && !cdata {
            return;
        }
        if self.starts_with_cdata.is_none() {
            self.starts_with_cdata = Some(cdata);
        }
        if !cdata && !piece.trim().is_empty() {
            self.text_outside_cdata = true;
        }
        self.text.push_str(piece);
    }

    fn kid(&self, name: &str) -> Option<&Node> {
        self.kids.iter().find(|k| k.name == name)
    }

    fn count(&self, name: &str) -> usize {
        self.kids.iter().filter(|k| k.name == name).count()
    }
}

/// Whether `c` may appear in an XML 1.0 document (production [2] Char).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Parses the whole document into a tree; `None` (with a message) when it is not well-formed XML or its
/// declaration is unusable. Declaration problems that do not stop the parse are reported and parsing goes on.
fn parse(text: &str, errs: &mut Vec<String>) -> Option<Node> {
    let mut reader = Reader::from_reader(text.as_bytes());
    reader.config_mut().enable_all_checks(true);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut first = true;
    let bad = |errs: &mut Vec<String>, at: u64, what: String| {
        errs.push(format!("not well-formed XML at byte {at}: {what}"));
        None
    };
    loop {
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return bad(errs, reader.error_position(), e.to_string()),
        };
        let at = reader.buffer_position();
        let was_first = std::mem::replace(&mut first, false);
        if was_first && !matches!(event, Event::Decl(_)) {
            errs.push(
                "the file does not start with the XML declaration <?xml version=\"1.0\" encoding=\"utf-8\"?>"
                    .to_string(),
            );
        }
        match event {
            Event::Decl(d) => {
                if !was_first {
                    return bad(errs, at, "an XML declaration that is not at the very start".to_string());
                }
                match d.version() {
                    Ok(v) if v.as_ref() == b"1.0" => {}
                    Ok(v) => errs.push(format!(
                        "the XML declaration has version \"{}\", expected \"1.0\"",
                        String::from_utf8_lossy(&v)
                    )),
                    Err(e) => errs.push(format!("the XML declaration has no usable version: {e}")),
                }
                match d.encoding() {
                    Some(Ok(enc)) if enc.eq_ignore_ascii_case(b"utf-8") => {}
                    Some(Ok(enc)) => errs.push(format!(
                        "the XML declaration says encoding=\"{}\", expected \"utf-8\"",
                        String::from_utf8_lossy(&enc)
                    )),
                    Some(Err(e)) => errs.push(format!("the XML declaration's encoding is unreadable: {e}")),
                    None => errs.push("the XML declaration has no encoding=\"utf-8\"".to_string()),
                }
            }
            Event::DocType(_) => {
                return bad(errs, at, "a DOCTYPE (DTDs are refused by the receivers' readers)".to_string());
            }
            Event::Start(e) => match Node::from_start(&e, &reader) {
                Ok(node) => {
                    if let Some(parent) = stack.last_mut() {
                        parent.starts_with_cdata.get_or_insert(false);
                    }
                    stack.push(node);
                }
                Err(what) => return bad(errs, at, what),
            },
            Event::Empty(e) => {
                let node = match Node::from_start(&e, &reader) {
                    Ok(node) => node,
                    Err(what) => return bad(errs, at, what),
                };
                if let Err(what) = attach(node, &mut stack, &mut root) {
                    return bad(errs, at, what);
                }
            }
            Event::End(_) => {
                let Some(node) = stack.pop() else {
                    return bad(errs, at, "a closing tag without an opening tag".to_string());
                };
                if let Err(what) = attach(node, &mut stack, &mut root) {
                    return bad(errs, at, what);
                }
            }
            Event::Text(t) => {
                let piece = match t.xml10_content() {
                    Ok(p) => p,
                    Err(e) => return bad(errs, at, e.to_string()),
                };
                if let Some(c) = piece.chars().find(|&c| !xml_char(c)) {
                    return bad(errs, at, format!("U+{:04X} is not an XML 1.0 character", c as u32));
                }
                match stack.last_mut() {
                    Some(node) => node.content(&piece, false),
                    None if piece.trim().is_empty() => {}
                    None => return bad(errs, at, "text outside the root element".to_string()),
                }
            }
            Event::GeneralRef(r) => {
                let name = match r.decode() {
                    Ok(n) => n.into_owned(),
                    Err(e) => return bad(errs, at, e.to_string()),
                };
                let resolved = match quick_xml::escape::resolve_predefined_entity(&name) {
                    Some(s) => s.to_string(),
                    None => match r.resolve_char_ref() {
                        Ok(Some(c)) if xml_char(c) => c.to_string(),
                        Ok(Some(c)) => {
                            return bad(
                                errs,
                                at,
                                format!("&{name}; is U+{:04X}, not an XML character", c as u32),
                            );
                        }
                        Ok(None) => return bad(errs, at, format!("unknown entity &{name};")),
                        Err(e) => return bad(errs, at, format!("bad character reference &{name};: {e}")),
                    },
                };
                match stack.last_mut() {
                    Some(node) => node.content(&resolved, false),
                    None => return bad(errs, at, "a reference outside the root element".to_string()),
                }
            }
            Event::CData(c) => {
                let piece = match c.xml10_content() {
                    Ok(p) => p,
                    Err(e) => return bad(errs, at, e.to_string()),
                };
                if let Some(ch) = piece.chars().find(|&ch| !xml_char(ch)) {
                    return bad(errs, at, format!("U+{:04X} is not an XML 1.0 character", ch as u32));
                }
                match stack.last_mut() {
                    Some(node) => node.content(&piece, true),
                    None => return bad(errs, at, "a CDATA section outside the root element".to_string()),
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        let at = reader.buffer_position();
        return bad(errs, at, format!("the file ends inside <{}> (truncated?)", open.name));
    }
    if root.is_none() {
        errs.push("the file has no root element".to_string());
    }
    root
}

/// Hangs a finished element under its parent, or makes it the root.
fn attach(node: Node, stack: &mut [Node], root: &mut Option<Node>) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => {
            parent.starts_with_cdata.get_or_insert(false);
            parent.kids.push(node);
            Ok(())
        }
        None if root.is_some() => Err(format!("a second root element <{}>", node.name)),
        None => {
            *root = Some(node);
            Ok(())
        }
    }
}

/// Structure (spec §3.2) and then every row (spec §3.4).
fn check_document(root: &Node, errs: &mut Vec<String>) {
    if root.name != ROOT {
        let why = match root.name.as_str() {
            "GIAMDINHHS" => {
                " — GIAMDINHHS is the claim envelope (XML1–XML15); the check-in is its own file (spec §3.1)"
            }
            "CHECKIN" => " — CHECKIN is the legacy check-in table, not the QĐ 4750 XML0",
            _ => "",
        };
        errs.push(format!("the root element is <{}>, expected <{ROOT}>{why}", root.name));
    }
    old_shape_elements(root, errs);
    if root.name != ROOT {
        return;
    }
    check_attrs(root, errs);
    if root.text.contains(|c: char| !c.is_whitespace()) {
        errs.push(format!("<{ROOT}> holds text; it holds only <{LIST}> and <{SIGNATURE}>"));
    }
    for k in &root.kids {
        if k.name != LIST && k.name != SIGNATURE && !OLD_SHAPE.contains(&k.name.as_str()) {
            errs.push(format!("unexpected element <{}> in <{ROOT}>", k.name));
        }
    }
    match root.count(LIST) {
        0 => errs.push(format!("<{LIST}> is missing under <{ROOT}>")),
        1 => {}
        n => errs.push(format!("<{LIST}> appears {n} times under <{ROOT}>, expected once")),
    }
    match root.count(SIGNATURE) {
        0 => errs.push(format!("<{SIGNATURE}> is missing (it must be the last child of <{ROOT}>)")),
        1 => {}
        n => errs.push(format!("<{SIGNATURE}> appears {n} times under <{ROOT}>, expected once")),
    }
    if root.count(SIGNATURE) > 0 && root.kids.last().is_some_and(|k| k.name != SIGNATURE) {
        errs.push(format!("<{SIGNATURE}> is not the last child of <{ROOT}>"));
    }
    let Some(list) = root.kid(LIST) else { return };
    check_attrs(list, errs);
    if list.text.contains(|c: char| !c.is_whitespace()) {
        errs.push(format!("<{LIST}> holds text; it holds only <{ROW}> rows"));
    }
    for k in &list.kids {
        if k.name != ROW && !OLD_SHAPE.contains(&k.name.as_str()) {
            errs.push(format!("unexpected element <{}> in <{LIST}>", k.name));
        }
    }
    let rows: Vec<&Node> = list.kids.iter().filter(|k| k.name == ROW).collect();
    if rows.is_empty() {
        errs.push(format!("<{LIST}> has no <{ROW}> row (at least one is required)"));
    }
    let mut seen_lk: HashMap<&str, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        check_row(n, row, errs);
        if let Some(lk) = row.kid("MA_LK").map(|k| k.text.as_str()).filter(|v| !v.trim().is_empty()) {
            if let Some(prev) = seen_lk.get(lk) {
                errs.push(format!(
                    "row {n}: MA_LK '{lk}' is repeated (already in row {prev}; it must be unique)"
                ));
            } else {
                seen_lk.insert(lk, n);
            }
        }
    }
}

/// Reports the envelope / legacy elements wherever they appear (outside the signature).
fn old_shape_elements(node: &Node, errs: &mut Vec<String>) {
    for k in &node.kids {
        if k.name == SIGNATURE {
            continue;
        }
        if OLD_SHAPE.contains(&k.name.as_str()) {
            errs.push(format!(
                "<{}> found inside <{}>: an element of the claim envelope or of the legacy CHECKIN table, \
                 not of XML0",
                k.name, node.name
            ));
        }
        old_shape_elements(k, errs);
    }
}

/// Only namespace declarations for prefixes (`xmlns:xsi`, `xmlns:xsd`) and an empty default namespace are
/// allowed: `XmlRoot("CHI_TIEU_TRANG_THAI_KCB")` has no namespace.
fn check_attrs(node: &Node, errs: &mut Vec<String>) {
    for (key, value) in &node.attrs {
        if key == "xmlns" && !value.is_empty() {
            errs.push(format!("<{}> declares the default namespace \"{value}\"; XML0 has none", node.name));
        } else if key != "xmlns" && !key.starts_with("xmlns:") {
            errs.push(format!("<{}> has an unexpected attribute {key}", node.name));
        }
    }
}

/// The rules of one row (spec §3.4); `n` is its 1-based position in the file.
fn check_row(n: usize, row: &Node, errs: &mut Vec<String>) {
    let mut e = |msg: String| errs.push(format!("row {n}: {msg}"));
    if row.text.contains(|c: char| !c.is_whitespace()) {
        e(format!("<{ROW}> holds text outside its fields"));
    }
    if !row.attrs.is_empty() {
        e(format!("<{ROW}> has attributes; it has none"));
    }

    // Field list: each of the 26 once, in order, nothing else.
    let known = |name: &str| FIELDS.iter().position(|(f, _)| *f == name);
    for k in &row.kids {
        if known(&k.name).is_none() {
            e(format!("unexpected element <{}> (not one of the 26 QĐ 4750 fields)", k.name));
        }
        if !k.kids.is_empty() {
            e(format!("{} contains child elements; a field holds text only", k.name));
        }
    }
    for (f, _) in FIELDS {
        match row.count(f) {
            0 => e(format!("{f} is missing")),
            1 => {}
            c => e(format!("{f} appears {c} times, expected once")),
        }
    }
    let positions: Vec<(usize, &str)> =
        row.kids.iter().filter_map(|k| known(&k.name).map(|p| (p, k.name.as_str()))).collect();
    if let Some(w) = positions.windows(2).find(|w| w[1].0 < w[0].0) {
        e(format!("fields out of QĐ 4750 order: {} comes after {}", w[1].1, w[0].1));
    }

    let field = |f: &str| row.kid(f);
    let v = |f: &str| field(f).map(|k| k.text.as_str()).unwrap_or("");
    let set = |f: &str| !v(f).trim().is_empty();
    // A present-but-empty field (a missing one is already reported).
    let empty = |f: &str| field(f).is_some() && !set(f);

    for (f, max) in FIELDS {
        let len = v(f).chars().count();
        if len > max {
            e(format!("{f} is {len} characters, over the maximum of {max}"));
        }
    }
    for f in MANDATORY {
        if empty(f) {
            e(format!("{f} is empty (mandatory)"));
        }
    }
    if empty("MA_DICH_VU") && !set("MA_THUOC") && !set("MA_VAT_TU") {
        e("MA_DICH_VU is empty while MA_THUOC and MA_VAT_TU are empty (one first service, drug or \
           supply code is required)"
            .to_string());
    }
    for (code, name) in
        [("MA_DICH_VU", "TEN_DICH_VU"), ("MA_THUOC", "TEN_THUOC"), ("MA_VAT_TU", "TEN_VAT_TU")]
    {
        if set(code) && empty(name) {
            e(format!("{name} is empty while {code} is set"));
        }
    }
    if set("NGAY_VAO_NOI_TRU") && empty("LY_DO_VNT") {
        e("LY_DO_VNT is empty while NGAY_VAO_NOI_TRU is set".to_string());
    }

    // STT: an integer, 1..n in file order.
    let stt = v("STT");
    if !stt.is_empty() {
        match stt.parse::<u64>() {
            Ok(s) if stt.bytes().all(|b| b.is_ascii_digit()) => {
                if s != n as u64 {
                    e(format!("STT is {s}, expected {n} (STT runs 1..n in file order)"));
                }
            }
            _ => e(format!("STT '{stt}' is not an integer")),
        }
    }
    let gioi = v("GIOI_TINH");
    if !gioi.is_empty() && !matches!(gioi, "1" | "2" | "3") {
        e(format!("GIOI_TINH '{gioi}' is not 1, 2 or 3"));
    }

    // Dates and times.
    let ngay_sinh = v("NGAY_SINH");
    if !ngay_sinh.is_empty() && !birth_ok(ngay_sinh) {
        e(format!(
            "NGAY_SINH '{ngay_sinh}' is not yyyyMMddHHmm (a real date, or month+day 0000 for a year-only \
             or day 00 for a month-only birth date)"
        ));
    }
    for f in ["NGAY_VAO", "NGAY_YL", "NGAY_VAO_NOI_TRU"] {
        let d = v(f);
        if !d.is_empty() && !datetime_ok(d) {
            e(format!("{f} '{d}' is not a real date-time yyyyMMddHHmm"));
        }
    }
    let ngay_vao = v("NGAY_VAO");
    let vao_ok = datetime_ok(ngay_vao);
    let vnt = v("NGAY_VAO_NOI_TRU");
    if vao_ok && datetime_ok(vnt) && vnt < ngay_vao {
        e(format!("NGAY_VAO_NOI_TRU {vnt} is before NGAY_VAO {ngay_vao}"));
    }
    if vao_ok && birth_ok(ngay_sinh) && ngay_sinh > ngay_vao {
        e(format!("NGAY_SINH {ngay_sinh} is after NGAY_VAO {ngay_vao}"));
    }
    for f in ["GT_THE_TU", "GT_THE_DEN"] {
        let d = v(f);
        if !d.is_empty() && !date_ok(d) {
            e(format!("{f} '{d}' is not a real date yyyyMMdd"));
        }
    }
    let (tu, den) = (v("GT_THE_TU"), v("GT_THE_DEN"));
    if date_ok(tu) && date_ok(den) && tu > den {
        e(format!("GT_THE_TU {tu} is after GT_THE_DEN {den}"));
    }

    // Identity and facility codes.
    let cccd = v("SO_CCCD");
    if !cccd.is_empty() && !cccd_ok(cccd) {
        e(format!(
            "SO_CCCD '{cccd}' is neither 9 or 12 digits nor a passport number (capital letter + 7 digits)"
        ));
    }
    for f in ["MA_CSKCB", "MA_DKBD"] {
        let c = v(f);
        if !c.is_empty() && c.chars().count() != 5 {
            e(format!("{f} '{c}' is not 5 characters"));
        }
    }
    let loai = v("MA_LOAI_KCB");
    if !loai.is_empty() {
        let new_list = !vao_ok || ngay_vao >= LOAI_KCB_1804_FROM;
        let top = if new_list { 16 } else { 9 };
        let ok = loai.len() == 2 && loai.bytes().all(|b| b.is_ascii_digit()) && {
            let x: u32 = loai.parse().unwrap_or(0);
            (1..=top).contains(&x)
        };
        if !ok {
            let list =
                if new_list { "01–16 (QĐ 1804, from 2026-08-01)" } else { "01–09 (before 2026-08-01)" };
            e(format!("MA_LOAI_KCB '{loai}' is not in the list {list}"));
        }
    }

    // The visit category by date.
    let doi_tuong = v("MA_DOITUONG_KCB");
    if !doi_tuong.is_empty() {
        if !vao_ok || ngay_vao >= DOI_TUONG_FROM {
            if !DOI_TUONG_3276.contains(&doi_tuong) {
                e(format!(
                    "MA_DOITUONG_KCB '{doi_tuong}' is not a QĐ 3276 PL1 code (in force for NGAY_VAO from \
                     2025-01-01)"
                ));
            }
        } else if !category_shape(doi_tuong) {
            e(format!("MA_DOITUONG_KCB '{doi_tuong}' is not a category code (digits[.digits])"));
        }
    }

    // The card.
    let the = v("MA_THE_BHYT");
    if !the.is_empty() && !card_ok(the) {
        e(format!(
            "MA_THE_BHYT '{the}' is not a 15-character card code (2 capital letters, a digit, 12 letters or \
             digits)"
        ));
    }
    let card_fields = ["MA_THE_BHYT", "MA_DKBD", "GT_THE_TU", "GT_THE_DEN"];
    if doi_tuong.trim() == "9" {
        for f in card_fields {
            if set(f) {
                e(format!("{f} must be empty when MA_DOITUONG_KCB is 9 (not BHYT)"));
            }
        }
    } else {
        if set("MA_DOITUONG_KCB") && empty("MA_THE_BHYT") {
            e(format!(
                "MA_THE_BHYT is empty but MA_DOITUONG_KCB '{doi_tuong}' is a BHYT visit (only 9 goes \
                 without a card)"
            ));
        }
        if set("MA_THE_BHYT") {
            for f in ["MA_DKBD", "GT_THE_TU"] {
                if empty(f) {
                    e(format!("{f} is empty but a card is set (required with MA_THE_BHYT)"));
                }
            }
            let group = the.get(..2).unwrap_or("");
            if empty("GT_THE_DEN") && !NO_END_GROUPS.contains(&group) {
                e(format!(
                    "GT_THE_DEN is empty on a {group} card (only QN/HC/LS/XK/CY/CA cards may have no end \
                     date)"
                ));
            }
        }
    }

    // Masked ids.
    for f in UNMASKED {
        if v(f).contains('*') {
            e(format!("{f} is masked ('{}'); the file carries the full id", v(f)));
        }
    }

    // CDATA text fields.
    for f in CDATA_FIELDS {
        if let Some(k) = field(f)
            && !k.text.is_empty()
            && (k.starts_with_cdata != Some(true) || k.text_outside_cdata)
        {
            e(format!("{f} is not a CDATA section (HISPRO reads it as XmlCDataSection)"));
        }
    }
}

/// `n` ASCII digits exactly.
fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// The number in an all-ASCII-digit string (0 otherwise).
fn num(s: &str) -> u32 {
    s.parse().unwrap_or(0)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

/// `yyyyMMdd`, a real calendar date.
fn date_ok(s: &str) -> bool {
    if !digits(s, 8) {
        return false;
    }
    let (y, m, d) = (num(&s[..4]), num(&s[4..6]), num(&s[6..8]));
    y >= 1 && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

/// `HHmm`, 0000–2359.
fn time_ok(s: &str) -> bool {
    digits(s, 4) && num(&s[..2]) <= 23 && num(&s[2..]) <= 59
}

/// `yyyyMMddHHmm`, a real date-time.
fn datetime_ok(s: &str) -> bool {
    digits(s, 12) && date_ok(&s[..8]) && time_ok(&s[8..])
}

/// `yyyyMMddHHmm` for a birth: a real date, or year-only (`MMdd` = `0000`), or month-only (`dd` = `00`).
fn birth_ok(s: &str) -> bool {
    if !digits(s, 12) || !time_ok(&s[8..]) {
        return false;
    }
    let (y, m, d) = (num(&s[..4]), num(&s[4..6]), num(&s[6..8]));
    y >= 1
        && match (m, d) {
            (0, 0) => true,
            (0, _) => false,
            (1..=12, 0) => true,
            _ => date_ok(&s[..8]),
        }
}

/// 9 or 12 digits, or a passport number: a capital letter and 7 digits.
fn cccd_ok(s: &str) -> bool {
    digits(s, 9)
        || digits(s, 12)
        || (s.len() == 8 && s.as_bytes()[0].is_ascii_uppercase() && digits(&s[1..], 7))
}

/// 2 capital letters, a digit, then 12 letters or digits (15 characters).
fn card_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 15
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2].is_ascii_digit()
        && b[3..].iter().all(u8::is_ascii_alphanumeric)
}

/// `digits` or `digits.digits`.
fn category_shape(s: &str) -> bool {
    let mut parts = s.split('.');
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let head = parts.next().is_some_and(all_digits);
    let tail = match parts.next() {
        None => true,
        Some(p) => all_digits(p),
    };
    head && tail && parts.next().is_none()
}

/// One check-in row as a C# HIS reads it (`Qd130CheckIn`: `STT` and `GIOI_TINH` are `int`, the rest
/// `string`).
/// Mandatory fields must be present; the optional ones default to empty when absent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TrangThaiKcb {
    #[serde(rename = "MA_LK")]
    pub ma_lk: String,
    #[serde(rename = "STT")]
    pub stt: u32,
    #[serde(rename = "MA_BN")]
    pub ma_bn: String,
    #[serde(rename = "HO_TEN")]
    pub ho_ten: String,
    #[serde(rename = "SO_CCCD", default)]
    pub so_cccd: String,
    #[serde(rename = "NGAY_SINH")]
    pub ngay_sinh: String,
    #[serde(rename = "GIOI_TINH")]
    pub gioi_tinh: u8,
    #[serde(rename = "MA_THE_BHYT", default)]
    pub ma_the_bhyt: String,
    #[serde(rename = "MA_DKBD", default)]
    pub ma_dkbd: String,
    #[serde(rename = "GT_THE_TU", default)]
    pub gt_the_tu: String,
    #[serde(rename = "GT_THE_DEN", default)]
    pub gt_the_den: String,
    #[serde(rename = "MA_DOITUONG_KCB")]
    pub ma_doituong_kcb: String,
    #[serde(rename = "NGAY_VAO")]
    pub ngay_vao: String,
    #[serde(rename = "NGAY_VAO_NOI_TRU", default)]
    pub ngay_vao_noi_tru: String,
    #[serde(rename = "LY_DO_VNT", default)]
    pub ly_do_vnt: String,
    #[serde(rename = "MA_LY_DO_VNT", default)]
    pub ma_ly_do_vnt: String,
    #[serde(rename = "MA_LOAI_KCB")]
    pub ma_loai_kcb: String,
    #[serde(rename = "MA_CSKCB")]
    pub ma_cskcb: String,
    #[serde(rename = "MA_DICH_VU", default)]
    pub ma_dich_vu: String,
    #[serde(rename = "TEN_DICH_VU", default)]
    pub ten_dich_vu: String,
    #[serde(rename = "MA_THUOC", default)]
    pub ma_thuoc: String,
    #[serde(rename = "TEN_THUOC", default)]
    pub ten_thuoc: String,
    #[serde(rename = "MA_VAT_TU", default)]
    pub ma_vat_tu: String,
    #[serde(rename = "TEN_VAT_TU", default)]
    pub ten_vat_tu: String,
    #[serde(rename = "NGAY_YL")]
    pub ngay_yl: String,
    #[serde(rename = "DU_PHONG", default)]
    pub du_phong: String,
}

/// `<DSACH_TRANG_THAI_KCB>`: the rows (`List<Qd130CheckIn>`).
#[derive(Debug, Deserialize)]
pub struct DsachTrangThaiKcb {
    #[serde(rename = "TRANG_THAI_KCB", default)]
    pub rows: Vec<TrangThaiKcb>,
}

/// `<CHUKYDONVI>`: the facility signature; its content is not interpreted.
#[derive(Debug, Deserialize)]
pub struct ChuKyDonVi {}

/// `[XmlRoot("CHI_TIEU_TRANG_THAI_KCB")]`: the list, then the signature.
#[derive(Debug, Deserialize)]
pub struct ChiTieuTrangThaiKcb {
    #[serde(rename = "DSACH_TRANG_THAI_KCB")]
    pub dsach: DsachTrangThaiKcb,
    #[serde(rename = "CHUKYDONVI", default)]
    pub chukydonvi: Option<ChuKyDonVi>,
}

/// Reads the file as a C# HIS's `XmlSerializer` would: the root must be `CHI_TIEU_TRANG_THAI_KCB`, and an
/// empty or non-numeric `STT` / `GIOI_TINH` fails as `int` parsing does. Returns the rows in file order.
pub fn read_strict(xml: &str) -> Result<Vec<TrangThaiKcb>, String> {
    let mut reader = Reader::from_str(xml);
    let root = loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                break String::from_utf8_lossy(e.name().as_ref()).into_owned();
            }
            Ok(Event::Eof) => return Err("no root element".to_string()),
            Ok(_) => {}
            Err(e) => return Err(format!("not XML: {e}")),
        }
    };
    if root != ROOT {
        return Err(format!("<{root} xmlns=''> was not expected (XmlRoot is {ROOT})"));
    }
    let doc: ChiTieuTrangThaiKcb = quick_xml::de::from_str(xml).map_err(|e| e.to_string())?;
    Ok(doc.dsach.rows)
}
