//! The two end-of-day actions shared by the command line and the window: export a day (audited) and
//! close it (export + manifest + seal in one write transaction).

use super::{ALL_FORMATS, Day, Format, seal};
use crate::card::date::iso;
use crate::clock;
use crate::store::{Store, StoreError, audit, closure};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use std::path::{Path, PathBuf};

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    pub day: NaiveDate,
    /// Every visit of the day, voided ones included (they are in the CSV, flagged).
    pub visits: usize,
    /// Of those, the voided ones (left out of the XML 130 table).
    pub voided: usize,
    pub files: Vec<PathBuf>,
}

/// What a close wrote and sealed.
#[derive(Debug, Clone)]
pub struct Closed {
    pub day: NaiveDate,
    /// Every visit of the day, voided ones included.
    pub visits: usize,
    pub voided: usize,
    pub files: Vec<PathBuf>,
    pub manifest: PathBuf,
    pub manifest_sha256: String,
}

/// Exports `day` in `formats` into `out` and records the export in the audit trail.
pub fn export_day(
    store: &mut Store,
    day: NaiveDate,
    formats: &[Format],
    out: &Path,
    mask_ids: bool,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Exported, StoreError> {
    if out.join(seal::MANIFEST).exists() {
        return Err(StoreError::invalid(
            format!("{} là thư mục đã chốt sổ; chọn thư mục khác.", out.display()),
            format!("{} holds a sealed close; choose another folder.", out.display()),
        ));
    }
    let data = Day::load(store.conn(), day, mask_ids)?;
    let files = super::export(&data, formats, out)?;
    store.write(|tx| {
        let names: Vec<_> =
            files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
        let detail =
            json!({"day": iso(day), "visits": data.visits.len(), "masked": mask_ids, "files": names});
        audit::append(tx, now, operator, "export", Some(&iso(day)), &detail)?;
        Ok(())
    })?;
    Ok(Exported { day, visits: data.visits.len(), voided: data.voided(), files })
}

/// Seals `day`: every format into the new folder `out`, a MANIFEST.json of their hashes, and the close
/// recorded — in one write transaction, so no check-in or void slips in between; if anything fails,
/// nothing is closed.
pub fn close_day(
    store: &mut Store,
    day: NaiveDate,
    out: &Path,
    mask_ids: bool,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Closed, StoreError> {
    if std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(StoreError::invalid(
            format!("Thư mục {} không trống; chốt sổ cần một thư mục mới.", out.display()),
            format!("{} is not empty; a sealed close needs a new folder.", out.display()),
        ));
    }
    store.write(|tx| {
        if closure::is_closed(tx, day)? {
            return Err(StoreError::invalid(
                format!("Ngày {} đã chốt.", iso(day)),
                format!("The day {} is already closed.", iso(day)),
            ));
        }
        let data = Day::load(tx, day, mask_ids)?;
        let files = super::export(&data, &ALL_FORMATS, out)?;
        let header = (
            iso(day),
            data.clinic.facility_code.clone(),
            clock::rfc3339(now),
            operator.to_string(),
            data.visits.len(),
        );
        let manifest_sha256 = seal::write_manifest(out, &files, header)?;
        closure::close(tx, day, operator, &manifest_sha256, now)?;
        Ok(Closed {
            day,
            visits: data.visits.len(),
            voided: data.voided(),
            files,
            manifest: out.join(seal::MANIFEST),
            manifest_sha256,
        })
    })
}
