//! Webhook subscriptions and their outbox. The triggers of the `webhooks` migration write a
//! delivery for every event in the transaction that makes it; this module lists, claims and
//! settles them. Each subscription's deliveries go one at a time, oldest first: the next is
//! due only once the one before it was delivered. A claim carries a token: an instance whose
//! claim ran out (and was taken over) settles nothing.

use super::RepoError;
use crate::db::{sql, Db};
use crate::model::webhooks::{CreatedWebhook, Delivery, PausedWebhook, WebhookRow};
use chrono::{DateTime, Duration, Utc};

fn random_hex(bytes: usize) -> Result<String, RepoError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer)
        .map_err(|e| RepoError::Corrupt(format!("no randomness for a webhook: {e}")))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

fn secret() -> Result<String, RepoError> {
    Ok(format!("whsec_{}", random_hex(32)?))
}

pub async fn create(
    db: &Db,
    created_by: i64,
    url: &str,
    events: &[&str],
    now: DateTime<Utc>,
) -> Result<CreatedWebhook, RepoError> {
    let secret = secret()?;
    let (id,): (i64,) = sql(
        "INSERT INTO webhooks (url, secret, events, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(url)
    .bind(&secret)
    .bind(events.join(","))
    .bind(created_by)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(CreatedWebhook { id, secret })
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    url: String,
    events: String,
    created_at: DateTime<Utc>,
    paused_at: Option<DateTime<Utc>>,
    paused_reason: Option<String>,
    failing_since: Option<DateTime<Utc>>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_status: Option<String>,
    last_success_at: Option<DateTime<Utc>>,
    pending: i64,
}

/// Every subscription not deleted, newest first, with how many events wait.
pub async fn list(db: &Db) -> Result<Vec<WebhookRow>, RepoError> {
    let rows: Vec<Row> = sql(
        "SELECT w.id, w.url, w.events, w.created_at, w.paused_at, w.paused_reason, \
         w.failing_since, w.last_attempt_at, w.last_status, w.last_success_at, \
         (SELECT COUNT(*) FROM webhook_deliveries d \
          WHERE d.webhook_id = w.id AND d.delivered_at IS NULL) AS pending \
         FROM webhooks w WHERE w.deleted_at IS NULL ORDER BY w.id DESC",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| WebhookRow {
            id: r.id,
            url: r.url,
            events: r.events.split(',').map(str::to_string).collect(),
            created_at: r.created_at,
            paused_at: r.paused_at,
            paused_reason: r.paused_reason,
            failing_since: r.failing_since,
            last_attempt_at: r.last_attempt_at,
            last_status: r.last_status,
            last_success_at: r.last_success_at,
            pending: r.pending,
        })
        .collect())
}

