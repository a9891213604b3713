//! The gate in front of everything: a signed-in user is put on the request for server
//! functions; anonymous requests to pages go to the sign-in page, to server functions and the
//! API get 401. The integration API and the exports also take an API token
//! (`Authorization: Bearer pacer_…`): it becomes the same [`SessionUser`], so one scoping
//! function serves people and tokens alike, and each token is held to its rate limit.

use app::auth::{
    EPOCH_KEY, MAX_SESSION_AGE_SECS, REFRESH_SECS, SEEN_AT_KEY, SIGNED_IN_AT_KEY, USER_ID_KEY,
};
use app::model::auth::{ClientAddress, SessionUser, SignedIn};
use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use tower_sessions::Session;

/// What the gate needs: the app (its database), the rate limiter of each token and of each
/// signed-in person on the JSON API (people by the negative of their id), and the limit on
/// unknown tokens per client address (issue 25: each costs a database lookup).
#[derive(Clone)]
pub struct Gate {
    pub state: AppState,
    limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    failed: Arc<DefaultKeyedRateLimiter<String>>,
    /// Addresses over their limit of unknown tokens, until when: refused without a lookup.
    blocked: Arc<std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>>,
}

/// Unknown tokens one address may present: 10 a minute, 20 at once. A script with a typo'd
/// token stops at once; a scan for valid tokens runs at 10 guesses a minute.
fn failed_lookup_quota() -> Quota {
    Quota::per_minute(NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN))
}

/// 429 with how long to wait.
fn too_many(message: String, secs: u64) -> Response {
    let mut response = crate::api_error::response(StatusCode::TOO_MANY_REQUESTS, message, None);
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(secs.max(1)),
    );
    response
}

impl Gate {
    pub fn new(state: AppState, rate: crate::configuration::ApiRate) -> Gate {
        let per_second = NonZeroU32::new(rate.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(rate.burst).unwrap_or(per_second);
        Gate {
            state,
            limiter: Arc::new(RateLimiter::keyed(
                Quota::per_second(per_second).allow_burst(burst),
            )),
            failed: Arc::new(RateLimiter::keyed(failed_lookup_quota())),
            blocked: Arc::default(),
        }
    }

    /// Holds `key` to its rate: the 429 to answer when it is over.
    fn over(&self, key: i64, who: &str) -> Option<Response> {
        self.limiter.check_key(&key).err().map(|not_until| {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
            too_many(
                format!("{who} is over its rate limit; retry in {secs} s."),
                secs,
            )
        })
    }

    /// Whether `address` is refused for presenting too many unknown tokens.
    fn blocked(&self, address: &str) -> Option<u64> {
        let blocked = self.blocked.lock().ok()?;
        let until = blocked.get(address)?;
        let left = until.saturating_duration_since(std::time::Instant::now());
        (!left.is_zero()).then(|| left.as_secs().max(1))
    }

    /// Counts an unknown token from `address`; past the limit the address is blocked until
    /// its quota has room again.
    fn failed_from(&self, address: &str) {
        if let Err(not_until) = self.failed.check_key(&address.to_string()) {
            let wait = not_until.wait_time_from(self.failed.clock().now());
            if let Ok(mut blocked) = self.blocked.lock() {
                if blocked.len() > 10_000 {
                    let now = std::time::Instant::now();
                    blocked.retain(|_, until| *until > now);
                }
                blocked.insert(address.to_string(), std::time::Instant::now() + wait);
            }
        }
    }
}

/// The API token a request carries (`Authorization: Bearer …`, any case) on a path that takes
/// tokens; `None` elsewhere, where the session decides. The sign-in gate and the cross-site
/// check read it the same way.
pub fn api_token(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|_| takes_tokens(request.uri().path()))
}

/// Paths an API token opens: the JSON API and the CSV exports, not the pages.
fn takes_tokens(path: &str) -> bool {
    path.starts_with("/api/v1/") || path.starts_with("/api/export/")
}

