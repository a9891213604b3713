//! One scoping function decides what a user may see: rep → own, manager → subtree, admin → all.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::model::customers::{CustomerDetail, CustomerList};
use app::model::pipeline::StageUsage;
use reqwest::StatusCode;

both_backends!(
    a_rep_sees_only_their_own_customers,
    a_rep_cannot_read_another_reps_customer,
    a_page_of_something_hidden_is_a_not_found_page,
    a_manager_sees_their_subtree_only,
    an_admin_sees_everything,
    customer_search_stays_inside_the_scope,
    a_customer_page_lists_only_the_opportunities_and_notes_the_viewer_may_see,
    stage_counts_cover_only_what_the_viewer_may_see,
);

async fn customers_of(app: &TestApp, email: &str, search: Option<&str>) -> CustomerList {
    let client = app.new_session();
    app.login_ok(&client, email).await;
    let form: Vec<(&str, &str)> = search.map(|s| vec![("search", s)]).unwrap_or_default();
    let response = app.call(&client, "customers", &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn owners(list: &CustomerList) -> Vec<String> {
    let mut owners: Vec<String> = list
        .customers
        .iter()
        .map(|c| c.owner_name.clone().unwrap_or_else(|| "-".into()))
        .collect();
    owners.dedup();
    owners
}

async fn a_rep_sees_only_their_own_customers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let list = customers_of(&app, REP_N1, None).await;
    assert_eq!(list.total, 3);
    assert_eq!(owners(&list), vec!["rep n1"]);
}

async fn a_rep_cannot_read_another_reps_customer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fixture = Fixture::load(&app.db).await;
    let client = app.new_session();
    app.login_ok(&client, REP_N1).await;

    let own = fixture.customer_id(3, 0).to_string();
    let response = app.call(&client, "customer", &[("id", &own)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let customer: CustomerDetail = response.json().await.unwrap();
    assert_eq!(customer.customer.name, "Customer 3-0");

    // A teammate's customer: same team, still not visible to a rep.
    for other in [fixture.customer_id(4, 1), fixture.customer_id(5, 2)] {
        let response = app
            .call(&client, "customer", &[("id", &other.to_string())])
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("Customer"),
            "nothing of the customer leaks: {body}"
        );
    }
}

/// Issue 22: a customer or target the viewer may not see answers its page as not found (HTTP
/// 404, the not-found page), like an address that never existed — not 200 with an error in it,
/// and not a hint that something is there. (The customer page answered 200.)
async fn a_page_of_something_hidden_is_a_not_found_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fixture = Fixture::load(&app.db).await;
    let south_target = target(
        &app,
        &fixture,
        ("assignee_user_id", fixture.ids.users[REP_S1_INDEX]),
        "bookings",
        50_000,
        "agreed",
    )
    .await;
    let own_target = target(
        &app,
        &fixture,
        ("assignee_user_id", fixture.ids.users[REP_N1_INDEX]),
        "bookings",
        40_000,
        "agreed",
    )
    .await;
    let client = signed_in(&app, REP_N1).await;
    let page = |path: String| {
        let (app, client) = (&app, &client);
        async move {
            let response = app.get(client, &path).await;
            let status = response.status();
            (status, response.text().await.unwrap_or_default())
        }
    };

    for path in [
        format!("/customers/{}", fixture.customer_id(3, 0)),
        format!("/targets/{own_target}"),
    ] {
        let (status, body) = page(path.clone()).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.contains("This page does not exist"), "{path}");
    }
    for path in [
        format!("/customers/{}", fixture.customer_id(4, 1)),
        format!("/customers/{}", fixture.customer_id(5, 2)),
        "/customers/999999".to_string(),
        "/customers/not-a-number".to_string(),
        format!("/targets/{south_target}"),
        "/targets/999999".to_string(),
        format!("/targets/{south_target}/edit"),
    ] {
        let (status, body) = page(path.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            body.contains("This page does not exist"),
            "{path}: the not-found page"
        );
        assert!(
            !body.contains("Customer 4-1")
                && !body.contains("Customer 5-2")
                && !body.contains("Book €"),
            "{path}: nothing of it leaks"
        );
    }
}

