//! Targets over HTTP: saving with the SMART check, the agreement workflow with its refusals and
//! history, conflicts, the cascade, and who sees which targets.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::domain::achievable::{Basis, DraftOutlook, LEVELS};
use app::domain::smart::{SmartContext, TargetInput};
use app::domain::{Level, Period, Side, TargetStatus};
use app::model::targets::{EditorContext, SaveOutcome, TargetDetail, TargetList};
use reqwest::{Client, StatusCode};
use rust_decimal::Decimal;

both_backends!(
    manager_and_rep_agree_a_target_through_a_counter_proposal,
    bad_input_and_forbidden_steps_are_refused_and_write_nothing,
    a_parent_target_cascades_down_the_organisation,
    targets_are_visible_along_the_org_tree,
    an_edit_keeps_every_changed_field_and_a_stale_one_writes_nothing,
    terms_limits_and_links_are_guarded,
    the_csv_export_lists_the_targets_shown_with_progress,
    a_draft_below_what_pacer_already_expects_is_too_low,
    the_editor_comes_with_the_page,
);

fn form(assignee: &str, metric: &str, value: &str) -> Vec<(String, String)> {
    input_form([
        (
            "statement",
            format!("Reach {value} {metric} in the first half of 2027"),
        ),
        ("metric", metric.to_string()),
        ("value", value.to_string()),
        ("currency", "EUR".to_string()),
        ("baseline", String::new()),
        ("start", "2027-01-01".to_string()),
        ("end", "2027-06-30".to_string()),
        ("assignee", assignee.to_string()),
        ("parent_id", String::new()),
        ("kind", "operational".to_string()),
        (
            "rationale",
            "Field presence wins relationship clients".to_string(),
        ),
        ("market_relevance", "medium".to_string()),
        ("maturity", "medium".to_string()),
        ("competition", "medium".to_string()),
        ("cost_structure", "medium".to_string()),
        ("leadership_ambition", "medium".to_string()),
    ])
}

async fn save(
    app: &TestApp,
    client: &Client,
    existing: Option<(i64, i64)>,
    form: &[(String, String)],
    acknowledged: bool,
) -> reqwest::Response {
    let acknowledged = acknowledged.to_string();
    app.save_form(
        client,
        "save_target",
        existing,
        form,
        &[("acknowledged", &acknowledged)],
    )
    .await
}

