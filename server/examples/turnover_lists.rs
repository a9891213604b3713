//! Benchmark for issue #6's performance targets. Results go into BENCHMARKS.md with the
//! command that produced them.
//!
//! On an empty database it
//!   1. imports `--customers` customers and then a sales file of 100 000 lines through the
//!      real import path (parse, check, one transaction) and reports each import's time;
//!   2. imports the rest of `--years` years of monthly sales for every customer (default
//!      100 000 customers × 36 months = 3.6 M sales) in files of 400 000 lines;
//!   3. times the plus list, the minus list and the trend list (first page of 100, year to
//!      date, every customer in scope) `--runs` times each and reports median and slowest.
//!
//! ```text
//! cargo run --release -p server --example turnover_lists
//! cargo run --release -p server --example turnover_lists -- --database-url postgres://…/empty_db
//! ```

use app::db::Db;
use app::domain::turnover::TrendRule;
use app::domain::Scope;
use app::model::customers::{CustomerFilter, Listing, CUSTOMER_PAGE_SIZE};
use app::model::imports::ImportKind;
use app::model::imports::Importer;
use app::service::imports as import;
use chrono::{Datelike, Months, Utc};
use clap::Parser;
use std::fmt::Write;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// An empty database to use (default: a new SQLite file in a temporary directory).
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value_t = 100_000)]
    customers: usize,
    #[arg(long, default_value_t = 3)]
    years: u32,
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Time the lists on a database this benchmark filled before, without importing again.
    #[arg(long)]
    lists_only: bool,
}

/// A sale's amount in cents for customer `c` in month `m`: steady, growing or falling
/// customers, so the lists and the trend flags have members.
fn amount(c: usize, m: u32, months: u32) -> i64 {
    let base = 50_000 + (c as i64 * 7_919) % 400_000;
    let progress = i64::from(m) * 100 / i64::from(months);
    match c % 10 {
        0 => base * (60 + progress) / 100,  // growing
        1 => base * (160 - progress) / 100, // falling
        2 if m + 3 >= months => base / 3,   // a recent drop: a trend change
        _ => base + (c as i64 * 31 + i64::from(m) * 17) % 5_000,
    }
}

async fn run(db: &Db, kind: ImportKind, csv: String) -> f64 {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let report = import::run(db, &Importer::command_line(), kind, csv.into_bytes(), tx)
        .await
        .expect("import runs");
    assert!(
        report.stored,
        "the generated file imports: {:?}",
        report.errors.first()
    );
    started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/turnover.db", dir.path().display()));
    let db = Db::connect(&url).await.expect("database");
    println!("database: {}", db.backend());

    let today = Utc::now().date_naive();
    if !args.lists_only {
        fill(&db, &args, today).await;
    }
    time_lists(&db, &args, today).await;
    db.close().await;
}

async fn fill(db: &Db, args: &Args, today: chrono::NaiveDate) {
    let mut customers = String::from("customer_ref,name,segment\n");
    for c in 0..args.customers {
        let segment = if c % 2 == 0 { "price" } else { "relationship" };
        writeln!(customers, "B-{c:06},Bench customer {c},{segment}").unwrap();
    }
    let secs = run(db, ImportKind::Customers, customers).await;
    println!("import {} customers: {secs:.2} s", args.customers);

    // Monthly sales, oldest month first, one line per customer and month.
    let customers = args.customers;
    let months = args.years * 12;
    let first = today.with_day(1).unwrap() - Months::new(months - 1);
    let mut lines = (0..months).flat_map(|m| (0..customers).map(move |c| (m, c)));
    let mut file = |n: usize| {
        let mut csv = String::from("customer_ref,date,amount\n");
        let mut count = 0;
        for (m, c) in lines.by_ref().take(n) {
            let month = first + Months::new(m);
            let day = month.with_day(1 + (c % 28) as u32).unwrap().min(today);
            let a = amount(c, m, months);
            writeln!(csv, "B-{c:06},{day},{}.{:02}", a / 100, a % 100).unwrap();
            count += 1;
        }
        (csv, count)
    };
    let (csv, n) = file(100_000);
    let secs = run(db, ImportKind::Sales, csv).await;
    println!(
        "import {n} sales lines: {secs:.2} s ({:.0} lines/s)",
        n as f64 / secs
    );
    let started = Instant::now();
    let mut total = n;
    loop {
        let (csv, n) = file(400_000);
        if n == 0 {
            break;
        }
        run(db, ImportKind::Sales, csv).await;
        total += n;
    }
    println!(
        "import the rest, {} sales lines: {:.1} s; {total} sales in all",
        total - 100_000,
        started.elapsed().as_secs_f64()
    );
    // A month's ERP export into the full database: one sale more per customer this month.
    let mut csv = String::from("customer_ref,date,amount\n");
    for c in 0..customers.min(100_000) {
        writeln!(csv, "B-{c:06},{},12.34", today.with_day(1).unwrap()).unwrap();
    }
    let secs = run(db, ImportKind::Sales, csv).await;
    println!(
        "import {} more sales lines into the full database: {secs:.2} s",
        customers.min(100_000)
    );
    // As after any bulk load: the planner's statistics.
    db.analyze().await.expect("analyze");
}

async fn time_lists(db: &Db, args: &Args, today: chrono::NaiveDate) {
    for listing in [Listing::Plus, Listing::Minus, Listing::Trend] {
        let filter = CustomerFilter {
            listing,
            ..CustomerFilter::trends(today)
        };
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..args.runs {
            let started = Instant::now();
            let list = app::repo::customers::list(
                db,
                &Scope::All,
                &filter,
                today,
                TrendRule::default(),
                Some(CUSTOMER_PAGE_SIZE),
            )
            .await
            .expect("list");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            found = list.total;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{:?} list over {} customers ({found} on the list): median {:.0} ms, slowest {:.0} ms",
            listing,
            args.customers,
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
