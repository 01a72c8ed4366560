//! Development corpora made by modelling the physics of a desk webcam: a QR code shown on a phone's
//! screen (RGB sub-pixel stripes behind a black matrix, backlight, dark mode, glass glare) or printed
//! small and dense on a chip CCCD card, seen through a perspective camera (tilt 0–45°, roll), a lens
//! (defocus, hand shake), a Bayer sensor (mosaic, shot and read noise, bilinear demosaic, vignetting) and
//! the webcam's MJPEG compression. The sub-pixel pattern is rendered with its harmonics attenuated by
//! the optics and the sampling footprint, so what survives beats against the sensor grid as moiré, as on
//! a real photo of a screen. Deterministic for a seed; no image is of a real person or card.

use crate::demo::{self, Rng};
use crate::store::roster_csv::RosterRow;
use chrono::NaiveDate;
use qrcode::{Color, EcLevel, QrCode};
use std::f32::consts::PI;
use std::io::Write;
use std::path::Path;

/// What a corpus shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A BHYT card's QR in the VssID / VNeID app on a phone's screen.
    Screen,
    /// A chip CCCD card's QR (version 7–11) at 1.5–3 px per module in a 720p or 1080p frame.
    SmallCode,
    /// The same cards at the same distances seen at 1280×720 (even frames, 1.5–3 px per module) and at
    /// 1920×1080 (odd frames, 1.5× that): what asking the webcam for 1080p buys.
    DeskCard,
}

impl Kind {
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Screen => "screen-photos",
            Kind::SmallCode => "small-codes",
            Kind::DeskCard => "desk-cards-720p-1080p",
        }
    }
}

/// Bumped whenever the model changes, so a cached corpus is made again.
pub const MODEL_VERSION: u32 = 7;

/// One rendered frame and what is in it.
pub struct Shot {
    pub width: u32,
    pub height: u32,
    /// 8-bit sRGB, row by row.
    pub rgb: Vec<u8>,
    pub jpeg_quality: u8,
    /// The exact QR text, or `None` for a frame with no code.
    pub payload: Option<String>,
    /// How it was made (for the manifest): name → value.
    pub details: Vec<(&'static str, serde_json::Value)>,
}

/// Writes `count` frames of `kind` with `manifest.jsonl` into `dir` (made if missing).
pub fn write_corpus(kind: Kind, count: usize, seed: u64, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut manifest = Vec::new();
    for i in 0..count {
        let shot = render(kind, i as u64, seed);
        let name = format!("{:04}.jpg", i + 1);
        let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join(&name))?);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, shot.jpeg_quality)
            .encode(&shot.rgb, shot.width, shot.height, image::ExtendedColorType::Rgb8)
            .map_err(std::io::Error::other)?;
        file.flush()?;
        let mut entry = serde_json::Map::new();
        entry.insert("image".into(), name.into());
        entry.insert("payload".into(), shot.payload.clone().into());
        entry.insert("width".into(), shot.width.into());
        entry.insert("height".into(), shot.height.into());
        entry.insert("jpeg_quality".into(), shot.jpeg_quality.into());
        for (k, v) in shot.details {
            entry.insert(k.into(), v);
        }
        manifest.push(serde_json::Value::Object(entry).to_string());
    }
    std::fs::write(dir.join("manifest.jsonl"), manifest.join("\n") + "\n")
}

pub(crate) fn uniform(rng: &mut Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32
}

/// A figure for the manifest, to `per` parts of a unit (f32 noise left out).
fn round(v: f32, per: u32) -> serde_json::Value {
    let per = f64::from(per);
    ((f64::from(v) * per).round() / per).into()
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// `yyyy-mm-dd` → `dd/mm/yyyy` or `ddmmyyyy`.
fn date(iso: &str, sep: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    match p.as_slice() {
        [y, m, d] => format!("{d}{sep}{m}{sep}{y}"),
        _ => iso.to_string(),
    }
}

/// A BHYT QR payload of the shape the VssID app shows (legacy 15 fields or the newer 17).
pub fn bhyt_payload(row: &RosterRow, newer: bool, rng: &mut Rng) -> String {
    let get = |v: &Option<String>| v.clone().unwrap_or_default();
    let card = get(&row.card_number);
    let facility = get(&row.facility_code);
    let (p, f) = facility.split_at(facility.len().min(2));
    let sex = if row.sex == Some("female") { "2" } else { "1" };
    let check = format!("{:016x}-7102", rng.next_u64());
    let head = if newer { get(&row.bhxh_number) } else { card.clone() };
    let mut fields = vec![
        head,
        hex(&get(&row.full_name)),
        date(&get(&row.birth_date), "/"),
        sex.to_string(),
        if newer { hex(&get(&row.address)) } else { "-".into() },
        format!("{p} - {f}"),
        date(&get(&row.valid_from), "/"),
        row.valid_to.as_deref().map_or("-".into(), |d| date(d, "/")),
        date(&get(&row.valid_from), "/"),
        format!("{p}{}", get(&row.bhxh_number)).chars().take(14).collect(),
        "-".into(),
        "4".into(),
        format!(" {}", row.five_year_date.as_deref().map_or("-".into(), |d| date(d, "/"))),
        check,
    ];
    if newer {
        fields.push("4".into());
        fields.push(hex(&get(&row.address)));
    }
    fields.push("$".into());
    fields.join("|")
}

/// A chip CCCD QR payload: 7 fields, or the newer card's 11 (the last four empty or an old number).
pub fn cccd_payload(row: &RosterRow, eleven: bool, rng: &mut Rng) -> String {
    let get = |v: &Option<String>| v.clone().unwrap_or_default();
    let old = if rng.below(2) == 0 { format!("{:09}", rng.below(1_000_000_000)) } else { String::new() };
    let sex = if row.sex == Some("female") { "Nữ" } else { "Nam" };
    let issued = format!("{:02}{:02}{}", 1 + rng.below(28), 1 + rng.below(12), 2021 + rng.below(4));
    let mut fields = vec![
        get(&row.citizen_id),
        old,
        get(&row.full_name),
        date(&get(&row.birth_date), ""),
        sex.to_string(),
        get(&row.address),
        issued,
    ];
    if eleven {
        fields.extend(["".to_string(), "".into(), "".into(), "".into()]);
    }
    fields.join("|")
}

/// A QR symbol as a module grid (true = dark).
struct Symbol {
    side: usize,
    dark: Vec<bool>,
}

impl Symbol {
    fn new(text: &str, level: EcLevel) -> Option<Symbol> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), level).ok()?;
        let side = code.width();
        Some(Symbol { side, dark: code.to_colors().into_iter().map(|c| c == Color::Dark).collect() })
    }
    /// Whether the module at (x, y) in modules (the quiet zone and outside are light) is dark.
    fn at(&self, x: f32, y: f32) -> bool {
        if x < 0.0 || y < 0.0 {
            return false;
        }
        let (x, y) = (x as usize, y as usize);
        x < self.side && y < self.side && self.dark[y * self.side + x]
    }
}

