//! Signing in and out, and who is signed in.

use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::people::LinkHolder;
use leptos::prelude::*;

/// Signs in and redirects to `next` (a path inside Pacer) or the dashboard.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::auth;
    use crate::service::sessions;
    auth::respond(async move {
        let db = auth::db()?;
        let sign_in_db = auth::sign_in_db()?;
        let client = auth::client_address().await?;
        let device = auth::device_cookie().await;
        let now = chrono::Utc::now();
        let attempt = sessions::Attempt {
            email: &email,
            password: &password,
            client: &client,
            device: device.as_deref(),
        };
        let signed_in = sessions::sign_in(&db, &sign_in_db, attempt, now).await?;
        auth::start_session(signed_in.session).await?;
        if let Some(token) = signed_in.new_device {
            auth::remember_device(&token);
        }
        leptos_axum::redirect(&auth::safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::auth;
    auth::respond(async move {
        auth::end_session().await?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

#[server(endpoint = "current_user")]
pub async fn get_current_user() -> Result<SessionUser, AppError> {
    crate::auth::respond(crate::auth::require_user()).await
}

/// Creates the company and its first admin from the one-time setup link, and signs them in.
#[server(endpoint = "setup")]
pub async fn setup(
    token: String,
    company: String,
    name: String,
    email: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::auth;
    use crate::service::setup::{self, FirstAdmin};
    auth::respond(async move {
        let db = auth::db()?;
        let form = FirstAdmin {
            company,
            name,
            email,
            password,
            confirm,
        };
        let signed_in = setup::complete(&db, Some(&token), &form, chrono::Utc::now()).await?;
        auth::start_session(signed_in).await?;
        leptos_axum::redirect("/admin/organisation");
        Ok(())
    })
    .await
}

/// Whom a password link is for; `None` when it is used, expired or unknown.
#[server(endpoint = "password_link_holder")]
pub async fn password_link_holder(token: String) -> Result<Option<LinkHolder>, AppError> {
    use crate::auth;
    use crate::service::passwords;
    auth::respond(async move {
        let db = auth::db()?;
        Ok(passwords::link_holder(&db, &token, chrono::Utc::now()).await?)
    })
    .await
}

/// Sets a password through an invitation or reset link; then the person signs in.
#[server(endpoint = "set_password")]
pub async fn set_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::auth;
    use crate::service::passwords;
    auth::respond(async move {
        let db = auth::db()?;
        let email =
            passwords::set_with_link(&db, &token, &password, &confirm, chrono::Utc::now()).await?;
        let _ = auth::end_session().await;
        leptos_axum::redirect(&format!(
            "/login?password_set=1&email={}",
            auth::encode_query_value(&email)
        ));
        Ok(())
    })
    .await
}

/// Changes the signed-in person's password; their other sessions end, this one goes on.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::service::passwords;
    super::signed_in("change_password", |c| async move {
        let signed_in = passwords::change_own(
            &c.db,
            &c.user,
            &current,
            &password,
            &confirm,
            chrono::Utc::now(),
        )
        .await?;
        crate::auth::start_session(signed_in).await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Sets how the signed-in person reads numbers, amounts and dates (issue 22): "en" or "de".
#[server(endpoint = "set_locale")]
pub async fn set_locale(locale: String) -> Result<crate::domain::Locale, AppError> {
    super::signed_in("set_locale", |c| async move {
        crate::service::people::set_own_locale(&c.db, &c.user, &locale).await
    })
    .await
}
