//! Reading the card's printed text (OCR) for the window: off the sharpest of the next camera frames
//! (F6, or the button), or off an image file with no QR; always on its own thread, so neither the
//! preview nor the QR path waits for it. The fields read wait in the scanner area for Enter.

use super::App;
use crate::ocr::{self, Engine, Grey};
use crate::ui::lang::Message;
use crate::ui::state::CardText;
use std::sync::mpsc::Sender;
use std::time::Duration;

/// What an OCR job hands back.
pub(super) type CardTextRead = Result<CardText, Message>;

/// Frames sampled for the sharpest (one every `SAMPLE_GAP`): a hand holding a phone still for a third
/// of a second gives at least one without motion blur.
const SAMPLES: usize = 4;
const SAMPLE_GAP: Duration = Duration::from_millis(80);

/// Reads `grey` (contained: the engine is another process; a panic here is caught) into a card text.
pub(super) fn read_grey(grey: &Grey, from: String) -> CardTextRead {
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
    wake: std::sync::Arc<dyn Fn() + Send + Sync>,
    job: impl FnOnce() -> CardTextRead + Send + 'static,
) {
    std::thread::Builder::new()
        .name("ocr".into())
        .spawn(move || {
            let _ = tx.send(job());
            wake();
        })
        .ok();
}

impl App {
    /// F6: reads the card text off the sharpest of the next few camera frames.
    pub(super) fn read_card_text(&mut self) {
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
        spawn(self.card_text_tx.clone(), self.wake.clone(), move || {
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
        while let Ok(done) = self.card_text_rx.try_recv() {
            self.state.ocr_busy = false;
            if self.state.operator.is_none() {
                continue; // nobody signed in: nothing is offered
            }
            match done {
                Ok(text) => {
                    self.state.typed_error = None;
                    self.state.card_text = Some(text);
                    self.go(crate::ui::app::Screen::CheckIn);
                }
                Err(m) => self.state.typed_error = Some(m),
            }
        }
    }
}
