//! The database handle: SQLite (embedded default) or Postgres, chosen by the URL.
//!
//! Repository functions are written once, as plain async functions: [`sql`] builds a statement
//! and its arguments without knowing the backend, and runs it on a [`Db`] or inside a [`Tx`]
//! of either. Where the SQL must differ, the difference is a method here ([`Db::lock_row`],
//! [`Db::sold_on_year_month`]) or a named constant in the repository module.

mod sql;

pub use sql::{sql, Bind, On, Record, Serial, Sql, Tx, Value, ValuesRow};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

#[derive(Clone, Debug)]
pub enum Db {
    /// The pool and the queue its write transactions wait in (see [`Db::begin_write`]).
    Sqlite(SqlitePool, Arc<Mutex<()>>),
    Postgres(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got \"{0}\")")]
    UnknownScheme(String),
    #[error("DATABASE_URL is malformed: {0}")]
    Malformed(String),
    #[error("cannot create the directory {path} for the SQLite file: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database at {url}: {source}")]
    Unreachable { url: String, source: sqlx::Error },
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");
static SQLITE_SIGN_IN_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("../migrations/sqlite-sign-in");

impl Db {
    /// Opens the database named by `url` and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Db, ConnectError> {
        let db = if url.starts_with("sqlite:") {
            Db::Sqlite(connect_sqlite(url).await?, Arc::new(Mutex::new(())))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Db::Postgres(connect_postgres(url).await?)
        } else {
            return Err(ConnectError::UnknownScheme(redact(url)));
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The database signing in writes to: sessions, failed sign-ins, known devices.
    ///
    /// On SQLite a file of its own next to the main one (`pacer.db` → `pacer.sign-in.db`), with
    /// its own pool and write queue. SQLite has one writer per file: an import holds the main
    /// file's write lock for as long as it runs (50 s for a million lines, BENCHMARKS.md), and a
    /// sign-in that had to write there waited out the busy timeout and failed. Nothing in it
    /// refers to the main file's rows by constraint, so losing it costs everyone one sign-in and
    /// nothing else. Postgres locks rows, not the database: it keeps these tables with the rest
    /// and this is the same handle.
    pub async fn connect_sign_in(&self) -> Result<Db, ConnectError> {
        let Db::Sqlite(main, _) = self else {
            return Ok(self.clone());
        };
        let main_options = main.connect_options();
        let main_file = main_options.get_filename();
        let Some(file) = sign_in_file(main_file) else {
            // An in-memory database has no neighbour to put a file next to.
            return Ok(self.clone());
        };
        let options = (*main_options).clone().filename(&file);
        let pool = open_sqlite(options, 4)
            .await
            .map_err(|source| ConnectError::Unreachable {
                url: file.display().to_string(),
                source,
            })?;
        SQLITE_SIGN_IN_MIGRATIONS.run(&pool).await?;
        let (done,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM carried_over")
            .fetch_one(&pool)
            .await
            .map_err(|source| ConnectError::Unreachable {
                url: file.display().to_string(),
                source,
            })?;
        if done == 0 && main_file.exists() {
            carry_over_sign_in(&pool, main_file)
                .await
                .map_err(|source| ConnectError::Unreachable {
                    url: file.display().to_string(),
                    source,
                })?;
        }
        Ok(Db::Sqlite(pool, Arc::new(Mutex::new(()))))
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool, _) => SQLITE_MIGRATIONS.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(..) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Starts a write transaction, after this process's turn (SQLite). Commit it with
    /// [`Tx::commit`]; dropped uncommitted, it rolls back.
    ///
    /// SQLite has one writer at a time. Without a queue, waiting writers sleep in SQLite's busy
    /// handler (1, 2, 5 … 100 ms naps) and wake late, which made the slowest moves under load
    /// ten times slower than the rest; queued here, the next writer starts the moment the last
    /// one commits. `BEGIN IMMEDIATE` takes the write lock up front, so a transaction that reads
    /// before it writes never fails with "database is locked" on the upgrade. Postgres locks
    /// rows, so its writers need no turn.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self {
            Db::Sqlite(pool, queue) => {
                let turn = queue.clone().lock_owned().await;
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(Tx::sqlite(tx, turn))
            }
            Db::Postgres(pool) => Ok(Tx::postgres(pool.begin().await?)),
        }
    }

