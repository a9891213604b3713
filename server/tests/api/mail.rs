//! Password links by mail (issue 20), against a real SMTP server (aiosmtpd on loopback, as the
//! digest's tests start it): with a mail server, a person an admin adds, a person imported and
//! a new password link each get one mail — plain text and HTML, the link at Pacer's public
//! address, the name encoded for HTML — and the admin is told so and still sees the link,
//! which works. Without a mail server nothing is mailed and the admin passes the link on, as
//! before; a mail server that cannot be reached leaves the person added, and says so.

use crate::both_backends;
use crate::digest::SmtpSink;
use crate::helpers::*;
use app::db::sql;
use app::model::imports::ImportProgress;
use app::model::people::{AddedPerson, Delivery, IssuedLink};
use reqwest::StatusCode;
use serde_json::Value;
use server::mail::Mailer;

both_backends!(
    password_links_are_mailed_when_smtp_is_set,
    without_smtp_nothing_is_mailed_and_the_link_is_shown,
    a_mail_server_out_of_reach_leaves_the_person_added,
);

/// Where people open Pacer (`PACER_PUBLIC_URL`): every mailed link starts with it.
const BASE: &str = "https://pacer.example.test";
const GOOD: &str = "plum orchard bicycle lantern";
const NEW: &str = "nina@example.test";

/// The application mailing through the SMTP server at `smtp_url`.
async fn spawn_mailing(backend: Backend, smtp_url: &str) -> TestApp {
    let mailer = Mailer::new(smtp_url, "Pacer <pacer@example.test>").expect("mail settings");
    TestApp::spawn_configured(backend, false, move |settings| {
        settings.mailer = Some(mailer);
        settings.public_url = Some(BASE.to_string());
    })
    .await
}

/// The password mails the sink received for `to` (the digest job, started with the mailer,
/// may mail the fixture's people their digest: those are not counted).
fn password_mails(sink: &SmtpSink, to: &str) -> Vec<Value> {
    sink.mails()
        .into_iter()
        .filter(|m| {
            m["rcpt_tos"] == serde_json::json!([to])
                && m["subject"]
                    .as_str()
                    .is_some_and(|s| s.contains("password"))
        })
        .collect()
}

/// The one password mail for `to`: its text and HTML.
fn the_mail_for(sink: &SmtpSink, to: &str) -> (String, String) {
    let mails = password_mails(sink, to);
    assert_eq!(mails.len(), 1, "one password mail for {to}: {mails:#?}");
    (
        mails[0]["text"]
            .as_str()
            .expect("a plain text part")
            .to_string(),
        mails[0]["html"].as_str().expect("an HTML part").to_string(),
    )
}

/// The path (with its token) of the link a mail's text carries, checked to start at Pacer's
/// public address.
fn mailed_path(text: &str) -> String {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(BASE))
        .unwrap_or_else(|| panic!("a link at {BASE} in the mail: {text}"))
        .to_string()
}

fn add_form<'a>(name: &'a str, email: &'a str, unit: &'a str) -> [(&'a str, &'a str); 5] {
    [
        ("name", name),
        ("email", email),
        ("role", "rep"),
        ("unit", unit),
        ("manager", ""),
    ]
}

/// Sets `password` through the link at `path`, then signs in with it.
async fn follow(app: &TestApp, path: &str, email: &str, password: &str) {
    let client = app.new_session();
    assert_eq!(app.get(&client, path).await.status(), StatusCode::OK);
    let token = path.split_once("token=").expect("a token in the link").1;
    let set = app
        .call(
            &client,
            "set_password",
            &[
                ("token", token),
                ("password", password),
                ("confirm", password),
            ],
        )
        .await;
    assert!(set.status().is_success(), "{}", set.status());
    assert!(app
        .login(&client, email, password)
        .await
        .status()
        .is_success());
}

async fn people_import(app: &TestApp, client: &reqwest::Client, body: &str) -> ImportProgress {
    let response = client
        .post(format!("{}/api/import/people", app.address))
        .header("content-type", "text/csv")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    serde_json::from_str(text.lines().last().expect("a last line")).unwrap()
}

