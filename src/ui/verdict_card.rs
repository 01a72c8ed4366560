//! The verdict card: the status in large words on its colour (never colour alone), who the patient is,
//! the coverage facts behind the verdict, and the one action that fits (check in, confirm anyway,
//! reprint the earlier ticket).

use super::Action;
use super::desk::{Looked, Origin};
use super::lang::Lang;
use super::{fonts, probe};
use crate::card::{Card, Sex};
use crate::coverage::{Paper, Source, Status, Verdict, VisitFacts, VisitKind};
use crate::store::visits::Refusal;
use chrono::NaiveDate;
use egui::{Color32, RichText, Ui};

/// The colour and the words of a status.
pub fn status_look(status: Option<Status>, lang: Lang) -> (Color32, &'static str) {
    match status {
        Some(Status::Eligible) => {
            (Color32::from_rgb(0x1b, 0x7f, 0x3b), lang.tr("ĐỦ ĐIỀU KIỆN BHYT", "ELIGIBLE"))
        }
        Some(Status::EligibleWithWarning) => (
            Color32::from_rgb(0xa8, 0x62, 0x00),
            lang.tr("ĐỦ ĐIỀU KIỆN — CÓ LƯU Ý", "ELIGIBLE — WITH WARNING"),
        ),
        Some(Status::NotEligible) => {
            (Color32::from_rgb(0xb0, 0x1e, 0x1e), lang.tr("KHÔNG ĐỦ ĐIỀU KIỆN BHYT", "NOT ELIGIBLE"))
        }
        Some(Status::CannotVerify) => {
            (Color32::from_rgb(0x5f, 0x63, 0x68), lang.tr("CHƯA XÁC MINH ĐƯỢC", "CANNOT VERIFY"))
        }
        None => (Color32::from_rgb(0x5f, 0x63, 0x68), lang.tr("KHÔNG DÙNG ĐƯỢC", "NOT USABLE")),
    }
}

/// The status a visit was recorded with.
pub fn visit_status(v: &crate::store::visits::Visit) -> Option<Status> {
    Some(v.status)
}

/// `dd/mm/yyyy`.
pub fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// An ISO date (or a year alone) as `dd/mm/yyyy`.
pub fn dmy_text(iso: &str) -> String {
    crate::card::BirthDate::parse_any(iso).map(birth_text).unwrap_or_else(|| iso.to_string())
}

/// A birth date as the desk writes dates: `dd/mm/yyyy`, `mm/yyyy` or `yyyy`, as precise as it is known.
pub fn birth_text(b: crate::card::BirthDate) -> String {
    match b {
        crate::card::BirthDate::Full(d) => dmy(d),
        crate::card::BirthDate::Month(y, m) => format!("{m:02}/{y:04}"),
        crate::card::BirthDate::Year(y) => format!("{y:04}"),
    }
}

fn sex_text(s: Option<Sex>, lang: Lang) -> String {
    match s {
        Some(Sex::Male) => lang.tr("Nam", "Male").into(),
        Some(Sex::Female) => lang.tr("Nữ", "Female").into(),
        None => "—".into(),
    }
}

fn opt(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("—").to_string()
}

/// Whose presentation this is, in words: the name and birth date (or what was presented).
fn who(looked: &Looked, lang: Lang) -> String {
    let patient = looked.look.as_ref().map(|l| &l.patient);
    match patient.and_then(|p| p.full_name.as_deref()).filter(|n| !n.is_empty()) {
        Some(name) => match patient.and_then(|p| p.birth_date.as_deref()) {
            Some(b) => format!("{name} · {}", dmy_text(b)),
            None => name.to_string(),
        },
        None => lang.tr("(không rõ tên)", "(no name)").to_string(),
    }
}

/// Where a presentation came from, in words.
fn origin_words(origin: &Origin, lang: Lang) -> String {
    match origin {
        Origin::Camera { .. } => lang.tr("camera", "camera").into(),
        Origin::Typed => lang.tr("máy quét / bàn phím", "scanner / keyboard").into(),
        Origin::File(name) => format!("{} {name}", lang.tr("ảnh", "image")),
        Origin::Ocr => {
            lang.tr("chữ in trên thẻ (OCR), đã xác nhận", "the card's printed text (OCR), confirmed").into()
        }
    }
}

