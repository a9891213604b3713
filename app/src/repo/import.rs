//! Storing an imported file: all lines or none. The checks that need the database (owners
//! exist, customers are in the importer's scope) run inside the write transaction, so what was
//! checked is what is written.

use super::scope::push_owner_filter;
use super::RepoError;
use crate::db::{sql, Db, Serial};
use crate::domain::turnover::Segment;
use crate::domain::{Role, Scope};
use crate::model::imports::{CustomerLine, Importer, Invitation, PersonLine, SaleLine};
use crate::model::imports::{ImportProgress, ImportReport, LineError};
use chrono::{DateTime, Datelike, Utc};
use std::collections::HashMap;

/// Rows per INSERT: 7 binds a row stays far below both databases' bind limits.
const BATCH: usize = 1_000;

/// A customer as the import compares it.
#[derive(sqlx::FromRow)]
struct Existing {
    external_ref: String,
    name: String,
    owner_id: Option<i64>,
    segment: String,
    lat: Option<f64>,
    lon: Option<f64>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    unit_path: String,
}

fn allowed(scope: &Scope, owner: Option<&UserRow>) -> bool {
    match owner {
        Some(u) => scope.allows(u.id, &u.unit_path),
        None => matches!(scope, Scope::All),
    }
}

/// Where an import reports how far it is; nobody listening is fine.
pub type Progress = tokio::sync::mpsc::UnboundedSender<ImportProgress>;

fn send(progress: &Progress, p: ImportProgress) {
    let _ = progress.send(p);
}

fn line_error(line: u64, column: &str, reason: String) -> LineError {
    LineError {
        line,
        column: Some(column.to_string()),
        reason,
    }
}

