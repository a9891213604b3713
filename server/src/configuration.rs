use leptos::config::{get_configuration, LeptosOptions};

/// Where Pacer keeps its data when `DATABASE_URL` is not set: an embedded SQLite file.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/pacer.db";

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub leptos_options: LeptosOptions,
    /// Load the demo company when the database is empty (`PACER_DEMO=off` to disable).
    pub load_demo: bool,
    /// Mark the session cookie `Secure`; on when served over HTTPS (`PACER_SECURE_COOKIE=on`).
    pub secure_cookie: bool,
    /// Request bodies larger than this are refused with 413 (`PACER_MAX_BODY_BYTES`; the CSV
    /// import has its own limit, `import::MAX_UPLOAD_BYTES`).
    pub max_body_bytes: usize,
    /// Requests per second each API token may make, with the burst it may save up
    /// (`PACER_API_RATE`, `PACER_API_BURST`); over it, 429 with `Retry-After`.
    pub api_rate: ApiRate,
    /// Count sign-in attempts by the address in `X-Forwarded-For` (its last entry, the one
    /// the proxy in front of Pacer added) instead of the connection's
    /// (`PACER_TRUST_FORWARDED=on`; only behind a proxy that sets it, or anyone can pose as
    /// any address).
    pub trust_forwarded: bool,
    /// When the daily digest is mailed: `PACER_DIGEST_HOUR` (0–23, default 7) in
    /// `PACER_TIME_ZONE` (IANA name, default Europe/Berlin). Mail needs `PACER_SMTP_URL`.
    pub digest: crate::digest::Schedule,
    /// The address people open Pacer at, for links in mail (`PACER_PUBLIC_URL`, default the
    /// address it listens on).
    pub public_url: Option<String>,
    /// The mail server the digest and password links go through (`PACER_SMTP_URL`, as
    /// `PACER_MAIL_FROM`); `None`: nothing is mailed.
    pub mailer: Option<crate::mail::Mailer>,
    /// How webhooks are delivered: `PACER_WEBHOOK_POLL_MS` (how often waiting events are
    /// looked for, default 1000), `PACER_WEBHOOK_RETRY_MS` (the first retry's wait, doubled
    /// each time up to an hour, default 30000), `PACER_WEBHOOK_PAUSE_AFTER_SECONDS` (how long a
    /// subscription may fail before it is paused, default a day).
    pub webhooks: crate::webhooks::Timing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiRate {
    pub per_second: u32,
    pub burst: u32,
}

/// A sync job or a BI refresh runs well inside 50 requests a second; a runaway loop does not.
pub const DEFAULT_API_RATE: ApiRate = ApiRate {
    per_second: 50,
    burst: 100,
};

/// The default limit for a request body: 2 MiB, far above any form or JSON Pacer reads.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the Leptos site settings: {0} (run through `make run`, or set LEPTOS_OUTPUT_NAME, LEPTOS_SITE_ROOT, LEPTOS_SITE_PKG_DIR and LEPTOS_SITE_ADDR)")]
    Leptos(String),
    #[error("{name} must be on or off, got \"{value}\"")]
    Flag { name: &'static str, value: String },
    #[error("PACER_MAX_BODY_BYTES must be a number of bytes from 1024 up, got \"{0}\"")]
    BodyLimit(String),
    #[error("{name} must be a whole number from 1 to 1000000, got \"{value}\"")]
    Rate { name: &'static str, value: String },
    #[error("PACER_DIGEST_HOUR must be an hour from 0 to 23, got \"{0}\"")]
    DigestHour(String),
    #[error("PACER_TIME_ZONE must be a time zone such as Europe/Berlin, got \"{0}\"")]
    TimeZone(String),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailSettingsError),
}

fn digest_schedule() -> Result<crate::digest::Schedule, SettingsError> {
    let mut schedule = crate::digest::Schedule::default();
    if let Ok(text) = std::env::var("PACER_DIGEST_HOUR") {
        schedule.hour = match text.trim().parse::<u32>() {
            Ok(h) if h < 24 => h,
            _ => return Err(SettingsError::DigestHour(text)),
        };
    }
    if let Ok(text) = std::env::var("PACER_TIME_ZONE") {
        schedule.zone = text
            .trim()
            .parse()
            .map_err(|_| SettingsError::TimeZone(text.clone()))?;
    }
    Ok(schedule)
}

impl Settings {
    /// Where links in mail point: `PACER_PUBLIC_URL`, else this machine's own address on
    /// `port` (with a warning: people elsewhere cannot open it).
    pub fn link_base(&self, port: u16) -> String {
        self.public_url.clone().unwrap_or_else(|| {
            tracing::warn!(
                "PACER_PUBLIC_URL is not set: links in mail point at this machine's own address"
            );
            format!("http://127.0.0.1:{port}")
        })
    }

    pub fn from_env() -> Result<Settings, SettingsError> {
        let leptos_options = get_configuration(None)
            .map_err(|e| SettingsError::Leptos(e.to_string()))?
            .leptos_options;
        Ok(Settings {
            database_url: std::env::var("DATABASE_URL")
                .ok()
                .filter(|url| !url.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            leptos_options,
            load_demo: flag("PACER_DEMO", true)?,
            secure_cookie: flag("PACER_SECURE_COOKIE", false)?,
            max_body_bytes: match std::env::var("PACER_MAX_BODY_BYTES") {
                Err(_) => DEFAULT_MAX_BODY_BYTES,
                Ok(text) => match text.trim().parse::<usize>() {
                    Ok(n) if n >= 1024 => n,
                    _ => return Err(SettingsError::BodyLimit(text)),
                },
            },
            api_rate: ApiRate {
                per_second: count("PACER_API_RATE", DEFAULT_API_RATE.per_second)?,
                burst: count("PACER_API_BURST", DEFAULT_API_RATE.burst)?,
            },
            trust_forwarded: flag("PACER_TRUST_FORWARDED", false)?,
            digest: digest_schedule()?,
            public_url: std::env::var("PACER_PUBLIC_URL")
                .ok()
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty()),
            mailer: crate::mail::Mailer::from_env()?,
            webhooks: crate::webhooks::Timing {
                poll: ms(count("PACER_WEBHOOK_POLL_MS", 1000)?),
                retry: ms(count("PACER_WEBHOOK_RETRY_MS", 30_000)?),
                pause_after: std::time::Duration::from_secs(u64::from(count(
                    "PACER_WEBHOOK_PAUSE_AFTER_SECONDS",
                    86_400,
                )?)),
            },
        })
    }
}

fn flag(name: &'static str, default: bool) -> Result<bool, SettingsError> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok(true),
            "off" | "false" | "0" | "no" => Ok(false),
            _ => Err(SettingsError::Flag { name, value }),
        },
    }
}

fn ms(n: u32) -> std::time::Duration {
    std::time::Duration::from_millis(u64::from(n))
}

fn count(name: &'static str, default: u32) -> Result<u32, SettingsError> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(value) => match value.trim().parse::<u32>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
            _ => Err(SettingsError::Rate { name, value }),
        },
    }
}
