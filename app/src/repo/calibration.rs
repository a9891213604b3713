//! The history the forecast learns from, and what it learned (`domain::calibration`): learned
//! once a day (with the daily snapshot, or by the first forecast of a day that has none) and
//! stored, so every screen and every instance uses the same numbers that day.

use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::calibration::{learn, Calibration, Closed, DealHistory, StageEntry};
use crate::domain::Stage;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// The calibration learned on `today`, learning and storing it first if nobody has yet.
#[tracing::instrument(skip(db), err)]
pub async fn current(db: &Db, today: NaiveDate) -> Result<Calibration, RepoError> {
    if let Some(stored) = stored(db, today).await? {
        return Ok(stored);
    }
    relearn(db, today, false).await
}

/// What was learned on `day`, if it was.
pub async fn stored(db: &Db, day: NaiveDate) -> Result<Option<Calibration>, RepoError> {
    let row: Option<(String,)> = sql("SELECT body FROM calibrations WHERE as_of = $1")
        .bind(day)
        .fetch_optional(db)
        .await?;
    row.map(|(body,)| {
        serde_json::from_str(&body)
            .map_err(|e| RepoError::Corrupt(format!("calibration of {day}: {e}")))
    })
    .transpose()
}

/// Learns from the whole history as of `today` and stores the result. Without `replace`
/// the first one stored for a day stays (two instances learning at once store one); with
/// it (an admin asked, after importing history) the new one replaces it.
#[tracing::instrument(skip(db), err)]
pub async fn relearn(db: &Db, today: NaiveDate, replace: bool) -> Result<Calibration, RepoError> {
    let stages = super::pipeline::stages(db).await?;
    let calibration = learn_now(db, &stages, today).await?;
    let body = serde_json::to_string(&calibration)
        .map_err(|e| RepoError::Corrupt(format!("calibration: {e}")))?;
    let on_conflict = if replace {
        "DO UPDATE SET body = excluded.body, computed_at = excluded.computed_at"
    } else {
        "DO NOTHING"
    };
    let mut tx = db.begin_write().await?;
    sql(format!(
        "INSERT INTO calibrations (as_of, body, computed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (as_of) {on_conflict}"
    ))
    .bind(today)
    .bind(body)
    .bind(Utc::now())
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(stored(db, today).await?.unwrap_or(calibration))
}

/// Forgets what was learned (a stage's settings changed): the next forecast learns again.
#[tracing::instrument(skip(db), err)]
pub async fn forget(db: &Db) -> Result<(), RepoError> {
    let mut tx = db.begin_write().await?;
    sql("DELETE FROM calibrations").execute(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Learns as of `today` without storing (the backfill of past days, the page's "as of").
pub async fn learn_now(
    db: &Db,
    stages: &[Stage],
    today: NaiveDate,
) -> Result<Calibration, RepoError> {
    let history = history(db).await?;
    let stages = stages.to_vec();
    // Seconds of arithmetic for a large history: off the async workers.
    tokio::task::spawn_blocking(move || learn(&history, &stages, today))
        .await
        .map_err(|e| RepoError::Corrupt(format!("learning the calibration stopped: {e}")))
}

type DealRow = (
    i64,
    i64,
    i64,
    DateTime<Utc>,
    Option<NaiveDate>,
    String,
    NaiveDate,
);

/// Every opportunity with its moves through the open stages and its close dates over time.
#[tracing::instrument(skip(db), err)]
pub async fn history(db: &Db) -> Result<Vec<DealHistory>, RepoError> {
    let deals: Vec<DealRow> = sql(
        "SELECT o.id, o.owner_id, o.value_minor, o.created_at, o.closed_on, s.kind, \
         o.expected_close_on FROM opportunities o JOIN stages s ON s.id = o.stage_id ORDER BY o.id",
    )
    .fetch_all(db)
    .await?;
    let mut by_id: HashMap<i64, DealHistory> = HashMap::with_capacity(deals.len());
    let mut order = Vec::with_capacity(deals.len());
    for (id, owner, value, created_at, closed_on, kind, due) in deals {
        let created_on = created_at.date_naive();
        let closed = match kind.as_str() {
            "won" | "lost" => Some(Closed {
                on: closed_on.unwrap_or(created_on),
                won: kind == "won",
            }),
            _ => None,
        };
        order.push(id);
        by_id.insert(
            id,
            DealHistory {
                owner,
                value,
                created_on,
                entries: Vec::new(),
                dues: vec![(created_on, due)],
                closed,
            },
        );
    }
    let moves: Vec<(i64, i64, DateTime<Utc>)> = sql(
        "SELECT sc.opportunity_id, sc.to_stage_id, sc.changed_at FROM stage_changes sc \
         JOIN stages s ON s.id = sc.to_stage_id WHERE s.kind = 'open' \
         ORDER BY sc.opportunity_id, sc.changed_at, sc.id",
    )
    .fetch_all(db)
    .await?;
    for (id, stage_id, at) in moves {
        if let Some(deal) = by_id.get_mut(&id) {
            deal.entries.push(StageEntry {
                on: at.date_naive(),
                stage_id,
            });
        }
    }
    let dates: Vec<(i64, DateTime<Utc>, NaiveDate)> = sql(
        "SELECT opportunity_id, changed_at, expected_close_on FROM close_date_changes \
         ORDER BY opportunity_id, changed_at, id",
    )
    .fetch_all(db)
    .await?;
    let mut seen: HashMap<i64, bool> = HashMap::new();
    for (id, at, due) in dates {
        if let Some(deal) = by_id.get_mut(&id) {
            // The recorded dates replace the present one the deal started with above.
            if !seen.insert(id, true).unwrap_or(false) {
                deal.dues.clear();
            }
            deal.dues.push((at.date_naive(), due));
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .collect())
}
