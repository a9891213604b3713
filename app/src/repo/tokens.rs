//! API tokens: created with 32 random bytes, stored as their SHA-256, resolved to the
//! [`SessionUser`] they act as. Resolutions are kept for [`CACHE_TTL`], so a busy integration
//! costs one primary-key read per request instead of the join that judges a token; each is
//! kept under the database's token generation, which every change that can end a token's
//! rights bumps ([`bump_generation`]), so a revocation on one instance stops the token on
//! every instance at its next request.

use super::{Entity, RepoError, WriteError};
use crate::db::{sql, Db, Tx};
use crate::domain::Role;
use crate::model::auth::SessionUser;
use crate::model::tokens::{CreatedToken, TokenRequest, TokenRow, TokenRule, TokenUser};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// What every token starts with, so secret scanners and people recognise one.
pub const PREFIX: &str = "pacer_";

/// How long a resolved token is kept (and how often its "last used" is written), as long as
/// the token generation has not moved.
pub const CACHE_TTL: Duration = Duration::from_secs(30);

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn generate() -> Result<String, RepoError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| RepoError::Corrupt(format!("no randomness for a token: {e}")))?;
    Ok(format!(
        "{PREFIX}{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

type Cache = Mutex<HashMap<String, (Instant, i64, TokenUser)>>;
static CACHE: LazyLock<Cache> = LazyLock::new(Default::default);
/// Hashes revoked by this process: a lookup that read the row just before the revoke
/// committed must not put the token back into the cache.
static REVOKED: LazyLock<Mutex<std::collections::HashSet<String>>> =
    LazyLock::new(Default::default);

fn revoked_here(key: &str) -> bool {
    REVOKED.lock().map_or(true, |r| r.contains(key))
}

#[derive(sqlx::FromRow)]
struct ResolveRow {
    id: i64,
    name: String,
    role: String,
    user_id: i64,
    email: String,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    read_only: bool,
    expires_at: Option<DateTime<Utc>>,
}

/// The user a presented token acts as, or `None` for an unknown, revoked or expired token. A token
/// never outlives its creator's rights: it stops when the person it acts as or its creator
/// is deactivated, and when its creator no longer holds its role over its part of the
/// organisation (demoted, or moved out of it).
pub async fn resolve(db: &Db, token: &str) -> Result<Option<TokenUser>, RepoError> {
    if !token.starts_with(PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let key = hash(token);
    if revoked_here(&key) {
        return Ok(None);
    }
    let generation = generation(db).await?;
    let now = Utc::now();
    if let Some((at, kept_under, found)) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        if at.elapsed() < CACHE_TTL && kept_under == generation {
            // A kept token still expires on time.
            if found.expires_at.is_some_and(|end| end <= now) {
                return Ok(None);
            }
            return Ok(Some(found));
        }
    }
    let row: Option<ResolveRow> = sql(
        "SELECT t.id, t.name, t.role, t.user_id, u.email, o.id AS unit_id, o.name AS unit_name, \
         o.path AS unit_path, t.read_only, t.expires_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
         JOIN org_units o ON o.id = t.org_unit_id \
         JOIN org_units uo ON uo.id = u.org_unit_id \
         JOIN users c ON c.id = t.created_by JOIN org_units co ON co.id = c.org_unit_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
         AND (t.expires_at IS NULL OR t.expires_at > $2) \
         AND u.deactivated_at IS NULL AND c.deactivated_at IS NULL AND ( \
           c.role = 'admin' \
           OR (c.role = 'manager' AND t.role <> 'admin' \
               AND o.path LIKE co.path || '%' AND uo.path LIKE co.path || '%') \
           OR (c.role = 'rep' AND t.role = 'rep' AND t.user_id = c.id))",
    )
    .bind(&key)
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        if let Ok(mut cache) = CACHE.lock() {
            cache.remove(&key);
        }
        return Ok(None);
    };
    let found = TokenUser {
        token_id: row.id,
        user: SessionUser {
            id: row.user_id,
            name: format!("{} (API token)", row.name),
            email: row.email,
            role: Role::parse(&row.role).map_err(|e| RepoError::Corrupt(e.to_string()))?,
            unit_id: row.unit_id,
            unit_name: row.unit_name,
            unit_path: row.unit_path,
            // A system, not the person it acts as, reads what a token fetches: the plain,
            // English forms (CSV exports included), whatever that person chose for themselves.
            locale: crate::domain::Locale::En,
        },
        read_only: row.read_only,
        expires_at: row.expires_at,
    };
    if revoked_here(&key) {
        return Ok(None);
    }
    if let Ok(mut cache) = CACHE.lock() {
        // Expired entries go when the cache grows; live tokens are few.
        if cache.len() > 10_000 {
            cache.retain(|_, (at, _, _)| at.elapsed() < CACHE_TTL);
        }
        cache.insert(key, (Instant::now(), generation, found.clone()));
    }
    // "Last used" is as fresh as the cache: written once per lookup, not per request.
    let db = db.clone();
    let id = row.id;
    tokio::spawn(async move {
        let now = Utc::now();
        let result: Result<(), sqlx::Error> = async {
            let mut tx = db.begin_write().await?;
            sql("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, token = id, "recording a token's last use failed");
        }
    });
    Ok(Some(found))
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    name: String,
    hint: String,
    role: String,
    scope: String,
    acts_as: String,
    created_by: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    read_only: bool,
    expires_at: Option<DateTime<Utc>>,
}

/// Tokens `user` manages, newest first: an admin's list has all, a manager's those they
/// created; everyone's also has the rep tokens acting as them (a rep can see and revoke the
/// tokens that act in their name).
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<TokenRow>, RepoError> {
    // Tokens one created count only while one may create tokens (a manager made a rep no
    // longer manages them).
    let creator = if user.role == Role::Rep { -1 } else { user.id };
    rows(db, user.role == Role::Admin, creator, user.id).await
}

/// The rep tokens acting as `user`, newest first, whoever created them.
#[tracing::instrument(skip(db, user), fields(user = user.id), err)]
pub async fn acting_as(db: &Db, user: &SessionUser) -> Result<Vec<TokenRow>, RepoError> {
    rows(db, false, -1, user.id).await
}

/// Tokens: all (`all`), those `creator` created, and the rep tokens acting as `acting_as`.
async fn rows(
    db: &Db,
    all: bool,
    creator: i64,
    acting_as: i64,
) -> Result<Vec<TokenRow>, RepoError> {
    let text = "SELECT t.id, t.name, t.hint, t.role, \
         CASE WHEN t.role = 'rep' THEN u.name WHEN t.role = 'admin' THEN 'Everything' ELSE o.name END AS scope, \
         u.name AS acts_as, c.name AS created_by, t.created_at, t.last_used_at, t.revoked_at, \
         t.read_only, t.expires_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN org_units o ON o.id = t.org_unit_id \
         JOIN users c ON c.id = t.created_by \
         WHERE $1 OR t.created_by = $2 OR (t.role = 'rep' AND t.user_id = $3) \
         ORDER BY t.created_at DESC, t.id DESC";
    let rows: Vec<ListRow> = sql(text)
        .bind(all)
        .bind(creator)
        .bind(acting_as)
        .fetch_all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(TokenRow {
                id: r.id,
                name: r.name,
                hint: r.hint,
                role: Role::parse(&r.role).map_err(|e| RepoError::Corrupt(e.to_string()))?,
                scope: r.scope,
                acts_as: r.acts_as,
                created_by: r.created_by,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                revoked_at: r.revoked_at,
                read_only: r.read_only,
                expires_at: r.expires_at,
            })
        })
        .collect()
}

