//! Consecutive failed sign-ins per e-mail address, kept in the database so that every app
//! instance slows down the same guessing.

use super::RepoError;
use crate::domain::Email;
use crate::{db::Db, on_db};
use chrono::{DateTime, Utc};

/// Failures and when the last one happened; `None` when there is no recent failure.
#[tracing::instrument(skip(db), err)]
pub async fn get(db: &Db, email: &Email) -> Result<Option<(i32, DateTime<Utc>)>, RepoError> {
    let sql = "SELECT failures, last_failure_at FROM login_failures WHERE email = $1";
    Ok(on_db!(db, pool => sqlx::query_as(sql).bind(email.as_str()).fetch_optional(pool).await?))
}

#[tracing::instrument(skip(db), err)]
pub async fn record_failure(db: &Db, email: &Email, at: DateTime<Utc>) -> Result<(), RepoError> {
    let sql = "INSERT INTO login_failures (email, failures, last_failure_at) VALUES ($1, 1, $2) \
               ON CONFLICT (email) DO UPDATE SET failures = login_failures.failures + 1, \
               last_failure_at = excluded.last_failure_at";
    on_db!(db, pool => {
        sqlx::query(sql).bind(email.as_str()).bind(at).execute(pool).await?;
    });
    Ok(())
}

#[tracing::instrument(skip(db), err)]
pub async fn clear(db: &Db, email: &Email) -> Result<(), RepoError> {
    let sql = "DELETE FROM login_failures WHERE email = $1";
    on_db!(db, pool => {
        sqlx::query(sql).bind(email.as_str()).execute(pool).await?;
    });
    Ok(())
}
