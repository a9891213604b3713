//! Customers and their turnover. The database does the aggregation: every customer's turnover
//! in the period, a year earlier, and in the two trend windows, from the monthly totals of
//! `turnover_years` for whole months and from `sales` (its `sales_date_customer` index) for the
//! days at the edges.

use super::scope::{push_owner_filter, push_unit_filter};
use super::turnover::months_sql;
use super::RepoError;
use crate::db::{sql, Db, Sql};
use crate::domain::prospect::potential_since;
use crate::domain::turnover::{
    change_sql, comparison, Deviation, Direction, MonthCut, Segment, Trend, TrendRule, TrendWindows,
};
use crate::domain::{Currency, Period, Scope};
use crate::model::customers::{
    ActivityLine, CustomerDetail, CustomerFilter, CustomerList, CustomerOpportunity,
    CustomerSummary, Listing, MonthTurnover, SortKey, CHART_MONTHS,
};
use crate::model::pipeline::Choice;
use crate::model::sync::Stamp;
use chrono::{Datelike, Months, NaiveDate};

/// One row as the database returns it; [`CustomerSummary`] is what the user sees of it.
#[derive(sqlx::FromRow)]
struct TurnoverRow {
    id: i64,
    external_ref: Option<String>,
    name: String,
    segment: String,
    city: Option<String>,
    owner_id: Option<i64>,
    owner_name: Option<String>,
    actual: i64,
    expected: i64,
    recent: i64,
    base: i64,
    new_in_period: bool,
    total: i64,
    sum_actual: i64,
    sum_expected: i64,
    potential_minor: Option<i64>,
    /// Euro turnover since [`Spans::potential_since`], read for customers with a potential.
    last_12_months: Option<i64>,
    sync_seq: i64,
    changed_at: chrono::DateTime<chrono::Utc>,
}

impl TurnoverRow {
    fn summary(self, rule: TrendRule) -> CustomerSummary {
        // The column's CHECK allows the two types only; the trend SQL reads any other as price.
        let segment = Segment::parse(&self.segment).unwrap_or(Segment::Price);
        CustomerSummary {
            id: self.id,
            external_ref: self.external_ref,
            name: self.name,
            segment: self.segment,
            city: self.city,
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            deviation: Deviation::new(self.actual, self.expected, self.new_in_period),
            trend: Trend::detect(self.recent, self.base, rule, segment),
            potential_minor: self.potential_minor,
            last_12_months_minor: self.last_12_months,
        }
    }
}

/// The spans one list compares.
struct Spans {
    period: Period,
    earlier: Period,
    windows: TrendWindows,
    /// The share of potential reached counts euro turnover from this day on: the last 12
    /// months, as the gap candidates count what is untapped.
    potential_since: NaiveDate,
}

