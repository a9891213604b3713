//! The dashboard, the landing page after sign-in: the day's digest, my targets with status and
//! pace, and for managers their team's targets with who is off track.

use crate::api::targets::TargetRow;
use crate::domain::forecast::{Health, Thresholds, ThresholdsInput};
use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: NaiveDate,
    pub digest: Digest,
    /// Active targets I am to reach (a manager: also their unit's), worst status first.
    pub mine: Vec<TargetRow>,
    /// Managers and admins: the other active targets of their unit and below, worst first.
    pub team: Option<Vec<TargetRow>>,
}

/// What changed since the last snapshot before today ("since yesterday").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    /// The day compared with; `None` before the first snapshot.
    pub since: Option<NaiveDate>,
    /// Targets whose status changed, or that are new with a warning; worst first.
    pub changes: Vec<StatusChange>,
    /// Open opportunities that started rotting after `since` (or yesterday).
    pub rotten: Vec<RottenOpportunity>,
    /// The user's own customers flagged with a trend change not flagged at `since`.
    pub trends: Vec<TrendChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendChange {
    pub customer_id: i64,
    pub name: String,
    pub trend: crate::domain::turnover::Trend,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub target_id: i64,
    pub statement: String,
    pub assignee: String,
    /// `None`: the target was not active at the last snapshot.
    pub from: Option<Health>,
    pub to: Health,
    pub warning: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RottenOpportunity {
    pub id: i64,
    pub title: String,
    pub customer: String,
    pub owner: String,
    pub stage: String,
    pub days_in_stage: i64,
}

#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        repo::dashboard::load(&db, &user, chrono::Utc::now().date_naive())
            .await
            .map_err(AppError::from)
    })
    .await
}

/// The status thresholds in force (anyone signed in may read them: they explain a status).
#[server(endpoint = "thresholds")]
pub async fn get_thresholds() -> Result<Thresholds, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        auth::require_user().await?;
        let db = auth::db()?;
        repo::settings::thresholds(&db)
            .await
            .map_err(AppError::from)
    })
    .await
}

/// Changes the status thresholds. Admins only; every field checked as the form does.
#[server(endpoint = "save_thresholds")]
pub async fn save_thresholds(input: ThresholdsInput) -> Result<Thresholds, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let admin = auth::require_admin("status thresholds").await?;
        let db = auth::db()?;
        let thresholds = input.parse().map_err(AppError::from)?;
        repo::settings::set_thresholds(&db, thresholds, admin.id, chrono::Utc::now()).await?;
        Ok(thresholds)
    })
    .await
}
