//! The Settings and data screen: clinic facility code and name, desk prefix, the shift's operator,
//! camera and resolution (picked from the cameras found), language, roster import (the file chosen in
//! the system's dialog, progress off the UI thread), database and backup. No path is ever typed.

use super::lang::Lang;
use super::state::DeskState;
use super::{Action, Pick, probe};
use crate::coverage::{FlatType, Level, Profile, ScoreBand};
use crate::scan::source::{CAMERA_SIZE, DemoPace, SourceSpec};
use egui::{Color32, RichText, Ui};
use std::path::PathBuf;

/// Resolutions offered for the camera.
const RESOLUTIONS: [(u32, u32); 3] = [(640, 480), (1280, 720), (1920, 1080)];

/// Input state of the Settings screen.
pub struct SettingsScreen {
    loaded: bool,
    facility: String,
    clinic_name: String,
    desk: String,
    exam_code: String,
    exam_name: String,
    pub camera: String,
    pub resolution: (u32, u32),
    pub roster_path: String,
    pub replace: bool,
    /// Scroll the import controls into view once (a file was just dropped or chosen).
    pub reveal_import: bool,
    /// Read the chosen file's preview (a file was just dropped or chosen).
    pub preview_wanted: bool,
    /// What each column of the previewed file is imported as (the preview's path, then one choice per
    /// column), and how numeric sex codes read.
    mapping: Option<(PathBuf, Vec<String>)>,
    sex_codes: SexCoding,
    /// The clinic server's URL being typed (cleared once sent: it may hold a password).
    server_url: String,
    /// The VSS gateway account being typed (the password is never read back into the field).
    vss_url: String,
    vss_user: String,
    vss_password: String,
    vss_officer: String,
    vss_cccd: String,
}

/// How a numeric sex column reads, as chosen in the preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum SexCoding {
    /// Checked against the citizen ids (1 = Nam, 2 = Nữ unless they disagree).
    #[default]
    Checked,
    NamFirst,
    NuFirst,
}

/// The columns a file's column can be imported as, with their words.
const TARGETS: [(&str, &str, &str); 19] = [
    ("unknown", "— (không dùng)", "— (not used)"),
    ("ignore", "bỏ qua", "ignore"),
    ("card_number", "Mã thẻ BHYT", "Card code"),
    ("bhxh_number", "Mã số BHXH", "BHXH number"),
    ("citizen_id", "Số CCCD", "Citizen id"),
    ("full_name", "Họ và tên", "Full name"),
    ("name_first", "Họ đệm (tên tách đôi)", "Family names (split name)"),
    ("name_last", "Tên (tên tách đôi)", "Given name (split name)"),
    ("birth_date", "Ngày sinh", "Birth date"),
    ("sex", "Giới tính", "Sex"),
    ("address", "Địa chỉ", "Address"),
    ("facility_code", "Nơi ĐKKCB BĐ", "Registered facility"),
    ("valid_from", "Giá trị từ ngày", "Valid from"),
    ("valid_to", "Giá trị đến ngày", "Valid to"),
    ("valid_range", "Giá trị sử dụng (từ – đến)", "Validity (from – to)"),
    ("five_year_date", "Ngày đủ 5 năm", "Five-year date"),
    ("status", "Trạng thái thẻ / kết quả tra cứu", "Card status / check result"),
    ("replaced_by", "Thẻ mới", "New card"),
    ("as_of", "Ngày dữ liệu", "Data date"),
];

fn target_words(name: &str, lang: Lang) -> &'static str {
    TARGETS.iter().find(|(n, ..)| *n == name).map_or("?", |(_, vi, en)| lang.tr(vi, en))
}

impl Default for SettingsScreen {
    fn default() -> Self {
        SettingsScreen {
            loaded: false,
            facility: String::new(),
            clinic_name: String::new(),
            desk: String::new(),
            exam_code: String::new(),
            exam_name: String::new(),
            camera: "0".into(),
            resolution: CAMERA_SIZE,
            roster_path: String::new(),
            replace: false,
            reveal_import: false,
            preview_wanted: false,
            mapping: None,
            sex_codes: SexCoding::Checked,
            server_url: String::new(),
            vss_url: String::new(),
            vss_user: String::new(),
            vss_password: String::new(),
            vss_officer: String::new(),
            vss_cccd: String::new(),
        }
    }
}

fn field(ui: &mut Ui, label: &str, value: &mut String, save: &str) -> bool {
    named_field(ui, None, label, value, save)
}

