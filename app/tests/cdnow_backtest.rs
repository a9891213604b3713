//! A backtest of the run-rate ranges on real transactions (issue 19): CDNOW, the record shop's
//! 69 659 purchases by 23 570 customers from January 1997 to June 1998 that ships with the
//! `lifetimes` package on PyPI (`lifetimes/datasets/CDNOW_master.txt`: customer, date,
//! CDs, dollars). `make test` downloads the package once (scripts/datasets.sh) and points
//! `PACER_CDNOW` at the file; the test itself runs offline.
//!
//! The customers are dealt into 20 territories (by customer id) as if each were a rep's book;
//! each territory's daily turnover is the series. For every month and quarter from July 1997,
//! at 25, 50 and 75 % of it, the forecaster sees the days up to then; the target is the
//! previous period of the same kind × 0.9–1.2. Nothing here was tuned on this data: it is a
//! world with its own shape (every customer's first purchase falls in the first quarter of
//! 1997, so turnover decays for months, then settles), which the forecaster was not built for.

use app::domain::calendar::Calendar;
use app::domain::forecast::Pace;
use app::domain::run_rate::{band, Daily};
use app::domain::Period;
use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::*;
use std::path::PathBuf;

const TERRITORIES: usize = 20;

fn data_file() -> PathBuf {
    let path = std::env::var_os("PACER_CDNOW")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/pacer/datasets/CDNOW_master.txt"));
    assert!(
        path.exists(),
        "{} is missing: run scripts/datasets.sh (make test does) or set PACER_CDNOW",
        path.display()
    );
    path
}

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1997, 1, 1).unwrap()
}

/// Each territory's turnover, day by day, 1 Jan 1997 – 30 Jun 1998.
fn territories() -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(data_file()).expect("CDNOW_master.txt");
    let days =
        (NaiveDate::from_ymd_opt(1998, 6, 30).unwrap() - first_day()).num_days() as usize + 1;
    let mut series = vec![vec![0.0; days]; TERRITORIES];
    let mut lines = 0;
    // A header line, then "customer date CDs dollars".
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [customer, date, _cds, dollars] = fields[..] else {
            panic!("unexpected line: {line}");
        };
        let customer: usize = customer.parse().unwrap();
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").unwrap();
        let day = (date - first_day()).num_days() as usize;
        series[customer % TERRITORIES][day] += dollars.parse::<f64>().unwrap();
        lines += 1;
    }
    assert_eq!(lines, 69_659, "the CDNOW master file has 69 659 purchases");
    series
}

#[derive(Default, Debug)]
struct Score {
    n: usize,
    inside: usize,
    below: usize,
    p_hit: f64,
    reached: usize,
    brier: f64,
    old_brier: f64,
    ape: f64,
    old_ape: f64,
    no_range: usize,
}

#[test]
fn run_rate_ranges_on_real_transactions() {
    let series = territories();
    let calendar = Calendar::default();
    let mut periods = Vec::new();
    for month in 0..12 {
        let start = NaiveDate::from_ymd_opt(1997, 7, 1).unwrap() + chrono::Months::new(month);
        periods.push((
            Period::month_of(start),
            Period::month_of(start - chrono::Months::new(1)),
        ));
        if month % 3 == 0 {
            periods.push((
                Period::quarter_of(start),
                Period::quarter_of(start - chrono::Months::new(3)),
            ));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(1997);
    let mut score = Score::default();
    for days in &series {
        let sum = |from: NaiveDate, to: NaiveDate| -> f64 {
            let a = (from - first_day()).num_days() as usize;
            let b = (to - first_day()).num_days() as usize;
            days[a..=b].iter().sum()
        };
        for (period, before) in &periods {
            let target = (sum(before.start(), before.end()) * rng.gen_range(0.9..1.2))
                .round()
                .max(1.0);
            let outcome = sum(period.start(), period.end());
            let length = (period.end() - period.start()).num_days() + 1;
            for part in 1..4 {
                let today = period.start() + Duration::days(length * part / 4 - 1);
                let actual = sum(period.start(), today);
                let known = (today - first_day()).num_days() as usize;
                let history = Daily::new(
                    first_day(),
                    today,
                    days[..=known]
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (first_day() + Duration::days(i as i64), *v)),
                );
                let dec = |v: f64| Decimal::from_f64(v).unwrap().round_dp(2);
                let Some(b) = band(&history, *period, dec(actual), dec(target)) else {
                    score.no_range += 1;
                    continue;
                };
                let straight = Pace::at(dec(target), dec(actual), *period, today, &calendar)
                    .projection
                    .to_f64()
                    .unwrap();
                let (p10, p50, p90) = (
                    b.p10.to_f64().unwrap(),
                    b.p50.to_f64().unwrap(),
                    b.p90.to_f64().unwrap(),
                );
                let reached = outcome >= target;
                let r = f64::from(u8::from(reached));
                score.n += 1;
                score.inside += usize::from(p10 <= outcome && outcome <= p90);
                score.below += usize::from(outcome < p10);
                score.p_hit += b.p_hit;
                score.reached += usize::from(reached);
                score.brier += (b.p_hit - r).powi(2);
                score.old_brier += (f64::from(u8::from(straight >= target)) - r).powi(2);
                score.ape += (p50 - outcome).abs() / outcome.max(1.0);
                score.old_ape += (straight - outcome).abs() / outcome.max(1.0);
            }
        }
    }
    let n = score.n as f64;
    println!(
        "CDNOW, {} territory forecasts ({} without a range): P10–P90 coverage {:.1} % ({} below P10), mean P(hit) {:.1} % vs reached {:.1} %, Brier {:.3} (straight line {:.3}), MAPE of P50 {:.1} % (straight line {:.1} %)",
        score.n,
        score.no_range,
        100.0 * score.inside as f64 / n,
        score.below,
        100.0 * score.p_hit / n,
        100.0 * score.reached as f64 / n,
        score.brier / n,
        score.old_brier / n,
        100.0 * score.ape / n,
        100.0 * score.old_ape / n,
    );
    // What this real world shows (BENCHMARKS.md has the figures): a range for nearly every
    // forecast, holding the outcome about as often as it says, chances as often right as they
    // claim, and both the chance and the median better than the straight line's.
    let coverage = 100.0 * score.inside as f64 / n;
    let gap = 100.0 * (score.p_hit - score.reached as f64) / n;
    assert!(score.n >= 900, "{score:?}");
    assert!(
        (75.0..=90.0).contains(&coverage),
        "coverage {coverage:.1}: {score:?}"
    );
    assert!(gap.abs() <= 5.0, "P(hit) gap {gap:.1}: {score:?}");
    assert!(score.brier < score.old_brier, "{score:?}");
    assert!(score.ape < score.old_ape, "{score:?}");
}
