//! The proposed visit category (MA_DOITUONG_KCB) from the card's registered facility and this clinic
//! (spec §5.4). A proposal: staff confirm, and only they can record 1.3/1.4/1.5/2.

use super::clinic::Clinic;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Route {
    /// 1.1: the card is registered at this facility.
    #[serde(rename = "1.1")]
    SameFacility,
    /// 1.2: registered elsewhere in the same province, and this clinic is primary level.
    #[serde(rename = "1.2")]
    SameProvince,
    /// 3.x: self-referred (trái tuyến); the exact sub-category depends on the visit.
    #[serde(rename = "3.x")]
    SelfReferred,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::SameFacility => "1.1",
            Route::SameProvince => "1.2",
            Route::SelfReferred => "3.x",
        }
    }
}

/// Proposes a route, or `None` when it cannot be told: no registered facility, the clinic's code not
/// configured, or a temporary card registered at `PP000` (names no facility).
pub fn propose(registered: Option<&str>, clinic: &Clinic) -> Option<Route> {
    let registered = registered?;
    let ours = clinic.facility_code.as_deref()?;
    if registered.eq_ignore_ascii_case(ours) {
        Some(Route::SameFacility)
    } else if registered.ends_with("000") {
        None
    } else if clinic.primary_level && registered.get(..2) == clinic.province_code() {
        Some(Route::SameProvince)
    } else {
        Some(Route::SelfReferred)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let clinic = Clinic::with_facility("79034");
        assert_eq!(propose(Some("79034"), &clinic), Some(Route::SameFacility));
        assert_eq!(propose(Some("79020"), &clinic), Some(Route::SameProvince));
        assert_eq!(propose(Some("01065"), &clinic), Some(Route::SelfReferred));
        assert_eq!(propose(Some("79000"), &clinic), None);
        assert_eq!(propose(None, &clinic), None);
        assert_eq!(propose(Some("79034"), &Clinic::default()), None);
        let hospital = Clinic { primary_level: false, ..clinic };
        assert_eq!(propose(Some("79020"), &hospital), Some(Route::SelfReferred));
    }
}
