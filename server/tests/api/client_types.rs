//! Price vs relationship clients (issue 20): a turnover target on one client type measures,
//! compares and lists that type's customers only; a child counts its parent's type; the trend
//! rule flags each customer by its own type's threshold.

use crate::both_backends;
use crate::helpers::*;
use app::domain::smart::TrackRecord;
use app::domain::turnover::{Direction, Segment, TrendRule, TrendWindows};
use app::domain::Period;
use app::model::candidates::{Candidates, Reason};
use app::model::customers::CustomerList;
use app::model::imports::ImportProgress;
use app::model::targets::{EditorContext, SaveOutcome, TargetDetail};
use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use reqwest::{Client, StatusCode};
use rust_decimal::Decimal;

both_backends!(
    a_relationship_target_counts_only_relationship_clients,
    a_child_counts_the_client_type_of_its_parent,
    each_client_type_is_flagged_by_its_own_trend_threshold,
);

/// A turnover target of € 5 000 over `period` for `assignee`, on `segment` ("" for every
/// client), as the editor posts it.
fn form(
    assignee: &str,
    segment: &str,
    period: Period,
    parent: Option<i64>,
) -> Vec<(String, String)> {
    let clients = if segment.is_empty() {
        "all clients".to_string()
    } else {
        format!("{segment} clients")
    };
    input_form([
        (
            "statement",
            format!(
                "Reach 5000 euros of turnover with {clients} by {}",
                period.end()
            ),
        ),
        ("metric", "turnover".to_string()),
        ("value", "5000".to_string()),
        ("currency", "EUR".to_string()),
        ("baseline", String::new()),
        ("start", period.start().to_string()),
        ("end", period.end().to_string()),
        ("assignee", assignee.to_string()),
        (
            "parent_id",
            parent.map(|p| p.to_string()).unwrap_or_default(),
        ),
        ("kind", "operational".to_string()),
        (
            "rationale",
            "Relationship clients are the steady base".to_string(),
        ),
        ("market_relevance", "medium".to_string()),
        ("maturity", "medium".to_string()),
        ("competition", "medium".to_string()),
        ("cost_structure", "medium".to_string()),
        ("leadership_ambition", "medium".to_string()),
        ("segment", segment.to_string()),
    ])
}

/// Saves with the warnings acknowledged.
async fn save(app: &TestApp, client: &Client, form: &[(String, String)]) -> reqwest::Response {
    app.save_form(
        client,
        "save_target",
        None,
        form,
        &[("acknowledged", "true")],
    )
    .await
}

async fn create(app: &TestApp, client: &Client, form: &[(String, String)]) -> i64 {
    let response = save(app, client, form).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    match response.json::<SaveOutcome>().await.unwrap() {
        SaveOutcome::Saved(id) => id,
        other => panic!("expected a save, got {other:?}"),
    }
}

