//! Clinic-server benchmark (issue 19), SQLite and PostgreSQL in the same run, on this machine:
//! - check-in latency (p50 / p95) on a desk's SQLite file vs on a PostgreSQL server over TCP loopback
//!   (fsync on for both), with a 1M-card roster;
//! - look-up latency (p50 / p99) on both (the roster is the desk's local file in both cases; on the
//!   server the repeat guard and the day's close are asked of the server);
//! - publishing a 1M-row roster to the server (our COPY, from the desk's replica) vs `psql \copy` of
//!   the same rows from a CSV file into an identical table.
//!
//! ```sh
//! cargo bench --bench server                       # 1M cards, 2,000 check-ins
//! cargo bench --bench server -- --rows 100000 --checkins 500
//! ```
//! Needs PostgreSQL's programs (`scripts/deps.sh` group `server`); starts and stops its own server.

mod common;
#[path = "../tests/common/pg.rs"]
mod pg;

use common::{arg, now, pct, timed_check_in, today};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tiepdon::card::detect;
use tiepdon::desk::Desk;
use tiepdon::store::server::{PgStore, ROSTER_COLUMNS};
use tiepdon::store::{Backend, Location, Store};

const SEED: u64 = 2025;

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn write_csv(path: &Path, rows: u64) {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(w, "{}", tiepdon::demo::csv_header()).unwrap();
    for i in 0..rows {
        writeln!(w, "{}", tiepdon::demo::csv_line(&tiepdon::demo::person(i, SEED, today()))).unwrap();
    }
    w.flush().unwrap();
}

fn import(store: &mut Store, csv: &Path) -> Duration {
    let opts = tiepdon::store::import::Options {
        mode: tiepdon::store::import::Mode::Replace,
        skip_bad: true,
        reject_file: None,
        default_as_of: None,
        origin: None,
        map: Vec::new(),
    };
    let t = Instant::now();
    tiepdon::store::import::import(store, csv, &opts, "bench", now(), &mut |_, _| {})
        .expect("the roster imports");
    t.elapsed()
}

/// The replica's roster as the CSV `psql \copy` reads (the same 16 columns, the same rows).
fn roster_csv(store: &Store, path: &Path) -> u64 {
    let mut w = csv::Writer::from_path(path).unwrap();
    let mut stmt = store.conn().prepare(&format!("SELECT {ROSTER_COLUMNS} FROM coverage")).unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut n = 0;
    while let Some(r) = rows.next().unwrap() {
        let fields: Vec<String> =
            (0..16).map(|i| r.get::<_, Option<String>>(i).unwrap().unwrap_or_default()).collect();
        w.write_record(&fields).unwrap();
        n += 1;
    }
    w.flush().unwrap();
    n
}

/// The verdict from the desk's own file alone (roster record + clinic settings → verdict): what needs
/// no network on either backend.
fn verdicts(local: &Store, cards: &[String]) -> Vec<Duration> {
    let clinic = tiepdon::store::settings::load(local.conn()).unwrap().clinic;
    let at = tiepdon::clock::to_vietnam(now());
    let mut out = Vec::new();
    for card in cards.iter().cycle().take(cards.len() * 2) {
        let t = Instant::now();
        let detection = detect(card);
        let Ok(c) = &detection.result else { continue };
        let record = tiepdon::store::roster::find_for(local.conn(), c).unwrap();
        let v = tiepdon::coverage::assess_visit(
            &detection,
            record.as_ref().map(|r| &r.record),
            &clinic,
            &Default::default(),
            at,
        );
        std::hint::black_box(v);
        out.push(t.elapsed());
    }
    out.sort();
    out
}