/// A field and its Save button; with `name`, both are in the UI map (`name`, `name-save`).
fn named_field(ui: &mut Ui, name: Option<&str>, label: &str, value: &mut String, save: &str) -> bool {
    let mut clicked = false;
    ui.horizontal(|ui| {
        let l = ui.label(label);
        let edit = ui.add(egui::TextEdit::singleline(value).desired_width(260.0)).labelled_by(l.id);
        let button = ui.button(save);
        if let Some(name) = name {
            probe::note(ui, name, &edit);
            probe::note(ui, format!("{name}-save"), &button);
        }
        clicked = button.clicked();
    });
    clicked
}

/// The four questions of the clinic profile (what decides the visit category since 2025), each a list
/// in plain words; a change is saved at once.
pub fn profile_editor(ui: &mut Ui, lang: Lang, profile: &Profile) -> Option<Action> {
    let mut action = None;
    let mut ask = |ui: &mut Ui, id: &str, question: &str, current: &str, options: &[(&str, &str, &str)]| {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(question);
            let shown = options
                .iter()
                .find(|o| o.0 == current)
                .map_or(lang.tr("— chưa chọn —", "— not set —"), |o| lang.tr(o.1, o.2));
            let combo =
                egui::ComboBox::from_id_salt(id).selected_text(shown).width(320.0).show_ui(ui, |ui| {
                    for (value, vi, en) in options {
                        let r = ui.selectable_label(*value == current, lang.tr(vi, en));
                        probe::note(ui, format!("profile:{id}={value}"), &r);
                        if r.clicked() && *value != current {
                            action =
                                Some(Action::SetSetting { key: id.to_string(), value: value.to_string() });
                        }
                    }
                });
            probe::note(ui, format!("profile:{id}"), &combo.response);
            combo.response.labelled_by(label.id);
        });
    };
    ask(
        ui,
        "expertise_level",
        lang.tr("Cấp chuyên môn kỹ thuật của cơ sở:", "The clinic's expertise level:"),
        profile.level.map_or("", Level::as_str),
        &[
            ("ban_dau", "Cấp ban đầu", "Primary (cấp ban đầu)"),
            ("co_ban", "Cấp cơ bản", "Basic (cấp cơ bản)"),
            ("chuyen_sau", "Cấp chuyên sâu", "Specialised (cấp chuyên sâu)"),
        ],
    );
    ask(
        ui,
        "flat_100_type",
        lang.tr(
            "Là loại cơ sở hưởng 100 % (TT 01/2025 Điều 3)?",
            "A facility type paid 100 % (TT 01/2025 Art. 3)?",
        ),
        profile.flat_100.map_or("none", FlatType::as_str),
        &[
            ("none", "Không", "No"),
            ("tram_y_te", "Trạm y tế xã, phường, đặc khu", "Commune / ward health station"),
            ("quan_dan_y", "Trạm y tế quân-dân y", "Military-civilian health station"),
            ("y_hoc_gia_dinh", "Phòng khám / trạm y học gia đình", "Family medicine clinic"),
            (
                "ttyt_khu_vuc",
                "TTYT khu vực có giấy phép phòng khám",
                "Area health centre licensed as a clinic",
            ),
            ("y_te_co_quan", "Y tế cơ quan (trạm y tế / phòng khám)", "Workplace health unit"),
            ("quan_doi_cong_an", "Cơ sở ban đầu của quân đội, công an", "Army / police primary facility"),
        ],
    );
    ask(
        ui,
        "score_band",
        lang.tr("Điểm phân hạng (chỉ cấp cơ bản):", "Classification score (basic level only):"),
        profile.score_band.map_or("none", ScoreBand::as_str),
        &[
            ("none", "Không áp dụng", "Not applicable"),
            ("lt50_or_provisional", "Dưới 50 điểm, hoặc xếp cấp tạm thời", "Under 50 points, or provisional"),
            ("50_to_lt70", "Từ 50 đến dưới 70 điểm", "50 to under 70 points"),
        ],
    );
    ask(
        ui,
        "former_tier",
        lang.tr("Tuyến của cơ sở trước 1/1/2025:", "The clinic's tier before 1/1/2025:"),
        profile.former_tier.as_str(),
        &[
            ("none", "Không (mở sau, hoặc chưa xếp tuyến)", "None (opened since, or never ranked)"),
            ("xa", "Tuyến xã", "Commune"),
            ("huyen", "Tuyến huyện", "District"),
            ("tinh", "Tuyến tỉnh", "Provincial"),
            ("trung_uong", "Tuyến trung ương", "Central"),
        ],
    );
    action
}