/// The camera read waiting its turn while another verdict is on screen: who it is, its status, and the
/// way to show it now (F5 or a click).
pub fn waiting(ui: &mut Ui, lang: Lang, next: &Looked) -> Option<Action> {
    let verdict = next.look.as_ref().map(|l| l.verdict.status);
    let (colour, words) = status_look(verdict, lang);
    let mut action = None;
    let frame = egui::Frame::new()
        .stroke(egui::Stroke::new(2.0, colour))
        .corner_radius(6.0)
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(lang.tr("TIẾP THEO (camera):", "NEXT (camera):")).strong());
                ui.label(RichText::new(who(next, lang)).size(18.0).strong());
                ui.label(RichText::new(words).color(colour).strong());
                if ui.button(RichText::new(lang.tr("Xem ngay (F5)", "Show now (F5)")).size(16.0)).clicked() {
                    action = Some(Action::ShowNext);
                }
            });
            ui.label(lang.tr(
                "Kết quả đang hiển thị không bị thay khi bạn đang xử lý: tiếp đón xong, hoặc Esc để bỏ qua, hoặc F5 để xem người tiếp theo.",
                "The verdict on screen is not replaced while you work on it: check it in, or Esc to dismiss it, or F5 to show the next one.",
            ));
        });
    probe::note(ui, "next-slot", &frame.response);
    action
}

/// The visit facts a receptionist can tell, with their shortcuts (Ctrl+1 … Ctrl+6).
pub const FACT_KEYS: [egui::Key; 6] =
    [egui::Key::Num1, egui::Key::Num2, egui::Key::Num3, egui::Key::Num4, egui::Key::Num5, egui::Key::Num6];

/// `visit` with fact `i` (0–5, in [`FACT_KEYS`] order) switched on or off.
pub fn toggle_fact(mut visit: VisitFacts, i: usize) -> VisitFacts {
    let paper = |v: &mut VisitFacts, p: Paper| v.paper = if v.paper == Some(p) { None } else { Some(p) };
    match i {
        0 => {
            visit.kind = match visit.kind {
                VisitKind::Outpatient => VisitKind::Inpatient,
                VisitKind::Inpatient => VisitKind::Outpatient,
            }
        }
        1 => paper(&mut visit, Paper::Transfer),
        2 => paper(&mut visit, Paper::Stay),
        3 => paper(&mut visit, Paper::Appointment),
        4 => visit.emergency = !visit.emergency,
        5 => visit.newborn = !visit.newborn,
        _ => {}
    }
    visit
}

/// The visit's kind and the facts that change the category, each one click or Ctrl+digit away.
fn facts(ui: &mut Ui, lang: Lang, visit: VisitFacts) -> Option<Action> {
    let on = [
        visit.kind == VisitKind::Inpatient,
        visit.paper == Some(Paper::Transfer),
        visit.paper == Some(Paper::Stay),
        visit.paper == Some(Paper::Appointment),
        visit.emergency,
        visit.newborn,
    ];
    let names = [
        lang.tr("Nội trú", "Inpatient"),
        lang.tr("Phiếu chuyển cơ sở KCB", "Transfer paper"),
        lang.tr("Lưu trú nơi khác", "Staying elsewhere"),
        lang.tr("Giấy hẹn khám lại", "Appointment paper"),
        lang.tr("Cấp cứu", "Emergency"),
        lang.tr("Trẻ sơ sinh", "Newborn"),
    ];
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        ui.label(lang.tr("Lượt khám:", "Visit:"));
        for (i, (name, on)) in names.iter().zip(on).enumerate() {
            let r = ui.selectable_label(on, format!("{name} (Ctrl+{})", i + 1));
            probe::note(ui, format!("fact:{}", i + 1), &r);
            if r.clicked() {
                action = Some(Action::SetVisit(toggle_fact(visit, i)));
            }
        }
    });
    action
}

