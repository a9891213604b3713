//! A backtest that can fail (issue 19). A simulated sales world the forecaster does not see:
//! true win rates below the nominal stage percentages and different by stage, drifting over
//! the years; deals that slip past their expected close date (reps push it, or leave it
//! overdue); deals that end in no decision; deals created and won inside a quarter; and a
//! shock shared by every deal of a quarter. The forecaster learns only from the history the
//! world produced up to the day of the forecast ([`learn`] ignores everything later), then
//! forecasts each team's bookings for the quarter from its middle; the outcome is what the
//! world then did.
//!
//! It compares Pacer (calibrated) with the old engine (nominal stage percentages, independent
//! deals, nothing new) and with the plain weighted pipeline, and prints the figures in
//! BENCHMARKS.md.

use app::domain::calibration::{learn, Calibration, Closed, DealHistory, DealNow, StageEntry};
use app::domain::forecast::{simulate, simulate_with, OpenOpportunity, Uncertainty, SEED, TRIALS};
use app::domain::{Probability, Stage, StageKind};
use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

/// Worlds (companies), each simulated over four years.
const WORLDS: u64 = 30;
const YEARS: i64 = 4;
const TEAMS: usize = 3;
const REPS_PER_TEAM: usize = 8;

/// Stage ids: four open stages, then won and lost.
const NOMINAL: [u8; 4] = [10, 25, 50, 75];
const WON: i64 = 5;
const LOST: i64 = 6;

fn stages() -> Vec<Stage> {
    let open = ["Lead", "Qualified", "Proposal", "Negotiation"];
    let mut stages: Vec<Stage> = open
        .iter()
        .enumerate()
        .map(|(i, name)| Stage {
            id: i as i64 + 1,
            name: (*name).into(),
            position: i as i32,
            probability: Probability::parse(i64::from(NOMINAL[i])).unwrap(),
            rotting_days: Some([45, 30, 30, 21][i]),
            kind: StageKind::Open,
        })
        .collect();
    for (id, name, kind, p) in [
        (WON, "Won", StageKind::Won, 100),
        (LOST, "Lost", StageKind::Lost, 0),
    ] {
        stages.push(Stage {
            id,
            name: name.into(),
            position: id as i32,
            probability: Probability::parse(p).unwrap(),
            rotting_days: None,
            kind,
        });
    }
    stages
}

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()
}

/// Quarter `q` (0-based from the world's start) as (first day, last day).
fn quarter(q: i64) -> (NaiveDate, NaiveDate) {
    let first = start()
        .checked_add_months(chrono::Months::new(3 * q as u32))
        .unwrap();
    let next = first.checked_add_months(chrono::Months::new(3)).unwrap();
    (first, next - Duration::days(1))
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.gen());
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

struct World {
    deals: Vec<DealHistory>,
    /// Team of each owner id.
    team_of: Vec<usize>,
}

/// Four years of a company's deals, day by day. Nothing here is visible to the forecaster
/// except the history it leaves behind.
fn simulate_world(seed: u64) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(0xB0B0 + seed);
    let days = YEARS * 365 + 1;
    let quarters = YEARS * 4 + 1;
    let quarter_shock: Vec<f64> = (0..quarters).map(|_| 0.3 * normal(&mut rng)).collect();
    let value = |rng: &mut ChaCha8Rng| (20_000f64.ln() + 0.9 * normal(rng)).exp();
    let reps = TEAMS * REPS_PER_TEAM;
    let rate: Vec<f64> = (0..reps).map(|_| rng.gen_range(0.3..0.7)).collect();
    let team_of: Vec<usize> = (0..reps).map(|r| r / REPS_PER_TEAM).collect();
    // Daily hazards per open stage: (advance or win, lose). Nominal 10/25/50/75 % against true
    // chances of roughly 8/17/33/63 % — and no-decision deals never move forward.
    let hazards = [
        (0.020, 0.022),
        (0.024, 0.022),
        (0.030, 0.026),
        (0.032, 0.019),
    ];
    struct Live {
        deal: DealHistory,
        stage: usize,
        due: NaiveDate,
        stalled: bool,
    }
    let mut live: Vec<Live> = Vec::new();
    let mut done: Vec<DealHistory> = Vec::new();
    for d in 0..days {
        let today = start() + Duration::days(d);
        let q = d * 4 / 365;
        // Conditions drift: a good first year, a harder last one.
        let drift = 1.2 - 0.4 * d as f64 / days as f64;
        let factor = drift * quarter_shock[q as usize].exp();
        let mut still = Vec::with_capacity(live.len());
        for mut l in live.drain(..) {
            let (forward, lose) = hazards[l.stage];
            let (forward, lose) = if l.stalled {
                (0.0, 0.006)
            } else {
                (forward * factor, lose)
            };
            let x: f64 = rng.gen();
            if x < forward {
                if l.stage == 3 {
                    l.deal.closed = Some(Closed {
                        on: today,
                        won: true,
                    });
                    done.push(l.deal);
                    continue;
                }
                l.stage += 1;
                l.deal.entries.push(StageEntry {
                    on: today,
                    stage_id: l.stage as i64 + 1,
                });
            } else if x < forward + lose {
                l.deal.closed = Some(Closed {
                    on: today,
                    won: false,
                });
                done.push(l.deal);
                continue;
            }
            // Past its date: half the reps push it out a few weeks, the rest leave it overdue.
            if l.due < today && rng.gen_bool(0.08) {
                l.due = today + Duration::days(rng.gen_range(14..45));
                l.deal.dues.push((today, l.due));
            }
            still.push(l);
        }
        live = still;
        if today.format("%u").to_string().parse::<u8>().unwrap() <= 5 {
            for (owner, &r) in rate.iter().enumerate() {
                if rng.gen_bool(r) {
                    let stage = usize::from(rng.gen_bool(0.3));
                    let due = today + Duration::days(rng.gen_range(20..90));
                    live.push(Live {
                        deal: DealHistory {
                            owner: owner as i64,
                            value: (value(&mut rng) * 100.0).round() as i64,
                            created_on: today,
                            entries: vec![StageEntry {
                                on: today,
                                stage_id: stage as i64 + 1,
                            }],
                            dues: vec![(today, due)],
                            closed: None,
                        },
                        stage,
                        due,
                        stalled: rng.gen_bool(0.2),
                    });
                }
            }
        }
    }
    done.extend(live.into_iter().map(|l| l.deal));
    World {
        deals: done,
        team_of,
    }
}

