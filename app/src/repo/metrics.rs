//! What a target's metric measured for someone over a period: the figures behind progress,
//! the Achievable check and the split "by last period's share". The database aggregates.

use super::RepoError;
use crate::db::{sql, Db, Sql};
use crate::domain::metric::Metric;
use crate::domain::smart::TrackRecord;
use crate::domain::turnover::Segment;
use crate::domain::{Currency, Period};
use chrono::{Months, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

/// Whose results: one person's, or everyone's in a unit and the units below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    User(i64),
    Subtree(String),
}

/// How the owner column is matched; `$1` is bound by [`bind_who`].
fn owner(column: &str, who: &Who) -> String {
    match who {
        Who::User(_) => format!("{column} = $1"),
        Who::Subtree(_) => format!(
            "{column} IN (SELECT wu.id FROM users wu JOIN org_units wo ON wo.id = wu.org_unit_id \
             WHERE wo.path LIKE $1)"
        ),
    }
}

/// Binds `$1` of a statement whose owner column is matched by [`owner`]: the user's id, or
/// the unit path's prefix pattern.
fn bind_who(query: Sql, who: &Who) -> Sql {
    match who {
        Who::User(id) => query.bind(*id),
        Who::Subtree(path) => query.bind(format!("{path}%")),
    }
}

/// The condition that keeps the customers (`c`) of one client type only; empty for every
/// client. (The type's word is one of two fixed strings, not user text.)
fn segment_filter(segment: Option<Segment>) -> String {
    segment.map_or_else(String::new, |s| {
        format!(" AND c.segment = '{}'", s.as_str())
    })
}

/// The activity kind a visits or initial-contacts metric counts.
fn activity_kind(metric: Metric) -> &'static str {
    if metric == Metric::Visits {
        "visit"
    } else {
        "initial_contact"
    }
}

