//! The pipeline as the board reads it: columns, choices, stage history and stage usage.

use crate::domain::forecast::{PipelineTarget, Thresholds};
use crate::domain::period::parse_day;
use crate::domain::{Opportunity, Period, PeriodError, Role, Stage};
use crate::error::AppError;
use crate::model::auth::SessionUser;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A choice in a select: the value sent back and the label shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Choice {
    pub key: String,
    pub label: String,
}

/// What the board shows, as filtered by the URL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Board {
    /// The bookings and won-opportunities targets this view answers to, for the forecast panel.
    pub forecasts: Vec<PipelineTarget>,
    /// What the forecast learned from the company's history: the chances of cards, also
    /// while one is dragged.
    pub chances: crate::domain::calibration::Chances,
    pub thresholds: Thresholds,
    /// The company calendar the pace counts working days by.
    pub calendar: crate::domain::calendar::Calendar,
    pub stages: Vec<Stage>,
    /// Each column's first window of cards ([`COLUMN_WINDOW`]), board order; the rest comes a
    /// window at a time (`get_board_column`).
    pub cards: Vec<Opportunity>,
    /// Each column's count and sums over all its cards, as the database counts them.
    pub columns: Vec<ColumnHead>,
    /// The server's date: rotting and overdue markers are computed against it on both sides.
    pub today: NaiveDate,
    /// When the server counted the columns and the forecast: a card a later window brings
    /// that changed since is not in those counts as it is now.
    pub loaded_at: DateTime<Utc>,
    /// Won and lost columns show opportunities closed on or after this day.
    pub closed_since: NaiveDate,
    /// The view in force (`mine` or `unit-<id>`) and the views this user may choose from.
    pub view: String,
    pub views: Vec<Choice>,
    /// People whose opportunities this user may see, for the owner filter and the drawer.
    pub owners: Vec<Choice>,
    /// The name of the customer filtered by, if any.
    pub customer_name: Option<String>,
    pub me: i64,
    /// Managers and admins may give an opportunity to someone else.
    pub can_assign: bool,
    pub can_edit_stages: bool,
}

/// Cards a column sends at first and each time its end is reached: a screenful or two, so a
/// board of 50 000 opportunities is a page of a few hundred cards (issue 21).
pub const COLUMN_WINDOW: usize = 40;

/// A column's count and sums per currency over every card the board's filters select.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnHead {
    pub stage_id: i64,
    pub sums: Vec<ColumnSum>,
}

/// One currency's share of a column: cards, Σ value in minor units, Σ value × percent in minor
/// units × percent (exact: the column rounds once, when it is shown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSum {
    pub currency: String,
    pub count: i64,
    pub value_minor: i64,
    pub weighted_minor_percent: i64,
}

impl ColumnHead {
    /// The totals the column shows.
    pub fn totals(&self) -> crate::domain::ColumnTotals {
        let mut totals = crate::domain::ColumnTotals::default();
        for sum in &self.sums {
            let Ok(currency) = crate::domain::Currency::parse(&sum.currency) else {
                continue;
            };
            let count = usize::try_from(sum.count).unwrap_or(0);
            totals.count += count;
            let entry = totals.sums.entry(currency).or_default();
            entry.count += count;
            entry.value += rust_decimal::Decimal::new(sum.value_minor, 2);
            entry.weighted += rust_decimal::Decimal::new(sum.weighted_minor_percent, 4);
        }
        totals
    }
}

/// How many days back the Won and Lost columns reach when no close-date range is chosen.
pub const CLOSED_DAYS_SHOWN: i64 = 30;

/// A stage change as the timeline shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StageChangeView {
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityDetail {
    pub card: Opportunity,
    pub history: Vec<StageChangeView>,
}

/// A stage with how many opportunities sit in it, for the stage editor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageUsage {
    pub stage: Stage,
    pub opportunities: i64,
}

/// Which opportunities the board shows: a view (whose), then narrowing filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardQuery {
    pub view: View,
    pub owner: Option<i64>,
    pub customer: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub text: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Mine,
    Unit(i64),
}

impl View {
    pub fn key(self) -> String {
        match self {
            View::Mine => "mine".into(),
            View::Unit(id) => format!("unit-{id}"),
        }
    }

    fn parse(key: &str) -> Option<View> {
        match key {
            "mine" => Some(View::Mine),
            other => other
                .strip_prefix("unit-")
                .and_then(|id| id.parse().ok())
                .map(View::Unit),
        }
    }
}

fn blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl BoardQuery {
    /// Parses the board's URL parameters. A parameter that is present but wrong is an error
    /// naming it; an absent one takes the user's default.
    pub fn parse(
        user: &SessionUser,
        view: Option<&str>,
        owner: Option<&str>,
        customer: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        text: Option<&str>,
    ) -> Result<BoardQuery, AppError> {
        let view = match blank(view) {
            None if user.role == Role::Rep => View::Mine,
            None => View::Unit(user.unit_id),
            Some(key) => View::parse(key).ok_or_else(|| {
                AppError::invalid(
                    "view",
                    format!("\"{key}\" is not a view (use mine or unit-<id>)"),
                )
            })?,
        };
        let id = |field: &str, value: Option<&str>| -> Result<Option<i64>, AppError> {
            blank(value)
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| AppError::invalid(field, format!("\"{v}\" is not an id")))
                })
                .transpose()
        };
        let date = |field: &str, value: Option<&str>| -> Result<Option<NaiveDate>, AppError> {
            blank(value)
                .map(|v| parse_day(v).map_err(|e| AppError::invalid(field, e)))
                .transpose()
        };
        let query = BoardQuery {
            view,
            owner: id("owner", owner)?,
            customer: id("customer", customer)?,
            from: date("from", from)?,
            to: date("to", to)?,
            text: crate::domain::search::parse_search(text.unwrap_or(""))
                .map_err(|e| AppError::invalid("q", e))?
                .map(|t| t.to_lowercase()),
        };
        Period::range(query.from, query.to).map_err(
            |PeriodError::EndBeforeStart { start, end }| {
                AppError::invalid(
                    "to",
                    format!("the close-date range ends ({end}) before it starts ({start})"),
                )
            },
        )?;
        Ok(query)
    }
}

/// Filters of the API's opportunity list; every one narrows the viewer's scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub owner: Option<i64>,
    /// Owners in this org unit or below it.
    pub unit: Option<i64>,
    pub stage: Option<i64>,
    pub customer: Option<i64>,
    /// `open`, `won` or `lost`: the kind of the stage.
    pub stage_kind: Option<crate::domain::StageKind>,
    /// Expected (open) or actual (closed) close date in this span.
    pub closes_from: Option<NaiveDate>,
    pub closes_to: Option<NaiveDate>,
    /// Only these (a sync page's changed records).
    pub ids: Option<Vec<i64>>,
}

/// The board's URL parameters as they arrive (the page's query string, the server function's
/// arguments, the CSV export's query): parsed once, by [`BoardParams::parse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardParams {
    pub view: Option<String>,
    pub owner: Option<String>,
    pub customer: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
}

impl BoardParams {
    pub fn parse(&self, user: &SessionUser) -> Result<BoardQuery, AppError> {
        BoardQuery::parse(
            user,
            self.view.as_deref(),
            self.owner.as_deref(),
            self.customer.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
            self.q.as_deref(),
        )
    }
}
