//! Forecast calls and run-rate ranges (issue 19), over HTTP on both backends: a rep calls
//! their own target; the manager sees the team's calls beside Pacer's forecast and calls the
//! unit's target (the roll-up adjusted); every call is kept; nobody calls or reads a target
//! they cannot see. A visits target with a history gets a range, like bookings.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::model::calls::ForecastCall;
use app::model::targets::TargetDetail;
use chrono::{Datelike, Duration, Utc, Weekday};
use reqwest::StatusCode;
use rust_decimal::Decimal;

both_backends!(
    reps_call_their_targets_and_the_manager_adjusts_the_roll_up,
    a_visits_target_with_a_history_has_a_range
);

async fn detail(app: &TestApp, client: &reqwest::Client, id: i64) -> TargetDetail {
    let response = app.call(client, "target", &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    id: i64,
    commit: &str,
    best_case: &str,
    note: &str,
) -> reqwest::Response {
    app.call(
        client,
        "target_call",
        &[
            ("id", &id.to_string()),
            ("input[commit]", commit),
            ("input[best_case]", best_case),
            ("input[note]", note),
        ],
    )
    .await
}

async fn calls_on(app: &TestApp) -> i64 {
    let (n,): (i64,) = sql("SELECT COUNT(*) FROM forecast_calls")
        .fetch_one(&app.db)
        .await
        .unwrap();
    n
}

async fn reps_call_their_targets_and_the_manager_adjusts_the_roll_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let north = target(
        &app,
        &fx,
        ("assignee_unit_id", fx.ids.units[1]),
        "bookings",
        50_000,
        "agreed",
    )
    .await;
    let mine = target(
        &app,
        &fx,
        ("assignee_user_id", fx.ids.users[REP_N1_INDEX]),
        "bookings",
        20_000,
        "agreed",
    )
    .await;
    let theirs = target(
        &app,
        &fx,
        ("assignee_user_id", fx.ids.users[REP_N2_INDEX]),
        "bookings",
        20_000,
        "agreed",
    )
    .await;
    sql("UPDATE targets SET parent_id = $1 WHERE id IN ($2, $3)")
        .bind(north)
        .bind(mine)
        .bind(theirs)
        .execute(&app.db)
        .await
        .unwrap();

    // The rep calls their own target; Pacer's median then is kept beside the call.
    let rep = signed_in(&app, REP_N1).await;
    assert!(detail(&app, &rep, mine).await.calls.can_call);
    let response = call(&app, &rep, mine, "12000", "18 000", "Two proposals out").await;
    assert_eq!(response.status(), StatusCode::OK);
    let made: ForecastCall = response.json().await.unwrap();
    assert_eq!(
        (made.commit, made.best_case),
        (Decimal::from(12_000), Decimal::from(18_000))
    );
    assert_eq!(made.by, "rep n1");
    assert!(made.model_p50.is_some());

    // Bad input names the field and writes nothing.
    let before = calls_on(&app).await;
    let refused = app_error(call(&app, &rep, mine, "18000", "12000", "").await).await;
    assert_eq!(refused.field(), Some("best_case"), "{refused:?}");
    assert!(
        refused.to_string().contains("cannot be below the commit"),
        "{refused}"
    );
    let refused = app_error(call(&app, &rep, mine, "lots", "12000", "").await).await;
    assert_eq!(refused.field(), Some("commit"), "{refused:?}");
    assert_eq!(calls_on(&app).await, before);

    // Nobody calls a target that is not theirs: another rep's (not even visible), the unit's
    // as a rep, a rep's as the manager, or anything from the other business unit.
    assert_eq!(
        call(&app, &rep, theirs, "1", "2", "").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, &rep, north, "1", "2", "").await.status(),
        StatusCode::FORBIDDEN
    );
    let manager = signed_in(&app, MANAGER_NORTH).await;
    assert_eq!(
        call(&app, &manager, mine, "1", "2", "").await.status(),
        StatusCode::FORBIDDEN
    );
    let south = signed_in(&app, MANAGER_SOUTH).await;
    assert_eq!(
        call(&app, &south, north, "1", "2", "").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&south, "target", &[("id", &north.to_string())])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(calls_on(&app).await, before);

    // The manager sees the team's calls beside Pacer's forecast for each…
    let page = detail(&app, &manager, north).await;
    assert!(page.calls.can_call);
    assert_eq!(page.calls.children.len(), 1, "{:?}", page.calls.children);
    assert_eq!(page.calls.children[0].target_id, mine);
    assert_eq!(page.calls.children[0].commit, Decimal::from(12_000));
    assert!(page
        .children
        .iter()
        .all(|c| c.outlook.as_ref().is_some_and(|o| o.band.is_some())));
    // …and calls the whole unit, twice: both calls are kept, the latest first.
    assert_eq!(
        call(&app, &manager, north, "30000", "45000", "Rolled up")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        call(&app, &manager, north, "28k", "40k", "Less from N2")
            .await
            .status(),
        StatusCode::OK
    );
    let page = detail(&app, &manager, north).await;
    let history: Vec<(Decimal, Decimal)> = page
        .calls
        .history
        .iter()
        .map(|c| (c.commit, c.best_case))
        .collect();
    assert_eq!(
        history,
        [
            (Decimal::from(28_000), Decimal::from(40_000)),
            (Decimal::from(30_000), Decimal::from(45_000))
        ]
    );
    assert_eq!(page.calls.history[0].note, "Less from N2");
    // The rep sees their own call; the unit's target, where they are no party, shows them no
    // calls at all (neither the manager's nor the other reps').
    let page = detail(&app, &rep, mine).await;
    assert_eq!(page.calls.history.len(), 1);
    assert!(page.calls.children.is_empty());
    let unit = app
        .call(&rep, "target", &[("id", &north.to_string())])
        .await;
    if unit.status() == StatusCode::OK {
        let unit: TargetDetail = unit.json().await.unwrap();
        assert_eq!(unit.calls, app::model::calls::TargetCalls::default());
    } else {
        assert_eq!(unit.status(), StatusCode::NOT_FOUND);
    }
    // Once the period is over, nobody calls it any more.
    sql("UPDATE targets SET ends_on = $1 WHERE id = $2")
        .bind(Utc::now().date_naive() - Duration::days(1))
        .bind(mine)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        call(&app, &rep, mine, "1", "2", "").await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn a_visits_target_with_a_history_has_a_range(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = fx.ids.users[REP_N1_INDEX];
    let customer = fx.customer_id(REP_N1_INDEX, 0);
    // Three visits every working day for the last two years, one planned visit that must
    // not count, and another rep's visits that must not either.
    let today = Utc::now().date_naive();
    let mut rows = Vec::new();
    for back in 1..730 {
        let day = today - Duration::days(back);
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        for (hour, user) in [
            (9, rep),
            (11, rep),
            (14, rep),
            (16, fx.ids.users[REP_N2_INDEX]),
        ] {
            rows.push((day.and_hms_opt(hour, 0, 0).unwrap().and_utc(), user, false));
        }
    }
    rows.push((
        (today + Duration::days(3))
            .and_hms_opt(9, 0, 0)
            .unwrap()
            .and_utc(),
        rep,
        true,
    ));
    for (chunk_no, chunk) in rows.chunks(1000).enumerate() {
        let mut q = sql(
            "INSERT INTO activities (kind, customer_id, user_id, occurred_at, notes, client_id, planned) ",
        );
        q.push_values(chunk.iter().enumerate(), |row, (i, (at, user, planned))| {
            row.push_bind("visit")
                .push_bind(customer)
                .push_bind(*user)
                .push_bind(*at)
                .push_bind("")
                .push_bind(format!("history-{chunk_no}-{i}"))
                .push_bind(*planned);
        });
        q.execute(&app.db).await.unwrap();
    }
    // 70 days, 10 of them gone: about 50 working days × 3 visits to come, 30 done.
    let id = target(
        &app,
        &fx,
        ("assignee_user_id", rep),
        "visits",
        150,
        "agreed",
    )
    .await;
    let client = signed_in(&app, REP_N1).await;
    let page = detail(&app, &client, id).await;
    let outlook = page.target.outlook.expect("an outlook");
    let band = outlook.band.expect("a range for visits");
    assert!(band.p10 <= band.p50 && band.p50 <= band.p90, "{band:?}");
    let (p10, p90) = (
        band.p10.to_string().parse::<f64>().unwrap(),
        band.p90.to_string().parse::<f64>().unwrap(),
    );
    let expected = page.target.actual.to_string().parse::<f64>().unwrap()
        + 3.0
            * f64::from(
                u32::try_from(
                    (1..=60)
                        .filter(|d| {
                            !matches!(
                                (today + Duration::days(*d)).weekday(),
                                Weekday::Sat | Weekday::Sun
                            )
                        })
                        .count(),
                )
                .unwrap(),
            );
    assert!(
        p10 <= expected * 1.02 && expected * 0.98 <= p90,
        "{band:?}, expected about {expected}"
    );
}
