//! API tokens as the settings page lists them, and a request to create one, parsed.

use crate::domain::{FieldError, Role};
use crate::error::AppError;
use crate::model::pipeline::Choice;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest token name accepted.
pub const MAX_NAME_LEN: usize = 80;

/// A token as its list shows it (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    /// The token's last four characters.
    pub hint: String,
    pub role: Role,
    /// What the token sees: a unit's name, or the rep it acts as.
    pub scope: String,
    /// The person the token acts as: owner of what it creates, named in the history.
    pub acts_as: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// It may read but not write (issue 25).
    pub read_only: bool,
    /// When it stops working; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// What the create form offers this user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenChoices {
    pub roles: Vec<Role>,
    pub units: Vec<Choice>,
    pub people: Vec<Choice>,
}

/// A token just created: the only time its secret is seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
}

/// What a create form asks for, checked field by field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    pub name: String,
    pub role: Role,
    /// Manager tokens: the unit they see. Rep tokens: the rep they act as.
    pub unit: Option<i64>,
    pub person: Option<i64>,
    pub read_only: bool,
    /// When it stops working; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// How long a new token works, as the create form offers it (the value is days, or "never");
/// the first is the form's default.
pub const EXPIRY_CHOICES: [(&str, &str); 5] = [
    ("90", "90 days"),
    ("30", "30 days"),
    ("365", "a year"),
    ("7", "a week"),
    ("never", "never (until revoked)"),
];

/// The longest a token may be made to work, in days, short of "never".
pub const MAX_EXPIRY_DAYS: i64 = 3 * 365;

/// `expires`: a number of days from `now`, or "never"; anything else names the field.
pub fn parse_expiry(expires: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
    match expires.trim() {
        "never" => Ok(None),
        days => match days.parse::<i64>() {
            Ok(days) if (1..=MAX_EXPIRY_DAYS).contains(&days) => {
                Ok(Some(now + chrono::Duration::days(days)))
            }
            _ => Err(AppError::invalid(
                "expires",
                format!("choose how long the token works: 1 to {MAX_EXPIRY_DAYS} days, or never"),
            )),
        },
    }
}

impl TokenRequest {
    /// Checks the form for a creator of role `creator`: the name, a role no higher than theirs,
    /// and the unit or person the role needs. Whether the unit or person is in the creator's
    /// sight is the repository's check.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        creator: Role,
        name: &str,
        role: &str,
        unit: Option<i64>,
        person: Option<i64>,
        read_only: bool,
        expires: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenRequest, AppError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid(
                "name",
                "give the token a name, e.g. the system that uses it",
            ));
        }
        if name.chars().count() > MAX_NAME_LEN {
            return Err(AppError::invalid(
                "name",
                format!("at most {MAX_NAME_LEN} characters"),
            ));
        }
        let role = Role::parse(role).map_err(|e| AppError::invalid("role", e.to_string()))?;
        if creator == Role::Rep {
            return Err(AppError::Forbidden("API token settings".into()));
        }
        if role == Role::Admin && creator != Role::Admin {
            return Err(AppError::invalid(
                "role",
                "only an admin can create an admin token",
            ));
        }
        let (unit, person) = match role {
            Role::Rep => (
                None,
                Some(person.ok_or_else(|| {
                    AppError::invalid("person", "choose the rep this token acts as")
                })?),
            ),
            Role::Manager => (
                Some(unit.ok_or_else(|| {
                    AppError::invalid("unit", "choose the part of the organisation it sees")
                })?),
                None,
            ),
            Role::Admin => (None, None),
        };
        let expires_at = parse_expiry(expires, now)?;
        Ok(TokenRequest {
            name: name.to_string(),
            role,
            unit,
            person,
            read_only,
            expires_at,
        })
    }
}

/// The roles a user may give a token.
pub fn roles_for(creator: Role) -> Vec<Role> {
    match creator {
        Role::Rep => Vec::new(),
        Role::Manager => vec![Role::Rep, Role::Manager],
        Role::Admin => Role::ALL.to_vec(),
    }
}

/// Why a token's unit or person is refused: it must be inside the creator's sight, which only
/// the database can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRule {
    #[error("choose a part of the organisation you manage")]
    UnitOutOfSight,
    #[error("choose a person on your team")]
    PersonOutOfSight,
}