/// The raw measure of `metric` in `period`: cents for money, a count otherwise; for
/// customer growth, the number of active customers (the growth is computed against a baseline).
/// With a `segment`, the metrics read from customers count that client type's only.
#[tracing::instrument(skip(db), err)]
pub async fn measure(
    db: &Db,
    metric: Metric,
    who: &Who,
    segment: Option<Segment>,
    period: Period,
    currency: Option<Currency>,
) -> Result<Decimal, RepoError> {
    let currency = currency.unwrap_or(Currency::EUR).as_str().to_string();
    let only = segment_filter(segment);
    let (start, end) = (period.start(), period.end());
    let cents = |c: i64| Decimal::new(c, 2);
    Ok(match metric {
        Metric::Turnover => {
            let text = format!(
                "SELECT CAST(COALESCE(SUM(s.amount_minor), 0) AS BIGINT) FROM sales s \
                 JOIN customers c ON c.id = s.customer_id WHERE {}{only} \
                 AND s.sold_on >= $2 AND s.sold_on <= $3 AND s.currency = $4",
                owner("c.owner_id", who)
            );
            let (n,): (i64,) = bind_who(sql(text), who)
                .bind(start)
                .bind(end)
                .bind(&currency)
                .fetch_one(db)
                .await?;
            cents(n)
        }
        Metric::Bookings => {
            let text = format!(
                "SELECT CAST(COALESCE(SUM(o.value_minor), 0) AS BIGINT) FROM opportunities o \
                 JOIN stages st ON st.id = o.stage_id WHERE st.kind = 'won' AND {} \
                 AND o.closed_on >= $2 AND o.closed_on <= $3 AND o.currency = $4",
                owner("o.owner_id", who)
            );
            let (n,): (i64,) = bind_who(sql(text), who)
                .bind(start)
                .bind(end)
                .bind(&currency)
                .fetch_one(db)
                .await?;
            cents(n)
        }
        Metric::WonOpportunities => {
            let text = format!(
                "SELECT COUNT(*) FROM opportunities o JOIN stages st ON st.id = o.stage_id \
                 WHERE st.kind = 'won' AND {} AND o.closed_on >= $2 AND o.closed_on <= $3",
                owner("o.owner_id", who)
            );
            let (n,): (i64,) = bind_who(sql(text), who)
                .bind(start)
                .bind(end)
                .fetch_one(db)
                .await?;
            Decimal::from(n)
        }
        Metric::Visits | Metric::InitialContacts => {
            let kind = activity_kind(metric);
            let text = format!(
                "SELECT COUNT(*) FROM activities a WHERE a.kind = $4 AND NOT a.planned AND {} \
                 AND a.occurred_at >= $2 AND a.occurred_at < $3",
                owner("a.user_id", who)
            );
            let from = Utc.from_utc_datetime(&start.and_time(Default::default()));
            let until =
                Utc.from_utc_datetime(&end.succ_opt().unwrap_or(end).and_time(Default::default()));
            let (n,): (i64,) = bind_who(sql(text), who)
                .bind(from)
                .bind(until)
                .bind(kind)
                .fetch_one(db)
                .await?;
            Decimal::from(n)
        }
        Metric::NewCustomers => {
            let text = format!(
                "SELECT COUNT(*) FROM customers c WHERE {}{only} AND \
                 (SELECT MIN(s.sold_on) FROM sales s WHERE s.customer_id = c.id) BETWEEN $2 AND $3",
                owner("c.owner_id", who)
            );
            let (n,): (i64,) = bind_who(sql(text), who)
                .bind(start)
                .bind(end)
                .fetch_one(db)
                .await?;
            Decimal::from(n)
        }
        Metric::TurnoverPerExistingCustomer => {
            let text = format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM((SELECT COALESCE(SUM(s.amount_minor), 0) FROM sales s \
                 WHERE s.customer_id = c.id AND s.sold_on >= $2 AND s.sold_on <= $3 AND s.currency = $4)), 0) AS BIGINT) \
                 FROM customers c WHERE {}{only} AND EXISTS \
                 (SELECT 1 FROM sales p WHERE p.customer_id = c.id AND p.sold_on < $2)",
                owner("c.owner_id", who)
            );
            let (customers, total): (i64, i64) = bind_who(sql(text), who)
                .bind(start)
                .bind(end)
                .bind(&currency)
                .fetch_one(db)
                .await?;
            if customers == 0 {
                Decimal::ZERO
            } else {
                (cents(total) / Decimal::from(customers)).round_dp(2)
            }
        }
        Metric::CustomerGrowthPct => {
            let text = format!(
                "SELECT COUNT(DISTINCT s.customer_id) FROM sales s JOIN customers c ON c.id = s.customer_id \
                 WHERE {}{only} AND s.sold_on >= $2 AND s.sold_on <= $3",
                owner("c.owner_id", who)
            );
            let (n,): (i64,) = bind_who(sql(text), who)
                .bind(start)
                .bind(end)
                .fetch_one(db)
                .await?;
            Decimal::from(n)
        }
    })
}

