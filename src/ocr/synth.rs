//! The OCR development set: invented people's BHYT cards drawn as the three layouts the desk reads (the
//! card image in VssID, the 2021 paper card, the VNeID document wallet), in several fonts with full
//! Vietnamese coverage, as clean screenshots (or a flat scan of the paper card) and as a desk webcam
//! photographs them (`scan::synth::photograph`: perspective, lens blur, shake, screen moiré, glare,
//! Bayer noise, MJPEG). Every image has the printed fields in `manifest.jsonl`. Deterministic for a seed.

use super::{Fields, ImageLayout};
use crate::card::Sex;
use crate::demo::{self, Rng};
use crate::scan::synth::{photograph, uniform};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use chrono::NaiveDate;
use std::io::Write;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

/// A font the cards are drawn in: the two embedded ones, and what the system has of DejaVu and
/// Liberation (all cover Vietnamese).
pub struct Typeface {
    pub name: String,
    bytes: Vec<u8>,
}

/// The fonts found here, always at least the embedded Noto Sans pair.
pub fn typefaces() -> Vec<Typeface> {
    let mut out = vec![
        Typeface {
            name: "NotoSans-Regular".into(),
            bytes: include_bytes!("../../assets/fonts/NotoSans-Regular.ttf").to_vec(),
        },
        Typeface {
            name: "NotoSans-Bold".into(),
            bytes: include_bytes!("../../assets/fonts/NotoSans-Bold.ttf").to_vec(),
        },
    ];
    for path in [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    ] {
        if let Ok(bytes) = std::fs::read(path)
            && FontRef::try_from_slice(&bytes).is_ok()
        {
            let name =
                Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            out.push(Typeface { name, bytes });
        }
    }
    out
}

/// An 8-bit RGB picture to draw on.
pub struct Canvas {
    pub w: usize,
    pub h: usize,
    pub rgb: Vec<u8>,
}

impl Canvas {
    pub fn new(w: usize, h: usize, bg: [u8; 3]) -> Canvas {
        Canvas { w, h, rgb: bg.repeat(w * h) }
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: [u8; 3]) {
        let (x0, y0) = (x.max(0.0) as usize, y.max(0.0) as usize);
        let (x1, y1) = (((x + w).max(0.0) as usize).min(self.w), ((y + h).max(0.0) as usize).min(self.h));
        for yy in y0..y1 {
            for xx in x0..x1 {
                self.rgb[(yy * self.w + xx) * 3..][..3].copy_from_slice(&c);
            }
        }
    }

    fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, t: f32, c: [u8; 3]) {
        self.rect(x, y, w, t, c);
        self.rect(x, y + h - t, w, t, c);
        self.rect(x, y, t, h, c);
        self.rect(x + w - t, y, t, h, c);
    }

    /// Draws `s` with its baseline at `baseline`, from `x`; returns the advance.
    pub fn text(&mut self, font: &FontRef, px: f32, x: f32, baseline: f32, c: [u8; 3], s: &str) -> f32 {
        let scaled = font.as_scaled(PxScale::from(px));
        let mut caret = x;
        let mut prev = None;
        for ch in s.chars() {
            let id = scaled.glyph_id(ch);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(px, point(caret, baseline));
            caret += scaled.h_advance(id);
            prev = Some(id);
            let Some(outline) = font.outline_glyph(glyph) else { continue };
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cover| {
                let (px_, py_) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                if px_ < 0 || py_ < 0 || px_ as usize >= self.w || py_ as usize >= self.h {
                    return;
                }
                let at = (py_ as usize * self.w + px_ as usize) * 3;
                for (dst, &ink) in self.rgb[at..at + 3].iter_mut().zip(&c) {
                    let old = *dst as f32;
                    *dst = (old + (ink as f32 - old) * cover.min(1.0)).round() as u8;
                }
            });
        }
        caret - x
    }

    fn measure(font: &FontRef, px: f32, s: &str) -> f32 {
        let scaled = font.as_scaled(PxScale::from(px));
        s.chars().map(|ch| scaled.h_advance(scaled.glyph_id(ch))).sum()
    }
}

/// One image of the set and what is printed on it.
pub struct CardImage {
    pub layout: ImageLayout,
    pub font: String,
    pub canvas: Canvas,
    /// The part a receptionist aims the webcam at (x, y, width, height).
    pub region: (f32, f32, f32, f32),
    pub fields: Fields,
}