/// Draws the card for a presentation; returns what the receptionist chose.
pub fn show(
    ui: &mut Ui,
    lang: Lang,
    looked: &Looked,
    visit: VisitFacts,
    refusal: Option<&Refusal>,
    busy: bool,
) -> Option<Action> {
    let verdict = looked.look.as_ref().map(|l| &l.verdict);
    let earlier = looked.look.as_ref().and_then(|l| l.earlier.as_ref());
    let (colour, words) = status_look(verdict.map(|v| v.status), lang);
    // Whose verdict this is, in large type, before anything else.
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(who(looked, lang)).font(fonts::bold(30.0)).strong());
        ui.label(RichText::new(format!("({})", origin_words(&looked.origin, lang))).size(15.0).weak());
    });
    egui::Frame::new().fill(colour).corner_radius(8.0).inner_margin(14.0).show(ui, |ui| {
        ui.set_width(ui.available_width());
        if let Some(e) = earlier {
            // The repeat guard is the headline when it applies.
            let headline = if e.other_desk {
                let (vi, en) = (
                    format!("ĐÃ TIẾP ĐÓN HÔM NAY Ở BÀN {} — số", e.desk),
                    format!("ALREADY CHECKED IN TODAY AT DESK {} — ticket", e.desk),
                );
                format!("{} {}", lang.tr(&vi, &en), e.ticket)
            } else {
                format!(
                    "{} {}",
                    lang.tr("ĐÃ TIẾP ĐÓN HÔM NAY — số", "ALREADY CHECKED IN TODAY — ticket"),
                    e.ticket
                )
            };
            ui.label(RichText::new(headline).font(fonts::bold(32.0)).color(Color32::WHITE));
            ui.label(
                RichText::new(format!("{} {} · {words}", lang.tr("lúc", "at"), e.local_time()))
                    .size(20.0)
                    .color(Color32::WHITE),
            );
        } else {
            ui.label(RichText::new(words).font(fonts::bold(34.0)).color(Color32::WHITE));
        }
        let line = match (verdict, &looked.detection.result) {
            (Some(v), _) => format!("{} · {}", v.status.as_str(), v.code.as_str()),
            (None, Err(why)) => why.code.as_str().to_string(),
            (None, Ok(_)) => String::new(),
        };
        ui.label(RichText::new(line).color(Color32::WHITE).monospace());
        let message = match (verdict, &looked.detection.result) {
            (Some(v), _) => lang.tr(&v.message_vi, &v.message_en).to_string(),
            (None, Err(why)) => lang.tr(&why.detail_vi, &why.detail_en).to_string(),
            (None, Ok(_)) => String::new(),
        };
        ui.label(RichText::new(message).size(19.0).color(Color32::WHITE));
        if let Some(v) = verdict {
            ui.label(
                RichText::new(lang.tr(&v.next_step_vi, &v.next_step_en)).size(16.0).color(Color32::WHITE),
            );
        }
    });
    let (Some(look), Ok(card)) = (looked.look.as_ref(), looked.detection.result.as_ref()) else {
        return None;
    };
    // What was repaired or is unusual in what was read (an old card, an input method undone…), where
    // it is seen before Enter.
    for w in looked.detection.warnings() {
        ui.label(
            RichText::new(format!("(!) {}", lang.tr(&w.message_vi, &w.message_en)))
                .size(15.0)
                .color(Color32::from_rgb(0xe0, 0x90, 0x20)),
        );
    }
    // The actions right under the verdict, visible without scrolling on a 1366×768 screen; the
    // details follow.
    ui.add_space(8.0);
    let action = actions(ui, lang, looked.id, look, refusal, busy);
    let action = facts(ui, lang, visit).or(action);
    ui.add_space(8.0);
    let v = &look.verdict;
    let p = &look.patient;
    egui::Grid::new("patient").num_columns(2).spacing([16.0, 6.0]).show(ui, |ui| {
        let mut row = |k: &str, value: String| {
            ui.label(RichText::new(k).weak());
            ui.label(RichText::new(value).size(17.0));
            ui.end_row();
        };
        row(lang.tr("Họ và tên", "Name"), opt(p.full_name.as_deref()));
        row(lang.tr("Ngày sinh", "Birth date"), p.birth_date.as_deref().map(dmy_text).unwrap_or("—".into()));
        row(lang.tr("Giới tính", "Sex"), sex_text(p.sex, lang));
        row(lang.tr("Số thẻ BHYT", "BHYT card"), opt(v.card_number.as_deref().or(p.card_number.as_deref())));
        row(lang.tr("Mã số BHXH", "BHXH number"), opt(p.bhxh_number.as_deref()));
        row(lang.tr("Số CCCD", "Citizen id"), opt(p.citizen_id.as_deref()));
        row(lang.tr("Mức hưởng", "Benefit"), benefit(v));
        row(lang.tr("Hạn thẻ", "Valid"), validity(v, lang));
        row(lang.tr("Nơi ĐKKCB ban đầu", "Registered at"), facility(v, lang));
        // A proposal: the final code is set when the visit ends.
        row(lang.tr("Mã đối tượng (đề xuất)", "Category (proposed)"), category(v, lang));
        row(lang.tr("Đủ 5 năm liên tục", "Five years from"), v.five_year_date.map(dmy).unwrap_or("—".into()));
        row(lang.tr("Nguồn dữ liệu", "Data from"), source(v, lang));
    });
    if let (Card::Cccd(c), Some(rec)) = (card, look.record.as_ref()) {
        ui.add_space(6.0);
        ui.label(RichText::new(lang.tr("Hai giấy tờ của cùng người bệnh", "Both identities")).strong());
        egui::Grid::new("identities").num_columns(3).spacing([16.0, 4.0]).show(ui, |ui| {
            ui.label("");
            ui.label(RichText::new(lang.tr("CCCD", "Citizen card")).weak());
            ui.label(RichText::new(lang.tr("Thẻ BHYT (dữ liệu)", "BHYT record")).weak());
            ui.end_row();
            let record_name = rec.record.full_name.clone().unwrap_or_default();
            let same_name = matches!(
                crate::card::text::compare_names(&c.full_name, &record_name),
                crate::card::text::NameMatch::Same
            );
            let record_birth = rec.record.birth_date.map(|b| b.to_string()).unwrap_or_default();
            let same_birth = rec.record.birth_date.is_some_and(|b| b.agrees_with(&c.birth_date));
            let mut row = |what: &str, a: String, b: String, same: bool| {
                ui.label(what);
                let colour =
                    if same { ui.visuals().text_color() } else { Color32::from_rgb(0xd0, 0x30, 0x30) };
                ui.label(RichText::new(a).color(colour));
                let mark =
                    if same { String::new() } else { format!("  ≠ {}", lang.tr("KHÁC", "DIFFERENT")) };
                ui.label(RichText::new(format!("{b}{mark}")).color(colour).strong());
                ui.end_row();
            };
            row(lang.tr("Họ và tên", "Name"), c.full_name.clone(), opt(Some(&record_name)), same_name);
            row(
                lang.tr("Ngày sinh", "Birth date"),
                birth_text(c.birth_date),
                dmy_text(&record_birth),
                same_birth,
            );
        });
    }
    // Every reason beyond the deciding one (mismatches 060/061/070 among them).
    for r in v.reasons.iter().skip(1) {
        let (c, _) = status_look(r.status, lang);
        let c = if r.status.is_none() { ui.visuals().weak_text_color() } else { c };
        ui.label(
            RichText::new(format!("• {} ({})", lang.tr(&r.message_vi, &r.message_en), r.code.as_str()))
                .color(c),
        );
    }
    action
}