/// Saves, acknowledging warnings, and returns the new id.
async fn create(app: &TestApp, client: &Client, form: &[(String, String)]) -> i64 {
    let response = save(app, client, None, form, true).await;
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

async fn step(
    app: &TestApp,
    client: &Client,
    id: i64,
    version: i64,
    action: &str,
    comment: &str,
    counter: &str,
) -> reqwest::Response {
    let (id, version) = (id.to_string(), version.to_string());
    app.call(
        client,
        "target_transition",
        &[
            ("id", id.as_str()),
            ("version", version.as_str()),
            ("action", action),
            ("comment", comment),
            ("counter", counter),
        ],
    )
    .await
}

async fn detail(app: &TestApp, client: &Client, id: i64) -> TargetDetail {
    let response = app.call(client, "target", &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn list(app: &TestApp, client: &Client, view: &str) -> TargetList {
    let response = app.call(client, "targets", &[("view", view)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// (targets, events) rows in the database.
async fn counts(app: &TestApp) -> (i64, i64) {
    sql("SELECT (SELECT COUNT(*) FROM targets), (SELECT COUNT(*) FROM target_events)")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The Achievable warning for an assignee with no history of the metric.
const NO_HISTORY: &str = "Achievable: no history for this assignee and metric: the target cannot be compared with past results";

/// A timeline line: kind, field, old value, new value, by whom.
type Line = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

fn user_key(fx: &Fixture, index: usize) -> String {
    format!("user-{}", fx.ids.users[index])
}

fn unit_key(fx: &Fixture, index: usize) -> String {
    format!("unit-{}", fx.ids.units[index])
}

async fn manager_and_rep_agree_a_target_through_a_counter_proposal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let rep = signed_in(&app, REP_N1).await;
    let visits = form(&user_key(&fx, REP_N1_INDEX), "visits", "60");

    // The rep has no visit history: the Achievable letter warns, so the first save asks for
    // an acknowledgement and stores nothing.
    let response = save(&app, &manager, None, &visits, false).await;
    assert_eq!(response.status(), StatusCode::OK);
    match response.json::<SaveOutcome>().await.unwrap() {
        SaveOutcome::NeedsAcknowledgement(report) => {
            assert!(
                report.achievable.message.starts_with("no history"),
                "{}",
                report.achievable.message
            )
        }
        other => panic!("expected warnings, got {other:?}"),
    }
    assert_eq!(counts(&app).await, (0, 0));
    let id = create(&app, &manager, &visits).await;

    // Draft → proposed by the manager; the manager cannot accept for the rep.
    assert_eq!(
        step(&app, &manager, id, 1, "propose", "", "")
            .await
            .status(),
        StatusCode::OK
    );
    let refused = step(&app, &manager, id, 2, "accept", "", "").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app_error(refused).await.to_string().contains("other side"));

    // The rep sees it awaiting them and counters with 45 visits.
    let seen = detail(&app, &rep, id).await;
    assert_eq!(seen.side, Some(Side::Assignee));
    assert_eq!(seen.target.status, TargetStatus::Proposed);
    assert_eq!(seen.target.awaiting, Some(Side::Assignee));
    let no_comment = step(&app, &rep, id, 2, "request_changes", " ", "45").await;
    assert_eq!(app_error(no_comment).await.field(), Some("comment"));
    let bad_counter = step(&app, &rep, id, 2, "request_changes", "Too many", "45.5").await;
    assert_eq!(app_error(bad_counter).await.field(), Some("counter"));
    let countered = step(
        &app,
        &rep,
        id,
        2,
        "request_changes",
        "January is short: 45 is realistic",
        "45",
    )
    .await;
    assert_eq!(countered.status(), StatusCode::OK);

    // A stale version is a conflict and writes nothing.
    let before = counts(&app).await;
    let stale = step(&app, &manager, id, 2, "accept_counter", "", "").await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(counts(&app).await, before);

    // The rep cannot accept their own counter; the manager accepts it.
    assert_eq!(
        step(&app, &rep, id, 3, "accept_counter", "", "")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        step(&app, &manager, id, 3, "accept_counter", "", "")
            .await
            .status(),
        StatusCode::OK
    );
    let agreed = detail(&app, &manager, id).await;
    assert_eq!(agreed.target.status, TargetStatus::Agreed);
    assert_eq!(agreed.target.value, Decimal::from(45));
    assert_eq!(agreed.target.version, 4);
    // Nothing can be edited or proposed once agreed; closing waits for the period's end.
    assert!(!agreed.can_edit);
    assert!(agreed.actions.is_empty(), "{:?}", agreed.actions);
    let edit = save(&app, &manager, Some((id, 4)), &visits, true).await;
    assert_eq!(app_error(edit).await.field(), Some("status"));

    // The timeline holds every step and changed value, with who did it.
    let timeline: Vec<Line> = agreed
        .events
        .iter()
        .map(|e| {
            (
                e.kind.clone(),
                e.field.clone(),
                e.old_value.clone(),
                e.new_value.clone(),
                e.by.clone(),
            )
        })
        .collect();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        timeline,
        vec![
            ("created".into(), None, None, None, "manager north".into()),
            // The warning the manager saved the draft with is kept with the target.
            (
                "changed".into(),
                s("acknowledged warnings"),
                None,
                s(NO_HISTORY),
                "manager north".into(),
            ),
            (
                "transition".into(),
                s("propose"),
                s("draft"),
                s("proposed"),
                "manager north".into()
            ),
            (
                "transition".into(),
                s("request_changes"),
                s("proposed"),
                s("changes_requested"),
                "rep n1".into()
            ),
            (
                "changed".into(),
                s("counter-value"),
                None,
                s("45"),
                "rep n1".into()
            ),
            (
                "transition".into(),
                s("accept_counter"),
                s("changes_requested"),
                s("agreed"),
                "manager north".into()
            ),
            (
                "changed".into(),
                s("value"),
                s("60"),
                s("45"),
                "manager north".into()
            ),
        ]
    );
    assert_eq!(
        agreed.events[3].comment.as_deref(),
        Some("January is short: 45 is realistic")
    );
}

async fn bad_input_and_forbidden_steps_are_refused_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let rep = signed_in(&app, REP_N1).await;
    let good = form(&user_key(&fx, REP_N1_INDEX), "turnover", "250000");

    for (field, value, expected_field) in [
        ("value", "0", "value"),
        ("value", "-5", "value"),
        ("end", "2026-12-01", "end"),
        ("start", "1.1.2027", "start"),
        ("assignee", "user-999999", "assignee"),
        ("assignee", "team-3", "assignee"),
        ("metric", "revenue", "metric"),
        ("currency", "euro", "currency"),
        ("kind", "eternal", "kind"),
        ("parent_id", "999999", "parent_id"),
        ("maturity", "extreme", "maturity"),
    ] {
        let response = save(
            &app,
            &manager,
            None,
            &with(good.clone(), field, value),
            true,
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        assert_eq!(
            app_error(response).await.field(),
            Some(expected_field),
            "{field}={value}"
        );
    }
    // A rep sets targets only for themselves; a manager only inside their part of the tree.
    let other_rep = with(good.clone(), "assignee", &user_key(&fx, REP_N2_INDEX));
    assert_eq!(
        app_error(save(&app, &rep, None, &other_rep, true).await)
            .await
            .field(),
        Some("assignee")
    );
    let south = with(good.clone(), "assignee", &user_key(&fx, REP_S1_INDEX));
    assert_eq!(
        app_error(save(&app, &manager, None, &south, true).await)
            .await
            .field(),
        Some("assignee")
    );
    assert_eq!(counts(&app).await, (0, 0));

    // A child must measure what its parent measures.
    let parent = create(
        &app,
        &manager,
        &with(good.clone(), "assignee", &unit_key(&fx, 3)),
    )
    .await;
    let visits_child = with(
        with(good.clone(), "metric", "visits"),
        "parent_id",
        &parent.to_string(),
    );
    let response = save(
        &app,
        &manager,
        None,
        &with(visits_child, "value", "40"),
        true,
    )
    .await;
    assert_eq!(app_error(response).await.field(), Some("metric"));
    // A child outside the parent's unit is refused too.
    let admin = signed_in(&app, ADMIN).await;
    let outside = with(
        with(good.clone(), "assignee", &user_key(&fx, REP_S1_INDEX)),
        "parent_id",
        &parent.to_string(),
    );
    assert_eq!(
        app_error(save(&app, &admin, None, &outside, true).await)
            .await
            .field(),
        Some("parent_id")
    );
    let after_parent = counts(&app).await;

    // Transitions that the state does not allow, and steps by someone not party to it.
    let accept_draft = step(&app, &manager, parent, 1, "accept", "", "").await;
    assert_eq!(app_error(accept_draft).await.field(), Some("action"));
    let unknown = step(&app, &manager, parent, 1, "approve", "", "").await;
    assert_eq!(app_error(unknown).await.field(), Some("action"));
    let south_manager = signed_in(&app, MANAGER_SOUTH).await;
    assert_eq!(
        step(&app, &south_manager, parent, 1, "propose", "", "")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let close_early = step(&app, &manager, parent, 1, "close", "", "").await;
    assert_eq!(close_early.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&app).await, after_parent);
}

async fn a_parent_target_cascades_down_the_organisation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let company = create(
        &app,
        &admin,
        &form(&unit_key(&fx, 0), "turnover", "1000000.01"),
    )
    .await;

    // Cascades from the version of the target the caller just read, as the page does.
    let cascade = |client: &Client, id: i64, method: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            let version = detail(app, &client, id).await.target.version.to_string();
            let id = id.to_string();
            app.call(
                &client,
                "target_cascade",
                &[
                    ("id", id.as_str()),
                    ("version", version.as_str()),
                    ("method", method),
                ],
            )
            .await
        }
    };
    let response = cascade(&admin, company, "even").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<usize>().await.unwrap(), 2);
    let company_detail = detail(&app, &admin, company).await;
    let values: Vec<Decimal> = company_detail.children.iter().map(|c| c.value).collect();
    assert_eq!(
        values,
        vec![Decimal::new(50_000_001, 2), Decimal::new(50_000_000, 2)]
    );
    assert_eq!(company_detail.allocated, Decimal::new(100_000_001, 2));
    assert!(company_detail.cascade_members.is_empty());
    // Everyone has a share: a second cascade is refused and writes nothing.
    let before = counts(&app).await;
    let again = cascade(&admin, company, "even").await;
    assert_eq!(app_error(again).await.field(), Some("target"));
    assert_eq!(counts(&app).await, before);
    let bad_method = cascade(&admin, company, "fair").await;
    assert_eq!(app_error(bad_method).await.field(), Some("method"));

    // The North manager answers for North and shares it with their team, then the team's reps
    // (by last year's share: neither has sales, so evenly).
    let north = company_detail
        .children
        .iter()
        .find(|c| c.assignee_name == "North")
        .expect("North's share")
        .id;
    let north_detail = detail(&app, &manager, north).await;
    assert_eq!(north_detail.side, Some(Side::Assignee));
    assert_eq!(north_detail.cascade_members, vec!["N1".to_string()]);
    assert_eq!(
        cascade(&manager, north, "share").await.status(),
        StatusCode::OK
    );
    let team = detail(&app, &manager, north).await.children[0].id;
    assert_eq!(
        cascade(&manager, team, "share").await.status(),
        StatusCode::OK
    );
    let team_detail = detail(&app, &manager, team).await;
    let reps: Vec<(String, Decimal)> = team_detail
        .children
        .iter()
        .map(|c| (c.assignee_name.clone(), c.value))
        .collect();
    assert_eq!(reps.len(), 2);
    assert_eq!(
        reps.iter().map(|(_, v)| *v).sum::<Decimal>(),
        team_detail.target.value
    );
    // Every child is a draft that cites its parent.
    assert!(team_detail
        .children
        .iter()
        .all(|c| c.status == TargetStatus::Draft && c.parent_id == Some(team)));
    assert!(team_detail.children[0].statement.contains("share of"));
    // A rep's target has no members to share with.
    let rep_target = team_detail.children[0].id;
    assert_eq!(
        app_error(cascade(&manager, rep_target, "even").await)
            .await
            .field(),
        Some("target")
    );
}

