//! The repository layer: every SQL statement Pacer runs. Functions take the [`Db`] as an
//! argument (no global pool), are instrumented, and return [`RepoError`].
//!
//! [`Db`]: crate::db::Db

pub mod activities;
pub mod check_ins;
pub mod customers;
pub mod dashboard;
pub mod forecast;
pub mod import;
pub mod login_failures;
pub mod metrics;
pub mod opportunities;
pub mod pipeline;
pub mod scope;
pub mod seed;
pub mod settings;
pub mod snapshots;
pub mod targets;
pub mod tokens;
pub mod turnover;
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

/// Functions returning it are instrumented without `err`: a refusal is an expected outcome, not
/// an error worth a log line, and a database failure is logged where it becomes an
/// [`AppError`].
///
/// The outcome of a write that the data itself may refuse (a stale version, a row out of
/// scope, a rule about other rows): either the refusal the user sees, or a database failure.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("{0}")]
    Refused(AppError),
}

impl From<sqlx::Error> for WriteError {
    fn from(err: sqlx::Error) -> Self {
        WriteError::Repo(RepoError::Sqlx(err))
    }
}

impl From<AppError> for WriteError {
    fn from(err: AppError) -> Self {
        WriteError::Refused(err)
    }
}

impl From<WriteError> for AppError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Repo(e) => e.into(),
            WriteError::Refused(e) => e,
        }
    }
}
