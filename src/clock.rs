//! Time for the desk. Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
//! `TIEPDON_NOW` (RFC 3339, e.g. `2026-11-23T02:00:00Z`) pins the clock, for tests and demonstrations.

use chrono::{DateTime, Duration, NaiveDateTime, SubsecRound, Utc};

/// Offset of Asia/Ho_Chi_Minh from UTC, in hours.
pub const VIETNAM_UTC_OFFSET_HOURS: i64 = 7;

/// The environment variable that pins the clock.
pub const NOW_VAR: &str = "TIEPDON_NOW";

/// Now, in UTC, to the second (or the pinned time).
pub fn now_utc() -> DateTime<Utc> {
    std::env::var(NOW_VAR)
        .ok()
        .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
        .trunc_subsecs(0)
}

/// A UTC instant as stored: RFC 3339 to the second, `Z` suffix.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Local (Vietnam) date and time of a UTC instant.
pub fn to_vietnam(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::hours(VIETNAM_UTC_OFFSET_HOURS)
}

/// The UTC instant of a local (Vietnam) date and time.
pub fn from_vietnam(t: NaiveDateTime) -> DateTime<Utc> {
    (t - Duration::hours(VIETNAM_UTC_OFFSET_HOURS)).and_utc()
}

/// The current local date and time in Vietnam, to the second.
pub fn vietnam_now() -> NaiveDateTime {
    to_vietnam(now_utc())
}
