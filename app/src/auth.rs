//! Server-side session handling for server functions: who is signed in, starting and ending
//! a session, and sending errors with their HTTP status. Checking a password is
//! [`crate::service::sessions::sign_in`].

use crate::db::Db;
use crate::error::AppError;
use crate::model::auth::{ClientAddress, SessionUser, SignedIn};
use crate::state::AppState;
use axum::Extension;
use leptos::prelude::*;
use std::future::Future;
use tower_sessions::Session;

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";
/// The session key holding the user's session epoch when the session began.
pub const EPOCH_KEY: &str = "epoch";
/// The session key holding when the person signed in (Unix seconds): no session outlives
/// [`MAX_SESSION_AGE_SECS`], however busy.
pub const SIGNED_IN_AT_KEY: &str = "signed_in_at";
/// The session key holding when the session's inactivity deadline was last pushed back.
pub const SEEN_AT_KEY: &str = "seen_at";
/// A session ends this long after its last request…
pub const IDLE_SECS: i64 = 7 * 24 * 3600;
/// …and at the latest this long after signing in.
pub const MAX_SESSION_AGE_SECS: i64 = 30 * 24 * 3600;
/// How often a working session's deadline is pushed back (one write per hour, not per
/// request).
pub const REFRESH_SECS: i64 = 3600;

/// Runs a server function body; on error, sets the HTTP status the error stands for.
pub async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(err) = &result {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(err.status()) {
                options.set_status(status);
            }
            if let AppError::TooManyAttempts { retry_after_secs } = err {
                options.insert_header(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(*retry_after_secs),
                );
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

/// The database signing in writes to ([`Db::connect_sign_in`]).
pub fn sign_in_db() -> Result<Db, AppError> {
    use_context::<AppState>()
        .map(|s| s.sign_in_db)
        .ok_or_else(|| {
            tracing::error!("AppState missing from server function context");
            AppError::Internal
        })
}

/// Where password links are mailed from: the mail server, if any, and Pacer's public address.
pub fn outbox() -> Result<crate::mail::Outbox, AppError> {
    use_context::<AppState>().map(|s| s.outbox).ok_or_else(|| {
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

pub async fn start_session(signed_in: SignedIn) -> Result<(), AppError> {
    let session = session().await?;
    // A new id on sign-in, so a session id planted before it is worth nothing.
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_ID_KEY, signed_in.user_id)
        .await
        .map_err(session_error)?;
    session
        .insert(EPOCH_KEY, signed_in.epoch)
        .await
        .map_err(session_error)?;
    let now = chrono::Utc::now().timestamp();
    session
        .insert(SIGNED_IN_AT_KEY, now)
        .await
        .map_err(session_error)?;
    session
        .insert(SEEN_AT_KEY, now)
        .await
        .map_err(session_error)
}

/// The cookie naming a device its owner signed in from before.
pub const DEVICE_COOKIE: &str = "pacer_device";

/// The device cookie's token on this request, if any.
pub async fn device_cookie() -> Option<String> {
    let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.ok()?;
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == DEVICE_COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Sets the device cookie: a year, only sent to the sign-in, never readable by scripts.
pub fn remember_device(token: &str) {
    let cookie = format!(
        "{DEVICE_COOKIE}={token}; Path=/api/login; Max-Age=31536000; HttpOnly; SameSite=Lax"
    );
    match (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::HeaderValue::from_str(&cookie),
    ) {
        (Some(options), Ok(value)) => options.append_header(axum::http::header::SET_COOKIE, value),
        _ => tracing::warn!("could not set the device cookie"),
    }
}

/// Where the request comes from, as the server put it on the request.
pub async fn client_address() -> Result<String, AppError> {
    leptos_axum::extract::<Extension<ClientAddress>>()
        .await
        .map(|Extension(ClientAddress(address))| address)
        .map_err(|e| {
            tracing::error!(error = %e, "client address missing from the request");
            AppError::Internal
        })
}

pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_error)
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store error");
    AppError::Internal
}

/// Percent-encodes a value for a URL's query: unreserved characters and `/` stay as they are
/// (so a `next=/customers` stays readable), everything else is `%XX`.
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after signing in: only paths inside Pacer, never another site. A browser
/// drops tabs and newlines from a URL and reads `\\` as `/`, so `/\t/evil.example` would
/// leave Pacer: anything with a control character, a backslash, an encoded slash or
/// backslash in the path, or two slashes at the start goes to the dashboard instead, and what is kept is
/// visible ASCII only, so it is always a valid `Location` header.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(path) = next else {
        return "/".to_string();
    };
    // Encoded slashes only matter before the query: `?q=a%2Fb` is a search, not a host.
    let lower = path.split('?').next().unwrap_or("").to_ascii_lowercase();
    let refused = !path.starts_with('/')
        || path.starts_with("//")
        || path
            .bytes()
            .any(|b| !(0x21..0x7f).contains(&b) || b == b'\\')
        || ["%2f", "%5c", "%09", "%0a", "%0d", "%00"]
            .iter()
            .any(|encoded| lower.contains(encoded));
    if refused {
        "/".to_string()
    } else {
        path.to_string()
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
        for evil in [
            "/\t/evil.example",
            "/\n/evil.example",
            "\\\\evil.example",
            "/\\evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5C%5Cevil.example",
            "/ok\r\nSet-Cookie: x=1",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(
            safe_next(Some("/targets/3?tab=history")),
            "/targets/3?tab=history"
        );
        assert_eq!(safe_next(Some("/customers?q=a%2Fb")), "/customers?q=a%2Fb");
    }
}
