//! [`App`]: owns the workers and the state. `logic` drains the channels and folds events into
//! [`DeskState`]; `ui` draws the header and the current screen and hands the screen's [`Action`] to a
//! worker. Remembers the language, the operator and the camera between runs (eframe storage).

mod card_text;
mod files;
mod plan;
mod roster_import;
mod sources;

use super::checkin::{self, CheckinScreen};
use super::day_end::DayEndScreen;
use super::desk::{DeskWorker, Job, Origin, Reply};
use super::keyboard::{self, Keyboard};
use super::lang::{Lang, Message};
use super::launch::Launch;
use super::metrics::Metrics;
use super::preview::Preview;
use super::settings::SettingsScreen;
use super::state::{DeskState, SourceStatus};
use super::today::TodayScreen;
use super::{Action, fonts, logfile, probe};
use crate::scan::decode::Decoder;
use crate::scan::source::SourceSpec;
use crate::scan::worker::{ScanEvent, ScanWorker};
use crate::store::visits::Outcome;
use egui::{Color32, Event, ImeEvent, Key, RichText};
use files::Picking;
use plan::Screenshots;
use roster_import::{ImportTask, import_message};
use serde::{Deserialize, Serialize};
use sources::{CameraList, ImageRead};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

/// The screens, in the order of the header's tabs (F1–F4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Screen {
    #[default]
    CheckIn,
    Today,
    DayEnd,
    Settings,
}

impl Screen {
    /// The screen's name in the UI map (`ui::probe`).
    pub fn slug(self) -> &'static str {
        match self {
            Screen::CheckIn => "check-in",
            Screen::Today => "today",
            Screen::DayEnd => "day-end",
            Screen::Settings => "settings",
        }
    }
}

/// What is remembered between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub lang: Lang,
    /// The last operator (offered at the start of the next shift).
    pub operator: String,
    pub camera: Option<String>,
    pub resolution: Option<(u32, u32)>,
}

const PREFS_KEY: &str = "tiepdon-prefs";

/// The desk window.
pub struct App {
    launch: Launch,
    pub prefs: Prefs,
    pub state: DeskState,
    pub screen: Screen,
    checkin: CheckinScreen,
    today: TodayScreen,
    day_end: DayEndScreen,
    settings: SettingsScreen,
    desk: DeskWorker,
    replies: Receiver<Reply>,
    scanner: Option<ScanWorker>,
    scan_tx: Sender<ScanEvent>,
    scans: Receiver<ScanEvent>,
    /// Codes read from opened or dropped image files: (file name, payload) or what went wrong.
    image_tx: Sender<ImageRead>,
    images: Receiver<ImageRead>,
    /// Card texts read by OCR (F6, or an image with no QR).
    card_text_tx: Sender<card_text::CardTextRead>,
    card_text_rx: Receiver<card_text::CardTextRead>,
    auto_read: card_text::AutoRead,
    /// Number of the next presentation sent to the desk worker.
    next_look: u64,
    /// Leaving demo mode: switch to the first webcam once the list arrives.
    want_first_camera: bool,
    preview: Preview,
    import: Option<ImportTask>,
    /// The preview of a roster file being read.
    roster_preview: Option<std::sync::mpsc::Receiver<crate::ui::state::RosterPreview>>,
    cameras: Option<Receiver<CameraList>>,
    /// The answer of Settings' "test the VSS account", while it is on its way.
    vss_test: Option<Receiver<(bool, Message)>>,
    operator_field: String,
    /// Repaints the window (called by the workers after each event).
    wake: Arc<dyn Fn() + Send + Sync>,
    pub metrics: Metrics,
    screenshots: Screenshots,
    /// Keystrokes held while it is not yet clear whether a person or a scanner types.
    keyboard: Keyboard,
    /// The operator prompt's text has been selected (once per prompt, so typing replaces the last name).
    operator_focus_asked: bool,
    /// The language the window title was last set in.
    title_lang: Option<Lang>,
    /// A file or folder dialog open on its own thread.
    picking: Option<Picking>,
    /// The last UI map written (`ui::probe`).
    map_last: String,
    /// A database chosen in Settings, remembered for the next start once it has opened.
    remember_on_open: Option<std::path::PathBuf>,
    /// The clinic-profile questions were put off for this session ("Để sau").
    profile_later: bool,
}

