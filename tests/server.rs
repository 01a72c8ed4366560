//! Several desks on one clinic server (issue 19), with real processes and a real PostgreSQL: tickets
//! unique across desks and processes, the audit chain verified, a server killed mid-run, what a desk
//! role may and may not do, and a `--db` URL that is never a file.

mod common;

use common::desk::{Run, exec, exec_with};
use common::pg::{PgServer, shared};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-23T02:00:00Z";
const DAY: &str = "2026-11-23";

/// A fresh folder for a test's replica files.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tiepdon-server-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh database on `server` with tiepdon's schema and `cards` demo roster cards (seed 7).
fn clinic(server: &PgServer, name: &str, dir: &Path, cards: u64) -> String {
    let url = server.database(name);
    assert_eq!(exec(NOW, &["init-server", &url]).code, 0);
    let replica = dir.join("importer.db").display().to_string();
    let seeded = run(&url, &replica, &["demo-data", "--cards", &cards.to_string(), "--seed", "7"]);
    assert_eq!(seeded.code, 0, "{}", seeded.err);
    url
}

fn run(url: &str, replica: &str, args: &[&str]) -> Run {
    exec_with(NOW, &[&["--db", url], args].concat(), &[("TIEPDON_REPLICA", replica)])
}

/// The demo roster's card codes (seed 7), as the test's own list of patients.
fn cards(n: u64) -> Vec<String> {
    let today = chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap();
    (0..n).map(|i| tiepdon::demo::person(i, 7, today).card_number.expect("a demo card has a code")).collect()
}

/// Starts `tiepdon --db URL checkin --stdin --force` as desk `replica`, feeding `lines`.
fn desk_process(url: &str, replica: &str, lines: &[String]) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(["--db", url, "checkin", "--stdin", "--force", "--operator", "desk-test"])
        .env("TIEPDON_NOW", NOW)
        .env("TIEPDON_REPLICA", replica)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let text = lines.join("\n") + "\n";
    std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    child
}

/// The server's view of the day (through a desk of its own).
fn tickets_on_server(url: &str) -> Vec<Value> {
    let dir = folder(&format!("lister-{}", url.len()));
    let r = run(url, &dir.join("lister.db").display().to_string(), &["visits", "--date", DAY]);
    assert_eq!(r.code, 0, "{}", r.err);
    r.out
}

/// Runs `per_desk` processes for each series, each checking in its share of `n` patients.
fn many_desks(name: &str, series: &[&str], per_series: usize, n: usize) {
    let server = shared();
    let dir = folder(name);
    let url = clinic(server, name, &dir, n as u64);
    let patients = cards(n as u64);
    let processes = series.len() * per_series;
    let mut children = Vec::new();
    for (s, letter) in series.iter().enumerate() {
        for p in 0..per_series {
            let replica = dir.join(format!("desk-{letter}-{p}.db")).display().to_string();
            assert_eq!(run(&url, &replica, &["settings", "set", "desk", letter]).code, 0);
            let k = s * per_series + p;
            let share: Vec<String> = patients.iter().skip(k).step_by(processes).cloned().collect();
            children.push((share.len(), desk_process(&url, &replica, &share)));
        }
    }
    let started = Instant::now();
    let mut printed = 0;
    for (expected, child) in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "a desk process failed: {stderr}");
        let lines = String::from_utf8_lossy(&out.stdout).lines().count();
        assert_eq!(lines, expected, "every check-in printed its ticket: {stderr}");
        printed += lines;
    }
    eprintln!("{processes} processes, {printed} check-ins in {:.1} s", started.elapsed().as_secs_f64());
    let visits = tickets_on_server(&url);
    assert_eq!(visits.len(), n, "every check-in is on the server");
    let tickets: HashSet<&str> = visits.iter().map(|v| v["ticket"].as_str().unwrap()).collect();
    assert_eq!(tickets.len(), n, "no two visits share a ticket");
    // Each series is numbered 001.. without a gap.
    for letter in series {
        let mut seqs: Vec<u32> = tickets
            .iter()
            .filter_map(|t| t.strip_prefix(&format!("{letter}-")))
            .map(|s| s.parse().unwrap())
            .collect();
        seqs.sort();
        assert_eq!(seqs, (1..=seqs.len() as u32).collect::<Vec<_>>(), "series {letter} has no gap");
    }
    let verified = run(&url, &dir.join("auditor.db").display().to_string(), &["audit", "verify"]);
    assert_eq!(verified.only(0)["ok"], true, "audit verify on the server: {:?}", verified.out);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn four_desks_two_hundred_check_ins_each_give_800_visits_and_no_duplicate_ticket() {
    many_desks("four_desks", &["A", "B", "C", "D"], 1, 800);
}

