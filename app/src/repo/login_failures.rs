//! Consecutive failed sign-ins per e-mail address, kept in the database so that every app
//! instance slows down the same guessing.

use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::Email;
use chrono::{DateTime, Utc};

/// Failures and when the last one happened; `None` when there is no recent failure.
#[tracing::instrument(skip(db), err)]
pub async fn get(db: &Db, email: &Email) -> Result<Option<(i32, DateTime<Utc>)>, RepoError> {
    Ok(
        sql("SELECT failures, last_failure_at FROM login_failures WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(db)
            .await?,
    )
}

#[tracing::instrument(skip(db), err)]
pub async fn record_failure(db: &Db, email: &Email, at: DateTime<Utc>) -> Result<(), RepoError> {
    sql(
        "INSERT INTO login_failures (email, failures, last_failure_at) VALUES ($1, 1, $2) \
         ON CONFLICT (email) DO UPDATE SET failures = login_failures.failures + 1, \
         last_failure_at = excluded.last_failure_at",
    )
    .bind(email.as_str())
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

#[tracing::instrument(skip(db), err)]
pub async fn clear(db: &Db, email: &Email) -> Result<(), RepoError> {
    sql("DELETE FROM login_failures WHERE email = $1")
        .bind(email.as_str())
        .execute(db)
        .await?;
    Ok(())
}
