//! The daily digest a person gets by e-mail (DESIGN.md, "daily snapshot"): what the dashboard
//! shows under "Since yesterday" — status changes, new warnings with the customers and deals
//! that close their gap, opportunities gone rotten, customers whose buying trend changed — and
//! the next steps due, as plain text and HTML with links into Pacer.

use super::Error;
use crate::db::Db;
use crate::domain::activity::ActivityKind;
use crate::domain::html::escape as esc;
use crate::model::auth::SessionUser;
use crate::model::candidates::Candidate;
use crate::model::customers::NextStep;
use crate::model::dashboard::Digest;
use crate::repo;
use chrono::{DateTime, NaiveDate, Utc};

/// A mail ready to send (the mailer's own type, named here for the digest's callers).
pub use crate::mail::Mail;

/// Candidates shown under each new or worse warning.
const CANDIDATES_PER_WARNING: usize = 3;

#[derive(Clone, Debug)]
pub struct DailyDigest {
    pub day: NaiveDate,
    pub name: String,
    /// How the mail writes numbers and dates: its reader's locale.
    pub locale: crate::domain::Locale,
    pub digest: Digest,
    /// For each status change with a warning (by target id): what closes its gap.
    pub next_moves: Vec<(i64, Vec<Candidate>)>,
    pub next_steps: Vec<NextStep>,
    /// For admins: webhook subscriptions paused after failing (issue 25), until resumed.
    pub paused_webhooks: Vec<crate::model::webhooks::PausedWebhook>,
}

