//! Forecast calls as the target page shows them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One call: who made it, when, the two figures and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForecastCall {
    pub id: i64,
    pub target_id: i64,
    pub by: String,
    pub commit: Decimal,
    pub best_case: Decimal,
    pub note: String,
    /// Pacer's median (P50) for the target when the call was made, if it had one.
    pub model_p50: Option<Decimal>,
    pub at: DateTime<Utc>,
}

/// The calls on a target's page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetCalls {
    /// Whether the viewer may call this target now: its assignee (a rep for their own target,
    /// the unit's manager for the unit's), while the agreed target's period runs.
    pub can_call: bool,
    /// Every call on this target, newest first (only for the parties to it and admins).
    pub history: Vec<ForecastCall>,
    /// The latest call on each child target shown on the page (the team's calls).
    pub children: Vec<ForecastCall>,
}
