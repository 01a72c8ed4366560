//! What the window opens with: which database, which frame source, demo or not, who operates, and
//! whether this run is a benchmark or a screenshot session. `tiepdon` with no arguments opens demo
//! mode on a first run (no database yet) or when no webcam is found, and says so in the header.

use super::desk::Clock;
use crate::clock;
use crate::scan::camera;
use crate::scan::source::{DemoPace, SourceSpec};
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Invented roster records in a new demo database.
pub const DEMO_CARDS: u64 = 500;
/// Demo database file, beside the real one.
pub const DEMO_DB: &str = "demo.db";
/// The file (in the data folder) naming the database chosen in the window's Settings, when it is not
/// the default one.
pub const CHOSEN_DB: &str = "database-path.txt";
/// The file in the data folder that remembers the clinic server chosen in Settings: its URL, owner-only
/// (as `~/.pgpass`, it may hold the password). It wins over [`CHOSEN_DB`] while it exists.
pub const CHOSEN_SERVER: &str = "server-url.txt";

/// The first webcam found, if any.
pub fn first_camera() -> Option<SourceSpec> {
    let list = camera::list().ok()?;
    let first = list.first()?;
    Some(SourceSpec::Camera { which: first.index.clone(), size: crate::scan::source::CAMERA_SIZE })
}

/// A special run of the window.
#[derive(Debug, Clone, PartialEq)]
pub enum RunPlan {
    /// The desk as a receptionist uses it.
    Desk,
    /// Measure: read `scans` presentations, then draw `frames` frames back to back (the camera still
    /// running), write the figures as JSON to `out`, close.
    Bench { scans: u64, frames: u64, out: PathBuf },
    /// Check in a few demo patients, save PNGs of the check-in and Today screens into `dir`, close.
    Screenshots { dir: PathBuf },
}

/// Everything the window needs to start.
#[derive(Clone)]
pub struct Launch {
    /// The desk's database file (on a clinic server: its roster replica).
    pub db: PathBuf,
    /// The clinic server the desk works on, when `--db` named one.
    pub server: Option<crate::store::backend::ServerUrl>,
    /// The frame source; None when there is no webcam (the scanner field and typed numbers still work).
    pub source: Option<SourceSpec>,
    /// The database is a demo database (invented people).
    pub demo_db: bool,
    /// The operator, when given on the command line (otherwise asked at the start of the shift).
    pub operator: Option<String>,
    pub clock: Clock,
    /// When the process started (for the cold-start figure).
    pub started: Instant,
    pub plan: RunPlan,
    /// Where the log file goes (None: no log file).
    pub log_dir: Option<PathBuf>,
    /// Why demo mode was chosen, when it was chosen automatically.
    pub demo_reason: Option<(String, String)>,
    /// The webcam was chosen automatically: the camera remembered from the last run may replace it.
    pub camera_is_default: bool,
    /// Where each day's export folder goes unless another is chosen.
    pub exports: PathBuf,
    /// A roster file to open the window with, ready to import (as if dropped on it).
    pub roster: Option<PathBuf>,
}

impl Launch {
    /// A window on `db` reading `source`, with no log file (what tests build).
    pub fn new(db: PathBuf, source: Option<SourceSpec>) -> Launch {
        Launch {
            source,
            demo_db: false,
            operator: None,
            clock: Arc::new(clock::now_utc),
            started: Instant::now(),
            plan: RunPlan::Desk,
            log_dir: None,
            demo_reason: None,
            camera_is_default: false,
            exports: db.parent().map(|d| d.join("exports")).unwrap_or_else(|| PathBuf::from("exports")),
            roster: None,
            server: None,
            db,
        }
    }

    /// Whether the frames come from the demo source.
    pub fn demo_source(&self) -> bool {
        matches!(self.source, Some(SourceSpec::Demo(_)))
    }

    /// The real database, for leaving demo mode: the one chosen in Settings, else the default path.
    pub fn real_db() -> Option<PathBuf> {
        let default = Store::default_path()?;
        match chosen_db(default.parent()?) {
            Chosen::Usable(path) => Some(path),
            Chosen::Missing(_) | Chosen::None => Some(default),
        }
    }

