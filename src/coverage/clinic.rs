//! The clinic's own settings that a verdict depends on: its facility code, its profile (expertise level,
//! facility type, score band and tier before 2025: what decides the visit category since 2025), and the
//! thresholds of spec §10 (expiry warning, data age), with the project defaults.

use super::reason::Status;
use serde::{Deserialize, Serialize};

/// The clinic's expertise level (cấp chuyên môn kỹ thuật, Luật KCB 2023 / Luật BHYT Đ22 as amended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Cấp ban đầu (primary).
    BanDau,
    /// Cấp cơ bản (basic).
    CoBan,
    /// Cấp chuyên sâu (specialised).
    ChuyenSau,
}

/// A basic-level clinic's classification score (NĐ 188/2025 Đ19 k1, k2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreBand {
    /// Under 50 points, or classified provisionally.
    Lt50OrProvisional,
    /// 50 to under 70 points.
    #[serde(rename = "50_to_lt70")]
    From50ToLt70,
}

/// The clinic's tier before 1/1/2025 (tuyến).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormerTier {
    /// None (opened since, or never ranked).
    #[default]
    None,
    Xa,
    Huyen,
    Tinh,
    TrungUong,
}

/// The TT 01/2025/TT-BYT Đ3 facility types paid at 100 % whatever the card's level (category 1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlatType {
    /// Trạm y tế xã, phường, đặc khu.
    TramYTe,
    /// Trạm y tế quân-dân y.
    QuanDanY,
    /// Phòng khám / trạm y học gia đình.
    YHocGiaDinh,
    /// TTYT huyện / khu vực licensed as a phòng khám.
    TtytKhuVuc,
    /// Y tế cơ quan organised as a trạm y tế or phòng khám.
    YTeCoQuan,
    /// A primary facility of the army or police.
    QuanDoiCongAn,
}

macro_rules! names {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The stored and printed name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }
            /// Every value, in order.
            pub const ALL: &'static [$ty] = &[$(Self::$variant),+];
            /// The value named `name`.
            pub fn parse(name: &str) -> Option<$ty> {
                Self::ALL.iter().copied().find(|v| v.as_str() == name)
            }
        }
    };
}

names!(Level { BanDau => "ban_dau", CoBan => "co_ban", ChuyenSau => "chuyen_sau" });
names!(ScoreBand { Lt50OrProvisional => "lt50_or_provisional", From50ToLt70 => "50_to_lt70" });
names!(FormerTier { None => "none", Xa => "xa", Huyen => "huyen", Tinh => "tinh", TrungUong => "trung_uong" });
names!(FlatType {
    TramYTe => "tram_y_te",
    QuanDanY => "quan_dan_y",
    YHocGiaDinh => "y_hoc_gia_dinh",
    TtytKhuVuc => "ttyt_khu_vuc",
    YTeCoQuan => "y_te_co_quan",
    QuanDoiCongAn => "quan_doi_cong_an",
});

impl ScoreBand {
    /// The band's name in the rule table (`lt50`, `50_70`).
    pub fn rule_name(self) -> &'static str {
        match self {
            ScoreBand::Lt50OrProvisional => "lt50",
            ScoreBand::From50ToLt70 => "50_70",
        }
    }
}

/// What decides the visit category since 2025: the clinic's own classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// `None` until set (no category is proposed then, except for cards registered here).
    pub level: Option<Level>,
    /// A TT 01/2025 Đ3 type (100 % flat, 1.2), or `None`.
    pub flat_100: Option<FlatType>,
    /// For a basic-level clinic.
    pub score_band: Option<ScoreBand>,
    pub former_tier: FormerTier,
}

impl Profile {
    /// Whether the profile is filled in enough to propose a category for any card.
    pub fn is_complete(&self) -> bool {
        (self.flat_100.is_some() && self.level == Some(Level::BanDau))
            || match self.level {
                None => false,
                Some(Level::BanDau) => true,
                Some(Level::CoBan) => {
                    self.score_band.is_some()
                        || matches!(
                            self.former_tier,
                            FormerTier::Huyen | FormerTier::Tinh | FormerTier::TrungUong
                        )
                }
                Some(Level::ChuyenSau) => {
                    matches!(self.former_tier, FormerTier::Huyen | FormerTier::Tinh | FormerTier::TrungUong)
                }
            }
    }
}

/// Settings of the clinic running the desk. The store persists them; these defaults stand until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Clinic {
    /// This facility's 5-character code (MA_CSKCB); `None` until configured (then no route is proposed).
    pub facility_code: Option<String>,
    pub name: String,
    /// The clinic's province code; `None` means the first 2 characters of the facility code. Shown,
    /// and used only by the pre-2025 rule for old visits.
    pub province: Option<String>,
    pub profile: Profile,
    /// Whether the clinic was a commune / general clinic / district-level facility under the pre-2025
    /// rule (the old `primary_level` setting, default true): used only for visits before 1/1/2025, so
    /// their verdicts never change.
    pub pre2025_primary_level: bool,
    /// Warn (L08) when the card ends within this many days.
    pub expiry_warning_days: i64,
    /// Warn (L02) when local data is older than this many days.
    pub stale_warning_days: i64,
    /// Refuse to confirm (L03) when local data is older than this many days.
    pub stale_limit_days: i64,
    /// What "not in local data, checked against the card only" (L07) does: `None` = information only
    /// (the default), or a status such as `ELIGIBLE_WITH_WARNING` or `CANNOT_VERIFY`.
    pub card_only_status: Option<Status>,
    /// Whether visits decided on the card alone or unverified are re-checked online through the VSS
    /// gateway (an account is configured): only then do the next steps promise a re-check.
    pub online_recheck: bool,
}

impl Default for Clinic {
    fn default() -> Clinic {
        Clinic {
            facility_code: None,
            name: "Phòng khám".to_string(),
            province: None,
            profile: Profile::default(),
            pre2025_primary_level: true,
            expiry_warning_days: 30,
            stale_warning_days: 30,
            stale_limit_days: 90,
            card_only_status: None,
            online_recheck: false,
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
