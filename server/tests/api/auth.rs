use crate::both_backends;
use crate::helpers::*;
use app::domain::Role;
use app::error::AppError;
use reqwest::StatusCode;

both_backends!(
    health_check_answers,
    anonymous_pages_redirect_to_sign_in,
    anonymous_server_functions_get_401,
    wrong_password_and_unknown_user_get_the_same_answer,
    repeated_failures_are_slowed_down,
    sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session,
    sign_in_is_case_insensitive_and_checks_input,
);

async fn health_check_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get(&app.client, "/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

async fn anonymous_pages_redirect_to_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let home = app.get(&app.client, "/").await;
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()["location"], "/login");

    let customers = app
        .get(&app.client, "/customers?q=a%20b&segment=price")
        .await;
    assert_eq!(customers.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        customers.headers()["location"],
        "/login?next=/customers%3Fq%3Da%2520b%26segment%3Dprice"
    );

    let login = app.get(&app.client, "/login").await;
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(html.contains("Sign in"), "{html}");
}

async fn anonymous_server_functions_get_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for endpoint in ["current_user", "customers", "logout"] {
        let response = app.call(&app.client, endpoint, &[]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{endpoint}");
    }
}

async fn wrong_password_and_unknown_user_get_the_same_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let wrong_password = app.login(&app.client, REP_N1, "not the password").await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    let wrong_password = app_error(wrong_password).await;
    let unknown = app
        .login(&app.client, "nobody@example.test", "not the password")
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, app_error(unknown).await);
    assert_eq!(wrong_password, AppError::BadCredentials);
    // Still signed out.
    assert_eq!(
        app.call(&app.client, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn repeated_failures_are_slowed_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    for _ in 0..5 {
        let response = app.login(&app.client, REP_N1, "guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits: guessing cannot go on at full speed.
    let response = app.login(&app.client, REP_N1, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    match app_error(response).await {
        AppError::TooManyAttempts { retry_after_secs } => {
            assert!((1..=15).contains(&retry_after_secs))
        }
        other => panic!("expected TooManyAttempts, got {other:?}"),
    }
    // Unknown addresses are slowed down the same way: no enumeration through the limiter.
    for _ in 0..5 {
        app.login(&app.client, "nobody@example.test", "guess").await;
    }
    let response = app.login(&app.client, "nobody@example.test", "guess").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let other = app.new_session();
    assert_eq!(app.login_ok(&other, REP_N2).await.role, Role::Rep);
}

async fn sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let response = app.login(&app.client, MANAGER_NORTH, PASSWORD).await;
    assert!(response.status().is_success(), "{}", response.status());
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("pacer_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    // The app is told where to go next.
    assert_eq!(response.headers()["location"], "/");

    let me = app.call(&app.client, "current_user", &[]).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: app::model::auth::SessionUser = me.json().await.unwrap();
    assert_eq!(
        (me.email.as_str(), me.role, me.unit_name.as_str()),
        (MANAGER_NORTH, Role::Manager, "North")
    );

    let home = app.get(&app.client, "/").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.unwrap().contains("Sign out"));

    let logout = app.call(&app.client, "logout", &[]).await;
    assert!(logout.status().is_success(), "{}", logout.status());
    assert_eq!(
        app.call(&app.client, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&app.client, "/").await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn sign_in_is_case_insensitive_and_checks_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let response = app
        .login(&app.client, "  Rep.N1@Example.TEST ", PASSWORD)
        .await;
    assert!(response.status().is_success());

    let client = app.new_session();
    let response = app.login(&client, "not-an-address", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(response).await.field(), Some("email"));

    let login_then = |next: &'static str| {
        let client = app.new_session();
        let app = &app;
        async move {
            let form = [("email", REP_N1), ("password", PASSWORD), ("next", next)];
            app.call(&client, "login", &form).await
        }
    };
    let response = login_then("//evil.example").await;
    assert_eq!(response.headers()["location"], "/");
    let response = login_then("/customers").await;
    assert_eq!(response.headers()["location"], "/customers");
}
