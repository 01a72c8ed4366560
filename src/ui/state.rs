//! The desk's plain state, folded from the workers' replies and events in `App::logic`. Drawing reads
//! it; nothing here touches SQLite, the camera or egui.

use super::desk::{Looked, Origin, Reply};
use super::lang::{Lang, Message};
use crate::scan::worker::ScanEvent;
use crate::store::settings::Settings;
use crate::store::visits::{Outcome, Refusal, Visit};
use chrono::NaiveDate;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a verdict must have been on screen before Enter acts on it (nobody reads faster).
pub const ENTER_AFTER: Duration = Duration::from_millis(300);
/// How long a ticket just given stays on screen before a waiting camera read takes its place.
pub const TICKET_HOLD: Duration = Duration::from_secs(3);
/// How long a verdict nobody touched (no key, no click) stays before a waiting camera read replaces it.
pub const IDLE_TAKEOVER: Duration = Duration::from_secs(15);
/// After such a replacement, how long Enter waits (a key meant for the verdict that was there).
pub const ENTER_AFTER_TAKEOVER: Duration = Duration::from_secs(1);
/// A camera read that waited this long is dropped (the patient has walked on).
pub const NEXT_MAX_AGE: Duration = Duration::from_secs(120);

/// A note at the bottom of the window (the last outcome or error).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub message: Message,
    pub error: bool,
}

/// How the frame source is doing.
#[derive(Debug, Clone, Default)]
pub struct SourceStatus {
    /// No frame source at all (no webcam): the scanner field and typed numbers still work.
    pub absent: bool,
    pub description: Option<String>,
    pub error: Option<String>,
    pub ended: bool,
    pub decoder_panics: u64,
}

/// A roster import running on its own thread.
#[derive(Debug, Clone, Default)]
pub struct ImportProgress {
    pub file: String,
    pub done: u64,
    pub total: u64,
    /// The outcome, once finished.
    pub result: Option<Result<Message, Message>>,
}

/// How a roster file would be read (`inspect-roster`), shown before it is imported.
#[derive(Debug, Clone, Default)]
pub struct RosterPreview {
    pub path: PathBuf,
    /// Each column: its header, what it maps to (`card_number`, …, `ignore`, `unknown`), masked samples.
    pub columns: Vec<(String, String, Vec<String>)>,
    /// What would stop the import (a sex coding that contradicts the citizen ids, no header…).
    pub problems: Vec<crate::ui::lang::Message>,
    /// What kind of file it is (`tiepdon-csv`, `xml130-claims`, a table).
    pub kind: String,
}

/// The card's printed text read by OCR, waiting for the receptionist's Enter.
#[derive(Debug, Clone)]
pub struct CardText {
    pub reading: crate::ocr::Reading,
    /// Where it was read: the camera, or an image file's name.
    pub from: String,
}

