//! The desk worker: one thread owns the database. The window sends it [`Job`]s and folds its
//! [`Reply`]s into state; nothing on the UI thread waits for SQLite. Each reply wakes the window.

use super::lang::Message;
use crate::card::{self, Detection};
use crate::coverage::VisitFacts;
use crate::export::{self, day_end};
use crate::store::settings::{self, Settings};
use crate::store::visits::{self, CheckIn, Look, Outcome, Visit};
use crate::store::{Store, StoreError, backup};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Instant;

/// The clock the desk reads (tests pin it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;
/// Called after each reply (the window's repaint).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Where a presentation came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The camera, with the code's corners in frame pixels.
    Camera { corners: Vec<(f32, f32)>, frame_size: (u32, u32) },
    /// The scanner/keyboard field (a USB 2D scanner types into it).
    Typed,
    /// An image file opened or dropped on the window.
    File(String),
    /// The card's printed text read by OCR and confirmed with Enter; the text is the JSON of the
    /// fields the read was sure of (`ocr::Fields`).
    Ocr,
}

/// The card of a presentation: a payload or number read as such, OCR'd fields as a `card-text` card.
fn detect(text: &str, origin: &Origin) -> card::Detection {
    match origin {
        Origin::Ocr => match serde_json::from_str::<crate::ocr::Fields>(text) {
            Ok(fields) => crate::ocr::detection(&fields),
            Err(_) => crate::ocr::detection(&Default::default()),
        },
        _ => card::detect(text),
    }
}

/// What the window asks of the database.
#[derive(Debug)]
pub enum Job {
    /// Decide a verdict for a payload or number, recording nothing. `id` numbers the presentation.
    Look {
        id: u64,
        text: String,
        origin: Origin,
        seen_at: Instant,
        /// The visit's kind and the facts told at the desk.
        visit: VisitFacts,
    },
    /// Record the visit of presentation `look_id`; `force` confirms a repeat or a NOT_ELIGIBLE verdict.
    CheckIn {
        look_id: u64,
        text: String,
        origin: Origin,
        visit: VisitFacts,
        force: bool,
        operator: String,
    },
    /// Show an earlier visit's ticket again (audited), answering presentation `look_id`.
    Reprint {
        look_id: u64,
        visit_id: i64,
        operator: String,
    },
    Void {
        ticket: String,
        day: NaiveDate,
        reason: String,
        operator: String,
    },
    /// Today's visits.
    LoadDay,
    /// Settings and roster size again (after an import on another connection).
    Refresh,
    SetSetting {
        key: String,
        value: String,
        operator: String,
    },
    Backup,
    Export {
        out: PathBuf,
        mask_ids: bool,
        operator: String,
    },
    CloseDay {
        out: PathBuf,
        operator: String,
    },
}

/// A presentation with its verdict.
#[derive(Debug, Clone)]
pub struct Looked {
    /// Which presentation this is (replies about it carry the same number).
    pub id: u64,
    pub text: String,
    pub origin: Origin,
    pub detection: Detection,
    /// None when the input was rejected (see `detection.result`).
    pub look: Option<Look>,
    /// When the frame or keystroke arrived.
    pub seen_at: Instant,
    /// The visit facts it was looked up with.
    pub visit: VisitFacts,
}

/// What the database answers.
#[derive(Debug)]
pub enum Reply {
    Opened {
        path: PathBuf,
        settings: Settings,
        roster_size: i64,
    },
    Looked(Box<Looked>),
    CheckedIn {
        look_id: u64,
        result: Result<Outcome, Message>,
    },
    Reprinted {
        look_id: u64,
        result: Result<Visit, Message>,
    },
    Voided(Result<Visit, Message>),
    Day(Result<(NaiveDate, Vec<Visit>), Message>),
    Settings(Result<Settings, Message>),
    BackedUp(Result<PathBuf, Message>),
    /// An export or close: what was done, and the folder written.
    DayEnd(Result<(Message, PathBuf), Message>),
    /// The database could not be opened or a job failed outside any of the above.
    Failed(Message),
}

/// The worker's handle; dropping it ends the thread once its queue is done.
pub struct DeskWorker {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl DeskWorker {
    /// Opens the database at `path` on a new thread.
    pub fn start(path: PathBuf, clock: Clock, replies: Sender<Reply>, wake: Wake) -> DeskWorker {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("tiepdon-desk".into())
            .spawn(move || run(path, clock, rx, replies, wake))
            .ok();
        DeskWorker { jobs: Some(tx), thread }
    }

    pub fn send(&self, job: Job) {
        if let Some(tx) = &self.jobs {
            let _ = tx.send(job);
        }
    }
}

impl Drop for DeskWorker {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(path: PathBuf, clock: Clock, jobs: Receiver<Job>, replies: Sender<Reply>, wake: Wake) {
    let reply = |r: Reply| {
        let _ = replies.send(r);
        wake();
    };
    // Every page checked at start: a damaged file is named with its latest backup, never re-created.
    let mut store = match Store::open_checked(&path) {
        Ok(s) => s,
        Err(e) => return reply(Reply::Failed(e.into())),
    };
    match opened(&store) {
        Ok(r) => reply(r),
        Err(e) => return reply(Reply::Failed(e.into())),
    }
    let mut backed_up_on = None;
    for job in std::iter::once(None).chain(jobs.into_iter().map(Some)) {
        // The day's automatic backup, at start and at the first job of each new day.
        let today = today(&clock);
        if backed_up_on != Some(today) {
            backed_up_on = Some(today);
            match backup::daily(&store, clock(), backup::KEEP_DAYS) {
                Ok(Some(made)) => reply(Reply::BackedUp(Ok(made))),
                Ok(None) => {}
                Err(e) => reply(Reply::BackedUp(Err(e.into()))),
            }
        }
        let Some(job) = job else { continue };
        // A bug in one job must not take the desk down: it becomes an error message, and the next job
        // runs (SQLite rolls back any transaction the panic left open).
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(&mut store, job, &clock)))
            .unwrap_or_else(|_| {
                Reply::Failed(Message::new(
                    "Lỗi nội bộ khi xử lý; thao tác chưa được ghi. Thử lại.",
                    "Internal error; nothing was recorded. Try again.",
                ))
            });
        reply(r);
    }
}

