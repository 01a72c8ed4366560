//! The QR decoder cascade: cheap stages first, stop at the first read; every stage panic-isolated.
//!
//! Chosen by measurement (`tiepdon bench-decode`, BENCHMARKS.md) on the 320 zxing photos and the
//! synthetic webcam frames: rxing's C++-port reader on a global-histogram binarisation, then on a hybrid
//! binarisation and its inverse (light-on-dark phone screens); small images (≤ 512 px) also get rxing's
//! multi-reader on the image, its inverse and a 2× upscale. rqrr, named in the design, is measured as a
//! stage but left out: it read nothing the cascade missed, cost 16–21 ms per 720p frame and panicked on
//! four corpus images.

use super::frame::Frame;
use rxing::Luma8Source;
use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, MultiFormatReader, RXingResult, Reader};
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Images at most this large on their longer side get the slower stages.
pub const SMALL_SIDE: u32 = 512;

/// A QR code read from a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The exact payload.
    pub text: String,
    /// Where the code is: its corner (or finder-pattern) points in frame pixels.
    pub corners: Vec<(f32, f32)>,
    /// The stage that read it.
    pub stage: &'static str,
}

/// One way of trying to read a frame.
pub trait Stage: Send + Sync {
    fn name(&self) -> &'static str;
    /// Whether the stage is worth running on a frame this size.
    fn applies(&self, frame: &Frame) -> bool {
        let _ = frame;
        true
    }
    fn read(&self, frame: &Frame) -> Option<Decoded>;
}

/// What a cascade run gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub decoded: Option<Decoded>,
    /// Stages that panicked (contained) on this frame.
    pub panicked: Vec<&'static str>,
}

/// An ordered list of stages.
pub struct Decoder {
    stages: Vec<Box<dyn Stage>>,
}

impl Default for Decoder {
    fn default() -> Decoder {
        Decoder::standard()
    }
}

impl Decoder {
    /// The measured cascade.
    pub fn standard() -> Decoder {
        Decoder::with_stages(vec![
            Box::new(RxingGlobal),
            Box::new(RxingHybrid),
            Box::new(Small(RxingMulti, "rxing-multi")),
            Box::new(Small(Inverted(RxingMulti), "rxing-multi-inverted")),
            Box::new(Small(Upscaled(RxingMulti), "rxing-multi-upscaled")),
        ])
    }

    pub fn with_stages(stages: Vec<Box<dyn Stage>>) -> Decoder {
        Decoder { stages }
    }

    pub fn stage_names(&self) -> Vec<&'static str> {
        self.stages.iter().map(|s| s.name()).collect()
    }

    /// Runs the stages in order until one reads the frame. A panicking stage is skipped and reported.
    pub fn decode(&self, frame: &Frame) -> Outcome {
        let mut outcome = Outcome::default();
        for stage in self.stages.iter().filter(|s| s.applies(frame)) {
            match catch_unwind(AssertUnwindSafe(|| stage.read(frame))) {
                Ok(Some(decoded)) => {
                    outcome.decoded = Some(decoded);
                    break;
                }
                Ok(None) => {}
                Err(_) => outcome.panicked.push(stage.name()),
            }
        }
        outcome
    }
}

fn hints() -> DecodeHints {
    DecodeHints {
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        TryHarder: Some(true),
        ..DecodeHints::default()
    }
}

/// The frame as rxing's luminance source, borrowing its pixels.
fn source(frame: &Frame) -> Option<Luma8Source<'_>> {
    Luma8Source::new_with_slice(&frame.luma, frame.width, frame.height).ok()
}

fn decoded(result: RXingResult, stage: &'static str) -> Decoded {
    Decoded {
        text: result.getText().to_string(),
        corners: result.getPoints().iter().map(|p| (p.x, p.y)).collect(),
        stage,
    }
}

/// rxing's C++-port QR reader on a global-histogram binarisation.
pub struct RxingGlobal;

impl Stage for RxingGlobal {
    fn name(&self) -> &'static str {
        "rxing-global"
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        let mut bitmap = BinaryBitmap::new(GlobalHistogramBinarizer::new(source(frame)?));
        QrReader.decode_with_hints(&mut bitmap, &hints()).ok().map(|r| decoded(r, self.name()))
    }
}

/// rxing's C++-port QR reader on a hybrid binarisation, then on the same bitmap inverted.
pub struct RxingHybrid;

impl Stage for RxingHybrid {
    fn name(&self) -> &'static str {
        "rxing-hybrid"
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source(frame)?));
        let h = hints();
        if let Ok(r) = QrReader.decode_with_hints(&mut bitmap, &h) {
            return Some(decoded(r, self.name()));
        }
        bitmap.invert();
        QrReader.decode_with_hints(&mut bitmap, &h).ok().map(|r| decoded(r, self.name()))
    }
}

/// rxing's multi-reader (the C++ port, then the Java port) on a hybrid binarisation.
pub struct RxingMulti;

impl Stage for RxingMulti {
    fn name(&self) -> &'static str {
        "rxing-multi"
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source(frame)?));
        MultiFormatReader::default()
            .decode_with_hints(&mut bitmap, &hints())
            .ok()
            .map(|r| decoded(r, self.name()))
    }
}

/// rqrr (measured, not in the standard cascade).
pub struct Rqrr;

impl Stage for Rqrr {
    fn name(&self) -> &'static str {
        "rqrr"
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        let w = frame.width as usize;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, frame.height as usize, |x, y| {
            frame.luma[y * w + x]
        });
        img.detect_grids().into_iter().find_map(|grid| {
            let corners = grid.bounds.iter().map(|p| (p.x as f32, p.y as f32)).collect();
            grid.decode().ok().map(|(_, text)| Decoded { text, corners, stage: "rqrr" })
        })
    }
}

/// A stage run only on small images, under its own name.
pub struct Small<S>(pub S, pub &'static str);

impl<S: Stage> Stage for Small<S> {
    fn name(&self) -> &'static str {
        self.1
    }
    fn applies(&self, frame: &Frame) -> bool {
        frame.width.max(frame.height) <= SMALL_SIDE
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        self.0.read(frame).map(|d| Decoded { stage: self.1, ..d })
    }
}

/// A stage run on the inverted frame.
pub struct Inverted<S>(pub S);

impl<S: Stage> Stage for Inverted<S> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        self.0.read(&frame.inverted())
    }
}

/// A stage run on the frame upscaled 2×; corners are mapped back.
pub struct Upscaled<S>(pub S);

impl<S: Stage> Stage for Upscaled<S> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        let mut d = self.0.read(&frame.upscaled2())?;
        d.corners.iter_mut().for_each(|(x, y)| (*x, *y) = (*x / 2.0, *y / 2.0));
        Some(d)
    }
}
