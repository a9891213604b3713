//! Customers: the list with turnover against last year (and its plus, minus and trend
//! lists), one customer's page, planning a visit, the check-in radius, the potential, and new
//! prospects.

use super::Error;
use crate::db::Db;
use crate::domain::activity::PlannedVisit;
use crate::domain::check_in::parse_radius;
use crate::domain::prospect::{self, ProspectInput};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::customers::{
    CustomerDetail, CustomerFilter, CustomerList, Lookalike, ProspectSaved,
};
use crate::model::pipeline::Choice;
use crate::repo;
use chrono::{DateTime, NaiveDate, Utc};

/// The customers `user` may see as `filter` selects them, with the trend rule in force; one
/// page of `page_size` rows, or all of them.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn list(
    db: &Db,
    user: &SessionUser,
    filter: &CustomerFilter,
    today: NaiveDate,
    page_size: Option<i64>,
) -> Result<CustomerList, Error> {
    let rule = repo::settings::trend_rule(db).await?;
    Ok(repo::customers::list(db, &user.scope(), filter, today, rule, page_size).await?)
}

/// A list's filter from what the door read: the dates default to the company's fiscal year to
/// date.
pub async fn filter(
    db: &Db,
    query: &crate::model::customers::CustomerQuery,
    today: NaiveDate,
) -> Result<CustomerFilter, Error> {
    let calendar = repo::settings::calendar(db).await?;
    Ok(query.parse(today, &calendar)?)
}

/// People whose customers the list may be filtered by: `user`'s scope.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn owners(db: &Db, user: &SessionUser) -> Result<Vec<Choice>, Error> {
    Ok(repo::customers::owners(db, &user.scope()).await?)
}

/// The org units the list may be narrowed to.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn units(db: &Db, user: &SessionUser) -> Result<Vec<Choice>, Error> {
    Ok(repo::customers::units(db, &user.scope()).await?)
}

/// One customer's page, if `user` may see the customer.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn detail(
    db: &Db,
    user: &SessionUser,
    id: i64,
    today: NaiveDate,
) -> Result<CustomerDetail, Error> {
    let rule = repo::settings::trend_rule(db).await?;
    repo::customers::detail(db, &user.scope(), id, today, rule)
        .await?
        .ok_or_else(|| AppError::NotFound("customer".into()).into())
}

/// Plans a visit by `user` to a customer they may see; answers the activity's id.
#[tracing::instrument(skip(db, user, notes), fields(user = user.id))]
pub async fn plan_visit(
    db: &Db,
    user: &SessionUser,
    customer_id: i64,
    day: &str,
    notes: &str,
    today: NaiveDate,
) -> Result<i64, Error> {
    let plan = PlannedVisit::parse(day, notes, today)?;
    let scope = user.scope();
    repo::customers::plan_visit(db, &scope, user.id, customer_id, plan.day, &plan.notes)
        .await?
        .ok_or_else(|| AppError::NotFound("customer".into()).into())
}

/// Sets a customer's check-in radius (managers in their scope, admins anywhere); empty
/// restores the default. Answers the radius stored.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn set_visit_radius(
    db: &Db,
    user: &SessionUser,
    customer_id: i64,
    radius: &str,
) -> Result<Option<i32>, Error> {
    if user.role == Role::Rep {
        return Err(AppError::Forbidden("check-in radius".into()).into());
    }
    let radius = parse_radius(radius)?;
    if repo::customers::set_visit_radius(db, &user.scope(), customer_id, radius).await? {
        Ok(radius)
    } else {
        Err(AppError::NotFound("customer".into()).into())
    }
}

/// Sets a customer's estimated annual potential in euros (whoever may see the customer may,
/// as they may plan a visit there); empty clears it. Answers the potential stored, in cents.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn set_potential(
    db: &Db,
    user: &SessionUser,
    customer_id: i64,
    potential: &str,
) -> Result<Option<i64>, Error> {
    let potential = prospect::parse_potential_in(user.locale, potential)?;
    if repo::customers::set_potential(db, &user.scope(), customer_id, potential).await? {
        Ok(potential)
    } else {
        Err(AppError::NotFound("customer".into()).into())
    }
}

/// Creates a prospect owned by `user`; unless `input.confirmed`, flags customers of the same
/// name in the same town first and saves nothing.
#[tracing::instrument(skip(db, user, input), fields(user = user.id))]
pub async fn create_prospect(
    db: &Db,
    user: &SessionUser,
    input: &ProspectInput,
    now: DateTime<Utc>,
) -> Result<ProspectSaved, Error> {
    let prospect = input.parse()?;
    if !input.confirmed {
        if let Some(word) = prospect::telling_word(&prospect.name) {
            let (visible, hidden): (Vec<_>, Vec<_>) =
                repo::customers::namesakes(db, &user.scope(), &word)
                    .await?
                    .into_iter()
                    .filter(|r| prospect::looks_alike(&prospect, &r.name, r.city.as_deref()))
                    .partition(|r| r.visible);
            if !visible.is_empty() || !hidden.is_empty() {
                let visible = visible
                    .into_iter()
                    .map(|r| Lookalike {
                        id: r.id,
                        name: r.name,
                        city: r.city,
                    })
                    .collect();
                return Ok(ProspectSaved::LooksLike {
                    visible,
                    hidden: hidden.len(),
                });
            }
        }
    }
    let id = repo::customers::insert_prospect(db, user.id, &prospect, now).await?;
    Ok(ProspectSaved::Created { id })
}
