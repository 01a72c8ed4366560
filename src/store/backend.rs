//! The store boundary the desk needs, with its two implementations: the SQLite file ([`Store`], the
//! embedded default) and the clinic server ([`super::server::PgStore`]). `--db` names one of them: a
//! path, or a libpq URL that is never read as a path.

use super::sql::{Lite, Sql};
use super::{Store, StoreError};
use rusqlite::Connection;
use std::path::PathBuf;

/// Where a desk keeps its visits: what `--db` (or `TIEPDON_DB`, or the window's Settings) names.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL server, by its libpq URL (`postgres://…` or `postgresql://…`).
    Server(ServerUrl),
}

/// A libpq URL. Its `Display` and `Debug` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerUrl(String);

impl ServerUrl {
    /// The URL as given, password included: only for connecting.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// `user@host:port/database` (a socket folder as the host), without the password.
    pub fn shown(&self) -> String {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        // As the driver reads it: the login is everything up to the first `@` (a password may hold
        // `/`, `?` or `:`), then the hosts up to `/` or `?`, then the database up to `?`.
        let (userinfo, after) = match rest.split_once('@') {
            Some((u, a)) => (Some(u), a),
            None => (None, rest),
        };
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let (host, tail) = after.split_at(end);
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let db = path.trim_start_matches('/');
        let user = userinfo.map(|u| u.split_once(':').map_or(u, |(name, _)| name));
        let mut host = host.to_string();
        let mut port = String::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("host", h)) if host.is_empty() => host = percent_decode(h),
                Some(("port", p)) => port = format!(":{p}"),
                _ => {}
            }
        }
        let host = if host.is_empty() { "localhost".to_string() } else { percent_decode(&host) };
        // A malformed URL (an unencoded `@` in the password, a password with no `@` after it) would put
        // part of the password where the host is: such a "host" is not shown.
        let port_ok = |p: &str| p.is_empty() || p.bytes().all(|b| b.is_ascii_digit() || b == b',');
        let host = match host.rsplit_once(':') {
            _ if host.contains('@') => "(?)".to_string(),
            Some((_, p)) if !host.starts_with('/') && !port_ok(p) => "(?)".to_string(),
            _ => host,
        };
        let user = user.map(|u| format!("{}@", percent_decode(u))).unwrap_or_default();
        format!("postgresql://{user}{host}{port}/{}", percent_decode(db))
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ServerUrl {
    /// `database@host` for a header, a socket folder shown as `socket`.
    pub fn brief(&self) -> String {
        let shown = self.shown();
        let rest = shown.trim_start_matches("postgresql://");
        let at = rest.split_once('@').map_or(rest, |(_, h)| h);
        let (host, db) = at.rsplit_once('/').unwrap_or((at, ""));
        let host = if host.starts_with('/') { "socket" } else { host.split(':').next().unwrap_or(host) };
        format!("{db}@{host}")
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerUrl({})", self.shown())
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Server(u) => write!(f, "{u}"),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({self})")
    }
}

impl Location {
    /// Reads a `--db` value. Anything that looks like a URL (a scheme before `:`, e.g. `postgresql:/x`)
    /// is a server or an error, never a file name.
    pub fn parse(text: &str) -> Result<Location, StoreError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            let (scheme, rest) = t.split_once("://").unwrap_or((t, ""));
            if rest.is_empty() {
                return Err(bad_url());
            }
            // The driver takes the scheme in lower case only.
            return Ok(Location::Server(ServerUrl(format!("{}://{rest}", scheme.to_ascii_lowercase()))));
        }
        // A libpq key=value string (`host=… user=… password=…`) is not a file name either.
        if t.split_whitespace().any(|w| {
            w.split_once('=').is_some_and(|(k, _)| {
                ["host", "hostaddr", "port", "dbname", "user", "password", "sslmode"].contains(&k)
            })
        }) {
            return Err(bad_url());
        }
        let scheme = t
            .split_once(':')
            .map(|(s, _)| s)
            .filter(|s| s.len() >= 2 && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
        if scheme.is_some() && !t.starts_with('/') && !t.starts_with('.') {
            return Err(bad_url());
        }
        if t.is_empty() {
            return Err(StoreError::invalid("Thiếu đường dẫn cơ sở dữ liệu.", "The database path is empty."));
        }
        Ok(Location::File(PathBuf::from(text)))
    }

    /// Whether this names a clinic server.
    pub fn is_server(&self) -> bool {
        matches!(self, Location::Server(_))
    }
}

fn bad_url() -> StoreError {
    StoreError::invalid(
        "Địa chỉ máy chủ không hợp lệ: dùng postgres://NGƯỜI_DÙNG@MÁY:CỔNG/CSDL hoặc \
         postgresql://NGƯỜI_DÙNG@/CSDL?host=/thư/mục/socket; không tạo tệp nào (tệp có dấu “:” trong tên: \
         ghi ./TÊN).",
        "Not a valid server address: use postgres://USER@HOST:PORT/DB or \
         postgresql://USER@/DB?host=/socket/dir; no file was created (a file with “:” in its name: write \
         ./NAME).",
    )
}

