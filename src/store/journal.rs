//! A desk's journal (outbox) for a clinic server: a desk whose own file is joined to a server (`settings
//! set server URL`) records every check-in, void and reprint in its file first — ticket from its own
//! series, audit row in its own chain — and, in the same transaction, an event in `outbox` with a
//! clinic-wide id. `push` sends the waiting events to the server in order, each in one server
//! transaction that is a no-op when the event is already there (`desk_events` keyed by the id), and
//! marks it sent only after the server committed. So a desk keeps working while the server or the LAN
//! is away and catches up without duplicates.

use super::sql::{Row, Sql, Val, vals};
use super::{Backend, Store, StoreError, audit, visits};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The visit columns an event carries, as stored (UTC times, ISO days).
const COLUMNS: [&str; 19] = [
    "day",
    "desk",
    "seq",
    "ticket",
    "checked_in_at",
    "full_name",
    "birth_date",
    "sex",
    "card_number",
    "bhxh_number",
    "citizen_id",
    "facility_code",
    "status",
    "code",
    "verdict",
    "input_kind",
    "operator",
    "visit_type",
    "overrides",
];

/// Whether this store journals its writes: a desk's file joined to a clinic server.
pub fn joined(sql: &mut dyn Sql) -> Result<bool, StoreError> {
    if sql.engine() != super::sql::Engine::Sqlite {
        return Ok(false);
    }
    let row =
        sql.query_opt("reading the server setting", "SELECT value FROM settings WHERE key = 'server'", &[])?;
    Ok(row.map(|r| r.opt_text(0)).transpose()?.flatten().is_some_and(|v| !v.is_empty()))
}

/// The clinic-wide id of a desk's visit: this file's id and the visit's local id.
fn global_id(sql: &mut dyn Sql, visit_id: i64) -> Result<String, StoreError> {
    let row =
        sql.query_opt("reading the store id", "SELECT value FROM settings WHERE key = 'store_id'", &[])?;
    let store = row.map(|r| r.opt_text(0)).transpose()?.flatten().unwrap_or_default();
    Ok(format!("{store}-{visit_id}"))
}

fn last_hash(sql: &mut dyn Sql) -> Result<String, StoreError> {
    sql.query_one("reading the audit chain", "SELECT hash FROM audit ORDER BY id DESC LIMIT 1", &[])?.text(0)
}

/// Adds an event about a visit of `day` (the day whose close waits for it).
fn add(
    sql: &mut dyn Sql,
    id: &str,
    kind: &str,
    day: &str,
    payload: &Value,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let hash = last_hash(sql)?;
    sql.execute(
        "journaling for the server",
        "INSERT INTO outbox(event_id, kind, day, payload, local_hash, made_at) VALUES ($1, $2, $3, $4, $5, $6)",
        vals![id, kind, day, payload.to_string(), hash, crate::clock::rfc3339(at)],
    )?;
    Ok(())
}

fn day_of(sql: &mut dyn Sql, visit_id: i64) -> Result<String, StoreError> {
    sql.query_one("reading the visit's day", "SELECT day FROM visits WHERE id = $1", vals![visit_id])?.text(0)
}

/// Journals a check-in just recorded (after its audit row, in its transaction).
pub fn visit(sql: &mut dyn Sql, visit_id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    let row = sql.query_one(
        "journaling a visit",
        &format!("SELECT {}, repeat_of FROM visits WHERE id = $1", COLUMNS.join(", ")),
        vals![visit_id],
    )?;
    let mut fields = Map::new();
    for (i, c) in COLUMNS.iter().enumerate() {
        fields.insert(c.to_string(), value_of(&row, i));
    }
    let repeat_of = match row.opt_int(COLUMNS.len())? {
        Some(earlier) => Some(global_id(sql, earlier)?),
        None => None,
    };
    let id = global_id(sql, visit_id)?;
    fields.insert("repeat_of".into(), json!(repeat_of));
    fields.insert("global_id".into(), json!(id));
    let day = row.text(0)?;
    add(sql, &id, "visit", &day, &Value::Object(fields), at)
}