/// Everything the window shows.
#[derive(Debug, Default)]
pub struct DeskState {
    /// Reading a card's printed text (OCR) is under way.
    pub ocr_busy: bool,
    /// The card text read, shown in the scanner area until Enter looks it up (or Esc drops it).
    pub card_text: Option<CardText>,
    /// The desk's own file (on a clinic server: its roster replica).
    pub db_path: Option<PathBuf>,
    /// The clinic server the desk works on (shown without its password), if any.
    pub server: Option<String>,
    /// The same, `database@host`, for the header.
    pub server_brief: Option<String>,
    /// Why the clinic server does not answer, while it does not (the header's red band).
    pub link_down: Option<Message>,
    /// A desk's own file joined to a server: visits waiting to be sent, and since when (`HH:MM`) the
    /// server has not answered.
    pub journal: Option<(u64, Option<String>)>,
    /// Why the online re-check stopped for good (the gateway refused the account), until it runs again.
    pub recheck_stopped: Option<Message>,
    pub settings: Option<Settings>,
    pub roster_size: i64,
    /// The database holds demo data (invented people) — the header says so on every screen.
    pub demo_db: bool,
    /// The frames come from the demo source, not a camera — the header says so.
    pub demo_source: bool,
    /// The operator of this shift (None until given).
    pub operator: Option<String>,
    pub source: SourceStatus,
    /// The presentation on screen, with its verdict. A camera read never replaces it while the
    /// receptionist may be acting on it: see [`DeskState::apply`] and [`DeskState::tick`].
    pub current: Option<Looked>,
    /// When `current` was put on screen.
    pub shown_at: Option<Instant>,
    /// The last key or click of the receptionist.
    pub touched_at: Option<Instant>,
    /// A camera read that arrived while `current` (or a fresh ticket) was on screen: it waits,
    /// visibly, until the screen is free (or F5 shows it now). Only the newest is kept.
    pub next: Option<Box<Looked>>,
    /// When the ticket on screen was given.
    pub ticket_at: Option<Instant>,
    /// The presentation on screen replaced another one by itself (a camera read after the idle time).
    pub taken_over: bool,
    /// A look-up typed, scanned or dropped, not answered yet: Enter waits for it rather than act on
    /// what is on screen.
    pub awaiting: Option<u64>,
    /// The visit's kind and the facts told at the desk for the presentation on screen (outpatient and
    /// none for each new one).
    pub visit: crate::coverage::VisitFacts,
    /// The look-up asked again for the presentation on screen after a fact changed: its answer
    /// replaces the verdict on screen, whatever its origin.
    pub relook: Option<u64>,
    /// A new `current` not yet drawn (for the scan-to-verdict measurement).
    pub current_fresh: bool,
    /// Why the last check-in of `current` was refused.
    pub refusal: Option<Box<Refusal>>,
    /// The ticket just given (shown big until the next patient).
    pub ticket: Option<Visit>,
    /// The scanner field's inline error (a typed number or payload that cannot be used).
    pub typed_error: Option<Message>,
    /// Today's visits.
    pub day: Option<(NaiveDate, Vec<Visit>)>,
    pub notice: Option<Notice>,
    /// The database could not be opened: nothing can be recorded.
    pub fatal: Option<Message>,
    /// A check-in, reprint or void is on its way to the database.
    pub busy: bool,
    /// Scans looked up since start.
    pub scans: u64,
    pub import: Option<ImportProgress>,
    /// How the chosen roster file would be read (`None` while it is being read).
    pub roster_preview: Option<RosterPreview>,
    /// The webcams found by the last search, or why none could be listed.
    pub cameras: Option<Result<Vec<crate::scan::camera::CameraInfo>, String>>,
    /// The folder of the last export (for "Open folder").
    pub exported: Option<PathBuf>,
    /// A Vietnamese input method rewrote what the scanner typed, and no clean read has come since: the
    /// window says to switch it to English.
    pub input_method_on: bool,
}

impl DeskState {
    /// Shows `message` in the status line (red when `error`).
    pub fn tell(&mut self, message: Message, error: bool) {
        self.note(message, error);
    }

    fn note(&mut self, message: Message, error: bool) {
        self.notice = Some(Notice { message, error });
    }

    /// Whether Enter (or a check-in button) may act on the verdict on screen: no typed look-up is on
    /// its way, and the verdict has been visible for [`ENTER_AFTER`] ([`ENTER_AFTER_TAKEOVER`] when it
    /// replaced another by itself).
    pub fn enter_ready(&self, now: Instant) -> bool {
        let after = if self.taken_over { ENTER_AFTER_TAKEOVER } else { ENTER_AFTER };
        self.awaiting.is_none()
            && self.current.is_some()
            && self.shown_at.is_some_and(|at| now.saturating_duration_since(at) >= after)
    }

