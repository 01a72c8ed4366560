//! The append-only audit trail: every check-in, void, override, import, export and settings change, with
//! who did it. Each row's SHA-256 covers its content and the previous row's hash, so an edited, deleted or
//! reordered row breaks the chain at a row `verify` can name.

use super::StoreError;
use super::sql::{Sql, vals};
use chrono::{DateTime, Utc};
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

/// Appends a row to the chain (inside the caller's transaction, which must hold the store's write
/// lock: SQLite's immediate transaction, the server's advisory lock).
pub fn append(
    sql: &mut dyn Sql,
    at: DateTime<Utc>,
    operator: &str,
    action: &str,
    subject: Option<&str>,
    detail: &serde_json::Value,
) -> Result<i64, StoreError> {
    let last =
        sql.query_opt("reading the audit chain", "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &[])?;
    let (prev_id, prev_hash) = match last {
        Some(r) => (r.int(0)?, r.text(1)?),
        None => (0, GENESIS.to_string()),
    };
    let entry = AuditEntry {
        id: prev_id + 1,
        at: crate::clock::rfc3339(at),
        operator: operator.to_string(),
        action: action.to_string(),
        subject: subject.map(str::to_string),
        detail: detail.to_string(),
    };
    let hash = digest(&prev_hash, &entry);
    sql.execute(
        "writing the audit log",
        "INSERT INTO audit(id, at, operator, action, subject, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        vals![
            entry.id,
            entry.at.as_str(),
            entry.operator.as_str(),
            entry.action.as_str(),
            &entry.subject,
            entry.detail.as_str(),
            prev_hash.as_str(),
            hash.as_str()
        ],
    )?;
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

/// Recomputes every hash in order and names the first row that does not match. (That every visit
/// matches what its audit rows recorded is the desk service's second half of `audit verify`.)
pub fn verify_chain(sql: &mut dyn Sql) -> Result<Verification, StoreError> {
    let rows = sql.query(
        "reading the audit log",
        "SELECT id, at, operator, action, subject, detail, prev_hash, hash FROM audit ORDER BY id",
        &[],
    )?;
    let (mut expected_prev, mut expected_id, mut count) = (GENESIS.to_string(), 1_i64, 0_i64);
    let fail = |id: i64, count: i64, problem: &str| Verification {
        ok: false,
        rows: count,
        first_bad_id: Some(id),
        first_bad_visit: None,
        problem: Some(problem.to_string()),
    };
    for r in rows {
        let entry = AuditEntry {
            id: r.int(0)?,
            at: r.text(1)?,
            operator: r.text(2)?,
            action: r.text(3)?,
            subject: r.opt_text(4)?,
            detail: r.text(5)?,
        };
        let (prev, hash) = (r.text(6)?, r.text(7)?);
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
    Ok(Verification { ok: true, rows: count, first_bad_id: None, first_bad_visit: None, problem: None })
}
