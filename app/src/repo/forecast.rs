//! What the forecast needs from the database: the pipeline targets a board view answers to,
//! with what is won and open beyond the cards the board shows.

use super::metrics::{measure, Who};
use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::achievable::{Basis, Coverage, DraftOutlook, Expected, LEVELS};
use crate::domain::calendar::Calendar;
use crate::domain::calibration::{Calibration, Chances, DealNow};
use crate::domain::forecast::{
    growth_outlook, pipeline_outlook, run_rate_outlook, GrowthSoFar, OpenOpportunity, Outlook,
    Pipeline, PipelineTarget, Thresholds, Uncertainty,
};
use crate::domain::forecast::{simulate_quantiles, SEED, TRIALS};
use crate::domain::metric::{ForecastMethod, MetricUnit};
use crate::domain::turnover::Segment;
use crate::domain::{Currency, Metric, Period};
use crate::model::pipeline::View;
use crate::model::targets::TargetRow;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;

type PipelineTargetRow = (
    i64,
    String,
    String,
    i64,
    Option<String>,
    NaiveDate,
    NaiveDate,
    Option<i64>,
    Option<i64>,
    String,
);

/// The bookings and won-opportunities targets of a board view (mine: my own; a unit: the
/// unit's) that run today and are agreed or being agreed, each with what is won in its period
/// and its whole open pipeline (summarised at company scale), whatever the board shows.
#[tracing::instrument(skip(db, calibration), err)]
pub async fn board_targets(
    db: &Db,
    me: i64,
    view: View,
    today: NaiveDate,
    calibration: &Calibration,
) -> Result<Vec<PipelineTarget>, RepoError> {
    let (column, id) = match view {
        View::Mine => ("t.assignee_user_id", me),
        View::Unit(unit) => ("t.assignee_unit_id", unit),
    };
    let text = format!(
        "SELECT t.id, t.statement, t.metric, t.value_hundredths, t.currency, t.starts_on, t.ends_on, \
         t.assignee_user_id, t.assignee_unit_id, COALESCE(u.name, o.name) \
         FROM targets t LEFT JOIN users u ON u.id = t.assignee_user_id \
         LEFT JOIN org_units o ON o.id = t.assignee_unit_id \
         WHERE {column} = $1 AND t.metric IN ('bookings', 'won_opportunities') \
         AND t.status IN ('agreed', 'proposed', 'changes_requested') \
         AND t.starts_on <= $2 AND t.ends_on >= $2 ORDER BY t.ends_on, t.id"
    );
    let rows: Vec<PipelineTargetRow> = sql(text).bind(id).bind(today).fetch_all(db).await?;
    let mut targets = Vec::with_capacity(rows.len());
    for (id, statement, metric, value, currency, starts, ends, user, unit, assignee) in rows {
        let corrupt = |what: &str| RepoError::Corrupt(format!("target {id}: {what}"));
        let metric = Metric::parse(&metric).map_err(|e| corrupt(&e.to_string()))?;
        let currency = currency
            .map(|c| Currency::parse(&c))
            .transpose()
            .map_err(|e| corrupt(&e.to_string()))?;
        let period = Period::new(starts, ends).map_err(|e| corrupt(&e.to_string()))?;
        let who = match (user, unit) {
            (Some(user), _) => Who::User(user),
            (None, Some(unit)) => Who::Subtree(unit_path(db, unit).await?),
            (None, None) => return Err(corrupt("no assignee")),
        };
        let owners = owners(db, &who).await?;
        let uncertainty = calibration.uncertainty(
            metric == Metric::WonOpportunities,
            active_owners(db, &who, today).await?,
            today,
            period.end(),
        );
        let open = Open {
            who: &who,
            metric,
            currency,
            period,
        };
        // Pipeline targets count every client.
        let won = measure(db, metric, &who, None, period, currency).await?;
        let deals = open_deals(db, &open, today, None, &calibration.chances).await?;
        targets.push(PipelineTarget {
            id,
            statement,
            assignee,
            metric,
            value: Decimal::new(value, 2),
            currency,
            period,
            owners,
            won,
            open: Pipeline::summarise(deals),
            uncertainty,
        });
    }
    Ok(targets)
}

async fn unit_path(db: &Db, unit: i64) -> Result<String, RepoError> {
    let (path,): (String,) = sql("SELECT path FROM org_units WHERE id = $1")
        .bind(unit)
        .fetch_one(db)
        .await?;
    Ok(path)
}