const FACILITY_KINDS: [&str; 6] = [
    "Trạm Y tế Phường",
    "Trạm Y tế Xã",
    "Trung tâm Y tế Khu vực",
    "Phòng khám Đa khoa Khu vực",
    "Bệnh viện Đa khoa Quận",
    "Phòng khám Đa khoa Hòa Hảo cơ sở",
];

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The printed fields of invented person `i`, as `layout` prints them.
fn fields_for(i: u64, seed: u64, layout: ImageLayout, rng: &mut Rng) -> (Fields, Option<String>) {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let row = demo::person(i + 77_000, seed, today);
    let iso = |s: &Option<String>| s.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let code = row.card_number.clone();
    let shows_code = match layout {
        ImageLayout::Vssid => rng.below(2) == 0,
        ImageLayout::Paper2021 => false,
        ImageLayout::Vneid => true,
    };
    let facility_code = row.facility_code.clone();
    let facility_name = format!("{} {}", rng.pick(&FACILITY_KINDS), 1 + rng.below(20));
    let fields = Fields {
        card_number: if shows_code { code } else { None },
        bhxh_number: row.bhxh_number.clone(),
        full_name: row.full_name.as_ref().map(|n| n.to_uppercase().nfc().collect()),
        birth_date: iso(&row.birth_date),
        sex: row.sex.and_then(Sex::from_str_exact),
        facility_name: Some(facility_name),
        facility_code,
        valid_from: iso(&row.valid_from),
        valid_to: iso(&row.valid_to),
        five_year_date: iso(&row.five_year_date),
    };
    (fields, row.address)
}

fn sex_word(s: Option<Sex>) -> &'static str {
    match s {
        Some(Sex::Male) => "Nam",
        Some(Sex::Female) => "Nữ",
        None => "",
    }
}

