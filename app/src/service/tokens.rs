//! API tokens: listed, created and revoked by managers and admins, and resolved to the person
//! and scope a request carrying one acts as.

use super::Error;
use crate::db::Db;
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::tokens::{
    roles_for, CreatedToken, TokenChoices, TokenRequest, TokenRow, TokenUser,
};
use crate::repo;
use chrono::{DateTime, Utc};

/// Reps have no token settings.
fn manages_tokens(user: &SessionUser) -> Result<(), Error> {
    if user.role == Role::Rep {
        return Err(AppError::Forbidden("API token settings".into()).into());
    }
    Ok(())
}

/// Tokens `user` manages (an admin all of them, a manager the ones they created) and the rep
/// tokens acting as `user` (a rep sees those, to revoke one they no longer want).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<TokenRow>, Error> {
    Ok(repo::tokens::list(db, user).await?)
}

/// The rep tokens acting as `user`, whoever created them (the account page lists them, so
/// anyone can see and revoke what acts in their name).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn acting_as(db: &Db, user: &SessionUser) -> Result<Vec<TokenRow>, Error> {
    Ok(repo::tokens::acting_as(db, user).await?)
}

/// The roles, units and people a token `user` creates may act as.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn choices(db: &Db, user: &SessionUser) -> Result<TokenChoices, Error> {
    manages_tokens(user)?;
    let scope = user.scope();
    Ok(TokenChoices {
        roles: roles_for(user.role),
        units: repo::customers::units(db, &scope).await?,
        people: repo::opportunities::owner_choices(db, &scope).await?,
    })
}

/// What the settings form sends to create a token.
#[derive(Clone, Debug)]
pub struct TokenForm {
    pub name: String,
    pub role: String,
    pub unit: Option<i64>,
    pub person: Option<i64>,
    pub read_only: bool,
    /// Days it works, or "never".
    pub expires: String,
}

/// Creates a token from the form; its secret is in the answer and nowhere else.
#[tracing::instrument(skip(db, user, form), fields(user = user.id))]
pub async fn create(
    db: &Db,
    user: &SessionUser,
    form: &TokenForm,
    now: DateTime<Utc>,
) -> Result<CreatedToken, Error> {
    manages_tokens(user)?;
    let request = TokenRequest::parse(
        user.role,
        &form.name,
        &form.role,
        form.unit,
        form.person,
        form.read_only,
        &form.expires,
        now,
    )?;
    Ok(repo::tokens::create(db, user, &request, now).await?)
}

/// Revokes a token `user` manages or one acting as them, at once: the next request carrying
/// it gets 401.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn revoke(db: &Db, user: &SessionUser, id: i64, now: DateTime<Utc>) -> Result<(), Error> {
    Ok(repo::tokens::revoke(db, user, id, now).await?)
}

/// Whether `token` was in use here moments ago (resolved within the cache's lifetime).
pub fn recently_seen(token: &str) -> bool {
    repo::tokens::recently_seen(token)
}

/// Whom a request carrying `token` acts as; `None` for an unknown or revoked one.
pub async fn resolve(db: &Db, token: &str) -> Result<Option<TokenUser>, Error> {
    Ok(repo::tokens::resolve(db, token).await?)
}

/// `server api-token`: a token acting as the user `email`, with their role over their unit.
/// Answers the reason in a line for the terminal.
pub async fn create_for(
    db: &Db,
    email: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<CreatedToken, String> {
    let email = Email::parse(email).map_err(|e| e.to_string())?;
    let unknown = || format!("there is no user {}", email.as_str());
    let (id, _, _) = repo::users::find_credentials(db, &email)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(unknown)?;
    let user = repo::users::find_session_user(db, id)
        .await
        .map_err(|e| e.to_string())?
        .map(|(user, _)| user)
        .ok_or_else(unknown)?;
    let request = TokenRequest::parse(
        Role::Admin,
        name,
        user.role.as_str(),
        Some(user.unit_id),
        Some(user.id),
        false,
        // An admin's command for scripts and tests: revoked when no longer wanted.
        "never",
        now,
    )
    .map_err(|e| e.to_string())?;
    repo::tokens::create(db, &user, &request, now)
        .await
        .map_err(|e| AppError::from(e).to_string())
}
