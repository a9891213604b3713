use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CustomerSummary {
    pub id: i64,
    pub name: String,
    pub segment: String,
    pub city: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerList {
    /// How many customers match, of which `customers` holds the first page.
    pub total: i64,
    pub customers: Vec<CustomerSummary>,
}

/// How many customers one page of the list shows.
pub const CUSTOMER_PAGE_SIZE: i64 = 100;

#[server(endpoint = "customers")]
pub async fn list_customers(search: Option<String>) -> Result<CustomerList, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        Ok(
            repo::customers::list(&db, &user.scope(), search.as_deref(), CUSTOMER_PAGE_SIZE)
                .await?,
        )
    })
    .await
}

#[server(endpoint = "customer")]
pub async fn get_customer(id: i64) -> Result<CustomerSummary, AppError> {
    use crate::{auth, repo};
    auth::respond(async move {
        let user = auth::require_user().await?;
        let db = auth::db()?;
        repo::customers::find(&db, &user.scope(), id)
            .await?
            .ok_or_else(|| AppError::NotFound("customer".into()))
    })
    .await
}
