//! Mail Pacer sends — the daily digest, password links — through the SMTP server named by
//! `PACER_SMTP_URL` (lettre). Without it, nothing is mailed: the digest stays in the app and
//! password links are printed, as before.

use app::service::digest::Mail;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where and as whom Pacer sends mail.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum MailSettingsError {
    #[error(
        "PACER_SMTP_URL is not an SMTP address (smtp://host:port, smtps://user:password@host): {0}"
    )]
    Url(String),
    #[error("PACER_MAIL_FROM is not a mail address (e.g. Pacer <pacer@example.com>): {0}")]
    From(String),
}

impl Mailer {
    /// From `PACER_SMTP_URL` and `PACER_MAIL_FROM`; `None` without an SMTP address.
    pub fn from_env() -> Result<Option<Mailer>, MailSettingsError> {
        let Some(url) = std::env::var("PACER_SMTP_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        else {
            return Ok(None);
        };
        let from = std::env::var("PACER_MAIL_FROM")
            .ok()
            .filter(|f| !f.trim().is_empty())
            .unwrap_or_else(|| "Pacer <pacer@localhost>".into());
        Mailer::new(url.trim(), &from).map(Some)
    }

    pub fn new(url: &str, from: &str) -> Result<Mailer, MailSettingsError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailSettingsError::Url(e.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailSettingsError::From(e.to_string()))?;
        Ok(Mailer { transport, from })
    }

    /// Sends `mail` to `to` (name and address), as plain text with an HTML alternative.
    pub async fn send(&self, to_name: &str, to: &str, mail: Mail) -> Result<(), String> {
        let to = Mailbox::new(
            Some(to_name.to_string()),
            to.parse().map_err(|e| format!("the address {to}: {e}"))?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
