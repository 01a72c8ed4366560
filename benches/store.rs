//! Store benchmark: roster import against `sqlite3`'s own `.import` of the same CSV (measured in the same
//! run), lookup latency by card code / BHXH number / citizen id, and database bytes per record.
//!
//! ```sh
//! cargo bench --bench store                                  # 1M rows
//! cargo bench --bench store -- --rows 1000000 --big-rows 10000000 --repeat 3
//! ```
//! Needs the `sqlite3` command (`apt-get install sqlite3`) for the comparison.

use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tiepdon::card::detect;
use tiepdon::coverage::{Clinic, assess};
use tiepdon::demo::{self, Rng};
use tiepdon::store::{Store, roster};

struct Args {
    rows: Vec<u64>,
    repeat: usize,
    dir: PathBuf,
}

fn args() -> Args {
    let mut a = Args { rows: vec![1_000_000], repeat: 3, dir: PathBuf::from("target/bench-store") };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let value = |i: usize| argv.get(i + 1).and_then(|v| v.replace('_', "").parse::<u64>().ok());
    for (i, arg) in argv.iter().enumerate() {
        match arg.as_str() {
            "--rows" => a.rows[0] = value(i).unwrap_or(a.rows[0]),
            "--big-rows" => a.rows.extend(value(i)),
            "--repeat" => a.repeat = value(i).unwrap_or(3) as usize,
            "--dir" => a.dir = argv.get(i + 1).map_or(a.dir.clone(), PathBuf::from),
            _ => {} // `cargo bench` adds `--bench`
        }
    }
    a
}

const SEED: u64 = 2025;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn write_csv(path: &Path, rows: u64) {
    use std::io::Write;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(w, "{}", demo::csv_header()).unwrap();
    for i in 0..rows {
        writeln!(w, "{}", demo::csv_line(&demo::person(i, SEED, today()))).unwrap();
    }
    w.flush().unwrap();
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Runs `cmd` once and returns its wall time, failing loudly if it fails.
fn timed(cmd: &mut Command) -> Duration {
    let started = Instant::now();
    let out = cmd.output().expect("command starts");
    let took = started.elapsed();
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    took
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn sqlite3_available() -> bool {
    Command::new("sqlite3").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn main() {
    let a = args();
    std::fs::create_dir_all(&a.dir).unwrap();
    let has_sqlite3 = sqlite3_available();
    if !has_sqlite3 {
        eprintln!("sqlite3 not found: `apt-get install sqlite3` for the comparison column");
    }
    println!(
        "| rows | tiepdon import s (median of runs) | sqlite3 .import s | ratio | lookup p50 ms | lookup p99 ms | lookup max ms | tiepdon bytes/record | sqlite3 plain bytes/record |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &rows in &a.rows {
        let csv = a.dir.join(format!("roster-{rows}.csv"));
        if !csv.exists() {
            eprintln!("generating {}", csv.display());
            write_csv(&csv, rows);
        }
        let db = a.dir.join(format!("tiepdon-{rows}.db"));
        let plain = a.dir.join(format!("plain-{rows}.db"));
        let runs = if rows > 2_000_000 { 1 } else { a.repeat };
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        // Interleaved, so that a noisy moment on the machine hits both sides alike.
        for run in 0..runs {
            eprintln!("{rows} rows: run {}/{runs}", run + 1);
            remove_db(&db);
            ours.push(timed(
                Command::new(env!("CARGO_BIN_EXE_tiepdon"))
                    .arg("--db")
                    .arg(&db)
                    .args(["import-roster", "--operator", "bench"])
                    .arg(&csv)
                    .env_remove("TIEPDON_DB"),
            ));
            if has_sqlite3 {
                remove_db(&plain);
                theirs.push(timed(
                    Command::new("sqlite3")
                        .arg(&plain)
                        .arg(format!(".import --csv {} roster", csv.display())),
                ));
            }
        }
        let ours = median(ours);
        let theirs = (!theirs.is_empty()).then(|| median(theirs));

        // Lookups through the library: the same path `tiepdon lookup` takes after opening the file.
        let store = Store::open(&db).unwrap();
        let clinic = Clinic::with_facility("79034");
        let at = today().and_hms_opt(9, 0, 0).unwrap();
        let mut rng = Rng::new(7);
        let mut times = Vec::with_capacity(10_000);
        let mut found = 0;
        for n in 0..10_000 {
            let p = demo::person(rng.below(rows), SEED, today());
            let id = match n % 3 {
                0 => p.card_number.unwrap(),
                1 => p.bhxh_number.unwrap(),
                _ => p.citizen_id.unwrap(),
            };
            let started = Instant::now();
            let detection = detect(&id);
            let record = roster::find_for(store.conn(), detection.result.as_ref().unwrap()).unwrap();
            let verdict = assess(&detection, record.as_ref().map(|r| &r.record), &clinic, at);
            times.push(started.elapsed());
            found += usize::from(record.is_some());
            std::hint::black_box(verdict);
        }
        assert_eq!(found, 10_000, "every generated id is found");
        times.sort();
        let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
        let plain_size = std::fs::metadata(&plain).map(|m| m.len()).unwrap_or(0);
        println!(
            "| {rows} | {:.2} | {} | {} | {} | {} | {} | {} | {} |",
            ours.as_secs_f64(),
            theirs.map_or("n/a".into(), |t| format!("{:.2}", t.as_secs_f64())),
            theirs.map_or("n/a".into(), |t| format!("{:.2}×", ours.as_secs_f64() / t.as_secs_f64())),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap()),
            size / rows.max(1),
            if has_sqlite3 { (plain_size / rows.max(1)).to_string() } else { "n/a".into() },
        );
    }
}
