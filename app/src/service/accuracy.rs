//! The accuracy report (managers and admins, over the targets they may see) and the admin's
//! backfill of the snapshots it needs for past periods.

use super::Error;
use crate::db::Db;
use crate::domain::accuracy::{
    checkpoints_and_end, report as score, AccuracyReport, Backfilled, BACKFILL_DAYS, YEARS_BACK,
};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::repo;
use chrono::{DateTime, Months, NaiveDate, Utc};
use std::collections::BTreeSet;

fn since(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(12 * YEARS_BACK))
        .unwrap_or(today)
}

/// How the forecasts of every closed period `user` may see did (managers and admins).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn report(
    db: &Db,
    user: &SessionUser,
    today: NaiveDate,
) -> Result<AccuracyReport, Error> {
    if user.role == Role::Rep {
        return Err(AppError::Forbidden("accuracy report".into()).into());
    }
    let targets = repo::targets::closed(db, user, since(today), today).await?;
    let observations = repo::accuracy::observations(db, &targets).await?;
    Ok(score(&observations))
}

/// Computes the snapshots the report needs that were never taken (admins): for every agreed
/// target whose period ended in the last two years, the days at 25, 50 and 75 % of it and its
/// last day, each as it stood at the end of that day, from what the database records up to
/// then — the latest days first, at most [`BACKFILL_DAYS`] a request (the answer says how many
/// remain).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn backfill(
    db: &Db,
    user: &SessionUser,
    now: DateTime<Utc>,
) -> Result<Backfilled, Error> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden("backfill of past snapshots".into()).into());
    }
    let today = now.date_naive();
    let periods = repo::targets::closed_periods(db, since(today), today).await?;
    let days: BTreeSet<NaiveDate> = periods
        .iter()
        .flat_map(|p| checkpoints_and_end(*p))
        .filter(|d| *d < today)
        .collect();
    let missing = repo::accuracy::missing_days(db, &days).await?;
    let mut done = Backfilled {
        remaining: u32::try_from(missing.len().saturating_sub(BACKFILL_DAYS)).unwrap_or(u32::MAX),
        ..Backfilled::default()
    };
    // The most recent first: the latest periods are the ones people look at.
    for day in missing.into_iter().rev().take(BACKFILL_DAYS) {
        let stored = super::snapshots::take(db, day, today, now).await?;
        done.days += 1;
        done.snapshots = done
            .snapshots
            .saturating_add(u32::try_from(stored).unwrap_or(u32::MAX));
    }
    Ok(done)
}
