//! A real company (issue 17): the first admin set up once, the organisation and its people
//! changed by admins with an audit trail, leavers handing over all or nothing, sessions and
//! tokens that stop at once, and passwords chosen, changed and reset through one-time links.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::domain::Role;
use app::error::AppError;
use chrono::Datelike;
use reqwest::StatusCode;

both_backends!(
    the_first_admin_is_set_up_once_and_never_again,
    organisation_changes_are_recorded_and_closing_says_why_not,
    a_person_is_invited_chooses_a_password_and_signs_in,
    a_leaver_hands_over_everything_or_nothing,
    a_deactivated_person_and_their_token_stop_at_once,
    a_demoted_managers_token_no_longer_reads_their_unit,
    changing_or_resetting_a_password_ends_other_sessions,
    people_are_imported_all_or_nothing_with_line_errors,
    holidays_slow_the_expected_pace,
    a_fiscal_year_from_april_shifts_quarters_and_year_to_date,
);

const GOOD: &str = "plum orchard bicycle lantern";

fn token_of(link: &str) -> String {
    link.split_once("token=")
        .expect("a token in the link")
        .1
        .to_string()
}

async fn users(app: &TestApp) -> i64 {
    let (n,): (i64,) = sql("SELECT COUNT(*) FROM users")
        .fetch_one(&app.db)
        .await
        .unwrap();
    n
}

async fn the_first_admin_is_set_up_once_and_never_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let link = app
        .setup_link
        .clone()
        .expect("an empty database prints a setup link");
    assert!(link.starts_with("/setup?token="), "{link}");
    let token = token_of(&link);
    // Nobody can sign in before it is used, and the setup page is open to anyone with it.
    assert_eq!(
        app.get(&app.client, "/").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get(&app.client, &link).await.status(), StatusCode::OK);

    let form = |password: &'static str, token: String| {
        vec![
            ("token", token),
            ("company", "Acme Sales".to_string()),
            ("name", "Ann Admin".to_string()),
            ("email", "Ann@Acme.test".to_string()),
            ("password", password.to_string()),
            ("confirm", password.to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let client = app.new_session();
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app.call(&client, "setup", &pairs).await;
            (client, response)
        }
    };
    // A weak password is refused on its field, and nothing is created.
    let (_, weak) = post(form("password1", token.clone())).await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(weak).await.field(), Some("password"));
    assert_eq!(users(&app).await, 0);
    // A made-up link does nothing.
    let (_, forged) = post(form(GOOD, "0".repeat(64))).await;
    assert_eq!(forged.status(), StatusCode::CONFLICT);
    assert_eq!(users(&app).await, 0);

    let (admin, done) = post(form(GOOD, token.clone())).await;
    assert!(done.status().is_success(), "{}", done.status());
    let me: app::model::auth::SessionUser = app
        .call(&admin, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me.email.as_str(), me.role, me.unit_name.as_str()),
        ("ann@acme.test", Role::Admin, "Acme Sales")
    );

    // The link works once.
    let (_, again) = post(form(GOOD, token)).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    // The command refuses a database that has someone in it, and no new link is issued.
    let second = app::service::setup::FirstAdmin {
        company: "Other".into(),
        name: "Eve".into(),
        email: "eve@evil.test".into(),
        password: GOOD.into(),
        confirm: GOOD.into(),
    };
    let refused = app::service::setup::complete(&app.db, None, &second, chrono::Utc::now()).await;
    assert!(
        matches!(refused.map_err(AppError::from), Err(AppError::Conflict(_))),
        "a second create-admin must be refused"
    );
    assert!(app::service::setup::link(&app.db, chrono::Utc::now())
        .await
        .unwrap()
        .is_none());
    assert_eq!(users(&app).await, 1);
    // The admin signs in with the password they chose.
    let client = app.new_session();
    assert!(app
        .login(&client, "ann@acme.test", GOOD)
        .await
        .status()
        .is_success());
}

