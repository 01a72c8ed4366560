//! Visits: check-in (lookup → verdict → ticket → visit row → audit, in one transaction), voiding, and the
//! day's list. A visit is never deleted; a second visit of the same patient on the same day needs `force`.

use super::roster::{self, StoredRecord};
use super::sql::{Lite, Row, Sql, vals};
use super::{Backend, StoreError, audit, closure, settings};
use crate::card::{Card, Detection, Kind, Sex, TypedNumber, date};
use crate::clock;
use crate::coverage::{self, Status, Verdict};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::{Value, json};
use std::borrow::Borrow;
use std::collections::HashMap;

/// A recorded visit (the JSON of `checkin` and `visits`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visit {
    pub id: i64,
    pub ticket: String,
    pub day: NaiveDate,
    pub desk: String,
    /// Local time (UTC+7) with its offset.
    pub checked_in_at: String,
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub card_number: Option<String>,
    pub bhxh_number: Option<String>,
    pub citizen_id: Option<String>,
    pub facility_code: Option<String>,
    /// The verdict as shown at check-in.
    pub verdict: Value,
    pub status: Status,
    pub code: String,
    /// What was presented.
    pub input_kind: InputKind,
    pub operator: String,
    pub visit_type: String,
    pub repeat: bool,
    /// The earlier visit's ticket, for a repeat.
    pub repeat_of: Option<String>,
    /// What the operator confirmed despite a refusal: `repeat`, `not_eligible`.
    pub overrides: Vec<String>,
    pub voided: bool,
    pub voided_at: Option<String>,
    pub voided_by: Option<String>,
    pub void_reason: Option<String>,
    /// Not on the clinic server yet: a desk joined to one recorded it while the server was away.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unsent: bool,
    /// Another desk's visit, as the clinic server last told this desk (never this desk's to reprint or
    /// void).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub other_desk: bool,
    /// The same patient's visits that day at other desks (their tickets): a pair the desks could not
    /// see of each other, kept for a supervisor to void one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_at: Vec<String>,
    /// The online re-check's latest answer, for a visit decided on the card alone or unverified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recheck: Option<super::rechecks::Recheck>,
}

impl Visit {
    /// The check-in's local time, `HH:MM`.
    pub fn local_time(&self) -> &str {
        self.checked_in_at.get(11..16).unwrap_or(&self.checked_in_at)
    }
}

/// What a visit was checked in from (`input_kind` in JSON and the audit trail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A BHYT QR.
    Bhyt,
    /// A chip citizen card's QR.
    Cccd,
    /// A typed or scanned number.
    Number,
    /// The card's printed text, read by OCR.
    Ocr,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Bhyt => "bhyt",
            InputKind::Cccd => "cccd",
            InputKind::Number => "number",
            InputKind::Ocr => "ocr",
        }
    }

    /// The kind as stored; a value written by no version of tiepdon reads as a number.
    fn parse(text: &str) -> InputKind {
        [InputKind::Bhyt, InputKind::Cccd, InputKind::Ocr]
            .into_iter()
            .find(|k| k.as_str() == text)
            .unwrap_or(InputKind::Number)
    }
}

/// Why a check-in was refused (`refused` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refused {
    /// The input is not a card the desk can use.
    Unreadable,
    /// The patient was checked in today already.
    Repeat,
    /// The verdict is NOT_ELIGIBLE (recorded only when confirmed, as an override).
    NotEligible,
    /// The day is closed.
    ClosedDay,
    /// An override needs the supervisor PIN (set in Settings), and the one given is missing or wrong.
    SupervisorPin,
}

impl Refused {
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::Unreadable => "unreadable",
            Refused::Repeat => "repeat",
            Refused::NotEligible => "not_eligible",
            Refused::ClosedDay => "closed_day",
            Refused::SupervisorPin => "supervisor_pin",
        }
    }
}

/// Why a check-in was not recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    pub refused: Refused,
    pub message_vi: String,
    pub message_en: String,
    /// The same patient's earlier visit today, for `repeat`.
    pub earlier: Option<Box<Visit>>,
    pub verdict: Option<Verdict>,
}

