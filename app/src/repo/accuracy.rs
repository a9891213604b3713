//! What the accuracy report reads: the snapshots of closed targets at their checkpoints and
//! the calls made by then. The targets come scoped ([`super::targets::closed`]).

use super::metrics::Who;
use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::accuracy::{checkpoint, checkpoints_and_end, Observation, CHECKPOINTS};
use crate::domain::metric::ForecastMethod;
use crate::domain::Hundredths;
use crate::model::targets::TargetRow;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeSet, HashMap};

type SnapshotRow = (
    i64,
    NaiveDate,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i32>,
    Option<i64>,
    DateTime<Utc>,
);

/// One observation per target of `targets` and checkpoint that has a snapshot that day (a
/// checkpoint on the last day is no forecast). The outcome is the actual of the snapshot on the
/// period's last day when it was taken after that day had ended (a backfill), else measured: the
/// live snapshot is taken just after midnight and misses that day's results. Calls count only
/// for targets the reader is a party to (`.2`).
#[tracing::instrument(skip(db, targets), err)]
pub async fn observations(
    db: &Db,
    targets: &[(TargetRow, Who, bool)],
) -> Result<Vec<Observation>, RepoError> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let days: BTreeSet<NaiveDate> = targets
        .iter()
        .flat_map(|(t, ..)| checkpoints_and_end(t.period))
        .collect();
    let mut snapshots: HashMap<(i64, NaiveDate), SnapshotRow> = HashMap::new();
    for ids in targets.chunks(500) {
        let mut q = sql(
            "SELECT target_id, day, actual_hundredths, projection_hundredths, p10_hundredths, p50_hundredths, \
             p90_hundredths, p_hit_permille, weighted_hundredths, taken_at FROM target_snapshots WHERE target_id IN (",
        );
        q.push_list(ids.iter().map(|(t, ..)| t.id));
        q.push(") AND day IN (");
        q.push_list(days.iter().copied());
        q.push(")");
        let rows: Vec<SnapshotRow> = q.fetch_all(db).await?;
        for r in rows {
            snapshots.insert((r.0, r.1), r);
        }
    }
    let mut calls: HashMap<i64, Vec<(DateTime<Utc>, i64, i64)>> = HashMap::new();
    for ids in targets.chunks(500) {
        let mut q = sql(
            "SELECT target_id, made_at, commit_hundredths, best_case_hundredths FROM forecast_calls \
             WHERE target_id IN (",
        );
        q.push_list(ids.iter().map(|(t, ..)| t.id));
        q.push(") ORDER BY id");
        let rows: Vec<(i64, DateTime<Utc>, i64, i64)> = q.fetch_all(db).await?;
        for (target, at, commit, best) in rows {
            calls.entry(target).or_default().push((at, commit, best));
        }
    }
    let d = |h: i64| Hundredths::from_raw(h).to_decimal();
    let mut observations = Vec::new();
    for (t, who, party) in targets {
        let day_after_end = t.period.end().succ_opt().unwrap_or(t.period.end());
        let outcome = match snapshots.get(&(t.id, t.period.end())) {
            Some(end) if end.9.date_naive() >= day_after_end => d(end.2),
            _ => {
                super::metrics::actual(
                    db, t.metric, who, t.segment, t.period, t.currency, t.baseline,
                )
                .await?
            }
        };
        let pipeline = matches!(t.metric.forecast_method(), ForecastMethod::Pipeline);
        for percent in CHECKPOINTS {
            let day = checkpoint(t.period, percent);
            if day >= t.period.end() {
                continue;
            }
            let Some(&(_, _, _, projection, p10, p50, p90, p_hit, weighted, _)) =
                snapshots.get(&(t.id, day))
            else {
                continue;
            };
            let call = calls.get(&t.id).filter(|_| *party).and_then(|list| {
                list.iter()
                    .rev()
                    .find(|(at, ..)| at.date_naive() <= day)
                    .map(|(_, commit, best)| (d(*commit), d(*best)))
            });
            observations.push(Observation {
                period: t.period,
                percent,
                target: t.value,
                outcome,
                p50: p50.map_or_else(|| d(projection), d),
                band: p10.zip(p90).map(|(low, high)| (d(low), d(high))),
                p_hit: p_hit.map(|p| f64::from(p) / 1000.0),
                plain: match weighted {
                    Some(w) => Some(d(w)),
                    None if pipeline => None,
                    None => Some(d(projection)),
                },
                call,
            });
        }
    }
    Ok(observations)
}

/// The days among `days` that have no snapshot yet.
#[tracing::instrument(skip(db, days), err)]
pub async fn missing_days(
    db: &Db,
    days: &BTreeSet<NaiveDate>,
) -> Result<Vec<NaiveDate>, RepoError> {
    if days.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sql("SELECT day FROM snapshot_runs WHERE day IN (");
    q.push_list(days.iter().copied());
    q.push(")");
    let taken: Vec<(NaiveDate,)> = q.fetch_all(db).await?;
    let taken: BTreeSet<NaiveDate> = taken.into_iter().map(|(d,)| d).collect();
    Ok(days.difference(&taken).copied().collect())
}
