//! Writes a whole generated company (the demo, or a test's fixture) in one transaction:
//! all of it or nothing. Rows refer to each other by index into the vectors; the database
//! assigns the ids.

use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::org::child_path;
use crate::domain::{OrgUnitKind, Role};
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Clone, Debug, Default)]
pub struct SeedCompany {
    /// Parents come before their children.
    pub units: Vec<SeedUnit>,
    pub users: Vec<SeedUser>,
    pub customers: Vec<SeedCustomer>,
    pub sales: Vec<SeedSale>,
    pub stages: Vec<SeedStage>,
    pub opportunities: Vec<SeedOpportunity>,
    pub activities: Vec<SeedActivity>,
    /// Check-ins of visits among `activities`.
    pub check_ins: Vec<SeedCheckIn>,
    /// Parents come before their children.
    pub targets: Vec<SeedTarget>,
}

#[derive(Clone, Debug)]
pub struct SeedUnit {
    pub parent: Option<usize>,
    pub name: String,
    pub kind: OrgUnitKind,
}

#[derive(Clone, Debug)]
pub struct SeedUser {
    pub unit: usize,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct SeedCustomer {
    pub external_ref: String,
    pub name: String,
    pub owner: Option<usize>,
    pub segment: &'static str,
    pub city: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub first_contact_on: Option<NaiveDate>,
}

#[derive(Clone, Debug)]
pub struct SeedSale {
    pub customer: usize,
    pub sold_on: NaiveDate,
    pub amount_minor: i64,
    pub reference: String,
}

#[derive(Clone, Debug)]
pub struct SeedStage {
    pub name: String,
    pub probability: i32,
    pub rotting_days: Option<i32>,
    pub kind: &'static str,
}

#[derive(Clone, Debug)]
pub struct SeedOpportunity {
    pub title: String,
    pub customer: usize,
    pub owner: usize,
    pub value_minor: i64,
    pub expected_close_on: NaiveDate,
    pub stage: usize,
    pub probability: Option<i32>,
    pub lost_reason: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    /// Every move, oldest first; the last one's `to` is `stage`, its time the stage entry.
    pub changes: Vec<SeedStageChange>,
}

#[derive(Clone, Debug)]
pub struct SeedStageChange {
    pub from: Option<usize>,
    pub to: usize,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct SeedActivity {
    pub kind: &'static str,
    pub customer: usize,
    pub user: usize,
    pub occurred_at: DateTime<Utc>,
    pub notes: String,
}

/// A check-in recorded at the visit `activity` (an index into `activities`).
#[derive(Clone, Debug)]
pub struct SeedCheckIn {
    pub activity: usize,
    pub client_id: String,
    pub position: Option<crate::domain::check_in::Position>,
    pub verification: crate::domain::check_in::Verification,
    pub outcome: Option<crate::domain::check_in::Outcome>,
    pub notes: String,
    pub next_step: String,
    pub checked_out_at: Option<DateTime<Utc>>,
}

/// Whom a seeded target is for: an index into `users` or `units`.
#[derive(Clone, Copy, Debug)]
pub enum SeedAssignee {
    User(usize),
    Unit(usize),
}

#[derive(Clone, Debug)]
pub struct SeedTarget {
    pub statement: String,
    pub metric: &'static str,
    pub value_hundredths: i64,
    pub currency: Option<&'static str>,
    pub baseline: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub assignee: SeedAssignee,
    pub parent: Option<usize>,
    pub kind: &'static str,
    pub rationale: String,
    pub factors: &'static str,
    pub status: &'static str,
    pub awaiting: Option<&'static str>,
    pub counter_hundredths: Option<i64>,
    /// `price` or `relationship` for a turnover target on one client type; `None`: every client.
    pub segment: Option<&'static str>,
    /// The creator; the first event is the creation.
    pub created_by: usize,
    /// Every event, oldest first; the last one's time and user are the target's `updated_*`.
    pub events: Vec<SeedTargetEvent>,
}

#[derive(Clone, Debug)]
pub struct SeedTargetEvent {
    pub at: DateTime<Utc>,
    pub by: usize,
    pub kind: &'static str,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub comment: Option<String>,
}

/// The ids the database gave, in the order of the company's vectors.
#[derive(Clone, Debug, Default)]
pub struct SeedIds {
    pub units: Vec<i64>,
    pub users: Vec<i64>,
    pub customers: Vec<i64>,
    pub stages: Vec<i64>,
    pub opportunities: Vec<i64>,
    pub targets: Vec<i64>,
}

/// Rows per multi-row INSERT: well under both backends' bind-parameter limits.
const BATCH: usize = 1000;
const CURRENCY: &str = "EUR";

#[tracing::instrument(skip_all, err, fields(customers = company.customers.len(), sales = company.sales.len()))]
pub async fn insert(db: &Db, company: &SeedCompany) -> Result<SeedIds, RepoError> {
    let now = Utc::now();
    let mut tx = db.begin_write().await?;
    let mut ids = SeedIds::default();
    let mut paths: Vec<String> = Vec::with_capacity(company.units.len());

    for unit in &company.units {
        let parent_path = unit
            .parent
            .map(|p| paths[p].clone())
            .unwrap_or_else(|| "/".into());
        let (id,): (i64,) = sql(
            "INSERT INTO org_units (parent_id, name, kind, path) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(unit.parent.map(|p| ids.units[p]))
        .bind(&unit.name)
        .bind(unit.kind.as_str())
        .bind(format!("{parent_path}pending/{}", ids.units.len()))
        .fetch_one(&mut tx)
        .await?;
        let path = child_path(&parent_path, id);
        sql("UPDATE org_units SET path = $1 WHERE id = $2")
            .bind(&path)
            .bind(id)
            .execute(&mut tx)
            .await?;
        ids.units.push(id);
        paths.push(path);
    }

    for user in &company.users {
        let (id,): (i64,) = sql(
            "INSERT INTO users (email, name, role, org_unit_id, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(ids.units[user.unit])
        .bind(&user.password_hash)
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        ids.users.push(id);
    }

    for chunk in company.customers.chunks(BATCH) {
        let mut qb = sql(
            "INSERT INTO customers (external_ref, name, owner_id, segment, city, lat, lon, first_contact_on, created_at) ",
        );
        qb.push_values(chunk, |row, c| {
            row.push_bind(&c.external_ref)
                .push_bind(&c.name)
                .push_bind(c.owner.map(|o| ids.users[o]))
                .push_bind(c.segment)
                .push_bind(&c.city)
                .push_bind(c.lat)
                .push_bind(c.lon)
                .push_bind(c.first_contact_on)
                .push_bind(now);
        });
        qb.push(" RETURNING id");
        let rows: Vec<(i64,)> = qb.fetch_all(&mut tx).await?;
        ids.customers.extend(rows.into_iter().map(|(id,)| id));
    }

    for chunk in company.sales.chunks(BATCH) {
        let mut qb =
            sql("INSERT INTO sales (customer_id, sold_on, amount_minor, currency, reference) ");
        qb.push_values(chunk, |row, s| {
            row.push_bind(ids.customers[s.customer])
                .push_bind(s.sold_on)
                .push_bind(s.amount_minor)
                .push_bind(CURRENCY)
                .push_bind(&s.reference);
        });
        qb.execute(&mut tx).await?;
    }
    for statement in super::turnover::rebuild_statements(db) {
        sql(statement).one_off().execute(&mut tx).await?;
    }

    if !company.stages.is_empty() {
        let (pipeline_id,): (i64,) = sql("INSERT INTO pipelines (name) VALUES ($1) RETURNING id")
            .bind("Sales")
            .fetch_one(&mut tx)
            .await?;
        for (position, stage) in company.stages.iter().enumerate() {
            let (id,): (i64,) = sql(
                "INSERT INTO stages (pipeline_id, name, position, probability, rotting_days, kind) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(pipeline_id)
            .bind(&stage.name)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
            .bind(stage.probability)
            .bind(stage.rotting_days)
            .bind(stage.kind)
            .fetch_one(&mut tx)
            .await?;
            ids.stages.push(id);
        }
    }

    for chunk in company.opportunities.chunks(BATCH) {
        let mut qb = sql(
            "INSERT INTO opportunities (title, customer_id, owner_id, value_minor, currency, \
             expected_close_on, stage_id, probability, lost_reason, closed_on, version, \
             stage_entered_at, created_at, updated_at) ",
        );
        qb.push_values(chunk, |row, o| {
            let entered = o.changes.last().map_or(o.created_at, |c| c.at);
            row.push_bind(&o.title)
                .push_bind(ids.customers[o.customer])
                .push_bind(ids.users[o.owner])
                .push_bind(o.value_minor)
                .push_bind(CURRENCY)
                .push_bind(o.expected_close_on)
                .push_bind(ids.stages[o.stage])
                .push_bind(o.probability)
                .push_bind(&o.lost_reason)
                .push_bind(o.closed_on)
                .push_bind(i64::try_from(o.changes.len().max(1)).unwrap_or(1))
                .push_bind(entered)
                .push_bind(o.created_at)
                .push_bind(entered);
        });
        qb.push(" RETURNING id");
        let rows: Vec<(i64,)> = qb.fetch_all(&mut tx).await?;
        ids.opportunities.extend(rows.into_iter().map(|(id,)| id));
    }

    let changes: Vec<(i64, i64, &SeedStageChange)> = company
        .opportunities
        .iter()
        .zip(&ids.opportunities)
        .flat_map(|(o, id)| {
            let owner = ids.users[o.owner];
            o.changes.iter().map(move |c| (*id, owner, c))
        })
        .collect();
    for chunk in changes.chunks(BATCH) {
        let mut qb = sql(
            "INSERT INTO stage_changes (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by) ",
        );
        qb.push_values(chunk, |row, (opportunity_id, by, c)| {
            row.push_bind(*opportunity_id)
                .push_bind(c.from.map(|f| ids.stages[f]))
                .push_bind(ids.stages[c.to])
                .push_bind(c.at)
                .push_bind(*by);
        });
        qb.execute(&mut tx).await?;
    }

    // The close dates as known: each deal's present one, from its creation.
    let dates: Vec<(i64, &SeedOpportunity)> = ids
        .opportunities
        .iter()
        .copied()
        .zip(&company.opportunities)
        .collect();
    for chunk in dates.chunks(BATCH) {
        let mut qb =
            sql("INSERT INTO close_date_changes (opportunity_id, changed_at, expected_close_on) ");
        qb.push_values(chunk, |row, (id, o)| {
            row.push_bind(*id)
                .push_bind(o.created_at)
                .push_bind(o.expected_close_on);
        });
        qb.execute(&mut tx).await?;
    }

    for chunk in company.activities.chunks(BATCH) {
        let mut qb =
            sql("INSERT INTO activities (kind, customer_id, user_id, occurred_at, notes) ");
        qb.push_values(chunk, |row, a| {
            row.push_bind(a.kind)
                .push_bind(ids.customers[a.customer])
                .push_bind(ids.users[a.user])
                .push_bind(a.occurred_at)
                .push_bind(&a.notes);
        });
        qb.execute(&mut tx).await?;
    }

    // Check-ins one by one: each finds its visit (activities were inserted without
    // returning their ids).
    for c in &company.check_ins {
        let a = &company.activities[c.activity];
        let (distance_m, reason) = c.verification.columns();
        sql(
            "INSERT INTO check_ins (client_id, user_id, customer_id, activity_id, device_time, received_at, \
             lat, lon, accuracy_m, distance_m, verification, reason, outcome, notes, next_step, checked_out_at) \
             VALUES ($1, $2, $3, (SELECT id FROM activities WHERE kind = 'visit' AND user_id = $2 \
             AND customer_id = $3 AND occurred_at = $4 ORDER BY id LIMIT 1), $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15)",
        )
        .bind(&c.client_id)
        .bind(ids.users[a.user])
        .bind(ids.customers[a.customer])
        .bind(a.occurred_at)
        .bind(a.occurred_at + chrono::Duration::seconds(20))
        .bind(c.position.map(|p| p.lat))
        .bind(c.position.map(|p| p.lon))
        .bind(c.position.map(|p| p.accuracy_m))
        .bind(distance_m)
        .bind(c.verification.as_str())
        .bind(reason)
        .bind(c.outcome.map(|o| o.as_str()))
        .bind(&c.notes)
        .bind(&c.next_step)
        .bind(c.checked_out_at)
        .execute(&mut tx)
        .await?;
    }

    // Targets one by one: a child refers to its parent's id.
    for t in &company.targets {
        let last = t.events.last();
        let created = t.events.first().map_or(now, |e| e.at);
        let (id,): (i64,) = sql(
            "INSERT INTO targets (statement, metric, value_hundredths, currency, baseline, starts_on, \
             ends_on, assignee_user_id, assignee_unit_id, parent_id, kind, rationale, factors, status, \
             awaiting, counter_hundredths, version, created_by, created_at, updated_by, updated_at, segment) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) \
             RETURNING id",
        )
        .bind(&t.statement)
        .bind(t.metric)
        .bind(t.value_hundredths)
        .bind(t.currency)
        .bind(t.baseline)
        .bind(t.starts_on)
        .bind(t.ends_on)
        .bind(match t.assignee {
            SeedAssignee::User(u) => Some(ids.users[u]),
            SeedAssignee::Unit(_) => None,
        })
        .bind(match t.assignee {
            SeedAssignee::Unit(u) => Some(ids.units[u]),
            SeedAssignee::User(_) => None,
        })
        .bind(t.parent.map(|p| ids.targets[p]))
        .bind(t.kind)
        .bind(&t.rationale)
        .bind(t.factors)
        .bind(t.status)
        .bind(t.awaiting)
        .bind(t.counter_hundredths)
        .bind(i64::try_from(t.events.len().max(1)).unwrap_or(1))
        .bind(ids.users[t.created_by])
        .bind(created)
        .bind(ids.users[last.map_or(t.created_by, |e| e.by)])
        .bind(last.map_or(now, |e| e.at))
        .bind(t.segment)
        .fetch_one(&mut tx)
        .await?;
        ids.targets.push(id);
        for e in &t.events {
            sql(
                "INSERT INTO target_events (target_id, at, by_user_id, kind, field, old_value, new_value, comment) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(e.at)
            .bind(ids.users[e.by])
            .bind(e.kind)
            .bind(&e.field)
            .bind(&e.old_value)
            .bind(&e.new_value)
            .bind(&e.comment)
            .execute(&mut tx)
            .await?;
        }
    }

    tx.commit().await?;
    Ok(ids)
}

/// Adds `count` open opportunities (and a few won and lost in the last weeks) spread over the
/// company's reps and customers: the company-scale board of issue 21, for its tests and
/// benchmarks (`server seed-scale`). The values, stages and dates are fixed by `count` alone.
#[tracing::instrument(skip(db), err)]
pub async fn scale(db: &Db, count: usize, today: NaiveDate) -> Result<(), RepoError> {
    let reps: Vec<(i64,)> = sql("SELECT id FROM users WHERE role = 'rep' ORDER BY id")
        .fetch_all(db)
        .await?;
    let customers: Vec<(i64,)> = sql("SELECT id FROM customers ORDER BY id")
        .fetch_all(db)
        .await?;
    let stages: Vec<(i64, String)> =
        sql("SELECT id, kind FROM stages WHERE archived_at IS NULL ORDER BY position, id")
            .fetch_all(db)
            .await?;
    let open: Vec<i64> = stages
        .iter()
        .filter(|s| s.1 == "open")
        .map(|s| s.0)
        .collect();
    let closed = |kind: &str| stages.iter().find(|s| s.1 == kind).map(|s| s.0);
    let (Some(won), Some(lost)) = (closed("won"), closed("lost")) else {
        return Err(RepoError::Corrupt("no won or lost stage".into()));
    };
    if reps.is_empty() || customers.is_empty() || open.is_empty() {
        return Err(RepoError::Corrupt(
            "a company-scale board needs reps, customers and open stages".into(),
        ));
    }
    let now = today.and_time(chrono::NaiveTime::MIN).and_utc();
    // A fixed sequence (splitmix64): the same company every time.
    let mut state = 0x5343_414C_4500_0021u64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let rows: Vec<_> = (0..count)
        .map(|i| {
            let x = next();
            let pick = |n: usize, shift: u32| ((x >> shift) % n as u64) as usize;
            // Most deals small, a few large: €500 to about €500 k.
            let size = [50_000_i64, 500_000, 5_000_000][pick(3, 4)];
            let value = size + (x >> 20) as i64 % (size * 9);
            let (stage, closed_on, lost_reason) = match x % 20 {
                0 => (
                    won,
                    Some(today - chrono::Duration::days(pick(25, 8) as i64)),
                    None,
                ),
                1 => (
                    lost,
                    Some(today - chrono::Duration::days(pick(25, 8) as i64)),
                    Some("Chose a competitor".to_string()),
                ),
                _ => (open[pick(open.len(), 12)], None, None),
            };
            let close = today + chrono::Duration::days(pick(200, 16) as i64 - 30);
            let entered = now - chrono::Duration::days(pick(90, 24) as i64);
            // Some chances set by hand, some deals in dollars.
            let probability = (i % 7 == 3).then(|| i32::try_from(pick(99, 52) + 1).unwrap_or(50));
            let currency = if i % 13 == 5 { "USD" } else { CURRENCY };
            (
                format!("Scale deal {i}"),
                customers[pick(customers.len(), 32)].0,
                reps[pick(reps.len(), 44)].0,
                value,
                close,
                stage,
                closed_on,
                lost_reason,
                entered,
                probability,
                currency,
            )
        })
        .collect();
    let mut tx = db.begin_write().await?;
    for chunk in rows.chunks(BATCH) {
        let mut qb = sql(
            "INSERT INTO opportunities (title, customer_id, owner_id, value_minor, currency, \
             expected_close_on, stage_id, probability, lost_reason, closed_on, version, \
             stage_entered_at, created_at, updated_at) ",
        );
        qb.push_values(chunk, |row, o| {
            row.push_bind(&o.0)
                .push_bind(o.1)
                .push_bind(o.2)
                .push_bind(o.3)
                .push_bind(o.10)
                .push_bind(o.4)
                .push_bind(o.5)
                .push_bind(o.9)
                .push_bind(&o.7)
                .push_bind(o.6)
                .push_bind(1i64)
                .push_bind(o.8)
                .push_bind(o.8)
                .push_bind(o.8);
        });
        qb.execute(&mut tx).await?;
    }
    tx.commit().await?;
    // Statistics for the planner now, as autovacuum would make them a little later.
    if matches!(db, Db::Postgres(_)) {
        sql("ANALYZE opportunities").execute(db).await?;
    }
    Ok(())
}
