//! The daily snapshot: every active target's actual, expected, forecast and status, stored
//! once per target and day — the history behind the charts and the daily digest — and the
//! customers flagged with a trend change that day.

use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::forecast::Health;
use crate::domain::turnover::Direction;
use crate::domain::Hundredths;
use crate::model::customers::CustomerList;
use crate::model::targets::{SnapshotPoint, TargetRow};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// Stores the snapshot of `day`: the active targets as they stood at the end of that day and
/// the customers flagged with a trend change, in one transaction. Storing the same day again
/// replaces that day's rows — still one row per target and day. Answers the number of targets
/// stored. (`service::snapshots::take` computes what goes in.)
#[tracing::instrument(skip(db, rows, flagged), err)]
pub async fn store(
    db: &Db,
    day: NaiveDate,
    rows: &[TargetRow],
    flagged: &CustomerList,
    now: DateTime<Utc>,
) -> Result<usize, RepoError> {
    let mut tx = db.begin_write().await?;
    for row in rows {
        let Some(outlook) = &row.outlook else {
            continue;
        };
        let band = outlook.band.as_ref();
        sql(
            "INSERT INTO target_snapshots (target_id, day, actual_hundredths, expected_hundredths, \
             projection_hundredths, p10_hundredths, p50_hundredths, p90_hundredths, p_hit_permille, \
             health, warning, taken_at, weighted_hundredths) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (target_id, day) DO UPDATE SET actual_hundredths = excluded.actual_hundredths, \
             weighted_hundredths = excluded.weighted_hundredths, \
             expected_hundredths = excluded.expected_hundredths, \
             projection_hundredths = excluded.projection_hundredths, \
             p10_hundredths = excluded.p10_hundredths, p50_hundredths = excluded.p50_hundredths, \
             p90_hundredths = excluded.p90_hundredths, p_hit_permille = excluded.p_hit_permille, \
             health = excluded.health, warning = excluded.warning, taken_at = excluded.taken_at",
        )
        .bind(row.id)
        .bind(day)
        .bind(Hundredths::from_decimal(row.actual))
        .bind(Hundredths::from_decimal(outlook.pace.expected))
        .bind(Hundredths::from_decimal(outlook.pace.projection))
        .bind(band.map(|b| Hundredths::from_decimal(b.p10)))
        .bind(band.map(|b| Hundredths::from_decimal(b.p50)))
        .bind(band.map(|b| Hundredths::from_decimal(b.p90)))
        .bind(band.map(|b| (b.p_hit * 1000.0).round().clamp(0.0, 1000.0) as i32))
        .bind(outlook.health.as_str())
        .bind(outlook.warning.as_deref())
        .bind(now)
        .bind(
            band.filter(|_| {
                matches!(
                    row.metric.forecast_method(),
                    crate::domain::metric::ForecastMethod::Pipeline
                )
            })
            .map(|b| Hundredths::from_decimal(b.weighted)),
        )
        .execute(&mut tx)
        .await?;
    }
    sql("DELETE FROM trend_flags WHERE day = $1")
        .bind(day)
        .execute(&mut tx)
        .await?;
    for chunk in flagged.customers.chunks(1_000) {
        let mut qb = sql("INSERT INTO trend_flags (day, customer_id, direction) ");
        qb.push_values(chunk, |row, c| {
            let direction = match c.trend.map(|t| t.direction) {
                Some(Direction::Down) => "down",
                _ => "up",
            };
            row.push_bind(day).push_bind(c.id).push_bind(direction);
        });
        qb.execute(&mut tx).await?;
    }
    let stored = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    sql(
        "INSERT INTO snapshot_runs (day, taken_at, targets) VALUES ($1, $2, $3) \
         ON CONFLICT (day) DO UPDATE SET taken_at = excluded.taken_at, targets = excluded.targets, \
         runs = snapshot_runs.runs + 1",
    )
    .bind(day)
    .bind(now)
    .bind(stored)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// How long a claim on a day's snapshot holds: an instance that died while taking it leaves
/// its claim, which another takes over after this long.
const CLAIM_HOLDS_MINUTES: i64 = 10;

/// Claims the taking of `day`'s snapshot for this instance: `false` when another instance
/// claimed it within the last [`CLAIM_HOLDS_MINUTES`].
#[tracing::instrument(skip(db), err)]
pub async fn claim(db: &Db, day: NaiveDate, now: DateTime<Utc>) -> Result<bool, RepoError> {
    let mut tx = db.begin_write().await?;
    let claimed: Option<(NaiveDate,)> = sql(
        "INSERT INTO snapshot_claims (day, claimed_at) VALUES ($1, $2) \
         ON CONFLICT (day) DO UPDATE SET claimed_at = excluded.claimed_at \
         WHERE snapshot_claims.claimed_at < $3 RETURNING day",
    )
    .bind(day)
    .bind(now)
    .bind(now - chrono::Duration::minutes(CLAIM_HOLDS_MINUTES))
    .fetch_optional(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(claimed.is_some())
}

/// Whether the snapshot of `day` has been taken.
#[tracing::instrument(skip(db), err)]
pub async fn taken(db: &Db, day: NaiveDate) -> Result<bool, RepoError> {
    let found: Option<(i64,)> =
        sql("SELECT CAST(targets AS BIGINT) FROM snapshot_runs WHERE day = $1")
            .bind(day)
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

/// The latest snapshot day before `day`: what "since yesterday" compares with (after a
/// weekend or a day the server was off, the last day there is).
#[tracing::instrument(skip(db), err)]
pub async fn previous_day(db: &Db, day: NaiveDate) -> Result<Option<NaiveDate>, RepoError> {
    let (found,): (Option<NaiveDate>,) = sql("SELECT MAX(day) FROM snapshot_runs WHERE day < $1")
        .bind(day)
        .fetch_one(db)
        .await?;
    Ok(found)
}

/// Each target's status on `day`, by target id.
#[tracing::instrument(skip(db), err)]
pub async fn health_on(db: &Db, day: NaiveDate) -> Result<HashMap<i64, Health>, RepoError> {
    let rows: Vec<(i64, String)> =
        sql("SELECT target_id, health FROM target_snapshots WHERE day = $1")
            .bind(day)
            .fetch_all(db)
            .await?;
    rows.into_iter()
        .map(|(id, h)| {
            Health::parse(&h)
                .map(|h| (id, h))
                .ok_or_else(|| RepoError::Corrupt(format!("snapshot of target {id}: health {h}")))
        })
        .collect()
}

type PointRow = (
    NaiveDate,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
);

/// A target's snapshots, oldest first.
#[tracing::instrument(skip(db), err)]
pub async fn history(db: &Db, target: i64) -> Result<Vec<SnapshotPoint>, RepoError> {
    let rows: Vec<PointRow> = sql(
        "SELECT day, actual_hundredths, expected_hundredths, p10_hundredths, p90_hundredths, \
         health, warning FROM target_snapshots WHERE target_id = $1 ORDER BY day",
    )
    .bind(target)
    .fetch_all(db)
    .await?;
    let d = |h: i64| Hundredths::from_raw(h).to_decimal();
    rows.into_iter()
        .map(|(day, actual, expected, p10, p90, health, warning)| {
            Ok(SnapshotPoint {
                day,
                actual: d(actual),
                expected: d(expected),
                p10: p10.map(d),
                p90: p90.map(d),
                health: Health::parse(&health).ok_or_else(|| {
                    RepoError::Corrupt(format!("snapshot of target {target}: health {health}"))
                })?,
                warning,
            })
        })
        .collect()
}
