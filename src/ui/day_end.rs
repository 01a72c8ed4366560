//! The End-of-day screen: the day's chart (visits per hour by verdict, the same drawing as the exported
//! PNG); export the day (CSV and Excel for people, XML0 check-in files for the HIS, summary with chart)
//! or close it (sealed export with a manifest; check-ins refused afterwards). The folder is the user's
//! Documents folder by default, chosen with the system's dialog otherwise, and opened in the file
//! manager afterwards.

use super::lang::Lang;
use super::state::DeskState;
use super::{Action, Pick, probe};
use crate::export::chart;
use egui::{RichText, Ui};
use std::path::PathBuf;

/// Input state of the End-of-day screen.
#[derive(Default)]
pub struct DayEndScreen {
    /// Where a day's folder goes unless another is chosen (`Launch::exports`).
    pub base: PathBuf,
    pub folder: String,
    pub mask_ids: bool,
    pub confirm_close: bool,
    /// The chart drawn for these counts (drawn again only when they change).
    pub chart: Option<(chart::HourCounts, String, egui::TextureHandle)>,
}

impl DayEndScreen {
    /// The day's chart, drawn by the exporter's code into a texture when the counts or the title change.
    fn chart(&mut self, ui: &mut Ui, lang: Lang, state: &DeskState) {
        let Some((day, visits)) = &state.day else { return };
        let counts = chart::HourCounts::of(visits);
        let (name, code) = state
            .settings
            .as_ref()
            .map(|s| (s.clinic.name.clone(), s.clinic.facility_code.clone()))
            .unwrap_or_default();
        // As wide as the screen, leaving room below for the export and close controls; drawn at the
        // screen's own pixel size so its text stays as readable as the PNG's.
        let width = ui.available_width().min(1400.0);
        let height = (ui.available_height() - 230.0).clamp(180.0, width * 0.45);
        let ppp = ui.ctx().pixels_per_point();
        let pixels = ((width * ppp).round().max(1.0) as u32, (height * ppp).round().max(1.0) as u32);
        let key = format!("{day}|{name}|{code:?}|{pixels:?}");
        let fresh = self.chart.as_ref().is_some_and(|(c, k, _)| *c == counts && *k == key);
        if !fresh {
            let title = chart::Title { clinic: &name, facility_code: code.as_deref(), day: *day };
            match chart::rgb(&title, &counts, pixels) {
                Ok(rgb) => {
                    let image = egui::ColorImage::from_rgb([pixels.0 as usize, pixels.1 as usize], &rgb);
                    let texture = ui.ctx().load_texture("day-chart", image, egui::TextureOptions::LINEAR);
                    self.chart = Some((counts, key, texture));
                }
                Err(e) => {
                    ui.label(e.to_string());
                    return;
                }
            }
        }
        if let Some((_, _, texture)) = &self.chart {
            let r = ui.add(egui::Image::new(texture).fit_to_exact_size(egui::vec2(width, height)));
            probe::note(ui, "day-chart", &r);
            r.on_hover_text(lang.tr(
                "Lượt tiếp đón theo giờ, theo kết quả (không tính lượt đã hủy); cùng hình với tệp PNG khi xuất.",
                "Visits per hour by verdict (voided ones left out); the same picture as the exported PNG.",
            ));
        }
    }
}

impl DayEndScreen {
    pub fn ui(&mut self, ui: &mut Ui, lang: Lang, state: &DeskState) -> Option<Action> {
        let mut action = None;
        let Some((day, visits)) = &state.day else {
            ui.label(lang.tr("Đang tải…", "Loading…"));
            return None;
        };
        if self.folder.is_empty() {
            self.folder = self.base.join(day.format("%Y-%m-%d").to_string()).display().to_string();
        }
        ui.heading(format!("{} {}", lang.tr("Cuối ngày", "End of day"), day.format("%d/%m/%Y")));
        let live = visits.iter().filter(|v| !v.voided).count();
        ui.label(format!(
            "{} {live} ({} {})",
            lang.tr("Lượt khám:", "Visits:"),
            visits.len() - live,
            lang.tr("đã hủy", "voided")
        ));
        self.chart(ui, lang, state);
        ui.horizontal_wrapped(|ui| {
            ui.label(lang.tr("Thư mục xuất:", "Export folder:"));
            ui.label(RichText::new(self.folder.as_str()).monospace());
            let r = ui.button(lang.tr("Chọn thư mục khác…", "Choose another folder…"));
            probe::note(ui, "pick-export-folder", &r);
            if r.clicked() {
                action = Some(Action::Pick(Pick::ExportFolder));
            }
        });
        ui.checkbox(
            &mut self.mask_ids,
            lang.tr(
                "Che số định danh (chỉ giữ 4 số cuối) — cho bản xuất để chia sẻ; không ghi tệp XML0, không dùng khi chốt sổ",
                "Mask ids (keep the last 4) — for a copy to share; no XML0 file is written, and a close is never masked",
            ),
        );
        let out = PathBuf::from(self.folder.trim());
        let ok = !self.folder.trim().is_empty() && !state.busy;
        let export = ui.add_enabled(
            ok,
            egui::Button::new(lang.tr("Xuất CSV, Excel, XML0, tổng hợp", "Export CSV, Excel, XML0, summary")),
        );
        probe::note(ui, "export-button", &export);
        if export.clicked() {
            action = Some(Action::Export { out: out.clone(), mask_ids: self.mask_ids });
        }
        if let Some(done) = &state.exported {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("{} {}", lang.tr("Đã ghi vào:", "Written into:"), done.display()));
                let r = ui.button(lang.tr("Mở thư mục", "Open folder"));
                probe::note(ui, "open-folder", &r);
                if r.clicked() {
                    action = Some(Action::OpenFolder(done.clone()));
                }
            });
        }
        ui.separator();
        ui.label(RichText::new(lang.tr(
            "Chốt sổ: xuất tất cả vào một thư mục mới kèm MANIFEST.json (mã băm SHA-256); sau đó không tiếp đón được cho ngày này.",
            "Close the day: export everything into a new folder with MANIFEST.json (SHA-256 hashes); check-ins for the day are refused afterwards.",
        )));
        ui.checkbox(
            &mut self.confirm_close,
            lang.tr("Tôi đã kiểm tra, chốt sổ ngày hôm nay", "I have checked: close today"),
        );
        let sealed = out.join("sealed");
        if ui
            .add_enabled(ok && self.confirm_close, egui::Button::new(lang.tr("Chốt sổ", "Close the day")))
            .clicked()
        {
            action = Some(Action::CloseDay { out: sealed });
            self.confirm_close = false;
        }
        action
    }
}