    /// The verdict on screen is seen again (Check-in shown after another screen): its reading time
    /// starts now.
    pub fn seen_again(&mut self, now: Instant) {
        if self.current.is_some() {
            self.shown_at = Some(now);
        }
    }

    /// Puts a new presentation on screen (its visit facts start afresh).
    fn show(&mut self, looked: Looked, now: Instant) {
        self.visit = looked.visit;
        if self.next.as_ref().is_some_and(|n| n.text == looked.text) {
            self.next = None;
        }
        self.taken_over = false;
        self.typed_error = None;
        self.refusal = None;
        self.ticket = None;
        self.ticket_at = None;
        self.current = Some(looked);
        self.shown_at = Some(now);
        self.current_fresh = true;
    }

    /// Whether the screen is held for the receptionist: a verdict they may be acting on, a check-in on
    /// its way, or a ticket given less than [`TICKET_HOLD`] ago.
    fn held(&self, now: Instant) -> bool {
        self.current.is_some()
            || self.busy
            || self.ticket_at.is_some_and(|at| now.duration_since(at) < TICKET_HOLD)
    }

    /// Shows the waiting camera read now (F5, or a click on it).
    pub fn show_next(&mut self, now: Instant) {
        if !self.busy
            && let Some(next) = self.next.take()
        {
            self.show(*next, now);
        }
    }

    /// Drops the waiting read when it is the patient just checked in (looked up before the visit was
    /// recorded, it would show them as not yet checked in).
    fn forget_next_of(&mut self, visit: &Visit) {
        let Some(p) = self.next.as_ref().and_then(|n| n.look.as_ref()).map(|l| &l.patient) else { return };
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        if same(&p.card_number, &visit.card_number)
            || same(&p.bhxh_number, &visit.bhxh_number)
            || same(&p.citizen_id, &visit.citizen_id)
        {
            self.next = None;
        }
    }

    /// Lets a waiting camera read take the screen once it is free: nothing on it, a ticket shown for
    /// [`TICKET_HOLD`], or a verdict *from the camera* nobody touched for [`IDLE_TAKEOVER`] (its patient
    /// walked on). A verdict the receptionist typed or scanned stays until recorded or dismissed.
    /// Returns when to look again.
    pub fn tick(&mut self, now: Instant) -> Option<Duration> {
        if self.next.as_ref().is_some_and(|n| now.saturating_duration_since(n.seen_at) > NEXT_MAX_AGE) {
            self.next = None;
        }
        self.next.as_ref()?;
        if self.busy {
            return Some(Duration::from_millis(200));
        }
        let since = |at: Option<Instant>| at.map(|at| now.saturating_duration_since(at));
        let wait = if let Some(current) = &self.current {
            if !matches!(current.origin, Origin::Camera { .. }) {
                return None; // F5 or Esc frees it
            }
            let idle = since(self.shown_at.max(self.touched_at)).unwrap_or_default();
            IDLE_TAKEOVER.saturating_sub(idle)
        } else {
            TICKET_HOLD.saturating_sub(since(self.ticket_at).unwrap_or(TICKET_HOLD))
        };
        if wait.is_zero() {
            let took_over = self.current.is_some();
            self.show_next(now);
            self.taken_over = took_over;
            return None;
        }
        Some(wait)
    }