/// The outcome of a check-in.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Recorded(Box<Visit>),
    Refused(Box<Refusal>),
}

/// A check-in request.
pub struct CheckIn<'a> {
    pub detection: &'a Detection,
    pub operator: &'a str,
    pub visit_type: &'a str,
    /// The visit's kind and the facts told at the desk (they decide the category and the fund's share).
    pub visit: crate::coverage::VisitFacts,
    /// Record even a repeat or a NOT_ELIGIBLE verdict (audited as an override).
    pub force: bool,
    /// The supervisor PIN, for an override when one is set.
    pub pin: Option<&'a str>,
    pub now: DateTime<Utc>,
}

fn local_text(utc: &str) -> String {
    DateTime::parse_from_rfc3339(utc)
        .map(|t| format!("{}+07:00", clock::to_vietnam(t.with_timezone(&Utc)).format("%Y-%m-%dT%H:%M:%S")))
        .unwrap_or_else(|_| utc.to_string())
}

const COLUMNS: &str = "v.id, v.ticket, v.day, v.desk, v.checked_in_at, v.full_name, v.birth_date, v.sex, \
    v.card_number, v.bhxh_number, v.citizen_id, v.facility_code, v.verdict, v.status, v.code, v.input_kind, \
    v.operator, v.visit_type, (SELECT e.ticket FROM visits e WHERE e.id = v.repeat_of), v.overrides, \
    v.voided_at, v.voided_by, v.void_reason";

fn from_row(r: &Row) -> Result<Visit, StoreError> {
    let day = r.text(2)?;
    let verdict = r.text(12)?;
    let overrides = r.text(19)?;
    let repeat_of = r.opt_text(18)?;
    let voided_at = r.opt_text(20)?;
    Ok(Visit {
        id: r.int(0)?,
        ticket: r.text(1)?,
        day: date::parse_iso(&day).unwrap_or_default(),
        desk: r.text(3)?,
        checked_in_at: local_text(&r.text(4)?),
        full_name: r.opt_text(5)?,
        birth_date: r.opt_text(6)?,
        sex: r.opt_text(7)?,
        card_number: r.opt_text(8)?,
        bhxh_number: r.opt_text(9)?,
        citizen_id: r.opt_text(10)?,
        facility_code: r.opt_text(11)?,
        verdict: serde_json::from_str(&verdict).unwrap_or(Value::Null),
        // Enums once, at the row boundary.
        status: Status::parse(&r.text(13)?).ok_or_else(|| {
            StoreError::invalid("Trạng thái lượt khám không đọc được.", "A visit's status cannot be read.")
        })?,
        code: r.text(14)?,
        input_kind: InputKind::parse(&r.text(15)?),
        operator: r.text(16)?,
        visit_type: r.text(17)?,
        repeat: repeat_of.is_some(),
        repeat_of,
        overrides: serde_json::from_str(&overrides).unwrap_or_default(),
        voided: voided_at.is_some(),
        voided_at: voided_at.as_deref().map(local_text),
        voided_by: r.opt_text(21)?,
        void_reason: r.opt_text(22)?,
        unsent: false,
        other_desk: false,
        also_at: Vec::new(),
        recheck: None,
    })
}

pub(crate) fn by_id(sql: &mut dyn Sql, id: i64) -> Result<Visit, StoreError> {
    from_row(&sql.query_one(
        "reading a visit",
        &format!("SELECT {COLUMNS} FROM visits v WHERE v.id = $1"),
        vals![id],
    )?)
}

/// Who the patient is, from what was presented and the record found (what the presented card prints
/// wins over the record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    pub full_name: Option<String>,
    /// ISO date, or the year alone.
    pub birth_date: Option<String>,
    pub sex: Option<Sex>,
    pub card_number: Option<String>,
    pub bhxh_number: Option<String>,
    pub citizen_id: Option<String>,
}

