//! The daily digest job: each morning at the company's digest hour (its time zone), every person
//! who wants it gets their "since yesterday" mail — once, however many server instances run
//! (each claims the person's day in the database before sending).

use crate::mail::Mailer;
use app::db::Db;
use app::repo;
use app::service::digest;
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use std::time::Duration;

/// When the digest goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The hour of the day, 0–23, in `zone`.
    pub hour: u32,
    pub zone: Tz,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            hour: 7,
            zone: chrono_tz::Europe::Berlin,
        }
    }
}

impl Schedule {
    /// The company's day whose digest is due at `now`, if its hour has come.
    pub fn due(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        let local = now.with_timezone(&self.zone);
        (local.hour() >= self.hour).then(|| local.date_naive())
    }
}

/// Sends the digest of every person who wants it and has not had today's: what one wake-up of
/// the job does. Returns how many mails this process sent.
pub async fn run_once(
    db: &Db,
    mailer: &Mailer,
    schedule: Schedule,
    base: &str,
    now: DateTime<Utc>,
) -> Result<usize, app::service::Error> {
    let Some(day) = schedule.due(now) else {
        return Ok(0);
    };
    let mut sent = 0;
    for user in repo::digest::recipients(db).await? {
        let to = (user.name.clone(), user.email.clone());
        let mail = digest::send_once(db, &user, day, now, base, |mail| async move {
            mailer.send(&to.0, &to.1, mail).await
        })
        .await?;
        sent += usize::from(mail.is_some());
    }
    Ok(sent)
}

/// Runs [`run_once`] every five minutes for as long as the process lives.
pub fn spawn_daily(db: Db, mailer: Mailer, schedule: Schedule, base: String) {
    tokio::spawn(async move {
        loop {
            match run_once(&db, &mailer, schedule, &base, Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(mails = n, "daily digest sent"),
                Err(e) => tracing::error!(error = %e, "daily digest failed"),
            }
            tokio::time::sleep(Duration::from_secs(300)).await;
        }
    });
}
