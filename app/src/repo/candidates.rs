//! The raw rows behind a target's candidates: customers not visited for long, prospects never
//! contacted, open deals, and who was acted on lately. Every query is limited to the target's
//! assignee (a person, or everyone in a unit) *and* to the viewer's scope.

use super::metrics::Who;
use super::scope::push_owner_filter;
use super::RepoError;
use crate::db::{sql, Db, Sql};
use crate::domain::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};

/// How many rows a query reads before ranking (a rep's book is a few hundred customers).
const READ_LIMIT: i64 = 300;

/// Restricts `column` (a user id) to the assignee: the person, or the users of the unit and
/// the units below it.
fn push_who(qb: &mut Sql, who: &Who, column: &'static str) {
    match who {
        Who::User(id) => {
            qb.push(column).push(" = ").push_bind(*id);
        }
        Who::Subtree(path) => {
            qb.push(column).push(
                " IN (SELECT wu.id FROM users wu JOIN org_units wo ON wo.id = wu.org_unit_id \
                 WHERE wo.path LIKE ",
            );
            qb.push_bind(format!("{path}%")).push(")");
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub city: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub potential_minor: Option<i64>,
    /// The last visit that happened (not a planned one).
    pub last_visit: Option<DateTime<Utc>>,
}

const CUSTOMER_COLUMNS: &str = "SELECT c.id, c.name, c.city, c.lat, c.lon, c.potential_minor, \
     (SELECT MAX(v.occurred_at) FROM activities v WHERE v.customer_id = c.id \
      AND v.kind = 'visit' AND NOT v.planned) AS last_visit FROM customers c WHERE ";

/// The assignee's customers that `scope` may see, as [`CustomerRow`]s: the start of a query.
fn assignees_customers(scope: &Scope, who: &Who) -> Sql {
    let mut qb = sql(CUSTOMER_COLUMNS);
    push_who(&mut qb, who, "c.owner_id");
    qb.push(" AND ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    qb
}

/// The assignee's customers, longest unvisited first (never visited first of all).
#[tracing::instrument(skip(db), err)]
pub async fn least_visited(
    db: &Db,
    scope: &Scope,
    who: &Who,
) -> Result<Vec<CustomerRow>, RepoError> {
    let mut qb = assignees_customers(scope, who);
    qb.push(" ORDER BY last_visit ASC NULLS FIRST, c.potential_minor DESC NULLS LAST, c.id LIMIT ")
        .push_bind(READ_LIMIT);
    Ok(qb.fetch_all(db).await?)
}

/// The assignee's prospects nobody has contacted: no first contact on record, no initial
/// contact logged, no sale ever; the largest potential first, then the newest.
#[tracing::instrument(skip(db), err)]
pub async fn never_contacted(
    db: &Db,
    scope: &Scope,
    who: &Who,
) -> Result<Vec<CustomerRow>, RepoError> {
    let mut qb = assignees_customers(scope, who);
    qb.push(
        " AND c.first_contact_on IS NULL \
         AND NOT EXISTS (SELECT 1 FROM activities i WHERE i.customer_id = c.id \
             AND i.kind = 'initial_contact' AND NOT i.planned) \
         AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.customer_id = c.id) \
         ORDER BY c.potential_minor DESC NULLS LAST, c.created_at DESC, c.id LIMIT ",
    )
    .push_bind(READ_LIMIT);
    Ok(qb.fetch_all(db).await?)
}

#[derive(Debug, sqlx::FromRow)]
pub struct DealRow {
    pub id: i64,
    pub title: String,
    pub customer_id: i64,
    pub customer: String,
    pub city: Option<String>,
    pub value_minor: i64,
    pub currency: String,
    pub expected_close_on: NaiveDate,
    pub stage: String,
    pub probability: i64,
    pub potential_minor: Option<i64>,
}

/// The assignee's open deals expected to close by `by` (overdue ones too); with
/// `prospects_only`, only deals at customers that never bought. Largest first.
#[tracing::instrument(skip(db), err)]
pub async fn open_deals(
    db: &Db,
    scope: &Scope,
    who: &Who,
    by: NaiveDate,
    prospects_only: bool,
) -> Result<Vec<DealRow>, RepoError> {
    let mut qb = sql(
        "SELECT o.id, o.title, o.customer_id, c.name AS customer, c.city, o.value_minor, \
         o.currency, o.expected_close_on, st.name AS stage, \
         CAST(COALESCE(o.probability, st.probability) AS BIGINT) AS probability, c.potential_minor \
         FROM opportunities o JOIN stages st ON st.id = o.stage_id \
         JOIN customers c ON c.id = o.customer_id WHERE st.kind = 'open' AND ",
    );
    push_who(&mut qb, who, "o.owner_id");
    qb.push(" AND ");
    push_owner_filter(&mut qb, scope, "o.owner_id");
    qb.push(" AND o.expected_close_on <= ").push_bind(by);
    if prospects_only {
        qb.push(" AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.customer_id = c.id)");
    }
    qb.push(" ORDER BY o.value_minor DESC, o.id LIMIT ")
        .push_bind(READ_LIMIT);
    Ok(qb.fetch_all(db).await?)
}

/// Of `ids`, the customers someone acted on since `since` (a call, a meeting, an e-mail, a
/// visit, an initial contact — not one that could not reach them) or with a visit planned
/// from `now` on.
#[tracing::instrument(skip(db, ids), err)]
pub async fn acted_on(
    db: &Db,
    ids: &[i64],
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<HashSet<i64>, RepoError> {
    let mut acted = HashSet::new();
    for chunk in ids.chunks(500) {
        let mut qb =
            sql("SELECT DISTINCT a.customer_id FROM activities a WHERE a.customer_id IN (");
        qb.push_list(chunk.iter().copied())
            .push(") AND (a.outcome IS NULL OR a.outcome <> 'not_reached') AND (");
        qb.push("(NOT a.planned AND a.occurred_at >= ")
            .push_bind(since)
            .push(") OR (a.planned AND a.occurred_at >= ")
            .push_bind(
                now.date_naive()
                    .and_hms_opt(0, 0, 0)
                    .map(|d| d.and_utc())
                    .unwrap_or(now),
            )
            .push("))");
        let rows: Vec<(i64,)> = qb.fetch_all(db).await?;
        acted.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(acted)
}

/// Euro turnover of each of `ids` since `since` (for the potential not yet bought).
#[tracing::instrument(skip(db, ids), err)]
pub async fn bought_since(
    db: &Db,
    ids: &[i64],
    since: NaiveDate,
) -> Result<HashMap<i64, i64>, RepoError> {
    let mut bought = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut qb = sql(
            "SELECT s.customer_id, CAST(SUM(s.amount_minor) AS BIGINT) FROM sales s \
             WHERE s.currency = 'EUR' AND s.sold_on >= ",
        );
        qb.push_bind(since).push(" AND s.customer_id IN (");
        qb.push_list(chunk.iter().copied())
            .push(") GROUP BY s.customer_id");
        let rows: Vec<(i64, i64)> = qb.fetch_all(db).await?;
        bought.extend(rows);
    }
    Ok(bought)
}
