//! The daily snapshot job: taken on start-up when today's is missing, then shortly after
//! every midnight (UTC, the day the pages count in) while the server runs.

use app::db::Db;
use app::service::snapshots;
use chrono::Utc;
use std::time::Duration;

/// Runs [`snapshots::catch_up`] now and after each midnight, for as long as the process lives. A failed
/// run is logged and retried at the next wake-up (at most an hour later).
pub fn spawn_daily(db: Db) {
    tokio::spawn(async move {
        loop {
            match snapshots::catch_up(&db, Utc::now()).await {
                Ok(Some(n)) => tracing::info!(targets = n, "daily snapshot taken"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "daily snapshot failed"),
            }
            tokio::time::sleep(until_next_run()).await;
        }
    });
}

/// A minute after the next midnight, or an hour, whichever comes first.
fn until_next_run() -> Duration {
    let now = Utc::now();
    let next = (now.date_naive() + chrono::Duration::days(1))
        .and_hms_opt(0, 1, 0)
        .expect("a valid time")
        .and_utc();
    (next - now)
        .to_std()
        .unwrap_or_default()
        .min(Duration::from_secs(3600))
}
