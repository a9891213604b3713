//! From warning to action (issue 20), over HTTP on both backends: reps log calls, meetings,
//! e-mails and initial contacts (stored once per client id however often and concurrently
//! sent; an initial contact moves the target at once); next steps are due on the dashboard and
//! ticked off by their owner only; every metric kind gets the customers and deals that close
//! its gap, scoped to the viewer, and a customer acted on drops off.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::error::AppError;
use app::model::candidates::{Candidates, Reason};
use app::model::dashboard::Dashboard;
use app::model::targets::TargetDetail;
use chrono::{Duration, Utc};
use reqwest::{Response, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};

both_backends!(
    an_activity_sent_five_times_concurrently_is_stored_once_and_counts_at_once,
    next_steps_are_due_on_the_dashboard_and_ticked_off_by_their_owner,
    candidates_close_the_gap_for_each_metric_and_drop_off_when_acted_on,
    reps_create_prospects_and_duplicates_are_flagged_first,
);

async fn log(app: &TestApp, client: &reqwest::Client, input: Value) -> Response {
    client
        .post(format!("{}/api/log_activity", app.address))
        .json(&json!({ "input": input }))
        .send()
        .await
        .expect("request")
}

fn activity(client_id: &str, customer_id: i64, kind: &str) -> Value {
    json!({
        "client_id": client_id,
        "customer_id": customer_id,
        "kind": kind,
        "occurred_at": Utc::now() - Duration::minutes(5),
        "notes": "Spoke to the buyer",
        "outcome": "reached",
    })
}

async fn count(app: &TestApp, query: &str) -> i64 {
    let (n,): (i64,) = sql(query).fetch_one(&app.db).await.unwrap();
    n
}

/// Each part of a test starts with nobody having acted on any customer.
async fn forget_activities(app: &TestApp) {
    sql("DELETE FROM activities")
        .execute(&app.db)
        .await
        .unwrap();
}

async fn candidates(app: &TestApp, client: &reqwest::Client, id: i64) -> Candidates {
    let response = app
        .call(client, "target_candidates", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK, "candidates of {id}");
    response.json().await.unwrap()
}

fn customers_for(c: &Candidates, reason: Reason) -> Vec<i64> {
    c.items
        .iter()
        .filter(|i| i.reason == reason)
        .map(|i| i.customer_id)
        .collect()
}

