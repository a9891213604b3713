//! Signing in: the credentials checked in the same time whether or not the address is known,
//! repeated failures slowed down, and the person behind a session.

use super::Error;
use crate::db::Db;
use crate::domain::Email;
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::repo;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use std::sync::LazyLock;

/// Failures allowed before sign-ins for an address are slowed down.
const FREE_FAILURES: i32 = 5;
/// The wait after the first slowed-down failure; it doubles with each further one.
const FIRST_WAIT_SECS: i64 = 15;
const MAX_WAIT_SECS: i64 = 15 * 60;

/// The person a session belongs to, as every door checks them; `None` if they are gone.
pub async fn user(db: &Db, user_id: i64) -> Result<Option<SessionUser>, Error> {
    Ok(repo::users::find_session_user(db, user_id).await?)
}

/// Checks the credentials and returns the user's id. Unknown address and wrong password give
/// the same answer in the same time; repeated failures for an address are slowed down.
pub async fn sign_in(
    db: &Db,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "password is empty").into());
    }
    if let Some((failures, last)) = repo::login_failures::get(db, &email).await? {
        if let Some(wait) = wait_after_failures(failures) {
            let retry_at = last + wait;
            if retry_at > now {
                return Err(AppError::TooManyAttempts {
                    retry_after_secs: (retry_at - now).num_seconds().max(1),
                }
                .into());
            }
        }
    }
    let credentials = repo::users::find_credentials(db, &email).await?;
    let (user_id, hash) = match credentials {
        Some((id, hash)) => (Some(id), hash),
        None => (None, DUMMY_HASH.clone()),
    };
    let password = password.to_string();
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password check panicked");
            AppError::Internal
        })?;
    match (user_id, verified) {
        (Some(id), true) => {
            repo::login_failures::clear(db, &email).await?;
            Ok(id)
        }
        _ => {
            repo::login_failures::record_failure(db, &email, now).await?;
            Err(AppError::BadCredentials.into())
        }
    }
}

/// How long to wait after `failures` consecutive failures before the next attempt counts.
pub fn wait_after_failures(failures: i32) -> Option<Duration> {
    let over = failures - FREE_FAILURES;
    (over >= 0).then(|| {
        let secs = FIRST_WAIT_SECS.saturating_mul(1i64 << over.min(20));
        Duration::seconds(secs.min(MAX_WAIT_SECS))
    })
}

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Verified against when the address is unknown, so both cases cost the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password("no user has this password").expect("hashing a constant cannot fail")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("pacer-demo").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("pacer-demo", &hash));
        assert!(!verify_password("pacer-dem0", &hash));
        assert!(!verify_password("pacer-demo", "not a hash"));
    }

    #[test]
    fn failures_slow_down_then_cap() {
        assert_eq!(wait_after_failures(4), None);
        assert_eq!(wait_after_failures(5), Some(Duration::seconds(15)));
        assert_eq!(wait_after_failures(6), Some(Duration::seconds(30)));
        assert_eq!(wait_after_failures(60), Some(Duration::seconds(900)));
    }
}
