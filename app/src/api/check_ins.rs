//! Check-ins at customer visits: the phone's customer list, check-in and check-out (both
//! idempotent by the phone's client id, JSON bodies), and the team's check-ins for a manager.

use crate::domain::check_in::{CheckInInput, CheckOutInput};
use crate::error::AppError;
use crate::model::check_ins::{CheckInCustomer, CheckInReport, CheckInSaved};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The customers the signed-in user may check in at (their own; a manager's team's).
#[server(endpoint = "check_in_customers")]
pub async fn check_in_customers() -> Result<Vec<CheckInCustomer>, AppError> {
    use crate::service::check_ins;
    super::signed_in("check_in_customers", |c| async move {
        check_ins::customers(&c.db, &c.user).await
    })
    .await
}

/// Stores a check-in as a visit. Sending the same client id again stores nothing and answers
/// with what is stored (`duplicate`), so a phone may resend until it hears back.
#[server(endpoint = "check_in", input = Json)]
pub async fn check_in(input: CheckInInput) -> Result<CheckInSaved, AppError> {
    use crate::service::check_ins;
    super::signed_in("check_in", |c| async move {
        check_ins::check_in(&c.db, &c.user, &input, chrono::Utc::now()).await
    })
    .await
}

/// Ends the user's visit: outcome, notes, next step, and the time on site.
#[server(endpoint = "check_out", input = Json)]
pub async fn check_out(input: CheckOutInput) -> Result<(), AppError> {
    use crate::service::check_ins;
    super::signed_in("check_out", |c| async move {
        check_ins::check_out(&c.db, &c.user, &input, chrono::Utc::now()).await
    })
    .await
}

/// Check-ins of the users the viewer covers (a rep: their own) today or this week, narrowed
/// to an org unit if given.
#[server(endpoint = "team_check_ins")]
pub async fn team_check_ins(range: String, unit: Option<i64>) -> Result<CheckInReport, AppError> {
    use crate::service::check_ins;
    super::signed_in("team_check_ins", |c| async move {
        let range = crate::model::check_ins::CheckInRange::parse(&range);
        check_ins::team(&c.db, &c.user, range, unit, chrono::Utc::now().date_naive()).await
    })
    .await
}