    /// Appended to a single-table SELECT inside a write transaction to lock the row it reads.
    /// SQLite needs nothing: `BEGIN IMMEDIATE` already holds the database's write lock.
    pub fn lock_row(&self) -> &'static str {
        match self {
            Db::Sqlite(..) => "",
            Db::Postgres(_) => " FOR UPDATE",
        }
    }

    /// Answers whether the database takes queries, for `/healthz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sql("SELECT 1").execute(self).await.map(|_| ())
    }

    /// SQL for the UTC calendar day of a timestamp column, as a date (`YYYY-MM-DD`).
    pub fn utc_day(&self, column: &str) -> String {
        match self {
            // Timestamps are stored as RFC 3339 text in UTC ("2026-01-02T10:54:00+00:00").
            Db::Sqlite(..) => format!("substr({column}, 1, 10)"),
            Db::Postgres(_) => format!("CAST(({column} AT TIME ZONE 'UTC') AS DATE)"),
        }
    }

    /// SQL for the calendar year and month (integers) of the `sales.sold_on` date.
    pub fn sold_on_year_month(&self) -> (&'static str, &'static str) {
        match self {
            Db::Sqlite(..) => (
                "CAST(strftime('%Y', sold_on) AS INTEGER)",
                "CAST(strftime('%m', sold_on) AS INTEGER)",
            ),
            Db::Postgres(_) => (
                "CAST(EXTRACT(YEAR FROM sold_on) AS INTEGER)",
                "CAST(EXTRACT(MONTH FROM sold_on) AS INTEGER)",
            ),
        }
    }

    /// Refreshes the query planner's statistics, as after a bulk load: SQLite samples (a
    /// bounded `ANALYZE`), Postgres analyses.
    pub async fn analyze(&self) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(pool, _) => {
                let mut conn = pool.acquire().await?;
                sqlx::query("PRAGMA analysis_limit = 1000")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("ANALYZE").execute(&mut *conn).await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Writes a consistent copy of a live SQLite database to `file` (`VACUUM INTO`: one read
    /// transaction, so writers carry on and the copy holds every write committed before it
    /// began). Postgres has its own tools for this; the error says which.
    pub async fn backup_into(&self, file: &Path) -> Result<(), BackupError> {
        let Db::Sqlite(pool, _) = self else {
            return Err(BackupError::Postgres);
        };
        if file.exists() {
            return Err(BackupError::Exists(file.display().to_string()));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(file.display().to_string())
            .execute(pool)
            .await?;
        Ok(())
    }

    /// `server backup`: copies the SQLite database at `url` to `file` without creating,
    /// migrating or writing to it (a read-only connection), so a wrong `DATABASE_URL` is an
    /// error rather than a backup of a new, empty database.
    pub async fn backup_url(url: &str, file: &Path) -> Result<(), BackupError> {
        if !url.starts_with("sqlite:") {
            return Err(BackupError::Postgres);
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| BackupError::Sqlite(sqlx::Error::Configuration(e.into())))?
            .create_if_missing(false)
            .read_only(true);
        let path = options.get_filename().to_path_buf();
        if !path.exists() {
            return Err(BackupError::NoDatabase(path.display().to_string()));
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let db = Db::Sqlite(pool, Arc::new(Mutex::new(())));
        let result = db.backup_into(file).await;
        db.close().await;
        result
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool, _) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this database is PostgreSQL: back it up with pg_dump (see the README's Backups section)"
    )]
    Postgres,
    #[error("{0} already exists: name a new file, so no backup is overwritten")]
    Exists(String),
    #[error("there is no database at {0}: check DATABASE_URL")]
    NoDatabase(String),
    #[error("the copy failed: {0}")]
    Sqlite(#[from] sqlx::Error),
}

/// How SQLite syncs a commit. FULL by default: with WAL it syncs the log at every commit, so an
/// acknowledged write survives power loss (NORMAL, the old setting, could lose about the last
/// second of them). `PACER_SQLITE_SYNCHRONOUS=normal` trades that for speed (BENCHMARKS.md).
fn synchronous() -> SqliteSynchronous {
    match std::env::var("PACER_SQLITE_SYNCHRONOUS").as_deref() {
        Ok("normal") => SqliteSynchronous::Normal,
        _ => SqliteSynchronous::Full,
    }
}

/// Where the sign-in file of the SQLite database at `main` lives, unless `main` is in memory.
fn sign_in_file(main: &Path) -> Option<std::path::PathBuf> {
    let name = main.file_name()?.to_str()?;
    if name.is_empty() || name.starts_with(':') {
        return None;
    }
    let name = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}.sign-in.{extension}"),
        _ => format!("{name}.sign-in"),
    };
    Some(main.with_file_name(name))
}

/// Moves sessions, known devices and failed sign-ins out of the main file into the sign-in
/// file (installations from before it existed), so nobody is signed out and no throttle is
/// reset by the upgrade. Copy (rows already there are kept), then empty the main file's
/// tables, then mark it done: interrupted anywhere, the next start finishes it, and a sign-in
/// file deleted later never brings back sessions signed out since. The session table is the
/// one tower-sessions' SQLite store makes (its `migrate` creates it only if missing).
async fn carry_over_sign_in(pool: &SqlitePool, main: &Path) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("ATTACH DATABASE $1 AS main_file")
        .bind(main.display().to_string())
        .execute(&mut *conn)
        .await?;
    let moved = async {
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM main_file.sqlite_master WHERE type = 'table' \
             AND name IN ('tower_sessions', 'known_devices', 'sign_in_failures')",
        )
        .fetch_all(&mut *conn)
        .await?;
        let has = |t: &str| tables.iter().any(|(name,)| name == t);
        let mut copy = Vec::new();
        if has("tower_sessions") {
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS tower_sessions \
                 (id TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL, expiry_date INTEGER NOT NULL)",
            )
            .execute(&mut *conn)
            .await?;
            copy.push((
                "tower_sessions",
                "INSERT OR IGNORE INTO tower_sessions \
                 SELECT id, data, expiry_date FROM main_file.tower_sessions",
            ));
        }
        if has("known_devices") {
            copy.push((
                "known_devices",
                "INSERT OR IGNORE INTO known_devices (token_hash, user_id, created_at) \
                 SELECT token_hash, user_id, created_at FROM main_file.known_devices",
            ));
        }
        if has("sign_in_failures") {
            copy.push((
                "sign_in_failures",
                "INSERT OR IGNORE INTO sign_in_failures \
                 (email, client, failures, last_failure_at, blocked_until) \
                 SELECT email, client, failures, last_failure_at, blocked_until \
                 FROM main_file.sign_in_failures",
            ));
        }
        for (table, statement) in copy {
            sqlx::query(statement).execute(&mut *conn).await?;
            sqlx::query(&format!("DELETE FROM main_file.{table}"))
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("INSERT OR IGNORE INTO carried_over (done) VALUES (1)")
            .execute(&mut *conn)
            .await
            .map(|_| ())
    }
    .await;
    sqlx::query("DETACH DATABASE main_file")
        .execute(&mut *conn)
        .await?;
    moved
}

