//! Crash safety: a child process checks in visits in a loop, printing each ticket after its commit; it is
//! killed (SIGKILL) at a random moment. Reopened, the database passes `integrity_check` and holds every
//! ticket that was printed. Repeated 10 times against the same file.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use tiepdon::store::Store;

/// A tiny deterministic generator, so a failure names its seed.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn tiepdon(db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tiepdon"));
    cmd.arg("--db").arg(db).env_remove("TIEPDON_DB").env("TIEPDON_OPERATOR", "crash-test");
    cmd
}

#[test]
fn killed_writer_loses_nothing_it_reported() {
    let dir = std::env::temp_dir().join(format!("tiepdon-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("crash.db");
    let mut printed: Vec<String> = Vec::new();
    let mut seed = 0x5EED_u64;
    for round in 0..10_u64 {
        let kill_after = 3 + next(&mut seed) % 40;
        let mut child = tiepdon(&db)
            .args(["checkin", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("tiepdon starts");
        // Feed far more distinct ids than it can check in before the kill (unknown ids are CANNOT_VERIFY,
        // which is recorded). A writer thread keeps the pipe full; it stops when the child dies.
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            for i in 0..100_000_u64 {
                if writeln!(stdin, "{:012}", round * 1_000_000 + i).is_err() {
                    break;
                }
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        while let Some(Ok(line)) = lines.next() {
            let visit: serde_json::Value = serde_json::from_str(&line).expect("a visit line");
            printed.push(format!("{} {}", visit["day"].as_str().unwrap(), visit["ticket"].as_str().unwrap()));
            seen += 1;
            if seen == kill_after {
                break;
            }
        }
        // A random extra delay, so the kill also lands in the middle of a transaction.
        std::thread::sleep(std::time::Duration::from_micros(next(&mut seed) % 3_000));
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        drop(lines);
        feeder.join().unwrap();

        let store = Store::open(&db).unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
        assert_eq!(store.integrity_check().unwrap(), "ok", "round {round}");
        let stored: std::collections::HashSet<String> = store
            .conn()
            .prepare("SELECT day || ' ' || ticket FROM visits")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for t in &printed {
            assert!(stored.contains(t), "round {round}: printed ticket {t} is missing after the kill");
        }
    }
    assert!(printed.len() >= 10 * 3, "the child printed tickets before each kill");
    let _ = std::fs::remove_dir_all(&dir);
}
