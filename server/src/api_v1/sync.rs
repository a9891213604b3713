//! Sync by cursor (issue 25), for every list of records: `updated_since` starts a sync, the
//! answer's `next_cursor` continues it. A sync page holds the records changed since, oldest
//! change first, and the tombstones of those that left the caller's view (deleted, or now
//! owned outside it); each record at most once, with its latest state. A client that sends
//! every `next_cursor` back sees every change exactly once.
//!
//! The cursor names the list and the view it was made for (who, with which role, over which
//! unit); used with another list it is refused (400), and after the view changed (a new role
//! or unit) it is gone (410): the client starts again from `updated_since`.

use super::{ApiError, ApiQuery};
use crate::api_error;
use app::db::Db;
use app::error::AppError;
use app::model::auth::SessionUser;
use app::model::sync::{Change, ChangePage, Changes, Gone, Stamp, SyncEntity};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

/// The sync parameters as they arrive (and as the OpenAPI document describes them).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read by [`SyncParams`]; this type describes them
pub struct SyncQuery {
    /// Starts a sync: every record changed at or after this time (RFC 3339), and every one
    /// gone from your view since, oldest change first. `1970-01-01T00:00:00Z` reads all.
    #[serde(default, deserialize_with = "super::query_time")]
    updated_since: Option<DateTime<Utc>>,
    /// Continues a sync: the `next_cursor` of the last page read.
    cursor: Option<String>,
}

/// What says whether a request is a sync, with the parameters a sync cannot take.
#[derive(Deserialize)]
struct Given {
    #[serde(default, deserialize_with = "super::query_time")]
    updated_since: Option<DateTime<Utc>>,
    cursor: Option<String>,
    page: Option<serde::de::IgnoredAny>,
}

/// A sync asked for, before it is checked against the list and the caller.
pub struct SyncAsk {
    since: Option<DateTime<Utc>>,
    cursor: Option<String>,
    page_given: bool,
}

/// The request's sync parameters: `None` for a list read by pages.
pub struct SyncParams(pub Option<SyncAsk>);

impl<S: Send + std::marker::Sync> FromRequestParts<S> for SyncParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiQuery(given) = ApiQuery::<Given>::from_request_parts(parts, state).await?;
        Ok(SyncParams(
            (given.updated_since.is_some() || given.cursor.is_some()).then_some(SyncAsk {
                since: given.updated_since,
                cursor: given.cursor,
                page_given: given.page.is_some(),
            }),
        ))
    }
}

/// A checked sync: which changes to read, and for whom the next cursor is made.
pub struct SyncRead {
    entity: SyncEntity,
    view: String,
    pub changes: Changes,
}

impl SyncAsk {
    /// Checks the ask for `entity`'s list read by `user`, `size` entries a page. `filters`
    /// names the list's filters with whether each was given: a sync reads the whole view
    /// (a record that stopped matching a filter could not be told apart from one deleted).
    pub fn check(
        self,
        user: &SessionUser,
        entity: SyncEntity,
        size: u32,
        filters: &[(&str, bool)],
    ) -> Result<SyncRead, ApiError> {
        if self.page_given {
            return Err(AppError::invalid(
                "page",
                "a sync is read by cursor: leave out page and send next_cursor back",
            )
            .into());
        }
        if let Some((name, _)) = filters.iter().find(|(_, given)| *given) {
            return Err(AppError::invalid(
                name,
                "a sync reads every record in your view: leave out the filters and filter on your side",
            )
            .into());
        }
        let view = view_of(user, entity);
        let (after, since) = match (self.cursor, self.since) {
            (Some(_), Some(_)) => {
                return Err(AppError::invalid(
                    "cursor",
                    "send either updated_since (to start) or cursor (to go on), not both",
                )
                .into())
            }
            (Some(cursor), None) => (read_cursor(&cursor, entity, &view)?, None),
            // Before 1970 is everything; the far future is nothing yet (and stays inside what
            // both databases store).
            (None, since) => (
                0,
                since.map(|t| t.clamp(DateTime::UNIX_EPOCH, far_future())),
            ),
        };
        Ok(SyncRead {
            entity,
            view,
            changes: Changes {
                after,
                since,
                limit: i64::from(size),
            },
        })
    }
}

/// A sync page read: the changed records with when they changed, and the tombstones.
pub struct Synced<T> {
    pub items: Vec<(T, Stamp)>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
    pub deleted: Vec<DeletedOut>,
}

impl SyncRead {
    /// Reads the page: the change feed, then the changed records through `fetch` (given
    /// their ids; it reads them through the caller's scope, with when each changed).
    pub async fn read<T>(
        self,
        db: &Db,
        user: &SessionUser,
        fetch: impl AsyncFnOnce(Vec<i64>) -> Result<Vec<(T, Stamp)>, ApiError>,
        id: impl Fn(&T) -> i64,
    ) -> Result<Synced<T>, ApiError> {
        let feed = app::service::sync::changes(db, user, self.entity, &self.changes).await?;
        let rows = fetch(feed.changed_ids()).await?;
        Ok(Synced {
            items: in_feed(&feed, rows, id),
            has_more: feed.has_more,
            next_cursor: Some(self.next_cursor(&feed)),
            deleted: deleted(Some(&feed)),
        })
    }

