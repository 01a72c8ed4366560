//! The QR decoder cascade: cheap stages first, stop at the first read; every stage isolated.
//!
//! Chosen by measurement (`tiepdon bench-decode --stages`, BENCHMARKS.md) on the zxing photos, the
//! synthetic webcam frames and the modelled screen-photo, small-code and desk-card corpora: rxing's
//! C++-port reader on a global-histogram binarisation (cheap, reads clear codes), then zxing-cpp with
//! its zoom on symbols it locates but cannot read (everything zxing-cpp reads, and small dense codes
//! and glare-struck screens beyond it); small images (≤ 512 px) also get rxing's multi-reader on the
//! image, its inverse and a 2× upscale. rqrr, named in the design, is measured as a stage but left out:
//! it reads nothing the cascade misses, costs ~10 ms per 720p frame and panics on some images.

use super::frame::Frame;
use rxing::Luma8Source;
use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, MultiFormatReader, RXingResult, Reader};
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use zxingcpp::{BarcodeReader, ImageFormat, ImageView, TextMode};

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
    /// Set when this is one symbol of a structured-append message whose other parts were not in the
    /// frame: not a read on its own; an [`Assembler`] joins the parts shown one after another.
    pub sequence: Option<Sequence>,
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
            // rxing-global first: it reads a clear code in ~1.7 ms where zxing-cpp takes ~4.5 ms, which
            // keeps the window's frame → verdict time; zxing-cpp then reads whatever it misses, so the
            // cascade reads everything zxing-cpp reads. A frame without a code runs both either way.
            Box::new(RxingGlobal),
            Box::new(ZxingCpp::STANDARD),
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

/// An rxing read, or `None` for one symbol of a structured-append message (rxing's readers disagree on
/// how they report which part it is; zxing-cpp, the first stage, reads and joins such messages).
fn decoded(result: RXingResult, stage: &'static str) -> Option<Decoded> {
    use rxing::{RXingResultMetadataType, RXingResultMetadataValue};
    let part = matches!(
        result.getRXingResultMetadata().get(&RXingResultMetadataType::STRUCTURED_APPEND_SEQUENCE),
        Some(RXingResultMetadataValue::StructuredAppendSequence(i)) if *i >= 0
    );
    (!part).then(|| Decoded {
        text: result.getText().to_string(),
        corners: result.getPoints().iter().map(|p| (p.x, p.y)).collect(),
        stage,
        sequence: None,
    })
}

/// rxing's C++-port QR reader on a global-histogram binarisation.
pub struct RxingGlobal;

impl Stage for RxingGlobal {
    fn name(&self) -> &'static str {
        "rxing-global"
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        let mut bitmap = BinaryBitmap::new(GlobalHistogramBinarizer::new(source(frame)?));
        QrReader.decode_with_hints(&mut bitmap, &hints()).ok().and_then(|r| decoded(r, self.name()))
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
            return decoded(r, self.name());
        }
        bitmap.invert();
        QrReader.decode_with_hints(&mut bitmap, &h).ok().and_then(|r| decoded(r, self.name()))
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
            .and_then(|r| decoded(r, self.name()))
    }
}

/// zxing-cpp (the C++ library through its official C API; a C++ exception comes back as an error, never
/// unwinds into Rust), QR only, with the options given. With `zoom`, a symbol it locates but cannot
/// decode (a small dense code at 1.5–3 px per module: a chip CCCD's version 7–11 QR at a desk) is cut out
/// and enlarged (see [`Zoom`]) and read again; a frame where it locates nothing costs nothing more.
/// The parts of a structured-append message in the frame are joined (see [`join_parts`]).
#[derive(Debug, Clone, Copy)]
pub struct ZxingCpp {
    pub name: &'static str,
    pub binarizer: zxingcpp::Binarizer,
    pub try_harder: bool,
    pub try_invert: bool,
    pub try_downscale: bool,
    /// Second looks at located-but-unread symbols (none: one pass only).
    pub zoom: &'static [Zoom],
}

impl ZxingCpp {
    /// The options the cascade uses (chosen by measurement, BENCHMARKS.md).
    pub const STANDARD: ZxingCpp = ZxingCpp {
        name: "zxing-cpp",
        binarizer: zxingcpp::Binarizer::LocalAverage,
        try_harder: true,
        try_invert: true,
        try_downscale: true,
        zoom: STANDARD_ZOOM,
    };

