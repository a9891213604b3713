//! The company's settings: status thresholds and the trend-change rule. Everyone signed in
//! reads them (they explain a status); admins change them.

use super::Error;
use crate::db::Db;
use crate::domain::forecast::{Thresholds, ThresholdsInput};
use crate::domain::turnover::{TrendRule, TrendRuleInput};
use crate::model::auth::SessionUser;
use crate::repo;
use chrono::{DateTime, Utc};

#[tracing::instrument(skip(db))]
pub async fn thresholds(db: &Db) -> Result<Thresholds, Error> {
    Ok(repo::settings::thresholds(db).await?)
}

/// Changes the status thresholds, every field checked as the form does.
#[tracing::instrument(skip(db, admin), fields(admin = admin.id))]
pub async fn save_thresholds(
    db: &Db,
    admin: &SessionUser,
    input: &ThresholdsInput,
    now: DateTime<Utc>,
) -> Result<Thresholds, Error> {
    let thresholds = input.parse()?;
    repo::settings::set_thresholds(db, thresholds, admin.id, now).await?;
    Ok(thresholds)
}

#[tracing::instrument(skip(db))]
pub async fn trend_rule(db: &Db) -> Result<TrendRule, Error> {
    Ok(repo::settings::trend_rule(db).await?)
}

/// Changes the trend-change rule, every field checked as the form does.
#[tracing::instrument(skip(db, admin), fields(admin = admin.id))]
pub async fn save_trend_rule(
    db: &Db,
    admin: &SessionUser,
    input: &TrendRuleInput,
    now: DateTime<Utc>,
) -> Result<TrendRule, Error> {
    let rule = input.parse()?;
    repo::settings::set_trend_rule(db, rule, admin.id, now).await?;
    Ok(rule)
}
