//! The integration API, `/api/v1`: JSON over the same repository functions and the same
//! scoping as the screens, for a signed-in browser or an API token alike. Its OpenAPI
//! document is generated from these handlers ([`docs`]); every error is the body of
//! [`crate::api_error`].

pub mod activities;
pub mod customers;
pub mod docs;
pub mod opportunities;
pub mod sync;
pub mod targets;

use crate::api_error;
use app::error::AppError;
use app::model::auth::SessionUser;
use app::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router(max_body_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(docs::spec))
        .route("/docs", get(docs::page))
        .route("/me", get(me))
        .route("/customers", get(customers::list).post(customers::upsert))
        .route("/customers/plus-minus", get(customers::plus_minus))
        .route("/sales", post(customers::sales))
        .route("/stages", get(opportunities::stages))
        .route(
            "/opportunities",
            get(opportunities::list).post(opportunities::create),
        )
        .route(
            "/opportunities/{id}",
            get(opportunities::read).put(opportunities::update),
        )
        .route("/opportunities/{id}/move", post(opportunities::move_stage))
        .route("/targets", get(targets::list).post(targets::create))
        .route("/targets/{id}", get(targets::read))
        .route(
            "/activities",
            get(activities::list).post(activities::create),
        )
        .route("/activities/{id}", get(activities::read))
        .route(
            "/check-ins",
            get(activities::list_check_ins).post(activities::check_in),
        )
        .route("/check-ins/{id}", get(activities::read_check_in))
        .fallback(unknown)
        .method_not_allowed_fallback(not_allowed)
        // JSON bodies are read through axum's extractors: this limit holds for chunked
        // bodies too, which the Content-Length check in front cannot see.
        .layer(axum::extract::DefaultBodyLimit::max(max_body_bytes))
}

async fn unknown() -> Response {
    api_error::response(
        StatusCode::NOT_FOUND,
        "There is no such endpoint; see /api/v1/docs.",
        None,
    )
}

async fn not_allowed() -> Response {
    api_error::response(
        StatusCode::METHOD_NOT_ALLOWED,
        "This endpoint does not take that method; see /api/v1/docs.",
        None,
    )
}

/// A refusal, answered with the error body (boxed: results carrying it stay small).
#[derive(Debug)]
pub struct ApiError(Box<Response>);

impl From<Response> for ApiError {
    fn from(response: Response) -> Self {
        ApiError(Box::new(response))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        api_error::from_app(err).into()
    }
}

/// A use case's refusal: every wrong field listed (422), or the error's own status.
impl From<app::service::Error> for ApiError {
    fn from(err: app::service::Error) -> Self {
        match err {
            app::service::Error::Fields(errors) => opportunities::field_errors(errors),
            app::service::Error::App(err) => err.into(),
            app::service::Error::Repo(err) => AppError::from(err).into(),
            app::service::Error::Diverged(d) => diverged(&d),
        }
    }
}

/// 409 for a client id sent again with other content (issue 25): the error body, and the
/// key fields of the stored and the sent version.
fn diverged(d: &app::model::check_ins::Diverged) -> ApiError {
    let body = serde_json::json!({
        "error": { "code": "conflict", "message": d.message(), "field": "client_id" },
        "id": d.id,
        "stored": d.stored,
        "sent": d.sent,
    });
    ApiError::from((StatusCode::CONFLICT, Json(body)).into_response())
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// A JSON body; one that cannot be read is answered with the error body and the reason.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let message = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON (Content-Type: application/json)".to_string()
        }
        _ => rejection.body_text(),
    };
    let field = match &rejection {
        JsonRejection::JsonDataError(_) => rejected_field(&message),
        _ => None,
    };
    api_error::response(status, message.clone(), field.as_deref()).into()
}

