//! Pacer keeps no state of its own: two release servers on one Postgres behave as one. These
//! run the real binary twice (separate processes: nothing held in memory is shared).

use crate::helpers::*;
use app::db::{sql, Db};
use app::domain::Role;
use app::model::tokens::TokenRequest;
use chrono::Utc;
use reqwest::{Client, StatusCode};

async fn current_user(client: &Client, server: &ServerProcess) -> StatusCode {
    client
        .post(format!("{}/api/current_user", server.address))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_behave_as_one() {
    let (url, _dir) = fresh_database(Backend::Postgres).await;
    let db = Db::connect(&url).await.unwrap();
    let fx = Fixture::load(&db).await;
    // Both start at once: both look for today's snapshot at start-up.
    let (a, b) = tokio::join!(ServerProcess::on(&url), ServerProcess::on(&url));

    // A session made on one works on the other; signing out on one ends it on both. (One
    // cookie jar: the two listen on one host, as behind a load balancer.)
    let browser = signed_in_at(&a.address, REP_N1).await;
    assert_eq!(current_user(&browser, &b).await, StatusCode::OK);
    let out = browser
        .post(format!("{}/api/logout", a.address))
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    assert_eq!(current_user(&browser, &b).await, StatusCode::UNAUTHORIZED);

    // A token revoked through one is refused by the other at its very next request, though
    // the other had just resolved (and kept) it.
    let admin = app::repo::users::find_session_user(&db, fx.ids.users[0])
        .await
        .unwrap()
        .unwrap()
        .0;
    let request = TokenRequest {
        name: "integration".into(),
        role: Role::Admin,
        unit: None,
        person: None,
        read_only: false,
        expires_at: None,
    };
    let created = app::repo::tokens::create(&db, &admin, &request, Utc::now())
        .await
        .unwrap();
    let read = |server: &ServerProcess| {
        let url = format!("{}/api/v1/opportunities", server.address);
        let token = created.token.clone();
        async move {
            Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(read(&b).await, StatusCode::OK);
    let admin_browser = signed_in_at(&a.address, ADMIN).await;
    let revoked = admin_browser
        .post(format!("{}/api/revoke_api_token", a.address))
        .form(&[("id", created.id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(read(&b).await, StatusCode::UNAUTHORIZED);
    assert_eq!(read(&a).await, StatusCode::UNAUTHORIZED);

    // One card moved through both at once, ten times: each time exactly one move wins, and
    // the history matches the card.
    let rep = signed_in_at(&a.address, REP_N1).await;
    let deal = fx.opportunity_id(REP_N1_INDEX, 0);
    let open = [LEAD, QUALIFIED, PROPOSAL, NEGOTIATION].map(|s| fx.stage_id(s));
    for _ in 0..10 {
        let (version, now_in): (i64, i64) =
            sql("SELECT version, stage_id FROM opportunities WHERE id = $1")
                .bind(deal)
                .fetch_one(&db)
                .await
                .unwrap();
        let stages: Vec<i64> = open.into_iter().filter(|s| *s != now_in).collect();
        let send = |server: &ServerProcess, stage: i64| {
            let request = rep
                .post(format!("{}/api/move_opportunity", server.address))
                .form(&[
                    ("id", deal.to_string()),
                    ("version", version.to_string()),
                    ("stage_id", stage.to_string()),
                ]);
            async move { request.send().await.unwrap().status() }
        };
        let (one, other) = tokio::join!(send(&a, stages[0]), send(&b, stages[1]));
        let mut statuses = [one, other];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    }
    let (version, history): (i64, i64) = sql(
        "SELECT o.version, (SELECT COUNT(*) FROM stage_changes c WHERE c.opportunity_id = o.id) \
         FROM opportunities o WHERE o.id = $1",
    )
    .bind(deal)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(version, 3 + 10);
    assert_eq!(history, version);

    // Both started at once and looked for today's snapshot: it was taken once.
    let (runs,): (i64,) = sql("SELECT CAST(runs AS BIGINT) FROM snapshot_runs WHERE day = $1")
        .bind(Utc::now().date_naive())
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(runs, 1);
}