/// What the camera looks at: linear RGB radiance at a point of the object's plane, given how blurred the
/// point's neighbourhood is (σ in plane units) for the fine structure the renderer cannot sample.
trait Scene {
    fn radiance(&self, u: f32, v: f32, sigma: f32) -> [f32; 3];
    /// Radiance outside the object (the desk, the room).
    fn background(&self, x: f32, y: f32) -> [f32; 3];
    fn contains(&self, u: f32, v: f32) -> bool;
}

/// A phone: the screen (in phone pixels) inside a dark bezel.
struct Phone {
    w: f32,
    h: f32,
    symbol: Option<Symbol>,
    /// The QR's top-left corner and module size, in phone pixels.
    qx: f32,
    qy: f32,
    module: f32,
    dark_mode: bool,
    /// Light of a black pixel (LCD backlight leak; 0 for OLED).
    leak: f32,
    brightness: f32,
    /// Ambient light reflected by the glass.
    ambient: f32,
    /// Sub-pixel stripe width and row fill (fractions of a pixel).
    stripe: f32,
    fill: f32,
    bezel: f32,
    room: [f32; 3],
}

/// The pixel-averaged value of a unit-period box of width `w` centred at `c`, low-passed by a Gaussian of
/// σ (in periods), at `x`; 1 on average.
fn stripes(x: f32, c: f32, w: f32, sigma: f32) -> f32 {
    let mut s = w;
    for k in 1..=4 {
        let k = k as f32;
        let atten = (-2.0 * PI * PI * sigma * sigma * k * k).exp();
        if atten < 1e-3 {
            break;
        }
        s += 2.0 * (PI * k * w).sin() / (PI * k) * atten * (2.0 * PI * k * (x - c)).cos();
    }
    (s / w).max(0.0)
}

/// How a screen lights a pixel: the backlight's leak through black, its brightness, the room's light
/// on the glass.
struct Lit {
    leak: f32,
    brightness: f32,
    ambient: f32,
}

impl Lit {
    /// The light of colour `c` at `(fx, fy)` within its pixel: three sub-pixel stripes of width
    /// `stripe` in a row of height `fill` (fractions of the pixel), low-passed by σ.
    fn subpixels(
        &self,
        c: [f32; 3],
        (fx, fy): (f32, f32),
        (stripe, fill): (f32, f32),
        sigma: f32,
    ) -> [f32; 3] {
        let row = stripes(fy, 0.5, fill, sigma);
        let mut out = [0.0; 3];
        for (ch, centre) in [1.0 / 6.0, 0.5, 5.0 / 6.0].into_iter().enumerate() {
            let level = self.leak + (1.0 - self.leak) * c[ch];
            out[ch] = self.brightness * level * stripes(fx, centre, stripe, sigma) * row + self.ambient;
        }
        out
    }
}

impl Phone {
    /// The displayed colour of pixel (i, j), before the sub-pixel structure.
    fn pixel(&self, i: f32, j: f32) -> [f32; 3] {
        let (bg, fg, panel, text) = if self.dark_mode {
            ([0.015, 0.015, 0.02], [0.8, 0.8, 0.8], [0.05, 0.06, 0.08], [0.55, 0.55, 0.6])
        } else {
            ([0.85, 0.9, 0.95], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.08, 0.08, 0.12])
        };
        // An app bar, a card panel with lines of text, the QR in its own white (or dark) square.
        if j < 0.09 * self.h {
            return [0.02, 0.18, 0.45];
        }
        if let Some(sym) = &self.symbol {
            let (mx, my) = ((i - self.qx) / self.module, (j - self.qy) / self.module);
            let side = sym.side as f32;
            if (-4.0..side + 4.0).contains(&mx) && (-4.0..side + 4.0).contains(&my) {
                let dark = sym.at(mx, my);
                return match (self.dark_mode, dark) {
                    (false, true) => fg,
                    (false, false) => panel,
                    // Dark mode: the code inverted, light modules on the dark panel.
                    (true, true) => fg,
                    (true, false) => panel,
                };
            }
        }
        let (px0, px1) = (0.06 * self.w, 0.94 * self.w);
        if (px0..px1).contains(&i) && (0.13 * self.h..0.36 * self.h).contains(&j) {
            let line = ((j - 0.13 * self.h) / (0.03 * self.h)) as u32;
            let within = (j - 0.13 * self.h) % (0.03 * self.h) / (0.03 * self.h);
            let len = 0.45 + 0.4 * ((line * 7919 % 13) as f32 / 13.0);
            if line > 0 && (0.35..0.7).contains(&within) && i < px0 + 0.08 * self.w + len * (px1 - px0) * 0.85
            {
                return text;
            }
            return panel;
        }
        bg
    }
}

