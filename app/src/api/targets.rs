//! Server functions for targets: the list, one target with its children and timeline, the
//! editor's choices and track record, saving (the SMART check again), the agreement workflow
//! and the cascade.

use crate::api::pipeline::Choice;
use crate::domain::forecast::{Health, Outlook};
use crate::domain::smart::{ParentSummary, SmartReport, TargetInput, TrackRecord};
use crate::domain::target::{Assignee, Factors, Side, TargetKind, TargetStatus, Transition};
use crate::domain::{Currency, Metric, Period};
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One target as lists and the detail page show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetRow {
    pub id: i64,
    pub statement: String,
    pub metric: Metric,
    pub value: Decimal,
    pub currency: Option<Currency>,
    pub baseline: Option<Decimal>,
    pub period: Period,
    pub assignee: Assignee,
    pub assignee_name: String,
    pub parent_id: Option<i64>,
    pub kind: TargetKind,
    pub rationale: String,
    pub factors: Factors,
    pub status: TargetStatus,
    pub awaiting: Option<Side>,
    pub counter_value: Option<Decimal>,
    pub version: i64,
    /// What the metric measured so far in the period.
    pub actual: Decimal,
    /// Pace, forecast range, status and warning; `None` before the period starts.
    pub outlook: Option<Outlook>,
}

impl TargetRow {
    /// The editor's form, filled with this target.
    pub fn to_input(&self) -> TargetInput {
        let rating = |f| self.factors.get(f).as_str().to_string();
        use crate::domain::target::Factor;
        TargetInput {
            statement: self.statement.clone(),
            metric: self.metric.as_str().into(),
            value: self.value.normalize().to_string(),
            currency: self.currency.map(|c| c.to_string()).unwrap_or_default(),
            baseline: self.baseline.map(|b| b.to_string()).unwrap_or_default(),
            start: self.period.start().to_string(),
            end: self.period.end().to_string(),
            assignee: self.assignee.key(),
            parent_id: self.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            kind: self.kind.as_str().into(),
            rationale: self.rationale.clone(),
            market_relevance: rating(Factor::MarketRelevance),
            maturity: rating(Factor::Maturity),
            competition: rating(Factor::Competition),
            cost_structure: rating(Factor::CostStructure),
            leadership_ambition: rating(Factor::LeadershipAmbition),
        }
    }

    /// Agreed and in its period: DESIGN.md's "active".
    pub fn is_active(&self, today: NaiveDate) -> bool {
        self.status == TargetStatus::Agreed && self.period.contains(today)
    }

    /// The status as people say it: "Active" for an agreed target in its period.
    pub fn status_label(&self, today: NaiveDate) -> &'static str {
        if self.is_active(today) {
            "Active"
        } else {
            self.status.label()
        }
    }
}

/// One line of a target's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TargetEvent {
    pub at: DateTime<Utc>,
    pub by: String,
    /// `created`, `changed` or `transition`.
    pub kind: String,
    /// The field changed, or the workflow action taken.
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub comment: Option<String>,
}

/// A target with what its page needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetDetail {
    pub target: TargetRow,
    pub today: NaiveDate,
    /// The viewer's side of the agreement, if they are party to it.
    pub side: Option<Side>,
    /// The workflow steps the viewer may take now.
    pub actions: Vec<Transition>,
    pub can_edit: bool,
    pub parent: Option<TargetRow>,
    pub children: Vec<TargetRow>,
    /// The sum of the children's values (additive metrics).
    pub allocated: Decimal,
    /// Members a cascade would create targets for (child units, or a team's reps) who have none yet.
    pub cascade_members: Vec<String>,
    pub events: Vec<TargetEvent>,
    /// The daily snapshots, oldest first: the status history.
    pub history: Vec<SnapshotPoint>,
    /// The actual at the end of each day of the chart (see [`chart_days`]).
    ///
    /// [`chart_days`]: crate::domain::forecast::chart_days
    pub burn_up: Vec<(NaiveDate, Decimal)>,
}

/// One day's snapshot of a target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPoint {
    pub day: NaiveDate,
    pub actual: Decimal,
    pub expected: Decimal,
    pub p10: Option<Decimal>,
    pub p90: Option<Decimal>,
    pub health: Health,
    pub warning: Option<String>,
}

/// The targets list: a view and a status filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetList {
    pub view: String,
    pub status: String,
    pub today: NaiveDate,
    pub rows: Vec<TargetRow>,
}

