//! `backup`, `restore`, `check-db`, and the automatic daily backup of writing commands.

use super::{CommandResult, Outcome, db_path, open_store, print_json};
use crate::clock;
use crate::store::{Store, backup};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Delete daily backups older than this many days.
    #[arg(long, default_value_t = backup::KEEP_DAYS)]
    pub keep_days: i64,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file (see `ls backups/` beside the database).
    pub backup: PathBuf,
}

/// Takes today's backup of a desk's file if there is none yet (the first write of the day); a server
/// is backed up by its own administrator (pg_dump). A failed backup is told on stderr and does not stop
/// the desk.
pub fn daily_backup(desk: &mut crate::desk::Desk) {
    match desk.daily_backup(clock::now_utc()) {
        Ok(_) => {}
        Err(e) => eprintln!("tiepdon: chưa sao lưu được hôm nay / today's backup failed: {e}"),
    }
}

pub fn backup(db: Option<&str>, args: &BackupArgs) -> CommandResult {
    let store = open_store(db)?;
    let now = clock::now_utc();
    let made = backup::backup_now(&store, now)?;
    backup::daily(&store, now, args.keep_days.max(0))?;
    print_json(&json!({"backup": made.display().to_string(), "kept": backup::list(store.path()).len()}));
    Ok(Outcome::Done)
}

pub fn restore(db: Option<&str>, args: &RestoreArgs) -> CommandResult {
    let path = db_path(db)?;
    let done = backup::restore(&path, &args.backup, clock::now_utc())?;
    print_json(&done);
    Ok(Outcome::Done)
}

pub fn check_db(db: Option<&str>) -> CommandResult {
    let path = db_path(db)?;
    match Store::open_checked(&path) {
        Ok(_) => {
            print_json(&json!({"database": path.display().to_string(), "ok": true}));
            Ok(Outcome::Done)
        }
        Err(e) if e.is_corruption() => {
            let latest = backup::latest(&path).map(|p| p.display().to_string());
            eprintln!("tiepdon: {e}");
            print_json(
                &json!({"database": path.display().to_string(), "ok": false, "latest_backup": latest}),
            );
            Ok(Outcome::Rejected)
        }
        Err(e) => Err(e.into()),
    }
}
