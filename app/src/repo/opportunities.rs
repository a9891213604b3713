//! Opportunities: the board's read, and every write with its version check and history row
//! in one transaction.

use super::scope::push_owner_filter;
use super::{pipeline, RepoError, WriteError};
use crate::api::auth::SessionUser;
use crate::api::pipeline::{Board, Choice, StageChangeView, CLOSED_DAYS_SHOWN};
use crate::domain::pipeline::OpportunityFields;
use crate::domain::{Card, Currency, Money, OrgUnitKind, Probability, Role, Scope, Stage};
use crate::error::AppError;
use crate::{db::Db, on_db};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::QueryBuilder;

/// Which opportunities the board shows: a view (whose), then narrowing filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardQuery {
    pub view: View,
    pub owner: Option<i64>,
    pub customer: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub text: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Mine,
    Unit(i64),
}

impl View {
    pub fn key(self) -> String {
        match self {
            View::Mine => "mine".into(),
            View::Unit(id) => format!("unit-{id}"),
        }
    }

    fn parse(key: &str) -> Option<View> {
        match key {
            "mine" => Some(View::Mine),
            other => other
                .strip_prefix("unit-")
                .and_then(|id| id.parse().ok())
                .map(View::Unit),
        }
    }
}

fn blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl BoardQuery {
    /// Parses the board's URL parameters. A parameter that is present but wrong is an error
    /// naming it; an absent one takes the user's default.
    pub fn parse(
        user: &SessionUser,
        view: Option<&str>,
        owner: Option<&str>,
        customer: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        text: Option<&str>,
    ) -> Result<BoardQuery, AppError> {
        let view = match blank(view) {
            None if user.role == Role::Rep => View::Mine,
            None => View::Unit(user.unit_id),
            Some(key) => View::parse(key).ok_or_else(|| {
                AppError::invalid(
                    "view",
                    format!("\"{key}\" is not a view (use mine or unit-<id>)"),
                )
            })?,
        };
        let id = |field: &str, value: Option<&str>| -> Result<Option<i64>, AppError> {
            blank(value)
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| AppError::invalid(field, format!("\"{v}\" is not an id")))
                })
                .transpose()
        };
        let date = |field: &str, value: Option<&str>| -> Result<Option<NaiveDate>, AppError> {
            blank(value)
                .map(|v| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                        AppError::invalid(field, format!("\"{v}\" is not a date (use YYYY-MM-DD)"))
                    })
                })
                .transpose()
        };
        let query = BoardQuery {
            view,
            owner: id("owner", owner)?,
            customer: id("customer", customer)?,
            from: date("from", from)?,
            to: date("to", to)?,
            text: blank(text).map(str::to_lowercase),
        };
        if let (Some(from), Some(to)) = (query.from, query.to) {
            if to < from {
                return Err(AppError::invalid(
                    "to",
                    format!("the close-date range ends ({to}) before it starts ({from})"),
                ));
            }
        }
        Ok(query)
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct CardRow {
    id: i64,
    title: String,
    customer_id: i64,
    customer_name: String,
    owner_id: i64,
    owner_name: String,
    value_minor: i64,
    currency: String,
    expected_close_on: NaiveDate,
    stage_id: i64,
    probability: Option<i32>,
    lost_reason: Option<String>,
    closed_on: Option<NaiveDate>,
    stage_entered_at: DateTime<Utc>,
    version: i64,
}

impl TryFrom<CardRow> for Card {
    type Error = RepoError;
    fn try_from(row: CardRow) -> Result<Self, Self::Error> {
        let corrupt = |e: String| RepoError::Corrupt(format!("opportunity {}: {e}", row.id));
        let currency = Currency::parse(&row.currency).map_err(|e| corrupt(e.to_string()))?;
        Ok(Card {
            id: row.id,
            title: row.title.clone(),
            customer_id: row.customer_id,
            customer_name: row.customer_name.clone(),
            owner_id: row.owner_id,
            owner_name: row.owner_name.clone(),
            value: Money::from_minor(row.value_minor, currency),
            expected_close_on: row.expected_close_on,
            stage_id: row.stage_id,
            probability: row
                .probability
                .map(|p| Probability::parse(i64::from(p)))
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
            lost_reason: row.lost_reason,
            closed_on: row.closed_on,
            stage_entered_at: row.stage_entered_at,
            version: row.version,
        })
    }
}

