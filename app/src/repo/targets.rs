//! Targets: the scoped reads, saving with the SMART check, the agreement workflow and the
//! cascade. Every write locks the target, checks its version, and stores its history rows in
//! the same transaction.

use super::metrics::{self, Who};
use super::scope::push_target_filter;
use super::{forecast, settings, snapshots, Entity, RepoError, Stale, WriteError};
use crate::db::{sql, Db, Sql, Tx};
use crate::domain::allocation::split;
use crate::domain::forecast::{chart_days, Thresholds};
use crate::domain::number::{format_value, step};
use crate::domain::smart::{
    parse_value, target_date, Level, ParentSummary, SmartContext, TargetFields, TargetInput,
};
use crate::domain::target::{
    apply, available, check_comment, check_parent, side_of, Actor, Agreement, Assignee, AssigneeAt,
    Factors, ParentLink, Side, TargetKind, TargetRule, TargetStatus, Transition,
};
use crate::domain::turnover::Segment;
use crate::domain::{Currency, Hundredths, Locale, Metric, Period, Role};
use crate::model::auth::SessionUser;
use crate::model::calls::TargetCalls;
use crate::model::pipeline::Choice;
use crate::model::targets::{
    EditorContext, ListQuery, ListView, SaveOutcome, StatusFilter, TargetDetail, TargetEvent,
    TargetRow,
};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::*;
use std::sync::LazyLock;

/// The path of the nearest unit at or above the unit at `path` (an SQL expression) that has a
/// manager of its own: whose manager answers for a unit's target (see [`Stored::side_path`]).
fn managed_unit(path: &str) -> String {
    format!(
        "(SELECT mo.path FROM org_units mo WHERE {path} LIKE mo.path || '%' \
         AND EXISTS (SELECT 1 FROM users mu WHERE mu.org_unit_id = mo.id AND mu.role = 'manager') \
         ORDER BY LENGTH(mo.path) DESC LIMIT 1)"
    )
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    statement: String,
    metric: String,
    value_hundredths: Hundredths,
    currency: Option<String>,
    baseline: Option<i64>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    assignee_user_id: Option<i64>,
    assignee_unit_id: Option<i64>,
    assignee_name: String,
    assignee_path: String,
    parent_id: Option<i64>,
    kind: String,
    rationale: String,
    factors: String,
    status: String,
    awaiting: Option<String>,
    counter_hundredths: Option<Hundredths>,
    version: i64,
    updated_by: i64,
    updated_by_name: String,
    /// See [`Stored::side_path`].
    side_path: Option<String>,
    assignee_role: Option<String>,
    segment: Option<String>,
}

/// The SELECT every read of a [`Row`] starts with, up to (not including) its WHERE.
static SELECT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT t.id, t.statement, t.metric, t.value_hundredths, t.currency, \
         t.baseline, t.starts_on, t.ends_on, t.assignee_user_id, t.assignee_unit_id, \
         COALESCE(au.name, tu.name) AS assignee_name, ap.path AS assignee_path, t.parent_id, t.kind, \
         t.rationale, t.factors, t.status, t.awaiting, t.counter_hundredths, t.version, \
         t.updated_by, ub.name AS updated_by_name, au.role AS assignee_role, t.segment, \
         CASE WHEN t.assignee_unit_id IS NULL THEN ap.path ELSE {} END AS side_path \
         FROM targets t LEFT JOIN users au ON au.id = t.assignee_user_id \
         LEFT JOIN org_units tu ON tu.id = t.assignee_unit_id \
         JOIN org_units ap ON ap.id = COALESCE(t.assignee_unit_id, au.org_unit_id) \
         JOIN users ub ON ub.id = t.updated_by",
        managed_unit("ap.path")
    )
});

/// A stored target: the row the pages show and the assignee's unit path for the workflow.
struct Stored {
    row: TargetRow,
    path: String,
    /// The unit whose manager answers for the assignee: for a person their unit; for a unit
    /// the unit itself or, when it has no manager of its own, the nearest unit above that has.
    side_path: String,
    /// The assigned person is a manager (see [`AssigneeAt::assignee_is_manager`]).
    assignee_is_manager: bool,
    updated_by: i64,
    updated_by_name: String,
}

impl Stored {
    fn who(&self) -> Who {
        match self.row.assignee {
            Assignee::User(id) => Who::User(id),
            Assignee::Unit(_) => Who::Subtree(self.path.clone()),
        }
    }

    fn side(&self, user: &SessionUser) -> Option<Side> {
        side_of(
            &actor(user),
            &AssigneeAt {
                assignee: self.row.assignee,
                unit_path: &self.side_path,
                assignee_is_manager: self.assignee_is_manager,
            },
        )
    }

    fn agreement(&self) -> Agreement {
        Agreement {
            status: self.row.status,
            awaiting: self.row.awaiting,
            has_counter: self.row.counter_value.is_some(),
        }
    }
}

fn actor(user: &SessionUser) -> Actor<'_> {
    Actor {
        user_id: user.id,
        role: user.role,
        unit_path: &user.unit_path,
    }
}

