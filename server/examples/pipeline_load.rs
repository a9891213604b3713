//! Load generator for the pipeline board (issue #3's performance targets). Results go into
//! BENCHMARKS.md with the command that produced them.
//!
//! It starts the real application (router, sessions, database) on a loopback port with the
//! demo company, pads the pipeline to `--open` open opportunities, then
//!   1. fetches the board page (SSR, all open opportunities, as the admin) `--pages` times
//!      one after another and reports how long the full response took;
//!   2. runs `--clients` concurrent clients, each signed in and moving its own share of the
//!      opportunities to the next open stage with the version it holds, for `--seconds`, and
//!      reports round trips (request → committed → response) and throughput;
//!   3. checks that every confirmed move left exactly one history row.
//!
//! With `--url` it loads a Pacer already running there instead (its database named by
//! `--database-url`, read for the opportunities to move): the move load under which `make bench`
//! samples the server's memory.
//!
//! ```text
//! cargo run --release -p server --example pipeline_load -- --clients 50 --seconds 20
//! cargo run --release -p server --example pipeline_load -- --database-url postgres://…/empty_db
//! ```

use app::db::sql;
use app::db::Db;
use clap::Parser;
use leptos::config::LeptosOptions;
use reqwest::{Client, StatusCode};
use server::configuration::Settings;
use server::startup::Application;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// An empty database to use (default: a new SQLite file in a temporary directory).
    #[arg(long)]
    database_url: Option<String>,
    /// Concurrent clients moving cards.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// How long the clients keep moving.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Open opportunities on the board.
    #[arg(long, default_value_t = 2000)]
    open: i64,
    /// Board page loads to time.
    #[arg(long, default_value_t = 30)]
    pages: usize,
    /// Total moves per second, spread evenly over the clients (open loop: latency is counted
    /// from when a move was due, so a slow server cannot hide its queue). Without it, every
    /// client sends its next move as soon as the last one is answered (closed loop: the
    /// throughput ceiling).
    #[arg(long)]
    rate: Option<f64>,
    /// A running Pacer to load (its database is `--database-url`) instead of starting one.
    #[arg(long)]
    url: Option<String>,
}

const ADMIN: &str = "sabine.krueger@pacer.demo";
const PASSWORD: &str = "pacer-demo";

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/load.db", dir.path().display()));
    let settings = Settings {
        database_url: database_url.clone(),
        leptos_options: LeptosOptions::builder()
            .output_name("pacer")
            .site_root("target/site")
            .site_pkg_dir("pkg")
            .site_addr("127.0.0.1:0".parse::<std::net::SocketAddr>().expect("addr"))
            .build(),
        load_demo: true,
        secure_cookie: false,
        max_body_bytes: server::configuration::DEFAULT_MAX_BODY_BYTES,
        api_rate: server::configuration::DEFAULT_API_RATE,
        webhooks: Default::default(),
        trust_forwarded: false,
        digest: Default::default(),
        public_url: None,
        mailer: None,
    };
    let (base, db) = match &args.url {
        Some(url) => {
            let db = Db::connect(&database_url).await.expect("database");
            (url.trim_end_matches('/').to_string(), db)
        }
        None => {
            let app = Application::build(settings)
                .await
                .expect("application starts");
            let base = format!("http://127.0.0.1:{}", app.port());
            let db = app.db().clone();
            tokio::spawn(app.run_until_stopped());
            (base, db)
        }
    };
    println!(
        "backend: {}, clients: {}, open opportunities: {}",
        db.backend(),
        args.clients,
        args.open
    );

    pad_open_opportunities(&db, args.open).await;
    let open = open_opportunities(&db).await;
    println!("open opportunities on the board: {}", open.len());

    if args.pages > 0 {
        board_pages(&base, args.pages).await;
    }
    moves(&base, &db, &args, open).await;
}

