//! Running the real binary against a fresh database with a pinned clock.

use super::json_lines;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory and database for one test: a SQLite file, or (inside [`on_server`]) a fresh
/// database on the test PostgreSQL server with this directory's replica file.
pub struct Db {
    pub dir: PathBuf,
    /// The SQLite file (on a server: the desk's roster replica).
    pub path: PathBuf,
    /// The server database's URL, when the test runs on the server.
    pub url: Option<String>,
}

thread_local! {
    /// Set by [`on_server`]: every `Db::new` on this thread makes a server database.
    static ON_SERVER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a store test with every `Db` it makes on the test PostgreSQL server (one parametrised suite:
/// the same test body, both backends).
pub fn on_server(test: fn()) {
    ON_SERVER.with(|s| s.set(true));
    test();
    ON_SERVER.with(|s| s.set(false));
}

impl Db {
    pub fn new(name: &str) -> Db {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("tiepdon-store-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let path = dir.join("tiepdon.db");
        let url = ON_SERVER.with(|s| s.get()).then(|| {
            let db_name = format!(
                "t_{}_{n}_{}",
                std::process::id(),
                name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            );
            let url = super::pg::shared().database(&db_name.to_ascii_lowercase());
            let init = exec("2026-01-01T00:00:00Z", &["init-server", &url]);
            assert_eq!(init.code, 0, "init-server: {}", init.err);
            url
        });
        Db { dir, path, url }
    }

    /// What `--db` takes for this database.
    pub fn arg(&self) -> String {
        self.url.clone().unwrap_or_else(|| self.path.display().to_string())
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, contents).expect("write a test file");
        p
    }

    /// Checks `payload` in (operator `Lan`, now), in-process; returns what the store answered.
    pub fn check_in(&self, payload: &str) -> tiepdon::store::visits::Outcome {
        let mut store = tiepdon::store::Store::open(&self.path).expect("the test database opens");
        let detection = tiepdon::card::detect(payload);
        let req = tiepdon::store::visits::CheckIn {
            detection: &detection,
            operator: "Lan",
            visit_type: "outpatient",
            visit: Default::default(),
            force: false,
            pin: None,
            now: tiepdon::clock::now_utc(),
        };
        tiepdon::store::visits::check_in(&mut store, &req).expect("the check-in runs")
    }

    /// Imports `rows` into the database as a roster CSV named `name` (merged, all-or-nothing).
    pub fn import_rows(&self, name: &str, rows: &[tiepdon::store::roster_csv::RosterRow]) {
        let mut csv = tiepdon::demo::csv_header() + "\n";
        for row in rows {
            csv += &(tiepdon::demo::csv_line(row) + "\n");
        }
        let file = self.write(name, &csv);
        let mut store = tiepdon::store::Store::open(&self.path).expect("the test database opens");
        let opts = tiepdon::store::import::Options {
            mode: tiepdon::store::import::Mode::Merge,
            skip_bad: false,
            reject_file: None,
            default_as_of: None,
            origin: None,
            map: Vec::new(),
        };
        let now = tiepdon::clock::now_utc();
        tiepdon::store::import::import(&mut store, &file, &opts, "test", now, &mut |_, _| {})
            .expect("the roster rows import");
    }
}

impl Drop for Db {
    /// Removes the directory, except after a failure (to look at it).
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub out: Vec<Value>,
    pub err: String,
}

impl Run {
    /// The single JSON line, after checking the exit code.
    pub fn only(&self, code: i32) -> &Value {
        assert_eq!(self.code, code, "exit code; stdout {:?}, stderr {}", self.out, self.err);
        assert_eq!(self.out.len(), 1, "one JSON line; stderr {}", self.err);
        &self.out[0]
    }
}

/// Runs `tiepdon ARGS` at the pinned time `now`. Exit 101 (a panic) is never acceptable.
pub fn exec(now: &str, args: &[&str]) -> Run {
    exec_with(now, args, &[])
}

/// Runs `tiepdon ARGS` at `now` with extra environment variables.
pub fn exec_with(now: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(args)
        .envs(env.iter().copied())
        .env("TIEPDON_NOW", now)
        .env("TIEPDON_OPERATOR", "test-op")
        .env_remove("TIEPDON_DB")
        .stdin(Stdio::null())
        .output()
        .expect("the tiepdon binary runs");
    let code = out.status.code().expect("tiepdon exits normally, not by a signal");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_ne!(code, 101, "tiepdon panicked on {args:?}: {err}");
    Run { code, out: json_lines(&out), err }
}

/// Checks `lines` in at `db` (a `--db` value) at `now` from one process, a scanner pipe
/// (`checkin --stdin --force`), asserting every line was recorded; the tickets printed, in order.
pub fn check_in_lines(now: &str, db: &str, lines: &[String]) -> Vec<String> {
    use std::io::Write;
    let out = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(["--db", db, "checkin", "--stdin", "--force", "--operator", "desk-test"])
        .env("TIEPDON_NOW", now)
        .env_remove("TIEPDON_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().expect("stdin is piped").write_all((lines.join("\n") + "\n").as_bytes())?;
            child.wait_with_output()
        })
        .expect("the tiepdon binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "every check-in recorded at the desk: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("a JSON line")["ticket"]
                .as_str()
                .expect("a ticket")
                .to_string()
        })
        .collect()
}

/// Runs `tiepdon --db DB ARGS` at `now` (on a server, as the desk whose replica is `db.path`).
pub fn run_at(now: &str, db: &Db, args: &[&str]) -> Run {
    let replica = db.path.display().to_string();
    exec_with(now, &[&["--db", &db.arg()], args].concat(), &[("TIEPDON_REPLICA", &replica)])
}