async fn a_manager_sees_their_subtree_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fixture = Fixture::load(&app.db).await;
    let north = customers_of(&app, MANAGER_NORTH, None).await;
    assert_eq!(north.total, 6);
    assert_eq!(owners(&north), vec!["rep n1", "rep n2"]);
    let south = customers_of(&app, MANAGER_SOUTH, None).await;
    assert_eq!(south.total, 3);
    assert_eq!(owners(&south), vec!["rep s1"]);

    let client = app.new_session();
    app.login_ok(&client, MANAGER_SOUTH).await;
    let north_customer = fixture.customer_id(3, 0).to_string();
    let response = app
        .call(&client, "customer", &[("id", &north_customer)])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn an_admin_sees_everything(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let all = customers_of(&app, ADMIN, None).await;
    assert_eq!(all.total, 10);
    assert!(all.customers.iter().any(|c| c.owner_id.is_none()));
}

async fn customer_search_stays_inside_the_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    // "customer 5" matches only rep s1's customers; rep n1 must not see them through search.
    assert_eq!(
        customers_of(&app, REP_N1, Some("customer 5")).await.total,
        0
    );
    let found = customers_of(&app, REP_S1, Some("CUSTOMER 5")).await;
    assert_eq!(found.total, 3);
}

async fn a_customer_page_lists_only_the_opportunities_and_notes_the_viewer_may_see(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    // Rep n1's customer also has a deal of rep n2 (same team) and one of rep s1 (another
    // unit), and each of them left a note there.
    let customer = fx.customer_id(REP_N1_INDEX, 0);
    for (owner, opportunity) in [
        (REP_N2_INDEX, fx.opportunity_id(REP_N2_INDEX, 0)),
        (REP_S1_INDEX, fx.opportunity_id(REP_S1_INDEX, 0)),
    ] {
        sql("UPDATE opportunities SET customer_id = $1 WHERE id = $2")
            .bind(customer)
            .bind(opportunity)
            .execute(&app.db)
            .await
            .unwrap();
        sql(
            "INSERT INTO activities (kind, customer_id, user_id, occurred_at, notes) \
             VALUES ('visit', $1, $2, $3, $4)",
        )
        .bind(customer)
        .bind(fx.ids.users[owner])
        .bind(chrono::Utc::now())
        .bind(format!("note of user {owner}"))
        .execute(&app.db)
        .await
        .unwrap();
    }
    let seen = |email: &'static str| {
        let app = &app;
        async move {
            let client = signed_in(app, email).await;
            let response = app
                .call(&client, "customer", &[("id", &customer.to_string())])
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{email}");
            let detail: CustomerDetail = response.json().await.unwrap();
            let mut deals: Vec<String> =
                detail.opportunities.into_iter().map(|o| o.title).collect();
            deals.sort();
            let notes: Vec<String> = detail.activities.into_iter().map(|a| a.notes).collect();
            (deals, notes)
        }
    };
    let (deals, notes) = seen(REP_N1).await;
    assert_eq!(deals, ["Deal 3-0"], "a rep sees their own deals only");
    assert!(notes.is_empty(), "and none of the others' notes: {notes:?}");

    let (deals, notes) = seen(MANAGER_NORTH).await;
    assert_eq!(
        deals,
        ["Deal 3-0", "Deal 4-0"],
        "North's manager: North's deals"
    );
    assert_eq!(notes, ["note of user 4"]);

    let (deals, notes) = seen(ADMIN).await;
    assert_eq!(deals, ["Deal 3-0", "Deal 4-0", "Deal 5-0"]);
    assert_eq!(notes.len(), 2);
}

async fn stage_counts_cover_only_what_the_viewer_may_see(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let total = |email: &'static str| {
        let app = &app;
        async move {
            let client = signed_in(app, email).await;
            let response = app.call(&client, "stages", &[]).await;
            assert_eq!(response.status(), StatusCode::OK);
            let stages: Vec<StageUsage> = response.json().await.unwrap();
            stages.iter().map(|s| s.opportunities).sum::<i64>()
        }
    };
    assert_eq!(total(REP_N1).await, 2);
    assert_eq!(total(MANAGER_NORTH).await, 4);
    assert_eq!(total(ADMIN).await, 6);
}
