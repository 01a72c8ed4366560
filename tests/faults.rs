//! Fault injection with real processes and real files: a full disk, a read-only database, the file
//! deleted while a desk runs, a damaged file, a stalling frame source, and inputs far too large. Each
//! fault must give a clear message and a defined outcome; nothing recorded before may be lost.

mod common;

use common::desk::{Db, Run, run_at};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-23T02:00:00Z";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tiepdon")
}

/// The payloads of the demo camera frames (their people are in the demo roster).
fn demo_payloads() -> Vec<String> {
    let manifest =
        std::fs::read_to_string(tiepdon::scan::source::demo_dir().join("manifest.jsonl")).expect("manifest");
    manifest
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["payload"].as_str().map(String::from))
        .collect()
}

/// A database with the demo roster.
fn demo_db(name: &str) -> Db {
    let db = Db::new(name);
    let run = run_at(NOW, &db, &["demo-data", "--cards", "30"]);
    assert_eq!(run.code, 0, "{}", run.err);
    db
}

fn visit_count(db: &Db) -> usize {
    let run = run_at(NOW, db, &["visits", "--date", "2026-11-23"]);
    assert_eq!(run.code, 0, "visits: {}", run.err);
    run.out.len()
}

fn checkin(db: &Db, payload: &str) -> Run {
    run_at(NOW, db, &["checkin", payload])
}

fn sh(script: &str, dir: &Path) -> std::process::Output {
    // A private mount namespace: the tmpfs below vanishes with the shell, whatever happens.
    let mut cmd = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("unshare");
        c.args(["-m", "--propagation", "private", "sh", "-c", script]);
        c
    } else {
        let mut c = Command::new("unshare");
        c.args(["-rm", "--propagation", "private", "sh", "-c", script]);
        c
    };
    cmd.env("BIN", bin()).env("DIR", dir).env("TIEPDON_NOW", NOW).env("TIEPDON_OPERATOR", "test-op");
    cmd.output().expect("unshare and sh run")
}

#[test]
fn a_full_disk_refuses_the_check_in_clearly_and_loses_nothing() {
    let db = Db::new("disk-full");
    let p = demo_payloads();
    let mnt = db.dir.join("small-disk");
    std::fs::create_dir_all(&mnt).expect("mount point");
    let script = format!(
        r#"set -u
mount -t tmpfs -o size=3m tmpfs "$DIR/small-disk" || exit 90
D="$DIR/small-disk/t.db"
"$BIN" --db "$D" demo-data --cards 30 >/dev/null || exit 91
"$BIN" --db "$D" checkin '{a}' > "$DIR/first.json" || exit 92
dd if=/dev/zero of="$DIR/small-disk/filler" bs=16k 2>/dev/null
"$BIN" --db "$D" checkin '{b}' > "$DIR/full.json" 2> "$DIR/full.err"; echo $? > "$DIR/full.code"
"$BIN" --db "$D" visits --date 2026-11-23 > "$DIR/during.json" 2>/dev/null; echo $? > "$DIR/during.code"
rm "$DIR/small-disk/filler"
"$BIN" --db "$D" checkin '{b}' > "$DIR/after.json" 2> "$DIR/after.err" || exit 93
"$BIN" --db "$D" visits --date 2026-11-23 > "$DIR/visits.json" || exit 94
"$BIN" --db "$D" audit verify > "$DIR/audit.json" || exit 95
"$BIN" --db "$D" check-db > "$DIR/check.json" || exit 96
"#,
        a = p[0],
        b = p[1]
    );
    let out = sh(&script, &db.dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "the scenario ran: {err}");
    let read = |n: &str| std::fs::read_to_string(db.dir.join(n)).unwrap_or_default();
    assert_eq!(read("full.code").trim(), "2", "a full disk is a failure (exit 2), not a panic");
    let full_err = read("full.err");
    assert!(
        full_err.contains("đĩa") && full_err.contains("full"),
        "the disk is named as the cause: {full_err}"
    );
    assert!(read("full.json").trim().is_empty(), "no visit shown as recorded");
    // Even reading may fail while the disk is full (WAL needs its shared-memory file): a clean error.
    match read("during.code").trim() {
        "0" => assert_eq!(read("during.json").lines().count(), 1, "the earlier visit is still there"),
        code => assert_eq!(code, "2", "listing on a full disk fails cleanly"),
    }
    let visits: Vec<serde_json::Value> =
        read("visits.json").lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(visits.len(), 2, "after freeing space the check-in works");
    assert_eq!(visits[0]["ticket"], "A-001", "the visit from before the fault is intact");
    assert_eq!(visits[1]["ticket"], "A-002");
    assert!(read("audit.json").contains("\"ok\":true"), "{}", read("audit.json"));
    assert!(read("check.json").contains("\"ok\":true"));
}

