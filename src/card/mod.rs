//! Card payloads: turn any text a desk receives (camera, keyboard-wedge scanner, paste, typing) into a
//! typed [`Card`], or a [`Rejection`] a receptionist can act on. Pure: no I/O, never panics.

pub mod bhyt;
pub mod cccd;
pub mod codes;
pub mod date;
pub mod ime;
pub mod number;
pub mod reject;
pub mod repair;
pub mod text;
mod view;

pub use bhyt::BhytCard;
pub use cccd::CccdCard;
pub use date::BirthDate;
pub use number::{CardCode, Template, TypedNumber};
pub use reject::{RejectCode, Rejection, Warning};
pub use view::{CardView, ParseReport};

use serde::Serialize;
use std::fmt;

/// What kind of input a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bhyt,
    Cccd,
    Number,
    Unknown,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bhyt => "bhyt",
            Kind::Cccd => "cccd",
            Kind::Number => "number",
            Kind::Unknown => "unknown",
        }
    }
}

/// The exact shape of an input (the `layout` key of the CLI contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// BHYT QR, 15 fields, first the 15-character card code (either template).
    BhytLegacy,
    /// VssID BHYT QR, 17 fields, first the 10-digit BHXH number.
    BhytNew,
    /// Legacy BHYT QR with fewer than 15 fields.
    BhytTruncated,
    /// Citizen-id QR with this many fields (`cccd-7`, `cccd-11`, `cccd-6`, …).
    Cccd(usize),
    /// Typed 15-character card code.
    CardCode,
    /// Typed 10-digit BHXH number.
    BhxhNumber,
    /// Typed 12-digit citizen id.
    CitizenId,
    /// Typed 9-digit old id.
    OldId,
    /// The card's printed text read by OCR (VssID card image, paper card, VNeID wallet), fields the
    /// receptionist confirmed or the read was sure of.
    CardText,
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layout::BhytLegacy => f.write_str("bhyt-legacy"),
            Layout::BhytNew => f.write_str("bhyt-new"),
            Layout::BhytTruncated => f.write_str("bhyt-truncated"),
            Layout::Cccd(n) => write!(f, "cccd-{n}"),
            Layout::CardCode => f.write_str("card-code"),
            Layout::BhxhNumber => f.write_str("bhxh-number"),
            Layout::CitizenId => f.write_str("citizen-id"),
            Layout::OldId => f.write_str("old-id"),
            Layout::CardText => f.write_str("card-text"),
        }
    }
}

impl Serialize for Layout {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// The stored and printed form: `male` / `female` (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// The inverse of [`Sex::as_str`].
    pub fn from_str_exact(s: &str) -> Option<Sex> {
        [Sex::Male, Sex::Female].into_iter().find(|x| x.as_str() == s)
    }
}

/// A card or number the desk can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Card {
    Bhyt(BhytCard),
    Cccd(CccdCard),
    Number(TypedNumber),
}

impl Card {
    pub fn kind(&self) -> Kind {
        match self {
            Card::Bhyt(_) => Kind::Bhyt,
            Card::Cccd(_) => Kind::Cccd,
            Card::Number(_) => Kind::Number,
        }
    }

    pub fn layout(&self) -> Layout {
        match self {
            Card::Bhyt(c) => c.layout,
            Card::Cccd(c) => c.layout,
            Card::Number(TypedNumber::CardCode(_)) => Layout::CardCode,
            Card::Number(TypedNumber::Bhxh(_)) => Layout::BhxhNumber,
            Card::Number(TypedNumber::CitizenId(_)) => Layout::CitizenId,
            Card::Number(TypedNumber::OldId(_)) => Layout::OldId,
        }
    }

    /// Soft problems found while parsing.
    pub fn warnings(&self) -> &[Warning] {
        match self {
            Card::Bhyt(c) => &c.warnings,
            Card::Cccd(c) => &c.warnings,
            Card::Number(_) => &[],
        }
    }
}

/// The result of [`detect`]: the card, or why not, with whatever kind and layout could be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub kind: Kind,
    pub layout: Option<Layout>,
    pub result: Result<Card, Rejection>,
    /// What was undone in the text before it was read ([`repair`]), and what is unusual about a typed
    /// number (an old card's code); shown with the card's own warnings.
    pub notes: Vec<Warning>,
    /// The text was repaired before it was read.
    pub repaired: bool,
    /// A Vietnamese input method rewrote the text on its way in (undone or refused): the receptionist
    /// should switch it to English.
    pub input_method: bool,
}

impl Detection {
    fn rejected(kind: Kind, layout: Option<Layout>, why: Rejection) -> Detection {
        Detection { kind, layout, result: Err(why), notes: Vec::new(), repaired: false, input_method: false }
    }