/// Creates a token. The unit a manager token sees, and the rep a rep token acts as, must be
/// in the creator's own sight; an admin token sees everything and acts as its creator.
#[tracing::instrument(skip(db, creator, request), fields(user = creator.id))]
pub async fn create(
    db: &Db,
    creator: &SessionUser,
    request: &TokenRequest,
    now: DateTime<Utc>,
) -> Result<CreatedToken, WriteError> {
    let scope = creator.scope();
    let (user_id, unit_id) = match request.role {
        Role::Admin => (creator.id, creator.unit_id),
        Role::Manager => {
            let unit = request.unit.unwrap_or(creator.unit_id);
            let path: Option<(String,)> = sql("SELECT path FROM org_units WHERE id = $1")
                .bind(unit)
                .fetch_optional(db)
                .await?;
            // A unit is in sight when a person placed there would be (no user id matches -1).
            if !path.is_some_and(|(path,)| scope.allows(-1, &path)) {
                return Err(WriteError::Rule(TokenRule::UnitOutOfSight.into()));
            }
            // The token acts as its creator, who answers for what it writes. When the
            // creator sits above the unit, new customers it sends need an owner inside it
            // (`repo::import`), or they would leave the token's sight.
            (creator.id, unit)
        }
        Role::Rep => {
            let person = request.person.unwrap_or(creator.id);
            let found: Option<(i64, String)> = sql(
                "SELECT o.id, o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = $1",
            )
            .bind(person)
            .fetch_optional(db)
            .await?;
            match found {
                Some((unit, path)) if scope.allows(person, &path) => (person, unit),
                _ => return Err(WriteError::Rule(TokenRule::PersonOutOfSight.into())),
            }
        }
    };
    let token = generate()?;
    let hint: String = token[token.len() - 4..].to_string();
    let mut tx = db.begin_write().await?;
    let (id,): (i64,) = sql(
        "INSERT INTO api_tokens (name, token_hash, hint, role, user_id, org_unit_id, \
         created_by, created_at, read_only, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&request.name)
    .bind(hash(&token))
    .bind(&hint)
    .bind(request.role.as_str())
    .bind(user_id)
    .bind(unit_id)
    .bind(creator.id)
    .bind(now)
    .bind(request.read_only)
    .bind(request.expires_at)
    .fetch_one(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(CreatedToken { id, token })
}

/// Revokes a token `user` manages, or a rep token acting as `user`. Revoking twice keeps the
/// first time.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn revoke(
    db: &Db,
    user: &SessionUser,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let mut tx = db.begin_write().await?;
    let found: Option<(String,)> = sql("SELECT token_hash FROM api_tokens WHERE id = $1 \
             AND ($2 OR created_by = $3 OR (role = 'rep' AND user_id = $4))")
    .bind(id)
    .bind(user.role == Role::Admin)
    .bind(if user.role == Role::Rep { -1 } else { user.id })
    .bind(user.id)
    .fetch_optional(&mut tx)
    .await?;
    if found.is_some() {
        sql("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await?;
        bump_generation(&mut tx).await?;
    }
    tx.commit().await?;
    let Some((key,)) = found else {
        return Err(WriteError::NotFound(Entity::ApiToken));
    };
    if let Ok(mut revoked) = REVOKED.lock() {
        revoked.insert(key.clone());
    }
    if let Ok(mut cache) = CACHE.lock() {
        cache.remove(&key);
    }
    Ok(())
}

/// Whether `token` was resolved by this process within [`CACHE_TTL`]: an integration at work
/// (the sign-in gate lets it through an address blocked for guessing).
pub fn recently_seen(token: &str) -> bool {
    let key = hash(token);
    CACHE
        .lock()
        .ok()
        .and_then(|c| c.get(&key).map(|(at, _, _)| at.elapsed() < CACHE_TTL))
        .unwrap_or(false)
}

/// The current token generation.
async fn generation(db: &Db) -> Result<i64, RepoError> {
    let (generation,): (i64,) =
        sql("SELECT CAST(generation AS BIGINT) FROM token_generation WHERE id = 1")
            .fetch_one(db)
            .await?;
    Ok(generation)
}

/// Moves the token generation on, inside the transaction that changes a token or someone's
/// role, unit or standing: once it commits, every instance judges every token afresh.
pub async fn bump_generation(tx: &mut Tx) -> Result<(), RepoError> {
    sql("UPDATE token_generation SET generation = generation + 1 WHERE id = 1")
        .execute(tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert_eq!(a.len(), PREFIX.len() + 64);
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
