//! Roster import from any file a clinic has (`roster_file`: tiepdon's CSV, other CSV/TSV, Excel, XML 130
//! claim files, gateway-cache exports): every row validated, all-or-nothing by default, or (`skip_bad`)
//! the good rows kept and the bad ones written to an owner-only reject file. Merge updates cards already
//! known; replace first drops the rows previously imported from the same source (cards learned from
//! scans, and other sources, stay).
//!
//! Speed: other threads read and validate (`import_pipeline`) while this one writes. Into an empty roster the indexes are
//! dropped and rebuilt once at the end (a sorted build beats a million random inserts); a card repeated
//! in the file then updates its first row, as a merge would.

use super::import_pipeline::{self, Emit, Item};
use super::roster_csv::{COLUMNS, Header, RosterRow};
use super::roster_file::{self, Kind, Layout, Origin, Value};
use super::{Context, Store, StoreError, audit};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, TransactionBehavior, params};
use serde::Serialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Add new cards, update known ones (the default).
    Merge,
    /// Drop the previously imported roster first.
    Replace,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// Keep the good rows and write the bad ones to `reject_file` instead of importing nothing.
    pub skip_bad: bool,
    pub reject_file: Option<PathBuf>,
    /// `as_of` for rows that leave it empty (default for a file other than tiepdon's CSV: the day the
    /// file was last written).
    pub default_as_of: Option<NaiveDate>,
    /// Where the rows come from (default: told by the file: claims, a gateway cache, tiepdon's CSV, else
    /// a HIS export).
    pub origin: Option<Origin>,
    /// `Header=column` mappings over what the header's aliases say (`roster_file::apply_map`).
    pub map: Vec<String>,
}

/// A rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRow {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    pub reason_vi: String,
    pub reason_en: String,
}

/// What an import did (printed as JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub file: String,
    pub mode: Mode,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub rejected: u64,
    /// False when bad rows stopped an all-or-nothing import: nothing was written.
    pub committed: bool,
    pub seconds: f64,
    pub unknown_columns: Vec<String>,
    /// The rows' source, kept on each (`vss-list`, `claims`, `his`, `gateway`, `csv`).
    pub origin: Origin,
    /// Rows that are not data (empty, column numbers, totals, gateway answers that say nothing about a
    /// card), left out.
    pub skipped: u64,
    pub reject_file: Option<String>,
    /// The first 100 bad rows.
    pub bad_rows: Vec<BadRow>,
}

const MAX_LISTED: usize = 100;

const INSERT: &str = "INSERT INTO coverage(card_number, bhxh_number, citizen_id, full_name, birth_date, sex,
    address, facility_code, valid_from, valid_to, five_year_date, status, replaced_by, as_of, source, origin)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'roster', ?15)";
const UPSERT_BY_CARD: &str = "INSERT INTO coverage(card_number, bhxh_number, citizen_id, full_name, birth_date,
    sex, address, facility_code, valid_from, valid_to, five_year_date, status, replaced_by, as_of, source, origin)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'roster', ?15)
    ON CONFLICT(bhxh_number, card_number) DO UPDATE SET bhxh_number = ?2,
    citizen_id = COALESCE(?3, citizen_id), full_name = ?4, birth_date = ?5, sex = ?6, address = ?7,
    facility_code = ?8, valid_from = ?9, valid_to = ?10, five_year_date = ?11, status = ?12, replaced_by = ?13,
    as_of = ?14, source = 'roster', origin = ?15
    WHERE excluded.as_of >= coverage.as_of OR coverage.source <> 'roster'";
/// A row's new values onto the row `?16` (a repeat of a card, or a card-less person found again).
const UPDATE_ROW: &str = "UPDATE coverage SET card_number = COALESCE(?1, card_number), bhxh_number = ?2,
    citizen_id = COALESCE(?3, citizen_id), full_name = ?4, birth_date = ?5, sex = ?6, address = ?7,
    facility_code = ?8, valid_from = ?9, valid_to = ?10, five_year_date = ?11, status = ?12, replaced_by = ?13,
    as_of = ?14, source = 'roster', origin = ?15 WHERE id = ?16";
const CARDLESS_ROW: &str = "SELECT id FROM coverage WHERE card_number IS NULL AND
    ((?1 IS NOT NULL AND bhxh_number = ?1) OR (?1 IS NULL AND bhxh_number IS NULL AND citizen_id = ?2)) LIMIT 1";

fn values<'a>(r: &'a RosterRow, origin: &'a &'static str) -> [&'a dyn rusqlite::ToSql; 15] {
    [
        &r.card_number,
        &r.bhxh_number,
        &r.citizen_id,
        &r.full_name,
        &r.birth_date,
        &r.sex,
        &r.address,
        &r.facility_code,
        &r.valid_from,
        &r.valid_to,
        &r.five_year_date,
        &r.status,
        &r.replaced_by,
        &r.as_of,
        origin,
    ]
}

