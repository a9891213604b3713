//! The dashboard's read: my and my team's active targets with their outlooks, compared with
//! the last snapshot, and the opportunities that went rotten since.

use super::scope::push_owner_filter;
use super::targets;
use super::{snapshots, RepoError};
use crate::db::{sql, Db};
use crate::domain::forecast::Health;
use crate::domain::Role;
use crate::model::auth::SessionUser;
use crate::model::dashboard::{Dashboard, Digest, RottenOpportunity, StatusChange, TrendChange};
use crate::model::targets::ListQuery;
use crate::model::targets::TargetRow;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::HashSet;

#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn load(db: &Db, user: &SessionUser, today: NaiveDate) -> Result<Dashboard, RepoError> {
    let active = |view: &str| {
        ListQuery::parse(user, Some(view), Some("active")).expect("known view and status")
    };
    let mut mine = targets::list(db, user, &active("mine"), today).await?;
    let mut team = match user.role {
        Role::Rep => None,
        Role::Manager => Some(targets::list(db, user, &active("team"), today).await?),
        Role::Admin => Some(targets::list(db, user, &active("company"), today).await?),
    };
    let mine_ids: HashSet<i64> = mine.iter().map(|t| t.id).collect();
    if let Some(team) = team.as_mut() {
        team.retain(|t| !mine_ids.contains(&t.id));
        sort_worst_first(team);
    }
    sort_worst_first(&mut mine);

    let since = snapshots::previous_day(db, today).await?;
    let before = match since {
        Some(day) => snapshots::health_on(db, day).await?,
        None => Default::default(),
    };
    let mut changes: Vec<StatusChange> = mine
        .iter()
        .chain(team.iter().flatten())
        .filter_map(|t| {
            let outlook = t.outlook.as_ref()?;
            let from = before.get(&t.id).copied();
            let changed = match from {
                Some(from) => from != outlook.health,
                // Newly active (or no snapshot yet): worth a line only with a warning.
                None => outlook.health != Health::OnTrack,
            };
            changed.then(|| StatusChange {
                target_id: t.id,
                statement: t.statement.clone(),
                assignee: t.assignee_name.clone(),
                from,
                to: outlook.health,
                warning: outlook.warning.clone(),
            })
        })
        .collect();
    changes.sort_by_key(|c| std::cmp::Reverse(c.to.severity()));
    let rotten = went_rotten(db, user, since.unwrap_or(today - Duration::days(1)), today).await?;
    let trends = new_trends(db, user, since, today).await?;
    Ok(Dashboard {
        today,
        digest: Digest {
            since,
            changes,
            rotten,
            trends,
        },
        mine,
        next_steps: super::activities::next_steps_due(db, &user.scope(), user.id, today).await?,
        team,
    })
}

fn health(t: &TargetRow) -> u8 {
    t.outlook.as_ref().map_or(0, |o| o.health.severity())
}

fn sort_worst_first(rows: &mut [TargetRow]) {
    rows.sort_by_key(|t| (std::cmp::Reverse(health(t)), t.period.end(), t.id));
}

#[derive(sqlx::FromRow)]
struct OpenRow {
    id: i64,
    title: String,
    customer: String,
    owner: String,
    stage: String,
    stage_entered_at: DateTime<Utc>,
    rotting_days: i32,
}

/// Open opportunities `user` may see whose stage's rotting limit passed after `since` and by
/// `today`: first rotten on a day in (`since`, `today`].
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn went_rotten(
    db: &Db,
    user: &SessionUser,
    since: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<RottenOpportunity>, RepoError> {
    let scope = user.scope();
    let mut qb = sql(
        "SELECT o.id, o.title, c.name AS customer, u.name AS owner, s.name AS stage, \
         o.stage_entered_at, s.rotting_days FROM opportunities o \
         JOIN stages s ON s.id = o.stage_id JOIN customers c ON c.id = o.customer_id \
         JOIN users u ON u.id = o.owner_id \
         WHERE s.kind = 'open' AND s.rotting_days IS NOT NULL AND ",
    );
    push_owner_filter(&mut qb, &scope, "o.owner_id");
    qb.push(" ORDER BY o.stage_entered_at, o.id");
    let rows: Vec<OpenRow> = qb.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            // Rotting from the day after the limit (see `Opportunity::is_rotting`).
            let entered = r.stage_entered_at.date_naive();
            let first_rotten = entered + Duration::days(i64::from(r.rotting_days) + 1);
            (first_rotten > since && first_rotten <= today).then(|| RottenOpportunity {
                id: r.id,
                title: r.title,
                customer: r.customer,
                owner: r.owner,
                stage: r.stage,
                days_in_stage: (today - entered).num_days(),
            })
        })
        .collect())
}

/// The user's own customers with a trend change today that the snapshot of `since` did not
/// flag the same way (all of them before the first snapshot).
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn new_trends(
    db: &Db,
    user: &SessionUser,
    since: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Vec<TrendChange>, RepoError> {
    let rule = super::settings::trend_rule(db).await?;
    let own = crate::domain::Scope::Own { user_id: user.id };
    let now = super::customers::list(
        db,
        &own,
        &crate::model::customers::CustomerFilter::trends(today),
        today,
        rule,
        None,
    )
    .await?;
    let before = match since {
        Some(day) => super::customers::trend_flags_on(db, day).await?,
        None => Default::default(),
    };
    Ok(now
        .customers
        .into_iter()
        .filter_map(|c| {
            let trend = c.trend?;
            (before.get(&c.id) != Some(&trend.direction)).then_some(TrendChange {
                customer_id: c.id,
                name: c.name,
                trend,
            })
        })
        .collect())
}