/// A button that opens a dialog (greyed while another dialog is open), named `name` in the UI map.
fn dialog_button(ui: &mut Ui, name: &str, label: &str, picking: bool) -> bool {
    let r = ui.add_enabled(!picking, egui::Button::new(label));
    probe::note(ui, name, &r);
    r.clicked()
}

impl SettingsScreen {
    /// The preview of the chosen roster file: each column with what it is imported as (a list to
    /// change it), masked samples, and what would stop the import.
    fn preview(&mut self, ui: &mut Ui, lang: Lang, state: &DeskState) {
        let Some(p) =
            state.roster_preview.as_ref().filter(|p| p.path == std::path::Path::new(self.roster_path.trim()))
        else {
            return;
        };
        // A sex coding chosen below answers a contradiction the citizen ids showed.
        let answered = self.sex_codes != SexCoding::Checked;
        for problem in p.problems.iter().filter(|m| !(answered && m.en.contains("sex codes"))) {
            ui.colored_label(egui::Color32::from_rgb(0xd0, 0x30, 0x30), problem.get(lang));
        }
        if p.columns.is_empty() {
            return;
        }
        if self.mapping.as_ref().is_none_or(|(path, _)| *path != p.path) {
            self.mapping = Some((p.path.clone(), p.columns.iter().map(|(_, t, _)| t.clone()).collect()));
            self.sex_codes = SexCoding::Checked;
        }
        let Some((_, choices)) = self.mapping.as_mut() else { return };
        ui.label(lang.tr(
            "Các cột của tệp sẽ được nhập như sau (đổi nếu cần; ví dụ đã che):",
            "The file's columns will be imported as follows (change if needed; examples masked):",
        ));
        egui::Grid::new("roster-preview").striped(true).show(ui, |ui| {
            for (i, ((header, _, samples), choice)) in p.columns.iter().zip(choices.iter_mut()).enumerate() {
                ui.label(header);
                let combo = egui::ComboBox::from_id_salt(("roster-column", i))
                    .selected_text(target_words(choice, lang))
                    .show_ui(ui, |ui| {
                        for (name, ..) in TARGETS {
                            ui.selectable_value(choice, name.to_string(), target_words(name, lang));
                        }
                    });
                probe::note(ui, format!("roster-column:{header}"), &combo.response);
                ui.label(RichText::new(samples.join(" · ")).monospace());
                ui.end_row();
            }
        });
        let sex_numeric = p.columns.iter().zip(choices.iter()).any(|((_, _, samples), c)| {
            c == "sex" && samples.iter().any(|s| s.bytes().all(|b| b.is_ascii_digit() || b == b'*'))
        });
        if sex_numeric {
            ui.horizontal_wrapped(|ui| {
                ui.label(lang.tr("Giới tính ghi bằng số:", "Sex given as numbers:"));
                for (coding, vi, en) in [
                    (SexCoding::Checked, "kiểm theo CCCD", "checked against the citizen ids"),
                    (SexCoding::NamFirst, "1 = Nam, 2 = Nữ", "1 = Nam, 2 = Nữ"),
                    (SexCoding::NuFirst, "1 = Nữ, 2 = Nam", "1 = Nữ, 2 = Nam"),
                ] {
                    let r = ui.radio_value(&mut self.sex_codes, coding, lang.tr(vi, en));
                    probe::note(ui, format!("sex-coding:{coding:?}"), &r);
                }
            });
        }
    }

    /// The `Header=column` mappings the preview's choices make (only what differs from the file's own
    /// reading), as `import-roster --map` takes them.
    fn chosen_map(&self, state: &DeskState) -> Vec<String> {
        let (Some(p), Some((path, choices))) = (state.roster_preview.as_ref(), self.mapping.as_ref()) else {
            return Vec::new();
        };
        if *path != p.path {
            return Vec::new();
        }
        let mut map = Vec::new();
        for ((header, read, _), choice) in p.columns.iter().zip(choices) {
            let codes = match self.sex_codes {
                SexCoding::NamFirst if choice == "sex" => ":1=Nam,2=Nữ",
                SexCoding::NuFirst if choice == "sex" => ":1=Nữ,2=Nam",
                _ => "",
            };
            if (choice != read || !codes.is_empty()) && choice != "unknown" {
                map.push(format!("{header}={choice}{codes}"));
            }
        }
        map
    }

