//! Store errors, each with a message in Vietnamese and English that says what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// Something the store could not do.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite refused, with what it means for the desk.
    Sqlite { what: &'static str, source: rusqlite::Error },
    /// The database file or its folder could not be created or opened.
    Io { path: PathBuf, source: std::io::Error },
    /// The schema could not be brought up to date.
    Migration(String),
    /// A value given by the user is not acceptable; the message says why.
    Invalid { vi: String, en: String },
    /// The database file is damaged; `backup` is the latest backup, if any.
    Damaged { path: PathBuf, backup: Option<PathBuf> },
    /// The clinic server refused or could not be reached. `server` is shown without its password.
    Server { what: &'static str, server: String, kind: ServerFault, detail: String },
}

/// How a clinic server failed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFault {
    /// Not reached (down, cable cut, wrong address): nothing was recorded.
    Unreachable,
    /// The link broke while the transaction committed: it may or may not be recorded.
    InDoubt,
    /// The server answered with an error (permissions, a rule): nothing was recorded.
    Refused,
}

impl StoreError {
    pub fn invalid(vi: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::Invalid { vi: vi.into(), en: en.into() }
    }

    /// The database at `path` is damaged: the error names the latest backup to restore.
    pub fn damaged(path: &Path) -> StoreError {
        StoreError::Damaged { path: path.to_path_buf(), backup: super::backup::latest(path) }
    }

    /// Whether SQLite said the file is damaged or not a database at all.
    pub fn is_corruption(&self) -> bool {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        match self {
            StoreError::Sqlite { source, .. } => {
                matches!(source.sqlite_error_code(), Some(DatabaseCorrupt | NotADatabase))
            }
            StoreError::Migration(e) => e.contains("malformed") || e.contains("not a database"),
            StoreError::Damaged { .. } => true,
            _ => false,
        }
    }

    pub fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io { path: path.to_path_buf(), source }
    }

    /// The message in Vietnamese and in English, apart (the window shows the one of its language).
    pub fn messages(&self) -> (String, String) {
        match self {
            StoreError::Sqlite { what, source } => {
                let (vi, en) = Self::sqlite_hint(source);
                (format!("{vi} ({what}: {source})"), format!("{en} ({what}: {source})"))
            }
            StoreError::Io { path, source } => (
                format!("Không mở hoặc tạo được {}: {source}", path.display()),
                format!("Cannot open or create {}: {source}", path.display()),
            ),
            StoreError::Migration(e) => (
                format!("Không nâng cấp được cơ sở dữ liệu: {e}"),
                format!("Cannot upgrade the database: {e}"),
            ),
            StoreError::Invalid { vi, en } => (vi.clone(), en.clone()),
            StoreError::Server { what, server, kind, detail } => match kind {
                ServerFault::Unreachable => (
                    format!(
                        "Không kết nối được máy chủ {server}: chưa ghi gì. Kiểm tra mạng và máy chủ rồi thử lại. \
                         ({what}: {detail})"
                    ),
                    format!(
                        "The clinic server {server} is unreachable: nothing was recorded. Check the network and \
                         the server, then retry. ({what}: {detail})"
                    ),
                ),
                ServerFault::InDoubt => (
                    format!(
                        "Mất kết nối máy chủ {server} đúng lúc ghi: không rõ đã ghi hay chưa. Xem danh sách hôm \
                         nay (tiepdon visits) trước khi tiếp đón lại. ({what}: {detail})"
                    ),
                    format!(
                        "The link to {server} broke while recording: it may or may not be recorded. Check \
                         today's list (tiepdon visits) before checking in again. ({what}: {detail})"
                    ),
                ),
                ServerFault::Refused => (
                    format!("Máy chủ {server} từ chối ({what}): {detail}. Chưa ghi gì."),
                    format!("The server {server} refused ({what}): {detail}. Nothing was recorded."),
                ),
            },
            StoreError::Damaged { path, backup } => {
                let (vi_fix, en_fix) = match backup {
                    Some(b) => (
                        format!("khôi phục bản sao lưu gần nhất: tiepdon restore {}", b.display()),
                        format!("restore the latest backup: tiepdon restore {}", b.display()),
                    ),
                    None => (
                        "không có bản sao lưu; cần người phụ trách kỹ thuật.".to_string(),
                        "there is no backup; call IT.".to_string(),
                    ),
                };
                (
                    format!(
                        "Tệp dữ liệu {} bị hỏng; không mở (và không tạo mới). Hãy {vi_fix}",
                        path.display()
                    ),
                    format!(
                        "The database {} is damaged; not opened (nor re-created). To fix: {en_fix}",
                        path.display()
                    ),
                )
            }
        }
    }

    /// A short English/Vietnamese hint for what the SQLite error means at the desk.
    fn sqlite_hint(e: &rusqlite::Error) -> (&'static str, &'static str) {
        use rusqlite::ErrorCode::*;
        if matches!(
            e,
            rusqlite::Error::Utf8Error(..)
                | rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..)
        ) {
            return (
                "Một phần dữ liệu trong tệp bị hỏng (không đọc được): khôi phục bản sao lưu gần nhất (tiepdon restore).",
                "Part of the data in the file is damaged (unreadable): restore the latest backup (tiepdon restore).",
            );
        }
        match e.sqlite_error_code() {
            Some(DiskFull) => (
                "Ổ đĩa đã đầy: giải phóng dung lượng rồi thử lại.",
                "The disk is full: free some space and retry.",
            ),
            Some(ReadOnly) => (
                "Cơ sở dữ liệu chỉ đọc: kiểm tra quyền ghi của tệp.",
                "The database is read-only: check the file's write permission.",
            ),
            Some(DatabaseCorrupt | NotADatabase) => (
                "Tệp dữ liệu bị hỏng: khôi phục từ bản sao lưu gần nhất.",
                "The database file is damaged: restore the latest backup.",
            ),
            Some(DatabaseBusy | DatabaseLocked) => {
                ("Cơ sở dữ liệu đang bận quá lâu: thử lại.", "The database stayed busy too long: retry.")
            }
            Some(SystemIoFailure) => (
                "Không đọc/ghi được đĩa (đĩa đầy, bị rút ra hoặc hỏng?): giải phóng dung lượng, kiểm tra ổ đĩa rồi thử lại.",
                "The disk could not be read or written (full, unplugged or failing?): free some space, check the drive, retry.",
            ),
            Some(CannotOpen | PermissionDenied) => (
                "Không mở được tệp dữ liệu: kiểm tra đường dẫn và quyền.",
                "Cannot open the database file: check the path and permissions.",
            ),
            _ => ("Lỗi cơ sở dữ liệu.", "Database error."),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlite { what, source } => {
                let (vi, en) = Self::sqlite_hint(source);
                write!(f, "{vi} / {en} ({what}: {source})")
            }
            StoreError::Io { path, source } => write!(
                f,
                "Không mở hoặc tạo được {} / Cannot open or create {}: {source}",
                path.display(),
                path.display()
            ),
            StoreError::Migration(e) => {
                write!(f, "Không nâng cấp được cơ sở dữ liệu / Cannot upgrade the database: {e}")
            }
            StoreError::Invalid { vi, en } => write!(f, "{vi} / {en}"),
            StoreError::Damaged { .. } | StoreError::Server { .. } => {
                let (vi, en) = self.messages();
                write!(f, "{vi} / {en}")
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Sqlite { source, .. } => Some(source),
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Attaches what was being done to a SQLite error.
pub trait Context<T> {
    fn doing(self, what: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn doing(self, what: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite { what, source })
    }
}
