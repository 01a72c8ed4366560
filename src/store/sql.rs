//! One small SQL surface over SQLite and PostgreSQL, so that the rules of visits, tickets, day closes,
//! settings and the audit chain are written once. Statements use PostgreSQL's `$1, $2…` placeholders;
//! SQLite is given them as `?1, ?2…`. Values are integers, text or NULL (both schemas store dates as ISO
//! text), so a row reads the same from either engine.

use super::{Context, StoreError};
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(v.clone())
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}
impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Val {
        v.as_deref().map_or(Val::Null, Val::from)
    }
}

/// Parameters for a statement: `vals![a, b, c]`.
#[macro_export]
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$($crate::store::sql::Val::from($v)),*][..] };
}
pub use crate::vals;

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Val>);

impl Row {
    fn at(&self, i: usize) -> &Val {
        self.0.get(i).unwrap_or(&Val::Null)
    }

    /// Column `i` as text (an integer is written out; NULL is an error).
    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        self.opt_text(i)?
            .ok_or_else(|| StoreError::invalid("Thiếu giá trị trong CSDL.", "A value is missing."))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(match self.at(i) {
            Val::Null => None,
            Val::Int(n) => Some(n.to_string()),
            Val::Text(t) => Some(t.clone()),
        })
    }

    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_int(i)?.ok_or_else(|| StoreError::invalid("Thiếu số trong CSDL.", "A number is missing."))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.at(i) {
            Val::Null => Ok(None),
            Val::Int(n) => Ok(Some(*n)),
            Val::Text(t) => t
                .parse()
                .map(Some)
                .map_err(|_| StoreError::invalid("Giá trị không phải số.", "A value is not a number.")),
        }
    }
}

/// Which engine runs the statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// What the shared rules need of a connection or transaction. `what` names the step for error messages.
pub trait Sql {
    fn engine(&self) -> Engine;
    /// Runs a statement; the number of rows changed.
    fn execute(&mut self, what: &'static str, sql: &str, params: &[Val]) -> Result<u64, StoreError>;
    /// Runs a query; every row.
    fn query(&mut self, what: &'static str, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError>;

    /// The first row, if any.
    fn query_opt(
        &mut self,
        what: &'static str,
        sql: &str,
        params: &[Val],
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.query(what, sql, params)?.into_iter().next())
    }

    /// Exactly one row.
    fn query_one(&mut self, what: &'static str, sql: &str, params: &[Val]) -> Result<Row, StoreError> {
        self.query_opt(what, sql, params)?.ok_or_else(|| {
            StoreError::invalid(format!("Không tìm thấy ({what})."), format!("Nothing found ({what})."))
        })
    }
}

/// `$1, $2…` → `?1, ?2…` outside quoted text.
pub fn to_sqlite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '$' && !quoted && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Val::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

/// A SQLite connection (or a transaction, which derefs to one) seen through [`Sql`].
pub struct Lite<'a>(pub &'a Connection);

impl Sql for Lite<'_> {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }

    fn execute(&mut self, what: &'static str, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(&to_sqlite(sql)).doing(what)?;
        stmt.execute(rusqlite::params_from_iter(params)).map(|n| n as u64).doing(what)
    }

    fn query(&mut self, what: &'static str, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.0.prepare_cached(&to_sqlite(sql)).doing(what)?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params)).doing(what)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().doing(what)? {
            let mut row = Vec::with_capacity(columns);
            for i in 0..columns {
                row.push(match r.get_ref(i).doing(what)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(n) => Val::Int(n),
                    ValueRef::Real(f) => Val::Text(f.to_string()),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Val::Text(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(Row(row));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_sqlite_ones_outside_quotes() {
        assert_eq!(to_sqlite("SELECT $1, '$2', $10 WHERE a = $3"), "SELECT ?1, '$2', ?10 WHERE a = ?3");
    }

    #[test]
    fn a_sqlite_round_trip_reads_ints_text_and_null() {
        let conn = Connection::open_in_memory().unwrap();
        let mut sql = Lite(&conn);
        sql.execute("t", "CREATE TABLE t(a INTEGER, b TEXT, c TEXT)", &[]).unwrap();
        sql.execute("t", "INSERT INTO t VALUES ($1, $2, $3)", vals![7_i64, "x", None::<String>]).unwrap();
        let row = sql.query_one("t", "SELECT a, b, c FROM t WHERE b = $1", vals!["x"]).unwrap();
        assert_eq!(
            (row.int(0).unwrap(), row.text(1).unwrap(), row.opt_text(2).unwrap()),
            (7, "x".into(), None)
        );
    }
}
