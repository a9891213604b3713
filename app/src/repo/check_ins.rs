//! Check-ins: stored exactly once per client id, each one a visit (and, at a customer nobody
//! has contacted before, an initial contact), read back for the rep's phone and the manager's
//! list and map.

use super::scope::{push_owner_filter, push_unit_filter};
use super::{Entity, RepoError, WriteError};
use crate::db::{sql, Db};
use crate::domain::check_in::{
    CheckInInput, CheckOutInput, CheckedCheckIn, Outcome, Position, Verification, DEFAULT_RADIUS_M,
};
use crate::domain::Scope;
use crate::model::check_ins::{CheckInCustomer, CheckInRow, CheckInSaved};
use crate::model::sync::RecordQuery;
use chrono::{DateTime, Utc};

/// Customers `scope` may check in at, by name, with where they are.
#[tracing::instrument(skip(db), err)]
pub async fn customers(db: &Db, scope: &Scope) -> Result<Vec<CheckInCustomer>, RepoError> {
    type Row = (
        i64,
        String,
        Option<String>,
        Option<f64>,
        Option<f64>,
        Option<i32>,
    );
    let mut qb =
        sql("SELECT c.id, c.name, c.city, c.lat, c.lon, c.visit_radius_m FROM customers c WHERE ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    qb.push(" ORDER BY c.name, c.id");
    let rows: Vec<Row> = qb.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, city, lat, lon, radius)| CheckInCustomer {
            id,
            name,
            city,
            location: lat.zip(lon),
            radius_m: radius.map_or(DEFAULT_RADIUS_M, f64::from),
        })
        .collect())
}

/// A stored check-in as [`SELECT_ROW`] reads it.
#[derive(sqlx::FromRow)]
struct StoredRow {
    id: i64,
    client_id: String,
    user_id: i64,
    user_name: String,
    customer_id: i64,
    customer_name: String,
    device_time: DateTime<Utc>,
    received_at: DateTime<Utc>,
    lat: Option<f64>,
    lon: Option<f64>,
    accuracy_m: Option<f64>,
    distance_m: Option<f64>,
    verification: String,
    reason: Option<String>,
    outcome: Option<String>,
    notes: String,
    next_step: String,
    checked_out_at: Option<DateTime<Utc>>,
    customer_lat: Option<f64>,
    customer_lon: Option<f64>,
}

const SELECT_ROW: &str = "SELECT ci.id, ci.client_id, ci.user_id, u.name AS user_name, ci.customer_id, \
     c.name AS customer_name, ci.device_time, ci.received_at, ci.lat, ci.lon, ci.accuracy_m, \
     ci.distance_m, ci.verification, ci.reason, ci.outcome, ci.notes, ci.next_step, ci.checked_out_at, \
     c.lat AS customer_lat, c.lon AS customer_lon \
     FROM check_ins ci JOIN users u ON u.id = ci.user_id JOIN customers c ON c.id = ci.customer_id ";

fn to_row(r: StoredRow) -> Result<CheckInRow, RepoError> {
    let id = r.id;
    let verification = match (r.verification.as_str(), r.distance_m) {
        ("verified", Some(distance_m)) => Verification::Verified { distance_m },
        ("outside", Some(distance_m)) => Verification::Outside { distance_m },
        ("unverified", _) => Verification::Unverified {
            reason: r
                .reason
                .unwrap_or_else(|| "no location from the phone".into()),
        },
        (other, _) => {
            return Err(RepoError::Corrupt(format!(
                "check-in {id}: verification {other:?} without its distance"
            )))
        }
    };
    let outcome =
        match r.outcome {
            Some(o) => Some(Outcome::parse(&o).ok_or_else(|| {
                RepoError::Corrupt(format!("check-in {id}: unknown outcome {o:?}"))
            })?),
            None => None,
        };
    let position = match (r.lat, r.lon, r.accuracy_m) {
        (Some(lat), Some(lon), Some(accuracy_m)) => Some(Position {
            lat,
            lon,
            accuracy_m,
        }),
        _ => None,
    };
    Ok(CheckInRow {
        id,
        client_id: r.client_id,
        user_id: r.user_id,
        user_name: r.user_name,
        customer_id: r.customer_id,
        customer_name: r.customer_name,
        device_time: r.device_time,
        received_at: r.received_at,
        position,
        customer_location: r.customer_lat.zip(r.customer_lon),
        verification,
        outcome,
        notes: r.notes,
        next_step: r.next_step,
        checked_out_at: r.checked_out_at,
    })
}

/// A customer's latitude, longitude, own radius and first contact.
type CustomerPlace = (
    Option<f64>,
    Option<f64>,
    Option<i32>,
    Option<chrono::NaiveDate>,
);

