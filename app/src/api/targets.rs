//! Server functions for targets: the list, one target with its children and timeline, the
//! editor's choices and track record, saving (the SMART check again), the agreement workflow
//! and the cascade.
// `target_context` takes the editor's eight choices as form fields; the browser's copy that
// `#[server]` generates carries no attribute of ours, so the allowance is the module's.
#![allow(clippy::too_many_arguments)]

use crate::domain::smart::TargetInput;
use crate::error::AppError;
use crate::model::targets::{EditorChoices, EditorContext, SaveOutcome, TargetDetail, TargetList};
use leptos::prelude::*;

#[server(endpoint = "targets")]
pub async fn list_targets(
    view: Option<String>,
    status: Option<String>,
) -> Result<TargetList, AppError> {
    use crate::service::targets;
    super::signed_in("list_targets", |c| async move {
        let today = chrono::Utc::now().date_naive();
        let query =
            crate::model::targets::ListQuery::parse(&c.user, view.as_deref(), status.as_deref())?;
        let rows = targets::list(&c.db, &c.user, &query, today).await?;
        Ok::<_, crate::service::Error>(TargetList {
            view: query.view.as_str().into(),
            status: query.status_key(),
            today,
            rows,
        })
    })
    .await
}

#[server(endpoint = "target")]
pub async fn get_target(id: i64) -> Result<TargetDetail, AppError> {
    use crate::service::targets;
    super::signed_in("get_target", |c| async move {
        targets::detail(&c.db, &c.user, id, chrono::Utc::now().date_naive()).await
    })
    .await
}

#[server(endpoint = "target_choices")]
pub async fn target_choices() -> Result<EditorChoices, AppError> {
    use crate::service::targets;
    super::signed_in("target_choices", |c| async move {
        targets::editor_choices(&c.db, &c.user, chrono::Utc::now().date_naive()).await
    })
    .await
}

/// The assignee's history for the metric, client type and period, and the parent's
/// allocation, for the editor to check against while the manager types. Missing or unparsable
/// choices give `None`.
#[server(endpoint = "target_context")]
pub async fn target_context(
    assignee: String,
    metric: String,
    currency: String,
    start: String,
    end: String,
    parent_id: String,
    target_id: Option<i64>,
    segment: Option<String>,
) -> Result<EditorContext, AppError> {
    use crate::service::targets;
    super::signed_in("target_context", |c| async move {
        let input = TargetInput {
            assignee,
            metric,
            currency,
            start,
            end,
            parent_id,
            segment: segment.unwrap_or_default(),
            locale: c.user.locale,
            ..TargetInput::default()
        };
        let today = chrono::Utc::now().date_naive();
        targets::editor_context(&c.db, &c.user, &input, target_id, today).await
    })
    .await
}

/// Saves a new target (`id` empty) as a draft, or edits one still being negotiated. SMART
/// warnings are answered with the report unless `acknowledged`.
#[server(endpoint = "save_target")]
pub async fn save_target(
    id: Option<i64>,
    version: Option<i64>,
    input: TargetInput,
    acknowledged: bool,
) -> Result<SaveOutcome, AppError> {
    use crate::service::targets;
    super::signed_in("save_target", |c| async move {
        // The editor writes numbers and dates as its person does (the JSON API: English/ISO).
        let input = TargetInput {
            locale: c.user.locale,
            ..input
        };
        targets::save(
            &c.db,
            &c.user,
            id,
            version,
            &input,
            acknowledged,
            chrono::Utc::now(),
        )
        .await
    })
    .await
}

/// The signed-in person's forecast call on a target: commit and best case.
#[server(endpoint = "target_call")]
pub async fn submit_call(
    id: i64,
    input: crate::domain::call::CallInput,
) -> Result<crate::model::calls::ForecastCall, AppError> {
    super::signed_in("submit_call", |c| async move {
        let input = crate::domain::call::CallInput {
            locale: c.user.locale,
            ..input
        };
        crate::service::calls::submit(&c.db, &c.user, id, &input, chrono::Utc::now()).await
    })
    .await
}

/// The customers and deals that close a target's gap, ranked; with the phone's position the
/// nearest first.
#[server(endpoint = "target_candidates")]
pub async fn target_candidates(
    id: i64,
    lat: Option<f64>,
    lon: Option<f64>,
) -> Result<crate::model::candidates::Candidates, AppError> {
    use crate::service::candidates;
    super::signed_in("target_candidates", |c| async move {
        let near = candidates::Near::parse(lat, lon);
        candidates::for_target(&c.db, &c.user, id, near, chrono::Utc::now()).await
    })
    .await
}

/// A step of the agreement workflow on a target the user saw at `version`.
#[server(endpoint = "target_transition")]
pub async fn transition_target(
    id: i64,
    version: i64,
    action: String,
    comment: Option<String>,
    counter: Option<String>,
) -> Result<(), AppError> {
    use crate::service::targets;
    super::signed_in("transition_target", |c| async move {
        let comment = comment.as_deref().unwrap_or("");
        let counter = counter.as_deref().unwrap_or("");
        let now = chrono::Utc::now();
        targets::transition(&c.db, &c.user, id, version, &action, comment, counter, now).await
    })
    .await
}

/// Splits a target over the level below it: `even`, or by `share` of their history.
#[server(endpoint = "target_cascade")]
pub async fn cascade_target(id: i64, version: i64, method: String) -> Result<usize, AppError> {
    use crate::service::targets;
    super::signed_in("cascade_target", |c| async move {
        targets::cascade(&c.db, &c.user, id, version, &method, chrono::Utc::now()).await
    })
    .await
}
