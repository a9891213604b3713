//! What the forecast needs from the database: the pipeline targets a board view answers to,
//! with what is won and open beyond the cards the board shows.

use super::metrics::{measure, Who};
use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::calendar::Calendar;
use crate::domain::forecast::{
    pipeline_outlook, run_rate_outlook, OpenOpportunity, Outlook, PipelineTarget, Thresholds,
};
use crate::domain::metric::ForecastMethod;
use crate::domain::{Currency, Metric, Opportunity, Period, Stage};
use crate::model::pipeline::View;
use crate::model::targets::TargetRow;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use std::collections::HashSet;

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
/// unit's) that run today and are agreed or being agreed, with what the board does not show:
/// deals won in the period before the board's window, and open deals closing in the period
/// that a filter hides.
#[tracing::instrument(skip(db, cards, stages), err)]
pub async fn board_targets(
    db: &Db,
    me: i64,
    view: View,
    today: NaiveDate,
    cards: &[Opportunity],
    stages: &[Stage],
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
    let on_board: HashSet<i64> = cards.iter().map(|c| c.id).collect();
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
        let mut target = PipelineTarget {
            id,
            statement,
            assignee,
            metric,
            value: Decimal::new(value, 2),
            currency,
            period,
            owners,
            won_elsewhere: Decimal::ZERO,
            open_elsewhere: open_deals(db, &who, metric, currency, period, None, &on_board).await?,
        };
        // Won in the period, less what the board's own won cards already count.
        let won = measure(db, metric, &who, period, currency).await?;
        let (on_board_won, _) = target.pipeline(cards, stages, today, None);
        target.won_elsewhere = won - on_board_won;
        targets.push(target);
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

/// Open opportunities of `who` closing in `period` that are not on the board. With `as_of`
/// (a past day, for a snapshot taken late) the deals open on that day instead: those still
/// open and those closed after it, each with the probability of the stage it was in then.
async fn open_deals(
    db: &Db,
    who: &Who,
    metric: Metric,
    currency: Option<Currency>,
    period: Period,
    as_of: Option<NaiveDate>,
    on_board: &HashSet<i64>,
) -> Result<Vec<OpenOpportunity>, RepoError> {
    let owner = match who {
        Who::User(_) => "o.owner_id = $1".to_string(),
        Who::Subtree(_) => "o.owner_id IN (SELECT wu.id FROM users wu JOIN org_units wo \
                            ON wo.id = wu.org_unit_id WHERE wo.path LIKE $1)"
            .to_string(),
    };
    let text = match as_of {
        None => format!(
            "SELECT o.id, o.value_minor, o.currency, COALESCE(o.probability, s.probability), s.name \
             FROM opportunities o JOIN stages s ON s.id = o.stage_id \
             WHERE s.kind = 'open' AND {owner} AND o.expected_close_on >= $2 AND o.expected_close_on <= $3"
        ),
        // The stage on the day: the last change before the next day began.
        Some(_) => format!(
            "SELECT o.id, o.value_minor, o.currency, COALESCE(o.probability, hs.probability), hs.name \
             FROM opportunities o JOIN stages s ON s.id = o.stage_id \
             JOIN stages hs ON hs.id = COALESCE((SELECT sc.to_stage_id FROM stage_changes sc \
                 WHERE sc.opportunity_id = o.id AND sc.changed_at < $4 \
                 ORDER BY sc.changed_at DESC, sc.id DESC LIMIT 1), o.stage_id) \
             WHERE (s.kind = 'open' OR o.closed_on > $5) AND hs.kind = 'open' AND o.created_at < $4 \
             AND {owner} AND o.expected_close_on >= $2 AND o.expected_close_on <= $3"
        ),
    };
    let query = sql(text);
    let query = match who {
        Who::User(id) => query.bind(*id),
        Who::Subtree(path) => query.bind(format!("{path}%")),
    };
    let query = query.bind(period.start()).bind(period.end());
    let query = match as_of {
        None => query,
        Some(day) => query
            .bind(start_of(day.succ_opt().unwrap_or(day)))
            .bind(day),
    };
    let rows: Vec<(i64, i64, String, i32, String)> = query.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .filter(|(id, ..)| !on_board.contains(id))
        .filter_map(|(_, minor, deal_currency, probability, stage)| {
            let value = match metric {
                Metric::WonOpportunities => Decimal::ONE,
                _ if currency.is_some_and(|c| c.as_str() != deal_currency) => return None,
                _ => Decimal::new(minor, 2),
            };
            Some(OpenOpportunity {
                value,
                probability: u8::try_from(probability.clamp(0, 100)).unwrap_or(0),
                stage,
            })
        })
        .collect())
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// Where `target` will land, as of `day` (its `actual` measured up to that day): the pace,
/// for bookings and won opportunities the simulated range over the deals open that day, the
/// status and the warning. `None` before the period starts.
pub async fn outlook(
    db: &Db,
    target: &TargetRow,
    who: &Who,
    day: NaiveDate,
    today: NaiveDate,
    thresholds: &Thresholds,
    calendar: &Calendar,
) -> Result<Option<Outlook>, RepoError> {
    let (metric, period) = (target.metric, target.period);
    if period.start() > day {
        return Ok(None);
    }
    Ok(Some(
        if matches!(metric.forecast_method(), ForecastMethod::Pipeline) {
            let as_of = (day < today).then_some(day);
            let open = open_deals(
                db,
                who,
                metric,
                target.currency,
                period,
                as_of,
                &HashSet::new(),
            )
            .await?;
            pipeline_outlook(
                metric,
                target.currency,
                target.value,
                period,
                target.actual,
                &open,
                day,
                thresholds,
                calendar,
            )
        } else {
            run_rate_outlook(
                metric,
                target.currency,
                target.value,
                period,
                target.actual,
                day,
                thresholds,
                calendar,
            )
        },
    ))
}
