//! Where presentations come from besides the running camera: switching the frame source, webcam
//! listing, image files opened or dropped, and leaving demo mode for the real database. All slow work
//! runs on short-lived threads that report through channels and wake the window.

use super::App;
use crate::scan::decode::Decoder;
use crate::scan::frame::Frame;
use crate::scan::source::SourceSpec;
use crate::scan::worker::ScanWorker;
use crate::ui::desk::{DeskWorker, Origin};
use crate::ui::lang::Message;
use crate::ui::launch::Launch;
use crate::ui::state::{DeskState, SourceStatus};
use std::path::PathBuf;
use std::sync::mpsc::channel;
use std::time::Instant;

/// The webcams found, with their resolutions, or why they could not be listed.
pub(super) type CameraList = Result<Vec<crate::scan::camera::CameraInfo>, String>;

/// What reading an image file gave: (file name, payload, when it was dropped), or why not.
pub(super) type ImageRead = Result<(String, String, Instant), Message>;

impl App {
    /// Replaces the frame source (None: no camera).
    pub(super) fn use_source(&mut self, spec: Option<SourceSpec>) {
        if let Some(old) = self.scanner.take() {
            // Stopping waits for the capture thread (up to 2 s): not on the UI thread.
            std::thread::spawn(move || old.stop());
        }
        if let Some(SourceSpec::Camera { which, size }) = &spec {
            self.prefs.camera = Some(which.clone());
            self.prefs.resolution = Some(*size);
        }
        self.state.demo_source = matches!(spec, Some(SourceSpec::Demo(_)));
        self.state.next = None; // a read of the old source

        self.state.source = SourceStatus { absent: spec.is_none(), ..Default::default() };
        self.preview = Default::default();
        // Events of the old worker still queued belong to it; a fresh channel starts clean.
        let (tx, rx) = channel();
        self.scan_tx = tx;
        self.scans = rx;
        self.scanner = spec
            .clone()
            .map(|s| ScanWorker::start(s, Decoder::standard(), self.scan_tx.clone(), self.wake.clone()));
        self.launch.source = spec;
    }

    pub(super) fn list_cameras(&mut self) {
        let (tx, rx) = channel();
        let wake = self.wake.clone();
        std::thread::spawn(move || {
            let found = crate::scan::camera::list_with_resolutions().map_err(|e| e.to_string());
            let _ = tx.send(found);
            wake();
        });
        self.cameras = Some(rx);
    }

    /// Reads an image's QR on a short-lived thread (decoding never runs on the UI thread).
    pub(super) fn open_image(&mut self, path: PathBuf) {
        let tx = self.image_tx.clone();
        let card_text_tx = self.card_text_tx.clone();
        let wake = self.wake.clone();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dropped_at = Instant::now();
        std::thread::spawn(move || {
            // Frame::open and every decoder stage contain panics themselves.
            let read = match Frame::open(&path) {
                Ok(frame) => match Decoder::standard().decode(&frame).decoded {
                    Some(d) if d.sequence.is_none() => Ok((name, d.text, dropped_at)),
                    Some(d) => {
                        let (i, n) = d.sequence.map_or((0, 0), |s| (s.index + 1, s.size));
                        Err(Message::new(
                            format!(
                                "{name}: chỉ là phần {i}/{n} của một mã nhiều phần; hãy quét bằng camera."
                            ),
                            format!(
                                "{name}: only part {i} of {n} of a multi-part code; scan it with the camera."
                            ),
                        ))
                    }
                    None => {
                        // No QR: the card's printed text, if it has some (a VssID or VNeID screenshot).
                        let grey =
                            crate::ocr::Grey { w: frame.width, h: frame.height, px: frame.luma.clone() };
                        let from = name.clone();
                        super::card_text::spawn(card_text_tx, wake.clone(), false, move || {
                            super::card_text::read_grey(&grey, from).map_err(|m| {
                                Message::new(
                                    format!("{name}: không thấy mã QR trong ảnh. {}", m.vi),
                                    format!("{name}: no QR code in the image. {}", m.en),
                                )
                            })
                        });
                        return;
                    }
                },
                Err(e) => Err(Message::new(
                    format!("{name}: không đọc được ảnh ({e})."),
                    format!("{name}: cannot read the image ({e})."),
                )),
            };
            let _ = tx.send(read);
            wake();
        });
    }

