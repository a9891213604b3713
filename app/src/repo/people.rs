//! The organisation (units of the tree) and its people as admins change them, what a leaver
//! hands over, the installation's one-time setup, and the audit trail of every change.

use super::scope::push_owner_filter;
use super::{RepoError, WriteError};
use crate::db::{sql, Db, On, Tx};
use crate::domain::org::child_path;
use crate::domain::{FieldError, OrgUnitKind, Role, Scope};
use crate::model::people::{AuditEntry, Holdings, PersonRow, UnitRow};
use chrono::{DateTime, Utc};

/// The password hash of a person who has not chosen a password yet: no password verifies
/// against it.
pub const NO_PASSWORD: &str = "!";

#[derive(sqlx::FromRow)]
struct UnitRecord {
    id: i64,
    parent_id: Option<i64>,
    name: String,
    kind: String,
    path: String,
    closed_at: Option<DateTime<Utc>>,
    people: i64,
}

impl TryFrom<UnitRecord> for UnitRow {
    type Error = RepoError;
    fn try_from(r: UnitRecord) -> Result<Self, RepoError> {
        Ok(UnitRow {
            kind: OrgUnitKind::parse(&r.kind)
                .ok_or_else(|| RepoError::Corrupt(format!("org_units.kind {}", r.kind)))?,
            id: r.id,
            parent_id: r.parent_id,
            name: r.name,
            path: r.path,
            closed: r.closed_at.is_some(),
            people: r.people,
        })
    }
}

const UNIT_SELECT: &str = "SELECT o.id, o.parent_id, o.name, o.kind, o.path, o.closed_at, \
     (SELECT COUNT(*) FROM users pu WHERE pu.org_unit_id = o.id \
      AND pu.deactivated_at IS NULL) AS people FROM org_units o";

/// The units `scope` may see (a manager: their subtree; an admin: all), in tree order.
#[tracing::instrument(skip(db), err)]
pub async fn units(db: &Db, scope: &Scope) -> Result<Vec<UnitRow>, RepoError> {
    let mut q = sql(UNIT_SELECT);
    match scope {
        Scope::All => {}
        Scope::Subtree { unit_path } => {
            q.push(" WHERE o.path LIKE ")
                .push_bind(format!("{unit_path}%"));
        }
        Scope::Own { .. } => {
            q.push(" WHERE 1 = 0");
        }
    }
    q.push(" ORDER BY o.path");
    let rows: Vec<UnitRecord> = q.fetch_all(db).await?;
    rows.into_iter().map(UnitRow::try_from).collect()
}

