//! Activities reps record (and other systems through the API): stored once per client id;
//! their next steps until they are done.

use super::scope::push_owner_filter;
use super::{Entity, RepoError, WriteError};
use crate::db::{sql, Db};
use crate::domain::activity::{ActivityInput, ActivityKind};
use crate::domain::Scope;
use crate::model::check_ins::ActivitySaved;
use crate::model::customers::NextStep;
use crate::model::sync::{ActivityRecord, RecordQuery};
use chrono::{DateTime, NaiveDate, Utc};

/// The activity `user_id` stored under `client_id`: client ids are each user's own.
async fn existing(db: &Db, user_id: i64, client_id: &str) -> Result<Option<i64>, RepoError> {
    let found: Option<(i64,)> =
        sql("SELECT id FROM activities WHERE user_id = $1 AND client_id = $2")
            .bind(user_id)
            .bind(client_id)
            .fetch_optional(db)
            .await?;
    Ok(found.map(|(id,)| id))
}

/// Stores `input` as `user_id`'s activity at a customer `scope` may see, once: a resend, or
/// a concurrent twin, answers with the stored one. An initial contact sets the customer's
/// first-contact date when it is earlier than the one on record.
#[tracing::instrument(skip(db, input), fields(client_id = %input.client_id))]
pub async fn record(
    db: &Db,
    scope: &Scope,
    user_id: i64,
    input: &ActivityInput,
) -> Result<ActivitySaved, WriteError> {
    if let Some(id) = existing(db, user_id, &input.client_id).await? {
        return Ok(ActivitySaved {
            id,
            duplicate: true,
        });
    }
    let mut tx = db.begin_write().await?;
    let mut qb = sql("SELECT c.id FROM customers c WHERE c.id = ");
    qb.push_bind(input.customer_id).push(" AND ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    let visible: Option<(i64,)> = qb.fetch_optional(&mut tx).await?;
    if visible.is_none() {
        return Err(WriteError::NotFound(Entity::Customer));
    }
    let row: Option<(i64,)> = sql(
        "INSERT INTO activities (kind, customer_id, user_id, occurred_at, notes, client_id, \
         outcome, next_step, next_step_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (user_id, client_id) DO NOTHING RETURNING id",
    )
    .bind(input.kind.as_str())
    .bind(input.customer_id)
    .bind(user_id)
    .bind(input.occurred_at)
    .bind(input.notes.trim())
    .bind(&input.client_id)
    .bind(input.outcome.map(|o| o.as_str()))
    .bind(input.next_step.trim())
    .bind(input.next_step_due)
    .fetch_optional(&mut tx)
    .await?;
    if row.is_some() && input.kind == ActivityKind::InitialContact {
        sql("UPDATE customers SET first_contact_on = $1 \
             WHERE id = $2 AND (first_contact_on IS NULL OR first_contact_on > $1)")
        .bind(input.occurred_at.date_naive())
        .bind(input.customer_id)
        .execute(&mut tx)
        .await?;
    }
    tx.commit().await?;
    let inserted = row.map(|(id,)| id);
    match inserted {
        Some(id) => Ok(ActivitySaved {
            id,
            duplicate: false,
        }),
        // A twin committed first: its activity stands.
        None => existing(db, user_id, &input.client_id)
            .await?
            .map(|id| ActivitySaved {
                id,
                duplicate: true,
            })
            .ok_or_else(|| {
                WriteError::Repo(RepoError::Corrupt(format!(
                    "activity {} conflicted but cannot be read",
                    input.client_id
                )))
            }),
    }
}

/// `user_id`'s next steps not yet done and due by `by` (overdue first), at customers `scope`
/// may see (one moved to another team drops out).
pub async fn next_steps_due(
    db: &Db,
    scope: &Scope,
    user_id: i64,
    by: NaiveDate,
) -> Result<Vec<NextStep>, RepoError> {
    let mut qb = sql(
        "SELECT a.id, a.customer_id, c.name AS customer, a.kind, a.next_step, a.next_step_due \
         FROM activities a JOIN customers c ON c.id = a.customer_id \
         WHERE a.next_step_done_at IS NULL AND a.next_step_due IS NOT NULL AND a.user_id = ",
    );
    qb.push_bind(user_id)
        .push(" AND a.next_step_due <= ")
        .push_bind(by)
        .push(" AND ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    qb.push(" ORDER BY a.next_step_due, a.id LIMIT 100");
    Ok(qb.fetch_all(db).await?)
}

/// Ticks off `user_id`'s next step on activity `id`; false when there is no such open step
/// of theirs (someone else's, or done before).
pub async fn complete_next_step(
    db: &Db,
    user_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let done = sql(
        "UPDATE activities SET next_step_done_at = $1 WHERE id = $2 AND user_id = $3 \
         AND next_step_due IS NOT NULL AND next_step_done_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done == 1)
}

/// The day of `user_id`'s activity `id` whose next step is still open; `None` when there is no
/// such open step of theirs.
pub async fn open_next_step(
    db: &Db,
    user_id: i64,
    id: i64,
) -> Result<Option<NaiveDate>, RepoError> {
    let row: Option<(DateTime<Utc>,)> = sql(
        "SELECT occurred_at FROM activities WHERE id = $1 AND user_id = $2 \
         AND next_step_due IS NOT NULL AND next_step_done_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(at,)| at.date_naive()))
}

/// Moves `user_id`'s open next step on activity `id` to `due`; false when there is no such
/// open step of theirs (any more).
pub async fn move_next_step(
    db: &Db,
    user_id: i64,
    id: i64,
    due: NaiveDate,
) -> Result<bool, RepoError> {
    let moved = sql(
        "UPDATE activities SET next_step_due = $1 WHERE id = $2 AND user_id = $3 \
         AND next_step_due IS NOT NULL AND next_step_done_at IS NULL",
    )
    .bind(due)
    .bind(id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(moved == 1)
}

#[derive(sqlx::FromRow)]
struct KeysRow {
    id: i64,
    customer_id: i64,
    kind: String,
    occurred_at: DateTime<Utc>,
    notes: String,
    outcome: Option<String>,
    next_step: String,
    next_step_due: Option<NaiveDate>,
}

/// What `user_id`'s activity under `client_id` was stored with, and its id (issue 25: a
/// resend is compared with it).
pub async fn stored_keys(
    db: &Db,
    user_id: i64,
    client_id: &str,
) -> Result<Option<(i64, crate::model::check_ins::ActivityKeys)>, RepoError> {
    let row: Option<KeysRow> = sql(
        "SELECT id, customer_id, kind, occurred_at, notes, outcome, next_step, next_step_due \
         FROM activities WHERE user_id = $1 AND client_id = $2",
    )
    .bind(user_id)
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        (
            r.id,
            crate::model::check_ins::ActivityKeys {
                customer_id: r.customer_id,
                kind: r.kind,
                occurred_at: r.occurred_at,
                notes: r.notes,
                outcome: r.outcome,
                next_step: r.next_step,
                next_step_due: r.next_step_due,
            },
        )
    }))
}

/// The activities `query` asks for, of authors `scope` covers, by id.
#[tracing::instrument(skip(db), err)]
pub async fn records(
    db: &Db,
    scope: &Scope,
    query: &RecordQuery,
) -> Result<Vec<ActivityRecord>, RepoError> {
    // Who recorded it decides who sees it (as on the customer page); the customer's name only
    // shows to who may still see the customer.
    let mut qb = sql("SELECT a.id, a.client_id, a.kind, a.customer_id, CASE WHEN ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    qb.push(
        " THEN c.name END AS customer_name, a.user_id, \
         u.name AS user_name, a.occurred_at, a.notes, a.planned, a.outcome, a.next_step, \
         a.next_step_due, a.next_step_done_at, a.sync_seq, a.changed_at \
         FROM activities a JOIN users u ON u.id = a.user_id \
         JOIN customers c ON c.id = a.customer_id WHERE ",
    );
    push_owner_filter(&mut qb, scope, "a.user_id");
    push_record_query(&mut qb, query, "a", "a.occurred_at");
    Ok(qb.fetch_all(db).await?)
}

/// The filters, order and window of a [`RecordQuery`] over the table aliased `alias`, whose
/// records happened at `time_column`.
pub fn push_record_query(
    qb: &mut crate::db::Sql,
    query: &RecordQuery,
    alias: &'static str,
    time_column: &'static str,
) {
    if let Some(ids) = &query.ids {
        super::sync::push_ids(qb, &format!("{alias}.id"), ids);
    }
    if let Some(customer) = query.customer {
        qb.push(format!(" AND {alias}.customer_id = "))
            .push_bind(customer);
    }
    if let Some(owner) = query.owner {
        qb.push(format!(" AND {alias}.user_id = ")).push_bind(owner);
    }
    if let Some(from) = query.from {
        qb.push(format!(" AND {time_column} >= ")).push_bind(from);
    }
    if let Some(until) = query.until {
        qb.push(format!(" AND {time_column} < ")).push_bind(until);
    }
    qb.push(format!(" ORDER BY {alias}.id LIMIT "))
        .push_bind(query.limit)
        .push(" OFFSET ")
        .push_bind(query.offset);
}
