//! The gate in front of everything: a signed-in user is put on the request for server
//! functions; anonymous requests to pages go to the sign-in page, to server functions and the
//! API get 401.

use app::api::auth::SessionUser;
use app::auth::USER_ID_KEY;
use app::repo;
use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

pub async fn require_sign_in(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    // Public paths need no user: static files, above all, cost no database round trip.
    if is_public(request.uri().path()) {
        return next.run(request).await;
    }
    if let Some(user) = signed_in_user(&state, &session).await {
        request.extensions_mut().insert::<SessionUser>(user);
        return next.run(request).await;
    }
    let path = request.uri().path();
    if path.starts_with("/api/") {
        return crate::api_error::response(StatusCode::UNAUTHORIZED, "Please sign in.", None);
    }
    let wanted = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let target = if wanted == "/" {
        "/login".to_string()
    } else {
        format!("/login?next={}", encode_query_value(wanted))
    };
    Redirect::to(&target).into_response()
}

async fn signed_in_user(state: &AppState, session: &Session) -> Option<SessionUser> {
    let user_id = match session.get::<i64>(USER_ID_KEY).await {
        Ok(id) => id?,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable session");
            return None;
        }
    };
    match repo::users::find_session_user(&state.db, user_id).await {
        Ok(user) => user,
        Err(e) => {
            tracing::error!(error = %e, "loading the signed-in user failed");
            None
        }
    }
}

/// What anyone may fetch: the sign-in page and its server function, health, and static files
/// (the wasm, CSS and icons the sign-in page itself needs).
fn is_public(path: &str) -> bool {
    matches!(path, "/login" | "/api/login" | "/healthz")
        || path.starts_with("/pkg/")
        || (!path.starts_with("/api/")
            && path
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains('.')))
}

fn encode_query_value(value: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_health_and_files_are_public() {
        for public in [
            "/login",
            "/api/login",
            "/healthz",
            "/pkg/pacer.wasm",
            "/favicon.svg",
        ] {
            assert!(is_public(public), "{public}");
        }
        for private in [
            "/",
            "/board",
            "/customers",
            "/api/customers",
            "/api/logout",
            "/api/x.json",
        ] {
            assert!(!is_public(private), "{private}");
        }
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(
            encode_query_value("/customers?q=a b&x=1"),
            "/customers%3Fq%3Da%20b%26x%3D1"
        );
    }
}
