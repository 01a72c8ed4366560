//! The window's two languages. Every text is written in both, side by side, where it is used:
//! `lang.tr("Tiếp đón", "Check-in")`.

use crate::store::StoreError;
use serde::{Deserialize, Serialize};

/// The language of the window (Vietnamese by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The text in this language.
    pub fn tr<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// The language's code (`vi`, `en`).
    pub fn code(self) -> &'static str {
        self.tr("vi", "en")
    }

    /// The other language (the header's toggle).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The toggle's label: the name of the language it switches to.
    pub fn switch_label(self) -> &'static str {
        match self {
            Lang::Vi => "English",
            Lang::En => "Tiếng Việt",
        }
    }
}

/// A message in both languages (errors, refusals, outcomes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub vi: String,
    pub en: String,
}

impl Message {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Message {
        Message { vi: vi.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        lang.tr(&self.vi, &self.en)
    }
}

impl From<&StoreError> for Message {
    fn from(e: &StoreError) -> Message {
        let (vi, en) = e.messages();
        Message { vi, en }
    }
}

impl From<StoreError> for Message {
    fn from(e: StoreError) -> Message {
        Message::from(&e)
    }
}