async fn owners(db: &Db, who: &Who) -> Result<Vec<i64>, RepoError> {
    Ok(match who {
        Who::User(id) => vec![*id],
        Who::Subtree(path) => {
            let rows: Vec<(i64,)> = sql(
                "SELECT u.id FROM users u JOIN org_units o ON o.id = u.org_unit_id \
                 WHERE o.path LIKE $1 ORDER BY u.id",
            )
            .bind(format!("{path}%"))
            .fetch_all(db)
            .await?;
            rows.into_iter().map(|(id,)| id).collect()
        }
    })
}

/// People among `who` who created a deal in the year before `day`: what the business still
/// to come is learned per (`domain::calibration`), so what it is scaled by — not managers,
/// admins or people who left.
async fn active_owners(db: &Db, who: &Who, day: NaiveDate) -> Result<usize, RepoError> {
    let owner = match who {
        Who::User(_) => "o.owner_id = $1",
        Who::Subtree(_) => {
            "o.owner_id IN (SELECT wu.id FROM users wu JOIN org_units wo \
             ON wo.id = wu.org_unit_id WHERE wo.path LIKE $1)"
        }
    };
    let query = sql(format!(
        "SELECT COUNT(DISTINCT o.owner_id) FROM opportunities o WHERE {owner} \
         AND o.created_at > $2 AND o.created_at < $3"
    ));
    let query = match who {
        Who::User(id) => query.bind(*id),
        Who::Subtree(path) => query.bind(format!("{path}%")),
    };
    let year_before = day - chrono::Duration::days(365);
    let (n,): (i64,) = query
        .bind(start_of(year_before.succ_opt().unwrap_or(year_before)))
        .bind(start_of(day.succ_opt().unwrap_or(day)))
        .fetch_one(db)
        .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Whose open deals a target counts, in which unit, for which period.
struct Open<'a> {
    who: &'a Who,
    metric: Metric,
    currency: Option<Currency>,
    period: Period,
}

type OpenRow = (
    i64,
    i64,
    String,
    Option<i32>,
    i64,
    String,
    DateTime<Utc>,
    NaiveDate,
);