fn update_row(conn: &Connection, r: &RosterRow, origin: &'static str, id: i64) -> Result<(), StoreError> {
    let v = values(r, &origin);
    let params: Vec<&dyn rusqlite::ToSql> = v.iter().copied().chain([&id as &dyn rusqlite::ToSql]).collect();
    conn.prepare_cached(UPDATE_ROW)
        .and_then(|mut s| s.execute(&params[..]))
        .doing("importing a roster row")?;
    Ok(())
}

fn insert_row(conn: &Connection, r: &RosterRow, origin: &'static str) -> Result<i64, StoreError> {
    conn.prepare_cached(INSERT)
        .and_then(|mut s| s.insert(&values(r, &origin)[..]))
        .doing("importing a roster row")
}

/// Writes one row of `origin` into a roster that has its indexes: upsert by card code, else by BHXH
/// number, else by citizen id.
pub(crate) fn upsert(conn: &Connection, r: &RosterRow, origin: &'static str) -> Result<(), StoreError> {
    if r.card_number.is_some() {
        conn.prepare_cached(UPSERT_BY_CARD)
            .and_then(|mut s| s.execute(&values(r, &origin)[..]))
            .doing("importing a roster row")?;
        return Ok(());
    }
    let existing: Option<i64> = conn
        .prepare_cached(CARDLESS_ROW)
        .and_then(|mut s| s.query_row(params![r.bhxh_number, r.citizen_id], |row| row.get(0)))
        .map(Some)
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })
        .doing("importing a roster row")?;
    match existing {
        Some(id) => update_row(conn, r, origin, id),
        None => insert_row(conn, r, origin).map(|_| ()),
    }
}

/// The identity a roster row is merged on: its card code, else its BHXH number, else its citizen id.
fn merge_key(r: &RosterRow) -> [u8; 16] {
    let (tag, id) = match (&r.card_number, &r.bhxh_number, &r.citizen_id) {
        (Some(c), _, _) => (b'C', c),
        (None, Some(b), _) => (b'B', b),
        (None, None, Some(c)) => (b'Z', c),
        (None, None, None) => (b'-', &String::new()),
    };
    let mut key = [0_u8; 16];
    key[0] = tag;
    for (k, b) in key[1..].iter_mut().zip(id.bytes()) {
        *k = b;
    }
    key
}

fn open_reject_file(path: &Path, header: &[String]) -> Result<csv::Writer<File>, StoreError> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    let mut w = csv::Writer::from_writer(file);
    let head = ["line", "reason"].into_iter().map(str::to_string).chain(header.iter().cloned());
    w.write_record(head).map_err(|e| csv_error(path, e))?;
    Ok(w)
}

fn csv_error(path: &Path, e: csv::Error) -> StoreError {
    StoreError::invalid(
        format!("Không đọc hoặc ghi được tệp CSV {}: {e}", path.display()),
        format!("Cannot read or write the CSV file {}: {e}", path.display()),
    )
}

fn count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT COUNT(*) FROM coverage", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .doing("counting the roster")
}

/// Sets the journal mode; false when SQLite kept the old one (another connection has the file open).
fn set_journal_mode(conn: &Connection, mode: &str) -> bool {
    conn.pragma_update_and_check(None, "journal_mode", mode, |r| r.get::<_, String>(0))
        .is_ok_and(|now| now.eq_ignore_ascii_case(mode))
}

/// Drops the roster's indexes, returning the SQL that recreates them.
fn drop_indexes(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let indexes: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'coverage' AND sql IS NOT NULL")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .doing("reading the roster's indexes")?;
    for (name, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\"")).doing("preparing the bulk import")?;
    }
    Ok(indexes)
}

/// What loading the rows did.
struct Loaded {
    rows_read: u64,
    inserted: u64,
    updated: u64,
    rejected: u64,
    committed: bool,
    bad: Vec<BadRow>,
}

/// Reads a file's rows on the reader thread; returns how far it got (the progress measure).
type Produce = Box<dyn FnOnce(&mut Emit) -> Result<u64, String> + Send>;

/// An opened roster file: how its rows are read, and what it is.
struct Opened {
    produce: Produce,
    /// The header the rows are validated against (canonical for a mapped file).
    header: Header,
    /// The file's own header names (for the reject file).
    names: Vec<String>,
    unknown: Vec<String>,
    origin: Origin,
    /// The progress measure's end (bytes of a text file, rows of a workbook).
    total: u64,
    /// Added to the CSV reader's line numbers: 1 in a file with Windows line ends, where the reader
    /// stops a record at its `\r` and counts the `\n` into the next record's start (issue 15).
    line_shift: u64,
    default_as_of: Option<NaiveDate>,
    skipped: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The header's signature and the `--map` entries applied (saved for the next file like it).
    mapping: Option<(String, Vec<String>)>,
}

