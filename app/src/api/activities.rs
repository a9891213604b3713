//! The work reps record: a call, meeting, e-mail or initial contact at a customer (JSON, stored
//! once per client id, so the phone may resend until it hears back), and ticking off a next
//! step.

use crate::domain::activity::ActivityInput;
use crate::error::AppError;
use crate::model::check_ins::ActivitySaved;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Records the user's activity at a customer they may see; it counts toward their targets at
/// once (an initial contact toward initial contacts). The same client id again stores nothing.
#[server(endpoint = "log_activity", input = Json)]
pub async fn log_activity(input: ActivityInput) -> Result<ActivitySaved, AppError> {
    use crate::domain::activity::ActivityKind;
    use crate::service::activities;
    super::signed_in("log_activity", |c| async move {
        if !ActivityKind::LOGGED.contains(&input.kind) {
            return Err(AppError::invalid(
                "kind",
                "a visit is recorded by checking in at the customer (or planned on its page)",
            )
            .into());
        }
        activities::record(&c.db, &c.user, &input, chrono::Utc::now()).await
    })
    .await
}

/// Ticks off one of the user's own next steps.
#[server(endpoint = "complete_next_step")]
pub async fn complete_next_step(id: i64) -> Result<(), AppError> {
    use crate::service::activities;
    super::signed_in("complete_next_step", |c| async move {
        activities::complete_next_step(&c.db, &c.user, id, chrono::Utc::now()).await
    })
    .await
}

/// Moves one of the user's own open next steps to another day.
#[server(endpoint = "move_next_step")]
pub async fn move_next_step(id: i64, due: String) -> Result<(), AppError> {
    use crate::service::activities;
    super::signed_in("move_next_step", |c| async move {
        let due = chrono::NaiveDate::parse_from_str(due.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::invalid("next_step_due", "choose the day it is due"))?;
        activities::move_next_step(&c.db, &c.user, id, due).await
    })
    .await
}
