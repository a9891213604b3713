//! What the forecast learned from the company's history (`domain::calibration`).

use super::{admin_only, Error};
use crate::db::Db;
use crate::domain::Role;
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::calibration::CalibrationReport;
use crate::repo;
use chrono::NaiveDate;

/// Today's calibration, for managers and admins (reps see its effect on their cards).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn calibration(
    db: &Db,
    user: &SessionUser,
    today: NaiveDate,
) -> Result<CalibrationReport, Error> {
    if user.role == Role::Rep {
        return Err(AppError::Forbidden("the forecast calibration".into()).into());
    }
    let learned = repo::calibration::current(db, today).await?;
    Ok(CalibrationReport::from(&learned))
}

/// Learns again now (admins), after history was imported or stages changed: every forecast
/// from now on uses the new calibration.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn relearn(
    db: &Db,
    user: &SessionUser,
    today: NaiveDate,
) -> Result<CalibrationReport, Error> {
    admin_only(user, "learning the forecast again")?;
    let learned = repo::calibration::relearn(db, today, true).await?;
    Ok(CalibrationReport::from(&learned))
}
