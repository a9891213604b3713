//! One way to run a statement on either backend.
//!
//! [`Sql`] holds the statement's text and its arguments as backend-neutral [`Value`]s; it is
//! built like sqlx's `QueryBuilder` (`push`, `push_bind`) or bound like `sqlx::query`
//! (`$1`, `$2` … in the text, then `bind`). Running it (`execute`, `fetch_all`, `fetch_one`,
//! `fetch_optional`) on a [`Db`] or inside a [`Tx`] turns the arguments into the driver's own
//! and decodes rows into any [`Record`] — a `#[derive(sqlx::FromRow)]` struct or a tuple —
//! with the driver's own types. Running a statement on either driver happens here and only
//! here; where the SQL text itself must differ, the repository asks [`Db`] (a few statements
//! choose their functions by backend). The repository is plain async functions a reader (and
//! rustfmt) can follow.

use super::Db;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, FromRow, Postgres, Sqlite, Transaction};
use std::fmt::Display;
use tokio::sync::OwnedMutexGuard;

/// A row type both drivers can decode: what `fetch_*` return.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// An argument of a statement. `None` is a typed NULL: Postgres needs to know its type.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(Option<bool>),
    I16(Option<i16>),
    I32(Option<i32>),
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
}

/// What can be bound to a statement.
pub trait Bind {
    fn value(self) -> Value;
}

impl Bind for Value {
    fn value(self) -> Value {
        self
    }
}

/// Implements [`Bind`] for a type, for `Option` of it and for references to both, as the
/// `Value` variant given.
macro_rules! bind_as {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl Bind for $ty {
            fn value(self) -> Value {
                Value::$variant(Some(self))
            }
        }
        impl Bind for Option<$ty> {
            fn value(self) -> Value {
                Value::$variant(self)
            }
        }
        impl Bind for &$ty {
            fn value(self) -> Value {
                Value::$variant(Some(self.to_owned()))
            }
        }
        impl Bind for &Option<$ty> {
            fn value(self) -> Value {
                Value::$variant(self.to_owned())
            }
        }
    )*};
}

bind_as! {
    bool => Bool,
    i16 => I16,
    i32 => I32,
    i64 => I64,
    f64 => F64,
    String => Text,
    NaiveDate => Date,
    DateTime<Utc> => Time,
}

impl Bind for &str {
    fn value(self) -> Value {
        Value::Text(Some(self.to_string()))
    }
}

impl Bind for Option<&str> {
    fn value(self) -> Value {
        Value::Text(self.map(str::to_string))
    }
}

impl Bind for crate::domain::Hundredths {
    fn value(self) -> Value {
        Value::I64(Some(self.raw()))
    }
}

impl Bind for Option<crate::domain::Hundredths> {
    fn value(self) -> Value {
        Value::I64(self.map(|h| h.raw()))
    }
}

/// A statement and its arguments.
#[derive(Clone, Debug, Default)]
#[must_use = "a statement does nothing until it is run"]
pub struct Sql {
    text: String,
    args: Vec<Value>,
    /// Kept prepared on the connection (the default); a one-off statement generated at run
    /// time is not.
    one_off: bool,
}

/// A statement starting with `text`; `$1`, `$2` … in it are the arguments bound next.
pub fn sql(text: impl Into<String>) -> Sql {
    Sql {
        text: text.into(),
        args: Vec::new(),
        one_off: false,
    }
}

impl Sql {
    /// Marks a statement generated at run time, used once: it is not kept prepared on the
    /// connection (sqlx's `persistent(false)`).
    pub fn one_off(mut self) -> Sql {
        self.one_off = true;
        self
    }

    /// Binds the next `$n` of the text.
    pub fn bind(mut self, value: impl Bind) -> Sql {
        self.args.push(value.value());
        self
    }

    /// Appends SQL text (never input: arguments go through [`Sql::push_bind`]).
    pub fn push(&mut self, text: impl Display) -> &mut Sql {
        use std::fmt::Write;
        let _ = write!(self.text, "{text}");
        self
    }

    /// Appends the placeholder of a new argument, numbered after every argument bound so far:
    /// bind a text's own `$1`, `$2` … before pushing more.
    pub fn push_bind(&mut self, value: impl Bind) -> &mut Sql {
        self.args.push(value.value());
        let n = self.args.len();
        self.push(format_args!("${n}"))
    }

    /// Appends `(…), (…)` for a multi-row `INSERT … VALUES`: `row` binds one item's columns.
    /// The caller sends at least one item (callers insert in non-empty chunks).
    pub fn push_values<I>(
        &mut self,
        items: I,
        mut row: impl FnMut(&mut ValuesRow<'_>, I::Item),
    ) -> &mut Sql
    where
        I: IntoIterator,
    {
        self.push("VALUES ");
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push("(");
            row(
                &mut ValuesRow {
                    sql: self,
                    first: true,
                },
                item,
            );
            self.push(")");
        }
        self
    }

