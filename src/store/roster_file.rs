//! Roster files of every shape a clinic has (spec `roster-sources.md`): Excel (`.xlsx/.xlsm` streamed,
//! `.xls/.xlsb/.ods` read whole within a size bound), CSV/TSV with `,` `;` or TAB (non-UTF-8 text refused
//! once, with the fix), the clinic's own XML 130 claim files (XML1 `TONG_HOP`), and exports of cached
//! gateway answers. A table's header is found in its first 30 rows (two merged rows joined), matched
//! against Vietnamese and HIS aliases, or mapped with `--map`; every value is normalised (Excel's lost
//! leading zeros, every date form, sex codes checked against the citizen id) into the canonical roster
//! columns, which `roster_csv` then validates as for any CSV.

use super::StoreError;
use super::roster_csv::COLUMNS;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Rows searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 30;
/// Data rows read ahead to check a sex coding against the citizen ids.
pub const SAMPLE_ROWS: usize = 2_000;
/// Largest `.xls`/`.xlsb`/`.ods` read whole (an `.xlsx` is streamed).
pub const MAX_WHOLE_BYTES: u64 = 50 << 20;

/// Where a roster row comes from (kept on the row; `--replace` replaces one source only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// BHXH's quarterly list of the cards registered here (up to ~100 days old at quarter end).
    VssList,
    /// The clinic's own XML 130 claim files.
    Claims,
    /// The clinic's HIS patient or registration export.
    His,
    /// Cached answers of the BHXH gateway.
    Gateway,
    /// tiepdon's own roster CSV.
    Csv,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::VssList => "vss-list",
            Origin::Claims => "claims",
            Origin::His => "his",
            Origin::Gateway => "gateway",
            Origin::Csv => "csv",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        [Origin::VssList, Origin::Claims, Origin::His, Origin::Gateway, Origin::Csv]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    /// Days after which this source's data is too old to decide alone: BHXH's quarterly list arrives by
    /// day 10 of a quarter and is replaced by day 10 of the next, so it may be ~100 days old and still
    /// the newest there is.
    pub fn stale_limit(self, clinic_limit: i64) -> i64 {
        if self == Origin::VssList { clinic_limit.max(105) } else { clinic_limit }
    }
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    /// A date-formatted Excel cell.
    Date(NaiveDate),
}

impl Value {
    pub fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) => s.trim().to_string(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::Date(d) => crate::card::date::iso(*d),
        }
    }
}

/// What a column of the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A canonical column (index into `roster_csv::COLUMNS`).
    Column(usize),
    /// The family and middle names of a name split over two columns.
    NameFirst,
    /// The given name of a name split over two columns.
    NameLast,
    /// A validity range in one cell (`dd/MM/yyyy - dd/MM/yyyy`).
    ValidRange,
    /// Known, and not needed.
    Ignore,
}

fn col(name: &str) -> Target {
    Target::Column(COLUMNS.iter().position(|c| *c == name).unwrap_or(0))
}

