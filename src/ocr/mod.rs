//! Reading the card's printed text when no QR can be read: the card image in VssID, the 2021 paper
//! card, the VNeID document wallet. An image is made grey (dark mode turned light), enlarged where its
//! text is small, read by Tesseract ([`engine`], its own process), its lines split into labels and
//! values ([`fields`]), the numbers and dates read again alone with only their characters allowed where
//! the first read is unsure, and every field cross-checked before it is offered. Nothing read by OCR is
//! trusted on its own: each field carries a confidence, and the desk asks the receptionist to confirm.

pub mod engine;
pub mod fields;
pub mod synth;

pub use engine::{Engine, EngineError, Params, Word};
pub use fields::{Confidence, Fields};

use crate::card::Detection;
use serde::Serialize;
use std::time::Instant;

/// Which kind of picture was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageLayout {
    /// The card image VssID shows (labels and values on one line each).
    Vssid,
    /// The 2021 paper card (the BHXH number in a box).
    Paper2021,
    /// The VNeID document wallet (a label above each value).
    Vneid,
}

impl ImageLayout {
    pub const ALL: [ImageLayout; 3] = [ImageLayout::Vssid, ImageLayout::Paper2021, ImageLayout::Vneid];

    pub fn as_str(self) -> &'static str {
        match self {
            ImageLayout::Vssid => "vssid",
            ImageLayout::Paper2021 => "paper-2021",
            ImageLayout::Vneid => "vneid",
        }
    }

    pub fn parse(s: &str) -> Option<ImageLayout> {
        ImageLayout::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl Serialize for ImageLayout {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What OCR read from one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// The layout told from the labels; `None` when no card label was found.
    pub layout: Option<ImageLayout>,
    pub fields: Fields,
    pub confidence: Confidence,
    /// Milliseconds the read took.
    pub ms: u64,
    /// Each word of the name with how sure the read is of it (0–1; the window marks the unsure ones).
    #[serde(skip)]
    pub name_words: Vec<(String, f32)>,
}

/// A field's confidence at or above which it is shown as read; below, as uncertain (set by measurement
/// on the development set, BENCHMARKS.md "OCR").
pub const CERTAIN: f32 = 0.80;

/// An 8-bit grey image.
#[derive(Debug, Clone)]
pub struct Grey {
    pub w: u32,
    pub h: u32,
    pub px: Vec<u8>,
}

impl Grey {
    /// From an image file's bytes (PNG, JPEG, WebP).
    pub fn decode(bytes: &[u8]) -> Result<Grey, String> {
        let img = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
        let g = img.to_luma8();
        Ok(Grey { w: g.width(), h: g.height(), px: g.into_raw() })
    }

    /// From packed 8-bit RGB.
    pub fn from_rgb(rgb: &[u8], w: u32, h: u32) -> Grey {
        let px = rgb
            .chunks_exact(3)
            .map(|p| ((p[0] as u32 * 77 + p[1] as u32 * 150 + p[2] as u32 * 29) >> 8) as u8)
            .collect();
        Grey { w, h, px }
    }

    /// Bilinear resize by `k`.
    pub fn scaled(&self, k: f32) -> Grey {
        let (w, h) =
            (((self.w as f32 * k).round() as u32).max(1), ((self.h as f32 * k).round() as u32).max(1));
        let mut px = Vec::with_capacity((w * h) as usize);
        let (sw, sh) = (self.w as usize, self.h as usize);
        for y in 0..h {
            let fy = ((y as f32 + 0.5) / k - 0.5).clamp(0.0, (sh - 1) as f32);
            let (y0, ty) = (fy.floor() as usize, fy.fract());
            let y1 = (y0 + 1).min(sh - 1);
            for x in 0..w {
                let fx = ((x as f32 + 0.5) / k - 0.5).clamp(0.0, (sw - 1) as f32);
                let (x0, tx) = (fx.floor() as usize, fx.fract());
                let x1 = (x0 + 1).min(sw - 1);
                let p = |xx: usize, yy: usize| self.px[yy * sw + xx] as f32;
                let v = p(x0, y0) * (1.0 - tx) * (1.0 - ty)
                    + p(x1, y0) * tx * (1.0 - ty)
                    + p(x0, y1) * (1.0 - tx) * ty
                    + p(x1, y1) * tx * ty;
                px.push(v.round() as u8);
            }
        }
        Grey { w, h, px }
    }

    /// The part inside a rectangle (clamped to the image).
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> Grey {
        let (x, y) = (x.min(self.w.saturating_sub(1)), y.min(self.h.saturating_sub(1)));
        let (w, h) = (w.min(self.w - x).max(1), h.min(self.h - y).max(1));
        let mut px = Vec::with_capacity((w * h) as usize);
        for row in y..y + h {
            let at = (row * self.w + x) as usize;
            px.extend_from_slice(&self.px[at..at + w as usize]);
        }
        Grey { w, h, px }
    }

    fn mean(&self) -> f32 {
        if self.px.is_empty() {
            return 0.0;
        }
        self.px.iter().map(|&p| p as u64).sum::<u64>() as f32 / self.px.len() as f32
    }

    /// Dark text on a light ground: a dark-mode screen is inverted.
    fn light(mut self) -> Grey {
        if self.mean() < 100.0 {
            for p in &mut self.px {
                *p = 255 - *p;
            }
        }
        self
    }

    /// Stretches the grey levels so the darkest 1 % is black and the lightest 1 % white (a dim screen,
    /// a grey label).
    fn stretched(mut self) -> Grey {
        let mut hist = [0usize; 256];
        for &p in &self.px {
            hist[p as usize] += 1;
        }
        let n = self.px.len();
        let at = |q: f32| {
            let mut acc = 0;
            for (v, &c) in hist.iter().enumerate() {
                acc += c;
                if acc as f32 >= q * n as f32 {
                    return v as f32;
                }
            }
            255.0
        };
        let (lo, hi) = (at(0.01), at(0.99));
        if hi - lo < 8.0 {
            return self;
        }
        for p in &mut self.px {
            *p = ((*p as f32 - lo) * 255.0 / (hi - lo)).clamp(0.0, 255.0) as u8;
        }
        self
    }

    /// Unsharp mask: the image plus `amount` times its difference from a Gaussian blur of `sigma`
    /// (restores the edges a webcam's lens and an upscale soften).
    fn sharpened(mut self, sigma: f32, amount: f32) -> Grey {
        let (w, h) = (self.w as usize, self.h as usize);
        let r = (sigma * 3.0).ceil() as isize;
        let k: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp()).collect();
        let sum: f32 = k.iter().sum();
        let k: Vec<f32> = k.iter().map(|v| v / sum).collect();
        let src: Vec<f32> = self.px.iter().map(|&p| p as f32).collect();
        let mut tmp = vec![0f32; w * h];
        for y in 0..h {
            let row = &src[y * w..(y + 1) * w];
            for x in 0..w {
                let mut acc = 0.0;
                for (i, kv) in k.iter().enumerate() {
                    let xx = (x as isize + i as isize - r).clamp(0, w as isize - 1) as usize;
                    acc += row[xx] * kv;
                }
                tmp[y * w + x] = acc;
            }
        }
        for x in 0..w {
            for y in 0..h {
                let mut acc = 0.0;
                for (i, kv) in k.iter().enumerate() {
                    let yy = (y as isize + i as isize - r).clamp(0, h as isize - 1) as usize;
                    acc += tmp[yy * w + x] * kv;
                }
                let v = src[y * w + x];
                self.px[y * w + x] = (v + amount * (v - acc)).clamp(0.0, 255.0) as u8;
            }
        }
        self
    }

    /// The light part of a photograph (a lit screen, a card) without the dark bezel and desk around it:
    /// the rows and columns where light pixels are common. The whole image if nothing stands out.
    fn lit_part(&self) -> Grey {
        let (w, h) = (self.w as usize, self.h as usize);
        if w < 64 || h < 64 {
            return self.clone();
        }
        let mean = self.mean();
        let light = |p: u8| p as f32 > mean;
        let mut cols = vec![0usize; w];
        let mut rows = vec![0usize; h];
        for (y, row) in self.px.chunks_exact(w).enumerate() {
            for (x, &p) in row.iter().enumerate() {
                if light(p) {
                    cols[x] += 1;
                    rows[y] += 1;
                }
            }
        }
        let span = |v: &[usize]| {
            let top = *v.iter().max().unwrap_or(&0) as f32;
            let first = v.iter().position(|&c| c as f32 > 0.35 * top).unwrap_or(0);
            let last = v.iter().rposition(|&c| c as f32 > 0.35 * top).unwrap_or(v.len() - 1);
            (first, last)
        };
        let ((x0, x1), (y0, y1)) = (span(&cols), span(&rows));
        if (x1 - x0) * (y1 - y0) < w * h / 4 {
            return self.clone();
        }
        let m = 8;
        let (x0, y0) = (x0.saturating_sub(m), y0.saturating_sub(m));
        let (x1, y1) = ((x1 + m).min(w - 1), (y1 + m).min(h - 1));
        self.crop(x0 as u32, y0 as u32, (x1 - x0 + 1) as u32, (y1 - y0 + 1) as u32)
    }
}