/// The rows of an opened file and where their rejects go.
struct Source<'a> {
    path: &'a Path,
    opened: Opened,
    rejects: Option<csv::Writer<File>>,
}

/// True when the byte at `offset` of the file is a `\n` left over from a `\r\n` line end.
fn leftover_newline(path: &Path, offset: u64) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let mut byte = [0_u8; 1];
    File::open(path)
        .and_then(|f| {
            let mut f = f;
            f.seek(SeekFrom::Start(offset)).and_then(|_| f.read_exact(&mut byte))
        })
        .is_ok_and(|()| byte[0] == b'\n')
}

/// The day a file was last written (the as-of of an export that carries none).
fn file_day(path: &Path) -> Option<NaiveDate> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    Some(crate::clock::to_vietnam(DateTime::<Utc>::from(modified)).date())
}

fn csv_reader(path: &Path, delimiter: u8) -> Result<csv::Reader<File>, StoreError> {
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 20)
        .from_reader(file))
}

/// A canonical record of a mapped row, its line number kept for the reasons.
fn record(fields: &[String; 14], line: u64) -> csv::ByteRecord {
    let mut r = csv::ByteRecord::with_capacity(256, 14);
    for f in fields {
        r.push_field(f.as_bytes());
    }
    let mut pos = csv::Position::new();
    pos.set_line(line);
    r.set_position(Some(pos));
    r
}

fn no_header(path: &Path) -> StoreError {
    StoreError::invalid(
        format!(
            "Không tìm thấy dòng tiêu đề trong {} dòng đầu của {}: cần ít nhất hai cột quen (vd. “Mã thẻ”, “Họ và tên”), một trong số đó là mã thẻ, mã BHXH hoặc CCCD. Xem “tiepdon inspect-roster”, rồi dùng --map.",
            roster_file::HEADER_SEARCH_ROWS,
            path.display()
        ),
        format!(
            "No header row in the first {} rows of {}: it needs two known columns (e.g. “Mã thẻ”, “Họ và tên”), one of them a card code, BHXH number or citizen id. See `tiepdon inspect-roster`, then use --map.",
            roster_file::HEADER_SEARCH_ROWS,
            path.display()
        ),
    )
}

/// The layout of a table from its first rows: the header found, `--map` applied (else the mapping saved
/// for this header), the sex coding settled. Returns the header's signature and the map applied.
fn layout_of(
    path: &Path,
    rows: &[Vec<Value>],
    map: &[String],
    saved: &HashMap<String, Vec<String>>,
) -> Result<(Layout, (String, Vec<String>)), StoreError> {
    let mut layout = roster_file::detect(rows).ok_or_else(|| no_header(path))?;
    let signature = layout.signature();
    let map = if map.is_empty() { saved.get(&signature).cloned().unwrap_or_default() } else { map.to_vec() };
    roster_file::apply_map(&mut layout, &map)?;
    let sample = rows.get(layout.first_data_row..).unwrap_or_default();
    roster_file::settle_sex(&mut layout, sample)?;
    Ok((layout, (signature, map)))
}

/// The mappings confirmed before, by header signature.
fn saved_maps(conn: &Connection) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT signature, map FROM roster_maps")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .doing("reading the saved column mappings")?;
    Ok(rows.into_iter().filter_map(|(sig, map)| Some((sig, serde_json::from_str(&map).ok()?))).collect())
}

/// The first rows of a table (for its header and a sample of its values).
const HEAD_ROWS: usize = roster_file::HEADER_SEARCH_ROWS + roster_file::SAMPLE_ROWS;

fn text_rows(reader: &mut csv::Reader<File>, max: usize) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    while rows.len() < max && reader.read_record(&mut rec).unwrap_or(false) {
        rows.push(
            rec.iter()
                .map(|f| if f.trim().is_empty() { Value::Empty } else { Value::Text(f.to_string()) })
                .collect(),
        );
    }
    rows
}

/// The rows of every sheet of a workbook read whole (`.xls`, `.xlsb`, `.ods`), bounded in size.
fn workbook_rows(path: &Path) -> Result<Vec<Vec<Vec<Value>>>, StoreError> {
    use calamine::Reader;
    let size = std::fs::metadata(path).map_err(|e| StoreError::io(path, e))?.len();
    if size > roster_file::MAX_WHOLE_BYTES {
        return Err(StoreError::invalid(
            format!(
                "Tệp {} lớn quá {} MB cho dạng này; lưu lại thành .xlsx hoặc CSV UTF-8.",
                path.display(),
                roster_file::MAX_WHOLE_BYTES >> 20
            ),
            format!(
                "{} is over {} MB for this format; save it as .xlsx or CSV UTF-8.",
                path.display(),
                roster_file::MAX_WHOLE_BYTES >> 20
            ),
        ));
    }
    let mut book = calamine::open_workbook_auto(path).map_err(|e| unreadable(path, &e.to_string()))?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| unreadable(path, &e.to_string()))?;
        sheets.push(range.rows().map(|r| r.iter().map(roster_file::value).collect()).collect());
    }
    Ok(sheets)
}

