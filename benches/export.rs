//! Export benchmark: a 5,000-visit day exported in every format (CSV, XML 130, summary + chart).
//!
//! ```sh
//! cargo bench --bench export
//! ```

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use std::time::Instant;
use tiepdon::card::detect;
use tiepdon::demo;
use tiepdon::export::{self, ALL_FORMATS, Day};
use tiepdon::store::Store;
use tiepdon::store::visits::{self, CheckIn, Outcome};

const VISITS: u64 = 5_000;

fn main() {
    let dir = std::env::temp_dir().join(format!("tiepdon-bench-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = Store::open(&dir.join("day.db")).unwrap();
    // Setup speed only: the day is built without an fsync per visit.
    store.conn().pragma_update(None, "synchronous", "OFF").unwrap();
    let opening = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap(); // 07:00 in Vietnam
    demo::fill(&mut store, VISITS, 2025, opening).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let started = Instant::now();
    for i in 0..VISITS {
        let person = demo::person(i, 2025, today);
        let detection = detect(person.card_number.as_deref().unwrap());
        let now = opening + Duration::seconds((i * 36_000 / VISITS) as i64);
        let req = CheckIn {
            detection: &detection,
            operator: "bench",
            visit_type: "kham-benh",
            visit: Default::default(),
            force: true,
            now,
        };
        assert!(matches!(visits::check_in(&mut store, &req).unwrap(), Outcome::Recorded(_)));
    }
    eprintln!("{VISITS} check-ins recorded in {:.1} s (setup)", started.elapsed().as_secs_f64());

    println!("| step | ms |\n|---|---:|");
    let mut times = Vec::new();
    for run in 0..5 {
        let out = dir.join(format!("out-{run}"));
        let t0 = Instant::now();
        let day = Day::load(store.conn(), today, false).unwrap();
        let t1 = Instant::now();
        let files = export::export(&day, &ALL_FORMATS, &out).unwrap();
        let t2 = Instant::now();
        assert_eq!(files.len(), 4);
        assert_eq!(day.visits.len() as u64, VISITS);
        times.push(((t1 - t0).as_secs_f64() * 1e3, (t2 - t1).as_secs_f64() * 1e3));
    }
    times.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
    let (load, write) = times[times.len() / 2];
    println!("| read {VISITS} visits from the database | {load:.0} |");
    println!("| write CSV + XML 130 + summary JSON + PNG chart (atomic, fsynced) | {write:.0} |");
    println!("| total (median of 5) | {:.0} |", load + write);
    let _ = std::fs::remove_dir_all(&dir);
}
