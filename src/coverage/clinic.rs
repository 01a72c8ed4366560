//! The clinic's own settings that a verdict depends on: its facility code and level, and the thresholds
//! of spec §10 (expiry warning, data age), with the project defaults.

use super::reason::Status;
use serde::{Deserialize, Serialize};

/// Settings of the clinic running the desk. The store persists them; these defaults stand until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Clinic {
    /// This facility's 5-character code (MA_CSKCB); `None` until configured (then no route is proposed).
    pub facility_code: Option<String>,
    pub name: String,
    /// The clinic's province code; `None` means the first 2 characters of the facility code.
    pub province: Option<String>,
    /// True for a commune / general clinic / district-level facility (spec §5.4: same-province cards are
    /// then category 1.2, not self-referral).
    pub primary_level: bool,
    /// Warn (L08) when the card ends within this many days.
    pub expiry_warning_days: i64,
    /// Warn (L02) when local data is older than this many days.
    pub stale_warning_days: i64,
    /// Refuse to confirm (L03) when local data is older than this many days.
    pub stale_limit_days: i64,
    /// What "not in local data, checked against the card only" (L07) does: `None` = information only
    /// (the default), or a status such as `ELIGIBLE_WITH_WARNING` or `CANNOT_VERIFY`.
    pub card_only_status: Option<Status>,
}

impl Default for Clinic {
    fn default() -> Clinic {
        Clinic {
            facility_code: None,
            name: "Phòng khám".to_string(),
            province: None,
            primary_level: true,
            expiry_warning_days: 30,
            stale_warning_days: 30,
            stale_limit_days: 90,
            card_only_status: None,
        }
    }
}

impl Clinic {
    /// A clinic with this facility code and the default thresholds.
    pub fn with_facility(code: &str) -> Clinic {
        Clinic { facility_code: Some(code.to_ascii_uppercase()), ..Clinic::default() }
    }

    /// The clinic's province: as configured, else the first 2 characters of the facility code.
    pub fn province_code(&self) -> Option<&str> {
        self.province.as_deref().or_else(|| self.facility_code.as_deref().and_then(|c| c.get(..2)))
    }
}
