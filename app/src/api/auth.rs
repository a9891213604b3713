use crate::domain::{Role, Scope};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user, as the UI shows them and as every server function checks them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
}

impl SessionUser {
    /// What this user may see: the one scoping decision every query goes through.
    pub fn scope(&self) -> Scope {
        Scope::for_user(self.id, self.role, &self.unit_path)
    }
}

/// Signs in and redirects to `next` (a path inside Pacer) or the dashboard.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::auth;
    auth::respond(async move {
        let user_id = auth::sign_in(&email, &password).await?;
        auth::start_session(user_id).await?;
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