    /// Reads the clinic settings again (another database was opened).
    pub fn reload(&mut self) {
        self.loaded = false;
    }

    pub fn ui(&mut self, ui: &mut Ui, lang: Lang, state: &DeskState, picking: bool) -> Option<Action> {
        let mut action = None;
        if let (false, Some(s)) = (self.loaded, &state.settings) {
            self.facility = s.clinic.facility_code.clone().unwrap_or_default();
            self.clinic_name = s.clinic.name.clone();
            self.desk = s.desk.clone();
            self.exam_code = s.exam.code.clone().unwrap_or_default();
            self.exam_name = s.exam.name.clone().unwrap_or_default();
            self.vss_url = s.vss.url.clone().unwrap_or_default();
            self.vss_user = s.vss.username.clone().unwrap_or_default();
            self.vss_officer = s.vss.officer_name.clone().unwrap_or_default();
            self.vss_cccd = s.vss.officer_cccd.clone().unwrap_or_default();
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
            ui.label(RichText::new(lang.tr(
                "Dịch vụ khám ghi khi tiếp đón (chi phí đầu tiên của tệp check-in XML0), theo danh mục DMDC của cơ sở:",
                "The exam registered at check-in (the first chargeable item of the XML0 check-in file), from the clinic's DMDC list:",
            )));
            if named_field(
                ui,
                Some("exam-code"),
                lang.tr("Mã dịch vụ khám (MA_DICH_VU):", "Exam service code (MA_DICH_VU):"),
                &mut self.exam_code,
                save,
            ) {
                action = Some(Action::SetSetting { key: "exam_service_code".into(), value: self.exam_code.clone() });
            }
            if named_field(
                ui,
                Some("exam-name"),
                lang.tr("Tên dịch vụ khám (TEN_DICH_VU):", "Exam service name (TEN_DICH_VU):"),
                &mut self.exam_name,
                save,
            ) {
                action = Some(Action::SetSetting { key: "exam_service_name".into(), value: self.exam_name.clone() });
            }
            ui.separator();
            ui.heading(lang.tr(
                "Hồ sơ cơ sở (quyết định mã đối tượng và mức quỹ trả)",
                "Clinic profile (decides the category and the fund's share)",
            ));
            if let Some(s) = &state.settings {
                action = profile_editor(ui, lang, &s.clinic.profile).or(action.take());
            }
            ui.separator();
            ui.heading(lang.tr("Tra cứu lại trực tuyến (cổng BHXH)", "Online re-check (VSS gateway)"));
            ui.label(RichText::new(lang.tr(
                "Lượt khám chỉ theo thẻ hoặc chưa xác minh được tra cứu lại qua cổng giám định BHXH khi có mạng, \
                 không bao giờ làm chậm tiếp đón. Gửi: mã thẻ, họ tên, ngày sinh, tên và CCCD cán bộ tra cứu.",
                "Visits decided on the card alone or unverified are re-checked through the VSS gateway when the \
                 network is there, never slowing a check-in. Sent: card code, name, birth date, the officer's name and CCCD.",
            )).weak());
            let vss_fields: [(&str, &str, &str, &mut String); 4] = [
                ("vss_url", "Địa chỉ cổng (https://…):", "Gateway address (https://…):", &mut self.vss_url),
                ("vss_username", "Tài khoản:", "User name:", &mut self.vss_user),
                ("vss_officer_name", "Cán bộ tra cứu (họ tên):", "Checking officer (name):", &mut self.vss_officer),
                ("vss_officer_cccd", "CCCD cán bộ tra cứu:", "Officer's CCCD:", &mut self.vss_cccd),
            ];
            for (key, vi, en, value) in vss_fields {
                if named_field(ui, Some(key), lang.tr(vi, en), value, save) {
                    action = Some(Action::SetSetting { key: key.into(), value: value.trim().to_string() });
                }
            }
            ui.horizontal(|ui| {
                let l = ui.label(lang.tr("Mật khẩu:", "Password:"));
                let set = state.settings.as_ref().is_some_and(|s| s.vss.password.is_some());
                let hint = if set { lang.tr("(đã lưu)", "(saved)") } else { "" };
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.vss_password).password(true).hint_text(hint).desired_width(260.0),
                )
                .labelled_by(l.id);
                probe::note(ui, "vss_password", &edit);
                let button = ui.button(save);
                probe::note(ui, "vss_password-save", &button);
                if button.clicked() && !self.vss_password.is_empty() {
                    let value = std::mem::take(&mut self.vss_password);
                    action = Some(Action::SetSetting { key: "vss_password".into(), value });
                }
            });
            let r = ui.button(lang.tr("Kiểm tra tài khoản", "Test the account"));
            probe::note(ui, "vss-test", &r);
            if r.clicked() {
                action = Some(Action::TestVss);
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
            ui.horizontal_wrapped(|ui| {
                if ui.button(lang.tr("Tìm camera", "Find cameras")).clicked() {
                    action = Some(Action::ListCameras);
                }
                match &state.cameras {
                    None => {
                        ui.label(lang.tr(
                            "Bấm “Tìm camera” để liệt kê camera đang cắm.",
                            "Press “Find cameras” to list the cameras plugged in.",
                        ));
                    }
                    Some(Ok(list)) if list.is_empty() => {
                        ui.label(lang.tr(
                            "Không thấy camera nào. Cắm camera USB rồi bấm “Tìm camera”.",
                            "No camera found. Plug in a USB camera, then press “Find cameras”.",
                        ));
                    }
                    Some(Ok(list)) => {
                        let chosen = list.iter().find(|c| c.device.index == self.camera);
                        let name = chosen.map(|c| c.device.name.clone()).unwrap_or_else(|| "—".into());
                        egui::ComboBox::from_id_salt("camera").selected_text(name).show_ui(ui, |ui| {
                            for c in list {
                                ui.selectable_value(&mut self.camera, c.device.index.clone(), &c.device.name);
                            }
                        });
                        let sizes: Vec<(u32, u32)> = match chosen {
                            Some(c) if !c.resolutions.is_empty() => c.resolutions.clone(),
                            _ => RESOLUTIONS.to_vec(),
                        };
                        egui::ComboBox::from_id_salt("resolution")
                            .selected_text(format!("{}×{}", self.resolution.0, self.resolution.1))
                            .show_ui(ui, |ui| {
                                for r in sizes {
                                    ui.selectable_value(&mut self.resolution, r, format!("{}×{}", r.0, r.1));
                                }
                            });
                        let ok = chosen.is_some();
                        if ui.add_enabled(ok, egui::Button::new(lang.tr("Dùng camera này", "Use this camera"))).clicked() {
                            let which = self.camera.clone();
                            action = Some(Action::UseSource(Some(SourceSpec::Camera { which, size: self.resolution })));
                        }
                    }
                    Some(Err(e)) => {
                        ui.label(format!(
                            "{} {e}",
                            lang.tr("Không liệt kê được camera:", "Cannot list cameras:")
                        ));
                    }
                }
            });
            ui.horizontal_wrapped(|ui| {
                // Demo frames only with demo data: invented patients never reach a real database.
                if state.demo_db && ui.button(lang.tr("Dùng ảnh demo", "Use the demo frames")).clicked() {
                    action = Some(Action::UseSource(Some(SourceSpec::Demo(DemoPace::DESK))));
                }
                if ui.button(lang.tr("Không dùng camera (chỉ máy quét)", "No camera (scanner only)")).clicked() {
                    action = Some(Action::UseSource(None));
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
            ui.heading(lang.tr("Danh sách thẻ BHYT", "Coverage roster"));
            ui.label(format!("{} {}", lang.tr("Số bản ghi:", "Records:"), state.roster_size));
            ui.horizontal_wrapped(|ui| {
                if dialog_button(ui, "pick-roster", lang.tr("Chọn tệp danh sách…", "Choose the list file…"), picking) {
                    action = Some(Action::Pick(Pick::Roster));
                }
                let chosen = self.roster_path.trim();
                if chosen.is_empty() {
                    ui.label(lang.tr("(chưa chọn tệp)", "(no file chosen)"));
                } else {
                    ui.label(RichText::new(chosen).monospace());
                }
            });
            self.preview(ui, lang, state);
            ui.horizontal(|ui| {
                ui.checkbox(
                    &mut self.replace,
                    lang.tr("Thay các thẻ đã nhập từ cùng nguồn", "Replace the cards imported from the same source"),
                );
                let running = state.import.as_ref().is_some_and(|i| i.result.is_none());
                let ok = !self.roster_path.trim().is_empty() && !running;
                let import = ui.add_enabled(ok, egui::Button::new(lang.tr("Nhập", "Import")));
                probe::note(ui, "import-button", &import);
                if std::mem::take(&mut self.reveal_import) {
                    import.scroll_to_me(Some(egui::Align::Center));
                }
                if import.clicked() {
                    action = Some(Action::Import {
                        path: PathBuf::from(self.roster_path.trim()),
                        replace: self.replace,
                        map: self.chosen_map(state),
                    });
                }
            });
            ui.label(lang.tr(
                "Hoặc kéo thả tệp vào cửa sổ: CSV/TSV UTF-8, Excel (.xlsx, .xls, .ods), tệp XML 130 của cơ sở, bảng tra cứu thẻ của HIS.",
                "Or drop the file on the window: UTF-8 CSV/TSV, Excel (.xlsx, .xls, .ods), the clinic's XML 130 files, a HIS card-check table.",
            ));
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
            ui.label(lang.tr(
                "Nhập danh sách lớn ngoài giờ tiếp đón: trong lúc nhập, việc tiếp đón phải chờ.",
                "Import large rosters outside opening hours: check-ins wait while it runs.",
            ));
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
            if let Some(server) = &state.server {
                // Which server, never its password; the desk's file keeps the roster replica.
                let r = ui.label(
                    RichText::new(format!("{} {server}", lang.tr("Máy chủ phòng khám:", "Clinic server:"))).strong(),
                );
                probe::note(ui, "server-shown", &r);
                ui.horizontal_wrapped(|ui| {
                    let r = ui.button(lang.tr("Kiểm tra kết nối", "Test the connection"));
                    probe::note(ui, "test-link", &r);
                    if r.clicked() {
                        action = Some(Action::TestLink);
                    }
                    match &state.link_down {
                        None => ui.label(RichText::new(lang.tr("Máy chủ trả lời.", "The server answers.")).color(Color32::DARK_GREEN)),
                        Some(why) => ui.label(RichText::new(lang.tr(&why.vi, &why.en)).color(Color32::RED)),
                    };
                });
                if let Some(p) = &state.db_path {
                    ui.label(format!("{} {}", lang.tr("Bản sao danh sách thẻ của quầy:", "This desk's roster copy:"), p.display()));
                }
            } else if let Some(p) = &state.db_path {
                ui.label(format!("{} {}", lang.tr("Cơ sở dữ liệu:", "Database:"), p.display()));
            }
            // Several desks on several PCs: the clinic server's address (the IT person gives it).
            ui.horizontal_wrapped(|ui| {
                ui.label(lang.tr("Máy chủ phòng khám (nhiều quầy):", "Clinic server (several desks):"));
                let r = ui.add(
                    egui::TextEdit::singleline(&mut self.server_url)
                        .hint_text("postgres://ban_a:…@may-chu/tiepdon")
                        .desired_width(320.0),
                );
                probe::note(ui, "server-url", &r);
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let b = ui.add_enabled(!self.server_url.trim().is_empty(), egui::Button::new(lang.tr("Kết nối", "Connect")));
                probe::note(ui, "server-connect", &b);
                if (b.clicked() || enter) && !self.server_url.trim().is_empty() {
                    action = Some(Action::OpenLocation(std::mem::take(&mut self.server_url)));
                }
            });
            ui.horizontal_wrapped(|ui| {
                if dialog_button(ui, "pick-database", lang.tr("Mở cơ sở dữ liệu khác…", "Open another database…"), picking) {
                    action = Some(Action::Pick(Pick::Database));
                }
                if dialog_button(ui, "new-database", lang.tr("Tạo cơ sở dữ liệu mới…", "Create a new database…"), picking) {
                    action = Some(Action::Pick(Pick::NewDatabase));
                }
                if ui.button(lang.tr("Sao lưu ngay", "Back up now")).clicked() {
                    action = Some(Action::Backup);
                }
                if let Some(dir) = state.db_path.as_ref().and_then(|p| p.parent()) {
                    let backups = dir.join("backups");
                    if ui
                        .add_enabled(backups.is_dir(), egui::Button::new(lang.tr("Mở thư mục sao lưu", "Open the backup folder")))
                        .clicked()
                    {
                        action = Some(Action::OpenFolder(backups));
                    }
                }
            });
            ui.label(lang.tr(
                "Cơ sở dữ liệu đã chọn được dùng lại ở lần mở sau.",
                "The database chosen is used again next time.",
            ));
        });
        action
    }
}