/// A header made comparable: NFC, lower case, `đ` → `d`, diacritics and everything but letters and
/// digits removed.
pub fn norm(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The aliases of each column (spec §9.2), normalised once.
fn aliases() -> &'static HashMap<String, Target> {
    static TABLE: OnceLock<HashMap<String, Target>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let groups: [(Target, &[&str]); 17] = [
            (
                col("card_number"),
                &[
                    "card_number",
                    "MA_THE_BHYT",
                    "MA_THE",
                    "Mã thẻ BHYT",
                    "Mã thẻ",
                    "Số thẻ",
                    "Số thẻ BHYT",
                    "Mã số BHYT",
                    "Mã BHYT",
                    "sothe",
                    "mathe",
                    "tdl_hein_card_number",
                    "hein_card_number",
                    "Thẻ BHYT",
                ],
            ),
            (
                col("bhxh_number"),
                &[
                    "bhxh_number",
                    "Mã số BHXH",
                    "maSoBHXH",
                    "maso_bhxh",
                    "Mã BHXH",
                    "Mã số BHXH / BHYT",
                    "Số BHXH",
                    "MA_SO_BHXH",
                ],
            ),
            (
                col("citizen_id"),
                &[
                    "citizen_id",
                    "SO_CCCD",
                    "Số CCCD",
                    "CCCD",
                    "Số CMND / Căn cước",
                    "CCCD/CMND",
                    "Số CMND/CCCD",
                    "Số định danh cá nhân",
                    "cmnd",
                    "Căn cước",
                    "Số căn cước",
                    "Mã định danh",
                ],
            ),
            (
                col("full_name"),
                &[
                    "full_name",
                    "HO_TEN",
                    "Họ và tên",
                    "Họ tên",
                    "Họ và tên thành viên",
                    "Tên BN",
                    "hoten",
                    "tdl_patient_name",
                    "Tên bệnh nhân",
                    "Họ tên bệnh nhân",
                    "Họ và tên người bệnh",
                ],
            ),
            (
                col("birth_date"),
                &[
                    "birth_date",
                    "NGAY_SINH",
                    "Ngày sinh",
                    "Ngày tháng năm sinh",
                    "NSinh",
                    "ngaysinh",
                    "tdl_patient_dob",
                    "Năm sinh",
                    "namsinh",
                ],
            ),
            (
                col("sex"),
                &[
                    "sex",
                    "GIOI_TINH",
                    "Giới tính",
                    "Phái",
                    "phai",
                    "gender_code",
                    "tdl_patient_gender_id",
                    "Giới",
                ],
            ),
            (
                col("address"),
                &["address", "DIA_CHI", "Địa chỉ", "Địa chỉ BHYT", "ĐC thẻ BHTY", "diachi", "Địa chỉ thẻ"],
            ),
            (
                col("facility_code"),
                &[
                    "facility_code",
                    "MA_DKBD",
                    "Mã ĐKBĐ",
                    "Nơi ĐKBĐ",
                    "Mã KCB BĐ",
                    "Mã nơi ĐKBĐ",
                    "Nơi ĐKKCB ban đầu",
                    "Nơi ĐKKCB BĐ",
                    "ĐKKCB BĐ",
                    "mabvdk",
                    "mabv",
                    "tdl_hein_medi_org_code",
                    "hein_medi_org_code",
                    "NOIDANGKYBANDAU",
                    "Mã nơi ĐKKCB",
                    "Nơi đăng ký KCB ban đầu",
                ],
            ),
            (
                col("valid_from"),
                &[
                    "valid_from",
                    "GT_THE_TU",
                    "Giá trị thẻ từ",
                    "Thẻ giá trị từ",
                    "GT thẻ từ",
                    "GT từ",
                    "Giá trị từ",
                    "Hạn thẻ từ",
                    "HSD từ ngày",
                    "Từ ngày",
                    "Ngày BĐ",
                    "BHYT Từ ngày",
                    "tungay",
                    "NGAYBATDAU_THEBHYT",
                    "tdl_hein_card_from_time",
                    "Giá trị sử dụng từ ngày",
                    "Hạn sử dụng từ ngày",
                ],
            ),
            (
                col("valid_to"),
                &[
                    "valid_to",
                    "GT_THE_DEN",
                    "Giá trị thẻ đến",
                    "Thẻ giá trị đến",
                    "GT thẻ đến",
                    "GT đến",
                    "Giá trị đến",
                    "Hạn thẻ đến",
                    "HSD đến ngày",
                    "Đến ngày",
                    "Ngày KT",
                    "BHYT Đến ngày",
                    "denngay",
                    "NGAYHETHAN_THEBHYT",
                    "tdl_hein_card_to_time",
                    "Giá trị sử dụng đến ngày",
                    "Hạn sử dụng đến ngày",
                    "Hạn thẻ",
                ],
            ),
            (
                col("five_year_date"),
                &[
                    "five_year_date",
                    "NAM_NAM_LIEN_TUC",
                    "ngayDu5Nam",
                    "ngay_du5nam",
                    "Ngày đủ 5 năm",
                    "Thời điểm đủ 5 năm liên tục",
                    "Thời điểm 5 năm liên tục",
                    "Đủ 5 năm",
                    "ngay5nam",
                ],
            ),
            (
                col("status"),
                &[
                    "status",
                    "maKetQua",
                    "ma_ketqua",
                    "Mã kết quả",
                    "Trạng thái thẻ",
                    "trangThaiThe",
                    "Kết quả tra cứu",
                ],
            ),
            (col("replaced_by"), &["replaced_by", "maTheMoi", "ma_the_moi", "Thẻ mới"]),
            (
                col("as_of"),
                &["as_of", "Thời gian tra cứu", "updated_at", "NGAY_VAO", "Ngày khám", "Ngày tra cứu"],
            ),
            (Target::NameFirst, &["holot", "Họ đệm", "Họ lót", "Họ", "Họ và chữ đệm"]),
            (Target::ValidRange, &["Giá trị sử dụng", "Hạn sử dụng", "Thời hạn sử dụng"]),
            (
                Target::Ignore,
                &[
                    "STT",
                    "Mã BN",
                    "MA_BN",
                    "mabn",
                    "Mã LK",
                    "MA_LK",
                    "Cơ quan BHXH",
                    "cqBHXH",
                    "Mã khu vực",
                    "maKV",
                    "MA_KHUVUC",
                    "Thẻ cũ",
                    "Nơi ĐKBĐ mới",
                    "Tên nơi ĐKBĐ mới",
                    "Thẻ mới giá trị từ",
                    "Thẻ mới giá trị đến",
                    "Ghi chú",
                    "Mã bệnh",
                    "Điện thoại",
                    "Mã hồ sơ",
                    "Cơ sở KCB",
                    "Mã tra cứu",
                    "Mã kiểm tra",
                    "Số điện thoại",
                    "Dân tộc",
                    "Nghề nghiệp",
                    "STT Hộ",
                    "STT Thành viên",
                    "Mối quan hệ với chủ hộ",
                    "Tổ / Cụm cư trú",
                    "Trạng thái BHYT",
                    "Tên nơi ĐKBĐ",
                    "Tên cơ sở ĐKBĐ",
                ],
            ),
        ];
        let mut table = HashMap::new();
        for (target, names) in groups {
            for name in names {
                table.insert(norm(name), target);
            }
        }
        table.insert("ten".into(), Target::NameLast);
        table
    })
}

