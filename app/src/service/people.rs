//! The organisation and its people, as admins change them: units opened, renamed, moved and
//! closed; people added (with a link to choose their password), changed, and deactivated
//! with everything they hold handed to someone else in one transaction. Every change is in
//! the audit trail: who, when, before and after.

use super::setup::parse_name;
use super::{admin_only, Error};
use crate::db::Db;
use crate::domain::number::plural;
use crate::domain::{Email, FieldError, OrgUnitKind, Role};
use crate::error::AppError;
use crate::mail::Outbox;
use crate::model::auth::SessionUser;
use crate::model::people::{
    AddedPerson, Holdings, IssuedLink, LinkPurpose, Organisation, PersonRow, UnitRow,
};
use crate::repo;
use crate::repo::people::{PersonFields, NO_PASSWORD};
use crate::repo::{RepoError, WriteError};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

pub use crate::model::people::INVITE_DAYS;
/// How long a reset link works.
pub const RESET_HOURS: i64 = 24;
/// Changes listed on the organisation page.
const RECENT_CHANGES: i64 = 50;

/// The tree, its people and the latest changes: all of it for an admin, their own part for a
/// manager (to look at), nothing for a rep.
pub async fn organisation(db: &Db, user: &SessionUser) -> Result<Organisation, Error> {
    if user.role == Role::Rep {
        return Err(AppError::Forbidden("organisation".into()).into());
    }
    let scope = user.scope();
    let units = repo::people::units(db, &scope).await?;
    let people = repo::people::people(db, &scope).await?;
    let changes = if user.role == Role::Admin {
        repo::people::recent_changes(db, RECENT_CHANGES).await?
    } else {
        Vec::new()
    };
    Ok(Organisation {
        units,
        people,
        changes,
        can_change: user.role == Role::Admin,
    })
}

async fn begin(db: &Db) -> Result<crate::db::Tx, Error> {
    Ok(db.begin_write().await.map_err(RepoError::from)?)
}

async fn commit(mut tx: crate::db::Tx) -> Result<(), Error> {
    // Roles, units and standing changed: API tokens are judged afresh, on every instance.
    repo::tokens::bump_generation(&mut tx).await?;
    tx.commit().await.map_err(RepoError::from)?;
    Ok(())
}

async fn open_unit(tx: &mut crate::db::Tx, id: i64, field: &'static str) -> Result<UnitRow, Error> {
    match repo::people::unit(tx, id).await? {
        Some(unit) if !unit.closed => Ok(unit),
        Some(_) => Err(FieldError::new(field, "this unit is closed").into()),
        None => Err(FieldError::new(field, "choose one of the units listed").into()),
    }
}

fn unit_json(unit: &UnitRow) -> serde_json::Value {
    json!({ "name": unit.name, "kind": unit.kind.as_str(), "parent_id": unit.parent_id })
}

/// Opens a unit under `parent_id`: a business unit under the company, a team under a
/// business unit. Answers its id.
pub async fn create_unit(
    db: &Db,
    user: &SessionUser,
    parent_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    admin_only(user, "organisation")?;
    let name = parse_name("name", name)?;
    let mut tx = begin(db).await?;
    let parent = open_unit(&mut tx, parent_id, "parent").await?;
    let Some(kind) = parent.kind.child_kind() else {
        return Err(FieldError::new(
            "parent",
            "teams have no units below them: choose a business unit",
        )
        .into());
    };
    let id = repo::people::insert_unit(&mut tx, Some(&parent), &name, kind).await?;
    let created = UnitRow {
        id,
        parent_id: Some(parent.id),
        name,
        kind,
        path: String::new(),
        closed: false,
        people: 0,
    };
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "org_unit",
        id,
        &format!("opened {}", kind.label().to_lowercase()),
        None,
        Some(unit_json(&created)),
    )
    .await?;
    commit(tx).await?;
    Ok(id)
}

