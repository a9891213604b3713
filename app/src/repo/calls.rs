//! Forecast calls: stored, never changed; the latest per target counts. Reads take target
//! ids the caller has already scoped (a target `find` found, or its children `fetch` found).

use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::call::Call;
use crate::domain::Hundredths;
use crate::model::calls::ForecastCall;
use chrono::{DateTime, Utc};

type Row = (
    i64,
    i64,
    String,
    i64,
    i64,
    String,
    Option<i64>,
    DateTime<Utc>,
);

const COLUMNS: &str = "c.id, c.target_id, u.name, c.commit_hundredths, c.best_case_hundredths, \
     c.note, c.model_p50_hundredths, c.made_at";

fn call(r: Row) -> ForecastCall {
    let (id, target_id, by, commit, best_case, note, model_p50, at) = r;
    let money = |h: i64| Hundredths::from_raw(h).to_decimal();
    ForecastCall {
        id,
        target_id,
        by,
        commit: money(commit),
        best_case: money(best_case),
        note,
        model_p50: model_p50.map(money),
        at,
    }
}

/// Every call on `target`, newest (last stored) first.
#[tracing::instrument(skip(db), err)]
pub async fn history(db: &Db, target: i64) -> Result<Vec<ForecastCall>, RepoError> {
    let rows: Vec<Row> = sql(format!(
        "SELECT {COLUMNS} FROM forecast_calls c JOIN users u ON u.id = c.made_by \
         WHERE c.target_id = $1 ORDER BY c.id DESC"
    ))
    .bind(target)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(call).collect())
}

/// The call `id`, if it exists.
#[tracing::instrument(skip(db), err)]
pub async fn by_id(db: &Db, id: i64) -> Result<Option<ForecastCall>, RepoError> {
    let row: Option<Row> = sql(format!(
        "SELECT {COLUMNS} FROM forecast_calls c JOIN users u ON u.id = c.made_by WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(call))
}

/// The latest call (the last stored) on each of `targets` that has one, in no particular order.
#[tracing::instrument(skip(db, targets), err)]
pub async fn latest(db: &Db, targets: &[i64]) -> Result<Vec<ForecastCall>, RepoError> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sql(format!(
        "SELECT {COLUMNS} FROM forecast_calls c JOIN users u ON u.id = c.made_by \
         WHERE c.id IN (SELECT MAX(l.id) FROM forecast_calls l WHERE l.target_id IN ("
    ));
    q.push_list(targets.iter().copied());
    q.push(") GROUP BY l.target_id)");
    let rows: Vec<Row> = q.fetch_all(db).await?;
    Ok(rows.into_iter().map(call).collect())
}

/// Stores `call` on `target` by `user`, with Pacer's median then.
#[tracing::instrument(skip(db, call), err)]
pub async fn insert(
    db: &Db,
    target: i64,
    user: i64,
    call: &Call,
    model_p50: Option<Hundredths>,
    at: DateTime<Utc>,
) -> Result<i64, RepoError> {
    let (id,): (i64,) = sql(
        "INSERT INTO forecast_calls (target_id, made_by, commit_hundredths, best_case_hundredths, \
         note, model_p50_hundredths, made_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(target)
    .bind(user)
    .bind(Hundredths::from_decimal(call.commit))
    .bind(Hundredths::from_decimal(call.best_case))
    .bind(call.note.as_str())
    .bind(model_p50)
    .bind(at)
    .fetch_one(db)
    .await?;
    Ok(id)
}
