//! Passwords: what a new one must be, changing one's own, setting one through a one-time
//! link (invitation or reset), and mailing such a link to its person when Pacer has a mail
//! server. Every change ends the person's other sessions.

use super::sessions::{check_password, hash_new_password as hash};
use super::Error;
use crate::db::Db;
use crate::domain::html::escape as esc;
use crate::domain::FieldError;
use crate::error::AppError;
use crate::mail::{Mail, Outbox};
use crate::model::auth::{SessionUser, SignedIn};
use crate::model::imports::Invitation;
use crate::model::people::{Delivery, LinkHolder, LinkPurpose, INVITE_DAYS};
use crate::repo;
use chrono::{DateTime, Utc};

/// Shortest password accepted, in characters.
pub const MIN_LENGTH: usize = 10;
/// Longest: far beyond any pass phrase, short of a denial of service.
pub const MAX_LENGTH: usize = 200;

/// Checks a new password and its confirmation. `about` are words the password must not lean
/// on (the person's name and e-mail address, the company). Common passwords and easily
/// guessed patterns are refused by zxcvbn's lists, shipped inside the binary.
pub fn check_new(password: &str, confirm: &str, about: &[&str]) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(FieldError::new(
            "password",
            format!("use at least {MIN_LENGTH} characters (a few words make a good one)"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(FieldError::new(
            "password",
            format!("use at most {MAX_LENGTH} characters"),
        ));
    }
    let mut words: Vec<&str> = Vec::new();
    for text in about {
        words.extend(
            text.split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() > 2),
        );
    }
    let entropy = zxcvbn::zxcvbn(password, &words);
    if u8::from(entropy.score()) < 3 {
        let why = entropy
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| w.to_string())
            .unwrap_or_else(|| "it is too easy to guess".into());
        return Err(FieldError::new(
            "password",
            format!("choose another password: {why}"),
        ));
    }
    if password != confirm {
        return Err(FieldError::new("confirm", "the two passwords differ"));
    }
    Ok(())
}

/// Changes the signed-in user's own password; their other sessions end. Answers the session
/// to carry on with.
pub async fn change_own(
    db: &Db,
    user: &SessionUser,
    current: &str,
    new: &str,
    confirm: &str,
    now: DateTime<Utc>,
) -> Result<SignedIn, Error> {
    let stored = repo::people::password_hash(db, user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !check_password(current, stored).await? {
        return Err(FieldError::new("current", "this is not your current password").into());
    }
    check_new(new, confirm, &[&user.name, &user.email])?;
    let hash = hash(new).await?;
    let mut tx = db.begin_write().await.map_err(repo::RepoError::from)?;
    let epoch = repo::people::set_password(&mut tx, user.id, &hash).await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user.id),
        "user",
        user.id,
        "changed password",
        None,
        None,
    )
    .await?;
    tx.commit().await.map_err(repo::RepoError::from)?;
    Ok(SignedIn {
        user_id: user.id,
        epoch,
    })
}

