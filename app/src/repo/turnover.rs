//! `turnover_years`: each customer's EUR turnover per calendar month, one row per customer and
//! year, recomputed from `sales` inside every transaction that writes sales. The lists read
//! whole months from it and only the days at a period's edges from `sales`.

use crate::db::Db;
use std::collections::BTreeMap;

/// Customers per statement.
const CHUNK: usize = 1_000;
/// Above this many customers in one year, the year is recomputed for everyone at once.
const WHOLE_YEAR_FROM: usize = 5_000;

/// The statements that recompute the rows of `pairs` (customer id, year) from `sales`: for
/// each year, per chunk of customers, a DELETE and an INSERT … SELECT. Run them in the
/// transaction that changed the sales.
pub fn refresh_statements(db: &Db, pairs: impl IntoIterator<Item = (i64, i32)>) -> Vec<String> {
    let mut by_year: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for (customer, year) in pairs {
        by_year.entry(year).or_default().push(customer);
    }
    let (columns, sums) = month_columns(db);
    let mut statements = Vec::new();
    for (year, mut customers) in by_year {
        customers.sort_unstable();
        customers.dedup();
        let in_year = format!("sold_on >= '{year:04}-01-01' AND sold_on <= '{year:04}-12-31'");
        if customers.len() > WHOLE_YEAR_FROM {
            // Most customers of the year: one pass over the year beats many lookups.
            statements.push(format!("DELETE FROM turnover_years WHERE year = {year}"));
            statements.push(format!(
                "INSERT INTO turnover_years (customer_id, year, {}) \
                 SELECT customer_id, {year}, {} FROM sales \
                 WHERE currency = 'EUR' AND {in_year} GROUP BY customer_id",
                columns, sums
            ));
            continue;
        }
        for chunk in customers.chunks(CHUNK) {
            // Ids and years are integers from our own data, not input: safe to inline.
            let ids: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let ids = ids.join(",");
            statements.push(format!(
                "DELETE FROM turnover_years WHERE year = {year} AND customer_id IN ({ids})"
            ));
            statements.push(format!(
                "INSERT INTO turnover_years (customer_id, year, {}) \
                 SELECT customer_id, {year}, {} FROM sales \
                 WHERE currency = 'EUR' AND {in_year} AND customer_id IN ({ids}) GROUP BY customer_id",
                columns,
                sums
            ));
        }
    }
    statements
}

/// The statements that rebuild the whole table (after the demo is loaded).
pub fn rebuild_statements(db: &Db) -> Vec<String> {
    let (year, _) = db.sold_on_year_month();
    let (columns, sums) = month_columns(db);
    vec![
        "DELETE FROM turnover_years".to_string(),
        format!(
            "INSERT INTO turnover_years (customer_id, year, {}) SELECT customer_id, {year}, {} \
             FROM sales WHERE currency = 'EUR' GROUP BY customer_id, {year}",
            columns, sums
        ),
    ]
}

/// The twelve month columns of a row, and the sums of `sales` that fill them.
fn month_columns(db: &Db) -> (String, String) {
    let (_, month) = db.sold_on_year_month();
    let columns: Vec<String> = (1..=12).map(|m| format!("m{m}")).collect();
    let sums: Vec<String> = (1..=12)
        .map(|m| format!("SUM(CASE WHEN {month} = {m} THEN amount_minor ELSE 0 END)"))
        .collect();
    (columns.join(", "), sums.join(", "))
}

/// `(first_month..=last_month)` of a year row as a sum of its columns.
pub fn months_sql(from: u32, to: u32) -> String {
    (from..=to)
        .map(|m| format!("m{m}"))
        .collect::<Vec<_>>()
        .join(" + ")
}
