//! Mail Pacer sends — the daily digest, password links — through the SMTP server named by
//! `PACER_SMTP_URL` (lettre). Without it, nothing is mailed: the digest stays in the app and
//! the admin passes password links on. The mailer lives in the app crate (`app::mail`), so
//! server functions mail password links with the same one the digest job uses.

pub use app::mail::{MailSettingsError, Mailer, NotSent, Outbox};
