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
    pub db: PathBuf,
    pub source: SourceSpec,
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
}

impl Launch {
    /// A window on `db` reading `source`, with no log file (what tests build).
    pub fn new(db: PathBuf, source: SourceSpec) -> Launch {
        Launch {
            db,
            source,
            demo_db: false,
            operator: None,
            clock: Arc::new(clock::now_utc),
            started: Instant::now(),
            plan: RunPlan::Desk,
            log_dir: None,
            demo_reason: None,
            camera_is_default: false,
        }
    }

    /// Whether the frames come from the demo source.
    pub fn demo_source(&self) -> bool {
        matches!(self.source, SourceSpec::Demo(_))
    }

    /// Decides what `tiepdon` (or `tiepdon window`) opens. `db` and `source` are what the command line
    /// gave; `demo` asks for demo mode.
    pub fn decide(db: Option<PathBuf>, source: Option<SourceSpec>, demo: bool) -> Result<Launch, String> {
        let default = Store::default_path()
            .ok_or("cannot find the user's data directory; give the database with --db / TIEPDON_DB")?;
        let data_dir = default.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        let first_run = db.is_none() && !default.exists();
        let mut reason = None;
        let (db, demo_db) = match db {
            Some(p) if !demo => (p, false),
            Some(p) => (p, true),
            None if demo => (data_dir.join(DEMO_DB), true),
            None if first_run => {
                reason = Some((
                    "Lần chạy đầu: dùng dữ liệu demo. Nhập danh sách thẻ ở Cài đặt để dùng thật.".to_string(),
                    "First run: demo data. Import a roster in Settings to start for real.".to_string(),
                ));
                (data_dir.join(DEMO_DB), true)
            }
            None => (default, false),
        };
        let given = source.is_some();
        let source = match source {
            Some(s) => s,
            None if demo || demo_db => SourceSpec::Demo(DemoPace::DESK),
            None => match camera::list() {
                Ok(list) if !list.is_empty() => SourceSpec::Camera {
                    which: list[0].index.clone(),
                    size: crate::scan::source::CAMERA_SIZE,
                },
                _ => {
                    reason.get_or_insert((
                        "Không thấy webcam: dùng ảnh demo.".to_string(),
                        "No webcam found: demo frames.".to_string(),
                    ));
                    SourceSpec::Demo(DemoPace::DESK)
                }
            },
        };
        let mut launch = Launch::new(db, source);
        launch.demo_db = demo_db;
        launch.demo_reason = reason;
        launch.log_dir = Some(data_dir);
        launch.camera_is_default = !given && matches!(launch.source, SourceSpec::Camera { .. });
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
