//! Coverage verdicts: a pure function of what was presented (a parsed card), what local data says (an
//! optional [`CoverageRecord`]), the clinic's settings and the time of presentation. No I/O.

pub mod clinic;
pub mod reason;
pub mod record;
pub mod route;

pub use clinic::{Clinic, FlatType, FormerTier, Level, Profile, ScoreBand};
pub use reason::{Args, Code, Reason, Status};
pub use record::{CoverageRecord, RecordStatus, Reduction};
pub use route::{Paper, Pending, Proposal, Share, VisitFacts, VisitKind};

use crate::card::text::{NameMatch, compare_names};
use crate::card::{Card, CardCode, Detection, RejectCode, codes};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// Where the facts behind a verdict come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Local data (roster import or an earlier scan), with its as-of date.
    Roster,
    /// Only what the presented BHYT QR itself prints.
    Qr,
    /// Nothing about coverage: an identity or a number with no local record.
    None,
}

/// The desk's answer for one presentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub status: Status,
    /// The code of the reason that decided the status (`000` when eligible).
    pub code: Code,
    pub message_vi: String,
    pub message_en: String,
    pub next_step_vi: String,
    pub next_step_en: String,
    /// Every reason found, the deciding one first; information-only reasons have status `info`.
    pub reasons: Vec<Reason>,
    pub card_number: Option<String>,
    pub benefit_level: Option<u8>,
    pub benefit_percent: Option<u8>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// Days from the visit date to the last valid day (0 = last day); null when open-ended or unknown.
    pub days_left: Option<i64>,
    /// The proposed visit category (QĐ 3276 MA_DOITUONG_KCB: `1.1`, `1.13`, `3.1` …; `1.1` / `1.2` /
    /// `3.x` for a visit before 2025); provisional: the final code is set when the visit ends.
    pub route: Option<String>,
    /// The fund's share of the costs in scope, in tenths of a percent (400 = half of a level-4 card's
    /// 80 %; 475 for level 3), printed as `fund_percent` (40, 47.5); `None` when it cannot be told (no
    /// category, or the card's level unknown).
    #[serde(rename = "fund_percent", serialize_with = "tenths_as_percent")]
    pub fund_tenths: Option<u16>,
    /// The category's part of that share, in percent of the card's level (100, 50, 40, 0); `None` for
    /// the flat 100 % of category 1.2, and when no category is proposed.
    pub route_percent: Option<u16>,
    /// A diagnosis that would restore the card's full level, told at the end of the visit (`1.16` for
    /// TT 01/2025 Phụ lục II, `1.17` for Phụ lục I).
    pub route_pending: Option<Pending>,
    /// The visit the category was proposed for (outpatient by default, and the facts told at the desk).
    pub visit: VisitFacts,
    pub registered_facility: Option<String>,
    pub clinic_facility: Option<String>,
    pub five_year_date: Option<NaiveDate>,
    pub five_year_reached: Option<bool>,
    pub replaced_by: Option<String>,
    pub source: Source,
    pub data_as_of: Option<NaiveDate>,
    pub data_age_days: Option<i64>,
    /// Local time of presentation.
    pub checked_at: NaiveDateTime,
}

/// Tenths of a percent as a JSON number of percent (400 → 40, 475 → 47.5).
fn tenths_as_percent<S: serde::Serializer>(tenths: &Option<u16>, s: S) -> Result<S::Ok, S::Error> {
    match tenths {
        Some(t) if t.is_multiple_of(10) => s.serialize_u16(t / 10),
        Some(t) => s.serialize_f64(f64::from(*t) / 10.0),
        None => s.serialize_none(),
    }
}

/// The coverage facts a verdict rests on, gathered from the record or the QR.
struct Facts {
    card_code: Option<CardCode>,
    facility: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    five_year: Option<NaiveDate>,
    status: RecordStatus,
    replaced_by: Option<String>,
    as_of: Option<NaiveDate>,
    /// The record's source keeps it current this long (see `CoverageRecord::current_for_days`).
    current_for_days: Option<i64>,
    source: Source,
}

