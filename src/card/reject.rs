//! Rejections and warnings: what went wrong with a payload, in Vietnamese and English, with the VSS-style
//! code the coverage verdict reuses.

use serde::Serialize;
use std::fmt;

/// The VSS-style code a rejection maps to (spec §3.6 and §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RejectCode {
    /// L04: unreadable or unsupported payload.
    #[serde(rename = "L04")]
    Unreadable,
    /// 051: card code incorrect.
    #[serde(rename = "051")]
    CardCode,
    /// 052: issuing-province code (characters 4–5) incorrect.
    #[serde(rename = "052")]
    Province,
    /// 053: benefit code (character 3) incorrect.
    #[serde(rename = "053")]
    Benefit,
}

impl RejectCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::Unreadable => "L04",
            RejectCode::CardCode => "051",
            RejectCode::Province => "052",
            RejectCode::Benefit => "053",
        }
    }
}

/// Text that cannot be used as a card, and what the receptionist should fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: RejectCode,
    /// What is wrong, in Vietnamese.
    pub detail_vi: String,
    /// What is wrong, in English.
    pub detail_en: String,
}

impl Rejection {
    pub fn new(code: RejectCode, vi: impl Into<String>, en: impl Into<String>) -> Rejection {
        Rejection { code, detail_vi: vi.into(), detail_en: en.into() }
    }

    pub fn unreadable(vi: impl Into<String>, en: impl Into<String>) -> Rejection {
        Rejection::new(RejectCode::Unreadable, vi, en)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail_en)
    }
}

impl std::error::Error for Rejection {}

/// Something odd about a payload that does not stop it being used (a soft check of spec §2.4 / §3.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The card field concerned (a CLI contract key) or `payload`.
    pub field: &'static str,
    pub message_vi: String,
    pub message_en: String,
}

impl Warning {
    pub fn new(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Warning {
        Warning { field, message_vi: vi.into(), message_en: en.into() }
    }
}

/// Shortens untrusted text for quoting in a message (at most 24 characters).
pub fn quote(s: &str) -> String {
    let mut out: String = s.chars().take(24).collect();
    if s.chars().nth(24).is_some() {
        out.push('…');
    }
    format!("“{out}”")
}
