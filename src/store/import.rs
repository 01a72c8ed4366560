//! Roster import from a CSV file: every row validated, all-or-nothing by default, or (`skip_bad`) the good
//! rows kept and the bad ones written to an owner-only reject file. Merge updates cards already known;
//! replace first drops the previously imported roster (cards learned from scans stay).

use super::roster_csv::{Header, RosterRow, parse_row};
use super::{Context, Store, StoreError, audit};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, TransactionBehavior, params};
use serde::Serialize;
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

fn count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT COUNT(*) FROM coverage", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .doing("counting the roster")
}

/// Writes one validated row: upsert by card code, else by BHXH number, else by citizen id.
pub(crate) fn upsert(conn: &Connection, r: &RosterRow) -> Result<(), StoreError> {
    let values = params![
        r.card_number,
        r.bhxh_number,
        r.citizen_id,
        r.full_name,
        r.birth_date,
        r.sex,
        r.address,
        r.facility_code,
        r.valid_from,
        r.valid_to,
        r.five_year_date,
        r.status,
        r.replaced_by,
        r.as_of,
    ];
    const SET: &str = "bhxh_number = ?2, citizen_id = COALESCE(?3, citizen_id), full_name = ?4, birth_date = ?5,
        sex = ?6, address = ?7, facility_code = ?8, valid_from = ?9, valid_to = ?10, five_year_date = ?11,
        status = ?12, replaced_by = ?13, as_of = ?14, source = 'roster'";
    const INSERT: &str = "INSERT INTO coverage(card_number, bhxh_number, citizen_id, full_name, birth_date, sex,
        address, facility_code, valid_from, valid_to, five_year_date, status, replaced_by, as_of, source)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'roster')";
    if r.card_number.is_some() {
        let sql = format!("{INSERT} ON CONFLICT(card_number) WHERE card_number IS NOT NULL DO UPDATE SET {SET}");
        conn.prepare_cached(&sql).and_then(|mut s| s.execute(values)).doing("importing a roster row")?;
        return Ok(());
    }
    // No card code: the same person is the card-less row with this BHXH number, else with this citizen id.
    let sql = format!(
        "UPDATE coverage SET {SET} WHERE id = (SELECT id FROM coverage WHERE card_number IS NULL AND
         ((?2 IS NOT NULL AND bhxh_number = ?2) OR (?2 IS NULL AND bhxh_number IS NULL AND citizen_id = ?3)) LIMIT 1)"
    );
    let changed = conn.prepare_cached(&sql).and_then(|mut s| s.execute(values)).doing("importing a roster row")?;
    if changed == 0 {
        conn.prepare_cached(INSERT).and_then(|mut s| s.execute(values)).doing("importing a roster row")?;
    }
    Ok(())
}

fn open_reject_file(path: &Path) -> Result<csv::Writer<File>, StoreError> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    Ok(csv::Writer::from_writer(file))
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
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).buffer_capacity(1 << 20).from_reader(file);
    let mut record = csv::ByteRecord::new();
    let header_ok = reader.read_byte_record(&mut record).map_err(|e| csv_error(path, e))?;
    let names: Vec<String> = record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let header = match header_ok {
        true => Header::parse(&names).map_err(|(vi, en)| StoreError::invalid(vi, en))?,
        false => return Err(StoreError::invalid("Tệp CSV rỗng.", "The CSV file is empty.")),
    };
    let mut rejects = match (&opts.reject_file, opts.skip_bad) {
        (Some(p), true) => Some(open_reject_file(p)?),
        _ => None,
    };
    if let Some(w) = rejects.as_mut() {
        let mut head = vec!["line", "reason"];
        head.extend(names.iter().copied());
        w.write_record(&head).map_err(|e| csv_error(path, e))?;
    }
    store.conn().pragma_update(None, "cache_size", -262_144).doing("sizing the cache")?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut bad: Vec<BadRow> = Vec::new();
    let (mut rows_read, mut rejected) = (0_u64, 0_u64);
    let tx = store.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing("starting the import")?;
    let outcome = (|| -> Result<Option<(u64, u64)>, StoreError> {
        if opts.mode == Mode::Replace {
            tx.execute("DELETE FROM coverage WHERE source = 'roster'", []).doing("clearing the old roster")?;
        }
        let before = count(&tx)?;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(path, e)),
            }
            rows_read += 1;
            let line = record.position().map_or(rows_read + 1, |p| p.line());
            if rows_read % 65_536 == 0 {
                progress(record.position().map_or(0, |p| p.byte()), size);
            }
            let fields: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
            let parsed = match fields {
                Ok(fields) => parse_row(&header, &fields, opts.default_as_of),
                Err(_) => Err(("Dòng không phải UTF-8.".into(), "The row is not valid UTF-8.".into())),
            };
            match parsed {
                Ok(row) if rejected == 0 || opts.skip_bad => upsert(&tx, &row)?,
                Ok(_) => {}
                Err((vi, en)) => {
                    rejected += 1;
                    if let Some(w) = rejects.as_mut() {
                        let mut out: Vec<Vec<u8>> = vec![line.to_string().into_bytes(), en.clone().into_bytes()];
                        out.extend(record.iter().map(<[u8]>::to_vec));
                        w.write_record(&out).map_err(|e| csv_error(path, e))?;
                    }
                    if bad.len() < MAX_LISTED {
                        bad.push(BadRow { line, reason_vi: vi, reason_en: en });
                    }
                }
            }
        }
        progress(size, size);
        if rejected > 0 && !opts.skip_bad {
            return Ok(None);
        }
        let inserted = count(&tx)? - before;
        let good = rows_read - rejected;
        let detail = serde_json::json!({"file": file_name, "mode": opts.mode, "rows_read": rows_read,
            "inserted": inserted, "rejected": rejected});
        audit::append(&tx, now, operator, "import", Some(&file_name), &detail)?;
        Ok(Some((inserted, good.saturating_sub(inserted))))
    })()?;
    if let Some(w) = rejects.as_mut() {
        w.flush().map_err(|e| StoreError::io(path, e))?;
    }
    // All-or-nothing: with bad rows and no `skip_bad`, dropping the transaction rolls everything back.
    let (committed, inserted, updated) = match outcome {
        Some((i, u)) => {
            tx.commit().doing("committing the import")?;
            (true, i, u)
        }
        None => (false, 0, 0),
    };
    Ok(Summary {
        file: path.display().to_string(),
        mode: opts.mode,
        rows_read,
        inserted,
        updated,
        rejected,
        committed,
        seconds: started.elapsed().as_secs_f64(),
        unknown_columns: header.unknown,
        reject_file: opts.reject_file.as_ref().filter(|_| opts.skip_bad).map(|p| p.display().to_string()),
        bad_rows: bad,
    })
}

fn csv_error(path: &Path, e: csv::Error) -> StoreError {
    StoreError::invalid(
        format!("Không đọc được tệp CSV {}: {e}", path.display()),
        format!("Cannot read the CSV file {}: {e}", path.display()),
    )
}
