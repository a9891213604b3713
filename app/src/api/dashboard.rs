//! The dashboard, the landing page after sign-in: the day's digest, my targets with status and
//! pace, and for managers their team's targets with who is off track.

use crate::domain::forecast::{Thresholds, ThresholdsInput};
use crate::error::AppError;
use crate::model::dashboard::Dashboard;
use leptos::prelude::*;

#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    use crate::service::dashboard;
    super::signed_in("get_dashboard", |c| async move {
        dashboard::load(&c.db, &c.user, chrono::Utc::now().date_naive()).await
    })
    .await
}

/// The status thresholds in force (anyone signed in may read them: they explain a status).
#[server(endpoint = "thresholds")]
pub async fn get_thresholds() -> Result<Thresholds, AppError> {
    use crate::service::settings;
    super::signed_in("get_thresholds", |c| async move {
        settings::thresholds(&c.db).await
    })
    .await
}

/// What the forecast learned from the company's history (managers and admins).
#[server(endpoint = "calibration")]
pub async fn get_calibration() -> Result<crate::model::calibration::CalibrationReport, AppError> {
    use crate::service::forecast;
    super::signed_in("get_calibration", |c| async move {
        forecast::calibration(&c.db, &c.user, chrono::Utc::now().date_naive()).await
    })
    .await
}

/// Learns the calibration again now, from the whole history (admins).
#[server(endpoint = "relearn_calibration")]
pub async fn relearn_calibration() -> Result<crate::model::calibration::CalibrationReport, AppError>
{
    use crate::service::forecast;
    super::signed_in("relearn_calibration", |c| async move {
        forecast::relearn(&c.db, &c.user, chrono::Utc::now().date_naive()).await
    })
    .await
}

/// How the forecasts of closed periods did (managers and admins, over what they may see).
#[server(endpoint = "accuracy")]
pub async fn get_accuracy() -> Result<crate::domain::accuracy::AccuracyReport, AppError> {
    super::signed_in("get_accuracy", |c| async move {
        crate::service::accuracy::report(&c.db, &c.user, chrono::Utc::now().date_naive()).await
    })
    .await
}

/// Computes the snapshots of past periods the accuracy report needs (admins).
#[server(endpoint = "backfill_accuracy")]
pub async fn backfill_accuracy() -> Result<crate::domain::accuracy::Backfilled, AppError> {
    super::signed_in("backfill_accuracy", |c| async move {
        crate::service::accuracy::backfill(&c.db, &c.user, chrono::Utc::now()).await
    })
    .await
}

/// Changes the status thresholds. Admins only; every field checked as the form does.
#[server(endpoint = "save_thresholds")]
pub async fn save_thresholds(input: ThresholdsInput) -> Result<Thresholds, AppError> {
    use crate::service::settings;
    super::signed_in("save_thresholds", |c| async move {
        settings::save_thresholds(&c.db, &c.user, &input, chrono::Utc::now()).await
    })
    .await
}

/// The company's calendar and defaults.
#[server(endpoint = "company_settings")]
pub async fn get_company_settings() -> Result<crate::model::company::CompanySettings, AppError> {
    use crate::service::settings;
    super::signed_in("company_settings", |c| async move {
        settings::company(&c.db).await
    })
    .await
}

/// Saves the company's calendar and defaults (admins).
#[server(endpoint = "save_company_settings")]
pub async fn save_company_settings(
    #[server(flatten)] input: crate::model::company::CompanyInput,
) -> Result<crate::model::company::CompanySettings, AppError> {
    use crate::service::settings::{self, CompanyForm};
    super::signed_in("save_company_settings", |c| async move {
        let form = CompanyForm {
            working: [
                &input.mon, &input.tue, &input.wed, &input.thu, &input.fri, &input.sat, &input.sun,
            ]
            .map(Option::is_some),
            fiscal_year_start_month: input.fiscal_year_start_month,
            holidays: input.holidays,
            currency: input.currency,
            locale: input.locale,
        };
        settings::save_company(&c.db, &c.user, &form, chrono::Utc::now()).await
    })
    .await
}

/// Whether the signed-in person gets the daily digest by e-mail.
#[server(endpoint = "digest_mail")]
pub async fn digest_mail() -> Result<bool, AppError> {
    super::signed_in("digest_mail", |c| async move {
        crate::service::digest::wanted(&c.db, &c.user).await
    })
    .await
}

/// Switches the signed-in person's daily digest mail on or off.
#[server(endpoint = "set_digest_mail")]
pub async fn set_digest_mail(on: bool) -> Result<bool, AppError> {
    super::signed_in("set_digest_mail", |c| async move {
        crate::service::digest::set_wanted(&c.db, &c.user, on).await
    })
    .await
}
