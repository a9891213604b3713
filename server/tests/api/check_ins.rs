//! Check-ins (issue 7): stored exactly once however often and however concurrently a phone
//! sends them, verified by the haversine distance to the customer, counted as visits (and a
//! first visit as the initial contact), refused by field, scoped like everything else.

use crate::both_backends;
use crate::helpers::{
    app_error, signed_in, Backend, Fixture, TestApp, MANAGER_NORTH, MANAGER_SOUTH, REP_N1,
    REP_N1_INDEX, REP_N2, REP_S1_INDEX,
};
use app::db::sql;
use app::domain::check_in::haversine_m;
use app::domain::{Metric, Period};
use app::model::check_ins::{CheckInReport, CheckInSaved};
use app::repo::metrics::Who;
use chrono::{DateTime, Duration, Utc};
use reqwest::{Response, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};

both_backends!(
    the_same_check_in_sent_five_times_concurrently_is_stored_once,
    verification_follows_the_distance_to_the_customer,
    bad_check_ins_are_refused_by_field_and_store_nothing,
    check_out_records_time_on_site_and_the_team_view_is_scoped,
);

/// Hamburg town hall.
const CUSTOMER_AT: (f64, f64) = (53.5503, 9.9920);

async fn post(app: &TestApp, client: &reqwest::Client, endpoint: &str, input: Value) -> Response {
    client
        .post(format!("{}/api/{endpoint}", app.address))
        .json(&json!({ "input": input }))
        .send()
        .await
        .expect("request")
}

fn check_in(client_id: &str, customer_id: i64, at: DateTime<Utc>, position: Value) -> Value {
    json!({
        "client_id": client_id,
        "customer_id": customer_id,
        "device_time": at,
        "position": position,
        "location_error": if position.is_null() { json!("location permission denied") } else { Value::Null },
    })
}

fn at(lat: f64, lon: f64) -> Value {
    json!({ "lat": lat, "lon": lon, "accuracy_m": 12.0 })
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = app::db::sql(sql).fetch_one(&app.db).await.unwrap();
    n
}

async fn place_customer(app: &TestApp, id: i64, radius: Option<i32>) {
    sql("UPDATE customers SET lat = $1, lon = $2, visit_radius_m = $3 WHERE id = $4")
        .bind(CUSTOMER_AT.0)
        .bind(CUSTOMER_AT.1)
        .bind(radius)
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
}

async fn visits(app: &TestApp, who: Who, metric: Metric) -> Decimal {
    let today = Utc::now().date_naive();
    let period = Period::new(today - Duration::days(40), today).unwrap();
    app::repo::metrics::actual(&app.db, metric, &who, None, period, None, None)
        .await
        .unwrap()
}

async fn unit_path(app: &TestApp, unit_id: i64) -> String {
    let (path,): (String,) = sql("SELECT path FROM org_units WHERE id = $1")
        .bind(unit_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    path
}

async fn the_same_check_in_sent_five_times_concurrently_is_stored_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let customer = fx.customer_id(REP_N1_INDEX, 0);
    place_customer(&app, customer, None).await;
    let rep_id = fx.ids.users[REP_N1_INDEX];
    let team = unit_path(&app, fx.ids.units[3]).await;
    assert_eq!(
        visits(&app, Who::User(rep_id), Metric::Visits).await,
        Decimal::ZERO
    );

    let body = check_in(
        "5f0c6d1e-2b4a-4c8e-9d3f-7a1b2c3d4e5f",
        customer,
        Utc::now() - Duration::minutes(3),
        at(53.5510, 9.9925),
    );
    let sends = (0..5).map(|_| post(&app, &rep, "check_in", body.clone()));
    let responses = futures::future::join_all(sends).await;
    let mut saved = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
        saved.push(response.json::<CheckInSaved>().await.unwrap());
    }
    assert!(saved.iter().all(|s| s.id == saved[0].id));
    assert_eq!(
        saved.iter().filter(|s| !s.duplicate).count(),
        1,
        "{saved:?}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM check_ins").await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activities WHERE kind = 'visit'").await,
        1
    );
    // Nobody had contacted this customer: the visit is also the initial contact, once.
    assert!(saved.iter().all(|s| s.initial_contact));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM activities WHERE kind = 'initial_contact'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE first_contact_on IS NOT NULL"
        )
        .await,
        1
    );
    // It counts at once, for the rep and for the team.
    assert_eq!(
        visits(&app, Who::User(rep_id), Metric::Visits).await,
        Decimal::ONE
    );
    assert_eq!(
        visits(&app, Who::Subtree(team.clone()), Metric::Visits).await,
        Decimal::ONE
    );
    assert_eq!(
        visits(&app, Who::User(rep_id), Metric::InitialContacts).await,
        Decimal::ONE
    );

    // A second visit to the same customer is a visit, not another first contact.
    let again = post(
        &app,
        &rep,
        "check_in",
        check_in("second-visit-0001", customer, Utc::now(), Value::Null),
    )
    .await;
    let again: CheckInSaved = again.json().await.unwrap();
    assert!(!again.initial_contact && !again.duplicate);
    assert_eq!(
        visits(&app, Who::Subtree(team), Metric::Visits).await,
        Decimal::TWO
    );
    assert_eq!(
        visits(&app, Who::User(rep_id), Metric::InitialContacts).await,
        Decimal::ONE
    );
}

