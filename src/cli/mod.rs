//! The command line: parses arguments (clap), runs one command, prints JSON lines on stdout and human
//! messages on stderr. Business rules live in the library, never here.

mod inspect;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// tiếp đón — reception desk for BHYT / CCCD check-in.
#[derive(Debug, Parser)]
#[command(name = "tiepdon", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tell what a payload or number is and print its fields as JSON.
    Parse(inspect::InputArgs),
    /// Parse a payload or number and decide coverage for a visit date.
    Check(inspect::CheckArgs),
}

/// Exit code when an input was rejected (JSON still printed on stdout).
pub const EXIT_REJECTED: u8 = 1;
/// Exit code for a usage or environment error.
pub const EXIT_USAGE: u8 = 2;

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => {
            // The window arrives in a later issue; until then, say what can be done.
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let _ = cmd.print_help();
            ExitCode::SUCCESS
        }
        Some(Command::Parse(args)) => finish(inspect::parse(&args)),
        Some(Command::Check(args)) => finish(inspect::check(&args)),
    }
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

/// Prints one JSON object on its own line. A closed stdout (e.g. `| head`) is not an error worth a panic.
pub fn print_json<T: serde::Serialize>(value: &T) {
    let mut out = std::io::stdout().lock();
    if let Ok(line) = serde_json::to_string(value) {
        let _ = writeln!(out, "{line}");
    }
}
