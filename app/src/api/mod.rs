//! Server functions, one module per area: the browser's door. Each reads its arguments,
//! calls one service function through [`signed_in`] (the session, the database, a tracing
//! span and the error's HTTP status, written once) and answers. Who may do what is the
//! service's check, the same for every door.

pub mod activities;
pub mod auth;
pub mod check_ins;
pub mod customers;
pub mod dashboard;
pub mod people;
pub mod pipeline;
pub mod targets;
pub mod tokens;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub use door::{signed_in, Caller};

#[cfg(feature = "ssr")]
mod door {
    use crate::auth;
    use crate::db::Db;
    use crate::error::AppError;
    use crate::model::auth::SessionUser;
    use std::future::Future;
    use tracing::Instrument;

    /// Whom a server function acts for, and the database it acts on.
    pub struct Caller {
        pub user: SessionUser,
        pub db: Db,
    }

    /// Runs a server function's body for the signed-in person (401 without one), in a span
    /// named after the function; an error leaves with its HTTP status.
    pub async fn signed_in<T, E, Fut>(
        name: &'static str,
        body: impl FnOnce(Caller) -> Fut,
    ) -> Result<T, AppError>
    where
        Fut: Future<Output = Result<T, E>>,
        E: Into<AppError>,
    {
        auth::respond(async move {
            let user = auth::require_user().await?;
            run(name, user, body).await
        })
        .await
    }

    async fn run<T, E, Fut>(
        name: &'static str,
        user: SessionUser,
        body: impl FnOnce(Caller) -> Fut,
    ) -> Result<T, AppError>
    where
        Fut: Future<Output = Result<T, E>>,
        E: Into<AppError>,
    {
        let db = auth::db()?;
        let span = tracing::info_span!("server_fn", name, user = user.id);
        let outcome = body(Caller { user, db }).instrument(span.clone()).await;
        outcome.map_err(|e| {
            let e = e.into();
            span.in_scope(|| tracing::debug!(status = e.status(), error = %e, "refused"));
            e
        })
    }
}