/// Open opportunities of `who` due by the end of `period` (overdue ones too: won in the
/// period, they count for it), by id, each with the chance `calibration` gives it on `day`. With `as_of` (a past day, for a snapshot taken late) the deals open on
/// that day instead: those still open and those closed after it, in the stage they were in.
async fn open_deals(
    db: &Db,
    open: &Open<'_>,
    day: NaiveDate,
    as_of: Option<NaiveDate>,
    chances: &Chances,
) -> Result<Vec<(i64, OpenOpportunity)>, RepoError> {
    let owner = match open.who {
        Who::User(_) => "o.owner_id = $1".to_string(),
        Who::Subtree(_) => "o.owner_id IN (SELECT wu.id FROM users wu JOIN org_units wo \
                            ON wo.id = wu.org_unit_id WHERE wo.path LIKE $1)"
            .to_string(),
    };
    let text = match as_of {
        None => format!(
            "SELECT o.id, o.value_minor, o.currency, o.probability, s.id, s.name, \
             o.stage_entered_at, o.expected_close_on \
             FROM opportunities o JOIN stages s ON s.id = o.stage_id \
             WHERE s.kind = 'open' AND {owner} AND o.expected_close_on <= $2 ORDER BY o.id"
        ),
        // The stage on the day: the last change before the next day began.
        Some(_) => format!(
            "SELECT o.id, o.value_minor, o.currency, o.probability, hs.id, hs.name, \
             COALESCE((SELECT sc.changed_at FROM stage_changes sc \
                 WHERE sc.opportunity_id = o.id AND sc.changed_at < $3 \
                 ORDER BY sc.changed_at DESC, sc.id DESC LIMIT 1), o.created_at), \
             {due} \
             FROM opportunities o JOIN stages s ON s.id = o.stage_id \
             JOIN stages hs ON hs.id = COALESCE((SELECT sc.to_stage_id FROM stage_changes sc \
                 WHERE sc.opportunity_id = o.id AND sc.changed_at < $3 \
                 ORDER BY sc.changed_at DESC, sc.id DESC LIMIT 1), o.stage_id) \
             WHERE (s.kind = 'open' OR o.closed_on > $4) AND hs.kind = 'open' AND o.created_at < $3 \
             AND {owner} AND {due} <= $2 ORDER BY o.id",
            // The close date on the day, as recorded then (not the one it has now).
            due = "COALESCE((SELECT cd.expected_close_on FROM close_date_changes cd \
                 WHERE cd.opportunity_id = o.id AND cd.changed_at < $3 \
                 ORDER BY cd.changed_at DESC, cd.id DESC LIMIT 1), o.expected_close_on)"
        ),
    };
    let query = sql(text);
    let query = match open.who {
        Who::User(id) => query.bind(*id),
        Who::Subtree(path) => query.bind(format!("{path}%")),
    };
    let query = query.bind(open.period.end());
    let query = match as_of {
        None => query,
        Some(day) => query
            .bind(start_of(day.succ_opt().unwrap_or(day)))
            .bind(day),
    };
    let rows: Vec<OpenRow> = query.fetch_all(db).await?;
    let stages = super::pipeline::stages(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(id, minor, deal_currency, overridden, stage_id, stage, entered, due)| {
                let value = match open.metric {
                    Metric::WonOpportunities => Decimal::ONE,
                    _ if open.currency.is_some_and(|c| c.as_str() != deal_currency) => return None,
                    _ => Decimal::new(minor, 2),
                };
                let deal = DealNow {
                    overridden: overridden
                        .and_then(|p| crate::domain::Probability::parse(i64::from(p)).ok()),
                    entered_on: entered.date_naive(),
                    due_on: due,
                };
                // A stage archived since still has its chance in the calibration, if any.
                let probability = match stages.iter().find(|s| s.id == stage_id) {
                    Some(s) => chances.deal_percent(s, deal, day, open.period.end()),
                    None => deal.overridden.map_or(0, |p| p.percent()),
                };
                Some((
                    id,
                    OpenOpportunity {
                        value,
                        probability,
                        stage,
                    },
                ))
            },
        )
        .collect())
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// Where `target` will land, as of `day` (its `actual` measured up to that day): the pace,
/// for bookings and won opportunities the simulated range over the deals open that day with
/// the chances `calibration` gives them, the status and the warning. `None` before the
/// period starts.
#[allow(clippy::too_many_arguments)]
pub async fn outlook(
    db: &Db,
    target: &TargetRow,
    who: &Who,
    day: NaiveDate,
    today: NaiveDate,
    thresholds: &Thresholds,
    calendar: &Calendar,
    calibration: &Calibration,
    locale: crate::domain::Locale,
) -> Result<Option<Outlook>, RepoError> {
    let (metric, period) = (target.metric, target.period);
    if period.start() > day {
        return Ok(None);
    }
    Ok(Some(
        if matches!(metric.forecast_method(), ForecastMethod::Pipeline) {
            let as_of = (day < today).then_some(day);
            let scope = Open {
                who,
                metric,
                currency: target.currency,
                period,
            };
            let open =
                Pipeline::of(open_deals(db, &scope, day, as_of, &calibration.chances).await?);
            let owners = active_owners(db, who, day).await?;
            let extra: Uncertainty = calibration.uncertainty(
                metric == Metric::WonOpportunities,
                owners,
                day,
                period.end(),
            );
            pipeline_outlook(
                metric,
                target.currency,
                target.value,
                period,
                target.actual,
                &open,
                &extra,
                day,
                thresholds,
                calendar,
                locale,
            )
        } else if metric == Metric::CustomerGrowthPct {
            let so_far = growth_so_far(db, target, who, day).await?;
            growth_outlook(
                metric,
                target.value,
                period,
                so_far,
                day,
                thresholds,
                calendar,
                locale,
            )
        } else {
            let band = run_rate_band(db, target, who, day).await?;
            run_rate_outlook(
                metric,
                target.currency,
                target.value,
                period,
                target.actual,
                band,
                day,
                thresholds,
                calendar,
                locale,
            )
        },
    ))
}

/// The range of a run-rate target from the daily history of its metric up to `day`
/// ([`crate::domain::run_rate`]); `None` for metrics that do not add up by day or without
/// enough history.
async fn run_rate_band(
    db: &Db,
    target: &TargetRow,
    who: &Who,
    day: NaiveDate,
) -> Result<Option<crate::domain::forecast::Band>, RepoError> {
    if !target.metric.is_additive() {
        return Ok(None);
    }
    let Some(history) =
        daily_history(db, target.metric, who, target.segment, target.currency, day).await?
    else {
        return Ok(None);
    };
    Ok(crate::domain::run_rate::band(
        &history,
        target.period,
        target.actual,
        target.value,
    ))
}