/// Customers by reference: new ones created, changed ones updated, the rest left alone.
/// A manager may only place customers with owners in their unit; a customer without an owner
/// becomes theirs (an admin's stays unowned).
#[tracing::instrument(skip_all, fields(lines = lines.len()), err)]
pub async fn customers(
    db: &Db,
    importer: &Importer,
    lines: &[CustomerLine],
    progress: &Progress,
) -> Result<ImportReport, RepoError> {
    let scope = &importer.scope;
    let mut tx = db.begin_write().await?;
    tx.serialize(Serial::Import).await?;
    let users: Vec<UserRow> = sql(
        "SELECT u.id, u.email, o.path AS unit_path FROM users u JOIN org_units o ON o.id = u.org_unit_id \
         WHERE u.deactivated_at IS NULL",
    )
    .fetch_all(&mut tx)
    .await?;
    let by_email: HashMap<&str, &UserRow> = users.iter().map(|u| (u.email.as_str(), u)).collect();
    let by_id: HashMap<i64, &UserRow> = users.iter().map(|u| (u.id, u)).collect();
    let existing: Vec<Existing> = sql(
        "SELECT external_ref, name, owner_id, segment, lat, lon FROM customers WHERE external_ref IS NOT NULL",
    )
    .fetch_all(&mut tx)
    .await?;
    let existing: HashMap<&str, &Existing> = existing
        .iter()
        .map(|c| (c.external_ref.as_str(), c))
        .collect();

    // New customers without an owner become the importer's, if the importer is in their own
    // sight (an API token over a unit may act as a manager above it): else each needs one.
    let default_owner = importer
        .default_owner
        .filter(|id| allowed(scope, by_id.get(id).copied()));
    let needs_owner = default_owner.is_none() && !matches!(scope, Scope::All);
    let mut errors = Vec::new();
    let mut writes: Vec<(&CustomerLine, Option<i64>)> = Vec::new();
    let mut report = ImportReport {
        lines: lines.len() as u64,
        ..ImportReport::default()
    };
    for l in lines {
        let owner = match &l.owner_email {
            Some(email) => match by_email.get(email.as_str()) {
                Some(u) if allowed(scope, Some(u)) => Some(u.id),
                Some(_) => {
                    errors.push(line_error(
                        l.line,
                        "owner_email",
                        format!(
                            "{email} is not in your unit: you can only give customers to your own people"
                        ),
                    ));
                    continue;
                }
                None => {
                    errors.push(line_error(
                        l.line,
                        "owner_email",
                        format!("no user has the e-mail address {email}"),
                    ));
                    continue;
                }
            },
            // A line without an owner keeps a known customer's; a new one gets the default.
            None => match existing.get(l.customer_ref.as_str()) {
                Some(c) => c.owner_id,
                None if needs_owner => {
                    errors.push(line_error(
                        l.line,
                        "owner_email",
                        "a new customer needs an owner in your part of the organisation"
                            .to_string(),
                    ));
                    continue;
                }
                _ => default_owner,
            },
        };
        match existing.get(l.customer_ref.as_str()) {
            Some(c) if !allowed(scope, c.owner_id.and_then(|id| by_id.get(&id).copied())) => {
                errors.push(line_error(
                    l.line,
                    "customer_ref",
                    format!("\"{}\" is a customer of another unit", l.customer_ref),
                ));
            }
            Some(c) => {
                let same = c.name == l.name
                    && c.owner_id == owner
                    && c.segment == l.segment.as_str()
                    && c.lat.zip(c.lon) == l.location;
                if same {
                    report.unchanged += 1;
                } else {
                    report.updated += 1;
                    writes.push((l, owner));
                }
            }
            None => {
                report.created += 1;
                writes.push((l, owner));
            }
        }
    }
    if !errors.is_empty() {
        tx.rollback().await?;
        return Ok(ImportReport::refused(
            lines.len() as u64,
            errors,
            Vec::new(),
        ));
    }
    let now = Utc::now();
    let total = writes.len() as u64;
    for (i, chunk) in writes.chunks(BATCH).enumerate() {
        let mut qb = sql(
            "INSERT INTO customers (external_ref, name, owner_id, segment, lat, lon, created_at) ",
        );
        qb.push_values(chunk, |row, (l, owner)| {
            row.push_bind(l.customer_ref.clone())
                .push_bind(l.name.clone())
                .push_bind(*owner)
                .push_bind(l.segment.as_str())
                .push_bind(l.location.map(|p| p.0))
                .push_bind(l.location.map(|p| p.1))
                .push_bind(now);
        });
        qb.push(
            " ON CONFLICT (external_ref) DO UPDATE SET name = excluded.name, \
             owner_id = excluded.owner_id, segment = excluded.segment, \
             lat = excluded.lat, lon = excluded.lon",
        );
        qb.execute(&mut tx).await?;
        send(
            progress,
            ImportProgress::Storing {
                done: ((i * BATCH + chunk.len()) as u64).min(total),
                total,
            },
        );
    }
    tx.commit().await?;
    report.stored = true;
    Ok(report)
}