async fn detail(app: &TestApp, client: &Client, id: i64) -> TargetDetail {
    let response = app.call(client, "target", &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The customers a target's minus list names among its candidates.
async fn behind(app: &TestApp, client: &Client, id: i64) -> Vec<i64> {
    let response = app
        .call(client, "target_candidates", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let candidates: Candidates = response.json().await.unwrap();
    let mut ids: Vec<i64> = candidates
        .items
        .iter()
        .filter(|c| c.reason == Reason::BehindLastYear)
        .map(|c| c.customer_id)
        .collect();
    ids.sort_unstable();
    ids
}

async fn track_record(
    app: &TestApp,
    client: &Client,
    assignee: &str,
    period: Period,
    segment: &str,
) -> TrackRecord {
    let (start, end) = (period.start().to_string(), period.end().to_string());
    let response = app
        .call(
            client,
            "target_context",
            &[
                ("assignee", assignee),
                ("metric", "turnover"),
                ("currency", "EUR"),
                ("start", start.as_str()),
                ("end", end.as_str()),
                ("parent_id", ""),
                ("segment", segment),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let context: EditorContext = response.json().await.unwrap();
    context
        .track_record
        .expect("the manager sees the rep's history")
}

async fn import_sales(app: &TestApp, client: &Client, lines: &[(&str, NaiveDate, &str)]) {
    let mut body = String::from("customer_ref,date,amount\n");
    for (customer, day, amount) in lines {
        body.push_str(&format!("{customer},{day},{amount}\n"));
    }
    let response = client
        .post(format!("{}/api/import/sales", app.address))
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    let progress: Vec<ImportProgress> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    match progress.last() {
        Some(ImportProgress::Done { report }) => assert!(report.stored, "{report:?}"),
        other => panic!("the import ends with a report, not {other:?}"),
    }
}

async fn make_price_client(app: &TestApp, customer_id: i64) {
    app::db::sql("UPDATE customers SET segment = 'price' WHERE id = $1")
        .bind(customer_id)
        .execute(&app.db)
        .await
        .unwrap();
}

async fn a_relationship_target_counts_only_relationship_clients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    // Rep N1's customers: 3-0 and 3-2 are relationship clients, 3-1 a price client.
    make_price_client(&app, fx.customer_id(REP_N1_INDEX, 1)).await;
    let today = Utc::now().date_naive();
    let period = Period::new(today - Duration::days(30), today + Duration::days(60)).unwrap();
    let a_year_ago = period.one_year_earlier().start();
    let yesterday = today - Duration::days(1);
    import_sales(
        &app,
        &admin,
        &[
            ("Customer-3-0", yesterday, "1000.00"),
            ("Customer-3-1", yesterday, "400.00"),
            ("Customer-3-1", a_year_ago, "800.00"),
            ("Customer-3-2", a_year_ago, "500.00"),
        ],
    )
    .await;
    let rep = format!("user-{}", fx.ids.users[REP_N1_INDEX]);

    let relationship = create(&app, &manager, &form(&rep, "relationship", period, None)).await;
    let price = create(&app, &manager, &form(&rep, "price", period, None)).await;
    let every = create(&app, &manager, &form(&rep, "", period, None)).await;

    // Measured: the type's sales only; the page and the list name the type.
    let shown = detail(&app, &manager, relationship).await.target;
    assert_eq!(shown.segment, Some(Segment::Relationship));
    assert_eq!(shown.actual, Decimal::from(1000));
    assert_eq!(shown.measure_label(), "Turnover with relationship clients");
    assert!(shown.outlook.is_some(), "a running target has its pace");
    assert_eq!(
        detail(&app, &manager, price).await.target.actual,
        Decimal::from(400)
    );
    let all = detail(&app, &manager, every).await.target;
    assert_eq!((all.segment, all.actual), (None, Decimal::from(1400)));
    assert_eq!(all.measure_label(), "Turnover");
    // The editor opens it with its type chosen.
    assert_eq!(
        shown.to_input(app::domain::Locale::En).segment,
        "relationship"
    );

    // The Achievable check compares with the same type's history.
    let record = track_record(&app, &manager, &rep, period, "relationship").await;
    assert_eq!(
        record.last_year,
        Some((period.one_year_earlier(), Decimal::from(500)))
    );
    let record = track_record(&app, &manager, &rep, period, "").await;
    assert_eq!(
        record.last_year,
        Some((period.one_year_earlier(), Decimal::from(1300)))
    );

    // What closes the gap: the minus list of the target's client type only.
    assert_eq!(
        behind(&app, &manager, relationship).await,
        [fx.customer_id(REP_N1_INDEX, 2)]
    );
    assert_eq!(
        behind(&app, &manager, price).await,
        [fx.customer_id(REP_N1_INDEX, 1)]
    );
    let mut both = vec![
        fx.customer_id(REP_N1_INDEX, 1),
        fx.customer_id(REP_N1_INDEX, 2),
    ];
    both.sort_unstable();
    assert_eq!(behind(&app, &manager, every).await, both);

    // The JSON API shows the type.
    let creator = app::repo::users::find_session_user(&app.db, fx.ids.users[0])
        .await
        .unwrap()
        .unwrap()
        .0;
    let token = app::repo::tokens::create(
        &app.db,
        &creator,
        &app::model::tokens::TokenRequest {
            name: "client types".into(),
            role: app::domain::Role::Admin,
            unit: None,
            person: None,
            read_only: false,
            expires_at: None,
        },
        Utc::now(),
    )
    .await
    .unwrap()
    .token;
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/targets/{relationship}", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["target"]["segment"], "relationship", "{body}");
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/targets/{every}", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["target"]["segment"].is_null(), "{body}");
}

async fn a_child_counts_the_client_type_of_its_parent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let today = Utc::now().date_naive();
    let period = Period::new(today - Duration::days(30), today + Duration::days(60)).unwrap();
    let team = format!("unit-{}", fx.ids.units[3]);
    let rep = format!("user-{}", fx.ids.users[REP_N1_INDEX]);
    let parent = create(&app, &manager, &form(&team, "relationship", period, None)).await;
    let (targets_before,): (i64,) = app::db::sql("SELECT COUNT(*) FROM targets")
        .fetch_one(&app.db)
        .await
        .unwrap();

    // Every client, or price clients, under a parent on relationship clients: refused, naming
    // the field, and nothing stored.
    for segment in ["", "price"] {
        let refused = save(&app, &manager, &form(&rep, segment, period, Some(parent))).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{segment}"
        );
        let error = app_error(refused).await;
        assert_eq!(error.field(), Some("segment"), "{segment}");
        assert!(
            error
                .to_string()
                .contains("choose relationship clients as the client type"),
            "{error}"
        );
    }
    let (targets_after,): (i64,) = app::db::sql("SELECT COUNT(*) FROM targets")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(targets_after, targets_before);

    // The same type is a child.
    let mut child = form(&rep, "relationship", period, Some(parent));
    child = with(child, "value", "2000");
    let child = create(&app, &manager, &child).await;
    assert_eq!(
        detail(&app, &manager, child).await.target.parent_id,
        Some(parent)
    );

    // The cascade shares the rest with the other rep: the share counts the same type.
    let version = detail(&app, &manager, parent)
        .await
        .target
        .version
        .to_string();
    let parent_id = parent.to_string();
    let response = app
        .call(
            &manager,
            "target_cascade",
            &[
                ("id", parent_id.as_str()),
                ("version", version.as_str()),
                ("method", "even"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<usize>().await.unwrap(), 1);
    let children = detail(&app, &manager, parent).await.children;
    assert_eq!(children.len(), 2);
    assert!(
        children
            .iter()
            .all(|c| c.segment == Some(Segment::Relationship)),
        "{children:?}"
    );

    // A parent on every client may be split by type.
    let whole = create(&app, &manager, &form(&team, "", period, None)).await;
    let mut price_share = form(&rep, "price", period, Some(whole));
    price_share = with(price_share, "value", "1000");
    let price_share = create(&app, &manager, &price_share).await;
    assert_eq!(
        detail(&app, &manager, price_share).await.target.segment,
        Some(Segment::Price)
    );
}

async fn each_client_type_is_flagged_by_its_own_trend_threshold(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    make_price_client(&app, fx.customer_id(REP_N1_INDEX, 1)).await;
    // The same series for a relationship client (3-0) and a price client (3-1): € 1 000 in each
    // of the 12 base months, € 850 in each recent month — 15 % (€ 150) a month less.
    let w = TrendWindows::on(Utc::now().date_naive());
    let month = |start: NaiveDate, m: u32| (start + Months::new(m)).with_day(15).unwrap();
    let mut lines = Vec::new();
    for customer in ["Customer-3-0", "Customer-3-1"] {
        for m in 0..12 {
            lines.push((customer, month(w.base.start(), m), "1000"));
        }
        for m in 0..3 {
            lines.push((customer, month(w.recent.start(), m), "850"));
        }
    }
    import_sales(&app, &admin, &lines).await;

    let trend = |params: Vec<(&'static str, &'static str)>| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let response = app.call(&admin, "customers", &params).await;
            assert_eq!(response.status(), StatusCode::OK);
            let list: CustomerList = response.json().await.unwrap();
            list.customers
                .into_iter()
                .map(|c| (c.name, c.trend))
                .collect::<Vec<_>>()
        }
    };
    // The default rule (30 % and € 500 for both) flags neither.
    assert!(trend(vec![("list", "trend")]).await.is_empty());

    // Relationship clients are expected to be steady: 10 %; price clients fluctuate: 25 %.
    let saved = app
        .call(
            &admin,
            "save_trend_rule",
            &[
                ("input[relationship_pct]", "10"),
                ("input[price_pct]", "25"),
                ("input[min_change_amount]", "100"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let rule: TrendRule = app
        .call(&admin, "trend_rule", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rule,
        TrendRule {
            relationship_pct: 10,
            price_pct: 25,
            min_change_minor: 10_000,
        }
    );
    let flagged = trend(vec![("list", "trend")]).await;
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0].0, "Customer 3-0");
    let t = flagged[0].1.expect("the reason");
    assert_eq!(
        (t.direction, t.change_pct),
        (Direction::Down, Decimal::from(-15))
    );
    // The list reads per type: the price clients' trend list is empty.
    assert!(trend(vec![("list", "trend"), ("segment", "price")])
        .await
        .is_empty());
    let relationship = trend(vec![("list", "trend"), ("segment", "relationship")]).await;
    assert_eq!(relationship.len(), 1);
    // The customer's page applies the same threshold.
    let page = |n: usize| {
        let (app, admin) = (&app, admin.clone());
        let id = fx.customer_id(REP_N1_INDEX, n).to_string();
        async move {
            let response = app.call(&admin, "customer", &[("id", id.as_str())]).await;
            assert_eq!(response.status(), StatusCode::OK);
            let page: app::model::customers::CustomerDetail = response.json().await.unwrap();
            page.customer.trend
        }
    };
    assert!(
        page(0).await.is_some(),
        "the relationship client is flagged"
    );
    assert_eq!(page(1).await, None, "the price client is not");

    // A percentage for both is still one the admin can refuse: each field is named.
    let bad = app
        .call(
            &admin,
            "save_trend_rule",
            &[
                ("input[relationship_pct]", "10"),
                ("input[price_pct]", "0"),
                ("input[min_change_amount]", "100"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = app_error(bad).await;
    assert_eq!(error.field(), Some("price_pct"));
    assert!(error.to_string().contains("price clients"), "{error}");

    // A rule stored before client types had their own threshold keeps meaning the same: its
    // one percentage counts for both.
    app::db::sql(
        "UPDATE trend_settings SET min_change_pct = 15, relationship_pct = NULL, price_pct = NULL",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let names: Vec<String> = trend(vec![("list", "trend")])
        .await
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["Customer 3-0", "Customer 3-1"]);
}