/// The field serde names in a body it could not read ("…target type: sales[2].date: input
/// contains invalid characters…"): the path before the reason, when there is one.
fn rejected_field(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("target type: ")?;
    let missing = |reason: &str| {
        reason
            .strip_prefix("missing field `")
            .and_then(|r| r.split_once('`'))
            .map(|(name, _)| name.to_string())
    };
    match rest.split_once(": ") {
        Some((path, reason)) if !path.is_empty() && !path.contains(' ') && path != "." => {
            Some(match missing(reason) {
                Some(name) => format!("{path}.{name}"),
                None => path.to_string(),
            })
        }
        _ => missing(rest),
    }
}

/// Query parameters; unreadable ones are a 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    api_error::response(StatusCode::BAD_REQUEST, rejection.body_text(), None).into()
}

/// Reads a query's time (RFC 3339). An offset's `+` sent unencoded arrives as a space (`+` is a
/// space in a query string): it is read as the `+` it was, rather than refused.
pub fn query_time<'de, D>(d: D) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let read = |t: &str| chrono::DateTime::parse_from_rfc3339(t.trim());
    read(&text)
        .or_else(|e| match text.trim().rsplit_once(' ') {
            Some((time, offset)) if offset.contains(':') => read(&format!("{time}+{offset}")),
            _ => Err(e),
        })
        .map(|t| Some(t.with_timezone(&chrono::Utc)))
        .map_err(|_| {
            D::Error::custom(format!(
                "{text:?} is not a time: write it as RFC 3339, e.g. 2026-01-01T00:00:00Z (an offset's + as %2B)"
            ))
        })
}

/// A path's id; one that is not a number is a 400.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(rejection: PathRejection) -> ApiError {
    api_error::response(StatusCode::BAD_REQUEST, rejection.body_text(), None).into()
}

/// Most rows one page holds; the default is [`DEFAULT_PAGE_SIZE`].
pub const MAX_PAGE_SIZE: u32 = 200;
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Pages beyond this are refused: a client walking that far wants an export.
pub const MAX_PAGE: u32 = 100_000;

/// The `page` (from 1) and `page_size` query parameters of every list, checked. Lists take it
/// as an extractor beside their own filters and document it with `params(…, Paging)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub size: u32,
}

/// The paging parameters as they arrive (and as the OpenAPI document describes them).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PagingQuery {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Rows per page (default 50).
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
}

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiQuery(q) = ApiQuery::<PagingQuery>::from_request_parts(parts, state).await?;
        let (page, size) = paging(q.page, q.page_size)?;
        Ok(Paging { page, size })
    }
}

/// `page` (from 1) and `page_size`, checked: the offset and limit to read.
fn paging(page: Option<u32>, page_size: Option<u32>) -> Result<(u32, u32), ApiError> {
    let page = page.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(
            AppError::invalid("page", format!("pages are numbered 1 to {MAX_PAGE}")).into(),
        );
    }
    let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(AppError::invalid(
            "page_size",
            format!("a page holds 1 to {MAX_PAGE_SIZE} rows"),
        )
        .into());
    }
    Ok((page, size))
}

/// The error body (see [`crate::api_error`]).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Named after the status: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `payload_too_large`, `invalid`, `too_many_requests`, …
    pub code: String,
    /// What is wrong, in words for a person.
    pub message: String,
    /// The request field the error is about, when it is about one (`sales[3].amount`).
    pub field: Option<String>,
    /// Every problem, when a bulk write found more than one.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<FieldProblem>>,
}

/// 409 for a client id sent again with other content: nothing was written.
#[derive(Serialize, ToSchema)]
pub struct DivergedBody {
    pub error: ErrorDetail,
    /// The stored record's id.
    pub id: i64,
    /// The key fields the client id was stored with.
    #[schema(value_type = Object)]
    pub stored: serde_json::Value,
    /// The key fields this request sent.
    #[schema(value_type = Object)]
    pub sent: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Who the request acts as.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// `rep`, `manager` or `admin`.
    pub role: String,
    pub unit_id: i64,
    pub unit_name: String,
}