impl Patient {
    fn new(card: &Card, record: Option<&StoredRecord>, verdict: &Verdict) -> Patient {
        let rec = record.map(|r| &r.record);
        let mut p = Patient {
            full_name: rec.and_then(|r| r.full_name.clone()),
            birth_date: rec.and_then(|r| r.birth_date).map(|d| d.to_string()),
            sex: record.and_then(|r| r.sex),
            card_number: verdict.card_number.clone(),
            bhxh_number: rec.and_then(|r| r.bhxh_number.clone()),
            citizen_id: rec.and_then(|r| r.citizen_id.clone()),
        };
        match card {
            Card::Bhyt(b) => {
                p.full_name = b.full_name.clone().or(p.full_name);
                p.birth_date = b.birth_date.map(|d| d.to_string()).or(p.birth_date);
                p.sex = b.sex.or(p.sex);
                p.bhxh_number = b.bhxh_number.clone().or(p.bhxh_number);
            }
            Card::Cccd(c) => {
                p.full_name = Some(c.full_name.clone());
                p.birth_date = Some(c.birth_date.to_string());
                p.sex = c.sex.or(p.sex);
                p.citizen_id = Some(c.citizen_id.clone());
            }
            Card::Number(TypedNumber::CardCode(c)) => {
                p.card_number = p.card_number.or_else(|| Some(c.as_str().to_string()));
                p.bhxh_number = c.bhxh_number().map(str::to_string).or(p.bhxh_number);
            }
            Card::Number(TypedNumber::Bhxh(n)) => p.bhxh_number = Some(n.clone()),
            Card::Number(TypedNumber::CitizenId(n)) => p.citizen_id = Some(n.clone()),
            Card::Number(TypedNumber::OldId(_)) => {}
        }
        p
    }
}

/// The patient's first visit that day that was not voided: at this desk (or, on a server, any desk),
/// else — a desk's file joined to a server — at another desk, as the server last told it.
fn earlier_today(sql: &mut dyn Sql, day: &str, p: &Patient) -> Result<Option<Visit>, StoreError> {
    let find = |sql: &mut dyn Sql, table: &str| {
        sql.query_opt(
            "looking for an earlier visit",
            &format!(
                "SELECT {COLUMNS} FROM {table} v WHERE v.day = $1 AND v.voided_at IS NULL
                 AND (v.card_number = $2 OR v.bhxh_number = $3 OR v.citizen_id = $4) ORDER BY v.id LIMIT 1"
            ),
            vals![day, &p.card_number, &p.bhxh_number, &p.citizen_id],
        )?
        .map(|r| from_row(&r))
        .transpose()
    };
    if let Some(v) = find(sql, "visits")? {
        return Ok(Some(v));
    }
    if sql.engine() != super::sql::Engine::Sqlite {
        return Ok(None);
    }
    Ok(find(sql, "peer_visits")?.map(|v| Visit { other_desk: true, ..v }))
}

/// The other desks' visits of a day in a joined desk's file, as the server last told it.
pub fn peers_in(sql: &mut dyn Sql, day: NaiveDate) -> Result<Vec<Visit>, StoreError> {
    if sql.engine() != super::sql::Engine::Sqlite {
        return Ok(Vec::new());
    }
    let rows = sql.query(
        "listing the other desks' visits",
        &format!("SELECT {COLUMNS} FROM peer_visits v WHERE v.day = $1 ORDER BY v.id"),
        vals![date::iso(day)],
    )?;
    rows.iter().map(|r| Ok(Visit { other_desk: true, ..from_row(r)? })).collect()
}

/// Marks each of `own` with the tickets of the same patient's visits at other desks that day, found
/// among `own` and `others` (see [`same_patient_at_two_desks`]).
pub fn mark_pairs(own: &mut [Visit], others: &[Visit]) {
    let all: Vec<&Visit> = own.iter().chain(others).collect();
    let mut marks = Vec::new();
    for group in same_patient_at_two_desks(&all) {
        for &i in group.iter().filter(|&&i| i < own.len()) {
            let tickets: Vec<String> = group
                .iter()
                .filter(|&&j| all[j].desk != all[i].desk)
                .map(|&j| all[j].ticket.clone())
                .collect();
            marks.push((i, tickets));
        }
    }
    for (i, tickets) in marks {
        own[i].also_at = tickets;
    }
}

