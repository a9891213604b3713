//! The dashboard: the day's digest and the targets to watch.

use crate::domain::forecast::Health;
use crate::model::targets::TargetRow;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: NaiveDate,
    pub digest: Digest,
    /// Active targets I am to reach (a manager: also their unit's), worst status first.
    pub mine: Vec<TargetRow>,
    /// Managers and admins: the other active targets of their unit and below, worst first.
    pub team: Option<Vec<TargetRow>>,
    /// My next steps due today or overdue, oldest first.
    pub next_steps: Vec<crate::model::customers::NextStep>,
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