impl Scene for Phone {
    fn contains(&self, u: f32, v: f32) -> bool {
        let b = self.bezel;
        (-b..self.w + b).contains(&u) && (-b * 2.5..self.h + b * 2.5).contains(&v)
    }
    fn background(&self, x: f32, y: f32) -> [f32; 3] {
        let s = 0.8 + 0.2 * ((x * 0.004).sin() * (y * 0.006).cos());
        [self.room[0] * s, self.room[1] * s, self.room[2] * s]
    }
    fn radiance(&self, u: f32, v: f32, sigma: f32) -> [f32; 3] {
        if !(0.0..self.w).contains(&u) || !(0.0..self.h).contains(&v) {
            let a = self.ambient * 0.5 + 0.01;
            return [a, a, a * 1.05];
        }
        let (i, j) = (u.floor(), v.floor());
        let c = self.pixel(i, j);
        let lit = Lit { leak: self.leak, brightness: self.brightness, ambient: self.ambient };
        lit.subpixels(c, (u - i, v - j), (self.stripe, self.fill), sigma)
    }
}

/// A chip CCCD card (in millimetres, 85.6 × 54) on a desk.
struct Card {
    symbol: Option<Symbol>,
    qx: f32,
    qy: f32,
    module: f32,
    tint: [f32; 3],
    desk: [f32; 3],
    ink: f32,
}

impl Scene for Card {
    fn contains(&self, u: f32, v: f32) -> bool {
        (0.0..85.6).contains(&u) && (0.0..54.0).contains(&v)
    }
    fn background(&self, x: f32, y: f32) -> [f32; 3] {
        let grain = 0.9 + 0.1 * ((x * 0.05 + (y * 0.013).sin() * 3.0).sin());
        [self.desk[0] * grain, self.desk[1] * grain, self.desk[2] * grain]
    }
    fn radiance(&self, u: f32, v: f32, sigma: f32) -> [f32; 3] {
        if let Some(sym) = &self.symbol {
            let (mx, my) = ((u - self.qx) / self.module, (v - self.qy) / self.module);
            let side = sym.side as f32;
            if (-1.5..side + 1.5).contains(&mx) && (-1.5..side + 1.5).contains(&my) {
                return if sym.at(mx, my) { [self.ink; 3] } else { [0.88, 0.88, 0.86] };
            }
        }
        // Portrait, lines of printed text, the emblem; on a fine guilloche print (its lines ~0.35 mm
        // apart, washed out where the optics cannot resolve them).
        if (3.0..24.0).contains(&u) && (18.0..46.0).contains(&v) {
            let g = 0.35 + 0.25 * ((u - 13.5) * 0.3).cos() * ((v - 30.0) * 0.12).cos();
            return [g * 1.05, g, g * 0.95];
        }
        if (28.0..80.0).contains(&u) && (20.0..52.0).contains(&v) {
            let line = ((v - 20.0) / 4.0).floor();
            let within = (v - 20.0) / 4.0 - line;
            let len = 20.0 + 30.0 * ((line as u32 * 7919 % 11) as f32 / 11.0);
            let glyph = ((u * 1.7).sin() * (u * 0.9 + line).cos()).abs() > 0.25;
            if (0.25..0.65).contains(&within) && u < 28.0 + len && glyph {
                return [0.12, 0.1, 0.1];
            }
        }
        let period = 0.35;
        let atten = (-2.0 * PI * PI * (sigma / period).powi(2)).exp();
        let wave = 1.0 - 0.12 * (1.0 + atten * (2.0 * PI * (u + 2.0 * (v * 0.2).sin()) / period).cos()) * 0.5;
        [self.tint[0] * wave, self.tint[1] * wave, self.tint[2] * wave]
    }
}

/// How the camera sees the object's plane.
struct Camera {
    width: u32,
    height: u32,
    /// Image pixel → plane point (homography, row-major).
    inv: [f32; 9],
    /// Plane units per image pixel at the frame's centre (for the sampling footprint).
    scale: f32,
    lens_sigma: f32,
    shake: f32,
    vertical_shake: bool,
    glare: Option<(f32, f32, f32, f32)>,
    exposure: f32,
    noise: f32,
}

fn invert3(m: &[f32; 9]) -> Option<[f32; 9]> {
    let [a, b, c, d, e, f, g, h, i] = *m;
    let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    if det.abs() < 1e-12 {
        return None;
    }
    let inv = [
        e * i - f * h,
        c * h - b * i,
        b * f - c * e,
        f * g - d * i,
        a * i - c * g,
        c * d - a * f,
        d * h - e * g,
        b * g - a * h,
        a * e - b * d,
    ];
    Some(inv.map(|v| v / det))
}

