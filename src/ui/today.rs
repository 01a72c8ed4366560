//! The Today screen: the day's visits (ticket, time, name, verdict, operator), search by name or
//! number, counts per verdict, and voiding a visit with a reason.

use super::lang::Lang;
use super::state::DeskState;
use super::verdict_card::{status_look, visit_status};
use super::{Action, probe};
use crate::card::text::fold_name_ascii;
use crate::coverage::Status;
use crate::gateway::recheck::RecheckOutcome;
use crate::store::visits::Visit;
use egui::{RichText, Ui};

/// Input state of the Today screen.
#[derive(Default)]
pub struct TodayScreen {
    pub search: String,
    /// The ticket being voided, and the reason typed.
    pub voiding: Option<String>,
    pub reason: String,
    /// The reason field has just opened: give it the keyboard (once).
    focus_reason: bool,
    /// Only the visits whose online re-check stands so (None: all).
    pub recheck_filter: Option<RecheckOutcome>,
}

fn matches(v: &Visit, needle: &str) -> bool {
    let fields =
        [v.full_name.as_deref(), v.card_number.as_deref(), v.bhxh_number.as_deref(), v.citizen_id.as_deref()];
    any_contains(&fields, &v.ticket, needle)
}

/// Whether any field contains `needle`, ignoring case and accents ("nghia" finds "Nghĩa").
fn any_contains(fields: &[Option<&str>], ticket: &str, needle: &str) -> bool {
    if needle.trim().is_empty() {
        return true;
    }
    let n = fold_name_ascii(needle);
    fields.iter().flatten().chain([&ticket]).any(|f| fold_name_ascii(f).contains(&n))
}

/// A visit not on the clinic server yet (a desk keeping on while it is away).
const UNSENT: egui::Color32 = egui::Color32::from_rgb(0xb2, 0x6a, 0x00);
/// A patient checked in at two desks: a supervisor voids one.
const PAIR: egui::Color32 = egui::Color32::from_rgb(0xc6, 0x28, 0x28);

/// How Today colours a re-check's outcome.
fn recheck_colour(o: RecheckOutcome) -> egui::Color32 {
    match o {
        RecheckOutcome::Confirmed => egui::Color32::from_rgb(0x2e, 0x9d, 0x4f),
        RecheckOutcome::Different => PAIR,
        RecheckOutcome::Refused => UNSENT,
        RecheckOutcome::Waiting => egui::Color32::GRAY,
    }
}

/// A visit's online re-check: its outcome and code, the gateway's note on hover; an answer other
/// than the desk's verdict stands out for the receptionist or a supervisor.
fn recheck_cell(ui: &mut Ui, lang: Lang, v: &Visit) {
    let Some(r) = &v.recheck else {
        ui.label("");
        return;
    };
    let (vi, en) = r.outcome.words();
    let code = r.result_code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
    let mut words = RichText::new(format!("{}{code}", lang.tr(vi, en))).color(recheck_colour(r.outcome));
    if r.outcome == RecheckOutcome::Different {
        words = words.strong();
    }
    let cell = ui.add(egui::Label::new(words).extend()).on_hover_text(&r.note);
    probe::note(ui, format!("recheck:{}:{}", v.ticket, r.outcome.as_str()), &cell);
}

/// What the clinic server knows of a visit: not sent yet, and the same patient at another desk.
fn marks(ui: &mut Ui, lang: Lang, v: &Visit) {
    ui.vertical(|ui| {
        if v.unsent {
            let words = RichText::new(lang.tr("chờ đồng bộ", "waiting to sync")).color(UNSENT);
            let r = ui.add(egui::Label::new(words).extend());
            probe::note(ui, format!("unsent:{}", v.ticket), &r);
        }
        if !v.also_at.is_empty() && !v.voided {
            let tickets = v.also_at.join(", ");
            let (vi, en) = (
                format!("(!) trùng với {tickets} — người phụ trách hủy một lượt"),
                format!("(!) same patient as {tickets} — a supervisor voids one"),
            );
            let r = ui.add(egui::Label::new(RichText::new(lang.tr(&vi, &en)).color(PAIR).strong()).extend());
            probe::note(ui, format!("pair:{}", v.ticket), &r);
        }
    });
}

