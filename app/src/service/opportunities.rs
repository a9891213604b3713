//! Opportunities: the board, the list, one with its history, and every change to one.

use super::Error;
use crate::db::Db;
use crate::domain::pipeline::{parse_lost_reason, OpportunityFields, OpportunityInput};
use crate::domain::{Currency, Opportunity, Role};
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::pipeline::{Board, Choice, OpportunityDetail};
use crate::model::pipeline::{BoardQuery, ListFilter};
use crate::repo;
use chrono::{DateTime, NaiveDate, Utc};

/// The board `user` asked for.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn board(
    db: &Db,
    user: &SessionUser,
    query: &BoardQuery,
    today: NaiveDate,
) -> Result<Board, Error> {
    Ok(repo::opportunities::board(db, user, query, today).await?)
}

/// The next window of one column of the board `query` filters.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn column(
    db: &Db,
    user: &SessionUser,
    query: &BoardQuery,
    today: NaiveDate,
    stage_id: i64,
    after: (NaiveDate, i64),
) -> Result<Vec<Opportunity>, Error> {
    Ok(repo::opportunities::column(db, user, query, today, stage_id, after).await?)
}

/// Every card of the board `query` filters, with the stages (the CSV export).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn board_cards(
    db: &Db,
    user: &SessionUser,
    query: &BoardQuery,
    today: NaiveDate,
) -> Result<(Vec<crate::domain::Stage>, Vec<Opportunity>), Error> {
    Ok(repo::opportunities::board_cards(db, user, query, today).await?)
}

/// One page of the opportunities `user` may see, and whether more follow.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn page(
    db: &Db,
    user: &SessionUser,
    filter: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<(Opportunity, crate::model::sync::Stamp)>, bool), Error> {
    Ok(repo::opportunities::page(db, &user.scope(), filter, offset, limit).await?)
}

/// One opportunity `user` may see, with its stage history.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn detail(db: &Db, user: &SessionUser, id: i64) -> Result<OpportunityDetail, Error> {
    let card = repo::opportunities::find(db, &user.scope(), id)
        .await?
        .ok_or_else(|| AppError::NotFound("opportunity".into()))?;
    let history = repo::opportunities::history(db, id).await?;
    Ok(OpportunityDetail { card, history })
}

/// Customers `user` may sell to.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn customer_choices(db: &Db, user: &SessionUser) -> Result<Vec<Choice>, Error> {
    Ok(repo::customers::choices(db, &user.scope()).await?)
}

/// A move to another stage, as the board's drag and the API's `move` ask for it.
#[derive(Clone, Debug)]
pub struct Move {
    /// The version the person saw: a change since is a conflict.
    pub version: i64,
    pub stage_id: i64,
    pub lost_reason: Option<String>,
}

/// Moves an opportunity to a stage if it still has the version the person saw.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn move_to_stage(
    db: &Db,
    user: &SessionUser,
    id: i64,
    to: Move,
    now: DateTime<Utc>,
) -> Result<Opportunity, Error> {
    let stage = repo::pipeline::find_stage(db, to.stage_id)
        .await?
        .ok_or_else(|| AppError::invalid("stage_id", "this stage does not exist"))?;
    let reason = parse_lost_reason(Some(stage.kind), to.lost_reason.as_deref().unwrap_or(""))
        .map_err(|e| vec![e])?;
    Ok(repo::opportunities::move_to_stage(db, user, id, to.version, &stage, reason, now).await?)
}

/// Creates an opportunity from what the person entered.
#[tracing::instrument(skip(db, user, input), fields(user = user.id))]
pub async fn create(
    db: &Db,
    user: &SessionUser,
    input: &OpportunityInput,
    now: DateTime<Utc>,
) -> Result<Opportunity, Error> {
    let stages = repo::pipeline::stages(db).await?;
    let fields = input.parse(&stages)?;
    let owner = check_references(db, user, &fields, None).await?;
    Ok(repo::opportunities::create(db, user, &fields, owner, now).await?)
}

/// What currency an edit that names none has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissingCurrency {
    /// The input's currency is required (the drawer always sends one).
    Refuse,
    /// An empty currency keeps the stored one (the JSON API's optional field).
    KeepStored,
}

/// Saves every field of an opportunity the person saw at `version`.
#[tracing::instrument(skip(db, user, input), fields(user = user.id))]
pub async fn update(
    db: &Db,
    user: &SessionUser,
    id: i64,
    version: i64,
    input: &OpportunityInput,
    missing_currency: MissingCurrency,
    now: DateTime<Utc>,
) -> Result<Opportunity, Error> {
    let stages = repo::pipeline::stages(db).await?;
    let existing = repo::opportunities::find(db, &user.scope(), id).await?;
    let mut input = input.clone();
    if missing_currency == MissingCurrency::KeepStored && input.currency.trim().is_empty() {
        // One not visible gets the default here and is refused as not found below.
        let currency = existing
            .as_ref()
            .map_or(Currency::EUR, |o| o.value.currency());
        input.currency = currency.as_str().to_string();
    }
    let fields = input.parse(&stages)?;
    let existing = existing.ok_or_else(|| AppError::NotFound("opportunity".into()))?;
    let owner = check_references(db, user, &fields, Some(existing.owner_id)).await?;
    Ok(repo::opportunities::update(db, user, id, version, &fields, owner, now).await?)
}

/// Checks what only the database knows: the customer is one `user` may see and the owner is
/// someone they may give work to. Answers the owner.
async fn check_references(
    db: &Db,
    user: &SessionUser,
    fields: &OpportunityFields,
    current_owner: Option<i64>,
) -> Result<i64, Error> {
    let scope = user.scope();
    if repo::customers::find(db, &scope, fields.customer_id)
        .await?
        .is_none()
    {
        let choose = "choose one of the customers you can see";
        return Err(AppError::invalid("customer_id", choose).into());
    }
    let owner = fields.owner_id.or(current_owner).unwrap_or(user.id);
    if Some(owner) != current_owner && owner != user.id && user.role == Role::Rep {
        let only = "only a manager can give an opportunity to someone else";
        return Err(AppError::invalid("owner_id", only).into());
    }
    let owner_user = repo::users::find_session_user(db, owner).await?;
    if !owner_user.is_some_and(|(u, _)| scope.allows(owner, &u.unit_path)) {
        let choose = "choose someone in your part of the organisation";
        return Err(AppError::invalid("owner_id", choose).into());
    }
    Ok(owner)
}

/// Deletes an opportunity (and its history) if it still has `version`.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn delete(db: &Db, user: &SessionUser, id: i64, version: i64) -> Result<(), Error> {
    Ok(repo::opportunities::delete(db, user, id, version).await?)
}
