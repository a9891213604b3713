//! One-time links (setup, invitation, password reset): 32 random bytes, stored as their
//! SHA-256, used once. Using one is a conditional update inside the caller's transaction, so
//! two uses of the same link cannot both succeed.

use super::RepoError;
use crate::db::{sql, Db, Tx};
use crate::model::people::{IssuedLink, LinkPurpose};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> Result<String, RepoError> {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| RepoError::Corrupt(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The page a link of `purpose` opens.
fn page(purpose: LinkPurpose) -> &'static str {
    match purpose {
        LinkPurpose::Setup => "/setup",
        LinkPurpose::Invite | LinkPurpose::Reset => "/password",
    }
}

/// Issues a link; earlier unused links of the same purpose for the same person stop working.
#[tracing::instrument(skip(tx), err)]
pub async fn issue(
    tx: &mut Tx,
    purpose: LinkPurpose,
    user_id: Option<i64>,
    created_by: Option<i64>,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<IssuedLink, RepoError> {
    if purpose == LinkPurpose::Setup {
        // Only the link printed last works: an old log line is worth nothing.
        sql("UPDATE one_time_links SET used_at = $1 WHERE purpose = 'setup' AND used_at IS NULL")
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(user_id) = user_id {
        sql("UPDATE one_time_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    let token = random_hex(32)?;
    sql(
        "INSERT INTO one_time_links (token_hash, purpose, user_id, created_by, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash(&token))
    .bind(purpose.as_str())
    .bind(user_id)
    .bind(created_by)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(IssuedLink {
        path: format!("{}?token={token}", page(purpose)),
        expires_at,
        // Mailing it, when Pacer can, is the service's part, after the write is committed.
        delivery: Default::default(),
    })
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    purpose: String,
    user_id: Option<i64>,
}

/// The purpose and person of a link that is unused and unexpired; `None` otherwise.
#[tracing::instrument(skip(db, token), err)]
pub async fn find(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(LinkPurpose, Option<i64>)>, RepoError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let row: Option<LinkRow> = sql(
        "SELECT purpose, user_id FROM one_time_links WHERE token_hash = $1 \
         AND used_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(hash(token))
    .bind(now)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        LinkPurpose::parse(&r.purpose)
            .map(|p| (p, r.user_id))
            .ok_or_else(|| RepoError::Corrupt(format!("one_time_links.purpose {}", r.purpose)))
    })
    .transpose()
}

/// Marks the link used if it is still good (a setup link when `setup`, else an invitation or
/// a reset); answers its person (`Some(None)` for a setup link), or `None` when it was used,
/// expired, is of the other kind or never existed.
#[tracing::instrument(skip(tx, token), err)]
pub async fn take(
    tx: &mut Tx,
    token: &str,
    setup: bool,
    now: DateTime<Utc>,
) -> Result<Option<Option<i64>>, RepoError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let row: Option<(Option<i64>,)> = sql(
        "UPDATE one_time_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $1) AND (purpose = 'setup') = $3 \
         RETURNING user_id",
    )
    .bind(now)
    .bind(hash(token))
    .bind(setup)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|(user,)| user))
}

/// Ends every unused setup link: the company is set up.
#[tracing::instrument(skip(tx), err)]
pub async fn end_setup_links(tx: &mut Tx, now: DateTime<Utc>) -> Result<(), RepoError> {
    sql("UPDATE one_time_links SET used_at = $1 WHERE purpose = 'setup' AND used_at IS NULL")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