fn opened(store: &Store) -> Result<Reply, StoreError> {
    let settings = settings::load(store.conn())?;
    let roster_size = store
        .conn()
        .query_row("SELECT COUNT(*) FROM coverage", [], |r| r.get(0))
        .map_err(|source| StoreError::Sqlite { what: "counting the roster", source })?;
    Ok(Reply::Opened { path: store.path().to_path_buf(), settings, roster_size })
}

/// "3 lượt khám (1 đã hủy)" / "3 visits (1 voided)": the visits that count, as the screen shows them.
fn counted(all: usize, voided: usize) -> (String, String) {
    let live = all.saturating_sub(voided);
    match voided {
        0 => (format!("{live} lượt khám"), format!("{live} visits")),
        n => (format!("{live} lượt khám ({n} đã hủy)"), format!("{live} visits ({n} voided)")),
    }
}

fn today(clock: &Clock) -> NaiveDate {
    crate::clock::to_vietnam(clock()).date()
}

fn handle(store: &mut Store, job: Job, clock: &Clock) -> Reply {
    let now = clock();
    match job {
        Job::Look { id, text, origin, seen_at, visit } => {
            let detection = detect(&text, &origin);
            let look = match &detection.result {
                Ok(card) => match visits::look(store.conn(), card, &detection, &visit, now) {
                    Ok(look) => Some(look),
                    Err(e) => return Reply::Failed(e.into()),
                },
                Err(_) => None,
            };
            Reply::Looked(Box::new(Looked { id, text, origin, detection, look, seen_at, visit }))
        }
        Job::CheckIn { look_id, text, origin, visit, force, operator } => {
            let detection = detect(&text, &origin);
            let visit_type = visit.kind.as_str();
            let req = CheckIn { detection: &detection, operator: &operator, visit_type, visit, force, now };
            Reply::CheckedIn { look_id, result: visits::check_in(store, &req).map_err(Message::from) }
        }
        Job::Reprint { look_id, visit_id, operator } => {
            let result = visits::reprint(store, visit_id, &operator, now).map_err(Message::from);
            Reply::Reprinted { look_id, result }
        }
        Job::Void { ticket, day, reason, operator } => {
            Reply::Voided(visits::void(store, &ticket, day, &reason, &operator, now).map_err(Message::from))
        }
        Job::LoadDay => {
            let day = today(clock);
            Reply::Day(visits::list(store.conn(), day).map(|v| (day, v)).map_err(Message::from))
        }
        Job::Refresh => opened(store).unwrap_or_else(|e| Reply::Failed(e.into())),
        Job::SetSetting { key, value, operator } => Reply::Settings(
            settings::set_audited(store, &key, &value, &operator, now)
                .and_then(|_| settings::load(store.conn()))
                .map_err(Message::from),
        ),
        Job::Backup => Reply::BackedUp(backup::backup_now(store, now).map_err(Message::from)),
        Job::Export { out, mask_ids, operator } => {
            let formats = export::default_formats(mask_ids);
            let done = day_end::export_day(store, today(clock), &formats, &out, mask_ids, &operator, now);
            Reply::DayEnd(done.map_err(Message::from).map(|d| {
                let (vi, en) = counted(d.visits, d.voided);
                let (held_vi, held_en) = held_words(d.held);
                let (mask_vi, mask_en) = if mask_ids {
                    (" Đã che số: không ghi tệp XML0.", " Ids masked: no XML0 check-in file written.")
                } else {
                    ("", "")
                };
                let m = Message::new(
                    format!("Đã xuất {vi} vào {}.{held_vi}{mask_vi}", out.display()),
                    format!("Exported {en} into {}.{held_en}{mask_en}", out.display()),
                );
                (m, out)
            }))
        }
        Job::CloseDay { out, operator } => {
            // A sealed close is never masked (day_end::close_day).
            let done = day_end::close_day(store, today(clock), &out, false, &operator, now);
            Reply::DayEnd(done.map_err(Message::from).map(|d| {
                let (vi, en) = counted(d.visits, d.voided);
                let day = d.day.format("%d/%m/%Y");
                let (held_vi, held_en) = held_words(d.held);
                let m = Message::new(
                    format!(
                        "Đã chốt sổ ngày {day} ({vi}); tệp niêm phong: {}.{held_vi}",
                        d.manifest.display()
                    ),
                    format!("Closed {day} ({en}); seal: {}.{held_en}", d.manifest.display()),
                );
                (m, out)
            }))
        }
    }
}

/// What an export or a close says of the visits held back from the check-in file.
fn held_words(n: usize) -> (String, String) {
    if n == 0 {
        return (String::new(), String::new());
    }
    (
        format!(" {n} lượt chưa vào tệp XML0: cần tra cứu thẻ (xem tệp tổng hợp)."),
        format!(" {n} visits not in the XML0 file: their card needs a look-up (see the summary)."),
    )
}
