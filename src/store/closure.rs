//! Closed days: after the day's exports are sealed, check-ins for that day are refused until a
//! supervisor reopens it with a reason. Both are audited.

use super::sql::{Sql, vals};
use super::{StoreError, audit};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

/// Whether `day` is closed now.
pub fn is_closed(sql: &mut dyn Sql, day: NaiveDate) -> Result<bool, StoreError> {
    let found = sql.query_opt(
        "checking whether the day is closed",
        "SELECT 1 FROM day_closures WHERE day = $1 AND reopened_at IS NULL",
        vals![crate::card::date::iso(day)],
    )?;
    Ok(found.is_some())
}

/// Closes `day` (inside the caller's transaction), recording the sealed manifest's hash.
pub fn close(
    conn: &mut dyn Sql,
    day: NaiveDate,
    operator: &str,
    manifest_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if is_closed(conn, day)? {
        return Err(StoreError::invalid(
            format!("Ngày {day} đã được chốt."),
            format!("The day {day} is already closed."),
        ));
    }
    let day_text = crate::card::date::iso(day);
    conn.execute(
        "closing the day",
        "INSERT INTO day_closures(day, closed_at, closed_by, manifest_hash) VALUES ($1, $2, $3, $4)",
        vals![day_text.as_str(), crate::clock::rfc3339(now), operator, manifest_hash],
    )?;
    audit::append(
        conn,
        now,
        operator,
        "close-day",
        Some(&day_text),
        &json!({"day": day_text, "manifest_sha256": manifest_hash}),
    )?;
    Ok(())
}

/// Reopens a closed day; a supervisor, a reason and — when one is set — the supervisor PIN are
/// required. (On a clinic server the server also checks that the login is a supervisor's.)
pub fn reopen(
    conn: &mut dyn Sql,
    day: NaiveDate,
    supervisor: &str,
    reason: &str,
    pin: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if supervisor.trim().is_empty() || reason.trim().is_empty() {
        return Err(StoreError::invalid(
            "Mở lại ngày cần tên người phụ trách và lý do.",
            "Reopening a day needs the supervisor's name and a reason.",
        ));
    }
    if let Some(stored) = super::settings::load_in(conn)?.supervisor_pin
        && !pin.is_some_and(|p| super::settings::pin_matches(&stored, p))
    {
        return Err(StoreError::invalid(
            "Cần mã PIN đúng của người phụ trách để mở lại ngày đã chốt (--pin hoặc TIEPDON_SUPERVISOR_PIN).",
            "Reopening a closed day needs the supervisor's PIN (--pin or TIEPDON_SUPERVISOR_PIN); the one given \
             is missing or wrong.",
        ));
    }
    if !is_closed(conn, day)? {
        return Err(StoreError::invalid(
            format!("Ngày {day} chưa được chốt."),
            format!("The day {day} is not closed."),
        ));
    }
    let day_text = crate::card::date::iso(day);
    conn.execute(
        "reopening the day",
        "UPDATE day_closures SET reopened_at = $2, reopened_by = $3, reopen_reason = $4
         WHERE day = $1 AND reopened_at IS NULL",
        vals![day_text.as_str(), crate::clock::rfc3339(now), supervisor.trim(), reason.trim()],
    )?;
    audit::append(
        conn,
        now,
        supervisor.trim(),
        "reopen-day",
        Some(&day_text),
        &json!({"day": day_text, "reason": reason.trim()}),
    )?;
    Ok(())
}

/// What the database says of a sealed manifest (by its SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seal {
    /// The manifest of a close that still stands.
    Standing,
    /// The manifest of a close that was later reopened: the day may have changed since.
    Reopened,
    /// No close of this database sealed this manifest.
    Unknown,
}

/// Looks a manifest up among the seals of `day`.
pub fn seal(sql: &mut dyn Sql, day: &str, manifest_hash: &str) -> Result<Seal, StoreError> {
    let found = sql.query_opt(
        "reading the day's seal",
        "SELECT reopened_at FROM day_closures WHERE day = $1 AND manifest_hash = $2 ORDER BY id DESC LIMIT 1",
        vals![day, manifest_hash],
    )?;
    Ok(match found {
        None => Seal::Unknown,
        Some(r) if r.opt_text(0)?.is_none() => Seal::Standing,
        Some(_) => Seal::Reopened,
    })
}
