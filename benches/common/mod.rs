//! What the desk benchmarks share: the pinned day, command-line numbers, percentiles, a timed check-in.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use std::time::{Duration, Instant};
use tiepdon::desk::Desk;
use tiepdon::store::visits::CheckIn;

/// The benchmarks' day (in Vietnam) and instant.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub fn now() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

/// `--name N` from the command line (underscores allowed: `1_000_000`), else `default`.
pub fn arg(name: &str, default: u64) -> u64 {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|a| a == name)
        .and_then(|i| argv.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The `p` percentile of sorted durations.
pub fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Checks `text` in at `desk` (forced: always recorded), at [`now`]; how long it took.
pub fn timed_check_in(desk: &mut Desk, text: &str) -> Duration {
    let detection = tiepdon::card::detect(text);
    let req = CheckIn {
        detection: &detection,
        operator: "bench",
        visit_type: "kham-benh",
        visit: Default::default(),
        force: true,
        pin: None,
        now: now(),
    };
    let t = Instant::now();
    desk.check_in(&req).expect("the check-in runs");
    t.elapsed()
}
