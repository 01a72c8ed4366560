//! Backups: a consistent copy of the live database (`VACUUM INTO`, safe while other desks write) into
//! `backups/` beside it, owner-only, checked with `integrity_check` before it is reported as made.

use super::{Context, Store, StoreError};
use crate::clock;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The folder of a database's backups.
pub fn folder(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("backups")
}

/// Copies the database now into its backups folder; returns the new file.
pub fn backup_now(store: &Store, now: DateTime<Utc>) -> Result<PathBuf, StoreError> {
    let dir = folder(store.path());
    DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|e| StoreError::io(&dir, e))?;
    let stem = store.path().file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or("tiepdon".into());
    let stamp = clock::to_vietnam(now).format("%Y%m%d-%H%M%S");
    // An empty owner-only file first (VACUUM INTO fills an empty file and keeps its mode); a second
    // backup in the same second gets `-2`, `-3`, ….
    let mut n = 1;
    let target = loop {
        let name = if n == 1 { format!("{stem}-{stamp}.db") } else { format!("{stem}-{stamp}-{n}.db") };
        let target = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&target) {
            Ok(_) => break target,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(StoreError::io(&target, e)),
        }
    };
    let copied = store
        .conn()
        .execute("VACUUM INTO ?1", [target.to_string_lossy()])
        .doing("copying the database")
        .and_then(|_| check(&target));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&target);
        return Err(e);
    }
    Ok(target)
}

/// Runs `integrity_check` on a database file without changing it.
pub fn check(path: &Path) -> Result<(), StoreError> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).doing("opening the backup")?;
    let result: String =
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).doing("checking the backup")?;
    if result == "ok" {
        Ok(())
    } else {
        Err(StoreError::invalid(
            format!("Bản sao lưu {} bị hỏng: {result}", path.display()),
            format!("The backup {} is damaged: {result}", path.display()),
        ))
    }
}
