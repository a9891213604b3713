//! The board's forecast panel over HTTP: which targets a view answers to, and what the server
//! counts that the board does not show, so that the browser's forecast is the whole truth.

use crate::both_backends;
use crate::helpers::*;
use app::domain::forecast::{Thresholds, WhatIf};
use reqwest::StatusCode;
use rust_decimal::Decimal;

both_backends!(
    the_forecast_panel_counts_every_deal_of_the_target_once,
    a_view_shows_only_its_own_running_targets,
);

async fn the_forecast_panel_counts_every_deal_of_the_target_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = fx.ids.users[REP_N1_INDEX];
    let id = target(
        &app,
        &fx,
        ("assignee_user_id", rep),
        "bookings",
        25_000,
        "agreed",
    )
    .await;
    let client = signed_in(&app, REP_N1).await;
    let thresholds = Thresholds::default();

    // Rep N1's deals: €10 k in Proposal (50 %), €20 k in Qualified (25 %), both on the board.
    let b = board(&app, &client, &[]).await;
    assert_eq!(b.forecasts.len(), 1);
    let t = &b.forecasts[0];
    assert_eq!((t.id, t.owners.clone()), (id, vec![rep]));
    assert_eq!((t.won, t.open.len()), (Decimal::ZERO, 2));
    let band = band_of(&b, t, None, &thresholds);
    assert_eq!(
        (band.won, band.weighted),
        (Decimal::ZERO, Decimal::new(1_000_000, 2))
    );

    // Dragged over Won, the €10 k deal counts as won before anyone has dropped it.
    let proposal = fx.opportunity_id(REP_N1_INDEX, 0);
    let won_stage = fx.stage_id(WON);
    let what_if = Some(WhatIf {
        card_id: proposal,
        stage_id: won_stage,
    });
    let dragged = band_of(&b, t, what_if, &thresholds);
    assert_eq!(
        (dragged.won, dragged.weighted),
        (Decimal::from(10_000), Decimal::from(15_000))
    );

    // Dropped and saved: the server's board says the same.
    let response = app
        .call(
            &client,
            "move_opportunity",
            &[
                ("id", &proposal.to_string()),
                ("version", "3"),
                ("stage_id", &won_stage.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let b = board(&app, &client, &[]).await;
    let t = &b.forecasts[0];
    let band = band_of(&b, t, None, &thresholds);
    assert_eq!(
        (band.won, band.weighted),
        (Decimal::from(10_000), Decimal::from(15_000))
    );

    // A filter hides deals from the board, not from the forecast: what the board does not
    // show, the server adds.
    for q in ["Deal 3-0", "Deal 3-1", "nothing matches this"] {
        let b = board(&app, &client, &[("q", q)]).await;
        let t = &b.forecasts[0];
        let band = band_of(&b, t, None, &thresholds);
        assert_eq!(
            (band.won, band.weighted),
            (Decimal::from(10_000), Decimal::from(15_000)),
            "filter {q}"
        );
        assert_eq!(band.open, Decimal::from(20_000), "filter {q}");
    }
}

async fn a_view_shows_only_its_own_running_targets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let team_n1 = fx.ids.units[3];
    let rep_n1 = fx.ids.users[REP_N1_INDEX];
    let team = target(
        &app,
        &fx,
        ("assignee_unit_id", team_n1),
        "won_opportunities",
        3,
        "agreed",
    )
    .await;
    // Not on any panel: a draft, a run-rate metric, and another rep's target.
    target(
        &app,
        &fx,
        ("assignee_user_id", rep_n1),
        "bookings",
        5_000,
        "draft",
    )
    .await;
    target(
        &app,
        &fx,
        ("assignee_user_id", rep_n1),
        "turnover",
        5_000,
        "agreed",
    )
    .await;
    target(
        &app,
        &fx,
        ("assignee_user_id", fx.ids.users[REP_S1_INDEX]),
        "bookings",
        5_000,
        "agreed",
    )
    .await;

    let rep = signed_in(&app, REP_N1).await;
    assert!(board(&app, &rep, &[]).await.forecasts.is_empty());

    let manager = signed_in(&app, MANAGER_NORTH).await;
    let view = format!("unit-{team_n1}");
    let b = board(&app, &manager, &[("view", &view)]).await;
    assert_eq!(b.forecasts.len(), 1);
    let t = &b.forecasts[0];
    assert_eq!(t.id, team);
    let mut owners = t.owners.clone();
    owners.sort_unstable();
    assert_eq!(owners, vec![rep_n1, fx.ids.users[REP_N2_INDEX]]);
    // Won opportunities count deals, not money: four open deals in the team, none won.
    let band = band_of(&b, t, None, &Thresholds::default());
    assert_eq!(band.open, Decimal::from(4));
    assert_eq!(band.weighted, Decimal::new(150, 2)); // 2 × 50 % + 2 × 25 %

    // The business unit above has no target of its own.
    let north = format!("unit-{}", fx.ids.units[1]);
    assert!(board(&app, &manager, &[("view", &north)])
        .await
        .forecasts
        .is_empty());
}

/// The band the board's forecast panel shows for `t`, with a card held over a column.
fn band_of(
    b: &app::model::pipeline::Board,
    t: &app::domain::forecast::PipelineTarget,
    what_if: Option<WhatIf>,
    thresholds: &app::domain::forecast::Thresholds,
) -> app::domain::forecast::Band {
    t.outlook(
        &b.cards,
        &b.stages,
        b.today,
        what_if,
        thresholds,
        &b.calendar,
        &b.chances,
        app::domain::Locale::En,
    )
    .band
    .expect("pipeline targets have a band")
}
