//! The day in numbers: counts per verdict status and code, per proposed visit category, per operator
//! and per hour; the visits to
//! re-check when the network is back (CANNOT_VERIFY); the visits whose 15-character card code is
//! still needed for the claim file; the visits held back from the check-in file until their card is
//! looked up, with what each lacks.

use super::{Day, xml0};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    pub ticket: String,
    pub checked_in_at: String,
    pub full_name: Option<String>,
    pub bhxh_number: String,
    pub citizen_id: String,
    pub code: String,
}

impl Pending {
    /// A visit as the summary lists it (its ids masked when the day is).
    fn of(day: &Day, v: &crate::store::visits::Visit) -> Pending {
        Pending {
            ticket: v.ticket.clone(),
            checked_in_at: v.checked_in_at.clone(),
            full_name: v.full_name.clone(),
            bhxh_number: day.id(v.bhxh_number.as_deref()),
            citizen_id: day.id(v.citizen_id.as_deref()),
            code: v.code.clone(),
        }
    }
}

/// A visit held back from the XML0 check-in file.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    #[serde(flatten)]
    pub visit: Pending,
    /// What it lacks: `card_code`, `registered`, `valid_from`, `valid_to`, `category`, `name`, `birth_date`.
    pub missing: Vec<xml0::Missing>,
    /// The same in words (Vietnamese / English).
    pub missing_vi: String,
    pub missing_en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub day: String,
    pub facility_code: Option<String>,
    /// Visits not voided.
    pub visits: usize,
    pub voided: usize,
    pub repeats: usize,
    pub per_status: BTreeMap<String, usize>,
    pub per_code: BTreeMap<String, usize>,
    /// Visits per proposed QĐ 3276 category (`none` when none was proposed).
    pub per_route: BTreeMap<String, usize>,
    pub per_operator: BTreeMap<String, usize>,
    /// Visits per local hour, 0–23.
    pub per_hour: Vec<usize>,
    /// CANNOT_VERIFY visits: re-check online.
    pub recheck: Vec<Pending>,
    /// Visits without a 15-character card code: the claim file needs it.
    pub need_card_code: Vec<Pending>,
    /// Rows in the XML0 check-in file (visits not voided and not held back).
    pub checkin_rows: usize,
    /// Visits not in the XML0 check-in file until their card is looked up (the portal's card look-up),
    /// with what each lacks; export again once it is known.
    pub need_card_lookup: Vec<Held>,
    /// The same patient checked in at two desks (desks that could not see each other, e.g. while the
    /// clinic server was away): both visits kept, for a supervisor to void one.
    pub same_patient_at_two_desks: Vec<Vec<Pending>>,
    /// The online re-check through the VSS gateway: visits per outcome (confirmed, different,
    /// refused, waiting), of those it answered or tried.
    pub online_recheck: BTreeMap<String, usize>,
    /// Visits the gateway answered otherwise than the desk's verdict: for the receptionist or a
    /// supervisor before the claim is sent.
    pub online_recheck_different: Vec<RecheckAnswer>,
}

/// A visit's answer from the VSS gateway, in the summary.
#[derive(Debug, Clone, Serialize)]
pub struct RecheckAnswer {
    pub ticket: String,
    pub result_code: Option<String>,
    pub note: String,
}

impl Summary {
    pub fn of(day: &Day) -> Summary {
        let mut s = Summary {
            day: crate::card::date::iso(day.day),
            facility_code: day.clinic.facility_code.clone(),
            visits: 0,
            voided: 0,
            repeats: 0,
            per_status: BTreeMap::new(),
            per_code: BTreeMap::new(),
            per_route: BTreeMap::new(),
            per_operator: BTreeMap::new(),
            per_hour: vec![0; 24],
            recheck: Vec::new(),
            need_card_code: Vec::new(),
            checkin_rows: 0,
            need_card_lookup: Vec::new(),
            same_patient_at_two_desks: Vec::new(),
            online_recheck: BTreeMap::new(),
            online_recheck_different: Vec::new(),
        };
        for group in crate::store::visits::same_patient_at_two_desks(&day.visits) {
            let pending = group.iter().map(|&i| Pending::of(day, &day.visits[i])).collect();
            s.same_patient_at_two_desks.push(pending);
        }
        let (rows, held) = xml0::rows(day);
        s.checkin_rows = rows.len();
        let held: std::collections::HashMap<&str, &xml0::Held> =
            held.iter().map(|h| (h.ticket.as_str(), h)).collect();
        for v in &day.visits {
            if v.voided {
                s.voided += 1;
                continue;
            }
            s.visits += 1;
            s.repeats += usize::from(v.repeat);
            *s.per_status.entry(v.status.as_str().to_string()).or_default() += 1;
            *s.per_code.entry(v.code.clone()).or_default() += 1;
            let route = v.verdict["route"].as_str().unwrap_or("none").to_string();
            *s.per_route.entry(route).or_default() += 1;
            *s.per_operator.entry(v.operator.clone()).or_default() += 1;
            let hour: usize = v.checked_in_at.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0);
            if let Some(slot) = s.per_hour.get_mut(hour) {
                *slot += 1;
            }
            let pending = || Pending::of(day, v);
            if let Some(r) = &v.recheck {
                *s.online_recheck.entry(r.outcome.as_str().to_string()).or_default() += 1;
                if r.outcome == crate::gateway::recheck::RecheckOutcome::Different {
                    s.online_recheck_different.push(RecheckAnswer {
                        ticket: v.ticket.clone(),
                        result_code: r.result_code.clone(),
                        // The gateway's note names the patient: left out of a masked summary.
                        note: if day.mask_ids { String::new() } else { r.note.clone() },
                    });
                }
            }
            if v.status == crate::coverage::Status::CannotVerify {
                s.recheck.push(pending());
            }
            if v.card_number.as_deref().is_none_or(|c| c.len() != 15) {
                s.need_card_code.push(pending());
            }
            if let Some(h) = held.get(v.ticket.as_str()) {
                let words = |vi: bool| {
                    h.missing
                        .iter()
                        .map(|m| if vi { m.words().0 } else { m.words().1 })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                s.need_card_lookup.push(Held {
                    visit: pending(),
                    missing: h.missing.clone(),
                    missing_vi: format!("Thiếu {}", words(true)),
                    missing_en: format!("Missing {}", words(false)),
                });
            }
        }
        s
    }
}
