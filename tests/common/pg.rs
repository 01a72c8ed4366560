//! A throwaway PostgreSQL server for integration tests: a private temp dir under /tmp holding the data
//! dir, the Unix socket dir and the server log; Unix socket only (`listen_addresses=''`), fsync off
//! (but synchronous_commit on, so a commit survives `kill`: see `pg_ctl_start`).
//! Stopped (immediate mode) and removed when the `PgServer` is dropped, also when a test panics.
//!
//! PostgreSQL refuses to run as root: when the tests run as root (CI does), every initdb / pg_ctl /
//! psql call runs as the `postgres` user through `runuser -u postgres --`, and the temp dir is owned by
//! that user. Otherwise the commands run directly.
//!
//! `PgServer::start()` returns `None` (saying why on stderr) when PostgreSQL is not installed, so a
//! test can skip; any other failure panics with the failing command's stderr and the log's last lines.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Which server of this process: picks the temp dir name and the port.
static COUNTER: AtomicU16 = AtomicU16::new(0);

/// How many ports `start` tries when the server does not come up because its socket or lock is taken.
const PORT_TRIES: u16 = 10;

/// Lines of the server log quoted in a panic message.
const LOG_TAIL: usize = 30;

/// Environment variables of libpq / the server tools that would override the explicit arguments.
const PG_ENV: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGOPTIONS",
    "PGSSLMODE",
    "PGDATA",
    "PGCONNECT_TIMEOUT",
    "PGTARGETSESSIONATTRS",
];

/// The PostgreSQL programs used.
#[derive(Debug, Clone)]
struct Bins {
    initdb: PathBuf,
    pg_ctl: PathBuf,
    psql: PathBuf,
}

/// A throwaway PostgreSQL server: Unix socket only (listen_addresses=''), fsync=off, in a temp dir.
#[derive(Debug)]
pub struct PgServer {
    /// The private temp dir (removed on drop): holds `data/`, `sock/` and `server.log`.
    root: PathBuf,
    data: PathBuf,
    sock: PathBuf,
    log: PathBuf,
    port: u16,
    /// The tests run as root: the PostgreSQL programs run as `postgres` through `runuser`.
    as_root: bool,
    bins: Bins,
    /// What [`PgServer::start_with`] added: TCP addresses to listen on, more `-c` options.
    listen: String,
    extra: String,
}

impl PgServer {
    /// Starts a new server (initdb -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8, falling back
    /// to C, then `pg_ctl -w start` with the socket in the temp dir). Returns None (and says why on
    /// stderr) when PostgreSQL is not installed, so callers can skip; panics with the failing command's
    /// stderr on other failures.
    pub fn start() -> Option<PgServer> {
        PgServer::start_with("", "")
    }

    /// Starts a server that also listens on the TCP addresses `listen` (e.g. `127.0.0.1`), with
    /// `extra` server options (`-c ssl=on -c …`, `-c fsync=on`), which come after the defaults.
    pub fn start_with(listen: &str, extra: &str) -> Option<PgServer> {
        let Some(bins) = find_bins() else {
            eprintln!(
                "PostgreSQL is not installed (no initdb/pg_ctl/psql in /usr/lib/postgresql/*/bin or PATH): \
                 skipping the PostgreSQL test"
            );
            return None;
        };
        let as_root = is_root();
        if as_root && !user_exists("postgres") {
            eprintln!(
                "running as root but there is no `postgres` user to run PostgreSQL as (it refuses root): \
                 skipping the PostgreSQL test"
            );
            return None;
        }

        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let root = make_root_dir(n);
        let data = root.join("data");
        let sock = root.join("sock");
        let log = root.join("server.log");
        for dir in [&data, &sock] {
            fs::create_dir(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .unwrap_or_else(|e| panic!("chmod 0700 {}: {e}", dir.display()));
        }
        fs::write(&log, b"").unwrap_or_else(|e| panic!("creating {}: {e}", log.display()));
        let port_for =
            |try_: u16| (20000 + (std::process::id() + u32::from(n) + u32::from(try_)) % 40000) as u16;
        let (listen, extra) = (listen.to_string(), extra.to_string());
        let mut server = PgServer { root, data, sock, log, port: port_for(0), as_root, bins, listen, extra };
        // From here on a panic drops `server`, which removes the temp dir.
        if as_root {
            let out = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&server.root)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("running chown: {e}"));
            if !out.status.success() {
                panic!("chown -R postgres:postgres {} failed: {}", server.root.display(), stderr_of(&out));
            }
        }

