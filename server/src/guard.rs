//! What every response promises the browser, and which requests may change anything.
//!
//! **Same origin for state changes.** A POST, PUT, PATCH or DELETE must come from a Pacer page:
//! the browser's `Sec-Fetch-Site` says `same-origin` (or `none`: typed by the person), or,
//! from browsers that do not send it, the `Origin` (else the `Referer`) names the host the
//! request was sent to. Anything else — another site's form, a sibling subdomain, an
//! `Origin: null` sandbox — is refused with 403 before a session or a body is looked at.
//! A request with none of the three headers is not from a browser (browsers send `Origin`
//! on every cross-origin POST), so it cannot ride on someone's cookie and passes. The JSON
//! API with `Authorization: Bearer` is exempt: a browser cannot attach that header to
//! another site's request — only where tokens are taken (the API and the exports; anywhere
//! else the cookie decides, so the check applies). This is the check Go's
//! `http.CrossOriginProtection` makes.
//!
//! **Headers.** Every response says `nosniff`, a strict referrer policy and no framing; the
//! pages' Content-Security-Policy names the nonce drawn here for the request and rendered into
//! the page's scripts (`app::content_security_policy`); everything else gets the same policy
//! without one; HSTS and `Secure` on every cookie when
//! `PACER_SECURE_COOKIE` says Pacer is behind HTTPS.

use crate::api_error;
use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How the server knows which host it is: the `Host` header, or `X-Forwarded-Host` from a
/// trusted proxy (`PACER_TRUST_FORWARDED=on`).
#[derive(Clone, Copy)]
pub struct OwnOrigin {
    pub trust_forwarded: bool,
}

pub async fn refuse_cross_site(
    State(own): State<OwnOrigin>,
    request: Request,
    next: Next,
) -> Response {
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let token = crate::sign_in::api_token(&request).is_some();
    if !changes_state || token || same_origin(request.headers(), own) {
        return next.run(request).await;
    }
    tracing::warn!(
        path = request.uri().path(),
        origin = ?request.headers().get(header::ORIGIN),
        site = ?request.headers().get("sec-fetch-site"),
        "cross-site state change refused"
    );
    refusal(request.uri().path())
}

fn same_origin(headers: &HeaderMap, own: OwnOrigin) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match text("sec-fetch-site") {
        Some("same-origin" | "none") => return true,
        // The browser itself says the page is elsewhere.
        Some(_) => return false,
        None => {}
    }
    let claimed = match (text("origin"), text("referer")) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return true,
    };
    let host = own
        .trust_forwarded
        .then(|| text("x-forwarded-host"))
        .flatten()
        .or_else(|| text("host"));
    match (authority(claimed), host) {
        (Some(claimed), Some(host)) => claimed.eq_ignore_ascii_case(host.trim()),
        _ => false,
    }
}

/// `host[:port]` of an origin or URL (`https://pacer.example:8443/x` → `pacer.example:8443`);
/// `None` for `null` and anything without a scheme.
fn authority(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty() && !a.contains('@'))
}

/// 403 in the shape the caller reads: a server function's error for `/api/<function>`, the
/// JSON error body for the plain endpoints, the import and the JSON API.
fn refusal(path: &str) -> Response {
    let plain = ["/api/v1/", "/api/import/", "/api/export/"];
    let server_fn = path.starts_with("/api/") && !plain.iter().any(|p| path.starts_with(p));
    if !server_fn {
        return api_error::from_app(AppError::CrossSite);
    }
    let body = serde_json::to_string(&AppError::CrossSite).unwrap_or_default();
    (
        axum::http::StatusCode::FORBIDDEN,
        [
            (header::CONTENT_TYPE, "application/json"),
            // Marks the answer as a server function's error, as the framework's own do.
            (
                header::HeaderName::from_static("serverfnerror"),
                "cross-site",
            ),
        ],
        body,
    )
        .into_response()
}

/// Puts the security headers on every response.
///
/// A page's policy names a nonce drawn here for the request and handed to the render as a
/// request extension ([`app::app::PageNonce`], adopted by [`app::app::adopt_page_nonce`]): the
/// header is written here from the same value, not passed back through the render, so a page
/// can never arrive with nonce'd scripts under a policy without the nonce (which leaves it
/// unhydrated).
pub async fn security_headers(
    State(https): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = leptos::nonce::Nonce::new().to_string();
    request
        .extensions_mut()
        .insert(app::app::PageNonce(nonce.as_str().into()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        // A page (HTML) may run the inline scripts carrying its nonce; anything else none.
        let page = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let policy = app::app::content_security_policy(page.then_some(nonce.as_str()));
        if let Ok(policy) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        secure_cookies(headers);
    }
    response
}

/// Marks every cookie Pacer sets `Secure` behind HTTPS: the session cookie is already, the
/// device cookie the sign-in sets is made here, and so is any cookie added later.
fn secure_cookies(headers: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| match value.to_str() {
            Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| value.clone())
            }
            _ => value.clone(),
        })
        .collect();
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    const OWN: OwnOrigin = OwnOrigin {
        trust_forwarded: false,
    };

    #[test]
    fn pacer_pages_pass_and_other_sites_do_not() {
        let host = ("host", "pacer.example:3000");
        for ok in [
            vec![host, ("sec-fetch-site", "same-origin")],
            vec![host, ("origin", "http://pacer.example:3000")],
            vec![host, ("origin", "https://PACER.example:3000")],
            vec![host, ("referer", "http://pacer.example:3000/board?x=1")],
            vec![host],
        ] {
            assert!(same_origin(&headers(&ok), OWN), "{ok:?}");
        }
        for refused in [
            vec![host, ("sec-fetch-site", "same-site")],
            vec![host, ("sec-fetch-site", "cross-site")],
            vec![host, ("origin", "null")],
            vec![host, ("origin", "http://evil.example")],
            vec![host, ("origin", "http://pacer.example:3000.evil.example")],
            vec![host, ("origin", "http://sub.pacer.example:3000")],
            vec![host, ("referer", "http://evil.example/pacer.example:3000")],
            vec![host, ("referer", "http://pacer.example:3000@evil.example/")],
            vec![("origin", "http://pacer.example:3000")],
        ] {
            assert!(!same_origin(&headers(&refused), OWN), "{refused:?}");
        }
    }

    #[test]
    fn every_cookie_is_made_secure() {
        let mut map = HeaderMap::new();
        map.append(
            header::SET_COOKIE,
            HeaderValue::from_static("pacer_device=ab; Path=/api/login; HttpOnly; SameSite=Lax"),
        );
        map.append(
            header::SET_COOKIE,
            HeaderValue::from_static("pacer_session=x; HttpOnly; Secure; Path=/"),
        );
        secure_cookies(&mut map);
        let cookies: Vec<&str> = map
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(
            cookies,
            [
                "pacer_device=ab; Path=/api/login; HttpOnly; SameSite=Lax; Secure",
                "pacer_session=x; HttpOnly; Secure; Path=/"
            ]
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_public_host() {
        let proxied = headers(&[
            ("host", "127.0.0.1:3000"),
            ("x-forwarded-host", "pacer.example"),
            ("origin", "https://pacer.example"),
        ]);
        assert!(!same_origin(&proxied, OWN));
        assert!(same_origin(
            &proxied,
            OwnOrigin {
                trust_forwarded: true
            }
        ));
    }
}
