//! The first start of a real installation: exactly one person creates the company and its
//! first admin, through the one-time setup link the server prints or `server create-admin`.
//! Once anyone exists, neither works again.

use super::passwords::check_new;
use super::sessions::hash_new_password as hash;
use super::Error;
use crate::db::Db;
use crate::domain::{Email, FieldError, OrgUnitKind, Role};
use crate::error::AppError;
use crate::model::auth::SignedIn;
use crate::model::people::{IssuedLink, LinkPurpose};
use crate::repo;
use crate::repo::people::PersonFields;
use chrono::{DateTime, Utc};

/// Longest name of a company, unit or person.
pub const MAX_NAME_LEN: usize = 80;

/// What the setup form (or the command) asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FirstAdmin {
    pub company: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub confirm: String,
}

/// A name as every form takes it: trimmed, not empty, not too long.
pub fn parse_name(field: &'static str, text: &str) -> Result<String, FieldError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(FieldError::new(field, "enter a name"));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(FieldError::new(
            field,
            format!("use at most {MAX_NAME_LEN} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(field, "use one line of text"));
    }
    Ok(name.to_string())
}

/// Whether Pacer still waits for its first admin.
pub async fn needed(db: &Db) -> Result<bool, Error> {
    Ok(repo::people::is_empty(db).await?)
}

/// A setup link, when Pacer still waits for its first admin (each start issues one; all stop
/// working once the company is set up).
pub async fn link(db: &Db, now: DateTime<Utc>) -> Result<Option<IssuedLink>, Error> {
    if !needed(db).await? {
        return Ok(None);
    }
    let mut tx = db.begin_write().await.map_err(repo::RepoError::from)?;
    let link = repo::links::issue(&mut tx, LinkPurpose::Setup, None, None, now, None).await?;
    tx.commit().await.map_err(repo::RepoError::from)?;
    Ok(Some(link))
}

/// The sentence for a second setup.
pub const ALREADY_SET_UP: &str =
    "Pacer is already set up. Sign in, or ask an administrator to add you.";
/// The sentence for a setup link used twice (or made up).
pub const SETUP_LINK_GONE: &str =
    "This setup link was used already or is not valid. Pacer prints a new one each time it starts while nobody is set up.";

/// Creates the company and its first admin. `token` is the setup link's (the command has
/// none: it runs on the server itself). Refused once anyone exists.
pub async fn complete(
    db: &Db,
    token: Option<&str>,
    form: &FirstAdmin,
    now: DateTime<Utc>,
) -> Result<SignedIn, Error> {
    // The link and the need first: without them nobody gets to spend the password workers.
    if !needed(db).await? {
        return Err(AppError::Conflict(ALREADY_SET_UP.into()).into());
    }
    if let Some(token) = token {
        let link = repo::links::find(db, token, now).await?;
        if !matches!(link, Some((LinkPurpose::Setup, None))) {
            return Err(AppError::Conflict(SETUP_LINK_GONE.into()).into());
        }
    }
    let company = parse_name("company", &form.company)?;
    let name = parse_name("name", &form.name)?;
    let email = Email::parse(&form.email).map_err(|e| FieldError::new("email", e.to_string()))?;
    check_new(
        &form.password,
        &form.confirm,
        &[&name, email.as_str(), &company],
    )?;
    let hash = hash(&form.password).await?;
    let mut tx = db.begin_write().await.map_err(repo::RepoError::from)?;
    if let Some(token) = token {
        if repo::links::take(&mut tx, token, true, now)
            .await?
            .is_none()
        {
            return Err(AppError::Conflict(SETUP_LINK_GONE.into()).into());
        }
    }
    if !repo::people::claim_installation(&mut tx, &company, now).await? {
        return Err(AppError::Conflict(ALREADY_SET_UP.into()).into());
    }
    let unit = repo::people::insert_unit(&mut tx, None, &company, OrgUnitKind::Company).await?;
    let fields = PersonFields {
        name,
        email: email.as_str().to_string(),
        role: Role::Admin,
        unit_id: unit,
        manager_id: None,
    };
    let user_id = repo::people::insert_person(&mut tx, &fields, &hash, now).await?;
    repo::links::end_setup_links(&mut tx, now).await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user_id),
        "org_unit",
        unit,
        "created company",
        None,
        Some(serde_json::json!({ "name": company })),
    )
    .await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user_id),
        "user",
        user_id,
        "set up as first admin",
        None,
        Some(serde_json::json!({ "name": fields.name, "email": fields.email, "role": "admin" })),
    )
    .await?;
    tx.commit().await.map_err(repo::RepoError::from)?;
    Ok(SignedIn { user_id, epoch: 0 })
}
