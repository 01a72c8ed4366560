//! Reading the card's printed text (OCR) for the window: off the sharpest of the next camera frames
//! (F6, the button, or by itself when the camera has shown a card or a screen with text and no QR for
//! 1.5 s), or off an image file with no QR; always on its own thread, so neither the preview nor the QR
//! path waits for it. The fields read wait in the scanner area for Enter.

use super::App;
use crate::ocr::{self, Engine, Grey};
use crate::scan::Frame;
use crate::ui::lang::Message;
use crate::ui::state::CardText;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// What an OCR job hands back: whether it started by itself, and the read.
pub(super) type CardTextRead = (bool, Result<CardText, Message>);

/// How long the camera must show a card-like picture with text and no QR before its text is read by
/// itself.
pub const AUTO_AFTER: Duration = Duration::from_millis(1500);
/// How often the newest preview frame is looked at for a card.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Watching the camera for a card shown without a readable QR.
#[derive(Default)]
pub(super) struct AutoRead {
    /// The newest preview frame.
    frame: Option<Arc<Frame>>,
    looked_at: Option<Instant>,
    /// Since when a card-like picture has been in view (without a QR).
    card_since: Option<Instant>,
    /// This card's text was read by itself already (again only after it left the view or a QR was read).
    done: bool,
}

/// Frames sampled for the sharpest (one every `SAMPLE_GAP`): a hand holding a phone still for a third
/// of a second gives at least one without motion blur.
const SAMPLES: usize = 4;
const SAMPLE_GAP: Duration = Duration::from_millis(80);

/// Reads `grey` (contained: the engine is another process; a panic here is caught) into a card text.
pub(super) fn read_grey(grey: &Grey, from: String) -> Result<CardText, Message> {
    let engine = Engine::find().map_err(|e| {
        let (vi, en) = e.message();
        Message::new(vi, en)
    })?;
    let read = std::panic::catch_unwind(|| ocr::read(&engine, grey)).map_err(|_| {
        Message::new(
            "Đọc chữ trên thẻ gặp lỗi bất ngờ; hãy thử lại.",
            "Reading the card text failed unexpectedly; try again.",
        )
    })?;
    let reading = read.map_err(|e| {
        let (vi, en) = e.message();
        Message::new(vi, en)
    })?;
    if reading.layout.is_none()
        && reading.fields.bhxh_number.is_none()
        && reading.fields.card_number.is_none()
    {
        return Err(Message::new(
            "Không thấy chữ của thẻ BHYT trên ảnh; hãy đưa thẻ (hoặc màn hình VssID/VNeID) gần camera hơn, giữ yên, rồi nhấn F6.",
            "No BHYT card text in view; hold the card (or the VssID/VNeID screen) closer and still, then press F6.",
        ));
    }
    Ok(CardText { reading, from })
}

/// Starts an OCR job on a thread; its result arrives through `tx`.
pub(super) fn spawn(
    tx: Sender<CardTextRead>,
    wake: Arc<dyn Fn() + Send + Sync>,
    auto: bool,
    job: impl FnOnce() -> Result<CardText, Message> + Send + 'static,
) {
    std::thread::Builder::new()
        .name("ocr".into())
        .spawn(move || {
            let _ = tx.send((auto, job()));
            wake();
        })
        .ok();
}

impl App {
    /// Keeps the newest preview frame for [`App::watch_for_card`].
    pub(super) fn keep_frame(&mut self, frame: Arc<Frame>) {
        self.auto_read.frame = Some(frame);
    }

    /// Reads the card text by itself once a card-like picture with text and no QR has been in view for
    /// [`AUTO_AFTER`], while the check-in screen is idle (no verdict, no card text, nothing typed). Once
    /// per card: again only after it left the view or a QR was read.
    pub(super) fn watch_for_card(&mut self, ctx: &egui::Context) {
        let Some(tap) = self.scanner.as_ref().map(|s| s.tap()) else { return };
        let now = Instant::now();
        if self.auto_read.looked_at.is_some_and(|t| now - t < LOOK_EVERY) {
            if self.auto_read.card_since.is_some() && !self.auto_read.done {
                ctx.request_repaint_after(LOOK_EVERY);
            }
            return;
        }
        self.auto_read.looked_at = Some(now);
        let coded = tap.since_code().is_some_and(|d| d < AUTO_AFTER);
        let card =
            !coded
                && self.auto_read.frame.as_ref().is_some_and(|f| {
                    ocr::looks_like_card(&Grey { w: f.width, h: f.height, px: f.luma.clone() })
                });
        if !card {
            self.auto_read.card_since = None;
            self.auto_read.done = false;
            return;
        }
        let since = *self.auto_read.card_since.get_or_insert(now);
        let idle = self.state.operator.is_some()
            && self.screen == crate::ui::app::Screen::CheckIn
            && self.state.current.is_none()
            && self.state.card_text.is_none()
            && !self.state.ocr_busy
            && self.checkin.field.trim().is_empty();
        if self.auto_read.done || !idle {
            return;
        }
        if now - since >= AUTO_AFTER {
            self.auto_read.done = true;
            self.start_card_text(true);
        } else {
            ctx.request_repaint_after(LOOK_EVERY);
        }
    }

    /// F6: reads the card text off the sharpest of the next few camera frames.
    pub(super) fn read_card_text(&mut self) {
        self.start_card_text(false);
    }

    fn start_card_text(&mut self, auto: bool) {
        if self.state.ocr_busy {
            return;
        }
        let Some(tap) = self.scanner.as_ref().map(|s| s.tap()) else {
            self.state.typed_error = Some(Message::new(
                "Không có camera để đọc chữ trên thẻ; hãy kéo thả ảnh chụp thẻ vào cửa sổ.",
                "No camera to read the card text from; drop a picture of the card on the window.",
            ));
            return;
        };
        self.state.ocr_busy = true;
        self.state.card_text = None;
        self.state.typed_error = None;
        spawn(self.card_text_tx.clone(), self.wake.clone(), auto, move || {
            let mut best: Option<(f32, Grey)> = None;
            for i in 0..SAMPLES {
                if i > 0 {
                    std::thread::sleep(SAMPLE_GAP);
                }
                if let Some(f) = tap.newest() {
                    let g = Grey { w: f.width, h: f.height, px: f.luma.clone() };
                    let s = ocr::sharpness(&g);
                    if best.as_ref().is_none_or(|(b, _)| s > *b) {
                        best = Some((s, g));
                    }
                }
            }
            match best {
                Some((_, g)) => read_grey(&g, "camera".into()),
                None => Err(Message::new(
                    "Camera chưa gửi hình nào; hãy kiểm tra camera rồi thử lại.",
                    "The camera has not sent a picture yet; check it and try again.",
                )),
            }
        });
    }

    /// Folds finished OCR jobs into the state.
    pub(super) fn drain_card_text(&mut self) {
        while let Ok((auto, done)) = self.card_text_rx.try_recv() {
            self.state.ocr_busy = false;
            if self.state.operator.is_none() {
                continue; // nobody signed in: nothing is offered
            }
            match done {
                // A read that started by itself never takes the screen from a patient shown meanwhile.
                Ok(_) if auto && self.state.current.is_some() => {}
                Ok(text) => {
                    self.state.typed_error = None;
                    self.state.card_text = Some(text);
                    self.go(crate::ui::app::Screen::CheckIn);
                }
                // A read that started by itself and found nothing says nothing.
                Err(_) if auto => {}
                Err(m) => self.state.typed_error = Some(m),
            }
        }
    }
}