/// What a header cell names, when an alias matches it exactly (after [`norm`]).
pub fn alias(header: &str) -> Option<Target> {
    aliases().get(&norm(header)).copied()
}

fn is_id(t: Target) -> bool {
    matches!(t, Target::Column(0..=2))
}

/// How numeric sex codes read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SexCodes {
    pub male: String,
    pub female: String,
}

/// A table's layout: where its header is, what each column holds.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The first data row (0-based, in the rows given to [`detect`]).
    pub first_data_row: usize,
    /// The header's names (two merged rows joined), one per column.
    pub names: Vec<String>,
    pub targets: Vec<Option<Target>>,
    /// Numeric sex codes, when the sex column holds numbers.
    pub sex_codes: Option<SexCodes>,
}

impl Layout {
    /// The header's columns that no alias or mapping names.
    pub fn unknown(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.targets)
            .filter(|(n, t)| t.is_none() && !n.is_empty())
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// A signature of the header (its normalised names), to remember a confirmed mapping by.
    pub fn signature(&self) -> String {
        crate::store::audit::sha256_hex(
            self.names.iter().map(|n| norm(n)).collect::<Vec<_>>().join("|").as_bytes(),
        )
    }

    fn column_of(&self, target: Target) -> Option<usize> {
        self.targets.iter().position(|t| *t == Some(target))
    }
}

fn hits(row: &[Value]) -> (usize, bool) {
    let mut n = 0;
    let mut id = false;
    for t in row.iter().filter_map(|v| alias(&v.text())) {
        if t != Target::Ignore {
            n += 1;
        }
        id |= is_id(t);
    }
    (n, id)
}

/// Finds the header in the first [`HEADER_SEARCH_ROWS`] rows (the row with the most alias hits, at least
/// two and one of them an id column) and joins a second header row under merged cells
/// (`Giá trị sử dụng` over `Từ ngày` / `Đến ngày`). `None` when no row qualifies.
pub fn detect(rows: &[Vec<Value>]) -> Option<Layout> {
    let (at, _) = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(i, r)| (i, hits(r)))
        .filter(|(_, (n, id))| *n >= 2 && *id)
        .max_by_key(|(i, (n, _))| (*n, std::cmp::Reverse(*i)))?;
    let top: Vec<String> = rows[at].iter().map(Value::text).collect();
    let sub: Vec<String> = rows.get(at + 1).map(|r| r.iter().map(Value::text).collect()).unwrap_or_default();
    let width = top.len().max(sub.len());
    // The text over each column: a merged cell's text is in its first cell only.
    let mut over = Vec::with_capacity(width);
    let mut last = String::new();
    for i in 0..width {
        let t = top.get(i).cloned().unwrap_or_default();
        if !t.is_empty() {
            last = t.clone();
        }
        over.push(if t.is_empty() { last.clone() } else { t });
    }
    let sub_helps = (0..width).any(|i| {
        let s = sub.get(i).map(String::as_str).unwrap_or_default();
        !s.is_empty()
            && alias(top.get(i).map(String::as_str).unwrap_or_default())
                .is_none_or(|t| t == Target::ValidRange)
            && (alias(s).is_some() || alias(&format!("{} {s}", over[i])).is_some())
    }) && sub
        .iter()
        .all(|s| s.is_empty() || alias(s).is_some() || s.chars().all(|c| !c.is_ascii_digit()));
    let mut names = Vec::with_capacity(width);
    let mut targets = Vec::with_capacity(width);
    for (i, above) in over.iter().enumerate() {
        let t = top.get(i).cloned().unwrap_or_default();
        let s = if sub_helps { sub.get(i).cloned().unwrap_or_default() } else { String::new() };
        let (name, target) = if s.is_empty() {
            (t.clone(), alias(&t))
        } else {
            let joined = format!("{above} {s}");
            match (alias(&joined), alias(&s)) {
                (Some(x), _) => (joined, Some(x)),
                (None, Some(x)) => (joined, Some(x)),
                (None, None) => (joined, None),
            }
        };
        names.push(name);
        targets.push(target);
    }
    // A name split over `Họ` + `Tên`: `Tên` alone is the given name only beside a family-name column.
    if !targets.contains(&Some(Target::NameFirst)) {
        for t in targets.iter_mut().filter(|t| **t == Some(Target::NameLast)) {
            *t = None;
        }
    }
    // Repeated targets: keep the first (a second "Thẻ mới giá trị từ" never overrides `Từ ngày`).
    let mut seen = Vec::new();
    for t in targets.iter_mut() {
        if let Some(x) = *t
            && x != Target::Ignore
        {
            if seen.contains(&x) {
                *t = Some(Target::Ignore);
            } else {
                seen.push(x);
            }
        }
    }
    Some(Layout { first_data_row: at + 1 + usize::from(sub_helps), names, targets, sex_codes: None })
}

