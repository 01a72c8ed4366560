//! End of day: the day's visits as CSV, as the Decision 130/QĐ-BYT check-in table (XML), and as a
//! summary with a chart; a sealed close with a manifest of SHA-256 hashes, and its verification.
//! Reads the store; writes files atomically and owner-only.

pub mod chart;
pub mod csv;
pub mod day_end;
pub mod files;
pub mod seal;
pub mod summary;
pub mod xml130;

use crate::coverage::Clinic;
use crate::store::StoreError;
use crate::store::visits::{self, Visit};
use chrono::NaiveDate;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Xml130,
    Summary,
}

pub const ALL_FORMATS: [Format; 3] = [Format::Csv, Format::Xml130, Format::Summary];

/// What one export run covers.
pub struct Day {
    pub day: NaiveDate,
    pub clinic: Clinic,
    pub visits: Vec<Visit>,
    /// Replace all but the last 4 characters of every id.
    pub mask_ids: bool,
    /// The local date the files are made (XML `NGAYLAP`).
    pub made_on: NaiveDate,
}

impl Day {
    /// How many of the day's visits are voided.
    pub fn voided(&self) -> usize {
        self.visits.iter().filter(|v| v.voided).count()
    }

    pub fn load(conn: &Connection, day: NaiveDate, mask_ids: bool) -> Result<Day, StoreError> {
        let clinic = crate::store::settings::load(conn)?.clinic;
        let made_on = crate::clock::vietnam_now().date();
        Ok(Day { day, clinic, visits: visits::list(conn, day)?, mask_ids, made_on })
    }

    /// An id as it may be written: masked when asked.
    pub fn id(&self, id: Option<&str>) -> String {
        match id {
            Some(v) if self.mask_ids => mask(v),
            Some(v) => v.to_string(),
            None => String::new(),
        }
    }

    fn compact(&self) -> String {
        self.day.format("%Y%m%d").to_string()
    }
}

/// All but the last 4 characters replaced by `*`.
pub fn mask(id: &str) -> String {
    let n = id.chars().count();
    id.chars().enumerate().map(|(i, c)| if i + 4 < n { '*' } else { c }).collect()
}

/// Writes the requested formats of `day` into `out`; returns the files written, in order.
pub fn export(day: &Day, formats: &[Format], out: &Path) -> Result<Vec<PathBuf>, StoreError> {
    files::ensure_dir(out)?;
    let stem = format!("tiepdon-{}", day.compact());
    let mut written = Vec::new();
    for format in formats {
        let items: Vec<(String, Vec<u8>)> = match format {
            Format::Csv => vec![(format!("{stem}-visits.csv"), csv::render(day))],
            Format::Xml130 => vec![(format!("{stem}-checkin-xml130.xml"), xml130::render(day)?)],
            Format::Summary => {
                let summary = summary::Summary::of(day);
                vec![
                    (format!("{stem}-summary.json"), serde_json::to_vec_pretty(&summary).unwrap_or_default()),
                    (format!("{stem}-visits-per-hour.png"), chart::visits_per_hour(&summary.per_hour)?),
                ]
            }
        };
        for (name, bytes) in items {
            let path = out.join(name);
            files::write_atomic(&path, &bytes)?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_keep_the_last_four() {
        assert_eq!(super::mask("079090123456"), "********3456");
        assert_eq!(super::mask("DN4790123456789"), "***********6789");
        assert_eq!(super::mask("123"), "123");
    }
}
