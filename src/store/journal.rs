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

fn add(
    sql: &mut dyn Sql,
    id: &str,
    kind: &str,
    payload: &Value,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let hash = last_hash(sql)?;
    sql.execute(
        "journaling for the server",
        "INSERT INTO outbox(event_id, kind, payload, local_hash, made_at) VALUES ($1, $2, $3, $4, $5)",
        vals![id, kind, payload.to_string(), hash, crate::clock::rfc3339(at)],
    )?;
    Ok(())
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
    add(sql, &id, "visit", &Value::Object(fields), at)
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
    add(sql, &format!("{id}-void"), "void", &payload, at)
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
    add(sql, &format!("{id}-reprint-{audit_id}"), "reprint", &payload, at)
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
}

/// How many events wait to be sent.
pub fn waiting(local: &Store) -> Result<u64, StoreError> {
    let n: i64 = local
        .conn()
        .query_row("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL", [], |r| r.get(0))
        .map_err(|source| StoreError::Sqlite { what: "counting the journal", source })?;
    Ok(n as u64)
}

/// Sends the waiting events of `local` to `server`, oldest first, each in its own server transaction;
/// stops at the first that cannot be sent (it and the later ones stay waiting, in order).
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
    for (seq, id, kind, payload, hash) in events {
        let payload: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
        let applied = super::write(server, |sql, _| apply(sql, desk, &id, &kind, &payload, &hash));
        match applied {
            Ok(()) => {
                local
                    .conn()
                    .execute(
                        "UPDATE outbox SET sent_at = ?1 WHERE seq = ?2",
                        rusqlite::params![crate::clock::rfc3339(crate::clock::now_utc()), seq],
                    )
                    .map_err(|source| StoreError::Sqlite { what: "marking an event sent", source })?;
                sent += 1;
            }
            Err(StoreError::Server { kind: super::ServerFault::Refused, .. }) => {
                // The server refused it for a reason of its own (a rule, a ticket another desk holds):
                // it stays waiting and says so; the events after it wait behind it, in order.
                reachable = true;
                break;
            }
            Err(_) => {
                reachable = false;
                break;
            }
        }
    }
    Ok(Synced { sent, waiting: waiting(local)?, server: if reachable { "reachable" } else { "unreachable" } })
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
    match kind {
        "visit" => {
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
            if changed > 0 {
                let found = sql.query_one(
                    "finding the visit",
                    "SELECT id FROM visits WHERE global_id = $1",
                    vals![text(&p["global_id"])],
                )?;
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
            if let Some(r) = found {
                let detail = json!({"visit_id": r.int(0)?, "day": r.text(2)?, "global_id": p["global_id"],
                    "desk": desk, "desk_hash": hash});
                let operator = p["operator"].as_str().unwrap_or("?");
                audit::append(sql, now, operator, "reprint", Some(&r.text(1)?), &detail)?;
            }
        }
    }
    Ok(())
}

/// Sends a joined desk's journal over one connection kept between sends (the command line after each
/// write, the window's desk thread after each job and every few seconds).
#[derive(Default)]
pub struct Sender {
    #[cfg(feature = "server")]
    server: Option<super::server::PgStore>,
}

impl Sender {
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
                        return Ok(Some(Synced { sent: 0, waiting: waiting(local)?, server: "unreachable" }));
                    }
                }
            }
            let Some(server) = self.server.as_mut() else { return Ok(None) };
            let pushed = push(local, server, &s.desk)?;
            if pushed.server == "unreachable" {
                self.server = None;
            }
            Ok(Some(pushed))
        }
        #[cfg(not(feature = "server"))]
        {
            let _ = url;
            Ok(Some(Synced { sent: 0, waiting: waiting(local)?, server: "unreachable" }))
        }
    }
}
