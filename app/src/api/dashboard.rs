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

/// Changes the status thresholds. Admins only; every field checked as the form does.
#[server(endpoint = "save_thresholds")]
pub async fn save_thresholds(input: ThresholdsInput) -> Result<Thresholds, AppError> {
    use crate::service::settings;
    super::signed_in("save_thresholds", |c| async move {
        settings::save_thresholds(&c.db, &c.user, &input, chrono::Utc::now()).await
    })
    .await
}