impl TryFrom<Row> for Stored {
    type Error = RepoError;
    fn try_from(r: Row) -> Result<Self, Self::Error> {
        let corrupt = |what: &str| RepoError::Corrupt(format!("target {}: {what}", r.id));
        let assignee = match (r.assignee_user_id, r.assignee_unit_id) {
            (Some(u), None) => Assignee::User(u),
            (None, Some(u)) => Assignee::Unit(u),
            _ => return Err(corrupt("assignee")),
        };
        let currency = r
            .currency
            .as_deref()
            .map(Currency::parse)
            .transpose()
            .map_err(|_| corrupt("currency"))?;
        let segment = r
            .segment
            .as_deref()
            .map(Segment::parse)
            .transpose()
            .map_err(|_| corrupt("segment"))?;
        Ok(Stored {
            row: TargetRow {
                id: r.id,
                statement: r.statement,
                metric: Metric::parse(&r.metric).map_err(|_| corrupt("metric"))?,
                value: r.value_hundredths.to_decimal(),
                currency,
                baseline: r.baseline.map(Decimal::from),
                period: Period::new(r.starts_on, r.ends_on).map_err(|_| corrupt("period"))?,
                assignee,
                assignee_name: r.assignee_name,
                parent_id: r.parent_id,
                kind: TargetKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
                rationale: r.rationale,
                factors: Factors::from_code(&r.factors).ok_or_else(|| corrupt("factors"))?,
                status: TargetStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
                awaiting: r.awaiting.as_deref().and_then(Side::parse),
                counter_value: r.counter_hundredths.map(Hundredths::to_decimal),
                version: r.version,
                segment,
                actual: Decimal::ZERO,
                outlook: None,
            },
            side_path: r.side_path.unwrap_or_else(|| r.assignee_path.clone()),
            path: r.assignee_path,
            assignee_is_manager: r.assignee_role.as_deref() == Some(Role::Manager.as_str()),
            updated_by: r.updated_by,
            updated_by_name: r.updated_by_name,
        })
    }
}

/// Targets `user` may see, narrowed by the conditions `filter` appends (each starting with
/// " AND ", values through `push_bind`).
async fn fetch(
    db: &Db,
    user: &SessionUser,
    filter: impl FnOnce(&mut Sql),
) -> Result<Vec<Stored>, RepoError> {
    let scope = user.scope();
    let mut qb = sql(SELECT.as_str());
    qb.push(" WHERE ");
    push_target_filter(
        &mut qb,
        &scope,
        &user.unit_path,
        "ap.path",
        "t.assignee_user_id",
    );
    filter(&mut qb);
    qb.push(" ORDER BY t.ends_on, t.id");
    let rows: Vec<Row> = qb.fetch_all(db).await?;
    rows.into_iter().map(Stored::try_from).collect()
}

async fn find(db: &Db, user: &SessionUser, id: i64) -> Result<Option<Stored>, RepoError> {
    Ok(fetch(db, user, |q| {
        q.push(" AND t.id = ").push_bind(id);
    })
    .await?
    .into_iter()
    .next())
}

/// Fills in each target's actual to date and its outlook (its warning written for `locale`).
async fn with_actuals(
    db: &Db,
    stored: Vec<Stored>,
    today: NaiveDate,
    locale: Locale,
) -> Result<Vec<TargetRow>, RepoError> {
    let rules = Rules::load(db, today, locale).await?;
    let mut rows = Vec::with_capacity(stored.len());
    for s in stored {
        rows.push(measured(db, &s, today, today, &rules).await?);
    }
    Ok(rows)
}

/// What every outlook of a request is judged by: the status thresholds, the company
/// calendar, and what the forecast learned today.
struct Rules {
    thresholds: Thresholds,
    calendar: crate::domain::calendar::Calendar,
    calibration: crate::domain::calibration::Calibration,
    /// How the warnings write numbers and dates: the reader's locale.
    locale: Locale,
}

impl Rules {
    async fn load(db: &Db, today: NaiveDate, locale: Locale) -> Result<Rules, RepoError> {
        Ok(Rules {
            locale,
            thresholds: settings::thresholds(db).await?,
            calendar: settings::calendar(db).await?,
            calibration: super::calibration::current(db, today).await?,
        })
    }
}

/// `s` as it stood at the end of `day`: its actual up to that day and its outlook then.
async fn measured(
    db: &Db,
    s: &Stored,
    day: NaiveDate,
    today: NaiveDate,
    rules: &Rules,
) -> Result<TargetRow, RepoError> {
    let mut row = s.row.clone();
    if row.period.start() <= day {
        let day = day.min(row.period.end());
        let so_far = Period::new(row.period.start(), day).expect("start <= day <= end");
        row.actual = metrics::actual(
            db,
            row.metric,
            &s.who(),
            row.segment,
            so_far,
            row.currency,
            row.baseline,
        )
        .await?;
        row.outlook = forecast::outlook(
            db,
            &row,
            &s.who(),
            day,
            today,
            &rules.thresholds,
            &rules.calendar,
            &rules.calibration,
            rules.locale,
        )
        .await?;
    }
    Ok(row)
}

