//! The organisation and its people as the admin pages show them, the one-time links that set
//! a password, and the audit trail of changes.

use crate::domain::{OrgUnitKind, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A unit of the tree (company, business unit, team).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: OrgUnitKind,
    pub path: String,
    pub closed: bool,
    /// Active people placed directly in this unit.
    pub people: i64,
}

/// A person as the people page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub unit_id: i64,
    pub unit_name: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub active: bool,
    /// They have chosen a password (an invited person has not, until they use their link).
    pub has_password: bool,
}

/// The tree and its people, as far as the viewer may see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub units: Vec<UnitRow>,
    pub people: Vec<PersonRow>,
    pub changes: Vec<AuditEntry>,
    /// The viewer may change it (admins).
    pub can_change: bool,
}

impl Organisation {
    /// A unit's name with its parents': "Acme › North › Field team".
    pub fn unit_label(&self, id: i64) -> String {
        let mut names = Vec::new();
        let mut at = self.units.iter().find(|u| u.id == id);
        while let Some(unit) = at {
            names.push(unit.name.clone());
            at = unit
                .parent_id
                .and_then(|p| self.units.iter().find(|u| u.id == p));
        }
        names.reverse();
        names.join(" › ")
    }
}

/// A change to the organisation or a person: who, when, before and after (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What a person still holds when they leave: it goes to whoever the admin names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holdings {
    pub open_opportunities: i64,
    pub customers: i64,
    pub running_targets: i64,
}

impl Holdings {
    pub fn is_empty(&self) -> bool {
        self.open_opportunities == 0 && self.customers == 0 && self.running_targets == 0
    }
}

/// How long an invitation link works, in days.
pub const INVITE_DAYS: i64 = 14;

/// What a one-time link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// The first start: create the company and its first admin.
    Setup,
    /// A new person chooses their password.
    Invite,
    /// A person forgot theirs; an admin issued the link.
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Setup => "setup",
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Option<LinkPurpose> {
        [LinkPurpose::Setup, LinkPurpose::Invite, LinkPurpose::Reset]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// A link just issued: the only time its token is seen. `path` is relative to Pacer's address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLink {
    pub path: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it was mailed to its person (only when Pacer has a mail server).
    #[serde(default)]
    pub delivery: Delivery,
}

/// What became of mailing a password link to its person. The admin sees the link either
/// way: a mail can be slow, or lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Delivery {
    /// Pacer has no mail server (`PACER_SMTP_URL`): the admin passes the link on.
    #[default]
    NotMailed,
    /// The mail server took the mail for this address.
    Mailed { to: String },
    /// The mail did not go out, for `reason` (plain words): the admin passes the link on.
    NotSent { to: String, reason: String },
}

impl Delivery {
    /// The sentence the admin reads beside the link; `None` when Pacer mails nothing.
    pub fn sentence(&self) -> Option<String> {
        match self {
            Delivery::NotMailed => None,
            Delivery::Mailed { to } => Some(format!(
                "Mailed to {to}. The link is below as well, in case the mail is slow."
            )),
            Delivery::NotSent { to, reason } => Some(format!(
                "The mail to {to} could not be sent: {reason}; pass the link on yourself."
            )),
        }
    }

    pub fn is_mailed(&self) -> bool {
        matches!(self, Delivery::Mailed { .. })
    }
}

/// Whom a valid password link is for, as its page greets them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkHolder {
    pub name: String,
    pub email: String,
    pub purpose: LinkPurpose,
}

/// A person added: their id and the link to pass on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedPerson {
    pub id: i64,
    pub link: IssuedLink,
}
