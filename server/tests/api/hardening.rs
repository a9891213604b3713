//! Requests Pacer must not trust, headers every answer carries, bad input that must get a
//! clear 4xx.

use crate::both_backends;
use crate::helpers::*;
use app::error::AppError;
use reqwest::{Client, StatusCode};

both_backends!(
    state_changes_from_other_sites_are_refused,
    pages_carry_a_content_security_policy_with_their_nonce,
);

/// Posts `form` to `path` with extra `headers`, as a browser on another page would.
async fn post(
    app: &TestApp,
    client: &Client,
    path: &str,
    headers: &[(&str, String)],
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = client.post(format!("{}{path}", app.address)).form(form);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("request")
}

async fn state_changes_from_other_sites_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let credentials = [("email", REP_N1), ("password", PASSWORD)];
    let evil = || ("origin", "https://evil.example".to_string());
    let own = || ("origin", app.address.clone());

    // Login forgery: another site's form signs the visitor in as someone else.
    let forger = app.new_session();
    for headers in [
        vec![evil()],
        vec![("origin", "null".to_string())],
        vec![("sec-fetch-site", "cross-site".to_string())],
        vec![("sec-fetch-site", "same-site".to_string()), own()],
        vec![("referer", "https://evil.example/form".to_string())],
    ] {
        let response = post(&app, &forger, "/api/login", &headers, &credentials).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        let error: AppError = response.json().await.expect("a server function's error");
        assert_eq!(error, AppError::CrossSite);
    }
    let me = app.call(&forger, "current_user", &[]).await;
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "nobody was signed in"
    );

    // From Pacer's own page (as the browser says, or by Origin) it works.
    let rep = app.new_session();
    let same = [("sec-fetch-site", "same-origin".to_string()), own()];
    let response = post(&app, &rep, "/api/login", &same, &credentials).await;
    assert_eq!(response.status(), StatusCode::OK);

    // A signed-in person's session cannot be ridden by another site: a move, the import.
    let deal = fx.opportunity_id(REP_N1_INDEX, 0).to_string();
    let lead = fx.stage_id(LEAD).to_string();
    let moved = post(
        &app,
        &rep,
        "/api/move_opportunity",
        &[evil()],
        &[("id", &deal), ("version", "3"), ("stage_id", &lead)],
    )
    .await;
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);
    let import = rep
        .post(format!("{}/api/import/customers", app.address))
        .header("origin", "https://evil.example")
        .body("customer_ref,name\nX-1,Forged\n")
        .send()
        .await
        .unwrap();
    assert_eq!(import.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = import.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("did not come from a Pacer page"));
    let (stage,): (i64,) = app::db::sql("SELECT stage_id FROM opportunities WHERE id = $1")
        .bind(fx.opportunity_id(REP_N1_INDEX, 0))
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stage, fx.stage_id(PROPOSAL), "nothing moved");

    // Reading is not a state change; the JSON API with a Bearer token is exempt (its own
    // check answers: this token is unknown).
    let read = rep
        .get(format!("{}/api/v1/opportunities", app.address))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let bearer = Client::new()
        .post(format!("{}/api/v1/activities", app.address))
        .header("origin", "https://evil.example")
        .bearer_auth("pacer_unknown")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::UNAUTHORIZED);
}

async fn pages_carry_a_content_security_policy_with_their_nonce(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.get(&app.new_session(), "/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let policy = header("content-security-policy");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "strict-origin-when-cross-origin");
    assert!(header("strict-transport-security").is_empty(), "plain HTTP");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the policy names a nonce")
        .to_string();
    assert!(nonce.len() >= 22, "{nonce}");
    let html = page.text().await.unwrap();
    let tags: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or(""))
        .collect();
    assert!(!tags.is_empty());
    for tag in &tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "every inline script carries the nonce: <script{tag}>"
        );
    }

    // Another page, another nonce.
    let again = app.get(&app.new_session(), "/login").await;
    let second = again.headers()["content-security-policy"].to_str().unwrap();
    assert!(!second.contains(&nonce));

    // A JSON answer: the same policy with no inline script at all.
    let json = app.get(&app.new_session(), "/api/v1/opportunities").await;
    let policy = json.headers()["content-security-policy"].to_str().unwrap();
    assert!(!policy.contains("nonce-") && policy.contains("script-src 'self'"));

    // Behind HTTPS (Secure cookies), browsers are told to stay on it.
    let https = TestApp::spawn_configured(backend, false, |s| s.secure_cookie = true).await;
    let page = https.get(&https.new_session(), "/login").await;
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}