/// Applies `--map "Header=column[:1=Nữ,2=Nam]"` (the header as printed by `inspect-roster`, compared
/// normalised; `ignore` to leave a column out; `name_first`, `name_last`, `valid_range` for split names
/// and range cells). A header that is not in the file is refused.
pub fn apply_map(layout: &mut Layout, map: &[String]) -> Result<(), StoreError> {
    for entry in map {
        let (header, what) = entry.split_once('=').ok_or_else(|| bad_map(entry))?;
        let (field, codes) = match what.split_once(':') {
            Some((f, c)) => (f.trim(), Some(c)),
            None => (what.trim(), None),
        };
        let target = match field {
            "ignore" => Target::Ignore,
            "name_first" => Target::NameFirst,
            "name_last" => Target::NameLast,
            "valid_range" => Target::ValidRange,
            f => Target::Column(COLUMNS.iter().position(|c| *c == f).ok_or_else(|| bad_map(entry))?),
        };
        let i = layout.names.iter().position(|n| norm(n) == norm(header)).ok_or_else(|| {
            StoreError::invalid(
                format!("--map: tệp không có cột “{}”. Các cột: {}", header.trim(), layout.names.join(", ")),
                format!(
                    "--map: the file has no column “{}”. Columns: {}",
                    header.trim(),
                    layout.names.join(", ")
                ),
            )
        })?;
        for t in layout.targets.iter_mut() {
            if *t == Some(target) && target != Target::Ignore {
                *t = None;
            }
        }
        layout.targets[i] = Some(target);
        if let Some(codes) = codes {
            let mut m = SexCodes { male: String::new(), female: String::new() };
            for pair in codes.split(',') {
                let (code, sex) = pair.split_once('=').ok_or_else(|| bad_map(entry))?;
                match sex_word(sex) {
                    Some(true) => m.male = code.trim().to_string(),
                    Some(false) => m.female = code.trim().to_string(),
                    None => return Err(bad_map(entry)),
                }
            }
            if m.male.is_empty() || m.female.is_empty() {
                return Err(bad_map(entry));
            }
            layout.sex_codes = Some(m);
        }
    }
    Ok(())
}

fn bad_map(entry: &str) -> StoreError {
    StoreError::invalid(
        format!(
            "--map “{entry}” không đúng dạng “Tên cột=cột” (vd. “Số thẻ=card_number”, “Giới tính=sex:1=Nữ,2=Nam”)."
        ),
        format!(
            "--map “{entry}” is not “Header=column” (e.g. “Số thẻ=card_number”, “Giới tính=sex:1=Nữ,2=Nam”)."
        ),
    )
}

/// `Some(true)` for a male word, `Some(false)` for a female one.
fn sex_word(s: &str) -> Option<bool> {
    match norm(s).as_str() {
        "nam" | "m" | "male" => Some(true),
        "nu" | "f" | "female" => Some(false),
        _ => None,
    }
}

/// Whether the sex column holds numbers (which need a code map).
fn numeric(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())
}

/// The citizen id's sex (its 4th digit: even male, odd female).
fn id_male(id: &str) -> Option<bool> {
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (id.as_bytes()[3] - b'0').is_multiple_of(2))
}