fn refusal(refused: Refused, vi: String, en: String, earlier: Option<Visit>, v: Option<Verdict>) -> Outcome {
    Outcome::Refused(Box::new(Refusal {
        refused,
        message_vi: vi,
        message_en: en,
        earlier: earlier.map(Box::new),
        verdict: v,
    }))
}

/// What the desk knows about a presentation before anything is recorded: the verdict, the local record
/// behind it, who the patient is and their earlier visit today. The window shows it; `check_in` decides
/// from the same look inside its transaction.
#[derive(Debug, Clone)]
pub struct Look {
    pub verdict: Verdict,
    pub patient: Patient,
    /// The local record used (roster import or an earlier scan), if any.
    pub record: Option<StoredRecord>,
    /// A citizen id seen for the first time, matched to a card-holder: (citizen id, BHXH number).
    pub link: Option<(String, String)>,
    /// The patient's first visit today that was not voided.
    pub earlier: Option<Visit>,
    /// The day is closed (sealed): check-ins are refused.
    pub closed: bool,
    pub day: NaiveDate,
    /// This desk's ticket prefix, from the same settings the verdict was decided with.
    pub desk: String,
    /// A supervisor PIN is set: an override (a second visit today, a NOT_ELIGIBLE card checked in)
    /// needs it.
    pub needs_pin: bool,
    /// The PIN's stored (salted, hashed) form, to check one given.
    pin_hash: Option<String>,
}

impl Look {
    fn closed_refusal(&self) -> Refusal {
        let d = date::iso(self.day);
        Refusal {
            refused: Refused::ClosedDay,
            message_vi: format!("Ngày {d} đã chốt sổ; người phụ trách cần mở lại (reopen-day) để tiếp đón."),
            message_en: format!(
                "The day {d} is closed; a supervisor must reopen it (reopen-day) to check in."
            ),
            earlier: None,
            verdict: None,
        }
    }

    fn repeat_refusal(&self, e: &Visit) -> Refusal {
        let (at_vi, at_en) = if e.other_desk {
            (format!(" ở bàn {}", e.desk), format!(" at desk {}", e.desk))
        } else {
            (String::new(), String::new())
        };
        Refusal {
            refused: Refused::Repeat,
            message_vi: format!(
                "Người bệnh đã được tiếp đón hôm nay{at_vi}: số {} lúc {}.",
                e.ticket,
                e.local_time()
            ),
            message_en: format!(
                "Already checked in today{at_en}: ticket {} at {}.",
                e.ticket,
                e.local_time()
            ),
            earlier: Some(Box::new(e.clone())),
            verdict: Some(self.verdict.clone()),
        }
    }
}

/// Looks a presented card up without recording anything (see [`Look`]), in a SQLite file.
pub fn look(
    conn: &Connection,
    card: &Card,
    detection: &Detection,
    visit: &crate::coverage::VisitFacts,
    now: DateTime<Utc>,
) -> Result<Look, StoreError> {
    look_in(&mut Lite(conn), conn, None, card, detection, visit, now)
}

/// Looks a presented card up without recording anything (see [`Look`]): the roster from `roster` (the
/// local file, always), the day's visits, settings and closes from `sql`; `series` is this desk's own
/// ticket series when it is not the stored setting's (a desk on a clinic server).
pub fn look_in(
    sql: &mut dyn Sql,
    conn: &Connection,
    series: Option<&str>,
    card: &Card,
    detection: &Detection,
    visit: &crate::coverage::VisitFacts,
    now: DateTime<Utc>,
) -> Result<Look, StoreError> {
    let mut settings = settings::load_in(sql)?;
    if let Some(series) = series {
        settings.desk = series.to_string();
    }
    // One clinic-wide series, when set, numbers every desk's tickets.
    if let Some(series) = settings.clinic_series.clone() {
        settings.desk = series;
    }
    let at = clock::to_vietnam(now);
    let day = at.date();
    let mut record = roster::find_for(conn, card)?;
    // A citizen id seen for the first time: the card-holder with the same name and birth date.
    let mut link = None;
    if record.is_none()
        && let Card::Cccd(c) = card
        && let Some(bhxh) = roster::citizen_holder(conn, c)?
    {
        record = roster::find(conn, roster::Key::Bhxh(&bhxh))?;
        link = Some((c.citizen_id.clone(), bhxh));
    }
    let verdict =
        coverage::assess_visit(detection, record.as_ref().map(|r| &r.record), &settings.clinic, visit, at);
    let patient = Patient::new(card, record.as_ref(), &verdict);
    let earlier = earlier_today(sql, &date::iso(day), &patient)?;
    let closed = closure::is_closed(sql, day)?;
    let pin_hash = settings.supervisor_pin;
    Ok(Look {
        verdict,
        patient,
        record,
        link,
        earlier,
        closed,
        day,
        desk: settings.desk,
        needs_pin: pin_hash.is_some(),
        pin_hash,
    })
}

