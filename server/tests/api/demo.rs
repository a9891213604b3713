use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::domain::Role;
use reqwest::StatusCode;
use server::demo::{self, DemoError};

both_backends!(the_demo_company_loads_into_an_empty_database_once);

async fn the_demo_company_loads_into_an_empty_database_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, true).await;

    // Demo users sign in with the documented password.
    let client = app.new_session();
    let response = app
        .login(&client, demo::DEMO_REP, demo::DEMO_PASSWORD)
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let me = app.call(&client, "current_user", &[]).await;
    let me: app::model::auth::SessionUser = me.json().await.unwrap();
    assert_eq!(me.role, Role::Rep);

    let rep_customers = app.call(&client, "customers", &[]).await;
    assert_eq!(rep_customers.status(), StatusCode::OK);
    let rep_customers: app::model::customers::CustomerList = rep_customers.json().await.unwrap();
    assert_eq!(rep_customers.total, 33);

    let admin = app.new_session();
    let response = app
        .login(&admin, demo::DEMO_ADMIN, demo::DEMO_PASSWORD)
        .await;
    assert!(response.status().is_success());
    let all: app::model::customers::CustomerList = app
        .call(&admin, "customers", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.total, 396);

    // Three weeks of check-ins, each one a visit of its rep at its customer, of every kind;
    // the team view shows this week's.
    let (check_ins, linked): (i64, i64) = sql(
        "SELECT COUNT(*), COUNT(a.id) FROM check_ins ci LEFT JOIN activities a ON a.id = ci.activity_id \
         AND a.kind = 'visit' AND a.user_id = ci.user_id AND a.customer_id = ci.customer_id \
         AND a.occurred_at = ci.device_time",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(check_ins > 100, "{check_ins}");
    assert_eq!(linked, check_ins);
    let week: app::model::check_ins::CheckInReport = app
        .call(&admin, "team_check_ins", &[("range", "week")])
        .await
        .json()
        .await
        .unwrap();
    let (since,): (i64,) = sql("SELECT COUNT(*) FROM check_ins WHERE device_time >= $1")
        .bind(week.from.and_hms_opt(0, 0, 0).unwrap().and_utc())
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(week.rows.len(), usize::try_from(since).unwrap());

    // Targets: every agreement state, the fiscal-year cascade adds up exactly at every level,
    // and the demo rep has a proposal waiting for her answer.
    let targets: app::model::targets::TargetList = app
        .call(&admin, "targets", &[("view", "company")])
        .await
        .json()
        .await
        .unwrap();
    for status in app::domain::TargetStatus::ALL {
        assert!(
            targets.rows.iter().any(|t| t.status == status),
            "no demo target is {status:?}"
        );
    }
    // (The demo rep's quarterly turnover with relationship clients is no part of the cascade.)
    let fiscal_year: Vec<&app::model::targets::TargetRow> = targets
        .rows
        .iter()
        .filter(|t| t.metric == app::domain::Metric::Turnover && t.segment.is_none())
        .collect();
    let roots = fiscal_year.iter().filter(|t| t.parent_id.is_none()).count();
    assert_eq!(roots, 1);
    for parent in &fiscal_year {
        let children: Vec<_> = fiscal_year
            .iter()
            .filter(|c| c.parent_id == Some(parent.id))
            .collect();
        if !children.is_empty() {
            let sum: rust_decimal::Decimal = children.iter().map(|c| c.value).sum();
            assert_eq!(sum, parent.value, "children of {}", parent.statement);
        }
    }
    assert_eq!(fiscal_year.len(), 1 + 2 + 4 + 12);
    let relationship: Vec<_> = targets
        .rows
        .iter()
        .filter(|t| t.segment == Some(app::domain::turnover::Segment::Relationship))
        .collect();
    assert_eq!(relationship.len(), 1);
    assert_eq!(relationship[0].metric, app::domain::Metric::Turnover);
    let mine: app::model::targets::TargetList = app
        .call(&client, "targets", &[("view", "mine")])
        .await
        .json()
        .await
        .unwrap();
    assert!(mine
        .rows
        .iter()
        .any(|t| t.status == app::domain::TargetStatus::Proposed
            && t.awaiting == Some(app::domain::Side::Assignee)));

    // A second load is refused: demo data never mixes into real data.
    let today = chrono::Local::now().date_naive();
    match demo::load_into_empty(&app.db, today).await {
        Err(DemoError::NotEmpty(users)) => assert_eq!(users, 16),
        other => panic!("expected NotEmpty, got {other:?}"),
    }
    assert!(demo::load_if_empty(&app.db, today).await.unwrap().is_none());
}
