//! End-of-day commands: `export`, `close-day`, `reopen-day`, `verify-export`.

use super::{CommandResult, Outcome, open_store, operator_name, parse_date, print_json};
use crate::clock;
use crate::export::{self, ALL_FORMATS, Day, Format, seal};
use crate::store::closure;
use chrono::NaiveDate;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The day, YYYY-MM-DD (default: today in Vietnam).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// Folder to write into (created owner-only if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Formats, comma-separated (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub format: Vec<Format>,
    /// Replace all but the last 4 characters of every id.
    #[arg(long)]
    pub mask_ids: bool,
    #[arg(long, env = "TIEPDON_OPERATOR")]
    pub operator: Option<String>,
}

fn day_or_today(date: Option<NaiveDate>) -> NaiveDate {
    date.unwrap_or_else(|| clock::vietnam_now().date())
}

fn file_names(files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|f| f.display().to_string()).collect()
}

pub fn export(db: Option<&Path>, args: &ExportArgs) -> CommandResult {
    let operator = operator_name(args.operator.as_deref())?;
    let mut store = open_store(db)?;
    let day = day_or_today(args.date);
    let formats = if args.format.is_empty() { ALL_FORMATS.to_vec() } else { args.format.clone() };
    if args.out.join(seal::MANIFEST).exists() {
        return Err(Outcome::Failed(format!(
            "{} là thư mục đã chốt sổ; chọn thư mục khác / {} holds a sealed close; choose another folder",
            args.out.display(),
            args.out.display()
        )));
    }
    let data = Day::load(store.conn(), day, args.mask_ids)?;
    let files = export::export(&data, &formats, &args.out)?;
    let now = clock::now_utc();
    store.write(|tx| {
        let detail = json!({"day": crate::card::date::iso(day), "visits": data.visits.len(), "masked": args.mask_ids,
                            "files": files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy()).collect::<Vec<_>>()});
        crate::store::audit::append(tx, now, &operator, "export", Some(&crate::card::date::iso(day)), &detail)?;
        Ok(())
    })?;
    print_json(
        &json!({"day": crate::card::date::iso(day), "visits": data.visits.len(), "files": file_names(&files)}),
    );
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// Folder for the sealed exports and their MANIFEST.json.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub mask_ids: bool,
    #[arg(long, env = "TIEPDON_OPERATOR")]
    pub operator: Option<String>,
}

pub fn close_day(db: Option<&Path>, args: &CloseArgs) -> CommandResult {
    let operator = operator_name(args.operator.as_deref())?;
    let mut store = open_store(db)?;
    let day = day_or_today(args.date);
    let occupied = std::fs::read_dir(&args.out).is_ok_and(|mut d| d.next().is_some());
    if occupied {
        return Err(Outcome::Failed(format!(
            "thư mục {} không trống; chốt sổ cần một thư mục mới / {} is not empty; a sealed close needs a new folder",
            args.out.display(),
            args.out.display()
        )));
    }
    let now = clock::now_utc();
    // One write transaction from reading the visits to recording the close: no check-in or void can
    // slip in between the export and the seal. If anything fails, nothing is closed.
    let (visits, files, manifest_hash) = store.write(|tx| {
        if closure::is_closed(tx, day)? {
            return Err(crate::store::StoreError::invalid(
                format!("Ngày {day} đã chốt."),
                format!("The day {day} is already closed."),
            ));
        }
        let data = Day::load(tx, day, args.mask_ids)?;
        let files = export::export(&data, &ALL_FORMATS, &args.out)?;
        let header = (
            crate::card::date::iso(day),
            data.clinic.facility_code.clone(),
            clock::rfc3339(now),
            operator.clone(),
            data.visits.len(),
        );
        let manifest_hash = seal::write_manifest(&args.out, &files, header)?;
        closure::close(tx, day, &operator, &manifest_hash, now)?;
        Ok((data.visits.len(), files, manifest_hash))
    })?;
    print_json(&json!({"day": crate::card::date::iso(day), "closed": true, "visits": visits,
                       "manifest": args.out.join(seal::MANIFEST).display().to_string(),
                       "manifest_sha256": manifest_hash, "files": file_names(&files)}));
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
pub struct ReopenArgs {
    #[arg(long, value_parser = parse_date)]
    pub date: NaiveDate,
    /// The supervisor who allows it.
    #[arg(long)]
    pub supervisor: String,
    /// Why (kept in the audit log).
    #[arg(long)]
    pub reason: String,
}

pub fn reopen_day(db: Option<&Path>, args: &ReopenArgs) -> CommandResult {
    let mut store = open_store(db)?;
    let now = clock::now_utc();
    store.write(|tx| closure::reopen(tx, args.date, &args.supervisor, &args.reason, now))?;
    print_json(
        &json!({"day": crate::card::date::iso(args.date), "closed": false, "reopened_by": args.supervisor.trim()}),
    );
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
pub struct VerifyExportArgs {
    /// A folder written by close-day.
    pub dir: PathBuf,
}

pub fn verify_export(db: Option<&Path>, args: &VerifyExportArgs) -> CommandResult {
    let mut v = seal::verify(&args.dir)?;
    // With the database at hand, the manifest itself must be the one sealed at close.
    let default_exists = crate::store::Store::default_path().is_some_and(|p| p.exists());
    if db.is_some() || default_exists {
        let store = open_store(db)?;
        let found = closure::seal(store.conn(), &v.day, &v.manifest_sha256)?;
        seal::check_seal(&mut v, found);
    }
    if !v.ok {
        eprintln!(
            "tiepdon: bản chốt không còn nguyên vẹn / the sealed export does not verify: changed {:?}, missing {:?}, \
             added {:?}, seal: {}",
            v.changed,
            v.missing,
            v.extra,
            v.seal.unwrap_or("not checked (no database)")
        );
    }
    print_json(&v);
    Ok(if v.ok { Outcome::Done } else { Outcome::Rejected })
}
