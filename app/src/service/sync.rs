//! The change feed an integrator syncs by (issue 25): see [`crate::model::sync`].

use super::Error;
use crate::db::Db;
use crate::model::auth::SessionUser;
use crate::model::sync::{ChangePage, Changes, Stamp, SyncEntity};
use crate::repo;
use std::collections::HashMap;

/// One page of the changes to `entity` records `user` may see.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn changes(
    db: &Db,
    user: &SessionUser,
    entity: SyncEntity,
    changes: &Changes,
) -> Result<ChangePage, Error> {
    Ok(repo::sync::changes(db, user, entity, changes).await?)
}

/// When the records `ids` last changed; read after the records (see [`repo::sync::stamps`]).
/// It names ids the caller has already read through the scope, and returns nothing else.
pub async fn stamps(
    db: &Db,
    entity: SyncEntity,
    ids: &[i64],
) -> Result<HashMap<i64, Stamp>, Error> {
    Ok(repo::sync::stamps(db, entity, ids).await?)
}