impl Facts {
    fn from_record(r: &CoverageRecord, card: Option<&Card>) -> Facts {
        let qr_code = match card {
            Some(Card::Bhyt(b)) => b.card_code.clone(),
            Some(Card::Number(crate::card::TypedNumber::CardCode(c))) => Some(c.clone()),
            _ => None,
        };
        Facts {
            card_code: r.card_number.clone().or(qr_code),
            facility: r.facility_code.clone(),
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            five_year: r.five_year_date,
            status: r.status,
            replaced_by: r.replaced_by.clone(),
            as_of: Some(r.as_of),
            current_for_days: r.current_for_days,
            source: if r.from_scan { Source::Qr } else { Source::Roster },
        }
    }

    fn from_qr(card: &Card) -> Option<Facts> {
        let Card::Bhyt(b) = card else { return None };
        Some(Facts {
            card_code: b.card_code.clone(),
            facility: b.facility_code.clone(),
            valid_from: b.valid_from,
            valid_to: b.valid_to,
            five_year: b.five_year_date,
            status: RecordStatus::Active,
            replaced_by: None,
            as_of: None,
            current_for_days: None,
            source: Source::Qr,
        })
    }
}

/// Decides coverage for an outpatient presentation at local time `at` (spec §5, §10).
pub fn assess(
    detection: &Detection,
    record: Option<&CoverageRecord>,
    clinic: &Clinic,
    at: NaiveDateTime,
) -> Verdict {
    assess_visit(detection, record, clinic, &VisitFacts::default(), at)
}

/// Decides coverage for a presentation at local time `at`, for the visit described by `visit` (its kind
/// and the facts told at the desk, which change the category and the fund's share).
pub fn assess_visit(
    detection: &Detection,
    record: Option<&CoverageRecord>,
    clinic: &Clinic,
    visit: &VisitFacts,
    at: NaiveDateTime,
) -> Verdict {
    let card = match &detection.result {
        Ok(card) => card,
        Err(why) => {
            let code = match why.code {
                RejectCode::Unreadable => Code::Unreadable,
                RejectCode::CardCode => Code::BadCardCode,
                RejectCode::Province => Code::BadProvince,
                RejectCode::Benefit => Code::BadBenefit,
            };
            let reason = Reason::plain(code).with_detail(&why.detail_vi, &why.detail_en);
            return conclude(vec![reason], None, clinic, visit, at);
        }
    };
    let mut reasons = Vec::new();
    if let Some(r) = record {
        identity_reasons(card, r, &mut reasons);
    }
    // A record whose name or birth date is not the presented person's (060 / 070) says nothing about
    // this person's coverage: only what the card itself prints counts then.
    let other_person = reasons.iter().any(|r| r.status == Some(Status::CannotVerify));
    let facts = match record {
        Some(r) if !other_person => Some(Facts::from_record(r, Some(card))),
        _ => Facts::from_qr(card),
    };
    match &facts {
        Some(f) => coverage_reasons(f, clinic, visit, at.date(), &mut reasons),
        None => reasons.push(Reason::plain(Code::NotFound).with_detail(
            "Chưa có dữ liệu đối chiếu cho số này; cần tra cứu.",
            "No local coverage data for this number; a look-up is needed.",
        )),
    }
    conclude(reasons, facts.as_ref(), clinic, visit, at)
}

