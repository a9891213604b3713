//! Server functions of the pipeline board: read the board, move, create, edit and delete
//! opportunities, and (admins) edit the stages.

use crate::domain::forecast::{PipelineTarget, Thresholds};
use crate::domain::pipeline::{OpportunityInput, StageInput};
use crate::domain::{Card, Stage};
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A choice in a select: the value sent back and the label shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Choice {
    pub key: String,
    pub label: String,
}

/// What the board shows, as filtered by the URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    /// The bookings and won-opportunities targets this view answers to, for the forecast panel.
    pub forecasts: Vec<PipelineTarget>,
    pub thresholds: Thresholds,
    pub stages: Vec<Stage>,
    pub cards: Vec<Card>,
    /// The server's date: rotting and overdue markers are computed against it on both sides.
    pub today: NaiveDate,
    /// Won and lost columns show opportunities closed on or after this day.
    pub closed_since: NaiveDate,
    /// The view in force (`mine` or `unit-<id>`) and the views this user may choose from.
    pub view: String,
    pub views: Vec<Choice>,
    /// People whose opportunities this user may see, for the owner filter and the drawer.
    pub owners: Vec<Choice>,
    /// The name of the customer filtered by, if any.
    pub customer_name: Option<String>,
    pub me: i64,
    /// Managers and admins may give an opportunity to someone else.
    pub can_assign: bool,
    pub can_edit_stages: bool,
}

/// How many days back the Won and Lost columns reach when no close-date range is chosen.
pub const CLOSED_DAYS_SHOWN: i64 = 30;

/// A stage change as the timeline shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StageChangeView {
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityDetail {
    pub card: Card,
    pub history: Vec<StageChangeView>,
}

/// A stage with how many opportunities sit in it, for the stage editor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageUsage {
    pub stage: Stage,
    pub opportunities: i64,
}

#[server(endpoint = "board")]
pub async fn get_board(
    view: Option<String>,
    owner: Option<String>,
    customer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
) -> Result<Board, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        let query = repo::opportunities::BoardQuery::parse(
            &user,
            view.as_deref(),
            owner.as_deref(),
            customer.as_deref(),
            from.as_deref(),
            to.as_deref(),
            q.as_deref(),
        )?;
        Ok(repo::opportunities::board(&db, &user, &query, Utc::now().date_naive()).await?)
    })
    .await
}

/// Moves an opportunity to a stage. `version` is the one the user saw: if someone changed the
/// opportunity since, nothing is written and the answer is a conflict saying who.
#[server(endpoint = "move_opportunity")]
pub async fn move_opportunity(
    id: i64,
    version: i64,
    stage_id: i64,
    lost_reason: Option<String>,
) -> Result<Card, AppError> {
    use crate::domain::pipeline::parse_lost_reason;
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        let stage = repo::pipeline::find_stage(&db, stage_id)
            .await?
            .ok_or_else(|| AppError::invalid("stage_id", "this stage does not exist"))?;
        let reason = parse_lost_reason(Some(stage.kind), lost_reason.as_deref().unwrap_or(""))
            .map_err(|e| AppError::from(vec![e]))?;
        repo::opportunities::move_to_stage(&db, &user, id, version, &stage, reason, Utc::now())
            .await
            .map_err(AppError::from)
    })
    .await
}

#[server(endpoint = "opportunity")]
pub async fn get_opportunity(id: i64) -> Result<OpportunityDetail, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        let card = repo::opportunities::find(&db, &user.scope(), id)
            .await?
            .ok_or_else(|| AppError::NotFound("opportunity".into()))?;
        let history = repo::opportunities::history(&db, id).await?;
        Ok(OpportunityDetail { card, history })
    })
    .await
}

/// Customers this user may sell to, for the drawer's customer select.
#[server(endpoint = "opportunity_customers")]
pub async fn list_opportunity_customers() -> Result<Vec<Choice>, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        Ok(repo::customers::choices(&db, &user.scope()).await?)
    })
    .await
}

/// Creates (`id` empty) or edits an opportunity. Every field is parsed by the same function
/// the drawer runs as the user types; the first problem is returned with its field.
#[server(endpoint = "save_opportunity")]
pub async fn save_opportunity(
    id: Option<i64>,
    version: Option<i64>,
    input: OpportunityInput,
) -> Result<Card, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        let stages = repo::pipeline::stages(&db).await?;
        let fields = input.parse(&stages).map_err(AppError::from)?;
        let now = Utc::now();
        match id {
            None => repo::opportunities::create(&db, &user, &fields, now).await,
            Some(id) => {
                let version = version.ok_or_else(|| {
                    AppError::invalid("version", "the version you edited is missing")
                })?;
                repo::opportunities::update(&db, &user, id, version, &fields, now).await
            }
        }
        .map_err(AppError::from)
    })
    .await
}

#[server(endpoint = "delete_opportunity")]
pub async fn delete_opportunity(id: i64, version: i64) -> Result<(), AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        repo::opportunities::delete(&db, &user, id, version)
            .await
            .map_err(AppError::from)
    })
    .await
}

#[server(endpoint = "stages")]
pub async fn list_stages() -> Result<Vec<StageUsage>, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        auth::require_user().await?;
        let db = auth::db()?;
        Ok(repo::pipeline::stage_usage(&db).await?)
    })
    .await
}

/// Creates (`id` empty) or changes a stage. Admins only.
#[server(endpoint = "save_stage")]
pub async fn save_stage(id: Option<i64>, input: StageInput) -> Result<Stage, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let db = auth::db()?;
        auth::require_admin("pipeline's stages").await?;
        let spec = input.parse().map_err(AppError::from)?;
        repo::pipeline::save_stage(&db, id, &spec)
            .await
            .map_err(AppError::from)
    })
    .await
}

/// Moves a stage one place earlier (`-1`) or later (`1`) on the board. Admins only.
#[server(endpoint = "reorder_stage")]
pub async fn reorder_stage(id: i64, direction: i32) -> Result<(), AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let db = auth::db()?;
        auth::require_admin("pipeline's stages").await?;
        if direction != -1 && direction != 1 {
            return Err(AppError::invalid("direction", "move a stage by -1 or 1"));
        }
        repo::pipeline::reorder_stage(&db, id, direction)
            .await
            .map_err(AppError::from)
    })
    .await
}

/// Deletes a stage. If opportunities sit in it they must go somewhere: `move_to` names the
/// stage that receives them (each move is recorded in their history). Admins only.
#[server(endpoint = "delete_stage")]
pub async fn delete_stage(id: i64, move_to: Option<i64>) -> Result<(), AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let db = auth::db()?;
        let admin = auth::require_admin("pipeline's stages").await?;
        repo::pipeline::delete_stage(&db, id, move_to, admin.id, Utc::now())
            .await
            .map_err(AppError::from)
    })
    .await
}
