//! Check-ins as the phone and the team view read them.

use crate::domain::check_in::{duration_text, Outcome, Position, Verification};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A customer the rep may check in at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInCustomer {
    pub id: i64,
    pub name: String,
    pub city: Option<String>,
    /// (latitude, longitude), when known.
    pub location: Option<(f64, f64)>,
    /// Within this distance a check-in is verified.
    pub radius_m: f64,
}

/// What the server stored for a check-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInSaved {
    pub id: i64,
    pub client_id: String,
    pub verification: Verification,
    /// The visit also counted as the customer's initial contact.
    pub initial_contact: bool,
    /// The server had this check-in already (a resend): nothing new was stored.
    pub duplicate: bool,
}

/// One stored check-in, as lists and the map show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInRow {
    pub id: i64,
    pub client_id: String,
    pub user_id: i64,
    pub user_name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub device_time: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub position: Option<Position>,
    pub customer_location: Option<(f64, f64)>,
    pub verification: Verification,
    pub outcome: Option<Outcome>,
    pub notes: String,
    pub next_step: String,
    pub checked_out_at: Option<DateTime<Utc>>,
}

impl CheckInRow {
    /// Minutes between check-in and check-out.
    pub fn minutes_on_site(&self) -> Option<i64> {
        self.checked_out_at
            .map(|out| (out - self.device_time).num_minutes().max(0))
    }

    pub fn time_on_site(&self) -> String {
        self.minutes_on_site()
            .map(duration_text)
            .unwrap_or_else(|| "not checked out".into())
    }
}

/// Which days the team's check-ins cover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckInRange {
    #[default]
    Today,
    /// Monday of this week to today.
    Week,
}

impl CheckInRange {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInRange::Today => "today",
            CheckInRange::Week => "week",
        }
    }

    pub fn parse(text: &str) -> CheckInRange {
        if text == "week" {
            CheckInRange::Week
        } else {
            CheckInRange::Today
        }
    }

    /// The days covered and their bounds in time, `[start, until)`.
    pub fn span(self, today: NaiveDate) -> (NaiveDate, NaiveDate, DateTime<Utc>, DateTime<Utc>) {
        let (from, to) = self.days(today);
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        (
            from,
            to,
            midnight(from),
            midnight(to + chrono::Days::new(1)),
        )
    }

    /// The first and last day covered, `today` included.
    pub fn days(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        use chrono::Datelike;
        match self {
            CheckInRange::Today => (today, today),
            CheckInRange::Week => (
                today - chrono::Days::new(u64::from(today.weekday().num_days_from_monday())),
                today,
            ),
        }
    }
}

/// The team's check-ins over a range of days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInReport {
    pub range: CheckInRange,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub unit_id: Option<i64>,
    pub rows: Vec<CheckInRow>,
}

impl CheckInReport {
    /// How many check-ins are verified, outside and unverified.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |kind: &str| {
            self.rows
                .iter()
                .filter(|r| r.verification.as_str() == kind)
                .count()
        };
        (count("verified"), count("outside"), count("unverified"))
    }
}

/// What is stored for an activity's client id: the activity, and whether this request stored
/// it (a resend answers with the stored one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySaved {
    pub id: i64,
    pub duplicate: bool,
}

/// What a resend under a client id is compared on (issue 25): the content as sent or as stored,
/// and the customer it is at (who may not see that customer is shown nothing of the stored one).
pub trait ResendKeys: Serialize {
    /// The same record, as far as a resend goes.
    fn same_as(&self, other: &Self) -> bool;
    fn customer_id(&self) -> i64;
}

/// An activity's content as a resend is compared on it (issue 25): what was sent, or what is
/// stored under its client id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityKeys {
    pub customer_id: i64,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub notes: String,
    pub outcome: Option<String>,
    pub next_step: String,
    pub next_step_due: Option<NaiveDate>,
}

impl ActivityKeys {
    /// The content of `input` as it would be stored (texts trimmed).
    pub fn sent(input: &crate::domain::activity::ActivityInput) -> ActivityKeys {
        ActivityKeys {
            customer_id: input.customer_id,
            kind: input.kind.as_str().to_string(),
            occurred_at: input.occurred_at,
            notes: input.notes.trim().to_string(),
            outcome: input.outcome.map(|o| o.as_str().to_string()),
            next_step: input.next_step.trim().to_string(),
            next_step_due: input.next_step_due,
        }
    }
}