/// Check-ins of `cards` (forced: every one recorded), each timed; then look-ups of the same cards.
fn desk_run(desk: &mut Desk, cards: &[String]) -> (Vec<Duration>, Vec<Duration>) {
    let mut checkins = Vec::new();
    for card in cards {
        checkins.push(timed_check_in(desk, card));
    }
    let mut looks = Vec::new();
    for card in cards.iter().cycle().take(cards.len() * 2) {
        let detection = detect(card);
        let t = Instant::now();
        let _ = desk.look(&detection, &Default::default(), now()).expect("the look-up runs");
        looks.push(t.elapsed());
    }
    checkins.sort();
    looks.sort();
    (checkins, looks)
}

/// A self-signed certificate the server's user can read, as `-c ssl=on …` options.
fn tls_options() -> String {
    let dir = PathBuf::from(format!("/tmp/tiepdon-bench-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    pg::self_signed_tls(&dir)
}

fn main() {
    let rows = arg("--rows", 1_000_000);
    let n = arg("--checkins", 2_000) as usize;
    let dir = PathBuf::from("target/bench-server");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // TCP on loopback with TLS (what a desk's URL gets by default), and fsync on: a commit as durable
    // as SQLite's synchronous=FULL.
    let tls = tls_options();
    let server = pg::PgServer::start_with("127.0.0.1", &format!("-c fsync=on -c full_page_writes=on {tls}"))
        .expect("PostgreSQL (scripts/deps.sh group server)");
    server.database("bench");
    let url = format!("postgres://postgres@127.0.0.1:{}/bench", server.port());
    let Location::Server(server_url) = Location::parse(&url).unwrap() else { unreachable!() };
    tiepdon::store::server::init_server(&server_url).unwrap();

    let csv = dir.join("roster.csv");
    write_csv(&csv, rows);
    println!("roster: {rows} rows ({} MB CSV)", std::fs::metadata(&csv).unwrap().len() / 1_000_000);

    // The one-PC desk: its SQLite file with the roster.
    let file = dir.join("desk.db");
    let mut store = Store::open(&file).unwrap();
    let sqlite_import = import(&mut store, &csv);
    drop(store);

    // The desk on the server: its replica gets the same import, then publishes it (COPY).
    let replica = dir.join("replica.db");
    let mut pg_store = PgStore::open(&server_url, &replica).unwrap();
    let replica_import = import(pg_store.local(), &csv);
    let t = Instant::now();
    let published = pg_store.publish("bench", now()).unwrap();
    let copy_time = t.elapsed();
    let copied_csv = dir.join("published.csv");
    let csv_rows = roster_csv(pg_store.local(), &copied_csv);
    assert_eq!(csv_rows, published);
    server.psql("bench", "CREATE TABLE coverage_psql (LIKE coverage)");
    let t = Instant::now();
    let status = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            &server.port().to_string(),
            "-U",
            "postgres",
            "-d",
            "bench",
        ])
        .arg("-c")
        .arg(format!(
            "\\copy coverage_psql({ROSTER_COLUMNS}) FROM '{}' WITH (FORMAT csv)",
            copied_csv.display()
        ))
        .status()
        .unwrap();
    let psql_time = t.elapsed();
    assert!(status.success(), "psql \\copy");
    let on_server: i64 = server.psql("bench", "SELECT count(*) FROM coverage").trim().parse().unwrap();
    assert_eq!(on_server as u64, published);
    drop(pg_store);

    // Check-ins and look-ups, the same cards on both.
    let cards: Vec<String> = (0..n as u64)
        .filter_map(|i| tiepdon::demo::person(i * 7 % rows, SEED, today()).card_number)
        .collect();
    let mut file_desk = Desk::open(&Location::File(file.clone())).unwrap();
    let (lite_in, lite_look) = desk_run(&mut file_desk, &cards);
    let mut server_desk = Desk::new(Box::new(PgStore::open(&server_url, &replica).unwrap()));
    let (pg_in, pg_look) = desk_run(&mut server_desk, &cards);
    let lite_verdict = verdicts(file_desk.store().local(), &cards);
    let pg_verdict = verdicts(server_desk.store().local(), &cards);
    let verified = server_desk.verify_audit().unwrap();
    assert!(verified.ok, "the server's audit chain verifies after the run");

    println!();
    println!(
        "| measure ({} check-ins, {} look-ups, {rows}-card roster) | SQLite file | PostgreSQL (TCP loopback, TLS) | ratio |",
        cards.len(),
        cards.len() * 2
    );
    println!("|---|---:|---:|---:|");
    let row = |name: &str, a: Duration, b: Duration| {
        println!("| {name} | {} ms | {} ms | {:.2}× |", ms(a), ms(b), b.as_secs_f64() / a.as_secs_f64());
    };
    row("check-in p50", pct(&lite_in, 0.50), pct(&pg_in, 0.50));
    row("check-in p95", pct(&lite_in, 0.95), pct(&pg_in, 0.95));
    row(
        "look-up p50 (verdict + the day's repeat guard and close)",
        pct(&lite_look, 0.50),
        pct(&pg_look, 0.50),
    );
    row(
        "look-up p99 (verdict + the day's repeat guard and close)",
        pct(&lite_look, 0.99),
        pct(&pg_look, 0.99),
    );
    row(
        "verdict p50 (the desk's own file: roster + settings)",
        pct(&lite_verdict, 0.50),
        pct(&pg_verdict, 0.50),
    );
    row(
        "verdict p99 (the desk's own file: roster + settings)",
        pct(&lite_verdict, 0.99),
        pct(&pg_verdict, 0.99),
    );
    println!();
    println!("| roster of {rows} rows | time | vs psql \\copy |");
    println!("|---|---:|---:|");
    println!("| import into the desk's SQLite file (all rules) | {:.2} s | |", sqlite_import.as_secs_f64());
    println!(
        "| import into the server desk's replica (all rules) | {:.2} s | |",
        replica_import.as_secs_f64()
    );
    println!(
        "| publish to PostgreSQL (COPY from the replica) | {:.2} s | {:.2}× |",
        copy_time.as_secs_f64(),
        copy_time.as_secs_f64() / psql_time.as_secs_f64()
    );
    println!("| `psql \\copy` of the same rows from CSV | {:.2} s | 1.00× |", psql_time.as_secs_f64());
    // Catch-up (issue 20): a desk's own file joined to the server, `--catch-up` check-ins recorded
    // while it was away (each with its journal event), then sent in one go, as `tiepdon sync` does.
    let queued = arg("--catch-up", 5_000) as usize;
    let joined = dir.join("joined.db");
    {
        let mut store = Store::open(&joined).unwrap();
        import(&mut store, &csv);
        tiepdon::store::settings::set(store.conn(), "desk", "J").unwrap();
        tiepdon::store::settings::set(store.conn(), "server", &url).unwrap();
        let mut desk = Desk::new(Box::new(store));
        let people: Vec<String> = (0..queued as u64)
            .filter_map(|i| tiepdon::demo::person((i * 13 + 5) % rows, SEED, today()).card_number)
            .collect();
        let _ = desk_run(&mut desk, &people);
    }
    let local = Store::open(&joined).unwrap();
    let waiting = tiepdon::store::journal::waiting(&local).unwrap();
    let mut server_side = PgStore::open(&server_url, &joined).unwrap();
    let t = Instant::now();
    let synced = tiepdon::store::journal::push(&local, &mut server_side, "J").unwrap();
    let took = t.elapsed();
    assert_eq!((synced.sent, synced.waiting), (waiting, 0));
    println!();
    println!("| catch-up of a joined desk (TLS loopback, fsync on) | events | time | events/s |");
    println!("|---|---:|---:|---:|");
    println!(
        "| {queued} check-ins queued while the server was away | {} | {:.2} s | {:.0} |",
        synced.sent,
        took.as_secs_f64(),
        synced.sent as f64 / took.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