/// `metric`'s totals day by day from `from` to `to` (both included), for the range of a
/// run-rate target ([`crate::domain::run_rate`]): money in the target's currency (whole units),
/// counts as counts; days without any are left out. Empty for metrics that do not add up day
/// by day (customer growth, turnover per existing customer) and for pipeline metrics.
#[tracing::instrument(skip(db), err)]
pub async fn daily(
    db: &Db,
    metric: Metric,
    who: &Who,
    segment: Option<Segment>,
    from: NaiveDate,
    to: NaiveDate,
    currency: Option<Currency>,
) -> Result<Vec<(NaiveDate, f64)>, RepoError> {
    let currency = currency.unwrap_or(Currency::EUR).as_str().to_string();
    let only = segment_filter(segment);
    let rows: Vec<(NaiveDate, i64)> = match metric {
        Metric::Turnover => {
            let text = format!(
                "SELECT s.sold_on, CAST(SUM(s.amount_minor) AS BIGINT) FROM sales s \
                 JOIN customers c ON c.id = s.customer_id WHERE {}{only} \
                 AND s.sold_on >= $2 AND s.sold_on <= $3 AND s.currency = $4 GROUP BY s.sold_on",
                owner("c.owner_id", who)
            );
            bind_who(sql(text), who)
                .bind(from)
                .bind(to)
                .bind(&currency)
                .fetch_all(db)
                .await?
        }
        Metric::Visits | Metric::InitialContacts => {
            let kind = activity_kind(metric);
            let text = format!(
                "SELECT {day}, CAST(COUNT(*) AS BIGINT) FROM activities a WHERE a.kind = $4 \
                 AND NOT a.planned AND {} AND a.occurred_at >= $2 AND a.occurred_at < $3 GROUP BY {day}",
                owner("a.user_id", who),
                day = db.utc_day("a.occurred_at"),
            );
            let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(Default::default()));
            bind_who(sql(text), who)
                .bind(at(from))
                .bind(at(to.succ_opt().unwrap_or(to)))
                .bind(kind)
                .fetch_all(db)
                .await?
        }
        Metric::NewCustomers => {
            let text = format!(
                "SELECT f.first_sale, CAST(COUNT(*) AS BIGINT) FROM \
                 (SELECT MIN(s.sold_on) AS first_sale FROM sales s JOIN customers c ON c.id = s.customer_id \
                  WHERE {}{only} GROUP BY s.customer_id) f \
                 WHERE f.first_sale >= $2 AND f.first_sale <= $3 GROUP BY f.first_sale",
                owner("c.owner_id", who)
            );
            bind_who(sql(text), who)
                .bind(from)
                .bind(to)
                .fetch_all(db)
                .await?
        }
        Metric::Bookings
        | Metric::WonOpportunities
        | Metric::TurnoverPerExistingCustomer
        | Metric::CustomerGrowthPct => Vec::new(),
    };
    let unit = if metric == Metric::Turnover {
        100.0
    } else {
        1.0
    };
    Ok(rows
        .into_iter()
        .map(|(day, n)| (day, n as f64 / unit))
        .collect())
}

/// The figure a target is compared with: the measure, or for customer growth the percentage
/// above the baseline.
#[tracing::instrument(skip(db), err)]
pub async fn actual(
    db: &Db,
    metric: Metric,
    who: &Who,
    segment: Option<Segment>,
    period: Period,
    currency: Option<Currency>,
    baseline: Option<Decimal>,
) -> Result<Decimal, RepoError> {
    let raw = measure(db, metric, who, segment, period, currency).await?;
    Ok(match (metric.needs_baseline(), baseline) {
        (true, Some(base)) if base > Decimal::ZERO => {
            ((raw - base) / base * Decimal::from(100)).round_dp(1)
        }
        _ => raw,
    })
}

/// What kind of period `period` is, how many months one such period spans, and how many recent
/// ones to compare (month: a year of them, quarter: four, year: one).
pub(super) fn recent_shape(period: Period) -> (&'static str, Option<u32>, u32) {
    let start = period.start();
    if period == Period::month_of(start) {
        ("month", Some(1), 12)
    } else if period == Period::quarter_of(start) {
        ("quarter", Some(3), 4)
    } else if period == Period::year_of(start) {
        ("year", Some(12), 1)
    } else {
        ("period of the same length", None, 4)
    }
}

pub(super) fn shift_back(period: Period, months: Option<u32>, k: u32) -> Option<Period> {
    match months {
        Some(m) => {
            let start = period.start().checked_sub_months(Months::new(m * k))?;
            // Keep calendar periods calendar-shaped: the end is the last day of the span.
            let end = start.checked_add_months(Months::new(m))?.pred_opt()?;
            Period::new(start, end).ok()
        }
        None => {
            let days = chrono::Duration::days(period.days() * i64::from(k));
            Period::new(period.start() - days, period.end() - days).ok()
        }
    }
}