impl Camera {
    /// A camera of focal length `f` pixels looking at a plane point `(cu, cv)` placed `z` plane units
    /// away, the plane turned by yaw, pitch and roll (radians) about that point.
    #[allow(clippy::too_many_arguments)]
    fn looking_at(
        width: u32,
        height: u32,
        f: f32,
        z: f32,
        cu: f32,
        cv: f32,
        yaw: f32,
        pitch: f32,
        roll: f32,
        offset: (f32, f32),
    ) -> Option<Camera> {
        let (sy, cy) = yaw.sin_cos();
        let (sp, cp) = pitch.sin_cos();
        let (sr, cr) = roll.sin_cos();
        // R = Rz(roll) · Ry(yaw) · Rx(pitch).
        let rx = [[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]];
        let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
        let rz = [[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]];
        let mul = |a: [[f32; 3]; 3], b: [[f32; 3]; 3]| {
            let mut m = [[0.0; 3]; 3];
            for r in 0..3 {
                for c in 0..3 {
                    m[r][c] = (0..3).map(|k| a[r][k] * b[k][c]).sum();
                }
            }
            m
        };
        let r = mul(rz, mul(ry, rx));
        // Plane point (u, v) → camera X = R·(u − cu, v − cv, 0) + (tx, ty, z).
        let (tx, ty) = (offset.0 * z / f, offset.1 * z / f);
        let t = [
            tx - r[0][0] * cu - r[0][1] * cv,
            ty - r[1][0] * cu - r[1][1] * cv,
            z - r[2][0] * cu - r[2][1] * cv,
        ];
        let (cx, cyy) = (width as f32 / 2.0, height as f32 / 2.0);
        let k = [[f, 0.0, cx], [0.0, f, cyy], [0.0, 0.0, 1.0]];
        let m = [[r[0][0], r[0][1], t[0]], [r[1][0], r[1][1], t[1]], [r[2][0], r[2][1], t[2]]];
        let h = mul(k, m);
        let fwd = [h[0][0], h[0][1], h[0][2], h[1][0], h[1][1], h[1][2], h[2][0], h[2][1], h[2][2]];
        let inv = invert3(&fwd)?;
        Some(Camera {
            width,
            height,
            inv,
            scale: z / f,
            lens_sigma: 0.6,
            shake: 0.0,
            vertical_shake: false,
            glare: None,
            exposure: 1.0,
            noise: 0.01,
        })
    }

    fn to_plane(&self, x: f32, y: f32) -> Option<(f32, f32)> {
        let m = &self.inv;
        let w = m[6] * x + m[7] * y + m[8];
        if w <= 1e-9 {
            return None;
        }
        Some(((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w))
    }

    /// The frame as the webcam delivers it (8-bit sRGB).
    fn shoot(&self, scene: &dyn Scene, rng: &mut Rng) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        const SS: usize = 3;
        // Structure too fine to sample (sub-pixel stripes, the black matrix, a guilloche) is rendered
        // with its harmonics attenuated by the lens and the sub-sample footprint, and added after the
        // lens blur of the rest: what survives aliases against the sensor grid as moiré, once.
        let footprint = self.scale / SS as f32 / 12f32.sqrt();
        let sigma = (footprint.powi(2) + (self.lens_sigma * self.scale).powi(2)).sqrt();
        let mut img = vec![[0f32; 3]; w * h];
        let mut detail = vec![[0f32; 3]; w * h];
        for y in 0..h {
            for x in 0..w {
                let (mut acc, mut fine) = ([0f32; 3], [0f32; 3]);
                for sy in 0..SS {
                    for sx in 0..SS {
                        let (px, py) = (
                            x as f32 + (sx as f32 + 0.5) / SS as f32,
                            y as f32 + (sy as f32 + 0.5) / SS as f32,
                        );
                        let (base, sharp) = match self.to_plane(px, py) {
                            Some((u, v)) if scene.contains(u, v) => {
                                (scene.radiance(u, v, f32::INFINITY), scene.radiance(u, v, sigma))
                            }
                            _ => {
                                let b = scene.background(px, py);
                                (b, b)
                            }
                        };
                        for c in 0..3 {
                            acc[c] += base[c];
                            fine[c] += sharp[c] - base[c];
                        }
                    }
                }
                img[y * w + x] = acc.map(|a| a / (SS * SS) as f32);
                detail[y * w + x] = fine.map(|a| a / (SS * SS) as f32);
            }
        }
        gaussian_blur(&mut img, w, h, self.lens_sigma);
        for (p, d) in img.iter_mut().zip(&detail) {
            for c in 0..3 {
                p[c] += d[c];
            }
        }
        // The hand moves during the exposure: everything smears, the fine structure too.
        if self.shake > 0.5 {
            box_blur(&mut img, w, h, self.shake.round() as usize, self.vertical_shake);
        }
        // Glare (a lamp reflected in the glass or laminate), vignetting, exposure; then the sensor.
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let diag2 = cx * cx + cy * cy;
        let mut raw = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut p = img[y * w + x];
                if let Some((gx, gy, r, a)) = self.glare {
                    let d2 = ((x as f32 - gx).powi(2) + (y as f32 - gy).powi(2)) / (r * r);
                    let g = a * (-d2).exp();
                    p = p.map(|v| v + g);
                }
                let vig = 1.0 - 0.25 * ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)) / diag2;
                // RGGB Bayer: each photosite sees one colour.
                let ch = match (y % 2, x % 2) {
                    (0, 0) => 0,
                    (1, 1) => 2,
                    _ => 1,
                };
                let signal = (p[ch] * vig * self.exposure).clamp(0.0, 1.0);
                let n = gauss(rng) * (self.noise * self.noise + signal * self.noise * 0.5).sqrt();
                raw[y * w + x] = (signal + n).clamp(0.0, 1.0);
            }
        }
        demosaic_srgb(&raw, w, h)
    }
}

