use super::scope::push_owner_filter;
use super::RepoError;
use crate::api::customers::{CustomerList, CustomerSummary};
use crate::api::pipeline::Choice;
use crate::domain::Scope;
use crate::{db::Db, on_db};
use sqlx::QueryBuilder;

/// Customers `scope` may see, by name, optionally filtered by a search text.
#[tracing::instrument(skip(db), err)]
pub async fn list(
    db: &Db,
    scope: &Scope,
    search: Option<&str>,
    limit: i64,
) -> Result<CustomerList, RepoError> {
    let pattern = search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", s.to_lowercase()));
    on_db!(db, pool => {
        let filtered = |select: &'static str| {
            let mut qb = QueryBuilder::new(select);
            qb.push(" FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE ");
            push_owner_filter(&mut qb, scope, "c.owner_id");
            if let Some(p) = &pattern {
                qb.push(" AND LOWER(c.name) LIKE ").push_bind(p.clone());
            }
            qb
        };
        let (total,): (i64,) = filtered("SELECT COUNT(*)").build_query_as().fetch_one(pool).await?;
        let mut qb = filtered(
            "SELECT c.id, c.name, c.segment, c.city, c.owner_id, u.name AS owner_name",
        );
        qb.push(" ORDER BY c.name, c.id LIMIT ").push_bind(limit);
        let customers: Vec<CustomerSummary> = qb.build_query_as().fetch_all(pool).await?;
        Ok(CustomerList { total, customers })
    })
}

/// One customer, if `scope` may see it.
#[tracing::instrument(skip(db), err)]
pub async fn find(db: &Db, scope: &Scope, id: i64) -> Result<Option<CustomerSummary>, RepoError> {
    on_db!(db, pool => {
        let mut qb = QueryBuilder::new(
            "SELECT c.id, c.name, c.segment, c.city, c.owner_id, u.name AS owner_name \
             FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE c.id = ",
        );
        qb.push_bind(id).push(" AND ");
        push_owner_filter(&mut qb, scope, "c.owner_id");
        Ok(qb.build_query_as().fetch_optional(pool).await?)
    })
}

/// Customers `scope` may see, as choices for a select, by name.
#[tracing::instrument(skip(db), err)]
pub async fn choices(db: &Db, scope: &Scope) -> Result<Vec<Choice>, RepoError> {
    on_db!(db, pool => {
        let mut qb = QueryBuilder::new(
            "SELECT CAST(c.id AS TEXT) AS key, c.name AS label FROM customers c WHERE ",
        );
        push_owner_filter(&mut qb, scope, "c.owner_id");
        qb.push(" ORDER BY c.name, c.id");
        Ok(qb.build_query_as().fetch_all(pool).await?)
    })
}