fn won_between(world: &World, team: usize, from: NaiveDate, to: NaiveDate) -> i64 {
    world
        .deals
        .iter()
        .filter(|d| world.team_of[d.owner as usize] == team)
        .filter(|d| {
            d.closed
                .is_some_and(|c| c.won && c.on >= from && c.on <= to)
        })
        .map(|d| d.value)
        .sum()
}

/// What the history shows about one deal at the end of `day`: its stage and where it stands,
/// if it is open then and due by `end` (overdue ones included: won this quarter, they count
/// for it) — what Pacer's database holds about an open deal.
fn open_on(deal: &DealHistory, day: NaiveDate, end: NaiveDate) -> Option<(usize, DealNow)> {
    if deal.created_on > day || deal.closed.is_some_and(|c| c.on <= day) {
        return None;
    }
    let entry = deal.entries.iter().take_while(|e| e.on <= day).last()?;
    let due = deal.dues.iter().take_while(|d| d.0 <= day).last()?.1;
    (due <= end).then_some((
        (entry.stage_id - 1) as usize,
        DealNow {
            overridden: None,
            entered_on: entry.on,
            due_on: due,
        },
    ))
}

#[derive(Default)]
struct Score {
    n: u32,
    inside: u32,
    below: u32,
    p_hit: f64,
    reached: u32,
    brier: f64,
    abs_pct_error: f64,
}

impl Score {
    fn add(
        &mut self,
        p10: Decimal,
        p50: Decimal,
        p90: Decimal,
        p_hit: f64,
        outcome: Decimal,
        target: Decimal,
    ) {
        self.n += 1;
        if p10 <= outcome && outcome <= p90 {
            self.inside += 1;
        } else if outcome < p10 {
            self.below += 1;
        }
        let reached = outcome >= target;
        self.p_hit += p_hit;
        self.reached += u32::from(reached);
        self.brier += (p_hit - f64::from(u8::from(reached))).powi(2);
        let err = (p50 - outcome).abs() / outcome.max(Decimal::ONE);
        let err = f64::try_from(err).unwrap_or(0.0);
        self.abs_pct_error += err;
    }
    fn coverage(&self) -> f64 {
        f64::from(self.inside) / f64::from(self.n)
    }
    fn hit_gap(&self) -> f64 {
        (self.p_hit - f64::from(self.reached)).abs() / f64::from(self.n)
    }
    fn mape(&self) -> f64 {
        self.abs_pct_error / f64::from(self.n)
    }
    fn line(&self, name: &str) -> String {
        format!(
            "{name}: P10–P90 holds the outcome {:.1} % ({} below, {} above); mean P(hit) {:.1} % vs reached {:.1} %; Brier {:.3}; MAPE {:.1} %",
            self.coverage() * 100.0,
            self.below,
            self.n - self.inside - self.below,
            self.p_hit / f64::from(self.n) * 100.0,
            f64::from(self.reached) / f64::from(self.n) * 100.0,
            self.brier / f64::from(self.n),
            self.mape() * 100.0
        )
    }
}

fn money(hundredths: i64) -> Decimal {
    Decimal::new(hundredths, 2)
}