/// Sales, each stored once however often its file is imported: a sale with a reference is
/// updated when the file says something new about it; one without is identified by customer,
/// date, amount, currency and its position among identical lines. Unknown customer references
/// become customers named by their reference (owned by a manager who imports them).
#[tracing::instrument(skip_all, fields(lines = lines.len()), err)]
pub async fn sales(
    db: &Db,
    importer: &Importer,
    lines: &[SaleLine],
    progress: &Progress,
) -> Result<ImportReport, RepoError> {
    let scope = &importer.scope;
    let mut tx = db.begin_write().await?;
    tx.serialize(Serial::Import).await?;
    // Which known customers the importer may touch: the one scoping rule, in SQL.
    let mut qb = sql("SELECT c.id, c.external_ref, CASE WHEN ");
    push_owner_filter(&mut qb, scope, "c.owner_id");
    qb.push(" THEN 1 ELSE 0 END FROM customers c WHERE c.external_ref IS NOT NULL");
    let known: Vec<(i64, String, i32)> = qb.fetch_all(&mut tx).await?;
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(known.len());
    let mut errors = Vec::new();
    let mut refused_refs: std::collections::HashSet<&str> = Default::default();
    for (id, r, visible) in &known {
        if *visible == 1 {
            ids.insert(r.clone(), *id);
        } else {
            refused_refs.insert(r.as_str());
        }
    }
    for l in lines {
        if refused_refs.contains(l.customer_ref.as_str()) {
            errors.push(line_error(
                l.line,
                "customer_ref",
                format!("\"{}\" is a customer of another unit", l.customer_ref),
            ));
        }
    }
    // The sales the file's keys already name: their months change too, and a reference
    // another unit's sale carries is theirs (updating it would move their sale). Admins
    // see every customer, so only a narrower scope refuses.
    let allowed_ids: std::collections::HashSet<i64> = ids.values().copied().collect();
    let mut touched: Vec<(i64, i32)> = Vec::new();
    for chunk in lines.chunks(BATCH) {
        let mut qb =
            sql("SELECT import_key, customer_id, sold_on FROM sales WHERE import_key IN (");
        qb.push_list(chunk.iter().map(|l| l.key.clone())).push(")");
        let taken: Vec<(String, i64, chrono::NaiveDate)> = qb.fetch_all(&mut tx).await?;
        touched.extend(taken.iter().map(|(_, c, d)| (*c, d.year())));
        if matches!(scope, Scope::All) {
            continue;
        }
        let taken: HashMap<String, i64> = taken.into_iter().map(|(k, c, _)| (k, c)).collect();
        for l in chunk {
            if taken.get(&l.key).is_some_and(|c| !allowed_ids.contains(c)) {
                errors.push(line_error(
                    l.line,
                    "reference",
                    format!(
                        "\"{}\" is a sale of another unit's customer",
                        l.reference.as_deref().unwrap_or(&l.key)
                    ),
                ));
            }
        }
    }
    if !errors.is_empty() {
        tx.rollback().await?;
        return Ok(ImportReport::refused(
            lines.len() as u64,
            errors,
            Vec::new(),
        ));
    }

    // Unknown references become customers first, so every sale has its customer id.
    let mut new_refs: Vec<&str> = lines
        .iter()
        .map(|l| l.customer_ref.as_str())
        .filter(|r| !ids.contains_key(*r))
        .collect();
    new_refs.sort_unstable();
    new_refs.dedup();
    let owner = match importer.default_owner {
        Some(id) if !matches!(scope, Scope::All) => {
            let row: Option<(String,)> = sql(
                "SELECT o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
            row.filter(|(path,)| scope.allows(id, path)).map(|_| id)
        }
        other => other,
    };
    if owner.is_none() && !matches!(scope, Scope::All) && !new_refs.is_empty() {
        // Unowned, the new customers would be out of the importer's sight at once.
        let unknown: std::collections::HashSet<&str> = new_refs.iter().copied().collect();
        let errors: Vec<LineError> = lines
            .iter()
            .filter(|l| unknown.contains(l.customer_ref.as_str()))
            .map(|l| {
                line_error(
                    l.line,
                    "customer_ref",
                    format!(
                        "\"{}\" is not a customer yet: create it first with an owner in your part of the organisation",
                        l.customer_ref
                    ),
                )
            })
            .collect();
        tx.rollback().await?;
        return Ok(ImportReport::refused(
            lines.len() as u64,
            errors,
            Vec::new(),
        ));
    }
    let now = Utc::now();
    for chunk in new_refs.chunks(BATCH) {
        let mut qb =
            sql("INSERT INTO customers (external_ref, name, owner_id, segment, created_at) ");
        qb.push_values(chunk, |row, r| {
            row.push_bind(r.to_string())
                .push_bind(r.to_string())
                .push_bind(owner)
                .push_bind(Segment::Relationship.as_str())
                .push_bind(now);
        });
        qb.push(" RETURNING id, external_ref");
        let created: Vec<(i64, String)> = qb.fetch_all(&mut tx).await?;
        ids.extend(created.into_iter().map(|(id, r)| (r, id)));
    }

    let (before,): (i64,) = sql("SELECT COUNT(*) FROM sales").fetch_one(&mut tx).await?;
    let total = lines.len() as u64;
    let mut affected = 0u64;
    for (i, chunk) in lines.chunks(BATCH).enumerate() {
        let mut qb = sql(
            "INSERT INTO sales (customer_id, sold_on, amount_minor, currency, reference, import_key) ",
        );
        qb.push_values(chunk, |row, l| {
            row.push_bind(ids[&l.customer_ref])
                .push_bind(l.date)
                .push_bind(l.amount_minor)
                .push_bind(l.currency.as_str().to_string())
                .push_bind(l.reference.clone())
                .push_bind(l.key.clone());
        });
        qb.push(
            " ON CONFLICT (import_key) DO UPDATE SET customer_id = excluded.customer_id, \
             sold_on = excluded.sold_on, amount_minor = excluded.amount_minor, \
             currency = excluded.currency \
             WHERE sales.customer_id <> excluded.customer_id OR sales.sold_on <> excluded.sold_on \
             OR sales.amount_minor <> excluded.amount_minor OR sales.currency <> excluded.currency",
        );
        affected += qb.execute(&mut tx).await?;
        send(
            progress,
            ImportProgress::Storing {
                done: (i * BATCH + chunk.len()) as u64,
                total,
            },
        );
    }
    let (after,): (i64,) = sql("SELECT COUNT(*) FROM sales").fetch_one(&mut tx).await?;
    touched.extend(lines.iter().map(|l| (ids[&l.customer_ref], l.date.year())));
    for statement in super::turnover::refresh_statements(db, touched) {
        sql(statement).one_off().execute(&mut tx).await?;
    }
    tx.commit().await?;
    let created = u64::try_from(after - before).unwrap_or(0);
    let updated = affected.saturating_sub(created);
    Ok(ImportReport {
        lines: total,
        stored: true,
        created,
        updated,
        unchanged: total - created - updated,
        new_customers: new_refs.iter().map(|r| r.to_string()).collect(),
        ..ImportReport::default()
    })
}

#[derive(sqlx::FromRow)]
struct UnitName {
    id: i64,
    parent_id: Option<i64>,
    name: String,
    closed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Account {
    id: i64,
    email: String,
    role: String,
    deactivated_at: Option<DateTime<Utc>>,
}

/// People from a file, all or none: each line's unit found by its path of names (with or
/// without the company's name first), no address already in Pacer, a manager who is an active
/// manager or admin (in Pacer already, or a line of the same file). Each person gets an
/// invitation link, and the import is in the audit trail.
pub async fn people(
    db: &Db,
    importer: &Importer,
    lines: &[PersonLine],
    now: DateTime<Utc>,
) -> Result<ImportReport, RepoError> {
    let mut tx = db.begin_write().await?;
    tx.serialize(Serial::Import).await?;
    let units: Vec<UnitName> = sql("SELECT id, parent_id, name, closed_at FROM org_units")
        .fetch_all(&mut tx)
        .await?;
    let accounts: Vec<Account> = sql("SELECT id, email, role, deactivated_at FROM users")
        .fetch_all(&mut tx)
        .await?;
    let by_id: HashMap<i64, &UnitName> = units.iter().map(|u| (u.id, u)).collect();
    // Every unit under its path of lower-case names, from the company down and without it.
    let mut by_path: HashMap<Vec<String>, Vec<&UnitName>> = HashMap::new();
    for unit in &units {
        let mut names = vec![unit.name.trim().to_lowercase()];
        let mut at = unit.parent_id.and_then(|p| by_id.get(&p));
        while let Some(parent) = at {
            names.push(parent.name.trim().to_lowercase());
            at = parent.parent_id.and_then(|p| by_id.get(&p));
        }
        names.reverse();
        if names.len() > 1 {
            by_path.entry(names[1..].to_vec()).or_default().push(unit);
        }
        by_path.entry(names).or_default().push(unit);
    }
    let existing: HashMap<&str, &Account> =
        accounts.iter().map(|a| (a.email.as_str(), a)).collect();
    let in_file: HashMap<&str, &PersonLine> = lines.iter().map(|l| (l.email.as_str(), l)).collect();
    let mut errors = Vec::new();
    let mut placed: Vec<(&PersonLine, i64)> = Vec::new();
    for l in lines {
        if existing.contains_key(l.email.as_str()) {
            errors.push(line_error(
                l.line,
                "email",
                format!("{} already has an account in Pacer", l.email.as_str()),
            ));
        }
        let path: Vec<String> = l.unit.iter().map(|n| n.to_lowercase()).collect();
        let found = by_path.get(&path).map(Vec::as_slice).unwrap_or_default();
        let open: Vec<&&UnitName> = found.iter().filter(|u| u.closed_at.is_none()).collect();
        match (open.as_slice(), found.is_empty()) {
            ([unit], _) => placed.push((l, unit.id)),
            ([_, _, ..], _) => errors.push(line_error(
                l.line,
                "unit",
                format!(
                    "{} names more than one unit: write the names from the company down",
                    l.unit.join("/")
                ),
            )),
            ([], false) => errors.push(line_error(
                l.line,
                "unit",
                format!("{} is closed", l.unit.join("/")),
            )),
            ([], true) => errors.push(line_error(
                l.line,
                "unit",
                format!(
                    "there is no unit {}: write the names from the top, like North/Field team",
                    l.unit.join("/")
                ),
            )),
        }
        if let Some(manager) = &l.manager_email {
            let manages = match (
                existing.get(manager.as_str()),
                in_file.get(manager.as_str()),
            ) {
                (Some(a), _) => a.deactivated_at.is_none() && a.role != "rep",
                (None, Some(m)) => m.role != Role::Rep && m.email != l.email,
                (None, None) => false,
            };
            if !manages {
                errors.push(line_error(
                    l.line,
                    "manager_email",
                    format!(
                        "{} is not an active manager or administrator in Pacer or in this file",
                        manager.as_str()
                    ),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Ok(ImportReport::refused(
            lines.len() as u64,
            errors,
            Vec::new(),
        ));
    }
    let mut ids: HashMap<&str, i64> = accounts.iter().map(|a| (a.email.as_str(), a.id)).collect();
    let mut invitations = Vec::with_capacity(lines.len());
    for (l, unit_id) in &placed {
        let fields = super::people::PersonFields {
            name: l.name.clone(),
            email: l.email.as_str().to_string(),
            role: l.role,
            unit_id: *unit_id,
            manager_id: None,
        };
        let id = super::people::insert_person(&mut tx, &fields, super::people::NO_PASSWORD, now)
            .await
            .map_err(|e| match e {
                super::WriteError::Repo(e) => e,
                other => RepoError::Corrupt(other.to_string()),
            })?;
        ids.insert(l.email.as_str(), id);
        let link = super::links::issue(
            &mut tx,
            crate::model::people::LinkPurpose::Invite,
            Some(id),
            importer.actor,
            now,
            Some(now + chrono::Duration::days(crate::model::people::INVITE_DAYS)),
        )
        .await?;
        super::people::audit(
            &mut tx,
            now,
            importer.actor,
            "user",
            id,
            "added (import)",
            None,
            Some(serde_json::json!({ "name": l.name, "email": l.email.as_str(), "role": l.role.as_str(), "unit_id": unit_id })),
        )
        .await?;
        invitations.push(Invitation {
            email: l.email.as_str().to_string(),
            name: l.name.clone(),
            path: link.path,
            delivery: Default::default(),
        });
    }
    for l in lines {
        if let Some(manager) = &l.manager_email {
            sql("UPDATE users SET manager_id = $1 WHERE id = $2")
                .bind(ids[manager.as_str()])
                .bind(ids[l.email.as_str()])
                .execute(&mut tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(ImportReport {
        lines: lines.len() as u64,
        stored: true,
        created: lines.len() as u64,
        invitations,
        ..ImportReport::default()
    })
}