/// Journals a void just recorded.
pub fn void(sql: &mut dyn Sql, visit_id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    let row = sql.query_one(
        "journaling a void",
        "SELECT voided_at, voided_by, void_reason FROM visits WHERE id = $1",
        vals![visit_id],
    )?;
    let id = global_id(sql, visit_id)?;
    let payload = json!({"global_id": id, "voided_at": value_of(&row, 0), "voided_by": value_of(&row, 1),
                         "void_reason": value_of(&row, 2)});
    let day = day_of(sql, visit_id)?;
    add(sql, &format!("{id}-void"), "void", &day, &payload, at)
}

/// Journals a reprint just audited.
pub fn reprint(
    sql: &mut dyn Sql,
    visit_id: i64,
    operator: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id = global_id(sql, visit_id)?;
    let audit_id = sql.query_one("reading the audit chain", "SELECT MAX(id) FROM audit", &[])?.int(0)?;
    let payload = json!({"global_id": id, "operator": operator, "at": crate::clock::rfc3339(at)});
    let day = day_of(sql, visit_id)?;
    add(sql, &format!("{id}-reprint-{audit_id}"), "reprint", &day, &payload, at)
}

fn value_of(row: &Row, i: usize) -> Value {
    match row.0.get(i) {
        Some(Val::Int(n)) => json!(n),
        Some(Val::Text(t)) => json!(t),
        _ => Value::Null,
    }
}

fn text(v: &Value) -> Val {
    match v {
        Value::Null => Val::Null,
        Value::Number(n) => n.as_i64().map_or(Val::Null, Val::Int),
        Value::String(s) => Val::Text(s.clone()),
        other => Val::Text(other.to_string()),
    }
}

/// What `sync` did (the JSON of `tiepdon sync`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Synced {
    pub sent: u64,
    pub waiting: u64,
    /// `reachable` or `unreachable`.
    pub server: &'static str,
    /// What the server refused this time, oldest first (`event id: reason`); they stay waiting and are
    /// offered again at the next sync. Not in the JSON of `sync` (its contract), told on stderr.
    #[serde(skip)]
    pub refused: Vec<String>,
    /// The other desks' visits of the day changed since the last send (copied again).
    #[serde(skip)]
    pub peers_changed: bool,
}

/// The visits of `day` (local ids) whose check-in is not on the server yet.
pub fn unsent_visits(
    sql: &mut dyn Sql,
    day: chrono::NaiveDate,
) -> Result<std::collections::HashSet<i64>, StoreError> {
    let rows = sql.query(
        "reading the journal",
        "SELECT event_id FROM outbox WHERE kind = 'visit' AND sent_at IS NULL AND day = $1",
        vals![crate::card::date::iso(day)],
    )?;
    let mut ids = std::collections::HashSet::new();
    for r in rows {
        // A visit's event id is its clinic-wide id: this file's id, a dash, the local id.
        if let Some(id) = r.text(0)?.rsplit('-').next().and_then(|n| n.parse().ok()) {
            ids.insert(id);
        }
    }
    Ok(ids)
}

/// How many events wait to be sent.
pub fn waiting(local: &Store) -> Result<u64, StoreError> {
    let n: i64 = local
        .conn()
        .query_row("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL", [], |r| r.get(0))
        .map_err(|source| StoreError::Sqlite { what: "counting the journal", source })?;
    Ok(n as u64)
}

