//! API tokens for scripts and other systems: a manager or admin creates a named token with the
//! rights of a role over part of the organisation. The token is shown once; only its SHA-256 is
//! stored. A request carrying it as `Authorization: Bearer` is that role and scope, through the
//! same [`SessionUser::scope`](crate::model::auth::SessionUser::scope) as a signed-in person.

use crate::error::AppError;
use crate::model::tokens::{CreatedToken, TokenChoices, TokenRow};
use leptos::prelude::*;

/// Tokens this user manages (an admin all of them, a manager the ones they created) and the
/// rep tokens acting as them.
#[server(endpoint = "api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<TokenRow>, AppError> {
    use crate::service::tokens;
    super::signed_in("list_api_tokens", |c| async move {
        tokens::list(&c.db, &c.user).await
    })
    .await
}

/// The rep tokens acting as the signed-in person, whoever created them.
#[server(endpoint = "my_api_tokens")]
pub async fn my_api_tokens() -> Result<Vec<TokenRow>, AppError> {
    use crate::service::tokens;
    super::signed_in("my_api_tokens", |c| async move {
        tokens::acting_as(&c.db, &c.user).await
    })
    .await
}

#[server(endpoint = "api_token_choices")]
pub async fn api_token_choices() -> Result<TokenChoices, AppError> {
    use crate::service::tokens;
    super::signed_in("api_token_choices", |c| async move {
        tokens::choices(&c.db, &c.user).await
    })
    .await
}

#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    role: String,
    unit: Option<i64>,
    person: Option<i64>,
    #[server(default)] read_only: bool,
    // Days it works, or "never"; none sent: 90 days, as the form proposes.
    expires: Option<String>,
) -> Result<CreatedToken, AppError> {
    use crate::service::tokens::{self, TokenForm};
    super::signed_in("create_api_token", |c| async move {
        let form = TokenForm {
            name,
            role,
            unit,
            person,
            read_only,
            expires: expires.unwrap_or_else(|| "90".into()),
        };
        tokens::create(&c.db, &c.user, &form, chrono::Utc::now()).await
    })
    .await
}

/// Revokes a token at once: the next request carrying it gets 401.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    use crate::service::tokens;
    super::signed_in("revoke_api_token", |c| async move {
        tokens::revoke(&c.db, &c.user, id, chrono::Utc::now()).await
    })
    .await
}