/// Checks a patient in: looks up local data, decides the verdict, and records the visit with the next
/// ticket of this desk and day — all in one transaction, so the visit exists once this returns.
pub fn check_in(store: &mut dyn Backend, req: &CheckIn) -> Result<Outcome, StoreError> {
    let card = match &req.detection.result {
        Ok(card) => card,
        Err(why) => {
            return Ok(refusal(
                Refused::Unreadable,
                format!("Không dùng được: {}", why.detail_vi),
                format!("Rejected: {}", why.detail_en),
                None,
                None,
            ));
        }
    };
    let series = store.series();
    // What the desk's roster learns from a recorded visit: in the same transaction on a file; on a
    // server, in the desk's own file once the server has committed (never from a visit not recorded).
    let mut after_commit: Option<Lesson> = None;
    let outcome = super::write(store, |tx, roster| {
        let look = look_in(tx, roster, series.as_deref(), card, req.detection, &req.visit, req.now)?;
        if look.closed {
            return Ok(Outcome::Refused(Box::new(look.closed_refusal())));
        }
        if let Some(e) = &look.earlier
            && !req.force
        {
            return Ok(Outcome::Refused(Box::new(look.repeat_refusal(e))));
        }
        let pin_ok = match (&look.pin_hash, req.pin) {
            (None, _) => true,
            (Some(hash), Some(pin)) => settings::pin_matches(hash, pin),
            (Some(_), None) => false,
        };
        let Look { verdict, patient, earlier, link, day, desk, .. } = look;
        let day_text = date::iso(day);
        let mut overrides = Vec::new();
        if earlier.is_some() {
            overrides.push("repeat");
        }
        if verdict.status == Status::NotEligible {
            if !req.force {
                return Ok(refusal(
                    Refused::NotEligible,
                    format!("{} Chưa ghi nhận lượt khám BHYT; xác nhận để tiếp đón.", verdict.message_vi),
                    format!("{} No BHYT visit recorded; confirm to check in anyway.", verdict.message_en),
                    None,
                    Some(verdict),
                ));
            }
            overrides.push("not_eligible");
        }
        if !overrides.is_empty() && !pin_ok {
            return Ok(refusal(
                Refused::SupervisorPin,
                "Ngoại lệ (khám thêm lượt trong ngày, hoặc tiếp đón thẻ không đủ điều kiện) cần mã PIN người \
                 phụ trách; chưa ghi nhận."
                    .to_string(),
                "An override (another visit today, or a not-eligible card checked in) needs the supervisor's \
                 PIN; nothing was recorded."
                    .to_string(),
                earlier,
                Some(verdict),
            ));
        }
        // Only a recorded visit teaches the store: a refused one leaves it as it was. A card read by
        // OCR teaches nothing (its text is not the card's own data).
        let learn = match card {
            Card::Bhyt(b) if b.layout != crate::card::Layout::CardText => Some(b),
            _ => None,
        };
        if tx.engine() == super::sql::Engine::Sqlite {
            teach(roster, learn, link.as_ref(), day)?;
        } else {
            after_commit = Some((learn, link.clone(), day));
        }
        let now_text = clock::rfc3339(req.now);
        tx.execute(
            "recording the operator",
            "INSERT INTO operators(name, first_seen) VALUES ($1, $2) ON CONFLICT(name) DO NOTHING",
            vals![req.operator, now_text.as_str()],
        )?;
        // A counter row per series and day, never MAX()+1: two desks (or two processes of one) on a
        // server can never draw the same number. A series met for the first time continues from the
        // visits already there (files made before the counter).
        let seq = tx
            .query_one(
                "numbering the ticket",
                "INSERT INTO ticket_counters(series, day, last)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM visits WHERE desk = $1 AND day = $2))
                 ON CONFLICT(series, day) DO UPDATE SET last = ticket_counters.last + 1
                 RETURNING last",
                vals![desk.as_str(), day_text.as_str()],
            )?
            .int(0)?;
        let ticket = format!("{desk}-{seq:03}");
        let kind = match req.detection.kind {
            _ if req.detection.layout == Some(crate::card::Layout::CardText) => InputKind::Ocr,
            Kind::Bhyt => InputKind::Bhyt,
            Kind::Cccd => InputKind::Cccd,
            Kind::Number | Kind::Unknown => InputKind::Number,
        };
        let verdict_json = serde_json::to_string(&verdict).unwrap_or_else(|_| "null".into());
        let overrides_json = json!(overrides).to_string();
        let id = tx
            .query_one(
                "recording the visit",
                "INSERT INTO visits(day, desk, seq, ticket, checked_in_at, full_name, birth_date, sex, card_number,
                     bhxh_number, citizen_id, facility_code, status, code, verdict, input_kind, operator, visit_type,
                     repeat_of, overrides)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
                 RETURNING id",
                vals![
                    day_text.as_str(),
                    desk.as_str(),
                    seq,
                    ticket.as_str(),
                    now_text.as_str(),
                    &patient.full_name,
                    &patient.birth_date,
                    patient.sex.map(Sex::as_str),
                    &patient.card_number,
                    &patient.bhxh_number,
                    &patient.citizen_id,
                    &verdict.registered_facility,
                    verdict.status.as_str(),
                    verdict.code.as_str(),
                    verdict_json,
                    kind.as_str(),
                    req.operator,
                    req.visit_type,
                    // Another desk's visit is not this file's to point at; the override says "repeat".
                    earlier.as_ref().filter(|e| !e.other_desk).map(|e| e.id),
                    overrides_json,
                ],
            )?
            .int(0)?;
        let action = if overrides.is_empty() { "checkin" } else { "override" };
        let visit = by_id(tx, id)?;
        let detail = json!({"visit_id": id, "day": day_text, "status": verdict.status, "code": verdict.code,
                            "overrides": overrides, "input": kind, "visit_digest": recorded_digest(&visit)});
        audit::append(tx, req.now, req.operator, action, Some(&ticket), &detail)?;
        if super::journal::joined(tx)? {
            super::journal::visit(tx, id, req.now)?;
        }
        Ok(Outcome::Recorded(Box::new(visit)))
    })?;
    if let (Outcome::Recorded(_), Some((learn, link, day))) = (&outcome, after_commit) {
        // The visit is on the server: a failure to teach the local copy loses nothing recorded.
        if let Err(e) = teach(store.local().conn(), learn, link.as_ref(), day) {
            log::warn!(target: "tiepdon", "the desk's roster copy did not learn from a check-in: {e}");
        }
    }
    Ok(outcome)
}