pub async fn require_sign_in(
    State(gate): State<Gate>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let state = &gate.state;
    // Public paths need no user: static files, above all, cost no database round trip.
    if is_public(request.uri().path()) {
        return next.run(request).await;
    }
    // A Bearer token on the API or an export; any other Authorization (a proxy's Basic, a
    // token on a page) leaves the request to the session, as if it were not there.
    let bearer = api_token(&request).map(str::to_string);
    if let Some(token) = bearer {
        let token = token.as_str();
        let address = request
            .extensions()
            .get::<ClientAddress>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        // Blocked for guessing: only tokens at work moments ago go on (an integration behind
        // the same address), the rest without a lookup.
        let blocked = gate
            .blocked(&address)
            .filter(|_| !app::service::tokens::recently_seen(token));
        if let Some(secs) = blocked {
            return too_many(
                format!("Too many unknown API tokens from this address; retry in {secs} s."),
                secs,
            );
        }
        let found = match app::service::tokens::resolve(&state.db, token).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, "resolving an API token failed");
                return crate::api_error::from_app(app::error::AppError::Internal);
            }
        };
        let Some(found) = found else {
            gate.failed_from(&address);
            return crate::api_error::response(
                StatusCode::UNAUTHORIZED,
                "The API token is unknown, revoked or expired (send Authorization: Bearer pacer_…).",
                None,
            );
        };
        if let Some(response) = gate.over(found.token_id, "This token") {
            return response;
        }
        // A read-only token reads: any other method is refused before it reaches a handler.
        if found.read_only && !request.method().is_safe() {
            return crate::api_error::response(
                StatusCode::FORBIDDEN,
                "This API token is read-only: it may read, not write. Ask for a token that may write.",
                None,
            );
        }
        request.extensions_mut().insert::<SessionUser>(found.user);
        return next.run(request).await;
    }
    if let Some(user) = signed_in_user(state, &session).await {
        // A signed-in person on the JSON API is held to the same rate as a token (issue 25):
        // a page's script in a loop must not outrun what a token may do.
        if request.uri().path().starts_with("/api/v1/") {
            if let Some(response) = gate.over(-user.id, "Your session on the API") {
                return response;
            }
        }
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
        format!("/login?next={}", app::auth::encode_query_value(wanted))
    };
    Redirect::to(&target).into_response()
}

async fn signed_in_user(state: &AppState, session: &Session) -> Option<SessionUser> {
    let read = async {
        let user_id = session.get::<i64>(USER_ID_KEY).await?;
        let epoch = session.get::<i64>(EPOCH_KEY).await?;
        if user_id.is_some() && !still_valid(session, chrono::Utc::now().timestamp()).await? {
            session.flush().await?;
            return Ok(None);
        }
        Ok::<_, tower_sessions::session::Error>(user_id.map(|user_id| SignedIn {
            user_id,
            epoch: epoch.unwrap_or(0),
        }))
    };
    let signed_in = match read.await {
        Ok(found) => found?,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable session");
            return None;
        }
    };
    match app::service::sessions::user(&state.db, signed_in).await {
        Ok(user) => user,
        Err(e) => {
            tracing::error!(error = %e, "loading the signed-in user failed");
            None
        }
    }
}

/// Whether a signed-in session may go on at `now`: not past its absolute age. A session in
/// use has its inactivity deadline pushed back (tower-sessions moves it only when the session
/// is saved, and a session that is only read is never saved): once per [`REFRESH_SECS`],
/// marking it changed so the layer stores it with a new deadline and sends the cookie again.
async fn still_valid(session: &Session, now: i64) -> Result<bool, tower_sessions::session::Error> {
    // Sessions from before these keys count from now.
    let signed_in_at = match session.get::<i64>(SIGNED_IN_AT_KEY).await? {
        Some(at) => at,
        None => {
            session.insert(SIGNED_IN_AT_KEY, now).await?;
            now
        }
    };
    if now - signed_in_at > MAX_SESSION_AGE_SECS {
        return Ok(false);
    }
    let seen_at = session.get::<i64>(SEEN_AT_KEY).await?.unwrap_or(0);
    if now - seen_at >= REFRESH_SECS {
        session.insert(SEEN_AT_KEY, now).await?;
    }
    Ok(true)
}

/// What anyone may fetch: the sign-in page, the first start's setup page and the page that
/// sets a password from a one-time link (each with its server functions, which check the
/// link), health, and static files (the wasm, CSS and icons those pages need).
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | "/api/login"
            | "/setup"
            | "/api/setup"
            | "/password"
            | "/api/password_link_holder"
            | "/api/set_password"
            | "/healthz"
            | "/api/v1/openapi.json"
            | "/api/v1/docs"
    ) || path.starts_with("/pkg/")
        || (!path.starts_with("/api/")
            && path
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains('.')))
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
            "/api/v1/openapi.json",
            "/api/v1/docs",
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
            "/api/v1/opportunities",
        ] {
            assert!(!is_public(private), "{private}");
        }
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(
            app::auth::encode_query_value("/customers?q=a b&x=1"),
            "/customers%3Fq%3Da%20b%26x%3D1"
        );
    }
}
