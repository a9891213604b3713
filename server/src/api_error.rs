//! The error body every plain-HTTP endpoint answers with (exports, the sign-in gate, the body
//! limit, and the `/api/v1` to come): `{ "error": { "code", "message", "field" } }`, the code
//! named after the status.

use app::error::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

fn code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid",
        429 => "too_many_requests",
        _ => "internal",
    }
}

pub fn response(status: StatusCode, message: impl Into<String>, field: Option<&str>) -> Response {
    let body = serde_json::json!({ "error": {
        "code": code(status),
        "message": message.into(),
        "field": field,
    }});
    (status, axum::Json(body)).into_response()
}

/// An [`AppError`] answered with the error body and its own status.
pub fn from_app(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response(status, err.to_string(), err.field())
}
