//! The webhook delivery job (issue 25). Every `poll` it claims the oldest waiting delivery of
//! each running subscription (see `app::repo::webhooks`) and POSTs it to the subscription's
//! address, signed; a 2xx answer settles it and the next one follows at once, anything else
//! waits (30 s, 1 min, 2 min … up to an hour) and is tried again, in order: a later event never
//! overtakes an earlier one. A subscription failing for `pause_after` is paused. Each delivery
//! is claimed in the database just before it is sent (a token, for 15 s: longer than a send
//! may take), so several instances do not send it side by side; a process that dies mid-send,
//! or after the receiver took it but before recording so, leaves it to be sent again: delivery
//! is at least once, and `Pacer-Delivery` lets the receiver skip a repeat.
//!
//! The request goes to the address the admin configured and nowhere else: redirects are not
//! followed. Its headers: `Pacer-Event`, `Pacer-Delivery` (the same on every attempt: a
//! receiver that got it already answers 2xx and skips it) and `Pacer-Signature:
//! t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`; a receiver rejects
//! old timestamps against replay.

use app::db::Db;
use app::model::webhooks::Delivery;
use app::repo;
use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// When the job looks, retries and gives up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub poll: Duration,
    /// The wait after the first failure, doubled after each further one (at most an hour).
    pub retry: Duration,
    pub pause_after: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            poll: Duration::from_secs(1),
            retry: Duration::from_secs(30),
            pause_after: Duration::from_secs(86_400),
        }
    }
}

/// How long one attempt may take; a claim outlives it.
const TIMEOUT: Duration = Duration::from_secs(10);
const CLAIM: Duration = Duration::from_secs(15);
const LONGEST_WAIT: Duration = Duration::from_secs(3600);

/// `Pacer-Signature` of `body` sent at `t` (unix seconds).
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={t},v1={hex}")
}

/// The wait before the next attempt after `attempts` failed ones.
pub fn backoff(retry: Duration, attempts: u32) -> Duration {
    retry
        .checked_mul(1 << attempts.min(16))
        .unwrap_or(LONGEST_WAIT)
        .min(LONGEST_WAIT)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Pacer-Webhooks/1")
        .build()
        .expect("an HTTP client")
}

/// One attempt: the receiver's status, or what went wrong, in words.
async fn send(client: &reqwest::Client, delivery: &Delivery) -> Result<String, String> {
    let body = delivery.body();
    let t = Utc::now().timestamp();
    let answer = client
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Pacer-Event", &delivery.event)
        .header("Pacer-Delivery", delivery.id.to_string())
        .header("Pacer-Signature", signature(&delivery.secret, t, &body))
        .body(body)
        .send()
        .await;
    if let Err(e) = &answer {
        tracing::warn!(webhook = delivery.webhook_id, error = %e, "webhook delivery failed");
    }
    match answer {
        Ok(r) if r.status().is_success() => Ok(r.status().as_u16().to_string()),
        Ok(r) if r.status().is_redirection() => Err(format!(
            "{} (a redirect: Pacer sends only to the address configured)",
            r.status().as_u16()
        )),
        Ok(r) => Err(r.status().as_u16().to_string()),
        Err(e) if e.is_timeout() => Err("no answer within 10 s".into()),
        Err(e) if e.is_connect() => Err(
            "could not connect (the name, the port or the certificate: see the server log)".into(),
        ),
        Err(_) => Err("the request failed (see the server log)".into()),
    }
}

/// One round: sends what is due, each subscription's deliveries in order, as long as they go
/// through. Each delivery is claimed just before it is sent, for longer than a send may take.
/// Returns how many were delivered.
pub async fn run_once(
    db: &Db,
    client: &reqwest::Client,
    timing: Timing,
) -> Result<usize, repo::RepoError> {
    let claim = chrono::Duration::from_std(CLAIM).unwrap_or_default();
    let pause = chrono::Duration::from_std(timing.pause_after).unwrap_or_default();
    let mut delivered = 0;
    loop {
        let mut any = false;
        for id in repo::webhooks::due(db, Utc::now()).await? {
            let Some((delivery, token)) = repo::webhooks::claim(db, id, Utc::now(), claim).await?
            else {
                continue;
            };
            match send(client, &delivery).await {
                Ok(status) => {
                    repo::webhooks::delivered(db, &delivery, &token, &status, Utc::now()).await?;
                    delivered += 1;
                    any = true;
                }
                Err(status) => {
                    let now = Utc::now();
                    let attempts = u32::try_from(delivery.attempts).unwrap_or(0);
                    let wait = chrono::Duration::from_std(backoff(timing.retry, attempts))
                        .unwrap_or_default();
                    let when = (now, now + wait);
                    if repo::webhooks::failed(db, &delivery, &token, &status, when, pause).await? {
                        tracing::warn!(webhook = delivery.webhook_id, %status, "webhook paused after failing");
                    }
                }
            }
        }
        if !any {
            return Ok(delivered);
        }
    }
}

/// Runs [`run_once`] every `timing.poll` for as long as the process lives.
pub fn spawn(db: Db, timing: Timing) {
    tokio::spawn(async move {
        let client = client();
        loop {
            if let Err(e) = run_once(&db, &client, timing).await {
                tracing::error!(error = %e, "webhook delivery failed");
            }
            tokio::time::sleep(timing.poll).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_time_and_body() {
        // RFC 4231 test case 2 ("Jefe"), over "<t>.<body>".
        let key = "Jefe";
        let s = signature(key, 0, "what do ya want for nothing?");
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(b"0.what do ya want for nothing?");
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(s, format!("t=0,v1={expected}"));
        let rfc = signature(key, 1, "x");
        assert!(rfc.starts_with("t=1,v1=") && rfc.len() == 7 + 64);
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 0), Duration::from_secs(30));
        assert_eq!(backoff(base, 3), Duration::from_secs(240));
        assert_eq!(backoff(base, 12), LONGEST_WAIT);
        assert_eq!(backoff(base, 400), LONGEST_WAIT);
    }
}
