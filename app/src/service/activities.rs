//! Activities (calls, meetings, visits, initial contacts) logged by a client with its own id.

use super::Error;
use crate::db::Db;
use crate::domain::activity::ActivityInput;
use crate::model::auth::SessionUser;
use crate::model::check_ins::ActivitySaved;
use crate::repo;
use chrono::{DateTime, Utc};

/// Stores `input` as `user`'s activity once: a resend answers with the stored one.
#[tracing::instrument(skip(db, user, input), fields(user = user.id, client_id = %input.client_id))]
pub async fn record(
    db: &Db,
    user: &SessionUser,
    input: &ActivityInput,
    now: DateTime<Utc>,
) -> Result<ActivitySaved, Error> {
    input.check(now)?;
    Ok(repo::activities::record(db, &user.scope(), user.id, input).await?)
}
