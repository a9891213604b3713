//! Failed sign-ins per (e-mail address, client) and per client over all addresses, kept in
//! the database so that every app instance slows down the same guessing. An attempt is
//! counted *before* its password is checked, by a compare-and-swap on the row: N parallel
//! guesses are N counted attempts, never N reads of the same count.

use super::RepoError;
use crate::db::{sql, Db};
use chrono::{DateTime, Utc};

/// One row: how many failures, the last one, and until when further attempts are refused.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Failures {
    pub failures: i32,
    pub last_failure_at: DateTime<Utc>,
    pub blocked_until: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip(db), err)]
pub async fn get(db: &Db, email: &str, client: &str) -> Result<Option<Failures>, RepoError> {
    Ok(sql(
        "SELECT failures, last_failure_at, blocked_until FROM sign_in_failures \
         WHERE email = $1 AND client = $2",
    )
    .bind(email)
    .bind(client)
    .fetch_optional(db)
    .await?)
}

/// Stores `next` if the row still holds `seen` failures (no row when `seen` is `None`);
/// `false` when another attempt got there first and the caller must read again.
#[tracing::instrument(skip(db), err)]
pub async fn swap(
    db: &Db,
    email: &str,
    client: &str,
    seen: Option<i32>,
    next: &Failures,
) -> Result<bool, RepoError> {
    let done = match seen {
        None => {
            sql(
                "INSERT INTO sign_in_failures (email, client, failures, last_failure_at, \
                 blocked_until) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email, client) DO NOTHING",
            )
            .bind(email)
            .bind(client)
            .bind(next.failures)
            .bind(next.last_failure_at)
            .bind(next.blocked_until)
            .execute(db)
            .await?
        }
        Some(seen) => {
            sql(
                "UPDATE sign_in_failures SET failures = $1, last_failure_at = $2, \
                 blocked_until = $3 WHERE email = $4 AND client = $5 AND failures = $6",
            )
            .bind(next.failures)
            .bind(next.last_failure_at)
            .bind(next.blocked_until)
            .bind(email)
            .bind(client)
            .bind(seen)
            .execute(db)
            .await?
        }
    };
    Ok(done == 1)
}

/// Forgets the failures of (`email`, `client`): the owner signed in.
#[tracing::instrument(skip(db), err)]
pub async fn clear(db: &Db, email: &str, client: &str) -> Result<(), RepoError> {
    sql("DELETE FROM sign_in_failures WHERE email = $1 AND client = $2")
        .bind(email)
        .bind(client)
        .execute(db)
        .await?;
    Ok(())
}

/// Takes back one counted attempt (it turned out to be a success), and the wait it started
/// when it was the one that reached `free`.
#[tracing::instrument(skip(db), err)]
pub async fn give_back(db: &Db, email: &str, client: &str, free: i32) -> Result<(), RepoError> {
    sql("UPDATE sign_in_failures SET failures = failures - 1, \
         blocked_until = CASE WHEN failures - 1 >= $3 THEN blocked_until ELSE NULL END \
         WHERE email = $1 AND client = $2 AND failures > 0")
    .bind(email)
    .bind(client)
    .bind(free)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes rows whose last failure is older than `before`; returns how many went.
#[tracing::instrument(skip(db), err)]
pub async fn prune(db: &Db, before: DateTime<Utc>) -> Result<u64, RepoError> {
    Ok(
        sql("DELETE FROM sign_in_failures WHERE last_failure_at < $1")
            .bind(before)
            .execute(db)
            .await?,
    )
}
