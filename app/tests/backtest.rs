//! Backtest of the bookings forecast (issue #5): pipelines whose true win probabilities are
//! known, forecast at mid-period, compared with what then happened. A calibrated P10–P90 band
//! contains the outcome in 80 % of periods.

use app::domain::forecast::{simulate, OpenOpportunity, SEED, TRIALS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

const PERIODS: u64 = 600;
const WORKING_DAYS: u32 = 60;

#[test]
fn the_p10_p90_band_contains_the_outcome_four_times_in_five() {
    let stages = [
        ("Lead", 10u8),
        ("Qualified", 25),
        ("Proposal", 50),
        ("Negotiation", 75),
    ];
    let mut inside = 0u64;
    let mut below = 0u64;
    let mut hit_predicted = 0f64;
    let mut hit_realised = 0u64;
    for period in 0..PERIODS {
        // The world's dice, independent of the forecast's own seeded generator.
        let mut world = ChaCha8Rng::seed_from_u64(period);
        let deals = world.gen_range(20..1200);
        let mut won = Decimal::ZERO;
        let mut open = Vec::new();
        for _ in 0..deals {
            let (stage, probability) = stages[world.gen_range(0..stages.len())];
            // Deal sizes spread over two orders of magnitude, as in a real pipeline.
            let value = Decimal::new(
                world.gen_range(50_000..2_000_000i64) * world.gen_range(1..6),
                2,
            );
            let closes_on_day = world.gen_range(0..WORKING_DAYS);
            if closes_on_day < WORKING_DAYS / 2 {
                if world.gen_range(0..100) < probability {
                    won += value;
                }
            } else {
                open.push(OpenOpportunity {
                    value,
                    probability,
                    stage: stage.into(),
                });
            }
        }
        // The target: somewhere around what the pipeline can bring.
        let weighted: Decimal = won
            + open
                .iter()
                .map(|d| d.value * Decimal::from(d.probability) / Decimal::ONE_HUNDRED)
                .sum::<Decimal>();
        let target = (weighted * Decimal::new(world.gen_range(80..120), 2)).round_dp(2);
        let band = simulate(won, &open, target, TRIALS, SEED);

        let outcome = won
            + open
                .iter()
                .filter(|d| world.gen_range(0..100) < d.probability)
                .map(|d| d.value)
                .sum::<Decimal>();
        if band.p10 <= outcome && outcome <= band.p90 {
            inside += 1;
        } else if outcome < band.p10 {
            below += 1;
        }
        hit_predicted += band.p_hit;
        hit_realised += u64::from(outcome >= target);
    }
    let coverage = inside as f64 / PERIODS as f64;
    println!(
        "BACKTEST {PERIODS} periods: P10–P90 contains the outcome in {:.1} % ({} below P10, {} above P90); \
         mean P(hit) {:.1} %, targets reached {:.1} %",
        coverage * 100.0,
        below,
        PERIODS - inside - below,
        hit_predicted / PERIODS as f64 * 100.0,
        hit_realised as f64 / PERIODS as f64 * 100.0,
    );
    assert!((0.75..=0.85).contains(&coverage), "coverage {coverage}");
    let hit_gap = (hit_predicted - hit_realised as f64).abs() / PERIODS as f64;
    assert!(hit_gap <= 0.05, "P(hit) off by {hit_gap}");
}