        server.initdb();

        let mut last_failure = String::new();
        for try_ in 0..PORT_TRIES {
            server.port = port_for(try_);
            let out = server.pg_ctl_start();
            if out.status.success() {
                return Some(server);
            }
            let log_tail = server.log_tail();
            last_failure = format!(
                "pg_ctl start (port {}) failed: {}\n--- last lines of {} ---\n{log_tail}",
                server.port,
                stderr_of(&out),
                server.log.display()
            );
            let taken =
                ["already in use", "could not create lock file", "could not bind", "is another postmaster"]
                    .iter()
                    .any(|s| log_tail.contains(s));
            if !taken {
                break;
            }
            // A leftover postmaster of a failed try would hold the data dir: make sure it is gone.
            let _ = server.pg_ctl(&["stop", "-m", "immediate", "-w", "-t", "30"]);
        }
        panic!("{last_failure}");
    }

    /// Creates a fresh database and returns its libpq URL,
    /// `postgresql://postgres@/NAME?host=SOCKDIR&port=PORT`.
    pub fn database(&self, name: &str) -> String {
        let sql = format!("CREATE DATABASE {}", quote_ident(name));
        let out = self.run_psql("postgres", &["-c", &sql], None);
        if !out.status.success() {
            panic!("{sql} failed: {}\n{}", stderr_of(&out), self.log_context());
        }
        format!(
            "postgresql://postgres@/{}?host={}&port={}",
            percent_encode(name, false),
            percent_encode(&self.sock.to_string_lossy(), true),
            self.port
        )
    }

    /// Runs SQL (one or more statements, as a script) through psql as the superuser against database
    /// `db` (`-v ON_ERROR_STOP=1 -X -q -At`); returns stdout without its final newline. Panics with
    /// stderr on failure.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self.run_psql(db, &["-f", "-"], Some(sql));
        if !out.status.success() {
            panic!(
                "psql on database {db:?} failed ({}): {}\nSQL: {sql}\n{}",
                out.status,
                stderr_of(&out),
                self.log_context()
            );
        }
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.ends_with('\n') {
            text.pop();
        }
        text
    }

    /// Stops the server immediately (`pg_ctl stop -m immediate`), for crash tests.
    pub fn kill(&self) {
        let out = self.pg_ctl(&["stop", "-m", "immediate", "-w", "-t", "60"]);
        if !out.status.success() {
            panic!("pg_ctl stop -m immediate failed: {}\n{}", stderr_of(&out), self.log_context());
        }
    }

    /// Starts it again after `kill` (same data dir, same port), waiting until it accepts connections.
    pub fn restart(&self) {
        let out = self.pg_ctl_start();
        if !out.status.success() {
            panic!("pg_ctl start (restart) failed: {}\n{}", stderr_of(&out), self.log_context());
        }
    }

    /// The directory of the server's Unix socket (the `host` of a libpq connection).
    /// The temp dir the server's files are in (owned by the server's user).
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn socket_dir(&self) -> &Path {
        &self.sock
    }

    /// The port, which only names the socket file `.s.PGSQL.PORT` (there is no TCP listener).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log file.
    pub fn log_file(&self) -> &Path {
        &self.log
    }

    fn initdb(&self) {
        let mut failures = Vec::new();
        for locale in ["C.UTF-8", "C"] {
            let out = self
                .pg_command(&self.bins.initdb)
                .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
                .arg(format!("--locale={locale}"))
                .arg("-D")
                .arg(&self.data)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("running {}: {e}", self.bins.initdb.display()));
            if out.status.success() {
                return;
            }
            failures.push(format!("initdb --locale={locale} failed ({}): {}", out.status, stderr_of(&out)));
            // initdb empties a data dir it was given on failure; make sure, for the next locale.
            if let Ok(entries) = fs::read_dir(&self.data) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    let _ = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
                }
            }
        }
        panic!("{}", failures.join("\n"));
    }

    /// `pg_ctl -w start` with the server's options. fsync=off and full_page_writes=off only risk data on
    /// an OS crash: a killed server's written WAL stays in the kernel's page cache. synchronous_commit
    /// stays on: off, a COMMIT returns before its WAL is even written (the WAL writer does that every
    /// 200 ms), so `kill` right after would lose acknowledged transactions and defeat crash tests.
    fn pg_ctl_start(&self) -> Output {
        // Tests use the socket only; the benchmark and the TLS test ask for TCP too (`start_with`),
        // and the benchmark for fsync on (later options win).
        let options = format!(
            "-c listen_addresses='{}' -c unix_socket_directories='{}' -c port={} -c fsync=off \
             -c full_page_writes=off -c max_connections=100 {}",
            self.listen,
            self.sock.display(),
            self.port,
            self.extra
        );
        let log = self.log.to_string_lossy().into_owned();
        self.pg_ctl(&["start", "-w", "-t", "120", "-l", &log, "-o", &options])
    }

    /// `pg_ctl -D DATA ARGS`, its output captured.
    fn pg_ctl(&self, args: &[&str]) -> Output {
        self.pg_command(&self.bins.pg_ctl)
            .arg("-D")
            .arg(&self.data)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.bins.pg_ctl.display()))
    }

    fn run_psql(&self, db: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.pg_command(&self.bins.psql);
        cmd.arg("-h")
            .arg(&self.sock)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-At"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let Some(input) = stdin else {
            return cmd
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("running {}: {e}", self.bins.psql.display()));
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.bins.psql.display()));
        let mut pipe = child.stdin.take().expect("psql's stdin is piped");
        let input = input.to_owned();
        // Written from another thread so a large script and a large result cannot block each other.
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let _ = pipe.write_all(input.as_bytes());
        });
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("waiting for psql: {e}"));
        let _ = writer.join();
        out
    }

    /// A command running PROGRAM, as `postgres` when the tests run as root; in the temp dir (the
    /// `postgres` user may not enter the tests' own working directory), without the PG* variables.
    fn pg_command(&self, program: &Path) -> Command {
        let mut cmd = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.current_dir(&self.root);
        for var in PG_ENV {
            cmd.env_remove(var);
        }
        cmd
    }

    /// The last lines of the server log.
    fn log_tail(&self) -> String {
        match fs::read(&self.log) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let lines: Vec<&str> = text.lines().collect();
                lines[lines.len().saturating_sub(LOG_TAIL)..].join("\n")
            }
            Err(e) => format!("(no log: {e})"),
        }
    }

    fn log_context(&self) -> String {
        format!("--- last lines of {} ---\n{}", self.log.display(), self.log_tail())
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // Errors ignored: the server may be stopped already (after `kill`), or never have started.
        if self.data.join("postmaster.pid").exists() {
            let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w", "-t", "30"]);
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// The PostgreSQL programs: the highest version in /usr/lib/postgresql/*/bin, else PATH.
fn find_bins() -> Option<Bins> {
    let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let version: Option<Vec<u32>> = name.split('.').map(|p| p.parse().ok()).collect();
            Some((version?, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        let psql = Some(bin.join("psql")).filter(|p| p.is_file()).or_else(|| in_path("psql"))?;
        return Some(Bins { initdb: bin.join("initdb"), pg_ctl: bin.join("pg_ctl"), psql });
    }
    Some(Bins { initdb: in_path("initdb")?, pg_ctl: in_path("pg_ctl")?, psql: in_path("psql")? })
}

fn in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| {
        p.is_file() && fs::metadata(p).map(|m| m.permissions().mode() & 0o111 != 0).unwrap_or(false)
    })
}

/// Whether the effective user is root: the `Uid:` line of /proc/self/status, else `id -u`.
fn is_root() -> bool {
    // Uid: real effective saved filesystem
    if let Ok(status) = fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("Uid:"))
        && let Some(euid) = line.split_whitespace().nth(2)
    {
        return euid == "0";
    }
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A new private directory under /tmp (not $TMPDIR: the `postgres` user must reach it when root).
/// Short, because the socket path (`DIR/sock/.s.PGSQL.PORT`) must fit in 107 bytes.
fn make_root_dir(n: u16) -> PathBuf {
    let pid = std::process::id();
    for attempt in 0..100u32 {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = PathBuf::from(format!("/tmp/tiepdon-pg-{pid}-{n}-{:x}", nanos ^ attempt));
        match fs::create_dir(&dir) {
            Ok(()) => {
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                    .unwrap_or_else(|e| panic!("chmod 0700 {}: {e}", dir.display()));
                return dir;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("creating {}: {e}", dir.display()),
        }
    }
    panic!("could not create a fresh /tmp/tiepdon-pg-{pid}-{n}-* directory");
}

/// `"name"`, an SQL identifier quoted (so its case is kept, as in the URL).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Percent-encodes everything but `[A-Za-z0-9._-]` (and `/` when `keep_slash`).
fn percent_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn stderr_of(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let std = String::from_utf8_lossy(&out.stdout);
    match (err.trim().is_empty(), std.trim().is_empty()) {
        (true, true) => format!("(exit {}, no output)", out.status),
        (false, true) => err.trim_end().to_owned(),
        (true, false) => std.trim_end().to_owned(),
        (false, false) => format!("{}\n(stdout) {}", err.trim_end(), std.trim_end()),
    }
}

/// The test binary's one shared server, started on first use and stopped when the binary exits (an
/// `atexit` hook: a static is never dropped), also after failed tests. PostgreSQL is part of the test
/// command's packages (`scripts/deps.sh` group `server`): its absence fails the tests that need it.
pub fn shared() -> &'static PgServer {
    static SERVER: std::sync::OnceLock<PgServer> = std::sync::OnceLock::new();
    extern "C" fn stop_shared() {
        if let Some(server) = SERVER.get()
            && server.data.join("postmaster.pid").exists()
        {
            let _ = server.pg_ctl(&["stop", "-m", "immediate", "-w", "-t", "30"]);
            let _ = fs::remove_dir_all(&server.root);
        }
    }
    SERVER.get_or_init(|| {
        let server =
            PgServer::start().expect("PostgreSQL for the server tests (scripts/deps.sh installs it)");
        // SAFETY: registering a plain extern "C" function with no arguments.
        unsafe { libc::atexit(stop_shared) };
        server
    })
}

/// Writes a self-signed certificate and key into `dir` that the server's user can read (owned by
/// `postgres` when the tests run as root), and returns the server options that turn TLS on with them
/// (for [`PgServer::start_with`]). `dir` must be reachable by that user (under /tmp).
pub fn self_signed_tls(dir: &Path) -> String {
    let (crt, key) = (dir.join("server.crt"), dir.join("server.key"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .expect("the openssl program");
    assert!(made.status.success(), "openssl req: {}", String::from_utf8_lossy(&made.stderr));
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod 755");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).expect("chmod 600");
    give_to_postgres(&[&crt, &key]);
    format!("-c ssl=on -c ssl_cert_file='{}' -c ssl_key_file='{}'", crt.display(), key.display())
}

/// Makes `files` the server user's when the tests run as root (it refuses a key it does not own).
pub fn give_to_postgres(files: &[&Path]) {
    if is_root() {
        for f in files {
            let ok =
                Command::new("chown").arg("postgres:postgres").arg(f).status().is_ok_and(|s| s.success());
            assert!(ok, "chown postgres {}", f.display());
        }
    }
}
