//! Devices people signed in from: a random token in a long-lived cookie, stored as its SHA-256.

use super::RepoError;
use crate::db::{sql, Db};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whose device a cookie's token names, if any.
#[tracing::instrument(skip(db, token), err)]
pub async fn owner(db: &Db, token: &str) -> Result<Option<i64>, RepoError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let row: Option<(i64,)> = sql("SELECT user_id FROM known_devices WHERE token_hash = $1")
        .bind(hash(token))
        .fetch_optional(db)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Remembers a new device of `user_id`; answers the token for its cookie.
#[tracing::instrument(skip(db), err)]
pub async fn remember(db: &Db, user_id: i64, now: DateTime<Utc>) -> Result<String, RepoError> {
    let token = super::links::random_hex(32)?;
    let mut tx = db.begin_write().await?;
    sql("INSERT INTO known_devices (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(hash(&token))
        .bind(user_id)
        .bind(now)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(token)
}