/// What the desk's rules need of a store: one write transaction at a time, reads, and the local roster.
/// A check-in, a void, a day close and the audit row that goes with each run in one `transact`.
pub trait Backend {
    /// Runs `f` in one write transaction (serialised with every other writer of the store, so tickets
    /// and the audit chain never fork) and commits it; rolls back when `f` fails. `f` gets the
    /// visits' side and the local roster (the same SQLite transaction for a file).
    fn transact(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Sql, &Connection) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Runs `f` for reading (no lock).
    fn reading(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Sql, &Connection) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// This desk's ticket series when it is its own and not the stored setting (a desk on a server).
    fn series(&self) -> Option<String> {
        None
    }

    /// After a roster import into the local file: publish it to the other desks (a server), audited in
    /// the same transaction; the rows sent, or `None` for a file (its roster is already the desk's).
    fn publish_roster(
        &mut self,
        _operator: &str,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }

    /// Takes a newer roster the server publishes into the local copy (the rows taken; 0 when current,
    /// and always for a file).
    fn refresh_roster(&mut self) -> Result<u64, StoreError> {
        Ok(0)
    }

    /// Whether the store answers now (a server: one short query; a file: always).
    fn ping(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Where the visits are kept (never shows a password).
    fn location(&self) -> Location;

    /// The desk's own SQLite file: the whole store for a file, the roster replica for a server.
    fn local(&mut self) -> &mut Store;
}

/// Runs `f` in one write transaction of `store` and returns its value.
pub fn write<T>(
    store: &mut dyn Backend,
    f: impl FnOnce(&mut dyn Sql, &Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut f = Some(f);
    let mut out = None;
    store.transact(&mut |sql, roster| {
        if let Some(f) = f.take() {
            out = Some(f(sql, roster)?);
        }
        Ok(())
    })?;
    out.ok_or_else(|| StoreError::invalid("Giao dịch không chạy.", "The transaction did not run."))
}

/// Runs `f` for reading and returns its value.
pub fn read<T>(
    store: &mut dyn Backend,
    f: impl FnOnce(&mut dyn Sql, &Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut f = Some(f);
    let mut out = None;
    store.reading(&mut |sql, roster| {
        if let Some(f) = f.take() {
            out = Some(f(sql, roster)?);
        }
        Ok(())
    })?;
    out.ok_or_else(|| StoreError::invalid("Không đọc được.", "The read did not run."))
}

impl Backend for Store {
    fn transact(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Sql, &Connection) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.write(|tx| f(&mut Lite(tx), tx))
    }

    fn reading(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Sql, &Connection) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        f(&mut Lite(conn), conn)
    }

    fn location(&self) -> Location {
        Location::File(self.path().to_path_buf())
    }

    fn local(&mut self) -> &mut Store {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_a_server_and_never_a_path() {
        assert!(Location::parse("postgres://desk1:s3cret@10.0.0.5:5432/tiepdon").unwrap().is_server());
        assert!(Location::parse("postgresql://desk1@/tiepdon?host=/tmp/pg&port=5433").unwrap().is_server());
        assert!(Location::parse("POSTGRESQL://x@h/db").unwrap().is_server());
        for bad in [
            "postgresql:/tmp/x",
            "postgres:db",
            "mysql://h/db",
            "postgresql://",
            "http://x",
            "host=10.0.0.5 user=desk password=s3cret dbname=tiepdon",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad} must not be a file");
        }
        assert_eq!(Location::parse("desk.db").unwrap(), Location::File("desk.db".into()));
        assert_eq!(
            Location::parse("/var/lib/x/tiepdon.db").unwrap(),
            Location::File("/var/lib/x/tiepdon.db".into())
        );
        assert_eq!(Location::parse("./c:d.db").unwrap(), Location::File("./c:d.db".into()));
    }

    #[test]
    fn the_password_is_never_shown() {
        let loc =
            Location::parse("postgres://desk1:s3cret%21@10.0.0.5:5432/tiepdon?sslmode=require").unwrap();
        let shown = format!("{loc} {loc:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("desk1@10.0.0.5:5432/tiepdon"), "{shown}");
        // A password with `/`, `?` or `@`-free punctuation, and a password in the query: never shown.
        for bad in ["postgres://u:p@ss3cret@h/db", "postgres://u:s3cret/db"] {
            let shown = Location::parse(bad).unwrap().to_string();
            assert!(!shown.contains("s3cret") && !shown.contains("ss3"), "{bad} shown as {shown}");
        }
        for url in [
            "postgres://desk1:ab/cd?ef@10.0.0.5/tiepdon",
            "postgres://desk1@10.0.0.5?password=s3cret",
            "POSTGRES://desk1:s3cret@10.0.0.5/tiepdon",
        ] {
            let loc = Location::parse(url).unwrap();
            let shown = format!("{loc} {loc:?}");
            assert!(!shown.contains("cd?ef") && !shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("desk1@10.0.0.5"), "{shown}");
        }
        let Location::Server(url) = Location::parse("POSTGRES://x@h/db").unwrap() else { unreachable!() };
        assert!(url.secret().starts_with("postgres://"), "the scheme in lower case for the driver");
        let sock = Location::parse("postgresql://desk1@/tiepdon?host=%2Ftmp%2Fpg&port=5433").unwrap();
        assert_eq!(sock.to_string(), "postgresql://desk1@/tmp/pg:5433/tiepdon");
        let Location::Server(url) = sock else { unreachable!() };
        assert_eq!(url.brief(), "tiepdon@socket");
        let Location::Server(url) = loc else { unreachable!() };
        assert_eq!(url.brief(), "tiepdon@10.0.0.5");
    }
}