fn unreadable(path: &Path, why: &str) -> StoreError {
    StoreError::invalid(
        format!("Không đọc được {}: {why}", path.display()),
        format!("Cannot read {}: {why}", path.display()),
    )
}

type Xlsx = calamine::Xlsx<std::io::BufReader<File>>;

/// Opens an `.xlsx` (its shared strings are read here, once).
fn open_xlsx(path: &Path) -> Result<Xlsx, StoreError> {
    calamine::open_workbook(path).map_err(|e: calamine::XlsxError| unreadable(path, &e.to_string()))
}

/// Streams the rows of every sheet of an opened `.xlsx` to `each(sheet, row number, cells)`; stops when
/// it returns false.
fn stream_xlsx(book: &mut Xlsx, mut each: impl FnMut(usize, u32, Vec<Value>) -> bool) -> Result<(), String> {
    use calamine::Reader;
    for (s, name) in book.sheet_names().into_iter().enumerate() {
        let mut cells = book.worksheet_cells_reader(&name).map_err(|e| e.to_string())?;
        let mut row: Vec<Value> = Vec::new();
        let mut at = 0_u32;
        while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
            let (r, c) = cell.get_position();
            if r != at {
                if !row.is_empty() && !each(s, at + 1, std::mem::take(&mut row)) {
                    return Ok(());
                }
                at = r;
            }
            // Bounded: a sheet's 64 columns, no more.
            if c < 64 {
                let c = c as usize;
                if row.len() <= c {
                    row.resize(c + 1, Value::Empty);
                }
                row[c] = roster_file::value_ref(cell.get_value());
            }
        }
        if !row.is_empty() && !each(s, at + 1, row) {
            return Ok(());
        }
    }
    Ok(())
}

