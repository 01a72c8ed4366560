//! The End-of-day screen: export the day (CSV, XML 130, summary with chart) or close it (sealed export
//! with a manifest; check-ins refused afterwards).

use super::Action;
use super::lang::Lang;
use super::state::DeskState;
use egui::{RichText, Ui};
use std::path::PathBuf;

/// Input state of the End-of-day screen.
#[derive(Default)]
pub struct DayEndScreen {
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
        if self.folder.is_empty()
            && let Some(db) = &state.db_path
        {
            let base = db.parent().map(|p| p.join("exports")).unwrap_or_else(|| PathBuf::from("exports"));
            self.folder = base.join(day.format("%Y-%m-%d").to_string()).display().to_string();
        }
        ui.heading(format!("{} {}", lang.tr("Cuối ngày", "End of day"), day.format("%d/%m/%Y")));
        let live = visits.iter().filter(|v| !v.voided).count();
        ui.label(format!(
            "{} {live} ({} {})",
            lang.tr("Lượt khám:", "Visits:"),
            visits.len() - live,
            lang.tr("đã hủy", "voided")
        ));
        ui.horizontal(|ui| {
            let l = ui.label(lang.tr("Thư mục xuất:", "Export folder:"));
            ui.add(egui::TextEdit::singleline(&mut self.folder).desired_width(420.0)).labelled_by(l.id);
        });
        ui.checkbox(
            &mut self.mask_ids,
            lang.tr("Che số định danh (chỉ giữ 4 số cuối)", "Mask ids (keep the last 4)"),
        );
        let out = PathBuf::from(self.folder.trim());
        let ok = !self.folder.trim().is_empty() && !state.busy;
        if ui
            .add_enabled(
                ok,
                egui::Button::new(lang.tr("Xuất CSV, XML 130, tổng hợp", "Export CSV, XML 130, summary")),
            )
            .clicked()
        {
            action = Some(Action::Export { out: out.clone(), mask_ids: self.mask_ids });
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
