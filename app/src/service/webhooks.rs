//! Webhooks (admins): subscribe a URL to event types, see each subscription's last answer,
//! pause, resume and delete. The delivery itself is the server's job (`server::webhooks`).

use super::{admin_only, Error};
use crate::db::Db;
use crate::domain::FieldError;
use crate::model::auth::SessionUser;
use crate::model::webhooks::{CreatedWebhook, WebhookRow, EVENTS};
use crate::repo;
use chrono::{DateTime, Utc};

/// The URL as typed, checked: http(s), a host, no credentials, no spaces.
pub fn check_url(url: &str) -> Result<String, FieldError> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| FieldError::new("url", "write the full address, starting with https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(FieldError::new("url", "the address has no host name"));
    }
    if host.contains('@') {
        return Err(FieldError::new(
            "url",
            "leave user names and passwords out of the address: the signature proves the sender",
        ));
    }
    if url.len() > 500 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(
            "url",
            "an address has no spaces and at most 500 characters",
        ));
    }
    Ok(url.to_string())
}

/// The event types as sent (comma-separated), checked against [`EVENTS`].
pub fn check_events(events: &str) -> Result<Vec<&'static str>, FieldError> {
    let mut chosen = Vec::new();
    for name in events.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let known = EVENTS
            .iter()
            .find(|(e, _)| *e == name)
            .ok_or_else(|| FieldError::new("events", format!("there is no event \"{name}\"")))?;
        if !chosen.contains(&known.0) {
            chosen.push(known.0);
        }
    }
    if chosen.is_empty() {
        return Err(FieldError::new("events", "choose at least one event"));
    }
    Ok(chosen)
}

pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<WebhookRow>, Error> {
    admin_only(user, "webhooks")?;
    Ok(repo::webhooks::list(db).await?)
}

pub async fn create(
    db: &Db,
    user: &SessionUser,
    url: &str,
    events: &str,
    now: DateTime<Utc>,
) -> Result<CreatedWebhook, Error> {
    admin_only(user, "webhooks")?;
    let checked = (check_url(url), check_events(events));
    let (url, events) = match checked {
        (Ok(url), Ok(events)) => (url, events),
        (url, events) => {
            return Err(Error::Fields(
                [url.err(), events.err()].into_iter().flatten().collect(),
            ))
        }
    };
    Ok(repo::webhooks::create(db, user.id, &url, &events, now).await?)
}

/// Pauses (`true`) or resumes a subscription.
pub async fn set_paused(
    db: &Db,
    user: &SessionUser,
    id: i64,
    paused: bool,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    admin_only(user, "webhooks")?;
    let reason = paused.then(|| format!("paused by {}", user.name));
    if repo::webhooks::set_paused(db, id, reason.as_deref(), now).await? {
        Ok(())
    } else {
        Err(crate::error::AppError::NotFound("no such webhook".into()).into())
    }
}

pub async fn delete(db: &Db, user: &SessionUser, id: i64, now: DateTime<Utc>) -> Result<(), Error> {
    admin_only(user, "webhooks")?;
    if repo::webhooks::delete(db, id, now).await? {
        Ok(())
    } else {
        Err(crate::error::AppError::NotFound("no such webhook".into()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_events_are_checked_in_plain_words() {
        assert_eq!(
            check_url(" https://erp.example.com/hooks/pacer ").unwrap(),
            "https://erp.example.com/hooks/pacer"
        );
        assert!(check_url("http://127.0.0.1:9000/in").is_ok());
        for bad in [
            "erp.example.com",
            "ftp://x",
            "https://",
            "https://u:p@x.com/",
            "https://a b.com",
        ] {
            assert_eq!(check_url(bad).unwrap_err().field, "url", "{bad}");
        }
        assert_eq!(
            check_events("opportunity.won, target.status_changed,opportunity.won").unwrap(),
            vec!["opportunity.won", "target.status_changed"]
        );
        assert!(check_events("").is_err());
        assert!(check_events("opportunity.deleted").is_err());
    }
}
