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
