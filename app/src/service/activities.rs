//! Activities (calls, meetings, visits, initial contacts) logged by a client with its own id.

use super::Error;
use crate::db::Db;
use crate::domain::activity::{check_next_step_due, ActivityInput};
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::check_ins::{ActivityKeys, ActivitySaved};
use crate::model::customers::NextStep;
use crate::repo;
use chrono::{DateTime, NaiveDate, Utc};

/// Stores `input` as `user`'s activity once: a resend answers with the stored one.
#[tracing::instrument(skip(db, user, input), fields(user = user.id, client_id = %input.client_id))]
pub async fn record(
    db: &Db,
    user: &SessionUser,
    input: &ActivityInput,
    now: DateTime<Utc>,
) -> Result<ActivitySaved, Error> {
    input.check(now)?;
    let saved = repo::activities::record(db, &user.scope(), user.id, input).await?;
    if saved.duplicate {
        let stored = repo::activities::stored_keys(db, user.id, &input.client_id).await?;
        let sent = ActivityKeys::sent(input);
        super::refuse_changed_resend(db, user, "activity", &input.client_id, stored, &sent).await?;
    }
    Ok(saved)
}

/// `user`'s own next steps not yet done and due by `today` (overdue ones too).
pub async fn next_steps_due(
    db: &Db,
    user: &SessionUser,
    today: NaiveDate,
) -> Result<Vec<NextStep>, Error> {
    Ok(repo::activities::next_steps_due(db, &user.scope(), user.id, today).await?)
}

/// Ticks off one of `user`'s own next steps.
pub async fn complete_next_step(
    db: &Db,
    user: &SessionUser,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if repo::activities::complete_next_step(db, user.id, id, now).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("open next step".into()).into())
    }
}

/// Moves one of `user`'s own open next steps to another day (from the activity's day up to a
/// year after it).
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn move_next_step(
    db: &Db,
    user: &SessionUser,
    id: i64,
    due: NaiveDate,
) -> Result<(), Error> {
    let gone = || Error::from(AppError::NotFound("open next step".into()));
    let from = repo::activities::open_next_step(db, user.id, id)
        .await?
        .ok_or_else(gone)?;
    check_next_step_due(from, due)?;
    if repo::activities::move_next_step(db, user.id, id, due).await? {
        Ok(())
    } else {
        Err(gone())
    }
}

/// The activities `query` asks for that `user` may see (their authors are in `user`'s scope).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn records(
    db: &Db,
    user: &SessionUser,
    query: &crate::model::sync::RecordQuery,
) -> Result<Vec<crate::model::sync::ActivityRecord>, Error> {
    Ok(repo::activities::records(db, &user.scope(), query).await?)
}
