use crate::helpers::*;
use app::db::{ConnectError, Db};
use std::process::Command;

#[tokio::test]
async fn malformed_and_unknown_database_urls_are_refused_with_a_reason() {
    let err = Db::connect("mysql://localhost/pacer").await.unwrap_err();
    assert!(matches!(err, ConnectError::UnknownScheme(_)), "{err}");
    let err = Db::connect("postgres://pacer:secret@[bad")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("malformed"), "{err}");
    assert!(
        !err.to_string().contains("secret"),
        "passwords never reach messages: {err}"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_is_reported_not_waited_for_forever() {
    // Port 1 on loopback: nothing listens there.
    let err = Db::connect("postgres://pacer:secret@127.0.0.1:1/pacer")
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("cannot open the database at postgres://pacer:***@127.0.0.1:1/pacer"),
        "{message}"
    );
}

/// The binary itself: one line naming the problem, a non-zero exit, never a panic trace.
#[test]
fn the_server_exits_with_one_line_on_a_bad_database_url() {
    for url in ["postgres://pacer@127.0.0.1:1/pacer", "ftp://nowhere"] {
        let output = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("DATABASE_URL", url)
            .env("LEPTOS_OUTPUT_NAME", "pacer")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "off")
            .output()
            .expect("run the server binary");
        assert_eq!(output.status.code(), Some(1), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("pacer: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test]
async fn sqlite_is_configured_for_concurrent_use() {
    let (url, _dir) = fresh_database(Backend::Sqlite).await;
    let db = Db::connect(&url).await.unwrap();
    let Db::Sqlite(pool, _) = &db else {
        unreachable!("sqlite url")
    };
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    let (timeout,): (i64,) = sqlx::query_as("PRAGMA busy_timeout")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!((mode.as_str(), fk), ("wal", 1));
    assert!(timeout >= 5000, "{timeout}");
}

#[tokio::test]
async fn migrations_apply_twice_without_harm() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (url, _dir) = fresh_database(backend).await;
        let db = Db::connect(&url).await.unwrap();
        db.close().await;
        let again = Db::connect(&url).await.unwrap();
        again.ping().await.unwrap();
    }
}

/// Issue 22: `server import` names the first 20 customers a sales file created and says how
/// many more there are (a real file had 23 570, all printed on one line); `--verbose` names
/// every one.
#[tokio::test]
async fn the_import_command_names_twenty_new_customers_and_counts_the_rest() {
    let (url, _dir) = fresh_database(Backend::Sqlite).await;
    let db = Db::connect(&url).await.unwrap();
    Fixture::load(&db).await;
    db.close().await;
    let files = tempfile::tempdir().unwrap();
    let import = |prefix: &str, verbose: bool| {
        let file = files.path().join(format!("{prefix}.csv"));
        let mut csv = String::from("customer_ref,date,amount\n");
        for n in 0..45 {
            csv.push_str(&format!("{prefix}-{n:03},2026-11-02,100.00\n"));
        }
        std::fs::write(&file, csv).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command.args(["import", "sales"]).arg(&file);
        if verbose {
            command.arg("--verbose");
        }
        let output = command
            .env("DATABASE_URL", &url)
            .env("LEPTOS_OUTPUT_NAME", "pacer")
            .env("RUST_LOG", "off")
            .output()
            .expect("run server import");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
            .lines()
            .find(|l| l.starts_with("New customers"))
            .unwrap_or_else(|| panic!("names the new customers: {stdout}"))
            .to_string()
    };
    let refs = |prefix: &str, n: usize| {
        (0..n)
            .map(|i| format!("{prefix}-{i:03}"))
            .collect::<Vec<_>>()
            .join(", ")
    };

    assert_eq!(
        import("NEW", false),
        format!(
            "New customers (all of them with --verbose): {} and 25 more",
            refs("NEW", 20)
        )
    );
    assert_eq!(
        import("MORE", true),
        format!("New customers: {}", refs("MORE", 45))
    );
}