    /// Every warning: the notes on the text, then the card's own.
    pub fn warnings(&self) -> Vec<Warning> {
        let card = self.result.as_ref().map(Card::warnings).unwrap_or_default();
        self.notes.iter().chain(card).cloned().collect()
    }
}

/// Tells what any text is and parses it (spec §4.3): a BHYT QR (with or without its `$` or `#`), a
/// citizen-id QR, a typed number, or unreadable. Strips NUL/CR/LF and normalises to NFC first, then
/// undoes known keyboard-wedge damage ([`repair`]: an input method's Telex or VNI, the wrong code page,
/// Alt-code digits, a stray `|`) where exactly one original reads as a card.
pub fn detect(input: &str) -> Detection {
    if input.chars().nth(text::MAX_PAYLOAD_CHARS).is_some() {
        return Detection::rejected(
            Kind::Unknown,
            None,
            Rejection::unreadable(
                "Dữ liệu quá dài, không phải mã QR thẻ; hãy quét lại.",
                "The text is far too long to be a card QR; scan again.",
            ),
        );
    }
    let cleaned = text::clean(input);
    if cleaned.is_empty() {
        return Detection::rejected(
            Kind::Unknown,
            None,
            Rejection::unreadable("Không có dữ liệu; hãy quét lại.", "Nothing was read; scan again."),
        );
    }
    let reads = |t: &str| detect_clean(t).result;
    match repair::repair(&cleaned, &reads) {
        repair::Repair::Intact => detect_clean(&cleaned),
        repair::Repair::Repaired { text, note, input_method } => {
            let mut d = detect_clean(&text);
            d.notes.insert(0, note);
            d.repaired = true;
            d.input_method = input_method;
            d
        }
        repair::Repair::Refused(why) => {
            let plain = detect_clean(&cleaned);
            let kind = match plain.kind {
                Kind::Unknown if cleaned.contains('|') => Kind::Bhyt,
                kind => kind,
            };
            Detection { input_method: true, ..Detection::rejected(kind, plain.layout, why) }
        }
    }
}

/// [`detect`] on cleaned text, without repairs.
fn detect_clean(cleaned: &str) -> Detection {
    if !cleaned.contains('|') {
        let result = number::classify_typed(cleaned).map(Card::Number);
        let layout = match &result {
            Ok(card) => Some(card.layout()),
            // A card-code rejection (051/052/053) still tells what was being typed.
            Err(why) if why.code != RejectCode::Unreadable => Some(Layout::CardCode),
            Err(_) => None,
        };
        // Text that is neither a number nor a card-code attempt (a URL, a word) is of no known kind.
        let number_like = layout.is_some() || cleaned.bytes().all(|b| b.is_ascii_digit() || b == b' ');
        let kind = if number_like { Kind::Number } else { Kind::Unknown };
        let old = matches!(&result, Ok(Card::Number(TypedNumber::CardCode(c))) if c.template() == number::Template::Pre2015);
        let notes = if old { vec![number::old_template_warning()] } else { Vec::new() };
        return Detection { kind, layout, result, notes, repaired: false, input_method: false };
    }
    let mut fields: Vec<&str> = cleaned.split('|').map(str::trim).collect();
    // `$` ends a BHYT payload; some cards and scanners end it with `#`.
    let terminated = matches!(fields.last(), Some(&"$") | Some(&"#"));
    if terminated {
        fields.pop();
        return from_result(Kind::Bhyt, bhyt::parse(&fields, true).map(Card::Bhyt));
    }
    if cccd::looks_like(&fields) {
        return from_result(Kind::Cccd, cccd::parse(&fields).map(Card::Cccd));
    }
    let bhyt_shaped = fields.len() >= 4
        && bhyt::looks_like_field0(fields[0])
        && BirthDate::parse_bhyt(fields[2]).is_some()
        && matches!(fields[3], "1" | "2");
    if bhyt_shaped {
        // A scanner that swallowed the `$` may leave the `|` before it: that empty field is no field.
        if fields.last() == Some(&"") {
            fields.pop();
        }
        return from_result(Kind::Bhyt, bhyt::parse(&fields, false).map(Card::Bhyt));
    }
    Detection::rejected(
        Kind::Unknown,
        None,
        Rejection::unreadable(
            "Mã QR không phải thẻ BHYT hay căn cước; hãy quét lại hoặc nhập mã thẻ, mã số BHXH hay số CCCD.",
            "This QR is neither a BHYT card nor a citizen id; scan again or type the card, BHXH or citizen-id number.",
        ),
    )
}

fn from_result(kind: Kind, result: Result<Card, Rejection>) -> Detection {
    let layout = result.as_ref().ok().map(Card::layout);
    Detection { kind, layout, result, notes: Vec::new(), repaired: false, input_method: false }
}
