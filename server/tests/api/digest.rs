//! The daily digest by e-mail (issue 20), against a real SMTP server (aiosmtpd, started here on
//! loopback): each person who wants it gets one mail a day with what changed and their next
//! steps due, however many times and instances run the job; someone who switched it off, or
//! with nothing to report, gets none; user text is encoded for HTML.

use crate::both_backends;
use crate::helpers::*;
use app::db::{sql, Db};
use chrono::{Duration, Utc};
use serde_json::Value;
use server::digest::{run_once, Schedule};
use server::mail::Mailer;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

both_backends!(one_mail_per_person_and_day_with_their_next_steps);

/// aiosmtpd on a free loopback port, keeping what it receives in a directory of its own.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let python = std::env::var("PACER_SMTP_PYTHON").expect(
            "PACER_SMTP_PYTHON names the Python with aiosmtpd (scripts/smtp-sink.sh prints it; `make test` sets it)",
        );
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../scripts/smtp_sink.py"
            ))
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP sink starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the sink prints its port");
        SmtpSink { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, oldest first.
    pub fn mails(&self) -> Vec<Value> {
        let mut paths: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

/// A next step due today at the fixture customer of `owner`.
async fn step_due_today(db: &Db, fx: &Fixture, owner: usize, text: &str) {
    sql(
        "INSERT INTO activities (kind, customer_id, user_id, occurred_at, notes, client_id, \
         next_step, next_step_due) VALUES ('call', $1, $2, $3, '', $4, $5, $6)",
    )
    .bind(fx.customer_id(owner, 0))
    .bind(fx.ids.users[owner])
    .bind(Utc::now() - Duration::hours(20))
    .bind(format!("digest-{owner}-0001"))
    .bind(text)
    .bind(Utc::now().date_naive())
    .execute(db)
    .await
    .unwrap();
}

pub async fn prepare(db: &Db, fx: &Fixture) {
    step_due_today(db, fx, REP_N1_INDEX, "Send the <b>quote</b> & price list").await;
    step_due_today(db, fx, REP_N2_INDEX, "Call back").await;
    // The second rep switched the mail off.
    sql("UPDATE users SET digest_mail = FALSE WHERE id = $1")
        .bind(fx.ids.users[REP_N2_INDEX])
        .execute(db)
        .await
        .unwrap();
}

pub fn check_the_one_mail(mails: &[Value]) {
    assert_eq!(
        mails.len(),
        1,
        "one mail for the one person with news: {mails:#?}"
    );
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"], serde_json::json!([REP_N1]));
    assert!(
        mail["subject"].as_str().unwrap().starts_with("Pacer "),
        "{mail}"
    );
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains("Next steps due"), "{text}");
    assert!(
        text.contains("Send the <b>quote</b> & price list"),
        "{text}"
    );
    assert!(text.contains("/customers/"), "links into Pacer: {text}");
    let html = mail["html"].as_str().unwrap();
    assert!(
        html.contains("Send the &lt;b&gt;quote&lt;/b&gt; &amp; price list"),
        "{html}"
    );
    assert!(
        !html.contains("<b>quote"),
        "user text is never markup: {html}"
    );
}

async fn one_mail_per_person_and_day_with_their_next_steps(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    prepare(&app.db, &fx).await;
    let sink = SmtpSink::start();
    let mailer = Mailer::new(&sink.url(), "Pacer <pacer@example.test>").unwrap();
    let schedule = Schedule {
        hour: 0,
        zone: chrono_tz::UTC,
    };
    let now = Utc::now();
    // Two instances wake at once, then one again later the same day.
    let (a, b) = tokio::join!(
        run_once(
            &app.db,
            &mailer,
            schedule,
            "https://pacer.example.test",
            now
        ),
        run_once(
            &app.db,
            &mailer,
            schedule,
            "https://pacer.example.test",
            now
        )
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let again = run_once(
        &app.db,
        &mailer,
        schedule,
        "https://pacer.example.test",
        now,
    )
    .await;
    assert_eq!(again.unwrap(), 0);
    check_the_one_mail(&sink.mails());
    let (sent, quiet): (i64, i64) = sql(
        "SELECT SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), \
         SUM(CASE WHEN outcome = 'nothing to report' THEN 1 ELSE 0 END) FROM digest_mails",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(sent, 1);
    assert!(quiet >= 4, "the others had nothing to report ({quiet})");

    // The next day the mail server refuses: the claim is tried again after 15 minutes (the
    // overdue step is still there), not at the job's next wake-up five minutes on.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refusing = Mailer::new(
        &format!("smtp://127.0.0.1:{closed_port}"),
        "Pacer <pacer@example.test>",
    )
    .unwrap();
    let tomorrow = now + Duration::days(1);
    let base = "https://pacer.example.test";
    assert_eq!(
        run_once(&app.db, &refusing, schedule, base, tomorrow)
            .await
            .unwrap(),
        0
    );
    let (outcome,): (Option<String>,) =
        sql("SELECT outcome FROM digest_mails WHERE user_id = $1 AND day = $2")
            .bind(fx.ids.users[REP_N1_INDEX])
            .bind(tomorrow.date_naive())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(outcome.unwrap().starts_with("not sent"));
    let soon = tomorrow + Duration::minutes(5);
    assert_eq!(
        run_once(&app.db, &mailer, schedule, base, soon)
            .await
            .unwrap(),
        0
    );
    let later = tomorrow + Duration::minutes(16);
    assert_eq!(
        run_once(&app.db, &mailer, schedule, base, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(sink.mails().len(), 2);

    // Before the hour, nothing is due.
    let late = Schedule {
        hour: 23,
        zone: chrono_tz::UTC,
    };
    let morning = now.date_naive().and_hms_opt(6, 0, 0).unwrap().and_utc();
    assert_eq!(late.due(morning), None);

    // The setting: on by default, switched off by its owner.
    let rep = signed_in(&app, REP_N1).await;
    let on: bool = app
        .call(&rep, "digest_mail", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(on);
    let off: bool = app
        .call(&rep, "set_digest_mail", &[("on", "false")])
        .await
        .json()
        .await
        .unwrap();
    assert!(!off);
    let (stored,): (bool,) = sql("SELECT digest_mail FROM users WHERE id = $1")
        .bind(fx.ids.users[REP_N1_INDEX])
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!stored);
}

/// Two release servers on one Postgres, both mailing the digest from their start: one mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_send_the_digest_once() {
    let (url, _dir) = fresh_database(Backend::Postgres).await;
    let db = Db::connect(&url).await.unwrap();
    let fx = Fixture::load(&db).await;
    prepare(&db, &fx).await;
    let sink = SmtpSink::start();
    let mail_env = [
        ("PACER_SMTP_URL", sink.url()),
        ("PACER_MAIL_FROM", "Pacer <pacer@example.test>".to_string()),
        ("PACER_DIGEST_HOUR", "0".to_string()),
        ("PACER_TIME_ZONE", "UTC".to_string()),
        ("PACER_PUBLIC_URL", "https://pacer.example.test".to_string()),
    ];
    let (_a, _b) = tokio::join!(
        ServerProcess::on_with(&url, &mail_env),
        ServerProcess::on_with(&url, &mail_env)
    );
    // Both ran the job at start; wait until every recipient's day is settled.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (settled,): (i64,) = sql("SELECT COUNT(*) FROM digest_mails WHERE outcome IS NOT NULL")
            .fetch_one(&db)
            .await
            .unwrap();
        let (wanted,): (i64,) =
            sql("SELECT COUNT(*) FROM users WHERE digest_mail AND deactivated_at IS NULL")
                .fetch_one(&db)
                .await
                .unwrap();
        if settled == wanted {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{settled} of {wanted} digests settled"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    check_the_one_mail(&sink.mails());
    let text = sink.mails()[0]["text"].as_str().unwrap().to_string();
    assert!(
        text.contains("https://pacer.example.test/customers/"),
        "{text}"
    );
}
