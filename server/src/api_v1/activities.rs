//! Activities and check-ins sent by other systems (a phone system, a calendar, a field app):
//! each carries the client's own id, so sending it again stores nothing twice and answers
//! with what is stored.

use super::sync::{DeletedOut, SyncParams, SyncQuery};
use super::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, Paging, PagingQuery, MAX_PAGE_SIZE};
use app::domain::activity::{ActivityInput, ActivityKind, ActivityOutcome};
use app::domain::check_in::Verification;
use app::domain::check_in::{CheckInInput, RawPosition};
use app::error::AppError;
use app::model::auth::SessionUser;
use app::model::check_ins::CheckInRow;
use app::model::sync::{ActivityRecord, RecordQuery, Stamp, SyncEntity};
use app::service::{activities, check_ins, sync};
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// 201 for what this request stored, 200 for a client id stored before.
fn stored_status(duplicate: bool) -> StatusCode {
    if duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKindParam {
    Visit,
    Call,
    Meeting,
    InitialContact,
    Email,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityOutcomeParam {
    Reached,
    NotReached,
    FollowUp,
    OrderTaken,
    NotInterested,
}

#[derive(Deserialize, ToSchema)]
pub struct ActivityWrite {
    /// Your id for this activity, 8–64 letters, digits or dashes: the same id sent again is
    /// the same activity.
    #[schema(min_length = 8, max_length = 64, pattern = "^[A-Za-z0-9-]+$")]
    pub client_id: String,
    pub customer_id: i64,
    pub kind: ActivityKindParam,
    /// When it happened; not in the future, at most 400 days ago.
    pub occurred_at: DateTime<Utc>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// How it went.
    pub outcome: Option<ActivityOutcomeParam>,
    /// What happens next; given with `next_step_due`.
    #[schema(max_length = 500)]
    pub next_step: Option<String>,
    /// The day the next step is due: on or after the activity, within a year.
    pub next_step_due: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivitySaved {
    pub id: i64,
    pub client_id: String,
    /// True when this id was stored before: nothing new was written.
    pub duplicate: bool,
}

/// Records an activity of the caller at a customer they may see, with how it went and the
/// next step; visits and initial contacts count toward the targets on those metrics at once. 201 when stored,
/// 200 when the id was stored before.
#[utoipa::path(post, path = "/api/v1/activities", operation_id = "create_activity", tag = "activities", request_body = ActivityWrite,
    responses((status = 201, description = "Stored", body = ActivitySaved),
        (status = 200, description = "Stored before under this client id", body = ActivitySaved),
        (status = 409, description = "This client id was stored before with other content: nothing was written; the stored and the sent key fields", body = super::DivergedBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiJson(body): ApiJson<ActivityWrite>,
) -> Result<(StatusCode, Json<ActivitySaved>), ApiError> {
    let input = ActivityInput {
        client_id: body.client_id,
        customer_id: body.customer_id,
        kind: match body.kind {
            ActivityKindParam::Visit => ActivityKind::Visit,
            ActivityKindParam::Call => ActivityKind::Call,
            ActivityKindParam::Meeting => ActivityKind::Meeting,
            ActivityKindParam::InitialContact => ActivityKind::InitialContact,
            ActivityKindParam::Email => ActivityKind::Email,
        },
        occurred_at: body.occurred_at,
        notes: body.notes.unwrap_or_default(),
        outcome: body.outcome.map(|o| match o {
            ActivityOutcomeParam::Reached => ActivityOutcome::Reached,
            ActivityOutcomeParam::NotReached => ActivityOutcome::NotReached,
            ActivityOutcomeParam::FollowUp => ActivityOutcome::FollowUp,
            ActivityOutcomeParam::OrderTaken => ActivityOutcome::OrderTaken,
            ActivityOutcomeParam::NotInterested => ActivityOutcome::NotInterested,
        }),
        next_step: body.next_step.unwrap_or_default(),
        next_step_due: body.next_step_due,
    };
    let saved = app::service::activities::record(&state.db, &user, &input, Utc::now()).await?;
    Ok((
        stored_status(saved.duplicate),
        Json(ActivitySaved {
            id: saved.id,
            client_id: input.client_id,
            duplicate: saved.duplicate,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PositionWrite {
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    /// The fix's accuracy radius in metres.
    #[schema(minimum = 0)]
    pub accuracy_m: f64,
}

#[derive(Deserialize, ToSchema)]
pub struct CheckInWrite {
    #[schema(min_length = 8, max_length = 64, pattern = "^[A-Za-z0-9-]+$")]
    pub client_id: String,
    pub customer_id: i64,
    /// When the rep checked in, by the device's clock.
    pub device_time: DateTime<Utc>,
    /// Where the device was; absent with `location_error` saying why.
    pub position: Option<PositionWrite>,
    pub location_error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckInSavedOut {
    pub id: i64,
    pub client_id: String,
    /// `verified`, `outside` or `unverified`.
    pub verification: String,
    /// Metres from the customer, when both places are known.
    pub distance_m: Option<f64>,
    /// Why it is unverified.
    pub reason: Option<String>,
    /// The visit also counted as the customer's initial contact.
    pub initial_contact: bool,
    pub duplicate: bool,
}

/// Checks the caller in at a customer, as the phone page does: stored once per client id,
/// verified against the customer's location, counted as a visit.
#[utoipa::path(post, path = "/api/v1/check-ins", operation_id = "create_check_in", tag = "activities", request_body = CheckInWrite,
    responses((status = 201, description = "Stored", body = CheckInSavedOut),
        (status = 200, description = "Stored before under this client id", body = CheckInSavedOut),
        (status = 409, description = "This client id was stored before with other content: nothing was written; the stored and the sent key fields", body = super::DivergedBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiJson(body): ApiJson<CheckInWrite>,
) -> Result<(StatusCode, Json<CheckInSavedOut>), ApiError> {
    let input = CheckInInput {
        client_id: body.client_id,
        customer_id: body.customer_id,
        device_time: body.device_time,
        position: body.position.map(|p| RawPosition {
            lat: p.lat,
            lon: p.lon,
            accuracy_m: p.accuracy_m,
        }),
        location_error: body.location_error,
    };
    let saved = app::service::check_ins::check_in(&state.db, &user, &input, Utc::now()).await?;
    let (distance_m, reason) = saved.verification.columns();
    Ok((
        stored_status(saved.duplicate),
        Json(CheckInSavedOut {
            id: saved.id,
            client_id: saved.client_id,
            verification: saved.verification.as_str().into(),
            distance_m,
            reason: reason.map(str::to_string),
            initial_contact: saved.initial_contact,
            duplicate: saved.duplicate,
        }),
    ))
}

/// Which activities or check-ins a list reads; every filter narrows the caller's view.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordListQuery {
    /// At this customer.
    customer: Option<i64>,
    /// Recorded by this user.
    owner: Option<i64>,
    /// Happened at or after this time (RFC 3339).
    #[serde(default, deserialize_with = "super::query_time")]
    from: Option<DateTime<Utc>>,
    /// Happened before this time.
    #[serde(default, deserialize_with = "super::query_time")]
    until: Option<DateTime<Utc>>,
}

impl RecordListQuery {
    fn filters(&self) -> [(&'static str, bool); 4] {
        [
            ("customer", self.customer.is_some()),
            ("owner", self.owner.is_some()),
            ("from", self.from.is_some()),
            ("until", self.until.is_some()),
        ]
    }

    fn page(&self, Paging { page, size }: Paging) -> Result<RecordQuery, ApiError> {
        for (field, time) in [("from", self.from), ("until", self.until)] {
            if let Some(time) = time {
                app::domain::period::within_years(time.date_naive())
                    .map_err(|e| AppError::invalid(field, e))?;
            }
        }
        if let (Some(from), Some(until)) = (self.from, self.until) {
            if until < from {
                return Err(AppError::invalid("until", "the end is before the start").into());
            }
        }
        Ok(RecordQuery {
            ids: None,
            customer: self.customer,
            owner: self.owner,
            from: self.from,
            until: self.until,
            offset: i64::from(page - 1) * i64::from(size),
            limit: i64::from(size) + 1,
        })
    }
}

/// The records a sync page names (read by id, through the caller's scope).
fn by_ids(ids: Vec<i64>) -> RecordQuery {
    RecordQuery {
        ids: Some(ids),
        limit: i64::from(MAX_PAGE_SIZE),
        ..RecordQuery::default()
    }
}

/// An activity: a call, meeting, visit, initial contact or e-mail.
#[derive(Serialize, ToSchema)]
pub struct ActivityOut {
    pub id: i64,
    /// The id its sender gave it; null for activities recorded on Pacer's screens.
    pub client_id: Option<String>,
    /// `visit`, `call`, `meeting`, `initial_contact` or `email`.
    pub kind: String,
    pub customer_id: i64,
    /// Null when the customer is no longer in your view (it moved to another team).
    pub customer_name: Option<String>,
    /// Who recorded it.
    pub user_id: i64,
    pub user_name: String,
    pub occurred_at: DateTime<Utc>,
    pub notes: String,
    /// A planned visit (not yet made).
    pub planned: bool,
    /// `reached`, `not_reached`, `follow_up`, `order_taken` or `not_interested`.
    pub outcome: Option<String>,
    pub next_step: String,
    pub next_step_due: Option<NaiveDate>,
    /// When the next step was ticked off.
    pub next_step_done_at: Option<DateTime<Utc>>,
    /// When it last changed (the database's clock).
    pub updated_at: DateTime<Utc>,
}

impl From<ActivityRecord> for ActivityOut {
    fn from(a: ActivityRecord) -> Self {
        ActivityOut {
            updated_at: a.changed_at,
            id: a.id,
            client_id: a.client_id,
            kind: a.kind,
            customer_id: a.customer_id,
            customer_name: a.customer_name,
            user_id: a.user_id,
            user_name: a.user_name,
            occurred_at: a.occurred_at,
            notes: a.notes,
            planned: a.planned,
            outcome: a.outcome,
            next_step: a.next_step,
            next_step_due: a.next_step_due,
            next_step_done_at: a.next_step_done_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<ActivityOut>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
    /// In a sync (`updated_since` or `cursor`): send it as `cursor` next time. Null otherwise.
    pub next_cursor: Option<String>,
    /// In a sync: activities gone from your view since. Empty otherwise.
    pub deleted: Vec<DeletedOut>,
}

/// Activities recorded by people in the caller's view, by id, a page at a time; or, with
/// `updated_since` or `cursor`, the ones changed since and the ones gone (a sync).
#[utoipa::path(get, path = "/api/v1/activities", operation_id = "list_activities", tag = "activities", params(RecordListQuery, PagingQuery, SyncQuery),
    responses((status = 200, description = "One page of activities", body = ActivityPage)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiQuery(q): ApiQuery<RecordListQuery>,
    paging: Paging,
    SyncParams(sync): SyncParams,
) -> ApiResult<ActivityPage> {
    if let Some(ask) = sync {
        let fetch = async |ids| {
            let rows = activities::records(&state.db, &user, &by_ids(ids)).await?;
            Ok(rows.into_iter().map(|a| (a.clone(), a.stamp())).collect())
        };
        let synced = ask
            .check(&user, SyncEntity::Activity, paging.size, &q.filters())?
            .read(&state.db, &user, fetch, |a: &ActivityRecord| a.id)
            .await?;
        return Ok(Json(ActivityPage {
            items: synced.items.into_iter().map(|(a, _)| a.into()).collect(),
            page: 1,
            page_size: paging.size,
            has_more: synced.has_more,
            next_cursor: synced.next_cursor,
            deleted: synced.deleted,
        }));
    }
    let mut rows = activities::records(&state.db, &user, &q.page(paging)?).await?;
    let has_more = rows.len() > paging.size as usize;
    rows.truncate(paging.size as usize);
    Ok(Json(ActivityPage {
        items: rows.into_iter().map(ActivityOut::from).collect(),
        page: paging.page,
        page_size: paging.size,
        has_more,
        next_cursor: None,
        deleted: Vec::new(),
    }))
}

/// One activity recorded by someone in the caller's view.
#[utoipa::path(get, path = "/api/v1/activities/{id}", operation_id = "get_activity", tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "The activity", body = ActivityOut)))]
pub async fn read(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ActivityOut> {
    let query = RecordQuery {
        ids: Some(vec![id]),
        limit: 1,
        ..RecordQuery::default()
    };
    let found = activities::records(&state.db, &user, &query).await?;
    let activity = found
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound("no such activity".into()))?;
    Ok(Json(activity.into()))
}

/// A check-in at a customer visit.
#[derive(Serialize, ToSchema)]
pub struct CheckInOut {
    pub id: i64,
    /// The id the phone (or the sender) gave it.
    pub client_id: String,
    /// Who checked in.
    pub user_id: i64,
    pub user_name: String,
    pub customer_id: i64,
    /// Null when the customer is no longer in your view (it moved to another team).
    pub customer_name: Option<String>,
    /// When they checked in, by the phone's clock.
    pub checked_in_at: DateTime<Utc>,
    /// When Pacer got it (later when the phone was offline).
    pub received_at: DateTime<Utc>,
    /// Where the phone was, when it could tell.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    /// `verified` (within the customer's radius), `outside`, or `unverified`.
    pub verification: String,
    /// Metres from the customer's location, when both are known.
    pub distance_m: Option<f64>,
    /// Why it is unverified.
    pub unverified_reason: Option<String>,
    /// `order_taken`, `follow_up`, `no_decision` or `not_met`.
    pub outcome: Option<String>,
    pub notes: String,
    pub next_step: String,
    pub checked_out_at: Option<DateTime<Utc>>,
    /// When it last changed (the database's clock).
    pub updated_at: DateTime<Utc>,
}

impl From<(CheckInRow, Stamp)> for CheckInOut {
    fn from((c, stamp): (CheckInRow, Stamp)) -> Self {
        let (distance_m, unverified_reason) = match &c.verification {
            Verification::Verified { distance_m } | Verification::Outside { distance_m } => {
                (Some(*distance_m), None)
            }
            Verification::Unverified { reason } => (None, Some(reason.clone())),
        };
        CheckInOut {
            id: c.id,
            client_id: c.client_id,
            user_id: c.user_id,
            user_name: c.user_name,
            customer_id: c.customer_id,
            customer_name: Some(c.customer_name).filter(|n| !n.is_empty()),
            checked_in_at: c.device_time,
            received_at: c.received_at,
            lat: c.position.map(|p| p.lat),
            lon: c.position.map(|p| p.lon),
            accuracy_m: c.position.map(|p| p.accuracy_m),
            verification: c.verification.as_str().into(),
            distance_m,
            unverified_reason,
            outcome: c.outcome.map(|o| o.as_str().to_string()),
            notes: c.notes,
            next_step: c.next_step,
            checked_out_at: c.checked_out_at,
            updated_at: stamp.at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CheckInPage {
    pub items: Vec<CheckInOut>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
    /// In a sync (`updated_since` or `cursor`): send it as `cursor` next time. Null otherwise.
    pub next_cursor: Option<String>,
    /// In a sync: check-ins gone from your view since. Empty otherwise.
    pub deleted: Vec<DeletedOut>,
}

/// The check-ins `rows` with when each last changed (read after them).
async fn stamped(
    state: &AppState,
    rows: Vec<CheckInRow>,
) -> Result<Vec<(CheckInRow, Stamp)>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let stamps = sync::stamps(&state.db, SyncEntity::CheckIn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let stamp = stamps.get(&c.id).copied().unwrap_or_default();
            (c, stamp)
        })
        .collect())
}

/// Check-ins made by people in the caller's view, by id, a page at a time; or, with
/// `updated_since` or `cursor`, the ones changed since and the ones gone (a sync).
#[utoipa::path(get, path = "/api/v1/check-ins", operation_id = "list_check_ins", tag = "activities", params(RecordListQuery, PagingQuery, SyncQuery),
    responses((status = 200, description = "One page of check-ins", body = CheckInPage)))]
pub async fn list_check_ins(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiQuery(q): ApiQuery<RecordListQuery>,
    paging: Paging,
    SyncParams(sync): SyncParams,
) -> ApiResult<CheckInPage> {
    if let Some(ask) = sync {
        let fetch = async |ids| {
            let rows = check_ins::records(&state.db, &user, &by_ids(ids)).await?;
            stamped(&state, rows).await
        };
        let synced = ask
            .check(&user, SyncEntity::CheckIn, paging.size, &q.filters())?
            .read(&state.db, &user, fetch, |c: &CheckInRow| c.id)
            .await?;
        return Ok(Json(CheckInPage {
            items: synced.items.into_iter().map(CheckInOut::from).collect(),
            page: 1,
            page_size: paging.size,
            has_more: synced.has_more,
            next_cursor: synced.next_cursor,
            deleted: synced.deleted,
        }));
    }
    let mut rows = check_ins::records(&state.db, &user, &q.page(paging)?).await?;
    let has_more = rows.len() > paging.size as usize;
    rows.truncate(paging.size as usize);
    Ok(Json(CheckInPage {
        items: stamped(&state, rows)
            .await?
            .into_iter()
            .map(CheckInOut::from)
            .collect(),
        page: paging.page,
        page_size: paging.size,
        has_more,
        next_cursor: None,
        deleted: Vec::new(),
    }))
}

/// One check-in made by someone in the caller's view.
#[utoipa::path(get, path = "/api/v1/check-ins/{id}", operation_id = "get_check_in", tag = "activities",
    params(("id" = i64, Path, description = "Check-in id")),
    responses((status = 200, description = "The check-in", body = CheckInOut)))]
pub async fn read_check_in(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<CheckInOut> {
    let query = RecordQuery {
        ids: Some(vec![id]),
        limit: 1,
        ..RecordQuery::default()
    };
    let found = check_ins::records(&state.db, &user, &query).await?;
    let row = stamped(&state, found)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound("no such check-in".into()))?;
    Ok(Json(row.into()))
}