const CARD_SELECT: &str = "SELECT o.id, o.title, o.customer_id, c.name AS customer_name, \
     o.owner_id, u.name AS owner_name, o.value_minor, o.currency, o.expected_close_on, \
     o.stage_id, o.probability, o.lost_reason, o.closed_on, o.stage_entered_at, o.version \
     FROM opportunities o JOIN customers c ON c.id = o.customer_id \
     JOIN users u ON u.id = o.owner_id JOIN stages s ON s.id = o.stage_id";

/// Filters of the API's opportunity list; every one narrows the viewer's scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub owner: Option<i64>,
    /// Owners in this org unit or below it.
    pub unit: Option<i64>,
    pub stage: Option<i64>,
    pub customer: Option<i64>,
    /// `open`, `won` or `lost`: the kind of the stage.
    pub stage_kind: Option<crate::domain::StageKind>,
    /// Expected (open) or actual (closed) close date in this span.
    pub closes_from: Option<NaiveDate>,
    pub closes_to: Option<NaiveDate>,
}

/// One page of the opportunities `scope` may see, oldest first (by id, so pages stay put
/// while new ones are added); `limit + 1` rows are read to tell whether more follow.
#[tracing::instrument(skip(db), err)]
pub async fn page(
    db: &Db,
    scope: &Scope,
    filter: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Card>, bool), RepoError> {
    // The page comes back as one JSON row: sqlx's SQLite driver hands every row from its
    // worker thread to the caller on its own, and fifty hand-offs cost more than the query
    // (BENCHMARKS.md, API reads). Postgres is served the same way.
    let (object, aggregate) = match db {
        Db::Sqlite(..) => ("json_object", "json_group_array"),
        Db::Postgres(_) => ("json_build_object", "json_agg"),
    };
    let fields = [
        "id",
        "title",
        "customer_id",
        "customer_name",
        "owner_id",
        "owner_name",
        "value_minor",
        "currency",
        "expected_close_on",
        "stage_id",
        "probability",
        "lost_reason",
        "closed_on",
        "stage_entered_at",
        "version",
    ]
    .map(|f| format!("'{f}', p.{f}"))
    .join(", ");
    let (json,): (String,) = on_db!(db, pool => {
        let mut qb = QueryBuilder::new(format!(
            "SELECT CAST(COALESCE({aggregate}({object}({fields})), '[]') AS TEXT) FROM ("
        ));
        qb.push(CARD_SELECT).push(" WHERE ");
        push_owner_filter(&mut qb, scope, "o.owner_id");
        if let Some(unit) = filter.unit {
            qb.push(" AND ");
            super::scope::push_unit_filter(&mut qb, unit, "o.owner_id");
        }
        if let Some(owner) = filter.owner {
            qb.push(" AND o.owner_id = ").push_bind(owner);
        }
        if let Some(stage) = filter.stage {
            qb.push(" AND o.stage_id = ").push_bind(stage);
        }
        if let Some(customer) = filter.customer {
            qb.push(" AND o.customer_id = ").push_bind(customer);
        }
        if let Some(kind) = filter.stage_kind {
            qb.push(" AND s.kind = ").push_bind(kind.as_str());
        }
        let close = "COALESCE(o.closed_on, o.expected_close_on)";
        if let Some(from) = filter.closes_from {
            qb.push(format!(" AND {close} >= ")).push_bind(from);
        }
        if let Some(to) = filter.closes_to {
            qb.push(format!(" AND {close} <= ")).push_bind(to);
        }
        qb.push(" ORDER BY o.id LIMIT ").push_bind(limit + 1).push(" OFFSET ").push_bind(offset);
        qb.push(") p");
        qb.build_query_as().fetch_one(pool).await?
    });
    let mut rows: Vec<CardRow> = serde_json::from_str(&json)
        .map_err(|e| RepoError::Corrupt(format!("an opportunity page: {e}")))?;
    rows.sort_by_key(|r| r.id);
    let more = rows.len() as i64 > limit;
    let cards = rows
        .into_iter()
        .take(limit as usize)
        .map(Card::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((cards, more))
}

/// The board for `user` as `query` filters it.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn board(
    db: &Db,
    user: &SessionUser,
    query: &BoardQuery,
    today: NaiveDate,
) -> Result<Board, WriteError> {
    let scope = user.scope();
    let stages = pipeline::stages(db).await?;
    let units = units_in_scope(db, &scope).await?;
    let view_path = match query.view {
        View::Mine => None,
        View::Unit(id) => match (user.role, units.iter().find(|u| u.id == id)) {
            (Role::Rep, _) | (_, None) => {
                return Err(AppError::Forbidden("part of the organisation".into()).into())
            }
            (_, Some(unit)) => Some(unit.path.clone()),
        },
    };
    let closed_since = query
        .from
        .unwrap_or(today - Duration::days(CLOSED_DAYS_SHOWN));
    let pattern = query.text.as_ref().map(|t| format!("%{t}%"));
    let cards: Vec<CardRow> = on_db!(db, pool => {
        let mut qb = QueryBuilder::new(CARD_SELECT);
        qb.push(" WHERE s.archived_at IS NULL AND ");
        push_owner_filter(&mut qb, &scope, "o.owner_id");
        match &view_path {
            None => {
                qb.push(" AND o.owner_id = ").push_bind(user.id);
            }
            Some(path) => {
                qb.push(
                    " AND o.owner_id IN (SELECT vu.id FROM users vu \
                     JOIN org_units vo ON vo.id = vu.org_unit_id WHERE vo.path LIKE ",
                )
                .push_bind(format!("{path}%"))
                .push(")");
            }
        }
        if let Some(owner) = query.owner {
            qb.push(" AND o.owner_id = ").push_bind(owner);
        }
        if let Some(customer) = query.customer {
            qb.push(" AND o.customer_id = ").push_bind(customer);
        }
        if let Some(p) = &pattern {
            qb.push(" AND (LOWER(o.title) LIKE ").push_bind(p.clone());
            qb.push(" OR LOWER(c.name) LIKE ").push_bind(p.clone()).push(")");
        }
        qb.push(" AND ((s.kind = 'open'");
        if let Some(from) = query.from {
            qb.push(" AND o.expected_close_on >= ").push_bind(from);
        }
        if let Some(to) = query.to {
            qb.push(" AND o.expected_close_on <= ").push_bind(to);
        }
        qb.push(") OR (s.kind <> 'open' AND o.closed_on >= ").push_bind(closed_since);
        if let Some(to) = query.to {
            qb.push(" AND o.closed_on <= ").push_bind(to);
        }
        qb.push(")) ORDER BY o.expected_close_on, o.id");
        qb.build_query_as().fetch_all(pool).await?
    });
    let cards = cards
        .into_iter()
        .map(Card::try_from)
        .collect::<Result<Vec<_>, _>>()?;

    let mut views = vec![Choice {
        key: View::Mine.key(),
        label: "My opportunities".into(),
    }];
    if user.role != Role::Rep {
        views.extend(units.iter().map(|u| Choice {
            key: View::Unit(u.id).key(),
            label: match OrgUnitKind::parse(&u.kind) {
                Some(kind) => format!("{}: {}", kind.label(), u.name),
                None => u.name.clone(),
            },
        }));
    }
    let owners = owner_choices(db, &scope).await?;
    let customer_name = match query.customer {
        Some(id) => super::customers::find(db, &scope, id)
            .await?
            .map(|c| c.name),
        None => None,
    };
    let forecasts =
        super::forecast::board_targets(db, user.id, query.view, today, &cards, &stages).await?;
    Ok(Board {
        forecasts,
        thresholds: super::settings::thresholds(db).await?,
        stages,
        cards,
        today,
        closed_since,
        view: query.view.key(),
        views,
        owners,
        customer_name,
        me: user.id,
        can_assign: user.role != Role::Rep,
        can_edit_stages: user.role == Role::Admin,
    })
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: i64,
    name: String,
    kind: String,
    path: String,
}

