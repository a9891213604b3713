//! Opportunities: the board's read, and every write with its version check and history row
//! in one transaction.

use super::scope::push_owner_filter;
use super::sync::push_ids;
use super::{pipeline, Entity, RepoError, Stale, WriteError};
use crate::db::{sql, Db, Sql, Tx};
use crate::domain::pipeline::OpportunityFields;
use crate::domain::{Currency, Money, Opportunity, OrgUnitKind, Probability, Role, Scope, Stage};
use crate::model::auth::SessionUser;
use crate::model::pipeline::{Board, Choice, StageChangeView, CLOSED_DAYS_SHOWN};
use crate::model::pipeline::{BoardQuery, ListFilter, View};
use crate::model::pipeline::{ColumnHead, ColumnSum, COLUMN_WINDOW};
use crate::model::sync::Stamp;
use chrono::{DateTime, Duration, NaiveDate, Utc};

#[derive(sqlx::FromRow, serde::Deserialize)]
struct OpportunityRow {
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

impl TryFrom<OpportunityRow> for Opportunity {
    type Error = RepoError;
    fn try_from(row: OpportunityRow) -> Result<Self, Self::Error> {
        let corrupt = |e: String| RepoError::Corrupt(format!("opportunity {}: {e}", row.id));
        let currency = Currency::parse(&row.currency).map_err(|e| corrupt(e.to_string()))?;
        Ok(Opportunity {
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
     o.stage_id, o.probability, o.lost_reason, o.closed_on, o.stage_entered_at, o.version, \
     o.sync_seq, o.changed_at \
     FROM opportunities o JOIN customers c ON c.id = o.customer_id \
     JOIN users u ON u.id = o.owner_id JOIN stages s ON s.id = o.stage_id";

/// A row of [`page`] with when it last changed.
#[derive(serde::Deserialize)]
struct StampedRow {
    #[serde(flatten)]
    row: OpportunityRow,
    sync_seq: i64,
    changed_at: DateTime<Utc>,
}

/// One page of the opportunities `scope` may see, oldest first (by id, so pages stay put
/// while new ones are added), each with when it last changed; `limit + 1` rows are read to
/// tell whether more follow.
#[tracing::instrument(skip(db), err)]
pub async fn page(
    db: &Db,
    scope: &Scope,
    filter: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<(Opportunity, Stamp)>, bool), RepoError> {
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
        "sync_seq",
        "changed_at",
    ]
    .map(|f| format!("'{f}', p.{f}"))
    .join(", ");
    let mut qb = sql(format!(
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
    if let Some(ids) = &filter.ids {
        push_ids(&mut qb, "o.id", ids);
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
    qb.push(" ORDER BY o.id LIMIT ")
        .push_bind(limit + 1)
        .push(" OFFSET ")
        .push_bind(offset);
    qb.push(") p");
    let (json,): (String,) = qb.fetch_one(db).await?;
    let mut rows: Vec<StampedRow> = serde_json::from_str(&json)
        .map_err(|e| RepoError::Corrupt(format!("an opportunity page: {e}")))?;
    rows.sort_by_key(|r| r.row.id);
    let more = rows.len() as i64 > limit;
    let cards = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| {
            let stamp = Stamp {
                seq: r.sync_seq,
                at: r.changed_at,
            };
            Opportunity::try_from(r.row).map(|o| (o, stamp))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((cards, more))
}

/// Which cards a board shows: `user`'s scope, the view and the filters of `query`.
struct BoardFilter<'a> {
    user: &'a SessionUser,
    query: &'a BoardQuery,
    /// The unit viewed (its path), or `None` for the user's own cards.
    view_path: Option<String>,
    closed_since: NaiveDate,
}

impl<'a> BoardFilter<'a> {
    /// The filter of `query` for `user`, refused when the view is not theirs to see.
    async fn new(
        db: &Db,
        user: &'a SessionUser,
        query: &'a BoardQuery,
        today: NaiveDate,
    ) -> Result<(BoardFilter<'a>, Vec<UnitRow>), WriteError> {
        let units = units_in_scope(db, &user.scope()).await?;
        let view_path = match query.view {
            View::Mine => None,
            View::Unit(id) => match (user.role, units.iter().find(|u| u.id == id)) {
                (Role::Rep, _) | (_, None) => {
                    return Err(WriteError::Forbidden("part of the organisation"))
                }
                (_, Some(unit)) => Some(unit.path.clone()),
            },
        };
        let closed_since = query
            .from
            .unwrap_or(today - Duration::days(CLOSED_DAYS_SHOWN));
        let filter = BoardFilter {
            user,
            query,
            view_path,
            closed_since,
        };
        Ok((filter, units))
    }

    /// ` WHERE …` over `o` (opportunities), `c` (customers) and `s` (stages): the scoping
    /// rule first, then the view and the filters.
    fn push_where(&self, qb: &mut Sql) {
        let query = self.query;
        qb.push(" WHERE s.archived_at IS NULL AND ");
        push_owner_filter(qb, &self.user.scope(), "o.owner_id");
        match &self.view_path {
            None => {
                qb.push(" AND o.owner_id = ").push_bind(self.user.id);
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
        if let Some(t) = &query.text {
            let pattern = format!("%{t}%");
            qb.push(" AND (LOWER(o.title) LIKE ")
                .push_bind(pattern.clone());
            qb.push(" OR LOWER(c.name) LIKE ")
                .push_bind(pattern)
                .push(")");
        }
        qb.push(" AND ((s.kind = 'open'");
        if let Some(from) = query.from {
            qb.push(" AND o.expected_close_on >= ").push_bind(from);
        }
        if let Some(to) = query.to {
            qb.push(" AND o.expected_close_on <= ").push_bind(to);
        }
        qb.push(") OR (s.kind <> 'open' AND o.closed_on >= ")
            .push_bind(self.closed_since);
        if let Some(to) = query.to {
            qb.push(" AND o.closed_on <= ").push_bind(to);
        }
        qb.push("))");
    }

    /// Up to `limit` cards of one column (`None`: every column, all of them) in board order
    /// (close date, then id), after the card `after` (its close date and id) when given.
    async fn window(
        &self,
        db: &Db,
        stage_id: Option<i64>,
        after: Option<(NaiveDate, i64)>,
        limit: Option<usize>,
    ) -> Result<Vec<Opportunity>, RepoError> {
        let mut qb = sql(CARD_SELECT);
        self.push_where(&mut qb);
        if let Some(stage_id) = stage_id {
            qb.push(" AND o.stage_id = ").push_bind(stage_id);
        }
        if let Some((close, id)) = after {
            qb.push(" AND (o.expected_close_on > ")
                .push_bind(close)
                .push(" OR (o.expected_close_on = ")
                .push_bind(close)
                .push(" AND o.id > ")
                .push_bind(id)
                .push("))");
        }
        qb.push(" ORDER BY o.expected_close_on, o.id");
        if let Some(limit) = limit {
            qb.push(" LIMIT ")
                .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        }
        let rows: Vec<OpportunityRow> = qb.fetch_all(db).await?;
        rows.into_iter().map(Opportunity::try_from).collect()
    }

    /// Every column's count and sums, by the database.
    async fn heads(&self, db: &Db, stages: &[Stage]) -> Result<Vec<ColumnHead>, RepoError> {
        let mut qb = sql(
            "SELECT o.stage_id, o.currency, COUNT(*), CAST(SUM(o.value_minor) AS BIGINT), \
             CAST(SUM(o.value_minor * CASE s.kind WHEN 'won' THEN 100 WHEN 'lost' THEN 0 \
             ELSE COALESCE(o.probability, s.probability) END) AS BIGINT) \
             FROM opportunities o JOIN customers c ON c.id = o.customer_id \
             JOIN stages s ON s.id = o.stage_id",
        );
        self.push_where(&mut qb);
        qb.push(" GROUP BY o.stage_id, o.currency ORDER BY o.stage_id, o.currency");
        let rows: Vec<(i64, String, i64, i64, i64)> = qb.fetch_all(db).await?;
        Ok(stages
            .iter()
            .map(|stage| ColumnHead {
                stage_id: stage.id,
                sums: rows
                    .iter()
                    .filter(|r| r.0 == stage.id)
                    .map(|(_, currency, count, value, weighted)| ColumnSum {
                        currency: currency.clone(),
                        count: *count,
                        value_minor: *value,
                        weighted_minor_percent: *weighted,
                    })
                    .collect(),
            })
            .collect())
    }
}

/// The next window of one column of the board `query` filters as of `today` (the board's
/// day, so its Won and Lost columns reach as far back as their counts), after the card `after`.
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn column(
    db: &Db,
    user: &SessionUser,
    query: &BoardQuery,
    today: NaiveDate,
    stage_id: i64,
    after: (NaiveDate, i64),
) -> Result<Vec<Opportunity>, WriteError> {
    let (filter, _) = BoardFilter::new(db, user, query, today).await?;
    Ok(filter
        .window(db, Some(stage_id), Some(after), Some(COLUMN_WINDOW))
        .await?)
}

/// Every card of the board `query` filters, in board order, with the stages: what the CSV
/// export lists (the board page itself sends a window per column).
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn board_cards(
    db: &Db,
    user: &SessionUser,
    query: &BoardQuery,
    today: NaiveDate,
) -> Result<(Vec<Stage>, Vec<Opportunity>), WriteError> {
    let (filter, _) = BoardFilter::new(db, user, query, today).await?;
    let stages = pipeline::stages(db).await?;
    let cards = filter.window(db, None, None, None).await?;
    Ok((stages, cards))
}

/// The board for `user` as `query` filters it: each column's first window and every column's
/// count and sums.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn board(
    db: &Db,
    user: &SessionUser,
    query: &BoardQuery,
    today: NaiveDate,
) -> Result<Board, WriteError> {
    let loaded_at = Utc::now();
    let scope = user.scope();
    let stages = pipeline::stages(db).await?;
    let (filter, units) = BoardFilter::new(db, user, query, today).await?;
    let mut cards = Vec::new();
    for stage in &stages {
        cards.extend(
            filter
                .window(db, Some(stage.id), None, Some(COLUMN_WINDOW))
                .await?,
        );
    }
    let columns = filter.heads(db, &stages).await?;
    let closed_since = filter.closed_since;

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
    let calibration = super::calibration::current(db, today).await?;
    let forecasts =
        super::forecast::board_targets(db, user.id, query.view, today, &calibration).await?;
    Ok(Board {
        forecasts,
        chances: calibration.chances,
        thresholds: super::settings::thresholds(db).await?,
        calendar: super::settings::calendar(db).await?,
        stages,
        cards,
        columns,
        today,
        loaded_at,
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
    Ok(
        sql("SELECT id, name, kind, path FROM org_units WHERE path LIKE $1 ORDER BY path")
            .bind(format!("{prefix}%"))
            .fetch_all(db)
            .await?,
    )
}

/// People `scope` may see, by name.
pub async fn owner_choices(db: &Db, scope: &Scope) -> Result<Vec<Choice>, RepoError> {
    let mut qb = sql("SELECT CAST(u.id AS TEXT) AS key, u.name AS label FROM users u WHERE ");
    push_owner_filter(&mut qb, scope, "u.id");
    qb.push(" ORDER BY u.name");
    Ok(qb.fetch_all(db).await?)
}

/// One opportunity, if `scope` may see it.
#[tracing::instrument(skip(db), err)]
pub async fn find(db: &Db, scope: &Scope, id: i64) -> Result<Option<Opportunity>, RepoError> {
    let mut qb = sql(CARD_SELECT);
    qb.push(" WHERE o.id = ").push_bind(id).push(" AND ");
    push_owner_filter(&mut qb, scope, "o.owner_id");
    let row: Option<OpportunityRow> = qb.fetch_optional(db).await?;
    row.map(Opportunity::try_from).transpose()
}

/// Every stage change of an opportunity, oldest first. The caller has checked the scope.
#[tracing::instrument(skip(db), err)]
pub async fn history(db: &Db, id: i64) -> Result<Vec<StageChangeView>, RepoError> {
    Ok(sql(
        "SELECT f.name AS from_stage, t.name AS to_stage, h.changed_at, u.name AS changed_by \
         FROM stage_changes h JOIN stages t ON t.id = h.to_stage_id \
         LEFT JOIN stages f ON f.id = h.from_stage_id JOIN users u ON u.id = h.changed_by \
         WHERE h.opportunity_id = $1 ORDER BY h.changed_at, h.id",
    )
    .bind(id)
    .fetch_all(db)
    .await?)
}

/// The opportunity's stage and version, read (and on Postgres locked) inside a write
/// transaction, if `scope` may see it.
async fn lock_opportunity(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let mut qb = sql("SELECT o.stage_id, o.version FROM opportunities o WHERE o.id = ");
    qb.push_bind(id).push(" AND ");
    push_owner_filter(&mut qb, scope, "o.owner_id");
    qb.push(tx.lock_row());
    qb.fetch_optional(tx).await
}

/// Why a write with a stale version was refused: who changed the opportunity since, and
/// where it is.
async fn stale(tx: &mut Tx, user: &SessionUser, id: i64) -> Result<WriteError, sqlx::Error> {
    // Who updated it last (id, name), when, and its stage now.
    type LastChange = (Option<i64>, Option<String>, DateTime<Utc>, String);
    let row: Option<LastChange> = sql(
        "SELECT o.updated_by, u.name, o.updated_at, s.name FROM opportunities o \
         LEFT JOIN users u ON u.id = o.updated_by JOIN stages s ON s.id = o.stage_id \
         WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(tx)
    .await?;
    Ok(WriteError::Stale(match row {
        Some((by, name, at, stage)) => Stale {
            entity: Entity::Opportunity,
            deleted: false,
            by_writer: by == Some(user.id),
            by: name,
            at: Some(at),
            now_in: stage,
        },
        None => Stale {
            entity: Entity::Opportunity,
            deleted: true,
            by_writer: false,
            by: None,
            at: None,
            now_in: String::new(),
        },
    }))
}

/// The opportunity as its own transaction sees it: what a write answers with, never a
/// later writer's state.
async fn opportunity_in_tx(tx: &mut Tx, id: i64) -> Result<Opportunity, WriteError> {
    let row: OpportunityRow = sql(format!("{CARD_SELECT} WHERE o.id = $1"))
        .bind(id)
        .fetch_one(tx)
        .await?;
    Ok(Opportunity::try_from(row)?)
}

/// Binds the next nine arguments of an INSERT or UPDATE: the fields a person edits, in one
/// order.
fn bind_fields(
    query: crate::db::Sql,
    fields: &OpportunityFields,
    owner: i64,
    stage: &Stage,
) -> crate::db::Sql {
    query
        .bind(&fields.title)
        .bind(fields.customer_id)
        .bind(owner)
        .bind(fields.value.minor_units())
        .bind(fields.value.currency().as_str())
        .bind(fields.expected_close_on)
        .bind(stage.id)
        .bind(fields.probability.map(|p| i32::from(p.percent())))
        .bind(&fields.lost_reason)
}

/// The opportunity's stage inside a write transaction if it still has `version`; otherwise
/// "not found" or the conflict, to return.
async fn lock_at_version(
    tx: &mut Tx,
    user: &SessionUser,
    id: i64,
    version: i64,
) -> Result<i64, WriteError> {
    let Some((from_stage, current_version)) = lock_opportunity(tx, &user.scope(), id).await? else {
        return Err(WriteError::NotFound(Entity::Opportunity));
    };
    if current_version != version {
        return Err(stale(tx, user, id).await?);
    }
    Ok(from_stage)
}

/// Records a stage change inside the transaction that makes it.
async fn insert_stage_change(
    tx: &mut Tx,
    id: i64,
    from: Option<i64>,
    to: i64,
    now: DateTime<Utc>,
    by: i64,
) -> Result<(), sqlx::Error> {
    sql("INSERT INTO stage_changes (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by) \
         VALUES ($1, $2, $3, $4, $5)")
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now)
    .bind(by)
    .execute(tx)
    .await?;
    Ok(())
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
) -> Result<Opportunity, WriteError> {
    let mut tx = db.begin_write().await?;
    let from_stage = lock_at_version(&mut tx, user, id, version).await?;
    if from_stage != stage.id {
        sql(
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
        .execute(&mut tx)
        .await?;
        insert_stage_change(&mut tx, id, Some(from_stage), stage.id, now, user.id).await?;
    }
    let opportunity = opportunity_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(opportunity)
}

/// Stores a new opportunity owned by `owner` (checked by the caller), with its first stage
/// change.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn create(
    db: &Db,
    user: &SessionUser,
    fields: &OpportunityFields,
    owner: i64,
    now: DateTime<Utc>,
) -> Result<Opportunity, WriteError> {
    let stage = &fields.stage;
    let mut tx = db.begin_write().await?;
    let insert = sql(
        "INSERT INTO opportunities (title, customer_id, owner_id, value_minor, currency, \
             expected_close_on, stage_id, probability, lost_reason, closed_on, version, \
             stage_entered_at, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11, $11, $12) RETURNING id",
    );
    let (id,): (i64,) = bind_fields(insert, fields, owner, stage)
        .bind(stage.kind.is_closed().then(|| now.date_naive()))
        .bind(now)
        .bind(user.id)
        .fetch_one(&mut tx)
        .await?;
    insert_stage_change(&mut tx, id, None, stage.id, now, user.id).await?;
    insert_close_date(&mut tx, id, fields.expected_close_on, now).await?;
    let opportunity = opportunity_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(opportunity)
}

/// Records the expected close date `id` has from `now` on: the forecast learns slippage from
/// whether deals closed by the date they then had (`domain::calibration`).
async fn insert_close_date(
    tx: &mut Tx,
    id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sql(
        "INSERT INTO close_date_changes (opportunity_id, changed_at, expected_close_on) \
         VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(now)
    .bind(date)
    .execute(tx)
    .await?;
    Ok(())
}

/// Saves every field of an opportunity the user saw at `version`, owned by `owner` (checked
/// by the caller). A changed stage is a move and gets its history row.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn update(
    db: &Db,
    user: &SessionUser,
    id: i64,
    version: i64,
    fields: &OpportunityFields,
    owner: i64,
    now: DateTime<Utc>,
) -> Result<Opportunity, WriteError> {
    let stage = &fields.stage;
    let mut tx = db.begin_write().await?;
    let from_stage = lock_at_version(&mut tx, user, id, version).await?;
    let moved = from_stage != stage.id;
    let (due,): (NaiveDate,) = sql("SELECT expected_close_on FROM opportunities WHERE id = $1")
        .bind(id)
        .fetch_one(&mut tx)
        .await?;
    let update = sql(
            "UPDATE opportunities SET title = $1, customer_id = $2, owner_id = $3, value_minor = $4, \
             currency = $5, expected_close_on = $6, stage_id = $7, probability = $8, lost_reason = $9, \
             closed_on = CASE WHEN $10 THEN $11 ELSE closed_on END, \
             stage_entered_at = CASE WHEN $10 THEN $12 ELSE stage_entered_at END, \
             updated_at = $12, updated_by = $13, version = version + 1 WHERE id = $14",
        );
    bind_fields(update, fields, owner, stage)
        .bind(moved)
        .bind(stage.kind.is_closed().then(|| now.date_naive()))
        .bind(now)
        .bind(user.id)
        .bind(id)
        .execute(&mut tx)
        .await?;
    if moved {
        insert_stage_change(&mut tx, id, Some(from_stage), stage.id, now, user.id).await?;
    }
    if due != fields.expected_close_on {
        insert_close_date(&mut tx, id, fields.expected_close_on, now).await?;
    }
    let opportunity = opportunity_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(opportunity)
}

/// Deletes an opportunity and its history if it still has `version`.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn delete(db: &Db, user: &SessionUser, id: i64, version: i64) -> Result<(), WriteError> {
    let mut tx = db.begin_write().await?;
    lock_at_version(&mut tx, user, id, version).await?;
    for history in ["stage_changes", "close_date_changes"] {
        sql(format!("DELETE FROM {history} WHERE opportunity_id = $1"))
            .bind(id)
            .execute(&mut tx)
            .await?;
    }
    sql("DELETE FROM opportunities WHERE id = $1")
        .bind(id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