async fn verification_follows_the_distance_to_the_customer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let customer = fx.customer_id(REP_N1_INDEX, 0);
    let far_customer = fx.customer_id(REP_N1_INDEX, 1);
    let unplaced = fx.customer_id(REP_N1_INDEX, 2);
    place_customer(&app, customer, None).await;
    place_customer(&app, far_customer, None).await;
    // The radius is the manager's to set, within their scope, as whole metres.
    let radius = |client: reqwest::Client, value: &'static str| {
        let app = &app;
        async move {
            app.call(
                &client,
                "set_visit_radius",
                &[
                    ("customer_id", &far_customer.to_string()),
                    ("radius", value),
                ],
            )
            .await
        }
    };
    assert_eq!(
        radius(rep.clone(), "1500").await.status(),
        StatusCode::FORBIDDEN
    );
    let south = signed_in(&app, MANAGER_SOUTH).await;
    assert_eq!(radius(south, "1500").await.status(), StatusCode::NOT_FOUND);
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let bad = radius(manager.clone(), "2 km").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(bad).await.field(), Some("radius"));
    assert_eq!(radius(manager, "1500").await.status(), StatusCode::OK);
    let now = Utc::now();
    let send = |id: &'static str, customer: i64, position: Value| {
        let rep = rep.clone();
        let app = &app;
        async move {
            let response = post(app, &rep, "check_in", check_in(id, customer, now, position)).await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<CheckInSaved>().await.unwrap()
        }
    };

    // 0.0007° north and 0.0005° east of the customer: 77.8 m and 33.0 m, 84.6 m in all.
    let near = send("near-0000001", customer, at(53.5510, 9.9925)).await;
    let expected = haversine_m((53.5510, 9.9925), CUSTOMER_AT);
    assert!((expected - 84.6).abs() < 0.5, "{expected}");
    match near.verification {
        app::domain::check_in::Verification::Verified { distance_m } => {
            assert!((distance_m - expected).abs() < 0.01)
        }
        other => panic!("near: {other:?}"),
    }
    // 0.0097° north: 1 078.6 m, outside the default 300 m …
    let far = send("far-00000001", customer, at(53.5600, 9.9920)).await;
    assert_eq!(far.verification.as_str(), "outside");
    assert!(
        far.verification
            .explain_in(app::domain::Locale::En)
            .contains("1.1 km"),
        "{}",
        far.verification.explain_in(app::domain::Locale::En)
    );
    // … but inside a customer's own radius of 1 500 m.
    let wide = send("wide-0000001", far_customer, at(53.5600, 9.9920)).await;
    assert_eq!(wide.verification.as_str(), "verified");
    // No location from the phone, or none on record: saved, unverified, with the reason.
    let denied = send("denied-00001", customer, Value::Null).await;
    assert_eq!(
        denied.verification.explain_in(app::domain::Locale::En),
        "Unverified: location permission denied."
    );
    let nowhere = send("nowhere-0001", unplaced, at(53.5510, 9.9925)).await;
    assert!(nowhere
        .verification
        .explain_in(app::domain::Locale::En)
        .contains("no location on record"));

    let stored: Vec<(String, String, Option<f64>)> =
        sql("SELECT client_id, verification, distance_m FROM check_ins ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let kinds: Vec<&str> = stored.iter().map(|s| s.1.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "verified",
            "outside",
            "verified",
            "unverified",
            "unverified"
        ]
    );
    assert!(
        (stored[1].2.unwrap() - 1_078.6).abs() < 0.5,
        "{:?}",
        stored[1]
    );
    assert_eq!(stored[3].2, None);
}