/// One unit, locked for the rest of the transaction.
#[tracing::instrument(skip(tx), err)]
pub async fn unit(tx: &mut Tx, id: i64) -> Result<Option<UnitRow>, RepoError> {
    let lock = tx.lock_row();
    let row: Option<UnitRecord> = sql(format!("{UNIT_SELECT} WHERE o.id = $1{lock}"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    row.map(UnitRow::try_from).transpose()
}

/// Inserts a unit under `parent`; answers its id.
#[tracing::instrument(skip(tx), err)]
pub async fn insert_unit(
    tx: &mut Tx,
    parent: Option<&UnitRow>,
    name: &str,
    kind: OrgUnitKind,
) -> Result<i64, RepoError> {
    let parent_path = parent.map_or("/", |p| p.path.as_str()).to_string();
    let (id,): (i64,) = sql(
        "INSERT INTO org_units (parent_id, name, kind, path) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(parent.map(|p| p.id))
    .bind(name)
    .bind(kind.as_str())
    // A placeholder until the id is known; unique, as the column must be.
    .bind(format!("{parent_path}new/{}", super::links::random_hex(8)?))
    .fetch_one(&mut *tx)
    .await?;
    sql("UPDATE org_units SET path = $1 WHERE id = $2")
        .bind(child_path(&parent_path, id))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(id)
}

#[tracing::instrument(skip(tx), err)]
pub async fn rename_unit(tx: &mut Tx, id: i64, name: &str) -> Result<(), RepoError> {
    sql("UPDATE org_units SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Moves `unit` and everything below it under `parent`: one prefix rewrite of the paths, so
/// every scope that reads them follows at once.
#[tracing::instrument(skip(tx), err)]
pub async fn move_unit(tx: &mut Tx, unit: &UnitRow, parent: &UnitRow) -> Result<(), RepoError> {
    let new_path = child_path(&parent.path, unit.id);
    sql("UPDATE org_units SET parent_id = $1 WHERE id = $2")
        .bind(parent.id)
        .bind(unit.id)
        .execute(&mut *tx)
        .await?;
    // substr counts from 1; Postgres wants an integer, not a bigint.
    let rest_from = i32::try_from(unit.path.len() + 1)
        .map_err(|_| RepoError::Corrupt(format!("org_units.path of {} is too long", unit.id)))?;
    sql("UPDATE org_units SET path = $1 || substr(path, $2) WHERE path LIKE $3")
        .bind(new_path)
        .bind(rest_from)
        .bind(format!("{}%", unit.path))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[tracing::instrument(skip(tx), err)]
pub async fn close_unit(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    sql("UPDATE org_units SET closed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// What keeps a unit open: active people, open units and running targets in its subtree.
#[tracing::instrument(skip(tx), err)]
pub async fn unit_blockers(tx: &mut Tx, unit: &UnitRow) -> Result<(i64, i64, i64), RepoError> {
    let like = format!("{}%", unit.path);
    let (people, units, targets): (i64, i64, i64) = sql("SELECT \
         (SELECT COUNT(*) FROM users u JOIN org_units o ON o.id = u.org_unit_id \
          WHERE o.path LIKE $1 AND u.deactivated_at IS NULL), \
         (SELECT COUNT(*) FROM org_units o WHERE o.path LIKE $1 AND o.id <> $2 \
          AND o.closed_at IS NULL), \
         (SELECT COUNT(*) FROM targets t LEFT JOIN org_units o ON o.id = t.assignee_unit_id \
          LEFT JOIN users u ON u.id = t.assignee_user_id \
          LEFT JOIN org_units uo ON uo.id = u.org_unit_id \
          WHERE (o.path LIKE $1 OR uo.path LIKE $1) \
          AND t.status NOT IN ('achieved', 'missed'))")
    .bind(like)
    .bind(unit.id)
    .fetch_one(&mut *tx)
    .await?;
    Ok((people, units, targets))
}

#[derive(sqlx::FromRow)]
struct PersonRecord {
    id: i64,
    name: String,
    email: String,
    role: String,
    unit_id: i64,
    unit_name: String,
    manager_id: Option<i64>,
    manager_name: Option<String>,
    deactivated_at: Option<DateTime<Utc>>,
    password_hash: String,
}

impl TryFrom<PersonRecord> for PersonRow {
    type Error = RepoError;
    fn try_from(r: PersonRecord) -> Result<Self, RepoError> {
        Ok(PersonRow {
            role: Role::parse(&r.role).map_err(|e| RepoError::Corrupt(e.to_string()))?,
            id: r.id,
            name: r.name,
            email: r.email,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            manager_id: r.manager_id,
            manager_name: r.manager_name,
            active: r.deactivated_at.is_none(),
            has_password: r.password_hash != NO_PASSWORD,
        })
    }
}

const PERSON_SELECT: &str = "SELECT u.id, u.name, u.email, u.role, o.id AS unit_id, \
     o.name AS unit_name, u.manager_id, m.name AS manager_name, u.deactivated_at, \
     u.password_hash FROM users u JOIN org_units o ON o.id = u.org_unit_id \
     LEFT JOIN users m ON m.id = u.manager_id";

/// The people `scope` may see, active first, by name.
#[tracing::instrument(skip(db), err)]
pub async fn people(db: &Db, scope: &Scope) -> Result<Vec<PersonRow>, RepoError> {
    let mut q = sql(PERSON_SELECT);
    q.push(" WHERE ");
    push_owner_filter(&mut q, scope, "u.id");
    q.push(" ORDER BY u.deactivated_at IS NOT NULL, u.name, u.id");
    let rows: Vec<PersonRecord> = q.fetch_all(db).await?;
    rows.into_iter().map(PersonRow::try_from).collect()
}

/// One person with their unit's path, locked for the rest of the transaction.
#[tracing::instrument(skip(tx), err)]
pub async fn person(tx: &mut Tx, id: i64) -> Result<Option<(PersonRow, String)>, RepoError> {
    let lock = tx.lock_row();
    sql(format!("SELECT id FROM users WHERE id = $1{lock}"))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let row: Option<PersonRecord> = sql(format!("{PERSON_SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let (path,): (String,) = sql(format!(
        "SELECT o.path FROM org_units o WHERE o.id = $1{lock}"
    ))
    .bind(row.unit_id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Some((PersonRow::try_from(row)?, path)))
}

/// What a new person or a changed one is stored as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonFields {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub unit_id: i64,
    pub manager_id: Option<i64>,
}

/// Inserts a person without a password (they choose it through their link); an e-mail
/// address already in use is refused on the field.
#[tracing::instrument(skip(tx, password_hash))]
pub async fn insert_person(
    tx: &mut Tx,
    fields: &PersonFields,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<i64, WriteError> {
    let taken: Option<(i64,)> = sql("SELECT id FROM users WHERE email = $1")
        .bind(&fields.email)
        .fetch_optional(&mut *tx)
        .await
        .map_err(RepoError::from)?;
    if taken.is_some() {
        return Err(WriteError::Rule(FieldError::new(
            "email",
            "someone in Pacer already has this e-mail address",
        )));
    }
    let (id,): (i64,) = sql(
        "INSERT INTO users (email, name, role, org_unit_id, password_hash, created_at, \
         manager_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&fields.email)
    .bind(&fields.name)
    .bind(fields.role.as_str())
    .bind(fields.unit_id)
    .bind(password_hash)
    .bind(now)
    .bind(fields.manager_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(RepoError::from)?;
    Ok(id)
}

#[tracing::instrument(skip(tx), err)]
pub async fn update_person(tx: &mut Tx, id: i64, fields: &PersonFields) -> Result<(), RepoError> {
    sql("UPDATE users SET name = $1, role = $2, org_unit_id = $3, manager_id = $4 WHERE id = $5")
        .bind(&fields.name)
        .bind(fields.role.as_str())
        .bind(fields.unit_id)
        .bind(fields.manager_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Active admins other than `except`, locked for the rest of the transaction: two admins
/// demoting each other at once cannot leave none.
#[tracing::instrument(skip(tx), err)]
pub async fn other_active_admins(tx: &mut Tx, except: i64) -> Result<i64, RepoError> {
    let lock = tx.lock_row();
    let admins: Vec<(i64,)> = sql(format!(
        "SELECT id FROM users WHERE role = 'admin' AND deactivated_at IS NULL AND id <> $1{lock}"
    ))
    .bind(except)
    .fetch_all(&mut *tx)
    .await?;
    Ok(admins.len() as i64)
}

/// What `user_id` holds: open opportunities, customers, running targets (read on the pool or
/// inside a transaction).
#[tracing::instrument(skip(on), err)]
pub async fn holdings<'a>(on: impl Into<On<'a>>, user_id: i64) -> Result<Holdings, RepoError> {
    let (open_opportunities, customers, running_targets): (i64, i64, i64) = sql("SELECT \
         (SELECT COUNT(*) FROM opportunities p JOIN stages s ON s.id = p.stage_id \
          WHERE p.owner_id = $1 AND s.kind = 'open'), \
         (SELECT COUNT(*) FROM customers WHERE owner_id = $1), \
         (SELECT COUNT(*) FROM targets WHERE assignee_user_id = $1 \
          AND status NOT IN ('achieved', 'missed'))")
    .bind(user_id)
    .fetch_one(on)
    .await?;
    Ok(Holdings {
        open_opportunities,
        customers,
        running_targets,
    })
}

/// Gives everything `from` holds to `to`, inside the caller's transaction; the targets'
/// histories say who took them over.
#[tracing::instrument(skip(tx), err)]
pub async fn hand_over(
    tx: &mut Tx,
    from: &PersonRow,
    to: &PersonRow,
    by: i64,
    now: DateTime<Utc>,
) -> Result<Holdings, RepoError> {
    let open_opportunities = sql(
        "UPDATE opportunities SET owner_id = $1, updated_at = $2, updated_by = $3, \
         version = version + 1 WHERE owner_id = $4 \
         AND stage_id IN (SELECT id FROM stages WHERE kind = 'open')",
    )
    .bind(to.id)
    .bind(now)
    .bind(by)
    .bind(from.id)
    .execute(&mut *tx)
    .await?;
    let customers = sql("UPDATE customers SET owner_id = $1 WHERE owner_id = $2")
        .bind(to.id)
        .bind(from.id)
        .execute(&mut *tx)
        .await?;
    let targets: Vec<(i64,)> = sql("SELECT id FROM targets WHERE assignee_user_id = $1 \
         AND status NOT IN ('achieved', 'missed') ORDER BY id")
    .bind(from.id)
    .fetch_all(&mut *tx)
    .await?;
    for (target,) in &targets {
        sql(
            "UPDATE targets SET assignee_user_id = $1, version = version + 1, updated_at = $2, \
             updated_by = $3 WHERE id = $4",
        )
        .bind(to.id)
        .bind(now)
        .bind(by)
        .bind(*target)
        .execute(&mut *tx)
        .await?;
        sql(
            "INSERT INTO target_events (target_id, at, by_user_id, kind, field, old_value, \
             new_value, comment) VALUES ($1, $2, $3, 'changed', 'assignee', $4, $5, $6)",
        )
        .bind(*target)
        .bind(now)
        .bind(by)
        .bind(&from.name)
        .bind(&to.name)
        .bind(format!("{} left; handed over to {}", from.name, to.name))
        .execute(&mut *tx)
        .await?;
    }
    Ok(Holdings {
        open_opportunities: open_opportunities as i64,
        customers: customers as i64,
        running_targets: targets.len() as i64,
    })
}

/// Deactivates a person: their sessions end (the epoch moves), the tokens they made or that
/// act as them are revoked. Their history stays.
#[tracing::instrument(skip(tx), err)]
pub async fn deactivate(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    sql("UPDATE users SET deactivated_at = $1, session_epoch = session_epoch + 1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sql("UPDATE api_tokens SET revoked_at = $1 \
         WHERE (user_id = $2 OR created_by = $2) AND revoked_at IS NULL")
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Stores a new password hash and ends every session of the person; answers the new epoch.
#[tracing::instrument(skip(tx, password_hash), err)]
pub async fn set_password(tx: &mut Tx, id: i64, password_hash: &str) -> Result<i64, RepoError> {
    let (epoch,): (i64,) = sql(
        "UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1 WHERE id = $2 \
         RETURNING session_epoch",
    )
    .bind(password_hash)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(epoch)
}

/// The stored password hash of an active person.
#[tracing::instrument(skip(db), err)]
pub async fn password_hash(db: &Db, id: i64) -> Result<Option<String>, RepoError> {
    let row: Option<(String,)> =
        sql("SELECT password_hash FROM users WHERE id = $1 AND deactivated_at IS NULL")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(h,)| h))
}

/// Whether nobody has been set up yet: no installation row and no users.
#[tracing::instrument(skip(db), err)]
pub async fn is_empty(db: &Db) -> Result<bool, RepoError> {
    let (installed, users): (i64, i64) =
        sql("SELECT (SELECT COUNT(*) FROM installation), (SELECT COUNT(*) FROM users)")
            .fetch_one(db)
            .await?;
    Ok(installed == 0 && users == 0)
}

/// Records that the company is set up; `false` if it already was (or has users): a second
/// setup inserts nothing. Concurrent setups meet at the row's primary key.
#[tracing::instrument(skip(tx), err)]
pub async fn claim_installation(
    tx: &mut Tx,
    company: &str,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let (users,): (i64,) = sql("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *tx)
        .await?;
    if users > 0 {
        return Ok(false);
    }
    let inserted = sql(
        "INSERT INTO installation (id, company, set_up_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(company)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(inserted == 1)
}

/// One audit entry, inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip(tx, before, after), err)]
pub async fn audit(
    tx: &mut Tx,
    at: DateTime<Utc>,
    actor: Option<i64>,
    entity: &str,
    entity_id: i64,
    action: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), RepoError> {
    sql(
        "INSERT INTO audit_log (at, actor_id, entity, entity_id, action, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(actor)
    .bind(entity)
    .bind(entity_id)
    .bind(action)
    .bind(before.map(|v| v.to_string()))
    .bind(after.map(|v| v.to_string()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRecord {
    at: DateTime<Utc>,
    actor: Option<String>,
    entity: String,
    entity_id: i64,
    action: String,
    before: Option<String>,
    after: Option<String>,
}

/// The latest `limit` changes, newest first.
#[tracing::instrument(skip(db), err)]
pub async fn recent_changes(db: &Db, limit: i64) -> Result<Vec<AuditEntry>, RepoError> {
    let rows: Vec<AuditRecord> = sql(
        "SELECT a.at, u.name AS actor, a.entity, a.entity_id, a.action, a.before, a.after \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            at: r.at,
            actor: r.actor,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            before: r.before,
            after: r.after,
        })
        .collect())
}
