//! The integration API over the real router: tokens (hashed, scoped, revocable, rate
//! limited), and every endpoint × rep / manager / admin / anonymous / revoked token, proving
//! nothing outside a token's scope is readable or writable.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::domain::Role;
use app::model::auth::SessionUser;
use app::model::tokens::{CreatedToken, TokenRequest, TokenRow};
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

both_backends!(
    every_endpoint_keeps_to_the_tokens_scope,
    tokens_are_hashed_shown_once_scoped_to_their_creator_and_revocable,
    tokens_open_the_api_and_exports_only,
    the_rate_limit_answers_429_with_retry_after_per_token,
    read_only_expired_and_unknown_tokens_are_held,
    bulk_sales_and_customers_are_all_or_nothing,
    activities_and_check_ins_are_stored_once_per_client_id,
    opportunity_writes_check_the_version,
    pages_walk_every_row_once,
    the_spec_and_its_page_are_public,
    a_chunked_body_over_the_limit_is_refused,
    a_team_token_gives_new_customers_an_owner_in_the_team,
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Rep,
    Manager,
    Admin,
    Anonymous,
    Revoked,
}

const CALLERS: [Caller; 5] = [
    Caller::Rep,
    Caller::Manager,
    Caller::Admin,
    Caller::Anonymous,
    Caller::Revoked,
];

async fn user(app: &TestApp, id: i64) -> SessionUser {
    app::repo::users::find_session_user(&app.db, id)
        .await
        .unwrap()
        .unwrap()
        .0
}

pub(crate) async fn token(
    app: &TestApp,
    creator: i64,
    role: Role,
    unit: Option<i64>,
    person: Option<i64>,
) -> CreatedToken {
    let creator = user(app, creator).await;
    let request = TokenRequest {
        name: format!("{} token", role.as_str()),
        role,
        unit,
        person,
        read_only: false,
        expires_at: None,
    };
    app::repo::tokens::create(&app.db, &creator, &request, Utc::now())
        .await
        .unwrap()
}

pub(crate) struct Tokens {
    pub rep: String,
    pub manager: String,
    pub admin: String,
    pub revoked: String,
}

impl Tokens {
    /// A rep token acting as rep N1 and a manager token over North (made by the North
    /// manager), an admin token and a revoked one (made by the admin).
    pub(crate) async fn make(app: &TestApp, fx: &Fixture) -> Tokens {
        let ids = &fx.ids;
        let rep = token(
            app,
            ids.users[1],
            Role::Rep,
            None,
            Some(ids.users[REP_N1_INDEX]),
        )
        .await;
        let manager = token(app, ids.users[1], Role::Manager, Some(ids.units[1]), None).await;
        let admin = token(app, ids.users[0], Role::Admin, None, None).await;
        let revoked = token(app, ids.users[0], Role::Admin, None, None).await;
        let admin_user = user(app, ids.users[0]).await;
        app::repo::tokens::revoke(&app.db, &admin_user, revoked.id, Utc::now())
            .await
            .unwrap();
        Tokens {
            rep: rep.token,
            manager: manager.token,
            admin: admin.token,
            revoked: revoked.token,
        }
    }

    fn of(&self, caller: Caller) -> Option<&str> {
        match caller {
            Caller::Rep => Some(&self.rep),
            Caller::Manager => Some(&self.manager),
            Caller::Admin => Some(&self.admin),
            Caller::Anonymous => None,
            Caller::Revoked => Some(&self.revoked),
        }
    }
}