fn coverage_reasons(f: &Facts, clinic: &Clinic, visit: &VisitFacts, day: NaiveDate, out: &mut Vec<Reason>) {
    match f.status {
        RecordStatus::Active => {}
        RecordStatus::Revoked => out.push(Reason::plain(Code::Revoked)),
        RecordStatus::Reduced(kind) => out.push(Reason::plain(match kind {
            Reduction::Unspecified => Code::Reduced,
            Reduction::MovedOtherProvince => Code::ReducedOtherProvince,
            Reduction::MovedInProvince => Code::ReducedInProvince,
            Reduction::Reenrolled => Code::ReducedReenrolled,
            Reduction::Stopped => Code::ReducedStopped,
        })),
        RecordStatus::Replaced => {}
    }
    validity_reasons(f, clinic, day, out);
    match &f.card_code {
        None => out.push(Reason::plain(Code::BenefitUnknown)),
        Some(c) => match codes::group(c.group()).map(|g| g.agency) {
            Some(codes::Agency::Defence) => out.push(Reason::plain(Code::Defence)),
            Some(codes::Agency::PublicSecurity) => out.push(Reason::plain(Code::PublicSecurity)),
            _ if c.province() == "97" => out.push(Reason::plain(Code::Defence)),
            _ if c.province() == "98" => out.push(Reason::plain(Code::PublicSecurity)),
            _ => {}
        },
    }
    route_reasons(f, clinic, visit, day, out);
    if let Some(d) = f.five_year.filter(|d| *d <= day) {
        let date = d.format("%d/%m/%Y").to_string();
        out.push(Reason::new(Code::FiveYearsReached, &Args { date: Some(date), ..Args::default() }));
    }
    match (f.source, f.as_of) {
        (Source::Qr, _) => out.push(Reason::plain(Code::CardOnly).with_status(clinic.card_only_status)),
        (Source::Roster, Some(as_of)) => {
            let n = (day - as_of).num_days();
            let args = Args { n: Some(n), ..Args::default() };
            // A source that is renewed only every quarter stays current until its next issue: it warns
            // in its last days, and is too old only once overdue.
            let current = f.current_for_days.unwrap_or(0);
            let (limit, warning) =
                (clinic.stale_limit_days.max(current), clinic.stale_warning_days.max(current - 10));
            if n > limit {
                out.push(Reason::new(Code::DataTooOld, &args));
            } else if n > warning {
                out.push(Reason::new(Code::DataAging, &args));
            }
        }
        _ => {}
    }
}

/// The proposed category and the fund's share (coverage-rules-2025.md): told when the card is registered
/// elsewhere; a reduced share warns, no share at all is not eligible for BHYT, and what the end of the
/// visit may still change is said, not guessed.
fn route_reasons(f: &Facts, clinic: &Clinic, visit: &VisitFacts, day: NaiveDate, out: &mut Vec<Reason>) {
    let Some(facility) = f.facility.as_deref() else { return };
    let here = clinic.facility_code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(facility));
    if day < route::RULES_2025 {
        // The pre-2025 rule, unchanged: a card registered elsewhere needs the category confirmed.
        if route::propose(Some(facility), clinic, visit, day).is_some_and(|p| p.code != "1.1") {
            let args = Args { code: Some(facility.to_string()), ..Args::default() };
            out.push(Reason::new(Code::OtherFacilityPre2025, &args));
        }
        return;
    }
    let Some(p) = route::propose(Some(facility), clinic, visit, day) else {
        if !here && facility.ends_with("000") {
            // A temporary card (a child's, `PP000`-style): no facility to compare, staff set the category.
            out.push(Reason {
                message_vi: format!(
                    "Thẻ tạm, chưa có nơi đăng ký KCB ban đầu ({facility}): nhân viên xác định mã đối tượng."
                ),
                message_en: format!(
                    "A temporary card, no registered facility yet ({facility}): staff set the category."
                ),
                ..Reason::plain(Code::OtherFacility)
            });
            return;
        }
        if clinic.facility_code.is_some()
            && !here
            && day >= route::RULES_2025
            && !clinic.profile.is_complete()
        {
            let reason = Reason::plain(Code::ProfileNotSet);
            let uncovered = clinic.profile.level == Some(crate::coverage::Level::ChuyenSau)
                && matches!(clinic.profile.former_tier, FormerTier::None | FormerTier::Xa);
            out.push(match uncovered {
                false => reason,
                // Set, but a case the list does not cover (a specialised facility never ranked before 2025).
                true => Reason {
                    message_vi: "Hồ sơ cơ sở không thuộc trường hợp nào của danh mục QĐ 3276: chưa đề xuất được mã đối tượng."
                        .into(),
                    message_en: "The clinic profile fits no case of the QĐ 3276 list: no category can be proposed."
                        .into(),
                    next_step_vi: "Tiếp tục; nhân viên xác định mã đối tượng khi khám xong.".into(),
                    next_step_en: "Proceed; staff set the category when the visit ends.".into(),
                    ..reason
                },
            });
        }
        return;
    };
    let card = f.card_code.as_ref().and_then(CardCode::level).and_then(codes::benefit_percent);
    let fund = p.share.and_then(|s| s.fund_tenths(card));
    let route_percent = p.share.and_then(Share::route_percent);
    let share_words = |vi: bool| match (p.share, card) {
        (Some(Share::Flat), _) if vi => "100 % (không phụ thuộc mức hưởng trên thẻ)".to_string(),
        (Some(Share::Flat), _) => "100 % (whatever the card's level)".to_string(),
        (Some(Share::OfCard(_)), Some(_)) if fund.is_some() => {
            route::share_text(fund, route_percent, card, vi).unwrap_or_default()
        }
        _ if vi => "chưa tính được (chưa rõ mức hưởng)".to_string(),
        _ => "not known (benefit level unknown)".to_string(),
    };
    let code = p.code.clone();
    match (p.share, fund) {
        (Some(Share::OfCard(0)), _) => out.push(Reason {
            message_vi: format!(
                "Quỹ BHYT không chi trả lượt này (đối tượng {code}: tự đến, không có phiếu chuyển cơ sở KCB, tại cơ sở này)."
            ),
            message_en: format!("The fund pays nothing for this visit (category {code}: self-referred here, no paper)."),
            ..Reason::plain(Code::NoShare)
        }),
        (Some(Share::OfCard(pm)), _) if pm < 1000 => out.push(Reason {
            message_vi: format!("Quỹ trả {}: đối tượng {code}, tự đến, không có phiếu chuyển cơ sở KCB.", share_words(true)),
            message_en: format!("The fund pays {}: category {code}, self-referred without a transfer paper.", share_words(false)),
            ..Reason::plain(Code::ReducedShare)
        }),
        _ if !here => out.push(Reason {
            message_vi: format!(
                "Nơi đăng ký KCB ban đầu là cơ sở khác ({facility}): đối tượng {code}, quỹ trả {}.",
                share_words(true)
            ),
            message_en: format!(
                "Registered at another facility ({facility}): category {code}, the fund pays {}.",
                share_words(false)
            ),
            ..Reason::plain(Code::OtherFacility)
        }),
        _ => {}
    }
    if let Some(pending) = p.pending {
        let (annex, then) = match pending {
            Pending::AnnexI => ("I", "1.17"),
            Pending::AnnexII => ("II", "1.16"),
        };
        out.push(Reason {
            message_vi: format!(
                "Nếu chẩn đoán thuộc Phụ lục {annex} Thông tư 01/2025/TT-BYT: đối tượng {then}, quỹ trả 100 % × mức hưởng (xác định khi khám xong)."
            ),
            message_en: format!(
                "If the diagnosis is on Annex {annex} of Circular 01/2025/TT-BYT: category {then}, the fund pays 100 % × the card's level (known when the visit ends)."
            ),
            ..Reason::plain(Code::PendingDiagnosis)
        });
    }
}

