//! The desk service: the one place the use cases of a reception desk are composed — look up a
//! presentation, check in, reprint, void, list a day, settings, export / close / reopen a day, audit
//! verify — over a [`Backend`] (the SQLite file or the clinic server). The command line calls it; the
//! window's desk thread calls the same functions.

use crate::card::{Card, Detection};
use crate::coverage::{self, Clinic, VisitFacts};
use crate::export::{Format, day_end};
use crate::gateway::recheck::{RecheckOutcome, outcome_of};
use crate::gateway::vss::{self, Client};
use crate::store::audit::Verification;
use crate::store::rechecks::{Queued, Recheck};
use crate::store::settings::{self, Settings};
use crate::store::visits::{self, CheckIn, Look, Outcome, Visit};
use crate::store::{self, Backend, Location, StoreError, audit, closure};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One visit's re-check as `tiepdon recheck` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rechecked {
    pub ticket: String,
    pub card_number: Option<String>,
    pub result_code: Option<String>,
    pub note: String,
    pub outcome: RecheckOutcome,
    pub gateway: serde_json::Map<String, serde_json::Value>,
}

impl Rechecked {
    fn of(q: &Queued, r: &Recheck) -> Rechecked {
        Rechecked {
            ticket: q.ticket.clone(),
            card_number: q.card_number.clone().or_else(|| q.bhxh_number.clone()),
            result_code: r.result_code.clone(),
            note: r.note.clone(),
            outcome: r.outcome,
            gateway: r.gateway.clone(),
        }
    }

    /// A visit left queued, and why.
    pub fn waiting(q: &Queued, (vi, en): (&str, &str)) -> Rechecked {
        Rechecked {
            ticket: q.ticket.clone(),
            card_number: q.card_number.clone().or_else(|| q.bhxh_number.clone()),
            result_code: None,
            note: format!("{vi} / {en}"),
            outcome: RecheckOutcome::Waiting,
            gateway: serde_json::Map::new(),
        }
    }
}

/// What a re-check run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecheckRun {
    /// Visits in the queue when it started.
    pub queued: usize,
    /// Answered for good (confirmed, different or refused).
    pub answered: usize,
    /// Left queued (the gateway away, an answer to ask again, not reached).
    pub waiting: usize,
    /// Why the run stopped early for good (the account refused): one message for a person.
    pub stopped: Option<vss::Fault>,
}

/// Who is at the desk, trimmed: 1–60 printable characters with a letter, no `|` and at most 4 digits —
/// a name, not a card code or a QR payload scanned into the wrong field. The one rule for every operator
/// and supervisor name the command line, the window's prompt and `--operator` take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator(String);

impl Operator {
    pub fn parse(text: &str) -> Result<Operator, StoreError> {
        let name = text.trim();
        let n = name.chars().count();
        let ok = (1..=60).contains(&n)
            && name.chars().any(char::is_alphabetic)
            && !name.contains('|')
            && name.chars().filter(char::is_ascii_digit).count() <= 4
            && !name.chars().any(char::is_control);
        if !ok {
            return Err(StoreError::invalid(
                "Tên người trực không hợp lệ: cần 1–60 ký tự có chữ cái, không phải mã thẻ vừa quét.",
                "The operator name must be 1–60 characters with a letter, not a card code just scanned.",
            ));
        }
        Ok(Operator(name.to_string()))
    }