/// Org units whose people `scope` may see, tree order. A rep sees none as a view.
async fn units_in_scope(db: &Db, scope: &Scope) -> Result<Vec<UnitRow>, RepoError> {
    let prefix = match scope {
        Scope::Own { .. } => return Ok(Vec::new()),
        Scope::Subtree { unit_path } => unit_path.clone(),
        Scope::All => "/".to_string(),
    };
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, kind, path FROM org_units WHERE path LIKE $1 ORDER BY path"
    ).bind(format!("{prefix}%")).fetch_all(pool).await?))
}

/// People `scope` may see, by name.
pub async fn owner_choices(db: &Db, scope: &Scope) -> Result<Vec<Choice>, RepoError> {
    Ok(on_db!(db, pool => {
        let mut qb = QueryBuilder::new("SELECT CAST(u.id AS TEXT) AS key, u.name AS label FROM users u WHERE ");
        push_owner_filter(&mut qb, scope, "u.id");
        qb.push(" ORDER BY u.name");
        qb.build_query_as().fetch_all(pool).await?
    }))
}

/// One opportunity, if `scope` may see it.
#[tracing::instrument(skip(db), err)]
pub async fn find(db: &Db, scope: &Scope, id: i64) -> Result<Option<Card>, RepoError> {
    let row: Option<CardRow> = on_db!(db, pool => {
        let mut qb = QueryBuilder::new(CARD_SELECT);
        qb.push(" WHERE o.id = ").push_bind(id).push(" AND ");
        push_owner_filter(&mut qb, scope, "o.owner_id");
        qb.build_query_as().fetch_optional(pool).await?
    });
    row.map(Card::try_from).transpose()
}