/// Sends the waiting events of `local` to `server`, oldest first, each in its own server transaction.
/// When the server is away it stops (that event and the later ones stay waiting, in order). An event the
/// server refuses (a day closed there, a rule) keeps its reason and stays waiting, offered again at each
/// sync; the events after it still go — one refusal never holds a desk's whole journal back.
pub fn push(local: &Store, server: &mut dyn Backend, desk: &str) -> Result<Synced, StoreError> {
    let events: Vec<(i64, String, String, String, String)> = local
        .conn()
        .prepare(
            "SELECT seq, event_id, kind, payload, local_hash FROM outbox WHERE sent_at IS NULL ORDER BY seq",
        )
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect()
        })
        .map_err(|source| StoreError::Sqlite { what: "reading the journal", source })?;
    let mut sent = 0;
    let mut reachable = true;
    let mut refused = Vec::new();
    for (seq, id, kind, payload, hash) in events {
        let payload: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
        let applied = super::write(server, |sql, _| apply(sql, desk, &id, &kind, &payload, &hash));
        match applied {
            Ok(()) => {
                local
                    .conn()
                    .execute(
                        "UPDATE outbox SET sent_at = ?1, refused = NULL WHERE seq = ?2",
                        rusqlite::params![crate::clock::rfc3339(crate::clock::now_utc()), seq],
                    )
                    .map_err(|source| StoreError::Sqlite { what: "marking an event sent", source })?;
                sent += 1;
            }
            Err(StoreError::Server {
                kind: super::ServerFault::Unreachable | super::ServerFault::InDoubt,
                ..
            }) => {
                // Away, or gone while committing: resent later (a second copy changes nothing).
                reachable = false;
                break;
            }
            Err(e) => {
                // The server answered no for a reason of its own: kept, with the reason, for a person.
                let (_, en) = e.messages();
                local
                    .conn()
                    .execute("UPDATE outbox SET refused = ?1 WHERE seq = ?2", rusqlite::params![en, seq])
                    .map_err(|source| StoreError::Sqlite { what: "keeping a refusal", source })?;
                refused.push(format!("{id}: {e}"));
            }
        }
    }
    Ok(Synced {
        sent,
        waiting: waiting(local)?,
        server: if reachable { "reachable" } else { "unreachable" },
        refused,
        peers_changed: false,
    })
}

/// Applies one event on the server, once: a second time (a resend after a lost acknowledgement) changes
/// nothing. The server's audit row keeps the desk's own hash of the event.
fn apply(
    sql: &mut dyn Sql,
    desk: &str,
    id: &str,
    kind: &str,
    p: &Value,
    hash: &str,
) -> Result<(), StoreError> {
    let now = crate::clock::now_utc();
    let fresh = sql.query_opt(
        "recording the desk's event",
        "INSERT INTO desk_events(id, desk, kind, local_hash, received_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING RETURNING id",
        vals![id, desk, kind, hash, crate::clock::rfc3339(now)],
    )?;
    if fresh.is_none() {
        return Ok(());
    }
    // A void or a reprint of a visit the server does not hold (its check-in refused) waits with it.
    let missing = || StoreError::Server {
        what: "applying the desk's event",
        server: String::new(),
        kind: super::ServerFault::Refused,
        detail: format!("the visit {} is not on the server (its check-in is still waiting)", p["global_id"]),
    };
    match kind {
        "visit" => {
            let day = p["day"].as_str().and_then(crate::card::date::parse_iso).unwrap_or_default();
            if super::closure::is_closed(sql, day)? {
                return Err(StoreError::Server {
                    what: "applying the desk's event",
                    server: String::new(),
                    kind: super::ServerFault::Refused,
                    detail: format!(
                        "the day {} is closed on the server; a supervisor reopens it (reopen-day) to take this visit",
                        crate::card::date::iso(day)
                    ),
                });
            }
            sql.execute(
                "recording the operator",
                "INSERT INTO operators(name, first_seen) VALUES ($1, $2) ON CONFLICT(name) DO NOTHING",
                vals![text(&p["operator"]), text(&p["checked_in_at"])],
            )?;
            let mut params: Vec<Val> = COLUMNS.iter().map(|c| text(&p[*c])).collect();
            params.push(text(&p["repeat_of"]));
            params.push(text(&p["global_id"]));
            params.push(Val::Text(hash.to_string()));
            let placeholders: Vec<String> = (1..=COLUMNS.len()).map(|i| format!("${i}")).collect();
            let n = COLUMNS.len();
            let visit_id = sql
                .query_one(
                    "recording the desk's visit",
                    &format!(
                        "INSERT INTO visits({}, repeat_of, global_id, desk_hash)
                         VALUES ({}, (SELECT id FROM visits WHERE global_id = ${}), ${}, ${}) RETURNING id",
                        COLUMNS.join(", "),
                        placeholders.join(", "),
                        n + 1,
                        n + 2,
                        n + 3
                    ),
                    &params,
                )?
                .int(0)?;
            let v = visits::by_id(sql, visit_id)?;
            let action = if v.overrides.is_empty() { "checkin" } else { "override" };
            let detail = json!({"visit_id": visit_id, "day": v.day, "status": v.status, "code": v.code,
                "overrides": v.overrides, "input": v.input_kind, "visit_digest": visits::recorded_digest(&v),
                "global_id": p["global_id"], "desk": desk, "desk_hash": hash});
            audit::append(sql, now, &v.operator, action, Some(&v.ticket), &detail)?;
        }
        "void" => {
            let changed = sql.execute(
                "voiding the desk's visit",
                "UPDATE visits SET voided_at = $1, voided_by = $2, void_reason = $3
                 WHERE global_id = $4 AND voided_at IS NULL",
                vals![
                    text(&p["voided_at"]),
                    text(&p["voided_by"]),
                    text(&p["void_reason"]),
                    text(&p["global_id"])
                ],
            )?;
            let found = sql
                .query_opt(
                    "finding the visit",
                    "SELECT id FROM visits WHERE global_id = $1",
                    vals![text(&p["global_id"])],
                )?
                .ok_or_else(missing)?;
            if changed > 0 {
                let v = visits::by_id(sql, found.int(0)?)?;
                let detail = json!({"visit_id": v.id, "day": v.day, "reason": v.void_reason,
                    "void_digest": visits::void_digest(&v), "global_id": p["global_id"], "desk": desk,
                    "desk_hash": hash});
                let by = v.voided_by.clone().unwrap_or_default();
                audit::append(sql, now, &by, "void", Some(&v.ticket), &detail)?;
            }
        }
        _ => {
            let found = sql.query_opt(
                "finding the visit",
                "SELECT id, ticket, day FROM visits WHERE global_id = $1",
                vals![text(&p["global_id"])],
            )?;
            let r = found.ok_or_else(missing)?;
            let detail = json!({"visit_id": r.int(0)?, "day": r.text(2)?, "global_id": p["global_id"],
                "desk": desk, "desk_hash": hash});
            let operator = p["operator"].as_str().unwrap_or("?");
            audit::append(sql, now, operator, "reprint", Some(&r.text(1)?), &detail)?;
        }
    }
    Ok(())
}