/// `metric`'s day-by-day history of `who` up to `day`, as far back as the run-rate range
/// reads ([`crate::domain::run_rate`]); `None` when nothing was ever recorded.
async fn daily_history(
    db: &Db,
    metric: Metric,
    who: &Who,
    segment: Option<Segment>,
    currency: Option<Currency>,
    day: NaiveDate,
) -> Result<Option<crate::domain::run_rate::Daily>, RepoError> {
    use crate::domain::run_rate::{Daily, LEVEL_DAYS, SEASON_WEEKS, YEARS_BACK};
    let reach = 364 * YEARS_BACK + 7 * SEASON_WEEKS + LEVEL_DAYS;
    let from = day - chrono::Duration::days(reach);
    let days = super::metrics::daily(db, metric, who, segment, from, day, currency).await?;
    // The history starts with the first day anything was recorded for these people: the
    // days before are unknown (before the company's data, before someone joined), not quiet.
    // (A first value within a month of the window's start means the data reaches further back:
    // the window starts the history then, so a quiet first week or a sparse metric loses
    // nothing.)
    let Some(first) = days.iter().map(|(d, _)| *d).min() else {
        return Ok(None);
    };
    let first = if first - from <= chrono::Duration::days(31) {
        from
    } else {
        first
    };
    Ok(Some(Daily::new(first, day, days)))
}

/// Customers active in `target`'s period up to `day`, its baseline, and the share of the
/// same period a year earlier whose customers had bought by the same day.
async fn growth_so_far(
    db: &Db,
    target: &TargetRow,
    who: &Who,
    day: NaiveDate,
) -> Result<GrowthSoFar, RepoError> {
    let (metric, period) = (target.metric, target.period);
    let count = |from: NaiveDate, to: NaiveDate| async move {
        match Period::new(from, to) {
            Ok(p) => measure(db, metric, who, target.segment, p, target.currency).await,
            Err(_) => Ok(Decimal::ZERO),
        }
    };
    let active = count(period.start(), day.min(period.end())).await?;
    let year_before = |d: NaiveDate| d.checked_sub_months(chrono::Months::new(12));
    let seen_share = match (
        year_before(period.start()),
        year_before(period.end()),
        year_before(day.min(period.end())),
    ) {
        (Some(start), Some(end), Some(same_day)) => {
            let whole = count(start, end).await?;
            let by_then = count(start, same_day).await?;
            (whole > Decimal::ZERO).then(|| by_then / whole)
        }
        _ => None,
    };
    Ok(GrowthSoFar {
        base: target.baseline.unwrap_or_default(),
        active,
        seen_share,
    })
}

/// Past periods of the target's shape the coverage need is learned from…
const COVERAGE_PERIODS: u32 = 4;
/// …of which at least this many must have booked anything, or the need is not learned.
const COVERAGE_MIN_PERIODS: usize = 2;