/// How a hand holds the object: tilted up to some degrees about one axis, a little about the other, and
/// turned (one shot in three at any angle, else by up to `roll` radians).
struct Pose {
    tilt: f32,
    yaw: f32,
    pitch: f32,
    roll: f32,
}

impl Pose {
    fn draw(rng: &mut Rng, max_tilt_deg: f32, roll: f32) -> Pose {
        let tilt = uniform(rng, 0.0, max_tilt_deg.to_radians());
        let (yaw, pitch) =
            if rng.below(2) == 0 { (tilt, uniform(rng, -0.1, 0.1)) } else { (uniform(rng, -0.1, 0.1), tilt) };
        let roll = if rng.below(3) == 0 { uniform(rng, -PI, PI) } else { uniform(rng, -roll, roll) };
        Pose { tilt, yaw, pitch, roll }
    }
}

/// The ranges a shot's optics and sensor are drawn from.
struct Imperfections {
    lens_sigma: (f32, f32),
    /// Hand shake in one shot in `shake_one_in`, of `shake` pixels.
    shake_one_in: u64,
    shake: (f32, f32),
    exposure: (f32, f32),
    noise: (f32, f32),
    /// A lamp's glare in one shot in `glare_one_in`, up to `glare_spread` of the frame from its centre,
    /// `glare_radius` of its width, of `glare_strength`.
    glare_one_in: u64,
    glare_spread: f32,
    glare_radius: (f32, f32),
    glare_strength: (f32, f32),
}

impl Camera {
    /// Draws the lens blur, shake, exposure, noise and glare of one shot; whether it has glare.
    fn imperfect(&mut self, i: &Imperfections, rng: &mut Rng) -> bool {
        let (w, h) = (self.width as f32, self.height as f32);
        self.lens_sigma = uniform(rng, i.lens_sigma.0, i.lens_sigma.1);
        self.shake = if rng.below(i.shake_one_in) == 0 { uniform(rng, i.shake.0, i.shake.1) } else { 0.0 };
        self.vertical_shake = rng.below(2) == 0;
        self.exposure = uniform(rng, i.exposure.0, i.exposure.1);
        self.noise = uniform(rng, i.noise.0, i.noise.1);
        let glare = rng.below(i.glare_one_in) == 0;
        if glare {
            self.glare = Some((
                w / 2.0 + uniform(rng, -i.glare_spread, i.glare_spread) * w,
                h / 2.0 + uniform(rng, -i.glare_spread, i.glare_spread) * h,
                uniform(rng, i.glare_radius.0, i.glare_radius.1) * w,
                uniform(rng, i.glare_strength.0, i.glare_strength.1),
            ));
        }
        glare
    }
}

fn gauss(rng: &mut Rng) -> f32 {
    // Sum of four uniforms: close enough to a normal for sensor noise, and cheap.
    let s: f32 = (0..4).map(|_| uniform(rng, -1.0, 1.0)).sum();
    s * (3.0f32 / 4.0).sqrt()
}

fn gaussian_blur(img: &mut [[f32; 3]], w: usize, h: usize, sigma: f32) {
    if sigma < 0.2 {
        return;
    }
    let r = (sigma * 3.0).ceil() as isize;
    let k: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp()).collect();
    let sum: f32 = k.iter().sum();
    let k: Vec<f32> = k.iter().map(|v| v / sum).collect();
    let mut tmp = vec![[0f32; 3]; w * h];
    let clampi = |v: isize, n: usize| v.clamp(0, n as isize - 1) as usize;
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0f32; 3];
            for (i, kv) in k.iter().enumerate() {
                let p = img[y * w + clampi(x as isize + i as isize - r, w)];
                for c in 0..3 {
                    acc[c] += p[c] * kv;
                }
            }
            tmp[y * w + x] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0f32; 3];
            for (i, kv) in k.iter().enumerate() {
                let p = tmp[clampi(y as isize + i as isize - r, h) * w + x];
                for c in 0..3 {
                    acc[c] += p[c] * kv;
                }
            }
            img[y * w + x] = acc;
        }
    }
}

fn box_blur(img: &mut [[f32; 3]], w: usize, h: usize, len: usize, vertical: bool) {
    let src = img.to_vec();
    let half = len as isize / 2;
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0f32; 3];
            for o in -half..=half {
                let (sx, sy) = if vertical {
                    (x, (y as isize + o).clamp(0, h as isize - 1) as usize)
                } else {
                    ((x as isize + o).clamp(0, w as isize - 1) as usize, y)
                };
                for c in 0..3 {
                    acc[c] += src[sy * w + sx][c];
                }
            }
            img[y * w + x] = acc.map(|a| a / (2 * half + 1) as f32);
        }
    }
}