/// Settles how a numeric sex column reads, never by guessing: the map given, or 1 = Nam, 2 = Nữ under a
/// BYT-coded header (`GIOI_TINH`, `gioiTinh`) — then checked against the citizen ids of the sample rows:
/// 95 % agreement accepts it, 95 % disagreement refuses it naming the reversed map, anything between is
/// refused. Without citizen ids, only a map given or a BYT header is accepted.
pub fn settle_sex(layout: &mut Layout, sample: &[Vec<Value>]) -> Result<(), StoreError> {
    let Some(sex_col) = layout.column_of(col("sex")) else { return Ok(()) };
    let values: Vec<String> =
        sample.iter().map(|r| r.get(sex_col).map(Value::text).unwrap_or_default()).collect();
    if !values.iter().any(|v| numeric(v)) {
        return Ok(());
    }
    let header = layout.names[sex_col].clone();
    let byt = matches!(header.trim(), "GIOI_TINH" | "gioiTinh" | "gioi_tinh");
    let given = layout.sex_codes.is_some();
    let codes = layout.sex_codes.clone().unwrap_or(SexCodes { male: "1".into(), female: "2".into() });
    let ids = layout.column_of(col("citizen_id"));
    let (mut agree, mut disagree) = (0_usize, 0_usize);
    for (row, v) in sample.iter().zip(&values) {
        let id = ids.and_then(|i| row.get(i)).map(Value::text).unwrap_or_default();
        let id = if id.len() == 11 { format!("0{id}") } else { id };
        let read = if *v == codes.male {
            Some(true)
        } else if *v == codes.female {
            Some(false)
        } else {
            None
        };
        if let (Some(r), Some(m)) = (read, id_male(&id)) {
            if r == m { agree += 1 } else { disagree += 1 }
        }
    }
    let checked = agree + disagree;
    let reversed = format!("{header}=sex:{}=Nữ,{}=Nam", codes.male, codes.female);
    if checked >= 10 && disagree * 100 >= checked * 95 {
        return Err(StoreError::invalid(
            format!(
                "Cột “{header}”: mã giới tính ngược với số CCCD ở {disagree}/{checked} dòng ({}=Nam theo mặc định). Tệp này dùng {}=Nữ: nhập lại với --map \"{reversed}\".",
                codes.male, codes.male
            ),
            format!(
                "Column “{header}”: the sex codes contradict the citizen ids on {disagree} of {checked} rows (reading {}=Nam). This file codes {}=Nữ: import again with --map \"{reversed}\".",
                codes.male, codes.male
            ),
        ));
    }
    if checked >= 10 && agree * 100 >= checked * 95 {
        layout.sex_codes = Some(codes);
        return Ok(());
    }
    if checked < 10 && (given || byt) {
        layout.sex_codes = Some(codes);
        return Ok(());
    }
    Err(StoreError::invalid(
        format!(
            "Cột “{header}” ghi giới tính bằng số, và không kiểm được mã nào là Nam, mã nào là Nữ (CCCD khớp {agree}/{checked} dòng). Hãy ghi rõ, vd. --map \"{header}=sex:1=Nam,2=Nữ\"."
        ),
        format!(
            "Column “{header}” gives sex as numbers, and which code means Nam or Nữ cannot be checked (citizen ids agree on {agree} of {checked} rows). Say it, e.g. --map \"{header}=sex:1=Nam,2=Nữ\"."
        ),
    ))
}

/// A date in any form seen in roster files, as `YYYY-MM-DD`; for a birth date also `YYYY` (year only).
fn date_text(v: &Value, birth: bool) -> String {
    let s = match v {
        Value::Empty => return String::new(),
        Value::Date(d) => return crate::card::date::iso(*d),
        // A year, or an Excel serial date.
        Value::Number(n) if birth && (1900.0..=2100.0).contains(n) && n.fract() == 0.0 => {
            return format!("{n}");
        }
        Value::Number(n) if (1.0..=2_958_465.0).contains(n) && n.fract() == 0.0 && *n < 10_000_000.0 => {
            return NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|d| d.checked_add_days(chrono::Days::new(*n as u64)))
                .map(crate::card::date::iso)
                .unwrap_or_default();
        }
        other => other.text(),
    };
    let s = s.trim();
    if s == "-" || s.is_empty() {
        return String::new();
    }
    let digits = s.bytes().all(|b| b.is_ascii_digit());
    if digits && matches!(s.len(), 8 | 12 | 14) {
        let (y, m, d) = (&s[..4], &s[4..6], &s[6..8]);
        if birth && m == "00" {
            return y.to_string();
        }
        return format!("{y}-{m}-{d}");
    }
    // dd/MM/yyyy, d/M/yyyy, dd-MM-yyyy, dd.MM.yyyy (a time after it ignored).
    let day_part = s.split_whitespace().next().unwrap_or(s);
    let parts: Vec<&str> = day_part.split(['/', '-', '.']).collect();
    if parts.len() == 3 && parts[2].len() == 4 && parts[0].len() <= 2 && parts[1].len() <= 2 {
        let n = |p: &str| p.parse::<u32>().ok();
        if let (Some(d), Some(m), Some(y)) = (n(parts[0]), n(parts[1]), parts[2].parse::<i32>().ok())
            && let Some(date) = NaiveDate::from_ymd_opt(y, m, d)
        {
            return crate::card::date::iso(date);
        }
    }
    if parts.len() == 3 && parts[0].len() == 4 {
        return day_part.replace(['/', '.'], "-");
    }
    s.to_string()
}