/// What `who` is expected to reach of `metric` in `period` as of the end of `today`, for a
/// target being drafted ([`crate::domain::achievable`]): for run-rate metrics the quantiles of
/// the smoothed analogues the target page's range comes from (also before the period starts:
/// the same season in past years), for bookings and won opportunities those of the simulation
/// of what is won and open, with a bookings target's pipeline coverage. `None` when there is
/// nothing to say: the period is over, the metric has no range, the history is too short, or
/// an amount has no currency.
#[tracing::instrument(skip(db), err)]
pub async fn draft_outlook(
    db: &Db,
    metric: Metric,
    who: &Who,
    segment: Option<Segment>,
    period: Period,
    currency: Option<Currency>,
    today: NaiveDate,
) -> Result<Option<DraftOutlook>, RepoError> {
    if period.end() < today || (metric.unit() == MetricUnit::Currency && currency.is_none()) {
        return Ok(None);
    }
    let so_far = Period::new(period.start(), today).ok();
    if matches!(metric.forecast_method(), ForecastMethod::Pipeline) {
        // Before the period, the deals that will count are not open yet (or will close before
        // it starts): no figure rather than an invented one.
        let Some(so_far) = so_far else {
            return Ok(Some(DraftOutlook::NotStarted));
        };
        // Pipeline targets count every client.
        let won = measure(db, metric, who, None, so_far, currency).await?;
        let calibration = super::calibration::current(db, today).await?;
        let scope = Open {
            who,
            metric,
            currency,
            period,
        };
        let open: Vec<OpenOpportunity> = open_deals(db, &scope, today, None, &calibration.chances)
            .await?
            .into_iter()
            .map(|(_, deal)| deal)
            .collect();
        let owners = active_owners(db, who, today).await?;
        let extra = calibration.uncertainty(
            metric == Metric::WonOpportunities,
            owners,
            today,
            period.end(),
        );
        let quantiles = simulate_quantiles(won, &open, &extra, &LEVELS, TRIALS, SEED);
        let coverage = if metric == Metric::Bookings {
            Some(Coverage {
                weighted_open: weighted(&open),
                need: coverage_need(db, period, currency, today, &calibration.chances).await?,
            })
        } else {
            None
        };
        return Ok(
            Expected::new(today, Basis::Pipeline, won, quantiles, coverage)
                .map(DraftOutlook::Expected),
        );
    }
    if !metric.is_additive() {
        return Ok(None);
    }
    let reached = match so_far {
        Some(so_far) => measure(db, metric, who, segment, so_far, currency).await?,
        None => Decimal::ZERO,
    };
    if period.end() == today {
        // Nothing is left of the period: what is reached is what it comes to.
        let settled = vec![reached; LEVELS.len()];
        return Ok(Expected::new(today, Basis::RunRate, reached, settled, None)
            .map(DraftOutlook::Expected));
    }
    let Some(history) = daily_history(db, metric, who, segment, currency, today).await? else {
        return Ok(None);
    };
    Ok(
        crate::domain::run_rate::quantiles(&history, period, reached, &LEVELS)
            .and_then(|q| Expected::new(today, Basis::RunRate, reached, q, None))
            .map(DraftOutlook::Expected),
    )
}

/// Σ value × chance of `open`: the weighted pipeline.
fn weighted<'a>(open: impl IntoIterator<Item = &'a OpenOpportunity>) -> Decimal {
    open.into_iter()
        .map(|deal| deal.value * Decimal::from(deal.probability) / Decimal::ONE_HUNDRED)
        .sum()
}

/// The weighted pipeline the company had the same number of days into its last
/// [`COVERAGE_PERIODS`] periods of `period`'s shape (the deals open that day, in the stage and
/// with the close date they had then, due by the period's end, weighed with today's
/// `chances`), as a multiple of what it booked in the rest of those periods: the coverage a
/// bookings target has needed. Company-wide, like the calibration it weighs with: one ratio,
/// nobody's deals. `None` when fewer than [`COVERAGE_MIN_PERIODS`] of them booked anything, or
/// none of them had a pipeline.
async fn coverage_need(
    db: &Db,
    period: Period,
    currency: Option<Currency>,
    today: NaiveDate,
    chances: &Chances,
) -> Result<Option<Decimal>, RepoError> {
    let company = Who::Subtree("/".to_string());
    let into = today - period.start();
    let (_, months, _) = super::metrics::recent_shape(period);
    let (mut pipeline, mut booked, mut periods) = (Decimal::ZERO, Decimal::ZERO, 0usize);
    for k in 1..=COVERAGE_PERIODS {
        let Some(past) = super::metrics::shift_back(period, months, k) else {
            continue;
        };
        if past.end() >= today {
            continue;
        }
        let day = past.start() + into;
        let Some(rest) = day
            .succ_opt()
            .and_then(|next| Period::new(next, past.end()).ok())
        else {
            continue;
        };
        let later = measure(db, Metric::Bookings, &company, None, rest, currency).await?;
        if later <= Decimal::ZERO {
            continue;
        }
        let scope = Open {
            who: &company,
            metric: Metric::Bookings,
            currency,
            period: past,
        };
        let open = open_deals(db, &scope, day, Some(day), chances).await?;
        pipeline += weighted(open.iter().map(|(_, deal)| deal));
        booked += later;
        periods += 1;
    }
    // A history in which no pipeline was ever open says nothing about what is needed.
    Ok((periods >= COVERAGE_MIN_PERIODS)
        .then(|| (pipeline / booked).round_dp(1))
        .filter(|need| *need > Decimal::ZERO))
}