#[test]
fn a_read_only_database_is_a_clear_error_and_nothing_changes() {
    let db = demo_db("read-only");
    let p = demo_payloads();
    assert_eq!(checkin(&db, &p[0]).code, 0);
    let mut cmd = Command::new(bin());
    if unsafe { libc::geteuid() } == 0 {
        // root writes anyway: run the desk as `nobody`, who may read the file but not write it.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&db.dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
        for f in std::fs::read_dir(&db.dir).expect("ls").flatten() {
            let _ = std::fs::set_permissions(f.path(), std::fs::Permissions::from_mode(0o644));
        }
        cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin()]);
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    }
    let out = cmd
        .args(["--db", db.path.to_str().expect("path"), "checkin", &p[1]])
        .env("TIEPDON_NOW", NOW)
        .env("TIEPDON_OPERATOR", "test-op")
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "nothing shown as recorded");
    assert!(err.contains("chỉ đọc") && err.contains("read-only"), "a clear reason: {err}");
    assert_eq!(visit_count(&db), 1, "the earlier visit is intact");
}

#[test]
fn a_database_deleted_under_a_running_desk_is_refused_and_rescued() {
    let db = demo_db("deleted");
    let p = demo_payloads();
    let mut child = Command::new(bin())
        .args(["--db", db.path.to_str().expect("path"), "checkin", "--stdin"])
        .env("TIEPDON_NOW", NOW)
        .env("TIEPDON_OPERATOR", "test-op")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the desk starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    writeln!(stdin, "{}", p[0]).expect("first scan");
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first visit");
    assert!(first.contains("\"ticket\":\"A-001\""), "{first}");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.path.display()));
    }
    writeln!(stdin, "{}", p[1]).expect("second scan");
    writeln!(stdin, "{}", p[3]).expect("third scan");
    drop(stdin);
    let out = child.wait_with_output().expect("the desk ends");
    let rest: String = stdout.lines().map_while(Result::ok).collect();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(rest.trim().is_empty(), "nothing after the deletion is shown as recorded: {rest}");
    assert!(err.contains("đã bị xóa hoặc thay thế"), "{err}");
    assert_eq!(
        err.matches("chưa ghi nhận").count(),
        2,
        "each later scan is refused, the desk went on: {err}"
    );
    // The visit recorded before the deletion was rescued and can be restored.
    let rescued: Vec<PathBuf> = std::fs::read_dir(&db.dir)
        .expect("ls")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(".rescued-"))
        .collect();
    assert_eq!(rescued.len(), 1, "{err}");
    let restore = run_at(NOW, &db, &["restore", rescued[0].to_str().expect("path")]);
    assert_eq!(restore.code, 0, "{}", restore.err);
    assert_eq!(restore.out[0]["visits"], 1);
    assert_eq!(visit_count(&db), 1);
}

/// Overwrites `len` bytes at `offset` with noise.
fn damage(path: &Path, offset: u64, len: usize) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new().write(true).open(path).expect("open for damage");
    let noise: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(7)).collect();
    f.write_all_at(&noise, offset).expect("damage");
}

