//! What the gateway's answer about a card means for a visit the desk admitted on the card alone or
//! without verifying it: the result codes of CV 1923 (formats.md §6.2) in the desk's vocabulary.

use serde::Serialize;

/// Where a visit's online re-check stands (`outcome` of `tiepdon recheck`, Today's column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum RecheckOutcome {
    /// The card is valid as the desk admitted it (000–002, 004; maybe with a note).
    Confirmed,
    /// The gateway says otherwise than the desk's verdict (expired, replaced, revoked, reported
    /// reduced, another name or birth date): flagged for the receptionist or a supervisor.
    Different,
    /// The gateway cannot check this card from what the desk holds (no information, a wrong code, a
    /// parameter it refuses): confirm by hand (portal, phone).
    Refused,
    /// Not answered yet (queued, or the gateway away): tried again.
    Waiting,
}

impl RecheckOutcome {
    pub const ALL: [RecheckOutcome; 4] = [
        RecheckOutcome::Confirmed,
        RecheckOutcome::Different,
        RecheckOutcome::Refused,
        RecheckOutcome::Waiting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecheckOutcome::Confirmed => "confirmed",
            RecheckOutcome::Different => "different",
            RecheckOutcome::Refused => "refused",
            RecheckOutcome::Waiting => "waiting",
        }
    }

    pub fn parse(s: &str) -> Option<RecheckOutcome> {
        RecheckOutcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// How Today names it, Vietnamese and English.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            RecheckOutcome::Confirmed => ("BHXH xác nhận", "VSS confirmed"),
            RecheckOutcome::Different => ("BHXH trả lời khác", "VSS differs"),
            RecheckOutcome::Refused => ("BHXH không tra được", "VSS cannot check"),
            RecheckOutcome::Waiting => ("chờ tra cứu BHXH", "VSS check waiting"),
        }
    }
}

/// The outcome of a result code (`maKetQua`) for a visit the desk admitted.
pub fn outcome_of(code: &str) -> RecheckOutcome {
    match code {
        "000" | "001" | "002" | "004" => RecheckOutcome::Confirmed,
        // Old card replaced and expired, expired, identity not the card's, revoked, reported reduced.
        "003" | "010" | "060" | "061" | "070" | "110" | "120" | "121" | "122" | "123" | "124" => {
            RecheckOutcome::Different
        }
        // No information, the code wrong, a parameter refused, a child without a card.
        "050" | "051" | "052" | "053" | "130" | "205" => RecheckOutcome::Refused,
        // Service problems (100, 101, 4xx, anything unknown): asked again later.
        _ => RecheckOutcome::Waiting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_its_outcome() {
        let table = [
            ("000", RecheckOutcome::Confirmed),
            ("001", RecheckOutcome::Confirmed),
            ("002", RecheckOutcome::Confirmed),
            ("003", RecheckOutcome::Different),
            ("004", RecheckOutcome::Confirmed),
            ("010", RecheckOutcome::Different),
            ("050", RecheckOutcome::Refused),
            ("051", RecheckOutcome::Refused),
            ("052", RecheckOutcome::Refused),
            ("053", RecheckOutcome::Refused),
            ("060", RecheckOutcome::Different),
            ("061", RecheckOutcome::Different),
            ("070", RecheckOutcome::Different),
            ("100", RecheckOutcome::Waiting),
            ("101", RecheckOutcome::Waiting),
            ("110", RecheckOutcome::Different),
            ("120", RecheckOutcome::Different),
            ("121", RecheckOutcome::Different),
            ("122", RecheckOutcome::Different),
            ("123", RecheckOutcome::Different),
            ("124", RecheckOutcome::Different),
            ("130", RecheckOutcome::Refused),
            ("205", RecheckOutcome::Refused),
            ("401", RecheckOutcome::Waiting),
            ("499", RecheckOutcome::Waiting),
        ];
        for (code, want) in table {
            assert_eq!(outcome_of(code), want, "{code}");
        }
        for o in RecheckOutcome::ALL {
            assert_eq!(RecheckOutcome::parse(o.as_str()), Some(o));
        }
    }
}