/// What a recorded visit teaches the roster, kept until the server has committed it: the card its own
/// QR printed, a citizen id's card-holder (citizen id, BHXH number), and the visit's day.
type Lesson<'a> = (Option<&'a crate::card::BhytCard>, Option<(String, String)>, NaiveDate);

/// What a recorded visit teaches the roster: the card its own QR printed, a citizen id's card-holder.
fn teach(
    roster: &Connection,
    learn: Option<&crate::card::BhytCard>,
    link: Option<&(String, String)>,
    day: NaiveDate,
) -> Result<(), StoreError> {
    if let Some(b) = learn {
        roster::learn_from_qr(roster, b, day)?;
    }
    if let Some((citizen_id, bhxh)) = link {
        roster::link_citizen(roster, citizen_id, bhxh)?;
    }
    Ok(())
}

/// Records that a visit's ticket was shown or printed again (a repeat scan answered with "reprint").
/// Nothing about the visit changes; the audit trail says who reprinted it and when.
pub fn reprint(
    store: &mut dyn Backend,
    visit_id: i64,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Visit, StoreError> {
    super::write(store, |tx, _| {
        let visit = by_id(tx, visit_id)?;
        if visit.voided {
            return Err(StoreError::invalid(
                format!("Lượt khám {} đã bị hủy; không in lại được. Quét lại để tiếp đón.", visit.ticket),
                format!("Visit {} was voided; it cannot be reprinted. Scan again to check in.", visit.ticket),
            ));
        }
        let detail = json!({"visit_id": visit.id, "day": date::iso(visit.day)});
        audit::append(tx, now, operator, "reprint", Some(&visit.ticket), &detail)?;
        if super::journal::joined(tx)? {
            super::journal::reprint(tx, visit.id, operator, now)?;
        }
        Ok(visit)
    })
}

/// Voids a visit of `day` by its ticket, with a reason. The row stays; it is only marked.
pub fn void(
    store: &mut dyn Backend,
    ticket: &str,
    day: NaiveDate,
    reason: &str,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Visit, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid("Cần ghi lý do hủy.", "A reason is required to void a visit."));
    }
    super::write(store, |tx, _| {
        let day_text = date::iso(day);
        if closure::is_closed(tx, day)? {
            return Err(StoreError::invalid(
                format!("Ngày {day_text} đã chốt sổ; cần mở lại (reopen-day) trước khi hủy lượt khám."),
                format!("The day {day_text} is closed; reopen it (reopen-day) before voiding a visit."),
            ));
        }
        let found = match tx.query_opt(
            "finding the visit",
            "SELECT id, voided_at FROM visits WHERE ticket = $1 AND day = $2 ORDER BY id LIMIT 1",
            vals![ticket.trim().to_ascii_uppercase(), day_text.as_str()],
        )? {
            Some(r) => Some((r.int(0)?, r.opt_text(1)?)),
            None => None,
        };
        let (id, voided_at) = found.ok_or_else(|| {
            StoreError::invalid(
                format!("Không có lượt khám số {ticket} ngày {day_text}."),
                format!("No visit with ticket {ticket} on {day_text}."),
            )
        })?;
        if voided_at.is_some() {
            return Err(StoreError::invalid(
                format!("Lượt khám {ticket} đã bị hủy trước đó."),
                format!("Visit {ticket} was already voided."),
            ));
        }
        let now_text = clock::rfc3339(now);
        tx.execute(
            "voiding the visit",
            "UPDATE visits SET voided_at = $1, voided_by = $2, void_reason = $3 WHERE id = $4",
            vals![now_text.as_str(), operator, reason, id],
        )?;
        let visit = by_id(tx, id)?;
        let detail =
            json!({"visit_id": id, "day": day_text, "reason": reason, "void_digest": void_digest(&visit)});
        audit::append(tx, now, operator, "void", Some(&visit.ticket), &detail)?;
        if super::journal::joined(tx)? {
            super::journal::void(tx, id, now)?;
        }
        Ok(visit)
    })
}