/// Draws card `i` of the set in `layout` with `font`.
pub fn draw(i: u64, seed: u64, layout: ImageLayout, face: &Typeface) -> Option<CardImage> {
    let font = FontRef::try_from_slice(&face.bytes).ok()?;
    let mut rng = Rng::new(seed ^ (i + 1).wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ layout as u64);
    let (f, address) = fields_for(i, seed, layout, &mut rng);
    let address = address.unwrap_or_default();
    let ink = [20, 20, 28];
    let (canvas, region) = match layout {
        ImageLayout::Vssid => {
            // The card image inside the app: a phone screenshot with the card across it.
            let mut c = Canvas::new(1080, 2340, [236, 240, 244]);
            c.rect(0.0, 0.0, 1080.0, 200.0, [12, 84, 160]);
            c.text(&font, 44.0, 40.0, 140.0, [255, 255, 255], "Thẻ BHYT");
            let (x0, y0, cw, ch) = (30.0, 320.0, 1020.0, 660.0);
            c.rect(x0, y0, cw, ch, [250, 252, 246]);
            c.rect(x0, y0, cw, 120.0, [214, 236, 222]);
            c.frame(x0, y0, cw, ch, 3.0, [60, 130, 90]);
            let px = uniform(&mut rng, 26.0, 34.0);
            c.text(&font, px * 0.9, x0 + 150.0, y0 + 48.0, [12, 84, 160], "BẢO HIỂM XÃ HỘI VIỆT NAM");
            c.text(&font, px * 1.15, x0 + 190.0, y0 + 100.0, [190, 30, 30], "THẺ BẢO HIỂM Y TẾ");
            let x = x0 + 30.0;
            let mut y = y0 + 120.0 + px * 1.6;
            let step = px * 1.55;
            let number = f.card_number.clone().or_else(|| f.bhxh_number.clone()).unwrap_or_default();
            let line = |c: &mut Canvas, label: &str, value: &str, y: f32| {
                let w = c.text(&font, px, x, y, ink, label);
                c.text(&font, px, x + w + px * 0.3, y, ink, value);
            };
            line(&mut c, "Mã số:", &number, y);
            y += step;
            line(&mut c, "Họ và tên:", f.full_name.as_deref().unwrap_or(""), y);
            y += step;
            let birth = f.birth_date.map(dmy).unwrap_or_default();
            line(&mut c, "Ngày sinh:", &birth, y);
            line_at(&mut c, &font, px, x + cw * 0.58, y, ink, "Giới tính:", sex_word(f.sex));
            y += step;
            let addr: String = address.chars().take(48).collect();
            line(&mut c, "Địa chỉ:", &addr, y);
            y += step;
            let facility = format!(
                "{} - {}",
                f.facility_code.as_deref().unwrap_or(""),
                f.facility_name.as_deref().unwrap_or("")
            );
            line(&mut c, "Nơi ĐK KCB BĐ:", &facility, y);
            y += step;
            let validity = match (f.valid_from, f.valid_to) {
                (Some(a), Some(b)) => format!("từ {} đến {}", dmy(a), dmy(b)),
                (Some(a), None) => format!("từ {}", dmy(a)),
                _ => String::new(),
            };
            line(&mut c, "Giá trị sử dụng:", &validity, y);
            y += step;
            if let Some(d) = f.five_year_date {
                line(&mut c, "Thời điểm đủ 5 năm liên tục:", &dmy(d), y);
            }
            (c, (x0, y0, cw, ch))
        }
        ImageLayout::Paper2021 => {
            // The 2021 paper card, 85.6 × 54 mm at 12 px/mm: the number in a box.
            let mut c = Canvas::new(1027, 648, [246, 246, 238]);
            c.rect(0.0, 0.0, 1027.0, 110.0, [222, 236, 250]);
            let px = uniform(&mut rng, 24.0, 30.0);
            c.text(&font, px * 0.85, 200.0, 45.0, [12, 84, 160], "BẢO HIỂM XÃ HỘI VIỆT NAM");
            c.text(&font, px * 1.1, 250.0, 95.0, [190, 30, 30], "THẺ BẢO HIỂM Y TẾ");
            let x = 40.0;
            let mut y = 110.0 + px * 2.2;
            let w = c.text(&font, px, x, y, ink, "Mã số:");
            let number = f.bhxh_number.clone().unwrap_or_default();
            let nw = Canvas::measure(&font, px * 1.3, &number);
            let bx = x + w + px * 0.6;
            c.frame(bx - 12.0, y - px * 1.25, nw + 24.0, px * 1.7, 3.0, [190, 30, 30]);
            c.text(&font, px * 1.3, bx, y, [190, 30, 30], &number);
            y += px * 1.9;
            let step = px * 1.55;
            let line = |c: &mut Canvas, label: &str, value: &str, y: f32| {
                let w = c.text(&font, px, x, y, ink, label);
                c.text(&font, px, x + w + px * 0.3, y, ink, value);
            };
            line(&mut c, "Họ và tên:", f.full_name.as_deref().unwrap_or(""), y);
            y += step;
            line(&mut c, "Ngày sinh:", &f.birth_date.map(dmy).unwrap_or_default(), y);
            line_at(&mut c, &font, px, x + 560.0, y, ink, "Giới tính:", sex_word(f.sex));
            y += step;
            let facility = format!(
                "{} ({})",
                f.facility_name.as_deref().unwrap_or(""),
                f.facility_code.as_deref().map(|c| format!("{}-{}", &c[..2], &c[2..])).unwrap_or_default()
            );
            line(&mut c, "Nơi ĐK KCB BĐ:", &facility, y);
            y += step;
            let validity = match (f.valid_from, f.valid_to) {
                (Some(a), Some(b)) => format!("từ ngày {} đến ngày {}", dmy(a), dmy(b)),
                (Some(a), None) => format!("từ ngày {}", dmy(a)),
                _ => String::new(),
            };
            line(&mut c, "Giá trị sử dụng", &validity, y);
            y += step;
            if let Some(d) = f.five_year_date {
                line(&mut c, "Thời điểm đủ 5 năm liên tục:", &dmy(d), y);
            }
            (c, (0.0, 0.0, 1027.0, 648.0))
        }
        ImageLayout::Vneid => {
            // The document wallet: one field per row, its label above its value.
            let mut c = Canvas::new(1080, 2340, [255, 255, 255]);
            c.rect(0.0, 0.0, 1080.0, 200.0, [178, 34, 34]);
            c.text(&font, 44.0, 40.0, 140.0, [255, 255, 255], "Thẻ bảo hiểm y tế");
            let (lpx, vpx) = (uniform(&mut rng, 26.0, 30.0), uniform(&mut rng, 32.0, 38.0));
            let x = 48.0;
            let y0 = 260.0;
            let mut y = y0;
            let grey = [110, 110, 118];
            let facility = format!(
                "{} - {}",
                f.facility_code.as_deref().unwrap_or(""),
                f.facility_name.as_deref().unwrap_or("")
            );
            let rows: Vec<(&str, String)> = vec![
                ("Mã số BHXH", f.bhxh_number.clone().unwrap_or_default()),
                ("Mã thẻ BHYT", f.card_number.clone().unwrap_or_default()),
                ("Họ và tên", f.full_name.clone().unwrap_or_default()),
                ("Ngày sinh", f.birth_date.map(dmy).unwrap_or_default()),
                ("Giới tính", sex_word(f.sex).to_string()),
                ("Nơi đăng ký KCB ban đầu", facility),
                ("Giá trị sử dụng từ ngày", f.valid_from.map(dmy).unwrap_or_default()),
                ("Giá trị sử dụng đến ngày", f.valid_to.map(dmy).unwrap_or_else(|| "Không thời hạn".into())),
                ("Thời điểm đủ 5 năm liên tục", f.five_year_date.map(dmy).unwrap_or_else(|| "-".into())),
            ];
            for (label, value) in &rows {
                c.text(&font, lpx, x, y + lpx, grey, label);
                c.text(&font, vpx, x, y + lpx + vpx * 1.35, ink, value);
                c.rect(x, y + lpx + vpx * 1.9, 984.0, 2.0, [225, 225, 230]);
                y += lpx + vpx * 2.3;
            }
            (c, (0.0, y0 - 20.0, 1080.0, y - y0 + 30.0))
        }
    };
    Some(CardImage { layout, font: face.name.clone(), canvas, region, fields: f })
}