async fn organisation_changes_are_recorded_and_closing_says_why_not(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let company = fx.ids.units[0].to_string();
    let west: i64 = app
        .call(
            &admin,
            "create_unit",
            &[("parent", company.as_str()), ("name", "West")],
        )
        .await
        .json()
        .await
        .unwrap();
    let west = west.to_string();
    let response = app
        .call(
            &admin,
            "create_unit",
            &[("parent", west.as_str()), ("name", "W1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let w1: i64 = response.json().await.unwrap();
    // A team has no units below it.
    let response = app
        .call(
            &admin,
            "create_unit",
            &[("parent", w1.to_string().as_str()), ("name", "X")],
        )
        .await;
    assert_eq!(app_error(response).await.field(), Some("parent"));
    let response = app
        .call(
            &admin,
            "rename_unit",
            &[("unit", w1.to_string().as_str()), ("name", "West One")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // Team N1 moves to West: the North manager no longer sees its reps' customers.
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let before: serde_json::Value = app
        .call(&manager, "customers", &[])
        .await
        .json()
        .await
        .unwrap();
    let n1 = fx.ids.units[3].to_string();
    let response = app
        .call(
            &admin,
            "move_unit",
            &[("unit", n1.as_str()), ("parent", west.as_str())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let after: serde_json::Value = app
        .call(&manager, "customers", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(before, after, "the manager's sight follows the move");
    let (path,): (String,) = sql("SELECT path FROM org_units WHERE id = $1")
        .bind(fx.ids.units[3])
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(path, format!("/{}/{west}/{n1}/", fx.ids.units[0]));

    // West still has team N1 and its two reps: closing it is refused with the reason.
    let response = app
        .call(&admin, "close_unit", &[("unit", west.as_str())])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = app_error(response).await.to_string();
    assert!(
        message.contains("2 active people") && message.contains("open team"),
        "{message}"
    );
    // The empty team closes; a rep may not change the organisation at all.
    let response = app
        .call(&admin, "close_unit", &[("unit", w1.to_string().as_str())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rep = signed_in(&app, REP_N1).await;
    let response = app
        .call(
            &rep,
            "create_unit",
            &[("parent", company.as_str()), ("name", "Mine")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Every change is in the audit trail: who, when, before and after.
    let org: app::model::people::Organisation = app
        .call(&admin, "organisation", &[])
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = org.changes.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "closed",
            "moved",
            "renamed",
            "opened team",
            "opened business unit"
        ]
    );
    let renamed = &org.changes[2];
    assert_eq!(renamed.actor.as_deref(), Some("admin"));
    assert!(renamed.before.as_deref().unwrap().contains("W1"));
    assert!(renamed.after.as_deref().unwrap().contains("West One"));
}

async fn a_person_is_invited_chooses_a_password_and_signs_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let n1 = fx.ids.units[3].to_string();
    let manager = fx.ids.users[1].to_string();
    let form = [
        ("name", "Nina New"),
        ("email", "nina@example.test"),
        ("role", "rep"),
        ("unit", n1.as_str()),
        ("manager", manager.as_str()),
    ];
    let response = app.call(&admin, "add_person", &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    let added: app::model::people::AddedPerson = response.json().await.unwrap();
    assert!(added.link.path.starts_with("/password?token="));
    // The same address twice is refused on its field; a rep as manager too.
    let again = app.call(&admin, "add_person", &form).await;
    assert_eq!(app_error(again).await.field(), Some("email"));
    let rep_id = fx.ids.users[3].to_string();
    let bad_manager = [
        ("name", "Other"),
        ("email", "other@example.test"),
        ("role", "rep"),
        ("unit", n1.as_str()),
        ("manager", rep_id.as_str()),
    ];
    let response = app.call(&admin, "add_person", &bad_manager).await;
    assert_eq!(app_error(response).await.field(), Some("manager"));

    // Before choosing a password, nobody can sign in as them.
    let client = app.new_session();
    assert_eq!(
        app.login(&client, "nina@example.test", "!").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The link greets them; a weak password is refused; a good one is saved.
    let token = token_of(&added.link.path);
    let holder: Option<app::model::people::LinkHolder> = app
        .call(
            &client,
            "password_link_holder",
            &[("token", token.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(holder.unwrap().email, "nina@example.test");
    let weak = app
        .call(
            &client,
            "set_password",
            &[
                ("token", token.as_str()),
                ("password", "ninanina12"),
                ("confirm", "ninanina12"),
            ],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let set = app
        .call(
            &client,
            "set_password",
            &[
                ("token", token.as_str()),
                ("password", GOOD),
                ("confirm", GOOD),
            ],
        )
        .await;
    assert!(set.status().is_success(), "{}", set.status());
    // Used once: the link is gone.
    let again = app
        .call(
            &client,
            "set_password",
            &[
                ("token", token.as_str()),
                ("password", GOOD),
                ("confirm", GOOD),
            ],
        )
        .await;
    assert_eq!(app_error(again).await.field(), Some("token"));
    let response = app.login(&client, "nina@example.test", GOOD).await;
    assert!(response.status().is_success());
    let me: app::model::auth::SessionUser = app
        .call(&client, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((me.role, me.unit_name.as_str()), (Role::Rep, "N1"));
}

async fn holdings_of(app: &TestApp, user: i64) -> (i64, i64, i64) {
    sql("SELECT \
         (SELECT COUNT(*) FROM opportunities p JOIN stages s ON s.id = p.stage_id \
          WHERE p.owner_id = $1 AND s.kind = 'open'), \
         (SELECT COUNT(*) FROM customers WHERE owner_id = $1), \
         (SELECT COUNT(*) FROM targets WHERE assignee_user_id = $1)")
    .bind(user)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn a_leaver_hands_over_everything_or_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let (leaver, heir) = (fx.ids.users[REP_N1_INDEX], fx.ids.users[REP_N2_INDEX]);
    target(
        &app,
        &fx,
        ("assignee_user_id", leaver),
        "bookings",
        50_000,
        "agreed",
    )
    .await;
    let admin = signed_in(&app, ADMIN).await;
    let leaver_s = leaver.to_string();
    assert_eq!(holdings_of(&app, leaver).await, (2, 3, 1));
    let heir_before = holdings_of(&app, heir).await;

    // Without an heir, nothing changes and the admin is told what they hold.
    let response = app
        .call(
            &admin,
            "deactivate_person",
            &[("person", leaver_s.as_str()), ("successor", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = app_error(response).await.to_string();
    assert!(
        message.contains("2 open opportunities, 3 customers and 1 running targets"),
        "{message}"
    );
    // An heir who has left is refused the same way.
    let (gone,): (i64,) = sql("SELECT id FROM users WHERE email = $1")
        .bind(REP_S1)
        .fetch_one(&app.db)
        .await
        .unwrap();
    sql("UPDATE users SET deactivated_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now())
        .bind(gone)
        .execute(&app.db)
        .await
        .unwrap();
    let response = app
        .call(
            &admin,
            "deactivate_person",
            &[
                ("person", leaver_s.as_str()),
                ("successor", gone.to_string().as_str()),
            ],
        )
        .await;
    assert_eq!(app_error(response).await.field(), Some("successor"));
    assert_eq!(
        holdings_of(&app, leaver).await,
        (2, 3, 1),
        "a refusal moves nothing"
    );
    assert!(app
        .login(&app.new_session(), REP_N1, PASSWORD)
        .await
        .status()
        .is_success());

    let response = app
        .call(
            &admin,
            "deactivate_person",
            &[
                ("person", leaver_s.as_str()),
                ("successor", heir.to_string().as_str()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let moved: app::model::people::Holdings = response.json().await.unwrap();
    assert_eq!(
        (
            moved.open_opportunities,
            moved.customers,
            moved.running_targets
        ),
        (2, 3, 1)
    );
    assert_eq!(holdings_of(&app, leaver).await, (0, 0, 0));
    let heir_after = holdings_of(&app, heir).await;
    assert_eq!(
        heir_after,
        (heir_before.0 + 2, heir_before.1 + 3, heir_before.2 + 1)
    );
    // Their history stays: the stage changes they made still name them.
    let (history,): (i64,) = sql("SELECT COUNT(*) FROM stage_changes WHERE changed_by = $1")
        .bind(leaver)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(history > 0);
    // The target's history says who took it over.
    let (comment,): (Option<String>,) =
        sql("SELECT comment FROM target_events WHERE field = 'assignee' ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(comment.unwrap().contains("handed over to rep n2"));
}

async fn a_deactivated_person_and_their_token_stop_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N2).await;
    let token = app::service::tokens::create_for(&app.db, REP_N2, "sync", chrono::Utc::now())
        .await
        .unwrap()
        .token;
    let api = |token: String| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}/api/v1/customers", app.address))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(api(token.clone()).await, StatusCode::OK);
    assert_eq!(
        app.call(&rep, "current_user", &[]).await.status(),
        StatusCode::OK
    );
    let admin = signed_in(&app, ADMIN).await;
    let person = fx.ids.users[REP_N2_INDEX].to_string();
    let heir = fx.ids.users[REP_N1_INDEX].to_string();
    let response = app
        .call(
            &admin,
            "deactivate_person",
            &[("person", person.as_str()), ("successor", heir.as_str())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.call(&rep, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(api(token).await, StatusCode::UNAUTHORIZED);
    let response = app.login(&app.new_session(), REP_N2, PASSWORD).await;
    assert_eq!(app_error(response).await, AppError::BadCredentials);
    // Nobody deactivates themselves, and the last admin stays.
    let me = fx.ids.users[0].to_string();
    let response = app
        .call(
            &admin,
            "deactivate_person",
            &[("person", me.as_str()), ("successor", "")],
        )
        .await;
    assert_eq!(app_error(response).await.field(), Some("person"));
}

async fn a_demoted_managers_token_no_longer_reads_their_unit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let token = app::service::tokens::create_for(&app.db, MANAGER_NORTH, "bi", chrono::Utc::now())
        .await
        .unwrap()
        .token;
    let customers = |token: String| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}/api/v1/customers", app.address))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let response = customers(token.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        6,
        "North's two reps' customers"
    );

    // The admin makes the North manager a rep: their manager token stops reading North.
    let admin = signed_in(&app, ADMIN).await;
    let manager = fx.ids.users[1].to_string();
    let north = fx.ids.units[1].to_string();
    let response = app
        .call(
            &admin,
            "change_person",
            &[
                ("person", manager.as_str()),
                ("name", "manager north"),
                ("role", "rep"),
                ("unit", north.as_str()),
                ("manager", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(customers(token).await.status(), StatusCode::UNAUTHORIZED);
    // The last admin cannot be demoted.
    let me = fx.ids.users[0].to_string();
    let company = fx.ids.units[0].to_string();
    let response = app
        .call(
            &admin,
            "change_person",
            &[
                ("person", me.as_str()),
                ("name", "admin"),
                ("role", "manager"),
                ("unit", company.as_str()),
                ("manager", ""),
            ],
        )
        .await;
    assert_eq!(app_error(response).await.field(), Some("role"));
}

async fn changing_or_resetting_a_password_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let here = signed_in(&app, REP_N1).await;
    let elsewhere = signed_in(&app, REP_N1).await;
    let change = |current: &'static str, new: &'static str| {
        let app = &app;
        let here = here.clone();
        async move {
            app.call(
                &here,
                "change_password",
                &[("current", current), ("password", new), ("confirm", new)],
            )
            .await
        }
    };
    assert_eq!(
        app_error(change("wrong one", GOOD).await).await.field(),
        Some("current")
    );
    assert_eq!(
        app_error(change(PASSWORD, "1234567890").await)
            .await
            .field(),
        Some("password")
    );
    assert_eq!(change(PASSWORD, GOOD).await.status(), StatusCode::OK);
    // This session goes on; the other one is over; only the new password works.
    assert_eq!(
        app.call(&here, "current_user", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&elsewhere, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&app.new_session(), REP_N1, PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(app
        .login(&app.new_session(), REP_N1, GOOD)
        .await
        .status()
        .is_success());

    // An admin issues a reset link: the old password works until the link is used.
    let admin = signed_in(&app, ADMIN).await;
    let other = signed_in(&app, REP_N2).await;
    let person = fx.ids.users[REP_N2_INDEX].to_string();
    let link: app::model::people::IssuedLink = app
        .call(&admin, "password_link", &[("person", person.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.call(&other, "current_user", &[]).await.status(),
        StatusCode::OK
    );
    let token = token_of(&link.path);
    let response = app
        .call(
            &app.new_session(),
            "set_password",
            &[
                ("token", token.as_str()),
                ("password", GOOD),
                ("confirm", GOOD),
            ],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        app.call(&other, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(app
        .login(&app.new_session(), REP_N2, GOOD)
        .await
        .status()
        .is_success());
}

async fn people_import(
    app: &TestApp,
    client: &reqwest::Client,
    body: &str,
) -> app::model::imports::ImportProgress {
    let response = client
        .post(format!("{}/api/import/people", app.address))
        .header("content-type", "text/csv")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    serde_json::from_str(text.lines().last().expect("a last line")).unwrap()
}

async fn people_are_imported_all_or_nothing_with_line_errors(backend: Backend) {
    use app::model::imports::ImportProgress;
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let before = users(&app).await;
    // Every problem, by line and column; nothing stored.
    let bad = "email;name;role;unit;manager_email\n\
               kim@example.test;Kim Keller;rep;North/N1;manager.north@example.test\n\
               kim@example.test;Kim Again;rep;North/N1;\n\
               rep.n1@example.test;Taken;rep;North/N1;\n\
               lou@example.test;Lou;boss;North/Nowhere;rep.n2@example.test\n";
    let ImportProgress::Done { report } = people_import(&app, &admin, bad).await else {
        panic!("expected a report");
    };
    assert!(!report.stored);
    let found: Vec<(u64, Option<&str>)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        [(3, Some("email")), (5, Some("role"))],
        "{:?}",
        report.errors
    );
    assert_eq!(users(&app).await, before);
    // The unit and the manager are checked against the database once the lines read well.
    let unknown = "email,name,role,unit,manager_email\n\
                   lou@example.test,Lou,rep,North/Nowhere,rep.n2@example.test\n\
                   rep.n1@example.test,Taken,rep,North/N1,\n";
    let ImportProgress::Done { report } = people_import(&app, &admin, unknown).await else {
        panic!("expected a report");
    };
    let found: Vec<(u64, Option<&str>)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (2, Some("unit")),
            (2, Some("manager_email")),
            (3, Some("email"))
        ],
        "{:?}",
        report.errors
    );
    assert_eq!(users(&app).await, before);

    // A good file: a new manager and her rep (managed by her, a line of the same file), with
    // the company's name leading the path or not.
    let good = "email,name,role,unit,manager_email\n\
                mia@example.test,Mia Manager,manager,Example Ltd/South,\n\
                sam@example.test,Sam Rep,rep,South/S1,mia@example.test\n";
    let ImportProgress::Done { report } = people_import(&app, &admin, good).await else {
        panic!("expected a report");
    };
    assert!(report.stored, "{:?}", report.errors);
    assert_eq!(report.invitations.len(), 2);
    assert_eq!(users(&app).await, before + 2);
    let (manager,): (Option<String>,) = sql(
        "SELECT m.email FROM users u JOIN users m ON m.id = u.manager_id WHERE u.email = 'sam@example.test'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(manager.as_deref(), Some("mia@example.test"));
    // Sam chooses his password with his link and signs in.
    let token = token_of(&report.invitations[1].path);
    let client = app.new_session();
    let set = app
        .call(
            &client,
            "set_password",
            &[
                ("token", token.as_str()),
                ("password", GOOD),
                ("confirm", GOOD),
            ],
        )
        .await;
    assert!(set.status().is_success());
    assert!(app
        .login(&client, "sam@example.test", GOOD)
        .await
        .status()
        .is_success());
    // A manager may not import people.
    let manager = signed_in(&app, MANAGER_NORTH).await;
    let ImportProgress::Refused { message } = people_import(&app, &manager, good).await else {
        panic!("a manager's people import must be refused");
    };
    assert!(message.contains("import of people"), "{message}");
}

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn save_company(
    app: &TestApp,
    admin: &reqwest::Client,
    month: &str,
    holidays: &str,
) -> reqwest::Response {
    let mut form = vec![
        ("fiscal_year_start_month", month),
        ("holidays", holidays),
        ("currency", "EUR"),
        ("locale", "de-DE"),
    ];
    for weekday in ["mon", "tue", "wed", "thu", "fri"] {
        form.push((weekday, "on"));
    }
    app.call(admin, "save_company_settings", &form).await
}

async fn holidays_slow_the_expected_pace(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    // 100 visits in December 2026, agreed. By Friday 11 December 9 of its 23 weekdays have
    // passed: 39.13 visits expected. With 24, 25 and 31 December as holidays (26 December,
    // a Saturday, changes nothing) 9 of 20 working days have passed: 45 expected.
    let rep = fx.ids.users[REP_N1_INDEX];
    let now = chrono::Utc::now();
    let (target,): (i64,) = sql(
        "INSERT INTO targets (statement, metric, value_hundredths, currency, starts_on, ends_on, \
         assignee_user_id, kind, rationale, status, created_by, created_at, updated_by, updated_at) \
         VALUES ('100 visits in December', 'visits', 10000, NULL, $1, $2, $3, 'operational', \
         'test', 'agreed', $4, $5, $4, $5) RETURNING id",
    )
    .bind(day(2026, 12, 1))
    .bind(day(2026, 12, 31))
    .bind(rep)
    .bind(fx.ids.users[0])
    .bind(now)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let expected_on_11th = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            app::service::snapshots::take(&db, day(2026, 12, 11), day(2027, 1, 15), now)
                .await
                .unwrap();
            let (expected,): (i64,) = sql(
                "SELECT expected_hundredths FROM target_snapshots WHERE target_id = $1 AND day = $2",
            )
            .bind(target)
            .bind(day(2026, 12, 11))
            .fetch_one(&db)
            .await
            .unwrap();
            expected
        }
    };
    assert_eq!(expected_on_11th(&app).await, 3913);
    let response = save_company(
        &app,
        &admin,
        "1",
        "2026-12-24 Christmas Eve\n2026-12-25 Christmas Day\n26.12.2026 Boxing Day\n2026-12-31 New Year's Eve",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(expected_on_11th(&app).await, 4500);
    // A bad line is named, and nothing changes.
    let response = save_company(
        &app,
        &admin,
        "1",
        "2026-12-24 Christmas Eve\n2026-13-01 Nonsense",
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = app_error(response).await;
    assert_eq!(error.field(), Some("holidays"));
    assert!(error.to_string().contains("line 2"), "{error}");
    assert_eq!(expected_on_11th(&app).await, 4500);
    // Reps may read the calendar but not change it.
    let rep = signed_in(&app, REP_N1).await;
    assert_eq!(
        save_company(&app, &rep, "1", "").await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn a_fiscal_year_from_april_shifts_quarters_and_year_to_date(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let today = chrono::Utc::now().date_naive();
    let list = |client: reqwest::Client| {
        let app = &app;
        async move {
            let list: app::model::customers::CustomerList = app
                .call(&client, "customers", &[])
                .await
                .json()
                .await
                .unwrap();
            list
        }
    };
    let calendar_year = list(admin.clone()).await;
    assert_eq!(calendar_year.filter.period.start(), day(today.year(), 1, 1));
    assert_eq!(
        save_company(&app, &admin, "4", "").await.status(),
        StatusCode::OK
    );
    let fiscal = list(admin.clone()).await;
    let april = if today.month() >= 4 {
        day(today.year(), 4, 1)
    } else {
        day(today.year() - 1, 4, 1)
    };
    assert_eq!(
        fiscal.filter.period.start(),
        april,
        "year to date starts with the fiscal year"
    );
    assert_eq!(fiscal.filter.period.end(), today);
    let settings: app::model::company::CompanySettings = app
        .call(&admin, "company_settings", &[])
        .await
        .json()
        .await
        .unwrap();
    let q = settings.calendar.quarter_of(day(2027, 2, 10));
    assert_eq!((q.start(), q.end()), (day(2027, 1, 1), day(2027, 3, 31)));
    assert_eq!(
        settings.calendar.year_of(day(2027, 2, 10)).start(),
        day(2026, 4, 1)
    );
    assert_eq!(settings.locale, "de-DE");
}