    /// Remembers `db` as the window's database for the next start (owner-only file in the data folder);
    /// a server chosen before is forgotten.
    pub fn remember_db(db: &std::path::Path) -> std::io::Result<()> {
        match Store::default_path().and_then(|p| p.parent().map(PathBuf::from)) {
            Some(dir) => {
                let _ = std::fs::remove_file(dir.join(CHOSEN_SERVER));
                remember_db_in(&dir, db)
            }
            None => Ok(()),
        }
    }

    /// Remembers the clinic server for the next start (owner-only file in the data folder).
    #[cfg(feature = "server")]
    pub fn remember_server(url: &crate::store::backend::ServerUrl) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let Some(dir) = Store::default_path().and_then(|p| p.parent().map(PathBuf::from)) else {
            return Ok(());
        };
        std::fs::create_dir_all(&dir)?;
        let _ = std::fs::remove_file(dir.join(CHOSEN_DB));
        let tmp = dir.join(format!("{CHOSEN_SERVER}.tmp"));
        let mut f =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(url.secret().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(tmp, dir.join(CHOSEN_SERVER))
    }

    /// Decides what `tiepdon` (or `tiepdon window`) opens. `db` and `source` are what the command line
    /// gave; `demo` asks for demo mode. Demo frames only ever go with the demo database: a real
    /// database with no webcam gets no camera (the scanner field and typed numbers work), never
    /// invented patients.
    pub fn decide(db: Option<PathBuf>, source: Option<SourceSpec>, demo: bool) -> Result<Launch, String> {
        let default = Store::default_path()
            .ok_or("cannot find the user's data directory; give the database with --db / TIEPDON_DB")?;
        let data_dir = default.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        // The clinic server chosen in Settings last time, when no database was named.
        // It comes first: a file chosen before it no longer counts. A remembered server that cannot be
        // read stops the start (opening a file instead would split the day's visits).
        #[cfg(feature = "server")]
        if db.is_none()
            && !demo
            && let Ok(text) = std::fs::read_to_string(data_dir.join(CHOSEN_SERVER))
        {
            let Ok(crate::store::Location::Server(url)) = crate::store::Location::parse(text.trim()) else {
                return Err(format!(
                    "không đọc được địa chỉ máy chủ đã chọn trong {f}: chọn lại ở Cài đặt, hoặc xóa tệp đó / the \
                     clinic server remembered in {f} cannot be read: choose it again in Settings, or delete that file",
                    f = data_dir.join(CHOSEN_SERVER).display()
                ));
            };
            let replica =
                crate::store::server::replica_for(&url).ok_or("no data directory for the roster copy")?;
            let given = source.is_some();
            let mut launch = Launch::new(replica, source.or_else(first_camera));
            launch.server = Some(url);
            launch.log_dir = Some(data_dir);
            launch.camera_is_default = !given;
            launch.exports = default_exports().unwrap_or(launch.exports);
            return Ok(launch);
        }
        // The database chosen in Settings last time stands for the default. When it is missing (a drive
        // not plugged in, a share not mounted) nothing else is opened in its place: the day's visits
        // would be split between two files.
        let default = match chosen_db(&data_dir) {
            Chosen::Usable(path) => path,
            Chosen::Missing(path) if db.is_none() && !demo => {
                return Err(format!(
                    "không thấy cơ sở dữ liệu đã chọn: {p} (ổ đĩa hoặc thư mục mạng chưa kết nối?). Kết nối rồi \
                     mở lại; hoặc xóa {f} để dùng cơ sở dữ liệu mặc định. / the database chosen in Settings is \
                     missing: {p} (a drive or network folder not connected?). Connect it and open tiepdon \
                     again, or delete {f} to use the default database.",
                    p = path.display(),
                    f = data_dir.join(CHOSEN_DB).display()
                ));
            }
            Chosen::Missing(_) | Chosen::None => default,
        };
        let first_run = db.is_none() && !default.exists();
        let mut reason = None;
        let (db, demo_db) = match db {
            Some(p) => (p, demo),
            None if demo => (data_dir.join(DEMO_DB), true),
            None if first_run => {
                reason = Some((
                    "Lần chạy đầu: dữ liệu demo. Bấm “Bắt đầu dùng thật” ở Cài đặt (F4) khi sẵn sàng."
                        .to_string(),
                    "First run: demo data. Press “Start for real” in Settings (F4) when ready.".to_string(),
                ));
                (data_dir.join(DEMO_DB), true)
            }
            None => (default, false),
        };
        let given = source.is_some();
        let source = match source {
            Some(s) => Some(s),
            None if demo_db => Some(SourceSpec::Demo(DemoPace::DESK)),
            None => first_camera(),
        };
        let mut launch = Launch::new(db, source);
        launch.demo_db = demo_db;
        launch.demo_reason = reason;
        launch.log_dir = Some(data_dir);
        launch.camera_is_default = !given && !demo_db;
        launch.exports = default_exports().unwrap_or(launch.exports);
        Ok(launch)
    }

