//! The desk's commands, each one call of the desk service: `lookup`, `checkin`, `void`, `visits`.

use super::{CommandResult, Outcome, open_desk, operator_name, parse_date, print_json};
use crate::card::{self, Detection};
use crate::clock;
use crate::coverage::Verdict;
use crate::store::roster::RecordView;
use crate::store::visits::{self, CheckIn};
use chrono::NaiveDate;
use serde::Serialize;
use std::io::BufRead;

#[derive(Debug, clap::Args)]
pub struct LookupArgs {
    /// A 15-character card code, a 10-digit BHXH number or a 12-digit citizen id.
    pub id: String,
    /// Visit date for the verdict, YYYY-MM-DD (default: today in Vietnam).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    #[command(flatten)]
    pub visit: super::inspect::VisitArgs,
}

#[derive(Serialize)]
struct LookupReport {
    record: Option<RecordView>,
    verdict: Verdict,
}

pub fn lookup(db: Option<&str>, args: &LookupArgs) -> CommandResult {
    let mut desk = open_desk(db)?;
    let detection = card::detect(&args.id);
    let now = clock::now_utc();
    // A --date keeps the time of day (Vietnam) and moves the day.
    let at = match args.date {
        Some(d) => clock::from_vietnam(d.and_time(clock::to_vietnam(now).time())),
        None => now,
    };
    match desk.look(&detection, &args.visit.facts(), at)? {
        Err(verdict) => {
            eprintln!("tiepdon: {} / {}", verdict.message_vi, verdict.message_en);
            print_json(&LookupReport { record: None, verdict });
            Ok(Outcome::Rejected)
        }
        Ok(look) => {
            print_json(&LookupReport {
                record: look.record.as_ref().map(RecordView::from),
                verdict: look.verdict,
            });
            Ok(Outcome::Done)
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckinArgs {
    /// The scanned QR payload (quote it).
    #[arg(conflicts_with_all = ["id", "stdin"], required_unless_present_any = ["id", "stdin"])]
    pub payload: Option<String>,
    /// A typed card code, BHXH number or citizen id instead of a payload.
    #[arg(long, conflicts_with = "stdin")]
    pub id: Option<String>,
    /// Check in every non-empty line of standard input, one after another (a scanner pipe).
    #[arg(long)]
    pub stdin: bool,
    /// Who is at the desk (default: $TIEPDON_OPERATOR, else the system user).
    #[arg(long, env = "TIEPDON_OPERATOR")]
    pub operator: Option<String>,
    /// Kind of visit.
    #[arg(long, default_value = "kham-benh")]
    pub visit_type: String,
    /// Record even a second visit today or a NOT_ELIGIBLE card (audited as an override).
    #[arg(long)]
    pub force: bool,
    /// The supervisor PIN, when one is set: an override (`--force`) needs it.
    #[arg(long, env = "TIEPDON_SUPERVISOR_PIN", hide_env_values = true)]
    pub pin: Option<String>,
    #[command(flatten)]
    pub visit: super::inspect::VisitArgs,
}

pub fn checkin(db: Option<&str>, args: &CheckinArgs) -> CommandResult {
    let operator = operator_name(args.operator.as_deref())?;
    let mut desk = open_desk(db)?;
    super::safety::daily_backup(&mut desk);
    let mut pusher = super::sync::Pusher::new();
    let joined = !desk.location().is_server();
    // Checks one input in; Ok(false) when it was refused.
    let mut one = |text: &str| -> Result<bool, Outcome> {
        let detection: Detection = card::detect(text);
        let req = CheckIn {
            detection: &detection,
            operator: operator.as_str(),
            visit_type: &args.visit_type,
            visit: args.visit.facts(),
            force: args.force,
            pin: args.pin.as_deref(),
            now: clock::now_utc(),
        };
        match desk.check_in(&req)? {
            visits::Outcome::Recorded(visit) => {
                print_json(&visit);
                // A desk joined to a server sends it at once when it can (else it waits, recorded here).
                if joined {
                    pusher.push(desk.store().local());
                }
                Ok(true)
            }
            visits::Outcome::Refused(refusal) => {
                eprintln!("tiepdon: {} / {}", refusal.message_vi, refusal.message_en);
                print_json(&refusal);
                Ok(false)
            }
        }
    };
    let mut all_recorded = true;
    if args.stdin {
        // A scanner pipe keeps going after a failed line (disk full, file deleted…): each failure is
        // told on stderr, nothing is shown as recorded for it, and the exit status says it happened.
        let mut failed = None;
        for line in std::io::stdin().lock().lines() {
            let line = line.map_err(|e| {
                Outcome::Failed(format!("không đọc được đầu vào / cannot read standard input: {e}"))
            })?;
            if !line.trim().is_empty() {
                match one(&line) {
                    Ok(recorded) => all_recorded &= recorded,
                    Err(Outcome::Failed(why)) => {
                        eprintln!("tiepdon: chưa ghi nhận / not recorded: {why}");
                        failed = Some(why);
                    }
                    Err(other) => return Err(other),
                }
            }
        }
        if let Some(why) = failed {
            return Err(Outcome::Failed(why));
        }
    } else {
        all_recorded = one(args.payload.as_deref().or(args.id.as_deref()).unwrap_or_default())?;
    }
    Ok(if all_recorded { Outcome::Done } else { Outcome::Rejected })
}

#[derive(Debug, clap::Args)]
pub struct VoidArgs {
    /// The ticket to void, e.g. A-007.
    pub ticket: String,
    /// Why (required; kept with the visit and in the audit log).
    #[arg(long)]
    pub reason: String,
    /// Day of the visit, YYYY-MM-DD (default: today).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    #[arg(long, env = "TIEPDON_OPERATOR")]
    pub operator: Option<String>,
}

pub fn void(db: Option<&str>, args: &VoidArgs) -> CommandResult {
    let operator = operator_name(args.operator.as_deref())?;
    let mut desk = open_desk(db)?;
    let now = clock::now_utc();
    let day = args.date.unwrap_or_else(|| clock::to_vietnam(now).date());
    print_json(&desk.void(&args.ticket, day, &args.reason, &operator, now)?);
    if !desk.location().is_server() {
        super::sync::Pusher::new().push(desk.store().local());
    }
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
pub struct VisitsArgs {
    /// Day, YYYY-MM-DD (default: today in Vietnam).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
}

pub fn list_visits(db: Option<&str>, args: &VisitsArgs) -> CommandResult {
    let mut desk = open_desk(db)?;
    let day = args.date.unwrap_or_else(|| clock::vietnam_now().date());
    desk.day(day)?.iter().for_each(print_json);
    Ok(Outcome::Done)
}