    fn reader(&self, return_errors: bool) -> BarcodeReader {
        BarcodeReader::new()
            .formats([zxingcpp::BarcodeFormat::QRCode])
            .binarizer(self.binarizer)
            .try_harder(self.try_harder)
            .try_invert(self.try_invert)
            .try_downscale(self.try_downscale)
            .try_rotate(true)
            .text_mode(TextMode::Plain)
            .max_number_of_symbols(16)
            .return_errors(return_errors)
    }

    /// Every symbol zxing-cpp finds: the read ones, and (with `return_errors`) the located ones it could
    /// not decode, as boxes in frame pixels.
    fn symbols(&self, frame: &Frame, return_errors: bool) -> (Vec<Decoded>, Vec<[f32; 4]>) {
        let Ok(view) = ImageView::from_slice(&frame.luma, frame.width, frame.height, ImageFormat::Lum) else {
            return (Vec::new(), Vec::new());
        };
        let Ok(barcodes) = self.reader(return_errors).from(view) else { return (Vec::new(), Vec::new()) };
        let (mut parts, mut failed) = (Vec::new(), Vec::new());
        for b in barcodes {
            let p = b.position();
            let corners: Vec<(f32, f32)> = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
                .iter()
                .map(|c| (c.x as f32, c.y as f32))
                .collect();
            if b.is_valid() {
                parts.push(Decoded {
                    text: b.text(),
                    corners,
                    stage: self.name,
                    sequence: (b.sequence_size() > 1).then(|| Sequence {
                        id: b.sequence_id(),
                        index: b.sequence_index(),
                        size: b.sequence_size(),
                    }),
                });
            } else {
                failed.push(bounding_box(&corners));
            }
        }
        (parts, failed)
    }
}

impl Stage for ZxingCpp {
    fn name(&self) -> &'static str {
        self.name
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        let zoom = !self.zoom.is_empty();
        let (parts, failed) = self.symbols(frame, zoom);
        if let Some(d) = join_parts(parts, self.name) {
            return Some(d);
        }
        let plain = ZxingCpp { zoom: &[], ..*self };
        for view in self.zoom {
            // A wide cut-out is large to read: only around the first box located.
            let boxes = match view {
                Zoom::Tight { .. } => MAX_ZOOMS,
                Zoom::Wide { .. } => 1,
            };
            for b in failed.iter().take(boxes) {
                let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
                let half = match *view {
                    Zoom::Tight { .. } => (b[2] - b[0]).max(b[3] - b[1]).max(8.0) * (0.5 + TIGHT_MARGIN),
                    Zoom::Wide { side, .. } => side / 2.0,
                };
                let factor = match *view {
                    Zoom::Tight { factor } | Zoom::Wide { factor, .. } => factor,
                };
                // A large located box has large modules: enlarging it would only cost time and memory.
                if 2.0 * half * factor as f32 > MAX_ZOOM_SIDE {
                    continue;
                }
                let Some((crop, x0, y0)) = frame.cropped(cx - half, cy - half, cx + half, cy + half) else {
                    continue;
                };
                let (parts, _) = plain.symbols(&crop.scaled_bicubic(factor), false);
                let f = factor as f32;
                if let Some(mut d) = join_parts(parts, ZOOM_STAGE) {
                    // Corners back into the frame.
                    d.corners
                        .iter_mut()
                        .for_each(|(x, y)| (*x, *y) = (*x / f + x0 as f32, *y / f + y0 as f32));
                    return Some(d);
                }
            }
        }
        None
    }
}

/// A second look at a symbol zxing-cpp located but could not decode: a cut-out, enlarged (bicubic).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zoom {
    /// The located box with a margin of [`TIGHT_MARGIN`] of its side, enlarged `factor` times: a small
    /// dense code (a chip CCCD's) whose modules are too few pixels for the binariser.
    Tight { factor: u32 },
    /// A `side`-pixel square around the located box, enlarged: on a phone's screen (glare, moiré) the
    /// box located is often a piece of the code, not all of it.
    Wide { side: f32, factor: u32 },
}

/// The margin around a tight cut-out, as a share of the located box's side.
pub const TIGHT_MARGIN: f32 = 0.35;

/// The second looks the cascade takes, in order (chosen by measurement, BENCHMARKS.md).
pub const STANDARD_ZOOM: &[Zoom] = &[Zoom::Tight { factor: 3 }, Zoom::Wide { side: 400.0, factor: 2 }];

