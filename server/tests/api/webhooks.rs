//! Webhooks (issue 25) against a real HTTP receiver on loopback and real server processes:
//! every event reaches each subscription exactly once, in order, signed with its secret, even
//! when the receiver is down for a while and the server restarts in between; a subscription
//! that keeps failing is paused and the admins' digest says so.

use crate::api_v1::{send, Tokens};
use crate::both_backends;
use crate::helpers::*;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

both_backends!(webhooks_deliver_every_event_once_in_order_signed);

/// One request the receiver took: its path, headers of interest and body.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    delivery: i64,
    event: String,
    signature: String,
    body: String,
}

#[derive(Default)]
struct Receiver {
    up: AtomicBool,
    /// Requests answered 2xx.
    taken: Mutex<Vec<Received>>,
    /// Requests refused while down.
    refused: Mutex<usize>,
}

async fn receive(
    State(r): State<Arc<Receiver>>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: String,
) -> AxumStatus {
    // "/never" is a system that is always down.
    if !r.up.load(Ordering::SeqCst) || path == "never" {
        *r.refused.lock().unwrap() += 1;
        return AxumStatus::SERVICE_UNAVAILABLE;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    r.taken.lock().unwrap().push(Received {
        path,
        delivery: header("pacer-delivery").parse().unwrap_or(-1),
        event: header("pacer-event"),
        signature: header("pacer-signature"),
        body,
    });
    AxumStatus::NO_CONTENT
}

async fn start_receiver() -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/{path}", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, address)
}

