//! Benchmark for issue 19's target: learning the forecast's calibration from 100 000 historical
//! opportunities takes ≤ 2 s on SQLite. Results go into BENCHMARKS.md.
//!
//! On an empty database it loads the demo company, adds `--deals` closed opportunities spread
//! over three years (each with its stage moves and close dates, as Pacer records them), then
//! learns `--runs` times (read the history, learn, store) and reports the median and slowest.
//!
//! ```text
//! cargo run --release -p server --example calibration_load
//! cargo run --release -p server --example calibration_load -- --database-url postgres://…/empty_db
//! ```

use app::db::{sql, Db};
use app::domain::StageKind;
use chrono::{Duration, Utc};
use clap::Parser;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// An empty database to use (default: a new SQLite file in a temporary directory).
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value_t = 100_000)]
    deals: usize,
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// One made-up historical deal: (owner, customer, value, created days ago, stages reached
/// (1–4), won, days open).
type Deal = (i64, i64, i64, i64, usize, bool, i64);

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/calibration.db", dir.path().display()));
    let db = Db::connect(&url).await.expect("database");
    let today = Utc::now().date_naive();
    server::demo::load_if_empty(&db, today)
        .await
        .expect("demo company");
    let stages = app::repo::pipeline::stages(&db).await.expect("stages");
    let open: Vec<i64> = stages
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .map(|s| s.id)
        .collect();
    let won = stages.iter().find(|s| s.kind == StageKind::Won).unwrap().id;
    let lost = stages
        .iter()
        .find(|s| s.kind == StageKind::Lost)
        .unwrap()
        .id;
    let reps: Vec<(i64,)> = sql("SELECT id FROM users WHERE role = 'rep' ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("reps");
    let customers: Vec<(i64,)> = sql("SELECT id FROM customers ORDER BY id LIMIT 2000")
        .fetch_all(&db)
        .await
        .expect("customers");

    let started = Instant::now();
    let deals: Vec<Deal> = (0..args.deals)
        .map(|i| {
            let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let reached = 1 + (x % 4) as usize;
            (
                reps[i % reps.len()].0,
                customers[(x >> 8) as usize % customers.len()].0,
                100_000 + (x >> 16) as i64 % 5_000_000,
                10 + (x >> 24) as i64 % 1_085,
                reached,
                (x >> 40) % 100 < 10 * reached as u64,
                7 + (x >> 48) as i64 % 120,
            )
        })
        .collect();
    let now = Utc::now();
    for chunk in deals.chunks(2_000) {
        let mut tx = db.begin_write().await.expect("write");
        for &(owner, customer, value, ago, reached, is_won, open_days) in chunk {
            let created = now - Duration::days(ago);
            let closed = created + Duration::days(open_days.min(ago - 1));
            let (id,): (i64,) = sql(
                "INSERT INTO opportunities (title, customer_id, owner_id, value_minor, currency, \
                 expected_close_on, stage_id, probability, lost_reason, closed_on, version, \
                 stage_entered_at, created_at, updated_at) \
                 VALUES ('History', $1, $2, $3, 'EUR', $4, $5, NULL, NULL, $6, 1, $7, $8, $7) \
                 RETURNING id",
            )
            .bind(customer)
            .bind(owner)
            .bind(value)
            .bind((created + Duration::days(45)).date_naive())
            .bind(if is_won { won } else { lost })
            .bind(closed.date_naive())
            .bind(closed)
            .bind(created)
            .fetch_one(&mut tx)
            .await
            .expect("opportunity");
            let mut moves = sql(
                "INSERT INTO stage_changes (opportunity_id, from_stage_id, to_stage_id, \
                 changed_at, changed_by) ",
            );
            let steps: Vec<(Option<i64>, i64, chrono::DateTime<Utc>)> = (0..reached)
                .map(|s| {
                    let at = created + (closed - created) * s as i32 / reached as i32;
                    (s.checked_sub(1).map(|p| open[p]), open[s], at)
                })
                .chain(std::iter::once((
                    Some(open[reached - 1]),
                    if is_won { won } else { lost },
                    closed,
                )))
                .collect();
            moves.push_values(steps, |row, (from, to, at)| {
                row.push_bind(id)
                    .push_bind(from)
                    .push_bind(to)
                    .push_bind(at)
                    .push_bind(owner);
            });
            moves.execute(&mut tx).await.expect("moves");
            sql(
                "INSERT INTO close_date_changes (opportunity_id, changed_at, expected_close_on) \
                 VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(created)
            .bind((created + Duration::days(45)).date_naive())
            .execute(&mut tx)
            .await
            .expect("close date");
        }
        tx.commit().await.expect("commit");
    }
    db.analyze().await.expect("analyze");
    println!(
        "{} backend: {} historical opportunities added in {:.1} s",
        db.backend(),
        args.deals,
        started.elapsed().as_secs_f64()
    );

    let mut times = Vec::new();
    for _ in 0..args.runs {
        let started = Instant::now();
        let learned = app::repo::calibration::relearn(&db, today, true)
            .await
            .expect("learn");
        times.push(started.elapsed().as_secs_f64());
        assert!(learned.deals as usize >= args.deals);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "learning the calibration (read the history, learn, store), {} runs: median {:.2} s, slowest {:.2} s",
        args.runs,
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