async fn password_links_are_mailed_when_smtp_is_set(backend: Backend) {
    let sink = SmtpSink::start();
    let app = spawn_mailing(backend, &sink.url()).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let n1 = fx.ids.units[3].to_string();

    // An admin adds a person: one mail to them, and the admin is told so and sees the link.
    let name = "Nina <b>New</b> & Co";
    let response = app
        .call(&admin, "add_person", &add_form(name, NEW, &n1))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let added: AddedPerson = response.json().await.unwrap();
    assert_eq!(added.link.delivery, Delivery::Mailed { to: NEW.into() });
    let told = added.link.delivery.sentence().unwrap();
    assert!(told.starts_with(&format!("Mailed to {NEW}")), "{told}");
    assert!(added.link.path.starts_with("/password?token="));
    let (text, html) = the_mail_for(&sink, NEW);
    let url = format!("{BASE}{}", added.link.path);
    assert!(text.contains(&url), "{text}");
    assert!(text.contains(name), "the text part is plain text: {text}");
    assert!(html.contains(&format!("<a href=\"{url}\">")), "{html}");
    assert!(
        html.contains("Nina &lt;b&gt;New&lt;/b&gt; &amp; Co"),
        "{html}"
    );
    assert!(!html.contains("<b>New"), "a name is never markup: {html}");
    // The mailed link works: the new person chooses a password and signs in.
    follow(&app, &mailed_path(&text), NEW, GOOD).await;

    // A new password link for someone with a password: mailed too, and it works.
    let rep = fx.ids.users[REP_N2_INDEX].to_string();
    let response = app
        .call(&admin, "password_link", &[("person", rep.as_str())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let issued: IssuedLink = response.json().await.unwrap();
    assert_eq!(issued.delivery, Delivery::Mailed { to: REP_N2.into() });
    let (text, _) = the_mail_for(&sink, REP_N2);
    assert!(text.contains(&format!("{BASE}{}", issued.path)), "{text}");
    let renewed = "quiet harbour violin meadow";
    follow(&app, &mailed_path(&text), REP_N2, renewed).await;

    // People imported from a file get their links by mail as well.
    let imported = people_import(
        &app,
        &admin,
        "email,name,role,unit,manager_email\n\
         kim@example.test,Kim Keller,rep,North/N1,manager.north@example.test\n",
    )
    .await;
    let ImportProgress::Done { report } = imported else {
        panic!("the import ends with a report");
    };
    assert!(report.stored, "{report:?}");
    assert_eq!(
        report.invitations[0].delivery,
        Delivery::Mailed {
            to: "kim@example.test".into()
        }
    );
    let (text, _) = the_mail_for(&sink, "kim@example.test");
    assert!(
        text.contains(&format!("{BASE}{}", report.invitations[0].path)),
        "{text}"
    );
    follow(&app, &mailed_path(&text), "kim@example.test", GOOD).await;
}

async fn without_smtp_nothing_is_mailed_and_the_link_is_shown(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let n1 = fx.ids.units[3].to_string();
    let response = app
        .call(&admin, "add_person", &add_form("Nina New", NEW, &n1))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let added: AddedPerson = response.json().await.unwrap();
    assert_eq!(added.link.delivery, Delivery::NotMailed);
    assert_eq!(added.link.delivery.sentence(), None);
    let rep = fx.ids.users[REP_N2_INDEX].to_string();
    let issued: IssuedLink = app
        .call(&admin, "password_link", &[("person", rep.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(issued.delivery, Delivery::NotMailed);
    // The admin passes the link on, as before, and it works.
    follow(&app, &added.link.path, NEW, GOOD).await;
}

async fn a_mail_server_out_of_reach_leaves_the_person_added(backend: Backend) {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_mailing(backend, &format!("smtp://127.0.0.1:{closed_port}")).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let n1 = fx.ids.units[3].to_string();
    let response = app
        .call(&admin, "add_person", &add_form("Nina New", NEW, &n1))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let added: AddedPerson = response.json().await.unwrap();
    let Delivery::NotSent { to, reason } = &added.link.delivery else {
        panic!("the mail cannot have gone: {:?}", added.link.delivery);
    };
    assert_eq!(to, NEW);
    assert!(!reason.is_empty());
    let told = added.link.delivery.sentence().unwrap();
    assert!(
        told.starts_with(&format!("The mail to {NEW} could not be sent: "))
            && told.ends_with("pass the link on yourself."),
        "{told}"
    );
    let (people,): (i64,) = sql("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(NEW)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(people, 1, "the person is added all the same");
    follow(&app, &added.link.path, NEW, GOOD).await;
}