#[test]
fn forecasts_learned_from_history_hold_in_a_world_they_cannot_see() {
    let stages = stages();
    let (mut pacer, mut nominal, mut weighted) =
        (Score::default(), Score::default(), Score::default());
    for seed in 0..WORLDS {
        let world = simulate_world(seed);
        let mut targets_rng = ChaCha8Rng::seed_from_u64(seed);
        // Quarters of the second year on: a year of history to learn from, and last year's
        // quarter to set the target by.
        for q in 4..YEARS * 4 {
            let (first, last) = quarter(q);
            let mid = first + (last - first) / 2;
            let calibration: Calibration = learn(&world.deals, &stages, mid);
            for team in 0..TEAMS {
                let won = won_between(&world, team, first, mid);
                let mut open_learned = Vec::new();
                let mut open_nominal = Vec::new();
                for deal in world
                    .deals
                    .iter()
                    .filter(|d| world.team_of[d.owner as usize] == team)
                {
                    let Some((stage, now)) = open_on(deal, mid, last) else {
                        continue;
                    };
                    let value = money(deal.value);
                    open_nominal.push(OpenOpportunity {
                        value,
                        probability: NOMINAL[stage],
                        stage: String::new(),
                    });
                    open_learned.push(OpenOpportunity {
                        value,
                        probability: calibration.deal_percent(&stages[stage], now, mid, last),
                        stage: String::new(),
                    });
                }
                let extra: Uncertainty = calibration.uncertainty(false, REPS_PER_TEAM, mid, last);
                let (last_year_first, last_year_last) = quarter(q - 4);
                let last_year = won_between(&world, team, last_year_first, last_year_last);
                let target = money(last_year) * Decimal::new(targets_rng.gen_range(85..125), 2);
                let outcome = money(won_between(&world, team, first, last));

                if std::env::var("BACKTEST_DEBUG").is_ok() {
                    // Expected from the open deals vs what they brought; expected new vs new.
                    let expected_open: f64 = open_learned
                        .iter()
                        .map(|d| f64::try_from(d.value).unwrap() * f64::from(d.probability) / 100.0)
                        .sum();
                    let (mut from_open, mut from_new) = (0f64, 0f64);
                    for deal in world
                        .deals
                        .iter()
                        .filter(|d| world.team_of[d.owner as usize] == team)
                    {
                        if !deal
                            .closed
                            .is_some_and(|c| c.won && c.on > mid && c.on <= last)
                        {
                            continue;
                        }
                        if open_on(deal, mid, last).is_some() {
                            from_open += deal.value as f64 / 100.0;
                        } else {
                            from_new += deal.value as f64 / 100.0;
                        }
                    }
                    let mean_new: f64 = extra
                        .new_values
                        .iter()
                        .map(|&v| v as f64 / 100.0)
                        .sum::<f64>()
                        / extra.new_values.len().max(1) as f64;
                    println!(
                        "DBG {seed} {q} {team} open_exp {expected_open:.0} open_got {from_open:.0} new_exp {:.0} new_got {from_new:.0} sd {:.2}",
                        extra.new_deals * mean_new,
                        extra.shared_sd
                    );
                }
                let band = simulate_with(money(won), &open_learned, &extra, target, TRIALS, SEED);
                pacer.add(band.p10, band.p50, band.p90, band.p_hit, outcome, target);
                let old = simulate(money(won), &open_nominal, target, TRIALS, SEED);
                nominal.add(old.p10, old.p50, old.p90, old.p_hit, outcome, target);
                // The weighted pipeline is a point: its "band" is the point itself.
                let point = old.weighted;
                weighted.add(
                    point,
                    point,
                    point,
                    f64::from(u8::from(point >= target)),
                    outcome,
                    target,
                );
            }
        }
    }
    println!(
        "BACKTEST {} team-quarters, forecast at mid-quarter",
        pacer.n
    );
    println!("BACKTEST {}", pacer.line("Pacer (learned)"));
    println!("BACKTEST {}", nominal.line("old engine (nominal)"));
    println!("BACKTEST {}", weighted.line("weighted pipeline"));

    assert!(
        (0.75..=0.85).contains(&pacer.coverage()),
        "Pacer's coverage {:.3}",
        pacer.coverage()
    );
    assert!(
        pacer.hit_gap() <= 0.05,
        "Pacer's P(hit) off by {:.3}",
        pacer.hit_gap()
    );
    assert!(
        pacer.mape() < weighted.mape(),
        "Pacer's MAPE {:.3} not below the weighted pipeline's {:.3}",
        pacer.mape(),
        weighted.mape()
    );
    // The same test fails the engine as it was: the test can fail.
    assert!(
        !(0.75..=0.85).contains(&nominal.coverage()) || nominal.hit_gap() > 0.05,
        "the nominal engine passes too: the world is not hard enough"
    );
}
