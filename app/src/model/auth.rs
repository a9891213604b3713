//! The signed-in user as every door and the UI see them.

use crate::domain::{Role, Scope};
use serde::{Deserialize, Serialize};

/// The signed-in user, as the UI shows them and as every server function checks them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
}

impl SessionUser {
    /// What this user may see: the one scoping decision every query goes through.
    pub fn scope(&self) -> Scope {
        Scope::for_user(self.id, self.role, &self.unit_path)
    }
}