impl Grey {
    /// Calls `each(y, start, end)` for every run of dark pixels (50 levels under the mean) no longer
    /// than `longest` on every other row: the strokes of letters, not a bezel, the room or a shadow.
    fn short_dark_runs(&self, longest: usize, mut each: impl FnMut(usize, usize, usize)) {
        let (w, h) = (self.w as usize, self.h as usize);
        let dark = self.mean() - 50.0;
        for y in (0..h).step_by(2) {
            let row = &self.px[y * w..(y + 1) * w];
            let mut x = 0;
            while x < w {
                if (row[x] as f32) >= dark {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < w && (row[x] as f32) < dark {
                    x += 1;
                }
                if x - start <= longest {
                    each(y, start, x);
                }
            }
        }
    }

    /// The angle (degrees, −12…12) the text lines run at: the shear under which the dark pixels'
    /// row histogram is most peaked (lines of text, gaps between them).
    pub fn skew_degrees(&self) -> f32 {
        let (w, h) = (self.w as usize, self.h as usize);
        // The pixels of letters' strokes (long runs would make the frame's own edges look like lines
        // of text).
        let mut dark = Vec::new();
        self.short_dark_runs((w / 40).max(8), |y, start, end| {
            dark.extend((start..end).step_by(2).map(|x| (x as f32, y as f32)));
        });
        if dark.len() < 200 {
            return 0.0;
        }
        let score = |deg: f32| {
            let t = deg.to_radians().tan();
            let pad = (w as f32 * t.abs()).ceil() as usize + 1;
            // Rows in pairs: the pixels were taken from every other row, so at 0° single rows
            // would alternate full and empty and look twice as peaked as any other angle.
            let mut hist = vec![0u32; (h + 2 * pad) / 2 + 1];
            for &(x, y) in &dark {
                let r = ((y - x * t + pad as f32) / 2.0).floor();
                if r >= 0.0 && (r as usize) < hist.len() {
                    hist[r as usize] += 1;
                }
            }
            hist.iter().map(|&c| (c as f64) * (c as f64)).sum::<f64>()
        };
        let best = |from: f32, to: f32, step: f32| {
            let mut b = (f64::MIN, 0.0f32);
            let mut a = from;
            while a <= to + 1e-4 {
                let s = score(a);
                if s > b.0 {
                    b = (s, a);
                }
                a += step;
            }
            b.1
        };
        let coarse = best(-12.0, 12.0, 0.5);
        best(coarse - 0.5, coarse + 0.5, 0.1)
    }

    /// Turned by `deg` degrees about the centre (bilinear; white outside).
    pub fn rotated(&self, deg: f32) -> Grey {
        let (w, h) = (self.w as usize, self.h as usize);
        let (s, c) = deg.to_radians().sin_cos();
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let mut px = vec![255u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                let (sx, sy) = (c * dx - s * dy + cx, s * dx + c * dy + cy);
                if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
                    continue;
                }
                let (x0, y0) = (sx as usize, sy as usize);
                let (tx, ty) = (sx - x0 as f32, sy - y0 as f32);
                let p = |xx: usize, yy: usize| self.px[yy * w + xx] as f32;
                let v = p(x0, y0) * (1.0 - tx) * (1.0 - ty)
                    + p(x0 + 1, y0) * tx * (1.0 - ty)
                    + p(x0, y0 + 1) * (1.0 - tx) * ty
                    + p(x0 + 1, y0 + 1) * tx * ty;
                px[y * w + x] = v.round() as u8;
            }
        }
        Grey { w: self.w, h: self.h, px }
    }

    /// Text lines made level (a card held turned, a phone tilted): turned by their measured angle.
    fn levelled(self) -> Grey {
        let deg = self.skew_degrees();
        if deg.abs() < 0.3 { self } else { self.rotated(deg) }
    }

    /// Text lines made level when they fan out (a phone tilted towards or away from the camera: the
    /// lines meet far to one side): their slope is measured in the top, middle and bottom thirds and
    /// each row is sheared by the slope fitted at its height. Alone it reads fewer cards than
    /// [`Grey::levelled`]; it is the second try for a frame the first left short (BENCHMARKS.md "OCR").
    fn keystoned(self) -> Grey {
        let third = self.h / 3;
        if third < 40 {
            return self.levelled();
        }
        let slope = |y0: u32| self.crop(0, y0, self.w, third).skew_degrees().to_radians().tan();
        let (top, mid, bottom) = (slope(0), slope(third), slope(2 * third));
        let (y1, y3) = (third as f32 / 2.0, 2.5 * third as f32);
        let b = (bottom - top) / (y3 - y1);
        let a = (top + mid + bottom) / 3.0 - b * (1.5 * third as f32);
        let (w, h) = (self.w as usize, self.h as usize);
        let cx = w as f32 / 2.0;
        let mut px = vec![255u8; w * h];
        for y in 0..h {
            let s = a + b * y as f32;
            for x in 0..w {
                let sy = y as f32 + (x as f32 - cx) * s;
                if sy < 0.0 || sy >= (h - 1) as f32 {
                    continue;
                }
                let y0 = sy as usize;
                let t = sy - y0 as f32;
                let v = self.px[y0 * w + x] as f32 * (1.0 - t) + self.px[(y0 + 1) * w + x] as f32 * t;
                px[y * w + x] = v.round() as u8;
            }
        }
        Grey { w: self.w, h: self.h, px }
    }
}