pub async fn rename_unit(
    db: &Db,
    user: &SessionUser,
    id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    admin_only(user, "organisation")?;
    let name = parse_name("name", name)?;
    let mut tx = begin(db).await?;
    let unit = open_unit(&mut tx, id, "unit").await?;
    repo::people::rename_unit(&mut tx, id, &name).await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "org_unit",
        id,
        "renamed",
        Some(json!({ "name": unit.name })),
        Some(json!({ "name": name })),
    )
    .await?;
    commit(tx).await
}

/// Moves a team to another business unit (business units sit under the one company). The
/// people in it, their records and their managers' sight follow at once.
pub async fn move_unit(
    db: &Db,
    user: &SessionUser,
    id: i64,
    parent_id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    admin_only(user, "organisation")?;
    let mut tx = begin(db).await?;
    let unit = open_unit(&mut tx, id, "unit").await?;
    if unit.kind != OrgUnitKind::Team {
        return Err(FieldError::new(
            "unit",
            "only teams move: business units sit under the company",
        )
        .into());
    }
    let parent = open_unit(&mut tx, parent_id, "parent").await?;
    if parent.kind != OrgUnitKind::BusinessUnit {
        return Err(FieldError::new("parent", "a team moves to a business unit").into());
    }
    if unit.parent_id == Some(parent.id) {
        return Ok(());
    }
    repo::people::move_unit(&mut tx, &unit, &parent).await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "org_unit",
        id,
        "moved",
        Some(json!({ "parent_id": unit.parent_id })),
        Some(json!({ "parent_id": parent.id, "parent": parent.name })),
    )
    .await?;
    commit(tx).await
}

/// Closes a unit that no longer has active people, open units or running targets below it;
/// otherwise says what keeps it open.
pub async fn close_unit(
    db: &Db,
    user: &SessionUser,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    admin_only(user, "organisation")?;
    let mut tx = begin(db).await?;
    let unit = open_unit(&mut tx, id, "unit").await?;
    if unit.kind == OrgUnitKind::Company {
        return Err(FieldError::new("unit", "the company itself cannot be closed").into());
    }
    let (people, units, targets) = repo::people::unit_blockers(&mut tx, &unit).await?;
    let mut reasons = Vec::new();
    if people > 0 {
        reasons.push(plural(people, "active person", "active people"));
    }
    if units > 0 {
        reasons.push(plural(units, "open team", "open teams"));
    }
    if targets > 0 {
        reasons.push(plural(targets, "running target", "running targets"));
    }
    if !reasons.is_empty() {
        return Err(FieldError::new(
            "unit",
            format!(
                "{} still has {}: move or deactivate the people, close the teams and finish or move the targets first",
                unit.name,
                reasons.join(", ")
            ),
        )
        .into());
    }
    repo::people::close_unit(&mut tx, id, now).await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "org_unit",
        id,
        "closed",
        Some(unit_json(&unit)),
        None,
    )
    .await?;
    commit(tx).await
}

/// A person as the add and change forms ask for them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonForm {
    pub name: String,
    pub email: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub manager_id: Option<i64>,
}

/// Checks a person form inside the write: name, address, role, an open unit, and a manager
/// who is an active manager or admin other than the person.
async fn parse_person(
    tx: &mut crate::db::Tx,
    form: &PersonForm,
    person_id: Option<i64>,
) -> Result<PersonFields, Error> {
    let mut errors = Vec::new();
    let name = parse_name("name", &form.name)
        .map_err(|e| errors.push(e))
        .ok();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.push(FieldError::new("email", e.to_string())))
        .ok();
    let role = Role::parse(&form.role)
        .map_err(|e| errors.push(FieldError::new("role", e.to_string())))
        .ok();
    let unit_id = match form.unit_id {
        Some(id) => match open_unit(tx, id, "unit").await {
            Ok(unit) => Some(unit.id),
            Err(Error::Fields(mut e)) => {
                errors.append(&mut e);
                None
            }
            Err(e) => return Err(e),
        },
        None => {
            errors.push(FieldError::new("unit", "choose the unit they work in"));
            None
        }
    };
    if let Some(manager_id) = form.manager_id {
        let manager = repo::people::person(tx, manager_id).await?;
        match manager {
            _ if Some(manager_id) == person_id => {
                errors.push(FieldError::new("manager", "nobody is their own manager"))
            }
            Some((m, _)) if m.active && m.role != Role::Rep => {}
            _ => errors.push(FieldError::new(
                "manager",
                "choose an active manager or administrator",
            )),
        }
    }
    match (name, email, role, unit_id) {
        (Some(name), Some(email), Some(role), Some(unit_id)) if errors.is_empty() => {
            Ok(PersonFields {
                name,
                email: email.as_str().to_string(),
                role,
                unit_id,
                manager_id: form.manager_id,
            })
        }
        _ => Err(errors.into()),
    }
}

