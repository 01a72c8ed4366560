//! `recheck` (the day's visits decided on the card alone or unverified, through the VSS gateway) and
//! `vss check` (one card).

use super::{CommandResult, Outcome, open_desk, operator_name, parse_date, print_json};
use crate::clock;
use crate::gateway::recheck::outcome_of;
use crate::gateway::vss::{Client, Fault, Query};
use chrono::NaiveDate;
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct RecheckArgs {
    /// The day, YYYY-MM-DD (default: today in Vietnam).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// List what would be sent, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The checking officer of the shift (the name the gateway records unless vss_officer_name is set).
    #[arg(long, env = "TIEPDON_OPERATOR")]
    pub operator: Option<String>,
}

/// A configuration the gateway cannot be asked with (exit 2).
fn config(fault: Fault) -> Outcome {
    Outcome::Failed(fault.to_string())
}

/// `tiepdon recheck`: one JSON line per visit; exit 0 when the queue was drained (whatever the
/// answers), 1 when some visits stay waiting, 2 on a configuration the gateway refuses.
pub fn recheck(db: Option<&str>, args: &RecheckArgs) -> CommandResult {
    let operator = operator_name(args.operator.as_deref())?;
    let mut desk = open_desk(db)?;
    let day = args.date.unwrap_or_else(|| clock::vietnam_now().date());
    let settings = desk.settings()?;
    if args.dry_run {
        for q in desk.recheck_queue(day)? {
            print_json(&crate::desk::Rechecked::waiting(&q, ("thử, chưa gửi", "dry run, not sent")));
        }
        return Ok(Outcome::Done);
    }
    let mut client = Client::new(&settings.vss).map_err(config)?;
    let run = desk.recheck_day(day, &mut client, &operator, &|| false, &mut |line| print_json(line))?;
    if let Some(fault) = run.stopped {
        return Err(config(fault));
    }
    Ok(if run.waiting == 0 { Outcome::Done } else { Outcome::Rejected })
}

#[derive(Debug, clap::Subcommand)]
pub enum VssCommand {
    /// Check one card with the VSS gateway now (nothing recorded).
    Check(VssCheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct VssCheckArgs {
    /// The 15-character card code or the 10-digit BHXH number.
    pub code: String,
    /// The patient's full name.
    #[arg(long)]
    pub name: String,
    /// The birth date: YYYY-MM-DD, dd/MM/yyyy or the year.
    #[arg(long)]
    pub birth: String,
    #[arg(long, env = "TIEPDON_OPERATOR")]
    pub operator: Option<String>,
}

/// `tiepdon vss check CODE --name … --birth …`: the answer as one JSON line; exit 0 on an answer, 1
/// when the gateway did not answer, 2 on a configuration it refuses.
pub fn vss(db: Option<&str>, command: &VssCommand) -> CommandResult {
    let VssCommand::Check(args) = command;
    let operator = operator_name(args.operator.as_deref())?;
    let settings = open_desk(db)?.settings()?;
    let mut client = Client::new(&settings.vss).map_err(config)?;
    let code = args.code.trim().to_ascii_uppercase();
    let query = Query::of(Some(&code), None, Some(args.name.trim()), Some(args.birth.trim()))
        .ok_or_else(|| Outcome::Failed("cần mã thẻ / a card code is needed".into()))?;
    match client.check(&query, operator.as_str()) {
        Ok(a) => {
            print_json(&json!({"ticket": null, "card_number": code, "result_code": a.code, "note": a.note,
                               "outcome": outcome_of(&a.code), "gateway": a.card}));
            Ok(Outcome::Done)
        }
        Err(f @ Fault::Account { .. }) => Err(config(f)),
        Err(f @ Fault::Unavailable { .. }) => {
            print_json(
                &json!({"ticket": null, "card_number": code, "result_code": null, "note": f.to_string(),
                               "outcome": "waiting", "gateway": {}}),
            );
            Ok(Outcome::Rejected)
        }
    }
}
