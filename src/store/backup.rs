//! Backups: a consistent copy of the live database, taken with SQLite's online backup API (other desks
//! keep writing meanwhile), into `backups/` beside it, owner-only, checked with `integrity_check`
//! before it counts. One a day automatically (kept for `KEEP_DAYS` days), more on demand; `restore`
//! checks a backup before it replaces anything, and keeps the file it replaces.

use super::{Context, Store, StoreError};
use crate::clock;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags};
use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Days a daily backup is kept.
pub const KEEP_DAYS: i64 = 14;

/// The folder of a database's backups.
pub fn folder(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("backups")
}

fn stem(db: &Path) -> String {
    db.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "tiepdon".into())
}

/// The backups of `db`, oldest first, with the day each was taken (from its name).
pub fn list(db: &Path) -> Vec<(NaiveDate, PathBuf)> {
    let prefix = format!("{}-", stem(db));
    let mut found: Vec<(NaiveDate, PathBuf)> = std::fs::read_dir(folder(db))
        .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let rest = name.strip_prefix(&prefix)?.strip_suffix(".db")?;
            let day = NaiveDate::parse_from_str(rest.get(..8)?, "%Y%m%d").ok()?;
            Some((day, p))
        })
        .collect();
    // Oldest first: by the time each was written (names of one second differ only by `-2`, `-3`).
    let written = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    found.sort_by(|a, b| written(&a.1).cmp(&written(&b.1)).then_with(|| a.1.cmp(&b.1)));
    found
}

/// The newest backup of `db`, if any.
pub fn latest(db: &Path) -> Option<PathBuf> {
    list(db).pop().map(|(_, p)| p)
}

/// Copies the database now into its backups folder; returns the new file.
pub fn backup_now(store: &Store, now: DateTime<Utc>) -> Result<PathBuf, StoreError> {
    let dir = folder(store.path());
    DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|e| StoreError::io(&dir, e))?;
    let stamp = clock::to_vietnam(now).format("%Y%m%d-%H%M%S");
    let stem = stem(store.path());
    // An empty owner-only file first (the copy keeps its mode), written as `….db.partial`, checked,
    // then renamed: a backup killed half-way is never taken for a good one. A second backup in the
    // same second gets `-2`, `-3`, ….
    let mut n = 1;
    let (partial, target) = loop {
        let name = if n == 1 { format!("{stem}-{stamp}.db") } else { format!("{stem}-{stamp}-{n}.db") };
        let target = dir.join(&name);
        let partial = dir.join(format!("{name}.partial"));
        let taken = target.exists();
        match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&partial) {
            Ok(_) if !taken => break (partial, target),
            Ok(_) => {
                let _ = std::fs::remove_file(&partial);
                n += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(StoreError::io(&partial, e)),
        }
        if n >= 100 {
            return Err(StoreError::invalid(
                "Quá nhiều bản sao lưu trong một giây.",
                "Too many backups in one second.",
            ));
        }
    };
    let copied = copy(store.conn(), &partial)
        .and_then(|_| check(&partial))
        .and_then(|_| std::fs::rename(&partial, &target).map_err(|e| StoreError::io(&target, e)));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    Ok(target)
}

/// The online backup: 512 pages a step, a short pause between steps so that writers get the file.
fn copy(source: &Connection, target: &Path) -> Result<(), StoreError> {
    let mut dst = Connection::open(target).doing("opening the backup file")?;
    let backup = rusqlite::backup::Backup::new(source, &mut dst).doing("starting the backup")?;
    backup.run_to_completion(512, Duration::from_millis(5), None).doing("copying the database")?;
    drop(backup);
    // A plain single file: no WAL beside the copy.
    dst.pragma_update(None, "journal_mode", "DELETE").doing("finishing the backup")?;
    Ok(())
}