    /// Creates the demo database when it does not exist yet.
    pub fn prepare(&self) -> Result<(), String> {
        if self.demo_db && !self.db.exists() {
            let mut store = Store::open(&self.db).map_err(|e| e.to_string())?;
            crate::demo::fill(&mut store, DEMO_CARDS, 1, (self.clock)()).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Writes [`CHOSEN_DB`] into the data folder `dir`: the absolute path of `db`, owner-only, whole or not
/// at all (written aside, then renamed).
fn remember_db_in(dir: &std::path::Path, db: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    let db = std::path::absolute(db)?;
    let tmp = dir.join(format!("{CHOSEN_DB}.tmp"));
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(db.as_os_str().as_encoded_bytes())?;
    f.sync_all()?;
    std::fs::rename(tmp, dir.join(CHOSEN_DB))
}

/// What the data folder's [`CHOSEN_DB`] says.
#[derive(Debug, PartialEq)]
enum Chosen {
    /// No database chosen (no file, or not an absolute path).
    None,
    Usable(PathBuf),
    /// Chosen, but not there now.
    Missing(PathBuf),
}

fn chosen_db(data_dir: &std::path::Path) -> Chosen {
    let Ok(text) = std::fs::read_to_string(data_dir.join(CHOSEN_DB)) else { return Chosen::None };
    let path = PathBuf::from(text.trim());
    match (path.is_absolute(), path.is_file()) {
        (false, _) => Chosen::None,
        (true, true) => Chosen::Usable(path),
        (true, false) => Chosen::Missing(path),
    }
}

/// Where a receptionist's exports go by default: `tiepdon` in the Documents folder (or the home
/// folder), where the file manager shows it — not the hidden data folder.
pub fn default_exports() -> Option<PathBuf> {
    let user = directories::UserDirs::new()?;
    Some(user.document_dir().unwrap_or(user.home_dir()).join("tiepdon"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_chosen_database_is_remembered_owner_only_and_forgotten_when_gone() {
        let dir = std::env::temp_dir().join(format!("tiepdon-chosen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = dir.join("clinic").join("desk.db");
        std::fs::create_dir_all(db.parent().expect("a parent")).expect("a folder");
        assert_eq!(chosen_db(&dir), Chosen::None, "nothing chosen yet");
        remember_db_in(&dir, &db).expect("remembered");
        let file = dir.join(CHOSEN_DB);
        assert_eq!(std::fs::metadata(&file).expect("written").permissions().mode() & 0o777, 0o600);
        assert_eq!(chosen_db(&dir), Chosen::Missing(db.clone()), "chosen, but the file is not there");
        std::fs::write(&db, b"").expect("the database file");
        assert_eq!(chosen_db(&dir), Chosen::Usable(db.clone()));
        std::fs::write(&file, "relative/path.db").expect("overwritten");
        assert_eq!(chosen_db(&dir), Chosen::None, "only an absolute path counts");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
