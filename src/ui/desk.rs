//! The desk worker: one thread owns the desk service ([`crate::desk::Desk`]) over the database file or
//! the clinic server. The window sends it [`Job`]s, each documented by the `Desk` call it makes, and
//! folds its [`Reply`]s into state; nothing on the UI thread waits for SQLite or the network. Each
//! reply wakes the window.

use super::lang::Message;
use crate::card::{self, Detection};
use crate::coverage::VisitFacts;
use crate::desk::{Desk, Operator};
use crate::export;
use crate::store::backend::ServerUrl;
use crate::store::settings::Settings;
use crate::store::visits::{CheckIn, Look, Outcome, Visit};
use crate::store::{Location, ServerFault, Store, StoreError, backup};
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
    /// Decide a verdict for a payload or number, recording nothing (`Desk::look`). `id` numbers the
    /// presentation.
    Look {
        id: u64,
        text: String,
        origin: Origin,
        seen_at: Instant,
        /// The visit's kind and the facts told at the desk.
        visit: VisitFacts,
    },
    /// Record the visit of presentation `look_id` (`Desk::check_in`); `force` confirms a repeat or a
    /// NOT_ELIGIBLE verdict.
    CheckIn {
        look_id: u64,
        text: String,
        origin: Origin,
        visit: VisitFacts,
        force: bool,
        /// The supervisor PIN typed for an override, when one is set.
        pin: Option<String>,
        operator: String,
    },
    /// Show an earlier visit's ticket again (audited), answering presentation `look_id`
    /// (`Desk::reprint`).
    Reprint { look_id: u64, visit_id: i64, operator: String },
    /// Void a visit with a reason (`Desk::void`).
    Void { ticket: String, day: NaiveDate, reason: String, operator: String },
    /// Today's visits, every desk's (`Desk::day`).
    LoadDay,
    /// Settings and roster size again (`Desk::settings`), after an import into the desk's file on
    /// another connection; on a clinic server the import is published to the other desks first
    /// (`Desk::publish_roster`) when `imported_by` names who imported it.
    Refresh { imported_by: Option<String> },
    /// Whether the clinic server answers now (`Backend::ping`).
    TestLink,
    /// Change a setting, audited (`Desk::set_setting`).
    SetSetting { key: String, value: String, operator: String },
    /// Back the desk's file up now (`backup::backup_now`; a server is backed up by its administrator).
    Backup,
    /// Export today (`Desk::export_day`).
    Export { out: PathBuf, mask_ids: bool, operator: String },
    /// Close and seal today (`Desk::close_day`).
    CloseDay { out: PathBuf, operator: String },
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
        /// The clinic server, when the desk works on one: in full and brief (never its password).
        server: Option<(String, String)>,
    },
    /// The clinic server's link: `None` while it answers, else why not (only for a desk on a server).
    Link(Option<Message>),
    /// A desk's own file joined to a server: visits waiting to be sent, and since when (local `HH:MM`)
    /// the server has not answered, if it does not.
    Journal {
        waiting: u64,
        down_since: Option<String>,
    },
    /// The online re-check's last run: visits answered, visits still waiting, and why it stopped for
    /// good (the gateway refused the account), if it did.
    Recheck {
        answered: usize,
        waiting: usize,
        stopped: Option<Message>,
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
    /// Opens the database at `path` on a new thread — or, with `server`, the clinic server with `path`
    /// as the desk's roster replica.
    pub fn start(
        path: PathBuf,
        server: Option<ServerUrl>,
        clock: Clock,
        replies: Sender<Reply>,
        wake: Wake,
    ) -> DeskWorker {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("tiepdon-desk".into())
            .spawn(move || run(path, server, clock, rx, replies, wake))
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

/// How often an idle desk on a server checks that the server still answers.
const LINK_CHECK: std::time::Duration = std::time::Duration::from_secs(3);
/// How often a desk on a server asks for a newer roster (a version number; the rows only when newer).
const ROSTER_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

fn run(
    path: PathBuf,
    server: Option<ServerUrl>,
    clock: Clock,
    jobs: Receiver<Job>,
    replies: Sender<Reply>,
    wake: Wake,
) {
    let reply = |r: Reply| {
        let _ = replies.send(r);
        wake();
    };
    let on_server = server.is_some();
    // A server that does not answer at start is tried again every few seconds (the red band says so;
    // a job meanwhile is refused with the reason): the desk comes up by itself once it answers.
    let mut told = false;
    let mut desk = loop {
        let opened_store = match &server {
            // Every page checked at start: a damaged file is named with its latest backup, never re-created.
            None => Store::open_checked(&path).map(|s| Box::new(s) as Box<dyn crate::store::Backend + Send>),
            Some(url) => crate::desk::open(&Location::Server(url.clone()), Some(&path)),
        };
        let e = match opened_store {
            Ok(s) => break Desk::new(s),
            Err(e) => e,
        };
        let retry =
            matches!(e, StoreError::Server { kind: ServerFault::Unreachable | ServerFault::InDoubt, .. });
        let m = Message::from(&e);
        if !retry {
            return reply(Reply::Failed(m));
        }
        if !told {
            told = true;
            reply(Reply::Link(Some(m.clone())));
            reply(Reply::Failed(m.clone()));
        }
        match jobs.recv_timeout(LINK_CHECK) {
            Ok(_) => reply(Reply::Failed(m)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
    };
    if told {
        reply(Reply::Link(None));
    }
    match opened(&mut desk) {
        Ok(r) => reply(r),
        Err(e) => return reply(Reply::Failed(e.into())),
    }
    // A desk's own file joined to a server sends its journal from a thread of its own (a server that
    // does not answer never slows a look-up); it ends with this one.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (done_tx, done) = std::sync::mpsc::channel::<()>();
    if !on_server {
        let (stop, replies, wake, clock, path) =
            (stop.clone(), replies.clone(), wake.clone(), clock.clone(), path.clone());
        let _ = std::thread::Builder::new().name("tiepdon-journal".into()).spawn(move || {
            send_journal(&path, &clock, &stop, &replies, &wake);
            let _ = done_tx.send(());
        });
    }
    // The online re-check drains the queue from a thread of its own with its own connection: the
    // gateway never keeps a look-up or a check-in waiting.
    {
        let (stop, replies, wake, clock, path, server) =
            (stop.clone(), replies.clone(), wake.clone(), clock.clone(), path.clone(), server.clone());
        let _ = std::thread::Builder::new().name("tiepdon-recheck".into()).spawn(move || {
            let location = server.map_or_else(|| Location::File(path.clone()), Location::Server);
            let open = move || crate::desk::open(&location, Some(&path)).map(Desk::new);
            recheck_worker(&open, &clock, &stop, &replies, &wake);
        });
    }
    let _stop_on_exit = JournalEnds { stop, done };
    let mut backed_up_on = None;
    let mut link: Option<Message> = None;
    let mut last_pull = Instant::now();
    let mut first = true;
    loop {
        let job = if first {
            first = false;
            None
        } else if on_server {
            match jobs.recv_timeout(LINK_CHECK) {
                Ok(job) => Some(job),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match jobs.recv() {
                Ok(job) => Some(job),
                Err(_) => break,
            }
        };
        // The day's automatic backup of the desk's file, at start and at the first job of each new
        // day (a server is backed up by its administrator).
        let today = today(&clock);
        if backed_up_on != Some(today) {
            backed_up_on = Some(today);
            match desk.daily_backup(clock()) {
                Ok(Some(made)) => reply(Reply::BackedUp(Ok(made))),
                Ok(None) => {}
                Err(e) => reply(Reply::BackedUp(Err(e.into()))),
            }
        }
        let asked_link = matches!(job, Some(Job::TestLink));
        if let Some(job) = job {
            // A bug in one job must not take the desk down: it becomes an error message, and the next
            // job runs (the store rolls back any transaction the panic left open).
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(&mut desk, job, &clock)))
                .unwrap_or_else(|_| {
                    Reply::Failed(Message::new(
                        "Lỗi nội bộ khi xử lý; thao tác chưa được ghi. Thử lại.",
                        "Internal error; nothing was recorded. Try again.",
                    ))
                });
            reply(r);
        }
        if on_server {
            // After every job and every few idle seconds: the header's red band follows the link.
            let now_link = desk.store().ping().err().map(Message::from);
            if now_link != link || asked_link {
                link = now_link;
                reply(Reply::Link(link.clone()));
            }
            // A roster another desk published reaches this one within the minute, whole.
            if link.is_none() && last_pull.elapsed() >= ROSTER_CHECK {
                last_pull = Instant::now();
                match desk.refresh_roster() {
                    Ok(0) => {}
                    Ok(_) => reply(opened(&mut desk).unwrap_or_else(|e| Reply::Failed(e.into()))),
                    Err(e) => reply(Reply::Failed(e.into())),
                }
            }
        }
    }
}

/// The desk thread ending ends its journal sender, and gives it a moment for its last send (what
/// waits, and "this desk left" for the server, so its silence holds no day's close back).
struct JournalEnds {
    stop: Arc<std::sync::atomic::AtomicBool>,
    done: std::sync::mpsc::Receiver<()>,
}

impl Drop for JournalEnds {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = self.done.recv_timeout(std::time::Duration::from_secs(3));
    }
}

/// Every few seconds, while the desk's file is joined to a server: send what waits, and tell the
/// window how many visits wait and since when the server has not answered (only when that changes).
fn send_journal(
    path: &std::path::Path,
    clock: &Clock,
    stop: &std::sync::atomic::AtomicBool,
    replies: &Sender<Reply>,
    wake: &Wake,
) {
    let Ok(local) = Store::open(path) else { return };
    let mut sender = crate::store::journal::Sender::staying();
    let mut told: Option<(u64, Option<String>)> = None;
    let mut down_since: Option<String> = None;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        match sender.send(&local) {
            Ok(Some(s)) => {
                if s.server == "reachable" {
                    down_since = None;
                } else if down_since.is_none() {
                    down_since = Some(crate::clock::to_vietnam(clock()).format("%H:%M").to_string());
                }
                let now = (s.waiting, down_since.clone());
                if told.as_ref() != Some(&now) || s.peers_changed {
                    told = Some(now);
                    if replies
                        .send(Reply::Journal { waiting: s.waiting, down_since: down_since.clone() })
                        .is_err()
                    {
                        return;
                    }
                    wake();
                }
            }
            // Not joined (now): nothing to send; look again later (a server may be set meanwhile).
            Ok(None) => {}
            Err(e) => log::warn!(target: "tiepdon", "the journal could not be read: {e}"),
        }
        for _ in 0..30 {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    // The window closes: what waits goes if it can, and the server hears that this desk left (its
    // silence then holds no day's close back).
    if let Err(e) = sender.leave(&local) {
        log::warn!(target: "tiepdon", "the journal could not be read: {e}");
    }
}

/// How often the re-check looks at the queue when the gateway answers, and the longest back-off when
/// it does not.
const RECHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
const RECHECK_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(600);

/// Drains today's re-check queue a few seconds after the window opens, then every minute while the
/// gateway answers, backing off (to 10 minutes) while it does not; after the account is refused it
/// waits for the settings to change (one message, no retry storm). The officer is the operator of
/// the day's latest visit unless `vss_officer_name` is set.
fn recheck_worker(
    open: &dyn Fn() -> Result<Desk, StoreError>,
    clock: &Clock,
    stop: &std::sync::atomic::AtomicBool,
    replies: &Sender<Reply>,
    wake: &Wake,
) {
    use crate::gateway::vss::{Client, Fault};
    use std::sync::atomic::Ordering::Relaxed;
    let mut desk: Option<Desk> = None;
    let mut client: Option<(crate::store::settings::Vss, Client)> = None;
    let mut refused: Option<crate::store::settings::Vss> = None;
    let mut next = Instant::now() + std::time::Duration::from_secs(3);
    let mut backoff = RECHECK_EVERY;
    while !stop.load(Relaxed) {
        std::thread::sleep(std::time::Duration::from_millis(200));
        if Instant::now() < next {
            continue;
        }
        next = Instant::now() + RECHECK_EVERY;
        if desk.is_none() {
            desk = open().ok();
        }
        let Some(d) = desk.as_mut() else { continue };
        let Ok(settings) = d.settings() else {
            desk = None;
            continue;
        };
        let vss = settings.vss;
        if !vss.configured() || refused.as_ref() == Some(&vss) {
            continue;
        }
        refused = None;
        if client.as_ref().is_none_or(|(v, _)| *v != vss) {
            client = match Client::new(&vss) {
                Ok(c) => Some((vss.clone(), c)),
                Err(f) => {
                    refused = Some(vss);
                    let (vi, en) = f.messages();
                    let _ = replies.send(Reply::Recheck {
                        answered: 0,
                        waiting: 0,
                        stopped: Some(Message::new(vi, en)),
                    });
                    wake();
                    continue;
                }
            };
        }
        let Some((_, c)) = client.as_mut() else { continue };
        let day = today(clock);
        let officer = d
            .day(day)
            .ok()
            .and_then(|v| v.last().and_then(|v| Operator::parse(&v.operator).ok()))
            .or_else(|| Operator::parse("tiepdon").ok());
        let Some(officer) = officer else { continue };
        let run = match d.recheck_day(day, c, &officer, &|| stop.load(Relaxed), &mut |_| {}) {
            Ok(run) => run,
            Err(e) => {
                log::warn!(target: "tiepdon", "the re-check could not read or write the store: {e}");
                desk = None;
                continue;
            }
        };
        let stopped = run.stopped.as_ref().map(|f: &Fault| {
            let (vi, en) = f.messages();
            Message::new(vi, en)
        });
        if stopped.is_some() {
            refused = Some(vss);
            client = None;
        }
        if run.waiting > 0 && run.answered == 0 {
            backoff = (backoff * 2).min(RECHECK_BACKOFF_MAX);
            next = Instant::now() + backoff;
        } else {
            backoff = RECHECK_EVERY;
        }
        if run.queued > 0 || stopped.is_some() {
            let told = Reply::Recheck { answered: run.answered, waiting: run.waiting, stopped };
            if replies.send(told).is_err() {
                return;
            }
            wake();
        }
    }
}

fn opened(desk: &mut Desk) -> Result<Reply, StoreError> {
    let settings = desk.settings()?;
    let server = match desk.location() {
        Location::Server(url) => Some((url.shown(), url.brief())),
        Location::File(_) => None,
    };
    let roster_size = desk.roster_size()?;
    Ok(Reply::Opened { path: desk.store().local().path().to_path_buf(), settings, roster_size, server })
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

/// The operator a job names, by the one rule of [`Operator`].
fn operator(name: &str) -> Result<Operator, Message> {
    Operator::parse(name).map_err(Message::from)
}

fn handle(desk: &mut Desk, job: Job, clock: &Clock) -> Reply {
    let now = clock();
    match job {
        Job::Look { id, text, origin, seen_at, visit } => {
            let detection = detect(&text, &origin);
            let look = match desk.look(&detection, &visit, now) {
                Ok(Ok(look)) => Some(look),
                Ok(Err(_)) => None,
                Err(e) => return Reply::Failed(e.into()),
            };
            Reply::Looked(Box::new(Looked { id, text, origin, detection, look, seen_at, visit }))
        }
        Job::CheckIn { look_id, text, origin, visit, force, pin, operator: name } => {
            let detection = detect(&text, &origin);
            let visit_type = visit.kind.as_str();
            let result = operator(&name).and_then(|op| {
                let req = CheckIn {
                    detection: &detection,
                    operator: op.as_str(),
                    visit_type,
                    visit,
                    force,
                    pin: pin.as_deref(),
                    now,
                };
                desk.check_in(&req).map_err(Message::from)
            });
            Reply::CheckedIn { look_id, result }
        }
        Job::Reprint { look_id, visit_id, operator: name } => {
            let result =
                operator(&name).and_then(|op| desk.reprint(visit_id, &op, now).map_err(Message::from));
            Reply::Reprinted { look_id, result }
        }
        Job::Void { ticket, day, reason, operator: name } => Reply::Voided(
            operator(&name).and_then(|op| desk.void(&ticket, day, &reason, &op, now).map_err(Message::from)),
        ),
        Job::LoadDay => {
            let day = today(clock);
            Reply::Day(desk.day(day).map(|v| (day, v)).map_err(Message::from))
        }
        Job::Refresh { imported_by } => {
            if let Some(name) = imported_by {
                let published =
                    operator(&name).and_then(|op| desk.publish_roster(&op, now).map_err(Message::from));
                if let Err(m) = published {
                    return Reply::Failed(m);
                }
            }
            opened(desk).unwrap_or_else(|e| Reply::Failed(e.into()))
        }
        Job::TestLink => opened(desk).unwrap_or_else(|e| Reply::Failed(e.into())),
        Job::SetSetting { key, value, operator: name } => Reply::Settings(operator(&name).and_then(|op| {
            desk.set_setting(&key, &value, &op, None, now)
                .and_then(|_| desk.settings())
                .map_err(Message::from)
        })),
        Job::Backup => {
            if desk.location().is_server() {
                return Reply::BackedUp(Err(Message::new(
                    "Máy chủ của phòng khám do người quản trị sao lưu (pg_dump); quầy này chỉ giữ bản sao danh sách thẻ.",
                    "The clinic server is backed up by its administrator (pg_dump); this desk only keeps a copy of the roster.",
                )));
            }
            Reply::BackedUp(backup::backup_now(desk.store().local(), now).map_err(Message::from))
        }
        Job::Export { out, mask_ids, operator: name } => {
            let formats = export::default_formats(mask_ids);
            let done = operator(&name).and_then(|op| {
                desk.export_day(today(clock), &formats, &out, mask_ids, &op, now).map_err(Message::from)
            });
            Reply::DayEnd(done.map(|d| {
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
        Job::CloseDay { out, operator: name } => {
            // A sealed close is never masked (day_end::close_day).
            let done = operator(&name).and_then(|op| {
                desk.close_day(today(clock), &out, false, &[], &op, now).map_err(Message::from)
            });
            Reply::DayEnd(done.map(|d| {
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