/// Sends a joined desk's journal over one connection kept between sends (the command line after each
/// write, the window's desk thread after each job and every few seconds); after each send it takes a
/// newer roster the server publishes, tells the server how this desk stands (for the close of a day)
/// and copies the other desks' visits of the day (for the repeat guard and the Today marks).
#[derive(Default)]
pub struct Sender {
    #[cfg(feature = "server")]
    server: Option<super::server::PgStore>,
    /// A window, or a command-line run that checks in: it says it stays (its silence then holds a
    /// day's close back). `tiepdon sync` says it leaves.
    pub stays: bool,
    /// What the other desks' visits looked like when last copied: (day, count, last id, voids).
    peers: Option<(String, i64, i64, i64)>,
    /// What this desk last told the server of itself, and when.
    reported: Option<(std::time::Instant, String)>,
}

impl Sender {
    /// A window's or a check-in run's sender: it says it stays, until [`Sender::leave`].
    pub fn staying() -> Sender {
        Sender { stays: true, ..Sender::default() }
    }

    /// Sends what waits one last time and tells the server this desk left (a window closing).
    pub fn leave(&mut self, local: &Store) -> Result<Option<Synced>, StoreError> {
        self.stays = false;
        self.send(local)
    }

    /// Sends what waits in `local`; `None` when it is not joined to a server.
    pub fn send(&mut self, local: &Store) -> Result<Option<Synced>, StoreError> {
        let s = super::settings::load(local.conn())?;
        let Some(Ok(super::Location::Server(url))) = s.server.as_deref().map(super::Location::parse) else {
            return Ok(None);
        };
        #[cfg(feature = "server")]
        {
            if self.server.is_none() {
                // The desk's own file is its roster copy too: a newer roster on the server comes first.
                match super::server::PgStore::open(&url, local.path()) {
                    Ok(server) => self.server = Some(server),
                    Err(_) => {
                        return Ok(Some(Synced {
                            sent: 0,
                            waiting: waiting(local)?,
                            server: "unreachable",
                            refused: Vec::new(),
                            peers_changed: false,
                        }));
                    }
                }
            }
            let Some(server) = self.server.as_mut() else { return Ok(None) };
            let mut pushed = push(local, server, &s.desk)?;
            if pushed.server == "reachable" {
                let day = crate::clock::to_vietnam(crate::clock::now_utc()).date();
                // A newer roster published on the server replaces this desk's in one transaction.
                let told = server
                    .refresh_roster()
                    .and_then(|_| {
                        let now = crate::clock::now_utc();
                        report(local, server, (&s.store_id, &s.desk), self.stays, now, &mut self.reported)
                    })
                    .and_then(|()| copy_peers(local, server, &s.store_id, day, &mut self.peers));
                match told {
                    Ok(changed) => pushed.peers_changed = changed,
                    Err(e) => {
                        log::warn!(target: "tiepdon", "the desk could not tell the server how it stands: {e}");
                        if matches!(e, StoreError::Server { .. }) {
                            pushed.server = "unreachable";
                        }
                    }
                }
            }
            if pushed.server == "unreachable" {
                self.server = None;
            }
            Ok(Some(pushed))
        }
        #[cfg(not(feature = "server"))]
        {
            let _ = url;
            Ok(Some(Synced {
                sent: 0,
                waiting: waiting(local)?,
                server: "unreachable",
                refused: Vec::new(),
                peers_changed: false,
            }))
        }
    }
}

