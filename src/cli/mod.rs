//! The command line: parses arguments (clap), runs one command, prints JSON lines on stdout and human
//! messages on stderr. Business rules live in the library, never here.

mod bench_decode;
mod data;
mod day;
mod desk;
mod inspect;
mod ocr;
mod recheck;
mod safety;
mod scan;
mod sync;
#[cfg(feature = "window")]
mod window;

use crate::desk::{Desk, Operator};
use crate::store::{Location, Store, StoreError};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// tiếp đón — reception desk for BHYT / CCCD check-in.
#[derive(Debug, Parser)]
#[command(name = "tiepdon", version, about, long_about = None)]
pub struct Cli {
    /// The database: a file (default: tiepdon.db in the user's data directory), or a clinic server's
    /// libpq URL (postgres://USER[:PASSWORD]@HOST:PORT/DB, postgresql://USER@/DB?host=/socket/dir).
    #[arg(long, global = true, env = "TIEPDON_DB", hide_env_values = true)]
    pub db: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy the database now into backups/ (checked), and delete daily backups older than --keep-days.
    Backup(safety::BackupArgs),
    /// Replace the database by a backup, after checking the backup (the replaced file is kept).
    Restore(safety::RestoreArgs),
    /// Check every page of the database (quick_check); name the latest backup if it is damaged.
    CheckDb,
    /// Open the desk window (what `tiepdon` alone does).
    #[cfg(feature = "window")]
    Window(window::WindowArgs),
    /// Tell what a payload or number is and print its fields as JSON.
    Parse(inspect::InputArgs),
    /// Parse a payload or number and decide coverage from the card alone (no database).
    Check(inspect::CheckArgs),
    /// Import a coverage roster: tiepdon's CSV, another CSV/TSV, Excel, XML 130 claim files, a
    /// gateway-cache export.
    ImportRoster(data::ImportArgs),
    /// Show how a roster file would be read (header, column mapping, masked samples), importing nothing.
    InspectRoster(data::InspectArgs),
    /// Find a card by card code, BHXH number or citizen id, with its verdict.
    Lookup(desk::LookupArgs),
    /// Check a patient in: verdict, ticket number, visit recorded.
    Checkin(desk::CheckinArgs),
    /// Void a visit (it is kept, marked void, with the reason).
    Void(desk::VoidArgs),
    /// List a day's visits.
    Visits(desk::VisitsArgs),
    /// Show or change the clinic's settings.
    #[command(subcommand)]
    Settings(data::SettingsCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(data::AuditCommand),
    /// Fill the database with invented demo records, or write them as a roster CSV.
    DemoData(data::DemoArgs),
    /// Read the QR code of images (or of every image in a folder).
    Scan(scan::ScanArgs),
    /// List the cameras.
    Cameras,
    /// Measure the QR decoder on image corpora, against zxing-cpp.
    BenchDecode(bench_decode::BenchDecodeArgs),
    /// Read the card's printed text (VssID card image, paper card, VNeID wallet) of images, by OCR.
    Ocr(ocr::OcrArgs),
    /// Score the OCR on a development set of card images (made there if missing).
    BenchOcr(ocr::BenchOcrArgs),
    /// Export a day's visits: CSV, the XML 130 check-in table, a summary with a chart.
    Export(day::ExportArgs),
    /// Seal a day: export everything with a manifest of hashes, then refuse check-ins for that day.
    CloseDay(day::CloseArgs),
    /// Reopen a closed day (a supervisor and a reason are required; audited).
    ReopenDay(day::ReopenArgs),
    /// Check a sealed export folder against its manifest.
    VerifyExport(day::VerifyExportArgs),
    /// Create (or bring up to date) tiepdon's schema on a clinic PostgreSQL server, and print the SQL
    /// that creates each desk's and supervisor's login.
    #[cfg(feature = "server")]
    InitServer(data::InitServerArgs),
    /// Re-check the day's visits decided on the card alone or unverified through the VSS gateway; one
    /// JSON line per visit; exit 0 when the queue was drained, 1 when some wait, 2 on configuration errors.
    Recheck(recheck::RecheckArgs),
    /// The VSS gateway: check one card now.
    #[command(subcommand)]
    Vss(recheck::VssCommand),
    /// Send what this desk's file has recorded to its clinic server (`settings set server URL`); prints
    /// {"sent", "waiting", "server"}; exit 1 while something waits.
    Sync,
}

/// Exit code when an input was rejected or a check-in refused (JSON still printed on stdout).
pub const EXIT_REJECTED: u8 = 1;
/// Exit code for a usage, data or environment error.
pub const EXIT_USAGE: u8 = 2;

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let db = cli.db.as_deref();
    let outcome = match &cli.command {
        #[cfg(feature = "window")]
        None => window::window(db, &window::WindowArgs::default()),
        #[cfg(not(feature = "window"))]
        None => {
            let _ = <Cli as clap::CommandFactory>::command().print_help();
            Ok(Outcome::Done)
        }
        #[cfg(feature = "window")]
        Some(Command::Window(args)) => window::window(db, args),
        Some(Command::Backup(args)) => safety::backup(db, args),
        Some(Command::Restore(args)) => safety::restore(db, args),
        Some(Command::CheckDb) => safety::check_db(db),
        Some(Command::Parse(args)) => inspect::parse(args),
        Some(Command::Check(args)) => inspect::check(args),
        Some(Command::ImportRoster(args)) => data::import_roster(db, args),
        Some(Command::InspectRoster(args)) => data::inspect_roster(db, args),
        Some(Command::Lookup(args)) => desk::lookup(db, args),
        Some(Command::Checkin(args)) => desk::checkin(db, args),
        Some(Command::Void(args)) => desk::void(db, args),
        Some(Command::Visits(args)) => desk::list_visits(db, args),
        Some(Command::Settings(cmd)) => data::settings(db, cmd),
        Some(Command::Audit(cmd)) => data::audit_cmd(db, cmd),
        Some(Command::DemoData(args)) => data::demo_data(db, args),
        Some(Command::Scan(args)) => scan::scan(args),
        Some(Command::Cameras) => scan::cameras(),
        Some(Command::BenchDecode(args)) => bench_decode::bench_decode(args),
        Some(Command::Ocr(args)) => ocr::ocr(args),
        Some(Command::BenchOcr(args)) => ocr::bench_ocr(args),
        Some(Command::Export(args)) => day::export(db, args),
        Some(Command::CloseDay(args)) => day::close_day(db, args),
        Some(Command::ReopenDay(args)) => day::reopen_day(db, args),
        Some(Command::VerifyExport(args)) => day::verify_export(db, args),
        #[cfg(feature = "server")]
        Some(Command::InitServer(args)) => data::init_server(args),
        Some(Command::Sync) => sync::sync(db),
        Some(Command::Recheck(args)) => recheck::recheck(db, args),
        Some(Command::Vss(command)) => recheck::vss(db, command),
    };
    finish(outcome.unwrap_or_else(|stop| stop))
}

