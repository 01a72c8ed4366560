//! [`App`]: owns the workers and the state. `logic` drains the channels and folds events into
//! [`DeskState`]; `ui` draws the header and the current screen and hands the screen's [`Action`] to a
//! worker. Remembers the language, the operator and the camera between runs (eframe storage).

mod plan;
mod roster_import;
mod sources;

use super::checkin::CheckinScreen;
use super::day_end::DayEndScreen;
use super::desk::{DeskWorker, Job, Origin, Reply};
use super::lang::{Lang, Message};
use super::launch::Launch;
use super::metrics::Metrics;
use super::preview::Preview;
use super::settings::SettingsScreen;
use super::state::{DeskState, SourceStatus};
use super::today::TodayScreen;
use super::{Action, fonts, logfile};
use crate::scan::decode::Decoder;
use crate::scan::source::SourceSpec;
use crate::scan::worker::{ScanEvent, ScanWorker};
use crate::store::visits::Outcome;
use egui::{Color32, Key, RichText};
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
    /// Number of the next presentation sent to the desk worker.
    next_look: u64,
    /// Leaving demo mode: switch to the first webcam once the list arrives.
    want_first_camera: bool,
    preview: Preview,
    import: Option<ImportTask>,
    cameras: Option<Receiver<CameraList>>,
    operator_field: String,
    /// Repaints the window (called by the workers after each event).
    wake: Arc<dyn Fn() + Send + Sync>,
    pub metrics: Metrics,
    screenshots: Screenshots,
}

impl App {
    /// Builds the app (eframe's creation context gives the egui context and the storage).
    pub fn new(cc: &eframe::CreationContext<'_>, launch: Launch) -> App {
        fonts::install(&cc.egui_ctx);
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
        let desk = DeskWorker::start(launch.db.clone(), launch.clock.clone(), reply_tx, wake.clone());
        let (scan_tx, scans) = channel();
        let scanner = launch
            .source
            .clone()
            .map(|spec| ScanWorker::start(spec, Decoder::standard(), scan_tx.clone(), wake.clone()));
        let (image_tx, images) = channel();
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
        App {
            operator_field: prefs.operator.clone(),
            wake,
            launch,
            prefs,
            state,
            screen: Screen::CheckIn,
            checkin: CheckinScreen::default(),
            today: TodayScreen::default(),
            day_end: DayEndScreen::default(),
            settings,
            desk,
            replies,
            scanner,
            scan_tx,
            scans,
            image_tx,
            images,
            next_look: 0,
            want_first_camera: false,
            preview: Preview::default(),
            import: None,
            cameras: None,
            metrics: Metrics::default(),
            screenshots: Screenshots::default(),
        }
    }

    fn lang(&self) -> Lang {
        self.prefs.lang
    }

    fn operator(&self) -> String {
        self.state.operator.clone().unwrap_or_else(|| "?".into())
    }

    /// Hands an action to the worker that does it.
    pub fn act(&mut self, action: Action) {
        let operator = self.operator();
        match action {
            Action::Look { text, origin } => self.look(text, origin, Instant::now()),
            Action::CheckIn { force } => {
                if let Some(cur) = &self.state.current
                    && !self.state.busy
                {
                    self.state.busy = true;
                    self.desk.send(Job::CheckIn { look_id: cur.id, text: cur.text.clone(), force, operator });
                }
            }
            Action::Reprint => {
                let cur = self.state.current.as_ref();
                let earlier = cur.and_then(|c| c.look.as_ref()).and_then(|l| l.earlier.as_ref());
                if let (Some(c), Some(e)) = (cur, earlier)
                    && !self.state.busy
                {
                    self.state.busy = true;
                    self.desk.send(Job::Reprint { look_id: c.id, visit_id: e.id, operator });
                }
            }
            Action::Clear => {
                self.state.current = None;
                self.state.refusal = None;
                self.state.typed_error = None;
            }
            Action::Void { ticket, reason } => {
                if let Some((day, _)) = &self.state.day {
                    self.state.busy = true;
                    self.desk.send(Job::Void { ticket, day: *day, reason, operator });
                }
            }
            Action::ReloadDay => self.desk.send(Job::LoadDay),
            Action::SetSetting { key, value } => self.desk.send(Job::SetSetting { key, value }),
            Action::Backup => self.desk.send(Job::Backup),
            Action::Export { out, mask_ids } => self.desk.send(Job::Export { out, mask_ids, operator }),
            Action::CloseDay { out, mask_ids } => self.desk.send(Job::CloseDay { out, mask_ids, operator }),
            Action::Import { path, replace } => self.start_import(path, replace),
            Action::OpenImage(path) => self.open_image(path),
            Action::UseSource(spec) => self.use_source(spec),
            Action::ListCameras => self.list_cameras(),
            Action::LeaveDemo => self.leave_demo(),
            Action::SetLang(l) => self.prefs.lang = l,
            Action::AskOperator => self.state.operator = None,
        }
    }

    /// Sends a presentation to the desk worker under a new number.
    fn look(&mut self, text: String, origin: Origin, seen_at: Instant) {
        self.next_look += 1;
        self.desk.send(Job::Look { id: self.next_look, text, origin, seen_at });
    }

