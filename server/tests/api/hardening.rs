//! Requests Pacer must not trust, headers every answer carries, bad input that must get a
//! clear 4xx.

use crate::both_backends;
use crate::helpers::*;
use app::db::sql;
use app::error::AppError;
use reqwest::{Client, StatusCode};

both_backends!(
    a_form_sent_before_the_page_came_alive_reloads_the_page,
    state_changes_from_other_sites_are_refused,
    pages_carry_a_content_security_policy_with_their_nonce,
    bad_input_gets_a_clear_4xx_never_a_500,
    sessions_stay_alive_while_used_and_end_at_their_maximum_age,
    signing_in_works_while_an_import_holds_the_write_lock,
);

/// Posts `form` to `path` with extra `headers`, as a browser on another page would.
async fn post(
    app: &TestApp,
    client: &Client,
    path: &str,
    headers: &[(&str, String)],
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = client.post(format!("{}{path}", app.address)).form(form);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("request")
}

async fn state_changes_from_other_sites_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let credentials = [("email", REP_N1), ("password", PASSWORD)];
    let evil = || ("origin", "https://evil.example".to_string());
    let own = || ("origin", app.address.clone());

    // Login forgery: another site's form signs the visitor in as someone else.
    let forger = app.new_session();
    for headers in [
        vec![evil()],
        vec![("origin", "null".to_string())],
        vec![("sec-fetch-site", "cross-site".to_string())],
        vec![("sec-fetch-site", "same-site".to_string()), own()],
        vec![("referer", "https://evil.example/form".to_string())],
    ] {
        let response = post(&app, &forger, "/api/login", &headers, &credentials).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        let error: AppError = response.json().await.expect("a server function's error");
        assert_eq!(error, AppError::CrossSite);
    }
    let me = app.call(&forger, "current_user", &[]).await;
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "nobody was signed in"
    );

    // From Pacer's own page (as the browser says, or by Origin) it works.
    let rep = app.new_session();
    let same = [("sec-fetch-site", "same-origin".to_string()), own()];
    let response = post(&app, &rep, "/api/login", &same, &credentials).await;
    assert_eq!(response.status(), StatusCode::OK);

    // A signed-in person's session cannot be ridden by another site: a move, the import.
    let deal = fx.opportunity_id(REP_N1_INDEX, 0).to_string();
    let lead = fx.stage_id(LEAD).to_string();
    let moved = post(
        &app,
        &rep,
        "/api/move_opportunity",
        &[evil()],
        &[("id", &deal), ("version", "3"), ("stage_id", &lead)],
    )
    .await;
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);
    let import = rep
        .post(format!("{}/api/import/customers", app.address))
        .header("origin", "https://evil.example")
        .body("customer_ref,name\nX-1,Forged\n")
        .send()
        .await
        .unwrap();
    assert_eq!(import.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = import.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("did not come from a Pacer page"));
    let (stage,): (i64,) = app::db::sql("SELECT stage_id FROM opportunities WHERE id = $1")
        .bind(fx.opportunity_id(REP_N1_INDEX, 0))
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stage, fx.stage_id(PROPOSAL), "nothing moved");

    // Reading is not a state change; the JSON API with a Bearer token is exempt (its own
    // check answers: this token is unknown).
    let read = rep
        .get(format!("{}/api/v1/opportunities", app.address))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let bearer = Client::new()
        .post(format!("{}/api/v1/activities", app.address))
        .header("origin", "https://evil.example")
        .bearer_auth("pacer_unknown")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::UNAUTHORIZED);
}