/// Every stage change of an opportunity, oldest first. The caller has checked the scope.
#[tracing::instrument(skip(db), err)]
pub async fn history(db: &Db, id: i64) -> Result<Vec<StageChangeView>, RepoError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT f.name AS from_stage, t.name AS to_stage, h.changed_at, u.name AS changed_by \
         FROM stage_changes h JOIN stages t ON t.id = h.to_stage_id \
         LEFT JOIN stages f ON f.id = h.from_stage_id JOIN users u ON u.id = h.changed_by \
         WHERE h.opportunity_id = $1 ORDER BY h.changed_at, h.id"
    ).bind(id).fetch_all(pool).await?))
}

/// The opportunity's stage and version, read (and on Postgres locked) inside a write
/// transaction, if `scope` may see it.
macro_rules! lock_opportunity {
    ($tx:expr, $db:expr, $scope:expr, $id:expr) => {{
        let mut qb =
            QueryBuilder::new("SELECT o.stage_id, o.version FROM opportunities o WHERE o.id = ");
        qb.push_bind($id).push(" AND ");
        push_owner_filter(&mut qb, $scope, "o.owner_id");
        qb.push($db.lock_row());
        let row: Option<(i64, i64)> = qb.build_query_as().fetch_optional(&mut *$tx).await?;
        row
    }};
}

/// Why a write with `version` was refused: who changed the opportunity since, and where it is.
macro_rules! conflict {
    ($tx:expr, $user:expr, $id:expr, $now:expr) => {{
        let row: Option<(Option<i64>, Option<String>, DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT o.updated_by, u.name, o.updated_at, s.name FROM opportunities o \
             LEFT JOIN users u ON u.id = o.updated_by JOIN stages s ON s.id = o.stage_id \
             WHERE o.id = $1",
        )
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        let message = match row {
            Some((by, name, at, stage)) => {
                let who = if by == Some($user.id) {
                    "You (in another window or tab)".to_string()
                } else {
                    name.unwrap_or_else(|| "Someone".to_string())
                };
                format!(
                    "{who} changed this opportunity {} and it is now in {stage}. Nothing was saved; \
                     you are looking at its current state.",
                    ago(at, $now)
                )
            }
            None => "This opportunity was deleted meanwhile. Nothing was saved.".to_string(),
        };
        WriteError::Refused(AppError::Conflict(message))
    }};
}

fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes();
    match minutes {
        i64::MIN..=0 => "just now".to_string(),
        1 => "a minute ago".to_string(),
        2..=59 => format!("{minutes} minutes ago"),
        _ => format!("on {} at {} UTC", at.format("%Y-%m-%d"), at.format("%H:%M")),
    }
}

/// The opportunity as its own transaction sees it: what a write answers with, never a
/// later writer's state.
macro_rules! card_in_tx {
    ($tx:expr, $id:expr) => {{
        let row: CardRow = sqlx::query_as(&format!("{CARD_SELECT} WHERE o.id = $1"))
            .bind($id)
            .fetch_one(&mut *$tx)
            .await?;
        Card::try_from(row)?
    }};
}

/// Binds `$1`…`$9` of an INSERT or UPDATE: the fields a person edits, in one order.
macro_rules! bind_fields {
    ($query:expr, $fields:expr, $owner:expr, $stage:expr) => {
        $query
            .bind(&$fields.title)
            .bind($fields.customer_id)
            .bind($owner)
            .bind($fields.value.minor_units())
            .bind($fields.value.currency().as_str())
            .bind($fields.expected_close_on)
            .bind($stage.id)
            .bind($fields.probability.map(|p| i32::from(p.percent())))
            .bind(&$fields.lost_reason)
    };
}

/// Reads the opportunity's stage inside a write transaction if it still has `$version`;
/// otherwise returns from the enclosing function with "not found" or the conflict.
macro_rules! lock_at_version {
    ($tx:expr, $db:expr, $scope:expr, $user:expr, $id:expr, $version:expr, $now:expr) => {{
        let Some((from_stage, current_version)) = lock_opportunity!($tx, $db, $scope, $id) else {
            return Err(AppError::NotFound("opportunity".into()).into());
        };
        if current_version != $version {
            return Err(conflict!($tx, $user, $id, $now));
        }
        from_stage
    }};
}

