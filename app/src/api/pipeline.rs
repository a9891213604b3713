//! Server functions of the pipeline board: read the board, move, create, edit and delete
//! opportunities, and (admins) edit the stages.

use crate::domain::pipeline::{OpportunityInput, StageInput};
use crate::domain::{Opportunity, Stage};
use crate::error::AppError;
use crate::model::pipeline::{Board, Choice, OpportunityDetail, StageUsage};
use leptos::prelude::*;

#[server(endpoint = "board")]
pub async fn get_board(
    view: Option<String>,
    owner: Option<String>,
    customer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
) -> Result<Board, AppError> {
    use crate::service::opportunities;
    super::signed_in("get_board", |c| async move {
        let params = crate::model::pipeline::BoardParams {
            view,
            owner,
            customer,
            from,
            to,
            q,
        };
        let query = params.parse(&c.user)?;
        opportunities::board(&c.db, &c.user, &query, chrono::Utc::now().date_naive()).await
    })
    .await
}

/// The next window of one column of the board `board` filters (as `get_board`) on `day` (the
/// board's own day), after the card closing on `after_close` with id `after_id` (the column's
/// last card so far).
#[server(endpoint = "board_column")]
pub async fn get_board_column(
    // With no filter at all the form carries no `board[…]` key.
    #[server(default)] board: crate::model::pipeline::BoardParams,
    day: chrono::NaiveDate,
    stage_id: i64,
    after_close: chrono::NaiveDate,
    after_id: i64,
) -> Result<Vec<Opportunity>, AppError> {
    use crate::service::opportunities;
    super::signed_in("get_board_column", |c| async move {
        let query = board.parse(&c.user)?;
        let after = (after_close, after_id);
        opportunities::column(&c.db, &c.user, &query, day, stage_id, after).await
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
) -> Result<Opportunity, AppError> {
    use crate::service::opportunities::{self, Move};
    super::signed_in("move_opportunity", |c| async move {
        let to = Move {
            version,
            stage_id,
            lost_reason,
        };
        opportunities::move_to_stage(&c.db, &c.user, id, to, chrono::Utc::now()).await
    })
    .await
}

#[server(endpoint = "opportunity")]
pub async fn get_opportunity(id: i64) -> Result<OpportunityDetail, AppError> {
    use crate::service::opportunities;
    super::signed_in("get_opportunity", |c| async move {
        opportunities::detail(&c.db, &c.user, id).await
    })
    .await
}

/// Customers this user may sell to, for the drawer's customer select.
#[server(endpoint = "opportunity_customers")]
pub async fn list_opportunity_customers() -> Result<Vec<Choice>, AppError> {
    use crate::service::opportunities;
    super::signed_in("list_opportunity_customers", |c| async move {
        opportunities::customer_choices(&c.db, &c.user).await
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
) -> Result<Opportunity, AppError> {
    use crate::service::opportunities::{self, MissingCurrency};
    super::signed_in("save_opportunity", |c| async move {
        let now = chrono::Utc::now();
        // The drawer writes amounts and dates as its person does (the JSON API: English/ISO).
        let input = OpportunityInput {
            locale: c.user.locale,
            ..input
        };
        match id {
            None => opportunities::create(&c.db, &c.user, &input, now).await,
            Some(id) => {
                let version = version.ok_or_else(|| {
                    AppError::invalid("version", "the version you edited is missing")
                })?;
                let missing = MissingCurrency::Refuse;
                opportunities::update(&c.db, &c.user, id, version, &input, missing, now).await
            }
        }
    })
    .await
}

#[server(endpoint = "delete_opportunity")]
pub async fn delete_opportunity(id: i64, version: i64) -> Result<(), AppError> {
    use crate::service::opportunities;
    super::signed_in("delete_opportunity", |c| async move {
        opportunities::delete(&c.db, &c.user, id, version).await
    })
    .await
}

#[server(endpoint = "stages")]
pub async fn list_stages() -> Result<Vec<StageUsage>, AppError> {
    use crate::service::stages;
    super::signed_in("list_stages", |c| async move {
        stages::usage(&c.db, &c.user).await
    })
    .await
}

/// Creates (`id` empty) or changes a stage. Admins only.
#[server(endpoint = "save_stage")]
pub async fn save_stage(id: Option<i64>, input: StageInput) -> Result<Stage, AppError> {
    use crate::service::stages;
    super::signed_in("save_stage", |c| async move {
        stages::save(&c.db, &c.user, id, &input).await
    })
    .await
}

/// Moves a stage one place earlier (`-1`) or later (`1`) on the board. Admins only.
#[server(endpoint = "reorder_stage")]
pub async fn reorder_stage(id: i64, direction: i32) -> Result<(), AppError> {
    use crate::service::stages;
    super::signed_in("reorder_stage", |c| async move {
        stages::reorder(&c.db, &c.user, id, direction).await
    })
    .await
}

/// Deletes a stage. If opportunities sit in it they must go somewhere: `move_to` names the
/// stage that receives them (each move is recorded in their history). Admins only.
#[server(endpoint = "delete_stage")]
pub async fn delete_stage(id: i64, move_to: Option<i64>) -> Result<(), AppError> {
    use crate::service::stages;
    super::signed_in("delete_stage", |c| async move {
        stages::delete(&c.db, &c.user, id, move_to, chrono::Utc::now()).await
    })
    .await
}