/// How often a desk that stays says so when nothing changed (well inside [`SILENT_SECONDS`]).
const REPORT_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Tells the server how this desk stands: what waits, per day, and whether it stays (a window, a
/// check-in run) or leaves (`sync`, a window closing). A day is closed on the server only when every
/// desk's journal for it is there (see [`missing_desks`]). `last` is what was told and when: a desk
/// that stays and has nothing new to tell says so every [`REPORT_EVERY`], not at every send.
pub fn report(
    local: &Store,
    server: &mut dyn Backend,
    (store_id, desk): (&str, &str),
    stays: bool,
    now: DateTime<Utc>,
    last: &mut Option<(std::time::Instant, String)>,
) -> Result<(), StoreError> {
    let mut by_day = Map::new();
    let mut stmt = local
        .conn()
        .prepare("SELECT COALESCE(day, ''), COUNT(*) FROM outbox WHERE sent_at IS NULL GROUP BY day")
        .map_err(|source| StoreError::Sqlite { what: "counting the journal", source })?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|source| StoreError::Sqlite { what: "counting the journal", source })?;
    for (day, n) in rows {
        by_day.insert(day, json!(n));
    }
    let waiting = Value::Object(by_day).to_string();
    let told = format!("{desk}|{waiting}");
    if stays && last.as_ref().is_some_and(|(at, t)| *t == told && at.elapsed() < REPORT_EVERY) {
        return Ok(());
    }
    let at = crate::clock::rfc3339(now);
    let left = if stays { None } else { Some(at.clone()) };
    super::write(server, |sql, _| {
        sql.execute(
            "telling the server how the desk stands",
            "INSERT INTO desks(store_id, desk, seen_at, waiting, left_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (store_id) DO UPDATE SET desk = EXCLUDED.desk, seen_at = EXCLUDED.seen_at,
                 waiting = EXCLUDED.waiting, left_at = EXCLUDED.left_at",
            vals![store_id, desk, at.as_str(), waiting, left],
        )?;
        Ok(())
    })?;
    *last = Some((std::time::Instant::now(), told));
    Ok(())
}

/// How long a desk that stays (a window, a command-line run that checks in) may be silent before the
/// server counts it as away (a window reports every 3 s).
pub const SILENT_SECONDS: i64 = 120;