#[test]
fn two_processes_per_desk_series_share_the_series_without_a_duplicate() {
    many_desks("two_per_series", &["A", "B"], 2, 400);
}

#[test]
fn a_server_killed_during_check_ins_loses_no_printed_ticket_and_refuses_the_rest_plainly() {
    // Its own server: killing the shared one would fail the other tests.
    let server = PgServer::start().expect("PostgreSQL");
    let dir = folder("kill");
    let url = clinic(&server, "killed", &dir, 300);
    let replica = dir.join("desk.db").display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(["--db", &url, "checkin", "--stdin", "--force", "--operator", "desk-test"])
        .env("TIEPDON_NOW", NOW)
        .env("TIEPDON_REPLICA", &replica)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let reader = std::thread::spawn(move || stdout.lines().map_while(Result::ok).collect::<Vec<String>>());
    let patients = cards(300);
    for (i, card) in patients.iter().enumerate() {
        writeln!(stdin, "{card}").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        if i == 100 {
            server.kill();
        }
        if i == 160 {
            server.restart();
        }
    }
    drop(stdin);
    let printed = reader.join().unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "a run with refused check-ins says so in its exit status");
    let refused = stderr.lines().filter(|l| l.contains("not recorded")).count();
    assert!(refused >= 1, "check-ins were refused while the server was down: {stderr}");
    assert!(
        stderr.contains("unreachable") && stderr.contains("Không kết nối được máy chủ"),
        "the refusal says what happened, in both languages: {stderr}"
    );
    assert!(printed.len() + refused == patients.len(), "each line printed a ticket or was refused");
    let on_server = tickets_on_server(&url);
    let mut count: HashMap<String, usize> = HashMap::new();
    for v in &on_server {
        *count.entry(v["ticket"].as_str().unwrap().to_string()).or_default() += 1;
    }
    for line in &printed {
        let v: Value = serde_json::from_str(line).unwrap();
        let ticket = v["ticket"].as_str().unwrap();
        assert_eq!(count.get(ticket), Some(&1), "printed ticket {ticket} is on the server exactly once");
    }
    let in_doubt = stderr.matches("may or may not be recorded").count();
    assert!(
        on_server.len() <= printed.len() + in_doubt,
        "nothing refused as unreachable was recorded ({} on the server, {} printed, {in_doubt} in doubt)",
        on_server.len(),
        printed.len()
    );
    eprintln!(
        "printed {}, refused {refused} ({in_doubt} in doubt), on the server {}",
        printed.len(),
        on_server.len()
    );
    let verified = run(&url, &replica, &["audit", "verify"]);
    assert_eq!(verified.only(0)["ok"], true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_desk_role_checks_in_but_never_edits_the_audit_or_a_closed_day_and_only_a_supervisor_reopens() {
    let server = shared();
    let dir = folder("roles");
    let url = clinic(server, "roles", &dir, 20);
    server.psql(
        "roles",
        "DO $$ BEGIN
            BEGIN CREATE ROLE desk_t LOGIN IN ROLE tiepdon_desk; EXCEPTION WHEN duplicate_object THEN NULL; END;
            BEGIN CREATE ROLE sup_t LOGIN IN ROLE tiepdon_supervisor; EXCEPTION WHEN duplicate_object THEN NULL; END;
         END $$;",
    );
    let as_role = |role: &str| url.replacen("postgres@", &format!("{role}@"), 1);
    let desk = as_role("desk_t");
    let replica = dir.join("desk.db").display().to_string();
    let pin = run(&desk, &replica, &["settings", "set", "supervisor_pin", "1234"]);
    assert_eq!(pin.code, 2, "a desk login does not set the supervisor PIN: {}", pin.err);
    // Demo data (invented people) never goes onto a server that holds a roster or visits.
    let demo = run(&url, &replica, &["demo-data", "--cards", "5"]);
    assert_eq!(demo.code, 2, "{}", demo.err);
    let card = &cards(1)[0];
    let checked = run(&desk, &replica, &["checkin", "--id", card, "--force"]);
    assert_eq!(checked.only(0)["ticket"], "A-001", "a desk role checks in");
    for sql in [
        "UPDATE audit SET operator = 'x'",
        "DELETE FROM audit",
        "DELETE FROM visits",
        "UPDATE visits SET full_name = 'x'",
        "TRUNCATE audit",
    ] {
        let out = Command::new("psql")
            .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(server.socket_dir())
            .args(["-p", &server.port().to_string(), "-U", "desk_t", "-d", "roles", "-c", sql])
            .output()
            .unwrap();
        assert!(!out.status.success(), "a desk role may not: {sql}");
    }
    let out = dir.join("close");
    assert_eq!(run(&desk, &replica, &["close-day", "--date", DAY, "--out", out.to_str().unwrap()]).code, 0);
    let reopen = ["reopen-day", "--date", DAY, "--supervisor", "Lan", "--reason", "sửa"];
    let refused = run(&desk, &replica, &reopen);
    assert_eq!(refused.code, 2);
    assert!(refused.err.contains("supervisor"), "{}", refused.err);
    let void = run(&desk, &replica, &["void", "A-001", "--date", DAY, "--reason", "x"]);
    assert_eq!(void.code, 2, "a closed day's visit is not voided");
    assert_eq!(run(&as_role("sup_t"), &replica, &reopen).code, 0, "a supervisor role reopens");
    let verified = run(&desk, &replica, &["audit", "verify"]);
    assert_eq!(verified.only(0)["ok"], true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_db_url_is_never_a_file_and_the_password_is_never_shown() {
    let dir = folder("url");
    for bad in ["postgresql:/tmp/x", "postgres:clinic", "postgresql://"] {
        let out = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
            .args(["--db", bad, "checkin", "--id", "DN4790123456789"])
            .current_dir(&dir)
            .env("TIEPDON_NOW", NOW)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(std::fs::read_dir(&dir).unwrap().next().is_none(), "{bad} created nothing");
    }
    // An unreachable server: a clear refusal naming it, without its password.
    let url = "postgres://desk_a:Sup3rSecret@127.0.0.1:1/tiepdon?connect_timeout=2";
    let replica = dir.join("r.db").display().to_string();
    let r = run(url, &replica, &["checkin", "--id", "DN4790123456789"]);
    assert_eq!(r.code, 2);
    assert!(r.out.is_empty(), "nothing shown as recorded");
    assert!(r.err.contains("desk_a@127.0.0.1:1/tiepdon") && r.err.contains("unreachable"), "{}", r.err);
    assert!(!r.err.contains("Sup3rSecret"), "the password is never shown: {}", r.err);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes a self-signed certificate and key the `postgres` user can read (when the tests run as root),
/// and an hba file that takes TCP only over TLS; returns the server options that use them.
fn tls_files(dir: &Path) -> String {
    let ssl = common::pg::self_signed_tls(dir);
    let hba = dir.join("hba.conf");
    std::fs::write(&hba, "local all all trust\nhostssl all all 127.0.0.1/32 trust\n").unwrap();
    common::pg::give_to_postgres(&[&hba]);
    format!("{ssl} -c hba_file='{}'", hba.display())
}

#[test]
fn a_desk_over_the_network_is_encrypted_unless_its_url_says_otherwise() {
    let dir = folder("tls");
    // /tmp, not the test folder, so the postgres user can reach the files.
    let files = std::path::PathBuf::from(format!("/tmp/tiepdon-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&files);
    std::fs::create_dir_all(&files).unwrap();
    let server = PgServer::start_with("127.0.0.1", &tls_files(&files)).expect("PostgreSQL");
    server.database("tls");
    let url = format!("postgres://postgres@127.0.0.1:{}/tls", server.port());
    let replica = dir.join("desk.db").display().to_string();
    // The server takes TCP only over TLS: the default (sslmode=require) gets in…
    assert_eq!(exec(NOW, &["init-server", &url]).code, 0, "a TCP URL is encrypted by default");
    let listed = run(&url, &replica, &["visits"]);
    assert_eq!(listed.code, 0, "{}", listed.err);
    // …and a URL that turns TLS off is refused by that server.
    let plain = run(&format!("{url}?sslmode=disable"), &replica, &["visits"]);
    assert_eq!(plain.code, 2, "without TLS the server refuses: {}", plain.err);
    assert!(plain.err.contains("unreachable") || plain.err.contains("refused"), "{}", plain.err);
    drop(server);
    // A server without TLS: the default refuses plainly, naming what to do.
    let bare = PgServer::start_with("127.0.0.1", "").expect("PostgreSQL");
    bare.database("bare");
    let url = format!("postgres://postgres@127.0.0.1:{}/bare", bare.port());
    let r = exec(NOW, &["init-server", &url]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("sslmode=disable"), "the message says what to do: {}", r.err);
    assert_eq!(exec(NOW, &["init-server", &format!("{url}?sslmode=disable")]).code, 0, "the URL decides");
    let _ = std::fs::remove_dir_all(&files);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A roster imported at one desk reaches a desk that is already open, whole and by version; a desk that
/// has not taken the newer roster cannot publish over it.
#[test]
fn a_roster_published_at_one_desk_reaches_an_open_desk_and_is_never_overwritten_by_an_older_one() {
    use tiepdon::store::{Backend, Location};
    let server = shared();
    let dir = folder("replication");
    let url = clinic(server, "replication", &dir, 10);
    let Location::Server(server_url) = Location::parse(&url).unwrap() else { unreachable!() };
    let mut open_desk = tiepdon::store::server::PgStore::open(&server_url, &dir.join("open.db")).unwrap();
    assert_eq!(open_desk.refresh_roster().unwrap(), 0, "current: nothing to take");
    // Another desk imports a bigger roster (a CSV written by demo-data, 50 cards).
    let csv = dir.join("roster.csv");
    assert_eq!(
        exec(NOW, &["demo-data", "--cards", "50", "--seed", "8", "--csv", csv.to_str().unwrap()]).code,
        0
    );
    let other = dir.join("other.db").display().to_string();
    let imported = run(&url, &other, &["import-roster", csv.to_str().unwrap()]);
    assert_eq!(imported.code, 0, "{}", imported.err);
    // The open desk's copy is behind: publishing its older roster is refused…
    let refused = open_desk.publish_roster("test", chrono::Utc::now());
    assert!(refused.is_err(), "an older roster never replaces a newer one");
    // …and it takes the new one whole.
    let taken = open_desk.refresh_roster().unwrap();
    let on_server: u64 = server.psql("replication", "SELECT count(*) FROM coverage").trim().parse().unwrap();
    assert_eq!(taken, on_server, "every row of the server's roster");
    let local: u64 = open_desk
        .local()
        .conn()
        .query_row("SELECT count(*) FROM coverage", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64;
    assert_eq!(local, on_server);
    assert_eq!(open_desk.refresh_roster().unwrap(), 0, "then current");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The audit chain on the server names what was changed behind tiepdon's back: even a superuser who
/// switches the triggers off to edit an audit row or a visit is found by `audit verify`.
#[test]
fn audit_verify_on_the_server_names_an_audit_row_or_a_visit_edited_behind_its_back() {
    let server = shared();
    let dir = folder("tamper");
    let url = clinic(server, "tamper", &dir, 20);
    let replica = dir.join("desk.db").display().to_string();
    for card in cards(3) {
        assert_eq!(run(&url, &replica, &["checkin", "--id", &card, "--force"]).code, 0);
    }
    assert_eq!(run(&url, &replica, &["audit", "verify"]).only(0)["ok"], true);
    server.psql(
        "tamper",
        "ALTER TABLE visits DISABLE TRIGGER USER; UPDATE visits SET full_name = 'X' WHERE id = 2; \
         ALTER TABLE visits ENABLE TRIGGER USER;",
    );
    let bad = run(&url, &replica, &["audit", "verify"]);
    assert_eq!(bad.code, 1);
    assert_eq!(bad.out[0]["first_bad_visit"], 2, "the edited visit is named: {:?}", bad.out);
    server.psql(
        "tamper",
        "ALTER TABLE audit DISABLE TRIGGER USER; UPDATE audit SET operator = 'someone' WHERE id = 3; \
         ALTER TABLE audit ENABLE TRIGGER USER;",
    );
    let bad = run(&url, &replica, &["audit", "verify"]);
    assert_eq!(bad.out[0]["first_bad_id"], 3, "the edited audit row is named: {:?}", bad.out);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A server of its own (the journal tests stop it) with tiepdon's schema, a folder, and a roster CSV of
/// `cards` demo cards (seed 7) for the desks to import.
fn journal_clinic(folder_name: &str, db: &str, cards: u64) -> (PgServer, PathBuf, String, PathBuf) {
    let server = PgServer::start().expect("PostgreSQL");
    let dir = folder(folder_name);
    let url = server.database(db);
    assert_eq!(exec(NOW, &["init-server", &url]).code, 0);
    let roster = dir.join("roster.csv");
    let made = exec(
        NOW,
        &["demo-data", "--cards", &cards.to_string(), "--seed", "7", "--csv", roster.to_str().unwrap()],
    );
    assert_eq!(made.code, 0);
    (server, dir, url, roster)
}

/// A desk's own file joined to a server (issue 20's journal): `settings set server URL`, a local roster.
fn joined_desk(dir: &Path, letter: &str, url: &str, roster: &Path) -> String {
    let file = dir.join(format!("desk-{letter}.db")).display().to_string();
    let on = |args: &[&str]| {
        let r = exec(NOW, &[&["--db", file.as_str()], args].concat());
        assert_eq!(r.code, 0, "{args:?}: {}", r.err);
    };
    on(&["import-roster", roster.to_str().unwrap()]);
    on(&["settings", "set", "desk", letter]);
    on(&["settings", "set", "server", url]);
    file
}

/// Checks `lines` in at the desk file `db` (one process, a scanner pipe); the tickets printed.
fn check_in_file(db: &str, lines: &[String]) -> Vec<String> {
    common::desk::check_in_lines(NOW, db, lines)
}

#[test]
fn three_joined_desks_keep_checking_in_while_the_server_is_down_and_catch_up_without_duplicates() {
    let (server, dir, url, roster) = journal_clinic("journal", "journal", 450);
    let desks: Vec<String> = ["A", "B", "C"].iter().map(|l| joined_desk(&dir, l, &url, &roster)).collect();
    let patients = cards(450);
    let mut printed = Vec::new();
    for third in 0..3 {
        if third == 1 {
            server.kill();
        }
        if third == 2 {
            server.restart();
        }
        let runs: Vec<_> = desks
            .iter()
            .enumerate()
            .map(|(d, db)| {
                let share: Vec<String> = patients[d * 150 + third * 50..d * 150 + third * 50 + 50].to_vec();
                let db = db.clone();
                std::thread::spawn(move || check_in_file(&db, &share))
            })
            .collect();
        for r in runs {
            printed.extend(r.join().unwrap());
        }
        if third == 1 {
            let s = exec(NOW, &["--db", &desks[0], "sync"]);
            assert_eq!(s.code, 1, "visits wait while the server is down");
            assert_eq!(s.out[0]["server"], "unreachable");
            assert!(s.out[0]["waiting"].as_u64().unwrap() >= 50, "{:?}", s.out);
        }
    }
    assert_eq!(printed.len(), 450, "every check-in got its ticket at the desk");
    let started = Instant::now();
    for db in &desks {
        let s = exec(NOW, &["--db", db, "sync"]);
        assert_eq!(s.code, 0, "{}", s.err);
        assert_eq!((s.out[0]["waiting"].as_u64(), s.out[0]["server"].as_str()), (Some(0), Some("reachable")));
    }
    eprintln!("catch-up of the three desks: {:.2} s", started.elapsed().as_secs_f64());
    let on_server = tickets_on_server(&url);
    assert_eq!(on_server.len(), 450, "every visit on the server exactly once");
    let tickets: HashSet<&str> = on_server.iter().map(|v| v["ticket"].as_str().unwrap()).collect();
    assert_eq!(tickets.len(), 450, "no duplicate ticket");
    assert_eq!(
        tickets,
        printed.iter().map(String::as_str).collect::<HashSet<_>>(),
        "the tickets the desks gave"
    );
    // Sending again changes nothing; the chains verify on every desk and on the server.
    for db in &desks {
        assert_eq!(exec(NOW, &["--db", db, "sync"]).out[0]["sent"], 0);
        assert_eq!(exec(NOW, &["--db", db, "audit", "verify"]).only(0)["ok"], true);
    }
    let verified = run(&url, &dir.join("auditor.db").display().to_string(), &["audit", "verify"]);
    assert_eq!(verified.only(0)["ok"], true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_desk_killed_while_offline_sends_its_waiting_visits_once_restarted() {
    let (server, dir, url, roster) = journal_clinic("journal-kill", "journal_kill", 60);
    let db = joined_desk(&dir, "K", &url, &roster);
    server.kill();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(["--db", &db, "checkin", "--stdin", "--force", "--operator", "desk-test"])
        .env("TIEPDON_NOW", NOW)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = 0;
    for card in cards(60).iter().take(25) {
        writeln!(stdin, "{card}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(line.contains("\"ticket\""), "recorded at the desk while the server is down: {line}");
        printed += 1;
    }
    child.kill().unwrap(); // SIGKILL, with visits waiting
    let _ = child.wait();
    server.restart();
    let s = exec(NOW, &["--db", &db, "sync"]);
    assert_eq!(s.code, 0, "{}", s.err);
    assert_eq!(s.out[0]["sent"], printed, "every visit recorded before the kill is sent");
    assert_eq!(tickets_on_server(&url).len(), printed);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_same_patient_at_two_desks_during_an_outage_is_kept_twice_and_marked_in_the_summary() {
    let (server, dir, url, roster) = journal_clinic("journal-pair", "journal_pair", 20);
    let (a, b) = (joined_desk(&dir, "A", &url, &roster), joined_desk(&dir, "B", &url, &roster));
    server.kill();
    let patient = cards(1).remove(0);
    let at_a = check_in_file(&a, std::slice::from_ref(&patient));
    let at_b = check_in_file(&b, std::slice::from_ref(&patient));
    assert_eq!((at_a.as_slice(), at_b.as_slice()), (&["A-001".to_string()][..], &["B-001".to_string()][..]));
    server.restart();
    for db in [&a, &b] {
        assert_eq!(exec(NOW, &["--db", db, "sync"]).code, 0);
    }
    assert_eq!(tickets_on_server(&url).len(), 2, "both visits kept, nothing merged");
    let out = dir.join("export");
    let lister = dir.join("lister.db").display().to_string();
    let exported =
        run(&url, &lister, &["export", "--date", DAY, "--format", "summary", "--out", out.to_str().unwrap()]);
    assert_eq!(exported.code, 0, "{}", exported.err);
    let file = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-summary.json"))
        .expect("the summary file");
    let summary: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let pairs = summary["same_patient_at_two_desks"].as_array().expect("the pairs");
    assert_eq!(pairs.len(), 1, "{summary}");
    let tickets: HashSet<&str> =
        pairs[0].as_array().unwrap().iter().map(|p| p["ticket"].as_str().unwrap()).collect();
    assert_eq!(tickets, HashSet::from(["A-001", "B-001"]));
    // Each desk learns the other's visit at its next send and marks its own in its list.
    for (db, own, other) in [(&a, "A-001", "B-001"), (&b, "B-001", "A-001")] {
        assert_eq!(exec(NOW, &["--db", db, "sync"]).code, 0);
        let listed = exec(NOW, &["--db", db, "visits", "--date", DAY]);
        assert_eq!(listed.only(0)["ticket"], own);
        assert_eq!(listed.only(0)["also_at"], serde_json::json!([other]));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_joined_desk_sees_another_desks_visit_after_a_sync_and_marks_what_the_server_does_not_have_yet() {
    let (server, dir, url, roster) = journal_clinic("journal-guard", "journal_guard", 20);
    let (a, b) = (joined_desk(&dir, "A", &url, &roster), joined_desk(&dir, "B", &url, &roster));
    let p = cards(3);
    assert_eq!(check_in_file(&a, &p[..1]), ["A-001"]);
    // B learns the clinic's day at its next send: its repeat guard names desk A's ticket.
    assert_eq!(exec(NOW, &["--db", &b, "sync"]).code, 0);
    let refused = exec(NOW, &["--db", &b, "checkin", "--id", &p[0]]);
    assert_ne!(refused.code, 0, "a repeat needs a confirmation");
    assert_eq!(refused.out[0]["refused"], "repeat");
    assert_eq!(refused.out[0]["earlier"]["ticket"], "A-001");
    assert!(refused.err.contains("ở bàn A") && refused.err.contains("at desk A"), "{}", refused.err);
    // Confirmed anyway: recorded at B as an override, nothing pointing into B's file at A's visit.
    let forced = exec(NOW, &["--db", &b, "checkin", "--id", &p[0], "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.err);
    let overrides = forced.only(0)["overrides"].as_array().unwrap().clone();
    assert!(overrides.contains(&Value::from("repeat")), "{overrides:?}");
    assert!(forced.only(0)["repeat_of"].is_null(), "A's visit is not in B's file");
    // With the server away, what B records is marked in its list until it is sent.
    server.kill();
    assert_eq!(check_in_file(&b, &p[1..2]), ["B-002"]);
    let listed = exec(NOW, &["--db", &b, "visits", "--date", DAY]);
    assert_eq!(listed.out.len(), 2, "a desk's file lists its own visits");
    assert_eq!(listed.out[1]["unsent"], true, "{:?}", listed.out);
    assert!(listed.out[0].get("unsent").is_none(), "B-001 went at once: {:?}", listed.out);
    assert_eq!(listed.out[0]["also_at"], serde_json::json!(["A-001"]), "the pair is marked at B");
    server.restart();
    assert_eq!(exec(NOW, &["--db", &b, "sync"]).code, 0);
    let listed = exec(NOW, &["--db", &b, "visits", "--date", DAY]);
    assert!(listed.out.iter().all(|v| v.get("unsent").is_none()), "{:?}", listed.out);
    // The server's view marks the pair on both visits.
    let on_server = tickets_on_server(&url);
    let marks: HashMap<&str, &Value> =
        on_server.iter().map(|v| (v["ticket"].as_str().unwrap(), &v["also_at"])).collect();
    assert_eq!(marks["A-001"], &serde_json::json!(["B-001"]));
    assert_eq!(marks["B-001"], &serde_json::json!(["A-001"]));
    assert!(marks["B-002"].is_null(), "{on_server:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_day_closes_on_the_server_only_when_every_desks_journal_for_it_is_there() {
    let (server, dir, url, roster) = journal_clinic("journal-close", "journal_close", 20);
    let (a, c) = (joined_desk(&dir, "A", &url, &roster), joined_desk(&dir, "C", &url, &roster));
    let p = cards(4);
    check_in_file(&a, &p[..1]);
    check_in_file(&c, &p[1..2]);
    server.kill();
    check_in_file(&a, &p[2..3]); // waits at desk A
    server.restart();
    // Ten minutes on: desks A and C have said nothing since their check-ins.
    let later = "2026-11-23T02:10:00Z";
    let closer = dir.join("closer.db").display().to_string();
    let close = |name: &str, extra: &[&str]| {
        let out = dir.join(name).display().to_string();
        let args =
            [&["--db", url.as_str(), "close-day", "--date", DAY, "--out", &out, "--operator", "Lan"], extra]
                .concat();
        exec_with(later, &args, &[("TIEPDON_REPLICA", closer.as_str())])
    };
    for (key, value) in
        [("facility_code", "79034"), ("exam_service_code", "02.1896"), ("exam_service_name", "Khám Nội")]
    {
        assert_eq!(run(&url, &closer, &["settings", "set", key, value]).code, 0);
    }
    let refused = close("close-1", &[]);
    assert_ne!(refused.code, 0, "{:?}", refused.out);
    assert!(refused.err.contains("bàn A") && refused.err.contains("desk C"), "{}", refused.err);
    // A sends what waited and says it is done; C stays silent.
    let synced = exec(later, &["--db", &a, "sync"]);
    assert_eq!((synced.code, &synced.out[0]["sent"]), (0, &Value::from(1)), "{}", synced.err);
    let refused = close("close-2", &[]);
    assert_ne!(refused.code, 0);
    assert!(refused.err.contains("desk C") && !refused.err.contains("desk A"), "{}", refused.err);
    // C's PC is gone for good: closed without it, said in the audit trail.
    let closed = close("close-3", &["--without", "C"]);
    assert_eq!(closed.code, 0, "{}", closed.err);
    assert_eq!(closed.only(0)["visits"], 3, "A's visit sent after the outage is in the sealed day");
    // C comes back with a visit of the closed day: the server refuses it, C keeps it waiting with the
    // reason and says so; nothing is lost.
    check_in_file(&c, &p[3..4]);
    let s = exec(later, &["--db", &c, "sync"]);
    assert_eq!(s.code, 1);
    assert_eq!((s.out[0]["waiting"].as_u64(), s.out[0]["server"].as_str()), (Some(1), Some("reachable")));
    assert!(s.err.contains("closed"), "{}", s.err);
    let verified = run(&url, &closer, &["audit", "verify"]);
    assert_eq!(verified.only(0)["ok"], true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_roster_published_on_the_server_reaches_a_joined_desk_at_its_next_send() {
    let (_server, dir, url, roster) = journal_clinic("journal-roster", "journal_roster", 20);
    let a = joined_desk(&dir, "A", &url, &roster);
    let count = |db: &str| -> i64 {
        let store = tiepdon::store::Store::open(Path::new(db)).unwrap();
        store.conn().query_row("SELECT count(*) FROM coverage", [], |r| r.get(0)).unwrap()
    };
    let before = count(&a);
    // A desk at work: one process checking in from a scanner pipe, connected since its first visit.
    let mut child = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(["--db", &a, "checkin", "--stdin", "--force", "--operator", "desk-test"])
        .env("TIEPDON_NOW", NOW)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let patients = cards(2);
    let mut check_in = |card: &str| {
        writeln!(stdin, "{card}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(line.contains("\"ticket\""), "{line}");
    };
    check_in(&patients[0]);
    let csv = dir.join("bigger.csv");
    let made = exec(NOW, &["demo-data", "--cards", "50", "--seed", "8", "--csv", csv.to_str().unwrap()]);
    assert_eq!(made.code, 0);
    let importer = dir.join("importer.db").display().to_string();
    assert_eq!(run(&url, &importer, &["import-roster", csv.to_str().unwrap()]).code, 0);
    assert_eq!(count(&a), before, "nothing changes at the desk until it talks to the server");
    // Its next check-in sends the visit and takes the newer roster, whole.
    check_in(&patients[1]);
    let started = Instant::now();
    while count(&a) != count(&importer) && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(count(&a), count(&importer), "the server's roster, whole");
    assert_ne!(count(&a), before);
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_online_recheck_works_on_the_clinic_server_too() {
    use common::vss::{FakeVss, OFFICER_CCCD, PASSWORD, USER};
    let fake = FakeVss::start();
    let server = shared();
    let dir = folder("recheck");
    let url = clinic(server, "recheck", &dir, 5);
    let desk = dir.join("desk.db").display().to_string();
    for (k, v) in [
        ("vss_url", fake.url.as_str()),
        ("vss_username", USER),
        ("vss_password", PASSWORD),
        ("vss_officer_cccd", OFFICER_CCCD),
    ] {
        assert_eq!(run(&url, &desk, &["settings", "set", k, v]).code, 0);
    }
    for card in ["DN4010000001000", "DN4010000002010"] {
        let r = run(&url, &desk, &["checkin", "--id", card, "--force", "--operator", "Lan"]);
        assert_eq!(r.code, 0, "{}", r.err);
    }
    let r = run(&url, &desk, &["recheck", "--date", DAY]);
    assert_eq!(r.code, 0, "{}", r.err);
    let outcomes: Vec<&str> = r.out.iter().map(|l| l["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["confirmed", "different"]);
    let listed = tickets_on_server(&url);
    assert_eq!(listed[1]["recheck"]["result_code"], "010", "stored on the server beside the visit");
    assert_eq!(run(&url, &desk, &["audit", "verify"]).only(0)["ok"], true);
    let _ = std::fs::remove_dir_all(&dir);
}