async fn connect_sqlite(url: &str) -> Result<SqlitePool, ConnectError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| ConnectError::Malformed(e.to_string()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous())
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Checkpoints run in the background (below), not inside the commit that happens to
        // cross 1 000 WAL pages: that commit used to stall every writer behind it for up to a
        // second under load (BENCHMARKS.md, pipeline load).
        .pragma("wal_autocheckpoint", "0");
    let file = options.get_filename();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !Path::new(dir).exists() {
            std::fs::create_dir_all(dir).map_err(|source| ConnectError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
    }
    open_sqlite(options, 8)
        .await
        .map_err(|source| ConnectError::Unreachable {
            url: url.to_string(),
            source,
        })
}

/// A pool of `connections` on one SQLite file, checkpointed in the background.
async fn open_sqlite(
    options: SqliteConnectOptions,
    connections: u32,
) -> Result<SqlitePool, sqlx::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    tokio::spawn(checkpoint_continuously(pool.clone()));
    Ok(pool)
}

/// Copies the WAL into the database file once a second. PASSIVE never waits for readers or
/// writers; the task ends when the pool is closed.
async fn checkpoint_continuously(pool: SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

async fn connect_postgres(url: &str) -> Result<PgPool, ConnectError> {
    let options =
        PgConnectOptions::from_str(url).map_err(|e| ConnectError::Malformed(e.to_string()))?;
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|source| ConnectError::Unreachable {
            url: redact(url),
            source,
        })
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact, sign_in_file};
    use std::path::{Path, PathBuf};

    #[test]
    fn the_sign_in_file_sits_next_to_the_main_one() {
        let beside = |p: &str| sign_in_file(Path::new(p));
        assert_eq!(
            beside("data/pacer.db"),
            Some(PathBuf::from("data/pacer.sign-in.db"))
        );
        assert_eq!(
            beside("/srv/pacer"),
            Some(PathBuf::from("/srv/pacer.sign-in"))
        );
        assert_eq!(
            beside("/srv/.pacer"),
            Some(PathBuf::from("/srv/.pacer.sign-in"))
        );
        assert_eq!(beside(":memory:"), None);
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://pacer:s3cret@db:5432/pacer"),
            "postgres://pacer:***@db:5432/pacer"
        );
        assert_eq!(
            redact("postgres://pacer@db/pacer"),
            "postgres://pacer@db/pacer"
        );
        assert_eq!(redact("sqlite://data/pacer.db"), "sqlite://data/pacer.db");
    }
}
