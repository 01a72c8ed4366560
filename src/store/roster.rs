//! The coverage roster: reading records by card code, BHXH number or citizen id; learning cards from
//! scanned BHYT QRs; linking a scanned citizen id to a card-holder with the same name and birth date.

use super::{Context, StoreError};
use crate::card::text::{NameMatch, compare_names};
use crate::card::{BhytCard, BirthDate, Card, CardCode, CccdCard, Sex, TypedNumber, date};
use crate::coverage::{CoverageRecord, RecordStatus, Reduction};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

/// A coverage record as stored, with what the verdict does not need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: i64,
    pub record: CoverageRecord,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    pub source: RecordSource,
}

/// Where a stored record comes from (`source` in JSON and in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordSource {
    /// An imported roster row.
    Roster,
    /// A card learned from its own QR at a check-in.
    Qr,
}

/// The text form of a record status, as in the roster CSV (`reduced:121` … `reduced:124` give the sub-reason).
pub fn status_text(s: RecordStatus) -> &'static str {
    match s {
        RecordStatus::Active => "active",
        RecordStatus::Revoked => "revoked",
        RecordStatus::Replaced => "replaced",
        RecordStatus::Reduced(Reduction::Unspecified) => "reduced",
        RecordStatus::Reduced(Reduction::MovedOtherProvince) => "reduced:121",
        RecordStatus::Reduced(Reduction::MovedInProvince) => "reduced:122",
        RecordStatus::Reduced(Reduction::Reenrolled) => "reduced:123",
        RecordStatus::Reduced(Reduction::Stopped) => "reduced:124",
    }
}

/// Parses a status written in a roster (case-insensitive); `None` if it is none of them.
pub fn parse_status(s: &str) -> Option<RecordStatus> {
    let s = s.trim();
    if s == "active" {
        return Some(RecordStatus::Active); // nearly every roster row
    }
    let s = s.to_ascii_lowercase();
    [
        RecordStatus::Active,
        RecordStatus::Revoked,
        RecordStatus::Replaced,
        RecordStatus::Reduced(Reduction::Unspecified),
        RecordStatus::Reduced(Reduction::MovedOtherProvince),
        RecordStatus::Reduced(Reduction::MovedInProvince),
        RecordStatus::Reduced(Reduction::Reenrolled),
        RecordStatus::Reduced(Reduction::Stopped),
    ]
    .into_iter()
    .find(|st| status_text(*st) == s)
}

const COLUMNS: &str = "id, card_number, bhxh_number, citizen_id, full_name, birth_date, sex, address, \
    facility_code, valid_from, valid_to, five_year_date, status, replaced_by, as_of, source, origin";

fn iso_date(r: &Row, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    Ok(r.get::<_, Option<String>>(i)?.as_deref().and_then(date::parse_iso))
}

fn from_row(r: &Row) -> rusqlite::Result<StoredRecord> {
    let as_of: String = r.get(14)?;
    let mut rec = CoverageRecord::new(date::parse_iso(&as_of).unwrap_or_default());
    rec.card_number = r.get::<_, Option<String>>(1)?.and_then(|c| CardCode::parse(&c).ok());
    rec.bhxh_number = r.get(2)?;
    rec.citizen_id = r.get(3)?;
    rec.full_name = r.get(4)?;
    rec.birth_date = r.get::<_, Option<String>>(5)?.as_deref().and_then(BirthDate::parse_any);
    rec.facility_code = r.get(8)?;
    rec.valid_from = iso_date(r, 9)?;
    rec.valid_to = iso_date(r, 10)?;
    rec.five_year_date = iso_date(r, 11)?;
    rec.status = parse_status(&r.get::<_, String>(12)?).unwrap_or(RecordStatus::Active);
    rec.replaced_by = r.get(13)?;
    let source = if r.get::<_, String>(15)? == "qr" { RecordSource::Qr } else { RecordSource::Roster };
    rec.from_scan = source == RecordSource::Qr;
    let origin: Option<String> = r.get(16)?;
    rec.current_for_days = origin
        .as_deref()
        .and_then(super::roster_file::Origin::parse)
        .map(|o| o.stale_limit(0))
        .filter(|d| *d > 0);
    Ok(StoredRecord {
        id: r.get(0)?,
        record: rec,
        sex: r.get::<_, Option<String>>(6)?.as_deref().and_then(Sex::from_str_exact),
        address: r.get(7)?,
        source,
    })
}

