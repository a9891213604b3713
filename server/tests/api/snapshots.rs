//! The daily snapshot, the dashboard's digest and the status thresholds, over the real router.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::domain::forecast::{chart_days, Health, Thresholds};
use app::model::dashboard::Dashboard;
use app::model::targets::TargetDetail;
use chrono::{Duration, Utc};
use reqwest::StatusCode;

both_backends!(
    the_snapshot_stores_one_row_per_target_and_day,
    the_digest_shows_what_changed_since_the_last_snapshot,
    only_admins_change_the_thresholds_and_bad_values_name_the_field,
    several_instances_take_the_daily_snapshot_once,
);

async fn snapshot_rows(app: &TestApp) -> (i64, i64) {
    sql(
        "SELECT COUNT(*), COUNT(DISTINCT CAST(target_id AS TEXT) || '/' || CAST(day AS TEXT)) \
         FROM target_snapshots",
    )
    .fetch_one(&app.db)
    .await
    .expect("count")
}

async fn the_snapshot_stores_one_row_per_target_and_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = ("assignee_user_id", fx.ids.users[REP_N1_INDEX]);
    let bookings = target(&app, &fx, rep, "bookings", 25_000, "agreed").await;
    let visits = target(&app, &fx, rep, "visits", 40, "agreed").await;
    target(&app, &fx, rep, "turnover", 90_000, "draft").await;
    let (today, now) = (Utc::now().date_naive(), Utc::now());
    let yesterday = today - Duration::days(1);

    // Taken twice for today (the start-up catch-up and the admin's command, say) and once
    // for yesterday: one row per active target and day, drafts left out.
    for day in [today, today, yesterday] {
        let stored = app::service::snapshots::take(&app.db, day, today, now)
            .await
            .expect("snapshot");
        assert_eq!(stored, 2, "the two agreed targets on {day}");
    }
    assert_eq!(snapshot_rows(&app).await, (4, 4));
    assert!(app::repo::snapshots::taken(&app.db, today).await.unwrap());
    // The start-up catch-up finds today's snapshot taken and stores nothing.
    assert_eq!(
        app::service::snapshots::catch_up(&app.db, chrono::Utc::now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(snapshot_rows(&app).await, (4, 4));

    // The target page draws from them: two days of status history, and the burn-up has a
    // point for every day of the period so far (it started 10 days ago).
    let client = signed_in(&app, REP_N1).await;
    for id in [bookings, visits] {
        let response = app
            .call(&client, "target", &[("id", &id.to_string())])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let detail: TargetDetail = response.json().await.expect("detail JSON");
        let days: Vec<_> = detail.history.iter().map(|p| p.day).collect();
        assert_eq!(days, vec![yesterday, today]);
        assert_eq!(detail.burn_up.len(), 11);
        assert_eq!(
            detail.burn_up.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
            chart_days(detail.target.period, today)
        );
        assert!(detail.target.outlook.is_some());
    }
}

async fn dashboard(app: &TestApp, client: &reqwest::Client) -> Dashboard {
    let response = app.call(client, "dashboard", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("dashboard JSON")
}

async fn the_digest_shows_what_changed_since_the_last_snapshot(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = fx.ids.users[REP_N1_INDEX];
    // €25 k to book; open: €10 k at 50 % and €20 k at 25 %: both must close, 12.5 % — off track.
    let id = target(
        &app,
        &fx,
        ("assignee_user_id", rep),
        "bookings",
        25_000,
        "agreed",
    )
    .await;
    let (today, now) = (Utc::now().date_naive(), Utc::now());
    let yesterday = today - Duration::days(1);
    app::service::snapshots::take(&app.db, yesterday, today, now)
        .await
        .unwrap();

    let client = signed_in(&app, REP_N1).await;
    let d = dashboard(&app, &client).await;
    assert_eq!(d.mine.iter().map(|t| t.id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(d.mine[0].outlook.as_ref().unwrap().health, Health::OffTrack);
    assert_eq!(d.digest.since, Some(yesterday));
    assert!(d.digest.changes.is_empty(), "off track then and now");
    assert!(d.team.is_none(), "a rep has no team section");

    // The admin lowers the bar: 12.5 % is now on track, a change since yesterday.
    let admin = signed_in(&app, ADMIN).await;
    let form = input_form([
        ("hit_on_track", "10".to_string()),
        ("hit_off_track", "5".to_string()),
        ("pace_on_track", "100".to_string()),
        ("pace_off_track", "85".to_string()),
    ]);
    let response = app
        .save_form(&admin, "save_thresholds", None, &form, &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // And the Proposal deal has sat in its stage one day longer than its 14 rotting days.
    let proposal = fx.opportunity_id(REP_N1_INDEX, 0);
    sql("UPDATE opportunities SET stage_entered_at = $1 WHERE id = $2")
        .bind(now - Duration::days(15))
        .bind(proposal)
        .execute(&app.db)
        .await
        .unwrap();

    let d = dashboard(&app, &client).await;
    assert_eq!(d.digest.changes.len(), 1);
    let change = &d.digest.changes[0];
    assert_eq!(
        (change.target_id, change.from, change.to),
        (id, Some(Health::OffTrack), Health::OnTrack)
    );
    assert_eq!(
        d.digest.rotten.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![proposal]
    );
    assert_eq!(d.digest.rotten[0].days_in_stage, 15);

    // The rep's manager sees both in the team's digest; another unit's rep sees neither.
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let d = dashboard(&app, &manager).await;
    assert!(d.mine.is_empty());
    let team: Vec<i64> = d.team.unwrap().iter().map(|t| t.id).collect();
    assert_eq!(team, vec![id]);
    assert_eq!(d.digest.changes.len(), 1);
    assert_eq!(d.digest.rotten.len(), 1);
    let other = signed_in(&app, REP_S1).await;
    let d = dashboard(&app, &other).await;
    assert!(d.digest.changes.is_empty() && d.digest.rotten.is_empty());
}

async fn only_admins_change_the_thresholds_and_bad_values_name_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let valid = input_form([
        ("hit_on_track", "80".to_string()),
        ("hit_off_track", "40".to_string()),
        ("pace_on_track", "95".to_string()),
        ("pace_off_track", "80 %".to_string()),
    ]);
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let response = app
        .save_form(&manager, "save_thresholds", None, &valid, &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let admin = signed_in(&app, ADMIN).await;
    for (field, value, says) in [
        ("hit_off_track", "85", "below on track"),
        ("pace_on_track", "lots", "not a whole percentage"),
        ("hit_on_track", "101", "from 1 to 100"),
    ] {
        let response = app
            .save_form(
                &admin,
                "save_thresholds",
                None,
                &with(valid.clone(), field, value),
                &[],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        let error = app_error(response).await;
        assert_eq!(error.field(), Some(field));
        assert!(error.to_string().contains(says), "{error}");
    }
    // Nothing of the refused saves was stored.
    let response = app.call(&manager, "thresholds", &[]).await;
    let stored: Thresholds = response.json().await.unwrap();
    assert_eq!(stored, Thresholds::default());

    let response = app
        .save_form(&admin, "save_thresholds", None, &valid, &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let expected = Thresholds {
        hit_on_track: 80,
        hit_off_track: 40,
        pace_on_track: 95,
        pace_off_track: 80,
    };
    let response = app.call(&manager, "thresholds", &[]).await;
    assert_eq!(response.json::<Thresholds>().await.unwrap(), expected);
    // The board's forecast panel works with them too.
    assert_eq!(board(&app, &manager, &[]).await.thresholds, expected);
}

async fn several_instances_take_the_daily_snapshot_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = ("assignee_user_id", fx.ids.users[REP_N1_INDEX]);
    target(&app, &fx, rep, "bookings", 25_000, "agreed").await;
    // Tomorrow just after midnight, three instances wake at once (today's was taken at start).
    let now = Utc::now() + Duration::days(1);
    let catch_up = || app::service::snapshots::catch_up(&app.db, now);
    let (a, b, c) = tokio::join!(catch_up(), catch_up(), catch_up());
    let taken: Vec<_> = [a, b, c].into_iter().filter_map(Result::unwrap).collect();
    assert_eq!(taken, vec![1], "one instance took it, for the one target");
    let (runs,): (i64,) = sql("SELECT CAST(runs AS BIGINT) FROM snapshot_runs WHERE day = $1")
        .bind(now.date_naive())
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(runs, 1);
    // A claim left by an instance that died is taken over ten minutes on.
    let later = now + Duration::days(1);
    app::repo::snapshots::claim(&app.db, later.date_naive(), later)
        .await
        .unwrap();
    assert_eq!(
        app::service::snapshots::catch_up(&app.db, later + Duration::minutes(5))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        app::service::snapshots::catch_up(&app.db, later + Duration::minutes(11))
            .await
            .unwrap(),
        Some(1)
    );
}