fn person_json(p: &PersonFields) -> serde_json::Value {
    json!({ "name": p.name, "email": p.email, "role": p.role.as_str(), "unit_id": p.unit_id, "manager_id": p.manager_id })
}

fn row_json(p: &PersonRow) -> serde_json::Value {
    json!({ "name": p.name, "email": p.email, "role": p.role.as_str(), "unit_id": p.unit_id, "manager_id": p.manager_id })
}

/// Adds a person without a password and answers the invitation link they choose their
/// password through: mailed to them when Pacer has a mail server (what became of the mail
/// is on the link), shown to the admin either way. A mail that fails leaves them added.
pub async fn add_person(
    db: &Db,
    user: &SessionUser,
    form: &PersonForm,
    outbox: &Outbox,
    now: DateTime<Utc>,
) -> Result<AddedPerson, Error> {
    admin_only(user, "people")?;
    let mut tx = begin(db).await?;
    let fields = parse_person(&mut tx, form, None).await?;
    let id = repo::people::insert_person(&mut tx, &fields, NO_PASSWORD, now).await?;
    let link = repo::links::issue(
        &mut tx,
        LinkPurpose::Invite,
        Some(id),
        Some(user.id),
        now,
        Some(now + Duration::days(INVITE_DAYS)),
    )
    .await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "user",
        id,
        "added",
        None,
        Some(person_json(&fields)),
    )
    .await?;
    commit(tx).await?;
    let delivery = super::passwords::mail_link(
        outbox,
        &fields.name,
        &fields.email,
        LinkPurpose::Invite,
        &link.path,
    )
    .await;
    Ok(AddedPerson {
        id,
        link: IssuedLink { delivery, ..link },
    })
}

/// Changes a person's name, role, unit or manager (their e-mail address is their sign-in and
/// stays). Their sessions carry on with the new rights from the next request; their API
/// tokens are judged against them afresh. The last active admin cannot stop being one.
pub async fn change_person(
    db: &Db,
    user: &SessionUser,
    id: i64,
    form: &PersonForm,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    admin_only(user, "people")?;
    let mut tx = begin(db).await?;
    let (before, _) = repo::people::person(&mut tx, id)
        .await?
        .ok_or(WriteError::NotFound(repo::Entity::Person))?;
    if !before.active {
        return Err(FieldError::new(
            "person",
            "this person has left; their record is kept as it was",
        )
        .into());
    }
    let form = PersonForm {
        email: before.email.clone(),
        ..form.clone()
    };
    let fields = parse_person(&mut tx, &form, Some(id)).await?;
    if before.role == Role::Admin
        && fields.role != Role::Admin
        && repo::people::other_active_admins(&mut tx, id).await? == 0
    {
        return Err(FieldError::new(
            "role",
            "Pacer needs at least one administrator: make someone else one first",
        )
        .into());
    }
    repo::people::update_person(&mut tx, id, &fields).await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "user",
        id,
        "changed",
        Some(row_json(&before)),
        Some(person_json(&fields)),
    )
    .await?;
    commit(tx).await
}

/// What a person holds, for the deactivation form to ask where it goes.
pub async fn holdings(db: &Db, user: &SessionUser, id: i64) -> Result<Holdings, Error> {
    admin_only(user, "people")?;
    Ok(repo::people::holdings(db, id).await?)
}