async fn pages_carry_a_content_security_policy_with_their_nonce(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.get(&app.new_session(), "/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "strict-origin-when-cross-origin");
    assert!(header("strict-transport-security").is_empty(), "plain HTTP");
    let nonce = nonce_of_every_script(page).await;

    // Every kind of page render: streamed, awaited whole (a customer), the not-found fallback.
    let fixture = Fixture::load(&app.db).await;
    let manager = app.new_session();
    app.login(&manager, MANAGER_NORTH, PASSWORD).await;
    let customer = fixture.ids.customers[0];
    for path in [
        "/",
        "/board",
        "/check-in",
        &format!("/customers/{customer}"),
        "/no-such-page",
    ] {
        nonce_of_every_script(app.get(&manager, path).await).await;
    }

    // Another page, another nonce.
    let again = app.get(&app.new_session(), "/login").await;
    let second = again.headers()["content-security-policy"].to_str().unwrap();
    assert!(!second.contains(&nonce));

    // A JSON answer: the same policy with no inline script at all.
    let json = app.get(&app.new_session(), "/api/v1/opportunities").await;
    let policy = json.headers()["content-security-policy"].to_str().unwrap();
    assert!(!policy.contains("nonce-") && policy.contains("script-src 'self'"));

    // Behind HTTPS (Secure cookies), browsers are told to stay on it, and every cookie a
    // sign-in sets (the session's, the device's) is Secure.
    let https = TestApp::spawn_configured(backend, false, |s| s.secure_cookie = true).await;
    let page = https.get(&https.new_session(), "/login").await;
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    Fixture::load(&https.db).await;
    let signed_in = https.login(&https.new_session(), REP_N1, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let cookies: Vec<&str> = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("pacer_device=")),
        "{cookies:?}"
    );
    for cookie in &cookies {
        assert!(cookie.to_ascii_lowercase().contains("; secure"), "{cookie}");
    }
}

/// The nonce a page's policy names, having checked that every script in the page carries it
/// (a script without it would be blocked, and the page left unhydrated).
pub(crate) async fn nonce_of_every_script(page: reqwest::Response) -> String {
    let url = page.url().path().to_string();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("frame-ancestors 'none'"), "{url}: {policy}");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("{url}: the policy names a nonce: {policy}"))
        .to_string();
    assert!(nonce.len() >= 22, "{nonce}");
    let html = page.text().await.unwrap();
    let tags: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or(""))
        .collect();
    assert!(!tags.is_empty(), "{url}");
    for tag in &tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{url}: every inline script carries the nonce: <script{tag}>"
        );
    }
    nonce
}

/// The field a 422 names, or the status when it is not a 422.
async fn refused_field(response: reqwest::Response) -> Result<String, StatusCode> {
    let status = response.status();
    if status != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(status);
    }
    let body: serde_json::Value = response.json().await.unwrap();
    // A server function's error ({"Invalid": {field, …}}) or the API's ({"error": {field}}).
    let field = body["Invalid"]["field"]
        .as_str()
        .or(body["error"]["field"].as_str())
        .unwrap_or_default();
    Ok(field.to_string())
}

async fn bad_input_gets_a_clear_4xx_never_a_500(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;

    // Turnover near the top of what one sale may be, many times over: 300 sales of almost a
    // trillion euros in the recent months and a year before. The trend and deviation
    // arithmetic must not overflow 64-bit integers on either database.
    let today = chrono::Utc::now().date_naive();
    let mut file = String::from("customer_ref,date,amount,reference\n");
    for n in 0..300 {
        let day = if n < 200 {
            today - chrono::Days::new(40)
        } else {
            today - chrono::Days::new(250)
        };
        file.push_str(&format!("Customer-3-0,{day},999999999999.99,BIG-{n}\n"));
    }
    let upload = admin
        .post(format!("{}/api/import/sales", app.address))
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::OK);
    let progress = upload.text().await.unwrap();
    assert!(progress.contains("\"stored\":true"), "{progress}");
    for list in ["all", "plus", "minus", "trend"] {
        for sort in ["", "actual", "expected", "deviation", "percent"] {
            let path = format!("/api/export/customers.csv?list={list}&sort={sort}");
            let response = app.get(&admin, &path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let response = app
                .call(&admin, "customers", &[("list", list), ("sort", sort)])
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{list} {sort}");
        }
    }
    let api = app.get(&admin, "/api/v1/customers?list=trend").await;
    assert_eq!(api.status(), StatusCode::OK);

    // A page number whose offset would wrap around.
    for page in ["9223372036854775807", "4611686018427387904", "1000001"] {
        let response = app.call(&admin, "customers", &[("page", page)]).await;
        assert_eq!(refused_field(response).await, Ok("page".into()), "{page}");
    }

    // Years no filter means: negative, five digits, out of range.
    for day in ["-0001-01-01", "+10000-01-01", "10000-01-01", "1066-10-14"] {
        for field in ["from", "to"] {
            let board = app.call(&admin, "board", &[(field, day)]).await;
            assert_eq!(
                refused_field(board).await,
                Ok(field.into()),
                "board {field}={day}"
            );
            let customers = app.call(&admin, "customers", &[(field, day)]).await;
            assert_eq!(
                refused_field(customers).await,
                Ok(field.into()),
                "customers {field}={day}"
            );
        }
    }
    let api = app
        .get(&admin, "/api/v1/opportunities?from=%2B10000-01-01")
        .await;
    assert!(api.status().is_client_error(), "{}", api.status());
    let api = app.get(&admin, "/api/v1/opportunities?to=1066-10-14").await;
    assert_eq!(refused_field(api).await, Ok("to".into()));

    // A 100 KB search (SQLite refuses LIKE patterns over 50 000 bytes).
    let long = "x".repeat(100_000);
    let customers = app.call(&admin, "customers", &[("search", &long)]).await;
    assert_eq!(refused_field(customers).await, Ok("search".into()));
    let board = app.call(&admin, "board", &[("q", &long)]).await;
    assert_eq!(refused_field(board).await, Ok("q".into()));
    // (A URL holds at most 64 KB; 60 000 characters still make a pattern SQLite refuses.)
    let api = app
        .get(
            &admin,
            &format!("/api/v1/customers?search={}", &long[..60_000]),
        )
        .await;
    assert_eq!(refused_field(api).await, Ok("search".into()));
}

