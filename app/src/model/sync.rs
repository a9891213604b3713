//! Sync by cursor (issue 25): what a client that mirrors Pacer reads. Every change to a
//! listed record takes a number of one counter when it is written (its identity) and a place in
//! the feed in the order changes commit (its position; the same number on SQLite, whose writers
//! take turns; see the `sync` migrations); a client asks for the changes after the last
//! position it read and gets the changed records and the tombstones of the ones gone from its
//! view, in that order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// When a record last changed: its number on the change counter and the database's time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub seq: i64,
    pub at: DateTime<Utc>,
}

/// The records a sync reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncEntity {
    Customer,
    Opportunity,
    Target,
    Activity,
    CheckIn,
}

impl SyncEntity {
    /// Its name in tombstones and cursors.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncEntity::Customer => "customer",
            SyncEntity::Opportunity => "opportunity",
            SyncEntity::Target => "target",
            SyncEntity::Activity => "activity",
            SyncEntity::CheckIn => "check_in",
        }
    }
}

/// Which changes to read: those placed after position `after`, made at or after `since`, at
/// most `limit` of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changes {
    pub after: i64,
    pub since: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// Why a record is gone from a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gone {
    /// Deleted.
    Deleted,
    /// Now owned by someone, or sitting in a unit, outside the view.
    Moved,
}

/// One entry of the change feed: `seq` names the change, `pos` is its place in the feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The record changed: read it (it is still in the view).
    Changed { id: i64, seq: i64, pos: i64 },
    /// The record left the view.
    Gone {
        id: i64,
        seq: i64,
        pos: i64,
        at: DateTime<Utc>,
        why: Gone,
    },
}

impl Change {
    pub fn id(&self) -> i64 {
        match self {
            Change::Changed { id, .. } | Change::Gone { id, .. } => *id,
        }
    }

    pub fn pos(&self) -> i64 {
        match self {
            Change::Changed { pos, .. } | Change::Gone { pos, .. } => *pos,
        }
    }
}

/// One page of the change feed: each record at most once, with its latest entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// Where the next page starts: the position of the last entry read.
    pub next_after: i64,
    pub has_more: bool,
}

impl ChangePage {
    /// The page of `limit` entries from `entries` (read in feed order, up to `limit + 1`),
    /// starting after `after`. A record changed twice within the page (a tombstone, then back
    /// in view) keeps its last entry only: applying a page in any order gives the same mirror.
    pub fn of(mut entries: Vec<Change>, after: i64, limit: i64) -> ChangePage {
        let limit = usize::try_from(limit).unwrap_or(0);
        let has_more = entries.len() > limit;
        entries.truncate(limit);
        let next_after = entries.last().map_or(after, Change::pos);
        let mut latest = std::collections::HashMap::new();
        for (i, change) in entries.iter().enumerate() {
            latest.insert(change.id(), i);
        }
        let changes = entries
            .into_iter()
            .enumerate()
            .filter(|(i, change)| latest.get(&change.id()) == Some(i))
            .map(|(_, change)| change)
            .collect();
        ChangePage {
            changes,
            next_after,
            has_more,
        }
    }

    /// The ids of the changed records, to read.
    pub fn changed_ids(&self) -> Vec<i64> {
        self.changes
            .iter()
            .filter_map(|c| match c {
                Change::Changed { id, .. } => Some(*id),
                Change::Gone { .. } => None,
            })
            .collect()
    }

    /// Whether a record read as `stamp` is the change this page names: one changed again since
    /// the feed was read is left for the page that holds its new number.
    pub fn holds(&self, id: i64, stamp: Stamp) -> bool {
        self.changes.iter().any(
            |c| matches!(c, Change::Changed { id: i, seq, .. } if *i == id && *seq == stamp.seq),
        )
    }

    /// Where each record's change sits in this page (to list records in feed order).
    pub fn places(&self) -> std::collections::HashMap<i64, usize> {
        self.changes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id(), i))
            .collect()
    }
}

/// An activity as the API lists it.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ActivityRecord {
    pub id: i64,
    pub client_id: Option<String>,
    pub kind: String,
    pub customer_id: i64,
    /// `None` when the customer is out of the reader's view.
    pub customer_name: Option<String>,
    pub user_id: i64,
    pub user_name: String,
    pub occurred_at: DateTime<Utc>,
    pub notes: String,
    pub planned: bool,
    pub outcome: Option<String>,
    pub next_step: String,
    pub next_step_due: Option<chrono::NaiveDate>,
    pub next_step_done_at: Option<DateTime<Utc>>,
    pub sync_seq: i64,
    pub changed_at: DateTime<Utc>,
}

impl ActivityRecord {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            seq: self.sync_seq,
            at: self.changed_at,
        }
    }
}

/// Which activities or check-ins a list reads: by id (a sync page's), or a page by id of those
/// matching the filters. Every one narrows the viewer's scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordQuery {
    pub ids: Option<Vec<i64>>,
    pub customer: Option<i64>,
    pub owner: Option<i64>,
    /// When it happened: on or after `from`, before `until`.
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub offset: i64,
    pub limit: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change numbered `seq` when written, placed at `seq + 100` when it committed.
    fn changed(id: i64, seq: i64) -> Change {
        Change::Changed {
            id,
            seq,
            pos: seq + 100,
        }
    }

    fn gone(id: i64, seq: i64) -> Change {
        Change::Gone {
            id,
            seq,
            pos: seq + 100,
            at: DateTime::UNIX_EPOCH,
            why: Gone::Moved,
        }
    }

    #[test]
    fn a_page_keeps_each_records_last_entry_and_ends_at_the_last_number() {
        let page = ChangePage::of(
            vec![
                gone(7, 11),
                changed(3, 12),
                changed(7, 14),
                gone(3, 15),
                changed(9, 16),
            ],
            10,
            4,
        );
        assert_eq!(page.changes, vec![changed(7, 14), gone(3, 15)]);
        assert_eq!((page.next_after, page.has_more), (115, true));
        assert_eq!(page.changed_ids(), vec![7]);
        let at = DateTime::UNIX_EPOCH;
        assert!(page.holds(7, Stamp { seq: 14, at }));
        assert!(!page.holds(7, Stamp { seq: 17, at }), "changed again since");
        let empty = ChangePage::of(vec![], 10, 4);
        assert_eq!((empty.next_after, empty.has_more), (10, false));
    }
}
