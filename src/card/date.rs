//! Dates as cards write them: `dd/MM/yyyy` (BHYT QR), `ddMMyyyy` (CCCD QR; `MMyyyy` or `yyyy` when the
//! day or month is unknown), `yyyy` (birth year only), ISO `yyyy-MM-dd` (typed, CSV), and a birth date
//! that keeps its precision.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Earliest and latest year accepted on a card. Anything outside is a misread, not a date.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A birth date: a full date, or only the month and year, or only the year, when the rest is unknown
/// (BHYT QR field 2; a citizen card's `MMyyyy` or `yyyy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BirthDate {
    Full(NaiveDate),
    /// Year and month (1–12).
    Month(i32, u32),
    Year(i32),
}

impl BirthDate {
    pub fn year(&self) -> i32 {
        match self {
            BirthDate::Full(d) => d.year(),
            BirthDate::Month(y, _) | BirthDate::Year(y) => *y,
        }
    }

    /// The month, when known.
    pub fn month(&self) -> Option<u32> {
        match self {
            BirthDate::Full(d) => Some(d.month()),
            BirthDate::Month(_, m) => Some(*m),
            BirthDate::Year(_) => None,
        }
    }

    /// True when two birth dates can be the same person's: equal in every part both know.
    pub fn agrees_with(&self, other: &BirthDate) -> bool {
        match (self, other) {
            (BirthDate::Full(a), BirthDate::Full(b)) => a == b,
            _ => {
                self.year() == other.year()
                    && (self.month().is_none() || other.month().is_none() || self.month() == other.month())
            }
        }
    }

    /// Parses a citizen card's birth field: `ddMMyyyy`, `MMyyyy` or `yyyy`.
    pub fn parse_cccd(s: &str) -> Option<BirthDate> {
        if !all_digits(s) {
            return None;
        }
        match s.len() {
            8 => parse_dmy_compact(s).map(BirthDate::Full),
            6 => parse_month_year(&s[..2], &s[2..]),
            4 => parse_year(s).map(BirthDate::Year),
            _ => None,
        }
    }

    /// Parses a BHYT birth field: `dd/MM/yyyy` or `yyyy`.
    pub fn parse_bhyt(s: &str) -> Option<BirthDate> {
        if s.len() == 4 {
            return parse_year(s).map(BirthDate::Year);
        }
        parse_dmy_slash(s).map(BirthDate::Full)
    }

    /// Parses a typed or CSV birth date: ISO (`yyyy-MM-dd`, or `yyyy-MM` as [`Display`] writes a month),
    /// `dd/MM/yyyy` or a year.
    pub fn parse_any(s: &str) -> Option<BirthDate> {
        if s.len() == 7 && s.as_bytes()[4] == b'-' {
            return s.get(..4).zip(s.get(5..)).and_then(|(y, m)| parse_month_year(m, y));
        }
        parse_iso(s).map(BirthDate::Full).or_else(|| Self::parse_bhyt(s))
    }
}

/// ISO form: `YYYY-MM-DD`, `YYYY-MM` for a month, `YYYY` for a year-only date.
impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BirthDate::Full(d) => f.write_str(&iso(*d)),
            BirthDate::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            BirthDate::Year(y) => write!(f, "{y:04}"),
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn number(s: &str) -> Option<u32> {
    if all_digits(s) && s.len() <= 4 { s.parse().ok() } else { None }
}

fn checked(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    let year = i32::try_from(year).ok().filter(|y| YEARS.contains(y))?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// `yyyy` with the year in [`YEARS`].
pub fn parse_year(s: &str) -> Option<i32> {
    let y = number(s).filter(|_| s.len() == 4)?;
    i32::try_from(y).ok().filter(|y| YEARS.contains(y))
}

/// `MM` and `yyyy` as a month of a year in [`YEARS`].
fn parse_month_year(m: &str, y: &str) -> Option<BirthDate> {
    let month = number(m).filter(|m| (1..=12).contains(m))?;
    Some(BirthDate::Month(parse_year(y)?, month))
}

/// `dd/MM/yyyy` (one-digit day or month tolerated), a real calendar date.
pub fn parse_dmy_slash(s: &str) -> Option<NaiveDate> {
    let mut parts = s.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || d.len() > 2 || m.len() > 2 || y.len() != 4 {
        return None;
    }
    checked(number(y)?, number(m)?, number(d)?)
}

/// `ddMMyyyy`, exactly eight digits, a real calendar date.
pub fn parse_dmy_compact(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !all_digits(s) {
        return None;
    }
    checked(number(&s[4..])?, number(&s[2..4])?, number(&s[..2])?)
}

/// `yyyy-MM-dd`, a real calendar date.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0_u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    checked(digits(0..4)?, digits(5..7)?, digits(8..10)?)
}