/// Appends the query that yields [`TurnoverRow`]s for the customers `scope` may see, filtered
/// by `filter` (all but the listing, order and page, which the caller appends to `rows`).
fn push_turnover_query(
    qb: &mut Sql,
    scope: &Scope,
    filter: &CustomerFilter,
    customer_id: Option<i64>,
    spans: &Spans,
) {
    let Spans {
        period,
        earlier,
        windows,
        potential_since,
    } = spans;
    // Whole months come from the monthly totals, the days at the edges from single sales.
    let columns = ["actual", "expected", "recent", "base"];
    let cuts = [period, earlier, &windows.recent, &windows.base].map(|p| MonthCut::of(*p));
    qb.push("WITH t AS (SELECT customer_id");
    for name in columns {
        qb.push(format!(", CAST(SUM({name}) AS BIGINT) AS {name}"));
    }
    qb.push(" FROM (");
    let years: Vec<i32> = cuts
        .iter()
        .flat_map(|c| c.whole.iter().map(|w| w.0))
        .collect();
    let mut first_part = true;
    if let (Some(low), Some(high)) = (years.iter().min(), years.iter().max()) {
        qb.push("SELECT customer_id");
        for (cut, name) in cuts.iter().zip(columns) {
            let sum: Vec<String> = cut
                .whole
                .iter()
                .map(|(y, from, to)| {
                    format!(
                        "CASE WHEN year = {y} THEN {} ELSE 0 END",
                        months_sql(*from, *to)
                    )
                })
                .collect();
            let sum = if sum.is_empty() {
                "0".to_string()
            } else {
                sum.join(" + ")
            };
            qb.push(format!(", {sum} AS {name}"));
        }
        qb.push(format!(
            " FROM turnover_years WHERE year >= {low} AND year <= {high}"
        ));
        if let Some(id) = customer_id {
            qb.push(" AND customer_id = ").push_bind(id);
        }
        first_part = false;
    }
    for (k, cut) in cuts.iter().enumerate() {
        for days in &cut.days {
            if !first_part {
                qb.push(" UNION ALL ");
            }
            first_part = false;
            qb.push("SELECT customer_id");
            for (j, name) in columns.iter().enumerate() {
                let value = if j == k { "amount_minor" } else { "0" };
                qb.push(format!(", {value} AS {name}"));
            }
            qb.push(" FROM sales WHERE sold_on >= ")
                .push_bind(days.start())
                .push(" AND sold_on <= ")
                .push_bind(days.end())
                .push(" AND currency = ")
                .push_bind(Currency::EUR.as_str().to_string());
            if let Some(id) = customer_id {
                qb.push(" AND customer_id = ").push_bind(id);
            }
        }
    }
    qb.push(
        ") parts GROUP BY customer_id), \
         matched AS (SELECT c.id, c.external_ref, c.name, c.segment, c.city, c.owner_id, \
         c.sync_seq, c.changed_at, \
         u.name AS owner_name, \
         COALESCE(t.actual, 0) AS actual, COALESCE(t.expected, 0) AS expected, \
         COALESCE(t.recent, 0) AS recent, COALESCE(t.base, 0) AS base, \
         c.potential_minor, \
         CASE WHEN c.potential_minor IS NULL THEN NULL ELSE \
         (SELECT COALESCE(CAST(SUM(ps.amount_minor) AS BIGINT), 0) FROM sales ps \
          WHERE ps.customer_id = c.id AND ps.currency = 'EUR' AND ps.sold_on >= ",
    );
    // The potential is in euros (a prospect's is typed in €): sales in other currencies do
    // not count toward it, as in the gap candidates.
    qb.push_bind(*potential_since).push(
        ") END AS last_12_months \
         FROM customers c LEFT JOIN users u ON u.id = c.owner_id \
         LEFT JOIN t ON t.customer_id = c.id WHERE ",
    );
    push_owner_filter(qb, scope, "c.owner_id");
    if let Some(id) = customer_id {
        qb.push(" AND c.id = ").push_bind(id);
    }
    if let Some(ids) = &filter.ids {
        super::sync::push_ids(qb, "c.id", ids);
    }
    if let Some(search) = &filter.search {
        let pattern = format!("%{}%", search.to_lowercase());
        qb.push(" AND (LOWER(c.name) LIKE ")
            .push_bind(pattern.clone())
            .push(" OR LOWER(c.external_ref) LIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some(unit) = filter.unit_id {
        qb.push(" AND ");
        push_unit_filter(qb, unit, "c.owner_id");
    }
    if let Some(owner) = filter.owner_id {
        qb.push(" AND c.owner_id = ").push_bind(owner);
    }
    if let Some(segment) = filter.segment {
        qb.push(" AND c.segment = ")
            .push_bind(segment.as_str().to_string());
    }
    qb.push(
        ") SELECT matched.*, \
         CASE WHEN actual <> 0 AND expected = 0 THEN NOT EXISTS \
         (SELECT 1 FROM sales s WHERE s.customer_id = matched.id AND s.sold_on < ",
    );
    qb.push_bind(period.start()).push(
        ") ELSE FALSE END AS new_in_period, \
         COUNT(*) OVER () AS total, \
         CAST(SUM(actual) OVER () AS BIGINT) AS sum_actual, \
         CAST(SUM(expected) OVER () AS BIGINT) AS sum_expected \
         FROM matched",
    );
}

/// The condition of a listing and its natural order.
fn listing_sql(listing: Listing, rule: TrendRule) -> (String, String) {
    match listing {
        Listing::All => ("1 = 1".into(), "LOWER(name) ASC, id ASC".into()),
        Listing::Plus => (
            "actual > expected".into(),
            "CAST(actual AS NUMERIC) - expected DESC, id ASC".into(),
        ),
        Listing::Minus => (
            "actual < expected".into(),
            "CAST(actual AS NUMERIC) - expected ASC, id ASC".into(),
        ),
        // Each customer by its own client type's threshold.
        Listing::Trend => (
            rule.sql("segment", "recent", "base"),
            // Largest change of the monthly run rate first, either way.
            format!("{} DESC, id ASC", change_sql("recent", "base")),
        ),
    }
}

fn order_sql(sort: SortKey, descending: bool) -> Option<String> {
    let column = match sort {
        SortKey::Natural => return None,
        SortKey::Name => "LOWER(name)",
        SortKey::Actual => "actual",
        SortKey::Expected => "expected",
        // Exact decimals: a difference of two large sums overflows 64-bit integers.
        SortKey::Deviation => "CAST(actual AS NUMERIC) - expected",
        SortKey::Percent => {
            "CASE WHEN expected > 0 THEN (CAST(actual AS NUMERIC) - expected) * 1000 / expected END"
        }
        // What is left of the potential (never below zero; exact decimals, as above); no
        // potential sorts last.
        SortKey::Untapped => {
            "CASE WHEN potential_minor IS NULL THEN NULL \
             WHEN potential_minor > last_12_months \
             THEN CAST(potential_minor AS NUMERIC) - last_12_months ELSE 0 END"
        }
    };
    let direction = if descending { "DESC" } else { "ASC" };
    Some(format!("{column} {direction} NULLS LAST, id ASC"))
}

/// The customers `scope` may see with their turnover, as `filter` asks; one page of
/// `page_size`, or all of them (`None`, for the CSV export).
#[tracing::instrument(skip(db), err)]
pub async fn list(
    db: &Db,
    scope: &Scope,
    filter: &CustomerFilter,
    today: NaiveDate,
    rule: TrendRule,
    page_size: Option<i64>,
) -> Result<CustomerList, RepoError> {
    let (period, earlier) = comparison(filter.period);
    let spans = Spans {
        period,
        earlier,
        windows: TrendWindows::on(today),
        potential_since: potential_since(today),
    };
    let (condition, natural) = listing_sql(filter.listing, rule);
    let order = order_sql(filter.sort, filter.descending).unwrap_or(natural);
    let (spans_ref, condition_ref, order_ref) = (&spans, &condition, &order);
    let read = |window: Option<(i64, i64)>| async move {
        let (spans, condition, order) = (spans_ref, condition_ref, order_ref);
        let mut qb = sql("");
        push_turnover_query(&mut qb, scope, filter, None, spans);
        qb.push(format!(" WHERE {condition} ORDER BY {order}"));
        if let Some((limit, offset)) = window {
            qb.push(" LIMIT ")
                .push_bind(limit)
                .push(" OFFSET ")
                .push_bind(offset);
        }
        let rows: Vec<TurnoverRow> = qb.fetch_all(db).await?;
        Ok::<_, RepoError>(rows)
    };
    let window = page_size.map(|size| (size, filter.page * size));
    let rows = read(window).await?;
    // The count and sums ride on every row; past the last page there is none to carry them.
    let past_the_end = rows.is_empty() && window.is_some_and(|(_, offset)| offset > 0);
    let carrier = if past_the_end {
        read(Some((1, 0))).await?.into_iter().next()
    } else {
        None
    };
    let (total, actual_minor, expected_minor) = rows
        .first()
        .or(carrier.as_ref())
        .map_or((0, 0, 0), |r| (r.total, r.sum_actual, r.sum_expected));
    let stamps = rows
        .iter()
        .map(|r| Stamp {
            seq: r.sync_seq,
            at: r.changed_at,
        })
        .collect();
    Ok(CustomerList {
        total,
        stamps,
        customers: rows.into_iter().map(|r| r.summary(rule)).collect(),
        filter: filter.clone(),
        compared_with: spans.earlier,
        windows: spans.windows,
        actual_minor,
        expected_minor,
        page_size: page_size.unwrap_or(total),
    })
}

/// People owning customers `scope` may see, for the owner filter.
#[tracing::instrument(skip(db), err)]
pub async fn owners(db: &Db, scope: &Scope) -> Result<Vec<Choice>, RepoError> {
    let mut qb = sql(
        "SELECT CAST(u.id AS TEXT) AS key, u.name AS label FROM users u WHERE u.id IN \
         (SELECT c.owner_id FROM customers c WHERE ",
    );
    push_owner_filter(&mut qb, scope, "c.owner_id");
    qb.push(") ORDER BY u.name, u.id");
    Ok(qb.fetch_all(db).await?)
}

/// Org units `scope` covers, for the unit filter: an admin's all, a manager's subtree, a
/// rep's none. Each labelled with its kind's place in the tree.
#[tracing::instrument(skip(db), err)]
pub async fn units(db: &Db, scope: &Scope) -> Result<Vec<Choice>, RepoError> {
    let prefix = match scope {
        Scope::Own { .. } => return Ok(Vec::new()),
        Scope::Subtree { unit_path } => unit_path.clone(),
        Scope::All => String::new(),
    };
    Ok(sql(
        "SELECT CAST(id AS TEXT) AS key, name AS label FROM org_units \
         WHERE path LIKE $1 ORDER BY path",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(db)
    .await?)
}

/// One customer with its turnover this year, its monthly chart, open opportunities and
/// activities, if `scope` may see it.
#[tracing::instrument(skip(db), err)]
pub async fn detail(
    db: &Db,
    scope: &Scope,
    id: i64,
    today: NaiveDate,
    rule: TrendRule,
) -> Result<Option<CustomerDetail>, RepoError> {
    let (period, earlier) = comparison(super::settings::calendar(db).await?.year_to_date(today));
    let spans = Spans {
        period,
        earlier,
        windows: TrendWindows::on(today),
        potential_since: potential_since(today),
    };
    let filter = CustomerFilter {
        listing: Listing::All,
        ..CustomerFilter::trends(today)
    };
    let this_month = today.with_day(1).expect("day 1 exists");
    let first_month = this_month - Months::new(CHART_MONTHS - 1);
    let mut qb = sql("");
    push_turnover_query(&mut qb, scope, &filter, Some(id), &spans);
    let Some(row): Option<TurnoverRow> = qb.fetch_optional(db).await? else {
        return Ok(None);
    };
    type Place = (Option<f64>, Option<f64>, Option<NaiveDate>, Option<i32>);
    let (lat, lon, first_contact_on, visit_radius_m): Place =
        sql("SELECT lat, lon, first_contact_on, visit_radius_m FROM customers WHERE id = $1")
            .bind(id)
            .fetch_one(db)
            .await?;
    let sales: Vec<(NaiveDate, i64)> = sql("SELECT sold_on, amount_minor FROM sales \
         WHERE customer_id = $1 AND sold_on >= $2 AND currency = $3 ORDER BY sold_on")
    .bind(id)
    .bind(first_month)
    .bind(Currency::EUR.as_str())
    .fetch_all(db)
    .await?;
    let mut months: Vec<MonthTurnover> = (0..CHART_MONTHS)
        .map(|m| MonthTurnover {
            month: first_month + Months::new(m),
            amount_minor: 0,
        })
        .collect();
    for (day, amount) in sales {
        let index = (day.year() - first_month.year()) * 12 + day.month0() as i32
            - first_month.month0() as i32;
        if let Some(m) = usize::try_from(index).ok().and_then(|i| months.get_mut(i)) {
            m.amount_minor += amount;
        }
    }
    // What hangs off a visible customer is still owned by someone: the same rule decides.
    let mut qb = sql(
        "SELECT o.id, o.title, s.name, o.value_minor, o.currency, o.expected_close_on, u.name \
         FROM opportunities o JOIN stages s ON s.id = o.stage_id JOIN users u ON u.id = o.owner_id \
         WHERE o.customer_id = ",
    );
    qb.push_bind(id).push(" AND s.kind = 'open' AND ");
    push_owner_filter(&mut qb, scope, "o.owner_id");
    qb.push(" ORDER BY o.expected_close_on, o.id");
    let opportunities: Vec<CustomerOpportunity> = qb
        .fetch_all::<(i64, String, String, i64, String, NaiveDate, String)>(db)
        .await?
        .into_iter()
        .map(
            |(id, title, stage, value_minor, currency, expected_close_on, owner_name)| {
                CustomerOpportunity {
                    id,
                    title,
                    stage,
                    value_minor,
                    currency,
                    expected_close_on,
                    owner_name,
                }
            },
        )
        .collect();
    let mut qb = sql(
        "SELECT a.id, a.kind, a.user_id, u.name AS user_name, a.occurred_at, a.notes, a.planned, a.outcome, \
         a.next_step, a.next_step_due, a.next_step_done_at IS NOT NULL AS next_step_done \
         FROM activities a JOIN users u ON u.id = a.user_id WHERE a.customer_id = ",
    );
    qb.push_bind(id).push(" AND ");
    push_owner_filter(&mut qb, scope, "a.user_id");
    qb.push(
        " ORDER BY a.planned DESC, CASE WHEN a.planned THEN a.occurred_at END ASC, \
         a.occurred_at DESC, a.id DESC LIMIT 20",
    );
    let activities: Vec<ActivityLine> = qb.fetch_all(db).await?;
    Ok(Some(CustomerDetail {
        customer: row.summary(rule),
        lat,
        lon,
        first_contact_on,
        visit_radius_m,
        period: spans.period,
        compared_with: spans.earlier,
        windows: spans.windows,
        months,
        opportunities,
        activities,
    }))
}

/// Sets the radius within which a check-in at a customer `scope` may see is verified (`None`:
/// the default). `false` if the customer is not visible.
#[tracing::instrument(skip(db), err)]
pub async fn set_visit_radius(
    db: &Db,
    scope: &Scope,
    customer_id: i64,
    radius_m: Option<i32>,
) -> Result<bool, RepoError> {
    let mut qb = sql("UPDATE customers SET visit_radius_m = ");
    qb.push_bind(radius_m)
        .push(" WHERE id = ")
        .push_bind(customer_id)
        .push(" AND ");
    push_owner_filter(&mut qb, scope, "owner_id");
    Ok(qb.execute(db).await? == 1)
}

/// Sets the estimated annual potential (euro cents; `None`: unknown) of a customer `scope`
/// may see. `false` if the customer is not visible.
#[tracing::instrument(skip(db), err)]
pub async fn set_potential(
    db: &Db,
    scope: &Scope,
    customer_id: i64,
    potential_minor: Option<i64>,
) -> Result<bool, RepoError> {
    let mut qb = sql("UPDATE customers SET potential_minor = ");
    qb.push_bind(potential_minor)
        .push(" WHERE id = ")
        .push_bind(customer_id)
        .push(" AND ");
    push_owner_filter(&mut qb, scope, "owner_id");
    Ok(qb.execute(db).await? == 1)
}

/// Stores a planned visit by `user_id` to a customer `scope` may see; `None` if it may not.
#[tracing::instrument(skip(db, notes), err)]
pub async fn plan_visit(
    db: &Db,
    scope: &Scope,
    user_id: i64,
    customer_id: i64,
    day: NaiveDate,
    notes: &str,
) -> Result<Option<i64>, RepoError> {
    // Nine in the morning: a planned visit has a day, not yet a time.
    let at = day.and_hms_opt(9, 0, 0).expect("09:00 exists").and_utc();
    let mut tx = db.begin_write().await?;
    let mut qb = sql("SELECT c.id FROM customers c WHERE c.id = ");
    qb.push_bind(customer_id).push(" AND ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    let visible: Option<(i64,)> = qb.fetch_optional(&mut tx).await?;
    if visible.is_none() {
        return Ok(None);
    }
    let (id,): (i64,) = sql(
        "INSERT INTO activities (kind, customer_id, user_id, occurred_at, notes, planned) \
         VALUES ('visit', $1, $2, $3, $4, TRUE) RETURNING id",
    )
    .bind(customer_id)
    .bind(user_id)
    .bind(at)
    .bind(notes)
    .fetch_one(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Customers `scope` may see, as choices for a select, by name.
#[tracing::instrument(skip(db), err)]
pub async fn choices(db: &Db, scope: &Scope) -> Result<Vec<Choice>, RepoError> {
    let mut qb = sql("SELECT CAST(c.id AS TEXT) AS key, c.name AS label FROM customers c WHERE ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    qb.push(" ORDER BY c.name, c.id");
    Ok(qb.fetch_all(db).await?)
}

/// The trend flags stored with the snapshot of `day`: customer id → direction.
#[tracing::instrument(skip(db), err)]
pub async fn trend_flags_on(
    db: &Db,
    day: NaiveDate,
) -> Result<std::collections::HashMap<i64, Direction>, RepoError> {
    let rows: Vec<(i64, String)> =
        sql("SELECT customer_id, direction FROM trend_flags WHERE day = $1")
            .bind(day)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, d)| {
            (
                id,
                if d == "up" {
                    Direction::Up
                } else {
                    Direction::Down
                },
            )
        })
        .collect())
}

/// A customer's id and name, if `scope` may see it.
#[derive(sqlx::FromRow)]
pub struct Visible {
    pub id: i64,
    pub name: String,
}

#[tracing::instrument(skip(db), err)]
pub async fn find(db: &Db, scope: &Scope, id: i64) -> Result<Option<Visible>, RepoError> {
    let mut qb = sql("SELECT c.id, c.name FROM customers c WHERE c.id = ");
    qb.push_bind(id).push(" AND ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    Ok(qb.fetch_optional(db).await?)
}

/// A stored customer a new prospect may duplicate, and whether `scope` may see it.
#[derive(Debug, sqlx::FromRow)]
pub struct Namesake {
    pub id: i64,
    pub name: String,
    pub city: Option<String>,
    pub visible: bool,
}

/// Customers of the whole company whose name contains `word` (the most telling word of a
/// name key, lower case), each marked with whether `scope` may see it: the duplicate check
/// says that a firm exists, never whose it is, outside the scope.
#[tracing::instrument(skip(db), err)]
pub async fn namesakes(db: &Db, scope: &Scope, word: &str) -> Result<Vec<Namesake>, RepoError> {
    // Umlauts and ß may be stored spelled either way: "mueller" also finds "Müller", "gross"
    // "Groß". (A name key's words hold letters, digits and dots only: nothing LIKE treats
    // specially.) SQLite lowers ASCII only: "MÜLLER" in capitals is found on Postgres alone.
    let pattern = |w: &str| format!("%{w}%");
    let umlauts = word
        .replace("ae", "ä")
        .replace("oe", "ö")
        .replace("ue", "ü");
    let sharp = word.replace("ss", "ß");
    let mut qb = sql("SELECT c.id, c.name, c.city, CASE WHEN ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    qb.push(" THEN TRUE ELSE FALSE END AS visible FROM customers c WHERE (LOWER(c.name) LIKE ")
        .push_bind(pattern(word))
        .push(" OR LOWER(c.name) LIKE ")
        .push_bind(pattern(&umlauts))
        .push(" OR LOWER(c.name) LIKE ")
        .push_bind(pattern(&sharp))
        .push(") ORDER BY c.id LIMIT 5000");
    Ok(qb.fetch_all(db).await?)
}

/// Stores a prospect owned by `owner_id`; its id.
#[tracing::instrument(skip(db, prospect), err)]
pub async fn insert_prospect(
    db: &Db,
    owner_id: i64,
    prospect: &crate::domain::prospect::Prospect,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, RepoError> {
    let (id,): (i64,) = sql(
        "INSERT INTO customers (name, owner_id, segment, city, potential_minor, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(prospect.name.as_str())
    .bind(owner_id)
    .bind(prospect.segment.as_str())
    .bind(prospect.city.as_deref())
    .bind(prospect.potential_minor)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(id)
}
