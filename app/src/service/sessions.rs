//! Signing in: the credentials checked in the same time whether or not the address is known,
//! guessing slowed down per (address, client) and per client, the password check run a few
//! at a time, and the person behind a session.

use super::Error;
use crate::db::Db;
use crate::domain::Email;
use crate::error::AppError;
use crate::model::auth::{SessionUser, SignedIn};
use crate::repo;
use crate::repo::sign_in_failures::Failures;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// How failures of one kind are slowed down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttle {
    /// Failures allowed before attempts are refused for a while.
    pub free: i32,
    /// The wait after the first refused-for failure; it doubles with each further one…
    pub first_wait_secs: i64,
    /// …up to this.
    pub max_wait_secs: i64,
    /// Failures older than this are forgotten.
    pub forget_after_secs: i64,
}

/// One address from one client: five tries, then 15 s, 30 s, … up to 15 minutes.
pub const PER_ADDRESS: Throttle = Throttle {
    free: 5,
    first_wait_secs: 15,
    max_wait_secs: 15 * 60,
    forget_after_secs: 24 * 3600,
};

/// One client over all addresses: an office behind one address has room for its people's
/// typos; a script trying many addresses does not.
pub const PER_CLIENT: Throttle = Throttle {
    free: 30,
    first_wait_secs: 15,
    max_wait_secs: 15 * 60,
    forget_after_secs: 3600,
};

/// The address key under which a client's failures over all addresses are counted.
const ANY_ADDRESS: &str = "*";

/// Password checks (argon2, 19 MiB each) running at once: at most one per core but one, so
/// a flood of sign-ins cannot take the memory or every core.
static PASSWORD_CHECKS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Semaphore::new(cores.saturating_sub(1).max(1))
});

/// How long a sign-in waits for its turn to have its password checked before it is told to
/// come back.
const CHECK_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Failed sign-ins are kept this long, then pruned.
pub const KEEP_FAILURES: Duration = Duration::hours(24);

/// The person a session belongs to, as every door checks them; `None` if they are gone, have
/// been deactivated, or the session began before their password last changed.
pub async fn user(db: &Db, session: SignedIn) -> Result<Option<SessionUser>, Error> {
    Ok(repo::users::find_session_user(db, session.user_id)
        .await?
        .filter(|(_, epoch)| *epoch == session.epoch)
        .map(|(user, _)| user))
}

/// Checks the credentials of a sign-in from `client` and returns the session to start.
/// Unknown address and wrong password give the same answer in the same time. Every attempt
/// is counted before its password is checked; a success takes its count back.
pub async fn sign_in(
    db: &Db,
    email: &str,
    password: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<SignedIn, Error> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "password is empty").into());
    }
    count_attempt(db, ANY_ADDRESS, client, PER_CLIENT, now).await?;
    count_attempt(db, email.as_str(), client, PER_ADDRESS, now).await?;
    let credentials = repo::users::find_credentials(db, &email).await?;
    let (found, hash) = match credentials {
        Some((id, epoch, hash)) => (Some(SignedIn { user_id: id, epoch }), hash),
        None => (None, DUMMY_HASH.clone()),
    };
    let verified = check_password(password, hash).await?;
    match (found, verified) {
        (Some(session), true) => {
            repo::sign_in_failures::clear(db, email.as_str(), client).await?;
            repo::sign_in_failures::give_back(db, ANY_ADDRESS, client).await?;
            Ok(session)
        }
        _ => Err(AppError::BadCredentials.into()),
    }
}

/// Checks `password` against `hash` off the async threads, a few at a time.
pub async fn check_password(password: &str, hash: String) -> Result<bool, Error> {
    let Ok(Ok(_permit)) = tokio::time::timeout(CHECK_QUEUE_WAIT, PASSWORD_CHECKS.acquire()).await
    else {
        return Err(AppError::TooManyAttempts {
            retry_after_secs: CHECK_QUEUE_WAIT.as_secs() as i64,
        }
        .into());
    };
    let password = password.to_string();
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password check panicked");
            AppError::Internal.into()
        })
}