/// Every agreed target whose period contains `day`, as it stood at the end of that day: what
/// the daily snapshot stores.
#[tracing::instrument(skip(db), err)]
pub async fn active_on(
    db: &Db,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<TargetRow>, RepoError> {
    // A past day (a backfill) also has the targets closed since as achieved or missed: they
    // were agreed then. Its forecasts use what could have been learned by that day.
    let statuses = if day < today {
        "'agreed', 'achieved', 'missed'"
    } else {
        "'agreed'"
    };
    let rows: Vec<Row> = sql(format!(
        "{} WHERE t.status IN ({statuses}) AND t.starts_on <= $1 AND t.ends_on >= $1 ORDER BY t.id",
        *SELECT
    ))
    .bind(day)
    .fetch_all(db)
    .await?;
    // Stored once for everyone: written in English.
    let rules = Rules::load(db, day.min(today), Locale::En).await?;
    let mut measured_rows = Vec::with_capacity(rows.len());
    for row in rows {
        let stored = Stored::try_from(row)?;
        measured_rows.push(measured(db, &stored, day, today, &rules).await?);
    }
    Ok(measured_rows)
}

/// The targets `user` may see whose period ended between `from` and yesterday and that were
/// agreed (agreed, achieved or missed), with whose results they count and whether `user` is a
/// party to it (or an admin: who may see its calls): what the accuracy report scores. (Their
/// actual is not measured here: see [`super::accuracy::observations`].)
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn closed(
    db: &Db,
    user: &SessionUser,
    from: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<(TargetRow, Who, bool)>, RepoError> {
    let stored = fetch(db, user, |q| {
        q.push(" AND t.status IN ('agreed', 'achieved', 'missed') AND t.ends_on < ")
            .push_bind(today)
            .push(" AND t.ends_on >= ")
            .push_bind(from);
    })
    .await?;
    Ok(stored
        .into_iter()
        .map(|s| {
            let party = s.side(user).is_some() || user.role == Role::Admin;
            let who = s.who();
            (s.row, who, party)
        })
        .collect())
}

/// The target `id` if `user` may see it, measured today, with whose results it counts: what
/// its candidates (the customers and deals that close its gap) are drawn from.
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn measured_with_assignee(
    db: &Db,
    user: &SessionUser,
    id: i64,
    today: NaiveDate,
) -> Result<Option<(TargetRow, Who)>, RepoError> {
    let Some(stored) = find(db, user, id).await? else {
        return Ok(None);
    };
    let who = stored.who();
    let mut rows = with_actuals(db, vec![stored], today, user.locale).await?;
    Ok(Some((rows.remove(0), who)))
}

/// The periods of every agreed target (agreed, achieved or missed) that ended between `from`
/// and yesterday, whoever's: the days an admin's backfill computes.
#[tracing::instrument(skip(db), err)]
pub async fn closed_periods(
    db: &Db,
    from: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<Period>, RepoError> {
    let rows: Vec<(NaiveDate, NaiveDate)> = sql(
        "SELECT DISTINCT starts_on, ends_on FROM targets WHERE status IN ('agreed', 'achieved', 'missed') \
         AND ends_on < $1 AND ends_on >= $2",
    )
    .bind(today)
    .bind(from)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(start, end)| Period::new(start, end).ok())
        .collect())
}

/// The actual at the end of each of `days`: the burn-up chart's line.
async fn burn_up(
    db: &Db,
    s: &Stored,
    days: &[NaiveDate],
) -> Result<Vec<(NaiveDate, Decimal)>, RepoError> {
    let mut points = Vec::with_capacity(days.len());
    for &day in days {
        let so_far = Period::new(s.row.period.start(), day).expect("chart days lie in the period");
        let row = &s.row;
        let actual = metrics::actual(
            db,
            row.metric,
            &s.who(),
            row.segment,
            so_far,
            row.currency,
            row.baseline,
        )
        .await?;
        points.push((day, actual));
    }
    Ok(points)
}

#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn list(
    db: &Db,
    user: &SessionUser,
    query: &ListQuery,
    today: NaiveDate,
) -> Result<Vec<TargetRow>, RepoError> {
    let stored = fetch(db, user, |q| {
        match query.view {
            ListView::Mine => {
                q.push(" AND (t.assignee_user_id = ").push_bind(user.id);
                if user.role == Role::Manager {
                    q.push(" OR t.assignee_unit_id = ").push_bind(user.unit_id);
                }
                q.push(")");
            }
            ListView::Team => {
                q.push(" AND ap.path LIKE ")
                    .push_bind(format!("{}%", user.unit_path));
            }
            ListView::Company => {}
        }
        match query.status {
            StatusFilter::All => {}
            StatusFilter::Active => {
                q.push(" AND t.status = 'agreed'");
            }
            StatusFilter::Is(s) => {
                q.push(format!(" AND t.status = '{}'", s.as_str()));
            }
        }
    })
    .await?;
    let stored = stored
        .into_iter()
        .filter(|s| query.status != StatusFilter::Active || s.row.is_active(today))
        .collect();
    with_actuals(db, stored, today, user.locale).await
}

/// The targets `ids` of those `user` may see, with their actuals and outlooks (a sync page's
/// changed targets).
#[tracing::instrument(skip(db, user, ids), fields(user = user.id), err)]
pub async fn by_ids(
    db: &Db,
    user: &SessionUser,
    ids: &[i64],
    today: NaiveDate,
) -> Result<Vec<TargetRow>, RepoError> {
    let stored = fetch(db, user, |q| super::sync::push_ids(q, "t.id", ids)).await?;
    with_actuals(db, stored, today, user.locale).await
}

#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn detail(
    db: &Db,
    user: &SessionUser,
    id: i64,
    today: NaiveDate,
) -> Result<Option<TargetDetail>, RepoError> {
    let Some(stored) = find(db, user, id).await? else {
        return Ok(None);
    };
    let side = stored.side(user);
    let period_over = stored.row.period.end() < today;
    let actions = side
        .map(|s| available(stored.agreement(), s, period_over))
        .unwrap_or_default();
    let can_edit = side.is_some() && stored.row.status.is_editable();
    let parent = match stored.row.parent_id {
        Some(pid) => find(db, user, pid).await?.map(|p| p.row),
        None => None,
    };
    let children = fetch(db, user, |q| {
        q.push(" AND t.parent_id = ").push_bind(id);
    })
    .await?;
    let allocated = allocated(db, id, None).await?;
    let cascade_members = if side.is_some() && !stored.row.status.is_closed() {
        uncovered_members(db, &stored)
            .await?
            .into_iter()
            .map(|m| m.name)
            .collect()
    } else {
        Vec::new()
    };
    let child_ids: Vec<i64> = children.iter().map(|c| c.row.id).collect();
    // Calls are between the parties to a target (and admins): a rep looking at the team's
    // target sees neither the manager's call nor the other reps'.
    let calls = if side.is_some() || user.role == Role::Admin {
        TargetCalls {
            can_call: may_call(&stored, side, today),
            history: super::calls::history(db, id).await?,
            children: super::calls::latest(db, &child_ids).await?,
        }
    } else {
        TargetCalls::default()
    };
    let events = events(db, id).await?;
    let history = snapshots::history(db, id).await?;
    let burn_up = burn_up(db, &stored, &chart_days(stored.row.period, today)).await?;
    let mut rows = with_actuals(db, vec![stored], today, user.locale).await?;
    Ok(Some(TargetDetail {
        calendar: settings::calendar(db).await?,
        target: rows.remove(0),
        today,
        side,
        actions,
        can_edit,
        parent,
        children: with_actuals(db, children, today, user.locale).await?,
        allocated,
        cascade_members,
        events,
        history,
        burn_up,
        calls,
    }))
}

