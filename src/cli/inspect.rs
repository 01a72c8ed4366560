//! `tiepdon parse` and `tiepdon check`: payload or number in, one JSON object per input out.

use super::{CommandResult, Outcome, parse_date, print_json};
use crate::card::{self, Detection, ParseReport};
use crate::clock;
use crate::coverage::{self, Clinic, Verdict};
use crate::ocr;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::io::Read;

/// Where the text comes from.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// The QR payload or typed number (quote it: payloads contain `|` and `$`).
    #[arg(conflicts_with = "stdin")]
    pub text: Option<String>,
    /// Read standard input instead; every non-empty line is one input.
    #[arg(long)]
    pub stdin: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Read the card's printed text in this image (OCR) instead of a payload.
    #[arg(long, value_name = "IMAGE", conflicts_with_all = ["text", "stdin"])]
    pub ocr: Option<std::path::PathBuf>,
    /// Visit date, YYYY-MM-DD (default: today in Vietnam).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// This clinic's 5-character facility code (MA_CSKCB), e.g. 79034.
    #[arg(long, value_parser = parse_facility)]
    pub facility: Option<String>,
    /// This clinic's expertise level (no database here: the profile is given on the command line).
    #[arg(long, value_parser = ["ban_dau", "co_ban", "chuyen_sau"])]
    pub level: Option<String>,
    /// A TT 01/2025 Đ3 facility type paid 100 % (category 1.2), e.g. tram_y_te.
    #[arg(long, value_parser = ["tram_y_te", "quan_dan_y", "y_hoc_gia_dinh", "ttyt_khu_vuc", "y_te_co_quan", "quan_doi_cong_an"])]
    pub flat_100_type: Option<String>,
    /// A basic-level clinic's score band.
    #[arg(long, value_parser = ["lt50_or_provisional", "50_to_lt70"])]
    pub score_band: Option<String>,
    /// The clinic's tier before 1/1/2025.
    #[arg(long, value_parser = ["none", "xa", "huyen", "tinh", "trung_uong"])]
    pub former_tier: Option<String>,
    #[command(flatten)]
    pub visit: VisitArgs,
}

/// The visit a category is proposed for: its kind and the facts told at the desk.
#[derive(Debug, Default, clap::Args)]
pub struct VisitArgs {
    /// Outpatient (the default) or admitted.
    #[arg(long, value_parser = ["outpatient", "inpatient"], default_value = "outpatient")]
    pub visit_kind: String,
    /// A paper shown: transfer (phiếu chuyển cơ sở KCB, 1.3), stay (lưu trú, 1.4), appointment (giấy hẹn, 1.5).
    #[arg(long, value_parser = ["transfer", "stay", "appointment"])]
    pub paper: Option<String>,
    /// An emergency (category 2).
    #[arg(long)]
    pub emergency: bool,
    /// A newborn treated right after birth (category 1.7).
    #[arg(long)]
    pub newborn: bool,
}

impl VisitArgs {
    /// The visit facts (the values were checked by clap).
    pub fn facts(&self) -> coverage::VisitFacts {
        coverage::VisitFacts {
            kind: if self.visit_kind == "inpatient" {
                coverage::VisitKind::Inpatient
            } else {
                coverage::VisitKind::Outpatient
            },
            paper: match self.paper.as_deref() {
                Some("transfer") => Some(coverage::Paper::Transfer),
                Some("stay") => Some(coverage::Paper::Stay),
                Some("appointment") => Some(coverage::Paper::Appointment),
                _ => None,
            },
            emergency: self.emergency,
            newborn: self.newborn,
        }
    }
}

fn parse_facility(s: &str) -> Result<String, String> {
    card::number::normalise_facility(s)
        .ok_or_else(|| format!("mã cơ sở phải có 5 ký tự / a facility code has 5 characters: {s}"))
}

/// The texts to work on: the argument, or each non-empty line of stdin.
fn inputs(args: &InputArgs) -> Result<Vec<String>, String> {
    if !args.stdin {
        return match &args.text {
            Some(t) => Ok(vec![t.clone()]),
            None => {
                Err("hãy cho một mã QR hoặc số, hoặc --stdin / give a payload or number, or --stdin".into())
            }
        };
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
    let mut clinic = match &args.facility {
        Some(code) => Clinic::with_facility(code),
        None => Clinic::default(),
    };
    let profile = &mut clinic.profile;
    profile.level = args.level.as_deref().and_then(coverage::Level::parse);
    profile.flat_100 = args.flat_100_type.as_deref().and_then(coverage::FlatType::parse);
    profile.score_band = args.score_band.as_deref().and_then(coverage::ScoreBand::parse);
    profile.former_tier =
        args.former_tier.as_deref().and_then(coverage::FormerTier::parse).unwrap_or_default();
    let visit = args.visit.facts();
    let now = clock::vietnam_now();
    let at = match args.date {
        Some(day) => NaiveDateTime::new(day, now.time()),
        None => now,
    };
    if let Some(image) = &args.ocr {
        let engine = super::ocr::engine()?;
        let reading = super::ocr::read_file(&engine, image)
            .map_err(|(vi, en)| Outcome::Failed(format!("{vi} / {en}")))?;
        // Only what the read is sure of is used; the rest is listed as uncertain in `sources`.
        let d = ocr::detection(&reading.certain());
        let rejected = report_rejection(&d);
        let verdict = coverage::assess_visit(&d, None, &clinic, &visit, at);
        print_json(&OcrCheckReport {
            check: CheckReport { parse: ParseReport::from(&d), verdict },
            ocr: &reading,
            sources: reading.sources(),
        });
        return Ok(if rejected { Outcome::Rejected } else { Outcome::Done });
    }
    run(&args.input, |d| {
        let verdict = coverage::assess_visit(d, None, &clinic, &visit, at);
        print_json(&CheckReport { parse: ParseReport::from(d), verdict });
    })
}

/// `tiepdon check --ocr` output: the check report of the card the read was sure of, the whole read, and
/// where every field came from.
#[derive(Serialize)]
struct OcrCheckReport<'a> {
    #[serde(flatten)]
    check: CheckReport,
    ocr: &'a ocr::Reading,
    sources: Vec<ocr::Source>,
}