/// What a command ended with.
pub enum Outcome {
    /// Everything asked for was done.
    Done,
    /// Output was printed, but some input was refused (exit 1).
    Rejected,
    /// Nothing useful could be done; the message says why, in Vietnamese and English (exit 2).
    Failed(String),
}

fn finish(outcome: Outcome) -> ExitCode {
    match outcome {
        Outcome::Done => ExitCode::SUCCESS,
        Outcome::Rejected => ExitCode::from(EXIT_REJECTED),
        Outcome::Failed(message) => {
            eprintln!("tiepdon: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// What a command returns: its outcome, or (through `?`) the outcome that stopped it early.
pub type CommandResult = Result<Outcome, Outcome>;

impl From<StoreError> for Outcome {
    fn from(e: StoreError) -> Outcome {
        Outcome::Failed(e.to_string())
    }
}

/// Parses a `--date` value.
fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::card::date::parse_iso(s).ok_or_else(|| format!("ngày không hợp lệ / not a date (YYYY-MM-DD): {s}"))
}

/// Where `--db` points: a file or a clinic server (a URL is never read as a path), else the default file.
fn location(db: Option<&str>) -> Result<Location, Outcome> {
    match db {
        Some(text) => Ok(Location::parse(text)?),
        None => Ok(Location::File(Store::default_path().ok_or_else(|| {
            Outcome::Failed(
                "không tìm thấy thư mục dữ liệu; dùng --db / no data directory found; use --db".into(),
            )
        })?)),
    }
}

/// Opens the desk service on the store `--db` names (a file or a clinic server).
fn open_desk(db: Option<&str>) -> Result<Desk, Outcome> {
    Ok(Desk::open(&location(db)?)?)
}

/// Opens the SQLite file given by `--db`, or the default one (commands that work on a file only).
fn open_store(db: Option<&str>) -> Result<Store, Outcome> {
    Ok(Store::open(&db_path(db)?)?)
}

/// The database file given by `--db`, or the default one; a server URL is refused with what to do.
fn db_path(db: Option<&str>) -> Result<std::path::PathBuf, Outcome> {
    match location(db)? {
        Location::File(path) => Ok(path),
        Location::Server(url) => Err(Outcome::Failed(format!(
            "lệnh này làm việc trên tệp của quầy, không trên máy chủ {url}: dùng --db TỆP / this command works on a \
             desk's file, not on the server {url}: use --db FILE"
        ))),
    }
}

/// The operator to attribute a write to: as given, else the system user (the one rule of [`Operator`]).
fn operator_name(given: Option<&str>) -> Result<Operator, Outcome> {
    Ok(Operator::given_or_user(given)?)
}

/// Prints one JSON object on its own line. A closed stdout (e.g. `| head`) is not an error worth a panic.
pub fn print_json<T: serde::Serialize>(value: &T) {
    let mut out = std::io::stdout().lock();
    if let Ok(line) = serde_json::to_string(value) {
        let _ = writeln!(out, "{line}");
    }
}
