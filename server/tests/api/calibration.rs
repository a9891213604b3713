//! What the forecast learns from the company's history (issue 19), over HTTP on both
//! backends: the calibration managers read, and the chances the board's forecast then uses.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::model::calibration::CalibrationReport;
use chrono::{Duration, Utc};
use reqwest::StatusCode;

both_backends!(a_history_of_lost_proposals_lowers_their_chance_everywhere);

/// Sixty past deals that reached Proposal and were lost two weeks later (created 60 to 420
/// days ago), as the stage history records them.
async fn lose_sixty_proposals(app: &TestApp, fx: &Fixture) {
    let now = Utc::now();
    let (proposal, lost) = (fx.stage_id(PROPOSAL), fx.stage_id(LOST));
    let owner = fx.ids.users[REP_N2_INDEX];
    let customer = fx.customer_id(REP_N2_INDEX, 0);
    for i in 0..60i64 {
        let created = now - Duration::days(60 + 6 * i);
        let closed = created + Duration::days(14);
        let (id,): (i64,) = sql(
            "INSERT INTO opportunities (title, customer_id, owner_id, value_minor, currency, \
             expected_close_on, stage_id, probability, lost_reason, closed_on, version, \
             stage_entered_at, created_at, updated_at) \
             VALUES ($1, $2, $3, 100000, 'EUR', $4, $5, NULL, 'price', $6, 2, $7, $8, $7) RETURNING id",
        )
        .bind(format!("Old deal {i}"))
        .bind(customer)
        .bind(owner)
        .bind((created + Duration::days(30)).date_naive())
        .bind(lost)
        .bind(closed.date_naive())
        .bind(closed)
        .bind(created)
        .fetch_one(&app.db)
        .await
        .unwrap();
        for (from, to, at) in [(None, proposal, created), (Some(proposal), lost, closed)] {
            sql(
                "INSERT INTO stage_changes (opportunity_id, from_stage_id, to_stage_id, \
                 changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(at)
            .bind(owner)
            .execute(&app.db)
            .await
            .unwrap();
        }
        sql(
            "INSERT INTO close_date_changes (opportunity_id, changed_at, expected_close_on) \
             VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(created)
        .bind((created + Duration::days(30)).date_naive())
        .execute(&app.db)
        .await
        .unwrap();
    }
}

async fn a_history_of_lost_proposals_lowers_their_chance_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    lose_sixty_proposals(&app, &fx).await;

    // Managers and admins read what was learned; reps do not.
    let rep = signed_in(&app, REP_N1).await;
    let refused = app.call(&rep, "calibration", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Pacer learned on start-up, before this history existed; an admin has it learn again.
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let refused = app.call(&manager, "relearn_calibration", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let admin = signed_in(&app, ADMIN).await;
    let relearned = app.call(&admin, "relearn_calibration", &[]).await;
    assert_eq!(relearned.status(), StatusCode::OK);
    let response = app.call(&manager, "calibration", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: CalibrationReport = response.json().await.unwrap();
    assert!(report.deals >= 60, "{}", report.deals);
    let proposal = report
        .stages
        .iter()
        .find(|s| s.name == "Proposal")
        .expect("the Proposal stage");
    assert_eq!(proposal.configured, 50);
    assert!(proposal.reached_lost >= 60, "{proposal:?}");
    // Sixty losses against a prior worth twenty deals: far below the configured 50 %.
    assert!(proposal.quarter <= 20, "{proposal:?}");
    // A stage with no history keeps its configured probability.
    let lead = report.stages.iter().find(|s| s.name == "Lead").unwrap();
    assert_eq!((lead.configured, lead.quarter), (10, 10));

    // The board's forecast uses the learned chance: rep N1's Proposal deal (€10 k) counts
    // for far less than half its value now. The same numbers come from the server's
    // calibration as the browser's.
    let rep_id = fx.ids.users[REP_N1_INDEX];
    let target_id = target(
        &app,
        &fx,
        ("assignee_user_id", rep_id),
        "bookings",
        25_000,
        "agreed",
    )
    .await;
    let b = board(&app, &rep, &[]).await;
    let band = b.forecasts[0]
        .outlook(
            &b.cards,
            &b.stages,
            b.today,
            None,
            &app::domain::forecast::Thresholds::default(),
            &b.calendar,
            &b.chances,
            app::domain::Locale::En,
        )
        .band
        .expect("a band");
    // Before: 10 000 × 50 % + 20 000 × 25 % = 10 000. Now the Proposal deal weighs ≤ 20 %.
    assert!(
        band.weighted <= rust_decimal::Decimal::from(7_000),
        "{band:?}"
    );
    // One forecast everywhere: the target's page says what the board's panel says.
    let detail: app::model::targets::TargetDetail = app
        .call(&rep, "target", &[("id", &target_id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    let page_band = detail.target.outlook.and_then(|o| o.band).expect("a band");
    assert_eq!(page_band, band);

    // Learned once a day and stored: a second read is the same calibration.
    let again: CalibrationReport = app
        .call(&manager, "calibration", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, report);
}