/// Whom a password link is for, if it is still good.
pub async fn link_holder(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<LinkHolder>, Error> {
    let Some((purpose, Some(user_id))) = repo::links::find(db, token, now).await? else {
        return Ok(None);
    };
    let person = repo::users::find_session_user(db, user_id).await?;
    Ok(person.map(|(p, _)| LinkHolder {
        name: p.name,
        email: p.email,
        purpose,
    }))
}

/// The sentence for a link that is no good.
pub const LINK_GONE: &str =
    "this link was used already or has expired: ask your administrator for a new one";

/// Sets a password through an invitation or reset link, used once; every session of the
/// person ends. Answers their e-mail address, for the sign-in form.
pub async fn set_with_link(
    db: &Db,
    token: &str,
    password: &str,
    confirm: &str,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let holder = link_holder(db, token, now)
        .await?
        .ok_or_else(|| FieldError::new("token", LINK_GONE))?;
    check_new(password, confirm, &[&holder.name, &holder.email])?;
    let hash = hash(password).await?;
    let mut tx = db.begin_write().await.map_err(repo::RepoError::from)?;
    let Some(Some(user_id)) = repo::links::take(&mut tx, token, false, now).await? else {
        return Err(FieldError::new("token", LINK_GONE).into());
    };
    repo::people::set_password(&mut tx, user_id, &hash).await?;
    repo::people::audit(
        &mut tx,
        now,
        Some(user_id),
        "user",
        user_id,
        "set password by link",
        None,
        None,
    )
    .await?;
    tx.commit().await.map_err(repo::RepoError::from)?;
    Ok(holder.email)
}

/// The mail that brings `name` their password link (`url`, the full address): plain text
/// and HTML, with the name and the link encoded for HTML.
pub fn link_mail(name: &str, purpose: LinkPurpose, url: &str) -> Mail {
    let (subject, why, until) = match purpose {
        LinkPurpose::Reset => (
            "Your new Pacer password link",
            "an administrator issued you a new password link for Pacer. Choose your new \
             password with it:"
                .to_string(),
            format!(
                "It works once, within {} hours. Until you use it, your current password keeps \
                 working. If you did not ask for it, tell your administrator.",
                super::people::RESET_HOURS
            ),
        ),
        LinkPurpose::Invite | LinkPurpose::Setup => (
            "Choose your Pacer password",
            "you have been added to Pacer, where your team agrees its sales targets and sees \
             every day whether it is on pace. Choose your password with this link:"
                .to_string(),
            format!(
                "It works once, within {INVITE_DAYS} days. Then sign in with your e-mail \
                 address and that password."
            ),
        ),
    };
    let text = format!("Hello {name},\n\n{why}\n\n{url}\n\n{until}\n");
    let html = format!(
        "<p>Hello {},</p><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p>",
        esc(name),
        esc(&why),
        esc(url),
        esc(url),
        esc(&until)
    );
    Mail {
        subject: subject.to_string(),
        text,
        html,
    }
}

/// Mails the link at `path` (relative to Pacer's address) to `name <email>` when Pacer has
/// a mail server, and says what became of it. A mail that does not go out never undoes what
/// issued the link: the admin passes it on.
pub async fn mail_link(
    outbox: &Outbox,
    name: &str,
    email: &str,
    purpose: LinkPurpose,
    path: &str,
) -> Delivery {
    let Some(mailer) = &outbox.mailer else {
        return Delivery::NotMailed;
    };
    let mail = link_mail(name, purpose, &outbox.link(path));
    match mailer.deliver(name, email, mail).await {
        Ok(()) => Delivery::Mailed {
            to: email.to_string(),
        },
        Err(e) => {
            tracing::warn!(error = %e, purpose = purpose.as_str(), "password link not mailed");
            Delivery::NotSent {
                to: email.to_string(),
                reason: e.reason,
            }
        }
    }
}

/// Mails each imported person their invitation link, when Pacer has a mail server; each
/// invitation records what became of its mail.
pub async fn mail_invitations(outbox: &Outbox, invitations: &mut [Invitation]) {
    // A mail server that refuses or does not answer one mail would keep the import waiting
    // its timeout for every further one: after the first failure the rest are not tried.
    let mut failed: Option<String> = None;
    for invitation in invitations.iter_mut() {
        invitation.delivery = match &failed {
            Some(reason) => Delivery::NotSent {
                to: invitation.email.clone(),
                reason: format!("not tried after an earlier mail failed ({reason})"),
            },
            None => {
                mail_link(
                    outbox,
                    &invitation.name,
                    &invitation.email,
                    LinkPurpose::Invite,
                    &invitation.path,
                )
                .await
            }
        };
        if let Delivery::NotSent { reason, .. } = &invitation.delivery {
            failed.get_or_insert_with(|| reason.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_mail_encodes_the_name_for_html_and_keeps_the_link_whole() {
        let url = "https://pacer.example.test/password?token=ab12";
        let mail = link_mail("Anna <b>Berg</b> & Co", LinkPurpose::Invite, url);
        assert!(
            mail.text.contains("Hello Anna <b>Berg</b> & Co,"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains(url), "{}", mail.text);
        assert!(
            mail.html.contains("Anna &lt;b&gt;Berg&lt;/b&gt; &amp; Co"),
            "{}",
            mail.html
        );
        assert!(!mail.html.contains("<b>Berg"), "{}", mail.html);
        assert!(
            mail.html.contains(&format!("<a href=\"{url}\">")),
            "{}",
            mail.html
        );
        let reset = link_mail("Anna", LinkPurpose::Reset, url);
        assert!(reset.subject.contains("password"));
        assert!(reset.text.contains("24 hours"), "{}", reset.text);
    }

    #[test]
    fn short_common_and_personal_passwords_are_refused() {
        let short = check_new("abc", "abc", &[]).unwrap_err();
        assert_eq!(short.field, "password");
        assert!(short.message.contains("10 characters"), "{}", short.message);
        for common in ["password123", "qwertyuiop", "1234567890", "iloveyou12"] {
            let refused = check_new(common, common, &[]).unwrap_err();
            assert_eq!(refused.field, "password", "{common}");
        }
        let own = check_new(
            "annaschmidt1",
            "annaschmidt1",
            &["Anna Schmidt", "anna@acme.test"],
        );
        assert!(own.is_err());
    }

    #[test]
    fn a_pass_phrase_is_accepted_once_confirmed() {
        let good = "correct horse battery staple";
        assert_eq!(check_new(good, good, &[]), Ok(()));
        let differs = check_new(good, "correct horse battery", &[]).unwrap_err();
        assert_eq!(differs.field, "confirm");
    }
}