async fn signed_in(base: &str) -> Client {
    let client = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = client
        .post(format!("{base}/api/login"))
        .form(&[("email", ADMIN), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "sign-in: {}",
        response.status()
    );
    client
}

/// Copies open opportunities (with a history row each) until `target` are open.
async fn pad_open_opportunities(db: &Db, target: i64) {
    loop {
        let open = open_opportunities(db).await.len() as i64;
        if open >= target {
            return;
        }
        let missing = target - open;
        let mut tx = db.begin_write().await.expect("begin");
        sql(
                "INSERT INTO opportunities (title, customer_id, owner_id, value_minor, currency, \
                 expected_close_on, stage_id, probability, version, stage_entered_at, created_at, updated_at) \
                 SELECT o.title, o.customer_id, o.owner_id, o.value_minor, o.currency, o.expected_close_on, \
                 o.stage_id, o.probability, 1, o.stage_entered_at, o.created_at, o.updated_at \
                 FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE s.kind = 'open' \
                 ORDER BY o.id LIMIT $1",
            )
        .bind(missing)
        .execute(&mut tx)
        .await
        .expect("pad");
        sql(
                "INSERT INTO stage_changes (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by) \
                 SELECT o.id, NULL, o.stage_id, o.created_at, o.owner_id FROM opportunities o \
                 WHERE NOT EXISTS (SELECT 1 FROM stage_changes h WHERE h.opportunity_id = o.id)",
            )
        .execute(&mut tx)
        .await
        .expect("history of the copies");
        tx.commit().await.expect("commit");
        // As autovacuum would after so large a change: without statistics Postgres plans the
        // board's window queries for a table of a few hundred rows (board page 258 ms, 90 ms
        // with them).
        if matches!(db, Db::Postgres(_)) {
            sql("ANALYZE").execute(db).await.expect("analyze");
        }
    }
}

/// (id, version, stage) of every open opportunity.
async fn open_opportunities(db: &Db) -> Vec<(i64, i64, i64)> {
    sql(
        "SELECT o.id, o.version, o.stage_id FROM opportunities o JOIN stages s ON s.id = o.stage_id \
         WHERE s.kind = 'open' ORDER BY o.id",
    )
    .fetch_all(db)
    .await
    .expect("open opportunities")
}

async fn open_stages(db: &Db) -> Vec<i64> {
    let rows: Vec<(i64,)> =
        sql("SELECT id FROM stages WHERE kind = 'open' AND archived_at IS NULL ORDER BY position")
            .fetch_all(db)
            .await
            .expect("stages");
    rows.into_iter().map(|(id,)| id).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64)).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn board_pages(base: &str, pages: usize) {
    let client = signed_in(base).await;
    // The admin's default view is the company: every open opportunity.
    let url = format!("{base}/board");
    // Once as text, for what it holds.
    let page = client
        .get(&url)
        .header("accept", "text/html")
        .send()
        .await
        .expect("board");
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.expect("board body");
    let cards = body.matches("data-testid=\"card\"").count();
    // Then as a browser asks for it (compressed: this client does not unpack it, so the body
    // is what crossed the wire), timed until its last byte.
    let mut times = Vec::new();
    let mut wire = 0;
    for _ in 0..=pages {
        let started = Instant::now();
        let response = client
            .get(&url)
            .header("accept", "text/html")
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .expect("board");
        assert_eq!(response.status(), StatusCode::OK);
        wire = response.bytes().await.expect("board body").len();
        times.push(started.elapsed());
    }
    times.remove(0); // the first load warms caches
    times.sort();
    println!(
        "board page (SSR, {cards} cards, {} KB uncompressed, {} KB on the wire): p50 {}, p95 {}, max {} over {pages} loads",
        body.len() / 1024,
        wire / 1024,
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 95.0)),
        ms(*times.last().expect("loads")),
    );
}

async fn moves(base: &str, db: &Db, args: &Args, open: Vec<(i64, i64, i64)>) {
    let stages = open_stages(db).await;
    let history_before: (i64,) = sql("SELECT COUNT(*) FROM stage_changes")
        .fetch_one(db)
        .await
        .expect("count");
    let mut shares: Vec<Vec<(i64, i64, i64)>> = vec![Vec::new(); args.clients];
    for (i, opportunity) in open.into_iter().enumerate() {
        shares[i % args.clients].push(opportunity);
    }
    let mut clients = Vec::new();
    for _ in 0..args.clients {
        clients.push(signed_in(base).await);
    }
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    // Open loop: client `c` sends at started + (c / clients + k) × interval.
    let interval = args
        .rate
        .map(|rate| Duration::from_secs_f64(args.clients as f64 / rate));
    let clients_n = args.clients as f64;
    let mut tasks = Vec::new();
    for (index, (client, mut share)) in clients.into_iter().zip(shares).enumerate() {
        let base = base.to_string();
        let offset = interval.map(|i| i.mul_f64(index as f64 / clients_n));
        let stages = stages.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures: HashMap<String, usize> = HashMap::new();
            let mut next = 0;
            while Instant::now() < deadline && !share.is_empty() {
                let (id, version, stage) = share[next % share.len()];
                let position = stages.iter().position(|s| *s == stage).unwrap_or(0);
                let to = stages[(position + 1) % stages.len()];
                let sent = match (interval, offset) {
                    (Some(interval), Some(offset)) => {
                        let due =
                            started + offset + interval * u32::try_from(next).unwrap_or(u32::MAX);
                        tokio::time::sleep_until(due.into()).await;
                        due
                    }
                    _ => Instant::now(),
                };
                if sent >= deadline {
                    break;
                }
                let response = client
                    .post(format!("{base}/api/move_opportunity"))
                    .form(&[
                        ("id", id.to_string()),
                        ("version", version.to_string()),
                        ("stage_id", to.to_string()),
                    ])
                    .send()
                    .await;
                match response {
                    Ok(response) if response.status() == StatusCode::OK => {
                        let card: serde_json::Value = response.json().await.expect("card");
                        latencies.push(sent.elapsed());
                        let slot = next % share.len();
                        share[slot] = (id, card["version"].as_i64().expect("version"), to);
                    }
                    Ok(response) => {
                        let status = response.status();
                        let body = response.text().await.unwrap_or_default();
                        *failures
                            .entry(format!(
                                "{status}: {}",
                                body.chars().take(120).collect::<String>()
                            ))
                            .or_default() += 1;
                    }
                    Err(e) => *failures.entry(e.to_string()).or_default() += 1,
                }
                next += 1;
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures: HashMap<String, usize> = HashMap::new();
    for task in tasks {
        let (l, f) = task.await.expect("client task");
        latencies.extend(l);
        for (k, v) in f {
            *failures.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let errors: usize = failures.values().sum();
    println!(
        "moves ({}): {} in {:.1} s = {:.0} moves/s; round trip p50 {}, p99 {}, max {}; errors {errors}",
        match args.rate {
            Some(rate) => format!("open loop at {rate:.0}/s"),
            None => "closed loop, as fast as answered".to_string(),
        },
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );
    for (failure, count) in &failures {
        println!("  {count} × {failure}");
    }
    let history_after: (i64,) = sql("SELECT COUNT(*) FROM stage_changes")
        .fetch_one(db)
        .await
        .expect("count");
    let written = history_after.0 - history_before.0;
    println!(
        "history rows written: {written} for {} confirmed moves ({})",
        latencies.len(),
        if written == latencies.len() as i64 {
            "consistent"
        } else {
            "INCONSISTENT"
        }
    );
}
