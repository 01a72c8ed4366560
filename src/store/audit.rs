//! The append-only audit trail: every check-in, void, override, import, export and settings change, with
//! who did it. Each row's SHA-256 covers its content and the previous row's hash, so an edited, deleted or
//! reordered row breaks the chain at a row `verify` can name.

use super::{Context, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC time, RFC 3339.
    pub at: String,
    pub operator: String,
    /// `checkin`, `void`, `override`, `import`, `export`, `settings`, …
    pub action: String,
    /// What it is about (a ticket, a file name, a setting key); never a patient's name.
    pub subject: Option<String>,
    /// JSON with the particulars.
    pub detail: String,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(prev: &str, e: &AuditEntry) -> String {
    let subject = e.subject.as_deref().unwrap_or("");
    let mut text = Vec::new();
    for part in [prev, &e.id.to_string(), &e.at, &e.operator, &e.action, subject, &e.detail] {
        // Length-prefixed, so no two different rows hash the same text.
        text.extend_from_slice(&(part.len() as u64).to_be_bytes());
        text.extend_from_slice(part.as_bytes());
    }
    sha256_hex(&text)
}

/// Appends a row to the chain (inside the caller's transaction).
pub fn append(
    conn: &Connection,
    at: DateTime<Utc>,
    operator: &str,
    action: &str,
    subject: Option<&str>,
    detail: &serde_json::Value,
) -> Result<i64, StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .doing("reading the audit chain")?;
    let (prev_id, prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
    let entry = AuditEntry {
        id: prev_id + 1,
        at: crate::clock::rfc3339(at),
        operator: operator.to_string(),
        action: action.to_string(),
        subject: subject.map(str::to_string),
        detail: detail.to_string(),
    };
    let hash = digest(&prev_hash, &entry);
    conn.execute(
        "INSERT INTO audit(id, at, operator, action, subject, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.id,
            entry.at,
            entry.operator,
            entry.action,
            entry.subject,
            entry.detail,
            prev_hash,
            hash
        ],
    )
    .doing("writing the audit log")?;
    Ok(entry.id)
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub ok: bool,
    pub rows: i64,
    /// The first audit row whose content or link does not match, when not ok.
    pub first_bad_id: Option<i64>,
    /// The first visit that differs from what the audit log recorded for it.
    pub first_bad_visit: Option<i64>,
    pub problem: Option<String>,
}

/// Recomputes every hash in order and names the first row that does not match.
pub fn verify(conn: &Connection) -> Result<Verification, StoreError> {
    let mut stmt = conn
        .prepare("SELECT id, at, operator, action, subject, detail, prev_hash, hash FROM audit ORDER BY id")
        .doing("reading the audit log")?;
    let mut rows = stmt.query([]).doing("reading the audit log")?;
    let (mut expected_prev, mut expected_id, mut count) = (GENESIS.to_string(), 1_i64, 0_i64);
    let fail = |id: i64, count: i64, problem: &str| Verification {
        ok: false,
        rows: count,
        first_bad_id: Some(id),
        first_bad_visit: None,
        problem: Some(problem.to_string()),
    };
    while let Some(r) = rows.next().doing("reading the audit log")? {
        let entry = AuditEntry {
            id: r.get(0).doing("audit id")?,
            at: r.get(1).doing("audit time")?,
            operator: r.get(2).doing("audit operator")?,
            action: r.get(3).doing("audit action")?,
            subject: r.get(4).doing("audit subject")?,
            detail: r.get(5).doing("audit detail")?,
        };
        let (prev, hash): (String, String) = (r.get(6).doing("audit link")?, r.get(7).doing("audit hash")?);
        count += 1;
        if entry.id != expected_id {
            return Ok(fail(expected_id, count, "a row is missing or out of order"));
        }
        if prev != expected_prev {
            return Ok(fail(entry.id, count, "the link to the previous row is broken"));
        }
        if digest(&prev, &entry) != hash {
            return Ok(fail(entry.id, count, "the row's content was changed"));
        }
        expected_prev = hash;
        expected_id += 1;
    }
    // The chain holds: now every visit must match what its audit rows recorded.
    let bad_visit = super::visits::first_unaudited_change(conn)?;
    Ok(Verification {
        ok: bad_visit.is_none(),
        rows: count,
        first_bad_id: None,
        first_bad_visit: bad_visit.map(|(id, _)| id),
        problem: bad_visit.map(|(_, why)| why.to_string()),
    })
}