fn actions(
    ui: &mut Ui,
    lang: Lang,
    presentation: u64,
    look: &crate::store::visits::Look,
    refusal: Option<&Refusal>,
    busy: bool,
) -> Option<Action> {
    if let Some(r) = refusal {
        ui.label(RichText::new(lang.tr(&r.message_vi, &r.message_en)).size(17.0).strong());
    }
    if look.closed {
        ui.label(RichText::new(lang.tr(
            "Ngày hôm nay đã chốt sổ: không tiếp đón được nữa (người phụ trách mở lại ở màn hình Cuối ngày).",
            "Today is closed: no more check-ins (a supervisor reopens it from End of day).",
        )));
        return None;
    }
    let mut action = None;
    // When a supervisor PIN is set, an override asks for it beside its button: kept between frames in
    // egui's memory for this presentation only (another patient starts empty), emptied once sent.
    let holder = egui::Id::unique("tiepdon-override-pin");
    let (mut pin, field_id) = {
        let kept: Option<(u64, String)> = ui.data_mut(|d| d.get_temp(holder));
        let pin = kept.filter(|(p, _)| *p == presentation).map(|(_, pin)| pin).unwrap_or_default();
        (pin, egui::Id::unique(("tiepdon-override-pin-field", presentation)))
    };
    let pin_field = |ui: &mut Ui, pin: &mut String| {
        if look.needs_pin {
            let r = ui.add(
                egui::TextEdit::singleline(pin)
                    .id(field_id)
                    .password(true)
                    .hint_text(lang.tr("PIN người phụ trách", "Supervisor PIN"))
                    .desired_width(150.0),
            );
            probe::note(ui, "override-pin", &r);
        }
    };
    ui.add_enabled_ui(!busy, |ui| {
        ui.horizontal_wrapped(|ui| {
            if let Some(e) = &look.earlier {
                ui.label(
                    RichText::new(format!(
                        "{} {} {} {}",
                        lang.tr("Đã tiếp đón hôm nay: số", "Already checked in today: ticket"),
                        e.ticket,
                        lang.tr("lúc", "at"),
                        e.local_time()
                    ))
                    .size(18.0)
                    .strong(),
                );
                ui.end_row();
                if let Some(r) = &e.recheck {
                    // That visit's online re-check, with the gateway's note.
                    let (vi, en) = r.outcome.words();
                    let code = r.result_code.as_deref().unwrap_or("—");
                    let line = format!("{} ({code}): {}", lang.tr(vi, en), r.note);
                    let colour = if r.outcome == crate::gateway::recheck::RecheckOutcome::Different {
                        Color32::from_rgb(0xc6, 0x28, 0x28)
                    } else {
                        ui.visuals().text_color()
                    };
                    let shown = ui.label(RichText::new(line).color(colour));
                    probe::note(ui, format!("earlier-recheck:{}", r.outcome.as_str()), &shown);
                    ui.end_row();
                }
                if e.other_desk {
                    // Another desk's ticket is that desk's to reprint: Enter records nothing here.
                    let (vi, en) = (
                        format!("Lượt này ở bàn {}: in lại số ở bàn đó. Enter không ghi nhận.", e.desk),
                        format!("That visit is at desk {}: reprint it there. Enter records nothing.", e.desk),
                    );
                    let r = ui.label(lang.tr(&vi, &en));
                    probe::note(ui, "other-desk-repeat", &r);
                    ui.end_row();
                } else {
                    let r = ui.button(big(lang.tr("In lại số (Enter)", "Reprint ticket (Enter)")));
                    probe::note(ui, "reprint-button", &r);
                    if r.clicked() {
                        action = Some(Action::Reprint);
                    }
                }
                pin_field(ui, &mut pin);
                let r = ui.button(big(lang.tr("Khám thêm lượt mới", "Another visit today")));
                probe::note(ui, "another-visit-button", &r);
                if r.clicked() {
                    action = Some(Action::CheckIn { force: true, pin: Some(std::mem::take(&mut pin)) });
                }
            } else if look.verdict.status == Status::NotEligible {
                ui.label(lang.tr(
                    "Không đủ điều kiện BHYT: Enter không ghi nhận. Chỉ tiếp đón khi người bệnh đồng ý tự chi trả.",
                    "Not eligible: Enter records nothing. Check in only if the patient agrees to pay.",
                ));
                ui.end_row();
                pin_field(ui, &mut pin);
                let r = ui.button(big(lang.tr("Vẫn tiếp đón (không BHYT)", "Check in anyway (no BHYT)")));
                probe::note(ui, "anyway-button", &r);
                if r.clicked() {
                    action = Some(Action::CheckIn { force: true, pin: Some(std::mem::take(&mut pin)) });
                }
            } else {
                let r = ui.button(big(lang.tr("Tiếp đón (Enter)", "Check in (Enter)")));
                probe::note(ui, "checkin-button", &r);
                if r.clicked() {
                    action = Some(Action::CheckIn { force: false, pin: None });
                }
            }
            let r = ui.button(big(lang.tr("Bỏ qua (Esc)", "Dismiss (Esc)")));
            probe::note(ui, "dismiss-button", &r);
            if r.clicked() {
                action = Some(Action::Clear);
            }
        });
    });
    if matches!(action, Some(Action::CheckIn { force: true, .. })) {
        // Sent: nothing of it stays, not even in the field's undo history.
        ui.data_mut(|d| d.remove::<egui::text_edit::TextEditState>(field_id));
    }
    ui.data_mut(|d| d.insert_temp(holder, (presentation, pin)));
    action
}