    /// Appends `a, b, c` as arguments (for `IN (…)`); no values is `NULL`, which nothing
    /// equals, so `IN (NULL)` matches no row instead of being invalid SQL.
    pub fn push_list<B: Bind>(&mut self, values: impl IntoIterator<Item = B>) -> &mut Sql {
        let mut any = false;
        for value in values {
            if any {
                self.push(", ");
            }
            self.push_bind(value);
            any = true;
        }
        if !any {
            self.push("NULL");
        }
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Runs the statement; answers the number of rows it changed.
    pub async fn execute<'a>(self, on: impl Into<On<'a>>) -> Result<u64, sqlx::Error> {
        let Sql {
            text,
            args,
            one_off,
        } = self;
        let done = match on.into() {
            On::Db(Db::Sqlite(pool, _)) => {
                let q = sqlx::query_with(&text, sqlite_args(args)?).persistent(!one_off);
                q.execute(pool).await?.rows_affected()
            }
            On::Db(Db::Postgres(pool)) => {
                let q = sqlx::query_with(&text, pg_args(args)?).persistent(!one_off);
                q.execute(pool).await?.rows_affected()
            }
            On::Tx(Tx {
                inner: Inner::Sqlite(tx),
                ..
            }) => {
                let q = sqlx::query_with(&text, sqlite_args(args)?).persistent(!one_off);
                q.execute(&mut **tx).await?.rows_affected()
            }
            On::Tx(Tx {
                inner: Inner::Postgres(tx),
                ..
            }) => {
                let q = sqlx::query_with(&text, pg_args(args)?).persistent(!one_off);
                q.execute(&mut **tx).await?.rows_affected()
            }
        };
        Ok(done)
    }

    /// Every row.
    pub async fn fetch_all<'a, T: Record>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let Sql {
            text,
            args,
            one_off,
        } = self;
        match on.into() {
            On::Db(Db::Sqlite(pool, _)) => {
                let q = sqlx::query_as_with(&text, sqlite_args(args)?).persistent(!one_off);
                q.fetch_all(pool).await
            }
            On::Db(Db::Postgres(pool)) => {
                let q = sqlx::query_as_with(&text, pg_args(args)?).persistent(!one_off);
                q.fetch_all(pool).await
            }
            On::Tx(Tx {
                inner: Inner::Sqlite(tx),
                ..
            }) => {
                let q = sqlx::query_as_with(&text, sqlite_args(args)?).persistent(!one_off);
                q.fetch_all(&mut **tx).await
            }
            On::Tx(Tx {
                inner: Inner::Postgres(tx),
                ..
            }) => {
                let q = sqlx::query_as_with(&text, pg_args(args)?).persistent(!one_off);
                q.fetch_all(&mut **tx).await
            }
        }
    }

    /// The first row, if any.
    pub async fn fetch_optional<'a, T: Record>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Option<T>, sqlx::Error> {
        let Sql {
            text,
            args,
            one_off,
        } = self;
        match on.into() {
            On::Db(Db::Sqlite(pool, _)) => {
                let q = sqlx::query_as_with(&text, sqlite_args(args)?).persistent(!one_off);
                q.fetch_optional(pool).await
            }
            On::Db(Db::Postgres(pool)) => {
                let q = sqlx::query_as_with(&text, pg_args(args)?).persistent(!one_off);
                q.fetch_optional(pool).await
            }
            On::Tx(Tx {
                inner: Inner::Sqlite(tx),
                ..
            }) => {
                let q = sqlx::query_as_with(&text, sqlite_args(args)?).persistent(!one_off);
                q.fetch_optional(&mut **tx).await
            }
            On::Tx(Tx {
                inner: Inner::Postgres(tx),
                ..
            }) => {
                let q = sqlx::query_as_with(&text, pg_args(args)?).persistent(!one_off);
                q.fetch_optional(&mut **tx).await
            }
        }
    }

    /// The first row; none is [`sqlx::Error::RowNotFound`].
    pub async fn fetch_one<'a, T: Record>(self, on: impl Into<On<'a>>) -> Result<T, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

/// One row of [`Sql::push_values`].
pub struct ValuesRow<'s> {
    sql: &'s mut Sql,
    first: bool,
}

impl ValuesRow<'_> {
    /// Binds the row's next column.
    pub fn push_bind(&mut self, value: impl Bind) -> &mut Self {
        if !self.first {
            self.sql.push(", ");
        }
        self.first = false;
        self.sql.push_bind(value);
        self
    }
}

