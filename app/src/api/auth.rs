//! Signing in and out, and who is signed in.

use crate::error::AppError;
use crate::model::auth::SessionUser;
use leptos::prelude::*;

/// Signs in and redirects to `next` (a path inside Pacer) or the dashboard.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::auth;
    use crate::service::sessions;
    auth::respond(async move {
        let db = auth::db()?;
        let client = auth::client_address().await?;
        let signed_in =
            sessions::sign_in(&db, &email, &password, &client, chrono::Utc::now()).await?;
        auth::start_session(signed_in).await?;
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
