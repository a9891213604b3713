//! The daily snapshot of every active target (actual, expected, forecast, status), from which
//! the history charts and "since yesterday" are read.

use super::Error;
use crate::db::Db;
use crate::domain::Scope;
use crate::model::customers::CustomerFilter;
use crate::repo;
use chrono::{DateTime, NaiveDate, Utc};

/// Takes today's snapshot unless it has been taken or another instance is taking it; answers
/// how many targets it stored.
#[tracing::instrument(skip(db))]
pub async fn catch_up(db: &Db, now: DateTime<Utc>) -> Result<Option<usize>, Error> {
    let today = now.date_naive();
    // Several instances wake after midnight: the one whose claim lands takes it.
    if repo::snapshots::taken(db, today).await? || !repo::snapshots::claim(db, today, now).await? {
        return Ok(None);
    }
    take(db, today, today, now).await.map(Some)
}

/// Takes the snapshot of `day` (today, or a missed day later, as of `today`): computes every
/// active target as it stood at the end of that day and the customers flagged with a trend
/// change, then stores them (replacing that day's rows if it was taken). Answers the number of
/// targets stored.
#[tracing::instrument(skip(db))]
pub async fn take(
    db: &Db,
    day: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    // Compute first: the write transaction holds SQLite's write lock only for the inserts.
    let rows = repo::targets::active_on(db, day, today).await?;
    let rule = repo::settings::trend_rule(db).await?;
    let trends = CustomerFilter::trends(day);
    let flagged = repo::customers::list(db, &Scope::All, &trends, day, rule, None).await?;
    Ok(repo::snapshots::store(db, day, &rows, &flagged, now).await?)
}