fn big(text: &str) -> RichText {
    RichText::new(text).size(20.0)
}

fn benefit(v: &Verdict) -> String {
    match (v.benefit_level, v.benefit_percent) {
        (Some(l), Some(p)) => format!("{l} — {p}%"),
        (Some(l), None) => l.to_string(),
        _ => "—".into(),
    }
}

fn validity(v: &Verdict, lang: Lang) -> String {
    let from = v.valid_from.map(dmy).unwrap_or("…".into());
    let to = v.valid_to.map(dmy).unwrap_or(lang.tr("không thời hạn", "open-ended").into());
    let left = match (v.days_left, lang) {
        (Some(n), Lang::Vi) if n >= 0 => format!(" (còn {n} ngày)"),
        (Some(n), Lang::En) if n >= 0 => format!(" ({n} days left)"),
        (Some(n), Lang::Vi) => format!(" (hết hạn {} ngày trước)", -n),
        (Some(n), Lang::En) => format!(" (expired {} days ago)", -n),
        (None, _) => String::new(),
    };
    if v.valid_from.is_none() && v.valid_to.is_none() {
        "—".into()
    } else {
        format!("{from} – {to}{left}")
    }
}

fn facility(v: &Verdict, lang: Lang) -> String {
    let Some(code) = &v.registered_facility else { return "—".into() };
    let here = v.clinic_facility.as_deref();
    let whose = if code.ends_with("000") {
        lang.tr("thẻ tạm, chưa có nơi đăng ký", "a temporary card, no facility yet")
    } else if here.is_some_and(|h| h.eq_ignore_ascii_case(code)) {
        lang.tr("cơ sở này", "this clinic")
    } else {
        lang.tr("cơ sở khác", "another facility")
    };
    match here {
        Some(_) => format!("{code} ({whose})"),
        None => {
            format!("{code} ({whose}; {})", lang.tr("chưa cài mã cơ sở này", "this clinic's code is not set"))
        }
    }
}

