//! Server-side session handling for server functions: who is signed in, starting and ending
//! a session, and sending errors with their HTTP status. Checking a password is
//! [`crate::service::sessions::sign_in`].

use crate::db::Db;
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::state::AppState;
use axum::Extension;
use leptos::prelude::*;
use std::future::Future;
use tower_sessions::Session;

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";

/// Runs a server function body; on error, sets the HTTP status the error stands for.
pub async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(err) = &result {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(err.status()) {
                options.set_status(status);
            }
        }
    }
    result
}

pub fn db() -> Result<Db, AppError> {
    use_context::<AppState>().map(|s| s.db).ok_or_else(|| {
        tracing::error!("AppState missing from server function context");
        AppError::Internal
    })
}

/// The signed-in user, put on the request by the server's sign-in middleware.
pub async fn require_user() -> Result<SessionUser, AppError> {
    leptos_axum::extract::<Extension<SessionUser>>()
        .await
        .map(|Extension(user)| user)
        .map_err(|_| AppError::Unauthorized)
}

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

pub async fn start_session(user_id: i64) -> Result<(), AppError> {
    let session = session().await?;
    // A new id on sign-in, so a session id planted before it is worth nothing.
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_ID_KEY, user_id)
        .await
        .map_err(session_error)
}

pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_error)
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store error");
    AppError::Internal
}

/// Where to go after signing in: only paths inside Pacer, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_inside_pacer() {
        assert_eq!(safe_next(Some("/customers?q=a")), "/customers?q=a");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
