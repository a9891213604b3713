//! The accuracy report (issue 19) over HTTP on both backends: after an admin backfills the
//! demo's past quarter from the history, managers see how the forecasts did at 25, 50 and
//! 75 % of it, over the targets they may see; reps and managers cannot backfill.

use crate::both_backends;
use crate::helpers::*;
use app::domain::accuracy::{AccuracyReport, Backfilled};
use reqwest::StatusCode;
use server::demo;

both_backends!(the_accuracy_report_scores_a_backfilled_past_quarter);

async fn demo_session(app: &TestApp, email: &str) -> reqwest::Client {
    let client = app.new_session();
    let response = app.login(&client, email, demo::DEMO_PASSWORD).await;
    assert!(response.status().is_success(), "{}", response.status());
    client
}

async fn report(app: &TestApp, client: &reqwest::Client) -> AccuracyReport {
    let response = app.call(client, "accuracy", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn the_accuracy_report_scores_a_backfilled_past_quarter(backend: Backend) {
    let app = TestApp::spawn_with(backend, true).await;
    let (admin, manager, rep) = (
        demo_session(&app, demo::DEMO_ADMIN).await,
        demo_session(&app, demo::DEMO_MANAGER).await,
        demo_session(&app, demo::DEMO_REP).await,
    );
    // The demo's snapshots cover the last two weeks: no closed period has any yet.
    assert!(report(&app, &manager).await.rows.is_empty());
    assert_eq!(
        app.call(&rep, "accuracy", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(&manager, "backfill_accuracy", &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    let response = app.call(&admin, "backfill_accuracy", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut done: Backfilled = response.json().await.unwrap();
    // The last quarter's visits targets, at 25, 50 and 75 % of it and on its last day; a
    // request computes a bounded number of days and says how many remain.
    while done.remaining > 0 {
        let more: Backfilled = app
            .call(&admin, "backfill_accuracy", &[])
            .await
            .json()
            .await
            .unwrap();
        assert!(
            more.days > 0 && more.remaining < done.remaining,
            "{more:?} after {done:?}"
        );
        done = Backfilled {
            days: done.days + more.days,
            snapshots: done.snapshots + more.snapshots,
            remaining: more.remaining,
        };
    }
    assert!(done.days >= 4, "{done:?}");
    assert!(done.snapshots >= 4 * 12, "{done:?}");
    // Done is done: another backfill computes nothing.
    let again: Backfilled = app
        .call(&admin, "backfill_accuracy", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, Backfilled::default());

    let all = report(&app, &admin).await;
    let quarter: Vec<_> = all.rows.iter().filter(|r| r.targets == 12).collect();
    assert_eq!(quarter.len(), 3, "{:?}", all.rows);
    assert_eq!(
        quarter.iter().map(|r| r.percent).collect::<Vec<_>>(),
        [25, 50, 75]
    );
    for row in &quarter {
        // The outcome does not depend on when it was forecast.
        assert_eq!(row.reached, quarter[0].reached, "{row:?}");
        assert!(row.reached <= 12, "{row:?}");
        assert_eq!(row.pacer.forecasts, 12);
        assert!(
            row.pacer.mape_tenths.is_some() && row.plain.mape_tenths.is_some(),
            "{row:?}"
        );
        assert_eq!(row.calls.forecasts, 0);
    }
    assert!(all.overall.is_some());
    // A manager sees only their business unit's targets.
    let theirs = report(&app, &manager).await;
    assert!(!theirs.rows.is_empty());
    assert!(
        theirs.rows.iter().all(|r| r.targets < 12),
        "{:?}",
        theirs.rows
    );
}
