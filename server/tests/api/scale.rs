//! The board at company scale (issue 21): 50 000 opportunities in the admin's company view. The
//! board sends each column's first window and the database's counts and sums, the rest a window
//! at a time; the forecast panel gets each target's pipeline summarised. Everything is checked
//! against the whole company read another way (the opportunity list, every card one by one).

use crate::both_backends;
use crate::helpers::*;
use app::domain::forecast::{Band, PipelineTarget, Thresholds, WhatIf};
use app::domain::{ColumnTotals, Opportunity, Scope, StageKind};
use app::model::pipeline::{Board, ListFilter, COLUMN_WINDOW};
use chrono::Duration;
use reqwest::{Client, StatusCode};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

both_backends!(a_board_of_fifty_thousand_opportunities_is_sent_a_window_at_a_time);

const SCALE: usize = 50_000;

async fn a_board_of_fifty_thousand_opportunities_is_sent_a_window_at_a_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let today = chrono::Utc::now().date_naive();
    app::repo::seed::scale(&app.db, SCALE, today)
        .await
        .expect("seed");
    let company = fx.ids.units[0];
    let target_id = target(
        &app,
        &fx,
        ("assignee_unit_id", company),
        "bookings",
        1,
        "agreed",
    )
    .await;
    let admin = signed_in(&app, ADMIN).await;
    let view = format!("unit-{company}");
    let params = [("view", view.as_str())];
    // A target as large as the weighted pipeline: reached in about half the outcomes, where
    // the chance of reaching it is most sensitive to the forecast.
    let b = board(&app, &admin, &params).await;
    let weighted = band(&b, &b.forecasts[0], &[], None).weighted;
    app::db::sql("UPDATE targets SET value_hundredths = $1 WHERE id = $2")
        .bind((weighted * Decimal::from(100)).trunc().to_i64().unwrap())
        .bind(target_id)
        .execute(&app.db)
        .await
        .expect("target value");
    let b = board(&app, &admin, &params).await;

    // Everything, read through the opportunity list rather than the board.
    let (all, more) =
        app::repo::opportunities::page(&app.db, &Scope::All, &ListFilter::default(), 0, 1_000_000)
            .await
            .expect("all opportunities");
    let all: Vec<Opportunity> = all.into_iter().map(|(o, _)| o).collect();
    assert!(!more);
    assert!(all.len() > SCALE, "{}", all.len());
    let closed_since = today - Duration::days(30);
    let shown = |c: &Opportunity, kind: StageKind| match kind {
        StageKind::Open => true,
        _ => c.closed_on.is_some_and(|d| d >= closed_since),
    };
    let mut sent = 0;
    for stage in &b.stages {
        let mut column: Vec<&Opportunity> = all
            .iter()
            .filter(|c| c.stage_id == stage.id && shown(c, stage.kind))
            .collect();
        column.sort_by_key(|c| (c.expected_close_on, c.id));
        let head = b
            .columns
            .iter()
            .find(|h| h.stage_id == stage.id)
            .expect("every column has its head");
        assert_eq!(
            head.totals(),
            ColumnTotals::of(column.iter().copied(), stage),
            "{}",
            stage.name
        );
        let window: Vec<i64> = b
            .cards
            .iter()
            .filter(|c| c.stage_id == stage.id)
            .map(|c| c.id)
            .collect();
        let first: Vec<i64> = column.iter().take(COLUMN_WINDOW).map(|c| c.id).collect();
        assert_eq!(window, first, "{}", stage.name);
        sent += window.len();
    }
    assert_eq!(b.cards.len(), sent);
    assert!(sent <= COLUMN_WINDOW * b.stages.len());

    // A column read to its end, window by window, is the whole column in board order.
    let won = b.stages.iter().find(|s| s.kind == StageKind::Won).unwrap();
    let mut expected: Vec<&Opportunity> = all
        .iter()
        .filter(|c| c.stage_id == won.id && shown(c, StageKind::Won))
        .collect();
    expected.sort_by_key(|c| (c.expected_close_on, c.id));
    let walked = walk(&app, &admin, &params, &b, won.id).await;
    assert_eq!(
        walked.iter().map(|c| c.id).collect::<Vec<_>>(),
        expected.iter().map(|c| c.id).collect::<Vec<_>>()
    );

    // Nobody reads a view that is not theirs, window by window either.
    let after = walked[0].clone();
    let rep = signed_in(&app, REP_N1).await;
    let south = signed_in(&app, MANAGER_SOUTH).await;
    let north_unit = format!("unit-{}", fx.ids.units[1]);
    for (client, view) in [(&rep, view.as_str()), (&south, north_unit.as_str())] {
        let response = window_response(&app, client, &[("view", view)], won.id, &after).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{view}");
    }
    // A rep's own view holds only their cards, whoever the owner filter names.
    let admin_id = fx.ids.users[0].to_string();
    let mine = next_window(
        &app,
        &rep,
        &[("owner", admin_id.as_str())],
        won.id,
        Some(&after),
    )
    .await;
    assert!(mine.is_empty(), "{mine:?}");

    // The CSV export lists every card of the view, not a window of each column.
    let csv = admin
        .get(format!(
            "{}/api/export/opportunities.csv?view={view}",
            app.address
        ))
        .send()
        .await
        .expect("export");
    assert_eq!(csv.status(), StatusCode::OK);
    let body = csv.text().await.expect("csv");
    let shown_all = all
        .iter()
        .filter(|c| {
            let kind = b.stages.iter().find(|s| s.id == c.stage_id).unwrap().kind;
            shown(c, kind)
        })
        .count();
    assert_eq!(body.lines().count(), 1 + shown_all);
    assert!(shown_all > SCALE * 9 / 10, "{shown_all}");

    // A board with nothing in its URL (the admin's default view: the company) asks with no
    // filter at all.
    let plain = next_window(&app, &admin, &[], won.id, walked.first()).await;
    assert_eq!(plain.len(), COLUMN_WINDOW);
    assert_eq!(plain[..], walked[1..=COLUMN_WINDOW]);

    // Filters apply to every card, not only those sent: a search finds cards far beyond the
    // first windows, and the counts are the search's.
    let search = [("view", view.as_str()), ("q", "scale deal 4999")];
    let found = board(&app, &admin, &search).await;
    let mut ids: Vec<i64> = found.cards.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    let mut matching: Vec<i64> = all
        .iter()
        .filter(|c| c.title.to_lowercase().contains("scale deal 4999"))
        .filter(|c| {
            let kind = b.stages.iter().find(|s| s.id == c.stage_id).unwrap().kind;
            shown(c, kind)
        })
        .map(|c| c.id)
        .collect();
    matching.sort_unstable();
    assert!(!matching.is_empty());
    assert_eq!(ids, matching);
    let counted: usize = found.columns.iter().map(|h| h.totals().count).sum();
    assert_eq!(counted, matching.len());

    // The forecast from the summarised pipeline is the forecast over every deal one by one.
    let t = b
        .forecasts
        .iter()
        .find(|t| t.id == target_id)
        .expect("the company's target");
    assert!(t.open.deals.len() <= 128, "{}", t.open.deals.len());
    let mut every = t.clone();
    every.won = Decimal::ZERO;
    every.open = Default::default();
    for card in &all {
        every.apply(None, Some(card), &b.stages, b.today, &b.chances);
    }
    // What the browser counts card by card is what the server measured and summarised.
    assert_eq!(every.won, t.won);
    assert!(t.won > Decimal::ZERO);
    assert_eq!(every.open.len(), t.open.len());
    assert!(every.open.deals.len() > 10_000);
    let summed = band(&b, t, &[], None);
    assert!(summed.p_hit > 0.1 && summed.p_hit < 0.9, "{summed:?}");
    assert_same(&summed, &band(&b, &every, &[], None));

    // A card from the third window of the largest open column, held over Won and then over
    // Lost: the same again.
    let open = b
        .columns
        .iter()
        .filter(|h| {
            b.stages
                .iter()
                .any(|s| s.id == h.stage_id && s.kind == StageKind::Open)
        })
        .max_by_key(|h| h.totals().count)
        .unwrap()
        .stage_id;
    let third = third_window(&app, &admin, &params, &b, open).await;
    let card = third
        .iter()
        .find(|c| c.expected_close_on <= t.period.end())
        .expect("a card due in the period")
        .clone();
    let lost = b.stages.iter().find(|s| s.kind == StageKind::Lost).unwrap();
    for stage in [won.id, lost.id] {
        let what_if = Some(WhatIf {
            card_id: card.id,
            stage_id: stage,
        });
        let held = std::slice::from_ref(&card);
        let summed = band(&b, t, held, what_if);
        assert_same(&summed, &band(&b, &every, held, what_if));
        assert_ne!(summed, band(&b, t, &[], None));
    }

    // Moved for real: the columns and the forecast count it where it went.
    let response = app
        .call(
            &admin,
            "move_opportunity",
            &[
                ("id", &card.id.to_string()),
                ("version", &card.version.to_string()),
                ("stage_id", &won.id.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let after = board(&app, &admin, &params).await;
    let count = |b: &Board, stage: i64| {
        b.columns
            .iter()
            .find(|h| h.stage_id == stage)
            .unwrap()
            .totals()
            .count
    };
    assert_eq!(count(&after, open), count(&b, open) - 1);
    assert_eq!(count(&after, won.id), count(&b, won.id) + 1);
    let t_after = after.forecasts.iter().find(|t| t.id == target_id).unwrap();
    assert_eq!(t_after.won, t.won + card.value.amount());
    assert_eq!(t_after.open.len(), t.open.len() - 1);
}

/// Every card of one column, window after window, as the board loads them on scroll.
async fn walk(
    app: &TestApp,
    client: &Client,
    params: &[(&str, &str)],
    b: &Board,
    stage: i64,
) -> Vec<Opportunity> {
    let mut cards = first_window(b, stage);
    loop {
        let next = next_window(app, client, params, stage, cards.last()).await;
        if next.is_empty() {
            return cards;
        }
        assert!(next.len() <= COLUMN_WINDOW);
        cards.extend(next);
    }
}

fn first_window(b: &Board, stage: i64) -> Vec<Opportunity> {
    b.cards
        .iter()
        .filter(|c| c.stage_id == stage)
        .cloned()
        .collect()
}

async fn third_window(
    app: &TestApp,
    client: &Client,
    params: &[(&str, &str)],
    b: &Board,
    stage: i64,
) -> Vec<Opportunity> {
    let first = first_window(b, stage);
    let second = next_window(app, client, params, stage, first.last()).await;
    let third = next_window(app, client, params, stage, second.last()).await;
    assert_eq!(third.len(), COLUMN_WINDOW);
    assert!(third
        .iter()
        .all(|c| !first.contains(c) && !second.contains(c)));
    third
}

async fn next_window(
    app: &TestApp,
    client: &Client,
    params: &[(&str, &str)],
    stage: i64,
    after: Option<&Opportunity>,
) -> Vec<Opportunity> {
    let after = after.expect("a column with a first window");
    let response = window_response(app, client, params, stage, after).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a window")
}

async fn window_response(
    app: &TestApp,
    client: &Client,
    params: &[(&str, &str)],
    stage: i64,
    after: &Opportunity,
) -> reqwest::Response {
    let day = chrono::Utc::now().date_naive().to_string();
    let (stage, close, id) = (
        stage.to_string(),
        after.expected_close_on.to_string(),
        after.id.to_string(),
    );
    let board: Vec<(String, &str)> = params
        .iter()
        .map(|(k, v)| (format!("board[{k}]"), *v))
        .collect();
    let mut form: Vec<(&str, &str)> = board.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    form.extend([
        ("day", day.as_str()),
        ("stage_id", stage.as_str()),
        ("after_close", close.as_str()),
        ("after_id", id.as_str()),
    ]);
    app.call(client, "board_column", &form).await
}

fn band(b: &Board, t: &PipelineTarget, cards: &[Opportunity], what_if: Option<WhatIf>) -> Band {
    t.outlook(
        cards,
        &b.stages,
        b.today,
        what_if,
        &Thresholds::default(),
        &b.calendar,
        &b.chances,
        app::domain::Locale::En,
    )
    .band
    .expect("pipeline targets have a band")
}

/// Within half a point of P(hit) and 1 % of P10, P50 and P90; the same open and weighted sums.
fn assert_same(summed: &Band, every: &Band) {
    assert!(
        (summed.p_hit - every.p_hit).abs() <= 0.005,
        "{summed:?} vs {every:?}"
    );
    for (a, b) in [
        (summed.p10, every.p10),
        (summed.p50, every.p50),
        (summed.p90, every.p90),
    ] {
        assert!(
            (a - b).abs() <= b.abs() / Decimal::from(100),
            "{summed:?} vs {every:?}"
        );
    }
    assert_eq!((summed.open, summed.weighted), (every.open, every.weighted));
}