async fn bad_check_ins_are_refused_by_field_and_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let customer = fx.customer_id(REP_N1_INDEX, 0);
    let now = Utc::now();
    let good = check_in("good-0000001", customer, now, at(53.5, 10.0));
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let cases = [
        (with("customer_id", json!(0)), 422, Some("customer")),
        (with("position", at(91.0, 10.0)), 422, Some("lat")),
        (with("position", at(53.5, 181.5)), 422, Some("lon")),
        (
            with(
                "position",
                json!({ "lat": 53.5, "lon": 10.0, "accuracy_m": 2.0e6 }),
            ),
            422,
            Some("accuracy"),
        ),
        (
            with("device_time", json!(now + Duration::hours(3))),
            422,
            Some("device_time"),
        ),
        (
            with("device_time", json!(now - Duration::days(60))),
            422,
            Some("device_time"),
        ),
        (with("client_id", json!("no")), 422, Some("client_id")),
        // A customer that does not exist, and one the rep may not see.
        (with("customer_id", json!(999_999)), 404, None),
        (
            with("customer_id", json!(fx.customer_id(REP_S1_INDEX, 0))),
            404,
            None,
        ),
    ];
    for (body, status, field) in cases {
        let response = post(&app, &rep, "check_in", body.clone()).await;
        assert_eq!(response.status().as_u16(), status, "{body}");
        let error = app_error(response).await;
        assert_eq!(error.field(), field, "{body}: {error}");
    }
    // Not JSON a check-in can be read from: refused, not a 500.
    let response = rep
        .post(format!("{}/api/check_in", app.address))
        .json(&json!({ "input": { "client_id": "x" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(matches!(
        app_error(response).await,
        app::error::AppError::BadRequest(_)
    ));
    // A form field that is not a number: the same, through the form encoding.
    let response = app
        .call(
            &rep,
            "plan_visit",
            &[("customer_id", "abc"), ("day", "2030-01-01"), ("notes", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // A body over the limit (2 MiB by default) is refused before it is read. The server then
    // closes the connection while the client may still be sending: the upload goes on a
    // connection (and session) of its own, and a send cut off that way is tried again, so
    // neither it nor the rep's next request trips over the closed connection.
    let mut huge = good.clone();
    huge["location_error"] = json!("x".repeat(3 * 1024 * 1024));
    let mut attempts = 0;
    let response = loop {
        attempts += 1;
        let uploader = signed_in(&app, REP_N1).await;
        match uploader
            .post(format!("{}/api/check_in", app.address))
            .json(&json!({ "input": huge }))
            .send()
            .await
        {
            Ok(response) => break response,
            Err(e) if attempts < 5 => eprintln!("upload cut off ({e}), again"),
            Err(e) => panic!("the oversized upload never got an answer: {e}"),
        }
    };
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM check_ins").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM activities").await, 0);

    // Signed out: refused. Another rep whose phone made the same id: ids are each user's
    // own, so theirs is a check-in of its own, not a duplicate of (or a refusal by) this one.
    let anonymous = app.new_session();
    assert_eq!(
        post(&app, &anonymous, "check_in", good.clone())
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&app, &rep, "check_in", good.clone()).await.status(),
        StatusCode::OK
    );
    let other = signed_in(&app, REP_N2).await;
    let mut same_id = good.clone();
    same_id["customer_id"] = json!(fx.customer_id(REP_N1_INDEX + 1, 0));
    let response = post(&app, &other, "check_in", same_id.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["duplicate"], json!(false), "{saved}");
    let again: Value = post(&app, &other, "check_in", same_id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["duplicate"],
        json!(true),
        "a resend is still a resend"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM check_ins").await, 2);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activities WHERE kind = 'visit'").await,
        2
    );
}

async fn check_out_records_time_on_site_and_the_team_view_is_scoped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let customer = fx.customer_id(REP_N1_INDEX, 0);
    place_customer(&app, customer, None).await;
    let now = Utc::now();
    // Within today (UTC), so that "today" covers it whenever the test runs.
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let checked_in = (now - Duration::minutes(45)).max(midnight);
    let saved = post(
        &app,
        &rep,
        "check_in",
        check_in("visit-000001", customer, checked_in, at(53.5510, 9.9925)),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);

    let out = |at: DateTime<Utc>| {
        json!({
            "client_id": "visit-000001",
            "device_time": at,
            "outcome": "follow_up",
            "notes": "Wants a quote for 40 pallets.",
            "next_step": "Send the quote by Friday.",
        })
    };
    let before = post(
        &app,
        &rep,
        "check_out",
        out(checked_in - Duration::minutes(5)),
    )
    .await;
    assert_eq!(before.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(before).await.field(), Some("device_time"));
    let other = signed_in(&app, REP_N2).await;
    assert_eq!(
        post(&app, &other, "check_out", out(now)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&app, &rep, "check_out", out(now)).await.status(),
        StatusCode::OK
    );
    // Sent again later (a retry): the first check-out time stands.
    assert_eq!(
        post(&app, &rep, "check_out", out(now + Duration::minutes(5)))
            .await
            .status(),
        StatusCode::OK
    );
    let (notes,): (String,) = sql("SELECT notes FROM activities WHERE kind = 'visit'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        notes,
        "Follow-up needed. Wants a quote for 40 pallets. Send the quote by Friday."
    );

    let report = |client: reqwest::Client, range: &'static str| {
        let app = &app;
        async move {
            let response = app
                .call(&client, "team_check_ins", &[("range", range)])
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<CheckInReport>().await.unwrap()
        }
    };
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let seen = report(manager.clone(), "today").await;
    assert_eq!(seen.rows.len(), 1);
    let row = &seen.rows[0];
    assert_eq!(row.verification.as_str(), "verified");
    assert_eq!(row.outcome.map(|o| o.as_str()), Some("follow_up"));
    assert_eq!(row.next_step, "Send the quote by Friday.");
    assert_eq!(
        row.minutes_on_site(),
        Some((now - checked_in).num_minutes())
    );
    assert_eq!(seen.counts(), (1, 0, 0));
    assert_eq!(report(manager.clone(), "week").await.rows.len(), 1);

    // The same rows as a CSV download, scoped the same way.
    let csv = |client: reqwest::Client, query: &'static str| {
        let app = &app;
        async move {
            client
                .get(format!("{}/api/export/check-ins.csv?{query}", app.address))
                .send()
                .await
                .unwrap()
        }
    };
    let response = csv(manager.clone(), "range=today&unit=").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 2, "{body}");
    assert!(
        lines[0].starts_with("checked_in_utc,received_utc,checked_out_utc,minutes_on_site,rep,")
    );
    assert!(lines[1].contains(",verified,85,,53.55100,9.99250,12,follow_up,Wants a quote for 40 pallets.,Send the quote by Friday."), "{}", lines[1]);
    let minutes = (now - checked_in).num_minutes().to_string();
    assert!(
        lines[1].contains(&format!(",{minutes},rep n1,")),
        "{}",
        lines[1]
    );
    let south_csv = csv(signed_in(&app, MANAGER_SOUTH).await, "range=week").await;
    assert_eq!(south_csv.text().await.unwrap().lines().count(), 1);
    let bad = csv(manager, "range=today&unit=north").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(report(rep, "today").await.rows.len(), 1);
    assert!(report(other, "today").await.rows.is_empty());
    assert!(report(signed_in(&app, MANAGER_SOUTH).await, "today")
        .await
        .rows
        .is_empty());
}
