//! [`App`]: owns the workers and the state. `logic` drains the channels and folds events into
//! [`DeskState`]; `ui` draws the header and the current screen and hands the screen's [`Action`] to a
//! worker. Remembers the language, the operator and the camera between runs (eframe storage).

mod plan;
mod roster_import;

use super::checkin::CheckinScreen;
use super::day_end::DayEndScreen;
use super::desk::{DeskWorker, Job, Origin, Reply};
use super::lang::{Lang, Message};
use super::launch::Launch;
use super::metrics::Metrics;
use super::preview::Preview;
use super::settings::SettingsScreen;
use super::state::DeskState;
use super::today::TodayScreen;
use super::{Action, fonts, logfile};
use crate::scan::decode::Decoder;
use crate::scan::frame::Frame;
use crate::scan::source::SourceSpec;
use crate::scan::worker::{CodeEvent, ScanEvent, ScanWorker};
use egui::{Color32, Key, RichText};
use plan::Screenshots;
use roster_import::{ImportTask, import_message};
use serde::{Deserialize, Serialize};
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

/// The webcams found: (index, name), or why they could not be listed.
type CameraList = Result<Vec<(String, String)>, String>;

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
            && let Some(which) = &prefs.camera
        {
            let size = prefs.resolution.unwrap_or(crate::scan::source::CAMERA_SIZE);
            launch.source = SourceSpec::Camera { which: which.clone(), size };
        }
        let ctx = cc.egui_ctx.clone();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || ctx.request_repaint());
        let (reply_tx, replies) = channel();
        let desk = DeskWorker::start(launch.db.clone(), launch.clock.clone(), reply_tx, wake.clone());
        let (scan_tx, scans) = channel();
        let scanner = Some(ScanWorker::start(
            launch.source.clone(),
            Decoder::standard(),
            scan_tx.clone(),
            wake.clone(),
        ));
        let mut state = DeskState { demo: launch.demo_db || launch.demo_source(), ..DeskState::default() };
        state.operator = launch.operator.clone();
        let mut settings = SettingsScreen::default();
        if let SourceSpec::Camera { which, size } = &launch.source {
            settings.camera = which.clone();
            settings.resolution = *size;
        }
        log::info!(target: "tiepdon", "window opened (demo: {})", state.demo);
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
            Action::Look { text, origin } => {
                self.desk.send(Job::Look { text, origin, seen_at: Instant::now() });
            }
            Action::CheckIn { force } => {
                if let Some(cur) = &self.state.current
                    && !self.state.busy
                {
                    self.state.busy = true;
                    self.desk.send(Job::CheckIn { text: cur.text.clone(), force, operator });
                }
            }
            Action::Reprint => {
                let earlier = self
                    .state
                    .current
                    .as_ref()
                    .and_then(|c| c.look.as_ref())
                    .and_then(|l| l.earlier.as_ref());
                if let Some(e) = earlier
                    && !self.state.busy
                {
                    self.state.busy = true;
                    self.desk.send(Job::Reprint { visit_id: e.id, operator });
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
            Action::ListCameras => {
                let (tx, rx) = channel();
                let wake = self.wake.clone();
                std::thread::spawn(move || {
                    let found = crate::scan::camera::list()
                        .map(|l| l.into_iter().map(|c| (c.index, c.name)).collect())
                        .map_err(|e| e.to_string());
                    let _ = tx.send(found);
                    wake();
                });
                self.cameras = Some(rx);
            }
            Action::SetLang(l) => self.prefs.lang = l,
            Action::AskOperator => self.state.operator = None,
        }
    }

    fn use_source(&mut self, spec: SourceSpec) {
        if let Some(old) = self.scanner.take() {
            // Stopping waits for the capture thread (up to 2 s): not on the UI thread.
            std::thread::spawn(move || old.stop());
        }
        if let SourceSpec::Camera { which, size } = &spec {
            self.prefs.camera = Some(which.clone());
            self.prefs.resolution = Some(*size);
        }
        self.state.demo = self.launch.demo_db || matches!(spec, SourceSpec::Demo(_));
        self.state.source = Default::default();
        // Events of the old worker still queued belong to it; a fresh channel starts clean.
        let (tx, rx) = channel();
        self.scan_tx = tx;
        self.scans = rx;
        let wake = self.wake.clone();
        self.scanner = Some(ScanWorker::start(spec.clone(), Decoder::standard(), self.scan_tx.clone(), wake));
        self.launch.source = spec;
    }

    /// Reads an image's QR on a short-lived thread; the code comes back as a scan event.
    fn open_image(&mut self, path: std::path::PathBuf) {
        let tx = self.scan_tx.clone();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        std::thread::spawn(move || {
            let started = Instant::now();
            let decoded = Frame::open(&path).map(|f| (Decoder::standard().decode(&f), f.width, f.height));
            let event = match decoded {
                Ok((outcome, w, h)) => match outcome.decoded {
                    Some(d) => ScanEvent::Code(Box::new(CodeEvent {
                        detection: crate::card::detect(&d.text),
                        text: d.text,
                        corners: d.corners,
                        frame_size: (w, h),
                        captured_at: started,
                        decode_ms: started.elapsed().as_secs_f64() * 1000.0,
                    })),
                    None => ScanEvent::SourceError(format!("{name}: không thấy mã QR / no QR code found")),
                },
                Err(e) => ScanEvent::SourceError(format!("{name}: {e}")),
            };
            let _ = tx.send(event);
        });
    }

    /// Folds everything the workers said since the last frame.
    fn drain(&mut self, ctx: &egui::Context) {
        let mut reload = false;
        while let Ok(reply) = self.replies.try_recv() {
            // Events only: never a name, a number or a payload.
            match &reply {
                Reply::CheckedIn(Ok(crate::store::visits::Outcome::Recorded(v))) => {
                    log::info!(target: "tiepdon", "visit {} recorded ({})", v.ticket, v.status);
                }
                Reply::CheckedIn(Ok(crate::store::visits::Outcome::Refused(r))) => {
                    log::info!(target: "tiepdon", "check-in refused: {}", r.refused);
                }
                Reply::Failed(_) | Reply::CheckedIn(Err(_)) => {
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
                    self.desk.send(Job::Look { text: code.text, origin, seen_at: code.captured_at });
                }
                ScanEvent::SourceError(e) => log::warn!(target: "tiepdon", "frame source: {e}"),
                _ => {}
            }
        }
        if reload {
            self.desk.send(Job::LoadDay);
        }
        if let Some(found) = self.cameras.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.state.cameras = Some(found);
            self.cameras = None;
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
                    self.desk.send(Job::Refresh);
                }
                Err(_) => ctx.request_repaint_after(Duration::from_millis(100)),
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
        if self.state.demo {
            let text = lang.tr(
                "CHẾ ĐỘ DEMO — dữ liệu và ảnh camera là giả, không phải người bệnh thật",
                "DEMO MODE — invented data and camera frames, not real patients",
            );
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
            let ok = !self.operator_field.trim().is_empty();
            if (ui.add_enabled(ok, egui::Button::new(lang.tr("Bắt đầu", "Start"))).clicked() || enter) && ok
            {
                let name = self.operator_field.trim().to_string();
                self.prefs.operator = name.clone();
                self.state.operator = Some(name);
            }
        });
        let _ = modal;
    }

    fn keys(&mut self, ctx: &egui::Context) {
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
                self.settings.roster_path = path.display().to_string();
                self.screen = Screen::Settings;
                self.act(Action::Import { path, replace: false });
            } else {
                self.screen = Screen::CheckIn;
                self.act(Action::OpenImage(path));
            }
        }
    }
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
