use super::Role;
use serde::{Deserialize, Serialize};

/// The levels of the org tree: company (root) → business units → teams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgUnitKind {
    Company,
    BusinessUnit,
    Team,
}

impl OrgUnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgUnitKind::Company => "company",
            OrgUnitKind::BusinessUnit => "business_unit",
            OrgUnitKind::Team => "team",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            OrgUnitKind::Company,
            OrgUnitKind::BusinessUnit,
            OrgUnitKind::Team,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgUnitKind::Company => "Company",
            OrgUnitKind::BusinessUnit => "Business unit",
            OrgUnitKind::Team => "Team",
        }
    }

    /// The kind a child of this unit has; teams are leaves.
    pub fn child_kind(self) -> Option<OrgUnitKind> {
        match self {
            OrgUnitKind::Company => Some(OrgUnitKind::BusinessUnit),
            OrgUnitKind::BusinessUnit => Some(OrgUnitKind::Team),
            OrgUnitKind::Team => None,
        }
    }
}

/// A unit's place in the tree as a materialised path of ids: `/1/`, `/1/2/`, `/1/2/5/`.
/// A unit's subtree is every unit whose path starts with its own, which both SQLite and
/// Postgres answer with one indexed `LIKE 'prefix%'`.
pub fn child_path(parent_path: &str, child_id: i64) -> String {
    format!("{parent_path}{child_id}/")
}

/// What a user may see and change. Decided once, from the user's role, by [`Scope::for_user`];
/// every query that reads or writes owned records goes through it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// A rep: only records they own.
    Own { user_id: i64 },
    /// A manager: records owned by anyone in their unit's subtree (themselves included).
    Subtree { unit_path: String },
    /// An admin: everything.
    All,
}

impl Scope {
    pub fn for_user(user_id: i64, role: Role, unit_path: &str) -> Scope {
        match role {
            Role::Rep => Scope::Own { user_id },
            Role::Manager => Scope::Subtree {
                unit_path: unit_path.to_string(),
            },
            Role::Admin => Scope::All,
        }
    }

    /// Whether a record owned by a user in `owner_unit_path` with id `owner_id` is visible.
    /// The SQL form of the same rule lives in the repository layer.
    pub fn allows(&self, owner_id: i64, owner_unit_path: &str) -> bool {
        match self {
            Scope::Own { user_id } => *user_id == owner_id,
            Scope::Subtree { unit_path } => owner_unit_path.starts_with(unit_path.as_str()),
            Scope::All => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest() {
        let company = child_path("/", 1);
        let unit = child_path(&company, 2);
        let team = child_path(&unit, 5);
        assert_eq!(team, "/1/2/5/");
        assert!(team.starts_with(&unit));
        // Sibling ids that share digits are not mistaken for descendants.
        assert!(!child_path(&company, 21).starts_with(&unit));
    }

    #[test]
    fn scope_follows_role() {
        let rep = Scope::for_user(7, Role::Rep, "/1/2/5/");
        assert!(rep.allows(7, "/1/2/5/"));
        assert!(!rep.allows(8, "/1/2/5/"));

        let manager = Scope::for_user(3, Role::Manager, "/1/2/");
        assert!(manager.allows(8, "/1/2/5/"));
        assert!(manager.allows(3, "/1/2/"));
        assert!(!manager.allows(9, "/1/3/6/"));
        assert!(!manager.allows(10, "/1/21/"));

        assert!(Scope::for_user(1, Role::Admin, "/1/").allows(99, "/1/3/6/"));
    }
}
