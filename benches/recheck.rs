//! Online re-check benchmark (issue 21), against the fake VSS gateway on 127.0.0.1, in one run:
//! - check-in latency (p50 / p95) on a desk's file alone, and while the re-check drains the day's
//!   queue from another thread with its own connection (the gateway answering in `--delay` ms);
//! - draining a queue of `--visits` visits: time and visits per second (the gateway answering at once).
//!
//! ```sh
//! cargo bench --bench recheck                         # 1,000 queued visits, 300 check-ins, 5 ms answers
//! cargo bench --bench recheck -- --visits 200 --checkins 100 --delay 20
//! ```

mod common;
#[path = "../tests/common/vss.rs"]
mod vss;

use common::{arg, pct, timed_check_in, today};
use std::path::Path;
use std::time::{Duration, Instant};
use tiepdon::desk::{Desk, Operator};
use tiepdon::gateway::vss::Client;
use tiepdon::store::Store;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A card code the fake gateway answers `000` for, not in any roster (checked in CANNOT_VERIFY).
fn card(n: u64) -> String {
    format!("DN401{n:07}000")
}

/// A desk file whose gateway account points at `fake`.
fn desk_file(path: &Path, fake: &vss::FakeVss) {
    let store = Store::open(path).unwrap();
    for (k, v) in [
        ("vss_url", fake.url.as_str()),
        ("vss_username", vss::USER),
        ("vss_password", vss::PASSWORD),
        ("vss_officer_cccd", vss::OFFICER_CCCD),
        ("vss_timeout_seconds", "5"),
    ] {
        tiepdon::store::settings::set(store.conn(), k, v).unwrap();
    }
}

fn check_in(desk: &mut Desk, n: u64) -> Duration {
    timed_check_in(desk, &card(n))
}

fn main() {
    let visits = arg("--visits", 1000);
    let checkins = arg("--checkins", 300);
    let delay = arg("--delay", 5);
    let dir = std::env::temp_dir().join(format!("tiepdon-bench-recheck-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fake = vss::FakeVss::start();
    let path = dir.join("desk.db");
    desk_file(&path, &fake);
    let open = |p: &Path| Desk::new(Box::new(Store::open(p).unwrap()));
    let mut desk = open(&path);
    for i in 0..visits {
        check_in(&mut desk, i);
    }
    // Check-ins alone.
    let mut alone: Vec<Duration> = (0..checkins).map(|i| check_in(&mut desk, 100_000 + i)).collect();
    alone.sort();
    // Check-ins while the re-check drains the queue from another thread, each answer `delay` ms away.
    fake.state().delay = Duration::from_millis(delay);
    let worker_path = path.clone();
    let settings = desk.settings().unwrap();
    let drained = std::thread::spawn(move || {
        let mut worker = open(&worker_path);
        let mut client = Client::new(&settings.vss).unwrap();
        let op = Operator::parse("bench").unwrap();
        let t = Instant::now();
        let run = worker.recheck_day(today(), &mut client, &op, &|| false, &mut |_| {}).unwrap();
        (run.answered, t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    let mut during: Vec<Duration> = (0..checkins).map(|i| check_in(&mut desk, 200_000 + i)).collect();
    during.sort();
    let (answered_during, drain_during) = drained.join().unwrap();
    // A queue drained alone, the gateway answering at once.
    fake.state().delay = Duration::ZERO;
    let path2 = dir.join("desk2.db");
    desk_file(&path2, &fake);
    let mut desk2 = open(&path2);
    for i in 0..visits {
        check_in(&mut desk2, i);
    }
    let settings = desk2.settings().unwrap();
    let mut client = Client::new(&settings.vss).unwrap();
    let op = Operator::parse("bench").unwrap();
    let t = Instant::now();
    let run = desk2.recheck_day(today(), &mut client, &op, &|| false, &mut |_| {}).unwrap();
    let drain = t.elapsed();
    assert_eq!(run.answered as u64, visits, "every visit answered");

    println!("Online re-check, fake VSS gateway on 127.0.0.1, desk file (fsync on), {visits} queued visits");
    println!();
    println!("| check-in ({checkins} each)                         | p50 ms | p95 ms |");
    println!("|---------------------------------------------------|-------:|-------:|");
    println!(
        "| alone                                             | {:6.2} | {:6.2} |",
        ms(pct(&alone, 0.5)),
        ms(pct(&alone, 0.95))
    );
    println!(
        "| while the re-check runs ({delay} ms per answer)       | {:6.2} | {:6.2} |",
        ms(pct(&during, 0.5)),
        ms(pct(&during, 0.95))
    );
    println!(
        "| ratio during / alone                              | {:5.2}× | {:5.2}× |",
        ms(pct(&during, 0.5)) / ms(pct(&alone, 0.5)),
        ms(pct(&during, 0.95)) / ms(pct(&alone, 0.95))
    );
    println!();
    println!("| re-check drain                                    | visits | s      | visits/s |");
    println!("|---------------------------------------------------|-------:|-------:|---------:|");
    println!(
        "| during the check-ins ({delay} ms per answer)          | {answered_during:6} | {:6.2} | {:8.0} |",
        drain_during.as_secs_f64(),
        answered_during as f64 / drain_during.as_secs_f64()
    );
    println!(
        "| alone (answers at once)                           | {:6} | {:6.2} | {:8.0} |",
        run.answered,
        drain.as_secs_f64(),
        run.answered as f64 / drain.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