/// Who this token (or session) acts as, and with which role and unit.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "me", tag = "account",
    responses((status = 200, description = "The acting user", body = Me)))]
pub async fn me(Extension(user): Extension<SessionUser>) -> Json<Me> {
    Json(Me {
        user_id: user.id,
        name: user.name,
        email: user.email,
        role: user.role.as_str().into(),
        unit_id: user.unit_id,
        unit_name: user.unit_name,
    })
}

/// Money as the API writes it: a decimal string with two places, `"-1234.50"`.
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// An error body listing several problems; the first one leads.
pub fn many(status: StatusCode, problems: Vec<FieldProblem>) -> ApiError {
    let first = problems.first();
    let body = serde_json::json!({ "error": {
        "code": if status == StatusCode::UNPROCESSABLE_ENTITY { "invalid" } else { "bad_request" },
        "message": first.map_or_else(|| "the request is invalid".to_string(), |p| format!("{}: {}", p.field, p.message)),
        "field": first.map(|p| p.field.clone()),
        "details": problems.iter().map(|p| serde_json::json!({"field": p.field, "message": p.message})).collect::<Vec<_>>(),
    }});
    (status, Json(body)).into_response().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_time_takes_rfc_3339_and_an_unencoded_plus() {
        #[derive(Deserialize)]
        struct Query {
            #[serde(default, deserialize_with = "query_time")]
            at: Option<chrono::DateTime<chrono::Utc>>,
        }
        let read = |t: &str| {
            serde_json::from_value::<Query>(serde_json::json!({ "at": t }))
                .map(|q| q.at)
                .map_err(|e| e.to_string())
        };
        let noon = chrono::DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        for ok in [
            "2026-01-01T12:00:00Z",
            "2026-01-01T13:00:00+01:00",
            // `+01:00` sent unencoded arrives as a space.
            "2026-01-01T13:00:00 01:00",
            "2026-01-01 13:00:00 01:00",
            "2026-01-01 12:00:00Z",
        ] {
            assert_eq!(read(ok), Ok(Some(noon)), "{ok}");
        }
        for bad in ["", "yesterday", "2026-01-01 10:00", "2026-01-01T12:00:00"] {
            let refused = read(bad).unwrap_err();
            assert!(refused.contains("2026-01-01T00:00:00Z"), "{bad}: {refused}");
        }
        let absent: Query = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(absent.at, None);
    }

    #[test]
    fn paging_has_defaults_and_names_the_bad_parameter() {
        assert_eq!(paging(None, None).unwrap(), (1, 50));
        assert_eq!(paging(Some(3), Some(200)).unwrap(), (3, 200));
        for (page, size, field) in [
            (Some(0), None, "page"),
            (Some(MAX_PAGE + 1), None, "page"),
            (None, Some(0), "page_size"),
            (None, Some(201), "page_size"),
        ] {
            let response = paging(page, size).unwrap_err().into_response();
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}"
            );
        }
    }

    #[test]
    fn a_body_error_names_its_field() {
        assert_eq!(
            rejected_field("Failed to deserialize the JSON body into the target type: sales[2].date: input contains invalid characters at line 1 column 80").as_deref(),
            Some("sales[2].date")
        );
        assert_eq!(
            rejected_field("Failed to deserialize the JSON body into the target type: missing field `customer_id` at line 1 column 13").as_deref(),
            Some("customer_id")
        );
        assert_eq!(
            rejected_field("Failed to deserialize the JSON body into the target type: sales[0]: missing field `amount` at line 1 column 40").as_deref(),
            Some("sales[0].amount")
        );
        assert_eq!(
            rejected_field("Failed to parse the request body as JSON"),
            None
        );
    }

    #[test]
    fn money_is_a_plain_decimal() {
        assert_eq!(money(-123450), "-1234.50");
        assert_eq!(money(5), "0.05");
    }
}
