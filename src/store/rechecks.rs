//! The online re-check's queue and answers: which visits of a day wait for the VSS gateway (decided
//! on the card alone, or unverified; not voided; no final answer yet), and each answer stored beside
//! its visit — append-only, the final ones in the audit chain (without credentials or the patient's
//! details: the code, the outcome and a digest of what was stored).

use super::sql::{Sql, vals};
use super::{StoreError, audit};
use crate::gateway::recheck::RecheckOutcome;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// A visit waiting for its re-check, with what the gateway is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub visit_id: i64,
    pub ticket: String,
    pub day: String,
    pub card_number: Option<String>,
    pub bhxh_number: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
}

/// A visit's latest re-check (Today's column, the visit's card, `visits`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recheck {
    pub outcome: RecheckOutcome,
    pub result_code: Option<String>,
    pub note: String,
    /// UTC, RFC 3339.
    pub at: String,
    /// The card fields the gateway returned.
    pub gateway: Map<String, Value>,
}

/// The visits of `day` to re-check, in check-in order: decided on the card alone (`source: qr`) or
/// CANNOT_VERIFY, not voided, without a final answer.
pub fn queue(sql: &mut dyn Sql, day: NaiveDate) -> Result<Vec<Queued>, StoreError> {
    let rows = sql.query(
        "listing the re-check queue",
        "SELECT v.id, v.ticket, v.day, v.card_number, v.bhxh_number, v.full_name, v.birth_date FROM visits v
         WHERE v.day = $1 AND v.voided_at IS NULL
           AND (v.status = 'CANNOT_VERIFY' OR (v.status <> 'NOT_ELIGIBLE' AND v.verdict LIKE '%\"source\":\"qr\"%'))
           AND NOT EXISTS (SELECT 1 FROM rechecks r WHERE r.visit_id = v.id AND r.outcome <> 'waiting')
         ORDER BY v.id",
        vals![crate::card::date::iso(day)],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Queued {
                visit_id: r.int(0)?,
                ticket: r.text(1)?,
                day: r.text(2)?,
                card_number: r.opt_text(3)?,
                bhxh_number: r.opt_text(4)?,
                full_name: r.opt_text(5)?,
                birth_date: r.opt_text(6)?,
            })
        })
        .collect()
}

/// Stores a re-check of `visit` (its answer, or why it waits); a final answer is audited as done by
/// `operator`. One transaction of the caller's.
pub fn record(
    sql: &mut dyn Sql,
    visit: &Queued,
    r: &Recheck,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let gateway = Value::Object(r.gateway.clone()).to_string();
    sql.execute(
        "storing the re-check",
        "INSERT INTO rechecks(visit_id, at, outcome, result_code, note, gateway, operator)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vals![
            visit.visit_id,
            r.at.as_str(),
            r.outcome.as_str(),
            &r.result_code,
            r.note.as_str(),
            gateway.as_str(),
            operator
        ],
    )?;
    if r.outcome != RecheckOutcome::Waiting {
        let digest = audit::sha256_hex(
            format!("{}|{}|{}", r.result_code.as_deref().unwrap_or(""), r.note, gateway).as_bytes(),
        );
        let detail = json!({"visit_id": visit.visit_id, "day": visit.day, "result_code": r.result_code,
                            "outcome": r.outcome, "answer_digest": digest});
        audit::append(sql, now, operator, "recheck", Some(&visit.ticket), &detail)?;
    }
    Ok(())
}

/// The latest re-check of each visit of `day` that has one.
pub fn latest(sql: &mut dyn Sql, day: NaiveDate) -> Result<HashMap<i64, Recheck>, StoreError> {
    let rows = sql.query(
        "reading the re-checks",
        "SELECT r.visit_id, r.outcome, r.result_code, r.note, r.at, r.gateway FROM rechecks r
         JOIN visits v ON v.id = r.visit_id WHERE v.day = $1 ORDER BY r.id",
        vals![crate::card::date::iso(day)],
    )?;
    let mut out = HashMap::new();
    for r in rows {
        let Some(outcome) = RecheckOutcome::parse(&r.text(1)?) else { continue };
        let gateway = match serde_json::from_str(&r.text(5)?) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let at = r.text(4)?;
        let rc = Recheck { outcome, result_code: r.opt_text(2)?, note: r.text(3)?, at, gateway };
        // A final answer stands; a later "waiting" row cannot follow one (the queue skips it).
        out.insert(r.int(0)?, rc);
    }
    Ok(out)
}