/// How many located-but-unread symbols of one frame are enlarged and read again.
const MAX_ZOOMS: usize = 2;
/// The largest enlarged cut-out, in pixels per side.
const MAX_ZOOM_SIDE: f32 = 2400.0;
/// The name of a read made on an enlarged cut-out.
pub const ZOOM_STAGE: &str = "zxing-cpp-zoom";

/// Which part of a structured-append message a symbol is.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub id: String,
    pub index: i32,
    pub size: i32,
}

/// The smallest upright box around the points: [left, top, right, bottom].
fn bounding_box(points: &[(f32, f32)]) -> [f32; 4] {
    points.iter().fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |[x0, y0, x1, y1], &(x, y)| {
        [x0.min(x), y0.min(y), x1.max(x), y1.max(y)]
    })
}

/// The read of a frame from the symbols in it, credited to `stage`: a whole symbol if there is one;
/// otherwise the first structured-append message all of whose parts are present, joined in order
/// (corners: the box around them); otherwise one part, marked as such (see [`Assembler`]): half a card
/// is never a card.
pub fn join_parts(mut parts: Vec<Decoded>, stage: &'static str) -> Option<Decoded> {
    if let Some(i) = parts.iter().position(|p| p.sequence.is_none()) {
        return Some(Decoded { stage, ..parts.swap_remove(i) });
    }
    for first in &parts {
        let Some(seq) = &first.sequence else { continue };
        let mut members: Vec<&Decoded> = parts
            .iter()
            .filter(|p| p.sequence.as_ref().is_some_and(|s| s.id == seq.id && s.size == seq.size))
            .collect();
        members.sort_by_key(|p| p.sequence.as_ref().map_or(0, |s| s.index));
        members.dedup_by_key(|p| p.sequence.as_ref().map_or(0, |s| s.index));
        let complete = members.len() == seq.size as usize
            && members
                .iter()
                .enumerate()
                .all(|(i, p)| p.sequence.as_ref().is_some_and(|s| s.index == i as i32));
        if complete {
            let text = members.iter().map(|p| p.text.as_str()).collect();
            let all: Vec<(f32, f32)> = members.iter().flat_map(|p| p.corners.iter().copied()).collect();
            let [x0, y0, x1, y1] = bounding_box(&all);
            return Some(Decoded {
                text,
                corners: vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
                stage,
                sequence: None,
            });
        }
    }
    parts.into_iter().next().map(|p| Decoded { stage, ..p })
}

