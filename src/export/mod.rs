//! End of day: the day's visits for people (CSV and Excel with Vietnamese columns), for scripts (raw
//! CSV), for the HIS and the BHXH portal (the XML0 check-in files), and as a summary with a chart; a
//! sealed close with a manifest of SHA-256 hashes, and its verification. Reads the store; writes files
//! atomically and owner-only.

pub mod chart;
pub mod csv;
pub mod day_end;
pub mod files;
pub mod seal;
pub mod sheet;
pub mod summary;
pub mod xlsx;
pub mod xml0;

use crate::coverage::Clinic;
use crate::store::StoreError;
use crate::store::settings::Exam;
use crate::store::visits::{self, Visit};
use chrono::NaiveDate;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The visits for people: Vietnamese columns, dd/MM/yyyy dates.
    Csv,
    /// The visits for scripts: English snake_case columns, ISO dates, every stored value.
    CsvRaw,
    /// The visits as an Excel workbook.
    Xlsx,
    /// The XML0 check-in files (QĐ 130/4750): one per day and one per visit.
    #[value(alias = "xml0")]
    Xml130,
    /// Counts, visits to look up, and the chart.
    Summary,
}

impl Format {
    /// Whether the files carry real ids by nature (never masked).
    pub fn needs_real_ids(self) -> bool {
        self == Format::Xml130
    }
}

pub const ALL_FORMATS: [Format; 5] =
    [Format::Csv, Format::CsvRaw, Format::Xlsx, Format::Xml130, Format::Summary];

/// The formats of an export when none are named: all of them, or, with masked ids, every format that
/// can be masked (a masked check-in file is never written).
pub fn default_formats(mask_ids: bool) -> Vec<Format> {
    ALL_FORMATS.into_iter().filter(|f| !(mask_ids && f.needs_real_ids())).collect()
}

/// What one export run covers.
pub struct Day {
    pub day: NaiveDate,
    pub clinic: Clinic,
    pub visits: Vec<Visit>,
    /// Replace all but the last 4 characters of every id.
    pub mask_ids: bool,
    /// The exam registered at check-in (the check-in file's first chargeable item).
    pub exam: Exam,
    /// This database's id, the tail of every MA_LK.
    pub store_id: String,
}

impl Day {
    /// How many of the day's visits are voided.
    pub fn voided(&self) -> usize {
        self.visits.iter().filter(|v| v.voided).count()
    }

    /// The day as a SQLite file holds it.
    pub fn load(conn: &Connection, day: NaiveDate, mask_ids: bool) -> Result<Day, StoreError> {
        Day::load_in(&mut crate::store::sql::Lite(conn), day, mask_ids)
    }

    /// The day as the store holds it (a file or the clinic server).
    pub fn load_in(
        sql: &mut dyn crate::store::sql::Sql,
        day: NaiveDate,
        mask_ids: bool,
    ) -> Result<Day, StoreError> {
        let s = crate::store::settings::load_in(sql)?;
        let mut visits = visits::list_in(sql, day)?;
        let mut rechecks = crate::store::rechecks::latest(sql, day)?;
        visits.iter_mut().for_each(|v| v.recheck = rechecks.remove(&v.id));
        Ok(Day { day, clinic: s.clinic, visits, mask_ids, exam: s.exam, store_id: s.store_id })
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

/// Writes the requested formats of `day` into `out`; returns the files written, in order. Everything is
/// rendered before the first file is written, so a refusal (masked check-in files, missing settings)
/// leaves the folder as it was.
pub fn export(day: &Day, formats: &[Format], out: &Path) -> Result<Vec<PathBuf>, StoreError> {
    if day.mask_ids && formats.iter().any(|f| f.needs_real_ids()) {
        return Err(xml0::masked_refusal());
    }
    let stem = format!("tiepdon-{}", day.compact());
    let mut items: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    // The day's per-visit check-in files, written as one folder replaced whole.
    let mut per_visit: Option<Vec<(String, Vec<u8>)>> = None;
    let mut stale_day_file: Option<PathBuf> = None;
    for format in formats {
        match format {
            Format::Csv => items.push((out.join(format!("{stem}-visits.csv")), csv::render(day))),
            Format::CsvRaw => items.push((out.join(format!("{stem}-visits-raw.csv")), csv::render_raw(day))),
            Format::Xlsx => items.push((out.join(format!("{stem}-visits.xlsx")), xlsx::render(day)?)),
            Format::Xml130 => {
                let files = xml0::render(day)?;
                let day_file = out.join(format!("{stem}-checkin-xml0.xml"));
                match files.day {
                    Some(bytes) => items.push((day_file, bytes)),
                    // A file of an earlier export, when every visit since was voided or held back.
                    None => stale_day_file = Some(day_file),
                }
                per_visit =
                    Some(files.per_visit.into_iter().map(|(ma_lk, b)| (format!("{ma_lk}.xml"), b)).collect());
            }
            Format::Summary => {
                let summary = summary::Summary::of(day);
                let title = chart::Title {
                    clinic: &day.clinic.name,
                    facility_code: day.clinic.facility_code.as_deref(),
                    day: day.day,
                };
                let counts = chart::HourCounts::of(&day.visits);
                items.push((
                    out.join(format!("{stem}-summary.json")),
                    serde_json::to_vec_pretty(&summary).unwrap_or_default(),
                ));
                items.push((out.join(format!("{stem}-visits-per-hour.png")), chart::png(&title, &counts)?));
            }
        }
    }
    files::ensure_dir(out)?;
    let mut written = files::write_all_atomic(&items)?;
    let visit_dir = out.join(xml0::visit_dir(&day.compact()));
    match &per_visit {
        Some(files) if !files.is_empty() => written.extend(files::replace_dir(&visit_dir, files)?),
        // No visit has a row: no folder, and none left from an earlier export.
        Some(_) if visit_dir.is_dir() => {
            std::fs::remove_dir_all(&visit_dir).map_err(|e| StoreError::io(&visit_dir, e))?
        }
        _ => {}
    }
    // Only once the new files stand: a day file an earlier export wrote and this one does not.
    if let Some(path) = stale_day_file.filter(|p| p.exists()) {
        std::fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
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
