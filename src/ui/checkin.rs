//! The check-in screen: camera preview and the scanner field on the left, the verdict card (or the
//! ticket just given) on the right, and under it a camera read waiting its turn. Enter in an empty
//! field checks the patient on screen in; a USB 2D scanner types its payload and Enter into the field,
//! which keeps the keyboard focus (taken once when nothing has it, never every frame: on X11 each
//! request restarts the input method). Where typed text goes is `ui::keyboard`'s rule.

use super::desk::Origin;
use super::lang::Lang;
use super::preview::Preview;
use super::state::DeskState;
use super::{Action, fonts, probe, verdict_card};
use crate::store::visits::Visit;
use egui::{Color32, Id, Key, RichText, TextEdit, Ui, Vec2};
use std::path::PathBuf;
use std::time::Instant;

/// The scanner field's id (kept focused while this screen shows).
pub const SCANNER_ID: &str = "scanner-field";

/// The scanner field's egui id.
pub fn scanner_id() -> Id {
    Id::unique(SCANNER_ID)
}

/// Puts the scanner field's caret after its last character (text routed to the field while it did not
/// have the keyboard is then followed, not preceded, by what is typed next).
pub fn caret_to_end(ctx: &egui::Context, field: &str) {
    let end = field.chars().count();
    select(ctx, scanner_id(), end, end);
}

/// Selects characters `from..to` of the text field `id` (an empty range puts the caret there).
pub fn select(ctx: &egui::Context, id: Id, from: usize, to: usize) {
    let mut state = egui::text_edit::TextEditState::load(ctx, id).unwrap_or_default();
    let range = egui::text::CCursorRange::two(egui::text::CCursor::new(from), egui::text::CCursor::new(to));
    state.cursor.set_char_range(Some(range));
    state.store(ctx, id);
}

/// Input state of the check-in screen.
#[derive(Default)]
pub struct CheckinScreen {
    /// What the scanner or the keyboard typed, before Enter.
    pub field: String,
}

impl CheckinScreen {
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        lang: Lang,
        state: &DeskState,
        preview: &Preview,
        now: Instant,
    ) -> Option<Action> {
        let mut action = None;
        let avail = ui.available_size();
        let left = (avail.x * 0.46).max(320.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(left);
                // A card text read waits under the scanner field: the preview gives it room.
                let share = if state.card_text.is_some() { 0.3 } else { 0.55 };
                preview.draw(ui, Vec2::new(left, avail.y * share), &state.source_line(lang));
                ui.add_space(8.0);
                action = self.scanner(ui, lang, state, now).or(action.take());
            });
            ui.separator();
            ui.vertical(|ui| {
                egui::ScrollArea::vertical().id_salt("verdict").show(ui, |ui| {
                    if let Some(next) = &state.next {
                        action = verdict_card::waiting(ui, lang, next).or(action.take());
                        ui.add_space(6.0);
                    }
                    if let Some(looked) = &state.current {
                        let refusal = state.refusal.as_deref();
                        let a = verdict_card::show(ui, lang, looked, state.visit, refusal, state.busy);
                        action = a.or(action.take());
                    } else if let Some(visit) = &state.ticket {
                        ticket(ui, lang, visit);
                    } else {
                        ui.add_space(40.0);
                        ui.label(RichText::new(lang.tr("Sẵn sàng", "Ready")).font(fonts::bold(30.0)));
                        ui.label(RichText::new(lang.tr(
                            "Đưa mã QR (VssID, VNeID, CCCD) trước camera, quét bằng máy quét, hoặc nhập số thẻ.",
                            "Show the QR (VssID, VNeID, CCCD) to the camera, use the scanner, or type the number.",
                        ))
                        .size(17.0));
                    }
                });
            });
        });
        action
    }

    fn scanner(&mut self, ui: &mut Ui, lang: Lang, state: &DeskState, now: Instant) -> Option<Action> {
        let label = ui.label(lang.tr(
            "Máy quét / nhập số thẻ (15 ký tự), mã BHXH (10 số) hoặc CCCD (12 số):",
            "Scanner / type a card code (15 characters), BHXH number (10 digits) or citizen id (12 digits):",
        ));
        let id = scanner_id();
        let response = ui
            .add(
                TextEdit::singleline(&mut self.field)
                    .id(id)
                    .font(egui::TextStyle::Monospace)
                    .desired_width(f32::INFINITY)
                    // Enter does not give the keyboard away: taking it back would restart the input
                    // method, and a scanner's next payload may already be arriving.
                    .return_key(None)
                    .hint_text(lang.tr("quét hoặc gõ rồi nhấn Enter", "scan or type, then Enter")),
            )
            .labelled_by(label.id);
        probe::note(ui, "scanner", &response);
        let focused = ui.memory(|m| m.has_focus(id));
        if focused {
            // No input method here: a Vietnamese one (Telex, VNI) would rewrite a scanner's ASCII
            // ("aa" → "â", "dd" → "đ", tone letters) — the field takes codes and numbers only.
            ui.ctx().output_mut(|o| o.ime = None);
        }
        let mut action = None;
        if focused && ui.input(|i| i.key_pressed(Key::Enter)) {
            action = self.enter(state, now);
        }
        // Keep the keyboard here (a USB scanner types without anyone clicking first) — asked once, when
        // nothing has it, and never while a dialog is open.
        let nothing_focused = ui.memory(|m| m.focused().is_none());
        let modal_open = state.operator.is_none() || egui::Popup::is_any_open(ui.ctx());
        if nothing_focused && !modal_open {
            response.request_focus();
        }
        if let Some(hint) = typing_hint(self.field.trim(), lang) {
            ui.label(RichText::new(hint).size(15.0));
        }
        action = card_text(ui, lang, state).or(action);
        if let Some(err) = &state.typed_error {
            ui.label(RichText::new(err.get(lang)).color(Color32::from_rgb(0xd0, 0x30, 0x30)).size(16.0));
        }
        ui.label(RichText::new(lang.tr(
            "Có thể kéo thả ảnh chụp thẻ (VssID) vào cửa sổ.",
            "You can drop a screenshot of the card (VssID) on the window.",
        )));
        action
    }

    /// Enter in the scanner field (or with no field holding the keyboard): looks the typed text up, or
    /// acts on the verdict on screen.
    pub fn enter(&mut self, state: &DeskState, now: Instant) -> Option<Action> {
        let text = std::mem::take(&mut self.field);
        submit(text.trim(), state, now)
    }
}