/// Saves what `conn` still holds after its file was deleted or replaced: `<path>.rescued-<time>`
/// beside it (or in the temporary folder when the folder is gone), owner-only. None if that fails too.
pub fn rescue(conn: &Connection, path: &Path) -> Option<PathBuf> {
    let stamp = clock::to_vietnam(clock::now_utc()).format("%Y%m%d-%H%M%S");
    let name = format!("{}.rescued-{stamp}", path.file_name()?.to_string_lossy());
    let dir = path.parent().filter(|d| d.is_dir()).map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    let target = dir.join(name);
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(&target).ok()?;
    match copy(conn, &target).and_then(|_| check(&target)) {
        Ok(()) => Some(target),
        Err(_) => {
            let _ = std::fs::remove_file(&target);
            None
        }
    }
}

/// Takes today's backup unless there is one already, and deletes those older than `keep_days`.
/// Returns the new backup, if one was taken.
pub fn daily(store: &Store, now: DateTime<Utc>, keep_days: i64) -> Result<Option<PathBuf>, StoreError> {
    let today = clock::to_vietnam(now).date();
    let existing = list(store.path());
    let made = if existing.iter().any(|(d, _)| *d == today) { None } else { Some(backup_now(store, now)?) };
    for (day, path) in existing {
        if (today - day).num_days() > keep_days {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(made)
}

/// Runs `integrity_check` on a database file without changing it.
pub fn check(path: &Path) -> Result<(), StoreError> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).doing("opening the backup")?;
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .doing("checking the backup")
        .map_err(|e| if e.is_corruption() { damaged_backup(path, "not a database") } else { e })?;
    if result == "ok" { Ok(()) } else { Err(damaged_backup(path, &result)) }
}

fn damaged_backup(path: &Path, why: &str) -> StoreError {
    StoreError::invalid(
        format!("Bản sao lưu {} bị hỏng ({why}); không dùng được.", path.display()),
        format!("The backup {} is damaged ({why}); it cannot be used.", path.display()),
    )
}

/// What a restore did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Restored {
    pub database: String,
    pub restored_from: String,
    /// Where the replaced file (and its WAL) went; nothing is deleted.
    pub replaced_saved_as: Option<String>,
    pub visits: i64,
    pub roster_records: i64,
}

/// Replaces the database at `db` by `backup`, after checking the backup's integrity. The file replaced
/// is kept beside it (`….replaced-YYYYMMDD-HHMMSS`), with its WAL. Refuses while another process
/// has the database open.
pub fn restore(db: &Path, backup: &Path, now: DateTime<Utc>) -> Result<Restored, StoreError> {
    check(backup)?;
    if db.exists()
        && let Ok(conn) = Connection::open(db)
    {
        // Nobody else may be using it: leaving WAL mode needs the file to itself, so it fails while any
        // other connection is open. (A damaged file cannot be asked; then only its presence counts.)
        let _ = conn.busy_timeout(Duration::from_millis(200));
        if let Err(e) = conn.pragma_update(None, "journal_mode", "DELETE")
            && matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        {
            return Err(StoreError::invalid(
                "tiepdon vẫn đang dùng cơ sở dữ liệu này; đóng mọi cửa sổ tiepdon rồi khôi phục.",
                "tiepdon is still using this database; close every tiepdon window, then restore.",
            ));
        }
    }
    let stamp = clock::to_vietnam(now).format("%Y%m%d-%H%M%S");
    let mut saved = None;
    if db.exists() {
        let aside = PathBuf::from(format!("{}.replaced-{stamp}", db.display()));
        for suffix in ["", "-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", db.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&from, &to).map_err(|e| StoreError::io(&from, e))?;
            }
        }
        saved = Some(aside.display().to_string());
    }
    let temp = PathBuf::from(format!("{}.restoring", db.display()));
    let written = (|| -> std::io::Result<()> {
        let mut out = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temp)?;
        let mut src = std::fs::File::open(backup)?;
        std::io::copy(&mut src, &mut out)?;
        out.sync_all()?;
        std::fs::rename(&temp, db)?;
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    written.map_err(|e| StoreError::io(db, e))?;
    let store = Store::open(db)?;
    let count = |sql: &str| store.conn().query_row(sql, [], |r| r.get::<_, i64>(0)).doing("counting");
    Ok(Restored {
        database: db.display().to_string(),
        restored_from: backup.display().to_string(),
        replaced_saved_as: saved,
        visits: count("SELECT COUNT(*) FROM visits")?,
        roster_records: count("SELECT COUNT(*) FROM coverage")?,
    })
}