/// Whether a camera frame looks like a card or a phone screen held up with text on it: a lit part
/// covering a quarter of the frame or more, with lines of short dark strokes in it (an empty desk, a
/// wall or a face has none). Cheap: for deciding when to read a frame's text by itself.
pub fn looks_like_card(g: &Grey) -> bool {
    let part = g.lit_part();
    if (part.w as u64 * part.h as u64) * 4 < g.w as u64 * g.h as u64 || part.w >= g.w && part.h >= g.h {
        return false;
    }
    let (w, h) = (part.w as usize, part.h as usize);
    let mut strokes = 0usize;
    part.short_dark_runs((w / 40).max(6), |_, _, _| strokes += 1);
    // Text at a desk's distance gives several strokes per sampled row of the part, on average over
    // its rows with text and its empty ones (the VNeID wallet's rows are mostly empty).
    // (Measured on the development set's photographs: 9 a row on a VssID card image, 4 on the VNeID
    // wallet.)
    strokes * 4 >= h * 5
}

/// How sharp a frame is: the mean absolute difference of horizontally and vertically neighbouring
/// pixels, on every other row (to pick the frame of a few with the least motion blur).
pub fn sharpness(g: &Grey) -> f32 {
    let (w, h) = (g.w as usize, g.h as usize);
    if w < 2 || h < 2 {
        return 0.0;
    }
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in (0..h - 1).step_by(2) {
        for x in 0..w - 1 {
            let p = g.px[y * w + x] as i32;
            sum += ((p - g.px[y * w + x + 1] as i32).abs() + (p - g.px[(y + 1) * w + x] as i32).abs()) as u64;
            n += 2;
        }
    }
    sum as f32 / n.max(1) as f32
}

