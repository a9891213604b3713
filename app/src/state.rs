use crate::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

/// Everything a request handler or server function needs, provided to server functions as
/// context by `leptos_routes_with_context`. Holds no per-user state: app instances stay
/// stateless and scale horizontally.
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// Where signing in writes (sessions, failed sign-ins, known devices): see
    /// [`Db::connect_sign_in`]. The same handle as `db` on Postgres.
    pub sign_in_db: Db,
    /// The mail server for password links (none without `PACER_SMTP_URL`) and Pacer's
    /// public address the links start with.
    pub outbox: crate::mail::Outbox,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}