/// Digits of an id cell with the leading zeros Excel dropped put back (`width` digits), or the text: a
/// number cell of at least `min_digits` digits always (Excel keeps no leading zero), a text of digits
/// when it lacks at most two.
fn id_text(v: &Value, width: usize, min_digits: usize) -> String {
    let s: String = v.text().chars().filter(|c| !matches!(c, ' ' | '-' | '.')).collect();
    if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() && s.len() < width {
        let lost = if matches!(v, Value::Number(_)) { s.len() >= min_digits } else { s.len() + 2 >= width };
        if lost {
            return format!("{s:0>width$}");
        }
    }
    s
}

/// A gateway result (code or the label HIS programs show) as a roster status; `None` for an answer
/// that is no fact about the card (no such card, wrong name, gateway error): the row is skipped.
fn gateway_status(v: &str) -> Option<String> {
    let code = v.trim();
    let by_code = match code {
        "000" | "001" | "002" | "010" => Some("active"),
        "003" | "004" => Some("replaced"),
        "110" => Some("revoked"),
        "120" => Some("reduced"),
        "121" => Some("reduced:121"),
        "122" => Some("reduced:122"),
        "123" => Some("reduced:123"),
        "124" => Some("reduced:124"),
        _ => None,
    };
    if let Some(s) = by_code {
        return Some(s.into());
    }
    if crate::store::roster::parse_status(code).is_some() {
        return Some(code.to_ascii_lowercase());
    }
    let n = norm(code);
    let status = if n.contains("thuhoi") {
        "revoked"
    } else if n.contains("baogiam") {
        if n.contains("ngoaitinh") {
            "reduced:121"
        } else if n.contains("noitinh") {
            "reduced:122"
        } else {
            "reduced"
        }
    } else if n.contains("capthemoi") {
        "replaced"
    } else if n.contains("hetgiatri") || n.contains("hople") || n.contains("chinhxac") {
        "active"
    } else {
        return None;
    };
    Some(status.into())
}

/// A row of the file in the canonical columns, or `None` for a row that is not data (empty, a row of
/// column numbers, a total, a gateway answer that says nothing about the card).
pub fn canonical(layout: &Layout, row: &[Value]) -> Option<[String; 14]> {
    // The row of column numbers or letters under an official form's header: `(1)`, `(2)`, … or A, B, …
    let marker = |v: &Value| match v {
        Value::Text(t) => {
            let t = t.trim().trim_start_matches('(').trim_end_matches(')');
            (!t.is_empty() && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit()))
                || (t.len() == 1 && t.bytes().all(|b| b.is_ascii_uppercase()))
        }
        Value::Number(n) => n.fract() == 0.0 && *n < 100.0,
        _ => true,
    };
    if row.iter().all(marker) {
        return None;
    }
    let mut out: [String; 14] = Default::default();
    let mut first = String::new();
    let mut last = String::new();
    let mut any = false;
    for (v, t) in row.iter().zip(&layout.targets) {
        let Some(t) = *t else { continue };
        if *v == Value::Empty {
            continue;
        }
        any = true;
        match t {
            Target::Ignore => {}
            Target::NameFirst => first = v.text(),
            Target::NameLast => last = v.text(),
            Target::ValidRange => {
                let text = v.text();
                let mut parts = text.split(['–', '—']).flat_map(|p| p.split(" - "));
                out[8] = date_text(&Value::Text(parts.next().unwrap_or_default().to_string()), false);
                out[9] = date_text(&Value::Text(parts.next().unwrap_or_default().to_string()), false);
            }
            Target::Column(k) => {
                out[k] = match COLUMNS[k] {
                    "card_number" | "replaced_by" => {
                        v.text().chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase()
                    }
                    "bhxh_number" => id_text(v, 10, 1),
                    "citizen_id" => {
                        // A number of 10–11 digits is a citizen id that lost its zeros; of 9, a CMND.
                        let id = id_text(v, 12, 10);
                        // A 9-digit CMND is no citizen id.
                        if id.len() == 9 { String::new() } else { id }
                    }
                    "facility_code" => {
                        let text = v.text();
                        let code = text
                            .split_once("Mã:")
                            .or_else(|| text.split_once("Mã :"))
                            .map_or(text.as_str(), |(_, c)| c);
                        let code: String =
                            code.chars().filter(|c| c.is_ascii_alphanumeric()).take(5).collect();
                        if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
                            format!("0{code}")
                        } else if code.len() == 5 {
                            code
                        } else {
                            text
                        }
                    }
                    "birth_date" => date_text(v, true),
                    "valid_from" | "valid_to" | "five_year_date" | "as_of" => date_text(v, false),
                    "sex" => {
                        let text = v.text();
                        match (&layout.sex_codes, sex_word(&text)) {
                            (_, Some(true)) => "male".into(),
                            (_, Some(false)) => "female".into(),
                            (Some(c), None) if text == c.male => "male".into(),
                            (Some(c), None) if text == c.female => "female".into(),
                            // 3, "Chưa xác định", "Khác": not known, which is no error.
                            (_, None)
                                if text == "3"
                                    || matches!(norm(&text).as_str(), "chuaxacdinh" | "khac" | "") =>
                            {
                                String::new()
                            }
                            _ => text,
                        }
                    }
                    "status" => gateway_status(&v.text())?,
                    _ => v.text(),
                };
            }
        }
    }
    if !first.is_empty() || !last.is_empty() {
        out[3] = format!("{first} {last}").trim().to_string();
    }
    // A 15-character card code in a BHXH column ("Mã số BHXH / BHYT").
    if out[1].len() == 15 && out[0].is_empty() {
        out[0] = std::mem::take(&mut out[1]).to_uppercase();
    }
    if !any || out[..3].iter().all(String::is_empty) {
        return None;
    }
    Some(out)
}

