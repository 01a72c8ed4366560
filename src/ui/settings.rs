//! The Settings and data screen: clinic facility code and name, desk prefix, the shift's operator,
//! camera and resolution, language, roster import (progress off the UI thread), database and backup.

use super::Action;
use super::lang::Lang;
use super::state::DeskState;
use crate::scan::source::{CAMERA_SIZE, DemoPace, SourceSpec};
use egui::{RichText, Ui};
use std::path::PathBuf;

/// Resolutions offered for the camera.
const RESOLUTIONS: [(u32, u32); 3] = [(640, 480), (1280, 720), (1920, 1080)];

/// Input state of the Settings screen.
pub struct SettingsScreen {
    loaded: bool,
    facility: String,
    clinic_name: String,
    desk: String,
    pub camera: String,
    pub resolution: (u32, u32),
    pub roster_path: String,
    pub replace: bool,
}

impl Default for SettingsScreen {
    fn default() -> Self {
        SettingsScreen {
            loaded: false,
            facility: String::new(),
            clinic_name: String::new(),
            desk: String::new(),
            camera: "0".into(),
            resolution: CAMERA_SIZE,
            roster_path: String::new(),
            replace: false,
        }
    }
}

fn field(ui: &mut Ui, label: &str, value: &mut String, save: &str) -> bool {
    let mut clicked = false;
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::TextEdit::singleline(value).desired_width(260.0)).labelled_by(l.id);
        clicked = ui.button(save).clicked();
    });
    clicked
}