/// The first day the database holds data for `metric`: comparisons with periods before it
/// would set a real result against a half-recorded one.
async fn data_starts(db: &Db, metric: Metric) -> Result<Option<NaiveDate>, RepoError> {
    let text = match metric {
        Metric::Bookings | Metric::WonOpportunities => "SELECT MIN(closed_on) FROM opportunities",
        Metric::Visits | Metric::InitialContacts => {
            let first: Option<(Option<chrono::DateTime<Utc>>,)> =
                sql("SELECT MIN(occurred_at) FROM activities")
                    .fetch_optional(db)
                    .await?;
            return Ok(first.and_then(|(d,)| d).map(|d| d.date_naive()));
        }
        _ => "SELECT MIN(sold_on) FROM sales",
    };
    let first: Option<(Option<NaiveDate>,)> = sql(text).fetch_optional(db).await?;
    Ok(first.and_then(|(d,)| d))
}

/// The assignee's results for the Achievable check: the same span last year, and the best
/// growth over the year before among recent completed periods of the same shape.
#[tracing::instrument(skip(db), err)]
pub async fn track_record(
    db: &Db,
    metric: Metric,
    who: &Who,
    segment: Option<Segment>,
    period: Period,
    currency: Option<Currency>,
    today: NaiveDate,
) -> Result<TrackRecord, RepoError> {
    let (word, months, count) = recent_shape(period);
    let last_year_period = period.one_year_earlier();
    let first_day = data_starts(db, metric).await?;
    let recorded =
        |p: Period| first_day.is_some_and(|first| first <= p.start()) && p.start() <= today;
    let last_year = if recorded(last_year_period) {
        Some((
            last_year_period,
            measure(db, metric, who, segment, last_year_period, currency).await?,
        ))
    } else {
        None
    };
    let mut best: Option<Decimal> = None;
    for k in 1..=count {
        let Some(recent) = shift_back(period, months, k) else {
            continue;
        };
        if recent.end() >= today || !recorded(recent.one_year_earlier()) {
            continue;
        }
        let before = measure(
            db,
            metric,
            who,
            segment,
            recent.one_year_earlier(),
            currency,
        )
        .await?;
        if before <= Decimal::ZERO {
            continue;
        }
        let now = measure(db, metric, who, segment, recent, currency).await?;
        let growth = ((now / before - Decimal::ONE) * Decimal::from(100)).round_dp(1);
        best = Some(best.map_or(growth, |b| b.max(growth)));
    }
    Ok(TrackRecord {
        last_year,
        best_growth_pct: best,
        period_word: word.to_string(),
        // The caller adds the outlook (`super::forecast::draft_outlook`).
        outlook: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: (i32, u32, u32), b: (i32, u32, u32)) -> Period {
        Period::new(
            NaiveDate::from_ymd_opt(a.0, a.1, a.2).unwrap(),
            NaiveDate::from_ymd_opt(b.0, b.1, b.2).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn recent_periods_keep_their_calendar_shape() {
        let q3 = p((2026, 7, 1), (2026, 9, 30));
        let (word, months, count) = recent_shape(q3);
        assert_eq!((word, months, count), ("quarter", Some(3), 4));
        assert_eq!(
            shift_back(q3, months, 1),
            Some(p((2026, 4, 1), (2026, 6, 30)))
        );
        assert_eq!(
            shift_back(q3, months, 4),
            Some(p((2025, 7, 1), (2025, 9, 30)))
        );
        let feb = p((2026, 3, 1), (2026, 3, 31));
        assert_eq!(
            shift_back(feb, Some(1), 1),
            Some(p((2026, 2, 1), (2026, 2, 28)))
        );
        let odd = p((2026, 3, 10), (2026, 3, 19));
        assert_eq!(recent_shape(odd).0, "period of the same length");
        assert_eq!(
            shift_back(odd, None, 1),
            Some(p((2026, 2, 28), (2026, 3, 9)))
        );
    }
}