/// What kind of file a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `.xlsx`, `.xlsm`: streamed.
    Xlsx,
    /// `.xls`, `.xlsb`, `.ods`: read whole.
    Workbook,
    /// XML 130 claim files.
    Claims,
    /// CSV or TSV text.
    Text,
}

impl Kind {
    pub fn of(path: &Path) -> Kind {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("xlsx" | "xlsm") => Kind::Xlsx,
            Some("xls" | "xlsb" | "ods") => Kind::Workbook,
            Some("xml") => Kind::Claims,
            _ => Kind::Text,
        }
    }
}

/// Refuses text that is not UTF-8 (Excel's plain "CSV" is saved in the Windows code page: Windows-1258
/// in Vietnam; old files in TCVN3 or VNI), once for the whole file, with the fix.
pub fn check_utf8(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(4 << 20).read_to_end(&mut head))
        .map_err(|e| StoreError::io(path, e))?;
    match std::str::from_utf8(&head) {
        Ok(_) => Ok(()),
        // Cut in the middle of a character at the 4 MB mark: still UTF-8.
        Err(e) if e.error_len().is_none() => Ok(()),
        Err(_) => Err(StoreError::invalid(
            format!(
                "Tệp {} không phải văn bản UTF-8 (có lẽ Windows-1258, TCVN3 hoặc VNI): tên tiếng Việt sẽ bị hỏng. Trong Excel chọn Lưu thành “CSV UTF-8 (Comma delimited)”, hoặc đưa thẳng tệp .xlsx.",
                path.display()
            ),
            format!(
                "{} is not UTF-8 text (probably Windows-1258, TCVN3 or VNI): Vietnamese names would be garbled. In Excel, Save As “CSV UTF-8 (Comma delimited)”, or give the .xlsx itself.",
                path.display()
            ),
        )),
    }
}

/// The delimiter of a text table: the most frequent of `,` `;` TAB on its first line.
pub fn sniff_delimiter(path: &Path) -> u8 {
    use std::io::BufRead;
    let mut line = String::new();
    let _ = std::fs::File::open(path).map(std::io::BufReader::new).map(|mut r| r.read_line(&mut line));
    [b',', b';', b'\t'].into_iter().max_by_key(|d| line.bytes().filter(|b| b == d).count()).unwrap_or(b',')
}

/// Calendar date of an Excel date cell.
pub fn excel_date(d: &calamine::ExcelDateTime) -> Option<NaiveDate> {
    let (y, m, day, ..) = d.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(day))
}

/// A calamine cell as a [`Value`].
pub fn value(d: &calamine::Data) -> Value {
    use calamine::Data;
    match d {
        Data::Empty | Data::Error(_) => Value::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            if s.trim().is_empty() {
                Value::Empty
            } else {
                Value::Text(s.clone())
            }
        }
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Text(b.to_string()),
        Data::DateTime(d) => excel_date(d).map_or(Value::Empty, Value::Date),
    }
}

/// A streamed calamine cell as a [`Value`].
pub fn value_ref(d: &calamine::DataRef) -> Value {
    use calamine::DataRef;
    match d {
        DataRef::Empty | DataRef::Error(_) => Value::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            if s.trim().is_empty() {
                Value::Empty
            } else {
                Value::Text(s.clone())
            }
        }
        DataRef::SharedString(s) => {
            if s.trim().is_empty() {
                Value::Empty
            } else {
                Value::Text((*s).to_string())
            }
        }
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Bool(b) => Value::Text(b.to_string()),
        DataRef::DateTime(d) => excel_date(d).map_or(Value::Empty, Value::Date),
    }
}

