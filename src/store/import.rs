//! Roster import from a CSV file: every row validated, all-or-nothing by default, or (`skip_bad`) the good
//! rows kept and the bad ones written to an owner-only reject file. Merge updates cards already known;
//! replace first drops the previously imported roster (cards learned from scans stay).
//!
//! Speed: other threads read and validate (`import_pipeline`) while this one writes. Into an empty roster the indexes are
//! dropped and rebuilt once at the end (a sorted build beats a million random inserts); a card repeated
//! in the file then updates its first row, as a merge would.

use super::import_pipeline::{self, Item};
use super::roster_csv::{Header, RosterRow};
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
    /// `as_of` for rows that leave it empty.
    pub default_as_of: Option<NaiveDate>,
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
    pub reject_file: Option<String>,
    /// The first 100 bad rows.
    pub bad_rows: Vec<BadRow>,
}

const MAX_LISTED: usize = 100;

const INSERT: &str = "INSERT INTO coverage(card_number, bhxh_number, citizen_id, full_name, birth_date, sex,
    address, facility_code, valid_from, valid_to, five_year_date, status, replaced_by, as_of, source)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'roster')";
const UPSERT_BY_CARD: &str = "INSERT INTO coverage(card_number, bhxh_number, citizen_id, full_name, birth_date,
    sex, address, facility_code, valid_from, valid_to, five_year_date, status, replaced_by, as_of, source)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'roster')
    ON CONFLICT(bhxh_number, card_number) DO UPDATE SET bhxh_number = ?2,
    citizen_id = COALESCE(?3, citizen_id), full_name = ?4, birth_date = ?5, sex = ?6, address = ?7,
    facility_code = ?8, valid_from = ?9, valid_to = ?10, five_year_date = ?11, status = ?12, replaced_by = ?13,
    as_of = ?14, source = 'roster'";
/// A row's new values onto the row `?15` (a repeat of a card, or a card-less person found again).
const UPDATE_ROW: &str = "UPDATE coverage SET card_number = COALESCE(?1, card_number), bhxh_number = ?2,
    citizen_id = COALESCE(?3, citizen_id), full_name = ?4, birth_date = ?5, sex = ?6, address = ?7,
    facility_code = ?8, valid_from = ?9, valid_to = ?10, five_year_date = ?11, status = ?12, replaced_by = ?13,
    as_of = ?14, source = 'roster' WHERE id = ?15";
const CARDLESS_ROW: &str = "SELECT id FROM coverage WHERE card_number IS NULL AND
    ((?1 IS NOT NULL AND bhxh_number = ?1) OR (?1 IS NULL AND bhxh_number IS NULL AND citizen_id = ?2)) LIMIT 1";

fn values(r: &RosterRow) -> [&dyn rusqlite::ToSql; 14] {
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
    ]
}

fn update_row(conn: &Connection, r: &RosterRow, id: i64) -> Result<(), StoreError> {
    let v = values(r);
    let params: Vec<&dyn rusqlite::ToSql> = v.iter().copied().chain([&id as &dyn rusqlite::ToSql]).collect();
    conn.prepare_cached(UPDATE_ROW)
        .and_then(|mut s| s.execute(&params[..]))
        .doing("importing a roster row")?;
    Ok(())
}

fn insert_row(conn: &Connection, r: &RosterRow) -> Result<i64, StoreError> {
    conn.prepare_cached(INSERT).and_then(|mut s| s.insert(&values(r)[..])).doing("importing a roster row")
}

/// Writes one row into a roster that has its indexes: upsert by card code, else by BHXH number, else by
/// citizen id.
pub(crate) fn upsert(conn: &Connection, r: &RosterRow) -> Result<(), StoreError> {
    if r.card_number.is_some() {
        conn.prepare_cached(UPSERT_BY_CARD)
            .and_then(|mut s| s.execute(&values(r)[..]))
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
        Some(id) => update_row(conn, r, id),
        None => insert_row(conn, r).map(|_| ()),
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

/// The rows of an opened CSV and where their rejects go.
struct Source<'a> {
    path: &'a Path,
    size: u64,
    reader: csv::Reader<File>,
    header: &'a Header,
    rejects: Option<csv::Writer<File>>,
    /// Added to the CSV reader's line numbers: 1 in a file with Windows line ends, where the reader
    /// stops a record at its `\r` and counts the `\n` into the next record's start (issue 15).
    line_shift: u64,
}

/// True when the byte at `offset` of the file is a `\n` left over from a `\r\n` line end.
fn leftover_newline(path: &Path, offset: u64) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let mut byte = [0_u8; 1];
    File::open(path)
        .and_then(|mut f| f.seek(SeekFrom::Start(offset)).and_then(|_| f.read_exact(&mut byte)))
        .is_ok_and(|()| byte[0] == b'\n')
}