    /// The cursor after `page`.
    pub fn next_cursor(&self, page: &ChangePage) -> String {
        let text = format!("{}.{}.{}", self.entity.as_str(), page.next_after, self.view);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }
}

/// A time no change carries yet: 1 January 9999.
fn far_future() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(9999, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::UNIX_EPOCH, |t| t.and_utc())
}

/// Who reads and how far they see, hashed: the cursor is only good for that view.
fn view_of(user: &SessionUser, entity: SyncEntity) -> String {
    let digest = Sha256::digest(format!(
        "{}|{}|{}|{}|{}",
        entity.as_str(),
        user.id,
        user.role.as_str(),
        user.unit_id,
        user.unit_path
    ));
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn read_cursor(cursor: &str, entity: SyncEntity, view: &str) -> Result<i64, ApiError> {
    let unreadable = || -> ApiError {
        AppError::invalid(
            "cursor",
            "this is not a cursor Pacer made: send next_cursor back as it came",
        )
        .into()
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| unreadable())?;
    let text = String::from_utf8(bytes).map_err(|_| unreadable())?;
    let mut parts = text.splitn(3, '.');
    let (Some(name), Some(after), Some(made_for)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(unreadable());
    };
    let after: i64 = after.parse().map_err(|_| unreadable())?;
    if after < 0 {
        return Err(unreadable());
    }
    if name != entity.as_str() {
        return Err(AppError::invalid(
            "cursor",
            format!(
                "this cursor continues the {name} list, not the {} list",
                entity.as_str()
            ),
        )
        .into());
    }
    if made_for != view {
        return Err(api_error::response(
            StatusCode::GONE,
            "Your view changed since this cursor was made (another role or unit): \
             start again with updated_since=1970-01-01T00:00:00Z",
            Some("cursor"),
        )
        .into());
    }
    Ok(after)
}

/// A record gone from the caller's view.
#[derive(Serialize, ToSchema)]
pub struct DeletedOut {
    pub id: i64,
    /// When it went.
    pub at: DateTime<Utc>,
    /// `deleted`, or `moved`: now owned by someone (or sitting in a unit) outside your view.
    pub reason: String,
}

/// The tombstones of a sync page (none in a list read by pages).
pub fn deleted(page: Option<&ChangePage>) -> Vec<DeletedOut> {
    page.map(|p| {
        p.changes
            .iter()
            .filter_map(|c| match c {
                Change::Gone { id, at, why, .. } => Some(DeletedOut {
                    id: *id,
                    at: *at,
                    reason: match why {
                        Gone::Deleted => "deleted",
                        Gone::Moved => "moved",
                    }
                    .into(),
                }),
                Change::Changed { .. } => None,
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The rows a sync page names, at the change it names, in feed order: a row changed again
/// since the feed was read waits for the page holding its new change.
pub fn in_feed<T>(
    feed: &ChangePage,
    rows: impl IntoIterator<Item = (T, Stamp)>,
    id: impl Fn(&T) -> i64,
) -> Vec<(T, Stamp)> {
    let mut kept: Vec<(T, Stamp)> = rows
        .into_iter()
        .filter(|(row, stamp)| feed.holds(id(row), *stamp))
        .collect();
    let places = feed.places();
    kept.sort_by_key(|(row, _)| places.get(&id(row)).copied().unwrap_or(usize::MAX));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::Role;

    fn user(role: Role, unit_path: &str) -> SessionUser {
        SessionUser {
            id: 7,
            name: "Lena".into(),
            email: "lena@example.com".into(),
            role,
            unit_id: 2,
            unit_name: "North".into(),
            unit_path: unit_path.into(),
            locale: Default::default(),
        }
    }

    #[test]
    fn a_cursor_is_good_for_its_list_and_view_only() {
        let rep = user(Role::Rep, "/1/2/");
        let ask = |cursor: Option<String>| SyncAsk {
            since: None,
            cursor,
            page_given: false,
        };
        let read = ask(None)
            .check(&rep, SyncEntity::Opportunity, 50, &[])
            .unwrap();
        let change = Change::Changed {
            id: 1,
            seq: 41,
            pos: 43,
        };
        let page = ChangePage::of(vec![change], 0, 50);
        let cursor = read.next_cursor(&page);
        let again = ask(Some(cursor.clone()))
            .check(&rep, SyncEntity::Opportunity, 50, &[])
            .unwrap();
        assert_eq!(
            again.changes.after, 43,
            "the cursor goes on from the feed position"
        );
        let other_list = ask(Some(cursor.clone())).check(&rep, SyncEntity::Customer, 50, &[]);
        assert!(other_list.is_err());
        let promoted = user(Role::Manager, "/1/2/");
        let gone = ask(Some(cursor))
            .check(&promoted, SyncEntity::Opportunity, 50, &[])
            .err()
            .unwrap();
        use axum::response::IntoResponse;
        assert_eq!(gone.into_response().status(), StatusCode::GONE);
        for bad in ["", "xyz", "b3Bwb3J0dW5pdHkuLTEuYQ"] {
            assert!(ask(Some(bad.into()))
                .check(&rep, SyncEntity::Opportunity, 50, &[])
                .is_err());
        }
        let filtered = ask(None).check(&rep, SyncEntity::Opportunity, 50, &[("owner", true)]);
        assert!(filtered.is_err());
    }
}