/// Which identifier to look a record up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'a> {
    Card(&'a str),
    Bhxh(&'a str),
    /// A record with this BHXH number and no card code.
    CardlessBhxh(&'a str),
    Citizen(&'a str),
}

/// The best record for an identifier. Several rows can share a BHXH number or citizen id (an old and a
/// new card, a card learned from a scan): the roster outranks scans, then an active card, then the
/// latest start.
pub fn find(conn: &Connection, key: Key) -> Result<Option<StoredRecord>, StoreError> {
    let (filter, value) = match key {
        Key::Card(v) => ("bhxh_number = substr(?1, 6) AND card_number = ?1", v),
        Key::Bhxh(v) => ("bhxh_number = ?1", v),
        Key::CardlessBhxh(v) => ("bhxh_number = ?1 AND card_number IS NULL", v),
        Key::Citizen(v) => ("citizen_id = ?1", v),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM coverage WHERE {filter} \
         ORDER BY source = 'roster' DESC, status = 'active' DESC, valid_from DESC, as_of DESC LIMIT 1"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row([value], from_row).optional())
        .doing("looking up a card")
}

/// A presented card code's record: its own row, else a card-less row of the same BHXH number. Another
/// card of the same person is not this card: its benefit, dates and status say nothing about this one.
fn find_card(conn: &Connection, code: &CardCode) -> Result<Option<StoredRecord>, StoreError> {
    match (find(conn, Key::Card(code.as_str()))?, code.bhxh_number()) {
        (Some(found), _) => Ok(Some(found)),
        (None, Some(bhxh)) => find(conn, Key::CardlessBhxh(bhxh)),
        // A card before 2015 holds no BHXH number: nothing else to look it up by.
        (None, None) => Ok(None),
    }
}

/// The record for whatever was presented. A card-less row learned from a scan gives way to the roster's
/// record of the same BHXH number (a scan cannot show a revocation).
pub fn find_for(conn: &Connection, card: &Card) -> Result<Option<StoredRecord>, StoreError> {
    let found = match card {
        Card::Bhyt(b) => match (&b.card_code, &b.bhxh_number) {
            (Some(code), _) => find_card(conn, code)?,
            (None, Some(bhxh)) => find(conn, Key::Bhxh(bhxh))?,
            (None, None) => None,
        },
        Card::Cccd(c) => find(conn, Key::Citizen(&c.citizen_id))?,
        Card::Number(TypedNumber::CardCode(c)) => find_card(conn, c)?,
        Card::Number(TypedNumber::Bhxh(n)) => find(conn, Key::Bhxh(n))?,
        Card::Number(TypedNumber::CitizenId(n)) => find(conn, Key::Citizen(n))?,
        Card::Number(TypedNumber::OldId(_)) => None,
    };
    match found {
        Some(row) if row.source != RecordSource::Roster && row.record.card_number.is_none() => {
            let bhxh = row.record.bhxh_number.clone();
            let roster = match &bhxh {
                Some(b) => find(conn, Key::Bhxh(b))?.filter(|r| r.source == RecordSource::Roster),
                None => None,
            };
            Ok(roster.or(Some(row)))
        }
        other => Ok(other),
    }
}

/// The BHXH number of the one person without a citizen id whose name and full birth date equal the
/// scanned citizen card's (all their cards count as one person). Two such people: `None`.
pub fn citizen_holder(conn: &Connection, cccd: &CccdCard) -> Result<Option<String>, StoreError> {
    let candidates: Vec<StoredRecord> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM coverage WHERE citizen_id IS NULL AND birth_date = ?1"
        ))
        .and_then(|mut s| s.query_map([cccd.birth_date.to_string()], from_row)?.collect())
        .doing("looking for the card-holder of a citizen id")?;
    let mut people: Vec<String> = candidates
        .into_iter()
        .filter(|c| {
            c.record
                .full_name
                .as_deref()
                .is_some_and(|n| compare_names(n, &cccd.full_name) == NameMatch::Same)
        })
        .filter_map(|c| c.record.bhxh_number)
        .collect();
    people.sort();
    people.dedup();
    Ok(if people.len() == 1 { people.pop() } else { None })
}

/// Records a citizen id on every card of the person with this BHXH number that has none yet.
pub fn link_citizen(conn: &Connection, citizen_id: &str, bhxh_number: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE coverage SET citizen_id = ?1 WHERE bhxh_number = ?2 AND citizen_id IS NULL",
        params![citizen_id, bhxh_number],
    )
    .doing("linking a citizen id to a card")?;
    Ok(())
}

/// Remembers what a scanned BHYT QR prints, so the patient can later be found by another identifier.
/// A card learned from an earlier scan is overwritten; an imported roster row only has its gaps filled
/// (a QR cannot show a revocation, so it never overrides the roster). A card of the template before
/// 2015 is not remembered: its code holds no BHXH number to find the person by.
pub fn learn_from_qr(conn: &Connection, card: &BhytCard, scanned_on: NaiveDate) -> Result<(), StoreError> {
    let Some(bhxh) = card.bhxh_number.as_deref() else { return Ok(()) };
    let existing = match &card.card_code {
        Some(code) => find(conn, Key::Card(code.as_str()))?,
        None => find(conn, Key::Bhxh(bhxh))?,
    };
    let values = params![
        card.card_code.as_ref().map(CardCode::as_str),
        card.bhxh_number,
        card.full_name,
        card.birth_date.map(|d| d.to_string()),
        card.sex.map(Sex::as_str),
        card.address,
        card.facility_code,
        card.valid_from.map(date::iso),
        card.valid_to.map(date::iso),
        card.five_year_date.map(date::iso),
        date::iso(scanned_on),
    ];
    match existing {
        None => conn.execute(
            "INSERT INTO coverage(card_number, bhxh_number, full_name, birth_date, sex, address, facility_code,
                                  valid_from, valid_to, five_year_date, as_of, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'qr')",
            values,
        ),
        Some(row) if row.source == RecordSource::Qr => conn.execute(
            "UPDATE coverage SET card_number = COALESCE(?1, card_number), bhxh_number = ?2, full_name = ?3,
                birth_date = ?4, sex = ?5, address = ?6, facility_code = ?7, valid_from = ?8, valid_to = ?9,
                five_year_date = ?10, as_of = ?11
             WHERE id = ?12",
            rusqlite::params_from_iter(values.iter().copied().chain([&row.id as &dyn rusqlite::ToSql])),
        ),
        Some(row) => conn.execute(
            "UPDATE coverage SET bhxh_number = COALESCE(bhxh_number, ?2), full_name = COALESCE(full_name, ?3),
                birth_date = COALESCE(birth_date, ?4), sex = COALESCE(sex, ?5), address = COALESCE(address, ?6),
                facility_code = COALESCE(facility_code, ?7), valid_from = COALESCE(valid_from, ?8),
                five_year_date = COALESCE(five_year_date, ?10)
             WHERE id = ?12",
            rusqlite::params_from_iter(values.iter().copied().chain([&row.id as &dyn rusqlite::ToSql])),
        ),
    }
    .doing("remembering a scanned card")?;
    Ok(())
}

/// The JSON form of a stored record (`lookup` prints it).
#[derive(Debug, Serialize)]
pub struct RecordView {
    pub card_number: Option<String>,
    pub bhxh_number: Option<String>,
    pub citizen_id: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    pub facility_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub five_year_date: Option<NaiveDate>,
    pub status: &'static str,
    pub replaced_by: Option<String>,
    pub as_of: NaiveDate,
    pub source: RecordSource,
}

impl From<&StoredRecord> for RecordView {
    fn from(s: &StoredRecord) -> RecordView {
        let r = &s.record;
        RecordView {
            card_number: r.card_number.as_ref().map(|c| c.as_str().to_string()),
            bhxh_number: r.bhxh_number.clone(),
            citizen_id: r.citizen_id.clone(),
            full_name: r.full_name.clone(),
            birth_date: r.birth_date.map(|d| d.to_string()),
            sex: s.sex,
            address: s.address.clone(),
            facility_code: r.facility_code.clone(),
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            five_year_date: r.five_year_date,
            status: status_text(r.status),
            replaced_by: r.replaced_by.clone(),
            as_of: r.as_of,
            source: s.source,
        }
    }
}