/// The desks whose journal for `day` is not all on the server, as the server knows them: one that
/// said it has events of that day waiting, or one that did not say it left and has not been heard
/// from for [`SILENT_SECONDS`] (it may be recording without the server). Each as a sentence naming
/// the desk, Vietnamese and English.
pub fn missing_desks(
    sql: &mut dyn Sql,
    day: &str,
    now: DateTime<Utc>,
    excused: &[String],
) -> Result<Vec<(String, String)>, StoreError> {
    if sql.engine() != super::sql::Engine::Postgres {
        return Ok(Vec::new());
    }
    let rows = sql.query(
        "reading how the desks stand",
        "SELECT desk, seen_at, waiting, left_at FROM desks ORDER BY desk, store_id",
        &[],
    )?;
    let mut out = Vec::new();
    for r in rows {
        let desk = r.text(0)?;
        if excused.iter().any(|d| d.eq_ignore_ascii_case(&desk)) {
            continue;
        }
        let seen = r.text(1)?;
        let waiting: Value = serde_json::from_str(&r.text(2)?).unwrap_or(Value::Null);
        let left = r.opt_text(3)?.is_some();
        let seen_at = DateTime::parse_from_rfc3339(&seen).map(|t| t.with_timezone(&Utc)).ok();
        let local = seen_at
            .map(|t| crate::clock::to_vietnam(t).format("%H:%M %d/%m").to_string())
            .unwrap_or_else(|| seen.clone());
        let n = waiting.get(day).and_then(Value::as_i64).unwrap_or(0);
        if n > 0 {
            out.push((
                format!("bàn {desk} còn {n} sự kiện ngày {day} chưa gửi lên (báo lúc {local})"),
                format!("desk {desk} has {n} events of {day} not sent yet (as of {local})"),
            ));
        } else if !left && seen_at.is_none_or(|t| (now - t).num_seconds() > SILENT_SECONDS) {
            out.push((
                format!("bàn {desk} không liên lạc từ {local}"),
                format!("desk {desk} has not been heard from since {local}"),
            ));
        }
    }
    Ok(out)
}

/// The server's visits of `day` made by other desks (not sent from this file), in the server's order.
const PEER_COLUMNS: &str = "id, global_id, day, desk, seq, ticket, checked_in_at, full_name, birth_date, sex, \
    card_number, bhxh_number, citizen_id, facility_code, status, code, verdict, input_kind, operator, visit_type, \
    overrides, voided_at, voided_by, void_reason";

/// Copies the other desks' visits of `day` from the server into this desk's file, replacing the copy
/// in one transaction, when they changed since the last copy (`seen`); true when it copied.
pub fn copy_peers(
    local: &Store,
    server: &mut dyn Backend,
    store_id: &str,
    day: chrono::NaiveDate,
    seen: &mut Option<(String, i64, i64, i64)>,
) -> Result<bool, StoreError> {
    let day = crate::card::date::iso(day);
    let mine = format!("{store_id}-%");
    let others = "day = $1 AND (global_id IS NULL OR global_id NOT LIKE $2)";
    let (rows, now) = super::read(server, |sql, _| {
        let r = sql.query_one(
            "looking at the other desks' visits",
            &format!("SELECT COUNT(*), COALESCE(MAX(id), 0), COUNT(voided_at) FROM visits WHERE {others}"),
            vals![day.as_str(), mine.as_str()],
        )?;
        let now = (day.clone(), r.int(0)?, r.int(1)?, r.int(2)?);
        if seen.as_ref() == Some(&now) {
            return Ok((None, now));
        }
        let rows = sql.query(
            "copying the other desks' visits",
            &format!("SELECT {PEER_COLUMNS} FROM visits WHERE {others} ORDER BY id"),
            vals![day.as_str(), mine.as_str()],
        )?;
        Ok((Some(rows), now))
    })?;
    let Some(rows) = rows else { return Ok(false) };
    let placeholders: Vec<String> = (1..=24).map(|i| format!("?{i}")).collect();
    let copy = || -> rusqlite::Result<()> {
        // One transaction: a look-up sees the old copy or the new one, never half of each.
        let tx = local.conn().unchecked_transaction()?;
        tx.execute("DELETE FROM peer_visits", [])?;
        {
            let mut insert = tx.prepare(&format!(
                "INSERT INTO peer_visits({PEER_COLUMNS}) VALUES ({})",
                placeholders.join(", ")
            ))?;
            for r in &rows {
                insert.execute(rusqlite::params_from_iter(&r.0))?;
            }
        }
        tx.commit()
    };
    copy().map_err(|source| StoreError::Sqlite { what: "copying the other desks' visits", source })?;
    *seen = Some(now);
    Ok(true)
}
