//! The local SQLite store: one file holding the clinic's settings, the coverage roster, visits with their
//! tickets, and the audit chain. Opening it applies the pragmas and migrations; every write runs in an
//! immediate transaction so two desks (or two processes) never hand out the same ticket.

pub mod audit;
pub mod backend;
pub mod backup;
pub mod closure;
mod error;
pub mod import;
mod import_pipeline;
pub mod journal;
pub mod rechecks;
pub mod roster;
pub mod roster_csv;
pub mod roster_file;
pub mod schema;
#[cfg(feature = "server")]
pub mod server;
pub mod settings;
pub mod sql;
pub mod visits;

pub use backend::{Backend, Location, read, write};
pub use error::{Context, ServerFault, StoreError};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another one before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Page size of new databases, in bytes.
pub const PAGE_SIZE: i64 = 16_384;

/// File name of the database in the data directory.
pub const DB_FILE_NAME: &str = "tiepdon.db";

/// An open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The file's (device, inode) when opened: a write refuses when the file was deleted or replaced.
    identity: Option<(u64, u64)>,
    /// Where the file was saved after it was deleted or replaced under this connection.
    rescued: Option<PathBuf>,
}

fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Brings the schema up to date. Several processes may open a new file at once: the loser of the race
/// sees the winner's schema on its next try.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let latest = schema::latest_version() as i64;
    let mut last_error = String::new();
    for attempt in 0..20_u64 {
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .doing("reading the schema version")?;
        if version >= latest {
            return Ok(());
        }
        match schema::migrations().to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(e) => last_error = e.to_string().lines().next().unwrap_or_default().to_string(),
        }
        std::thread::sleep(Duration::from_millis(10 * (attempt + 1)));
    }
    Err(StoreError::Migration(last_error))
}

impl Store {
    /// The default database: `tiepdon.db` in the user's data directory (`~/.local/share/tiepdon` on Linux).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("vn", "tiepdon", "tiepdon").map(|d| d.data_dir().join(DB_FILE_NAME))
    }

    /// Opens (creating if needed, owner-only) the database at `path` and migrates it to the latest schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| StoreError::io(dir, e))?;
        }
        // Create the file ourselves so that it is owner-only; SQLite gives its -wal/-shm files the same mode.
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem if path.exists() => {
                    StoreError::invalid(
                        format!(
                            "Cơ sở dữ liệu {} chỉ đọc: không có quyền ghi. Kiểm tra quyền của tệp và thư mục (hoặc ổ \
                             đĩa chỉ đọc); chưa ghi gì.",
                            path.display()
                        ),
                        format!(
                            "The database {} is read-only: no permission to write. Check the file's and folder's \
                             permissions (or a read-only drive); nothing was recorded.",
                            path.display()
                        ),
                    )
                }
                _ => StoreError::io(path, e),
            })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).doing("opening the database")?;
        // A damaged file is reported as such (with the latest backup to restore), never re-created.
        let damaged = |e: StoreError| if e.is_corruption() { StoreError::damaged(path) } else { e };
        conn.busy_timeout(BUSY_TIMEOUT).doing("setting the busy timeout")?;
        // Only takes effect on a new, empty file (before the first table); larger pages load faster.
        conn.pragma_update(None, "page_size", PAGE_SIZE).doing("setting the page size").map_err(damaged)?;
        // WAL is persistent in the file. Switching needs the file to itself: while another process holds
        // it (e.g. a bulk import in rollback mode), carry on and switch next time.
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .doing("reading the journal mode")
            .map_err(damaged)?;
        if !mode.eq_ignore_ascii_case("wal") {
            let _ = conn.pragma_update(None, "journal_mode", "WAL");
        }
        conn.pragma_update(None, "synchronous", "FULL").doing("setting synchronous=FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON").doing("enabling foreign keys")?;
        migrate(&mut conn).map_err(damaged)?;
        Ok(Store { conn, path: path.to_path_buf(), identity: identity(path), rescued: None })
    }

    /// Opens the database and checks every page (`PRAGMA quick_check`): what the window does at start,
    /// off the UI thread. A damaged file is an error naming the latest backup.
    pub fn open_checked(path: &Path) -> Result<Store, StoreError> {
        let store = Store::open(path)?;
        let result: String = store
            .conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .doing("checking the database")
            .map_err(|e| if e.is_corruption() { StoreError::damaged(path) } else { e })?;
        if result != "ok" {
            return Err(StoreError::damaged(path));
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in an immediate (write-locking) transaction and commits it; rolls back on error.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&Transaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // Deleted or replaced under us (a cleaner, a careless copy): writing on would go to a file no one
        // will ever open again. Refuse, say so, keep running.
        if self.identity.is_some() && identity(&self.path) != self.identity {
            // This connection still holds the old file: save it beside the path (once) so that nothing
            // recorded before is lost.
            if self.rescued.is_none() {
                self.rescued = backup::rescue(&self.conn, &self.path);
            }
            let (vi_saved, en_saved) = match &self.rescued {
                Some(p) => (
                    format!(" Dữ liệu đã ghi được cứu vào {} (tiepdon restore tệp đó).", p.display()),
                    format!(" What was recorded is saved in {} (tiepdon restore that file).", p.display()),
                ),
                None => (String::new(), String::new()),
            };
            return Err(StoreError::invalid(
                format!(
                    "Tệp dữ liệu {} đã bị xóa hoặc thay thế khi tiepdon đang chạy: không ghi gì.{vi_saved}",
                    self.path.display()
                ),
                format!(
                    "The database file {} was deleted or replaced while tiepdon ran: nothing was recorded.{en_saved}",
                    self.path.display()
                ),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .doing("starting a write transaction")?;
        let value = f(&tx)?;
        tx.commit().doing("committing")?;
        Ok(value)
    }

    /// `PRAGMA integrity_check`: `ok`, or the problems found.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        let rows: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .doing("checking integrity")?;
        Ok(rows.join("\n"))
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).doing("reading the schema version")
    }

    /// Size of the database file in bytes (pages in use × page size).
    pub fn size_bytes(&self) -> Result<i64, StoreError> {
        let pages: i64 =
            self.conn.pragma_query_value(None, "page_count", |r| r.get(0)).doing("page count")?;
        let size: i64 = self.conn.pragma_query_value(None, "page_size", |r| r.get(0)).doing("page size")?;
        Ok(pages * size)
    }
}