/// Bilinear demosaic of an RGGB mosaic, then the sRGB curve, as a cheap webcam's ISP does.
fn demosaic_srgb(raw: &[f32], w: usize, h: usize) -> Vec<u8> {
    let at = |x: isize, y: isize| {
        raw[(y.clamp(0, h as isize - 1) as usize) * w + x.clamp(0, w as isize - 1) as usize]
    };
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h as isize {
        for x in 0..w as isize {
            let cross = (at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1)) / 4.0;
            let diag = (at(x - 1, y - 1) + at(x + 1, y - 1) + at(x - 1, y + 1) + at(x + 1, y + 1)) / 4.0;
            let horiz = (at(x - 1, y) + at(x + 1, y)) / 2.0;
            let vert = (at(x, y - 1) + at(x, y + 1)) / 2.0;
            let here = at(x, y);
            let rgb = match (y % 2, x % 2) {
                (0, 0) => [here, cross, diag],
                (1, 1) => [diag, cross, here],
                (0, _) => [horiz, here, vert],
                _ => [vert, here, horiz],
            };
            for v in rgb {
                out.push((v.max(0.0).powf(1.0 / 2.2) * 255.0 + 0.5).min(255.0) as u8);
            }
        }
    }
    out
}

/// Renders frame `i` of a corpus.
pub fn render(kind: Kind, i: u64, seed: u64) -> Shot {
    // A desk-card pair shares its scene.
    let scene = if kind == Kind::DeskCard { i / 2 } else { i };
    let mut rng = Rng::new(seed ^ (scene + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ kind as u64);
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let row = demo::person(scene + 1000 * kind as u64, seed, today);
    // Every 7th scene has no code (an app screen without it, a card without its QR): enough empty
    // frames at each size to time a frame without a code.
    let empty = scene % 7 == 6;
    let hd = i % 2 == 1;
    match kind {
        Kind::Screen => screen_shot(&row, empty, &mut rng),
        Kind::SmallCode => card_shot(&row, empty, hd, 1.0, &mut rng),
        Kind::DeskCard => card_shot(&row, empty, hd, if hd { 1.5 } else { 1.0 }, &mut rng),
    }
}

fn screen_shot(row: &RosterRow, empty: bool, rng: &mut Rng) -> Shot {
    let newer = rng.below(2) == 0;
    let payload = bhyt_payload(row, newer, rng);
    let symbol = if empty { None } else { Symbol::new(&payload, EcLevel::M) };
    let (w, h) = if rng.below(4) == 0 { (1920, 1080) } else { (1280, 720) };
    let (sw, sh) = (1080.0, 2340.0);
    let side = symbol.as_ref().map_or(57, |s| s.side) as f32 + 8.0;
    // The app draws its QR 62–80 % of the screen's width; one shot in three is of a coarser screen or a
    // smaller picture of the code (3–6 screen pixels per module) held close, where the pixel grid beats
    // hardest against the sensor's.
    let coarse = rng.below(3) == 0;
    let module = if coarse {
        3.0 + rng.below(4) as f32
    } else {
        (uniform(rng, 0.62, 0.8) * sw / side).floor().max(2.0)
    };
    let (qx, qy) = ((sw - (side - 8.0) * module) / 2.0, 0.42 * sh);
    let dark_mode = rng.below(4) == 0;
    let oled = rng.below(2) == 0;
    let phone = Phone {
        w: sw,
        h: sh,
        symbol,
        qx,
        qy,
        module,
        dark_mode,
        leak: if oled { 0.0 } else { uniform(rng, 0.01, 0.04) },
        brightness: uniform(rng, 0.55, 1.0),
        ambient: uniform(rng, 0.0, 0.06),
        stripe: uniform(rng, 0.22, 0.3),
        fill: uniform(rng, 0.75, 0.92),
        bezel: 40.0,
        room: [uniform(rng, 0.15, 0.4), uniform(rng, 0.15, 0.4), uniform(rng, 0.15, 0.4)],
    };
    // Held so the whole code (with its quiet zone, turned, foreshortened) is in the frame, at 2.6 camera
    // pixels per module or more; the phone pixels per camera pixel follow (below 1 for a coarse screen
    // held close, where the moiré is strongest).
    let Pose { tilt, yaw, pitch, roll } = Pose::draw(rng, 45.0, 0.25);
    let turned = roll.cos().abs() + roll.sin().abs();
    let most = 0.85 * h as f32 / (side * turned);
    let module_px = uniform(rng, 2.6, most.max(2.7).min(if coarse { 12.0 } else { 9.0 }));
    let ratio = module / module_px;
    let f = 0.78 * w as f32;
    let centre = (qx + (side - 8.0) * module / 2.0, qy + (side - 8.0) * module / 2.0);
    let extent = side * module_px * turned * 1.15;
    let room = |size: u32| ((size as f32 - extent) / 2.0).max(0.0);
    let offset = (uniform(rng, -1.0, 1.0) * room(w), uniform(rng, -1.0, 1.0) * room(h));
    let Some(mut cam) = Camera::looking_at(w, h, f, ratio * f, centre.0, centre.1, yaw, pitch, roll, offset)
    else {
        return screen_shot(row, empty, rng);
    };
    let glare_on = cam.imperfect(
        &Imperfections {
            lens_sigma: (0.3, 1.2),
            shake_one_in: 3,
            shake: (1.0, 3.5),
            exposure: (0.8, 1.25),
            noise: (0.005, 0.025),
            glare_one_in: 3,
            glare_spread: 0.25,
            glare_radius: (0.04, 0.12),
            glare_strength: (0.3, 1.2),
        },
        rng,
    );
    let rgb = cam.shoot(&phone, rng);
    let quality = 60 + rng.below(31) as u8;
    Shot {
        width: w,
        height: h,
        rgb,
        jpeg_quality: quality,
        payload: (!empty).then_some(payload),
        details: vec![
            ("scene", "phone-screen".into()),
            ("layout", if newer { "bhyt-new" } else { "bhyt-legacy" }.into()),
            ("module_px", round(module_px, 100)),
            ("phone_px_per_camera_px", round(ratio, 100)),
            ("tilt_deg", round(tilt.to_degrees(), 1)),
            ("roll_deg", round(roll.to_degrees(), 1)),
            ("screen_px_per_module", module.into()),
            ("dark_mode", dark_mode.into()),
            ("oled", oled.into()),
            ("glare", glare_on.into()),
            ("lens_sigma", round(cam.lens_sigma, 100)),
            ("shake_px", round(cam.shake, 10)),
        ],
    }
}

/// A card at 1280×720 or (`hd`) 1920×1080, its code at 1.5–3 px per module times `zoom`.
fn card_shot(row: &RosterRow, empty: bool, hd: bool, zoom: f32, rng: &mut Rng) -> Shot {
    let eleven = rng.below(2) == 0;
    let payload = cccd_payload(row, eleven, rng);
    // Error correction Q or H puts the card's payload at version 7–11, as on a chip CCCD.
    let level = if rng.below(3) == 0 { EcLevel::H } else { EcLevel::Q };
    let symbol = if empty { None } else { Symbol::new(&payload, level) };
    let side = symbol.as_ref().map_or(53, |s| s.side) as f32;
    let version = ((side as i32 - 17) / 4).max(1);
    let (w, h) = if hd { (1920, 1080) } else { (1280, 720) };
    // The printed code is 13–16 mm wide, at the card's top right.
    let qr_mm = uniform(rng, 13.0, 16.0);
    let module_mm = qr_mm / side;
    let (qx, qy) = (85.6 - 4.0 - qr_mm, 3.5);
    let card = Card {
        symbol,
        qx,
        qy,
        module: module_mm,
        tint: [uniform(rng, 0.75, 0.9), uniform(rng, 0.78, 0.92), uniform(rng, 0.8, 0.95)],
        desk: [uniform(rng, 0.2, 0.5), uniform(rng, 0.18, 0.45), uniform(rng, 0.15, 0.4)],
        ink: uniform(rng, 0.03, 0.12),
    };
    // 1.5–3 camera pixels per module at the code's centre.
    let module_px = uniform(rng, 1.5, 3.0) * zoom;
    let f = 0.78 * w as f32;
    let z = module_mm / module_px * f;
    let Pose { tilt, yaw, pitch, roll } = Pose::draw(rng, 35.0, 0.2);
    let centre = (qx + qr_mm / 2.0, qy + qr_mm / 2.0);
    let offset = (uniform(rng, -0.2, 0.2) * w as f32, uniform(rng, -0.15, 0.15) * h as f32);
    let Some(mut cam) = Camera::looking_at(w, h, f, z, centre.0, centre.1, yaw, pitch, roll, offset) else {
        return card_shot(row, empty, hd, zoom, rng);
    };
    let glare_on = cam.imperfect(
        &Imperfections {
            lens_sigma: (0.4, 0.85),
            shake_one_in: 4,
            shake: (1.0, 2.0),
            exposure: (0.85, 1.2),
            noise: (0.005, 0.02),
            glare_one_in: 4,
            glare_spread: 0.3,
            glare_radius: (0.03, 0.08),
            glare_strength: (0.2, 0.6),
        },
        rng,
    );
    let rgb = cam.shoot(&card, rng);
    let quality = 65 + rng.below(26) as u8;
    Shot {
        width: w,
        height: h,
        rgb,
        jpeg_quality: quality,
        payload: (!empty).then_some(payload),
        details: vec![
            ("scene", "cccd-card".into()),
            ("layout", if eleven { "cccd-11" } else { "cccd-7" }.into()),
            ("qr_version", version.into()),
            ("module_px", round(module_px, 100)),
            ("tilt_deg", round(tilt.to_degrees(), 1)),
            ("roll_deg", round(roll.to_degrees(), 1)),
            ("glare", glare_on.into()),
            ("lens_sigma", round(cam.lens_sigma, 100)),
            ("shake_px", round(cam.shake, 10)),
        ],
    }
}

/// A picture (a screenshot shown on a phone, or a card printed on paper), as the camera's scene: picture
/// pixels are the plane's units. On a screen each pixel is drawn by its sub-pixel stripes as [`Phone`]
/// draws them; on paper the ink is seen as reflected room light.
struct Picture {
    w: usize,
    h: usize,
    /// Linear RGB, row by row.
    linear: Vec<[f32; 3]>,
    screen: bool,
    leak: f32,
    brightness: f32,
    ambient: f32,
    stripe: f32,
    fill: f32,
    bezel: f32,
    room: [f32; 3],
}

impl Scene for Picture {
    fn contains(&self, u: f32, v: f32) -> bool {
        let b = if self.screen { self.bezel } else { 0.0 };
        (-b..self.w as f32 + b).contains(&u) && (-b..self.h as f32 + b).contains(&v)
    }
    fn background(&self, x: f32, y: f32) -> [f32; 3] {
        let s = 0.8 + 0.2 * ((x * 0.004).sin() * (y * 0.006).cos());
        self.room.map(|c| c * s)
    }
    fn radiance(&self, u: f32, v: f32, sigma: f32) -> [f32; 3] {
        if !(0.0..self.w as f32).contains(&u) || !(0.0..self.h as f32).contains(&v) {
            let a = self.ambient * 0.5 + 0.01;
            return [a, a, a * 1.05];
        }
        let (i, j) = (u.floor(), v.floor());
        let c = self.linear[j as usize * self.w + i as usize];
        if !self.screen {
            return c.map(|x| x * self.brightness + self.ambient * 0.3);
        }
        let lit = Lit { leak: self.leak, brightness: self.brightness, ambient: self.ambient };
        lit.subpixels(c, (u - i, v - j), (self.stripe, self.fill), sigma)
    }
}

/// Photographs a picture (8-bit sRGB, `w`×`h`) with a desk webcam at 1280×720: on a phone's screen
/// (`screen`) or printed on a card, held so that `region` (x, y, width, height in picture pixels) fills
/// 70–95 % of the frame's width, tilted up to 20°, turned up to 8°, with the lens, shake, glare, sensor
/// and MJPEG of the QR corpora. `None` when the pose puts the picture behind the camera.
pub fn photograph(
    rgb: &[u8],
    w: usize,
    h: usize,
    screen: bool,
    region: (f32, f32, f32, f32),
    rng: &mut Rng,
) -> Option<Shot> {
    let to_linear = |b: u8| (b as f32 / 255.0).powf(2.2);
    let linear: Vec<[f32; 3]> =
        rgb.chunks_exact(3).map(|p| [to_linear(p[0]), to_linear(p[1]), to_linear(p[2])]).collect();
    if linear.len() != w * h {
        return None;
    }
    let oled = rng.below(2) == 0;
    let picture = Picture {
        w,
        h,
        linear,
        screen,
        leak: if oled { 0.0 } else { uniform(rng, 0.01, 0.04) },
        brightness: uniform(rng, 0.6, 1.0),
        ambient: uniform(rng, 0.0, 0.05),
        stripe: uniform(rng, 0.22, 0.3),
        fill: uniform(rng, 0.75, 0.92),
        bezel: 40.0,
        room: [uniform(rng, 0.15, 0.4), uniform(rng, 0.15, 0.4), uniform(rng, 0.15, 0.4)],
    };
    let (fw, fh) = (1280u32, 720u32);
    let fill = uniform(rng, 0.7, 0.95);
    let ratio = (region.2 / (fill * fw as f32)).max(region.3 / (0.95 * fh as f32));
    let f = 0.78 * fw as f32;
    let Pose { tilt, yaw, pitch, .. } = Pose::draw(rng, 20.0, 0.0);
    let roll = uniform(rng, -0.14, 0.14);
    let centre = (region.0 + region.2 / 2.0, region.1 + region.3 / 2.0);
    let offset = (uniform(rng, -0.03, 0.03) * fw as f32, uniform(rng, -0.03, 0.03) * fh as f32);
    let mut cam = Camera::looking_at(fw, fh, f, ratio * f, centre.0, centre.1, yaw, pitch, roll, offset)?;
    let glare_on = cam.imperfect(
        &Imperfections {
            lens_sigma: (0.3, 1.0),
            shake_one_in: 4,
            shake: (1.0, 2.5),
            exposure: (0.85, 1.2),
            noise: (0.005, 0.02),
            glare_one_in: 4,
            glare_spread: 0.3,
            glare_radius: (0.04, 0.1),
            glare_strength: (0.2, 0.6),
        },
        rng,
    );
    let frame = cam.shoot(&picture, rng);
    Some(Shot {
        width: fw,
        height: fh,
        rgb: frame,
        jpeg_quality: 60 + rng.below(31) as u8,
        payload: None,
        details: vec![
            ("scene", if screen { "phone-screen" } else { "printed-card" }.into()),
            ("picture_px_per_camera_px", round(ratio, 100)),
            ("tilt_deg", round(tilt.to_degrees(), 1)),
            ("roll_deg", round(roll.to_degrees(), 1)),
            ("oled", oled.into()),
            ("glare", glare_on.into()),
            ("lens_sigma", round(cam.lens_sigma, 100)),
            ("shake_px", round(cam.shake, 10)),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_harmonic_stripes_average_to_one_and_wash_out_when_blurred() {
        let mean =
            |sigma: f32| (0..1000).map(|k| stripes(k as f32 / 1000.0, 0.5, 0.3, sigma)).sum::<f32>() / 1000.0;
        assert!((mean(0.08) - 1.0).abs() < 0.02, "{}", mean(0.08));
        assert!((mean(0.3) - 1.0).abs() < 0.02);
        let contrast = |sigma: f32| {
            let v: Vec<f32> = (0..100).map(|k| stripes(k as f32 / 100.0, 0.5, 0.3, sigma)).collect();
            v.iter().cloned().fold(f32::MIN, f32::max) - v.iter().cloned().fold(f32::MAX, f32::min)
        };
        assert!(contrast(0.05) > 2.0, "sharp stripes");
        assert!(contrast(1.0) < 0.01, "fully blurred");
    }

    #[test]
    fn payloads_have_the_card_shapes() {
        let row = demo::person(1, 7, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let mut rng = Rng::new(1);
        for newer in [false, true] {
            let p = bhyt_payload(&row, newer, &mut rng);
            assert!(crate::card::detect(&p).result.is_ok(), "{p}");
        }
        for eleven in [false, true] {
            let p = cccd_payload(&row, eleven, &mut rng);
            assert_eq!(p.split('|').count(), if eleven { 11 } else { 7 });
            assert!(crate::card::detect(&p).result.is_ok(), "{p}");
        }
    }
}
