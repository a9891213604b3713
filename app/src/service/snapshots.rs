//! The daily snapshot of every active target (actual, expected, forecast, status), from which
//! the history charts and "since yesterday" are read.

use super::Error;
use crate::db::Db;
use crate::repo;
use chrono::{DateTime, NaiveDate, Utc};

/// Takes today's snapshot unless it has been taken; answers how many targets it stored.
#[tracing::instrument(skip(db))]
pub async fn catch_up(db: &Db, now: DateTime<Utc>) -> Result<Option<usize>, Error> {
    let today = now.date_naive();
    if repo::snapshots::taken(db, today).await? {
        return Ok(None);
    }
    take(db, today, now).await.map(Some)
}

/// Takes the snapshot of `day` (replacing that day's rows if it was taken).
#[tracing::instrument(skip(db))]
pub async fn take(db: &Db, day: NaiveDate, now: DateTime<Utc>) -> Result<usize, Error> {
    Ok(repo::snapshots::take(db, day, now.date_naive(), now).await?)
}