/// The session id a sign-in response set.
fn session_id(response: &reqwest::Response) -> tower_sessions::session::Id {
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("pacer_session="))
        .expect("a session cookie");
    let id = cookie.split(';').next().unwrap_or_default();
    id.parse().expect("a session id")
}

async fn sessions_stay_alive_while_used_and_end_at_their_maximum_age(backend: Backend) {
    use tower_sessions::SessionStore;
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let store = server::session_store::DbSessionStore::new(&app.sign_in_db)
        .await
        .unwrap();
    let client = app.new_session();
    let signed_in = app.login(&client, REP_N1, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let id = session_id(&signed_in);
    let now = time::OffsetDateTime::now_utc();
    let unix = |t: time::OffsetDateTime| serde_json::json!(t.unix_timestamp());

    // Someone working in Pacer: the deadline was last pushed back two hours ago and runs out
    // in a minute. Their next request pushes it a week ahead.
    let mut record = store.load(&id).await.unwrap().expect("stored");
    record
        .data
        .insert("seen_at".into(), unix(now - time::Duration::hours(2)));
    record.expiry_date = now + time::Duration::minutes(1);
    store.save(&record).await.unwrap();
    let me = app.call(&client, "current_user", &[]).await;
    assert_eq!(me.status(), StatusCode::OK);
    let record = store.load(&id).await.unwrap().expect("still stored");
    assert!(
        record.expiry_date > now + time::Duration::days(6),
        "the deadline moved: {}",
        record.expiry_date
    );

    // Signed in 31 days ago: however busy, the session ends and is gone.
    let mut record = record;
    record
        .data
        .insert("signed_in_at".into(), unix(now - time::Duration::days(31)));
    store.save(&record).await.unwrap();
    let me = app.call(&client, "current_user", &[]).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert!(store.load(&id).await.unwrap().is_none(), "deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_holds_every_write_acknowledged_before_it_began() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let fx = Fixture::load(&app.db).await;
    let rep = signed_in(&app, REP_N1).await;
    let deal = fx.opportunity_id(REP_N1_INDEX, 0);
    let stages = [fx.stage_id(PROPOSAL), fx.stage_id(QUALIFIED)];
    // A rep moves one card back and forth as fast as the server answers; each answer is an
    // acknowledged write whose version is recorded.
    let acknowledged = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(3));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (app_address, rep, acknowledged, stop) = (
            app.address.clone(),
            rep.clone(),
            acknowledged.clone(),
            stop.clone(),
        );
        tokio::spawn(async move {
            use std::sync::atomic::Ordering;
            let mut version = 3;
            while !stop.load(Ordering::Relaxed) {
                let to = stages[usize::try_from(version % 2).unwrap()].to_string();
                let response = rep
                    .post(format!("{app_address}/api/move_opportunity"))
                    .form(&[
                        ("id", deal.to_string()),
                        ("version", version.to_string()),
                        ("stage_id", to),
                    ])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                version += 1;
                acknowledged.store(version, Ordering::SeqCst);
            }
            version
        })
    };
    let moved_past = |n: i64| {
        let acknowledged = acknowledged.clone();
        async move {
            for _ in 0..1_200 {
                if acknowledged.load(std::sync::atomic::Ordering::SeqCst) > n {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("the moves stopped before version {n}");
        }
    };
    moved_past(10).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let before = acknowledged.load(std::sync::atomic::Ordering::SeqCst);
    app.db
        .backup_into(&file)
        .await
        .expect("the backup is taken");
    let at_the_end = acknowledged.load(std::sync::atomic::Ordering::SeqCst);
    moved_past(at_the_end + 5).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let last = load.await.unwrap();
    assert!(
        last > at_the_end,
        "writes went on after the backup: {before} → {last}"
    );

    // The command does the same from outside, read-only.
    let by_command = dir.path().join("by-command.db");
    let said = server::startup::backup(&app.url, &by_command)
        .await
        .unwrap();
    assert!(said.starts_with("Backed up to"), "{said}");
    assert!(by_command.metadata().unwrap().len() > 0);

    // `server backup` with a DATABASE_URL naming no database says so, and creates nothing.
    let nowhere = dir.path().join("nowhere.db");
    let missing = server::startup::backup(
        &format!("sqlite://{}", nowhere.display()),
        &dir.path().join("copy.db"),
    )
    .await
    .unwrap_err();
    assert!(missing.contains("no database at"), "{missing}");
    assert!(!nowhere.exists() && !dir.path().join("copy.db").exists());

    // Taking it again onto the same file is refused, not overwritten.
    let again = app.db.backup_into(&file).await.unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");

    // Restored: the copy opens as a Pacer database and holds every acknowledged move from
    // before the backup began, its history in step with its version.
    let restored = app::db::Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let (integrity,): (String,) = sql("PRAGMA integrity_check")
        .fetch_one(&restored)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let (version,): (i64,) = sql("SELECT version FROM opportunities WHERE id = $1")
        .bind(deal)
        .fetch_one(&restored)
        .await
        .unwrap();
    let (history,): (i64,) = sql("SELECT COUNT(*) FROM stage_changes WHERE opportunity_id = $1")
        .bind(deal)
        .fetch_one(&restored)
        .await
        .unwrap();
    assert!(
        version >= before,
        "acknowledged before the backup: {before}, in it: {version}"
    );
    assert_eq!(history, version, "one history row per version");
}

/// What an import in progress holds, taken the way the import takes it: the server's own
/// write turn and (SQLite) the main file's write lock, (Postgres) the import lock; on Postgres
/// also the tables an import writes, locked against every other writer.
async fn hold_the_write_lock(app: &TestApp, backend: Backend) -> app::db::Tx {
    let mut tx = app.db.begin_write().await.unwrap();
    tx.serialize(app::db::Serial::Import).await.unwrap();
    let lock = match backend {
        Backend::Sqlite => "UPDATE customers SET name = name",
        Backend::Postgres => "LOCK TABLE customers, sales, opportunities IN EXCLUSIVE MODE",
    };
    sql(lock).execute(&mut tx).await.unwrap();
    tx
}

/// `request`'s answer, unless it waits more than 4 s (the import's lock).
async fn soon(
    what: &str,
    request: impl std::future::Future<Output = reqwest::Response>,
) -> reqwest::Response {
    tokio::time::timeout(std::time::Duration::from_secs(4), request)
        .await
        .unwrap_or_else(|_| panic!("{what} waited more than 4 s for the import's lock"))
}

/// Sign-in, its failures, the session's use and sign-out write only to the sign-in database:
/// a long import holding the main database's write lock (50 s for a million lines) does not
/// make them wait. Before the sign-in file, each of these waited SQLite's 10 s busy timeout
/// and answered 500 "database is locked".
async fn signing_in_works_while_an_import_holds_the_write_lock(backend: Backend) {
    use std::time::{Duration, Instant};
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let lock = hold_the_write_lock(&app, backend).await;
    let started = Instant::now();

    let wrong = app.new_session();
    let refused = soon("a wrong password", app.login(&wrong, REP_N1, "wrong")).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let client = app.new_session();
    let signed_in = soon("signing in", app.login(&client, REP_N1, PASSWORD)).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let me = soon("a request", app.call(&client, "current_user", &[])).await;
    assert_eq!(me.status(), StatusCode::OK, "{}", me.text().await.unwrap());
    // The device is known now: signing in again from it (its own lane) works too.
    let again = soon("a known device", app.login(&client, REP_N1, PASSWORD)).await;
    assert_eq!(again.status(), StatusCode::OK);
    let out = soon("signing out", app.call(&client, "logout", &[])).await;
    assert!(out.status().is_success() || out.status().is_redirection());
    let after = app.call(&client, "current_user", &[]).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert!(started.elapsed() < Duration::from_secs(8));
    drop(lock);
}

/// An installation from before the sign-in file kept sessions, known devices and failed
/// sign-ins in the main file: the first start with the sign-in file carries them over, so
/// nobody is signed out and no throttle resets; later starts copy nothing again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_to_the_sign_in_file_keeps_everyone_signed_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/pacer.db", dir.path().display());
    let main = app::db::Db::connect(&url).await.unwrap();
    let fx = Fixture::load(&main).await;
    let user = fx.ids.users[REP_N1_INDEX];
    for statement in [
        "CREATE TABLE tower_sessions (id TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL, \
         expiry_date INTEGER NOT NULL)",
        "INSERT INTO tower_sessions VALUES ('s1', x'00', 4102444800)",
        "INSERT INTO sign_in_failures VALUES ('a@b.test', '10.0.0.1', 3, \
         '2026-12-01T00:00:00Z', NULL)",
    ] {
        sql(statement).execute(&main).await.unwrap();
    }
    sql("INSERT INTO known_devices VALUES ('d1', $1, '2026-12-01T00:00:00Z')")
        .bind(user)
        .execute(&main)
        .await
        .unwrap();

    let count = |db: &app::db::Db, table: &'static str| {
        let db = db.clone();
        async move {
            let (n,): (i64,) = sql(format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&db)
                .await
                .unwrap();
            n
        }
    };
    let sign_in_db = main.connect_sign_in().await.unwrap();
    assert!(dir.path().join("pacer.sign-in.db").exists());
    for table in ["tower_sessions", "known_devices", "sign_in_failures"] {
        assert_eq!(count(&sign_in_db, table).await, 1, "{table} carried over");
    }
    // Moved, not copied: the main file keeps none, so a sign-in file deleted later brings
    // back no session signed out since.
    for table in ["tower_sessions", "known_devices", "sign_in_failures"] {
        assert_eq!(
            count(&main, table).await,
            0,
            "{table} left in the main file"
        );
    }
    sign_in_db.close().await;
    // The next start finds it done and copies nothing twice.
    let again = main.connect_sign_in().await.unwrap();
    assert_eq!(count(&again, "known_devices").await, 1);
    let (owner,): (i64,) = sql("SELECT user_id FROM known_devices WHERE token_hash = 'd1'")
        .fetch_one(&again)
        .await
        .unwrap();
    assert_eq!(owner, user);
}