impl ResendKeys for ActivityKeys {
    fn customer_id(&self) -> i64 {
        self.customer_id
    }

    /// The same activity: equal content, times to the millisecond (a database keeps micro-
    /// or nanoseconds, JSON clients send what they have). The next step's due day is left
    /// out: it is moved on the customer's page after the activity was stored, and a resend of
    /// the original must still be a resend.
    fn same_as(&self, other: &ActivityKeys) -> bool {
        ActivityKeys {
            occurred_at: other.occurred_at,
            next_step_due: other.next_step_due,
            ..self.clone()
        } == *other
            && self.occurred_at.timestamp_millis() == other.occurred_at.timestamp_millis()
    }
}

/// A check-in's content as a resend is compared on it (issue 25).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInKeys {
    pub customer_id: i64,
    pub device_time: DateTime<Utc>,
    /// Where the phone was, as sent (absent: no position).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
}

impl CheckInKeys {
    pub fn sent(input: &crate::domain::check_in::CheckInInput) -> CheckInKeys {
        let p = input.position.as_ref();
        CheckInKeys {
            customer_id: input.customer_id,
            device_time: input.device_time,
            lat: p.map(|p| p.lat),
            lon: p.map(|p| p.lon),
            accuracy_m: p.map(|p| p.accuracy_m),
        }
    }
}

impl ResendKeys for CheckInKeys {
    fn customer_id(&self) -> i64 {
        self.customer_id
    }

    /// The same check-in: same customer and place, the time to the millisecond.
    fn same_as(&self, other: &CheckInKeys) -> bool {
        self.customer_id == other.customer_id
            && self.device_time.timestamp_millis() == other.device_time.timestamp_millis()
            && self.lat == other.lat
            && self.lon == other.lon
            && self.accuracy_m == other.accuracy_m
    }
}

/// A client id sent again with other content than it was stored with (issue 25): nothing was
/// written. The JSON API answers 409 with both versions' key fields, so the sender can tell a
/// resend of changed data (send it under a new client id) from a bug.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diverged {
    /// "activity" or "check-in".
    pub entity: String,
    /// The stored record's id.
    pub id: i64,
    pub client_id: String,
    pub stored: serde_json::Value,
    pub sent: serde_json::Value,
}

impl Diverged {
    pub fn new<T: Serialize>(
        entity: &str,
        id: i64,
        client_id: &str,
        stored: &T,
        sent: &T,
    ) -> Diverged {
        Diverged {
            entity: entity.to_string(),
            id,
            client_id: client_id.to_string(),
            stored: serde_json::to_value(stored).unwrap_or_default(),
            sent: serde_json::to_value(sent).unwrap_or_default(),
        }
    }

    /// The same refusal when the stored record's customer is out of the caller's sight (another
    /// token of the same person, a customer moved to another team): nothing of it is shown.
    pub fn hidden<T: Serialize>(entity: &str, client_id: &str, sent: &T) -> Diverged {
        Diverged {
            entity: entity.to_string(),
            id: 0,
            client_id: client_id.to_string(),
            stored: serde_json::Value::Null,
            sent: serde_json::to_value(sent).unwrap_or_default(),
        }
    }

    /// The refusal in words: which fields differ.
    pub fn message(&self) -> String {
        if self.stored.is_null() {
            return format!(
                "The client id {} was stored before, for a customer you cannot see: nothing was changed. Send new data under a new client id.",
                self.client_id
            );
        }
        let differing: Vec<&str> = match (&self.stored, &self.sent) {
            (serde_json::Value::Object(stored), serde_json::Value::Object(sent)) => stored
                .iter()
                .filter(|(k, v)| sent.get(*k) != Some(*v))
                .map(|(k, _)| k.as_str())
                .collect(),
            _ => Vec::new(),
        };
        format!(
            "The client id {} was stored before ({} {}) with other content ({}): nothing was changed. Send changed data under a new client id.",
            self.client_id,
            self.entity,
            self.id,
            if differing.is_empty() { "see stored and sent".to_string() } else { differing.join(", ") }
        )
    }
}
