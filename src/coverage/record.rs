//! A coverage record: what local data (the roster, or an earlier scan) says about one card, and as of
//! when. The store produces these; the verdict reads them.

use crate::card::{BirthDate, CardCode};
use chrono::NaiveDate;
use serde::Serialize;

/// The card's standing in the synced data (spec §6.3: VSS 110, 120–124, 003/004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Active,
    Revoked,
    /// Reported reduced (báo giảm), with the sub-reason when known.
    Reduced(Reduction),
    /// A new card was issued; see `replaced_by`.
    Replaced,
}

/// The sub-reasons of a báo giảm (VSS 120–124).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduction {
    Unspecified,
    MovedOtherProvince,
    MovedInProvince,
    Reenrolled,
    Stopped,
}

/// What local data knows about one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRecord {
    pub card_number: Option<CardCode>,
    pub bhxh_number: Option<String>,
    pub citizen_id: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<BirthDate>,
    pub facility_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub five_year_date: Option<NaiveDate>,
    pub status: RecordStatus,
    /// The replacement card's code, when `status` is `Replaced` and it is known.
    pub replaced_by: Option<String>,
    /// The date the data was true (its age is measured from here).
    pub as_of: NaiveDate,
    /// Learned from an earlier scan of the card's own QR, not from the roster: evidence no better than
    /// the card itself.
    pub from_scan: bool,
    /// How many days the data stays the newest its source gives (BHXH's quarterly list: ~100), when
    /// longer than the clinic's data-age limits; `None` for the clinic's own limits.
    pub current_for_days: Option<i64>,
}

impl CoverageRecord {
    /// An empty active record as of a date, to fill field by field.
    pub fn new(as_of: NaiveDate) -> CoverageRecord {
        CoverageRecord {
            card_number: None,
            bhxh_number: None,
            citizen_id: None,
            full_name: None,
            birth_date: None,
            facility_code: None,
            valid_from: None,
            valid_to: None,
            five_year_date: None,
            status: RecordStatus::Active,
            replaced_by: None,
            as_of,
            from_scan: false,
            current_for_days: None,
        }
    }
}