/// Opens `path` as whatever roster file it is.
fn open(path: &Path, opts: &Options, saved: &HashMap<String, Vec<String>>) -> Result<Opened, StoreError> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let size = std::fs::metadata(path).map_err(|e| StoreError::io(path, e))?.len();
    let skipped = Arc::new(AtomicU64::new(0));
    let canonical = Header::parse(&COLUMNS).map_err(|(vi, en)| StoreError::invalid(vi, en))?;
    let file_as_of = opts.default_as_of.or_else(|| file_day(path));
    let mapped = |layout: &Layout, origin: Origin| -> (Vec<String>, Origin) {
        let gateway = layout.targets.contains(&Some(roster_file::Target::Column(11)));
        (layout.unknown(), opts.origin.unwrap_or(if gateway { Origin::Gateway } else { origin }))
    };
    match Kind::of(path) {
        Kind::Text => {
            roster_file::check_utf8(path)?;
            let delimiter = roster_file::sniff_delimiter(path);
            let mut reader = csv_reader(path, delimiter)?;
            let mut first = csv::ByteRecord::new();
            if !reader.read_byte_record(&mut first).map_err(|e| csv_error(path, e))? {
                return Err(StoreError::invalid("Tệp rỗng.", "The file is empty."));
            }
            let names: Vec<String> = first.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            if roster_file::is_canonical(&refs) && opts.map.is_empty() {
                let header = Header::parse(&refs).map_err(|(vi, en)| StoreError::invalid(vi, en))?;
                let line_shift = u64::from(leftover_newline(path, reader.position().byte()));
                return Ok(Opened {
                    produce: Box::new(import_pipeline::csv_records(reader)),
                    unknown: header.unknown.clone(),
                    header,
                    names,
                    origin: opts.origin.unwrap_or(Origin::Csv),
                    total: size,
                    line_shift,
                    default_as_of: opts.default_as_of,
                    skipped,
                    mapping: None,
                });
            }
            let mut head = csv_reader(path, delimiter)?;
            let rows = text_rows(&mut head, HEAD_ROWS);
            let (layout, mapping) = layout_of(path, &rows, &opts.map, saved)?;
            let (unknown, origin) = mapped(&layout, Origin::His);
            let mut reader = csv_reader(path, delimiter)?;
            let count = skipped.clone();
            let names = layout.names.clone();
            let produce: Produce = Box::new(move |emit| {
                let mut rec = csv::StringRecord::new();
                let mut line = 0_u64;
                while reader.read_record(&mut rec).map_err(|e| e.to_string())? {
                    line += 1;
                    if line <= layout.first_data_row as u64 {
                        continue;
                    }
                    let row: Vec<Value> = rec
                        .iter()
                        .map(|f| if f.trim().is_empty() { Value::Empty } else { Value::Text(f.to_string()) })
                        .collect();
                    match roster_file::canonical(&layout, &row) {
                        Some(fields) => {
                            let line = rec.position().map_or(line, |p| p.line());
                            if !emit.push(record(&fields, line), reader.position().byte()) {
                                break;
                            }
                        }
                        None => {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Ok(reader.position().byte())
            });
            Ok(Opened {
                produce,
                header: canonical,
                names,
                unknown,
                origin,
                total: size,
                line_shift: 0,
                default_as_of: file_as_of,
                skipped,
                mapping: Some(mapping),
            })
        }
        Kind::Xlsx => {
            let mut head: Vec<Vec<Value>> = Vec::new();
            let mut book = open_xlsx(path)?;
            stream_xlsx(&mut book, |sheet, _, row| {
                if sheet == 0 {
                    head.push(row);
                }
                sheet == 0 && head.len() < HEAD_ROWS
            })
            .map_err(|e| unreadable(path, &e))?;
            let (layout, mapping) = layout_of(path, &head, &opts.map, saved)?;
            let (unknown, origin) = mapped(&layout, Origin::His);
            let (names, count) = (layout.names.clone(), skipped.clone());
            let produce: Produce = Box::new(move |emit| {
                // Every sheet whose header is the first sheet's (a long list split over sheets).
                let mut sheet_at: Option<(usize, usize)> = None; // (sheet, rows seen)
                let mut sheet_layout: Option<Layout> = None;
                let mut pending: Vec<Vec<Value>> = Vec::new();
                let mut done = 0_u64;
                let mut go = true;
                stream_xlsx(&mut book, |sheet, line, row| {
                    if sheet_at.is_none_or(|(s, _)| s != sheet) {
                        sheet_at = Some((sheet, 0));
                        sheet_layout = if sheet == 0 { Some(layout.clone()) } else { None };
                        pending.clear();
                    }
                    let Some((_, seen)) = sheet_at.as_mut() else { return true };
                    *seen += 1;
                    if sheet_layout.is_none() {
                        pending.push(row);
                        if pending.len() >= roster_file::HEADER_SEARCH_ROWS {
                            sheet_layout = roster_file::detect(&pending)
                                .filter(|l| {
                                    l.names
                                        .iter()
                                        .map(|n| roster_file::norm(n))
                                        .eq(layout.names.iter().map(|n| roster_file::norm(n)))
                                })
                                .map(|l| Layout { first_data_row: l.first_data_row, ..layout.clone() });
                            if sheet_layout.is_none() {
                                return true;
                            }
                            let rows: Vec<Vec<Value>> = std::mem::take(&mut pending);
                            let l = sheet_layout.clone().unwrap_or_else(|| layout.clone());
                            for (i, r) in rows.into_iter().enumerate().skip(l.first_data_row) {
                                done += 1;
                                match roster_file::canonical(&l, &r) {
                                    Some(f) => go = go && emit.push(record(&f, i as u64 + 1), done),
                                    None => {
                                        count.fetch_add(1, Ordering::Relaxed);
                                    }
                                }
                            }
                        }
                        return go;
                    }
                    let l = sheet_layout.as_ref().unwrap_or(&layout);
                    if *seen <= l.first_data_row {
                        return true;
                    }
                    done += 1;
                    match roster_file::canonical(l, &row) {
                        Some(f) => {
                            go = emit.push(record(&f, u64::from(line)), done);
                            go
                        }
                        None => {
                            count.fetch_add(1, Ordering::Relaxed);
                            true
                        }
                    }
                })?;
                Ok(done)
            });
            Ok(Opened {
                produce,
                header: canonical,
                names,
                unknown,
                origin,
                total: 0,
                line_shift: 0,
                default_as_of: file_as_of,
                skipped,
                mapping: Some(mapping),
            })
        }
        Kind::Workbook => {
            let sheets = workbook_rows(path)?;
            let first = sheets.first().cloned().unwrap_or_default();
            let (layout, mapping) = layout_of(path, &first[..first.len().min(HEAD_ROWS)], &opts.map, saved)?;
            let (unknown, origin) = mapped(&layout, Origin::His);
            let names = layout.names.clone();
            let total = sheets.iter().map(|s| s.len() as u64).sum();
            let count = skipped.clone();
            let produce: Produce = Box::new(move |emit| {
                let mut done = 0_u64;
                for (s, rows) in sheets.iter().enumerate() {
                    let l = if s == 0 {
                        layout.clone()
                    } else {
                        match roster_file::detect(rows).filter(|l| {
                            l.names
                                .iter()
                                .map(|n| roster_file::norm(n))
                                .eq(layout.names.iter().map(|n| roster_file::norm(n)))
                        }) {
                            Some(l) => Layout { first_data_row: l.first_data_row, ..layout.clone() },
                            None => continue,
                        }
                    };
                    for (i, row) in rows.iter().enumerate().skip(l.first_data_row) {
                        done += 1;
                        match roster_file::canonical(&l, row) {
                            Some(f) => {
                                if !emit.push(record(&f, i as u64 + 1), done) {
                                    return Ok(done);
                                }
                            }
                            None => {
                                count.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
                Ok(done)
            });
            Ok(Opened {
                produce,
                header: canonical,
                names,
                unknown,
                origin,
                total,
                line_shift: 0,
                default_as_of: file_as_of,
                skipped,
                mapping: Some(mapping),
            })
        }
        Kind::Claims => {
            if size > 1 << 30 {
                return Err(unreadable(path, "over 1 GB"));
            }
            let text = std::fs::read_to_string(path).map_err(|e| StoreError::io(path, e))?;
            let rows = roster_file::claim_rows(&text).map_err(|e| unreadable(path, &e))?;
            if rows.is_empty() {
                return Err(StoreError::invalid(
                    format!("{} không có bảng XML1 (TONG_HOP) nào có mã thẻ BHYT.", path.display()),
                    format!("{} holds no XML1 table (TONG_HOP) with a BHYT card code.", path.display()),
                ));
            }
            let total = rows.len() as u64;
            let produce: Produce = Box::new(move |emit| {
                for (i, f) in rows.iter().enumerate() {
                    if !emit.push(record(f, i as u64 + 1), i as u64 + 1) {
                        break;
                    }
                }
                Ok(total)
            });
            let names = COLUMNS.iter().map(|c| c.to_string()).collect();
            Ok(Opened {
                produce,
                header: canonical,
                names,
                unknown: Vec::new(),
                origin: opts.origin.unwrap_or(Origin::Claims),
                total,
                line_shift: 0,
                default_as_of: file_as_of,
                skipped,
                mapping: None,
            })
        }
    }
}

/// Imports `path`. `progress` is called now and then with (done, total: bytes of a text file, rows of a
/// workbook; 0 when not known ahead).
pub fn import(
    store: &mut Store,
    path: &Path,
    opts: &Options,
    operator: &str,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Summary, StoreError> {
    let started = Instant::now();
    let opened = open(path, opts, &saved_maps(&store.conn)?)?;
    let rejects = match (&opts.reject_file, opts.skip_bad) {
        (Some(p), true) => {
            if let (Ok(a), Ok(b)) = (std::fs::canonicalize(p), std::fs::canonicalize(path))
                && a == b
            {
                return Err(StoreError::invalid(
                    "Tệp ghi dòng lỗi trùng với tệp nhập; chọn tên khác.",
                    "The reject file is the file being imported; choose another name.",
                ));
            }
            let head: Vec<String> = if opened.header.unknown.is_empty() && opened.names.len() != COLUMNS.len()
            {
                opened.names.clone()
            } else if opened.names == COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>()
                || Kind::of(path) != Kind::Text
            {
                COLUMNS.iter().map(|c| c.to_string()).collect()
            } else {
                opened.names.clone()
            };
            Some(open_reject_file(p, &head)?)
        }
        _ => None,
    };
    // Page cache for the index build: 128 MB (256 MB was not faster), 64 MB for an Excel workbook, whose
    // shared strings calamine holds in memory too (peak ≤ 300 MB for a million rows; BENCHMARKS.md).
    let cache_kib = if matches!(Kind::of(path), Kind::Xlsx | Kind::Workbook) { 65_536 } else { 131_072 };
    store.conn.pragma_update(None, "cache_size", -cache_kib).doing("sizing the cache")?;
    store.conn.pragma_update(None, "threads", 2).doing("allowing a helper thread for sorting")?;
    // A bulk load into an empty roster writes each page once with a rollback journal, twice with the WAL
    // (log, then checkpoint). Switch while loading when no other connection holds the file; else stay.
    // Only on a database no desk uses yet (no visits): in rollback mode other processes cannot even open it.
    let empty_roster = count(&store.conn)? == 0 || opts.mode == Mode::Replace;
    let unused =
        store.conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM visits)", [], |r| r.get::<_, bool>(0));
    let journal_switched =
        empty_roster && unused.doing("looking for visits")? && set_journal_mode(&store.conn, "delete");
    let (unknown, origin, total, skipped) =
        (opened.unknown.clone(), opened.origin, opened.total, opened.skipped.clone());
    let source = Source { path, opened, rejects };
    let loaded = load(&mut store.conn, source, opts, operator, now, progress);
    if journal_switched {
        set_journal_mode(&store.conn, "wal");
    }
    let loaded = loaded?;
    progress(total, total);
    Ok(Summary {
        file: path.display().to_string(),
        mode: opts.mode,
        rows_read: loaded.rows_read,
        inserted: loaded.inserted,
        updated: loaded.updated,
        rejected: loaded.rejected,
        committed: loaded.committed,
        seconds: started.elapsed().as_secs_f64(),
        unknown_columns: unknown,
        origin,
        skipped: skipped.load(std::sync::atomic::Ordering::Relaxed),
        reject_file: opts.reject_file.as_ref().filter(|_| opts.skip_bad).map(|p| p.display().to_string()),
        bad_rows: loaded.bad,
    })
}

/// Loads every row in one transaction, committed only if it is all good (or `skip_bad`).
fn load(
    conn: &mut Connection,
    mut src: Source,
    opts: &Options,
    operator: &str,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Loaded, StoreError> {
    let path = src.path;
    let origin = src.opened.origin.as_str();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).doing("starting the import")?;
    if opts.mode == Mode::Replace {
        // Only this source's rows: a card missing from a new quarterly list is not revoked, and what the
        // claim files or the gateway said stays.
        tx.execute("DELETE FROM coverage WHERE source = 'roster' AND COALESCE(origin, 'csv') = ?1", [origin])
            .doing("clearing the old roster")?;
    }
    let before = count(&tx)?;
    let bulk = before == 0;
    let indexes = if bulk { drop_indexes(&tx)? } else { Vec::new() };

    let mut bad: Vec<BadRow> = Vec::new();
    let (mut rows_read, mut rejected) = (0_u64, 0_u64);
    // Held for the whole load: a million look-ups in the statement cache add up.
    let mut bulk_insert = tx.prepare(INSERT).doing("preparing the import")?;
    // In a bulk load, a person met again updates the row written the first time.
    let mut first_row: HashMap<[u8; 16], i64> = HashMap::new();
    let Opened { produce, header, total, line_shift, default_as_of, mapping, .. } = src.opened;
    import_pipeline::run(
        produce,
        &header,
        default_as_of,
        |batch| -> Result<(), StoreError> {
            for item in batch.items {
                rows_read += 1;
                match item {
                    Item::Good(_) if rejected > 0 && !opts.skip_bad => {}
                    Item::Good(row) if bulk => match first_row.entry(merge_key(&row)) {
                        Entry::Occupied(e) => update_row(&tx, &row, origin, *e.get())?,
                        Entry::Vacant(e) => {
                            e.insert(
                                bulk_insert
                                    .insert(&values(&row, &origin)[..])
                                    .doing("importing a roster row")?,
                            );
                        }
                    },
                    Item::Good(row) => upsert(&tx, &row, origin)?,
                    Item::Bad { line, vi, en, raw } => {
                        let line = line + line_shift;
                        rejected += 1;
                        if let Some(w) = src.rejects.as_mut() {
                            let out = [line.to_string().into_bytes(), en.clone().into_bytes()]
                                .into_iter()
                                .chain(raw);
                            w.write_record(out).map_err(|e| csv_error(path, e))?;
                        }
                        if bad.len() < MAX_LISTED {
                            bad.push(BadRow { line, reason_vi: vi, reason_en: en });
                        }
                    }
                }
            }
            progress(batch.bytes_read, total);
            Ok(())
        },
        |e| unreadable(path, &e),
    )?;
    drop(bulk_insert);
    if let Some(w) = src.rejects.as_mut() {
        w.flush().map_err(|e| StoreError::io(path, e))?;
    }
    // All-or-nothing: with bad rows and no `skip_bad`, dropping the transaction rolls everything back.
    let committed = rejected == 0 || opts.skip_bad;
    if !committed {
        return Ok(Loaded { rows_read, inserted: 0, updated: 0, rejected, committed, bad });
    }
    for (_, sql) in &indexes {
        tx.execute_batch(sql).doing("rebuilding the roster's indexes")?;
    }
    let inserted = count(&tx)? - before;
    let updated = (rows_read - rejected).saturating_sub(inserted);
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let detail = serde_json::json!({"file": file_name, "mode": opts.mode, "origin": origin, "rows_read": rows_read,
        "inserted": inserted, "updated": updated, "rejected": rejected});
    audit::append(&mut super::sql::Lite(&tx), now, operator, "import", Some(&file_name), &detail)?;
    // A mapping given for this header is kept for the next file like it (audited with the import).
    if let Some((signature, map)) = mapping.filter(|(_, m)| !m.is_empty() && !opts.map.is_empty()) {
        tx.execute(
            "INSERT INTO roster_maps(signature, map, saved_at, saved_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(signature) DO UPDATE SET map = ?2, saved_at = ?3, saved_by = ?4",
            params![
                signature,
                serde_json::to_string(&map).unwrap_or_default(),
                crate::clock::rfc3339(now),
                operator
            ],
        )
        .doing("saving the column mapping")?;
    }
    tx.commit().doing("committing the import")?;
    Ok(Loaded { rows_read, inserted, updated, rejected, committed, bad })
}

/// What `inspect-roster` tells of a file, without importing it: its header, what each column maps to
/// (and what its values look like, masked), the mapping that would be used, and what would stop it.
pub fn inspect(store: &Store, path: &Path, map: &[String]) -> Result<serde_json::Value, StoreError> {
    use serde_json::json;
    let saved = saved_maps(&store.conn)?;
    let kind = Kind::of(path);
    let rows: Vec<Vec<Value>> = match kind {
        Kind::Text => {
            roster_file::check_utf8(path)?;
            text_rows(&mut csv_reader(path, roster_file::sniff_delimiter(path))?, HEAD_ROWS)
        }
        Kind::Xlsx => {
            let mut head = Vec::new();
            stream_xlsx(&mut open_xlsx(path)?, |sheet, _, row| {
                if sheet == 0 {
                    head.push(row);
                }
                sheet == 0 && head.len() < HEAD_ROWS
            })
            .map_err(|e| unreadable(path, &e))?;
            head
        }
        Kind::Workbook => {
            workbook_rows(path)?.into_iter().next().unwrap_or_default().into_iter().take(HEAD_ROWS).collect()
        }
        Kind::Claims => {
            let text = std::fs::read_to_string(path).map_err(|e| StoreError::io(path, e))?;
            let rows = roster_file::claim_rows(&text).map_err(|e| unreadable(path, &e))?;
            return Ok(
                json!({"file": path.display().to_string(), "kind": "xml130-claims", "source": "claims",
                "rows": rows.len(), "columns": COLUMNS, "problems": []}),
            );
        }
    };
    let names: Vec<&str> = rows
        .first()
        .map(|r| r.iter().map(|v| if let Value::Text(t) = v { t.as_str() } else { "" }).collect())
        .unwrap_or_default();
    if kind == Kind::Text && roster_file::is_canonical(&names) {
        return Ok(json!({"file": path.display().to_string(), "kind": "tiepdon-csv", "source": "csv",
            "header_row": 1, "columns": names, "problems": []}));
    }
    let detected = roster_file::detect(&rows).ok_or_else(|| no_header(path))?;
    let signature = detected.signature();
    let mut problems = Vec::new();
    let result = layout_of(path, &rows, map, &saved);
    let (layout, applied) = match result {
        Ok((l, (_, m))) => (l, m),
        Err(e) => {
            let (vi, en) = e.messages();
            problems.push(json!({"vi": vi, "en": en}));
            (detected.clone(), map.to_vec())
        }
    };
    let data = rows.get(layout.first_data_row..).unwrap_or_default();
    let share = |i: usize, test: &dyn Fn(&str) -> bool| -> f64 {
        let vals: Vec<String> =
            data.iter().filter_map(|r| r.get(i)).map(Value::text).filter(|v| !v.is_empty()).collect();
        if vals.is_empty() {
            0.0
        } else {
            (vals.iter().filter(|v| test(v)).count() * 100 / vals.len()) as f64 / 100.0
        }
    };
    let digits = |n: usize| move |v: &str| v.len() == n && v.bytes().all(|b| b.is_ascii_digit());
    let columns: Vec<serde_json::Value> = layout
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let target = match layout.targets.get(i).copied().flatten() {
                Some(roster_file::Target::Column(k)) => COLUMNS[k].to_string(),
                Some(roster_file::Target::NameFirst) => "name_first".into(),
                Some(roster_file::Target::NameLast) => "name_last".into(),
                Some(roster_file::Target::ValidRange) => "valid_range".into(),
                Some(roster_file::Target::Ignore) => "ignore".into(),
                None => "unknown".into(),
            };
            let card = share(i, &|v| crate::card::CardCode::parse(&v.to_ascii_uppercase()).is_ok());
            let d12 = share(i, &digits(12));
            let d10 = share(i, &digits(10));
            // Proposed from the values only, never applied without --map.
            let proposed = if target == "unknown" {
                if card > 0.9 { Some("card_number") } else if d12 > 0.9 { Some("citizen_id") } else if d10 > 0.9 { Some("bhxh_number") } else { None }
            } else {
                None
            };
            let samples: Vec<String> = data.iter().filter_map(|r| r.get(i)).map(Value::text).filter(|v| !v.is_empty()).take(3).map(|v| crate::export::mask(&v)).collect();
            json!({"column": i + 1, "header": name, "maps_to": target, "proposed": proposed, "samples_masked": samples,
                "share": {"card_code": card, "digits_10": d10, "digits_12": d12,
                    "date": share(i, &|v| crate::card::date::parse_dmy_slash(v).is_some() || crate::card::date::parse_iso(v).is_some() || (v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()))),
                    "sex_word": share(i, &|v| matches!(roster_file::norm(v).as_str(), "nam" | "nu")),
                    "small_number": share(i, &|v| matches!(v, "0" | "1" | "2" | "3"))}})
        })
        .collect();
    let gateway = layout.targets.contains(&Some(roster_file::Target::Column(11)));
    Ok(json!({
        "file": path.display().to_string(),
        "kind": match kind { Kind::Xlsx | Kind::Workbook => "spreadsheet", _ => "text-table" },
        "source": if gateway { "gateway" } else { "his" },
        "first_data_row": layout.first_data_row + 1,
        "data_rows_sampled": data.len(),
        "columns": columns,
        "unknown_columns": layout.unknown(),
        "map_applied": applied,
        "signature": signature,
        "problems": problems,
    }))
}