/// ISO text of a date (`YYYY-MM-DD`). Hand-written: chrono's `format` is slow on bulk imports.
pub fn iso(d: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    let (y, m, day) = (d.year().clamp(0, 9999) as u32, d.month(), d.day());
    for (value, width) in [(y, 4), (m, 2), (day, 2)] {
        if !out.is_empty() {
            out.push('-');
        }
        for shift in (0..width).rev() {
            out.push(char::from(b'0' + (value / 10_u32.pow(shift) % 10) as u8));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn formats_parse_and_reject() {
        assert_eq!(parse_dmy_slash("29/02/2024"), Some(ymd(2024, 2, 29)));
        assert_eq!(parse_dmy_slash("1/2/2024"), Some(ymd(2024, 2, 1)));
        assert_eq!(parse_dmy_slash("29/02/2023"), None);
        assert_eq!(parse_dmy_slash("31/04/2020"), None);
        assert_eq!(parse_dmy_slash("01/01/20240"), None);
        assert_eq!(parse_dmy_slash("+1/01/2024"), None);
        assert_eq!(parse_dmy_compact("01011990"), Some(ymd(1990, 1, 1)));
        assert_eq!(parse_dmy_compact("32011990"), None);
        assert_eq!(parse_dmy_compact("0101199"), None);
        assert_eq!(parse_iso("2024-02-29"), Some(ymd(2024, 2, 29)));
        assert_eq!(parse_iso("2024-2-29"), None);
        assert_eq!(parse_year("1899"), None);
        assert_eq!(parse_year("1950"), Some(1950));
        assert_eq!(iso(ymd(2024, 2, 9)), "2024-02-09");
        assert_eq!(iso(ymd(1900, 12, 31)), "1900-12-31");
    }

    #[test]
    fn birth_dates_keep_their_precision() {
        assert_eq!(BirthDate::parse_bhyt("1950"), Some(BirthDate::Year(1950)));
        assert_eq!(BirthDate::parse_bhyt("1950").unwrap().to_string(), "1950");
        assert_eq!(BirthDate::parse_bhyt("05/03/1994").unwrap().to_string(), "1994-03-05");
        assert_eq!(BirthDate::parse_any("1994-03-05"), Some(BirthDate::Full(ymd(1994, 3, 5))));
        assert_eq!(BirthDate::parse_bhyt("19a0"), None);
        assert_eq!(BirthDate::parse_cccd("01011990"), Some(BirthDate::Full(ymd(1990, 1, 1))));
        assert_eq!(BirthDate::parse_cccd("031990"), Some(BirthDate::Month(1990, 3)));
        assert_eq!(BirthDate::parse_cccd("131990"), None);
        assert_eq!(BirthDate::parse_cccd("1990"), Some(BirthDate::Year(1990)));
        assert_eq!(BirthDate::parse_cccd("Nữ|f"), None, "six bytes, not six digits");
        assert_eq!(BirthDate::Month(1990, 3).to_string(), "1990-03");
        assert_eq!(BirthDate::parse_any("1990-03"), Some(BirthDate::Month(1990, 3)));
        assert!(BirthDate::Month(1990, 3).agrees_with(&BirthDate::Full(ymd(1990, 3, 9))));
        assert!(!BirthDate::Month(1990, 3).agrees_with(&BirthDate::Full(ymd(1990, 4, 9))));
        assert!(BirthDate::Year(1990).agrees_with(&BirthDate::Month(1990, 4)));
    }
}