/// A page's form tapped before the wasm runs is posted to the page itself: Pacer sends the
/// browser back to the page (303), stores nothing, and nothing typed is in any address.
async fn a_form_sent_before_the_page_came_alive_reloads_the_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let rep = app.new_session();
    app.login(&rep, REP_N1, PASSWORD).await;
    let customers = || async {
        let (n,): (i64,) = sql("SELECT COUNT(*) FROM customers")
            .fetch_one(&app.db)
            .await
            .unwrap();
        n
    };
    // A form posted to `path` from a page of `origin`.
    let post = |origin: &str, path: &str| {
        rep.post(format!("{}{path}", app.address))
            .header("origin", origin)
            .form(&[("name", "Early Tap GmbH"), ("city", "Kassel")])
            .send()
    };
    let before = customers().await;
    for page in [
        "/customers/new",
        "/customers/new?from=check-in",
        "/targets/new",
    ] {
        let sent = post(&app.address, page).await.unwrap();
        assert_eq!(sent.status(), StatusCode::SEE_OTHER, "{page}");
        assert_eq!(sent.headers()["location"], page);
    }
    assert_eq!(customers().await, before, "nothing stored");
    // Another site's form is still refused before anything else.
    let cross = post("https://evil.example", "/customers/new")
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    // The API keeps its 405: a client following a redirect would take a GET for success.
    let export = post(&app.address, "/api/export/customers.csv")
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::METHOD_NOT_ALLOWED);
    // An address that is not a page is not found, whatever the method (a smoke check: the
    // rule against `//host` is tested on the middleware itself, in startup.rs).
    let nowhere = post(&app.address, "//evil.example/x").await.unwrap();
    assert_ne!(nowhere.status(), StatusCode::SEE_OTHER);
}
