//! The pipeline board over HTTP: moves with versions and history, scoping, concurrent moves,
//! opportunity create / edit / delete, and the stage editor.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::domain::{Opportunity, Stage};
use app::error::AppError;
use app::model::pipeline::{Board, OpportunityDetail, StageUsage};
use reqwest::{Client, StatusCode};
use std::collections::HashMap;

both_backends!(
    a_move_with_the_current_version_writes_exactly_one_history_row,
    a_stale_version_is_a_conflict_and_writes_nothing,
    nobody_moves_opportunities_outside_their_scope,
    concurrent_moves_of_one_card_keep_history_and_stage_in_agreement,
    lost_needs_a_reason_and_closes_the_opportunity,
    the_board_follows_view_and_filters,
    opportunities_are_created_edited_and_deleted_with_checks,
    admins_edit_stages_and_a_stage_in_use_is_not_dropped,
    the_csv_export_lists_what_the_board_shows,
    exported_cells_never_run_as_formulas,
    a_german_reader_gets_a_german_csv_and_a_plain_one_on_request,
);

/// The version of a fixture opportunity in Proposal: one per history row (Lead, Qualified,
/// Proposal).
const V: i64 = 3;

async fn fixture_app(backend: Backend) -> (TestApp, Fixture) {
    let app = TestApp::spawn(backend).await;
    let fixture = Fixture::load(&app.db).await;
    (app, fixture)
}

async fn move_card(
    app: &TestApp,
    client: &Client,
    id: i64,
    version: i64,
    stage: i64,
    reason: Option<&str>,
) -> reqwest::Response {
    let (id, version, stage) = (id.to_string(), version.to_string(), stage.to_string());
    let mut form = vec![
        ("id", id.as_str()),
        ("version", version.as_str()),
        ("stage_id", stage.as_str()),
    ];
    if let Some(reason) = reason {
        form.push(("lost_reason", reason));
    }
    app.call(client, "move_opportunity", &form).await
}

