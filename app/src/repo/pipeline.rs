//! Stages of the pipeline. Pacer has one pipeline per company (the first one); stages are
//! archived rather than deleted so every opportunity's history keeps their names.

use super::scope::push_owner_filter;
use super::{Entity, RepoError, WriteError};
use crate::db::{sql, Db, On, Tx};
use crate::domain::pipeline::{check_stage_kinds, StageRule, StageSpec};
use crate::domain::{Probability, Scope, Stage, StageKind};
use crate::model::pipeline::StageUsage;
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct StageRow {
    id: i64,
    name: String,
    position: i32,
    probability: i32,
    rotting_days: Option<i32>,
    kind: String,
}

impl TryFrom<StageRow> for Stage {
    type Error = RepoError;
    fn try_from(row: StageRow) -> Result<Self, Self::Error> {
        Ok(Stage {
            id: row.id,
            name: row.name,
            position: row.position,
            probability: Probability::parse(i64::from(row.probability))
                .map_err(|e| RepoError::Corrupt(e.to_string()))?,
            rotting_days: row.rotting_days,
            kind: StageKind::parse(&row.kind)
                .ok_or_else(|| RepoError::Corrupt(format!("stage kind {}", row.kind)))?,
        })
    }
}

const STAGE_SELECT: &str = "SELECT id, name, position, probability, rotting_days, kind FROM stages";
const DEFAULT_PIPELINE: &str = "(SELECT MIN(id) FROM pipelines)";

/// The active stages of the pipeline in board order, read through `on` (the database or a
/// transaction).
async fn active_stages<'a>(on: impl Into<On<'a>>) -> Result<Vec<Stage>, RepoError> {
    let rows: Vec<StageRow> = sql(format!(
        "{STAGE_SELECT} WHERE pipeline_id = {DEFAULT_PIPELINE} AND archived_at IS NULL ORDER BY position"
    ))
    .fetch_all(on)
    .await?;
    rows.into_iter().map(Stage::try_from).collect()
}

/// How many opportunities sit in stage `id`.
async fn held_by(tx: &mut Tx, id: i64) -> Result<i64, sqlx::Error> {
    let (held,): (i64,) = sql("SELECT COUNT(*) FROM opportunities WHERE stage_id = $1")
        .bind(id)
        .fetch_one(tx)
        .await?;
    Ok(held)
}

/// The active stages of the pipeline, in board order.
#[tracing::instrument(skip(db), err)]
pub async fn stages(db: &Db) -> Result<Vec<Stage>, RepoError> {
    active_stages(db).await
}

