//! Forecast calls: a rep calls their own target, a manager the unit's (the roll-up adjusted);
//! Pacer's median is stored beside each call.

use super::Error;
use crate::db::Db;
use crate::domain::call::CallInput;
use crate::domain::Hundredths;
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::calls::ForecastCall;
use crate::repo;
use chrono::{DateTime, Utc};

/// Stores `user`'s call on target `id` and answers it. Refused unless `user` is the target's
/// assignee (the rep, or the unit's manager) and the agreed target's period still runs.
#[tracing::instrument(skip(db, user, input), fields(user = user.id))]
pub async fn submit(
    db: &Db,
    user: &SessionUser,
    id: i64,
    input: &CallInput,
    now: DateTime<Utc>,
) -> Result<ForecastCall, Error> {
    let today = now.date_naive();
    let (target, allowed) = repo::targets::callable(db, user, id, today)
        .await?
        .ok_or_else(|| AppError::NotFound("target".into()))?;
    if !allowed {
        return Err(AppError::Forbidden(
            "forecast call. Only the target's own person (for a unit's target, its manager) calls it, while the agreed period runs"
                .into(),
        )
        .into());
    }
    let call = input.parse(target.metric).map_err(Error::Fields)?;
    let model_p50 = target
        .outlook
        .as_ref()
        .map(|o| Hundredths::from_decimal(o.band.map_or(o.pace.projection, |b| b.p50)));
    let stored = repo::calls::insert(db, id, user.id, &call, model_p50, now).await?;
    Ok(repo::calls::by_id(db, stored)
        .await?
        .ok_or(AppError::Internal)?)
}