/// Imports `path`. `progress` is called now and then with (bytes read, file size).
pub fn import(
    store: &mut Store,
    path: &Path,
    opts: &Options,
    operator: &str,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Summary, StoreError> {
    let started = Instant::now();
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(|e| csv_error(path, e))? {
        return Err(StoreError::invalid("Tệp CSV rỗng.", "The CSV file is empty."));
    }
    let line_shift = u64::from(leftover_newline(path, reader.position().byte()));
    let names: Vec<String> = record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let header = Header::parse(&names.iter().map(String::as_str).collect::<Vec<_>>())
        .map_err(|(vi, en)| StoreError::invalid(vi, en))?;
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
            Some(open_reject_file(p, &names)?)
        }
        _ => None,
    };
    store.conn.pragma_update(None, "cache_size", -262_144).doing("sizing the cache")?;
    store.conn.pragma_update(None, "threads", 2).doing("allowing a helper thread for sorting")?;
    // A bulk load into an empty roster writes each page once with a rollback journal, twice with the WAL
    // (log, then checkpoint). Switch while loading when no other connection holds the file; else stay.
    // Only on a database no desk uses yet (no visits): in rollback mode other processes cannot even open it.
    let empty_roster = count(&store.conn)? == 0 || opts.mode == Mode::Replace;
    let unused =
        store.conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM visits)", [], |r| r.get::<_, bool>(0));
    let journal_switched =
        empty_roster && unused.doing("looking for visits")? && set_journal_mode(&store.conn, "delete");
    let source = Source { path, size, reader, header: &header, rejects, line_shift };
    let loaded = load(&mut store.conn, source, opts, operator, now, progress);
    if journal_switched {
        set_journal_mode(&store.conn, "wal");
    }
    let loaded = loaded?;
    progress(size, size);
    Ok(Summary {
        file: path.display().to_string(),
        mode: opts.mode,
        rows_read: loaded.rows_read,
        inserted: loaded.inserted,
        updated: loaded.updated,
        rejected: loaded.rejected,
        committed: loaded.committed,
        seconds: started.elapsed().as_secs_f64(),
        unknown_columns: header.unknown,
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
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).doing("starting the import")?;
    if opts.mode == Mode::Replace {
        tx.execute("DELETE FROM coverage WHERE source = 'roster'", []).doing("clearing the old roster")?;
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
    import_pipeline::run(
        src.reader,
        src.header,
        opts.default_as_of,
        |batch| -> Result<(), StoreError> {
            for item in batch.items {
                rows_read += 1;
                match item {
                    Item::Good(_) if rejected > 0 && !opts.skip_bad => {}
                    Item::Good(row) if bulk => match first_row.entry(merge_key(&row)) {
                        Entry::Occupied(e) => update_row(&tx, &row, *e.get())?,
                        Entry::Vacant(e) => {
                            e.insert(bulk_insert.insert(&values(&row)[..]).doing("importing a roster row")?);
                        }
                    },
                    Item::Good(row) => upsert(&tx, &row)?,
                    Item::Bad { line, vi, en, raw } => {
                        let line = line + src.line_shift;
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
            progress(batch.bytes_read, src.size);
            Ok(())
        },
        |e| csv_error(path, e),
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
    let detail = serde_json::json!({"file": file_name, "mode": opts.mode, "rows_read": rows_read,
        "inserted": inserted, "updated": updated, "rejected": rejected});
    audit::append(&tx, now, operator, "import", Some(&file_name), &detail)?;
    tx.commit().doing("committing the import")?;
    Ok(Loaded { rows_read, inserted, updated, rejected, committed, bad })
}
