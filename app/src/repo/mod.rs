//! The repository layer: every SQL statement Pacer runs. Functions take the [`Db`] as an
//! argument (no global pool), are instrumented, and return [`RepoError`].
//!
//! [`Db`]: crate::db::Db

pub mod accuracy;
pub mod activities;
pub mod calibration;
pub mod calls;
pub mod candidates;
pub mod check_ins;
pub mod customers;
pub mod dashboard;
pub mod devices;
pub mod digest;
pub mod forecast;
pub mod import;
pub mod links;
pub mod metrics;
pub mod opportunities;
pub mod people;
pub mod pipeline;
pub mod scope;
pub mod seed;
pub mod settings;
pub mod sign_in_failures;
pub mod snapshots;
pub mod sync;
pub mod targets;
pub mod tokens;
pub mod turnover;
pub mod users;
mod values;
pub mod webhooks;

use crate::domain::pipeline::StageRule;
use crate::domain::target::TargetRule;
use crate::domain::FieldError;
use crate::error::AppError;
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl From<RepoError> for AppError {
    fn from(err: RepoError) -> Self {
        // The cause goes to the log, never to the client.
        tracing::error!(error = %err, "repository error");
        AppError::Internal
    }
}

/// What a write found instead of doing its work. Functions returning it are instrumented
/// without `err`: a refusal is an expected outcome, not an error worth a log line, and a
/// database failure is logged where it becomes an [`AppError`].
///
/// The repository answers data, never a sentence of its own: `NotFound`, `Forbidden` and
/// `Stale` are worded once, in the conversion to [`AppError`] below; a `Rule` is a domain
/// rule's refusal (`StageRule`, `TargetRule`, `StepRefused`, a form's `FieldError`s), worded
/// by the domain.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// The row is not there, or not in the writer's scope.
    #[error("the {0} does not exist or is not visible")]
    NotFound(Entity),
    /// The row changed since the version the writer read: nothing was written.
    #[error("the {} changed since the version read", .0.entity)]
    Stale(Stale),
    /// The writer may see the row but not change it; names what.
    #[error("no access to this {0}")]
    Forbidden(&'static str),
    /// A domain rule checked inside the write refused it (the rule names its field and says
    /// why, in the domain's words).
    #[error("{}: {}", .0.field, .0.message)]
    Rule(FieldError),
}

/// What a write is about, as its refusals name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Opportunity,
    Target,
    Stage,
    Customer,
    CheckIn,
    ApiToken,
    Person,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Opportunity => "opportunity",
            Entity::Target => "target",
            Entity::Stage => "stage",
            Entity::Customer => "customer",
            Entity::CheckIn => "check-in",
            Entity::ApiToken => "API token",
            Entity::Person => "person",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who changed a row since the writer read it, when, and where it stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    pub entity: Entity,
    /// The row is gone (deleted meanwhile).
    pub deleted: bool,
    /// The change was the writer's own (another window or tab).
    pub by_writer: bool,
    /// Who changed it, when known.
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// Where it is now: an opportunity's stage, a target's status.
    pub now_in: String,
}

impl Stale {
    /// The sentence a person reads, as of `now`.
    pub fn message(&self, now: DateTime<Utc>) -> String {
        match self.entity {
            Entity::Target => format!(
                "{} changed this target meanwhile; it is now {}. Nothing was saved; reload to see the current version.",
                self.who("You (in another window)"),
                self.now_in.to_lowercase()
            ),
            _ if self.deleted => {
                format!("This {} was deleted meanwhile. Nothing was saved.", self.entity)
            }
            _ => format!(
                "{} changed this {} {} and it is now in {}. Nothing was saved; \
                 you are looking at its current state.",
                self.who("You (in another window or tab)"),
                self.entity,
                self.at.map_or_else(|| "just now".to_string(), |at| ago(at, now)),
                self.now_in
            ),
        }
    }

    fn who(&self, me: &str) -> String {
        if self.by_writer {
            me.to_string()
        } else {
            self.by.clone().unwrap_or_else(|| "Someone".to_string())
        }
    }
}

/// How long ago `at` was, in words.
fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes();
    match minutes {
        i64::MIN..=0 => "just now".to_string(),
        1 => "a minute ago".to_string(),
        2..=59 => format!("{minutes} minutes ago"),
        _ => format!("on {} at {} UTC", at.format("%Y-%m-%d"), at.format("%H:%M")),
    }
}

impl From<sqlx::Error> for WriteError {
    fn from(err: sqlx::Error) -> Self {
        WriteError::Repo(RepoError::Sqlx(err))
    }
}

impl From<StageRule> for WriteError {
    fn from(rule: StageRule) -> Self {
        WriteError::Rule(rule.into())
    }
}

impl From<TargetRule> for WriteError {
    fn from(rule: TargetRule) -> Self {
        WriteError::Rule(rule.into())
    }
}

/// A form's problems: the first one, as a form shows it.
impl From<Vec<FieldError>> for WriteError {
    fn from(errors: Vec<FieldError>) -> Self {
        match errors.into_iter().next() {
            Some(first) => WriteError::Rule(first),
            None => WriteError::Rule(FieldError::new("form", "the form could not be read")),
        }
    }
}

impl From<WriteError> for AppError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Repo(e) => e.into(),
            WriteError::NotFound(entity) => AppError::NotFound(entity.as_str().into()),
            WriteError::Stale(stale) => AppError::Conflict(stale.message(Utc::now())),
            WriteError::Rule(rule) => AppError::invalid(rule.field, rule.message),
            WriteError::Forbidden(what) => AppError::Forbidden(what.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn conflicts_say_when() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 30, 0).unwrap();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - Duration::seconds(90), now), "a minute ago");
        assert_eq!(ago(now - Duration::minutes(12), now), "12 minutes ago");
        assert_eq!(
            ago(now - Duration::hours(3), now),
            "on 2026-11-23 at 11:30 UTC"
        );
    }
}
