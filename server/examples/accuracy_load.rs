//! Benchmark for issue 19's target: the accuracy report for 8 quarters × 100 targets in
//! ≤ 300 ms. Results go into BENCHMARKS.md.
//!
//! On an empty database it loads the demo company, adds 100 closed targets for each of the
//! last 8 quarters, each with its snapshots at 25, 50, 75 % and the last day and a call, then
//! computes the admin's report `--runs` times (read the targets in scope, their snapshots and
//! calls, score) and reports the median and slowest.
//!
//! ```text
//! cargo run --release -p server --example accuracy_load
//! cargo run --release -p server --example accuracy_load -- --database-url postgres://…/empty_db
//! ```

use app::db::{sql, Db};
use app::domain::accuracy::checkpoints_and_end;
use app::domain::Period;
use chrono::{Months, Utc};
use clap::Parser;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// An empty database to use (default: a new SQLite file in a temporary directory).
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value_t = 100)]
    per_quarter: usize,
    #[arg(long, default_value_t = 8)]
    quarters: u32,
    #[arg(long, default_value_t = 7)]
    runs: usize,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/accuracy.db", dir.path().display()));
    let db = Db::connect(&url).await.expect("database");
    let now = Utc::now();
    let today = now.date_naive();
    server::demo::load_if_empty(&db, today)
        .await
        .expect("demo company");
    let reps: Vec<(i64,)> = sql("SELECT id FROM users WHERE role = 'rep' ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("reps");
    let (admin,): (i64,) = sql("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1")
        .fetch_one(&db)
        .await
        .expect("admin");

    let started = Instant::now();
    let this_quarter = Period::quarter_of(today);
    for q in 1..=args.quarters {
        let period = Period::quarter_of(this_quarter.start() - Months::new(3 * q));
        for i in 0..args.per_quarter {
            let rep = reps[i % reps.len()].0;
            let metric = if i % 2 == 0 { "bookings" } else { "visits" };
            let value = 10_000_000 + (i as i64 * 7_919) % 5_000_000;
            let (target,): (i64,) = sql(
                "INSERT INTO targets (statement, metric, value_hundredths, currency, starts_on, ends_on, \
                 assignee_user_id, kind, rationale, status, created_by, created_at, updated_by, updated_at) \
                 VALUES ($1, $2, $3, 'EUR', $4, $5, $6, 'operational', 'benchmark', $7, $8, $9, $8, $9) \
                 RETURNING id",
            )
            .bind(format!("Benchmark target {q}-{i}"))
            .bind(metric)
            .bind(value)
            .bind(period.start())
            .bind(period.end())
            .bind(rep)
            .bind(if i % 3 == 0 { "achieved" } else { "missed" })
            .bind(admin)
            .bind(now)
            .fetch_one(&db)
            .await
            .expect("target");
            for (k, day) in checkpoints_and_end(period).into_iter().enumerate() {
                let k = k as i64 + 1;
                sql(
                    "INSERT INTO target_snapshots (target_id, day, actual_hundredths, expected_hundredths, \
                     projection_hundredths, p10_hundredths, p50_hundredths, p90_hundredths, p_hit_permille, \
                     health, warning, taken_at, weighted_hundredths) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'at_risk', NULL, $10, $11)",
                )
                .bind(target)
                .bind(day)
                .bind(value * k / 4)
                .bind(value * k / 4)
                .bind(value * 9 / 10)
                .bind(value * 7 / 10)
                .bind(value * 9 / 10)
                .bind(value * 11 / 10)
                .bind(((i * 37) % 1000) as i32)
                .bind(now)
                .bind(value * 8 / 10)
                .execute(&db)
                .await
                .expect("snapshot");
            }
            sql(
                "INSERT INTO forecast_calls (target_id, made_by, commit_hundredths, best_case_hundredths, \
                 note, model_p50_hundredths, made_at) VALUES ($1, $2, $3, $4, '', $5, $6)",
            )
            .bind(target)
            .bind(rep)
            .bind(value * 8 / 10)
            .bind(value)
            .bind(value * 9 / 10)
            .bind(period.start().and_hms_opt(12, 0, 0).unwrap().and_utc() + chrono::Duration::days(30))
            .execute(&db)
            .await
            .expect("call");
        }
    }
    db.analyze().await.expect("analyze");
    println!(
        "added {} closed targets with 4 snapshots and a call each in {:.1} s",
        args.quarters as usize * args.per_quarter,
        started.elapsed().as_secs_f64()
    );

    let (user, _) = app::repo::users::find_session_user(&db, admin)
        .await
        .expect("admin")
        .expect("an active admin");
    let mut times = Vec::new();
    for run in 0..args.runs {
        let started = Instant::now();
        let report = app::service::accuracy::report(&db, &user, today)
            .await
            .expect("report");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        println!(
            "run {}: {:.0} ms ({} rows, {} forecasts overall)",
            run + 1,
            ms,
            report.rows.len(),
            report.overall.map_or(0, |o| o.targets)
        );
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "accuracy report, {} quarters × {} targets: median {:.0} ms, slowest {:.0} ms",
        args.quarters,
        args.per_quarter,
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
