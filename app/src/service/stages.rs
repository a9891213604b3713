//! The pipeline's stages: listed for everyone, changed by admins.

use super::{admin_only, Error};
use crate::db::Db;
use crate::domain::pipeline::StageInput;
use crate::domain::Stage;
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::pipeline::StageUsage;
use crate::repo;
use chrono::{DateTime, Utc};

/// The stages in board order.
#[tracing::instrument(skip(db))]
pub async fn list(db: &Db) -> Result<Vec<Stage>, Error> {
    Ok(repo::pipeline::stages(db).await?)
}

/// The stages with how many of the opportunities `user` may see each holds.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn usage(db: &Db, user: &SessionUser) -> Result<Vec<StageUsage>, Error> {
    Ok(repo::pipeline::stage_usage(db, &user.scope()).await?)
}

/// What admins only may change.
const STAGES: &str = "pipeline's stages";

/// Creates (`id` empty) or changes a stage (admins).
#[tracing::instrument(skip(db, admin, input), fields(admin = admin.id))]
pub async fn save(
    db: &Db,
    admin: &SessionUser,
    id: Option<i64>,
    input: &StageInput,
) -> Result<Stage, Error> {
    admin_only(admin, STAGES)?;
    let spec = input.parse()?;
    let stage = repo::pipeline::save_stage(db, id, &spec).await?;
    // The learned chances lean on the configured ones: the next forecast learns again.
    repo::calibration::forget(db).await?;
    Ok(stage)
}

/// Moves a stage one place earlier (`-1`) or later (`1`) (admins).
#[tracing::instrument(skip(db, admin), fields(admin = admin.id))]
pub async fn reorder(db: &Db, admin: &SessionUser, id: i64, direction: i32) -> Result<(), Error> {
    admin_only(admin, STAGES)?;
    if direction != -1 && direction != 1 {
        return Err(AppError::invalid("direction", "move a stage by -1 or 1").into());
    }
    Ok(repo::pipeline::reorder_stage(db, id, direction).await?)
}

/// Deletes a stage (admins), moving what it holds to `move_to` (each move recorded).
#[tracing::instrument(skip(db, admin), fields(admin = admin.id))]
pub async fn delete(
    db: &Db,
    admin: &SessionUser,
    id: i64,
    move_to: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    admin_only(admin, STAGES)?;
    repo::pipeline::delete_stage(db, id, move_to, admin.id, now).await?;
    repo::calibration::forget(db).await?;
    Ok(())
}
