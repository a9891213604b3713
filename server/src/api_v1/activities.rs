//! Activities and check-ins sent by other systems (a phone system, a calendar, a field app):
//! each carries the client's own id, so sending it again stores nothing twice and answers
//! with what is stored.

use super::{ApiError, ApiJson};
use app::domain::activity::{ActivityInput, ActivityKind, ActivityOutcome};
use app::domain::check_in::{CheckInInput, RawPosition};
use app::model::auth::SessionUser;
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
