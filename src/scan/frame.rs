//! A grey-scale frame (what the decoders read) and the ways to get one: an image file, encoded bytes
//! (a webcam's MJPEG), raw camera formats. Loading is bounded: a huge or broken image is an error.

use std::fmt;
use std::io::Cursor;
use std::path::Path;

/// Largest image accepted: pixels per side, pixels in all (a 50-megapixel photo is refused from its
/// header, before anything is decoded), bytes decoded, and bytes of the file itself.
pub const MAX_SIDE: u32 = 8_192;
pub const MAX_PIXELS: u64 = 24_000_000;
pub const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One frame in 8-bit luminance, row by row.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub luma: Vec<u8>,
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({}×{})", self.width, self.height)
    }
}

/// Why an image could not become a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError(pub String);

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FrameError {}

impl Frame {
    /// A frame from raw luminance; `None` if the buffer does not match the size.
    pub fn new(width: u32, height: u32, luma: Vec<u8>) -> Option<Frame> {
        (luma.len() as u64 == u64::from(width) * u64::from(height) && width > 0 && height > 0)
            .then_some(Frame { width, height, luma })
    }

    /// A flat grey frame (e.g. the gap between two demo cards).
    pub fn blank(width: u32, height: u32, level: u8) -> Frame {
        Frame { width, height, luma: vec![level; width as usize * height as usize] }
    }

    /// The same scene far out of focus (block means, smoothly enlarged back): what a webcam shows when
    /// the card has been taken away. No code can be read in it.
    pub fn defocused(&self) -> Frame {
        let (w, h) = (self.width as usize, self.height as usize);
        let block = (w.max(h) / 40).max(8);
        let (bw, bh) = (w.div_ceil(block), h.div_ceil(block));
        let mut means = vec![0f32; bw * bh];
        for by in 0..bh {
            for bx in 0..bw {
                let (x0, y0) = (bx * block, by * block);
                let (x1, y1) = ((x0 + block).min(w), (y0 + block).min(h));
                let mut sum = 0u64;
                for y in y0..y1 {
                    sum += self.luma[y * w + x0..y * w + x1].iter().map(|&p| u64::from(p)).sum::<u64>();
                }
                means[by * bw + bx] = sum as f32 / ((x1 - x0) * (y1 - y0)) as f32;
            }
        }
        let at = |x: usize, y: usize| means[y.min(bh - 1) * bw + x.min(bw - 1)];
        let mut luma = Vec::with_capacity(w * h);
        for y in 0..h {
            let fy = ((y as f32 + 0.5) / block as f32 - 0.5).max(0.0);
            let (y0, ty) = (fy as usize, fy.fract());
            for x in 0..w {
                let fx = ((x as f32 + 0.5) / block as f32 - 0.5).max(0.0);
                let (x0, tx) = (fx as usize, fx.fract());
                let top = at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx;
                let bottom = at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx;
                luma.push((top * (1.0 - ty) + bottom * ty).round().clamp(0.0, 255.0) as u8);
            }
        }
        Frame { width: self.width, height: self.height, luma }
    }

    /// Decodes an encoded image (PNG, JPEG, WebP) held in memory.
    pub fn decode(bytes: &[u8]) -> Result<Frame, FrameError> {
        let reader = || {
            image::ImageReader::new(Cursor::new(bytes))
                .with_guessed_format()
                .map_err(|e| FrameError(format!("unreadable image: {e}")))
        };
        let (w, h) = reader()?.into_dimensions().map_err(|e| FrameError(format!("unreadable image: {e}")))?;
        if u64::from(w) * u64::from(h) > MAX_PIXELS {
            return Err(FrameError(format!("image too large: {w}×{h} pixels (at most {MAX_PIXELS})")));
        }
        let mut reader = reader()?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(MAX_DECODED_BYTES);
        reader.limits(limits);
        let image = reader.decode().map_err(|e| FrameError(format!("unreadable image: {e}")))?;
        let luma = image.into_luma8();
        let (width, height) = luma.dimensions();
        Ok(Frame { width, height, luma: luma.into_raw() })
    }