/// What Enter does: a typed text is looked up (or an image path opened); an empty field checks in the
/// patient on screen — or reprints the earlier ticket of a repeat — once the verdict has been visible
/// long enough to be read (`state::ENTER_AFTER`).
fn submit(text: &str, state: &DeskState, now: Instant) -> Option<Action> {
    if text.is_empty()
        && let Some(read) = &state.card_text
    {
        // The card text on screen is confirmed: what the read was sure of is looked up.
        let fields = serde_json::to_string(&read.reading.certain()).unwrap_or_default();
        return Some(Action::Look { text: fields, origin: Origin::Ocr });
    }
    if !text.is_empty() {
        let path = PathBuf::from(text.strip_prefix("file://").unwrap_or(text));
        if path.is_absolute() && path.is_file() {
            return Some(Action::OpenImage(path));
        }
        return Some(Action::Look { text: text.to_string(), origin: Origin::Typed });
    }
    let look = state.current.as_ref()?.look.as_ref()?;
    if state.busy || look.closed || !state.enter_ready(now) {
        return None;
    }
    if let Some(e) = &look.earlier {
        // Another desk's visit is reprinted there; Enter records nothing here.
        return (!e.other_desk).then_some(Action::Reprint);
    }
    if look.verdict.status == crate::coverage::Status::NotEligible {
        return None; // only the explicit button confirms
    }
    Some(Action::CheckIn { force: false, pin: None })
}

