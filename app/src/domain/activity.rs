//! Activities another system records through the API (a call logged in the phone system, a
//! meeting from the calendar): each with a client id, so a resend stores nothing twice.

use super::check_in::{check_client_id, MAX_NOTES_CHARS};
use super::FieldError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What an activity was. Planned visits are made on the customer page, not here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Visit,
    Call,
    Meeting,
    InitialContact,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Visit => "visit",
            ActivityKind::Call => "call",
            ActivityKind::Meeting => "meeting",
            ActivityKind::InitialContact => "initial_contact",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityInput {
    pub client_id: String,
    pub customer_id: i64,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    #[serde(default)]
    pub notes: String,
}

/// Activities may be recorded this far back (a quarter's catch-up) and no later than a few
/// minutes ahead of the server's clock.
pub const MAX_AGE_DAYS: i64 = 400;
const MAX_AHEAD_MIN: i64 = 10;

impl ActivityInput {
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = check_client_id(&self.client_id) {
            errors.push(e);
        }
        if self.occurred_at > now + Duration::minutes(MAX_AHEAD_MIN) {
            errors.push(FieldError::new(
                "occurred_at",
                "is in the future: record an activity once it has happened",
            ));
        } else if self.occurred_at < now - Duration::days(MAX_AGE_DAYS) {
            errors.push(FieldError::new(
                "occurred_at",
                format!("is more than {MAX_AGE_DAYS} days ago"),
            ));
        }
        if self.notes.chars().count() > MAX_NOTES_CHARS {
            errors.push(FieldError::new(
                "notes",
                format!("at most {MAX_NOTES_CHARS} characters"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A visit planned at a customer: a day from today up to a year ahead, and short notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedVisit {
    pub day: NaiveDate,
    pub notes: String,
}

/// Longest notes a planned visit keeps.
pub const MAX_PLAN_NOTES_CHARS: usize = 2_000;

impl PlannedVisit {
    pub fn parse(day: &str, notes: &str, today: NaiveDate) -> Result<PlannedVisit, FieldError> {
        let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
            .map_err(|_| FieldError::new("day", "choose the day of the visit"))?;
        if day < today {
            return Err(FieldError::new("day", "a planned visit is today or later"));
        }
        if day > today + chrono::Days::new(366) {
            return Err(FieldError::new("day", "plan at most a year ahead"));
        }
        let notes = notes.trim();
        if notes.chars().count() > MAX_PLAN_NOTES_CHARS {
            return Err(FieldError::new(
                "notes",
                "keep the notes under 2 000 characters",
            ));
        }
        Ok(PlannedVisit {
            day,
            notes: notes.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ActivityInput {
        ActivityInput {
            client_id: "crm-call-000123".into(),
            customer_id: 1,
            kind: ActivityKind::Call,
            occurred_at: "2026-11-20T10:00:00Z".parse().unwrap(),
            notes: "Called about the spring order.".into(),
        }
    }

    #[test]
    fn a_recent_activity_passes_and_bad_fields_are_named() {
        let now: DateTime<Utc> = "2026-11-29T12:00:00Z".parse().unwrap();
        assert_eq!(input().check(now), Ok(()));
        let bad = ActivityInput {
            client_id: "x".into(),
            occurred_at: now + Duration::hours(1),
            notes: "n".repeat(MAX_NOTES_CHARS + 1),
            ..input()
        };
        let fields: Vec<_> = bad
            .check(now)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["client_id", "occurred_at", "notes"]);
        let old = ActivityInput {
            occurred_at: now - Duration::days(MAX_AGE_DAYS + 1),
            ..input()
        };
        assert!(old.check(now).is_err());
    }
}
