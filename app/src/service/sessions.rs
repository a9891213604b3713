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
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use std::sync::LazyLock;

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
/// The client key of attempts from a device the address's owner signed in from before.
const KNOWN_DEVICE: &str = "known device";

/// A sign-in that went through: the session to start, and a device token for the cookie when
/// the device was new.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedInNow {
    pub session: SignedIn,
    pub new_device: Option<String>,
}

/// Where argon2 runs: a few threads of its own (one per core but one), fed by a short queue.
/// Each check takes 19 MiB; on threads of their own that memory is reused check after check,
/// where on the runtime's many blocking threads every thread's allocator kept its own copy
/// (measured: 30 checks in a flood grew the server by 220 MB). A full queue is answered at
/// once: a flood of sign-ins waits in no line and holds no memory.
struct Argon2Workers {
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// Known devices' checks, taken before any in `jobs`.
    first: std::sync::mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Checks waiting for a worker before further ones are told to come back.
const ARGON2_QUEUE: usize = 32;

static ARGON2: LazyLock<Argon2Workers> = LazyLock::new(|| {
    use std::sync::mpsc::{sync_channel, RecvTimeoutError, TryRecvError};
    let (jobs, queue) = sync_channel::<Job>(ARGON2_QUEUE);
    let (first, first_queue) = sync_channel::<Job>(ARGON2_QUEUE);
    let queues = std::sync::Arc::new(std::sync::Mutex::new((first_queue, queue)));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for n in 0..cores.saturating_sub(1).max(1) {
        let queues = queues.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || loop {
                let job = {
                    let Ok(queues) = queues.lock() else { return };
                    match queues.0.try_recv() {
                        Ok(job) => Some(job),
                        Err(TryRecvError::Disconnected) => return,
                        // A short wait on the other lane, so a known device's check waits
                        // for at most one other.
                        Err(TryRecvError::Empty) => {
                            match queues.1.recv_timeout(std::time::Duration::from_millis(5)) {
                                Ok(job) => Some(job),
                                Err(RecvTimeoutError::Timeout) => None,
                                Err(RecvTimeoutError::Disconnected) => return,
                            }
                        }
                    }
                };
                if let Some(job) = job {
                    job();
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a password worker");
        }
    }
    Argon2Workers { jobs, first }
});

/// Runs `work` (a password hash or check) on the argon2 workers; refused at once when their
/// queue is full.
async fn on_argon2_worker<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    on_argon2_lane(work, false).await
}

/// Runs `work` on the argon2 workers, in the known devices' lane when `first`.
async fn on_argon2_lane<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    first: bool,
) -> Result<T, Error> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Box<dyn FnOnce() + Send> = Box::new(move || {
        let _ = answer.send(work());
    });
    let lane = if first { &ARGON2.first } else { &ARGON2.jobs };
    match lane.try_send(job) {
        Ok(()) => {}
        Err(std::sync::mpsc::TrySendError::Full(_)) => {
            return Err(AppError::TooManyAttempts {
                retry_after_secs: 2,
            }
            .into())
        }
        Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
            tracing::error!("no password worker is running");
            return Err(AppError::Internal.into());
        }
    }
    answered.await.map_err(|_| {
        tracing::error!("a password check ended without an answer");
        AppError::Internal.into()
    })
}

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

/// What a sign-in attempt brings: the address and password typed, the client it came from,
/// and the token of the device cookie, if any.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub client: &'a str,
    pub device: Option<&'a str>,
}