async fn an_activity_sent_five_times_concurrently_is_stored_once_and_counts_at_once(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let contacts = target(
        &app,
        &fx,
        ("assignee_user_id", fx.ids.users[REP_N1_INDEX]),
        "initial_contacts",
        5,
        "agreed",
    )
    .await;
    let body = activity(
        "phone-call-0001",
        fx.customer_id(REP_N1_INDEX, 0),
        "initial_contact",
    );
    let sends = (0..5).map(|_| log(&app, &rep, body.clone()));
    let answers = futures::future::join_all(sends).await;
    let mut ids = Vec::new();
    for answer in answers {
        assert_eq!(answer.status(), StatusCode::OK);
        let saved: Value = answer.json().await.unwrap();
        ids.push(saved["id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(
        ids.len(),
        1,
        "every send answered with the one stored activity"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM activities WHERE client_id = 'phone-call-0001'"
        )
        .await,
        1
    );
    let detail: TargetDetail = app
        .call(&rep, "target", &[("id", &contacts.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        detail.target.actual,
        Decimal::ONE,
        "the initial contact counts at once"
    );

    // An e-mail with an outcome and a next step; read back on the customer's page.
    let mut email = activity("mail-0002-abcd", fx.customer_id(REP_N1_INDEX, 1), "email");
    email["next_step"] = json!("Send the price list");
    email["next_step_due"] = json!(Utc::now().date_naive() + Duration::days(3));
    assert_eq!(log(&app, &rep, email).await.status(), StatusCode::OK);
    let page: app::model::customers::CustomerDetail = app
        .call(
            &rep,
            "customer",
            &[("id", &fx.customer_id(REP_N1_INDEX, 1).to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    let line = page.activities.iter().find(|a| a.kind == "email").unwrap();
    assert_eq!(line.outcome.as_deref(), Some("reached"));
    assert_eq!(line.next_step, "Send the price list");
    assert!(!line.next_step_done);

    // Someone else's customer is not there for this rep; bad fields are named; nothing stored.
    let before = count(&app, "SELECT COUNT(*) FROM activities").await;
    let theirs = log(
        &app,
        &rep,
        activity("call-0003-abcd", fx.customer_id(REP_S1_INDEX, 0), "call"),
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let mut no_day = activity("call-0004-abcd", fx.customer_id(REP_N1_INDEX, 0), "call");
    no_day["next_step"] = json!("Call back");
    let refused = log(&app, &rep, no_day).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    match app_error(refused).await {
        AppError::Invalid { field, .. } => assert_eq!(field, "next_step_due"),
        other => panic!("a field error, not {other:?}"),
    }
    // A visit is a check-in (verified by place), not something typed in.
    let visit = log(
        &app,
        &rep,
        activity("visit-0006-abcd", fx.customer_id(REP_N1_INDEX, 0), "visit"),
    )
    .await;
    assert_eq!(visit.status(), StatusCode::UNPROCESSABLE_ENTITY);
    match app_error(visit).await {
        AppError::Invalid { field, .. } => assert_eq!(field, "kind"),
        other => panic!("a field error, not {other:?}"),
    }
    let mut unknown = activity("call-0005-abcd", fx.customer_id(REP_N1_INDEX, 0), "fax");
    unknown["outcome"] = json!("reached");
    assert_eq!(
        log(&app, &rep, unknown).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM activities").await, before);
}

async fn next_steps_are_due_on_the_dashboard_and_ticked_off_by_their_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let other = signed_in(&app, REP_N2).await;
    let today = Utc::now().date_naive();
    let mut call = activity("call-due-today", fx.customer_id(REP_N1_INDEX, 0), "call");
    call["next_step"] = json!("Send the quote");
    call["next_step_due"] = json!(today);
    assert_eq!(log(&app, &rep, call).await.status(), StatusCode::OK);
    let mut later = activity("call-due-later", fx.customer_id(REP_N1_INDEX, 1), "meeting");
    later["next_step"] = json!("Visit the plant");
    later["next_step_due"] = json!(today + Duration::days(5));
    assert_eq!(log(&app, &rep, later).await.status(), StatusCode::OK);

    let dashboard = |client| {
        let app = &app;
        async move {
            let d: Dashboard = app
                .call(client, "dashboard", &[])
                .await
                .json()
                .await
                .unwrap();
            d.next_steps
        }
    };
    let due = dashboard(&rep).await;
    assert_eq!(due.len(), 1, "only what is due today: {due:?}");
    assert_eq!(due[0].next_step, "Send the quote");
    assert!(dashboard(&other).await.is_empty(), "nobody else's steps");

    let id = due[0].id.to_string();
    let foreign = app.call(&other, "complete_next_step", &[("id", &id)]).await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    let done = app.call(&rep, "complete_next_step", &[("id", &id)]).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(dashboard(&rep).await.is_empty());
    let again = app.call(&rep, "complete_next_step", &[("id", &id)]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "done once");

    // The meeting's step (due in 5 days) is moved to today by its owner only, and not before
    // the meeting or more than a year after it.
    let (later_id,): (i64,) = sql("SELECT id FROM activities WHERE client_id = 'call-due-later'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let later_id = later_id.to_string();
    let move_to = |client, day: String| {
        let (app, id) = (&app, later_id.clone());
        async move {
            app.call(client, "move_next_step", &[("id", &id), ("due", &day)])
                .await
        }
    };
    let foreign = move_to(&other, today.to_string()).await;
    assert_eq!(
        foreign.status(),
        StatusCode::NOT_FOUND,
        "someone else's step"
    );
    for bad in [
        (today - Duration::days(3)).to_string(),
        (today + Duration::days(400)).to_string(),
        "next Tuesday".to_string(),
    ] {
        let refused = move_to(&rep, bad.clone()).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let error: AppError = refused.json().await.unwrap();
        assert!(
            matches!(&error, AppError::Invalid { field, .. } if field == "next_step_due"),
            "{bad}: {error:?}"
        );
    }
    assert!(
        dashboard(&rep).await.is_empty(),
        "nothing moved by a refusal"
    );
    let moved = move_to(&rep, today.to_string()).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let due = dashboard(&rep).await;
    assert_eq!(due.len(), 1, "moved to today: {due:?}");
    assert_eq!(due[0].next_step, "Visit the plant");
}

async fn candidates_close_the_gap_for_each_metric_and_drop_off_when_acted_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let n1 = fx.ids.users[REP_N1_INDEX];
    let mine = |n| fx.customer_id(REP_N1_INDEX, n);

    // Visits: the rep's customers, never visited; a planned visit drops one off.
    let visits = target(&app, &fx, ("assignee_user_id", n1), "visits", 20, "agreed").await;
    let found = candidates(&app, &rep, visits).await;
    let mut ids = customers_for(&found, Reason::NotVisited);
    ids.sort();
    assert_eq!(ids, vec![mine(0), mine(1), mine(2)]);
    // With the phone's position (Hamburg): the nearest first, those without a place last.
    for (n, lat, lon) in [(1, 48.137, 11.575), (2, 53.551, 9.993)] {
        sql("UPDATE customers SET lat = $1, lon = $2 WHERE id = $3")
            .bind(lat)
            .bind(lon)
            .bind(mine(n))
            .execute(&app.db)
            .await
            .unwrap();
    }
    let near: Candidates = app
        .call(
            &rep,
            "target_candidates",
            &[
                ("id", &visits.to_string()),
                ("lat", "53.55"),
                ("lon", "10.0"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        customers_for(&near, Reason::NotVisited),
        vec![mine(2), mine(1), mine(0)]
    );
    assert!(near.items[0].distance_m.unwrap() < 1_000.0);
    let planned = app
        .call(
            &rep,
            "plan_visit",
            &[
                ("customer_id", &mine(0).to_string()),
                (
                    "day",
                    &(Utc::now().date_naive() + Duration::days(2)).to_string(),
                ),
                ("notes", "spring range"),
            ],
        )
        .await;
    assert_eq!(planned.status(), StatusCode::OK);
    let found = candidates(&app, &rep, visits).await;
    assert!(!customers_for(&found, Reason::NotVisited).contains(&mine(0)));
    forget_activities(&app).await;

    // Initial contacts: prospects never contacted; logging the contact drops it off.
    let contacts = target(
        &app,
        &fx,
        ("assignee_user_id", n1),
        "initial_contacts",
        5,
        "agreed",
    )
    .await;
    let before = customers_for(
        &candidates(&app, &rep, contacts).await,
        Reason::NeverContacted,
    );
    assert!(before.contains(&mine(1)), "{before:?}");
    let logged = log(
        &app,
        &rep,
        activity("contact-0001", mine(1), "initial_contact"),
    )
    .await;
    assert_eq!(logged.status(), StatusCode::OK);
    let after = customers_for(
        &candidates(&app, &rep, contacts).await,
        Reason::NeverContacted,
    );
    assert!(!after.contains(&mine(1)), "{after:?}");
    forget_activities(&app).await;

    // Bookings (€15 000 to go): the €20 000 deal closes the gap alone and comes first; the
    // other rep's deals are not there.
    let bookings = target(
        &app,
        &fx,
        ("assignee_user_id", n1),
        "bookings",
        15_000,
        "agreed",
    )
    .await;
    let found = candidates(&app, &rep, bookings).await;
    let deals: Vec<_> = found
        .items
        .iter()
        .filter(|i| i.reason == Reason::OpenDeal)
        .collect();
    assert_eq!(
        deals
            .iter()
            .map(|d| d.opportunity_id.unwrap())
            .collect::<Vec<_>>(),
        vec![
            fx.opportunity_id(REP_N1_INDEX, 1),
            fx.opportunity_id(REP_N1_INDEX, 0)
        ]
    );
    assert!(deals[0].covers_gap && !deals[1].covers_gap);

    // New customers: prospects with an open deal.
    let new = target(
        &app,
        &fx,
        ("assignee_user_id", n1),
        "new_customers",
        2,
        "agreed",
    )
    .await;
    let found = candidates(&app, &rep, new).await;
    assert_eq!(customers_for(&found, Reason::ProspectWithDeal).len(), 2);

    // Turnover: the minus list over the period so far, largest gap first.
    let admin = signed_in(&app, ADMIN).await;
    let today = Utc::now().date_naive();
    let last_year = today - Duration::days(368);
    let csv = format!(
        "customer_ref,date,amount,reference\n\
         Customer-3-0,{last_year},5000.00,A\n\
         Customer-3-0,{},1000.00,B\n\
         Customer-3-2,{last_year},2000.00,C\n\
         Customer-4-0,{last_year},9000.00,D\n",
        today - Duration::days(3)
    );
    let imported = admin
        .post(format!("{}/api/import/sales", app.address))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::OK);
    let _ = imported.text().await;
    let turnover = target(
        &app,
        &fx,
        ("assignee_user_id", n1),
        "turnover",
        50_000,
        "agreed",
    )
    .await;
    let found = candidates(&app, &rep, turnover).await;
    assert_eq!(
        customers_for(&found, Reason::BehindLastYear),
        vec![mine(0), mine(2)],
        "{:?}",
        found.items
    );

    // The unit's target: the manager sees both reps' customers, a rep only their own.
    let unit = target(
        &app,
        &fx,
        ("assignee_unit_id", fx.ids.units[3]),
        "turnover",
        90_000,
        "agreed",
    )
    .await;
    let theirs = fx.customer_id(REP_N2_INDEX, 0);
    let managed = customers_for(
        &candidates(&app, &manager, unit).await,
        Reason::BehindLastYear,
    );
    assert!(
        managed.contains(&theirs) && managed.contains(&mine(0)),
        "{managed:?}"
    );
    let own = customers_for(&candidates(&app, &rep, unit).await, Reason::BehindLastYear);
    assert!(!own.contains(&theirs) && own.contains(&mine(0)), "{own:?}");

    // A call drops a customer off; a target the viewer cannot see is not found.
    let called = log(&app, &rep, activity("call-minus-0001", mine(0), "call")).await;
    assert_eq!(called.status(), StatusCode::OK);
    let found = candidates(&app, &rep, turnover).await;
    assert_eq!(customers_for(&found, Reason::BehindLastYear), vec![mine(2)]);
    // A call that reached nobody leaves the customer on the list.
    let mut missed = activity("call-missed-0001", mine(2), "call");
    missed["outcome"] = json!("not_reached");
    assert_eq!(log(&app, &rep, missed).await.status(), StatusCode::OK);
    let found = candidates(&app, &rep, turnover).await;
    assert_eq!(customers_for(&found, Reason::BehindLastYear), vec![mine(2)]);
    let south = signed_in(&app, REP_S1).await;
    let hidden = app
        .call(
            &south,
            "target_candidates",
            &[("id", &turnover.to_string())],
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

/// What saving a prospect did (the call answered 200).
async fn saved(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    city: &str,
    confirmed: bool,
) -> app::model::customers::ProspectSaved {
    let response = prospect(app, client, name, city, confirmed).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn prospect(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    city: &str,
    confirmed: bool,
) -> Response {
    app.call(
        client,
        "create_prospect",
        &[
            ("input[name]", name),
            ("input[city]", city),
            ("input[segment]", "relationship"),
            ("input[potential]", "120000"),
            ("input[confirmed]", if confirmed { "true" } else { "false" }),
        ],
    )
    .await
}

async fn reps_create_prospects_and_duplicates_are_flagged_first(backend: Backend) {
    use app::model::customers::ProspectSaved;
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let colleague = signed_in(&app, REP_S1).await;
    let created: ProspectSaved = saved(&app, &rep, "Müller Metallbau GmbH", "Hamburg", false).await;
    let ProspectSaved::Created { id } = created else {
        panic!("a new name is saved at once: {created:?}")
    };
    let (owner, potential): (i64, Option<i64>) =
        sql("SELECT owner_id, potential_minor FROM customers WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (owner, potential),
        (fx.ids.users[REP_N1_INDEX], Some(12_000_000))
    );

    // The same firm spelled another way, in the same town: flagged, nothing saved.
    let before = count(&app, "SELECT COUNT(*) FROM customers").await;
    let again = saved(
        &app,
        &rep,
        "Mueller Metallbau GmbH & Co. KG",
        "hamburg",
        false,
    )
    .await;
    match again {
        ProspectSaved::LooksLike { visible, hidden } => {
            assert_eq!(visible.iter().map(|c| c.id).collect::<Vec<_>>(), vec![id]);
            assert_eq!(hidden, 0);
        }
        other => panic!("flagged, not {other:?}"),
    }
    // A colleague in another team is told it exists, not whose it is.
    let theirs: ProspectSaved = saved(&app, &colleague, "Müller Metallbau", "Hamburg", false).await;
    assert_eq!(
        theirs,
        ProspectSaved::LooksLike {
            visible: Vec::new(),
            hidden: 1
        }
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, before);
    // Another town is another firm; a confirmed save goes through.
    let bremen: ProspectSaved = saved(&app, &rep, "Müller Metallbau GmbH", "Bremen", false).await;
    assert!(
        matches!(bremen, ProspectSaved::Created { .. }),
        "{bremen:?}"
    );
    let confirmed: ProspectSaved =
        saved(&app, &colleague, "Müller Metallbau", "Hamburg", true).await;
    assert!(
        matches!(confirmed, ProspectSaved::Created { .. }),
        "{confirmed:?}"
    );

    // Bad fields are named; the new prospect is a candidate for initial contacts.
    let bad = prospect(&app, &rep, "x", "", false).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    match app_error(bad).await {
        AppError::Invalid { field, .. } => assert_eq!(field, "name"),
        other => panic!("a field error, not {other:?}"),
    }
    let contacts = target(
        &app,
        &fx,
        ("assignee_user_id", fx.ids.users[REP_N1_INDEX]),
        "initial_contacts",
        5,
        "agreed",
    )
    .await;
    let found = candidates(&app, &rep, contacts).await;
    let never: Vec<_> = found
        .items
        .iter()
        .filter(|c| c.reason == Reason::NeverContacted)
        .collect();
    assert!(never.iter().any(|c| c.customer_id == id), "{never:?}");
    // Prospects with a potential come before the customers without one.
    assert_eq!(never[0].untapped_minor, Some(12_000_000));
    assert_eq!(never[1].untapped_minor, Some(12_000_000));
    assert!(never[2..].iter().all(|c| c.untapped_minor.is_none()));
}
