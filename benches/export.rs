//! Export benchmark: a 5,000-visit day exported in every format (the CSV and the workbook for people,
//! the raw CSV, the XML0 check-in files — the day file and one per visit —, the summary and the chart),
//! each format timed on its own and all of them together.
//!
//! ```sh
//! cargo bench --bench export
//! ```

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use std::time::Instant;
use tiepdon::card::detect;
use tiepdon::demo;
use tiepdon::export::{self, ALL_FORMATS, Day, Format};
use tiepdon::store::Store;
use tiepdon::store::visits::{self, CheckIn, Outcome};

const VISITS: u64 = 5_000;

fn main() {
    // TIEPDON_BENCH_DIR: the file system to write on (default: the system's temporary folder).
    let base = std::env::var_os("TIEPDON_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("tiepdon-bench-export-{}", std::process::id()));
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
            pin: None,
            now,
        };
        assert!(matches!(visits::check_in(&mut store, &req).unwrap(), Outcome::Recorded(_)));
    }
    eprintln!("{VISITS} check-ins recorded in {:.1} s (setup)", started.elapsed().as_secs_f64());

    let day = Day::load(store.conn(), today, false).unwrap();
    assert_eq!(day.visits.len() as u64, VISITS);
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut run = 0;
    // Milliseconds of `formats` written into a fresh folder, median of 5; the number of files.
    let mut time = |formats: &[Format]| {
        let mut ms = Vec::new();
        let mut n = 0;
        for _ in 0..5 {
            run += 1;
            let out = dir.join(format!("out-{run}"));
            // Each run pays for its own writes only: what the setup and the earlier runs left unsynced
            // is flushed first (the export's one `syncfs` would flush it too).
            let _ = std::fs::File::open(&dir).map(|d| rustix::fs::syncfs(&d));
            let t = Instant::now();
            n = export::export(&day, formats, &out).unwrap().len();
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        (median(ms), n)
    };
    let load = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                Day::load(store.conn(), today, false).unwrap();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    );
    // The file system's own cost of a file, measured in the same run: 1,000 small files created.
    let control = dir.join("control");
    std::fs::create_dir_all(&control).unwrap();
    let _ = std::fs::File::open(&dir).map(|d| rustix::fs::syncfs(&d));
    let t = Instant::now();
    for i in 0..1000 {
        std::fs::write(control.join(format!("f{i}")), [b'x'; 1500]).unwrap();
    }
    let per_file = t.elapsed().as_secs_f64() * 1e3 / 1000.0;
    println!("Writing into {} ({per_file:.2} ms to create one small file there)\n", dir.display());
    println!("| step (5,000 visits, median of 5) | files | ms |\n|---|---:|---:|");
    println!("| read the day's visits from the database | | {load:.0} |");
    let parts = [
        (Format::Csv, "CSV for people (Vietnamese columns)"),
        (Format::CsvRaw, "raw CSV"),
        (Format::Xlsx, "Excel workbook"),
        (Format::Xml130, "XML0: day file + one file per visit"),
        (Format::Summary, "summary JSON + PNG chart"),
    ];
    for (format, what) in parts {
        let (ms, n) = time(&[format]);
        println!("| write {what} (atomic, fsynced) | {n} | {ms:.0} |");
    }
    let (all, n) = time(&ALL_FORMATS);
    println!("| write every format together | {n} | {all:.0} |");
    println!("| **total: read + every format** | {n} | **{:.0}** |", load + all);
    let _ = std::fs::remove_dir_all(&dir);
}
