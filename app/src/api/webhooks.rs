//! Webhooks (admins): the subscriptions, created, paused, resumed and deleted from the settings
//! page. See [`crate::service::webhooks`].

use crate::error::AppError;
use crate::model::webhooks::{CreatedWebhook, WebhookRow};
use leptos::prelude::*;

#[server(endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<Vec<WebhookRow>, AppError> {
    use crate::service::webhooks;
    super::signed_in("list_webhooks", |c| async move {
        webhooks::list(&c.db, &c.user).await
    })
    .await
}

/// Subscribes `url` to `events` (comma-separated event types); the secret is shown once.
#[server(endpoint = "create_webhook")]
pub async fn create_webhook(url: String, events: String) -> Result<CreatedWebhook, AppError> {
    use crate::service::webhooks;
    super::signed_in("create_webhook", |c| async move {
        webhooks::create(&c.db, &c.user, &url, &events, chrono::Utc::now()).await
    })
    .await
}

/// Pauses (`paused`) or resumes a subscription; resumed, its waiting events go out at once.
#[server(endpoint = "pause_webhook")]
pub async fn pause_webhook(id: i64, paused: bool) -> Result<(), AppError> {
    use crate::service::webhooks;
    super::signed_in("pause_webhook", |c| async move {
        webhooks::set_paused(&c.db, &c.user, id, paused, chrono::Utc::now()).await
    })
    .await
}

#[server(endpoint = "delete_webhook")]
pub async fn delete_webhook(id: i64) -> Result<(), AppError> {
    use crate::service::webhooks;
    super::signed_in("delete_webhook", |c| async move {
        webhooks::delete(&c.db, &c.user, id, chrono::Utc::now()).await
    })
    .await
}
