//! The two end-of-day actions shared by the command line and the window: export a day (audited) and
//! close it (export + manifest + seal in one write transaction).

use super::{ALL_FORMATS, Day, Format, seal};
use crate::card::date::iso;
use crate::clock;
use crate::store::{Backend, StoreError, audit, closure};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use std::path::{Path, PathBuf};

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    pub day: NaiveDate,
    /// Every visit of the day, voided ones included (they are in the CSV, flagged).
    pub visits: usize,
    /// Of those, the voided ones (left out of the check-in file).
    pub voided: usize,
    /// Visits held back from the check-in file until their card is looked up (0 when it was not asked).
    pub held: usize,
    pub files: Vec<PathBuf>,
}

/// What a close wrote and sealed.
#[derive(Debug, Clone)]
pub struct Closed {
    pub day: NaiveDate,
    /// Every visit of the day, voided ones included.
    pub visits: usize,
    pub voided: usize,
    /// Visits held back from the check-in file until their card is looked up.
    pub held: usize,
    pub files: Vec<PathBuf>,
    pub manifest: PathBuf,
    pub manifest_sha256: String,
}

/// Exports `day` in `formats` into `out` and records the export in the audit trail.
pub fn export_day(
    store: &mut dyn Backend,
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
    let data = crate::store::read(store, |sql, _| Day::load_in(sql, day, mask_ids))?;
    let files = super::export(&data, formats, out)?;
    crate::store::write(store, |tx, _| {
        let names: Vec<_> =
            files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
        let detail =
            json!({"day": iso(day), "visits": data.visits.len(), "masked": mask_ids, "files": names});
        audit::append(tx, now, operator, "export", Some(&iso(day)), &detail)?;
        Ok(())
    })?;
    let held = if formats.contains(&Format::Xml130) { super::xml0::rows(&data).1.len() } else { 0 };
    Ok(Exported { day, visits: data.visits.len(), voided: data.voided(), held, files })
}

/// Seals `day`: every format into the new folder `out`, a MANIFEST.json of their hashes, and the close
/// recorded — in one write transaction, so no check-in or void slips in between; if anything fails,
/// nothing is closed.
pub fn close_day(
    store: &mut dyn Backend,
    day: NaiveDate,
    out: &Path,
    mask_ids: bool,
    without: &[String],
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Closed, StoreError> {
    if mask_ids {
        return Err(StoreError::invalid(
            "Chốt sổ không che số định danh: bộ niêm phong giữ tệp check-in XML0 với số thật cho HIS. Chốt sổ không che; muốn bản để chia sẻ thì xuất riêng với “che số”.",
            "A sealed close is never masked: it holds the XML0 check-in file with the real ids for the HIS. Close unmasked; for a copy to share, export separately with masked ids.",
        ));
    }
    if std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(StoreError::invalid(
            format!("Thư mục {} không trống; chốt sổ cần một thư mục mới.", out.display()),
            format!("{} is not empty; a sealed close needs a new folder.", out.display()),
        ));
    }
    crate::store::write(store, |tx, _| {
        if closure::is_closed(tx, day)? {
            return Err(StoreError::invalid(
                format!("Ngày {} đã chốt.", iso(day)),
                format!("The day {} is already closed.", iso(day)),
            ));
        }
        // On a clinic server: every desk's journal for the day must be here (the desks that kept
        // working while the server was away send theirs first).
        let missing = crate::store::journal::missing_desks(tx, &iso(day), now, without)?;
        if !missing.is_empty() {
            let (vi, en): (Vec<String>, Vec<String>) = missing.into_iter().unzip();
            return Err(StoreError::invalid(
                format!(
                    "Chưa chốt sổ ngày {}: {}. Mở tiepdon ở bàn đó cho nó gửi lên (hoặc tiepdon sync); bàn đã nghỉ hẳn \
                     thì chốt với --without BÀN.",
                    iso(day),
                    vi.join("; ")
                ),
                format!(
                    "The day {} is not closed: {}. Open tiepdon at that desk so it sends (or tiepdon sync); for a desk \
                     gone for good, close with --without DESK.",
                    iso(day),
                    en.join("; ")
                ),
            ));
        }
        if !without.is_empty() {
            let detail = serde_json::json!({"day": iso(day), "desks": without});
            crate::store::audit::append(tx, now, operator, "close_without", Some(&iso(day)), &detail)?;
        }
        let data = Day::load_in(tx, day, mask_ids)?;
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
            held: super::xml0::rows(&data).1.len(),
            files,
            manifest: out.join(seal::MANIFEST),
            manifest_sha256,
        })
    })
}
