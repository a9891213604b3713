//! The company's settings: status thresholds and the trend-change rule. Everyone signed in
//! reads them (they explain a status); admins change them.

use super::{admin_only, Error};
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

/// Changes the status thresholds (admins), every field checked as the form does.
#[tracing::instrument(skip(db, admin), fields(admin = admin.id))]
pub async fn save_thresholds(
    db: &Db,
    admin: &SessionUser,
    input: &ThresholdsInput,
    now: DateTime<Utc>,
) -> Result<Thresholds, Error> {
    admin_only(admin, "status thresholds")?;
    let thresholds = input.parse()?;
    repo::settings::set_thresholds(db, thresholds, admin.id, now).await?;
    Ok(thresholds)
}

#[tracing::instrument(skip(db))]
pub async fn trend_rule(db: &Db) -> Result<TrendRule, Error> {
    Ok(repo::settings::trend_rule(db).await?)
}

/// Changes the trend-change rule (admins), every field checked as the form does.
#[tracing::instrument(skip(db, admin), fields(admin = admin.id))]
pub async fn save_trend_rule(
    db: &Db,
    admin: &SessionUser,
    input: &TrendRuleInput,
    now: DateTime<Utc>,
) -> Result<TrendRule, Error> {
    admin_only(admin, "trend rule")?;
    let rule = input.parse()?;
    repo::settings::set_trend_rule(db, rule, admin.id, now).await?;
    Ok(rule)
}
