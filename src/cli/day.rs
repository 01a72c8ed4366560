//! End-of-day commands: `export`, `close-day`, `reopen-day`, `verify-export`.

use super::{CommandResult, Outcome, open_desk, operator_name, parse_date, print_json};
use crate::card::date::iso;
use crate::clock;
use crate::export::{Format, default_formats, seal};
use chrono::NaiveDate;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The day, YYYY-MM-DD (default: today in Vietnam).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// Folder to write into (created owner-only if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Formats, comma-separated: csv, csv-raw, xlsx, xml130 (or xml0), summary (default: all; with
    /// --mask-ids all but xml130, which is never masked).
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

pub fn export(db: Option<&str>, args: &ExportArgs) -> CommandResult {
    let operator = operator_name(args.operator.as_deref())?;
    let mut desk = open_desk(db)?;
    let formats = if args.format.is_empty() { default_formats(args.mask_ids) } else { args.format.clone() };
    let done = desk.export_day(
        day_or_today(args.date),
        &formats,
        &args.out,
        args.mask_ids,
        &operator,
        clock::now_utc(),
    )?;
    print_json(&json!({"day": iso(done.day), "visits": done.visits, "checkin_held": done.held,
                       "files": file_names(&done.files)}));
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
    /// On a clinic server: close although this desk's journal is not all there (a desk PC that is off
    /// for good); repeatable; audited.
    #[arg(long = "without", value_name = "DESK")]
    pub without: Vec<String>,
}

pub fn close_day(db: Option<&str>, args: &CloseArgs) -> CommandResult {
    let operator = operator_name(args.operator.as_deref())?;
    let mut desk = open_desk(db)?;
    let day = day_or_today(args.date);
    let done = desk.close_day(day, &args.out, args.mask_ids, &args.without, &operator, clock::now_utc())?;
    print_json(
        &json!({"day": iso(done.day), "closed": true, "visits": done.visits, "checkin_held": done.held,
                       "manifest": done.manifest.display().to_string(),
                       "manifest_sha256": done.manifest_sha256, "files": file_names(&done.files)}),
    );
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
    /// The supervisor PIN, when one is set (`settings set supervisor_pin`).
    #[arg(long, env = "TIEPDON_SUPERVISOR_PIN", hide_env_values = true)]
    pub pin: Option<String>,
}

pub fn reopen_day(db: Option<&str>, args: &ReopenArgs) -> CommandResult {
    let supervisor = operator_name(Some(&args.supervisor))?;
    let mut desk = open_desk(db)?;
    if desk.settings()?.supervisor_pin.is_none() && !desk.location().is_server() {
        eprintln!(
            "tiepdon: chưa đặt mã PIN người phụ trách: ai cũng mở lại được ngày đã chốt (settings set supervisor_pin) \
             / no supervisor PIN is set: anyone can reopen a closed day (settings set supervisor_pin)"
        );
    }
    desk.reopen_day(args.date, &supervisor, &args.reason, args.pin.as_deref(), clock::now_utc())?;
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

pub fn verify_export(db: Option<&str>, args: &VerifyExportArgs) -> CommandResult {
    let mut v = seal::verify(&args.dir)?;
    // With the database at hand, the manifest itself must be the one sealed at close.
    let default_exists = crate::store::Store::default_path().is_some_and(|p| p.exists());
    if db.is_some() || default_exists {
        let mut desk = open_desk(db)?;
        let found = desk.seal(&v.day, &v.manifest_sha256)?;
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
