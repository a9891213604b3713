//! The change feed (issue 25): the records of one kind changed after a position, and the
//! tombstones of those that left the viewer's view, in one statement (one snapshot of the
//! database), through the one scoping rule.
//!
//! A change's position is its place in commit order. SQLite's writers take turns, so the number
//! a change gets when written is already that (`sync_seq`, a tombstone's `seq`); Postgres
//! places changes at commit, in `sync_log` and a tombstone's `pos` (migration `…24`).

use super::scope::{push_owner_filter, push_place_filter, push_target_filter};
use super::RepoError;
use crate::db::{sql, Db, Sql};
use crate::model::auth::SessionUser;
use crate::model::sync::{Change, ChangePage, Changes, Gone, Stamp, SyncEntity};
use chrono::{DateTime, SubsecRound, Utc};

#[derive(sqlx::FromRow)]
struct Entry {
    id: i64,
    seq: i64,
    pos: i64,
    at: DateTime<Utc>,
    reason: Option<String>,
}

/// The live part: the kind's table, aliased `x`, with its position `pos` after `after` and the
/// scope's condition.
fn push_live(qb: &mut Sql, db: &Db, user: &SessionUser, entity: SyncEntity, after: i64) {
    let scope = user.scope();
    let table = match entity {
        SyncEntity::Customer => "customers",
        SyncEntity::Opportunity => "opportunities",
        SyncEntity::Activity => "activities",
        SyncEntity::CheckIn => "check_ins",
        SyncEntity::Target => "targets",
    };
    let (from, pos) = match db {
        Db::Sqlite(..) => (format!("{table} x"), "x.sync_seq"),
        Db::Postgres(_) => (
            format!(
                "sync_log l JOIN {table} x ON x.id = l.entity_id AND l.entity = '{}'",
                entity.as_str()
            ),
            "l.seq",
        ),
    };
    qb.push(format!(
        "SELECT x.id, x.sync_seq AS seq, {pos} AS pos, x.changed_at AS at, \
         CAST(NULL AS TEXT) AS reason FROM {from} "
    ));
    match entity {
        SyncEntity::Target => {
            qb.push(
                "LEFT JOIN users au ON au.id = x.assignee_user_id \
                 JOIN org_units ap ON ap.id = COALESCE(x.assignee_unit_id, au.org_unit_id) WHERE ",
            );
            push_target_filter(qb, &scope, &user.unit_path, "ap.path", "x.assignee_user_id");
        }
        SyncEntity::Customer | SyncEntity::Opportunity => {
            qb.push("WHERE ");
            push_owner_filter(qb, &scope, "x.owner_id");
        }
        SyncEntity::Activity | SyncEntity::CheckIn => {
            qb.push("WHERE ");
            push_owner_filter(qb, &scope, "x.user_id");
        }
    }
    qb.push(format!(" AND {pos} > ")).push_bind(after);
}

/// One page of the changes to `entity` records `user` may see, after `changes.after`.
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn changes(
    db: &Db,
    user: &SessionUser,
    entity: SyncEntity,
    changes: &Changes,
) -> Result<ChangePage, RepoError> {
    // SQLite's clock stamps to the millisecond: a change in the same millisecond as `since`
    // counts as at or after it (a sync may start with a little more, never with less).
    let since = changes.since.map(|t| t.trunc_subsecs(3));
    let mut qb = sql("");
    push_live(&mut qb, db, user, entity, changes.after);
    if let Some(since) = since {
        qb.push(" AND x.changed_at >= ").push_bind(since);
    }
    let pos = match db {
        Db::Sqlite(..) => "ts.seq",
        Db::Postgres(_) => "ts.pos",
    };
    qb.push(format!(
        " UNION ALL SELECT ts.entity_id AS id, ts.seq, {pos} AS pos, ts.at, ts.reason \
         FROM tombstones ts WHERE ts.entity = "
    ))
    .push_bind(entity.as_str())
    .push(format!(" AND {pos} > "))
    .push_bind(changes.after);
    if let Some(since) = since {
        qb.push(" AND ts.at >= ").push_bind(since);
    }
    qb.push(" AND ");
    let scope = user.scope();
    match entity {
        // Targets: what the scope covers plus the targets of the units above the viewer.
        SyncEntity::Target => push_target_filter(
            &mut qb,
            &scope,
            &user.unit_path,
            "ts.unit_path",
            "ts.owner_id",
        ),
        _ => push_place_filter(&mut qb, &scope, "ts.owner_id", "ts.unit_path"),
    }
    qb.push(" ORDER BY pos LIMIT ").push_bind(changes.limit + 1);
    let rows: Vec<Entry> = qb.fetch_all(db).await?;
    let entries = rows
        .into_iter()
        .map(|e| match e.reason.as_deref() {
            None => Ok(Change::Changed {
                id: e.id,
                seq: e.seq,
                pos: e.pos,
            }),
            Some(reason) => Ok(Change::Gone {
                id: e.id,
                seq: e.seq,
                pos: e.pos,
                at: e.at,
                why: match reason {
                    "deleted" => Gone::Deleted,
                    "moved" => Gone::Moved,
                    other => {
                        return Err(RepoError::Corrupt(format!(
                            "tombstone {} has the reason {other}",
                            e.seq
                        )))
                    }
                },
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ChangePage::of(entries, changes.after, changes.limit))
}

/// Appends ` AND column IN (ids…)` (nothing matches an empty list).
pub fn push_ids(qb: &mut Sql, column: &str, ids: &[i64]) {
    qb.push(format!(" AND {column} IN ("))
        .push_list(ids.iter().copied())
        .push(")");
}

/// When each of the `entity` records `ids` last changed. Read after the records themselves:
/// a record changed in between then shows a newer number than its feed entry, and
/// [`ChangePage::holds`] leaves it for the page that holds that number.
pub async fn stamps(
    db: &Db,
    entity: SyncEntity,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Stamp>, RepoError> {
    let table = match entity {
        SyncEntity::Customer => "customers",
        SyncEntity::Opportunity => "opportunities",
        SyncEntity::Target => "targets",
        SyncEntity::Activity => "activities",
        SyncEntity::CheckIn => "check_ins",
    };
    let mut qb = sql(format!(
        "SELECT x.id, x.sync_seq, x.changed_at FROM {table} x WHERE 1 = 1"
    ));
    push_ids(&mut qb, "x.id", ids);
    let rows: Vec<(i64, i64, DateTime<Utc>)> = qb.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, seq, at)| (id, Stamp { seq, at }))
        .collect())
}
