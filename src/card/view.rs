//! The JSON shape of a card and of a parse (the CLI contract): fixed keys, ISO dates, absent = null.

use super::date::iso;
use super::{Card, CardCode, Detection, Kind, Layout, Sex, TypedNumber, Warning};
use chrono::NaiveDate;
use serde::Serialize;

/// A card as the CLI and the exports print it. Every key of its kind is always present.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // short-lived, built only to be printed
pub enum CardView {
    Bhyt(BhytView),
    Cccd(CccdView),
    Number(NumberView),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BhytView {
    pub card_number: Option<String>,
    /// Null for a card of the template before 2015 (its code holds no BHXH number).
    pub bhxh_number: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    /// The code after `_` that Hồ Chí Minh City cards append to the address.
    pub address_code: Option<String>,
    pub facility_code: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub issued_on: Option<String>,
    pub five_year_date: Option<String>,
    pub benefit_level: Option<u8>,
    pub province_code: Option<String>,
    pub group_code: Option<String>,
    pub management_code: Option<String>,
    pub parent_name: Option<String>,
    pub area_code: Option<String>,
    pub check_string: Option<String>,
    pub issuing_area: Option<String>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CccdView {
    pub citizen_id: String,
    pub old_id: Option<String>,
    pub full_name: String,
    pub birth_date: String,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    pub issued_on: Option<String>,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberView {
    pub card_number: Option<String>,
    pub bhxh_number: Option<String>,
    pub citizen_id: Option<String>,
    pub old_id: Option<String>,
    pub benefit_level: Option<u8>,
    pub province_code: Option<String>,
    pub group_code: Option<String>,
    pub warnings: Vec<Warning>,
}

impl CardView {
    /// Puts `notes` (what was repaired in the text, see [`Detection::notes`]) before the card's warnings.
    pub fn with_notes(mut self, notes: &[Warning]) -> CardView {
        let warnings = match &mut self {
            CardView::Bhyt(v) => &mut v.warnings,
            CardView::Cccd(v) => &mut v.warnings,
            CardView::Number(v) => &mut v.warnings,
        };
        warnings.splice(0..0, notes.iter().cloned());
        self
    }
}

fn iso_opt(d: Option<NaiveDate>) -> Option<String> {
    d.map(iso)
}

impl From<&Card> for CardView {
    fn from(card: &Card) -> CardView {
        match card {
            Card::Bhyt(c) => {
                let code = c.card_code.as_ref();
                CardView::Bhyt(BhytView {
                    card_number: code.map(|k| k.as_str().to_string()),
                    bhxh_number: c.bhxh_number.clone(),
                    full_name: c.full_name.clone(),
                    birth_date: c.birth_date.map(|d| d.to_string()),
                    sex: c.sex,
                    address: c.address.clone(),
                    address_code: c.address_code.clone(),
                    facility_code: c.facility_code.clone(),
                    valid_from: iso_opt(c.valid_from),
                    valid_to: iso_opt(c.valid_to),
                    issued_on: iso_opt(c.issued_on),
                    five_year_date: iso_opt(c.five_year_date),
                    benefit_level: code.map(CardCode::benefit),
                    province_code: code.map(|k| k.province().to_string()),
                    group_code: code.map(|k| k.group().to_string()),
                    management_code: c.management_code.clone(),
                    parent_name: c.parent_name.clone(),
                    area_code: c.area_code.clone(),
                    check_string: c.check_string.clone(),
                    issuing_area: c.issuing_area.clone(),
                    warnings: c.warnings.clone(),
                })
            }
            Card::Cccd(c) => CardView::Cccd(CccdView {
                citizen_id: c.citizen_id.clone(),
                old_id: c.old_id.clone(),
                full_name: c.full_name.clone(),
                birth_date: c.birth_date.to_string(),
                sex: c.sex,
                address: c.address.clone(),
                issued_on: iso_opt(c.issued_on),
                father_name: c.father_name.clone(),
                mother_name: c.mother_name.clone(),
                warnings: c.warnings.clone(),
            }),
            Card::Number(n) => {
                let mut v = NumberView {
                    card_number: None,
                    bhxh_number: None,
                    citizen_id: None,
                    old_id: None,
                    benefit_level: None,
                    province_code: None,
                    group_code: None,
                    warnings: Vec::new(),
                };
                match n {
                    TypedNumber::CardCode(k) => {
                        v.card_number = Some(k.as_str().to_string());
                        v.bhxh_number = k.bhxh_number().map(str::to_string);
                        v.benefit_level = Some(k.benefit());
                        v.province_code = Some(k.province().to_string());
                        v.group_code = Some(k.group().to_string());
                    }
                    TypedNumber::Bhxh(s) => v.bhxh_number = Some(s.clone()),
                    TypedNumber::CitizenId(s) => v.citizen_id = Some(s.clone()),
                    TypedNumber::OldId(s) => v.old_id = Some(s.clone()),
                }
                CardView::Number(v)
            }
        }
    }
}

/// `tiepdon parse` output: `{"kind", "layout", "card", "error", "error_code", "error_vi", "repaired",
/// "input_method"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParseReport {
    pub kind: Kind,
    pub layout: Option<Layout>,
    pub card: Option<CardView>,
    /// English reason the text was rejected, prefixed by its code; null when parsed.
    pub error: Option<String>,
    /// The VSS-style code of the rejection (`L04`, `051`, `052`, `053`).
    pub error_code: Option<&'static str>,
    /// The reason in Vietnamese.
    pub error_vi: Option<String>,
    /// The text was repaired before it was read (the card's `warnings` say what).
    pub repaired: bool,
    /// A Vietnamese input method had rewritten the text (repaired, or the reason of the error).
    pub input_method: bool,
}

impl From<&Detection> for ParseReport {
    fn from(d: &Detection) -> ParseReport {
        let (card, rejection) = match &d.result {
            Ok(card) => (Some(CardView::from(card).with_notes(&d.notes)), None),
            Err(why) => (None, Some(why)),
        };
        ParseReport {
            kind: d.kind,
            layout: d.layout,
            card,
            error: rejection.map(ToString::to_string),
            error_code: rejection.map(|r| r.code.as_str()),
            error_vi: rejection.map(|r| r.detail_vi.clone()),
            repaired: d.repaired,
            input_method: d.input_method,
        }
    }
}