    /// Leaves demo mode: the real database (created if needed) and the first webcam, if any.
    pub(super) fn leave_demo(&mut self) {
        let Some(db) = Launch::real_db() else { return };
        self.open_database(db);
        log::info!(target: "tiepdon", "left demo mode");
    }

    /// Switches the desk to the database at `path` (created if needed), remembered for the next start.
    /// Demo frames never feed a real database: leaving demo data also leaves the demo camera.
    pub(super) fn open_database(&mut self, path: PathBuf) {
        self.open_store(path, None);
    }

    /// Switches the desk to what Settings' server field names: a clinic server's URL (or a file path),
    /// remembered for the next start once it has opened. A URL that cannot be read is told, nothing
    /// changes.
    pub(super) fn open_location(&mut self, text: &str) {
        let notice = |m: Message| crate::ui::state::Notice { message: m, error: true };
        match crate::store::Location::parse(text) {
            Err(e) => self.state.notice = Some(notice(Message::from(e))),
            Ok(crate::store::Location::File(path)) => self.open_store(path, None),
            #[cfg(feature = "server")]
            Ok(crate::store::Location::Server(url)) => match crate::store::server::replica_for(&url) {
                Some(replica) => self.open_store(replica, Some(url)),
                None => {
                    self.state.notice = Some(notice(Message::new(
                        "Không có thư mục dữ liệu cho bản sao danh sách thẻ.",
                        "No data folder for the roster copy.",
                    )))
                }
            },
            #[cfg(not(feature = "server"))]
            Ok(crate::store::Location::Server(_)) => {
                self.state.notice = Some(notice(Message::new(
                    "Bản tiepdon này không có máy chủ.",
                    "This tiepdon was built without the clinic server.",
                )))
            }
        }
    }

    fn open_store(&mut self, path: PathBuf, server: Option<crate::store::backend::ServerUrl>) {
        if self.import.is_some() {
            self.state.notice = Some(crate::ui::state::Notice {
                message: Message::new(
                    "Đang nhập danh sách thẻ: đổi cơ sở dữ liệu sau khi nhập xong.",
                    "A roster import is running: switch databases once it is done.",
                ),
                error: true,
            });
            return;
        }
        let (tx, rx) = channel();
        let new =
            DeskWorker::start(path.clone(), server.clone(), self.launch.clock.clone(), tx, self.wake.clone());
        // The old worker finishes its queue (a backup, an export) on its own thread, not this one.
        let old = std::mem::replace(&mut self.desk, new);
        std::thread::spawn(move || drop(old));
        self.replies = rx;
        // Remembered for the next start once it has opened (`drain`).
        self.remember_on_open = Some(path.clone());
        self.launch.db = path;
        self.launch.server = server;
        let was_demo = self.launch.demo_db || self.state.demo_source;
        self.launch.demo_db = false;
        self.launch.demo_reason = None;
        let source = self.state.source.clone();
        self.state = DeskState { operator: self.state.operator.take(), source, ..DeskState::default() };
        if was_demo {
            self.use_source(None);
            self.want_first_camera = true;
            self.list_cameras();
        }
        self.settings.reload();
        self.day_end.folder.clear();
        log::info!(target: "tiepdon", "database switched");
    }

    /// Folds what the helper threads reported.
    pub(super) fn drain_sources(&mut self) {
        if let Some(found) = self.cameras.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.cameras = None;
            if std::mem::take(&mut self.want_first_camera)
                && let Ok(list) = &found
                && let Some(first) = list.first()
            {
                let index = &first.device.index;
                let size = crate::scan::source::CAMERA_SIZE;
                self.use_source(Some(SourceSpec::Camera { which: index.clone(), size }));
            }
            self.state.cameras = Some(found);
        }
        while let Ok(read) = self.images.try_recv() {
            match read {
                Ok(_) if self.state.operator.is_none() => {} // nobody signed in: nothing is looked up
                Ok((name, text, at)) => self.look(text, Origin::File(name), at),
                Err(m) => self.state.notice = Some(crate::ui::state::Notice { message: m, error: true }),
            }
        }
    }
}