impl App {
    /// Builds the app (eframe's creation context gives the egui context and the storage).
    pub fn new(cc: &eframe::CreationContext<'_>, launch: Launch) -> App {
        fonts::install(&cc.egui_ctx);
        fonts::install_style(&cc.egui_ctx);
        if let Some(dir) = &launch.log_dir {
            logfile::install(dir);
        }
        let prefs: Prefs = cc.storage.and_then(|s| eframe::get_value(s, PREFS_KEY)).unwrap_or_default();
        let mut launch = launch;
        if launch.camera_is_default
            && launch.source.is_some()
            && let Some(which) = &prefs.camera
        {
            let size = prefs.resolution.unwrap_or(crate::scan::source::CAMERA_SIZE);
            launch.source = Some(SourceSpec::Camera { which: which.clone(), size });
        }
        let ctx = cc.egui_ctx.clone();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || ctx.request_repaint());
        let (reply_tx, replies) = channel();
        let desk = DeskWorker::start(
            launch.db.clone(),
            launch.server.clone(),
            launch.clock.clone(),
            reply_tx,
            wake.clone(),
        );
        let (scan_tx, scans) = channel();
        let scanner = launch
            .source
            .clone()
            .map(|spec| ScanWorker::start(spec, Decoder::standard(), scan_tx.clone(), wake.clone()));
        let (image_tx, images) = channel();
        let (card_text_tx, card_text_rx) = channel();
        let state = DeskState {
            demo_db: launch.demo_db,
            demo_source: launch.demo_source(),
            operator: launch.operator.clone(),
            source: SourceStatus { absent: launch.source.is_none(), ..Default::default() },
            ..DeskState::default()
        };
        let mut settings = SettingsScreen::default();
        if let Some(SourceSpec::Camera { which, size }) = &launch.source {
            settings.camera = which.clone();
            settings.resolution = *size;
        }
        log::info!(target: "tiepdon", "window opened (demo data: {}, demo frames: {})", state.demo_db, state.demo_source);
        let exports = launch.exports.clone();
        let roster = launch.roster.clone();
        if let Some(path) = &roster {
            settings.roster_path = path.display().to_string();
            settings.reveal_import = true;
            settings.preview_wanted = true;
        }
        App {
            operator_field: prefs.operator.clone(),
            wake,
            launch,
            prefs,
            state,
            screen: if roster.is_some() { Screen::Settings } else { Screen::CheckIn },
            checkin: CheckinScreen::default(),
            today: TodayScreen::default(),
            day_end: DayEndScreen { base: exports, ..DayEndScreen::default() },
            settings,
            desk,
            replies,
            scanner,
            scan_tx,
            scans,
            image_tx,
            images,
            card_text_tx,
            card_text_rx,
            auto_read: Default::default(),
            next_look: 0,
            want_first_camera: false,
            preview: Preview::default(),
            import: None,
            roster_preview: None,
            cameras: None,
            vss_test: None,
            metrics: Metrics::default(),
            screenshots: Screenshots::default(),
            keyboard: Keyboard::default(),
            operator_focus_asked: false,
            title_lang: None,
            picking: None,
            map_last: String::new(),
            remember_on_open: None,
            profile_later: false,
        }
    }

    fn lang(&self) -> Lang {
        self.prefs.lang
    }

    /// What the scanner field on Check-in holds (typed, not yet looked up).
    pub fn checkin_field(&self) -> &str {
        &self.checkin.field
    }

    fn operator(&self) -> String {
        self.state.operator.clone().unwrap_or_else(|| "?".into())
    }

    /// Hands an action to the worker that does it.
    pub fn act(&mut self, action: Action) {
        let operator = self.operator();
        match action {
            Action::Look { text, origin } => self.look(text, origin, Instant::now()),
            Action::CheckIn { force, pin } => {
                // The same rule for Enter and for the buttons: a verdict just shown (or replaced) is not
                // acted on, nor one whose successor is being looked up.
                if let Some(cur) = &self.state.current
                    && !self.state.busy
                    && self.state.enter_ready(Instant::now())
                {
                    self.state.busy = true;
                    let visit = self.state.visit;
                    self.desk.send(Job::CheckIn {
                        look_id: cur.id,
                        text: cur.text.clone(),
                        origin: cur.origin.clone(),
                        visit,
                        force,
                        pin,
                        operator,
                    });
                }
            }
            Action::Reprint => {
                let cur = self.state.current.as_ref();
                let earlier = cur.and_then(|c| c.look.as_ref()).and_then(|l| l.earlier.as_ref());
                if let (Some(c), Some(e)) = (cur, earlier)
                    && !e.other_desk
                    && !self.state.busy
                    && self.state.enter_ready(Instant::now())
                {
                    self.state.busy = true;
                    self.desk.send(Job::Reprint { look_id: c.id, visit_id: e.id, operator });
                }
            }
            Action::Clear => {
                self.state.card_text = None;
                self.state.current = None;
                self.state.refusal = None;
                self.state.typed_error = None;
            }
            Action::ShowNext => self.state.show_next(Instant::now()),
            Action::SetVisit(visit) => self.set_visit(visit),
            Action::Pick(what) => self.pick(what),
            Action::OpenFolder(path) => self.open_folder(&path),
            Action::Void { ticket, reason } => {
                if let Some((day, _)) = &self.state.day {
                    self.state.busy = true;
                    self.desk.send(Job::Void { ticket, day: *day, reason, operator });
                }
            }
            Action::ReloadDay => self.desk.send(Job::LoadDay),
            Action::SetSetting { key, value } => self.desk.send(Job::SetSetting { key, value, operator }),
            Action::Backup => self.desk.send(Job::Backup),
            Action::TestLink => self.desk.send(Job::TestLink),
            Action::OpenLocation(text) => self.open_location(&text),
            Action::Export { out, mask_ids } => self.desk.send(Job::Export { out, mask_ids, operator }),
            Action::CloseDay { out } => self.desk.send(Job::CloseDay { out, operator }),
            Action::Import { path, replace, map } => self.start_import(path, replace, map),
            Action::OpenImage(path) => self.open_image(path),
            Action::ReadCardText => self.read_card_text(),
            Action::UseSource(spec) => self.use_source(spec),
            Action::ListCameras => self.list_cameras(),
            Action::TestVss => {
                if let Some(s) = &self.state.settings {
                    let (tx, rx) = std::sync::mpsc::channel();
                    let (vss, wake) = (s.vss.clone(), self.wake.clone());
                    std::thread::spawn(move || {
                        let tried = crate::gateway::vss::Client::new(&vss).and_then(|mut c| c.login());
                        let told = match tried {
                            Ok(()) => (
                                false,
                                Message::new(
                                    "Cổng BHXH nhận tài khoản: tra cứu lại trực tuyến đã sẵn sàng.",
                                    "The VSS gateway accepted the account: the online re-check is ready.",
                                ),
                            ),
                            Err(f) => {
                                let (vi, en) = f.messages();
                                (true, Message::new(vi, en))
                            }
                        };
                        let _ = tx.send(told);
                        wake();
                    });
                    self.vss_test = Some(rx);
                }
            }
            Action::LeaveDemo => self.leave_demo(),
            Action::SetLang(l) => self.prefs.lang = l,
            Action::AskOperator => {
                self.state.operator = None;
                self.operator_focus_asked = false;
            }
        }
    }

    /// Changes the visit's kind or facts for the presentation on screen, and looks it up again with them
    /// (the category and the fund's share change; Enter waits for the new verdict).
    fn set_visit(&mut self, visit: crate::coverage::VisitFacts) {
        let Some(cur) = &self.state.current else { return };
        if visit == self.state.visit || self.state.busy {
            return;
        }
        self.state.visit = visit;
        self.next_look += 1;
        self.state.relook = Some(self.next_look);
        self.state.awaiting = Some(self.next_look);
        let job = Job::Look {
            id: self.next_look,
            text: cur.text.clone(),
            origin: cur.origin.clone(),
            seen_at: Instant::now(),
            visit,
        };
        self.desk.send(job);
    }

    /// Sends a presentation to the desk worker under a new number.
    fn look(&mut self, text: String, origin: Origin, seen_at: Instant) {
        if origin == Origin::Ocr {
            self.state.card_text = None; // confirmed: its verdict replaces it
        }
        self.next_look += 1;
        if !matches!(origin, Origin::Camera { .. }) {
            self.state.awaiting = Some(self.next_look);
        }
        let visit = Default::default(); // a new presentation: outpatient, nothing told yet
        self.desk.send(Job::Look { id: self.next_look, text, origin, seen_at, visit });
    }

    /// Folds everything the workers said since the last frame.
    fn drain(&mut self, ctx: &egui::Context) {
        let now = Instant::now();
        let mut reload = false;
        while let Ok(reply) = self.replies.try_recv() {
            // Events only: never a name, a number or a payload.
            match &reply {
                Reply::CheckedIn { result: Ok(Outcome::Recorded(v)), .. } => {
                    log::info!(target: "tiepdon", "visit {} recorded ({})", v.ticket, v.status.as_str());
                }
                Reply::CheckedIn { result: Ok(Outcome::Refused(r)), .. } => {
                    log::info!(target: "tiepdon", "check-in refused: {}", r.refused.as_str());
                }
                Reply::Failed(_) | Reply::CheckedIn { result: Err(_), .. } => {
                    log::warn!(target: "tiepdon", "a database job failed")
                }
                Reply::Looked(l) if matches!(l.origin, Origin::Camera { .. }) => {
                    self.metrics.scan_to_look_ms.push(l.seen_at.elapsed().as_secs_f64() * 1000.0);
                }
                Reply::Opened { path, .. } if self.remember_on_open.as_ref() == Some(path) => {
                    self.remember_on_open = None;
                    let remembered = match &self.launch.server {
                        #[cfg(feature = "server")]
                        Some(url) => Launch::remember_server(url),
                        _ => Launch::remember_db(path),
                    };
                    if let Err(e) = remembered {
                        log::warn!(target: "tiepdon", "cannot remember the database chosen: {e}");
                    }
                }
                _ => {}
            }
            reload |= self.state.apply(reply, now);
        }
        while let Ok(event) = self.scans.try_recv() {
            self.state.apply_scan(&event);
            match event {
                ScanEvent::Frame(frame) => {
                    self.preview.show_frame(ctx, &frame);
                    self.keep_frame(frame.clone());
                    self.metrics.frame_drawn(self.launch.started);
                }
                ScanEvent::Code(code) => {
                    self.metrics.scan_to_code_ms.push(code.captured_at.elapsed().as_secs_f64() * 1000.0);
                    self.preview.mark(code.corners.clone(), code.frame_size);
                    // Nobody has signed in yet: the preview runs, but nothing is looked up.
                    if self.state.operator.is_some() {
                        let origin = Origin::Camera { corners: code.corners, frame_size: code.frame_size };
                        self.look(code.text, origin, code.captured_at);
                    }
                }
                ScanEvent::SourceError(e) => log::warn!(target: "tiepdon", "frame source: {e}"),
                _ => {}
            }
        }
        if reload {
            self.desk.send(Job::LoadDay);
        }
        self.drain_sources();
        self.drain_card_text();
        self.watch_for_card(ctx);
        self.drain_picks();
        if let Some(answer) = self.vss_test.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.vss_test = None;
            self.state.tell(answer.1, answer.0);
        }
        if std::mem::take(&mut self.settings.preview_wanted) {
            // A file was just chosen or dropped: read how it would be imported, off the UI thread.
            self.start_preview(std::path::PathBuf::from(self.settings.roster_path.trim()));
        }
        if let Some(rx) = &self.roster_preview {
            match rx.try_recv() {
                Ok(p) => {
                    self.state.roster_preview = Some(p);
                    self.roster_preview = None;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.roster_preview = None,
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    ctx.request_repaint_after(Duration::from_millis(100))
                }
            }
        }
        if let Some(task) = &self.import {
            let progress = self.state.import.get_or_insert_with(Default::default);
            progress.done = task.done.load(Ordering::Relaxed);
            progress.total = task.total.load(Ordering::Relaxed);
            match task.result.try_recv() {
                Ok(r) => {
                    progress.result = Some(match r {
                        Ok(s) => Ok(import_message(&s)),
                        Err(e) => Err(Message::from(e)),
                    });
                    self.import = None;
                    // On a clinic server, what was imported into this desk's replica is published.
                    let imported_by = (progress.result.as_ref().is_some_and(Result::is_ok)
                        && self.launch.server.is_some())
                    .then(|| self.operator());
                    self.desk.send(Job::Refresh { imported_by });
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    progress.result = Some(Err(Message::new(
                        "Việc nhập dừng bất ngờ; không có gì được ghi.",
                        "The import stopped unexpectedly; nothing was written.",
                    )));
                    self.import = None;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    ctx.request_repaint_after(Duration::from_millis(100))
                }
            }
        }
    }

    fn header(&mut self, ui: &mut egui::Ui) -> Option<Action> {
        let lang = self.lang();
        let mut action = None;
        ui.horizontal(|ui| {
            ui.label(RichText::new("tiếp đón").font(fonts::bold(22.0)));
            for (screen, vi, en, key) in [
                (Screen::CheckIn, "Tiếp đón", "Check-in", "F1"),
                (Screen::Today, "Hôm nay", "Today", "F2"),
                (Screen::DayEnd, "Cuối ngày", "End of day", "F3"),
                (Screen::Settings, "Cài đặt", "Settings", "F4"),
            ] {
                let label = format!("{} ({key})", lang.tr(vi, en));
                let r = ui.selectable_label(self.screen == screen, RichText::new(label).size(17.0));
                probe::note(ui, format!("tab:{}", screen.slug()), &r);
                if r.clicked() {
                    self.go(screen);
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let r = ui.button(lang.switch_label());
                probe::note(ui, "lang-toggle", &r);
                if r.clicked() {
                    action = Some(Action::SetLang(lang.other()));
                }
                if let Some(op) = &self.state.operator {
                    ui.label(format!("{} {op}", lang.tr("Người tiếp đón:", "Operator:")));
                }
                if let Some(s) = &self.state.settings {
                    let on = match &self.state.server_brief {
                        Some(server) => format!(" · {} {server}", lang.tr("máy chủ", "server")),
                        None => String::new(),
                    };
                    let r = ui.label(
                        RichText::new(format!(
                            "{} · {} {}{on}",
                            s.clinic.name,
                            lang.tr("Bàn", "Desk"),
                            s.desk
                        ))
                        .weak(),
                    );
                    probe::note(ui, "desk-name", &r);
                }
            });
        });
        let banner = match (self.state.demo_db, self.state.demo_source) {
            (true, _) => Some(lang.tr(
                "CHẾ ĐỘ DEMO — dữ liệu là người giả, không phải người bệnh thật",
                "DEMO MODE — invented people, not real patients",
            )),
            (false, true) => Some(lang.tr(
                "CAMERA DEMO — ảnh mẫu, không phải camera thật",
                "DEMO CAMERA — sample frames, not a real camera",
            )),
            (false, false) => None,
        };
        if self.state.input_method_on {
            // At once, the first time a scanner's text comes through Telex or VNI: the fix is the
            // receptionist's, on the task bar.
            let bar = egui::Frame::new().fill(Color32::from_rgb(0xd0, 0x30, 0x30)).inner_margin(6.0).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    RichText::new(lang.tr(
                        "BỘ GÕ TIẾNG VIỆT ĐANG BẬT (Unikey/EVKey): máy quét gõ qua bộ gõ nên dữ liệu bị sửa. \
                         Hãy chuyển bộ gõ sang E (tiếng Anh) rồi quét lại.",
                        "A VIETNAMESE INPUT METHOD IS ON (Unikey/EVKey): the scanner types through it and its \
                         text is rewritten. Switch the input method to E (English) and scan again.",
                    ))
                    .color(Color32::WHITE)
                    .strong(),
                );
            });
            probe::note(ui, "input-method-bar", &bar.response);
        }
        if let Some((waiting, down_since)) = &self.state.journal
            && (*waiting > 0 || down_since.is_some())
        {
            // A desk that keeps working on its own file while the server is away: how much waits.
            let (vi, en) = match down_since {
                Some(t) => (
                    format!("Mất kết nối máy chủ từ {t} — {waiting} lượt chờ đồng bộ"),
                    format!("Server unreachable since {t} — {waiting} visits waiting"),
                ),
                None => (
                    format!("Đang gửi lên máy chủ — {waiting} lượt chờ đồng bộ"),
                    format!("Sending to the server — {waiting} visits waiting"),
                ),
            };
            let fill = if down_since.is_some() {
                Color32::from_rgb(0xc6, 0x28, 0x28)
            } else {
                Color32::from_rgb(0x1e, 0x63, 0xb0)
            };
            let bar = egui::Frame::new().fill(fill).inner_margin(6.0).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(lang.tr(&vi, &en)).color(Color32::WHITE).strong());
            });
            probe::note(ui, "journal-bar", &bar.response);
            probe::note(ui, format!("journal-waiting:{waiting}"), &bar.response);
        }
        if let Some(why) = &self.state.link_down {
            // Keeping on working offline is a later step: here, nothing is shown as recorded.
            let bar = egui::Frame::new().fill(Color32::from_rgb(0xc6, 0x28, 0x28)).inner_margin(6.0).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    RichText::new(lang.tr(
                        "MẤT KẾT NỐI MÁY CHỦ — chưa ghi được lượt khám nào cho đến khi có lại kết nối. Kiểm tra mạng.",
                        "SERVER UNREACHABLE — no visit can be recorded until the link is back. Check the network.",
                    ))
                    .color(Color32::WHITE)
                    .strong(),
                );
                ui.label(RichText::new(lang.tr(&why.vi, &why.en)).color(Color32::WHITE).small());
            });
            probe::note(ui, "server-down-bar", &bar.response);
        }
        if let Some(text) = banner {
            egui::Frame::new().fill(Color32::from_rgb(0xff, 0xd5, 0x4f)).inner_margin(4.0).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(text).color(Color32::BLACK).strong());
                if let Some((vi, en)) = &self.launch.demo_reason {
                    ui.label(RichText::new(lang.tr(vi, en)).color(Color32::BLACK));
                }
            });
        }
        if let Some(f) = &self.state.fatal {
            ui.colored_label(
                Color32::from_rgb(0xd0, 0x30, 0x30),
                RichText::new(f.get(lang)).size(18.0).strong(),
            );
        }
        action
    }

    fn go(&mut self, screen: Screen) {
        if screen != self.screen && matches!(screen, Screen::Today | Screen::DayEnd) {
            self.desk.send(Job::LoadDay);
        }
        if screen != self.screen && screen == Screen::CheckIn {
            // A verdict that arrived while another screen showed has not been seen yet.
            self.state.seen_again(Instant::now());
        }
        self.screen = screen;
    }

    /// Asks for the operator at the start of a shift.
    fn operator_prompt(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        let modal = egui::Modal::new(egui::Id::unique("operator")).show(ui.ctx(), |ui| {
            ui.set_width(420.0);
            ui.heading(lang.tr("Bắt đầu ca làm việc", "Start of shift"));
            let label = ui.label(lang.tr("Tên người tiếp đón:", "Operator name:"));
            let r = ui.text_edit_singleline(&mut self.operator_field).labelled_by(label.id);
            probe::note(ui, "operator-name", &r);
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            // The keyboard is asked for only when nothing has it (at first, after Enter on an empty
            // name). Asking every frame restarts the input method on X11, whose events repaint and ask
            // again: the window froze that way on first launch.
            if ui.memory(|m| m.focused().is_none()) {
                r.request_focus();
            }
            if !self.operator_focus_asked {
                self.operator_focus_asked = true;
                // The last operator's name is offered selected: Enter keeps it, typing replaces it.
                checkin::select(ui.ctx(), r.id, 0, self.operator_field.chars().count());
            }
            let name = self.operator_field.trim();
            let ok = plausible_operator(name);
            if !name.is_empty() && !ok {
                ui.colored_label(
                    Color32::from_rgb(0xd0, 0x30, 0x30),
                    lang.tr(
                        "Tên không hợp lệ (có phải mã thẻ vừa quét?). Gõ tên người tiếp đón.",
                        "Not a name (a card just scanned?). Type the operator's name.",
                    ),
                );
            }
            let start = ui.add_enabled(ok, egui::Button::new(lang.tr("Bắt đầu", "Start")));
            probe::note(ui, "operator-start", &start);
            if (start.clicked() || enter) && ok {
                let name = name.to_string();
                self.prefs.operator = name.clone();
                self.state.operator = Some(name);
            }
        });
        let _ = modal;
    }

    /// Where this frame's keystrokes go (`ui::keyboard` has the rule), and the window's keys: F1–F4
    /// screens, F5 the waiting camera read, Esc dismisses on Check-in. Returns what Enter asked for.
    /// On first real use (not demo data), asks the four questions of the clinic profile, which decide
    /// the visit category and the fund's share; "Để sau" puts it off until the next start.
    fn profile_prompt(&mut self, ui: &mut egui::Ui) -> Option<Action> {
        let settings = self.state.settings.as_ref()?;
        if self.profile_later || self.state.demo_db || settings.clinic.profile.is_complete() {
            return None;
        }
        let (lang, profile) = (self.lang(), settings.clinic.profile);
        let mut action = None;
        egui::Modal::new(egui::Id::unique("clinic-profile")).show(ui.ctx(), |ui| {
            ui.set_width(720.0);
            ui.heading(lang.tr("Hồ sơ cơ sở khám bệnh", "The clinic's profile"));
            ui.label(lang.tr(
                "Từ 2025, mã đối tượng và mức quỹ BHYT trả phụ thuộc vào cấp chuyên môn và lịch sử của chính cơ sở này (theo quyết định phân cấp niêm yết tại quầy). Trả lời bốn câu:",
                "Since 2025 the visit category and the fund's share depend on this clinic's own level and history (its classification decision, shown at the desk). Four questions:",
            ));
            ui.add_space(6.0);
            action = super::settings::profile_editor(ui, lang, &profile);
            ui.add_space(6.0);
            let later = ui.button(lang.tr("Để sau (hỏi lại lần mở sau)", "Later (asked again next start)"));
            probe::note(ui, "profile-later", &later);
            if later.clicked() {
                self.profile_later = true;
            }
        });
        action
    }

    fn keys(&mut self, ctx: &egui::Context, now: Instant) -> Option<Action> {
        let touched = ctx.input(|i| {
            i.events.iter().any(|e| {
                matches!(
                    e,
                    Event::Key { pressed: true, .. }
                        | Event::PointerButton { pressed: true, .. }
                        | Event::Text(_)
                )
            })
        });
        if touched {
            self.state.touched_at = Some(now);
        }
        // Until somebody signs in, the operator prompt's field takes every key.
        if self.state.operator.is_none() {
            self.keyboard.reset();
            return None;
        }
        // First where typed characters go (a scanner's burst is taken out here); the window's own keys
        // are then read from what is left, so a key deferred behind held characters acts once.
        let focused = ctx.memory(|m| m.focused());
        // The scanner field only has the keyboard while Check-in shows (it is not drawn elsewhere).
        let scanner_has_it = focused == Some(checkin::scanner_id()) && self.screen == Screen::CheckIn;
        let other_field =
            (ctx.text_edit_focused() && focused != Some(checkin::scanner_id())).then_some(focused).flatten();
        let scan = ctx.input_mut(|i| self.keyboard.filter(&mut i.events, now, other_field));
        if self.keyboard.deferring() {
            ctx.request_repaint();
        } else if self.keyboard.holding() {
            ctx.request_repaint_after(keyboard::HOLD);
        }
        if let Some(payload) = scan {
            log::info!(target: "tiepdon", "a scanner burst went to check-in");
            self.go(Screen::CheckIn);
            return Some(Action::Look { text: payload.trim().to_string(), origin: Origin::Typed });
        }
        let pressed = |k| ctx.input(|i| i.key_pressed(k));
        for (key, screen) in [
            (Key::F1, Screen::CheckIn),
            (Key::F2, Screen::Today),
            (Key::F3, Screen::DayEnd),
            (Key::F4, Screen::Settings),
        ] {
            if pressed(key) {
                self.go(screen);
            }
        }
        // Keys typed in the same frame as F5 or Esc still go where they belong (below): nothing returns
        // early here (under load, Esc and the first letters of the next code arrive together).
        let mut action = None;
        if pressed(Key::F5) {
            self.go(Screen::CheckIn);
            action = Some(Action::ShowNext);
        }
        if pressed(Key::F6) {
            self.go(Screen::CheckIn);
            action = Some(Action::ReadCardText);
        }
        // Ctrl+1 … Ctrl+6: the visit's kind and the facts told at the desk (see the verdict card).
        if self.screen == Screen::CheckIn && self.state.current.is_some() {
            for (i, key) in super::verdict_card::FACT_KEYS.into_iter().enumerate() {
                if ctx.input_mut(|inp| inp.consume_key(egui::Modifiers::COMMAND, key)) {
                    action = Some(Action::SetVisit(super::verdict_card::toggle_fact(self.state.visit, i)));
                }
            }
        }
        if self.screen == Screen::CheckIn && pressed(Key::Escape) {
            self.checkin.field.clear();
            action = Some(Action::Clear);
        }
        if scanner_has_it || other_field.is_some() {
            return action;
        }
        // No field has the keyboard: text goes to the scanner field on Check-in, and Enter (with nothing
        // focused at all — a focused button takes its own Enter) submits it there.
        let nothing_focused = focused.is_none() || focused == Some(checkin::scanner_id());
        let (typed, enter) = ctx.input_mut(|i| {
            let mut typed = String::new();
            let mut enter = false;
            i.events.retain(|e| match e {
                Event::Text(t) | Event::Ime(ImeEvent::Commit(t)) => {
                    typed.push_str(t);
                    false
                }
                Event::Key { key: Key::Enter, pressed: true, .. } if nothing_focused => {
                    enter = true;
                    false
                }
                _ => true,
            });
            (typed, enter)
        });
        if !typed.is_empty() {
            self.checkin.field.push_str(&typed);
            checkin::caret_to_end(ctx, &self.checkin.field);
            self.go(Screen::CheckIn);
        }
        if enter && (self.screen == Screen::CheckIn || !self.checkin.field.trim().is_empty()) {
            self.go(Screen::CheckIn);
            if let Some(a) = action.take() {
                self.act(a); // Esc or F5 first, then what Enter asks for
            }
            return self.checkin.enter(&self.state, now);
        }
        action
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<_> =
            ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        for path in dropped {
            let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
            if matches!(
                ext.as_str(),
                "csv" | "tsv" | "txt" | "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "xml"
            ) {
                // Filled in, not started: importing is a deliberate click on "Nhập".
                self.settings.roster_path = path.display().to_string();
                self.settings.reveal_import = true;
                self.settings.preview_wanted = true;
                self.screen = Screen::Settings;
            } else {
                self.screen = Screen::CheckIn;
                self.act(Action::OpenImage(path));
            }
        }
    }
}