/// Counts one attempt for (`email`, `client`), or refuses it while that pair waits. A
/// compare-and-swap on the row: parallel attempts each count once.
async fn count_attempt(
    db: &Db,
    email: &str,
    client: &str,
    throttle: Throttle,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    for _ in 0..64 {
        let row = repo::sign_in_failures::get(db, email, client).await?;
        let next = match next_failures(row.as_ref(), throttle, now) {
            Ok(next) => next,
            Err(retry_at) => {
                return Err(AppError::TooManyAttempts {
                    retry_after_secs: (retry_at - now).num_seconds().max(1),
                }
                .into())
            }
        };
        let seen = row.map(|r| r.failures);
        if repo::sign_in_failures::swap(db, email, client, seen, &next).await? {
            return Ok(());
        }
    }
    // Sixty-four others counted in between: this one waits too.
    Err(AppError::TooManyAttempts {
        retry_after_secs: 1,
    }
    .into())
}

/// The row after one more attempt, or when the next attempt may be made.
pub fn next_failures(
    row: Option<&Failures>,
    throttle: Throttle,
    now: DateTime<Utc>,
) -> Result<Failures, DateTime<Utc>> {
    let current = row.filter(|r| now - r.last_failure_at < Duration::seconds(throttle.forget_after_secs));
    if let Some(until) = current.and_then(|r| r.blocked_until) {
        if until > now {
            return Err(until);
        }
    }
    let failures = current.map_or(0, |r| r.failures) + 1;
    Ok(Failures {
        failures,
        last_failure_at: now,
        blocked_until: wait_after_failures(failures, throttle).map(|wait| now + wait),
    })
}

/// How long to wait after `failures` failures before the next attempt counts.
pub fn wait_after_failures(failures: i32, throttle: Throttle) -> Option<Duration> {
    let over = failures - throttle.free;
    (over >= 0).then(|| {
        let secs = throttle
            .first_wait_secs
            .saturating_mul(1i64 << over.min(20));
        Duration::seconds(secs.min(throttle.max_wait_secs))
    })
}

/// Forgets failures older than [`KEEP_FAILURES`]; the server runs it every hour.
pub async fn prune_failures(db: &Db, now: DateTime<Utc>) -> Result<u64, Error> {
    Ok(repo::sign_in_failures::prune(db, now - KEEP_FAILURES).await?)
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
        assert_eq!(wait_after_failures(4, PER_ADDRESS), None);
        assert_eq!(wait_after_failures(5, PER_ADDRESS), Some(Duration::seconds(15)));
        assert_eq!(wait_after_failures(6, PER_ADDRESS), Some(Duration::seconds(30)));
        assert_eq!(wait_after_failures(60, PER_ADDRESS), Some(Duration::seconds(900)));
    }

    #[test]
    fn a_waiting_pair_is_refused_and_old_failures_are_forgotten() {
        let now = Utc::now();
        let mut row = None;
        for n in 1..=5 {
            let next = next_failures(row.as_ref(), PER_ADDRESS, now).unwrap();
            assert_eq!(next.failures, n);
            row = Some(next);
        }
        // The fifth failure starts a 15 s wait.
        assert_eq!(
            next_failures(row.as_ref(), PER_ADDRESS, now + Duration::seconds(5)),
            Err(now + Duration::seconds(15))
        );
        // After it, one more try, which doubles the wait.
        let sixth = next_failures(row.as_ref(), PER_ADDRESS, now + Duration::seconds(16)).unwrap();
        assert_eq!(sixth.failures, 6);
        assert_eq!(sixth.blocked_until, Some(now + Duration::seconds(46)));
        // A day later it all starts again.
        let later = now + Duration::hours(25);
        assert_eq!(next_failures(Some(&sixth), PER_ADDRESS, later).unwrap().failures, 1);
    }
}
