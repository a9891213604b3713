//! The signed-in user as every door and the UI see them.

use crate::domain::{Locale, Role, Scope};
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
    /// How they read numbers, amounts and dates (issue 22).
    #[serde(default)]
    pub locale: Locale,
}

impl SessionUser {
    /// What this user may see: the one scoping decision every query goes through.
    pub fn scope(&self) -> Scope {
        Scope::for_user(self.id, self.role, &self.unit_path)
    }
}

/// Where a request comes from, as the sign-in throttle counts it: the peer's IP address, or
/// the address a trusted proxy forwarded (`PACER_TRUST_FORWARDED=on`). Put on every request by
/// the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// A session: whose it is and the user's session epoch when it began. Raising the epoch
/// (new password, deactivation) ends every session that carries an older one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: i64,
    pub epoch: i64,
}