#[test]
fn a_damaged_database_is_detected_never_replaced_by_an_empty_one_and_restored_from_backup() {
    let db = demo_db("damaged");
    let p = demo_payloads();
    for payload in &p[..3] {
        assert_eq!(checkin(&db, payload).code, 0);
    }
    let backup = run_at(NOW, &db, &["backup"]);
    assert_eq!(backup.code, 0, "{}", backup.err);
    let backup_file = backup.out[0]["backup"].as_str().expect("a backup path").to_string();
    let size = std::fs::metadata(&db.path).expect("stat").len();
    // Noise over the middle of the file (pages of the roster and visits).
    damage(&db.path, size / 3, 40_000);

    let check = run_at(NOW, &db, &["check-db"]);
    assert_eq!(check.code, 1, "{}", check.err);
    assert_eq!(check.out[0]["ok"], false);
    assert_eq!(check.out[0]["latest_backup"], backup_file.as_str(), "the latest backup is offered");
    assert!(check.err.contains("bị hỏng") && check.err.contains("tiepdon restore"), "{}", check.err);
    assert_eq!(std::fs::metadata(&db.path).expect("stat").len(), size, "the damaged file is left as it is");

    let restore = run_at(NOW, &db, &["restore", &backup_file]);
    assert_eq!(restore.code, 0, "{}", restore.err);
    assert_eq!(restore.out[0]["visits"], 3, "every visit of the backup is back");
    let kept = restore.out[0]["replaced_saved_as"].as_str().expect("the damaged file is kept");
    assert!(Path::new(kept).is_file());
    assert_eq!(visit_count(&db), 3);
    assert_eq!(run_at(NOW, &db, &["check-db"]).code, 0);

    // A file that is not a database at all: refused, never re-created empty.
    std::fs::write(&db.path, vec![0x5a; 100_000]).expect("garbage");
    let visits = run_at(NOW, &db, &["visits", "--date", "2026-11-23"]);
    assert_eq!(visits.code, 2);
    assert!(
        visits.err.contains("bị hỏng") && visits.err.contains("not opened (nor re-created)"),
        "{}",
        visits.err
    );
    assert_eq!(std::fs::read(&db.path).expect("read")[..16], [0x5a; 16], "untouched");

    // A damaged backup is never restored over anything.
    damage(Path::new(&backup_file), 0, 200);
    let bad = run_at(NOW, &db, &["restore", &backup_file]);
    assert_eq!(bad.code, 2);
    assert!(bad.err.contains("bị hỏng"), "{}", bad.err);
    assert_eq!(std::fs::read(&db.path).expect("read")[..16], [0x5a; 16], "nothing replaced");
}

#[test]
fn the_first_check_in_of_a_day_makes_the_days_backup_and_old_ones_are_pruned() {
    let db = demo_db("daily");
    let p = demo_payloads();
    let dir = db.dir.join("backups");
    std::fs::create_dir_all(&dir).expect("backups dir");
    // A backup from a month ago, and one from yesterday.
    std::fs::copy(&db.path, dir.join("tiepdon-20261020-080000.db")).expect("old");
    std::fs::copy(&db.path, dir.join("tiepdon-20261122-080000.db")).expect("yesterday");
    assert_eq!(checkin(&db, &p[0]).code, 0);
    assert_eq!(checkin(&db, &p[1]).code, 0);
    let names: Vec<String> = tiepdon::store::backup::list(&db.path)
        .into_iter()
        .map(|(_, p)| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "yesterday's and today's (one a day), the month-old one pruned: {names:?}");
    assert!(names[1].starts_with("tiepdon-20261123-"), "{names:?}");
    tiepdon::store::backup::check(&dir.join(&names[1])).expect("today's backup is sound");
}

/// Runs the binary under GNU time and returns its output with its own peak resident memory in kB
/// (measured by `time`, a small process, so the test process's memory is not counted).
fn run_measured(args: &[&str], stdin: &[u8]) -> (std::process::Output, i64) {
    let db = Db::new("measured");
    let rss_file = db.dir.join("rss");
    let input = db.dir.join("stdin");
    std::fs::write(&input, stdin).expect("stdin file");
    let out = Command::new("/usr/bin/time")
        .arg("-o")
        .arg(&rss_file)
        .args(["-f", "%M", bin()])
        .args(args)
        .env("TIEPDON_NOW", NOW)
        .stdin(std::fs::File::open(&input).expect("stdin"))
        .output()
        .expect("GNU time runs tiepdon (Debian package `time`)");
    let rss = std::fs::read_to_string(&rss_file).unwrap_or_default();
    let kb = rss.lines().last().and_then(|l| l.trim().parse().ok()).expect("time wrote the peak memory");
    (out, kb)
}

#[test]
fn a_ten_megabyte_pasted_payload_is_rejected_in_bounded_memory() {
    let mut big = "HT3797917199208|".repeat(10 * 1024 * 1024 / 16).into_bytes();
    big.push(b'\n');
    let started = Instant::now();
    let (out, rss_kb) = run_measured(&["parse", "--stdin"], &big);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "rejected, not crashed: {err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON report");
    assert_eq!(report["error_code"], "L04");
    assert!(rss_kb < 100_000, "peak memory {rss_kb} kB for a 10 MB line");
    eprintln!("10 MB payload: {:?}, peak {} MB", started.elapsed(), rss_kb / 1024);
}

