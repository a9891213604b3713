//! The repository layer: every SQL statement Pacer runs. Functions take the [`Db`] as an
//! argument (no global pool), are instrumented, and return [`RepoError`].
//!
//! [`Db`]: crate::db::Db

pub mod customers;
pub mod login_failures;
pub mod scope;
pub mod seed;
pub mod users;

use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl From<RepoError> for AppError {
    fn from(err: RepoError) -> Self {
        // The cause goes to the log, never to the client.
        tracing::error!(error = %err, "repository error");
        AppError::Internal
    }
}
