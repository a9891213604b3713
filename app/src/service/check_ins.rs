//! Check-ins at customer visits: the phone's customers, check-in and check-out (idempotent by
//! the phone's client id), and the check-ins of a manager's team.

use super::Error;
use crate::db::Db;
use crate::domain::check_in::{CheckInInput, CheckOutInput};
use crate::model::auth::SessionUser;
use crate::model::check_ins::{
    CheckInCustomer, CheckInKeys, CheckInRange, CheckInReport, CheckInSaved,
};
use crate::repo;
use chrono::{DateTime, NaiveDate, Utc};

/// The customers `user` may check in at (their own; a manager's team's).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn customers(db: &Db, user: &SessionUser) -> Result<Vec<CheckInCustomer>, Error> {
    Ok(repo::check_ins::customers(db, &user.scope()).await?)
}

/// Stores `input` for `user` once: a resend of a stored check-in is answered as stored, even
/// if it would no longer pass (it has grown older than the limit while its answer was lost).
#[tracing::instrument(skip(db, user, input), fields(user = user.id, client_id = %input.client_id))]
pub async fn check_in(
    db: &Db,
    user: &SessionUser,
    input: &CheckInInput,
    received: DateTime<Utc>,
) -> Result<CheckInSaved, Error> {
    let saved = match repo::check_ins::existing(db, user.id, &input.client_id).await? {
        Some(saved) => saved,
        None => {
            let checked = input.check(received)?;
            repo::check_ins::record(db, &user.scope(), user.id, input, &checked, received).await?
        }
    };
    if saved.duplicate {
        let stored = repo::check_ins::stored_keys(db, user.id, &input.client_id).await?;
        let sent = CheckInKeys::sent(input);
        super::refuse_changed_resend(db, user, "check-in", &input.client_id, stored, &sent).await?;
    }
    Ok(saved)
}

/// Ends `user`'s visit: outcome, notes, next step, and the time on site.
#[tracing::instrument(skip(db, user, input), fields(user = user.id))]
pub async fn check_out(
    db: &Db,
    user: &SessionUser,
    input: &CheckOutInput,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    Ok(repo::check_ins::check_out(db, user.id, input, now).await?)
}

/// Check-ins of the people `user` covers (a rep: their own) in `range`, narrowed to an org
/// unit if given.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn team(
    db: &Db,
    user: &SessionUser,
    range: CheckInRange,
    unit: Option<i64>,
    today: NaiveDate,
) -> Result<CheckInReport, Error> {
    let (from, to, start, until) = range.span(today);
    let rows = repo::check_ins::list(db, &user.scope(), unit, start, until).await?;
    Ok(CheckInReport {
        range,
        from,
        to,
        unit_id: unit,
        rows,
    })
}

/// The check-ins `query` asks for that `user` may see (made by people in `user`'s scope).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn records(
    db: &Db,
    user: &SessionUser,
    query: &crate::model::sync::RecordQuery,
) -> Result<Vec<crate::model::check_ins::CheckInRow>, Error> {
    Ok(repo::check_ins::records(db, &user.scope(), query).await?)
}
