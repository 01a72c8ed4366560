//! A PNG bar chart of visits per hour, drawn directly (no font or plotting library to install): 24
//! bars, hour labels and each bar's count in a small built-in digit font.

use crate::store::StoreError;
use image::{GrayImage, Luma};

/// 3×5 digits, one row per byte (bits 2..0 = left..right).
const DIGITS: [[u8; 5]; 10] = [
    [7, 5, 5, 5, 7],
    [2, 6, 2, 2, 7],
    [7, 1, 7, 4, 7],
    [7, 1, 7, 1, 7],
    [5, 5, 7, 1, 1],
    [7, 4, 7, 1, 7],
    [7, 4, 7, 5, 7],
    [7, 1, 1, 1, 1],
    [7, 5, 7, 5, 7],
    [7, 5, 7, 1, 7],
];

const SCALE: u32 = 3;
const WIDTH: u32 = 24 * 36 + 80;
const HEIGHT: u32 = 360;
const BASE: u32 = HEIGHT - 50;

fn text(img: &mut GrayImage, x: u32, y: u32, number: usize) {
    for (i, ch) in number.to_string().bytes().enumerate() {
        let glyph = DIGITS[usize::from(ch - b'0')];
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..3 {
                if bits & (4 >> col) != 0 {
                    for dy in 0..SCALE {
                        for dx in 0..SCALE {
                            let (px, py) =
                                (x + (i as u32 * 4 + col) * SCALE + dx, y + row as u32 * SCALE + dy);
                            if px < WIDTH && py < HEIGHT {
                                img.put_pixel(px, py, Luma([0]));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The chart as PNG bytes.
pub fn visits_per_hour(per_hour: &[usize]) -> Result<Vec<u8>, StoreError> {
    let mut img = GrayImage::from_pixel(WIDTH, HEIGHT, Luma([255]));
    let max = per_hour.iter().copied().max().unwrap_or(0).max(1);
    for x in 40..WIDTH - 20 {
        img.put_pixel(x, BASE, Luma([0]));
    }
    for (hour, &count) in per_hour.iter().enumerate().take(24) {
        let x0 = 44 + hour as u32 * 36;
        let bar = (count as u64 * u64::from(BASE - 40) / max as u64) as u32;
        for x in x0..x0 + 26 {
            for y in BASE - bar..BASE {
                img.put_pixel(x, y, Luma([90]));
            }
        }
        text(&mut img, x0 + 2, BASE + 10, hour);
        if count > 0 {
            text(&mut img, x0 + 2, BASE - bar - 20, count);
        }
    }
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| {
            StoreError::invalid(format!("Không vẽ được biểu đồ: {e}"), format!("Cannot draw the chart: {e}"))
        })?;
    Ok(png)
}