impl SettingsScreen {
    pub fn ui(&mut self, ui: &mut Ui, lang: Lang, state: &DeskState) -> Option<Action> {
        let mut action = None;
        if let (false, Some(s)) = (self.loaded, &state.settings) {
            self.facility = s.clinic.facility_code.clone().unwrap_or_default();
            self.clinic_name = s.clinic.name.clone();
            self.desk = s.desk.clone();
            self.loaded = true;
        }
        let save = lang.tr("Lưu", "Save");
        egui::ScrollArea::vertical().id_salt("settings").show(ui, |ui| {
            ui.heading(lang.tr("Cơ sở khám bệnh", "Clinic"));
            if field(
                ui,
                lang.tr("Mã cơ sở (MA_CSKCB):", "Facility code (MA_CSKCB):"),
                &mut self.facility,
                save,
            ) {
                action =
                    Some(Action::SetSetting { key: "facility_code".into(), value: self.facility.clone() });
            }
            if field(ui, lang.tr("Tên cơ sở:", "Clinic name:"), &mut self.clinic_name, save) {
                action =
                    Some(Action::SetSetting { key: "clinic_name".into(), value: self.clinic_name.clone() });
            }
            if field(ui, lang.tr("Bàn tiếp đón (tiền tố số):", "Desk (ticket prefix):"), &mut self.desk, save)
            {
                action = Some(Action::SetSetting { key: "desk".into(), value: self.desk.clone() });
            }
            ui.separator();
            ui.heading(lang.tr("Ca làm việc", "Shift"));
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} {}",
                    lang.tr("Người tiếp đón:", "Operator:"),
                    state.operator.as_deref().unwrap_or("—")
                ));
                if ui.button(lang.tr("Đổi người tiếp đón", "Change operator")).clicked() {
                    action = Some(Action::AskOperator);
                }
            });
            ui.separator();
            ui.heading(lang.tr("Camera", "Camera"));
            ui.horizontal(|ui| {
                let l = ui.label(lang.tr("Camera (số hoặc tên):", "Camera (index or name):"));
                ui.add(egui::TextEdit::singleline(&mut self.camera).desired_width(120.0)).labelled_by(l.id);
                egui::ComboBox::from_id_salt("resolution")
                    .selected_text(format!("{}×{}", self.resolution.0, self.resolution.1))
                    .show_ui(ui, |ui| {
                        for r in RESOLUTIONS {
                            ui.selectable_value(&mut self.resolution, r, format!("{}×{}", r.0, r.1));
                        }
                    });
                if ui.button(lang.tr("Dùng camera này", "Use this camera")).clicked() {
                    let which = self.camera.trim().to_string();
                    action = Some(Action::UseSource(Some(SourceSpec::Camera { which, size: self.resolution })));
                }
                // Demo frames only with demo data: invented patients never reach a real database.
                if state.demo_db && ui.button(lang.tr("Dùng ảnh demo", "Use the demo frames")).clicked() {
                    action = Some(Action::UseSource(Some(SourceSpec::Demo(DemoPace::DESK))));
                }
                if ui.button(lang.tr("Không dùng camera", "No camera")).clicked() {
                    action = Some(Action::UseSource(None));
                }
            });
            ui.horizontal_wrapped(|ui| {
                if ui.button(lang.tr("Tìm camera", "Find cameras")).clicked() {
                    action = Some(Action::ListCameras);
                }
                match &state.cameras {
                    Some(Ok(list)) if list.is_empty() => {
                        ui.label(lang.tr("Không thấy camera nào.", "No camera found."));
                    }
                    Some(Ok(list)) => {
                        for (index, name) in list {
                            if ui
                                .selectable_label(self.camera == *index, format!("{index}: {name}"))
                                .clicked()
                            {
                                self.camera = index.clone();
                            }
                        }
                    }
                    Some(Err(e)) => {
                        ui.label(format!(
                            "{} {e}",
                            lang.tr("Không liệt kê được camera:", "Cannot list cameras:")
                        ));
                    }
                    None => {}
                }
            });
            ui.label(RichText::new(state.source_line(lang)).weak());
            ui.separator();
            ui.heading(lang.tr("Ngôn ngữ", "Language"));
            ui.horizontal(|ui| {
                for (l, name) in [(Lang::Vi, "Tiếng Việt"), (Lang::En, "English")] {
                    if ui.selectable_label(lang == l, name).clicked() && lang != l {
                        action = Some(Action::SetLang(l));
                    }
                }
            });
            ui.separator();
            ui.heading(lang.tr("Danh sách thẻ BHYT (roster)", "Coverage roster"));
            ui.label(format!("{} {}", lang.tr("Số bản ghi:", "Records:"), state.roster_size));
            ui.horizontal(|ui| {
                let l = ui.label(lang.tr("Tệp CSV:", "CSV file:"));
                ui.add(egui::TextEdit::singleline(&mut self.roster_path).desired_width(360.0))
                    .labelled_by(l.id);
                ui.checkbox(&mut self.replace, lang.tr("Thay toàn bộ", "Replace all"));
                let running = state.import.as_ref().is_some_and(|i| i.result.is_none());
                let ok = !self.roster_path.trim().is_empty() && !running;
                if ui.add_enabled(ok, egui::Button::new(lang.tr("Nhập", "Import"))).clicked() {
                    action = Some(Action::Import {
                        path: PathBuf::from(self.roster_path.trim()),
                        replace: self.replace,
                    });
                }
            });
            ui.label(
                RichText::new(
                    lang.tr("Hoặc kéo thả tệp CSV vào cửa sổ.", "Or drop the CSV file on the window."),
                )
                .weak()
                .small(),
            );
            if let Some(imp) = &state.import {
                let fraction = if imp.total > 0 { imp.done as f32 / imp.total as f32 } else { 0.0 };
                match &imp.result {
                    None => {
                        ui.add(egui::ProgressBar::new(fraction).show_percentage().text(imp.file.clone()));
                    }
                    Some(Ok(m)) => {
                        ui.label(m.get(lang));
                    }
                    Some(Err(m)) => {
                        ui.colored_label(egui::Color32::from_rgb(0xd0, 0x30, 0x30), m.get(lang));
                    }
                }
            }
            ui.label(
                RichText::new(lang.tr(
                    "Nhập danh sách lớn ngoài giờ tiếp đón: trong lúc nhập, việc tiếp đón phải chờ.",
                    "Import large rosters outside opening hours: check-ins wait while it runs.",
                ))
                .weak()
                .small(),
            );
            ui.separator();
            ui.heading(lang.tr("Dữ liệu", "Data"));
            if state.demo_db {
                ui.label(RichText::new(lang.tr(
                    "Đang dùng dữ liệu demo (người giả). Khi sẵn sàng, chuyển sang cơ sở dữ liệu thật rồi nhập danh sách thẻ.",
                    "Demo data (invented people) is in use. When ready, switch to the real database, then import the roster.",
                )).strong());
                if ui.button(lang.tr("Bắt đầu dùng thật", "Start for real")).clicked() {
                    action = Some(Action::LeaveDemo);
                }
            }
            if let Some(p) = &state.db_path {
                ui.label(format!("{} {}", lang.tr("Cơ sở dữ liệu:", "Database:"), p.display()));
            }
            ui.label(
                RichText::new(lang.tr(
                    "Đổi vị trí: chạy tiepdon --db ĐƯỜNG_DẪN (hoặc biến TIEPDON_DB).",
                    "To move it: run tiepdon --db PATH (or set TIEPDON_DB).",
                ))
                .weak(),
            );
            if ui.button(lang.tr("Sao lưu ngay", "Back up now")).clicked() {
                action = Some(Action::Backup);
            }
        });
        action
    }
}