#[allow(clippy::too_many_arguments)]
fn line_at(c: &mut Canvas, font: &FontRef, px: f32, x: f32, y: f32, ink: [u8; 3], label: &str, value: &str) {
    let w = c.text(font, px, x, y, ink, label);
    c.text(font, px, x + w + px * 0.3, y, ink, value);
}

/// Writes `count` cards (the layouts in turn, the fonts in turn), each as a clean screenshot
/// (`NNNN-clean.png`) and as a webcam photograph (`NNNN-webcam.jpg`), with `manifest.jsonl`.
pub fn write_set(count: usize, seed: u64, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let faces = typefaces();
    let mut manifest = Vec::new();
    for i in 0..count {
        let layout = ImageLayout::ALL[i % 3];
        let face = &faces[(i / 3) % faces.len()];
        let Some(card) = draw(i as u64, seed, layout, face) else { continue };
        let clean = format!("{:04}-clean.png", i + 1);
        image::save_buffer(
            dir.join(&clean),
            &card.canvas.rgb,
            card.canvas.w as u32,
            card.canvas.h as u32,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(std::io::Error::other)?;
        let mut entry = |name: &str, degraded: bool, details: Vec<(&'static str, serde_json::Value)>| {
            let mut e = serde_json::Map::new();
            e.insert("image".into(), name.into());
            e.insert("layout".into(), layout.as_str().into());
            e.insert("degraded".into(), degraded.into());
            e.insert("font".into(), card.font.clone().into());
            e.insert("fields".into(), serde_json::to_value(&card.fields).unwrap_or_default());
            for (k, v) in details {
                e.insert(k.into(), v);
            }
            manifest.push(serde_json::Value::Object(e).to_string());
        };
        entry(&clean, false, Vec::new());
        let mut rng = Rng::new(seed ^ (i as u64 + 1).wrapping_mul(0x94D0_49BB_1331_11EB));
        let screen = layout != ImageLayout::Paper2021;
        if let Some(shot) =
            photograph(&card.canvas.rgb, card.canvas.w, card.canvas.h, screen, card.region, &mut rng)
        {
            let name = format!("{:04}-webcam.jpg", i + 1);
            let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join(&name))?);
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, shot.jpeg_quality)
                .encode(&shot.rgb, shot.width, shot.height, image::ExtendedColorType::Rgb8)
                .map_err(std::io::Error::other)?;
            file.flush()?;
            let mut details = shot.details;
            details.push(("jpeg_quality", shot.jpeg_quality.into()));
            entry(&name, true, details);
        }
    }
    std::fs::write(dir.join("manifest.jsonl"), manifest.join("\n") + "\n")
}