/// How long the parts of a structured-append message shown one after another are kept.
pub const PARTS_KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Joins the parts of a structured-append message read from successive frames or images (a phone
/// cycling through them, or several printed symbols shown in turn). Holds one message at a time: a part
/// of another message, or a whole code, starts over; parts older than [`PARTS_KEPT_FOR`] are dropped.
#[derive(Debug, Default)]
pub struct Assembler {
    parts: Vec<(std::time::Instant, Decoded)>,
}

impl Assembler {
    /// The read to act on: a whole code as it is; the joined message when `decoded` completes one;
    /// `None` while parts are missing.
    pub fn add(&mut self, decoded: Decoded, now: std::time::Instant) -> Option<Decoded> {
        let Some(seq) = decoded.sequence.clone() else {
            self.parts.clear();
            return Some(decoded);
        };
        self.parts.retain(|(at, d)| {
            now.saturating_duration_since(*at) < PARTS_KEPT_FOR
                && d.sequence.as_ref().is_some_and(|s| s.id == seq.id && s.size == seq.size)
        });
        self.parts.retain(|(_, d)| d.sequence.as_ref().is_some_and(|s| s.index != seq.index));
        self.parts.push((now, decoded));
        let parts: Vec<Decoded> = self.parts.iter().map(|(_, d)| d.clone()).collect();
        let stage = self.parts.last().map_or("", |(_, d)| d.stage);
        let joined = join_parts(parts, stage).filter(|d| d.sequence.is_none())?;
        self.parts.clear();
        Some(joined)
    }

    /// Which parts are held: (parts held, parts in the message).
    pub fn progress(&self) -> Option<(usize, i32)> {
        let size = self.parts.last()?.1.sequence.as_ref()?.size;
        Some((self.parts.len(), size))
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
            grid.decode().ok().map(|(_, text)| Decoded { text, corners, stage: "rqrr", sequence: None })
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

/// A stage under another name (to tell variants apart in measurements).
pub struct Named<S>(pub S, pub &'static str);

impl<S: Stage> Stage for Named<S> {
    fn name(&self) -> &'static str {
        self.1
    }
    fn applies(&self, frame: &Frame) -> bool {
        self.0.applies(frame)
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        self.0.read(frame).map(|d| Decoded { stage: self.1, ..d })
    }
}

/// A stage run on the frame halved (2×2 means): a low-pass that removes a screen's pixel grid and the
/// moiré it makes, where the code's modules are large; corners are mapped back.
pub struct Halved<S>(pub S);

impl<S: Stage> Stage for Halved<S> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        let mut d = self.0.read(&frame.for_preview(frame.width / 2))?;
        d.corners.iter_mut().for_each(|(x, y)| (*x, *y) = (*x * 2.0, *y * 2.0));
        Some(d)
    }
}

/// A stage run on the frame smoothed by a 3×3 binomial filter (a gentler low-pass, same size).
pub struct Smoothed<S>(pub S);

impl<S: Stage> Stage for Smoothed<S> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn read(&self, frame: &Frame) -> Option<Decoded> {
        self.0.read(&frame.smoothed())
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
        let mut d = self.0.read(&frame.scaled(2))?;
        d.corners.iter_mut().for_each(|(x, y)| (*x, *y) = (*x / 2.0, *y / 2.0));
        Some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn part(text: &str, id: &str, index: i32, size: i32) -> Decoded {
        Decoded {
            text: text.into(),
            corners: vec![(index as f32 * 100.0, 0.0), (index as f32 * 100.0 + 50.0, 50.0)],
            stage: "test",
            sequence: Some(Sequence { id: id.into(), index, size }),
        }
    }

    fn whole(text: &str) -> Decoded {
        Decoded { text: text.into(), corners: vec![], stage: "test", sequence: None }
    }

    #[test]
    fn the_parts_in_one_frame_are_joined_in_order() {
        let parts = vec![part("c", "7", 2, 3), part("a", "7", 0, 3), part("b", "7", 1, 3)];
        let d = join_parts(parts, "zxing-cpp").unwrap();
        assert_eq!((d.text.as_str(), d.sequence), ("abc", None));
        assert_eq!(
            d.corners,
            vec![(0.0, 0.0), (250.0, 0.0), (250.0, 50.0), (0.0, 50.0)],
            "the box around all"
        );
        // A part missing: one part comes back, marked, never as a whole read.
        let d = join_parts(vec![part("a", "7", 0, 3), part("c", "7", 2, 3)], "z").unwrap();
        assert!(d.sequence.is_some());
        // A whole code in the frame wins over parts.
        let d = join_parts(vec![part("a", "7", 0, 2), whole("card")], "z").unwrap();
        assert_eq!(d.text, "card");
    }

    #[test]
    fn the_assembler_joins_parts_seen_one_after_another() {
        let (mut a, t) = (Assembler::default(), Instant::now());
        assert_eq!(a.add(part("b", "x", 1, 3), t), None);
        assert_eq!(a.add(part("b", "x", 1, 3), t), None, "the same part twice is held once");
        assert_eq!(a.progress(), Some((1, 3)));
        assert_eq!(a.add(part("a", "x", 0, 3), t), None);
        let d = a.add(part("c", "x", 2, 3), t + Duration::from_secs(2)).unwrap();
        assert_eq!((d.text.as_str(), d.sequence), ("abc", None));
        assert_eq!(a.progress(), None, "emptied once joined");
        assert_eq!(a.add(whole("card"), t).map(|d| d.text), Some("card".into()), "a whole code passes");
    }

    #[test]
    fn another_message_or_old_parts_start_over() {
        let (mut a, t) = (Assembler::default(), Instant::now());
        a.add(part("a", "x", 0, 2), t);
        assert_eq!(a.add(part("B", "y", 1, 2), t), None, "a part of another message is not joined to it");
        assert_eq!(a.add(part("b", "x", 1, 2), t), None, "and it dropped the first message's part");
        assert_eq!(a.add(part("a", "x", 0, 2), t + PARTS_KEPT_FOR + Duration::from_secs(1)), None, "too old");
        let d = a.add(part("b", "x", 1, 2), t + PARTS_KEPT_FOR + Duration::from_secs(2));
        assert_eq!(d.map(|d| d.text), Some("ab".into()));
        a.add(part("a", "z", 0, 2), t);
        assert_eq!(a.add(whole("card"), t).map(|d| d.text), Some("card".into()));
        assert_eq!(a.progress(), None, "a whole code clears the parts held");
    }
}