/// What the editor's selects offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorChoices {
    pub today: NaiveDate,
    /// People and units this user may set a target for ("user-7", "unit-3").
    pub assignees: Vec<Choice>,
    /// Open targets this user may see, as possible parents.
    pub parents: Vec<Choice>,
}

/// The editor's context for the Achievable and Relevant letters, fetched once per choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorContext {
    pub track_record: Option<TrackRecord>,
    pub parent: Option<ParentSummary>,
}

/// What a save answers: the stored target, or (nothing stored) the warnings to acknowledge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved(i64),
    NeedsAcknowledgement(Box<SmartReport>),
}

#[server(endpoint = "targets")]
pub async fn list_targets(
    view: Option<String>,
    status: Option<String>,
) -> Result<TargetList, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        let today = Utc::now().date_naive();
        let query = repo::targets::ListQuery::parse(&user, view.as_deref(), status.as_deref())?;
        let rows = repo::targets::list(&db, &user, &query, today).await?;
        Ok(TargetList {
            view: query.view.as_str().into(),
            status: query.status_key(),
            today,
            rows,
        })
    })
    .await
}

#[server(endpoint = "target")]
pub async fn get_target(id: i64) -> Result<TargetDetail, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        repo::targets::detail(&db, &user, id, Utc::now().date_naive())
            .await?
            .ok_or_else(|| AppError::NotFound("target".into()))
    })
    .await
}

#[server(endpoint = "target_choices")]
pub async fn target_choices() -> Result<EditorChoices, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        Ok(EditorChoices {
            today: Utc::now().date_naive(),
            assignees: repo::targets::assignee_choices(&db, &user).await?,
            parents: repo::targets::parent_choices(&db, &user).await?,
        })
    })
    .await
}

/// The assignee's history for the metric and period, and the parent's allocation, for the
/// editor to check against while the manager types. Missing or unparsable choices give `None`.
#[server(endpoint = "target_context")]
pub async fn target_context(
    assignee: String,
    metric: String,
    currency: String,
    start: String,
    end: String,
    parent_id: String,
    target_id: Option<i64>,
) -> Result<EditorContext, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        let today = Utc::now().date_naive();
        let input = TargetInput {
            assignee,
            metric,
            currency,
            start,
            end,
            parent_id,
            ..TargetInput::default()
        };
        repo::targets::editor_context(&db, &user, &input, target_id, today)
            .await
            .map_err(AppError::from)
    })
    .await
}

/// Creates (`id` empty) or edits a target. The server runs the same SMART check as the editor:
/// errors refuse the save with their field; warnings are stored only once acknowledged.
#[server(endpoint = "save_target")]
pub async fn save_target(
    id: Option<i64>,
    version: Option<i64>,
    input: TargetInput,
    acknowledged: bool,
) -> Result<SaveOutcome, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        repo::targets::save(&db, &user, id, version, &input, acknowledged, Utc::now())
            .await
            .map_err(AppError::from)
    })
    .await
}

/// A step of the agreement workflow on a target the user saw at `version`.
#[server(endpoint = "target_transition")]
pub async fn transition_target(
    id: i64,
    version: i64,
    action: String,
    comment: Option<String>,
    counter: Option<String>,
) -> Result<(), AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        let transition = Transition::parse(&action).ok_or_else(|| {
            AppError::invalid("action", format!("\"{action}\" is not a workflow step"))
        })?;
        repo::targets::transition(
            &db,
            &user,
            id,
            version,
            &transition,
            comment.as_deref().unwrap_or(""),
            counter.as_deref().unwrap_or(""),
            Utc::now(),
        )
        .await
        .map_err(AppError::from)
    })
    .await
}

/// Creates a draft child target for every member of the target's unit that has none yet,
/// splitting what is not yet allocated evenly or by last period's share.
#[server(endpoint = "target_cascade")]
pub async fn cascade_target(id: i64, version: i64, method: String) -> Result<usize, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        let by_share = match method.as_str() {
            "even" => false,
            "share" => true,
            other => {
                return Err(AppError::invalid(
                    "method",
                    format!("\"{other}\" is not a split (use even or share)"),
                ))
            }
        };
        repo::targets::cascade(&db, &user, id, version, by_share, Utc::now())
            .await
            .map_err(AppError::from)
    })
    .await
}