/// Subscribes `url` to `events` as the admin; the secret.
async fn subscribe(app: &TestApp, admin: &reqwest::Client, url: &str, events: &str) -> String {
    let response = app
        .call(admin, "create_webhook", &[("url", url), ("events", events)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let created: Value = response.json().await.unwrap();
    created["secret"].as_str().unwrap().to_string()
}

/// Moves opportunity `id` to `stage` through the API; the expected event's key.
async fn move_to(app: &TestApp, token: &str, id: i64, stage: i64) -> (String, i64, i64) {
    let (_, body) = send(
        app,
        Some(token),
        Method::GET,
        &format!("/api/v1/opportunities/{id}"),
        None,
    )
    .await;
    let version = body["opportunity"]["version"].as_i64().unwrap();
    let mut moved = json!({"version": version, "stage_id": stage});
    if body["opportunity"]["stage_id"] == json!(stage) {
        panic!("deal {id} is already in stage {stage}");
    }
    if body["opportunity"]["closed_on"].is_null() && stage_is_lost(app, stage).await {
        moved["lost_reason"] = json!("price");
    }
    let (status, body) = send(
        app,
        Some(token),
        Method::POST,
        &format!("/api/v1/opportunities/{id}/move"),
        Some(&moved),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ("opportunity.stage_changed".into(), id, stage)
}

async fn stage_is_lost(app: &TestApp, stage: i64) -> bool {
    let (kind,): (String,) = app::db::sql("SELECT kind FROM stages WHERE id = $1")
        .bind(stage)
        .fetch_one(&app.db)
        .await
        .unwrap();
    kind == "lost"
}

/// The subscription whose address ends with `path`, as the admin's list shows it.
async fn subscription(app: &TestApp, admin: &reqwest::Client, path: &str) -> Value {
    let list: Value = app
        .call(admin, "list_webhooks", &[])
        .await
        .json()
        .await
        .unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|w| w["url"].as_str().unwrap().ends_with(path))
        .unwrap()
        .clone()
}

/// Waits until `done` holds, up to `seconds`.
async fn wait_for(seconds: u64, what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..seconds * 20 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("waited {seconds} s for {what}");
}

async fn webhooks_deliver_every_event_once_in_order_signed(backend: Backend) {
    // This process's own delivery job sleeps: the server processes below deliver.
    let app = TestApp::spawn_configured(backend, false, |s| {
        s.webhooks.poll = Duration::from_secs(100_000);
    })
    .await;
    let fx = Fixture::load(&app.db).await;
    let tokens = Tokens::make(&app, &fx).await;
    let token = tokens.admin.as_str();
    let admin = signed_in(&app, ADMIN).await;
    let (receiver, address) = start_receiver().await;
    let all = "opportunity.stage_changed,opportunity.won,target.status_changed";
    let secret = subscribe(&app, &admin, &format!("{address}/all"), all).await;
    let won_secret = subscribe(&app, &admin, &format!("{address}/won"), "opportunity.won").await;
    subscribe(&app, &admin, &format!("{address}/never"), all).await;
    // A refused address: the message names the field.
    let refused = app
        .call(
            &admin,
            "create_webhook",
            &[("url", "erp.example.com"), ("events", all)],
        )
        .await;
    assert_eq!(app_error(refused).await.field(), Some("url"));
    let rep = signed_in(&app, REP_N1).await;
    let not_admin = app
        .call(
            &rep,
            "create_webhook",
            &[("url", "https://x.example"), ("events", all)],
        )
        .await;
    assert_eq!(not_admin.status(), StatusCode::FORBIDDEN);

    let fast = |pause_after: &str| {
        vec![
            ("PACER_WEBHOOK_POLL_MS", "50".to_string()),
            ("PACER_WEBHOOK_RETRY_MS", "100".to_string()),
            ("PACER_WEBHOOK_PAUSE_AFTER_SECONDS", pause_after.to_string()),
        ]
    };
    // The receiver is down; a server delivers, fails, and is stopped.
    let first = ServerProcess::on_with(&app.url, &fast("86400")).await;
    let deals: Vec<i64> = (0..3).map(|n| fx.opportunity_id(REP_N1_INDEX, n)).collect();
    let mut expected = vec![
        move_to(&app, token, deals[0], fx.stage_id(NEGOTIATION)).await,
        move_to(&app, token, deals[1], fx.stage_id(WON)).await,
    ];
    expected.insert(2, ("opportunity.won".into(), deals[1], fx.stage_id(WON)));
    let refused_before = || *receiver.refused.lock().unwrap();
    wait_for(10, "failed attempts", || refused_before() >= 4).await;
    drop(first);
    // Written while no server delivers: the outbox keeps it.
    expected.push(move_to(&app, token, deals[2], fx.stage_id(LOST)).await);
    let target = target(
        &app,
        &fx,
        ("assignee_user_id", fx.ids.users[REP_N1_INDEX]),
        "turnover",
        5000,
        "draft",
    )
    .await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let target_id = target.to_string();
    let proposed = app
        .call(
            &manager,
            "target_transition",
            &[
                ("id", target_id.as_str()),
                ("version", "1"),
                ("action", "propose"),
                ("comment", ""),
                ("counter", ""),
            ],
        )
        .await;
    assert_eq!(proposed.status(), StatusCode::OK);
    let all_hook = subscription(&app, &admin, "/all").await;
    assert_eq!(all_hook["last_status"], json!("503"), "{all_hook}");
    assert!(all_hook["failing_since"].is_string());
    assert_eq!(all_hook["pending"], json!(5), "{all_hook}");

    // The receiver comes back, and so does a server (another process): everything arrives.
    receiver.up.store(true, Ordering::SeqCst);
    let second = ServerProcess::on_with(&app.url, &fast("2")).await;
    let taken = |path: &str| -> Vec<Received> {
        receiver
            .taken
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    };
    wait_for(60, "every event", || {
        taken("all").len() >= 5 && !taken("won").is_empty()
    })
    .await;
    // The always-failing one is paused after failing for 2 s.
    let paused = || subscription(&app, &admin, "/never");
    let mut never = paused().await;
    for _ in 0..600 {
        if never["paused_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        never = paused().await;
    }
    assert!(never["paused_at"].is_string(), "{never}");
    assert!(
        never["paused_reason"]
            .as_str()
            .unwrap()
            .contains("failed since"),
        "{never}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(second);

    let all_taken = taken("all");
    assert_eq!(all_taken.len(), 5, "exactly once: {all_taken:?}");
    let ids: Vec<i64> = all_taken.iter().map(|r| r.delivery).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "in order, none twice");
    let mut got = Vec::new();
    for r in &all_taken {
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["event"].as_str(), Some(r.event.as_str()));
        assert_eq!(body["id"].as_i64(), Some(r.delivery));
        verify(&secret, &r.signature, &r.body);
        let data = &body["data"];
        match r.event.as_str() {
            "target.status_changed" => {
                assert_eq!(
                    (
                        data["target_id"].as_i64(),
                        data["from_status"].as_str(),
                        data["to_status"].as_str()
                    ),
                    (Some(target), Some("draft"), Some("proposed"))
                );
            }
            _ => got.push((
                r.event.clone(),
                data["opportunity_id"].as_i64().unwrap(),
                data["to_stage_id"].as_i64().unwrap(),
            )),
        }
    }
    assert_eq!(got, expected);
    assert_eq!(all_taken.last().unwrap().event, "target.status_changed");
    // The won-only subscription got the won deal, once, signed with its own secret.
    let won = taken("won");
    assert_eq!(won.len(), 1, "{won:?}");
    assert_eq!(won[0].event, "opportunity.won");
    verify(&won_secret, &won[0].signature, &won[0].body);
    let data: Value = serde_json::from_str(&won[0].body).unwrap();
    assert_eq!(data["data"]["opportunity_id"].as_i64(), Some(deals[1]));
    assert!(data["data"]["value"].as_str().unwrap().contains('.'));

    // The list shows it running again; the admins' digest names the paused one.
    let all_hook = subscription(&app, &admin, "/all").await;
    assert_eq!(
        (
            all_hook["last_status"].as_str(),
            all_hook["pending"].as_i64()
        ),
        (Some("204"), Some(0)),
        "{all_hook}"
    );
    assert!(all_hook["failing_since"].is_null());
    let admin_user = app::repo::users::find_session_user(&app.db, fx.ids.users[0])
        .await
        .unwrap()
        .unwrap()
        .0;
    let now = chrono::Utc::now();
    let digest = app::service::digest::build(&app.db, &admin_user, now.date_naive(), now)
        .await
        .unwrap();
    let mail = digest.mail("https://pacer.example");
    assert!(
        mail.text.contains("Webhooks paused") && mail.text.contains(&format!("{address}/never")),
        "{}",
        mail.text
    );
    // Resumed, it is tried again (and fails again: its events still wait).
    let id = never["id"].as_i64().unwrap().to_string();
    let resumed = app
        .call(
            &admin,
            "pause_webhook",
            &[("id", id.as_str()), ("paused", "false")],
        )
        .await;
    assert_eq!(resumed.status(), StatusCode::OK);
    let never = subscription(&app, &admin, "/never").await;
    assert!(
        never["paused_at"].is_null() && never["pending"].as_i64() == Some(5),
        "{never}"
    );
}

/// Checks `Pacer-Signature: t=…,v1=…` against the body and the secret, and that it is fresh.
fn verify(secret: &str, header: &str, body: &str) {
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("a signature: {header}"));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, hex, "the signature verifies");
    let sent: i64 = t.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - sent).abs() < 300, "fresh");
}