    /// Folds everything the workers said since the last frame.
    fn drain(&mut self, ctx: &egui::Context) {
        let mut reload = false;
        while let Ok(reply) = self.replies.try_recv() {
            // Events only: never a name, a number or a payload.
            match &reply {
                Reply::CheckedIn { result: Ok(Outcome::Recorded(v)), .. } => {
                    log::info!(target: "tiepdon", "visit {} recorded ({})", v.ticket, v.status);
                }
                Reply::CheckedIn { result: Ok(Outcome::Refused(r)), .. } => {
                    log::info!(target: "tiepdon", "check-in refused: {}", r.refused);
                }
                Reply::Failed(_) | Reply::CheckedIn { result: Err(_), .. } => {
                    log::warn!(target: "tiepdon", "a database job failed")
                }
                Reply::Looked(l) if matches!(l.origin, Origin::Camera { .. }) => {
                    self.metrics.scan_to_look_ms.push(l.seen_at.elapsed().as_secs_f64() * 1000.0);
                }
                _ => {}
            }
            reload |= self.state.apply(reply);
        }
        while let Ok(event) = self.scans.try_recv() {
            self.state.apply_scan(&event);
            match event {
                ScanEvent::Frame(frame) => {
                    self.preview.show_frame(ctx, &frame);
                    self.metrics.frame_drawn(self.launch.started);
                }
                ScanEvent::Code(code) => {
                    self.metrics.scan_to_code_ms.push(code.captured_at.elapsed().as_secs_f64() * 1000.0);
                    self.preview.mark(code.corners.clone(), code.frame_size);
                    let origin = Origin::Camera { corners: code.corners, frame_size: code.frame_size };
                    self.look(code.text, origin, code.captured_at);
                }
                ScanEvent::SourceError(e) => log::warn!(target: "tiepdon", "frame source: {e}"),
                _ => {}
            }
        }
        if reload {
            self.desk.send(Job::LoadDay);
        }
        self.drain_sources();
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
                    self.desk.send(Job::Refresh);
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
                if ui.selectable_label(self.screen == screen, RichText::new(label).size(17.0)).clicked() {
                    self.go(screen);
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(lang.switch_label()).clicked() {
                    action = Some(Action::SetLang(lang.other()));
                }
                if let Some(op) = &self.state.operator {
                    ui.label(format!("{} {op}", lang.tr("Người tiếp đón:", "Operator:")));
                }
                if let Some(s) = &self.state.settings {
                    ui.label(
                        RichText::new(format!("{} · {} {}", s.clinic.name, lang.tr("Bàn", "Desk"), s.desk))
                            .weak(),
                    );
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
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if !enter {
                r.request_focus();
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
            if (ui.add_enabled(ok, egui::Button::new(lang.tr("Bắt đầu", "Start"))).clicked() || enter) && ok
            {
                let name = name.to_string();
                self.prefs.operator = name.clone();
                self.state.operator = Some(name);
            }
        });
        let _ = modal;
    }

    fn keys(&mut self, ctx: &egui::Context) {
        // A USB scanner typing while another screen shows and no field has the keyboard: the scan
        // belongs to the check-in screen.
        if self.screen != Screen::CheckIn
            && self.state.operator.is_some()
            && ctx.memory(|m| m.focused().is_none())
        {
            let typed: String = ctx.input(|i| {
                i.events
                    .iter()
                    .filter_map(|e| if let egui::Event::Text(t) = e { Some(t.as_str()) } else { None })
                    .collect()
            });
            if !typed.is_empty() {
                self.checkin.field.push_str(&typed);
                self.screen = Screen::CheckIn;
            }
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
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<_> =
            ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        for path in dropped {
            let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
            if ext == "csv" {
                // Filled in, not started: importing is a deliberate click on "Nhập".
                self.settings.roster_path = path.display().to_string();
                self.screen = Screen::Settings;
            } else {
                self.screen = Screen::CheckIn;
                self.act(Action::OpenImage(path));
            }
        }
    }
}

/// An operator name, not a scanned payload or number: a letter, no `|`, at most 4 digits, 60 characters.
fn plausible_operator(name: &str) -> bool {
    let n = name.chars().count();
    (1..=60).contains(&n)
        && name.chars().any(char::is_alphabetic)
        && !name.contains('|')
        && name.chars().filter(char::is_ascii_digit).count() <= 4
        && !name.chars().any(char::is_control)
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain(ctx);
        self.keys(ctx);
        self.dropped_files(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let lang = self.lang();
        let mut action = None;
        egui::Panel::top("header").show(ui, |ui| {
            action = self.header(ui);
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            ui.horizontal(|ui| match &self.state.notice {
                Some(n) if n.error => {
                    ui.colored_label(Color32::from_rgb(0xd0, 0x30, 0x30), n.message.get(lang));
                }
                Some(n) => {
                    ui.label(n.message.get(lang));
                }
                None => {
                    ui.label(
                        RichText::new(lang.tr(
                            "F1–F4: màn hình · Enter: tiếp đón · Esc: bỏ qua",
                            "F1–F4: screens · Enter: check in · Esc: dismiss",
                        ))
                        .weak(),
                    );
                }
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            let a = match self.screen {
                Screen::CheckIn => self.checkin.ui(ui, lang, &self.state, &self.preview),
                Screen::Today => self.today.ui(ui, lang, &self.state),
                Screen::DayEnd => self.day_end.ui(ui, lang, &self.state),
                Screen::Settings => self.settings.ui(ui, lang, &self.state),
            };
            action = a.or(action.take());
        });
        if self.state.operator.is_none() {
            self.operator_prompt(ui);
        }
        if let Some(a) = action {
            self.act(a);
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