/// Where a statement runs: on the pool, or inside a transaction.
pub enum On<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for On<'a> {
    fn from(db: &'a Db) -> Self {
        On::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for On<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        On::Tx(tx)
    }
}

/// A write transaction from [`Db::begin_write`]: [`Tx::commit`] or [`Tx::rollback`] it. Dropped
/// without either, sqlx rolls it back in the background, after this process's write turn has
/// been released: end it explicitly where the next writer should not wait for that.
pub struct Tx {
    inner: Inner,
    /// SQLite's turn in this process's write queue, held until the transaction is committed
    /// or rolled back (declared after `inner`, so dropping a `Tx` releases it last).
    _turn: Option<OwnedMutexGuard<()>>,
}

enum Inner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// What [`Tx::serialize`] can hold: one Postgres advisory lock each.
#[derive(Clone, Copy, Debug)]
pub enum Serial {
    /// Imports: each reads what exists (customer references, owners, customer-years) and
    /// writes by it, so two at once would each miss the other's rows and overwrite them.
    Import,
}

impl Serial {
    /// The advisory lock's key ("PACE" and a number).
    fn key(self) -> i64 {
        match self {
            Serial::Import => 0x5041_4345_0001,
        }
    }
}

impl Tx {
    pub(super) fn sqlite(tx: Transaction<'static, Sqlite>, turn: OwnedMutexGuard<()>) -> Tx {
        Tx {
            inner: Inner::Sqlite(tx),
            _turn: Some(turn),
        }
    }

    pub(super) fn postgres(tx: Transaction<'static, Postgres>) -> Tx {
        Tx {
            inner: Inner::Postgres(tx),
            _turn: None,
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.inner {
            Inner::Sqlite(tx) => tx.commit().await,
            Inner::Postgres(tx) => tx.commit().await,
        }
    }

    /// Ends the transaction without its changes, before what follows runs.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.inner {
            Inner::Sqlite(tx) => tx.rollback().await,
            Inner::Postgres(tx) => tx.rollback().await,
        }
    }

    /// Waits until no other transaction holds `lock`, and holds it until this one ends, on
    /// every instance. SQLite needs nothing: its writers already take turns.
    pub async fn serialize(&mut self, lock: Serial) -> Result<(), sqlx::Error> {
        if let Inner::Postgres(tx) = &mut self.inner {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock.key())
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// See [`Db::lock_row`].
    pub fn lock_row(&self) -> &'static str {
        match self.inner {
            Inner::Sqlite(_) => "",
            Inner::Postgres(_) => " FOR UPDATE",
        }
    }
}

fn sqlite_args<'q>(values: Vec<Value>) -> Result<SqliteArguments<'q>, sqlx::Error> {
    let mut args = SqliteArguments::default();
    for value in values {
        add(&mut args, value).map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

fn pg_args(values: Vec<Value>) -> Result<PgArguments, sqlx::Error> {
    let mut args = PgArguments::default();
    for value in values {
        add(&mut args, value).map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

fn add<'q, A>(args: &mut A, value: Value) -> Result<(), BoxDynError>
where
    A: Arguments<'q>,
    Option<bool>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<i16>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<i32>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<i64>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<f64>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<String>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<NaiveDate>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    Option<DateTime<Utc>>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
{
    match value {
        Value::Bool(v) => args.add(v),
        Value::I16(v) => args.add(v),
        Value::I32(v) => args.add(v),
        Value::I64(v) => args.add(v),
        Value::F64(v) => args.add(v),
        Value::Text(v) => args.add(v),
        Value::Date(v) => args.add(v),
        Value::Time(v) => args.add(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_arguments_bound_so_far() {
        let mut q = sql("SELECT * FROM t WHERE a = $1").bind(1i64);
        q.push(" AND b IN (").push_list(["x", "y"]).push(")");
        q.push(" AND c = ").push_bind(None::<i64>);
        assert_eq!(
            q.text(),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) AND c = $4"
        );
        assert_eq!(q.args.len(), 4);
        assert_eq!(q.args[3], Value::I64(None));
    }

    #[test]
    fn an_empty_list_matches_nothing() {
        let mut q = sql("SELECT 1 FROM t WHERE a IN (");
        q.push_list(Vec::<i64>::new()).push(")");
        assert_eq!(q.text(), "SELECT 1 FROM t WHERE a IN (NULL)");
    }

    #[test]
    fn multi_row_values() {
        let mut q = sql("INSERT INTO t (a, b) ");
        q.push_values([(1i64, "x"), (2, "y")], |row, (a, b)| {
            row.push_bind(a).push_bind(b);
        });
        assert_eq!(q.text(), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