/// The visits of a day in a SQLite file, in check-in order (voided ones included, marked).
pub fn list(conn: &Connection, day: NaiveDate) -> Result<Vec<Visit>, StoreError> {
    list_in(&mut Lite(conn), day)
}

/// The visits of a day, in check-in order (voided ones included, marked).
pub fn list_in(sql: &mut dyn Sql, day: NaiveDate) -> Result<Vec<Visit>, StoreError> {
    let rows = sql.query(
        "listing visits",
        &format!("SELECT {COLUMNS} FROM visits v WHERE v.day = $1 ORDER BY v.id"),
        vals![date::iso(day)],
    )?;
    rows.iter().map(from_row).collect()
}

/// Groups of a day's visits (not voided) of the same patient — by card code, BHXH number or citizen id —
/// recorded at two or more desks: what desks checking in while the server was away cannot see of each
/// other. Each group is kept for a supervisor to void one; nothing is merged or deleted. Indexes into
/// `visits`, in check-in order.
pub fn same_patient_at_two_desks<V: std::borrow::Borrow<Visit>>(visits: &[V]) -> Vec<Vec<usize>> {
    let visits: Vec<&Visit> = visits.iter().map(Borrow::borrow).collect();
    // Union of the visits sharing any id.
    let mut parent: Vec<usize> = (0..visits.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut seen: HashMap<(u8, &str), usize> = HashMap::new();
    for (i, v) in visits.iter().enumerate().filter(|(_, v)| !v.voided) {
        let ids =
            [(0, v.card_number.as_deref()), (1, v.bhxh_number.as_deref()), (2, v.citizen_id.as_deref())];
        for (kind, id) in ids {
            let Some(id) = id.filter(|s| !s.is_empty()) else { continue };
            match seen.get(&(kind, id)) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    seen.insert((kind, id), i);
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in (0..visits.len()).filter(|&i| !visits[i].voided) {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> =
        groups.into_values().filter(|g| g.iter().any(|&i| visits[i].desk != visits[g[0]].desk)).collect();
    out.iter_mut().for_each(|g| g.sort());
    out.sort();
    out
}

/// SHA-256 of the parts of a visit fixed at check-in; the audit row of the check-in keeps it.
pub(crate) fn recorded_digest(v: &Visit) -> String {
    let fixed = json!([
        v.id,
        v.ticket,
        v.day,
        v.desk,
        v.checked_in_at,
        v.full_name,
        v.birth_date,
        v.sex,
        v.card_number,
        v.bhxh_number,
        v.citizen_id,
        v.facility_code,
        v.verdict,
        v.status,
        v.code,
        v.input_kind,
        v.operator,
        v.visit_type,
        v.repeat_of,
        v.overrides
    ]);
    audit::sha256_hex(fixed.to_string().as_bytes())
}

/// SHA-256 of a visit's void marks; the audit row of the void keeps it.
pub(crate) fn void_digest(v: &Visit) -> String {
    audit::sha256_hex(json!([v.id, v.voided_at, v.voided_by, v.void_reason]).to_string().as_bytes())
}

/// Compares every visit with its audit rows: the check-in's digest, and the void's when voided (a visit
/// voided without an audit row, or un-voided after one, does not match). The first visit that differs,
/// with what differs.
pub fn first_unaudited_change(sql: &mut dyn Sql) -> Result<Option<(i64, &'static str)>, StoreError> {
    let mut recorded: HashMap<i64, String> = HashMap::new();
    let mut voided: HashMap<i64, String> = HashMap::new();
    let rows = sql.query(
        "reading the audit log",
        "SELECT action, detail FROM audit WHERE action IN ('checkin', 'override', 'void') ORDER BY id",
        &[],
    )?;
    for r in rows {
        let (action, detail) = (r.text(0)?, r.text(1)?);
        let detail: Value = serde_json::from_str(&detail).unwrap_or(Value::Null);
        let Some(id) = detail["visit_id"].as_i64() else { continue };
        let (map, key) =
            if action == "void" { (&mut voided, "void_digest") } else { (&mut recorded, "visit_digest") };
        map.insert(id, detail[key].as_str().unwrap_or_default().to_string());
    }
    let visits = sql
        .query("reading visits", &format!("SELECT {COLUMNS} FROM visits v ORDER BY v.id"), &[])?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<Visit>, StoreError>>()?;
    for v in &visits {
        if recorded.get(&v.id) != Some(&recorded_digest(v)) {
            return Ok(Some((v.id, "the visit differs from its check-in in the audit log")));
        }
        match (v.voided, voided.get(&v.id)) {
            (false, None) => {}
            (true, Some(d)) if *d == void_digest(v) => {}
            _ => return Ok(Some((v.id, "the visit's void differs from the audit log"))),
        }
    }
    Ok(None)
}