/// Why an image gave no reading.
pub type OcrError = EngineError;

/// A name whose words are less tall than this in the image as given (marks included) is never shown
/// as sure: its tone marks are two or three pixels, and a lost dot below (ĐẶNG → ĐĂNG) is read by
/// both reads and with 95 % confidence (the development set's webcam frames, BENCHMARKS.md "OCR").
pub const SURE_NAME_PX: f32 = 30.0;
/// The same for a screenshot or a scan (more than 1400 px a side): its letters are drawn sharp, not
/// through a lens.
pub const SURE_NAME_PX_SHARP: f32 = 20.0;

/// Reads one image. It is made dark text on a light ground (a dark-mode screen inverted), its levels
/// stretched; a camera frame (≤ 1400 px a side) is first cut to its lit part, and its text lines are
/// levelled, then it is enlarged twice and sharpened (its text is 12–30 px high; Tesseract keeps small
/// grey labels and diacritics far better so, measured in BENCHMARKS.md "OCR"). Then it is read as a
/// column of lines, labels and values split, unsure numbers and dates read again alone, fields
/// cross-checked. A camera frame that leaves the number, a date or the name unread is read a second
/// time with its lines unfanned ([`Grey::keystoned`]), and each field kept from the surer of the two
/// reads.
pub fn read(engine: &Engine, image: &Grey) -> Result<Reading, OcrError> {
    let started = Instant::now();
    let camera = image.w <= 1400 && image.h <= 1400;
    let light = image.clone().light();
    let base = if camera { light.lit_part().stretched() } else { light.stretched() };
    let enlarged = |g: Grey| g.scaled(2.0).sharpened(2.0, 1.5);
    let first = pass(engine, &if camera { enlarged(base.clone().levelled()) } else { base.clone() }, camera)?;
    let sure = |k: Option<f32>| k.is_some_and(|k| k >= CERTAIN);
    let short = !(sure(first.confidence.card_number) || sure(first.confidence.bhxh_number))
        || first.fields.birth_date.is_none()
        || first.fields.valid_from.is_none()
        || first.fields.full_name.is_none();
    let Pass { mut fields, mut confidence, mut layout, mut name_words } = first;
    if camera
        && short
        && let Ok(second) = pass(engine, &enlarged(base.keystoned()), camera)
    {
        let name_before = fields.full_name.clone();
        fields::merge(&mut fields, &mut confidence, second.fields, second.confidence);
        layout = layout.or(second.layout);
        if fields.full_name != name_before {
            name_words = second.name_words;
        }
    }
    Ok(Reading { layout, fields, confidence, ms: started.elapsed().as_millis() as u64, name_words })
}

