//! The proposed visit category (MA_DOITUONG_KCB) and the fund's share, from the clinic's profile, whether
//! the card is registered here, the visit kind and the facts told at the desk, and the visit date.
//! From 1/1/2025 the rules are data (`assets/data/routes.tsv`, QĐ 3276/QĐ-BYT, NĐ 188/2025 Đ19); visits
//! before keep the pre-2025 "tuyến" rule (same facility 1.1, same province at a primary-level clinic
//! 1.2, otherwise 3.x), so an old day's verdicts never change. A proposal: the final code is set when
//! the visit ends.

use super::clinic::{Clinic, Level, ScoreBand};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The day the amended Article 22 of the Health Insurance Law took effect.
pub const RULES_2025: NaiveDate = match NaiveDate::from_ymd_opt(2025, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

const ROUTES_TSV: &str = include_str!("../../assets/data/routes.tsv");

/// Outpatient (the default at a desk) or admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    #[default]
    Outpatient,
    Inpatient,
}

/// A paper shown at the desk that changes the category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// Phiếu chuyển cơ sở KCB (1.3).
    Transfer,
    /// A declared stay or residence away from home (1.4).
    Stay,
    /// A follow-up appointment paper (1.5).
    Appointment,
}

/// What the desk knows about this visit besides the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct VisitFacts {
    pub kind: VisitKind,
    pub paper: Option<Paper>,
    pub emergency: bool,
    /// A newborn treated right after birth (1.7).
    pub newborn: bool,
}

/// What the fund pays of the costs in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Share {
    /// 100 %, whatever the card's benefit level (1.2).
    Flat,
    /// This many per mille of the card's benefit level (1000 = the card's level, 500 = half, 0 = none).
    OfCard(u16),
}

impl Share {
    /// The fund's share in tenths of a percent for a card of `benefit_percent` (80 → 800 = 80 %; half of
    /// 95 → 475 = 47.5 %). `None` when the card's level is unknown and it matters.
    pub fn fund_tenths(self, benefit_percent: Option<u8>) -> Option<u16> {
        match self {
            Share::Flat => Some(1000),
            Share::OfCard(0) => Some(0),
            // At most 100 % × 1000 ‰ / 100 = 1000 tenths: fits a u16 once divided.
            Share::OfCard(per_mille) => {
                benefit_percent.map(|p| (u32::from(p) * u32::from(per_mille) / 100).min(1000) as u16)
            }
        }
    }

    /// The route's part of the share in percent of the card's level (`None` for the flat 100 %).
    pub fn route_percent(self) -> Option<u16> {
        match self {
            Share::Flat => None,
            Share::OfCard(per_mille) => Some(per_mille / 10),
        }
    }
}

/// Tenths of a percent as written for people: `80`, `47,5` (Vietnamese) or `47.5` (English).
pub fn percent_text(tenths: u16, decimal: char) -> String {
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}{decimal}{}", tenths / 10, tenths % 10)
    }
}

/// The fund's share in words, as the verdict's reasons and the window say it: "47,5 % (50 % × mức hưởng
/// 95 %)", or the bare share when the category's part is not a fraction of the card's level (the flat
/// 100 % of 1.2) or the card's level is unknown. `None` when the share itself is unknown.
pub fn share_text(
    fund_tenths: Option<u16>,
    route_percent: Option<u16>,
    benefit_percent: Option<u8>,
    vi: bool,
) -> Option<String> {
    let fund = percent_text(fund_tenths?, if vi { ',' } else { '.' });
    Some(match (route_percent, benefit_percent) {
        (Some(r), Some(b)) if vi => format!("{fund} % ({r} % × mức hưởng {b} %)"),
        (Some(r), Some(b)) => format!("{fund} % ({r} % × benefit level {b} %)"),
        _ => format!("{fund} %"),
    })
}

/// A diagnosis that, found at the end of the visit, would restore the card's full level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Pending {
    /// TT 01/2025 Phụ lục I (1.17, specialised level).
    #[serde(rename = "1.17")]
    AnnexI,
    /// TT 01/2025 Phụ lục II (1.16, basic level).
    #[serde(rename = "1.16")]
    AnnexII,
}

/// A proposed category with the fund's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The QĐ 3276 code (`1.1`, `1.13`, `3.1` …), or for a visit before 2025 the old `1.1` / `1.2` / `3.x`.
    pub code: String,
    /// `None` for a visit before 2025 (the old self-referral shares are not the desk's to compute).
    pub share: Option<Share>,
    pub pending: Option<Pending>,
}

/// One row of the rule table.
#[derive(Debug)]
struct Rule {
    from: NaiveDate,
    to: Option<NaiveDate>,
    registered: Option<bool>,
    fact: Vec<String>,
    level: Vec<String>,
    flat: Option<bool>,
    score: Vec<String>,
    former: Vec<String>,
    visit: Vec<String>,
    code: String,
    share: Share,
    pending: Option<Pending>,
}

/// A column's alternatives (`*` = any: an empty list).
fn alternatives(cell: &str) -> Vec<String> {
    if cell == "*" { Vec::new() } else { cell.split('|').map(str::to_string).collect() }
}