    /// Folds a reply of the desk worker. Returns true when today's list should be reloaded.
    ///
    /// A look-up from the scanner field, the keyboard or an image file takes the screen at once. A
    /// camera read takes it only when the screen is not held ([`DeskState::held`]); otherwise it waits
    /// in `next`. The same card read again by the camera while it is on screen changes nothing.
    pub fn apply(&mut self, reply: Reply, now: Instant) -> bool {
        match reply {
            Reply::Opened { path, settings, roster_size, server } => {
                // A start that failed (a server not answering yet) is over once the store opens.
                self.fatal = None;
                self.demo_db |= settings.demo;
                self.db_path = Some(path);
                (self.server, self.server_brief) = server.unzip();
                self.settings = Some(settings);
                self.roster_size = roster_size;
                return true;
            }
            Reply::Looked(looked) => {
                self.scans += 1;
                if self.awaiting == Some(looked.id) {
                    self.awaiting = None;
                }
                if self.relook == Some(looked.id) {
                    // The same presentation with the facts changed: a new verdict, read afresh.
                    self.relook = None;
                    if self.current.as_ref().is_some_and(|c| c.text == looked.text) {
                        self.current = Some(*looked);
                        self.shown_at = Some(now);
                        self.refusal = None;
                        self.current_fresh = true;
                    }
                    return false;
                }
                if looked.origin == Origin::Typed {
                    let d = &looked.detection;
                    let clean = d.result.is_ok() && !d.repaired;
                    self.input_method_on = d.input_method || (self.input_method_on && !clean);
                }
                let rejected = looked.detection.result.is_err();
                if rejected && matches!(looked.origin, Origin::Typed | Origin::Ocr) {
                    if let Err(why) = &looked.detection.result {
                        self.typed_error = Some(Message::new(&why.detail_vi, &why.detail_en));
                    }
                    return false;
                }
                let camera = matches!(looked.origin, Origin::Camera { .. });
                if camera && self.current.as_ref().is_some_and(|c| c.text == looked.text) {
                    return false; // the same card, still in front of the camera
                }
                if camera && self.held(now) {
                    // A read that cannot be used never pushes out a waiting patient.
                    let usable = |l: &Looked| l.detection.result.is_ok();
                    if usable(&looked) || !self.next.as_deref().is_some_and(usable) {
                        log::info!(target: "tiepdon", "a camera read waits: another presentation is on screen");
                        self.next = Some(looked);
                    }
                    return false;
                }
                self.show(*looked, now);
            }
            Reply::CheckedIn { look_id, result } => {
                self.busy = false;
                let on_screen = self.current.as_ref().is_some_and(|c| c.id == look_id);
                match result {
                    Ok(Outcome::Recorded(visit)) => {
                        self.forget_next_of(&visit);
                        self.note(
                            Message::new(
                                format!("Đã tiếp đón: số {}.", visit.ticket),
                                format!("Checked in: ticket {}.", visit.ticket),
                            ),
                            false,
                        );
                        // A newer patient on screen stays there; the ticket is in the note and in Today.
                        if on_screen || self.current.is_none() {
                            self.ticket = Some(*visit);
                            self.ticket_at = Some(now);
                            self.current = None;
                            self.refusal = None;
                        }
                        return true;
                    }
                    Ok(Outcome::Refused(r)) if on_screen => {
                        if let Some(look) = self.current.as_mut().and_then(|c| c.look.as_mut()) {
                            if let Some(e) = &r.earlier {
                                look.earlier = Some((**e).clone());
                            }
                            look.closed |= r.refused == crate::store::visits::Refused::ClosedDay;
                        }
                        self.refusal = Some(r);
                    }
                    Ok(Outcome::Refused(r)) => self.note(Message::new(r.message_vi, r.message_en), true),
                    Err(e) => self.note(e, true),
                }
            }
            Reply::Reprinted { look_id, result } => {
                self.busy = false;
                match result {
                    Ok(visit) => {
                        let on_screen = self.current.as_ref().is_some_and(|c| c.id == look_id);
                        if on_screen || self.current.is_none() {
                            self.ticket = Some(visit);
                            self.ticket_at = Some(now);
                            self.current = None;
                            self.refusal = None;
                        }
                    }
                    Err(e) => self.note(e, true),
                }
            }
            Reply::Voided(result) => {
                self.busy = false;
                match result {
                    Ok(v) => {
                        self.note(
                            Message::new(
                                format!("Đã hủy lượt {}.", v.ticket),
                                format!("Voided {}.", v.ticket),
                            ),
                            false,
                        );
                        return true;
                    }
                    Err(e) => self.note(e, true),
                }
            }
            Reply::Day(Ok(day)) => self.day = Some(day),
            Reply::Day(Err(e)) => self.note(e, true),
            Reply::Settings(Ok(s)) => {
                self.demo_db |= s.demo;
                self.settings = Some(s);
                self.note(Message::new("Đã lưu cài đặt.", "Settings saved."), false);
            }
            Reply::Settings(Err(e)) => self.note(e, true),
            Reply::BackedUp(Ok(path)) => self.note(
                Message::new(
                    format!("Đã sao lưu: {}", path.display()),
                    format!("Backed up: {}", path.display()),
                ),
                false,
            ),
            Reply::BackedUp(Err(e)) => self.note(e, true),
            Reply::DayEnd(Ok((m, folder))) => {
                self.note(m, false);
                self.exported = Some(folder);
                return true;
            }
            Reply::DayEnd(Err(e)) => self.note(e, true),
            Reply::Link(down) => self.link_down = down,
            Reply::Recheck { answered, waiting: _, stopped } => {
                if let Some(m) = &stopped
                    && self.recheck_stopped.as_ref() != Some(m)
                {
                    // Said once; Today keeps it in sight until the settings are fixed.
                    self.note(m.clone(), true);
                }
                self.recheck_stopped = stopped;
                return answered > 0;
            }
            Reply::Journal { waiting, down_since } => {
                // Visits sent (their "not on the server" mark goes) or other desks' visits copied (a
                // patient seen at two desks gets marked): Today is listed again.
                self.journal = Some((waiting, down_since));
                return true;
            }
            Reply::Failed(e) => {
                self.busy = false;
                if self.settings.is_none() {
                    self.fatal = Some(e.clone());
                }
                self.note(e, true);
            }
        }
        false
    }

