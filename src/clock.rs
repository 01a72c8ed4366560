//! Vietnam local time. The country keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.

use chrono::{Duration, NaiveDateTime, SubsecRound, Utc};

/// Offset of Asia/Ho_Chi_Minh from UTC, in hours.
pub const VIETNAM_UTC_OFFSET_HOURS: i64 = 7;

/// The current local date and time in Vietnam, to the second.
pub fn vietnam_now() -> NaiveDateTime {
    (Utc::now().naive_utc() + Duration::hours(VIETNAM_UTC_OFFSET_HOURS)).trunc_subsecs(0)
}