fn yes_no(cell: &str) -> Option<bool> {
    match cell {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Parses the rule table (shipped data: a malformed row is a build defect, caught by the tests).
fn parse(tsv: &str) -> Result<Vec<Rule>, String> {
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("{s}: {e}"));
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let c: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [from, to, registered, fact, level, flat, score, former, visit, code, share, pending] = c[..]
            else {
                return Err(format!("a rule needs 12 columns: {line}"));
            };
            Ok(Rule {
                from: date(from)?,
                to: if to == "-" { None } else { Some(date(to)?) },
                registered: yes_no(registered),
                fact: alternatives(fact),
                level: alternatives(level),
                flat: yes_no(flat),
                score: alternatives(score),
                former: alternatives(former),
                visit: alternatives(visit),
                code: code.to_string(),
                share: match share {
                    "card" => Share::OfCard(1000),
                    "flat" => Share::Flat,
                    n => Share::OfCard(n.parse().map_err(|_| format!("bad share {n}: {line}"))?),
                },
                pending: match pending {
                    "pl1" => Some(Pending::AnnexI),
                    "pl2" => Some(Pending::AnnexII),
                    "-" => None,
                    p => return Err(format!("bad pending {p}: {line}")),
                },
            })
        })
        .collect()
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        parse(ROUTES_TSV).unwrap_or_else(|e| {
            // Shipped data, checked by the tests: reaching this is a build defect. No category then.
            log::error!(target: "tiepdon", "the visit-category rule table is broken: {e}");
            Vec::new()
        })
    })
}

/// Whether `value` is one of `allowed` (an empty list allows anything, a `None` value only that).
fn fits(allowed: &[String], value: Option<&str>) -> bool {
    allowed.is_empty() || value.is_some_and(|v| allowed.iter().any(|a| a == v))
}

impl Rule {
    fn applies(&self, day: NaiveDate, registered: bool, clinic: &Clinic, visit: &VisitFacts) -> bool {
        // Every fact told counts (a transfer paper and an emergency: the first row that fits decides).
        let mut facts: Vec<&str> = visit.paper.map(Paper::as_str).into_iter().collect();
        if visit.newborn {
            facts.push("newborn");
        }
        if visit.emergency {
            facts.push("emergency");
        }
        if facts.is_empty() {
            facts.push("none");
        }
        let profile = &clinic.profile;
        self.from <= day
            && self.to.is_none_or(|to| day <= to)
            && self.registered.is_none_or(|r| r == registered)
            && (self.fact.is_empty() || facts.iter().any(|f| self.fact.iter().any(|a| a == f)))
            && fits(&self.level, profile.level.map(Level::as_str))
            && self.flat.is_none_or(|f| f == profile.flat_100.is_some())
            && fits(&self.score, profile.score_band.map(ScoreBand::rule_name))
            && fits(&self.former, Some(profile.former_tier.as_str()))
            && fits(&self.visit, Some(visit.kind.as_str()))
    }
}

impl Paper {
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::Transfer => "transfer",
            Paper::Stay => "stay",
            Paper::Appointment => "appointment",
        }
    }
}

impl VisitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitKind::Outpatient => "outpatient",
            VisitKind::Inpatient => "inpatient",
        }
    }
}

/// Proposes the category and share for a card registered at `registered` presented on `day`, or
/// `None` when it cannot be told: no registered facility known, this clinic's code not configured, or a
/// clinic profile that fits no rule (not filled in yet, or a case the list does not cover).
pub fn propose(
    registered: Option<&str>,
    clinic: &Clinic,
    visit: &VisitFacts,
    day: NaiveDate,
) -> Option<Proposal> {
    let registered = registered?;
    let ours = clinic.facility_code.as_deref()?;
    let here = registered.eq_ignore_ascii_case(ours);
    if day < RULES_2025 {
        return legacy(registered, here, clinic);
    }
    // A temporary card (a child's, `PP000`-style) names no facility: nothing is proposed (staff set the
    // category), except for a newborn treated right after birth (1.7).
    if !here && registered.ends_with("000") && !visit.newborn {
        return None;
    }
    let rule = rules().iter().find(|r| r.applies(day, here, clinic, visit))?;
    Some(Proposal { code: rule.code.clone(), share: Some(rule.share), pending: rule.pending })
}

/// The pre-2025 rule (spec formats.md §5.4): 1.1 here, 1.2 from the same province at a commune or
/// district-level clinic, 3.x otherwise; `PP000`-style codes name no facility.
fn legacy(registered: &str, here: bool, clinic: &Clinic) -> Option<Proposal> {
    let primary = clinic.pre2025_primary_level;
    let code = if here {
        "1.1"
    } else if registered.ends_with("000") {
        return None;
    } else if primary && registered.get(..2) == clinic.province_code() {
        "1.2"
    } else {
        "3.x"
    };
    Some(Proposal { code: code.to_string(), share: None, pending: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rule_table_parses() {
        let rules = parse(ROUTES_TSV).expect("the rule table parses");
        assert!(rules.len() >= 20, "{} rules", rules.len());
        assert!(rules.iter().all(|r| r.from >= RULES_2025));
    }

    #[test]
    fn shares_in_tenths_of_a_percent() {
        assert_eq!(Share::OfCard(500).fund_tenths(Some(95)), Some(475));
        assert_eq!(Share::OfCard(500).fund_tenths(Some(80)), Some(400));
        assert_eq!(Share::OfCard(400).fund_tenths(Some(100)), Some(400));
        assert_eq!(Share::OfCard(1000).fund_tenths(Some(80)), Some(800));
        assert_eq!(Share::Flat.fund_tenths(Some(80)), Some(1000));
        assert_eq!(Share::Flat.fund_tenths(None), Some(1000));
        assert_eq!(Share::OfCard(0).fund_tenths(None), Some(0));
        assert_eq!(Share::OfCard(1000).fund_tenths(None), None);
        assert_eq!(Share::OfCard(1000).fund_tenths(Some(100)), Some(1000));
        assert_eq!(Share::OfCard(400).fund_tenths(Some(95)), Some(380));
    }
}
