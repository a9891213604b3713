//! Webhooks (issue 25): an admin subscribes a URL of another system to event types; Pacer
//! sends each event there, signed, in order, until it is taken.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The events a webhook can be subscribed to, with what each means.
pub const EVENTS: [(&str, &str); 3] = [
    (
        "opportunity.stage_changed",
        "An opportunity moved to another stage",
    ),
    ("opportunity.won", "An opportunity was won"),
    (
        "target.status_changed",
        "A target was proposed, countered, agreed, achieved or missed",
    ),
];

/// A subscription as the admin's list shows it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub paused_at: Option<DateTime<Utc>>,
    /// Why it was paused: by an admin, or failing for a day.
    pub paused_reason: Option<String>,
    /// Deliveries have failed since then (none: the last one went through).
    pub failing_since: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's answer to the last attempt (`200`, `503`, or what went wrong).
    pub last_status: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Events waiting to be delivered.
    pub pending: i64,
}

/// A new subscription with its signing secret, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub id: i64,
    pub secret: String,
}

/// The next delivery of one subscription, claimed for sending.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
}

impl Delivery {
    /// The body sent, the same on every attempt: the delivery's id (a receiver that gets one
    /// twice, after a lost answer, knows it), the event, when it happened, and its data.
    pub fn body(&self) -> String {
        let data: serde_json::Value =
            serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "id": self.id,
            "event": self.event,
            "created_at": self.created_at,
            "data": data,
        })
        .to_string()
    }
}

/// A subscription paused since a day, for the admins' digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PausedWebhook {
    pub id: i64,
    pub url: String,
    pub paused_reason: Option<String>,
}