    /// The name given, else `$USER`, else `unknown` — checked by the same rule.
    pub fn given_or_user(given: Option<&str>) -> Result<Operator, StoreError> {
        let name = given
            .map(str::to_string)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "unknown".to_string());
        Operator::parse(&name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Opens the store `location` names: the SQLite file, or the clinic server with this desk's roster
/// replica (`replica`, else `TIEPDON_REPLICA`, else `server-<hash>.db` in the data directory).
pub fn open(location: &Location, replica: Option<&Path>) -> Result<Box<dyn Backend + Send>, StoreError> {
    #[cfg(not(feature = "server"))]
    let _ = replica;
    match location {
        Location::File(path) => Ok(Box::new(store::Store::open(path)?)),
        #[cfg(feature = "server")]
        Location::Server(url) => {
            let replica = replica
                .map(Path::to_path_buf)
                .or_else(|| store::server::replica_for(url))
                .ok_or_else(|| {
                    StoreError::invalid(
                        "Không có thư mục dữ liệu cho bản sao danh sách thẻ; đặt TIEPDON_REPLICA.",
                        "No data directory for the roster replica; set TIEPDON_REPLICA.",
                    )
                })?;
            Ok(Box::new(store::server::PgStore::open(url, &replica)?))
        }
        #[cfg(not(feature = "server"))]
        Location::Server(_) => Err(StoreError::invalid(
            "Bản tiepdon này không có máy chủ (build với --features server).",
            "This tiepdon was built without the clinic server (build with --features server).",
        )),
    }
}

/// The desk service over one store.
pub struct Desk {
    store: Box<dyn Backend + Send>,
}

impl Desk {
    pub fn new(store: Box<dyn Backend + Send>) -> Desk {
        Desk { store }
    }

    /// Opens the store `location` names (see [`open`]).
    pub fn open(location: &Location) -> Result<Desk, StoreError> {
        Ok(Desk::new(open(location, None)?))
    }

    pub fn store(&mut self) -> &mut dyn Backend {
        &mut *self.store
    }

    pub fn location(&self) -> Location {
        self.store.location()
    }

    /// The effective settings: the clinic's, with this desk's own series.
    pub fn settings(&mut self) -> Result<Settings, StoreError> {
        let series = self.store.series();
        let mut s = store::read(&mut *self.store, |sql, _| settings::load_in(sql))?;
        if let Some(series) = series {
            s.desk = series;
        }
        Ok(s)
    }

    /// Changes a setting, audited. On a server, `desk` (the ticket series) is this desk's own and is
    /// kept in its local file; everything else is the clinic's.
    /// Changing or removing the supervisor PIN needs the current one (`pin`) when one is set.
    pub fn set_setting(
        &mut self,
        key: &str,
        value: &str,
        operator: &Operator,
        pin: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        if key == "supervisor_pin"
            && let Some(stored) = self.settings()?.supervisor_pin
            && !pin.is_some_and(|p| settings::pin_matches(&stored, p))
        {
            return Err(StoreError::invalid(
                "Đổi hoặc bỏ mã PIN người phụ trách cần mã PIN hiện tại (--pin hoặc TIEPDON_SUPERVISOR_PIN).",
                "Changing or removing the supervisor PIN needs the current one (--pin or TIEPDON_SUPERVISOR_PIN).",
            ));
        }
        if key == "desk" && self.store.location().is_server() {
            let stored = settings::normalise(key, value)?;
            // The audit row on the server says which desk took which series.
            store::write(&mut *self.store, |tx, _| {
                let detail = serde_json::json!({"key": key, "value": stored, "scope": "desk"});
                audit::append(tx, now, operator.as_str(), "settings", Some(key), &detail)
            })?;
            settings::set(self.store.local().conn(), key, &stored)?;
            return Ok(stored);
        }
        settings::set_audited(&mut *self.store, key, value, operator.as_str(), now)
    }

    /// What the desk knows of a presentation before anything is recorded (the verdict, the record, the
    /// earlier visit today, a closed day). A rejected input has no look: its verdict is the card's alone.
    pub fn look(
        &mut self,
        detection: &Detection,
        visit: &VisitFacts,
        now: DateTime<Utc>,
    ) -> Result<Result<Look, coverage::Verdict>, StoreError> {
        let card: &Card = match &detection.result {
            Ok(card) => card,
            Err(_) => {
                let at = crate::clock::to_vietnam(now);
                return Ok(Err(coverage::assess(detection, None, &Clinic::default(), at)));
            }
        };
        let series = self.store.series();
        store::read(&mut *self.store, |sql, roster| {
            let mut look = visits::look_in(sql, roster, series.as_deref(), card, detection, visit, now)?;
            // A repeat's earlier visit comes with its online re-check, when it has one.
            if let Some(e) = look.earlier.as_mut().filter(|e| !e.other_desk) {
                e.recheck = store::rechecks::latest(sql, e.day)?.remove(&e.id);
            }
            Ok(look)
        })
        .map(Ok)
    }

    /// Checks a patient in (see [`visits::check_in`]).
    pub fn check_in(&mut self, req: &CheckIn) -> Result<Outcome, StoreError> {
        visits::check_in(&mut *self.store, req)
    }

    pub fn reprint(
        &mut self,
        visit_id: i64,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        visits::reprint(&mut *self.store, visit_id, operator.as_str(), now)
    }

    pub fn void(
        &mut self,
        ticket: &str,
        day: NaiveDate,
        reason: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        visits::void(&mut *self.store, ticket, day, reason, operator.as_str(), now)
    }

    /// A day's visits in check-in order: every desk's on a server, this desk's on its file. Marked:
    /// those not on the clinic server yet (a joined desk while the server is away), and each patient
    /// also checked in at another desk that day (with that desk's tickets).
    pub fn day(&mut self, day: NaiveDate) -> Result<Vec<Visit>, StoreError> {
        store::read(&mut *self.store, |sql, _| {
            let mut own = visits::list_in(sql, day)?;
            if store::journal::joined(sql)? {
                let unsent = store::journal::unsent_visits(sql, day)?;
                own.iter_mut().for_each(|v| v.unsent = unsent.contains(&v.id));
            }
            let others = visits::peers_in(sql, day)?;
            visits::mark_pairs(&mut own, &others);
            let mut rechecks = store::rechecks::latest(sql, day)?;
            own.iter_mut().for_each(|v| v.recheck = rechecks.remove(&v.id));
            // With an account set, a visit queued and not tried yet shows as waiting too.
            if settings::load_in(sql)?.vss.configured() {
                for q in store::rechecks::queue(sql, day)? {
                    if let Some(v) = own.iter_mut().find(|v| v.id == q.visit_id && v.recheck.is_none()) {
                        v.recheck = Some(Recheck {
                            outcome: RecheckOutcome::Waiting,
                            result_code: None,
                            note: "Chưa tra cứu. / Not checked yet.".to_string(),
                            at: String::new(),
                            gateway: serde_json::Map::new(),
                        });
                    }
                }
            }
            Ok(own)
        })
    }

    /// The visits of `day` waiting for their online re-check.
    pub fn recheck_queue(&mut self, day: NaiveDate) -> Result<Vec<store::rechecks::Queued>, StoreError> {
        store::read(&mut *self.store, |sql, _| store::rechecks::queue(sql, day))
    }

    /// Re-checks the queue of `day` through the VSS gateway (`client`), one visit after another, each
    /// answer stored (and, when final, audited) in its own transaction — never inside a check-in's, so
    /// a check-in is never kept waiting by the gateway. Tells `each` every visit's outcome. Stops at
    /// an account fault (one message, no retry storm) and after three visits in a row the gateway did
    /// not answer (the rest stay queued). `stop` is asked between visits (a window closing).
    pub fn recheck_day(
        &mut self,
        day: NaiveDate,
        client: &mut Client,
        operator: &Operator,
        stop: &dyn Fn() -> bool,
        each: &mut dyn FnMut(&Rechecked),
    ) -> Result<RecheckRun, StoreError> {
        let queue = self.recheck_queue(day)?;
        let mut run = RecheckRun { queued: queue.len(), answered: 0, waiting: 0, stopped: None };
        let mut away = 0;
        for (i, q) in queue.iter().enumerate() {
            if stop() || away >= 3 || run.stopped.is_some() {
                run.waiting += queue.len() - i;
                for rest in &queue[i..] {
                    let why =
                        run.stopped.as_ref().map_or(("chưa tra cứu", "not checked yet"), |f| f.messages());
                    each(&Rechecked::waiting(rest, why));
                }
                break;
            }
            let now = crate::clock::now_utc();
            let at = crate::clock::rfc3339(now);
            let answer = match vss::Query::of(
                q.card_number.as_deref(),
                q.bhxh_number.as_deref(),
                q.full_name.as_deref(),
                q.birth_date.as_deref(),
            ) {
                None => Ok(None),
                Some(query) => client.check(&query, operator.as_str()).map(Some),
            };
            let r = match answer {
                Ok(Some(a)) => {
                    away = 0;
                    Recheck { outcome: outcome_of(&a.code), result_code: Some(a.code), note: a.note, at, gateway: a.card }
                }
                Ok(None) => Recheck {
                    outcome: RecheckOutcome::Refused,
                    result_code: None,
                    note: "Không có mã thẻ hay mã số BHXH để tra cứu: xác nhận trên cổng BHXH hoặc gọi BHXH. / No card code \
                           or BHXH number to check: confirm on the VSS portal or by phone."
                        .to_string(),
                    at,
                    gateway: serde_json::Map::new(),
                },
                Err(fault @ vss::Fault::Account { .. }) => {
                    run.stopped = Some(fault);
                    run.waiting += 1;
                    each(&Rechecked::waiting(q, run.stopped.as_ref().map(|f| f.messages()).unwrap_or_default()));
                    continue;
                }
                Err(fault @ vss::Fault::Unavailable { .. }) => {
                    away += 1;
                    Recheck { outcome: RecheckOutcome::Waiting, result_code: None, note: fault.to_string(), at, gateway: serde_json::Map::new() }
                }
            };
            store::write(&mut *self.store, |tx, _| {
                store::rechecks::record(tx, q, &r, operator.as_str(), now)
            })?;
            if r.outcome == RecheckOutcome::Waiting {
                run.waiting += 1;
            } else {
                run.answered += 1;
            }
            each(&Rechecked::of(q, &r));
        }
        Ok(run)
    }

    /// `audit verify`: the hash chain holds, and every visit matches what its audit rows recorded.
    pub fn verify_audit(&mut self) -> Result<Verification, StoreError> {
        store::read(&mut *self.store, |sql, _| {
            let mut v = audit::verify_chain(sql)?;
            if v.ok
                && let Some((visit, why)) = visits::first_unaudited_change(sql)?
            {
                v.ok = false;
                v.first_bad_visit = Some(visit);
                v.problem = Some(why.to_string());
            }
            Ok(v)
        })
    }

    pub fn export_day(
        &mut self,
        day: NaiveDate,
        formats: &[Format],
        out: &Path,
        mask_ids: bool,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<day_end::Exported, StoreError> {
        day_end::export_day(&mut *self.store, day, formats, out, mask_ids, operator.as_str(), now)
    }

    /// Closes a day, sealed. On a clinic server, only when every desk's journal for the day is there,
    /// but for the desks named in `without` (audited); a desk's file joined to a server closes nothing
    /// of its own (the clinic's day is closed on the server).
    pub fn close_day(
        &mut self,
        day: NaiveDate,
        out: &Path,
        mask_ids: bool,
        without: &[String],
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<day_end::Closed, StoreError> {
        if store::read(&mut *self.store, |sql, _| store::journal::joined(sql))? {
            return Err(StoreError::invalid(
                "Quầy này nối với máy chủ phòng khám: chốt sổ ngày trên máy chủ (tiepdon --db URL close-day), \
                 gồm lượt khám của mọi bàn.",
                "This desk is joined to the clinic server: close the day there (tiepdon --db URL close-day), with \
                 every desk's visits.",
            ));
        }
        day_end::close_day(&mut *self.store, day, out, mask_ids, without, operator.as_str(), now)
    }

    /// Reopens a closed day: a supervisor, a reason, and the supervisor PIN when one is set (on a
    /// server, a supervisor's login too).
    pub fn reopen_day(
        &mut self,
        day: NaiveDate,
        supervisor: &Operator,
        reason: &str,
        pin: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        store::write(&mut *self.store, |tx, _| {
            closure::reopen(tx, day, supervisor.as_str(), reason, pin, now)
        })
    }

    /// Whether the store holds no visit and no published roster yet (a server being tried out).
    pub fn is_fresh(&mut self) -> Result<bool, StoreError> {
        store::read(&mut *self.store, |sql, _| {
            let visits = sql.query_opt("looking for visits", "SELECT 1 FROM visits LIMIT 1", &[])?;
            let roster = match sql.engine() {
                crate::store::sql::Engine::Postgres => {
                    sql.query_opt("looking for a roster", "SELECT 1 FROM coverage LIMIT 1", &[])?
                }
                crate::store::sql::Engine::Sqlite => None,
            };
            Ok(visits.is_none() && roster.is_none())
        })
    }

    /// How many cards the desk's roster holds (its own file: the whole roster, or the server's copy).
    pub fn roster_size(&mut self) -> Result<i64, StoreError> {
        self.store
            .local()
            .conn()
            .query_row("SELECT COUNT(*) FROM coverage", [], |r| r.get(0))
            .map_err(|source| StoreError::Sqlite { what: "counting the roster", source })
    }

    /// Today's automatic backup of the desk's file, when none was taken yet today (the first write of
    /// the day, from the command line or the window); a clinic server is backed up by its administrator.
    pub fn daily_backup(&mut self, now: DateTime<Utc>) -> Result<Option<PathBuf>, StoreError> {
        if self.store.location().is_server() {
            return Ok(None);
        }
        crate::store::backup::daily(self.store.local(), now, crate::store::backup::KEEP_DAYS)
    }

    /// What the store says of a sealed manifest.
    pub fn seal(&mut self, day: &str, manifest_hash: &str) -> Result<closure::Seal, StoreError> {
        store::read(&mut *self.store, |sql, _| closure::seal(sql, day, manifest_hash))
    }

    /// After a roster import into this desk's local file: on a server, publish it to every desk (the
    /// rows sent, audited there); on a file, nothing to do.
    pub fn publish_roster(
        &mut self,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>, StoreError> {
        self.store.publish_roster(operator.as_str(), now)
    }

    /// Takes a newer roster published by another desk (the rows taken; 0 when current or on a file).
    pub fn refresh_roster(&mut self) -> Result<u64, StoreError> {
        self.store.refresh_roster()
    }
}

#[cfg(test)]
mod tests {
    use super::Operator;

    #[test]
    fn an_operator_is_a_name_not_a_scanned_code() {
        for ok in ["Lan", "  Nguyễn Thị Lan ", "desk-test", "Bàn 2 ca 1"] {
            assert!(Operator::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "   ", "079090123456", "DN4790123456789|x", "a\u{7}b", &"x".repeat(61)] {
            assert!(Operator::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Operator::parse(" Lan ").unwrap().as_str(), "Lan");
    }
}