/// Checks the credentials of a sign-in from `client` and returns the session to start.
/// Unknown address and wrong password give the same answer in the same time. Every attempt
/// is counted before its password is checked; a success takes its count back.
///
/// An attempt from a device the address's owner signed in from before (`device`, the
/// cookie's token) is not held up by others: it skips the per-client limit, is counted apart
/// from the guesses at this address, and has its own lane to the password check.
///
/// The person is read from `db`; the counts and devices are written to `sign_in_db`
/// ([`Db::connect_sign_in`]), so a long import holding `db`'s write lock does not hold up
/// a sign-in.
pub async fn sign_in(
    db: &Db,
    sign_in_db: &Db,
    attempt: Attempt<'_>,
    now: DateTime<Utc>,
) -> Result<SignedInNow, Error> {
    let Attempt {
        email,
        password,
        client,
        device,
    } = attempt;
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "password is empty").into());
    }
    let credentials = repo::users::find_credentials(db, &email).await?;
    let device_owner = match device {
        Some(token) => repo::devices::owner(sign_in_db, token).await?,
        None => None,
    };
    let known_device = device_owner.is_some() && device_owner == credentials.as_ref().map(|c| c.0);
    let client = if known_device {
        KNOWN_DEVICE
    } else {
        count_attempt(sign_in_db, ANY_ADDRESS, client, PER_CLIENT, now).await?;
        client
    };
    count_attempt(sign_in_db, email.as_str(), client, PER_ADDRESS, now).await?;
    // Someone invited who has not chosen a password yet is checked against the dummy hash
    // too: the same time as an unknown address, the same answer.
    let (found, hash) = match credentials {
        Some((id, epoch, hash)) if hash != repo::people::NO_PASSWORD => {
            (Some(SignedIn { user_id: id, epoch }), hash)
        }
        _ => (None, DUMMY_HASH.clone()),
    };
    let verified = check_in_lane(password, hash, known_device).await?;
    match (found, verified) {
        (Some(session), true) => {
            repo::sign_in_failures::clear(sign_in_db, email.as_str(), client).await?;
            let new_device = if known_device {
                None
            } else {
                repo::sign_in_failures::give_back(sign_in_db, ANY_ADDRESS, client, PER_CLIENT.free)
                    .await?;
                Some(repo::devices::remember(sign_in_db, session.user_id, now).await?)
            };
            Ok(SignedInNow {
                session,
                new_device,
            })
        }
        _ => Err(AppError::BadCredentials.into()),
    }
}

/// Checks `password` against `hash` on the argon2 workers.
pub async fn check_password(password: &str, hash: String) -> Result<bool, Error> {
    check_in_lane(password, hash, false).await
}

async fn check_in_lane(password: &str, hash: String, first: bool) -> Result<bool, Error> {
    let password = password.to_string();
    on_argon2_lane(move || verify_password(&password, &hash), first).await
}

/// Hashes a new password on the argon2 workers.
pub async fn hash_new_password(password: &str) -> Result<String, Error> {
    let password = password.to_string();
    on_argon2_worker(move || hash_password(&password))
        .await?
        .map_err(|e| {
            tracing::error!(error = %e, "hashing failed");
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
    let current =
        row.filter(|r| now - r.last_failure_at < Duration::seconds(throttle.forget_after_secs));
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

/// Forgets failures older than [`KEEP_FAILURES`] (in the sign-in database); the server runs
/// it every hour.
pub async fn prune_failures(db: &Db, now: DateTime<Utc>) -> Result<u64, Error> {
    Ok(repo::sign_in_failures::prune(db, now - KEEP_FAILURES).await?)
}

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Largest argon2 memory a stored hash may ask for (64 MiB; Pacer's own use 19 MiB).
const MAX_MEMORY_KIB: u32 = 64 * 1024;

std::thread_local! {
    /// The argon2 memory of this thread, reused check after check: a check allocates nothing.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `password` is the one `hash` (a PHC string) was made from. The same computation as
/// argon2's `verify_password`, into memory kept by the thread (argon2 would allocate 19 MiB
/// per call, and the allocator kept several such copies: measured 5 checks → +100 MB RSS).
fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        argon2::Params::try_from(&parsed),
        argon2::Algorithm::try_from(parsed.algorithm),
    ) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    if params.m_cost() > MAX_MEMORY_KIB {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = BLOCKS.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, argon2::Block::new());
        }
        argon2
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                &mut memory[..blocks],
            )
            .is_ok()
    });
    // Output compares in constant time.
    computed && argon2::password_hash::Output::new(&out).is_ok_and(|out| out == expected)
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
        assert_eq!(
            wait_after_failures(5, PER_ADDRESS),
            Some(Duration::seconds(15))
        );
        assert_eq!(
            wait_after_failures(6, PER_ADDRESS),
            Some(Duration::seconds(30))
        );
        assert_eq!(
            wait_after_failures(60, PER_ADDRESS),
            Some(Duration::seconds(900))
        );
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
        assert_eq!(
            next_failures(Some(&sixth), PER_ADDRESS, later)
                .unwrap()
                .failures,
            1
        );
    }
}
