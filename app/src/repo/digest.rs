//! The daily digest by e-mail: who gets it, and the claim that makes several server instances
//! send each person's mail once a day.

use super::RepoError;
use crate::db::{sql, Db};
use crate::model::auth::SessionUser;
use chrono::{DateTime, NaiveDate, Utc};

/// Active people who want the digest by e-mail.
#[tracing::instrument(skip(db), err)]
pub async fn recipients(db: &Db) -> Result<Vec<SessionUser>, RepoError> {
    super::users::active_where(db, "u.digest_mail").await
}

/// How long a claim holds before a digest that was not sent may be tried again.
pub const CLAIM_MINUTES: i64 = 15;
/// How often one person's digest of one day is tried.
pub const MAX_ATTEMPTS: i32 = 3;

/// Claims `user_id`'s digest of `day` for this process: true for exactly one caller however
/// many instances try at once. A claim that did not end in a sent mail (the mail server
/// refused, the process died) may be claimed again after [`CLAIM_MINUTES`], up to
/// [`MAX_ATTEMPTS`] times; a quiet day is never tried again.
#[tracing::instrument(skip(db), err)]
pub async fn claim(
    db: &Db,
    user_id: i64,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let claimed = sql(
        "INSERT INTO digest_mails (user_id, day, claimed_at, attempts) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (user_id, day) DO UPDATE SET claimed_at = $3, outcome = NULL, \
         attempts = digest_mails.attempts + 1 \
         WHERE digest_mails.sent_at IS NULL AND digest_mails.claimed_at < $4 \
         AND digest_mails.attempts < $5 \
         AND (digest_mails.outcome IS NULL OR digest_mails.outcome <> 'nothing to report')",
    )
    .bind(user_id)
    .bind(day)
    .bind(now)
    .bind(now - chrono::Duration::minutes(CLAIM_MINUTES))
    .bind(MAX_ATTEMPTS)
    .execute(db)
    .await?;
    Ok(claimed == 1)
}

/// Records what became of a claimed digest: sent at `sent_at`, or why not.
#[tracing::instrument(skip(db), err)]
pub async fn record(
    db: &Db,
    user_id: i64,
    day: NaiveDate,
    sent_at: Option<DateTime<Utc>>,
    outcome: &str,
) -> Result<(), RepoError> {
    sql("UPDATE digest_mails SET sent_at = $1, outcome = $2 WHERE user_id = $3 AND day = $4")
        .bind(sent_at)
        .bind(outcome)
        .bind(user_id)
        .bind(day)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether `user_id` gets the digest by e-mail.
pub async fn wanted(db: &Db, user_id: i64) -> Result<bool, RepoError> {
    let (on,): (bool,) = sql("SELECT digest_mail FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Ok(on)
}

pub async fn set_wanted(db: &Db, user_id: i64, on: bool) -> Result<(), RepoError> {
    sql("UPDATE users SET digest_mail = $1 WHERE id = $2")
        .bind(on)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