/// The button that reads the card's printed text (F6), and the fields read, each marked when the read
/// is unsure of it, waiting for Enter.
fn card_text(ui: &mut Ui, lang: Lang, state: &DeskState) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        let button = egui::Button::new(lang.tr("Đọc chữ trên thẻ (F6)", "Read card text (F6)"));
        let response = ui.add_enabled(!state.ocr_busy, button);
        probe::note(ui, "read-card-text", &response);
        if response.clicked() {
            action = Some(Action::ReadCardText);
        }
        if state.ocr_busy {
            ui.spinner();
            let busy = ui.label(lang.tr("Đang đọc chữ trên thẻ…", "Reading the card's text…"));
            probe::note(ui, "ocr-busy", &busy);
        }
    });
    let Some(read) = &state.card_text else { return action };
    let orange = Color32::from_rgb(0xc0, 0x60, 0x00);
    let shown = egui::Frame::group(ui.style()).show(ui, |ui| {
        let layout = match read.reading.layout {
            Some(crate::ocr::ImageLayout::Vssid) => lang.tr("ảnh thẻ VssID", "VssID card image"),
            Some(crate::ocr::ImageLayout::Paper2021) => lang.tr("thẻ giấy", "paper card"),
            Some(crate::ocr::ImageLayout::Vneid) => lang.tr("ví giấy tờ VNeID", "VNeID wallet"),
            None => lang.tr("ảnh", "image"),
        };
        ui.label(
            RichText::new(format!("{} ({layout}, {}):", lang.tr("Chữ đọc được trên thẻ", "Card text read"), read.from))
                .strong(),
        );
        let number_sure = read.reading.certain().card_number.is_some() || read.reading.certain().bhxh_number.is_some();
        ui.label(if number_sure {
            lang.tr(
                "Đối chiếu với người bệnh; Enter: tra cứu theo số đọc được (chỉ dùng các trường chắc chắn). Esc: bỏ.",
                "Check it with the patient; Enter: look up by the number read (sure fields only). Esc: drop it.",
            )
        } else {
            lang.tr(
                "Không đọc chắc được số thẻ: hãy gõ số thẻ, hoặc đưa thẻ gần hơn rồi nhấn F6.",
                "The card number was not read with certainty: type it, or hold the card closer and press F6.",
            )
        });
        let f = &read.reading.fields;
        let c = &read.reading.confidence;
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%d/%m/%Y").to_string());
        let sex = f.sex.map(|s| match s {
            crate::card::Sex::Male => lang.tr("Nam", "Male").to_string(),
            crate::card::Sex::Female => lang.tr("Nữ", "Female").to_string(),
        });
        let rows = [
            (lang.tr("Mã thẻ", "Card code"), f.card_number.clone(), c.card_number),
            (lang.tr("Mã số BHXH", "BHXH number"), f.bhxh_number.clone(), c.bhxh_number),
            (lang.tr("Họ và tên", "Full name"), f.full_name.clone(), c.full_name),
            (lang.tr("Ngày sinh", "Birth date"), date(f.birth_date), c.birth_date),
            (lang.tr("Giới tính", "Sex"), sex, c.sex),
            (lang.tr("Nơi ĐK KCB BĐ", "Registered at"), f.facility_code.clone(), c.facility_code),
            (lang.tr("Hiệu lực từ", "Valid from"), date(f.valid_from), c.valid_from),
            (lang.tr("Hiệu lực đến", "Valid to"), date(f.valid_to), c.valid_to),
            (lang.tr("Đủ 5 năm liên tục", "Five years on"), date(f.five_year_date), c.five_year_date),
        ];
        egui::Grid::new("card-text").num_columns(2).show(ui, |ui| {
            let name_label = lang.tr("Họ và tên", "Full name");
            for (label, value, k) in rows {
                let Some(value) = value else { continue };
                ui.label(label);
                if k.is_some_and(|k| k >= crate::ocr::CERTAIN) {
                    ui.label(RichText::new(value).size(16.0));
                } else if label == name_label && !read.reading.name_words.is_empty() {
                    // The name word by word: the words the read is unsure of in orange, with "?".
                    ui.horizontal(|ui| {
                        ui.spacing_mut().item_spacing.x = 5.0;
                        for (word, k) in &read.reading.name_words {
                            if *k >= crate::ocr::CERTAIN {
                                ui.label(RichText::new(word).size(16.0));
                            } else {
                                ui.label(RichText::new(format!("{word}?")).size(16.0).color(orange).underline());
                            }
                        }
                        ui.label(
                            RichText::new(lang.tr("(chưa chắc, không dùng)", "(unsure, not used)")).color(orange),
                        );
                    });
                } else {
                    ui.label(
                        RichText::new(format!("{value} (?) {}", lang.tr("chưa chắc, không dùng", "unsure, not used")))
                            .size(16.0)
                            .color(orange),
                    );
                }
                ui.end_row();
            }
        });
    });
    probe::note(ui, "card-text", &shown.response);
    action
}

/// A live hint while a number is typed by hand (the exact check happens on Enter).
fn typing_hint(t: &str, lang: Lang) -> Option<String> {
    if t.is_empty() || t.len() > 20 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let n = t.chars().count();
    if t.chars().all(|c| c.is_ascii_digit()) {
        return Some(match n {
            10 => lang.tr("Mã số BHXH (10 số).", "A BHXH number (10 digits).").into(),
            12 => lang.tr("Số CCCD (12 số).", "A citizen id (12 digits).").into(),
            9 => lang.tr("Số CMND cũ (9 số).", "An old 9-digit id.").into(),
            _ => format!(
                "{} {n}",
                lang.tr("Mã BHXH cần 10 số, CCCD 12 số; đã nhập", "BHXH needs 10 digits, CCCD 12; typed")
            ),
        });
    }
    Some(if n == 15 {
        lang.tr("Số thẻ BHYT 15 ký tự.", "A 15-character BHYT card code.").into()
    } else {
        format!(
            "{} {n}/15",
            lang.tr("Số thẻ BHYT cần 15 ký tự; đã nhập", "A BHYT card code has 15 characters; typed")
        )
    })
}

/// The ticket just given, big enough to read across the desk.
fn ticket(ui: &mut Ui, lang: Lang, visit: &Visit) {
    ui.add_space(10.0);
    ui.label(RichText::new(lang.tr("SỐ THỨ TỰ", "TICKET")).font(fonts::bold(22.0)));
    ui.label(
        RichText::new(&visit.ticket).font(fonts::bold(110.0)).color(Color32::from_rgb(0x1b, 0x7f, 0x3b)),
    );
    if let Some(name) = &visit.full_name {
        ui.label(RichText::new(name).size(26.0));
    }
    let at = visit.local_time();
    let (colour, words) = verdict_card::status_look(verdict_card::visit_status(visit), lang);
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{} {at} ·", lang.tr("Lúc", "At"))).size(16.0));
        ui.label(RichText::new(words).size(16.0).color(colour).strong());
    });
    if !visit.overrides.is_empty() {
        ui.label(RichText::new(
            lang.tr("Tiếp đón có xác nhận (đã ghi nhật ký).", "Checked in with a confirmation (audited)."),
        ));
    }
    ui.add_space(16.0);
    ui.label(
        RichText::new(lang.tr("Sẵn sàng cho người tiếp theo.", "Ready for the next patient.")).size(18.0),
    );
}
