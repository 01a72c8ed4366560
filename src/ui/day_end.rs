//! The End-of-day screen: export the day (CSV, XML 130, summary with chart) or close it (sealed export
//! with a manifest; check-ins refused afterwards). The folder is the user's Documents folder by default,
//! chosen with the system's dialog otherwise, and opened in the file manager afterwards.

use super::lang::Lang;
use super::state::DeskState;
use super::{Action, Pick, probe};
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
            lang.tr("Che số định danh (chỉ giữ 4 số cuối)", "Mask ids (keep the last 4)"),
        );
        let out = PathBuf::from(self.folder.trim());
        let ok = !self.folder.trim().is_empty() && !state.busy;
        let export = ui.add_enabled(
            ok,
            egui::Button::new(lang.tr("Xuất CSV, XML 130, tổng hợp", "Export CSV, XML 130, summary")),
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
            action = Some(Action::CloseDay { out: sealed, mask_ids: self.mask_ids });
            self.confirm_close = false;
        }
        action
    }
}
