//! The daily digest by e-mail: who gets it, and the claim that makes several server instances
//! send each person's mail once a day.

use super::RepoError;
use crate::db::{sql, Db};
use crate::model::auth::SessionUser;
use chrono::{DateTime, NaiveDate, Utc};

/// Active people who want the digest by e-mail.
#[tracing::instrument(skip(db), err)]
pub async fn recipients(db: &Db) -> Result<Vec<SessionUser>, RepoError> {
    let ids: Vec<(i64,)> =
        sql("SELECT id FROM users WHERE digest_mail AND deactivated_at IS NULL ORDER BY id")
            .fetch_all(db)
            .await?;
    let mut people = Vec::with_capacity(ids.len());
    for (id,) in ids {
        if let Some((user, _)) = super::users::find_session_user(db, id).await? {
            people.push(user);
        }
    }
    Ok(people)
}

/// Claims `user_id`'s digest of `day` for this process: true for exactly one caller however
/// many instances try at once.
#[tracing::instrument(skip(db), err)]
pub async fn claim(
    db: &Db,
    user_id: i64,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let claimed = sql(
        "INSERT INTO digest_mails (user_id, day, claimed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, day) DO NOTHING",
    )
    .bind(user_id)
    .bind(day)
    .bind(now)
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

/// The active user with this e-mail address (for `server digest --email`).
pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<SessionUser>, RepoError> {
    let id: Option<(i64,)> = sql("SELECT id FROM users WHERE LOWER(email) = LOWER($1)")
        .bind(email)
        .fetch_optional(db)
        .await?;
    match id {
        Some((id,)) => Ok(super::users::find_session_user(db, id)
            .await?
            .map(|(u, _)| u)),
        None => Ok(None),
    }
}
