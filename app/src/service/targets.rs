//! Targets: the scoped list and detail, the editor's choices and context, saving a draft
//! under the SMART rules, the agreement workflow and the cascade to the level below.

use super::Error;
use crate::db::Db;
use crate::domain::smart::TargetInput;
use crate::domain::target::Transition;
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::targets::{
    EditorChoices, EditorContext, ListQuery, SaveOutcome, TargetDetail, TargetRow,
};
use crate::repo;
use chrono::{DateTime, NaiveDate, Utc};

/// The targets `user` may see as `query` selects them, with progress, pace and forecast.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn list(
    db: &Db,
    user: &SessionUser,
    query: &ListQuery,
    today: NaiveDate,
) -> Result<Vec<TargetRow>, Error> {
    Ok(repo::targets::list(db, user, query, today).await?)
}

/// The targets `ids` of those `user` may see (a sync page's changed targets).
#[tracing::instrument(skip(db, user, ids), fields(user = user.id))]
pub async fn by_ids(
    db: &Db,
    user: &SessionUser,
    ids: &[i64],
    today: NaiveDate,
) -> Result<Vec<TargetRow>, Error> {
    Ok(repo::targets::by_ids(db, user, ids, today).await?)
}

/// One target `user` may see, with its parent, children, history and chart.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn detail(
    db: &Db,
    user: &SessionUser,
    id: i64,
    today: NaiveDate,
) -> Result<TargetDetail, Error> {
    repo::targets::detail(db, user, id, today)
        .await?
        .ok_or_else(|| AppError::NotFound("target".into()).into())
}

/// Whom `user` may set targets for, and the targets theirs may contribute to.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn editor_choices(
    db: &Db,
    user: &SessionUser,
    today: NaiveDate,
) -> Result<EditorChoices, Error> {
    Ok(EditorChoices {
        calendar: repo::settings::calendar(db).await?,
        today,
        assignees: repo::targets::assignee_choices(db, user).await?,
        parents: repo::targets::parent_choices(db, user).await?,
    })
}

/// The assignee's history for the metric and period and the parent's allocation, for the
/// editor to check against as the manager types.
#[tracing::instrument(skip(db, user, input), fields(user = user.id))]
pub async fn editor_context(
    db: &Db,
    user: &SessionUser,
    input: &TargetInput,
    target_id: Option<i64>,
    today: NaiveDate,
) -> Result<EditorContext, Error> {
    Ok(repo::targets::editor_context(db, user, input, target_id, today).await?)
}

/// Saves a new draft (`id` None) or edits one still being negotiated; SMART warnings need
/// `acknowledged`.
#[tracing::instrument(skip(db, user, input), fields(user = user.id))]
pub async fn save(
    db: &Db,
    user: &SessionUser,
    id: Option<i64>,
    version: Option<i64>,
    input: &TargetInput,
    acknowledged: bool,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, Error> {
    Ok(repo::targets::save(db, user, id, version, input, acknowledged, now).await?)
}

/// One step of the agreement workflow (`action` as the buttons name it) on a target `user`
/// saw at `version`.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn transition(
    db: &Db,
    user: &SessionUser,
    id: i64,
    version: i64,
    action: &str,
    comment: &str,
    counter: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let transition = Transition::parse(action).ok_or_else(|| {
        AppError::invalid("action", format!("\"{action}\" is not a workflow step"))
    })?;
    Ok(
        repo::targets::transition(db, user, id, version, &transition, comment, counter, now)
            .await?,
    )
}

/// Splits a target over the level below (`method` `even` or `share` of their history);
/// answers how many targets were drafted.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn cascade(
    db: &Db,
    user: &SessionUser,
    id: i64,
    version: i64,
    method: &str,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let by_share = match method {
        "even" => false,
        "share" => true,
        other => {
            return Err(AppError::invalid(
                "method",
                format!("\"{other}\" is not a split (use even or share)"),
            )
            .into())
        }
    };
    Ok(repo::targets::cascade(db, user, id, version, by_share, now).await?)
}
