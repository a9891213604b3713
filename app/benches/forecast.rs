//! The forecast engine natively (issue #5): 10 000 open opportunities × 10 000 trials, the
//! same workload `end2end/bench/forecast.bench.ts` times in wasm in Chromium.
//! `cargo bench -p app --bench forecast`

use app::domain::forecast::{sample_pipeline, simulate, SEED, TRIALS};
use criterion::{criterion_group, criterion_main, Criterion};
use rust_decimal::Decimal;
use std::hint::black_box;

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("monte_carlo");
    for deals in [300usize, 2_000, 10_000] {
        let open = sample_pipeline(deals);
        let target = Decimal::from(deals as i64 * 120);
        group.bench_function(format!("{deals}_deals_x_{TRIALS}_trials"), |b| {
            b.iter(|| {
                simulate(
                    black_box(Decimal::from(5_000)),
                    black_box(&open),
                    target,
                    TRIALS,
                    SEED,
                )
            })
        });
    }
    let open = sample_pipeline(10_000);
    group.bench_function("10000_deals_x_1_trial", |b| {
        b.iter(|| {
            simulate(
                black_box(Decimal::from(5_000)),
                black_box(&open),
                Decimal::ONE,
                1,
                SEED,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
