//! Targets: the list the caller may see with progress, pace and forecast; one target with its
//! children and status history; and drafts, checked by the same SMART rules as the editor.

use super::sync::{DeletedOut, SyncParams, SyncQuery};
use super::{
    many, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, FieldProblem, Paging, PagingQuery,
};
use app::domain::{Assignee, Level, Period, TargetInput};
use app::error::AppError;
use app::model::auth::SessionUser;
use app::model::sync::{Stamp, SyncEntity};
use app::model::targets::{ListQuery, SaveOutcome, TargetRow};
use app::service::sync;
use app::service::targets;
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::DateTime;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetView {
    Mine,
    Team,
    Company,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatusParam {
    All,
    Active,
    Draft,
    Proposed,
    ChangesRequested,
    Agreed,
    Achieved,
    Missed,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    /// Whose targets: `mine`, `team` or `company` (default by role).
    view: Option<TargetView>,
    /// Default `all`; `active` is agreed and in its period.
    status: Option<TargetStatusParam>,
    /// Only targets of this user (`user-7`) or unit (`unit-3`).
    #[param(pattern = "^(user|unit)-[0-9]+$")]
    assignee: Option<String>,
    /// Targets whose period overlaps [from, to].
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastOut {
    /// Where the actual should be by today at an even pace.
    pub expected: String,
    /// The actual extrapolated to the end of the period.
    pub projection: String,
    pub elapsed_working_days: i64,
    pub working_days: i64,
    /// The simulated end-of-period range (pipeline metrics), decimal strings.
    pub p10: Option<String>,
    pub p50: Option<String>,
    pub p90: Option<String>,
    /// Probability of reaching the target, 0–1.
    pub p_hit: Option<f64>,
    /// `on_track`, `at_risk` or `off_track`.
    pub health: String,
    /// The early warning, in words.
    pub warning: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetOut {
    pub id: i64,
    pub statement: String,
    pub metric: String,
    pub value: String,
    pub currency: Option<String>,
    pub baseline: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// `user-7` or `unit-3`.
    pub assignee: String,
    pub assignee_name: String,
    pub parent_id: Option<i64>,
    /// `price` or `relationship` when only that client type's sales count (turnover
    /// metrics); null: every client's.
    pub segment: Option<String>,
    /// `operational` or `strategic`.
    pub kind: String,
    /// `draft`, `proposed`, `changes_requested`, `agreed`, `achieved` or `missed`.
    pub status: String,
    /// Agreed and in its period.
    pub active: bool,
    pub version: i64,
    /// Measured so far in the period.
    pub actual: String,
    /// Pace and forecast; null before the period starts.
    pub forecast: Option<ForecastOut>,
    /// When the target itself last changed (the database's clock; its actual and forecast
    /// move with the sales and deals behind them).
    pub updated_at: DateTime<Utc>,
}

fn decimal(d: Decimal) -> String {
    d.round_dp(2).normalize().to_string()
}

impl TargetOut {
    fn new(row: &TargetRow, today: NaiveDate, stamps: &HashMap<i64, Stamp>) -> TargetOut {
        TargetOut {
            updated_at: stamps.get(&row.id).copied().unwrap_or_default().at,
            id: row.id,
            statement: row.statement.clone(),
            metric: row.metric.as_str().into(),
            value: decimal(row.value),
            currency: row.currency.map(|c| c.as_str().to_string()),
            baseline: row.baseline.map(decimal),
            period_start: row.period.start(),
            period_end: row.period.end(),
            assignee: row.assignee.key(),
            assignee_name: row.assignee_name.clone(),
            parent_id: row.parent_id,
            segment: row.segment.map(|s| s.as_str().to_string()),
            kind: row.kind.as_str().into(),
            status: row.status.as_str().into(),
            active: row.is_active(today),
            version: row.version,
            actual: decimal(row.actual),
            forecast: row.outlook.as_ref().map(|o| {
                let band = o.band.as_ref();
                ForecastOut {
                    expected: decimal(o.pace.expected),
                    projection: decimal(o.pace.projection),
                    elapsed_working_days: o.pace.elapsed_days,
                    working_days: o.pace.total_days,
                    p10: band.map(|b| decimal(b.p10)),
                    p50: band.map(|b| decimal(b.p50)),
                    p90: band.map(|b| decimal(b.p90)),
                    p_hit: band.map(|b| b.p_hit),
                    health: o.health.as_str().into(),
                    warning: o.warning.clone(),
                }
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TargetPage {
    pub items: Vec<TargetOut>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
    pub has_more: bool,
    /// In a sync (`updated_since` or `cursor`): send it as `cursor` next time. Null otherwise.
    pub next_cursor: Option<String>,
    /// In a sync: targets gone from your view since. Empty otherwise.
    pub deleted: Vec<DeletedOut>,
}

/// Targets the caller may see, with progress, pace and forecast; or, with `updated_since` or
/// `cursor`, the targets changed since and the ones gone (a sync: see the API's description).
#[utoipa::path(get, path = "/api/v1/targets", operation_id = "list_targets", tag = "targets", params(TargetQuery, PagingQuery, SyncQuery),
    responses((status = 200, description = "One page of targets", body = TargetPage)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiQuery(q): ApiQuery<TargetQuery>,
    Paging { page, size }: Paging,
    SyncParams(sync): SyncParams,
) -> ApiResult<TargetPage> {
    let today = Utc::now().date_naive();
    if let Some(ask) = sync {
        let filters = [
            ("view", q.view.is_some()),
            ("status", q.status.is_some()),
            ("assignee", q.assignee.is_some()),
            ("from", q.from.is_some()),
            ("to", q.to.is_some()),
        ];
        let fetch = async |ids: Vec<i64>| {
            let rows = targets::by_ids(&state.db, &user, &ids, today).await?;
            let stamps = sync::stamps(&state.db, SyncEntity::Target, &ids).await?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let stamp = stamps.get(&r.id).copied().unwrap_or_default();
                    (r, stamp)
                })
                .collect())
        };
        let synced = ask
            .check(&user, SyncEntity::Target, size, &filters)?
            .read(&state.db, &user, fetch, |r: &TargetRow| r.id)
            .await?;
        let stamps: HashMap<i64, Stamp> = synced.items.iter().map(|(r, s)| (r.id, *s)).collect();
        let items: Vec<TargetOut> = synced
            .items
            .iter()
            .map(|(r, _)| TargetOut::new(r, today, &stamps))
            .collect();
        return Ok(Json(TargetPage {
            total: items.len() as i64,
            items,
            page: 1,
            page_size: size,
            has_more: synced.has_more,
            next_cursor: synced.next_cursor,
            deleted: synced.deleted,
        }));
    }
    Period::range(q.from, q.to)
        .map_err(|_| AppError::invalid("to", "the end is before the start"))?;
    let assignee = match q.assignee.as_deref() {
        None => None,
        Some(text) => Some(
            Assignee::parse(text)
                .ok_or_else(|| AppError::invalid("assignee", "write user-<id> or unit-<id>"))?,
        ),
    };
    let view = q.view.map(|v| match v {
        TargetView::Mine => "mine",
        TargetView::Team => "team",
        TargetView::Company => "company",
    });
    let status = q.status.map(|s| match s {
        TargetStatusParam::All => "all",
        TargetStatusParam::Active => "active",
        TargetStatusParam::Draft => "draft",
        TargetStatusParam::Proposed => "proposed",
        TargetStatusParam::ChangesRequested => "changes_requested",
        TargetStatusParam::Agreed => "agreed",
        TargetStatusParam::Achieved => "achieved",
        TargetStatusParam::Missed => "missed",
    });
    let query = ListQuery::parse(&user, view, status)?;
    let rows = targets::list(&state.db, &user, &query, today).await?;
    let matching: Vec<&TargetRow> = rows
        .iter()
        .filter(|r| assignee.is_none_or(|a| r.assignee == a))
        .filter(|r| q.from.is_none_or(|from| r.period.end() >= from))
        .filter(|r| q.to.is_none_or(|to| r.period.start() <= to))
        .collect();
    let total = matching.len();
    let start = (page as usize - 1) * size as usize;
    let shown: Vec<&TargetRow> = matching
        .into_iter()
        .skip(start)
        .take(size as usize)
        .collect();
    let ids: Vec<i64> = shown.iter().map(|r| r.id).collect();
    let stamps = sync::stamps(&state.db, SyncEntity::Target, &ids).await?;
    Ok(Json(TargetPage {
        items: shown
            .into_iter()
            .map(|r| TargetOut::new(r, today, &stamps))
            .collect(),
        page,
        page_size: size,
        total: total as i64,
        has_more: start + (size as usize) < total,
        next_cursor: None,
        deleted: Vec::new(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SnapshotOut {
    pub day: NaiveDate,
    pub actual: String,
    pub expected: String,
    pub health: String,
    pub warning: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetDetailOut {
    pub target: TargetOut,
    pub parent: Option<TargetOut>,
    pub children: Vec<TargetOut>,
    /// The daily snapshots, oldest first: how the status moved.
    pub history: Vec<SnapshotOut>,
}

/// One target with progress, forecast, its parent and children, and its status history.
#[utoipa::path(get, path = "/api/v1/targets/{id}", operation_id = "get_target", tag = "targets",
    params(("id" = i64, Path, description = "Target id")),
    responses((status = 200, description = "The target", body = TargetDetailOut)))]
pub async fn read(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<TargetDetailOut> {
    let today = Utc::now().date_naive();
    let detail = targets::detail(&state.db, &user, id, today).await?;
    let ids: Vec<i64> = std::iter::once(&detail.target)
        .chain(&detail.parent)
        .chain(&detail.children)
        .map(|t| t.id)
        .collect();
    let stamps = sync::stamps(&state.db, SyncEntity::Target, &ids).await?;
    Ok(Json(TargetDetailOut {
        target: TargetOut::new(&detail.target, today, &stamps),
        parent: detail
            .parent
            .as_ref()
            .map(|p| TargetOut::new(p, today, &stamps)),
        children: detail
            .children
            .iter()
            .map(|c| TargetOut::new(c, today, &stamps))
            .collect(),
        history: detail
            .history
            .iter()
            .map(|h| SnapshotOut {
                day: h.day,
                actual: decimal(h.actual),
                expected: decimal(h.expected),
                health: h.health.as_str().into(),
                warning: h.warning.clone(),
            })
            .collect(),
    }))
}

/// A target draft as a client writes it; the rules are the editor's.
#[derive(Deserialize, ToSchema)]
pub struct TargetDraft {
    /// The target in one sentence.
    pub statement: String,
    /// `turnover`, `bookings`, `won_opportunities`, `visits`, `initial_contacts`,
    /// `new_customers`, `turnover_per_existing_customer` or `customer_growth_pct`.
    #[schema(
        pattern = "^(turnover|bookings|won_opportunities|visits|initial_contacts|new_customers|turnover_per_existing_customer|customer_growth_pct)$"
    )]
    pub metric: String,
    /// Decimal string: the amount, count or percentage to reach.
    #[schema(example = "250000", pattern = "^[0-9]{1,12}([.][0-9]{1,2})?$")]
    pub value: String,
    /// ISO 4217 code, for money metrics.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// Last period's figure, decimal string.
    #[schema(pattern = "^[0-9]{1,12}([.][0-9]{1,2})?$")]
    pub baseline: Option<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// `user-7` or `unit-3`.
    #[schema(pattern = "^(user|unit)-[0-9]{1,18}$")]
    pub assignee: String,
    pub parent_id: Option<i64>,
    /// `price` or `relationship`: only that client type's sales count (`turnover` and
    /// `turnover_per_existing_customer`; ignored for other metrics). Default: every client.
    #[schema(pattern = "^(price|relationship)$")]
    pub segment: Option<String>,
    /// `operational` (default) or `strategic`.
    pub kind: Option<String>,
    pub rationale: Option<String>,
    /// Ratings `low`, `medium` (default) or `high` of the factors DESIGN.md names.
    pub market_relevance: Option<String>,
    pub maturity: Option<String>,
    pub competition: Option<String>,
    pub cost_structure: Option<String>,
    pub leadership_ambition: Option<String>,
    /// Store it despite SMART warnings (errors always refuse).
    #[serde(default)]
    pub acknowledge_warnings: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedTarget {
    pub id: i64,
}

/// Creates a draft target. SMART errors refuse it (422, each letter's problem by field);
/// warnings refuse it too unless `acknowledge_warnings` is true.
#[utoipa::path(post, path = "/api/v1/targets", operation_id = "create_target", tag = "targets", request_body = TargetDraft,
    responses((status = 201, description = "The draft is stored", body = CreatedTarget)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiJson(d): ApiJson<TargetDraft>,
) -> Result<(StatusCode, Json<CreatedTarget>), ApiError> {
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let input = TargetInput {
        statement: d.statement.clone(),
        metric: d.metric.clone(),
        value: d.value.clone(),
        currency: text(&d.currency),
        baseline: text(&d.baseline),
        start: d.start.to_string(),
        end: d.end.to_string(),
        assignee: d.assignee.clone(),
        parent_id: d.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        kind: d.kind.clone().unwrap_or_else(|| "operational".into()),
        rationale: text(&d.rationale),
        market_relevance: text(&d.market_relevance),
        maturity: text(&d.maturity),
        competition: text(&d.competition),
        cost_structure: text(&d.cost_structure),
        leadership_ambition: text(&d.leadership_ambition),
        segment: text(&d.segment),
        // The API reads numbers and dates as JSON writes them, whoever's token it is.
        locale: app::domain::Locale::En,
    };
    let outcome = targets::save(
        &state.db,
        &user,
        None,
        None,
        &input,
        d.acknowledge_warnings,
        Utc::now(),
    )
    .await?;
    match outcome {
        SaveOutcome::Saved(id) => Ok((StatusCode::CREATED, Json(CreatedTarget { id }))),
        SaveOutcome::NeedsAcknowledgement(report) => Err(many(
            StatusCode::UNPROCESSABLE_ENTITY,
            report
                .letters()
                .iter()
                .filter(|(_, _, check)| check.level == Level::Warning)
                .map(|(_, name, check)| FieldProblem {
                    field: check
                        .field
                        .clone()
                        .unwrap_or_else(|| "acknowledge_warnings".into()),
                    message: format!(
                        "{name}: {} (send acknowledge_warnings: true to store it anyway)",
                        check.message
                    ),
                })
                .collect(),
        )),
    }
}