#[test]
fn a_fifty_megapixel_image_is_refused_before_it_is_decoded() {
    let db = Db::new("huge-image");
    let path = db.dir.join("huge.png");
    image::GrayImage::from_pixel(7100, 7100, image::Luma([255u8])).save(&path).expect("a 50 MP image");
    let (out, rss_kb) = run_measured(&["scan", "--json", path.to_str().expect("path")], b"");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON line");
    assert_eq!(out.status.code(), Some(1));
    let why = report["image_error"].as_str().expect("an image error");
    assert!(why.contains("too large"), "{why}");
    assert!(rss_kb < 60_000, "refused from the header, not decoded: peak {rss_kb} kB");
}

#[test]
fn a_roster_with_a_one_megabyte_field_is_rejected_row_by_row() {
    let db = Db::new("huge-field");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let mut rows = vec![tiepdon::demo::csv_header()];
    for i in 0..5 {
        rows.push(tiepdon::demo::csv_line(&tiepdon::demo::person(i, 3, today)));
    }
    let mut huge = tiepdon::demo::person(99, 3, today);
    huge.address = Some("x".repeat(1024 * 1024));
    rows.push(tiepdon::demo::csv_line(&huge));
    let csv = db.write("roster.csv", &(rows.join("\n") + "\n"));
    let run = run_at(NOW, &db, &["import-roster", csv.to_str().expect("path")]);
    assert_eq!(run.code, 1, "all-or-nothing: refused with the bad row: {}", run.err);
    let summary = &run.out[0];
    assert_eq!(summary["committed"], false);
    assert_eq!(summary["bad_rows"][0]["line"], 7);
    assert!(summary["bad_rows"][0]["reason_en"].as_str().expect("reason").contains("longer than"));
    let skip = run_at(NOW, &db, &["import-roster", csv.to_str().expect("path"), "--skip-bad"]);
    assert_eq!(skip.out[0]["inserted"], 5, "{}", skip.err);
}

#[test]
fn a_source_that_would_block_is_refused_and_stopping_stays_prompt() {
    use tiepdon::scan::decode::Decoder;
    use tiepdon::scan::source::SourceSpec;
    use tiepdon::scan::worker::{ScanEvent, ScanWorker};
    let db = Db::new("stall");
    // A FIFO nobody writes to: reading it as an image would block forever. It is refused (not a
    // regular file), retried with back-off, and stopping the worker stays prompt.
    let fifo = db.dir.join("camera.jpg");
    let c = std::ffi::CString::new(fifo.to_str().expect("path")).expect("c path");
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let (tx, rx) = std::sync::mpsc::channel();
    let worker =
        ScanWorker::start(SourceSpec::File(fifo), Decoder::standard(), tx, std::sync::Arc::new(|| {}));
    match rx.recv_timeout(Duration::from_secs(5)) {
        Ok(ScanEvent::SourceError(e)) => assert!(e.contains("not an image file"), "{e}"),
        other => panic!("expected a source error, got {other:?}"),
    }
    let started = Instant::now();
    worker.stop();
    assert!(started.elapsed() < Duration::from_secs(3), "stop is prompt");
}

#[test]
fn garbage_frames_are_reported_and_the_good_ones_still_read() {
    use tiepdon::scan::decode::Decoder;
    use tiepdon::scan::source::SourceSpec;
    use tiepdon::scan::worker::{ScanEvent, ScanWorker};
    let db = Db::new("garbage");
    let dir = db.dir.join("frames");
    std::fs::create_dir_all(&dir).expect("frames dir");
    std::fs::write(dir.join("01.jpg"), b"\xff\xd8\xff garbage that is not a JPEG").expect("garbage");
    std::fs::write(dir.join("02.png"), vec![0u8; 5000]).expect("zeros");
    std::fs::copy(tiepdon::scan::source::demo_dir().join("01-bhyt-legacy.jpg"), dir.join("03.jpg"))
        .expect("good");
    std::fs::write(dir.join("04.webp"), b"RIFF\x00\x00\x00\x00WEBPVP8 ").expect("truncated webp");
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = ScanWorker::start(
        SourceSpec::Folder { path: dir, fps: 0, looping: false },
        Decoder::standard(),
        tx,
        std::sync::Arc::new(|| {}),
    );
    let (mut errors, mut codes, mut ended) = (0, 0, false);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ended && Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(ScanEvent::SourceError(_)) => errors += 1,
            Ok(ScanEvent::Code(_)) => codes += 1,
            Ok(ScanEvent::Ended) => ended = true,
            _ => {}
        }
    }
    worker.stop();
    assert!(ended, "the folder played to its end");
    assert_eq!(errors, 3, "each broken frame reported");
    assert_eq!(codes, 1, "the good frame still read");
}