/// (from, to) stage ids of an opportunity's history, oldest first, straight from the database.
async fn history_rows(app: &TestApp, id: i64) -> Vec<(Option<i64>, i64)> {
    sql(
        "SELECT from_stage_id, to_stage_id FROM stage_changes WHERE opportunity_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .expect("history")
}

async fn stored(app: &TestApp, id: i64) -> (i64, i64) {
    sql("SELECT stage_id, version FROM opportunities WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("opportunity")
}

async fn a_move_with_the_current_version_writes_exactly_one_history_row(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let rep = signed_in(&app, REP_N1).await;
    let id = fx.opportunity_id(REP_N1_INDEX, 0);
    let before = history_rows(&app, id).await;
    assert_eq!(stored(&app, id).await, (fx.stage_id(PROPOSAL), V));

    let response = move_card(&app, &rep, id, V, fx.stage_id(NEGOTIATION), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let card: Opportunity = response.json().await.unwrap();
    assert_eq!(
        (card.stage_id, card.version),
        (fx.stage_id(NEGOTIATION), V + 1)
    );

    let after = history_rows(&app, id).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(
        after.last(),
        Some(&(Some(fx.stage_id(PROPOSAL)), fx.stage_id(NEGOTIATION)))
    );
    assert_eq!(stored(&app, id).await, (fx.stage_id(NEGOTIATION), V + 1));

    // The drawer's timeline shows the move, by whom.
    let detail: OpportunityDetail = app
        .call(&rep, "opportunity", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    let last = detail.history.last().unwrap();
    assert_eq!(
        (
            last.from_stage.as_deref(),
            last.to_stage.as_str(),
            last.changed_by.as_str()
        ),
        (Some("Proposal"), "Negotiation", "rep n1")
    );
}

async fn a_stale_version_is_a_conflict_and_writes_nothing(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let first = signed_in(&app, REP_N1).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let id = fx.opportunity_id(REP_N1_INDEX, 0);

    let moved = move_card(&app, &manager, id, V, fx.stage_id(NEGOTIATION), None).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let history = history_rows(&app, id).await;

    // The rep still sees the old version and drags the card to Lead.
    let stale = move_card(&app, &first, id, V, fx.stage_id(LEAD), None).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    match app_error(stale).await {
        AppError::Conflict(message) => {
            assert!(message.contains("manager north"), "{message}");
            assert!(message.contains("Negotiation"), "{message}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(history_rows(&app, id).await, history);
    assert_eq!(stored(&app, id).await, (fx.stage_id(NEGOTIATION), V + 1));

    // A stale edit and a stale delete are refused the same way.
    let edit = save(
        &app,
        &first,
        Some((id, V)),
        &input(&fx, REP_N1_INDEX, PROPOSAL),
    )
    .await;
    assert_eq!(edit.status(), StatusCode::CONFLICT);
    let delete = app
        .call(
            &first,
            "delete_opportunity",
            &[("id", &id.to_string()), ("version", &V.to_string())],
        )
        .await;
    assert_eq!(delete.status(), StatusCode::CONFLICT);
    assert_eq!(stored(&app, id).await, (fx.stage_id(NEGOTIATION), V + 1));
}

async fn nobody_moves_opportunities_outside_their_scope(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let id = fx.opportunity_id(REP_N1_INDEX, 0);
    for outsider in [REP_N2, MANAGER_SOUTH, REP_S1] {
        let client = signed_in(&app, outsider).await;
        let response = move_card(&app, &client, id, V, fx.stage_id(NEGOTIATION), None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{outsider}");
        let read = app
            .call(&client, "opportunity", &[("id", &id.to_string())])
            .await;
        assert_eq!(read.status(), StatusCode::NOT_FOUND, "{outsider}");
    }
    assert_eq!(stored(&app, id).await, (fx.stage_id(PROPOSAL), V));
    let anonymous = move_card(&app, &app.new_session(), id, V, fx.stage_id(LEAD), None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for insider in [MANAGER_NORTH, ADMIN] {
        let client = signed_in(&app, insider).await;
        let (_, version) = stored(&app, id).await;
        let response = move_card(&app, &client, id, version, fx.stage_id(LEAD), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{insider}");
    }
}

async fn concurrent_moves_of_one_card_keep_history_and_stage_in_agreement(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let id = fx.opportunity_id(REP_N1_INDEX, 0);
    let mut clients = Vec::new();
    for email in [REP_N1, MANAGER_NORTH, ADMIN] {
        clients.push(signed_in(&app, email).await);
    }
    let open = [LEAD, QUALIFIED, PROPOSAL, NEGOTIATION].map(|s| fx.stage_id(s));
    let history_before = history_rows(&app, id).await.len();
    assert_eq!(i64::try_from(history_before).unwrap(), V);

    // 48 tasks, each reading the version and moving the card, retrying on conflict until its
    // move gets through: every mover must get its turn, none may fail otherwise.
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for task in 0..48usize {
        let app = app.clone();
        let client = clients[task % clients.len()].clone();
        let stage = open[task % open.len()];
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for _ in 0..200 {
                let (_, version) = stored(&app, id).await;
                let response = move_card(&app, &client, id, version, stage, None).await;
                let status = response.status();
                let body = response.text().await.unwrap();
                outcomes.push((stage, status, body));
                if status == StatusCode::OK {
                    break;
                }
            }
            outcomes
        }));
    }
    let mut counts: HashMap<StatusCode, usize> = HashMap::new();
    for task in tasks {
        for (stage, status, body) in task.await.unwrap() {
            assert!(
                status == StatusCode::OK || status == StatusCode::CONFLICT,
                "{status}: {body}"
            );
            assert!(!body.contains("locked"), "{body}");
            if status == StatusCode::OK {
                let card: Opportunity = serde_json::from_str(&body).unwrap();
                assert_eq!(
                    card.stage_id, stage,
                    "a confirmed move lands where it was asked to"
                );
            }
            *counts.entry(status).or_default() += 1;
        }
    }
    assert!(
        counts.get(&StatusCode::OK).copied().unwrap_or(0) >= 4,
        "{counts:?}"
    );

    // The history is one unbroken chain ending in the stored stage, one row per version.
    let history = history_rows(&app, id).await;
    let (stage, version) = stored(&app, id).await;
    for pair in history.windows(2) {
        assert_eq!(pair[1].0, Some(pair[0].1), "broken chain: {history:?}");
    }
    assert_eq!(history.last().unwrap().1, stage);
    let moves = history.len() - history_before;
    assert_eq!(version, V + i64::try_from(moves).unwrap());
}

async fn lost_needs_a_reason_and_closes_the_opportunity(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let rep = signed_in(&app, REP_N1).await;
    let id = fx.opportunity_id(REP_N1_INDEX, 0);

    let response = move_card(&app, &rep, id, V, fx.stage_id(LOST), Some("  ")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(response).await.field(), Some("lost_reason"));
    assert_eq!(stored(&app, id).await, (fx.stage_id(PROPOSAL), V));

    let response = move_card(
        &app,
        &rep,
        id,
        V,
        fx.stage_id(LOST),
        Some("Chose a competitor"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let card: Opportunity = response.json().await.unwrap();
    assert_eq!(card.lost_reason.as_deref(), Some("Chose a competitor"));
    assert_eq!(card.closed_on, Some(chrono::Utc::now().date_naive()));

    // Won closes too, and reopening clears the close date.
    let won = move_card(&app, &rep, id, V + 1, fx.stage_id(WON), None).await;
    let won: Opportunity = won.json().await.unwrap();
    assert_eq!((won.lost_reason, won.closed_on.is_some()), (None, true));
    let reopened: Opportunity = move_card(&app, &rep, id, V + 2, fx.stage_id(PROPOSAL), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reopened.closed_on, None);

    let unknown = move_card(&app, &rep, id, V + 3, 9999, None).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(unknown).await.field(), Some("stage_id"));
}

async fn the_board_follows_view_and_filters(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let owners = |b: &Board| {
        let mut o: Vec<String> = b.cards.iter().map(|c| c.owner_name.clone()).collect();
        o.sort();
        o.dedup();
        o
    };

    let rep = signed_in(&app, REP_N1).await;
    let mine = board(&app, &rep, &[]).await;
    assert_eq!(mine.view, "mine");
    assert_eq!(owners(&mine), ["rep n1"]);
    assert_eq!(mine.cards.len(), 2);
    assert_eq!(mine.stages.len(), 6);
    assert_eq!(mine.views.len(), 1, "a rep only has their own view");
    assert!(!mine.can_assign && !mine.can_edit_stages);
    let unit_of_rep = format!("unit-{}", fx.ids.units[3]);
    let refused = app.call(&rep, "board", &[("view", &unit_of_rep)]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let manager = signed_in(&app, MANAGER_NORTH).await;
    let north = board(&app, &manager, &[]).await;
    assert_eq!(owners(&north), ["rep n1", "rep n2"]);
    assert!(north.can_assign);
    let south = format!("unit-{}", fx.ids.units[2]);
    assert!(!north.views.iter().any(|v| v.key == south));
    let refused = app.call(&manager, "board", &[("view", &south)]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let admin = signed_in(&app, ADMIN).await;
    let company = board(&app, &admin, &[]).await;
    assert_eq!(company.cards.len(), 6);
    let only_south = board(&app, &admin, &[("view", &south)]).await;
    assert_eq!(owners(&only_south), ["rep s1"]);
    let n2 = fx.ids.users[REP_N2_INDEX].to_string();
    assert_eq!(
        owners(&board(&app, &admin, &[("owner", &n2)]).await),
        ["rep n2"]
    );
    let searched = board(&app, &admin, &[("q", "DEAL 3-1")]).await;
    assert_eq!(searched.cards.len(), 1);
    let by_customer = board(&app, &admin, &[("q", "customer 5-0")]).await;
    assert_eq!(owners(&by_customer), ["rep s1"]);
    let customer = fx.customer_id(REP_S1_INDEX, 1).to_string();
    let for_customer = board(&app, &admin, &[("customer", &customer)]).await;
    assert_eq!(for_customer.cards.len(), 1);
    assert_eq!(for_customer.customer_name.as_deref(), Some("Customer 5-1"));
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(60)).to_string();
    assert!(board(&app, &admin, &[("from", &later)])
        .await
        .cards
        .is_empty());

    let backwards = app
        .call(
            &admin,
            "board",
            &[("from", "2026-12-01"), ("to", "2026-11-01")],
        )
        .await;
    assert_eq!(backwards.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(backwards).await.field(), Some("to"));
    let bad_date = app.call(&admin, "board", &[("from", "1.12.2026")]).await;
    assert_eq!(app_error(bad_date).await.field(), Some("from"));
}

fn input(fx: &Fixture, owner: usize, stage: usize) -> Vec<(String, String)> {
    input_form([
        ("title", "Conveyor retrofit".to_string()),
        ("customer_id", fx.customer_id(owner, 2).to_string()),
        ("value", "48 500,50".to_string()),
        ("currency", "EUR".to_string()),
        ("expected_close_on", "2027-02-15".to_string()),
        ("stage_id", fx.stage_id(stage).to_string()),
        ("probability", String::new()),
        ("owner_id", String::new()),
        ("lost_reason", String::new()),
    ])
}

async fn save(
    app: &TestApp,
    client: &Client,
    existing: Option<(i64, i64)>,
    form: &[(String, String)],
) -> reqwest::Response {
    app.save_form(client, "save_opportunity", existing, form, &[])
        .await
}

async fn opportunities_are_created_edited_and_deleted_with_checks(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let rep = signed_in(&app, REP_N1).await;
    let form = input(&fx, REP_N1_INDEX, QUALIFIED);

    for (field, value) in [
        ("title", " "),
        ("value", "12.345"),
        ("value", "-1"),
        ("currency", "euro"),
        ("expected_close_on", "15.02.2027"),
        ("probability", "101"),
    ] {
        let response = save(&app, &rep, None, &with(form.clone(), field, value)).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        assert_eq!(
            app_error(response).await.field(),
            Some(field),
            "{field}={value}"
        );
    }
    // Another rep's customer, and another owner, are refused for a rep.
    let foreign = with(
        form.clone(),
        "customer_id",
        &fx.customer_id(REP_S1_INDEX, 0).to_string(),
    );
    assert_eq!(
        app_error(save(&app, &rep, None, &foreign).await)
            .await
            .field(),
        Some("customer_id")
    );
    let n2 = fx.ids.users[REP_N2_INDEX].to_string();
    let given = with(form.clone(), "owner_id", &n2);
    assert_eq!(
        app_error(save(&app, &rep, None, &given).await)
            .await
            .field(),
        Some("owner_id")
    );
    let opportunities: (i64,) = sql("SELECT COUNT(*) FROM opportunities")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(opportunities.0, 6, "refused input writes nothing");

    let created = save(&app, &rep, None, &form).await;
    assert_eq!(created.status(), StatusCode::OK);
    let card: Opportunity = created.json().await.unwrap();
    assert_eq!(card.value.display(), "€ 48,500.50");
    assert_eq!((card.owner_name.as_str(), card.version), ("rep n1", 1));
    assert_eq!(
        history_rows(&app, card.id).await,
        [(None, fx.stage_id(QUALIFIED))]
    );

    // An edit that changes the stage is a move with a history row; other fields just change.
    let edited = with(
        with(form.clone(), "stage_id", &fx.stage_id(PROPOSAL).to_string()),
        "probability",
        "65",
    );
    let response = save(&app, &rep, Some((card.id, 1)), &edited).await;
    assert_eq!(response.status(), StatusCode::OK);
    let card: Opportunity = response.json().await.unwrap();
    assert_eq!(
        (card.version, card.probability.map(|p| p.percent())),
        (2, Some(65))
    );
    assert_eq!(history_rows(&app, card.id).await.len(), 2);

    // A manager may give it to someone in the unit, not outside it.
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let to_n2 = with(edited.clone(), "owner_id", &n2);
    let response = save(&app, &manager, Some((card.id, 2)), &to_n2).await;
    assert_eq!(response.status(), StatusCode::OK);
    let card: Opportunity = response.json().await.unwrap();
    assert_eq!(card.owner_name, "rep n2");
    let s1 = fx.ids.users[REP_S1_INDEX].to_string();
    let outside = with(edited, "owner_id", &s1);
    assert_eq!(
        app_error(save(&app, &manager, Some((card.id, 3)), &outside).await)
            .await
            .field(),
        Some("owner_id")
    );

    // Now rep n2's: rep n1 no longer sees it; rep n2 deletes it with its history.
    let gone = app
        .call(
            &rep,
            "delete_opportunity",
            &[("id", &card.id.to_string()), ("version", "3")],
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let n2_client = signed_in(&app, REP_N2).await;
    let deleted = app
        .call(
            &n2_client,
            "delete_opportunity",
            &[("id", &card.id.to_string()), ("version", "3")],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(history_rows(&app, card.id).await.is_empty());
    let read = app
        .call(&n2_client, "opportunity", &[("id", &card.id.to_string())])
        .await;
    assert_eq!(read.status(), StatusCode::NOT_FOUND);
}

fn stage_form(name: &str, probability: &str, rotting: &str, kind: &str) -> Vec<(String, String)> {
    input_form([
        ("name", name.to_string()),
        ("probability", probability.to_string()),
        ("rotting_days", rotting.to_string()),
        ("kind", kind.to_string()),
    ])
}

async fn stage_names(app: &TestApp, client: &Client) -> Vec<String> {
    let usage: Vec<StageUsage> = app.call(client, "stages", &[]).await.json().await.unwrap();
    usage.into_iter().map(|u| u.stage.name).collect()
}

async fn admins_edit_stages_and_a_stage_in_use_is_not_dropped(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let refused = app
        .save_form(
            &manager,
            "save_stage",
            None,
            &stage_form("Demo", "60", "7", "open"),
            &[],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let admin = signed_in(&app, ADMIN).await;
    let bad = app
        .save_form(
            &admin,
            "save_stage",
            None,
            &stage_form("Demo", "160", "7", "open"),
            &[],
        )
        .await;
    assert_eq!(app_error(bad).await.field(), Some("probability"));
    let duplicate = app
        .save_form(
            &admin,
            "save_stage",
            None,
            &stage_form("proposal", "60", "7", "open"),
            &[],
        )
        .await;
    assert_eq!(app_error(duplicate).await.field(), Some("name"));

    let created = app
        .save_form(
            &admin,
            "save_stage",
            None,
            &stage_form("Demo", "60", "7", "open"),
            &[],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let demo: Stage = created.json().await.unwrap();
    assert_eq!(
        stage_names(&app, &admin).await,
        [
            "Lead",
            "Qualified",
            "Proposal",
            "Negotiation",
            "Demo",
            "Won",
            "Lost"
        ],
        "a new open stage goes before won and lost"
    );
    let up = app
        .call(
            &admin,
            "reorder_stage",
            &[("id", &demo.id.to_string()), ("direction", "-1")],
        )
        .await;
    assert_eq!(up.status(), StatusCode::OK);
    assert_eq!(
        stage_names(&app, &admin).await[3..5],
        ["Demo", "Negotiation"]
    );
    let first = app
        .call(
            &admin,
            "reorder_stage",
            &[("id", &fx.stage_id(LEAD).to_string()), ("direction", "-1")],
        )
        .await;
    assert_eq!(app_error(first).await.field(), Some("direction"));

    // Renaming keeps the opportunities; a kind change is refused while it holds any.
    let proposal = fx.stage_id(PROPOSAL).to_string();
    let mut rename = stage_form("Offer", "55", "10", "open");
    rename.push(("id".into(), proposal.clone()));
    assert_eq!(
        app.save_form(&admin, "save_stage", None, &rename, &[])
            .await
            .status(),
        StatusCode::OK
    );
    let mut to_won = stage_form("Offer", "100", "", "won");
    to_won.push(("id".into(), proposal.clone()));
    assert_eq!(
        app_error(
            app.save_form(&admin, "save_stage", None, &to_won, &[])
                .await
        )
        .await
        .field(),
        Some("kind")
    );

    // Deleting a stage in use needs a destination of the same kind; the moves are history.
    let no_target = app.call(&admin, "delete_stage", &[("id", &proposal)]).await;
    assert_eq!(app_error(no_target).await.field(), Some("move_to"));
    let won = fx.stage_id(WON).to_string();
    let wrong_kind = app
        .call(
            &admin,
            "delete_stage",
            &[("id", &proposal), ("move_to", &won)],
        )
        .await;
    assert_eq!(app_error(wrong_kind).await.field(), Some("move_to"));
    let demo_id = demo.id.to_string();
    let deleted = app
        .call(
            &admin,
            "delete_stage",
            &[("id", &proposal), ("move_to", &demo_id)],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(!stage_names(&app, &admin)
        .await
        .contains(&"Offer".to_string()));
    let id = fx.opportunity_id(REP_N1_INDEX, 0);
    assert_eq!(stored(&app, id).await, (demo.id, V + 1));
    assert_eq!(
        history_rows(&app, id).await.last(),
        Some(&(Some(fx.stage_id(PROPOSAL)), demo.id))
    );
    // The archived stage keeps its name in the history.
    let detail: OpportunityDetail = app
        .call(&admin, "opportunity", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        detail.history.last().unwrap().from_stage.as_deref(),
        Some("Offer")
    );

    // The only won stage cannot go.
    let last_won = app.call(&admin, "delete_stage", &[("id", &won)]).await;
    assert_eq!(app_error(last_won).await.field(), Some("id"));
}

async fn the_csv_export_lists_what_the_board_shows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let export = |client: Client, query: &'static str| {
        let app = &app;
        async move {
            let response = client
                .get(format!(
                    "{}/api/export/opportunities.csv{query}",
                    app.address
                ))
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let rep = signed_in(&app, REP_N1).await;
    let (status, body) = export(rep.clone(), "").await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "id,title,customer_id,customer,owner,stage,stage_kind,value,currency,probability_pct,weighted_value,expected_close_on,closed_on,lost_reason,days_in_stage");
    // The rep's two: Deal 3-1 (Qualified, € 20 000 at 25 %) and Deal 3-0 (Proposal, € 10 000 at 50 %).
    assert_eq!(lines.len(), 3, "{body}");
    assert!(
        lines[1].contains(",Deal 3-1,")
            && lines[1].contains(",Qualified,open,20000.00,EUR,25,5000.00,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains(",Deal 3-0,")
            && lines[2].contains(",Proposal,open,10000.00,EUR,50,5000.00,"),
        "{}",
        lines[2]
    );
    let (_, filtered) = export(rep, "?q=3-0").await;
    assert_eq!(filtered.lines().count(), 2, "{filtered}");

    // A manager's default board: the unit's four; another unit's manager sees none of them.
    let (_, north) = export(signed_in(&app, MANAGER_NORTH).await, "").await;
    assert_eq!(north.lines().count(), 5, "{north}");
    let (_, south) = export(signed_in(&app, MANAGER_SOUTH).await, "").await;
    assert!(!south.contains("Deal 3-"), "{south}");
    let (status, _) = export(app.new_session(), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = export(signed_in(&app, REP_N2).await, "?from=someday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn exported_cells_never_run_as_formulas(backend: Backend) {
    let (app, fx) = fixture_app(backend).await;
    let deal = fx.opportunity_id(REP_N1_INDEX, 0);
    sql("UPDATE opportunities SET title = $1 WHERE id = $2")
        .bind("=HYPERLINK(\"http://evil.test\",\"Open\")")
        .bind(deal)
        .execute(&app.db)
        .await
        .unwrap();
    sql("UPDATE customers SET name = $1 WHERE id = $2")
        .bind("@SUM(1+1)*cmd|' /C calc'!A0")
        .bind(fx.customer_id(REP_N1_INDEX, 0))
        .execute(&app.db)
        .await
        .unwrap();
    let rep = signed_in(&app, REP_N1).await;
    let opportunities = ok_text(&app, &rep, "/api/export/opportunities.csv").await;
    assert!(
        opportunities.contains(",\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"Open\"\")\","),
        "{opportunities}"
    );
    assert!(
        opportunities.contains(",'@SUM(1+1)*cmd|' /C calc'!A0,"),
        "{opportunities}"
    );
    let customers = ok_text(&app, &rep, "/api/export/customers.csv?list=all").await;
    assert!(
        customers.contains(",'@SUM(1+1)*cmd|' /C calc'!A0,"),
        "{customers}"
    );
    for body in [&opportunities, &customers] {
        for line in body.lines() {
            assert!(
                !line
                    .split(',')
                    .any(|cell| cell.trim_start_matches('"').starts_with(['=', '@'])),
                "{line}"
            );
        }
    }
}

/// Issue 22: a person who reads German gets semicolons, 20.000,00 and DD.MM.YYYY (what a German
/// spreadsheet opens as columns, numbers and dates); `format=plain` is the machine form; a
/// locale Pacer does not have is refused naming the field.
async fn a_german_reader_gets_a_german_csv_and_a_plain_one_on_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let refused = app.call(&rep, "set_locale", &[("locale", "fr")]).await;
    assert_eq!(app_error(refused).await.field(), Some("locale"));
    let chosen = app.call(&rep, "set_locale", &[("locale", "de")]).await;
    assert_eq!(chosen.status(), StatusCode::OK);
    let german = ok_text(&app, &rep, "/api/export/opportunities.csv").await;
    let lines: Vec<&str> = german.lines().collect();
    assert_eq!(lines[0], "id;title;customer_id;customer;owner;stage;stage_kind;value;currency;probability_pct;weighted_value;expected_close_on;closed_on;lost_reason;days_in_stage");
    let deal = lines
        .iter()
        .find(|l| l.contains(";Deal 3-1;"))
        .expect(&german);
    assert!(
        deal.contains(";Qualified;open;20.000,00;EUR;25;5.000,00;"),
        "{deal}"
    );
    let close = deal.split(';').nth(11).unwrap();
    assert!(
        close.len() == 10 && close.as_bytes()[2] == b'.' && close.as_bytes()[5] == b'.',
        "{deal}"
    );
    let plain = ok_text(&app, &rep, "/api/export/opportunities.csv?format=plain").await;
    let deal = plain
        .lines()
        .find(|l| l.contains(",Deal 3-1,"))
        .expect(&plain);
    assert!(
        deal.contains(",Qualified,open,20000.00,EUR,25,5000.00,"),
        "{deal}"
    );
    // The targets list too: its dates and amounts, and the page itself says which way it reads.
    let targets = ok_text(&app, &rep, "/api/export/targets.csv").await;
    assert!(targets.starts_with("id;statement;"), "{targets}");
    let page = ok_text(&app, &rep, "/board").await;
    assert!(
        page.contains("data-locale=\"de\""),
        "the page is rendered for a German reader"
    );
    // A token acting as this person is a system: it gets the plain CSV.
    let rep_user = app::repo::users::find_session_user(&app.db, fx_rep_id(&app).await)
        .await
        .unwrap()
        .unwrap()
        .0;
    let request = app::model::tokens::TokenRequest {
        name: "BI".into(),
        role: app::domain::Role::Rep,
        unit: None,
        person: Some(rep_user.id),
        read_only: true,
        expires_at: None,
    };
    let token = app::repo::tokens::create(&app.db, &rep_user, &request, chrono::Utc::now())
        .await
        .unwrap()
        .token;
    let by_token = reqwest::Client::new()
        .get(format!("{}/api/export/opportunities.csv", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(by_token, plain);
    // Back to English: the plain CSV is the English one.
    app.call(&rep, "set_locale", &[("locale", "en")]).await;
    assert_eq!(
        ok_text(&app, &rep, "/api/export/opportunities.csv").await,
        plain
    );
}

/// The id of the fixture's rep N1.
async fn fx_rep_id(app: &TestApp) -> i64 {
    let (id,): (i64,) = sql("SELECT id FROM users WHERE email = $1")
        .bind(REP_N1)
        .fetch_one(&app.db)
        .await
        .unwrap();
    id
}

/// The body of a page or export `client` reads with 200.
async fn ok_text(app: &TestApp, client: &Client, path: &str) -> String {
    let response = app.get(client, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}