/// What one read of a prepared image gave.
struct Pass {
    fields: Fields,
    confidence: Confidence,
    layout: Option<ImageLayout>,
    name_words: Vec<(String, f32)>,
}

/// One read of a prepared image `img` (made from a camera frame, or from a screenshot or a scan).
fn pass(engine: &Engine, img: &Grey, camera: bool) -> Result<Pass, OcrError> {
    // How many pixels of `img` one pixel of the image as given became: a camera frame's lit part was
    // enlarged twice (a crop does not change the size of its letters).
    let scale: f32 = if camera { 2.0 } else { 1.0 };
    let words = engine.words(&img.px, img.w, img.h, Params { psm: 4, whitelist: None, vietnamese: true })?;
    let lines = fields::lines(&words);
    let mut found = fields::extract(&lines);
    let least = if camera { SURE_NAME_PX } else { SURE_NAME_PX_SHARP };
    let small_name = found.name_height().is_some_and(|h| (h as f32) / scale < least);
    // A number or date the first read is unsure of is read again alone, only its characters allowed;
    // a name big enough to be sure of is read again to see whether both reads agree.
    for retry in found.retries().into_iter().filter(|r| !(small_name && r.alphabet.is_none())) {
        let (x, y, w, h) = retry.area;
        let pad = h / 3 + 4;
        let crop = img.crop(x.saturating_sub(pad), y.saturating_sub(pad), w + 2 * pad, h + 2 * pad);
        let crop = match retry.alphabet {
            // A name again at another scale (other pixels, so another chance to go wrong alone).
            None => crop.scaled(1.5),
            Some(_) if crop.h < 40 => crop.scaled(48.0 / crop.h as f32),
            Some(_) => crop,
        };
        let p = Params { psm: 7, whitelist: retry.alphabet, vietnamese: retry.alphabet.is_none() };
        if let Ok(words) = engine.words(&crop.px, crop.w, crop.h, p) {
            found.reread(&retry, &words);
        }
    }
    let (fields, mut confidence, layout) = found.clone().finish();
    let mut name_words = fields.full_name.as_deref().map(|n| found.name_words(n)).unwrap_or_default();
    if small_name {
        if let Some(k) = confidence.full_name.as_mut() {
            *k = k.min(0.5);
        }
        for (_, k) in &mut name_words {
            *k = k.min(0.5);
        }
    }
    Ok(Pass { fields, confidence, layout, name_words })
}

/// Where a field of an OCR presentation came from, for the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub field: &'static str,
    /// `ocr` (read and sure), `ocr-uncertain` (read, left out until confirmed), `derived` (the BHXH
    /// number from the code).
    pub from: &'static str,
    pub confidence: f32,
}

impl Reading {
    /// Each field read, with where it came from and whether the card uses it.
    pub fn sources(&self) -> Vec<Source> {
        let c = &self.confidence;
        let derived = self
            .fields
            .card_number
            .as_ref()
            .zip(self.fields.bhxh_number.as_ref())
            .is_some_and(|(code, n)| &code[5..] == n)
            && c.card_number == c.bhxh_number;
        [
            ("card_number", c.card_number),
            ("bhxh_number", c.bhxh_number),
            ("full_name", c.full_name),
            ("birth_date", c.birth_date),
            ("sex", c.sex),
            ("facility_name", c.facility_name),
            ("facility_code", c.facility_code),
            ("valid_from", c.valid_from),
            ("valid_to", c.valid_to),
            ("five_year_date", c.five_year_date),
        ]
        .into_iter()
        .filter_map(|(field, k)| {
            let k = k?;
            let from = if k < CERTAIN {
                "ocr-uncertain"
            } else if field == "bhxh_number" && derived {
                "derived"
            } else {
                "ocr"
            };
            Some(Source { field, from, confidence: (k * 100.0).round() / 100.0 })
        })
        .collect()
    }

