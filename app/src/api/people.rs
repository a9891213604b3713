//! The organisation and its people: the admin pages' door. Who may do what is
//! [`crate::service::people`]'s check.

use crate::error::AppError;
use crate::model::people::{AddedPerson, Holdings, IssuedLink, Organisation};
use leptos::prelude::*;

#[server(endpoint = "organisation")]
pub async fn get_organisation() -> Result<Organisation, AppError> {
    use crate::service::people;
    super::signed_in("organisation", |c| async move {
        people::organisation(&c.db, &c.user).await
    })
    .await
}

#[server(endpoint = "create_unit")]
pub async fn create_unit(parent: i64, name: String) -> Result<i64, AppError> {
    use crate::service::people;
    super::signed_in("create_unit", |c| async move {
        people::create_unit(&c.db, &c.user, parent, &name, chrono::Utc::now()).await
    })
    .await
}

#[server(endpoint = "rename_unit")]
pub async fn rename_unit(unit: i64, name: String) -> Result<(), AppError> {
    use crate::service::people;
    super::signed_in("rename_unit", |c| async move {
        people::rename_unit(&c.db, &c.user, unit, &name, chrono::Utc::now()).await
    })
    .await
}

#[server(endpoint = "move_unit")]
pub async fn move_unit(unit: i64, parent: i64) -> Result<(), AppError> {
    use crate::service::people;
    super::signed_in("move_unit", |c| async move {
        people::move_unit(&c.db, &c.user, unit, parent, chrono::Utc::now()).await
    })
    .await
}

#[server(endpoint = "close_unit")]
pub async fn close_unit(unit: i64) -> Result<(), AppError> {
    use crate::service::people;
    super::signed_in("close_unit", |c| async move {
        people::close_unit(&c.db, &c.user, unit, chrono::Utc::now()).await
    })
    .await
}

/// Adds a person and answers the link they choose their password with (mailed to them too
/// when Pacer has a mail server).
#[server(endpoint = "add_person")]
pub async fn add_person(
    name: String,
    email: String,
    role: String,
    unit: String,
    manager: String,
) -> Result<AddedPerson, AppError> {
    use crate::service::people::{self, PersonForm};
    super::signed_in("add_person", |c| async move {
        let outbox = crate::auth::outbox()?;
        let form = PersonForm {
            name,
            email,
            role,
            unit_id: chosen("unit", &unit)?,
            manager_id: chosen("manager", &manager)?,
        };
        people::add_person(&c.db, &c.user, &form, &outbox, chrono::Utc::now()).await
    })
    .await
}

#[server(endpoint = "change_person")]
pub async fn change_person(
    person: i64,
    name: String,
    role: String,
    unit: String,
    manager: String,
) -> Result<(), AppError> {
    use crate::service::people::{self, PersonForm};
    super::signed_in("change_person", |c| async move {
        let form = PersonForm {
            name,
            email: String::new(),
            role,
            unit_id: chosen("unit", &unit)?,
            manager_id: chosen("manager", &manager)?,
        };
        people::change_person(&c.db, &c.user, person, &form, chrono::Utc::now()).await
    })
    .await
}

#[server(endpoint = "holdings")]
pub async fn get_holdings(person: i64) -> Result<Holdings, AppError> {
    use crate::service::people;
    super::signed_in("holdings", |c| async move {
        people::holdings(&c.db, &c.user, person).await
    })
    .await
}

/// Deactivates a person, handing what they hold to `successor`; answers what moved.
#[server(endpoint = "deactivate_person")]
pub async fn deactivate_person(person: i64, successor: String) -> Result<Holdings, AppError> {
    use crate::service::people;
    super::signed_in("deactivate_person", |c| async move {
        let successor = chosen("successor", &successor)?;
        people::deactivate(&c.db, &c.user, person, successor, chrono::Utc::now()).await
    })
    .await
}

/// Issues a new password link for a person (mailed to them too when Pacer has a mail server).
#[server(endpoint = "password_link")]
pub async fn password_link(person: i64) -> Result<IssuedLink, AppError> {
    use crate::service::people;
    super::signed_in("password_link", |c| async move {
        let outbox = crate::auth::outbox()?;
        people::reset_link(&c.db, &c.user, person, &outbox, chrono::Utc::now()).await
    })
    .await
}

/// A choice from a form's list: empty is none, anything else an id.
#[cfg(feature = "ssr")]
fn chosen(field: &str, text: &str) -> Result<Option<i64>, crate::service::Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "choose one of the entries listed").into())
}