impl From<TokenRule> for FieldError {
    fn from(rule: TokenRule) -> Self {
        let field = match rule {
            TokenRule::UnitOutOfSight => "unit",
            TokenRule::PersonOutOfSight => "person",
        };
        FieldError::new(field, rule.to_string())
    }
}

/// A token resolved: its id (for rate limits) and whom it acts as.
#[derive(Clone, Debug)]
pub struct TokenUser {
    pub token_id: i64,
    pub user: crate::model::auth::SessionUser,
    /// Every write is refused (403).
    pub read_only: bool,
    /// After this the token is unknown (401); `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-03T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_unit_or_person_out_of_sight_names_its_field() {
        let unit = FieldError::from(TokenRule::UnitOutOfSight);
        assert_eq!(
            (unit.field, unit.message.as_str()),
            ("unit", "choose a part of the organisation you manage")
        );
        let person = FieldError::from(TokenRule::PersonOutOfSight);
        assert_eq!(
            (person.field, person.message.as_str()),
            ("person", "choose a person on your team")
        );
    }

    #[test]
    fn a_request_names_its_problem_field() {
        let field = |r: Result<TokenRequest, AppError>| r.unwrap_err().field().map(str::to_string);
        assert_eq!(
            field(TokenRequest::parse(
                Role::Manager,
                " ",
                "rep",
                None,
                Some(1),
                false,
                "90",
                now()
            )),
            Some("name".into())
        );
        assert_eq!(
            field(TokenRequest::parse(
                Role::Manager,
                &"x".repeat(81),
                "rep",
                None,
                Some(1),
                false,
                "90",
                now()
            )),
            Some("name".into())
        );
        assert_eq!(
            field(TokenRequest::parse(
                Role::Manager,
                "ERP",
                "boss",
                None,
                None,
                false,
                "90",
                now()
            )),
            Some("role".into())
        );
        assert_eq!(
            field(TokenRequest::parse(
                Role::Manager,
                "ERP",
                "admin",
                None,
                None,
                false,
                "90",
                now()
            )),
            Some("role".into())
        );
        assert_eq!(
            field(TokenRequest::parse(
                Role::Manager,
                "ERP",
                "rep",
                Some(1),
                None,
                false,
                "90",
                now()
            )),
            Some("person".into())
        );
        assert_eq!(
            field(TokenRequest::parse(
                Role::Admin,
                "ERP",
                "manager",
                None,
                Some(1),
                false,
                "90",
                now()
            )),
            Some("unit".into())
        );
        assert!(matches!(
            TokenRequest::parse(Role::Rep, "ERP", "rep", None, Some(1), false, "90", now()),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn each_role_keeps_what_it_needs() {
        let r = TokenRequest::parse(
            Role::Admin,
            " BI ",
            "admin",
            Some(3),
            Some(4),
            false,
            "90",
            now(),
        )
        .unwrap();
        assert_eq!((r.name.as_str(), r.unit, r.person), ("BI", None, None));
        let r = TokenRequest::parse(
            Role::Manager,
            "ERP",
            "manager",
            Some(3),
            Some(4),
            false,
            "90",
            now(),
        )
        .unwrap();
        assert_eq!((r.unit, r.person), (Some(3), None));
        let r = TokenRequest::parse(
            Role::Manager,
            "Phone",
            "rep",
            Some(3),
            Some(4),
            false,
            "90",
            now(),
        )
        .unwrap();
        assert_eq!((r.unit, r.person), (None, Some(4)));
        assert_eq!(r.expires_at, Some(now() + chrono::Duration::days(90)));
        assert!(!r.read_only);
        let r = TokenRequest::parse(Role::Admin, "BI", "admin", None, None, true, "never", now())
            .unwrap();
        assert_eq!((r.read_only, r.expires_at), (true, None));
        for bad in ["0", "-3", "1096", "soon", ""] {
            let e = TokenRequest::parse(Role::Admin, "BI", "admin", None, None, true, bad, now());
            assert_eq!(e.unwrap_err().field(), Some("expires"), "{bad}");
        }
        assert_eq!(roles_for(Role::Manager), vec![Role::Rep, Role::Manager]);
        assert!(roles_for(Role::Rep).is_empty());
    }
}
