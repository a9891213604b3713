//! Mail Pacer sends — the daily digest, password links — through the SMTP server named by
//! `PACER_SMTP_URL` (lettre). Without it nothing is mailed: the digest stays in the app and
//! the admin passes password links on. Server only: the app's server functions mail links,
//! the server's job mails the digest.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A mail ready to send: subject, plain text and HTML (every user string in it encoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Where and as whom Pacer sends mail.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password: it never reaches a log line.
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
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

/// Why a mail did not go: in plain words for the person who sent it (`reason`), and the mail
/// server's own words for the log (`cause`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason} ({cause})")]
pub struct NotSent {
    pub reason: String,
    pub cause: String,
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
            // A person waits on the admin page while an invitation is mailed: short.
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailSettingsError::From(e.to_string()))?;
        Ok(Mailer { transport, from })
    }

    /// Sends `mail` to `to` (name and address), as plain text with an HTML alternative; a
    /// refusal as one line (plain words, then the mail server's), for a log or a record.
    pub async fn send(&self, to_name: &str, to: &str, mail: Mail) -> Result<(), String> {
        self.deliver(to_name, to, mail)
            .await
            .map_err(|e| e.to_string())
    }

    /// Sends `mail` to `to` (name and address), as plain text with an HTML alternative. The
    /// name and subject are encoded for the header by lettre.
    pub async fn deliver(&self, to_name: &str, to: &str, mail: Mail) -> Result<(), NotSent> {
        let address = to
            .parse()
            .map_err(|e: lettre::address::AddressError| NotSent {
                reason: format!("{to} is not an address the mail server takes"),
                cause: e.to_string(),
            })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(to_name.to_string()), address))
            .subject(mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| NotSent {
                reason: "the mail could not be put together".into(),
                cause: e.to_string(),
            })?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| NotSent {
                reason: plain_reason(&e).into(),
                cause: e.to_string(),
            })
    }
}

/// What went wrong with sending, as the admin reads it.
fn plain_reason(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.is_permanent() {
        "the mail server refused it"
    } else if e.is_transient() {
        "the mail server turned it away for now"
    } else if e.is_timeout() {
        "the mail server did not answer in time"
    } else {
        "the mail server could not be reached"
    }
}

/// What mailing a link needs: the mail server (none without `PACER_SMTP_URL`) and the address
/// people open Pacer at, which every link in a mail starts with.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    pub mailer: Option<Mailer>,
    /// `https://pacer.example.com`, without a trailing slash (`PACER_PUBLIC_URL`).
    pub link_base: String,
}

impl Outbox {
    /// The full address of a link whose `path` (with its query) is relative to Pacer's.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.link_base.trim_end_matches('/'))
    }
}