#[test]
fn a_restore_waits_for_every_desk_to_close_the_database() {
    let db = demo_db("restore-busy");
    let store = tiepdon::store::Store::open(&db.path).expect("a desk has it open");
    let backup = tiepdon::store::backup::backup_now(&store, tiepdon::clock::now_utc()).expect("a backup");
    let refused = tiepdon::store::backup::restore(&db.path, &backup, tiepdon::clock::now_utc());
    let err = refused.expect_err("refused while a desk has it open").to_string();
    assert!(err.contains("still using this database"), "{err}");
    drop(store);
    let done =
        tiepdon::store::backup::restore(&db.path, &backup, tiepdon::clock::now_utc()).expect("restored");
    assert!(done.replaced_saved_as.is_some());
}

/// How many times the repeated fault scenarios run (`TIEPDON_FAULT_RUNS`, default 3; the long variant
/// uses 200).
fn fault_runs() -> u64 {
    std::env::var("TIEPDON_FAULT_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3)
}

#[test]
fn noise_anywhere_in_the_file_is_caught_or_harmless_and_the_backup_always_restores() {
    let db = demo_db("noise");
    let p = demo_payloads();
    for payload in &p[..3] {
        assert_eq!(checkin(&db, payload).code, 0);
    }
    let backup = run_at(NOW, &db, &["backup"]);
    let backup_file = backup.out[0]["backup"].as_str().expect("a backup path").to_string();
    let pristine = std::fs::read(&db.path).expect("read");
    let pristine_visits = run_at(NOW, &db, &["visits", "--date", "2026-11-23"]).out;
    let (mut caught, mut caught_by_audit, mut caught_on_read, mut harmless) = (0, 0, 0, 0);
    let mut seed: u64 = 0x0074_6965_7064_6f6e;
    for _ in 0..fault_runs() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let offset = (seed >> 33) % pristine.len() as u64;
        let len = 1 + ((seed >> 13) % 4096) as usize;
        std::fs::write(&db.path, &pristine).expect("reset");
        damage(&db.path, offset, len);
        let check = run_at(NOW, &db, &["check-db"]);
        let visits = run_at(NOW, &db, &["visits", "--date", "2026-11-23"]);
        let audit = run_at(NOW, &db, &["audit", "verify"]);
        match check.code {
            0 if visits.code == 0 && visits.out == pristine_visits && audit.code == 0 => harmless += 1,
            // The structure is sound but a record changed: the audit chain notices.
            0 if audit.code == 1 => caught_by_audit += 1,
            // The structure is sound but a row cannot be read: a clear "damaged" error, then restore.
            0 if visits.code == 2 && visits.err.contains("bị hỏng") && visits.err.contains("restore") => {
                caught_on_read += 1;
                let restore = run_at(NOW, &db, &["restore", &backup_file]);
                assert_eq!(restore.code, 0, "offset {offset}: {}", restore.err);
            }
            0 => panic!("check-db passed but the visits are wrong at offset {offset}: {}", visits.err),
            1 => {
                caught += 1;
                assert_eq!(check.out[0]["latest_backup"], backup_file.as_str());
                assert_ne!(visits.code, 101, "never a panic");
                let restore = run_at(NOW, &db, &["restore", &backup_file]);
                assert_eq!(restore.code, 0, "offset {offset}: {}", restore.err);
                assert_eq!(visit_count(&db), 3);
            }
            other => panic!("check-db exit {other} at offset {offset}: {}", check.err),
        }
    }
    eprintln!(
        "noise: {caught} caught by check-db and restored, {caught_by_audit} caught by audit verify, \
         {caught_on_read} caught on reading and restored, \
         {harmless} harmless (free space or unused bytes)"
    );
}
