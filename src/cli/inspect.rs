//! `tiepdon parse` and `tiepdon check`: payload or number in, one JSON object per input out.

use super::{CommandResult, Outcome, parse_date, print_json};
use crate::card::{self, Detection, ParseReport};
use crate::clock;
use crate::coverage::{self, Clinic, Verdict};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::io::Read;

/// Where the text comes from.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// The QR payload or typed number (quote it: payloads contain `|` and `$`).
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    pub text: Option<String>,
    /// Read standard input instead; every non-empty line is one input.
    #[arg(long)]
    pub stdin: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Visit date, YYYY-MM-DD (default: today in Vietnam).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// This clinic's 5-character facility code (MA_CSKCB), e.g. 79034.
    #[arg(long, value_parser = parse_facility)]
    pub facility: Option<String>,
}

fn parse_facility(s: &str) -> Result<String, String> {
    card::number::normalise_facility(s)
        .ok_or_else(|| format!("mã cơ sở phải có 5 ký tự / a facility code has 5 characters: {s}"))
}

/// The texts to work on: the argument, or each non-empty line of stdin.
fn inputs(args: &InputArgs) -> Result<Vec<String>, String> {
    if !args.stdin {
        return Ok(args.text.iter().cloned().collect());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("không đọc được đầu vào / cannot read standard input: {e}"))?;
    // Scanners and pastes may carry invalid UTF-8: replace it, then let the parser reject it.
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect())
}

fn report_rejection(d: &Detection) -> bool {
    match &d.result {
        Ok(_) => false,
        Err(why) => {
            eprintln!("tiepdon: không dùng được / rejected: {} — {}", why.detail_vi, why.detail_en);
            true
        }
    }
}

fn run<F: FnMut(&Detection)>(args: &InputArgs, mut emit: F) -> CommandResult {
    let texts = inputs(args).map_err(Outcome::Failed)?;
    let mut rejected = false;
    for text in &texts {
        let detection = card::detect(text);
        rejected |= report_rejection(&detection);
        emit(&detection);
    }
    Ok(if rejected { Outcome::Rejected } else { Outcome::Done })
}

pub fn parse(args: &InputArgs) -> CommandResult {
    run(args, |d| print_json(&ParseReport::from(d)))
}

/// `tiepdon check` output: the parse report plus the verdict.
#[derive(Serialize)]
struct CheckReport {
    #[serde(flatten)]
    parse: ParseReport,
    verdict: Verdict,
}

pub fn check(args: &CheckArgs) -> CommandResult {
    let clinic = match &args.facility {
        Some(code) => Clinic::with_facility(code),
        None => Clinic::default(),
    };
    let now = clock::vietnam_now();
    let at = match args.date {
        Some(day) => NaiveDateTime::new(day, now.time()),
        None => now,
    };
    run(&args.input, |d| {
        let verdict = coverage::assess(d, None, &clinic, at);
        print_json(&CheckReport { parse: ParseReport::from(d), verdict });
    })
}