/// `user`'s digest of `day` (what changed since the last snapshot before it).
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn build(
    db: &Db,
    user: &SessionUser,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<DailyDigest, Error> {
    let dashboard = repo::dashboard::load(db, user, day).await?;
    let mut next_moves = Vec::new();
    for change in dashboard.digest.changes.iter().filter(|c| {
        c.warning.is_some() && c.from.is_none_or(|from| from.severity() < c.to.severity())
    }) {
        let found = super::candidates::for_target(db, user, change.target_id, None, now).await?;
        next_moves.push((
            change.target_id,
            found
                .items
                .into_iter()
                .take(CANDIDATES_PER_WARNING)
                .collect(),
        ));
    }
    let paused_webhooks = if user.role == crate::domain::Role::Admin {
        repo::webhooks::paused_by_failure(db).await?
    } else {
        Vec::new()
    };
    Ok(DailyDigest {
        paused_webhooks,
        day,
        name: user.name.clone(),
        locale: user.locale,
        digest: dashboard.digest,
        next_moves,
        next_steps: dashboard.next_steps,
    })
}

impl DailyDigest {
    /// Nothing changed and nothing is due: no mail is sent.
    pub fn is_quiet(&self) -> bool {
        self.digest.changes.is_empty()
            && self.digest.rotten.is_empty()
            && self.digest.trends.is_empty()
            && self.next_steps.is_empty()
            && self.paused_webhooks.is_empty()
    }

    /// The mail, its links starting with `base` (Pacer's public address).
    pub fn mail(&self, base: &str) -> Mail {
        let base = base.trim_end_matches('/');
        let mut text = String::new();
        let mut html = String::new();
        let first = self.name.split_whitespace().next().unwrap_or_default();
        let since = self.digest.since.map_or_else(
            || "today".to_string(),
            |d| format!("since {}", self.locale.date(d)),
        );
        text.push_str(&format!("Good morning {first},\n\nwhat changed {since}:\n"));
        html.push_str(&format!(
            "<p>Good morning {},</p><p>what changed {}:</p>",
            esc(first),
            esc(&since)
        ));
        let mut section = |title: String, items: Vec<(String, String, String)>| {
            if items.is_empty() {
                return;
            }
            text.push_str(&format!("\n{title}\n"));
            html.push_str(&format!("<h3>{}</h3><ul>", esc(&title)));
            for (line, link, detail) in items {
                text.push_str(&format!("- {line}\n  {link}\n"));
                if !detail.is_empty() {
                    text.push_str(&format!("{detail}\n"));
                }
                html.push_str(&format!(
                    "<li><a href=\"{}\">{}</a>{}</li>",
                    esc(&link),
                    esc(&line),
                    if detail.is_empty() {
                        String::new()
                    } else {
                        format!("<pre>{}</pre>", esc(&detail))
                    }
                ));
            }
            html.push_str("</ul>");
        };
        let changes = self
            .digest
            .changes
            .iter()
            .map(|c| {
                let what = match c.from {
                    Some(from) if from.severity() < c.to.severity() => {
                        format!("{} → {}", from.label(), c.to.label())
                    }
                    Some(from) => format!("{} → {}", from.label(), c.to.label()),
                    None => format!("new: {}", c.to.label()),
                };
                let mut detail = String::new();
                if let Some(w) = &c.warning {
                    detail.push_str(&format!("  {w}\n"));
                }
                if let Some((_, moves)) = self.next_moves.iter().find(|(id, _)| *id == c.target_id)
                {
                    for m in moves {
                        detail.push_str(&format!(
                            "  → {}: {} ({base}/customers/{})\n",
                            m.customer, m.detail, m.customer_id
                        ));
                    }
                }
                (
                    format!("{} · {} · {what}", c.statement, c.assignee),
                    format!("{base}/targets/{}", c.target_id),
                    detail.trim_end().to_string(),
                )
            })
            .collect();
        section("Targets".to_string(), changes);
        let steps = self
            .next_steps
            .iter()
            .map(|s| {
                let after =
                    ActivityKind::parse(&s.kind).map_or("an activity", ActivityKind::phrase);
                (
                    format!(
                        "{}: {} (due {}, after {after})",
                        s.customer,
                        s.next_step,
                        self.locale.date(s.next_step_due),
                    ),
                    format!("{base}/customers/{}", s.customer_id),
                    String::new(),
                )
            })
            .collect();
        section("Next steps due".to_string(), steps);
        let rotten = self
            .digest
            .rotten
            .iter()
            .map(|o| {
                (
                    format!(
                        "{} · {} · {} · {} for {} days",
                        o.title, o.customer, o.owner, o.stage, o.days_in_stage
                    ),
                    format!("{base}/board"),
                    String::new(),
                )
            })
            .collect();
        section("Opportunities gone rotten".to_string(), rotten);
        let trends = self
            .digest
            .trends
            .iter()
            .map(|t| {
                let (verb, pct) = match t.trend.direction {
                    crate::domain::turnover::Direction::Up => ("more", t.trend.change_pct),
                    crate::domain::turnover::Direction::Down => ("less", -t.trend.change_pct),
                };
                (
                    format!("{} buys {pct} % {verb} a month", t.name),
                    format!("{base}/customers/{}", t.customer_id),
                    String::new(),
                )
            })
            .collect();
        section("Customers whose buying trend changed".to_string(), trends);
        let paused = self
            .paused_webhooks
            .iter()
            .map(|w| {
                (
                    format!(
                        "{}: {} — its events wait until you resume it",
                        w.url,
                        w.paused_reason.as_deref().unwrap_or("paused")
                    ),
                    format!("{base}/settings"),
                    String::new(),
                )
            })
            .collect();
        section("Webhooks paused".to_string(), paused);
        let footer = format!(
            "You get this mail each morning when something changed. Switch it off under Your account: {base}/account"
        );
        text.push_str(&format!("\n--\n{footer}\n"));
        html.push_str(&format!(
            "<hr><p style=\"color:#64748b;font-size:12px\">You get this mail each morning when something changed. <a href=\"{}\">Switch it off</a>.</p>",
            esc(&format!("{base}/account"))
        ));
        let n = self.digest.changes.len();
        let subject = if n > 0 {
            format!(
                "Pacer {}: {n} target{} changed status",
                self.locale.date(self.day),
                if n == 1 { "" } else { "s" }
            )
        } else {
            format!("Pacer {}: what changed", self.locale.date(self.day))
        };
        Mail {
            subject,
            text,
            html: format!(
                "<!doctype html><html><body style=\"font-family:system-ui,sans-serif\">{html}</body></html>"
            ),
        }
    }
}

/// `user`'s digest for `day` if they want it by mail: claimed for this process (several
/// instances send it once), built, and — unless it is quiet — handed to `send`. What became of
/// it is recorded.
pub async fn send_once<F, Fut>(
    db: &Db,
    user: &SessionUser,
    day: NaiveDate,
    now: DateTime<Utc>,
    base: &str,
    send: F,
) -> Result<Option<Mail>, Error>
where
    F: FnOnce(Mail) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    if !repo::digest::claim(db, user.id, day, now).await? {
        return Ok(None);
    }
    let digest = match build(db, user, day, now).await {
        Ok(digest) => digest,
        Err(e) => {
            let reason = crate::error::AppError::from(e).to_string();
            repo::digest::record(db, user.id, day, None, &format!("not built: {reason}")).await?;
            return Ok(None);
        }
    };
    if digest.is_quiet() {
        repo::digest::record(db, user.id, day, None, "nothing to report").await?;
        return Ok(None);
    }
    let mail = digest.mail(base);
    match send(mail.clone()).await {
        Ok(()) => {
            repo::digest::record(db, user.id, day, Some(Utc::now()), "sent").await?;
            Ok(Some(mail))
        }
        Err(e) => {
            tracing::warn!(user = user.id, error = %e, "digest mail not sent");
            repo::digest::record(db, user.id, day, None, &format!("not sent: {e}")).await?;
            Ok(None)
        }
    }
}

/// Whether `user` gets the digest by e-mail.
pub async fn wanted(db: &Db, user: &SessionUser) -> Result<bool, Error> {
    Ok(repo::digest::wanted(db, user.id).await?)
}

/// Switches `user`'s digest mail on or off; the setting as stored.
pub async fn set_wanted(db: &Db, user: &SessionUser, on: bool) -> Result<bool, Error> {
    repo::digest::set_wanted(db, user.id, on).await?;
    Ok(on)
}
