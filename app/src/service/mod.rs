//! The service layer: one function per use case (move an opportunity, save a target, import
//! sales, record a check-in, list customers, …), called alike by the server functions
//! (`api/`), the JSON API (`server/src/api_v1/`) and the exports. A service function parses
//! what the domain parses, asks the repository for data, applies the rules that need it and
//! answers the read model or the refusal; the doors only read their input and write their
//! answer.

pub mod accuracy;
pub mod activities;
pub mod calls;
pub mod candidates;
pub mod check_ins;
pub mod customers;
pub mod dashboard;
pub mod digest;
pub mod forecast;
pub mod imports;
pub mod opportunities;
pub mod passwords;
pub mod people;
pub mod sessions;
pub mod settings;
pub mod setup;
pub mod snapshots;
pub mod stages;
pub mod sync;
pub mod targets;
pub mod tokens;
pub mod webhooks;

use crate::domain::FieldError;
use crate::error::AppError;
use crate::repo::{RepoError, WriteError};

/// Why a use case refused: the fields of the request that are wrong (every one of them, for
/// the JSON API to list), or any other error. A server function answers the first field; the
/// JSON API all of them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", first_field(.0))]
    Fields(Vec<FieldError>),
    #[error(transparent)]
    App(AppError),
    /// The database failed: the cause is for the log (and the command line), never for a
    /// browser or an API client.
    #[error(transparent)]
    Repo(RepoError),
    /// A client id sent again with other content (issue 25): the JSON API answers 409 with
    /// both versions.
    #[error("{}", .0.message())]
    Diverged(Box<crate::model::check_ins::Diverged>),
}

/// Only admins may do it; `what` names it in the refusal.
fn admin_only(user: &crate::model::auth::SessionUser, what: &str) -> Result<(), Error> {
    if user.role == crate::domain::Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(what.into()).into())
    }
}

/// Refuses a resend under `client_id` whose content differs from what is `stored` under it
/// (issue 25): changed data under an old id is an error, not silently dropped. The 409 shows
/// the stored version only to someone who may see its customer (another token of the same
/// person over another unit shares the person's client ids).
async fn refuse_changed_resend<K: crate::model::check_ins::ResendKeys>(
    db: &crate::db::Db,
    user: &crate::model::auth::SessionUser,
    entity: &str,
    client_id: &str,
    stored: Option<(i64, K)>,
    sent: &K,
) -> Result<(), Error> {
    use crate::model::check_ins::Diverged;
    let Some((id, stored)) = stored.filter(|(_, stored)| !stored.same_as(sent)) else {
        return Ok(());
    };
    let visible = crate::repo::customers::find(db, &user.scope(), stored.customer_id())
        .await?
        .is_some();
    let diverged = if visible {
        Diverged::new(entity, id, client_id, &stored, sent)
    } else {
        Diverged::hidden(entity, client_id, sent)
    };
    Err(Error::Diverged(Box::new(diverged)))
}

fn first_field(errors: &[FieldError]) -> String {
    errors.first().map_or_else(
        || "the request is invalid".into(),
        |e| format!("{}: {}", e.field, e.message),
    )
}

impl From<AppError> for Error {
    fn from(err: AppError) -> Self {
        Error::App(err)
    }
}

impl From<RepoError> for Error {
    fn from(err: RepoError) -> Self {
        Error::Repo(err)
    }
}

impl From<WriteError> for Error {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Repo(e) => Error::Repo(e),
            other => Error::App(other.into()),
        }
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Error::Fields(vec![error])
    }
}

impl From<Vec<FieldError>> for Error {
    fn from(errors: Vec<FieldError>) -> Self {
        Error::Fields(errors)
    }
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        match err {
            Error::Fields(errors) => AppError::from(errors),
            Error::App(err) => err,
            Error::Repo(err) => err.into(),
            Error::Diverged(d) => AppError::Conflict(d.message()),
        }
    }
}