/// The validity window on the visit day (spec §5.2), and for a replaced card whether the old one still
/// runs (004) or not (003, which then decides instead of 010).
fn validity_reasons(f: &Facts, clinic: &Clinic, day: NaiveDate, out: &mut Vec<Reason>) {
    let replaced = f.status == RecordStatus::Replaced;
    let replacement = Args { code: f.replaced_by.clone(), ..Args::default() };
    match (f.valid_from, f.valid_to) {
        (None, _) => {
            out.push(Reason::plain(Code::NotFound).with_detail(
                "Dữ liệu không có ngày bắt đầu hạn thẻ.",
                "The data has no validity start date.",
            ))
        }
        (Some(from), _) if day < from => out.push(Reason::plain(Code::NotYetValid).with_detail(
            &format!("Hạn thẻ từ {}.", from.format("%d/%m/%Y")),
            &format!("Valid from {from}."),
        )),
        (_, Some(to)) if day > to => {
            let code = if replaced { Code::ReplacedExpired } else { Code::Expired };
            out.push(Reason::new(code, &replacement).with_detail(
                &format!("Hạn thẻ đến {}.", to.format("%d/%m/%Y")),
                &format!("Valid until {to}."),
            ));
        }
        (_, to) => {
            if replaced {
                out.push(Reason::new(Code::ReplacedStillValid, &replacement));
            }
            let Some(to) = to else { return };
            let n = (to - day).num_days();
            if n <= clinic.expiry_warning_days {
                let reason = Reason::new(Code::ExpiringSoon, &Args { n: Some(n), ..Args::default() });
                out.push(if n == 0 {
                    Reason {
                        message_vi: "Thẻ hết hạn sau hôm nay (hôm nay là ngày cuối cùng).".into(),
                        message_en: "The card expires after today (today is its last valid day).".into(),
                        ..reason
                    }
                } else {
                    reason
                });
            }
        }
    }
}