/// Stores a check-in by `user_id` at a customer `scope` may see, with its visit, in one
/// transaction. The same client id sent again (even concurrently: callers look for it with
/// [`existing`] first) stores nothing and answers with the check-in already stored. A customer that is not visible is refused as not found.
#[tracing::instrument(skip(db, input, checked), fields(client_id = %input.client_id))]
pub async fn record(
    db: &Db,
    scope: &Scope,
    user_id: i64,
    input: &CheckInInput,
    checked: &CheckedCheckIn,
    received_at: DateTime<Utc>,
) -> Result<CheckInSaved, WriteError> {
    let (client_id, customer_id, device_time) = (
        input.client_id.as_str(),
        input.customer_id,
        input.device_time,
    );
    let mut tx = db.begin_write().await?;
    let mut qb = sql(
        "SELECT c.lat, c.lon, c.visit_radius_m, c.first_contact_on FROM customers c WHERE c.id = ",
    );
    qb.push_bind(customer_id).push(" AND ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    // Two first visits at the same customer at once: one of them is the initial contact.
    qb.push(tx.lock_row());
    let customer: Option<CustomerPlace> = qb.fetch_optional(&mut tx).await?;
    let Some((lat, lon, radius, first_contact_on)) = customer else {
        return Err(WriteError::NotFound(Entity::Customer));
    };
    let verification = Verification::of(
        checked.position,
        checked.location_error.as_deref(),
        lat.zip(lon),
        radius.map_or(DEFAULT_RADIUS_M, f64::from),
    );
    let (activity_id,): (i64,) = sql(
        "INSERT INTO activities (kind, customer_id, user_id, occurred_at, notes) \
         VALUES ('visit', $1, $2, $3, '') RETURNING id",
    )
    .bind(customer_id)
    .bind(user_id)
    .bind(device_time)
    .fetch_one(&mut tx)
    .await?;
    let (distance_m, reason) = verification.columns();
    let p = checked.position;
    let inserted: Option<(i64,)> = sql(
        "INSERT INTO check_ins (client_id, user_id, customer_id, activity_id, device_time, \
         received_at, lat, lon, accuracy_m, distance_m, verification, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (user_id, client_id) DO NOTHING RETURNING id",
    )
    .bind(client_id)
    .bind(user_id)
    .bind(customer_id)
    .bind(activity_id)
    .bind(device_time)
    .bind(received_at)
    .bind(p.map(|p| p.lat))
    .bind(p.map(|p| p.lon))
    .bind(p.map(|p| p.accuracy_m))
    .bind(distance_m)
    .bind(verification.as_str())
    .bind(reason)
    .fetch_optional(&mut tx)
    .await?;
    let Some((id,)) = inserted else {
        // Another request with this id committed first: its check-in stands, this
        // transaction (and its visit) is rolled back.
        tx.rollback().await?;
        return existing(db, user_id, client_id).await?.ok_or_else(|| {
            WriteError::Repo(RepoError::Corrupt(format!(
                "check-in {client_id} conflicted but cannot be read"
            )))
        });
    };
    // The first visit at a customer nobody has contacted before is also the initial contact.
    let day = device_time.date_naive();
    let contacted_before = first_contact_on.is_some_and(|d| d <= day) || {
        let (n,): (i64,) = sql(
            "SELECT COUNT(*) FROM activities WHERE customer_id = $1 AND NOT planned \
             AND id <> $2 AND occurred_at <= $3",
        )
        .bind(customer_id)
        .bind(activity_id)
        .bind(device_time)
        .fetch_one(&mut tx)
        .await?;
        n > 0
    };
    if !contacted_before {
        sql(
            "INSERT INTO activities (kind, customer_id, user_id, occurred_at, notes) \
             VALUES ('initial_contact', $1, $2, $3, 'First contact: checked in on site.')",
        )
        .bind(customer_id)
        .bind(user_id)
        .bind(device_time)
        .execute(&mut tx)
        .await?;
        sql("UPDATE customers SET first_contact_on = $1 \
             WHERE id = $2 AND (first_contact_on IS NULL OR first_contact_on > $1)")
        .bind(day)
        .bind(customer_id)
        .execute(&mut tx)
        .await?;
    }
    tx.commit().await?;
    Ok(CheckInSaved {
        id,
        client_id: client_id.to_string(),
        verification,
        initial_contact: !contacted_before,
        duplicate: false,
    })
}

/// `user_id`'s check-in stored under `client_id` (client ids are each user's own), answered
/// as a duplicate.
pub async fn existing(
    db: &Db,
    user_id: i64,
    client_id: &str,
) -> Result<Option<CheckInSaved>, WriteError> {
    let row: Option<StoredRow> = sql(format!(
        "{SELECT_ROW} WHERE ci.user_id = $1 AND ci.client_id = $2"
    ))
    .bind(user_id)
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let row = to_row(row)?;
    let (initial,): (i64,) = sql(
        "SELECT COUNT(*) FROM activities WHERE kind = 'initial_contact' AND customer_id = $1 \
         AND user_id = $2 AND occurred_at = $3",
    )
    .bind(row.customer_id)
    .bind(user_id)
    .bind(row.device_time)
    .fetch_one(db)
    .await?;
    Ok(Some(CheckInSaved {
        id: row.id,
        client_id: row.client_id,
        verification: row.verification,
        initial_contact: initial > 0,
        duplicate: true,
    }))
}

/// Records the end of `user_id`'s visit: outcome, notes, next step; the first check-out time
/// stands when it is sent again. The visit's activity gets the notes.
#[tracing::instrument(skip(db, input))]
pub async fn check_out(
    db: &Db,
    user_id: i64,
    input: &CheckOutInput,
    received_at: DateTime<Utc>,
) -> Result<(), WriteError> {
    let mut tx = db.begin_write().await?;
    let found: Option<(i64, DateTime<Utc>)> =
        sql("SELECT activity_id, device_time FROM check_ins WHERE user_id = $1 AND client_id = $2")
            .bind(user_id)
            .bind(&input.client_id)
            .fetch_optional(&mut tx)
            .await?;
    let Some((activity_id, checked_in)) = found else {
        return Err(WriteError::NotFound(Entity::CheckIn));
    };
    input.check(checked_in, received_at)?;
    let notes = input.notes.trim();
    let next_step = input.next_step.trim();
    sql(
        "UPDATE check_ins SET outcome = $1, notes = $2, next_step = $3, \
         checked_out_at = COALESCE(checked_out_at, $4) WHERE user_id = $5 AND client_id = $6",
    )
    .bind(input.outcome.map(Outcome::as_str))
    .bind(notes)
    .bind(next_step)
    .bind(input.device_time)
    .bind(user_id)
    .bind(&input.client_id)
    .execute(&mut tx)
    .await?;
    let mut activity_notes = input
        .outcome
        .map(|o| format!("{}.", o.label()))
        .unwrap_or_default();
    for part in [notes, next_step] {
        if !part.is_empty() {
            if !activity_notes.is_empty() {
                activity_notes.push(' ');
            }
            activity_notes.push_str(part);
        }
    }
    sql("UPDATE activities SET notes = $1 WHERE id = $2")
        .bind(activity_notes)
        .bind(activity_id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Check-ins whose visit began in `[from, until)`, of users `scope` covers (narrowed to the
/// unit `unit_id` when given), newest first.
#[tracing::instrument(skip(db), err)]
pub async fn list(
    db: &Db,
    scope: &Scope,
    unit_id: Option<i64>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<CheckInRow>, RepoError> {
    let mut qb = sql(SELECT_ROW);
    qb.push(" WHERE ci.device_time >= ")
        .push_bind(from)
        .push(" AND ci.device_time < ")
        .push_bind(until)
        .push(" AND ");
    push_owner_filter(&mut qb, scope, "ci.user_id");
    if let Some(unit) = unit_id {
        qb.push(" AND ");
        push_unit_filter(&mut qb, unit, "ci.user_id");
    }
    qb.push(" ORDER BY ci.device_time DESC, ci.id DESC");
    let rows: Vec<StoredRow> = qb.fetch_all(db).await?;
    rows.into_iter().map(to_row).collect()
}

/// What `user_id`'s check-in under `client_id` was stored with, and its id (issue 25: a
/// resend is compared with it).
pub async fn stored_keys(
    db: &Db,
    user_id: i64,
    client_id: &str,
) -> Result<Option<(i64, crate::model::check_ins::CheckInKeys)>, RepoError> {
    type Row = (
        i64,
        i64,
        DateTime<Utc>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    );
    let row: Option<Row> = sql(
        "SELECT id, customer_id, device_time, lat, lon, accuracy_m FROM check_ins \
         WHERE user_id = $1 AND client_id = $2",
    )
    .bind(user_id)
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    Ok(
        row.map(|(id, customer_id, device_time, lat, lon, accuracy_m)| {
            (
                id,
                crate::model::check_ins::CheckInKeys {
                    customer_id,
                    device_time,
                    lat,
                    lon,
                    accuracy_m,
                },
            )
        }),
    )
}

/// The check-ins `query` asks for, of users `scope` covers, by id.
#[tracing::instrument(skip(db), err)]
pub async fn records(
    db: &Db,
    scope: &Scope,
    query: &RecordQuery,
) -> Result<Vec<CheckInRow>, RepoError> {
    let mut qb = sql(SELECT_ROW);
    qb.push(" WHERE ");
    push_owner_filter(&mut qb, scope, "ci.user_id");
    super::activities::push_record_query(&mut qb, query, "ci", "ci.device_time");
    let rows: Vec<StoredRow> = qb.fetch_all(db).await?;
    // The customer's name only shows to who may still see the customer (empty otherwise).
    let customers: Vec<i64> = rows.iter().map(|r| r.customer_id).collect();
    let mut visible = sql("SELECT c.id FROM customers c WHERE ");
    push_owner_filter(&mut visible, scope, "c.owner_id");
    super::sync::push_ids(&mut visible, "c.id", &customers);
    let visible: std::collections::HashSet<i64> = visible
        .fetch_all::<(i64,)>(db)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect();
    rows.into_iter()
        .map(|mut r| {
            if !visible.contains(&r.customer_id) {
                r.customer_name = String::new();
            }
            to_row(r)
        })
        .collect()
}