/// The proposed category and what the fund pays: "1.13 — quỹ trả 40 % (50 % × mức hưởng 80 %)".
fn category(v: &Verdict, lang: Lang) -> String {
    let Some(code) = &v.route else { return "—".into() };
    let words = crate::coverage::route::share_text(
        v.fund_tenths,
        v.route_percent,
        v.benefit_percent,
        lang == Lang::Vi,
    );
    let share = match words {
        Some(w) => format!("{} {w}", lang.tr("quỹ trả", "the fund pays")),
        None => lang.tr("chưa tính được mức quỹ trả", "the fund's share not known").to_string(),
    };
    format!("{code} — {share}")
}

fn source(v: &Verdict, lang: Lang) -> String {
    let age = |d: Option<NaiveDate>| match (d, v.data_age_days) {
        (Some(d), Some(n)) => {
            format!(", {} {} ({n} {})", lang.tr("ngày", "as of"), dmy(d), lang.tr("ngày trước", "days ago"))
        }
        _ => String::new(),
    };
    match v.source {
        Source::Roster => format!("{}{}", lang.tr("Danh sách BHXH", "BHXH roster"), age(v.data_as_of)),
        Source::Qr => lang.tr("Chỉ theo mã QR trên thẻ", "Only the card's own QR").into(),
        Source::None => lang.tr("Không có dữ liệu đối chiếu", "No local data").into(),
    }
}