/// Compares the presented identity with the record's (VSS 060 / 061 / 070).
fn identity_reasons(card: &Card, record: &CoverageRecord, out: &mut Vec<Reason>) {
    let (name, birth) = match card {
        Card::Bhyt(b) => (b.full_name.as_deref(), b.birth_date),
        Card::Cccd(c) => (Some(c.full_name.as_str()), Some(c.birth_date)),
        Card::Number(_) => return,
    };
    if let (Some(a), Some(b)) = (name, record.full_name.as_deref()) {
        match compare_names(a, b) {
            NameMatch::Same => {}
            NameMatch::FirstLetterOnly => out.push(Reason::plain(Code::NameFirstLetterOnly)),
            NameMatch::Different => out.push(Reason::plain(Code::NameMismatch)),
        }
    }
    if let (Some(a), Some(b)) = (birth, record.birth_date)
        && !a.agrees_with(&b)
    {
        out.push(Reason::plain(Code::BirthMismatch));
    }
}

/// Orders the reasons (deciding one first), picks the status, and fills the verdict's facts.
fn conclude(
    mut reasons: Vec<Reason>,
    facts: Option<&Facts>,
    clinic: &Clinic,
    visit: &VisitFacts,
    at: NaiveDateTime,
) -> Verdict {
    let status = reasons.iter().filter_map(|r| r.status).max().unwrap_or(Status::Eligible);
    if status == Status::Eligible {
        reasons.insert(0, Reason::plain(Code::Valid));
    } else if let Some(i) = reasons.iter().position(|r| r.status == Some(status)) {
        let decisive = reasons.remove(i);
        reasons.insert(0, decisive);
    }
    if !clinic.online_recheck {
        for r in &mut reasons {
            reason::without_online_recheck(&mut r.next_step_vi, &mut r.next_step_en);
        }
    }
    let day = at.date();
    let head = reasons[0].clone();
    let card_code = facts.and_then(|f| f.card_code.as_ref());
    let benefit_level = card_code.map(CardCode::benefit);
    let proposal = facts.and_then(|f| route::propose(f.facility.as_deref(), clinic, visit, day));
    Verdict {
        status,
        code: head.code,
        message_vi: head.message_vi,
        message_en: head.message_en,
        next_step_vi: head.next_step_vi,
        next_step_en: head.next_step_en,
        card_number: card_code.map(|c| c.as_str().to_string()),
        benefit_level,
        benefit_percent: card_code.and_then(CardCode::level).and_then(codes::benefit_percent),
        valid_from: facts.and_then(|f| f.valid_from),
        valid_to: facts.and_then(|f| f.valid_to),
        days_left: facts.and_then(|f| f.valid_to).map(|to| (to - day).num_days()),
        route: proposal.as_ref().map(|p| p.code.clone()),
        fund_tenths: proposal
            .as_ref()
            .and_then(|p| p.share)
            .and_then(|s| s.fund_tenths(benefit_level.and_then(codes::benefit_percent))),
        route_percent: proposal.as_ref().and_then(|p| p.share).and_then(Share::route_percent),
        route_pending: proposal.as_ref().and_then(|p| p.pending),
        visit: *visit,
        registered_facility: facts.and_then(|f| f.facility.clone()),
        clinic_facility: clinic.facility_code.clone(),
        five_year_date: facts.and_then(|f| f.five_year),
        five_year_reached: facts.and_then(|f| f.five_year).map(|d| d <= day),
        replaced_by: facts.and_then(|f| f.replaced_by.clone()),
        source: facts.map_or(Source::None, |f| f.source),
        data_as_of: facts.and_then(|f| f.as_of),
        data_age_days: facts.and_then(|f| f.as_of).map(|d| (day - d).num_days()),
        checked_at: at,
        reasons,
    }
}