/// Whether the viewer on `side` may call `target` now: its assignee (a rep for their own
/// target, the unit's manager for the unit's), while the agreed target's period runs.
fn may_call(target: &Stored, side: Option<Side>, today: NaiveDate) -> bool {
    side == Some(Side::Assignee)
        && target.row.status == TargetStatus::Agreed
        && target.row.period.end() >= today
}

/// A target `user` may see, measured as of `today`, if `user` may call it now.
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn callable(
    db: &Db,
    user: &SessionUser,
    id: i64,
    today: NaiveDate,
) -> Result<Option<(TargetRow, bool)>, RepoError> {
    let Some(stored) = find(db, user, id).await? else {
        return Ok(None);
    };
    let allowed = may_call(&stored, stored.side(user), today);
    let mut rows = with_actuals(db, vec![stored], today, user.locale).await?;
    Ok(Some((rows.remove(0), allowed)))
}

async fn events(db: &Db, id: i64) -> Result<Vec<TargetEvent>, RepoError> {
    Ok(sql(
        "SELECT e.at, u.name AS by, e.kind, e.field, e.old_value, e.new_value, e.comment \
         FROM target_events e JOIN users u ON u.id = e.by_user_id WHERE e.target_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(db)
    .await?)
}

/// The sum of the values of every child of `parent` (not only the visible ones), leaving out
/// `except`.
#[tracing::instrument(skip(db), err)]
async fn allocated(db: &Db, parent: i64, except: Option<i64>) -> Result<Decimal, RepoError> {
    let (sum,): (i64,) = sql(
        "SELECT CAST(COALESCE(SUM(value_hundredths), 0) AS BIGINT) FROM targets \
         WHERE parent_id = $1 AND id <> $2",
    )
    .bind(parent)
    .bind(except.unwrap_or(0))
    .fetch_one(db)
    .await?;
    Ok(Hundredths::from_raw(sum).to_decimal())
}

/// The assigned person's or unit's name, unit path and side path (see [`Stored::side_path`]),
/// if it exists.
#[tracing::instrument(skip(db), err)]
async fn resolve(
    db: &Db,
    assignee: Assignee,
) -> Result<Option<(String, String, String, bool)>, RepoError> {
    let found: Option<(String, String, String)> = match assignee {
        Assignee::User(id) => sql(
            "SELECT u.name, o.path, u.role FROM users u JOIN org_units o ON o.id = u.org_unit_id \
                 WHERE u.id = $1",
        )
        .bind(id)
        .fetch_optional(db)
        .await?,
        Assignee::Unit(id) => {
            sql("SELECT name, path, 'unit' FROM org_units WHERE id = $1")
                .bind(id)
                .fetch_optional(db)
                .await?
        }
    };
    let Some((name, path, role)) = found else {
        return Ok(None);
    };
    let is_manager = role == Role::Manager.as_str();
    let side_path = match assignee {
        Assignee::User(_) => path.clone(),
        Assignee::Unit(_) => {
            let (managed,): (Option<String>,) = sql(format!("SELECT {}", managed_unit("$1")))
                .bind(&path)
                .fetch_one(db)
                .await?;
            managed.unwrap_or_else(|| path.clone())
        }
    };
    Ok(Some((name, path, side_path, is_manager)))
}

/// People and units `user` may set targets for: themselves, and for managers and admins
/// everything they manage.
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn assignee_choices(db: &Db, user: &SessionUser) -> Result<Vec<Choice>, RepoError> {
    if user.role == Role::Rep {
        return Ok(vec![Choice {
            key: Assignee::User(user.id).key(),
            label: user.name.clone(),
        }]);
    }
    let prefix = if user.role == Role::Admin {
        "/".to_string()
    } else {
        user.unit_path.clone()
    };
    let pattern = format!("{prefix}%");
    let units: Vec<(i64, String, String)> = sql(
        "SELECT id, name, kind FROM org_units WHERE path LIKE $1 AND closed_at IS NULL \
             ORDER BY path",
    )
    .bind(&pattern)
    .fetch_all(db)
    .await?;
    let users: Vec<(i64, String, String)> = sql(
        "SELECT u.id, u.name, o.name FROM users u JOIN org_units o ON o.id = u.org_unit_id \
         WHERE o.path LIKE $1 AND u.role <> 'admin' AND u.deactivated_at IS NULL \
         ORDER BY u.name",
    )
    .bind(&pattern)
    .fetch_all(db)
    .await?;
    let kind_label = |k: &str| {
        crate::domain::OrgUnitKind::parse(k)
            .map(|k| k.label())
            .unwrap_or("Unit")
    };
    Ok(units
        .into_iter()
        .map(|(id, name, kind)| Choice {
            key: Assignee::Unit(id).key(),
            label: format!("{}: {name}", kind_label(&kind)),
        })
        .chain(users.into_iter().map(|(id, name, unit)| Choice {
            key: Assignee::User(id).key(),
            label: format!("{name} ({unit})"),
        }))
        .collect())
}

/// Targets not yet closed that `user` may see: the possible parents.
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn parent_choices(db: &Db, user: &SessionUser) -> Result<Vec<Choice>, RepoError> {
    let stored = fetch(db, user, |q| {
        q.push(" AND t.status NOT IN ('achieved', 'missed')");
    })
    .await?;
    Ok(stored
        .into_iter()
        .map(|s| Choice {
            key: s.row.id.to_string(),
            label: format!(
                "{} — {} ({}, {})",
                s.row.statement,
                s.row.assignee_name,
                s.row.measure_label(),
                s.row.period
            ),
        })
        .collect())
}

/// The Achievable and Relevant context for what the editor holds.
#[tracing::instrument(skip(db, user, input), fields(user = user.id), err)]
pub async fn editor_context(
    db: &Db,
    user: &SessionUser,
    input: &TargetInput,
    target_id: Option<i64>,
    today: NaiveDate,
) -> Result<EditorContext, RepoError> {
    let metric = Metric::parse(&input.metric).ok();
    let period = match (
        target_date(input.locale, &input.start),
        target_date(input.locale, &input.end),
    ) {
        (Some(s), Some(e)) => Period::new(s, e).ok(),
        _ => None,
    };
    let currency = Currency::parse(&input.currency).ok();
    let mut track_record = None;
    if let (Some(assignee), Some(metric), Some(period)) =
        (Assignee::parse(&input.assignee), metric, period)
    {
        if let Some((_, path, side_path, assignee_is_manager)) = resolve(db, assignee).await? {
            let at = AssigneeAt {
                assignee,
                unit_path: &side_path,
                assignee_is_manager,
            };
            // Only a party to the target sees the assignee's history.
            if side_of(&actor(user), &at).is_some() {
                let who = match assignee {
                    Assignee::User(id) => Who::User(id),
                    Assignee::Unit(_) => Who::Subtree(path.clone()),
                };
                // A target on one client type is compared with that type's history.
                let segment = Some(metric)
                    .filter(|m| m.splits_by_client_type())
                    .and_then(|_| Segment::parse(&input.segment).ok());
                let mut record =
                    metrics::track_record(db, metric, &who, segment, period, currency, today)
                        .await?;
                // What Pacer already expects of them in the period: the chance to hit the
                // value typed is read from it, in the browser and on save alike.
                record.outlook =
                    forecast::draft_outlook(db, metric, &who, segment, period, currency, today)
                        .await?;
                track_record = Some(record);
            }
        }
    }
    let parent = match input.parent_id.trim().parse::<i64>() {
        Ok(pid) => match find(db, user, pid).await? {
            Some(p) => Some(ParentSummary {
                id: p.row.id,
                statement: p.row.statement.clone(),
                metric: p.row.metric,
                value: p.row.value,
                currency: p.row.currency,
                period: p.row.period,
                allocated_to_others: allocated(db, pid, target_id).await?,
                segment: p.row.segment,
            }),
            None => None,
        },
        Err(_) => None,
    };
    Ok(EditorContext {
        track_record,
        parent,
    })
}

/// The refusal of a write made from a stale version: who changed the target since, and where
/// it stands now.
fn stale(user: &SessionUser, by: (i64, String), status: &str) -> WriteError {
    let status = TargetStatus::parse(status).map_or(status, |s| s.label());
    WriteError::Stale(Stale {
        entity: Entity::Target,
        deleted: false,
        by_writer: by.0 == user.id,
        by: Some(by.1),
        at: None,
        now_in: status.to_string(),
    })
}

/// Refuses a write prepared from a version older than the one just read: every decision
/// before the transaction (side, status, counter) was made on the stored row, so it must be
/// the row the user saw.
fn check_seen(user: &SessionUser, stored: &Stored, version: i64) -> Result<(), WriteError> {
    if stored.row.version == version {
        return Ok(());
    }
    Err(stale(
        user,
        (stored.updated_by, stored.updated_by_name.clone()),
        stored.row.status.as_str(),
    ))
}

/// Locks the target's row (only that row) in the write transaction and checks the version;
/// otherwise "not found" or the conflict, to return.
async fn lock_at_version(
    tx: &mut Tx,
    user: &SessionUser,
    id: i64,
    version: i64,
) -> Result<(), WriteError> {
    let row: Option<(i64, String, i64)> = sql(format!(
        "SELECT version, status, updated_by FROM targets WHERE id = $1{}",
        tx.lock_row()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    match row {
        None => Err(WriteError::NotFound(Entity::Target)),
        Some((current, status, by)) if current != version => {
            let (name,): (String,) = sql("SELECT name FROM users WHERE id = $1")
                .bind(by)
                .fetch_one(tx)
                .await?;
            Err(stale(user, (by, name), &status))
        }
        Some(_) => Ok(()),
    }
}

/// Records one line of a target's timeline inside the transaction that makes the change.
#[allow(clippy::too_many_arguments)]
async fn insert_event(
    tx: &mut Tx,
    id: i64,
    now: DateTime<Utc>,
    by: i64,
    kind: &str,
    field: Option<&str>,
    old: Option<&str>,
    new: Option<&str>,
    comment: Option<&str>,
) -> Result<(), sqlx::Error> {
    sql(
        "INSERT INTO target_events (target_id, at, by_user_id, kind, field, old_value, new_value, comment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(now)
    .bind(by)
    .bind(kind)
    .bind(field)
    .bind(old)
    .bind(new)
    .bind(comment)
    .execute(tx)
    .await?;
    Ok(())
}

/// Binds the next fourteen arguments of an INSERT or UPDATE: a target's fields, in one order
/// (statement, metric, value, currency, baseline, start, end, assigned person or unit, parent,
/// kind, rationale, factors, client type).
fn bind_fields(query: Sql, f: &TargetFields) -> Sql {
    query
        .bind(&f.statement)
        .bind(f.metric.as_str())
        .bind(Hundredths::from_decimal(f.value))
        .bind(f.currency.map(|c| c.to_string()))
        .bind(f.baseline.and_then(|b| b.to_i64()))
        .bind(f.period.start())
        .bind(f.period.end())
        .bind(match f.assignee {
            Assignee::User(id) => Some(id),
            Assignee::Unit(_) => None,
        })
        .bind(match f.assignee {
            Assignee::Unit(id) => Some(id),
            Assignee::User(_) => None,
        })
        .bind(f.parent_id)
        .bind(f.kind.as_str())
        .bind(&f.rationale)
        .bind(f.factors.code())
        .bind(f.segment.map(Segment::as_str))
}

/// Records a changed field (its old and new value as the timeline shows them) inside the
/// transaction that changes it.
async fn insert_change(
    tx: &mut Tx,
    id: i64,
    now: DateTime<Utc>,
    by: i64,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<(), sqlx::Error> {
    insert_event(tx, id, now, by, "changed", Some(field), old, new, None).await
}

/// Inserts a target as a draft and its "created" event; answers the new id.
async fn insert_target(
    tx: &mut Tx,
    f: &TargetFields,
    user: &SessionUser,
    now: DateTime<Utc>,
    comment: Option<&str>,
) -> Result<i64, sqlx::Error> {
    let insert = sql(
        "INSERT INTO targets (statement, metric, value_hundredths, currency, baseline, starts_on, \
         ends_on, assignee_user_id, assignee_unit_id, parent_id, kind, rationale, factors, segment, \
         status, version, created_by, created_at, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', 1, $15, $16, $15, $16) \
         RETURNING id",
    );
    let (id,): (i64,) = bind_fields(insert, f)
        .bind(user.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    insert_event(tx, id, now, user.id, "created", None, None, None, comment).await?;
    Ok(id)
}

/// The fields as the timeline shows them, in the editor's order.
fn described(f: &TargetFields, assignee_name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("statement", f.statement.clone()),
        ("metric", f.metric.label().to_string()),
        (
            "client type",
            f.segment
                .map_or("all clients", Segment::clients)
                .to_string(),
        ),
        ("value", exact_value(f.metric, f.value, f.currency)),
        (
            "baseline",
            f.baseline.map(|b| b.to_string()).unwrap_or_default(),
        ),
        ("period", f.period.to_string()),
        ("assignee", assignee_name.to_string()),
        (
            "parent",
            f.parent_id.map(|p| format!("#{p}")).unwrap_or_default(),
        ),
        ("kind", f.kind.label().to_string()),
        ("rationale", f.rationale.clone()),
        ("external factors", factors_text(&f.factors)),
    ]
}

/// A value as the timeline keeps it: exact, not rounded for display, and in English (the
/// timeline is stored once and read by people of either locale).
fn exact_value(metric: Metric, value: Decimal, currency: Option<Currency>) -> String {
    match (metric.unit(), currency) {
        (crate::domain::MetricUnit::Currency, Some(c)) => {
            crate::domain::Money::new(value, c).map_or_else(|_| value.to_string(), |m| m.display())
        }
        (crate::domain::MetricUnit::Percent, _) => format!("{} %", value.normalize()),
        _ => format_value(Locale::En, metric, value, currency),
    }
}

fn factors_text(f: &Factors) -> String {
    crate::domain::target::Factor::ALL
        .iter()
        .map(|factor| {
            format!(
                "{}: {}",
                factor.label(),
                f.get(*factor).label().to_lowercase()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn fields_of(row: &TargetRow) -> TargetFields {
    TargetFields {
        statement: row.statement.clone(),
        metric: row.metric,
        value: row.value,
        currency: row.currency,
        baseline: row.baseline,
        period: row.period,
        assignee: row.assignee,
        parent_id: row.parent_id,
        kind: row.kind,
        rationale: row.rationale.clone(),
        factors: row.factors,
        segment: row.segment,
    }
}

/// The ids above `id` in the cascade, nearest first (at most 32 levels: a deeper chain is a
/// cycle or corrupt).
async fn ancestors(db: &Db, id: i64) -> Result<Vec<i64>, RepoError> {
    let mut chain = vec![id];
    let mut next = Some(id);
    while let Some(current) = next.take() {
        let parent: Option<(Option<i64>,)> = sql("SELECT parent_id FROM targets WHERE id = $1")
            .bind(current)
            .fetch_optional(db)
            .await?;
        next = parent.and_then(|(p,)| p);
        match next {
            Some(p) if !chain.contains(&p) && chain.len() < 32 => chain.push(p),
            _ => break,
        }
    }
    Ok(chain)
}

/// Saves a new target (`id` None) as a draft, or edits one that is still being negotiated.
/// The SMART check runs here again; warnings need `acknowledged`.
#[tracing::instrument(skip(db, user, input), fields(user = user.id))]
pub async fn save(
    db: &Db,
    user: &SessionUser,
    id: Option<i64>,
    version: Option<i64>,
    input: &TargetInput,
    acknowledged: bool,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, WriteError> {
    let today = now.date_naive();
    let existing = match id {
        Some(id) => {
            let Some(stored) = find(db, user, id).await? else {
                return Err(WriteError::NotFound(Entity::Target));
            };
            if stored.side(user).is_none() {
                return Err(WriteError::Forbidden("target"));
            }
            let version = version.ok_or(TargetRule::VersionMissing)?;
            check_seen(user, &stored, version)?;
            stored.row.status.check_editable()?;
            Some(stored)
        }
        None => None,
    };
    let context = editor_context(db, user, input, id, today).await?;
    let ctx = SmartContext {
        today: Some(today),
        track_record: context.track_record.as_ref(),
        parent: context.parent.as_ref(),
    };
    let (fields, report) = input.parse(&ctx)?;
    let Some((assignee_name, assignee_path, side_path, assignee_is_manager)) =
        resolve(db, fields.assignee).await?
    else {
        return Err(TargetRule::UnknownAssignee.into());
    };
    let at = AssigneeAt {
        assignee: fields.assignee,
        unit_path: &side_path,
        assignee_is_manager,
    };
    if side_of(&actor(user), &at).is_none() {
        return Err(TargetRule::NotYourAssignee.into());
    }
    if let Some(pid) = fields.parent_id {
        let parent = find(db, user, pid)
            .await?
            .ok_or(TargetRule::UnknownParent)?;
        let linker_is_side = parent.side(user).is_some();
        let closed = parent.row.status.is_closed();
        // The walk up the parents runs only when the link could otherwise stand.
        let would_cycle = match id {
            Some(id) if linker_is_side && !closed => ancestors(db, pid).await?.contains(&id),
            _ => false,
        };
        check_parent(&ParentLink {
            linker_is_side,
            statement: &parent.row.statement,
            closed,
            would_cycle,
            inside: match parent.row.assignee {
                Assignee::User(u) => fields.assignee == Assignee::User(u),
                Assignee::Unit(_) => assignee_path.starts_with(&parent.path),
            },
            parent_assignee: &parent.row.assignee_name,
            assignee: &assignee_name,
        })?;
    }
    if report.worst() == Level::Warning && !acknowledged {
        return Ok(SaveOutcome::NeedsAcknowledgement(Box::new(report)));
    }
    let mut tx = db.begin_write().await?;
    let id = match (&existing, id, version) {
        (None, _, _) => insert_target(&mut tx, &fields, user, now, None).await?,
        (Some(stored), Some(id), Some(version)) => {
            lock_at_version(&mut tx, user, id, version).await?;
            let update = sql(
                "UPDATE targets SET statement = $1, metric = $2, value_hundredths = $3, currency = $4, \
                 baseline = $5, starts_on = $6, ends_on = $7, assignee_user_id = $8, assignee_unit_id = $9, \
                 parent_id = $10, kind = $11, rationale = $12, factors = $13, segment = $14, \
                 updated_by = $15, updated_at = $16, counter_hundredths = NULL, version = version + 1 \
                 WHERE id = $17",
            );
            bind_fields(update, &fields)
                .bind(user.id)
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
            let before = described(&fields_of(&stored.row), &stored.row.assignee_name);
            let after = described(&fields, &assignee_name);
            for ((field, old), (_, new)) in before.into_iter().zip(after) {
                if old != new {
                    insert_change(
                        &mut tx,
                        id,
                        now,
                        user.id,
                        field,
                        Some(old.as_str()),
                        Some(new.as_str()),
                    )
                    .await?;
                }
            }
            // A counter-proposal answers the terms it was made on; once they change, the
            // target must be proposed again.
            if let Some(counter) = stored.row.counter_value {
                let old = exact_value(stored.row.metric, counter, stored.row.currency);
                insert_change(
                    &mut tx,
                    id,
                    now,
                    user.id,
                    "counter-value",
                    Some(old.as_str()),
                    None,
                )
                .await?;
            }
            id
        }
        _ => return Err(TargetRule::VersionMissing.into()),
    };
    let warnings = report.warnings();
    if !warnings.is_empty() {
        let joined = warnings.join(" · ");
        insert_change(
            &mut tx,
            id,
            now,
            user.id,
            "acknowledged warnings",
            None,
            Some(joined.as_str()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(SaveOutcome::Saved(id))
}

/// One step of the agreement workflow, by the side `user` is on.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn transition(
    db: &Db,
    user: &SessionUser,
    id: i64,
    version: i64,
    transition: &Transition,
    comment: &str,
    counter: &str,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let today = now.date_naive();
    let Some(stored) = find(db, user, id).await? else {
        return Err(WriteError::NotFound(Entity::Target));
    };
    let Some(side) = stored.side(user) else {
        return Err(WriteError::Forbidden("target's agreement"));
    };
    check_seen(user, &stored, version)?;
    let row = &stored.row;
    let comment = check_comment(transition, comment)?;
    // Only a request for changes carries a counter-value, and only when one was typed.
    let counter_value = match counter.trim() {
        text if *transition == Transition::RequestChanges && !text.is_empty() => {
            Some(parse_value(user.locale, row.metric, text).map_err(TargetRule::Counter)?)
        }
        _ => None,
    };
    let achieved = if *transition == Transition::Close {
        let actual = metrics::actual(
            db,
            row.metric,
            &stored.who(),
            row.segment,
            row.period,
            row.currency,
            row.baseline,
        )
        .await?;
        actual >= row.value
    } else {
        false
    };
    let mut tx = db.begin_write().await?;
    lock_at_version(&mut tx, user, id, version).await?;
    let next = apply(
        stored.agreement(),
        side,
        transition,
        row.period.end() < today,
        achieved,
    )
    .map_err(|refused| WriteError::Rule(refused.into()))?;
    let value = match (transition, row.counter_value) {
        (Transition::AcceptCounter, Some(counter)) => counter,
        _ => row.value,
    };
    sql(
        "UPDATE targets SET status = $1, awaiting = $2, counter_hundredths = $3, value_hundredths = $4, \
         updated_by = $5, updated_at = $6, version = version + 1 WHERE id = $7",
    )
    .bind(next.status.as_str())
    .bind(next.awaiting.map(Side::as_str))
    .bind(counter_value.map(Hundredths::from_decimal))
    .bind(Hundredths::from_decimal(value))
    .bind(user.id)
    .bind(now)
    .bind(id)
    .execute(&mut tx)
    .await?;
    insert_event(
        &mut tx,
        id,
        now,
        user.id,
        "transition",
        Some(transition.as_str()),
        Some(row.status.as_str()),
        Some(next.status.as_str()),
        (!comment.is_empty()).then_some(comment),
    )
    .await?;
    if let Some(counter) = counter_value {
        let new = exact_value(row.metric, counter, row.currency);
        insert_change(
            &mut tx,
            id,
            now,
            user.id,
            "counter-value",
            None,
            Some(new.as_str()),
        )
        .await?;
    }
    if value != row.value {
        let old = exact_value(row.metric, row.value, row.currency);
        let new = exact_value(row.metric, value, row.currency);
        insert_change(
            &mut tx,
            id,
            now,
            user.id,
            "value",
            Some(old.as_str()),
            Some(new.as_str()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `text` cut to at most `chars` characters, with an ellipsis when cut.
fn shortened(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(chars - 1).collect();
    cut.push('…');
    cut
}

/// A member of a unit a target can be cascaded to.
struct Member {
    assignee: Assignee,
    name: String,
    who: Who,
}

/// The unit's child units, or for a team its reps, that have no child target of `stored` yet.
#[tracing::instrument(skip_all, fields(target = stored.row.id), err)]
async fn uncovered_members(db: &Db, stored: &Stored) -> Result<Vec<Member>, RepoError> {
    let Assignee::Unit(unit_id) = stored.row.assignee else {
        return Ok(Vec::new());
    };
    let units: Vec<(i64, String, String)> =
        sql("SELECT id, name, path FROM org_units WHERE parent_id = $1 ORDER BY name")
            .bind(unit_id)
            .fetch_all(db)
            .await?;
    let members: Vec<Member> = if units.is_empty() {
        let users: Vec<(i64, String)> =
            sql("SELECT id, name FROM users WHERE org_unit_id = $1 AND role = 'rep' ORDER BY name")
                .bind(unit_id)
                .fetch_all(db)
                .await?;
        users
            .into_iter()
            .map(|(id, name)| Member {
                assignee: Assignee::User(id),
                name,
                who: Who::User(id),
            })
            .collect()
    } else {
        units
            .into_iter()
            .map(|(id, name, path)| Member {
                assignee: Assignee::Unit(id),
                name,
                who: Who::Subtree(path),
            })
            .collect()
    };
    let taken: Vec<(Option<i64>, Option<i64>)> =
        sql("SELECT assignee_user_id, assignee_unit_id FROM targets WHERE parent_id = $1")
            .bind(stored.row.id)
            .fetch_all(db)
            .await?;
    Ok(members
        .into_iter()
        .filter(|m| {
            !taken.iter().any(|t| match m.assignee {
                Assignee::User(id) => t.0 == Some(id),
                Assignee::Unit(id) => t.1 == Some(id),
            })
        })
        .collect())
}

/// Creates a draft child target for every member without one, sharing out what is not yet
/// allocated (evenly, or by each member's result in the same span last year). All or nothing.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn cascade(
    db: &Db,
    user: &SessionUser,
    id: i64,
    version: i64,
    by_share: bool,
    now: DateTime<Utc>,
) -> Result<usize, WriteError> {
    let Some(stored) = find(db, user, id).await? else {
        return Err(WriteError::NotFound(Entity::Target));
    };
    if stored.side(user).is_none() {
        return Err(WriteError::Forbidden("target"));
    }
    check_seen(user, &stored, version)?;
    let parent = &stored.row;
    if parent.status.is_closed() {
        return Err(TargetRule::CascadeClosed.into());
    }
    if parent.metric.needs_baseline() {
        return Err(TargetRule::CascadeGrowth.into());
    }
    if matches!(parent.assignee, Assignee::User(_)) {
        return Err(TargetRule::CascadePerson.into());
    }
    let members = uncovered_members(db, &stored).await?;
    if members.is_empty() {
        return Err(TargetRule::CascadeCovered.into());
    }
    let values = if parent.metric.is_additive() {
        let left = parent.value - allocated(db, id, None).await?;
        if left <= Decimal::ZERO {
            return Err(TargetRule::CascadeNothingLeft.into());
        }
        let mut weights = Vec::with_capacity(members.len());
        for m in &members {
            weights.push(if by_share {
                metrics::measure(
                    db,
                    parent.metric,
                    &m.who,
                    parent.segment,
                    parent.period.one_year_earlier(),
                    parent.currency,
                )
                .await?
            } else {
                Decimal::ONE
            });
        }
        split(left, &weights, step(parent.metric))
    } else {
        vec![parent.value; members.len()]
    };
    let comment = format!(
        "Cascaded from “{}”, {}",
        parent.statement,
        if by_share {
            "by last year's share"
        } else {
            "split evenly"
        }
    );
    let mut tx = db.begin_write().await?;
    // The parent's version moves with its cascade, so a second cascade prepared from the
    // same page (another window, a double click) is refused instead of sharing twice.
    lock_at_version(&mut tx, user, id, version).await?;
    sql("UPDATE targets SET version = version + 1, updated_by = $1, updated_at = $2 WHERE id = $3")
        .bind(user.id)
        .bind(now)
        .bind(id)
        .execute(&mut tx)
        .await?;
    let mut created = 0;
    for (member, value) in members.iter().zip(values) {
        if value <= Decimal::ZERO {
            continue;
        }
        let fields = TargetFields {
            statement: format!(
                "{}'s share of “{}”: {}",
                member.name,
                shortened(&parent.statement, 160),
                format_value(user.locale, parent.metric, value, parent.currency)
            ),
            value,
            assignee: member.assignee,
            parent_id: Some(parent.id),
            rationale: String::new(),
            ..fields_of(parent)
        };
        insert_target(&mut tx, &fields, user, now, Some(comment.as_str())).await?;
        created += 1;
    }
    tx.commit().await?;
    Ok(created)
}