impl TodayScreen {
    pub fn ui(&mut self, ui: &mut Ui, lang: Lang, state: &DeskState) -> Option<Action> {
        let mut action = None;
        let Some((day, visits)) = &state.day else {
            ui.label(lang.tr("Đang tải…", "Loading…"));
            return None;
        };
        ui.horizontal(|ui| {
            ui.heading(format!("{} {}", lang.tr("Lượt khám ngày", "Visits of"), day.format("%d/%m/%Y")));
            if ui.button(lang.tr("Tải lại", "Reload")).clicked() {
                action = Some(Action::ReloadDay);
            }
        });
        let live: Vec<&Visit> = visits.iter().filter(|v| !v.voided).collect();
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{}: {}", lang.tr("Tổng", "Total"), live.len()));
            for s in
                [Status::Eligible, Status::EligibleWithWarning, Status::CannotVerify, Status::NotEligible]
            {
                let n = live.iter().filter(|v| visit_status(v) == Some(s)).count();
                let (colour, words) = status_look(Some(s), lang);
                ui.label(RichText::new(format!("{words}: {n}")).color(colour).strong());
            }
            let voided = visits.len() - live.len();
            ui.label(format!("{}: {voided}", lang.tr("Đã hủy", "Voided")));
            let unsent = live.iter().filter(|v| v.unsent).count();
            if unsent > 0 {
                let r = ui.label(
                    RichText::new(format!(
                        "{}: {unsent}",
                        lang.tr("Chưa lên máy chủ", "Not on the server yet")
                    ))
                    .color(UNSENT)
                    .strong(),
                );
                probe::note(ui, format!("today-unsent:{unsent}"), &r);
            }
            let pairs = live.iter().filter(|v| !v.also_at.is_empty()).count();
            if pairs > 0 {
                let r = ui.label(
                    RichText::new(format!("{}: {pairs}", lang.tr("Trùng ở hai bàn", "At two desks")))
                        .color(PAIR)
                        .strong(),
                );
                probe::note(ui, format!("today-pairs:{pairs}"), &r);
            }
        });
        if let Some(m) = &state.recheck_stopped {
            let r = ui.label(
                RichText::new(format!(
                    "{} {}",
                    lang.tr("Tra cứu BHXH đã dừng:", "VSS re-check stopped:"),
                    m.get(lang)
                ))
                .color(PAIR)
                .strong(),
            );
            probe::note(ui, "recheck-stopped", &r);
        }
        if live.iter().any(|v| v.recheck.is_some()) {
            // The online re-check: a filter, with how many stand each way.
            ui.horizontal_wrapped(|ui| {
                ui.label(lang.tr("Tra cứu BHXH:", "VSS re-check:"));
                let all = ui.selectable_label(self.recheck_filter.is_none(), lang.tr("tất cả", "all"));
                if all.clicked() {
                    self.recheck_filter = None;
                }
                for o in RecheckOutcome::ALL {
                    let n =
                        live.iter().filter(|v| v.recheck.as_ref().is_some_and(|r| r.outcome == o)).count();
                    let (vi, en) = o.words();
                    let words = RichText::new(format!("{}: {n}", lang.tr(vi, en))).color(recheck_colour(o));
                    let r = ui.selectable_label(self.recheck_filter == Some(o), words);
                    probe::note(ui, format!("recheck-filter:{}:{n}", o.as_str()), &r);
                    if r.clicked() {
                        self.recheck_filter = (self.recheck_filter != Some(o)).then_some(o);
                    }
                }
            });
        }
        ui.horizontal(|ui| {
            let label =
                ui.label(lang.tr("Tìm (tên, số thẻ, CCCD, số thứ tự):", "Search (name, card, id, ticket):"));
            let r = ui.text_edit_singleline(&mut self.search).labelled_by(label.id);
            probe::note(ui, "today-search", &r);
        });
        if let Some(ticket) = self.voiding.clone() {
            ui.group(|ui| {
                ui.horizontal(|ui| {
                    let label = ui.label(format!(
                        "{} {ticket} — {}",
                        lang.tr("Hủy lượt", "Void"),
                        lang.tr("lý do:", "reason:")
                    ));
                    let r = ui.text_edit_singleline(&mut self.reason).labelled_by(label.id);
                    probe::note(ui, "void-reason", &r);
                    if std::mem::take(&mut self.focus_reason) {
                        r.request_focus();
                    }
                    let entered = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    let ok = !self.reason.trim().is_empty() && !state.busy;
                    let confirm =
                        ui.add_enabled(ok, egui::Button::new(lang.tr("Xác nhận hủy", "Confirm void")));
                    probe::note(ui, "void-confirm", &confirm);
                    if ok && (confirm.clicked() || entered) {
                        action = Some(Action::Void {
                            ticket: ticket.clone(),
                            reason: self.reason.trim().to_string(),
                        });
                        self.voiding = None;
                        self.reason.clear();
                    }
                    let cancel = ui.button(lang.tr("Thôi (Esc)", "Cancel (Esc)"));
                    probe::note(ui, "void-cancel", &cancel);
                    if cancel.clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        self.voiding = None;
                    }
                });
            });
        }
        let needle = self.search.trim().to_string();
        egui::ScrollArea::vertical().id_salt("today").show(ui, |ui| {
            egui::Grid::new("visits").striped(true).num_columns(9).spacing([14.0, 6.0]).show(ui, |ui| {
                for h in [
                    lang.tr("Số", "Ticket"),
                    lang.tr("Giờ", "Time"),
                    lang.tr("Họ và tên", "Name"),
                    lang.tr("Số thẻ / CCCD", "Card / id"),
                    lang.tr("Kết quả", "Verdict"),
                    lang.tr("Tra cứu BHXH", "VSS re-check"),
                    lang.tr("Người tiếp đón", "Operator"),
                    lang.tr("Ghi chú", "Note"),
                    "",
                ] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                let wanted = |v: &Visit| {
                    self.recheck_filter.is_none_or(|o| v.recheck.as_ref().is_some_and(|r| r.outcome == o))
                };
                for v in visits.iter().filter(|v| matches(v, &needle) && wanted(v)) {
                    let text = |t: &str| {
                        if v.voided { RichText::new(t).strikethrough().weak() } else { RichText::new(t) }
                    };
                    ui.label(text(&v.ticket).monospace());
                    ui.label(text(v.local_time()));
                    ui.label(text(v.full_name.as_deref().unwrap_or("—")));
                    let id =
                        v.card_number.as_deref().or(v.citizen_id.as_deref()).or(v.bhxh_number.as_deref());
                    ui.label(text(id.unwrap_or("—")).monospace());
                    let (colour, words) = status_look(visit_status(v), lang);
                    if v.voided {
                        // A voided visit's verdict no longer counts: no colour, struck through.
                        ui.label(text(words));
                    } else {
                        ui.label(RichText::new(words).color(colour));
                    }
                    recheck_cell(ui, lang, v);
                    ui.label(text(&v.operator));
                    marks(ui, lang, v);
                    if v.voided {
                        ui.label(format!(
                            "{}: {}",
                            lang.tr("đã hủy", "voided"),
                            v.void_reason.as_deref().unwrap_or("")
                        ));
                    } else {
                        let r = ui.button(format!("{} {}", lang.tr("Hủy", "Void"), v.ticket));
                        probe::note(ui, format!("void:{}", v.ticket), &r);
                        if r.clicked() {
                            self.voiding = Some(v.ticket.clone());
                            self.reason.clear();
                            self.focus_reason = true;
                        }
                    }
                    ui.end_row();
                }
            });
        });
        action
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_ignores_accents_and_case() {
        let fields = [Some("Bùi Văn Minh Nghĩa"), Some("HT3797917199208"), None, None];
        assert!(super::any_contains(&fields, "A-001", "nghia"));
        assert!(super::any_contains(&fields, "A-001", "BÙI văn"));
        assert!(super::any_contains(&fields, "A-001", "ht37979"));
        assert!(super::any_contains(&fields, "A-001", "a-001"));
        assert!(!super::any_contains(&fields, "A-001", "nghiem"));
    }
}