/// Records a stage change inside the transaction that makes it.
macro_rules! insert_stage_change {
    ($tx:expr, $id:expr, $from:expr, $to:expr, $now:expr, $by:expr) => {
        sqlx::query(
            "INSERT INTO stage_changes (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($id)
        .bind($from)
        .bind($to)
        .bind($now)
        .bind($by)
        .execute(&mut *$tx)
        .await?
    };
}

/// Moves an opportunity to `stage` if it still has `version`; the move and its history row
/// are one transaction. Moving to the stage it is already in writes nothing.
#[tracing::instrument(skip(db, user, stage), fields(user = user.id, stage = stage.id))]
pub async fn move_to_stage(
    db: &Db,
    user: &SessionUser,
    id: i64,
    version: i64,
    stage: &Stage,
    lost_reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Card, WriteError> {
    let scope = user.scope();
    let begin = db.begin_write().await;
    on_db!(db, pool => {
        let mut tx = pool.begin_with(begin.sql).await?;
        let from_stage = lock_at_version!(tx, db, &scope, user, id, version, now);
        if from_stage != stage.id {
            sqlx::query(
                "UPDATE opportunities SET stage_id = $1, probability = NULL, lost_reason = $2, \
                 closed_on = $3, stage_entered_at = $4, updated_at = $4, updated_by = $5, \
                 version = version + 1 WHERE id = $6",
            )
            .bind(stage.id)
            .bind(&lost_reason)
            .bind(stage.kind.is_closed().then(|| now.date_naive()))
            .bind(now)
            .bind(user.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            insert_stage_change!(tx, id, Some(from_stage), stage.id, now, user.id);
        }
        let card = card_in_tx!(tx, id);
        tx.commit().await?;
        Ok(card)
    })
}

/// Checks what only the database knows: the customer is one `user` may see and the owner is
/// someone they may give work to. Returns the owner.
async fn check_references(
    db: &Db,
    user: &SessionUser,
    fields: &OpportunityFields,
    current_owner: Option<i64>,
) -> Result<i64, WriteError> {
    let scope = user.scope();
    if super::customers::find(db, &scope, fields.customer_id)
        .await?
        .is_none()
    {
        return Err(
            AppError::invalid("customer_id", "choose one of the customers you can see").into(),
        );
    }
    let owner = fields.owner_id.or(current_owner).unwrap_or(user.id);
    if Some(owner) != current_owner && owner != user.id && user.role == Role::Rep {
        return Err(AppError::invalid(
            "owner_id",
            "only a manager can give an opportunity to someone else",
        )
        .into());
    }
    let owner_user = super::users::find_session_user(db, owner).await?;
    if !owner_user.is_some_and(|u| scope.allows(owner, &u.unit_path)) {
        return Err(AppError::invalid(
            "owner_id",
            "choose someone in your part of the organisation",
        )
        .into());
    }
    Ok(owner)
}

#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn create(
    db: &Db,
    user: &SessionUser,
    fields: &OpportunityFields,
    now: DateTime<Utc>,
) -> Result<Card, WriteError> {
    let owner = check_references(db, user, fields, None).await?;
    let stage = &fields.stage;
    let begin = db.begin_write().await;
    on_db!(db, pool => {
        let mut tx = pool.begin_with(begin.sql).await?;
        let insert = sqlx::query_as(
            "INSERT INTO opportunities (title, customer_id, owner_id, value_minor, currency, \
             expected_close_on, stage_id, probability, lost_reason, closed_on, version, \
             stage_entered_at, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11, $11, $12) RETURNING id",
        );
        let (id,): (i64,) = bind_fields!(insert, fields, owner, stage)
        .bind(stage.kind.is_closed().then(|| now.date_naive()))
        .bind(now)
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?;
        insert_stage_change!(tx, id, None::<i64>, stage.id, now, user.id);
        let card = card_in_tx!(tx, id);
        tx.commit().await?;
        Ok(card)
    })
}

/// Saves every field of an opportunity the user saw at `version`. A changed stage is a move
/// and gets its history row.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn update(
    db: &Db,
    user: &SessionUser,
    id: i64,
    version: i64,
    fields: &OpportunityFields,
    now: DateTime<Utc>,
) -> Result<Card, WriteError> {
    let scope = user.scope();
    let Some(existing) = find(db, &scope, id).await? else {
        return Err(AppError::NotFound("opportunity".into()).into());
    };
    let owner = check_references(db, user, fields, Some(existing.owner_id)).await?;
    let stage = &fields.stage;
    let begin = db.begin_write().await;
    on_db!(db, pool => {
        let mut tx = pool.begin_with(begin.sql).await?;
        let from_stage = lock_at_version!(tx, db, &scope, user, id, version, now);
        let moved = from_stage != stage.id;
        let update = sqlx::query(
            "UPDATE opportunities SET title = $1, customer_id = $2, owner_id = $3, value_minor = $4, \
             currency = $5, expected_close_on = $6, stage_id = $7, probability = $8, lost_reason = $9, \
             closed_on = CASE WHEN $10 THEN $11 ELSE closed_on END, \
             stage_entered_at = CASE WHEN $10 THEN $12 ELSE stage_entered_at END, \
             updated_at = $12, updated_by = $13, version = version + 1 WHERE id = $14",
        );
        bind_fields!(update, fields, owner, stage)
        .bind(moved)
        .bind(stage.kind.is_closed().then(|| now.date_naive()))
        .bind(now)
        .bind(user.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if moved {
            insert_stage_change!(tx, id, Some(from_stage), stage.id, now, user.id);
        }
        let card = card_in_tx!(tx, id);
        tx.commit().await?;
        Ok(card)
    })
}

/// Deletes an opportunity and its history if it still has `version`.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn delete(db: &Db, user: &SessionUser, id: i64, version: i64) -> Result<(), WriteError> {
    let scope = user.scope();
    let begin = db.begin_write().await;
    let now = Utc::now();
    on_db!(db, pool => {
        let mut tx = pool.begin_with(begin.sql).await?;
        lock_at_version!(tx, db, &scope, user, id, version, now);
        sqlx::query("DELETE FROM stage_changes WHERE opportunity_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM opportunities WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn conflicts_say_when() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 30, 0).unwrap();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - Duration::seconds(90), now), "a minute ago");
        assert_eq!(ago(now - Duration::minutes(12), now), "12 minutes ago");
        assert_eq!(
            ago(now - Duration::hours(3), now),
            "on 2026-11-23 at 11:30 UTC"
        );
    }
}