/// Sends a request with `token` as a Bearer (none: anonymous) and reads the JSON answer.
pub(crate) async fn send(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, format!("{}{path}", app.address));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if let Some(b) = body {
        request = request.json(b);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

fn names(items: &Value, key: &str) -> BTreeSet<String> {
    items["items"]
        .as_array()
        .expect("a page")
        .iter()
        .map(|i| i[key].as_str().unwrap_or("-").to_string())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

async fn every_endpoint_keeps_to_the_tokens_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    let ids = &fx.ids;
    let n1_target = target(
        &app,
        &fx,
        ("assignee_user_id", ids.users[REP_N1_INDEX]),
        "visits",
        40,
        "agreed",
    )
    .await;
    let s1_target = target(
        &app,
        &fx,
        ("assignee_user_id", ids.users[REP_S1_INDEX]),
        "visits",
        40,
        "agreed",
    )
    .await;
    let s1_opp = fx.opportunity_id(5, 0);
    let s1_opp_2 = fx.opportunity_id(5, 1);
    let n2_opp = fx.opportunity_id(4, 0);
    let (_, admin_view) = send(
        &app,
        Some(&tokens.admin),
        Method::GET,
        &format!("/api/v1/opportunities/{s1_opp}"),
        None,
    )
    .await;
    let s1_version = admin_view["opportunity"]["version"]
        .as_i64()
        .expect("version");
    let (_, admin_view) = send(
        &app,
        Some(&tokens.admin),
        Method::GET,
        &format!("/api/v1/opportunities/{s1_opp_2}"),
        None,
    )
    .await;
    let s1_version_2 = admin_view["opportunity"]["version"]
        .as_i64()
        .expect("version");

    // Reads: what each caller sees, by owner or assignee.
    let (n1, n2, s1) = ("rep n1", "rep n2", "rep s1");
    let reads: Vec<(&str, [BTreeSet<String>; 3])> = vec![
        (
            "/api/v1/opportunities?page_size=200",
            [set(&[n1]), set(&[n1, n2]), set(&[n1, n2, s1])],
        ),
        (
            "/api/v1/customers?page_size=200",
            [set(&[n1]), set(&[n1, n2]), set(&[n1, n2, s1, "-"])],
        ),
    ];
    for (path, expected) in &reads {
        for caller in CALLERS {
            let (status, body) = send(&app, tokens.of(caller), Method::GET, path, None).await;
            match caller {
                Caller::Anonymous | Caller::Revoked => {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{caller:?} {path}");
                    assert_eq!(body["error"]["code"], "unauthorized");
                }
                _ => {
                    assert_eq!(status, StatusCode::OK, "{caller:?} {path}: {body}");
                    assert_eq!(
                        names(&body, "owner_name"),
                        expected[caller as usize],
                        "{caller:?} {path}"
                    );
                }
            }
        }
    }
    let target_ids = |body: &Value| -> BTreeSet<i64> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    let expected_targets = [
        BTreeSet::from([n1_target]),
        BTreeSet::from([n1_target]),
        BTreeSet::from([n1_target, s1_target]),
    ];
    for caller in [Caller::Rep, Caller::Manager, Caller::Admin] {
        // Every view the role may ask for stays inside its scope.
        for view in ["mine", "team", "company"] {
            let (status, body) = send(
                &app,
                tokens.of(caller),
                Method::GET,
                &format!("/api/v1/targets?view={view}"),
                None,
            )
            .await;
            if status == StatusCode::OK {
                assert!(
                    target_ids(&body).is_subset(&expected_targets[caller as usize]),
                    "{caller:?} {view}: {body}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{caller:?} {view}"
                );
            }
        }
        let (status, body) = send(
            &app,
            tokens.of(caller),
            Method::GET,
            "/api/v1/targets",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            target_ids(&body),
            expected_targets[caller as usize],
            "{caller:?}"
        );
    }

    // One row each: [rep, manager, admin, anonymous, revoked].
    let one: Vec<(String, [u16; 5])> = vec![
        (
            format!("/api/v1/opportunities/{s1_opp}"),
            [404, 404, 200, 401, 401],
        ),
        (
            format!("/api/v1/opportunities/{n2_opp}"),
            [404, 200, 200, 401, 401],
        ),
        (
            format!("/api/v1/targets/{s1_target}"),
            [404, 404, 200, 401, 401],
        ),
        (
            format!("/api/v1/targets/{n1_target}"),
            [200, 200, 200, 401, 401],
        ),
        (
            "/api/v1/customers/plus-minus?list=minus".into(),
            [200, 200, 200, 401, 401],
        ),
        ("/api/v1/stages".into(), [200, 200, 200, 401, 401]),
        ("/api/v1/me".into(), [200, 200, 200, 401, 401]),
        (
            "/api/export/opportunities.csv".into(),
            [200, 200, 200, 401, 401],
        ),
    ];
    for (path, expected) in &one {
        for caller in CALLERS {
            let (status, _) = send(&app, tokens.of(caller), Method::GET, path, None).await;
            assert_eq!(
                status.as_u16(),
                expected[caller as usize],
                "{caller:?} GET {path}"
            );
        }
    }
    let (_, me) = send(&app, Some(&tokens.rep), Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        (me["role"].as_str(), me["email"].as_str()),
        (Some("rep"), Some(REP_N1))
    );

    // Writes at South's customers and opportunities: refused for the rep and the North
    // manager, nothing stored, then done by the admin (with the version they all saw, which
    // proves the refusals changed nothing).
    let s1_customer = fx.customer_id(5, 0);
    let (lead, negotiation, s1_user) = (
        fx.stage_id(LEAD),
        fx.stage_id(NEGOTIATION),
        ids.users[REP_S1_INDEX],
    );
    let now = Utc::now();
    let opportunity = move |title: &str| {
        json!({
            "title": title, "customer_id": s1_customer, "value": "1000.00",
            "expected_close_on": (now + Duration::days(20)).date_naive(), "stage_id": lead,
        })
    };
    type Body = Box<dyn Fn(Caller) -> Value>;
    let writes: Vec<(Method, String, Body, [u16; 5])> = vec![
        (
            Method::POST,
            format!("/api/v1/opportunities/{s1_opp}/move"),
            Box::new(move |_| json!({"version": s1_version, "stage_id": negotiation})),
            [404, 404, 200, 401, 401],
        ),
        (
            Method::PUT,
            format!("/api/v1/opportunities/{s1_opp_2}"),
            Box::new(move |c| {
                let mut o = opportunity(&format!("Renamed by {c:?}"));
                o["version"] = json!(s1_version_2);
                o
            }),
            [404, 404, 200, 401, 401],
        ),
        (
            Method::POST,
            "/api/v1/opportunities".into(),
            Box::new(move |c| opportunity(&format!("New by {c:?}"))),
            [422, 422, 201, 401, 401],
        ),
        (
            Method::POST,
            "/api/v1/activities".into(),
            Box::new(
                move |c| json!({"client_id": format!("call-{c:?}-0001"), "customer_id": s1_customer, "kind": "call", "occurred_at": now}),
            ),
            [404, 404, 201, 401, 401],
        ),
        (
            Method::POST,
            "/api/v1/check-ins".into(),
            Box::new(
                move |c| json!({"client_id": format!("visit-{c:?}-0001"), "customer_id": s1_customer, "device_time": now, "location_error": "denied"}),
            ),
            [404, 404, 201, 401, 401],
        ),
        (
            Method::POST,
            "/api/v1/sales".into(),
            Box::new(
                |_| json!({"sales": [{"customer_ref": "Customer-5-0", "date": "2026-03-02", "amount": "990.00", "reference": "INV-S1"}]}),
            ),
            [403, 422, 200, 401, 401],
        ),
        (
            Method::POST,
            "/api/v1/customers".into(),
            Box::new(
                |_| json!({"customers": [{"customer_ref": "Customer-5-2", "name": "Taken over", "owner_email": REP_N1, "segment": "price"}]}),
            ),
            [403, 422, 200, 401, 401],
        ),
        (
            Method::POST,
            "/api/v1/targets".into(),
            Box::new(move |_| {
                json!({
                "statement": "Rep S1 makes 30 customer visits this quarter", "metric": "visits", "value": "30",
                "start": (now + Duration::days(1)).date_naive(), "end": (now + Duration::days(80)).date_naive(),
                "assignee": format!("user-{s1_user}"), "rationale": "Visits drive the spring orders in the south.",
                "acknowledge_warnings": true })
            }),
            [422, 422, 201, 401, 401],
        ),
    ];
    for (method, path, body, expected) in &writes {
        for caller in CALLERS {
            let (status, answer) = send(
                &app,
                tokens.of(caller),
                method.clone(),
                path,
                Some(&body(caller)),
            )
            .await;
            assert_eq!(
                status.as_u16(),
                expected[caller as usize],
                "{caller:?} {method} {path}: {answer}"
            );
            if !status.is_success() {
                assert!(answer["error"]["message"].is_string(), "{answer}");
            }
        }
    }
    // Only the admin's writes are stored.
    type Column = Vec<(String,)>;
    let (activities, check_ins, titles): (Column, Column, Column) = (
        sql("SELECT client_id FROM activities WHERE client_id IS NOT NULL")
            .fetch_all(&app.db)
            .await
            .unwrap(),
        sql("SELECT client_id FROM check_ins")
            .fetch_all(&app.db)
            .await
            .unwrap(),
        sql("SELECT title FROM opportunities WHERE title LIKE '%by %'")
            .fetch_all(&app.db)
            .await
            .unwrap(),
    );
    assert_eq!(
        activities,
        vec![("call-Admin-0001".to_string(),)],
        "only the admin's call"
    );
    assert_eq!(check_ins, vec![("visit-Admin-0001".to_string(),)]);
    let mut titles: Vec<String> = titles.into_iter().map(|t| t.0).collect();
    titles.sort();
    assert_eq!(titles, ["New by Admin", "Renamed by Admin"]);
}

async fn tokens_are_hashed_shown_once_scoped_to_their_creator_and_revocable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let north = fx.ids.units[1].to_string();
    let south = fx.ids.units[2].to_string();
    let rep_s1 = fx.ids.users[REP_S1_INDEX].to_string();
    let rep_n1 = fx.ids.users[REP_N1_INDEX].to_string();

    // Refusals name their field, and store nothing.
    for (form, field) in [
        (
            vec![("name", " "), ("role", "manager"), ("unit", north.as_str())],
            "name",
        ),
        (vec![("name", "BI"), ("role", "admin")], "role"),
        (
            vec![
                ("name", "BI"),
                ("role", "manager"),
                ("unit", south.as_str()),
            ],
            "unit",
        ),
        (
            vec![("name", "BI"), ("role", "rep"), ("person", rep_s1.as_str())],
            "person",
        ),
    ] {
        let response = app.call(&manager, "create_api_token", &form).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form:?}"
        );
        assert_eq!(app_error(response).await.field(), Some(field));
    }
    let rep = signed_in(&app, REP_N1).await;
    let response = app
        .call(
            &rep,
            "create_api_token",
            &[("name", "Mine"), ("role", "rep"), ("person", &rep_n1)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A rep lists only the tokens acting as them: none yet.
    let mine: Vec<TokenRow> = app
        .call(&rep, "api_tokens", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(mine.is_empty());

    let response = app
        .call(
            &manager,
            "create_api_token",
            &[("name", "ERP sync"), ("role", "manager"), ("unit", &north)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let created: CreatedToken = response.json().await.unwrap();
    assert!(created.token.starts_with("pacer_") && created.token.len() == 70);

    // Stored as a hash: the token itself is nowhere in the table.
    let (hash, hint): (String, String) =
        sql("SELECT token_hash, hint FROM api_tokens WHERE id = $1")
            .bind(created.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_ne!(hash, created.token);
    assert_eq!(hash.len(), 64);
    assert!(created.token.ends_with(&hint));
    let rows: Vec<TokenRow> = app
        .call(&manager, "api_tokens", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].name.as_str(),
            rows[0].scope.as_str(),
            rows[0].hint.as_str()
        ),
        ("ERP sync", "North", hint.as_str())
    );
    assert!(rows[0].last_used_at.is_none());
    assert_eq!(rows[0].acts_as, "manager north");

    let (status, me) = send(&app, Some(&created.token), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["role"].as_str(), me["unit_name"].as_str()),
        (Some("manager"), Some("North"))
    );
    // Last use is written shortly after the first lookup.
    let mut used = false;
    for _ in 0..500 {
        let rows: Vec<TokenRow> = app
            .call(&manager, "api_tokens", &[])
            .await
            .json()
            .await
            .unwrap();
        if rows[0].last_used_at.is_some() {
            used = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(used, "last use recorded");

    // Another manager cannot revoke it; the admin sees it; its creator revokes it, at once.
    let south_manager = signed_in(&app, MANAGER_SOUTH).await;
    let id = created.id.to_string();
    assert_eq!(
        app.call(&south_manager, "revoke_api_token", &[("id", &id)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let admin = signed_in(&app, ADMIN).await;
    let all: Vec<TokenRow> = app
        .call(&admin, "api_tokens", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        app.call(&manager, "revoke_api_token", &[("id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    let (status, body) = send(&app, Some(&created.token), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let rows: Vec<TokenRow> = app
        .call(&manager, "api_tokens", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(rows[0].revoked_at.is_some());

    // A made-up token, a malformed header: 401 with the error body.
    for header in ["Bearer pacer_0000", "Bearer", "Basic dXNlcjpwYXNz"] {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/me", app.address))
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

async fn tokens_open_the_api_and_exports_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Elsewhere a token counts for nothing: pages send to the sign-in, server functions 401.
    for (method, path, expected) in [
        (Method::GET, "/", StatusCode::SEE_OTHER),
        (Method::GET, "/board", StatusCode::SEE_OTHER),
        (Method::POST, "/api/customers", StatusCode::UNAUTHORIZED),
        (Method::POST, "/api/current_user", StatusCode::UNAUTHORIZED),
    ] {
        let response = client
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(&tokens.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{method} {path}");
    }
    // A proxy's Basic header beside a session leaves the session in charge; the scheme's case
    // does not matter.
    let browser = signed_in(&app, REP_N1).await;
    let response = browser
        .get(format!("{}/api/v1/me", app.address))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.address))
        .header("Authorization", format!("bearer {}", tokens.rep))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _) = send(
        &app,
        Some(&tokens.admin),
        Method::GET,
        "/api/export/check-ins.csv",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // A signed-in browser uses the API with its session, no token needed.
    let browser = signed_in(&app, REP_N1).await;
    let response = browser
        .get(format!("{}/api/v1/me", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn the_rate_limit_answers_429_with_retry_after_per_token(backend: Backend) {
    let app = TestApp::spawn_configured(backend, false, |s| {
        s.api_rate = server::configuration::ApiRate {
            per_second: 1,
            burst: 3,
        };
    })
    .await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    // The burst is there at once; then one a second, so a slow machine may get one or two
    // more before the refusal.
    for _ in 0..3 {
        let (status, _) = send(&app, Some(&tokens.rep), Method::GET, "/api/v1/me", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let mut refused = None;
    for _ in 0..20 {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/opportunities", app.address))
            .bearer_auth(&tokens.rep)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = refused.expect("a 429 within 20 requests at 1 a second");
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    // Another token has its own allowance.
    let (status, _) = send(&app, Some(&tokens.manager), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    // After the wait the first token is served again.
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    let (status, _) = send(&app, Some(&tokens.rep), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
}

/// Issue 25: a read-only token is refused on every write the API documents (403) and reads;
/// an expired token is unknown (401), also when it was resolved and kept just before; the rep
/// a token acts as sees it on their account and revokes it; a session on the API is held to
/// the API's rate; an address presenting many unknown tokens is refused without a lookup.
async fn read_only_expired_and_unknown_tokens_are_held(backend: Backend) {
    let app = TestApp::spawn_configured(backend, false, |s| {
        s.api_rate = server::configuration::ApiRate {
            per_second: 1,
            burst: 40,
        };
    })
    .await;
    let fx = Fixture::load(&app.db).await;
    let admin = user(&app, fx.ids.users[0]).await;
    let make = |read_only: bool, expires_at: Option<chrono::DateTime<Utc>>| {
        let (app, admin) = (&app, &admin);
        async move {
            let request = TokenRequest {
                name: "BI".into(),
                role: Role::Admin,
                unit: None,
                person: None,
                read_only,
                expires_at,
            };
            app::repo::tokens::create(&app.db, admin, &request, Utc::now())
                .await
                .unwrap()
                .token
        }
    };
    let reader = make(true, None).await;
    let (status, _) = send(
        &app,
        Some(&reader),
        Method::GET,
        "/api/v1/opportunities",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Every write in the API's own description, refused before it is read.
    let (_, spec) = send(&app, None, Method::GET, "/api/v1/openapi.json", None).await;
    let mut writes = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            writes += 1;
            let path = path
                .replace("{id}", "1")
                .replace("{client_id}", "x-12345678");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) =
                send(&app, Some(&reader), method.clone(), &path, Some(&json!({}))).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("read-only"),
                "{body}"
            );
        }
    }
    assert!(writes >= 8, "the API documents its writes ({writes})");
    let before = sales_count(&app).await;
    let sale = json!([{"customer_ref": "K-1", "day": "2026-11-02", "amount": "10.00"}]);
    let (status, _) = send(
        &app,
        Some(&reader),
        Method::POST,
        "/api/v1/sales",
        Some(&sale),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(sales_count(&app).await, before);

    // Expired: unknown. One that expires while kept is unknown from then on.
    let expired = make(false, Some(Utc::now() - Duration::minutes(1))).await;
    let (status, body) = send(&app, Some(&expired), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let soon = make(false, Some(Utc::now() + Duration::seconds(2))).await;
    let (status, _) = send(&app, Some(&soon), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    let (status, _) = send(&app, Some(&soon), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The rep a token acts as sees it and revokes it; the manager who made it sees it gone.
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let rep_id = fx.ids.users[REP_N1_INDEX].to_string();
    let response = app
        .call(
            &manager,
            "create_api_token",
            &[
                ("name", "Phone app"),
                ("role", "rep"),
                ("person", &rep_id),
                ("expires", "30"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let phone: CreatedToken = response.json().await.unwrap();
    let rep = signed_in(&app, REP_N1).await;
    let mine: Vec<TokenRow> = app
        .call(&rep, "my_api_tokens", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].name.as_str(), mine[0].read_only),
        ("Phone app", false)
    );
    let days = (mine[0].expires_at.unwrap() - Utc::now()).num_days();
    assert!((29..=30).contains(&days), "{days}");
    let id = phone.id.to_string();
    let revoked = app.call(&rep, "revoke_api_token", &[("id", &id)]).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let (status, _) = send(&app, Some(&phone.token), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let theirs: Vec<TokenRow> = app
        .call(&manager, "api_tokens", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs
        .iter()
        .any(|t| t.id == phone.id && t.revoked_at.is_some()));
    // Another rep cannot revoke what is not theirs.
    let other = signed_in(&app, REP_N2).await;
    let refused = app.call(&other, "revoke_api_token", &[("id", &id)]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // A session on the API has the API's allowance (a burst of 40 here, then one a second).
    let mut limited = false;
    for _ in 0..80 {
        let status = rep
            .get(format!("{}/api/v1/me", app.address))
            .send()
            .await
            .unwrap()
            .status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(status, StatusCode::OK);
    }
    assert!(limited, "a session on /api/v1 is rate limited");
    // Pages and server functions are not the API: the session still works there.
    assert_eq!(app.get(&rep, "/customers").await.status(), StatusCode::OK);

    // Unknown tokens: 20 at once from one address, then 429 without a lookup, for any token
    // from there until the quota has room again.
    let mut statuses = Vec::new();
    for n in 0..25 {
        let guess = format!("pacer_{n:064}");
        statuses.push(
            send(&app, Some(&guess), Method::GET, "/api/v1/me", None)
                .await
                .0,
        );
    }
    let unknown = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let held = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // 20 unknown tokens at once: the expired one and the one that expired while kept, above,
    // were two of them.
    assert!(
        (18..=19).contains(&unknown) && unknown + held == 25,
        "{statuses:?}"
    );
    // A token at work moments ago goes on; one not seen before waits with the guesses.
    let (status, body) = send(&app, Some(&reader), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = make(false, None).await;
    let (status, body) = send(&app, Some(&fresh), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

async fn sales_count(app: &TestApp) -> i64 {
    let (n,): (i64,) = sql("SELECT COUNT(*) FROM sales")
        .fetch_one(&app.db)
        .await
        .unwrap();
    n
}

async fn bulk_sales_and_customers_are_all_or_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    let before = sales_count(&app).await;
    let sale = |amount: &str, reference: &str| json!({"customer_ref": "Customer-3-0", "date": "2026-02-03", "amount": amount, "reference": reference});
    let bad = json!({"sales": [sale("100.00", "A-1"), sale("ten", "A-2"), sale("5", "A-3"), {"customer_ref": "", "date": "2026-02-03", "amount": "1"}]});
    let (status, body) = send(
        &app,
        Some(&tokens.manager),
        Method::POST,
        "/api/v1/sales",
        Some(&bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "sales[1].amount");
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["sales[1].amount", "sales[3].customer_ref"]);
    assert_eq!(sales_count(&app).await, before, "nothing stored");

    let multi_line = json!({"sales": [sale("1", "A\nB")]});
    let (status, body) = send(
        &app,
        Some(&tokens.manager),
        Method::POST,
        "/api/v1/sales",
        Some(&multi_line),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "sales[0].reference");
    let (status, body) = send(
        &app,
        Some(&tokens.manager),
        Method::POST,
        "/api/v1/sales",
        Some(&json!({"sales": []})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("sales"))
    );

    let good = json!({"sales": [sale("100.00", "A-1"), sale("250.50", "A-2"), {"customer_ref": "NEW-9", "date": "2026-02-04", "amount": "75"}]});
    let (status, body) = send(
        &app,
        Some(&tokens.manager),
        Method::POST,
        "/api/v1/sales",
        Some(&good),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["created"].as_u64(), body["new_customers"][0].as_str()),
        (Some(3), Some("NEW-9"))
    );
    assert_eq!(sales_count(&app).await, before + 3);
    // Sent again: nothing twice.
    let (status, body) = send(
        &app,
        Some(&tokens.manager),
        Method::POST,
        "/api/v1/sales",
        Some(&good),
    )
    .await;
    assert_eq!(
        (status, body["unchanged"].as_u64()),
        (StatusCode::OK, Some(3)),
        "{body}"
    );
    assert_eq!(sales_count(&app).await, before + 3);
    // The sale shows in the customer's turnover through the API.
    let (_, page) = send(
        &app,
        Some(&tokens.manager),
        Method::GET,
        "/api/v1/customers?search=Customer-3-0&from=2026-01-01&to=2026-12-31",
        None,
    )
    .await;
    assert_eq!(page["items"][0]["turnover"], "350.50", "{page}");

    // Customers: a bad segment refuses the whole request.
    let customers = json!({"customers": [
        {"customer_ref": "K-1", "name": "Kiel Kontor", "segment": "price", "lat": 54.32, "lon": 10.13},
        {"customer_ref": "K-2", "name": "", "segment": "relationship"}]});
    let (status, body) = send(
        &app,
        Some(&tokens.manager),
        Method::POST,
        "/api/v1/customers",
        Some(&customers),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("customers[1].name"))
    );
    let (status, body) = send(
        &app,
        Some(&tokens.manager),
        Method::POST,
        "/api/v1/customers",
        Some(&json!({"customers": [{"customer_ref": "K-1", "name": "Kiel", "segment": "vip"}]})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown segment: {body}"
    );
    let (_, page) = send(
        &app,
        Some(&tokens.manager),
        Method::GET,
        "/api/v1/customers?search=Kiel",
        None,
    )
    .await;
    assert_eq!(page["total"], 0);
    let one = json!({"customers": [{"customer_ref": "K-1", "name": "Kiel Kontor", "segment": "price", "lat": 54.32, "lon": 10.13}]});
    let (status, body) = send(
        &app,
        Some(&tokens.manager),
        Method::POST,
        "/api/v1/customers",
        Some(&one),
    )
    .await;
    assert_eq!(
        (status, body["created"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    let (_, page) = send(
        &app,
        Some(&tokens.manager),
        Method::GET,
        "/api/v1/customers?search=Kiel",
        None,
    )
    .await;
    assert_eq!(
        page["items"][0]["owner_name"], "manager north",
        "a manager's new customer is theirs"
    );
}

async fn activities_and_check_ins_are_stored_once_per_client_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    let customer = fx.customer_id(3, 1);
    let now = Utc::now();
    let call = json!({"client_id": "crm-call-000123", "customer_id": customer, "kind": "call", "occurred_at": now, "notes": "Spring order"});
    let sends = (0..5).map(|_| {
        send(
            &app,
            Some(&tokens.rep),
            Method::POST,
            "/api/v1/activities",
            Some(&call),
        )
    });
    let answers = futures::future::join_all(sends).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let again = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::OK && b["duplicate"] == true)
        .count();
    assert_eq!((created, again), (1, 4), "{answers:?}");
    let ids: BTreeSet<i64> = answers
        .iter()
        .map(|(_, b)| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 1);
    let (n,): (i64,) = sql("SELECT COUNT(*) FROM activities WHERE client_id = 'crm-call-000123'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Issue 25: the same id with other content is no resend. It is refused (409) with both
    // versions' key fields, and the stored activity stays as it was.
    let mut changed = call.clone();
    changed["notes"] = json!("Autumn order");
    let (status, body) = send(
        &app,
        Some(&tokens.rep),
        Method::POST,
        "/api/v1/activities",
        Some(&changed),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["field"], "client_id", "{body}");
    assert_eq!(
        (
            body["stored"]["notes"].as_str(),
            body["sent"]["notes"].as_str()
        ),
        (Some("Spring order"), Some("Autumn order")),
        "{body}"
    );
    assert_eq!(body["stored"]["customer_id"], json!(customer), "{body}");
    assert_eq!(body["id"].as_i64(), ids.first().copied(), "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("crm-call-000123")
            && message.contains("notes")
            && !message.contains("kind"),
        "{message}"
    );
    let (notes,): (String,) =
        sql("SELECT notes FROM activities WHERE client_id = 'crm-call-000123'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(notes, "Spring order");
    // Two tokens of one person over different units share that person's client ids: the one
    // that may not see the stored activity's customer learns nothing of it from the 409.
    let north = token(
        &app,
        fx.ids.users[0],
        Role::Manager,
        Some(fx.ids.units[1]),
        None,
    )
    .await;
    let south = token(
        &app,
        fx.ids.users[0],
        Role::Manager,
        Some(fx.ids.units[2]),
        None,
    )
    .await;
    let secret = json!({"client_id": "crm-shared-0001", "customer_id": customer, "kind": "call",
        "occurred_at": now, "notes": "North's plans"});
    let (status, body) = send(
        &app,
        Some(&north.token),
        Method::POST,
        "/api/v1/activities",
        Some(&secret),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut theirs = secret.clone();
    theirs["customer_id"] = json!(fx.customer_id(REP_S1_INDEX, 0));
    theirs["notes"] = json!("South's call");
    let (status, body) = send(
        &app,
        Some(&south.token),
        Method::POST,
        "/api/v1/activities",
        Some(&theirs),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["stored"].is_null(), "{body}");
    assert!(!body.to_string().contains("North's plans"), "{body}");
    // Ids are each user's own: the same id from another system's user is its own activity.
    let (status, body) = send(
        &app,
        Some(&tokens.admin),
        Method::POST,
        "/api/v1/activities",
        Some(&call),
    )
    .await;
    assert_eq!(
        (status, body["duplicate"].as_bool()),
        (StatusCode::CREATED, Some(false)),
        "{body}"
    );
    // A future time names its field.
    let mut future = call.clone();
    future["client_id"] = json!("crm-call-000124");
    future["occurred_at"] = json!(now + Duration::hours(2));
    let (status, body) = send(
        &app,
        Some(&tokens.rep),
        Method::POST,
        "/api/v1/activities",
        Some(&future),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("occurred_at"))
    );
    let mut wrong_kind = call.clone();
    wrong_kind["kind"] = json!("lunch");
    let (status, body) = send(
        &app,
        Some(&tokens.rep),
        Method::POST,
        "/api/v1/activities",
        Some(&wrong_kind),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "kind", "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("kind"),
        "{body}"
    );

    // An initial contact sets the customer's first contact; a check-in counts as a visit.
    let first = json!({"client_id": "crm-first-0001", "customer_id": customer, "kind": "initial_contact", "occurred_at": now - Duration::days(3)});
    assert_eq!(
        send(
            &app,
            Some(&tokens.rep),
            Method::POST,
            "/api/v1/activities",
            Some(&first)
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (first_contact,): (Option<chrono::NaiveDate>,) =
        sql("SELECT first_contact_on FROM customers WHERE id = $1")
            .bind(customer)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(first_contact, Some((now - Duration::days(3)).date_naive()));
    let visit = json!({"client_id": "0f8c2a4e-6b1d-4c3e-9a7f-2d5e8b1c4a90", "customer_id": customer, "device_time": now,
        "position": {"lat": 53.55, "lon": 9.99, "accuracy_m": 20.0}});
    let (status, body) = send(
        &app,
        Some(&tokens.rep),
        Method::POST,
        "/api/v1/check-ins",
        Some(&visit),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["verification"].as_str(), body["duplicate"].as_bool()),
        (Some("unverified"), Some(false))
    );
    let (status, body) = send(
        &app,
        Some(&tokens.rep),
        Method::POST,
        "/api/v1/check-ins",
        Some(&visit),
    )
    .await;
    assert_eq!(
        (status, body["duplicate"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    // The same check-in id from another place is refused with both positions.
    let mut moved = visit.clone();
    moved["position"] = json!({"lat": 48.14, "lon": 11.58, "accuracy_m": 20.0});
    let (status, body) = send(
        &app,
        Some(&tokens.rep),
        Method::POST,
        "/api/v1/check-ins",
        Some(&moved),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        (body["stored"]["lat"].as_f64(), body["sent"]["lat"].as_f64()),
        (Some(53.55), Some(48.14)),
        "{body}"
    );
    let (visits,): (i64,) =
        sql("SELECT COUNT(*) FROM activities WHERE customer_id = $1 AND kind = 'visit'")
            .bind(customer)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(visits, 1);
}

async fn opportunity_writes_check_the_version(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    let rep = Some(tokens.rep.as_str());
    let write = json!({"title": "Spring tooling", "customer_id": fx.customer_id(3, 2), "value": "12500.00",
        "expected_close_on": "2027-03-31", "stage_id": fx.stage_id(LEAD), "probability_pct": 15});
    let (status, created) = send(
        &app,
        rep,
        Method::POST,
        "/api/v1/opportunities",
        Some(&write),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (
            created["owner_name"].as_str(),
            created["value"].as_str(),
            created["version"].as_i64()
        ),
        (Some("rep n1"), Some("12500.00"), Some(1))
    );
    let id = created["id"].as_i64().unwrap();

    let mut update = write.clone();
    update["title"] = json!("Spring tooling, phase 1");
    update["version"] = json!(1);
    let (status, updated) = send(
        &app,
        rep,
        Method::PUT,
        &format!("/api/v1/opportunities/{id}"),
        Some(&update),
    )
    .await;
    assert_eq!(
        (status, updated["version"].as_i64()),
        (StatusCode::OK, Some(2)),
        "{updated}"
    );
    // The same change again, from version 1: someone changed it since.
    let (status, body) = send(
        &app,
        rep,
        Method::PUT,
        &format!("/api/v1/opportunities/{id}"),
        Some(&update),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let stale_move = json!({"version": 1, "stage_id": fx.stage_id(PROPOSAL)});
    let (status, _) = send(
        &app,
        rep,
        Method::POST,
        &format!("/api/v1/opportunities/{id}/move"),
        Some(&stale_move),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let lost = json!({"version": 2, "stage_id": fx.stage_id(LOST)});
    let (status, body) = send(
        &app,
        rep,
        Method::POST,
        &format!("/api/v1/opportunities/{id}/move"),
        Some(&lost),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lost_reason"))
    );
    let moved = json!({"version": 2, "stage_id": fx.stage_id(PROPOSAL)});
    let (status, body) = send(
        &app,
        rep,
        Method::POST,
        &format!("/api/v1/opportunities/{id}/move"),
        Some(&moved),
    )
    .await;
    assert_eq!(
        (status, body["stage_id"].as_i64(), body["version"].as_i64()),
        (StatusCode::OK, Some(fx.stage_id(PROPOSAL)), Some(3))
    );
    let (_, detail) = send(
        &app,
        rep,
        Method::GET,
        &format!("/api/v1/opportunities/{id}"),
        None,
    )
    .await;
    assert_eq!(detail["history"].as_array().unwrap().len(), 2, "{detail}");

    // Bad input: each names what is wrong.
    let mut bad = write.clone();
    bad["value"] = json!("lots");
    let (status, body) = send(&app, rep, Method::POST, "/api/v1/opportunities", Some(&bad)).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("value"))
    );
    let (status, body) = send(
        &app,
        rep,
        Method::POST,
        "/api/v1/opportunities",
        Some(&json!({"title": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "customer_id", "{body}");
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/opportunities", app.address))
        .bearer_auth(&tokens.rep)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/opportunities", app.address))
        .bearer_auth(&tokens.rep)
        .body("title=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = send(&app, rep, Method::GET, "/api/v1/opportunities/abc", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn pages_walk_every_row_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    let admin = Some(tokens.admin.as_str());
    let mut seen = Vec::new();
    for page in 1.. {
        let (status, body) = send(
            &app,
            admin,
            Method::GET,
            &format!("/api/v1/opportunities?page_size=4&page={page}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_i64().unwrap()),
        );
        if !body["has_more"].as_bool().unwrap() {
            assert_eq!(page, 2);
            break;
        }
    }
    let mut all = fx.ids.opportunities.clone();
    all.sort();
    assert_eq!(seen, all);
    // Past the last page a list still counts what matches.
    let (_, first) = send(
        &app,
        admin,
        Method::GET,
        "/api/v1/customers?page_size=5",
        None,
    )
    .await;
    let (status, beyond) = send(
        &app,
        admin,
        Method::GET,
        "/api/v1/customers?page_size=5&page=40",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(beyond["items"].as_array().unwrap().len(), 0);
    assert_eq!(beyond["total"], first["total"]);
    assert_eq!(first["total"], 10, "{first}");
    // Filters narrow within the scope: South's unit for the North manager is empty.
    let south = fx.ids.units[2];
    let (_, body) = send(
        &app,
        Some(&tokens.manager),
        Method::GET,
        &format!("/api/v1/opportunities?unit={south}"),
        None,
    )
    .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 0);
    let n2 = fx.ids.users[REP_N2_INDEX];
    let (_, body) = send(
        &app,
        Some(&tokens.manager),
        Method::GET,
        &format!(
            "/api/v1/opportunities?owner={n2}&stage={}",
            fx.stage_id(PROPOSAL)
        ),
        None,
    )
    .await;
    assert_eq!(names(&body, "title"), set(&["Deal 4-0"]));
    for (query, field) in [
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page=0", "page"),
    ] {
        let (status, body) = send(
            &app,
            admin,
            Method::GET,
            &format!("/api/v1/opportunities?{query}"),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field))
        );
    }
    let (status, body) = send(
        &app,
        admin,
        Method::GET,
        "/api/v1/opportunities?from=2026-13-01",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = send(
        &app,
        admin,
        Method::GET,
        "/api/v1/opportunities?from=2026-05-01&to=2026-04-01",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn the_spec_and_its_page_are_public(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, spec) = send(&app, None, Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(spec["openapi"], "3.1.0");
    let paths: BTreeSet<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for path in [
        "/api/v1/customers",
        "/api/v1/customers/plus-minus",
        "/api/v1/sales",
        "/api/v1/opportunities",
        "/api/v1/opportunities/{id}",
        "/api/v1/opportunities/{id}/move",
        "/api/v1/targets",
        "/api/v1/targets/{id}",
        "/api/v1/activities",
        "/api/v1/check-ins",
        "/api/v1/stages",
        "/api/v1/me",
    ] {
        assert!(paths.contains(path), "{path}");
    }
    let mut operation_ids = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for (_, op) in item.as_object().unwrap() {
            assert!(
                operation_ids.insert(op["operationId"].as_str().unwrap().to_string()),
                "unique operation ids"
            );
            assert!(op["responses"]["429"]["headers"]["Retry-After"].is_object());
        }
    }
    let page = reqwest::get(format!("{}/api/v1/docs", app.address))
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // A page without scripts keeps its own stricter policy, not the pages' nonce'd one.
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        policy.starts_with("default-src 'none'") && !policy.contains("nonce-"),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("/api/v1/opportunities/{id}/move") && html.contains("OpportunityPage"));
}

async fn a_chunked_body_over_the_limit_is_refused(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    let before = sales_count(&app).await;
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/sales HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        tokens.manager
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let line = r#"{"customer_ref":"Customer-3-0","date":"2026-02-03","amount":"1.00"},"#;
    let mut body = String::from(r#"{"sales":["#);
    while body.len() < 3 * 1024 * 1024 {
        body.push_str(line);
    }
    body.push_str(r#"{"customer_ref":"Customer-3-0","date":"2026-02-03","amount":"1.00"}]}"#);
    for chunk in body.as_bytes().chunks(64 * 1024) {
        let sent = stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .and(stream.write_all(chunk).await)
            .and(stream.write_all(b"\r\n").await);
        if sent.is_err() {
            break; // the server answered and closed: that is the point
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert_eq!(sales_count(&app).await, before);
    // A server function (the phone's check-in) with a chunked body over the limit: 413 and
    // nothing stored, not whatever the reader made of a cut-off body.
    let phone = signed_in(&app, REP_N1).await;
    let padding = "x".repeat(64 * 1024);
    let chunks: Vec<Result<String, std::io::Error>> = std::iter::once(Ok(format!(
        "{{\"input\":{{\"client_id\":\"chunked-0001\",\"customer_id\":{},\"device_time\":\"{}\",\"location_error\":\"",
        fx.customer_id(3, 0),
        Utc::now().to_rfc3339()
    )))
    .chain((0..48).map(|_| Ok(padding.clone())))
    .chain(std::iter::once(Ok("\"}}".to_string())))
    .collect();
    let response = phone
        .post(format!("{}/api/check_in", app.address))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await;
    // The server answers 413 and closes; when it closes before the client has read the answer
    // (a race on a loaded machine), the client sees the connection cut instead. Either way,
    // nothing may be stored.
    match response {
        Ok(response) => assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e:?}"),
    }
    let (n,): (i64,) = sql("SELECT COUNT(*) FROM check_ins")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// A manager token over a team nobody manages acts as the manager above it, who is outside
/// the token's sight: what it creates must get an owner inside it, or it would vanish.
async fn a_team_token_gives_new_customers_an_owner_in_the_team(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let team = token(
        &app,
        fx.ids.users[1],
        Role::Manager,
        Some(fx.ids.units[3]),
        None,
    )
    .await;
    let t = Some(team.token.as_str());
    let (_, me) = send(&app, t, Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        (me["email"].as_str(), me["unit_name"].as_str()),
        (Some(MANAGER_NORTH), Some("N1"))
    );

    let sale = json!({"sales": [{"customer_ref": "NEW-1", "date": "2026-02-03", "amount": "10"}]});
    let (status, body) = send(&app, t, Method::POST, "/api/v1/sales", Some(&sale)).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("sales[0].customer_ref")
        ),
        "{body}"
    );
    let unowned =
        json!({"customers": [{"customer_ref": "NEW-1", "name": "Neu GmbH", "segment": "price"}]});
    let (status, body) = send(&app, t, Method::POST, "/api/v1/customers", Some(&unowned)).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("customers[0].owner_email")
        ),
        "{body}"
    );
    let owned = json!({"customers": [{"customer_ref": "NEW-1", "name": "Neu GmbH", "segment": "price", "owner_email": REP_N2}]});
    let (status, body) = send(&app, t, Method::POST, "/api/v1/customers", Some(&owned)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(&app, t, Method::POST, "/api/v1/sales", Some(&sale)).await;
    assert_eq!(
        (status, body["created"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    // Updating it without an owner keeps its owner.
    let renamed = json!({"customers": [{"customer_ref": "NEW-1", "name": "Neu & Co GmbH", "segment": "price"}]});
    let (status, _) = send(&app, t, Method::POST, "/api/v1/customers", Some(&renamed)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = send(&app, t, Method::GET, "/api/v1/customers?search=NEW-1", None).await;
    assert_eq!(
        (
            page["items"][0]["name"].as_str(),
            page["items"][0]["owner_name"].as_str()
        ),
        (Some("Neu & Co GmbH"), Some("rep n2")),
        "{page}"
    );
}