    /// Decodes a JPEG (a webcam's MJPEG frame) straight to its luminance: the colour planes are read
    /// but never converted or upsampled, which halves the cost of a 720p frame (BENCHMARKS.md).
    pub fn from_jpeg_luma(bytes: &[u8]) -> Result<Frame, FrameError> {
        use zune_core::colorspace::ColorSpace;
        use zune_core::options::DecoderOptions;
        let bad = |e: String| FrameError(format!("unreadable JPEG: {e}"));
        let options = DecoderOptions::default()
            .jpeg_set_out_colorspace(ColorSpace::Luma)
            .set_max_width(MAX_SIDE as usize)
            .set_max_height(MAX_SIDE as usize);
        let mut decoder =
            zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(bytes), options);
        decoder.decode_headers().map_err(|e| bad(e.to_string()))?;
        let (w, h) = decoder.dimensions().ok_or_else(|| bad("no size".into()))?;
        if w as u64 * h as u64 > MAX_PIXELS {
            return Err(FrameError(format!("image too large: {w}×{h} pixels (at most {MAX_PIXELS})")));
        }
        let luma = decoder.decode().map_err(|e| bad(e.to_string()))?;
        if decoder.output_colorspace() != Some(ColorSpace::Luma) {
            return Err(bad("not a luminance output".into()));
        }
        Frame::new(w as u32, h as u32, luma).ok_or_else(|| bad("wrong size".into()))
    }

    /// Reads and decodes an image file.
    pub fn open(path: &Path) -> Result<Frame, FrameError> {
        let cannot = |e: String| FrameError(format!("cannot read {}: {e}", path.display()));
        let meta = std::fs::metadata(path).map_err(|e| cannot(e.to_string()))?;
        if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
            return Err(cannot(format!("not an image file of at most {MAX_FILE_BYTES} bytes")));
        }
        let bytes = std::fs::read(path).map_err(|e| cannot(e.to_string()))?;
        // The image decoders are third-party code reading untrusted bytes: contain their panics.
        std::panic::catch_unwind(|| Frame::decode(&bytes))
            .unwrap_or_else(|_| Err(cannot("the image decoder failed".into())))
    }

    /// The luminance plane of a YUYV (YUY2) frame: every other byte.
    pub fn from_yuyv(width: u32, height: u32, data: &[u8]) -> Option<Frame> {
        let pixels = usize::try_from(u64::from(width) * u64::from(height)).ok()?;
        let luma: Vec<u8> = data.iter().step_by(2).take(pixels).copied().collect();
        Frame::new(width, height, luma)
    }

    /// Light on dark becomes dark on light.
    pub fn inverted(&self) -> Frame {
        Frame { width: self.width, height: self.height, luma: self.luma.iter().map(|v| 255 - v).collect() }
    }

    /// The part of the frame inside the box (clamped to the frame), with its top-left corner; `None` if
    /// nothing of the box is inside.
    pub fn cropped(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> Option<(Frame, u32, u32)> {
        let clamp = |v: f32, max: u32| (v.max(0.0) as u32).min(max);
        let (l, t) = (clamp(x0.floor(), self.width), clamp(y0.floor(), self.height));
        let (r, b) = (clamp(x1.ceil(), self.width), clamp(y1.ceil(), self.height));
        if r <= l + 1 || b <= t + 1 || !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite())
        {
            return None;
        }
        let w = (r - l) as usize;
        let mut luma = Vec::with_capacity(w * (b - t) as usize);
        for y in t..b {
            let start = y as usize * self.width as usize + l as usize;
            luma.extend_from_slice(&self.luma[start..start + w]);
        }
        Some((Frame { width: r - l, height: b - t, luma }, l, t))
    }

    /// `factor` times the size, bilinear (for small images whose modules are only a pixel or two).
    pub fn scaled(&self, factor: u32) -> Frame {
        let factor = factor.max(1) as usize;
        let (sw, sh) = (self.width as usize, self.height as usize);
        let (w, h) = (sw * factor, sh * factor);
        let inv = 1.0 / factor as f32;
        let xs: Vec<(usize, usize, f32)> = (0..w)
            .map(|x| {
                let fx = ((x as f32 + 0.5) * inv - 0.5).clamp(0.0, (sw - 1) as f32);
                (fx as usize, (fx as usize + 1).min(sw - 1), fx.fract())
            })
            .collect();
        let mut out = vec![0_u8; w * h];
        for y in 0..h {
            let fy = ((y as f32 + 0.5) * inv - 0.5).clamp(0.0, (sh - 1) as f32);
            let (y0, dy) = (fy as usize, fy.fract());
            let y1 = (y0 + 1).min(sh - 1);
            let (r0, r1) = (&self.luma[y0 * sw..(y0 + 1) * sw], &self.luma[y1 * sw..(y1 + 1) * sw]);
            for (o, &(x0, x1, dx)) in out[y * w..(y + 1) * w].iter_mut().zip(&xs) {
                let top = f32::from(r0[x0]) * (1.0 - dx) + f32::from(r0[x1]) * dx;
                let bottom = f32::from(r1[x0]) * (1.0 - dx) + f32::from(r1[x1]) * dx;
                *o = (top * (1.0 - dy) + bottom * dy + 0.5) as u8;
            }
        }
        Frame { width: w as u32, height: h as u32, luma: out }
    }

    /// `factor` times the size, bicubic (Keys, a = −0.5): sharper module edges than bilinear, which
    /// is what lets a binariser separate the modules of a small dense code.
    pub fn scaled_bicubic(&self, factor: u32) -> Frame {
        let factor = factor.max(1) as usize;
        let (sw, sh) = (self.width as usize, self.height as usize);
        let (w, h) = (sw * factor, sh * factor);
        let taps = |n: usize, size: usize| -> Vec<([usize; 4], [f32; 4])> {
            (0..n)
                .map(|o| {
                    let f = (o as f32 + 0.5) / factor as f32 - 0.5;
                    let base = f.floor();
                    let t = f - base;
                    let mut idx = [0usize; 4];
                    let mut wt = [0f32; 4];
                    for k in 0..4 {
                        let d = (t - (k as f32 - 1.0)).abs();
                        wt[k] = if d <= 1.0 {
                            1.5 * d * d * d - 2.5 * d * d + 1.0
                        } else if d < 2.0 {
                            -0.5 * d * d * d + 2.5 * d * d - 4.0 * d + 2.0
                        } else {
                            0.0
                        };
                        idx[k] = (base as isize + k as isize - 1).clamp(0, size as isize - 1) as usize;
                    }
                    (idx, wt)
                })
                .collect()
        };
        let (xt, yt) = (taps(w, sw), taps(h, sh));
        // Rows first (source height × output width), then columns.
        let mut rows = vec![0f32; sh * w];
        for y in 0..sh {
            let src = &self.luma[y * sw..(y + 1) * sw];
            for (x, (idx, wt)) in xt.iter().enumerate() {
                rows[y * w + x] = (0..4).map(|k| f32::from(src[idx[k]]) * wt[k]).sum();
            }
        }
        let mut luma = vec![0u8; w * h];
        for (y, (idx, wt)) in yt.iter().enumerate() {
            let out = &mut luma[y * w..(y + 1) * w];
            for (x, o) in out.iter_mut().enumerate() {
                let v: f32 = (0..4).map(|k| rows[idx[k] * w + x] * wt[k]).sum();
                *o = v.round().clamp(0.0, 255.0) as u8;
            }
        }
        Frame { width: w as u32, height: h as u32, luma }
    }

    /// Smoothed by a 3×3 binomial filter (1 2 1 ⊗ 1 2 1), edges repeated.
    pub fn smoothed(&self) -> Frame {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut rows = vec![0u16; w * h];
        for y in 0..h {
            let r = &self.luma[y * w..(y + 1) * w];
            for x in 0..w {
                let (l, c, rr) = (r[x.saturating_sub(1)], r[x], r[(x + 1).min(w - 1)]);
                rows[y * w + x] = u16::from(l) + 2 * u16::from(c) + u16::from(rr);
            }
        }
        let mut luma = vec![0u8; w * h];
        for y in 0..h {
            let (u, d) = (y.saturating_sub(1), (y + 1).min(h - 1));
            for x in 0..w {
                let v = rows[u * w + x] + 2 * rows[y * w + x] + rows[d * w + x];
                luma[y * w + x] = ((v + 8) / 16) as u8;
            }
        }
        Frame { width: self.width, height: self.height, luma }
    }

    /// Rotated clockwise by `quarter_turns` × 90°.
    pub fn rotated(&self, quarter_turns: u32) -> Frame {
        let (w, h) = (self.width as usize, self.height as usize);
        match quarter_turns % 4 {
            0 => self.clone(),
            2 => Frame {
                width: self.width,
                height: self.height,
                luma: self.luma.iter().rev().copied().collect(),
            },
            turn => {
                let mut out = vec![0_u8; w * h];
                for y in 0..w {
                    for x in 0..h {
                        // Destination is h wide and w high.
                        let (sx, sy) = if turn == 1 { (y, h - 1 - x) } else { (w - 1 - y, x) };
                        out[y * h + x] = self.luma[sy * w + sx];
                    }
                }
                Frame { width: self.height, height: self.width, luma: out }
            }
        }
    }

    /// Resized to exactly `width` × `height` (for benchmarks that need webcam-sized frames).
    /// A copy for the preview, halved (2×2 averages) until it is at most `max_width` wide: the window
    /// uploads and draws a quarter of the pixels, and the decoder keeps the full frame.
    pub fn for_preview(&self, max_width: u32) -> Frame {
        let mut f = self.clone();
        while f.width > max_width && f.width >= 2 && f.height >= 2 {
            let (w, h) = (f.width / 2, f.height / 2);
            let src = f.width as usize;
            let mut luma = Vec::with_capacity(w as usize * h as usize);
            for y in 0..h as usize {
                let (r0, r1) = (&f.luma[2 * y * src..], &f.luma[(2 * y + 1) * src..]);
                for x in 0..w as usize {
                    let sum = u16::from(r0[2 * x])
                        + u16::from(r0[2 * x + 1])
                        + u16::from(r1[2 * x])
                        + u16::from(r1[2 * x + 1]);
                    luma.push((sum / 4) as u8);
                }
            }
            f = Frame { width: w, height: h, luma };
        }
        f
    }

    pub fn resized(&self, width: u32, height: u32) -> Frame {
        let buffer = image::GrayImage::from_raw(self.width, self.height, self.luma.clone());
        match buffer {
            Some(img) => {
                let out = image::imageops::resize(&img, width, height, image::imageops::FilterType::Triangle);
                Frame { width, height, luma: out.into_raw() }
            }
            None => Frame::blank(width, height, 128),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_copy_is_halved_with_averages() {
        let f = Frame::new(4, 2, vec![0, 100, 200, 200, 100, 200, 0, 0]).unwrap();
        let p = f.for_preview(2);
        assert_eq!((p.width, p.height), (2, 1));
        assert_eq!(p.luma, vec![100, 100]);
        assert_eq!(f.for_preview(4), f, "already small enough");
        let odd = Frame::blank(1281, 721, 7).for_preview(640);
        assert_eq!((odd.width, odd.height), (640, 360));
        assert!(odd.luma.iter().all(|&v| v == 7));
    }

    #[test]
    fn rotations_compose() {
        let f = Frame::new(3, 2, vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(f.rotated(1).luma, vec![4, 1, 5, 2, 6, 3]);
        assert_eq!((f.rotated(1).width, f.rotated(1).height), (2, 3));
        assert_eq!(f.rotated(1).rotated(3), f);
        assert_eq!(f.rotated(2), f.rotated(1).rotated(1));
    }

    #[test]
    fn a_jpeg_read_straight_to_luma_matches_the_colour_decode() {
        let (w, h) = (64u32, 48u32);
        // A smooth colour picture (a camera frame, not a test pattern of single-pixel colour noise).
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % w * 4) as u8, (i / w * 5) as u8, ((i % w + i / w) * 2) as u8])
            .collect();
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode(&rgb, w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
        let fast = Frame::from_jpeg_luma(&jpeg).unwrap();
        assert_eq!((fast.width, fast.height), (w, h));
        // The JPEG's Y plane is BT.601 luma of the colour decode (the image crate's grey uses BT.709).
        let colour = image::load_from_memory(&jpeg).unwrap().into_rgb8();
        let bt601 = colour.pixels().map(|p| {
            (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])).round() as u8
        });
        let worst = fast.luma.iter().zip(bt601).map(|(a, b)| a.abs_diff(b)).max().unwrap();
        assert!(worst <= 4, "luma differs by {worst}");
        // A frame cut short (a USB hiccup) is an error or a partial picture, never a panic.
        let _ = Frame::from_jpeg_luma(&jpeg[..jpeg.len() / 3]);
        assert!(Frame::from_jpeg_luma(b"not a jpeg").is_err());
    }

    #[test]
    fn broken_and_mismatched_input_is_an_error() {
        assert!(Frame::decode(b"not an image").is_err());
        assert!(Frame::decode(&[0x89, b'P', b'N', b'G', 0, 0]).is_err());
        assert!(Frame::new(2, 2, vec![0; 3]).is_none());
        assert!(Frame::from_yuyv(2, 2, &[0; 4]).is_none());
        assert_eq!(Frame::from_yuyv(2, 1, &[9, 0, 8, 0]).unwrap().luma, vec![9, 8]);
    }
}
