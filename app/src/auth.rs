//! Server-side session handling for server functions: who is signed in, signing in and out,
//! password hashing, and sending errors with their HTTP status.

use crate::api::auth::SessionUser;
use crate::db::Db;
use crate::domain::Email;
use crate::error::AppError;
use crate::repo;
use crate::state::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::Extension;
use chrono::{Duration, Utc};
use leptos::prelude::*;
use std::future::Future;
use std::sync::LazyLock;
use tower_sessions::Session;

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";

/// Failures allowed before sign-ins for an address are slowed down.
const FREE_FAILURES: i32 = 5;
/// The wait after the first slowed-down failure; it doubles with each further one.
const FIRST_WAIT_SECS: i64 = 15;
const MAX_WAIT_SECS: i64 = 15 * 60;

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

/// The signed-in user if they are an admin; `what` names what only admins may change.
pub async fn require_admin(what: &str) -> Result<SessionUser, AppError> {
    let user = require_user().await?;
    if user.role == crate::domain::Role::Admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden(what.into()))
    }
}

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

/// Checks the credentials and returns the user's id. Unknown address and wrong password give
/// the same answer in the same time; repeated failures for an address are slowed down.
pub async fn sign_in(email: &str, password: &str) -> Result<i64, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "password is empty"));
    }
    let db = db()?;
    let now = Utc::now();
    if let Some((failures, last)) = repo::login_failures::get(&db, &email).await? {
        if let Some(wait) = wait_after_failures(failures) {
            let retry_at = last + wait;
            if retry_at > now {
                return Err(AppError::TooManyAttempts {
                    retry_after_secs: (retry_at - now).num_seconds().max(1),
                });
            }
        }
    }
    let credentials = repo::users::find_credentials(&db, &email).await?;
    let (user_id, hash) = match credentials {
        Some((id, hash)) => (Some(id), hash),
        None => (None, DUMMY_HASH.clone()),
    };
    let password = password.to_string();
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password check panicked");
            AppError::Internal
        })?;
    match (user_id, verified) {
        (Some(id), true) => {
            repo::login_failures::clear(&db, &email).await?;
            Ok(id)
        }
        _ => {
            repo::login_failures::record_failure(&db, &email, now).await?;
            Err(AppError::BadCredentials)
        }
    }
}

/// How long to wait after `failures` consecutive failures before the next attempt counts.
pub fn wait_after_failures(failures: i32) -> Option<Duration> {
    let over = failures - FREE_FAILURES;
    (over >= 0).then(|| {
        let secs = FIRST_WAIT_SECS.saturating_mul(1i64 << over.min(20));
        Duration::seconds(secs.min(MAX_WAIT_SECS))
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

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Verified against when the address is unknown, so both cases cost the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password("no user has this password").expect("hashing a constant cannot fail")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("pacer-demo").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("pacer-demo", &hash));
        assert!(!verify_password("pacer-dem0", &hash));
        assert!(!verify_password("pacer-demo", "not a hash"));
    }

    #[test]
    fn failures_slow_down_then_cap() {
        assert_eq!(wait_after_failures(4), None);
        assert_eq!(wait_after_failures(5), Some(Duration::seconds(15)));
        assert_eq!(wait_after_failures(6), Some(Duration::seconds(30)));
        assert_eq!(wait_after_failures(60), Some(Duration::seconds(900)));
    }

    #[test]
    fn next_stays_inside_pacer() {
        assert_eq!(safe_next(Some("/customers?q=a")), "/customers?q=a");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