    /// The fields the read is sure of (what is offered as read; the rest only as uncertain).
    pub fn certain(&self) -> Fields {
        let c = &self.confidence;
        let sure = |k: Option<f32>| k.is_some_and(|k| k >= CERTAIN);
        let f = self.fields.clone();
        Fields {
            card_number: f.card_number.filter(|_| sure(c.card_number)),
            bhxh_number: f.bhxh_number.filter(|_| sure(c.bhxh_number)),
            full_name: f.full_name.filter(|_| sure(c.full_name)),
            birth_date: f.birth_date.filter(|_| sure(c.birth_date)),
            sex: f.sex.filter(|_| sure(c.sex)),
            facility_name: f.facility_name.filter(|_| sure(c.facility_name)),
            facility_code: f.facility_code.filter(|_| sure(c.facility_code)),
            valid_from: f.valid_from.filter(|_| sure(c.valid_from)),
            valid_to: f.valid_to.filter(|_| sure(c.valid_to)),
            five_year_date: f.five_year_date.filter(|_| sure(c.five_year_date)),
        }
    }
}

/// The fields as a card the desk can look up and assess (layout `card-text`): a 15-character code or
/// a BHXH number is needed. `fields` are what the receptionist confirmed, or [`Reading::certain`].
pub fn detection(fields: &Fields) -> Detection {
    use crate::card::{BhytCard, BirthDate, Card, CardCode, Kind, Layout, Rejection, Warning};
    let code = fields.card_number.as_deref().and_then(|c| CardCode::parse(c).ok());
    let bhxh = code
        .as_ref()
        .and_then(|c| c.bhxh_number().map(str::to_string))
        .or_else(|| fields.bhxh_number.clone().filter(|n| crate::card::number::is_digits(n, 10)));
    let result = if code.is_none() && bhxh.is_none() {
        Err(Rejection::unreadable(
            "Không đọc chắc chắn được mã số trên thẻ; hãy đưa lại gần camera hoặc nhập số thẻ.",
            "The card number could not be read with certainty; hold the card closer or type its number.",
        ))
    } else {
        Ok(Card::Bhyt(BhytCard {
            layout: Layout::CardText,
            card_code: code,
            bhxh_number: bhxh,
            full_name: fields.full_name.clone(),
            birth_date: fields.birth_date.map(BirthDate::Full),
            sex: fields.sex,
            address: None,
            address_code: None,
            facility_code: fields.facility_code.clone(),
            valid_from: fields.valid_from,
            valid_to: fields.valid_to,
            issued_on: None,
            management_code: None,
            parent_name: None,
            area_code: None,
            five_year_date: fields.five_year_date,
            check_string: None,
            issuing_area: None,
            terminated: true,
            warnings: vec![Warning::new(
                "payload",
                "Đọc từ chữ in trên thẻ (OCR): đối chiếu với người bệnh trước khi tiếp đón.",
                "Read from the card's printed text (OCR): check it against the patient before check-in.",
            )],
        }))
    };
    Detection {
        kind: Kind::Bhyt,
        layout: Some(Layout::CardText),
        result,
        notes: Vec::new(),
        repaired: false,
        input_method: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skew_of_lines_of_text_is_found_and_undone() {
        // Dashed dark lines (words) sloping 5° down to the right, on a light ground.
        let (w, h) = (600u32, 400u32);
        let t = 5f32.to_radians().tan();
        let mut px = vec![230u8; (w * h) as usize];
        for line in 0..8 {
            for x in 40..560u32 {
                if (x / 25) % 4 == 3 {
                    continue;
                }
                for dy in 0..10 {
                    let y = 40.0 + line as f32 * 40.0 + x as f32 * t + dy as f32;
                    if (y as u32) < h {
                        px[(y as u32 * w + x) as usize] = 20;
                    }
                }
            }
        }
        let g = Grey { w, h, px };
        let deg = g.skew_degrees();
        assert!((deg - 5.0).abs() < 0.3, "{deg}");
        assert!(g.rotated(deg).skew_degrees().abs() < 0.3);
    }
}
