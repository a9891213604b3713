//! Opportunities: a paged list with filters, one with its history, create, update, and the
//! move to another stage. Writes carry the version the client read: a stale one is a 409.

use super::sync::{DeletedOut, SyncParams, SyncQuery};
use super::{
    many, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, FieldProblem, Paging, PagingQuery,
    MAX_PAGE_SIZE,
};
use app::domain::pipeline::OpportunityInput;
use app::domain::FieldError;
use app::domain::{Opportunity, Period, StageKind};
use app::error::AppError;
use app::model::auth::SessionUser;
use app::model::pipeline::ListFilter;
use app::model::pipeline::OpportunityDetail;
use app::model::sync::{Stamp, SyncEntity};
use app::service::opportunities::{self, MissingCurrency, Move};
use app::service::sync;
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Every problem of a checked input, field by field.
pub fn field_errors(errors: Vec<FieldError>) -> ApiError {
    many(
        StatusCode::UNPROCESSABLE_ENTITY,
        errors
            .into_iter()
            .map(|e| FieldProblem {
                field: e.field.to_string(),
                message: e.message,
            })
            .collect(),
    )
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKindParam {
    Open,
    Won,
    Lost,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpportunityQuery {
    /// Opportunities owned by this user.
    owner: Option<i64>,
    /// Owned by people in this org unit or below it.
    unit: Option<i64>,
    stage: Option<i64>,
    customer: Option<i64>,
    /// `open`, `won` or `lost`.
    status: Option<StageKindParam>,
    /// Closing (expected, or actual once closed) on or after this day.
    from: Option<NaiveDate>,
    /// Closing on or before this day.
    to: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct OpportunityOut {
    pub id: i64,
    pub title: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub stage_id: i64,
    /// Decimal string in `currency`.
    pub value: String,
    pub currency: String,
    /// The owner's override of the stage's default probability, in %.
    pub probability_pct: Option<u8>,
    pub expected_close_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub lost_reason: Option<String>,
    pub stage_entered_at: DateTime<Utc>,
    /// Send it back with a change: a change made meanwhile by someone else is a 409.
    pub version: i64,
    /// When it last changed (the database's clock).
    pub updated_at: DateTime<Utc>,
}

impl From<(Opportunity, Stamp)> for OpportunityOut {
    fn from((c, stamp): (Opportunity, Stamp)) -> Self {
        OpportunityOut {
            id: c.id,
            title: c.title,
            customer_id: c.customer_id,
            customer_name: c.customer_name,
            owner_id: c.owner_id,
            owner_name: c.owner_name,
            stage_id: c.stage_id,
            value: format!("{:.2}", c.value.amount()),
            currency: c.value.currency().as_str().to_string(),
            probability_pct: c.probability.map(|p| p.percent()),
            expected_close_on: c.expected_close_on,
            closed_on: c.closed_on,
            lost_reason: c.lost_reason,
            stage_entered_at: c.stage_entered_at,
            version: c.version,
            updated_at: stamp.at,
        }
    }
}

/// `card` as the API writes it, with when it last changed (read after it).
async fn stamped(state: &AppState, card: Opportunity) -> Result<OpportunityOut, ApiError> {
    let stamps = sync::stamps(&state.db, SyncEntity::Opportunity, &[card.id]).await?;
    let stamp = stamps.get(&card.id).copied().unwrap_or_default();
    Ok((card, stamp).into())
}

#[derive(Serialize, ToSchema)]
pub struct OpportunityPage {
    pub items: Vec<OpportunityOut>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
    /// In a sync (`updated_since` or `cursor`): send it as `cursor` next time. Null otherwise.
    pub next_cursor: Option<String>,
    /// In a sync: opportunities gone from your view since. Empty otherwise.
    pub deleted: Vec<DeletedOut>,
}

/// Opportunities the caller may see, by id, a page at a time; or, with `updated_since` or
/// `cursor`, the ones changed since and the ones gone (a sync: see the API's description).
#[utoipa::path(get, path = "/api/v1/opportunities", operation_id = "list_opportunities", tag = "opportunities", params(OpportunityQuery, PagingQuery, SyncQuery),
    responses((status = 200, description = "One page of opportunities", body = OpportunityPage)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiQuery(q): ApiQuery<OpportunityQuery>,
    Paging { page, size }: Paging,
    SyncParams(sync): SyncParams,
) -> ApiResult<OpportunityPage> {
    if let Some(ask) = sync {
        let filters = [
            ("owner", q.owner.is_some()),
            ("unit", q.unit.is_some()),
            ("stage", q.stage.is_some()),
            ("customer", q.customer.is_some()),
            ("status", q.status.is_some()),
            ("from", q.from.is_some()),
            ("to", q.to.is_some()),
        ];
        let read = async |ids| {
            let filter = ListFilter {
                ids: Some(ids),
                ..ListFilter::default()
            };
            let max = i64::from(MAX_PAGE_SIZE);
            Ok(opportunities::page(&state.db, &user, &filter, 0, max)
                .await?
                .0)
        };
        let synced = ask
            .check(&user, SyncEntity::Opportunity, size, &filters)?
            .read(&state.db, &user, read, |o| o.id)
            .await?;
        return Ok(Json(OpportunityPage {
            items: synced.items.into_iter().map(OpportunityOut::from).collect(),
            page: 1,
            page_size: size,
            has_more: synced.has_more,
            next_cursor: synced.next_cursor,
            deleted: synced.deleted,
        }));
    }
    for (field, day) in [("from", q.from), ("to", q.to)] {
        if let Some(day) = day {
            app::domain::period::within_years(day).map_err(|e| AppError::invalid(field, e))?;
        }
    }
    Period::range(q.from, q.to)
        .map_err(|_| AppError::invalid("to", "the end is before the start"))?;
    let filter = ListFilter {
        owner: q.owner,
        unit: q.unit,
        stage: q.stage,
        customer: q.customer,
        stage_kind: q.status.map(|s| match s {
            StageKindParam::Open => StageKind::Open,
            StageKindParam::Won => StageKind::Won,
            StageKindParam::Lost => StageKind::Lost,
        }),
        closes_from: q.from,
        closes_to: q.to,
        ids: None,
    };
    let offset = i64::from(page - 1) * i64::from(size);
    let (cards, has_more) =
        opportunities::page(&state.db, &user, &filter, offset, i64::from(size)).await?;
    Ok(Json(OpportunityPage {
        items: cards.into_iter().map(OpportunityOut::from).collect(),
        page,
        page_size: size,
        has_more,
        next_cursor: None,
        deleted: Vec::new(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct StageChangeOut {
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

#[derive(Serialize, ToSchema)]
pub struct OpportunityDetailOut {
    pub opportunity: OpportunityOut,
    /// Every stage change, oldest first.
    pub history: Vec<StageChangeOut>,
}

/// One opportunity with its stage history.
#[utoipa::path(get, path = "/api/v1/opportunities/{id}", operation_id = "get_opportunity", tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, description = "The opportunity", body = OpportunityDetailOut)))]
pub async fn read(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<OpportunityDetailOut> {
    let OpportunityDetail { card, history } = opportunities::detail(&state.db, &user, id).await?;
    Ok(Json(OpportunityDetailOut {
        opportunity: stamped(&state, card).await?,
        history: history
            .into_iter()
            .map(|h| StageChangeOut {
                from_stage: h.from_stage,
                to_stage: h.to_stage,
                changed_at: h.changed_at,
                changed_by: h.changed_by,
            })
            .collect(),
    }))
}

/// An opportunity as a client writes it.
#[derive(Deserialize, ToSchema)]
pub struct OpportunityWrite {
    pub title: String,
    pub customer_id: i64,
    /// Decimal string, `"12500.00"`.
    #[schema(example = "12500.00", pattern = "^[0-9]{1,12}([.][0-9]{1,2})?$")]
    pub value: String,
    /// ISO 4217 code; a new opportunity defaults to EUR, a change keeps the stored one.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    pub expected_close_on: NaiveDate,
    pub stage_id: i64,
    /// Overrides the stage's default probability, 0–100.
    #[schema(minimum = 0, maximum = 100)]
    pub probability_pct: Option<u8>,
    /// Default: the caller. Managers and admins may give someone in their scope.
    pub owner_id: Option<i64>,
    /// Required when `stage_id` is a lost stage.
    pub lost_reason: Option<String>,
}

impl OpportunityWrite {
    fn input(&self) -> OpportunityInput {
        OpportunityInput {
            title: self.title.clone(),
            customer_id: self.customer_id.to_string(),
            value: self.value.clone(),
            currency: self.currency.clone().unwrap_or_else(|| "EUR".into()),
            expected_close_on: self.expected_close_on.to_string(),
            stage_id: self.stage_id.to_string(),
            probability: self
                .probability_pct
                .map(|p| p.to_string())
                .unwrap_or_default(),
            owner_id: self.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            lost_reason: self.lost_reason.clone().unwrap_or_default(),
            // The API reads amounts and dates as JSON writes them, whoever's token it is.
            locale: app::domain::Locale::En,
        }
    }
}

/// Creates an opportunity, checked by the same rules as the board's drawer.
#[utoipa::path(post, path = "/api/v1/opportunities", operation_id = "create_opportunity", tag = "opportunities",
    request_body = OpportunityWrite,
    responses((status = 201, description = "Created", body = OpportunityOut)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiJson(body): ApiJson<OpportunityWrite>,
) -> Result<(StatusCode, Json<OpportunityOut>), ApiError> {
    let card = opportunities::create(&state.db, &user, &body.input(), Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(stamped(&state, card).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct OpportunityUpdate {
    /// The version the change is based on.
    pub version: i64,
    #[serde(flatten)]
    pub opportunity: OpportunityWrite,
}

/// Replaces an opportunity's fields. A stale `version` is a 409 and changes nothing.
#[utoipa::path(put, path = "/api/v1/opportunities/{id}", operation_id = "update_opportunity", tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    request_body = OpportunityUpdate,
    responses((status = 200, description = "Updated", body = OpportunityOut),
        (status = 409, description = "Changed by someone else since `version`", body = super::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OpportunityUpdate>,
) -> ApiResult<OpportunityOut> {
    // Left out, the currency stays what it is (not EUR, as for a new one).
    let mut input = body.opportunity.input();
    let missing = if body.opportunity.currency.is_none() {
        input.currency = String::new();
        MissingCurrency::KeepStored
    } else {
        MissingCurrency::Refuse
    };
    let card = opportunities::update(
        &state.db,
        &user,
        id,
        body.version,
        &input,
        missing,
        Utc::now(),
    )
    .await?;
    Ok(Json(stamped(&state, card).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveWrite {
    pub version: i64,
    pub stage_id: i64,
    /// Required when moving to a lost stage.
    pub lost_reason: Option<String>,
}

/// Moves an opportunity to a stage, as a drag on the board does.
#[utoipa::path(post, path = "/api/v1/opportunities/{id}/move", operation_id = "move_opportunity", tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    request_body = MoveWrite,
    responses((status = 200, description = "Moved", body = OpportunityOut),
        (status = 409, description = "Changed by someone else since `version`", body = super::ErrorBody)))]
pub async fn move_stage(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MoveWrite>,
) -> ApiResult<OpportunityOut> {
    let to = Move {
        version: body.version,
        stage_id: body.stage_id,
        lost_reason: body.lost_reason,
    };
    let card = opportunities::move_to_stage(&state.db, &user, id, to, Utc::now()).await?;
    Ok(Json(stamped(&state, card).await?))
}

#[derive(Serialize, ToSchema)]
pub struct StageOut {
    pub id: i64,
    pub name: String,
    pub position: i32,
    /// Default probability of an opportunity in this stage, in %.
    pub probability_pct: u8,
    /// `open`, `won` or `lost`.
    pub kind: String,
    pub rotting_days: Option<i32>,
}

/// The pipeline's stages in board order, for `stage_id`.
#[utoipa::path(get, path = "/api/v1/stages", operation_id = "list_stages", tag = "opportunities",
    responses((status = 200, description = "The stages", body = Vec<StageOut>)))]
pub async fn stages(State(state): State<AppState>) -> ApiResult<Vec<StageOut>> {
    let stages = app::service::stages::list(&state.db).await?;
    Ok(Json(
        stages
            .into_iter()
            .map(|s| StageOut {
                id: s.id,
                name: s.name,
                position: s.position,
                probability_pct: s.probability.percent(),
                kind: s.kind.as_str().into(),
                rotting_days: s.rotting_days,
            })
            .collect(),
    ))
}