/// An operator name, not a scanned payload or number: the one rule of [`crate::desk::Operator`].
fn plausible_operator(name: &str) -> bool {
    crate::desk::Operator::parse(name).is_ok()
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // Workers' replies only: input is read in `ui` (eframe runs `logic` while the window is hidden,
        // with the last shown frame's input).
        self.drain(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let now = Instant::now();
        let lang = self.lang();
        if self.title_lang.is_none() {
            // Window managers differ in honouring "maximised" at creation: ask again once it is shown.
            ctx.send_viewport_cmd(egui::ViewportCommand::Maximized(true));
        }
        if self.title_lang != Some(lang) {
            self.title_lang = Some(lang);
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(super::title(lang).into()));
        }
        let mut action = self.keys(&ctx, now);
        self.dropped_files(&ctx);
        // After this frame's keys and clicks are counted: a press that ends the idle time is not beaten
        // by the waiting read it would otherwise land on.
        if let Some(wait) = self.state.tick(now) {
            ctx.request_repaint_after(wait);
        }
        egui::Panel::top("header").show(ui, |ui| {
            if let Some(a) = self.header(ui) {
                action = Some(a);
            }
        });
        let status = egui::Panel::bottom("status").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| match &self.state.notice {
                Some(n) if n.error => {
                    ui.colored_label(Color32::from_rgb(0xd0, 0x30, 0x30), n.message.get(lang));
                }
                Some(n) => {
                    ui.label(n.message.get(lang));
                }
                None => {
                    ui.label(
                        RichText::new(lang.tr(
                            "F1–F4: màn hình · Enter: tiếp đón · Esc: bỏ qua · F5: người tiếp theo",
                            "F1–F4: screens · Enter: check in · Esc: dismiss · F5: next patient",
                        ))
                        .weak(),
                    );
                }
            });
        });
        probe::note(ui, "status-bar", &status.response);
        egui::CentralPanel::default().show(ui, |ui| {
            let a = match self.screen {
                Screen::CheckIn => self.checkin.ui(ui, lang, &self.state, &self.preview, now),
                Screen::Today => self.today.ui(ui, lang, &self.state),
                Screen::DayEnd => self.day_end.ui(ui, lang, &self.state),
                Screen::Settings => self.settings.ui(ui, lang, &self.state, self.picking.is_some()),
            };
            action = a.or(action.take());
        });
        if self.state.operator.is_none() {
            self.operator_prompt(ui);
        } else if let Some(a) = self.profile_prompt(ui) {
            action = Some(a);
        }
        if let Some(a) = action {
            self.act(a);
            // What the action changed (a dismissed verdict freeing the screen for a waiting read, say)
            // is drawn at once, not at the next input.
            ctx.request_repaint();
        }
        if self.state.current_fresh && self.screen == Screen::CheckIn {
            self.state.current_fresh = false;
            if let Some(cur) = &self.state.current
                && matches!(cur.origin, Origin::Camera { .. })
            {
                self.metrics.scan_to_verdict_ms.push(cur.seen_at.elapsed().as_secs_f64() * 1000.0);
            }
        }
        self.follow_plan(&ctx, frame);
        let (screen, operator_prompt) = (self.screen.slug(), self.state.operator.is_none());
        let (verdict, next, ticket) =
            (self.state.current.is_some(), self.state.next.is_some(), self.state.ticket.is_some());
        probe::flush(&ctx, &mut self.map_last, |m| {
            m.screen = screen;
            m.lang = lang.code();
            m.operator_prompt = operator_prompt;
            m.verdict_shown = verdict;
            m.next_waiting = next;
            m.ticket_shown = ticket;
        });
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PREFS_KEY, &self.prefs);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(s) = self.scanner.take() {
            s.stop();
        }
        log::info!(target: "tiepdon", "window closed");
    }
}
