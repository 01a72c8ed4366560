//! The chart of the day (plotters, drawn on the CPU with the embedded Noto Sans, so it looks the same on
//! every machine): visits per hour, stacked by verdict status in the window's verdict colours, with a
//! title naming the clinic and the day and Vietnamese axis labels. Written as PNG and shown on the
//! End-of-day screen.

use crate::store::StoreError;
use crate::store::visits::Visit;
use chrono::NaiveDate;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// The statuses in stacking order (bottom first), their words and the window's colours.
pub const STATUSES: [(&str, &str, (u8, u8, u8)); 4] = [
    ("ELIGIBLE", "Đủ điều kiện", (0x1b, 0x7f, 0x3b)),
    ("ELIGIBLE_WITH_WARNING", "Có lưu ý", (0xa8, 0x62, 0x00)),
    ("CANNOT_VERIFY", "Chưa xác minh", (0x5f, 0x63, 0x68)),
    ("NOT_ELIGIBLE", "Không đủ điều kiện", (0xb0, 0x1e, 0x1e)),
];

/// The size of the PNG.
pub const SIZE: (u32, u32) = (1100, 520);

/// Visits (not voided) per local hour and status, in [`STATUSES`] order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HourCounts(pub Vec<[usize; 4]>);

impl HourCounts {
    pub fn of<'a>(visits: impl IntoIterator<Item = &'a Visit>) -> HourCounts {
        let mut counts = vec![[0usize; 4]; 24];
        for v in visits.into_iter().filter(|v| !v.voided) {
            let hour: usize = v.checked_in_at.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0).min(23);
            let s = STATUSES.iter().position(|(name, ..)| *name == v.status.as_str()).unwrap_or(2);
            counts[hour][s] += 1;
        }
        HourCounts(counts)
    }

    pub fn total(&self) -> usize {
        self.0.iter().flatten().sum()
    }
}

/// What the chart's title says.
pub struct Title<'a> {
    pub clinic: &'a str,
    pub facility_code: Option<&'a str>,
    pub day: NaiveDate,
}

impl Title<'_> {
    fn text(&self, total: usize) -> String {
        let clinic = match (self.clinic.trim(), self.facility_code) {
            ("", Some(code)) => code.to_string(),
            ("", None) => "Phòng khám".to_string(),
            (name, Some(code)) => format!("{name} ({code})"),
            (name, None) => name.to_string(),
        };
        format!("{clinic} — lượt tiếp đón theo giờ, ngày {} — {total} lượt", self.day.format("%d/%m/%Y"))
    }
}

static FONTS: OnceLock<bool> = OnceLock::new();

/// Registers Noto Sans with plotters (once); false if it could not be read.
fn fonts() -> bool {
    *FONTS.get_or_init(|| {
        let regular = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
        let bold = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");
        plotters::style::register_font("sans-serif", FontStyle::Normal, regular).is_ok()
            && plotters::style::register_font("sans-serif", FontStyle::Bold, bold).is_ok()
    })
}

/// The hours shown: 6:00–19:00, widened to every hour with a visit.
fn hours(counts: &HourCounts) -> (usize, usize) {
    let used: Vec<usize> =
        counts.0.iter().enumerate().filter(|(_, c)| c.iter().sum::<usize>() > 0).map(|(h, _)| h).collect();
    let first = used.first().copied().unwrap_or(6).min(6);
    let last = used.last().copied().unwrap_or(18).max(18);
    (first, last)
}

fn draw(buf: &mut [u8], size: (u32, u32), title: &Title, counts: &HourCounts) -> Result<(), String> {
    if !fonts() {
        return Err("font".into());
    }
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let root = BitMapBackend::with_buffer(buf, size).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let (first, last) = hours(counts);
    let top = counts.0.iter().map(|c| c.iter().sum::<usize>()).max().unwrap_or(0).max(1);
    let y_max = (top as f64 * 1.15).max(top as f64 + 1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(title.text(counts.total()), ("sans-serif", 22).into_font().style(FontStyle::Bold))
        .margin(14)
        .x_label_area_size(46)
        .y_label_area_size(58)
        .build_cartesian_2d((first as f64 - 0.5)..(last as f64 + 0.5), 0f64..y_max)
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(last - first + 1)
        .x_label_formatter(&|x| format!("{}h", x.round() as i64))
        .y_labels((y_max.ceil() as usize).min(10) + 1)
        .y_label_formatter(&|y| if y.fract().abs() < 1e-9 { format!("{y:.0}") } else { String::new() })
        .x_desc("Giờ trong ngày")
        .y_desc("Số lượt")
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(|x| e(&x))?;
    for (s, (_, words, (r, g, b))) in STATUSES.iter().enumerate() {
        let colour = RGBColor(*r, *g, *b);
        let bars = (first..=last).filter_map(|h| {
            let below: usize = counts.0[h][..s].iter().sum();
            let n = counts.0[h][s];
            (n > 0).then(|| {
                let x = h as f64;
                Rectangle::new([(x - 0.38, below as f64), (x + 0.38, (below + n) as f64)], colour.filled())
            })
        });
        chart
            .draw_series(bars)
            .map_err(|x| e(&x))?
            .label(*words)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    // The count over each bar.
    let labels = (first..=last).filter_map(|h| {
        let n: usize = counts.0[h].iter().sum();
        (n > 0).then(|| {
            Text::new(
                n.to_string(),
                (h as f64, n as f64 + y_max * 0.01),
                TextStyle::from(("sans-serif", 14).into_font()).pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Bottom,
                )),
            )
        })
    });
    chart.draw_series(labels).map_err(|x| e(&x))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}

/// The chart as RGB pixels of `size`.
pub fn rgb(title: &Title, counts: &HourCounts, size: (u32, u32)) -> Result<Vec<u8>, StoreError> {
    let mut buf = vec![255u8; size.0 as usize * size.1 as usize * 3];
    draw(&mut buf, size, title, counts).map_err(|e| {
        StoreError::invalid(format!("Không vẽ được biểu đồ: {e}"), format!("Cannot draw the chart: {e}"))
    })?;
    Ok(buf)
}

/// The chart as PNG bytes.
pub fn png(title: &Title, counts: &HourCounts) -> Result<Vec<u8>, StoreError> {
    let pixels = rgb(title, counts, SIZE)?;
    let img = image::RgbImage::from_raw(SIZE.0, SIZE.1, pixels).unwrap_or_default();
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| {
            StoreError::invalid(format!("Không vẽ được biểu đồ: {e}"), format!("Cannot draw the chart: {e}"))
        })?;
    Ok(png)
}