/// Deactivates a person: they cannot sign in, their sessions and API tokens stop at once,
/// their history stays. Their open opportunities, customers and running targets go to
/// `successor` (required when they hold any) — all of it or nothing, in one transaction.
pub async fn deactivate(
    db: &Db,
    user: &SessionUser,
    id: i64,
    successor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Holdings, Error> {
    admin_only(user, "people")?;
    if id == user.id {
        return Err(FieldError::new(
            "person",
            "you cannot deactivate yourself: ask another administrator",
        )
        .into());
    }
    let mut tx = begin(db).await?;
    let (leaver, _) = repo::people::person(&mut tx, id)
        .await?
        .ok_or(WriteError::NotFound(repo::Entity::Person))?;
    if !leaver.active {
        return Err(FieldError::new("person", "this person has left already").into());
    }
    if leaver.role == Role::Admin && repo::people::other_active_admins(&mut tx, id).await? == 0 {
        return Err(FieldError::new("person", "Pacer needs at least one administrator").into());
    }
    let held = repo::people::holdings(&mut tx, id).await?;
    let moved = match successor {
        Some(to) => {
            let successor = repo::people::person(&mut tx, to).await?;
            let Some((successor, _)) = successor.filter(|(p, _)| p.active && p.id != id) else {
                return Err(FieldError::new("successor", "choose an active person other than the one leaving").into());
            };
            repo::people::hand_over(&mut tx, &leaver, &successor, user.id, now).await?
        }
        None if held.is_empty() => Holdings::default(),
        None => {
            return Err(FieldError::new(
                "successor",
                format!(
                    "{} still has {} open opportunities, {} customers and {} running targets: choose who takes them over",
                    leaver.name, held.open_opportunities, held.customers, held.running_targets
                ),
            )
            .into())
        }
    };
    repo::people::deactivate(&mut tx, id, now).await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "user",
        id,
        "deactivated",
        Some(row_json(&leaver)),
        Some(json!({
            "active": false,
            "successor_id": successor,
            "open_opportunities": moved.open_opportunities,
            "customers": moved.customers,
            "running_targets": moved.running_targets,
        })),
    )
    .await?;
    commit(tx).await?;
    Ok(moved)
}

/// Issues a password reset link for an active person, mailed to them when Pacer has a mail
/// server and shown to the admin either way; their earlier links stop working. Their current
/// password works until they use the link.
pub async fn reset_link(
    db: &Db,
    user: &SessionUser,
    id: i64,
    outbox: &Outbox,
    now: DateTime<Utc>,
) -> Result<IssuedLink, Error> {
    admin_only(user, "people")?;
    let mut tx = begin(db).await?;
    let (person, _) = repo::people::person(&mut tx, id)
        .await?
        .ok_or(WriteError::NotFound(repo::Entity::Person))?;
    if !person.active {
        return Err(FieldError::new("person", "this person has left").into());
    }
    let purpose = if person.has_password {
        LinkPurpose::Reset
    } else {
        LinkPurpose::Invite
    };
    let expires = match purpose {
        LinkPurpose::Invite => now + Duration::days(INVITE_DAYS),
        _ => now + Duration::hours(RESET_HOURS),
    };
    let link = repo::links::issue(
        &mut tx,
        purpose,
        Some(id),
        Some(user.id),
        now,
        Some(expires),
    )
    .await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "user",
        id,
        "issued password link",
        None,
        None,
    )
    .await?;
    commit(tx).await?;
    let delivery =
        super::passwords::mail_link(outbox, &person.name, &person.email, purpose, &link.path).await;
    Ok(IssuedLink { delivery, ..link })
}

/// Sets how the signed-in person reads numbers, amounts and dates ("en", "de"); the locale
/// as stored. Anything else is refused naming the field.
pub async fn set_own_locale(
    db: &Db,
    user: &SessionUser,
    code: &str,
) -> Result<crate::domain::Locale, Error> {
    let locale = crate::domain::Locale::parse(code).ok_or_else(|| {
        Error::Fields(vec![FieldError::new(
            "locale",
            format!(
                "\"{}\" is not a locale Pacer has: choose English (en) or Deutsch (de)",
                code.trim()
            ),
        )])
    })?;
    repo::users::set_locale(db, user.id, locale).await?;
    Ok(locale)
}
