use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::{Email, Locale, Role};
use crate::model::auth::SessionUser;

#[derive(sqlx::FromRow)]
struct SessionUserRow {
    id: i64,
    name: String,
    email: String,
    role: String,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    session_epoch: i64,
    locale: String,
}

impl TryFrom<SessionUserRow> for SessionUser {
    type Error = RepoError;
    fn try_from(row: SessionUserRow) -> Result<Self, Self::Error> {
        Ok(SessionUser {
            id: row.id,
            name: row.name,
            email: row.email,
            role: Role::parse(&row.role).map_err(|e| RepoError::Corrupt(e.to_string()))?,
            unit_id: row.unit_id,
            unit_name: row.unit_name,
            unit_path: row.unit_path,
            locale: Locale::parse(&row.locale).unwrap_or_default(),
        })
    }
}

const SESSION_USER_SELECT: &str = "SELECT u.id, u.name, u.email, u.role, \
     o.id AS unit_id, o.name AS unit_name, o.path AS unit_path, u.session_epoch, u.locale \
     FROM users u JOIN org_units o ON o.id = u.org_unit_id";

/// The signed-in user as every request sees it (identity, role and place in the org tree),
/// with their session epoch; `None` for a deactivated user.
#[tracing::instrument(skip(db), err)]
pub async fn find_session_user(
    db: &Db,
    user_id: i64,
) -> Result<Option<(SessionUser, i64)>, RepoError> {
    let row: Option<SessionUserRow> = sql(format!(
        "{SESSION_USER_SELECT} WHERE u.id = $1 AND u.deactivated_at IS NULL"
    ))
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        let epoch = row.session_epoch;
        SessionUser::try_from(row).map(|user| (user, epoch))
    })
    .transpose()
}

/// Every active user for whom `condition` holds (SQL over `u`, written by our code), by id.
#[tracing::instrument(skip(db), err)]
pub async fn active_where(db: &Db, condition: &'static str) -> Result<Vec<SessionUser>, RepoError> {
    let rows: Vec<SessionUserRow> = sql(format!(
        "{SESSION_USER_SELECT} WHERE u.deactivated_at IS NULL AND {condition} ORDER BY u.id"
    ))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(SessionUser::try_from).collect()
}

/// An active user's id, session epoch and password hash, for signing in.
#[tracing::instrument(skip(db), err)]
pub async fn find_credentials(
    db: &Db,
    email: &Email,
) -> Result<Option<(i64, i64, String)>, RepoError> {
    Ok(sql("SELECT id, session_epoch, password_hash FROM users \
         WHERE email = $1 AND deactivated_at IS NULL")
    .bind(email.as_str())
    .fetch_optional(db)
    .await?)
}

#[tracing::instrument(skip(db), err)]
pub async fn count(db: &Db) -> Result<i64, RepoError> {
    let (n,): (i64,) = sql("SELECT COUNT(*) FROM users").fetch_one(db).await?;
    Ok(n)
}

/// Stores how `user_id` reads numbers, amounts and dates.
#[tracing::instrument(skip(db), err)]
pub async fn set_locale(db: &Db, user_id: i64, locale: Locale) -> Result<(), RepoError> {
    sql("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale.code())
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