/// An active stage by id.
#[tracing::instrument(skip(db), err)]
pub async fn find_stage(db: &Db, id: i64) -> Result<Option<Stage>, RepoError> {
    let row: Option<StageRow> = sql(format!(
        "{STAGE_SELECT} WHERE id = $1 AND archived_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(Stage::try_from).transpose()
}

#[tracing::instrument(skip(db), err)]
pub async fn stage_usage(db: &Db, scope: &Scope) -> Result<Vec<StageUsage>, RepoError> {
    let mut qb = sql("SELECT o.stage_id, COUNT(*) FROM opportunities o WHERE ");
    push_owner_filter(&mut qb, scope, "o.owner_id");
    qb.push(" GROUP BY o.stage_id");
    let counts: Vec<(i64, i64)> = qb.fetch_all(db).await?;
    Ok(stages(db)
        .await?
        .into_iter()
        .map(|stage| StageUsage {
            opportunities: counts
                .iter()
                .find(|(id, _)| *id == stage.id)
                .map_or(0, |(_, n)| *n),
            stage,
        })
        .collect())
}

/// Creates a stage (`id` none) or changes one. A new open stage goes just before the first
/// won or lost stage; a new won or lost stage goes at the end.
#[tracing::instrument(skip(db))]
pub async fn save_stage(db: &Db, id: Option<i64>, spec: &StageSpec) -> Result<Stage, WriteError> {
    let mut tx = db.begin_write().await?;
    let current = active_stages(&mut tx).await?;
    if current
        .iter()
        .any(|s| Some(s.id) != id && s.name.eq_ignore_ascii_case(&spec.name))
    {
        return Err(StageRule::DuplicateName(spec.name.clone()).into());
    }
    let saved_id = match id {
        Some(id) => {
            let Some(existing) = current.iter().find(|s| s.id == id) else {
                return Err(WriteError::NotFound(Entity::Stage));
            };
            if existing.kind != spec.kind {
                let held = held_by(&mut tx, id).await?;
                if held > 0 {
                    let kind = spec.kind;
                    return Err(StageRule::HeldKindChange { held, kind }.into());
                }
                check_stage_kinds(
                    current
                        .iter()
                        .map(|s| if s.id == id { spec.kind } else { s.kind }),
                )
                .map_err(StageRule::KindChangeLeaves)?;
            }
            sql(
                "UPDATE stages SET name = $1, probability = $2, rotting_days = $3, kind = $4 \
                 WHERE id = $5",
            )
            .bind(&spec.name)
            .bind(i32::from(spec.probability.percent()))
            .bind(spec.rotting_days)
            .bind(spec.kind.as_str())
            .bind(id)
            .execute(&mut tx)
            .await?;
            id
        }
        None => {
            let (new_id,): (i64,) = sql(format!(
                "INSERT INTO stages (pipeline_id, name, position, probability, rotting_days, kind) \
                 VALUES ({DEFAULT_PIPELINE}, $1, -1000000 - (SELECT COUNT(*) FROM stages), $2, $3, $4) RETURNING id"
            ))
            .bind(&spec.name)
            .bind(i32::from(spec.probability.percent()))
            .bind(spec.rotting_days)
            .bind(spec.kind.as_str())
            .fetch_one(&mut tx)
            .await?;
            let mut order: Vec<i64> = current.iter().map(|s| s.id).collect();
            let at = if spec.kind == StageKind::Open {
                current
                    .iter()
                    .position(|s| s.kind.is_closed())
                    .unwrap_or(order.len())
            } else {
                order.len()
            };
            order.insert(at, new_id);
            // First to positions nothing else uses, then to 1..n: the unique
            // (pipeline, position) holds after every statement.
            for temporary in [true, false] {
                for (index, stage_id) in order.iter().enumerate() {
                    let index = i32::try_from(index).unwrap_or(i32::MAX - 1);
                    let position = if temporary {
                        -2_000_000 - index
                    } else {
                        index + 1
                    };
                    sql("UPDATE stages SET position = $1 WHERE id = $2")
                        .bind(position)
                        .bind(stage_id)
                        .execute(&mut tx)
                        .await?;
                }
            }
            new_id
        }
    };
    tx.commit().await?;
    find_stage(db, saved_id)
        .await?
        .ok_or_else(|| RepoError::Corrupt(format!("stage {saved_id} vanished after saving")).into())
}

/// Swaps a stage with its neighbour in `direction` (-1 earlier, 1 later).
#[tracing::instrument(skip(db))]
pub async fn reorder_stage(db: &Db, id: i64, direction: i32) -> Result<(), WriteError> {
    let mut tx = db.begin_write().await?;
    let order: Vec<(i64, i32)> = sql(format!(
        "SELECT id, position FROM stages WHERE pipeline_id = {DEFAULT_PIPELINE} AND archived_at IS NULL ORDER BY position"
    ))
    .fetch_all(&mut tx)
    .await?;
    let Some(index) = order.iter().position(|(sid, _)| *sid == id) else {
        return Err(WriteError::NotFound(Entity::Stage));
    };
    let Some(other) = index
        .checked_add_signed(direction as isize)
        .and_then(|i| order.get(i))
    else {
        return Err(if direction < 0 {
            StageRule::AlreadyFirst
        } else {
            StageRule::AlreadyLast
        }
        .into());
    };
    let (this, this_position) = order[index];
    let (other, other_position) = *other;
    // Through a free position, so the unique (pipeline, position) holds at every step.
    for (stage, position) in [
        (this, i32::MIN),
        (other, this_position),
        (this, other_position),
    ] {
        sql("UPDATE stages SET position = $1 WHERE id = $2")
            .bind(position)
            .bind(stage)
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Archives a stage. Opportunities in it move to `move_to` (a stage of the same kind), each
/// move recorded in their history; without `move_to` a stage that holds any is refused.
#[tracing::instrument(skip(db))]
pub async fn delete_stage(
    db: &Db,
    id: i64,
    move_to: Option<i64>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let mut tx = db.begin_write().await?;
    let current = active_stages(&mut tx).await?;
    let Some(stage) = current.iter().find(|s| s.id == id) else {
        return Err(WriteError::NotFound(Entity::Stage));
    };
    check_stage_kinds(current.iter().filter(|s| s.id != id).map(|s| s.kind)).map_err(
        |missing| StageRule::DeleteLeaves {
            name: stage.name.clone(),
            missing,
        },
    )?;
    let held = held_by(&mut tx, id).await?;
    if held > 0 {
        let Some(target) = move_to else {
            let name = stage.name.clone();
            return Err(StageRule::NeedsDestination { held, name }.into());
        };
        let Some(target) = current.iter().find(|s| s.id == target && s.id != id) else {
            return Err(StageRule::UnknownDestination.into());
        };
        if target.kind != stage.kind {
            let (name, kind) = (stage.name.clone(), stage.kind);
            return Err(StageRule::DestinationKind { name, kind }.into());
        }
        sql(
            "INSERT INTO stage_changes (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by) \
             SELECT id, stage_id, $1, $2, $3 FROM opportunities WHERE stage_id = $4",
        )
        .bind(target.id)
        .bind(now)
        .bind(by)
        .bind(id)
        .execute(&mut tx)
        .await?;
        sql(
            "UPDATE opportunities SET stage_id = $1, stage_entered_at = $2, updated_at = $2, \
             updated_by = $3, probability = NULL, version = version + 1 WHERE stage_id = $4",
        )
        .bind(target.id)
        .bind(now)
        .bind(by)
        .bind(id)
        .execute(&mut tx)
        .await?;
    }
    sql("UPDATE stages SET archived_at = $1, position = -id WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
