//! Targets as the lists, the detail page and the editor read them.

use crate::domain::forecast::{Health, Outlook};
use crate::domain::smart::{ParentSummary, SmartReport, TargetInput, TrackRecord};
use crate::domain::target::{Assignee, Factors, Side, TargetKind, TargetStatus, Transition};
use crate::domain::turnover::Segment;
use crate::domain::{Currency, Metric, Period, Role};
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::pipeline::Choice;
use chrono::{DateTime, NaiveDate, Utc};
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
    /// Only this client type's sales count (turnover metrics); `None`: every client's.
    #[serde(default)]
    pub segment: Option<Segment>,
    /// What the metric measured so far in the period.
    pub actual: Decimal,
    /// Pace, forecast range, status and warning; `None` before the period starts.
    pub outlook: Option<Outlook>,
}

impl TargetRow {
    /// The editor's form, filled with this target as `locale` writes numbers and dates.
    pub fn to_input(&self, locale: crate::domain::Locale) -> TargetInput {
        let rating = |f| self.factors.get(f).as_str().to_string();
        use crate::domain::target::Factor;
        TargetInput {
            statement: self.statement.clone(),
            metric: self.metric.as_str().into(),
            value: locale.plain(self.value),
            currency: self.currency.map(|c| c.to_string()).unwrap_or_default(),
            baseline: self.baseline.map(|b| locale.plain(b)).unwrap_or_default(),
            start: locale.date(self.period.start()),
            end: locale.date(self.period.end()),
            assignee: self.assignee.key(),
            parent_id: self.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            kind: self.kind.as_str().into(),
            rationale: self.rationale.clone(),
            market_relevance: rating(Factor::MarketRelevance),
            maturity: rating(Factor::Maturity),
            competition: rating(Factor::Competition),
            cost_structure: rating(Factor::CostStructure),
            leadership_ambition: rating(Factor::LeadershipAmbition),
            segment: self
                .segment
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            locale,
        }
    }

    /// What the target counts: "Turnover", "Turnover with relationship clients".
    pub fn measure_label(&self) -> String {
        crate::domain::smart::measure_label(self.metric, self.segment)
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
    /// The company calendar the chart's expected line counts working days by.
    pub calendar: crate::domain::calendar::Calendar,
    /// People's calls on this target and on its children.
    pub calls: crate::model::calls::TargetCalls,
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
    /// The company calendar: the quick picks' quarters and years follow its fiscal year.
    pub calendar: crate::domain::calendar::Calendar,
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

/// Whose targets the list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListView {
    /// Targets I am to reach (a manager: also their unit's).
    Mine,
    /// My unit and everything below it.
    Team,
    /// Everything I may see.
    Company,
}

impl ListView {
    pub fn as_str(self) -> &'static str {
        match self {
            ListView::Mine => "mine",
            ListView::Team => "team",
            ListView::Company => "company",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    /// Agreed and in its period.
    Active,
    Is(TargetStatus),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub view: ListView,
    pub status: StatusFilter,
}

impl ListQuery {
    pub fn parse(
        user: &SessionUser,
        view: Option<&str>,
        status: Option<&str>,
    ) -> Result<ListQuery, AppError> {
        let view = match view.map(str::trim).filter(|v| !v.is_empty()) {
            None => match user.role {
                Role::Rep => ListView::Mine,
                Role::Manager => ListView::Team,
                Role::Admin => ListView::Company,
            },
            Some("mine") => ListView::Mine,
            Some("team") => ListView::Team,
            Some("company") => ListView::Company,
            Some(other) => {
                return Err(AppError::invalid(
                    "view",
                    format!("\"{other}\" is not a view (use mine, team or company)"),
                ))
            }
        };
        let status = match status.map(str::trim).filter(|v| !v.is_empty()) {
            None | Some("all") => StatusFilter::All,
            Some("active") => StatusFilter::Active,
            Some(other) => StatusFilter::Is(TargetStatus::parse(other).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    format!("\"{other}\" is not a status (use all, active, draft, proposed, changes_requested, agreed, achieved or missed)"),
                )
            })?),
        };
        Ok(ListQuery { view, status })
    }

    pub fn status_key(&self) -> String {
        match self.status {
            StatusFilter::All => "all".into(),
            StatusFilter::Active => "active".into(),
            StatusFilter::Is(s) => s.as_str().into(),
        }
    }
}