/// Pauses (with `reason`, as an admin) or resumes a subscription; a resumed one retries at
/// once, its back-off started afresh. `false` if there is no such subscription.
pub async fn set_paused(
    db: &Db,
    id: i64,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let mut tx = db.begin_write().await?;
    let done = match reason {
        Some(reason) => {
            sql("UPDATE webhooks SET paused_at = $1, paused_reason = $2, \
                 paused_for_failure = FALSE WHERE id = $3 AND deleted_at IS NULL")
            .bind(now)
            .bind(reason)
            .bind(id)
            .execute(&mut tx)
            .await?
        }
        None => {
            sql(
                "UPDATE webhook_deliveries SET next_attempt_at = $1, attempts = 0 \
                 WHERE webhook_id = $2 AND delivered_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await?;
            sql(
                "UPDATE webhooks SET paused_at = NULL, paused_reason = NULL, \
                 paused_for_failure = FALSE, failing_since = NULL \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id)
            .execute(&mut tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(done > 0)
}

/// Deletes a subscription: nothing more is sent to it. `false` if there is none.
pub async fn delete(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool, RepoError> {
    let done = sql("UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done > 0)
}

/// The oldest waiting delivery of each running subscription that is due at `now` and held
/// by nobody: what to send next, one per subscription (a later one never overtakes it).
pub async fn due(db: &Db, now: DateTime<Utc>) -> Result<Vec<i64>, RepoError> {
    let heads: Vec<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = sql(
        "SELECT d.id, d.next_attempt_at, d.claimed_until FROM webhook_deliveries d \
         JOIN webhooks w ON w.id = d.webhook_id \
         WHERE w.deleted_at IS NULL AND w.paused_at IS NULL AND d.delivered_at IS NULL \
         AND d.id = (SELECT MIN(h.id) FROM webhook_deliveries h \
                     WHERE h.webhook_id = d.webhook_id AND h.delivered_at IS NULL) \
         ORDER BY d.id",
    )
    .fetch_all(db)
    .await?;
    Ok(heads
        .into_iter()
        .filter(|(_, next, held)| *next <= now && held.is_none_or(|until| until <= now))
        .map(|(id, _, _)| id)
        .collect())
}

/// Claims delivery `id` for `hold` under a fresh token, unless someone else holds it or it
/// went meanwhile: the delivery and the token that settles it.
pub async fn claim(
    db: &Db,
    id: i64,
    now: DateTime<Utc>,
    hold: Duration,
) -> Result<Option<(Delivery, String)>, RepoError> {
    let token = random_hex(16)?;
    let taken = sql(
        "UPDATE webhook_deliveries SET claimed_until = $1, claim_token = $2 WHERE id = $3 \
         AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $4)",
    )
    .bind(now + hold)
    .bind(&token)
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    if taken == 0 {
        return Ok(None);
    }
    let delivery: Option<Delivery> = sql(
        "SELECT d.id, d.webhook_id, w.url, w.secret, d.event, d.payload, d.created_at, \
         d.attempts FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.id = $1 AND w.deleted_at IS NULL AND w.paused_at IS NULL",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(delivery.map(|d| (d, token)))
}

/// The receiver took `delivery`. Nothing is written when the claim `token` is no longer the
/// delivery's (it ran out and another instance took it over).
pub async fn delivered(
    db: &Db,
    delivery: &Delivery,
    token: &str,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut tx = db.begin_write().await?;
    let settled = sql(
        "UPDATE webhook_deliveries SET delivered_at = $1, last_status = $2, \
         attempts = attempts + 1, claimed_until = NULL, claim_token = NULL \
         WHERE id = $3 AND claim_token = $4 AND delivered_at IS NULL",
    )
    .bind(now)
    .bind(status)
    .bind(delivery.id)
    .bind(token)
    .execute(&mut tx)
    .await?;
    if settled > 0 {
        sql(
            "UPDATE webhooks SET last_attempt_at = $1, last_status = $2, last_success_at = $1, \
             failing_since = NULL WHERE id = $3",
        )
        .bind(now)
        .bind(status)
        .bind(delivery.webhook_id)
        .execute(&mut tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The attempt failed with `status`: the delivery waits until `retry_at`; a subscription failing
/// since `pause_after` ago or longer is paused. Returns whether it was paused now. Nothing is
/// written when the claim `token` is no longer the delivery's.
pub async fn failed(
    db: &Db,
    delivery: &Delivery,
    token: &str,
    status: &str,
    (now, retry_at): (DateTime<Utc>, DateTime<Utc>),
    pause_after: Duration,
) -> Result<bool, RepoError> {
    let mut tx = db.begin_write().await?;
    let settled = sql(
        "UPDATE webhook_deliveries SET last_status = $1, attempts = attempts + 1, \
         next_attempt_at = $2, claimed_until = NULL, claim_token = NULL \
         WHERE id = $3 AND claim_token = $4 AND delivered_at IS NULL",
    )
    .bind(status)
    .bind(retry_at)
    .bind(delivery.id)
    .bind(token)
    .execute(&mut tx)
    .await?;
    if settled == 0 {
        return Ok(false);
    }
    sql(
        "UPDATE webhooks SET last_attempt_at = $1, last_status = $2, \
         failing_since = COALESCE(failing_since, $1) WHERE id = $3",
    )
    .bind(now)
    .bind(status)
    .bind(delivery.webhook_id)
    .execute(&mut tx)
    .await?;
    let (since,): (Option<DateTime<Utc>>,) =
        sql("SELECT failing_since FROM webhooks WHERE id = $1")
            .bind(delivery.webhook_id)
            .fetch_one(&mut tx)
            .await?;
    let pause = since.is_some_and(|since| now - since >= pause_after);
    if pause {
        let reason = format!(
            "deliveries failed since {} UTC (last answer: {status})",
            since
                .map(|s| s.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        );
        sql(
            "UPDATE webhooks SET paused_at = $1, paused_reason = $2, paused_for_failure = TRUE \
             WHERE id = $3 AND paused_at IS NULL",
        )
        .bind(now)
        .bind(reason)
        .bind(delivery.webhook_id)
        .execute(&mut tx)
        .await?;
    }
    tx.commit().await?;
    Ok(pause)
}

/// Subscriptions the delivery job paused after failing, still paused: for the admins' digest.
pub async fn paused_by_failure(db: &Db) -> Result<Vec<PausedWebhook>, RepoError> {
    Ok(sql(
        "SELECT id, url, paused_reason FROM webhooks WHERE deleted_at IS NULL \
         AND paused_at IS NOT NULL AND paused_for_failure ORDER BY id",
    )
    .fetch_all(db)
    .await?)
}
