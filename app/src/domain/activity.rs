//! Activities a rep records (a call, a meeting, an e-mail, an initial contact — from the
//! customer page, the dashboard, the phone or another system through the API): each with a
//! client id, so a resend stores nothing twice; with an outcome and a next step due on a day.

use super::check_in::{check_client_id, MAX_NEXT_STEP_CHARS, MAX_NOTES_CHARS};
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
    Email,
}

impl ActivityKind {
    /// What a rep logs by hand (a visit is made by checking in, or planned).
    pub const LOGGED: [ActivityKind; 4] = [
        ActivityKind::Call,
        ActivityKind::Meeting,
        ActivityKind::Email,
        ActivityKind::InitialContact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Visit => "visit",
            ActivityKind::Call => "call",
            ActivityKind::Meeting => "meeting",
            ActivityKind::InitialContact => "initial_contact",
            ActivityKind::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<ActivityKind> {
        [ActivityKind::Visit]
            .into_iter()
            .chain(ActivityKind::LOGGED)
            .find(|k| k.as_str() == text)
    }

    /// "a call", "an e-mail": the kind in a sentence.
    pub fn phrase(self) -> &'static str {
        match self {
            ActivityKind::Visit => "a visit",
            ActivityKind::Call => "a call",
            ActivityKind::Meeting => "a meeting",
            ActivityKind::InitialContact => "an initial contact",
            ActivityKind::Email => "an e-mail",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Visit => "Visit",
            ActivityKind::Call => "Call",
            ActivityKind::Meeting => "Meeting",
            ActivityKind::InitialContact => "Initial contact",
            ActivityKind::Email => "E-mail",
        }
    }
}

/// How a call, meeting or e-mail went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityOutcome {
    Reached,
    NotReached,
    FollowUp,
    OrderTaken,
    NotInterested,
}

impl ActivityOutcome {
    pub const ALL: [ActivityOutcome; 5] = [
        ActivityOutcome::Reached,
        ActivityOutcome::NotReached,
        ActivityOutcome::FollowUp,
        ActivityOutcome::OrderTaken,
        ActivityOutcome::NotInterested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityOutcome::Reached => "reached",
            ActivityOutcome::NotReached => "not_reached",
            ActivityOutcome::FollowUp => "follow_up",
            ActivityOutcome::OrderTaken => "order_taken",
            ActivityOutcome::NotInterested => "not_interested",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityOutcome::Reached => "Spoke to them",
            ActivityOutcome::NotReached => "Could not reach them",
            ActivityOutcome::FollowUp => "Follow-up agreed",
            ActivityOutcome::OrderTaken => "Order taken",
            ActivityOutcome::NotInterested => "Not interested",
        }
    }

    pub fn parse(text: &str) -> Option<ActivityOutcome> {
        ActivityOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == text)
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
    #[serde(default)]
    pub outcome: Option<ActivityOutcome>,
    /// What happens next ("send the quote"); given with `next_step_due`.
    #[serde(default)]
    pub next_step: String,
    #[serde(default)]
    pub next_step_due: Option<NaiveDate>,
}

/// A next step is due at most this far after the activity.
pub const MAX_NEXT_STEP_DAYS: i64 = 366;

/// A next step after an activity on `from` may be due from that day up to a year later (also
/// when it is moved).
pub fn check_next_step_due(from: NaiveDate, due: NaiveDate) -> Result<(), FieldError> {
    if due < from {
        Err(FieldError::new(
            "next_step_due",
            "is before the activity: a next step comes after it",
        ))
    } else if due > from + Duration::days(MAX_NEXT_STEP_DAYS) {
        Err(FieldError::new(
            "next_step_due",
            "is more than a year after the activity",
        ))
    } else {
        Ok(())
    }
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
        let step = self.next_step.trim();
        if step.chars().count() > MAX_NEXT_STEP_CHARS {
            errors.push(FieldError::new(
                "next_step",
                format!("at most {MAX_NEXT_STEP_CHARS} characters"),
            ));
        }
        match (step.is_empty(), self.next_step_due) {
            (false, None) => errors.push(FieldError::new(
                "next_step_due",
                "give the day the next step is due",
            )),
            (true, Some(_)) => errors.push(FieldError::new(
                "next_step",
                "say what the next step is, or clear its due date",
            )),
            // Against a time that is itself wrong, the due day cannot be judged.
            (false, Some(_)) if errors.iter().any(|e| e.field == "occurred_at") => {}
            (false, Some(due)) => {
                if let Err(e) = check_next_step_due(self.occurred_at.date_naive(), due) {
                    errors.push(e);
                }
            }
            (true, None) => {}
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
            outcome: Some(ActivityOutcome::FollowUp),
            next_step: "Send the quote".into(),
            next_step_due: Some("2026-11-27".parse().unwrap()),
        }
    }

    #[test]
    fn a_next_step_has_a_text_and_a_day_after_the_activity() {
        let now: DateTime<Utc> = "2026-11-29T12:00:00Z".parse().unwrap();
        let field = |i: ActivityInput| -> Vec<&'static str> {
            i.check(now)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let no_day = ActivityInput {
            next_step_due: None,
            ..input()
        };
        assert_eq!(field(no_day), ["next_step_due"]);
        let no_text = ActivityInput {
            next_step: "  ".into(),
            ..input()
        };
        assert_eq!(field(no_text), ["next_step"]);
        let before = ActivityInput {
            next_step_due: Some("2026-11-19".parse().unwrap()),
            ..input()
        };
        assert_eq!(field(before), ["next_step_due"]);
        let too_far = ActivityInput {
            next_step_due: Some("2027-11-22".parse().unwrap()),
            ..input()
        };
        assert_eq!(field(too_far), ["next_step_due"]);
        let none = ActivityInput {
            next_step: String::new(),
            next_step_due: None,
            outcome: None,
            ..input()
        };
        assert_eq!(field(none), Vec::<&str>::new());
    }

    #[test]
    fn kinds_and_outcomes_read_back() {
        for k in [ActivityKind::Visit]
            .into_iter()
            .chain(ActivityKind::LOGGED)
        {
            assert_eq!(ActivityKind::parse(k.as_str()), Some(k));
        }
        for o in ActivityOutcome::ALL {
            assert_eq!(ActivityOutcome::parse(o.as_str()), Some(o));
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
