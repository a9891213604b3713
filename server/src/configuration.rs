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
}

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
}

impl Settings {
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