    /// Folds a scan event that is not a frame or a code (those go to the preview and the desk).
    pub fn apply_scan(&mut self, event: &ScanEvent) {
        match event {
            ScanEvent::SourceReady(d) => {
                self.source.description = Some(d.clone());
                self.source.error = None;
                self.source.ended = false;
            }
            ScanEvent::SourceError(e) => self.source.error = Some(e.clone()),
            ScanEvent::DecoderPanic(_) => self.source.decoder_panics += 1,
            ScanEvent::Ended => self.source.ended = true,
            ScanEvent::Frame(_) | ScanEvent::Code(_) => {}
        }
    }

    /// The line under the preview.
    pub fn source_line(&self, lang: Lang) -> String {
        let s = &self.source;
        if s.absent {
            return lang
                .tr(
                    "Không có camera: dùng máy quét hoặc nhập số thẻ.",
                    "No camera: use the scanner or type the number.",
                )
                .into();
        }
        if self.demo_source && s.error.is_none() {
            let what =
                lang.tr("Camera demo: ảnh mẫu thẻ BHYT và CCCD", "Demo camera: sample BHYT and CCCD cards");
            return if s.ended {
                format!("{what} — {}", lang.tr("đã hết ảnh", "no more frames"))
            } else {
                what.into()
            };
        }
        // A folder replayed as a camera describes itself as "N images".
        let description = s.description.as_ref().map(|d| match d.strip_suffix(" images") {
            Some(n) if n.parse::<u32>().is_ok() => format!("{n} {}", lang.tr("ảnh", "images")),
            _ => d.clone(),
        });
        match (&s.error, &description) {
            (Some(e), _) => {
                format!("{} {e}", lang.tr("Lỗi camera (đang thử lại):", "Camera error (retrying):"))
            }
            (None, Some(d)) if s.ended => format!("{d} — {}", lang.tr("đã hết ảnh", "no more frames")),
            (None, Some(d)) => d.to_string(),
            (None, None) => lang.tr("Đang mở nguồn ảnh…", "Opening the frame source…").into(),
        }
    }
}
