//! Customers: the list with turnover against last year, the plus and minus lists, trend
//! changes, one customer's page, and planning a visit.

use crate::domain::turnover::{TrendRule, TrendRuleInput};
use crate::error::AppError;
use crate::model::customers::{CustomerDetail, CustomerList, CustomerQuery};
use crate::model::pipeline::Choice;
use leptos::prelude::*;

#[server(endpoint = "customers")]
pub async fn list_customers(
    #[server(flatten)] query: CustomerQuery,
) -> Result<CustomerList, AppError> {
    use crate::service::customers;
    super::signed_in("list_customers", |c| async move {
        let today = chrono::Utc::now().date_naive();
        let filter = customers::filter(&c.db, &query, today).await?;
        customers::list(
            &c.db,
            &c.user,
            &filter,
            today,
            Some(crate::model::customers::CUSTOMER_PAGE_SIZE),
        )
        .await
    })
    .await
}

/// People whose customers the list may be filtered by: the user's scope.
#[server(endpoint = "customer_owners")]
pub async fn customer_owners() -> Result<Vec<Choice>, AppError> {
    use crate::service::customers;
    super::signed_in("customer_owners", |c| async move {
        customers::owners(&c.db, &c.user).await
    })
    .await
}

/// The org units the list may be narrowed to: the viewer's unit and those below it (all for an
/// admin, none for a rep).
#[server(endpoint = "customer_units")]
pub async fn customer_units() -> Result<Vec<Choice>, AppError> {
    use crate::service::customers;
    super::signed_in("customer_units", |c| async move {
        customers::units(&c.db, &c.user).await
    })
    .await
}

#[server(endpoint = "customer")]
pub async fn get_customer(id: i64) -> Result<CustomerDetail, AppError> {
    use crate::service::customers;
    super::signed_in("get_customer", |c| async move {
        customers::detail(&c.db, &c.user, id, chrono::Utc::now().date_naive()).await
    })
    .await
}

/// Plans a visit to a customer the user may see, on a day from today on; it shows on the
/// customer's page and counts toward nothing until it has happened.
#[server(endpoint = "plan_visit")]
pub async fn plan_visit(customer_id: i64, day: String, notes: String) -> Result<i64, AppError> {
    use crate::service::customers;
    super::signed_in("plan_visit", |c| async move {
        let today = chrono::Utc::now().date_naive();
        customers::plan_visit(&c.db, &c.user, customer_id, &day, &notes, today).await
    })
    .await
}

/// Creates a prospect (a customer without turnover yet) owned by the user. Customers of the
/// same name in the same town are flagged first, and nothing is saved until `confirmed`.
#[server(endpoint = "create_prospect")]
pub async fn create_prospect(
    input: crate::domain::prospect::ProspectInput,
) -> Result<crate::model::customers::ProspectSaved, AppError> {
    use crate::service::customers;
    super::signed_in("create_prospect", |c| async move {
        let input = crate::domain::prospect::ProspectInput {
            locale: c.user.locale,
            ..input
        };
        customers::create_prospect(&c.db, &c.user, &input, chrono::Utc::now()).await
    })
    .await
}

/// Sets the check-in radius of a customer in the manager's scope (an admin's: any); an empty
/// `radius` restores the default.
#[server(endpoint = "set_visit_radius")]
pub async fn set_visit_radius(customer_id: i64, radius: String) -> Result<Option<i32>, AppError> {
    use crate::service::customers;
    super::signed_in("set_visit_radius", |c| async move {
        customers::set_visit_radius(&c.db, &c.user, customer_id, &radius).await
    })
    .await
}

/// Sets the estimated annual potential (euros) of a customer the user may see; an empty
/// `potential` clears it. Answers the potential stored, in cents.
#[server(endpoint = "set_potential")]
pub async fn set_potential(customer_id: i64, potential: String) -> Result<Option<i64>, AppError> {
    use crate::service::customers;
    super::signed_in("set_potential", |c| async move {
        customers::set_potential(&c.db, &c.user, customer_id, &potential).await
    })
    .await
}

/// The trend-change rule in force (anyone signed in may read it: it explains a flag).
#[server(endpoint = "trend_rule")]
pub async fn get_trend_rule() -> Result<TrendRule, AppError> {
    use crate::service::settings;
    super::signed_in("get_trend_rule", |c| async move {
        settings::trend_rule(&c.db).await
    })
    .await
}

/// Changes the trend-change rule. Admins only; every field checked as the form does.
#[server(endpoint = "save_trend_rule")]
pub async fn save_trend_rule(input: TrendRuleInput) -> Result<TrendRule, AppError> {
    use crate::service::settings;
    super::signed_in("save_trend_rule", |c| async move {
        settings::save_trend_rule(&c.db, &c.user, &input, chrono::Utc::now()).await
    })
    .await
}
