//! The dashboard: the day's digest, my targets, and a manager's team.

use super::Error;
use crate::db::Db;
use crate::model::auth::SessionUser;
use crate::model::dashboard::Dashboard;
use crate::repo;
use chrono::NaiveDate;

#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn load(db: &Db, user: &SessionUser, today: NaiveDate) -> Result<Dashboard, Error> {
    Ok(repo::dashboard::load(db, user, today).await?)
}