/// The rows of every XML1 table in an XML 130 claim file (the `GIAMDINHHS` envelope with Base64 files,
/// or a bare `TONG_HOP`), as canonical rows: the last card of a `;`-joined list with its facility and
/// dates, the visit date as as-of; visits without a card are skipped.
pub fn claim_rows(text: &str) -> Result<Vec<[String; 14]>, String> {
    use base64::Engine;
    let doc = simple_xml(text)?;
    let mut tables: Vec<Vec<(String, String)>> = Vec::new();
    let mut inner_docs = Vec::new();
    for (path, value) in &doc {
        if path.ends_with("FILEHOSO/NOIDUNGFILE") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(value.split_whitespace().collect::<String>())
                .map_err(|e| format!("NOIDUNGFILE: {e}"))?;
            inner_docs.push(String::from_utf8(bytes).map_err(|_| "NOIDUNGFILE is not UTF-8".to_string())?);
        }
    }
    let is_xml1 = |d: &[(String, String)]| d.iter().any(|(p, _)| p.contains("TONG_HOP/"));
    if is_xml1(&doc) {
        tables.push(doc);
    }
    for inner in inner_docs {
        let d = simple_xml(&inner)?;
        if is_xml1(&d) {
            tables.push(d);
        }
    }
    let mut rows = Vec::new();
    for table in tables {
        let mut fields: HashMap<&str, &str> = HashMap::new();
        let flush = |fields: &mut HashMap<&str, &str>, rows: &mut Vec<[String; 14]>| {
            if let Some(r) = claim_row(fields) {
                rows.push(r);
            }
            fields.clear();
        };
        for (path, value) in &table {
            let Some((parent, name)) = path.rsplit_once('/') else { continue };
            if !parent.ends_with("TONG_HOP") {
                continue;
            }
            if name == "MA_LK" && !fields.is_empty() {
                flush(&mut fields, &mut rows);
            }
            fields.insert(name, value.as_str());
        }
        flush(&mut fields, &mut rows);
    }
    Ok(rows)
}

fn claim_row(f: &HashMap<&str, &str>) -> Option<[String; 14]> {
    let get = |k: &str| f.get(k).map(|v| v.trim()).unwrap_or_default();
    let cards: Vec<&str> =
        [get("MA_THE_BHYT"), get("MA_THE")].into_iter().find(|s| !s.is_empty())?.split(';').collect();
    let i = cards.len() - 1;
    let nth = |k: &str| {
        get(k)
            .split(';')
            .nth(i)
            .or_else(|| get(k).split(';').next_back())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let mut out: [String; 14] = Default::default();
    out[0] = cards[i].trim().to_uppercase();
    let id = get("SO_CCCD");
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        out[2] = id.to_string();
    }
    out[3] = get("HO_TEN").to_string();
    out[4] = date_text(&Value::Text(get("NGAY_SINH").to_string()), true);
    out[5] = match get("GIOI_TINH") {
        "1" => "male".into(),
        "2" => "female".into(),
        _ => String::new(),
    };
    out[6] = get("DIA_CHI").to_string();
    out[7] = nth("MA_DKBD");
    out[8] = date_text(&Value::Text(nth("GT_THE_TU")), false);
    out[9] = date_text(&Value::Text(nth("GT_THE_DEN")), false);
    out[10] = date_text(&Value::Text(get("NAM_NAM_LIEN_TUC").to_string()), false);
    out[13] = date_text(&Value::Text(get("NGAY_VAO").to_string()), false);
    (!out[0].is_empty()).then_some(out)
}

/// Every element's text with its path (`A/B/C`), in document order (CDATA and entities resolved).
fn simple_xml(text: &str) -> Result<Vec<(String, String)>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut current = String::new();
    loop {
        match reader.read_event().map_err(|e| format!("XML: {e}"))? {
            Event::Start(e) => {
                path.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                current.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                out.push((format!("{}/{name}", path.join("/")), String::new()));
            }
            Event::Text(t) => current.push_str(&t.decode().map_err(|e| format!("XML: {e}"))?),
            Event::CData(t) => current.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let entity = r.decode().map_err(|e| format!("XML: {e}"))?.into_owned();
                if let Some(c) = quick_xml::escape::resolve_predefined_entity(&entity) {
                    current.push_str(c);
                } else if let Ok(Some(c)) = r.resolve_char_ref() {
                    current.push(c);
                }
            }
            Event::End(_) => {
                out.push((path.join("/"), std::mem::take(&mut current)));
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Whether a table's first row is tiepdon's own CSV header (English canonical names).
pub fn is_canonical(names: &[&str]) -> bool {
    super::roster_csv::Header::parse(names).is_ok()
}