async fn targets_are_visible_along_the_org_tree(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let company = create(&app, &admin, &form(&unit_key(&fx, 0), "visits", "900")).await;
    let north_team = create(&app, &admin, &form(&unit_key(&fx, 3), "visits", "300")).await;
    let south_team = create(&app, &admin, &form(&unit_key(&fx, 4), "visits", "300")).await;
    let n1 = create(
        &app,
        &admin,
        &form(&user_key(&fx, REP_N1_INDEX), "visits", "100"),
    )
    .await;
    let n2 = create(
        &app,
        &admin,
        &form(&user_key(&fx, REP_N2_INDEX), "visits", "100"),
    )
    .await;
    let s1 = create(
        &app,
        &admin,
        &form(&user_key(&fx, REP_S1_INDEX), "visits", "100"),
    )
    .await;

    let ids = |l: TargetList| -> Vec<i64> {
        let mut ids: Vec<i64> = l.rows.iter().map(|r| r.id).collect();
        ids.sort();
        ids
    };
    let rep = signed_in(&app, REP_N1).await;
    assert_eq!(ids(list(&app, &rep, "mine").await), vec![n1]);
    // A rep sees their own targets and those of the units above them, never a colleague's.
    assert_eq!(
        ids(list(&app, &rep, "company").await),
        vec![company, north_team, n1]
    );
    let manager = signed_in(&app, MANAGER_NORTH).await;
    assert_eq!(
        ids(list(&app, &manager, "team").await),
        vec![north_team, n1, n2]
    );
    assert_eq!(
        ids(list(&app, &manager, "company").await),
        vec![company, north_team, n1, n2]
    );
    assert_eq!(
        ids(list(&app, &admin, "company").await),
        vec![company, north_team, south_team, n1, n2, s1]
    );
    // Out of scope reads are not found, not forbidden: nothing leaks.
    let response = app.call(&rep, "target", &[("id", &n2.to_string())]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .call(&manager, "target", &[("id", &s1.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let bad_view = app.call(&rep, "targets", &[("view", "everyone")]).await;
    assert_eq!(app_error(bad_view).await.field(), Some("view"));
    let bad_status = app.call(&rep, "targets", &[("status", "done")]).await;
    assert_eq!(app_error(bad_status).await.field(), Some("status"));
}

async fn an_edit_keeps_every_changed_field_and_a_stale_one_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let original = form(&user_key(&fx, REP_N2_INDEX), "visits", "100");
    let id = create(&app, &manager, &original).await;

    let edited = with(
        with(original.clone(), "value", "120"),
        "statement",
        "Reach 120 visits in the first half of 2027",
    );
    let response = save(&app, &manager, Some((id, 1)), &edited, true).await;
    assert_eq!(response.status(), StatusCode::OK);
    let after = detail(&app, &manager, id).await;
    assert_eq!(after.target.version, 2);
    assert_eq!(after.target.value, Decimal::from(120));
    let changes: Vec<(Option<String>, Option<String>, Option<String>)> = after
        .events
        .iter()
        .filter(|e| e.kind == "changed" && e.field.as_deref() != Some("acknowledged warnings"))
        .map(|e| (e.field.clone(), e.old_value.clone(), e.new_value.clone()))
        .collect();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        changes,
        vec![
            (
                s("statement"),
                s("Reach 100 visits in the first half of 2027"),
                s("Reach 120 visits in the first half of 2027")
            ),
            (s("value"), s("100"), s("120")),
        ]
    );

    // The rep, in another window, saw version 1: their edit is refused and changes nothing.
    let rep = signed_in(&app, REP_N2).await;
    let before = counts(&app).await;
    let stale = save(
        &app,
        &rep,
        Some((id, 1)),
        &with(original, "value", "90"),
        true,
    )
    .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(app_error(stale)
        .await
        .to_string()
        .contains("manager north changed this target"));
    assert_eq!(counts(&app).await, before);
    assert_eq!(
        detail(&app, &rep, id).await.target.value,
        Decimal::from(120)
    );
}

async fn terms_limits_and_links_are_guarded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let rep = signed_in(&app, REP_N1).await;
    let good = form(&user_key(&fx, REP_N1_INDEX), "visits", "60");

    // Values and dates beyond any plan, and more precision than the unit has.
    for (field, value, metric) in [
        ("value", "1000000000000000", "visits"),
        ("value", "99999999999999999999999999999", "turnover"),
        ("value", "0.04", "customer_growth_pct"),
        ("start", "1999-12-31", "visits"),
        ("end", "+262143-12-31", "visits"),
    ] {
        let input = with(
            with(with(good.clone(), "metric", metric), "baseline", "100"),
            field,
            value,
        );
        let response = save(&app, &manager, None, &input, true).await;
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
    assert_eq!(counts(&app).await, (0, 0));

    // A rep cannot hang a target of their own under the team's: only its two sides link to it.
    let team = create(
        &app,
        &manager,
        &with(good.clone(), "assignee", &unit_key(&fx, 3)),
    )
    .await;
    let linked = with(good.clone(), "parent_id", &team.to_string());
    assert_eq!(
        app_error(save(&app, &rep, None, &linked, true).await)
            .await
            .field(),
        Some("parent_id")
    );

    // A counter answers the terms it was made on: once the manager edits them, the counter is
    // gone and the target has to be proposed again.
    let id = create(&app, &manager, &good).await;
    assert_eq!(
        step(&app, &manager, id, 1, "propose", "", "")
            .await
            .status(),
        StatusCode::OK
    );
    let countered = step(&app, &rep, id, 2, "request_changes", "Fewer, please", "50").await;
    assert_eq!(countered.status(), StatusCode::OK);
    let edited = with(
        good.clone(),
        "statement",
        "Reach 55 visits in the first half of 2027",
    );
    assert_eq!(
        save(&app, &manager, Some((id, 3)), &edited, true)
            .await
            .status(),
        StatusCode::OK
    );
    let after = detail(&app, &manager, id).await;
    assert_eq!(after.target.counter_value, None);
    assert!(!after
        .actions
        .contains(&app::domain::target::Transition::AcceptCounter));
    let refused = step(&app, &manager, id, 4, "accept_counter", "", "").await;
    assert_eq!(app_error(refused).await.field(), Some("action"));
    // The rep's answer is still awaited only after a new proposal.
    assert_eq!(
        step(&app, &manager, id, 4, "propose", "", "")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        detail(&app, &rep, id).await.target.awaiting,
        Some(Side::Assignee)
    );

    // A cascade prepared from an old version of the parent is refused and creates nothing.
    let admin = signed_in(&app, ADMIN).await;
    let company = create(&app, &admin, &form(&unit_key(&fx, 0), "visits", "1000")).await;
    let (company_id, v1) = (company.to_string(), "1".to_string());
    let cascade = |client: Client| {
        let (app, company_id, v1) = (&app, company_id.clone(), v1.clone());
        async move {
            app.call(
                &client,
                "target_cascade",
                &[
                    ("id", company_id.as_str()),
                    ("version", v1.as_str()),
                    ("method", "even"),
                ],
            )
            .await
        }
    };
    assert_eq!(cascade(admin.clone()).await.status(), StatusCode::OK);
    let before = counts(&app).await;
    assert_eq!(cascade(admin.clone()).await.status(), StatusCode::CONFLICT);
    assert_eq!(counts(&app).await, before);
}

async fn the_csv_export_lists_the_targets_shown_with_progress(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let north = ("assignee_user_id", fx.ids.users[REP_N1_INDEX]);
    let south = ("assignee_user_id", fx.ids.users[REP_S1_INDEX]);
    target(&app, &fx, north, "bookings", 30_000, "agreed").await;
    target(&app, &fx, south, "bookings", 50_000, "agreed").await;
    let export = |client: Client, query: &'static str| {
        let app = &app;
        async move {
            let response = client
                .get(format!("{}/api/export/targets.csv{query}", app.address))
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, body) = export(signed_in(&app, ADMIN).await, "?view=company").await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "id,statement,metric,client_type,assignee,period_start,period_end,status,target,currency,actual,expected_by_today,projection,p10,p50,p90,p_hit_pct,health,warning");
    assert_eq!(lines.len(), 3, "{body}");
    let row = lines
        .iter()
        .find(|l| l.contains("Book € 30000"))
        .expect("north's target");
    // Running, with its pace and the forecast's band filled in.
    let fields: Vec<&str> = row.split(',').collect();
    assert_eq!(fields[2], "bookings");
    assert_eq!(fields[3], "", "every client type");
    assert_eq!(fields[4], "rep n1");
    assert!(fields[8] == "30000" || fields[8] == "30000.00", "{row}");
    assert_eq!(fields[9], "EUR");
    assert!(fields[11].parse::<f64>().is_ok(), "{row}");
    assert!(fields[16].parse::<u8>().is_ok(), "{row}");
    assert!(
        ["on_track", "at_risk", "off_track"].contains(&fields[17]),
        "{row}"
    );

    // Scoped like the list: the north manager sees north's, a rep their own.
    let (_, north) = export(signed_in(&app, MANAGER_NORTH).await, "").await;
    assert!(
        north.contains("Book € 30000") && !north.contains("Book € 50000"),
        "{north}"
    );
    let (_, rep) = export(signed_in(&app, REP_S1).await, "").await;
    assert!(
        rep.contains("Book € 50000") && !rep.contains("Book € 30000"),
        "{rep}"
    );
    let (status, _) = export(signed_in(&app, REP_N1).await, "?status=nonsense").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The editor's context for `metric` over `period` for `assignee`, as the editor fetches it.
async fn editor_context(
    app: &TestApp,
    client: &Client,
    assignee: &str,
    metric: &str,
    period: Period,
) -> EditorContext {
    let (start, end) = (period.start().to_string(), period.end().to_string());
    let response = app
        .call(
            client,
            "target_context",
            &[
                ("assignee", assignee),
                ("metric", metric),
                ("currency", "EUR"),
                ("start", start.as_str()),
                ("end", end.as_str()),
                ("parent_id", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The demo's manager drafts targets for her rep this quarter: the editor's context carries
/// what Pacer already expects of the rep, the browser's check reads the chance from it, and
/// the server's check on save says the same — too low far below it (nothing stored without an
/// acknowledgement), too high far above it, with the pipeline's coverage for bookings.
async fn a_draft_below_what_pacer_already_expects_is_too_low(backend: Backend) {
    let app = TestApp::spawn_with(backend, true).await;
    let manager = app.new_session();
    let response = app
        .login(
            &manager,
            server::demo::DEMO_MANAGER,
            server::demo::DEMO_PASSWORD,
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let (rep_id,): (i64,) = sql("SELECT id FROM users WHERE email = $1")
        .bind(server::demo::DEMO_REP)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let rep = format!("user-{rep_id}");
    let today = chrono::Utc::now().date_naive();
    let quarter = Period::quarter_of(today);
    let (start, end) = (quarter.start().to_string(), quarter.end().to_string());
    let draft = |metric: &str, value: &str| {
        with(
            with(form(&rep, metric, value), "start", &start),
            "end",
            &end,
        )
    };

    // Turnover: the rep's run rate and season give a grid of what she will reach.
    let context = editor_context(&app, &manager, &rep, "turnover", quarter).await;
    let record = context
        .track_record
        .expect("the manager sees the rep's history");
    let Some(DraftOutlook::Expected(expected)) = record.outlook.clone() else {
        panic!(
            "no outlook for the demo rep's turnover: {:?}",
            record.outlook
        );
    };
    assert_eq!(expected.basis, Basis::RunRate);
    assert_eq!(expected.quantiles().len(), LEVELS.len());
    assert!(expected.median() > Decimal::from(10_000), "{expected:?}");
    assert!(expected.p_hit(Decimal::from(1_000)) >= 0.9, "{expected:?}");

    // € 1 000 is far below it: the save asks for an acknowledgement of "too low", with the
    // same words the browser showed, and stores nothing.
    let before = counts(&app).await;
    let response = save(&app, &manager, None, &draft("turnover", "1000"), false).await;
    assert_eq!(response.status(), StatusCode::OK);
    let SaveOutcome::NeedsAcknowledgement(report) = response.json::<SaveOutcome>().await.unwrap()
    else {
        panic!("a target far below the outlook was saved without an acknowledgement");
    };
    assert_eq!(report.achievable.level, Level::Warning);
    assert!(
        report.achievable.message.starts_with("too low: "),
        "{}",
        report.achievable.message
    );
    assert!(
        report.achievable.message.contains("Pacer "),
        "{}",
        report.achievable.message
    );
    let in_the_browser = TargetInput {
        statement: "Reach 1000 turnover in the first half of 2027".into(),
        metric: "turnover".into(),
        value: "1000".into(),
        currency: "EUR".into(),
        start: start.clone(),
        end: end.clone(),
        assignee: rep.clone(),
        kind: "operational".into(),
        ..TargetInput::default()
    }
    .check(&SmartContext {
        today: Some(today),
        track_record: Some(&record),
        parent: None,
    });
    assert_eq!(in_the_browser.achievable, report.achievable);
    assert_eq!(counts(&app).await, before);

    // Bookings: what is won and the open pipeline, and the coverage of the gap; € 50 M is
    // out of reach and far beyond what the pipeline covers.
    let context = editor_context(&app, &manager, &rep, "bookings", quarter).await;
    let record = context.track_record.unwrap();
    let Some(DraftOutlook::Expected(expected)) = &record.outlook else {
        panic!(
            "no outlook for the demo rep's bookings: {:?}",
            record.outlook
        );
    };
    assert_eq!(expected.basis, Basis::Pipeline);
    assert!(expected.coverage.is_some(), "{expected:?}");
    let response = save(&app, &manager, None, &draft("bookings", "50000000"), false).await;
    let SaveOutcome::NeedsAcknowledgement(report) = response.json::<SaveOutcome>().await.unwrap()
    else {
        panic!("a target far above the outlook was saved without an acknowledgement");
    };
    let message = &report.achievable.message;
    assert!(
        message.starts_with("too high: P(hit) under 1 %"),
        "{message}"
    );
    assert!(message.contains("pipeline coverage only"), "{message}");
    assert_eq!(counts(&app).await, before);
}

/// The target editor is in the page the server sends, with its values, not only drawn once
/// the wasm runs: its Achievable/Relevant context is fetched by the browser afterwards, so
/// nothing in it waits on a read the server cannot finish (it used to hold the whole form out
/// of the page, as an unfinished streamed chunk, and panic in the server's log when that
/// render was dropped). The target's pages (awaited whole on the server) carry their nonce.
async fn the_editor_comes_with_the_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let page = app.get(&manager, "/targets/new").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("__INCOMPLETE_CHUNKS=[]"), "{html}");
    for field in ["field-statement", "field-value", "field-assignee"] {
        assert!(
            html.contains(&format!("id=\"{field}\"")),
            "{field} missing: {html}"
        );
    }
    // The defaults are in the fields; the form cannot be sent as a GET before the wasm runs.
    assert!(html.contains(r#"value="EUR""#), "{html}");
    assert!(html.contains(r#"method="post""#), "{html}");

    let draft = form(&user_key(&fx, REP_N1_INDEX), "turnover", "250000");
    let id = create(&app, &manager, &draft).await;
    let edit = app.get(&manager, &format!("/targets/{id}/edit")).await;
    assert_eq!(edit.status(), StatusCode::OK);
    let html = edit.text().await.unwrap();
    assert!(html.contains("__INCOMPLETE_CHUNKS=[]"), "{html}");
    assert!(
        html.contains(">Reach 250000 turnover in the first half of 2027</textarea>"),
        "the statement is in its field: {html}"
    );
    for path in [format!("/targets/{id}"), format!("/targets/{id}/edit")] {
        crate::hardening::nonce_of_every_script(app.get(&manager, &path).await).await;
    }
}
