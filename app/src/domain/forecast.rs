//! Progress, pace and forecast (DESIGN.md, "Progress, pace, forecast"): pure functions that the
//! server and the browser both run, so a card dragged on the board moves the forecast before
//! the server has answered, and the server's snapshot says the same thing afterwards.
//!
//! Amounts are `Decimal` at the edges and whole hundredths inside (cents for money, hundredths
//! of a visit for counts), so the simulation adds integers and never rounds money.

use super::calendar::Calendar;
use super::calibration::{Chances, DealNow};
use super::number::format_value;
use super::period::{working_days_between, Period};
use super::pipeline::{Opportunity, Stage, StageKind};
use super::FieldError;
use super::{Currency, Hundredths, Locale, Metric, MetricUnit};
use chrono::NaiveDate;
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Trials per simulation: enough that P10/P90 move by well under 1 % between seeds.
pub const TRIALS: u32 = 10_000;

/// The seed every forecast uses: the same pipeline always gives the same band, on the server
/// and in the browser.
pub const SEED: u64 = 0x5041_4345_525F_4D43; // "PACER_MC"

/// The largest deals that are drawn one by one in each trial. Below them, when at least as
/// many deals remain, their sum is drawn from the normal distribution with the same mean and
/// variance (the central limit theorem holds well for many small, independent deals); with
/// fewer, every deal is drawn. This keeps 10 000 deals × 10 000 trials inside one frame.
pub const EXACT_DEALS: usize = 64;

/// Whole hundredths of a unit, the engine's integer measure.
fn hundredths(value: Decimal) -> i64 {
    Hundredths::from_decimal(value).raw()
}

fn decimal(hundredths: i64) -> Decimal {
    Decimal::new(hundredths, 2)
}

/// `a × b ÷ c` rounded half away from zero, in 128 bits so no product overflows.
fn mul_div(a: i64, b: i64, c: i64) -> i64 {
    if c == 0 {
        return 0;
    }
    let (n, d) = (i128::from(a) * i128::from(b), i128::from(c));
    let q = (2 * n.abs() + d.abs()) / (2 * d.abs());
    let q = if (n < 0) != (d < 0) { -q } else { q };
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

/// Where a target stands today, by the company's working-day clock ([`Calendar`]: its working
/// weekdays, without its public holidays).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pace {
    pub target: Decimal,
    pub actual: Decimal,
    /// Target × elapsed working days ÷ working days in the period.
    pub expected: Decimal,
    /// Actual ÷ elapsed working days × working days in the period; the actual itself before
    /// the first working day has passed (nothing to extrapolate from) and after the end.
    pub projection: Decimal,
    pub elapsed_days: i64,
    pub total_days: i64,
}

impl Pace {
    /// `as_of` counts as elapsed: the figures are those at the end of that day.
    pub fn at(
        target: Decimal,
        actual: Decimal,
        period: Period,
        as_of: NaiveDate,
        calendar: &Calendar,
    ) -> Pace {
        let total_days = calendar.working_days(period);
        let elapsed_days = calendar.working_days_elapsed(period, as_of);
        let (t, a) = (hundredths(target), hundredths(actual));
        let expected = mul_div(t, elapsed_days, total_days);
        let projection = if elapsed_days == 0 || elapsed_days >= total_days {
            a
        } else {
            mul_div(a, total_days, elapsed_days)
        };
        Pace {
            target,
            actual,
            expected: decimal(expected),
            projection: decimal(projection),
            elapsed_days,
            total_days,
        }
    }

    pub fn remaining_days(&self) -> i64 {
        (self.total_days - self.elapsed_days).max(0)
    }

    /// What is still missing to reach the target (zero once reached).
    pub fn gap(&self) -> Decimal {
        (self.target - self.actual).max(Decimal::ZERO)
    }

    /// The pace needed from tomorrow to reach the target, per week of five working days.
    pub fn needed_per_week(&self) -> Option<Decimal> {
        let days = self.remaining_days();
        (days > 0).then(|| decimal(mul_div(hundredths(self.gap()), 5, days)))
    }
}

/// An open opportunity expected to close in the period, as the forecast sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOpportunity {
    /// Its value in the target's unit: the money value for bookings, 1 for won opportunities.
    pub value: Decimal,
    /// Percent, 0–100.
    pub probability: u8,
    /// The stage it is in, for the warning's "what would close the gap".
    pub stage: String,
}

/// Open deals of one chance and stage, summed: what the engine needs of deals it does not
/// draw one by one (their count, Σ value and Σ value², and the smallest and largest value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealGroup {
    /// Percent, 0–100.
    pub probability: u8,
    pub stage: String,
    pub count: u32,
    /// Σ value in hundredths.
    pub sum: i64,
    /// Σ value² in hundredths².
    pub sum_sq: i128,
    pub min: i64,
    pub max: i64,
}

/// A target's open pipeline as the board carries it: every deal one by one while there are few,
/// and at company scale the largest uncertain deals one by one and the rest as [`DealGroup`]s —
/// exactly what [`simulate_with`] uses of them (issue 21: a board of 50 000 opportunities sends
/// a few kilobytes of pipeline instead of every card).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// (opportunity id, deal), so that a moved card can be taken out again.
    pub deals: Vec<(i64, OpenOpportunity)>,
    pub rest: Vec<DealGroup>,
}

/// Up to this many open deals a pipeline carries one by one.
pub const PIPELINE_ALL_UP_TO: usize = 4 * EXACT_DEALS;
/// Beyond it, this many of the largest uncertain deals: twice what the engine draws exactly, so
/// that the deals it draws exactly are still among them after cards have been moved.
pub const PIPELINE_KEPT: usize = 2 * EXACT_DEALS;

impl Pipeline {
    /// Every deal one by one.
    pub fn of(deals: Vec<(i64, OpenOpportunity)>) -> Pipeline {
        Pipeline {
            deals,
            rest: Vec::new(),
        }
    }

    /// `deals`, summarised when there are more than [`PIPELINE_ALL_UP_TO`]: the uncertain ones
    /// (chance strictly between 0 and 100 %) stay one by one while there are at most that many,
    /// else the [`PIPELINE_KEPT`] largest; the others are grouped by chance and stage.
    pub fn summarise(mut deals: Vec<(i64, OpenOpportunity)>) -> Pipeline {
        if deals.len() <= PIPELINE_ALL_UP_TO {
            return Pipeline::of(deals);
        }
        let uncertain = |d: &OpenOpportunity| d.probability > 0 && d.probability < 100;
        // Uncertain first, then the engine's order: largest value, then largest chance.
        deals.sort_by(|(ia, a), (ib, b)| {
            uncertain(b)
                .cmp(&uncertain(a))
                .then(b.value.cmp(&a.value))
                .then(b.probability.cmp(&a.probability))
                .then(ia.cmp(ib))
        });
        let n_uncertain = deals.iter().filter(|(_, d)| uncertain(d)).count();
        let kept = if n_uncertain <= PIPELINE_ALL_UP_TO {
            n_uncertain
        } else {
            PIPELINE_KEPT
        };
        let grouped = deals.split_off(kept);
        let mut pipeline = Pipeline::of(deals);
        for (_, deal) in &grouped {
            pipeline.add_to_rest(deal);
        }
        pipeline
            .rest
            .sort_by(|a, b| (b.probability, &a.stage).cmp(&(a.probability, &b.stage)));
        pipeline
    }

    fn add_to_rest(&mut self, deal: &OpenOpportunity) {
        let value = hundredths(deal.value).max(0);
        let p = deal.probability.min(100);
        match self
            .rest
            .iter_mut()
            .find(|g| g.probability == p && g.stage == deal.stage)
        {
            Some(g) => {
                g.count += 1;
                g.sum = g.sum.saturating_add(value);
                g.sum_sq += i128::from(value) * i128::from(value);
                g.min = g.min.min(value);
                g.max = g.max.max(value);
            }
            None => self.rest.push(DealGroup {
                probability: p,
                stage: deal.stage.clone(),
                count: 1,
                sum: value,
                sum_sq: i128::from(value) * i128::from(value),
                min: value,
                max: value,
            }),
        }
    }

    /// Adds the deal of opportunity `id` (one by one).
    pub fn add(&mut self, id: i64, deal: OpenOpportunity) {
        self.deals.push((id, deal));
    }

    /// Takes out the deal of opportunity `id`, which counted as `deal`: from the deals one by
    /// one if it is there, else from its group.
    pub fn remove(&mut self, id: i64, deal: &OpenOpportunity) {
        if let Some(i) = self.deals.iter().position(|(d, _)| *d == id) {
            self.deals.remove(i);
            return;
        }
        let value = hundredths(deal.value).max(0);
        let p = deal.probability.min(100);
        if let Some(i) = self
            .rest
            .iter()
            .position(|g| g.probability == p && g.stage == deal.stage && g.count > 0)
        {
            let g = &mut self.rest[i];
            g.count -= 1;
            g.sum = g.sum.saturating_sub(value).max(0);
            g.sum_sq = (g.sum_sq - i128::from(value) * i128::from(value)).max(0);
            if g.count == 0 {
                self.rest.remove(i);
            }
        }
    }

    /// How many open deals it holds.
    pub fn len(&self) -> usize {
        self.deals.len() + self.rest.iter().map(|g| g.count as usize).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Won so far plus the open pipeline: the weighted forecast and the simulated range.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub won: Decimal,
    /// Σ value of the open deals.
    pub open: Decimal,
    /// Won + Σ value × probability.
    pub weighted: Decimal,
    pub p10: Decimal,
    pub p50: Decimal,
    pub p90: Decimal,
    /// Share of trials that reach the target, 0–1.
    pub p_hit: f64,
    pub trials: u32,
}

impl Band {
    pub fn p_hit_percent(&self) -> u8 {
        (self.p_hit * 100.0).round().clamp(0.0, 100.0) as u8
    }
}

/// What the history adds to the deals' own chances (see [`super::calibration`]): a shock
/// shared by every deal of the period, and business not yet in the pipeline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    /// Standard deviation of the shared shock, on the log scale of every deal's chance (and
    /// of the business still to come); 0 for none. Shocks average out to no change.
    #[serde(with = "super::calibration::micro")]
    pub shared_sd: f64,
    /// The same for the business still to come; both shocks come from one draw.
    #[serde(with = "super::calibration::micro")]
    pub new_sd: f64,
    /// Deals expected to be created and won before the period ends.
    #[serde(with = "super::calibration::micro")]
    pub new_deals: f64,
    /// What such a deal is worth, in hundredths of the target's unit, resampled.
    pub new_values: Vec<i64>,
}

impl Uncertainty {
    /// Only the deals' own chances: the forecast without history.
    pub const NONE: Uncertainty = Uncertainty {
        shared_sd: 0.0,
        new_sd: 0.0,
        new_deals: 0.0,
        new_values: Vec::new(),
    };
}

/// Each open deal is won with its probability, independently; `trials` such outcomes, seeded
/// with `seed`, give the 10th, 50th and 90th percentile of won + newly won and the share of
/// outcomes that reach `target`.
pub fn simulate(
    won: Decimal,
    open: &[OpenOpportunity],
    target: Decimal,
    trials: u32,
    seed: u64,
) -> Band {
    simulate_with(won, open, &Uncertainty::NONE, target, trials, seed)
}

/// [`simulate`] with the history's [`Uncertainty`]: in each trial one shared shock scales
/// every deal's chance, and new deals arrive as a Poisson number of resampled values.
pub fn simulate_with(
    won: Decimal,
    open: &[OpenOpportunity],
    extra: &Uncertainty,
    target: Decimal,
    trials: u32,
    seed: u64,
) -> Band {
    band(
        won,
        outcomes(won, open.iter(), &[], extra, trials, seed),
        target,
    )
}

/// [`simulate_with`] over a [`Pipeline`]: the same band as over all its deals one by one
/// (its groups are what the engine would have summed anyway).
pub fn simulate_pipeline(
    won: Decimal,
    pipeline: &Pipeline,
    extra: &Uncertainty,
    target: Decimal,
    trials: u32,
    seed: u64,
) -> Band {
    let deals = pipeline.deals.iter().map(|(_, d)| d);
    band(
        won,
        outcomes(won, deals, &pipeline.rest, extra, trials, seed),
        target,
    )
}

fn band(won: Decimal, outcomes: Outcomes, target: Decimal) -> Band {
    let Outcomes {
        mut totals,
        open_sum,
        weighted,
    } = outcomes;
    let target = hundredths(target);
    let hits = totals.iter().filter(|&&t| t >= target).count();
    totals.sort_unstable();
    let percentile = |p: usize| {
        // Nearest rank: the smallest outcome with at least p % of outcomes at or below it.
        let rank = (p * totals.len()).div_ceil(100).max(1);
        decimal(totals[rank - 1])
    };
    Band {
        won,
        open: decimal(open_sum),
        weighted: decimal(weighted),
        p10: percentile(10),
        p50: percentile(50),
        p90: percentile(90),
        p_hit: hits as f64 / totals.len() as f64,
        trials: totals.len() as u32,
    }
}

/// The outcomes of [`simulate_with`] at each of `levels` (percent, 1–99), by the same nearest
/// rank as its P10, P50 and P90: the grid a target being drafted is judged by
/// ([`super::achievable::Expected`]).
pub fn simulate_quantiles(
    won: Decimal,
    open: &[OpenOpportunity],
    extra: &Uncertainty,
    levels: &[u8],
    trials: u32,
    seed: u64,
) -> Vec<Decimal> {
    let mut totals = outcomes(won, open.iter(), &[], extra, trials, seed).totals;
    totals.sort_unstable();
    levels
        .iter()
        .map(|&p| {
            let rank = (usize::from(p.min(100)) * totals.len())
                .div_ceil(100)
                .max(1);
            decimal(totals[rank - 1])
        })
        .collect()
}

/// Every trial's total in hundredths, unsorted, with Σ open values and the weighted forecast.
struct Outcomes {
    totals: Vec<i64>,
    open_sum: i64,
    weighted: i64,
}

/// Shared shocks are drawn from this many equally likely values (the normal's quantiles at
/// the middle of each slice), so each trial still compares integers against thresholds.
const SHOCKS: usize = 16;

/// One shock's view of the deals: thresholds of the exact ones, the remainder, new deals.
struct Shocked {
    exact: Vec<(i64, u32)>,
    rest: Option<Remainder>,
    new_deals: f64,
}

fn outcomes<'a>(
    won: Decimal,
    open: impl ExactSizeIterator<Item = &'a OpenOpportunity>,
    groups: &[DealGroup],
    extra: &Uncertainty,
    trials: u32,
    seed: u64,
) -> Outcomes {
    let won = hundredths(won);
    let mut sure = 0i64;
    let mut open_sum = 0i64;
    let mut weighted = 0i128;
    // (value, percent) of every deal that may go either way.
    let mut uncertain: Vec<(i64, u8)> = Vec::with_capacity(open.len());
    let mut grouped_uncertain = 0usize;
    for g in groups {
        let p = g.probability.min(100);
        open_sum = open_sum.saturating_add(g.sum);
        weighted += i128::from(g.sum) * i128::from(p);
        match p {
            0 => {}
            100 => sure = sure.saturating_add(g.sum),
            _ => grouped_uncertain += g.count as usize,
        }
    }
    for deal in open {
        let value = hundredths(deal.value).max(0);
        let p = deal.probability.min(100);
        open_sum = open_sum.saturating_add(value);
        weighted += i128::from(value) * i128::from(p);
        match p {
            0 => {}
            100 => sure = sure.saturating_add(value),
            p => uncertain.push((value, p)),
        }
    }
    // One order whatever order the deals came in, so every screen draws the same numbers.
    uncertain.sort_unstable_by(|a, b| b.cmp(a));
    let base = won.saturating_add(sure);
    let split = if uncertain.len() + grouped_uncertain >= 2 * EXACT_DEALS {
        EXACT_DEALS.min(uncertain.len())
    } else {
        uncertain.len()
    };
    let groups: Vec<&DealGroup> = groups
        .iter()
        .filter(|g| g.probability > 0 && g.probability < 100 && g.count > 0)
        .collect();
    let (sd, new_sd) = (
        extra.shared_sd.clamp(0.0, 3.0),
        extra.new_sd.clamp(0.0, 3.0),
    );
    // log-normal multipliers with mean 1: a shock moves chances, it does not raise them.
    let shocks: Vec<(f64, f64)> = if sd > 0.0 || new_sd > 0.0 {
        let z: Vec<f64> = (0..SHOCKS)
            .map(|k| normal_quantile((k as f64 + 0.5) / SHOCKS as f64))
            .collect();
        // The slices' middles spread a little less than the normal: scaled to variance 1.
        let spread = libm::sqrt(z.iter().map(|z| z * z).sum::<f64>() / SHOCKS as f64);
        z.iter()
            .map(|z| z / spread)
            .map(|z| (sd * z - sd * sd / 2.0, new_sd * z - new_sd * new_sd / 2.0))
            .collect()
    } else {
        vec![(0.0, 0.0)]
    };
    let views: Vec<Shocked> = shocks
        .iter()
        .map(|&(shift, new_shift)| {
            let deals: Vec<(i64, u32)> = uncertain
                .iter()
                .map(|&(value, p)| (value, shifted_threshold(p, shift)))
                .collect();
            let (exact, rest) = deals.split_at(split);
            let grouped: Vec<(&DealGroup, u32)> = groups
                .iter()
                .map(|g| (*g, shifted_threshold(g.probability, shift)))
                .collect();
            Shocked {
                exact: exact.to_vec(),
                rest: (!rest.is_empty() || !grouped.is_empty())
                    .then(|| Remainder::of(rest, &grouped)),
                new_deals: extra.new_deals.max(0.0) * libm::exp(new_shift),
            }
        })
        .collect();
    let new_values = &extra.new_values;
    let count = new_values.len().max(1) as f64;
    let value_mean = new_values.iter().map(|&v| v.max(0) as f64).sum::<f64>() / count;
    let value_sd = libm::sqrt(
        new_values
            .iter()
            .map(|&v| {
                let d = v.max(0) as f64 - value_mean;
                d * d
            })
            .sum::<f64>()
            / count,
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let totals = (0..trials.max(1))
        .map(|_| {
            let view = if views.len() > 1 {
                &views[(rng.next_u64() % views.len() as u64) as usize]
            } else {
                &views[0]
            };
            let mut total = base;
            // Two deals per 64 random bits, and no branch: a won/lost branch is a coin toss
            // the processor cannot predict, and mispredicting it cost more than the draw.
            let mut pairs = view.exact.chunks_exact(2);
            for pair in &mut pairs {
                let r = rng.next_u64();
                total += pair[0].0 & -i64::from((r as u32) < pair[0].1);
                total += pair[1].0 & -i64::from(((r >> 32) as u32) < pair[1].1);
            }
            if let [(value, below)] = pairs.remainder() {
                total += value & -i64::from((rng.next_u64() as u32) < *below);
            }
            if let Some(rest) = &view.rest {
                total += rest.draw(&mut rng);
            }
            if view.new_deals > 0.0 && !new_values.is_empty() {
                let n = poisson(view.new_deals, &mut rng);
                if n <= EXACT_DEALS as u64 {
                    for _ in 0..n {
                        let pick = (rng.next_u64() % new_values.len() as u64) as usize;
                        total = total.saturating_add(new_values[pick].max(0));
                    }
                } else {
                    // Many new deals: their sum as one normal draw, so a company-wide target
                    // costs no more per trial than a rep's.
                    let n = n as f64;
                    let sum = n * value_mean + libm::sqrt(n) * value_sd * standard_normal(&mut rng);
                    total = total.saturating_add(libm::round(sum.max(0.0)) as i64);
                }
            }
            total
        })
        .collect();
    let weighted = i128::from(won) + (weighted + 50) / 100;
    Outcomes {
        totals,
        open_sum,
        weighted: i64::try_from(weighted).unwrap_or(i64::MAX),
    }
}

/// `p` % of 2³², so that a uniform `u32 < threshold(p)` happens with probability p % (to within
/// 2⁻³², far below what 10 000 trials can resolve).
fn threshold(percent: u8) -> u32 {
    ((u64::from(percent) << 32) / 100) as u32
}

/// The threshold of `percent` times `e^shift` (at most certain).
fn shifted_threshold(percent: u8, shift: f64) -> u32 {
    if shift == 0.0 {
        return threshold(percent);
    }
    let p = f64::from(percent) / 100.0 * libm::exp(shift);
    (p * 4_294_967_296.0).clamp(0.0, 4_294_967_295.0) as u32
}

/// The standard normal's quantile at `p` (Acklam's rational approximation, relative error
/// below 1.2 × 10⁻⁹), with `libm` so both platforms agree.
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail(libm::sqrt(-2.0 * libm::log(p)))
    } else if p > 1.0 - 0.02425 {
        -tail(libm::sqrt(-2.0 * libm::log(1.0 - p)))
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// A Poisson draw with mean `mean`: Knuth's product of uniforms up to 30, the normal with a
/// continuity correction above.
fn poisson(mean: f64, rng: &mut Xoshiro256PlusPlus) -> u64 {
    if mean > 30.0 {
        let x = mean + libm::sqrt(mean) * standard_normal(rng);
        return libm::round(x).max(0.0) as u64;
    }
    let limit = libm::exp(-mean);
    let unit = |x: u64| ((x >> 11) as f64 + 1.0) * (1.0 / 9_007_199_254_740_992.0);
    let (mut n, mut product) = (0u64, unit(rng.next_u64()));
    while product > limit && n < 1_000 {
        n += 1;
        product *= unit(rng.next_u64());
    }
    n
}

/// Many small deals summed as one normal draw, kept within what they can add up to. When
/// every deal is worth the same (a count of won opportunities) the draw is rounded to a
/// whole number of deals — the continuity correction, without which P(hit) of a count came
/// out a few points low.
struct Remainder {
    mean: f64,
    sd: f64,
    max: i64,
    unit: Option<i64>,
}

impl Remainder {
    /// The deals one by one (value, threshold) and the groups (with their threshold).
    fn of(deals: &[(i64, u32)], groups: &[(&DealGroup, u32)]) -> Remainder {
        let (mut mean, mut variance, mut max) = (0f64, 0f64, 0i64);
        for &(value, below) in deals {
            let p = f64::from(below) / 4_294_967_296.0;
            let v = value as f64;
            mean += v * p;
            variance += v * v * p * (1.0 - p);
            max = max.saturating_add(value);
        }
        for &(g, below) in groups {
            let p = f64::from(below) / 4_294_967_296.0;
            mean += g.sum as f64 * p;
            variance += g.sum_sq as f64 * p * (1.0 - p);
            max = max.saturating_add(g.sum);
        }
        let unit = deals
            .first()
            .map(|d| d.0)
            .or_else(|| groups.first().map(|(g, _)| g.max))
            .filter(|&v| {
                v > 0
                    && deals.iter().all(|d| d.0 == v)
                    && groups.iter().all(|(g, _)| g.min == v && g.max == v)
            });
        Remainder {
            mean,
            sd: variance.sqrt(),
            max,
            unit,
        }
    }

    fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> i64 {
        let z = standard_normal(rng);
        let x = (self.mean + self.sd * z).clamp(0.0, self.max as f64);
        match self.unit {
            Some(unit) => libm::round(x / unit as f64) as i64 * unit,
            None => libm::round(x) as i64,
        }
    }
}

/// Box–Muller with `libm`'s log and cos, so the wasm client and the native server draw
/// bit-for-bit the same numbers (the platform maths libraries may differ in the last bit).
fn standard_normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let unit = |x: u64| ((x >> 11) as f64 + 1.0) * (1.0 / 9_007_199_254_740_992.0); // (0, 1]
    let (u1, u2) = (unit(rng.next_u64()), unit(rng.next_u64()));
    (-2.0 * libm::log(u1)).sqrt() * libm::cos(std::f64::consts::TAU * u2)
}

/// On track / at risk / off track (DESIGN.md, "Status").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    OnTrack,
    AtRisk,
    OffTrack,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::OnTrack => "on_track",
            Health::AtRisk => "at_risk",
            Health::OffTrack => "off_track",
        }
    }

    pub fn parse(s: &str) -> Option<Health> {
        [Health::OnTrack, Health::AtRisk, Health::OffTrack]
            .into_iter()
            .find(|h| h.as_str() == s)
    }

    /// How bad it is: off track first when sorting by it, descending.
    pub fn severity(self) -> u8 {
        match self {
            Health::OnTrack => 0,
            Health::AtRisk => 1,
            Health::OffTrack => 2,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Health::OnTrack => "On track",
            Health::AtRisk => "At risk",
            Health::OffTrack => "Off track",
        }
    }
}

/// Where the status changes, in percent; an admin may move them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Forecast metrics: P(hit) at or above this is on track…
    pub hit_on_track: u8,
    /// …and below this off track.
    pub hit_off_track: u8,
    /// Run-rate metrics: projection ÷ target at or above this is on track…
    pub pace_on_track: u16,
    /// …and below this off track.
    pub pace_off_track: u16,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            hit_on_track: 70,
            hit_off_track: 30,
            pace_on_track: 100,
            pace_off_track: 85,
        }
    }
}

impl Thresholds {
    /// Each pair must leave room for "at risk" between its ends.
    pub fn check(&self) -> Result<(), String> {
        if self.hit_on_track > 100 || self.hit_off_track >= self.hit_on_track {
            return Err("P(hit) thresholds: off track must be below on track, both 0–100 %".into());
        }
        if self.pace_on_track > 500 || self.pace_off_track >= self.pace_on_track {
            return Err("pace thresholds: off track must be below on track, at most 500 %".into());
        }
        Ok(())
    }

    pub fn by_chance(&self, p_hit: f64) -> Health {
        let percent = p_hit * 100.0;
        if percent >= f64::from(self.hit_on_track) {
            Health::OnTrack
        } else if percent >= f64::from(self.hit_off_track) {
            Health::AtRisk
        } else {
            Health::OffTrack
        }
    }

    pub fn by_pace(&self, projection: Decimal, target: Decimal) -> Health {
        if target <= Decimal::ZERO {
            return Health::OnTrack;
        }
        let percent = projection * Decimal::ONE_HUNDRED / target;
        if percent >= Decimal::from(self.pace_on_track) {
            Health::OnTrack
        } else if percent >= Decimal::from(self.pace_off_track) {
            Health::AtRisk
        } else {
            Health::OffTrack
        }
    }
}

/// The thresholds as typed into the admin's form: whole percentages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdsInput {
    pub hit_on_track: String,
    pub hit_off_track: String,
    pub pace_on_track: String,
    pub pace_off_track: String,
}

impl From<Thresholds> for ThresholdsInput {
    fn from(t: Thresholds) -> Self {
        ThresholdsInput {
            hit_on_track: t.hit_on_track.to_string(),
            hit_off_track: t.hit_off_track.to_string(),
            pace_on_track: t.pace_on_track.to_string(),
            pace_off_track: t.pace_off_track.to_string(),
        }
    }
}

impl ThresholdsInput {
    /// Every field a whole percentage in its range, and each "off track" below its "on track".
    pub fn parse(&self) -> Result<Thresholds, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut percent = |field: &'static str, text: &str, min: u16, max: u16| {
            let text = text.trim().trim_end_matches('%').trim();
            match text.parse::<u16>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    let shown = if text.is_empty() { "nothing" } else { text };
                    errors.push(FieldError::new(
                        field,
                        format!("{shown} is not a whole percentage from {min} to {max}"),
                    ));
                    None
                }
            }
        };
        let hit_on = percent("hit_on_track", &self.hit_on_track, 1, 100);
        let hit_off = percent("hit_off_track", &self.hit_off_track, 0, 99);
        let pace_on = percent("pace_on_track", &self.pace_on_track, 1, 500);
        let pace_off = percent("pace_off_track", &self.pace_off_track, 0, 499);
        if let (Some(on), Some(off)) = (hit_on, hit_off) {
            if off >= on {
                errors.push(FieldError::new(
                    "hit_off_track",
                    format!("off track must start below on track ({on} %), so that at risk lies between"),
                ));
            }
        }
        if let (Some(on), Some(off)) = (pace_on, pace_off) {
            if off >= on {
                errors.push(FieldError::new(
                    "pace_off_track",
                    format!("off track must start below on track ({on} %), so that at risk lies between"),
                ));
            }
        }
        match (hit_on, hit_off, pace_on, pace_off) {
            (Some(hit_on), Some(hit_off), Some(pace_on), Some(pace_off)) if errors.is_empty() => {
                Ok(Thresholds {
                    hit_on_track: u8::try_from(hit_on).unwrap_or(100),
                    hit_off_track: u8::try_from(hit_off).unwrap_or(99),
                    pace_on_track: pace_on,
                    pace_off_track: pace_off,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The fewest open deals, most likely first, whose values cover `gap`: how many there are and
/// the stages they sit in (in the order met). `None` when the whole pipeline does not cover it.
/// Of a group of deals only the total is known: as many of them are taken as cover the rest of
/// the gap at their average value (at least as many as at their largest).
pub fn deals_to_cover(gap: Decimal, open: &Pipeline) -> Option<(usize, Vec<String>)> {
    if gap <= Decimal::ZERO {
        return Some((0, Vec::new()));
    }
    let gap = hundredths(gap);
    // (percent, largest value, deals, Σ value, stage): one deal, or a group.
    let mut ranked: Vec<(u8, i64, u32, i64, &str)> = open
        .deals
        .iter()
        .map(|(_, d)| {
            let v = hundredths(d.value).max(0);
            (d.probability, v, 1, v, d.stage.as_str())
        })
        .chain(
            open.rest
                .iter()
                .map(|g| (g.probability, g.max, g.count, g.sum, g.stage.as_str())),
        )
        .filter(|d| d.0 > 0 && d.2 > 0)
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let (mut covered, mut n) = (0i64, 0usize);
    let mut stages: Vec<String> = Vec::new();
    for (_, max, count, sum, stage) in ranked {
        if !stages.iter().any(|s| s == stage) {
            stages.push(stage.to_string());
        }
        let left = gap - covered;
        if sum >= left {
            let needed = if count == 1 {
                1
            } else {
                let mean = (sum / i64::from(count)).max(1);
                let ceil = |a: i64, b: i64| (a + b - 1) / b;
                let at_least = ceil(left, max.max(1));
                ceil(left, mean).clamp(at_least.max(1), i64::from(count))
            };
            return Some((n + needed as usize, stages));
        }
        covered += sum;
        n += count as usize;
    }
    None
}

/// Working days left after `as_of` up to the period's end.
pub fn working_days_left(period: Period, as_of: NaiveDate) -> i64 {
    match as_of.succ_opt() {
        Some(next) => working_days_between(next.max(period.start()), period.end()),
        None => 0,
    }
}

/// The days a burn-up chart plots the actual at: every day from the period's start to today
/// (or the period's end), or for periods longer than [`CHART_DAILY_LIMIT`] days every seventh
/// day from the start and the last day.
pub fn chart_days(period: Period, today: NaiveDate) -> Vec<NaiveDate> {
    let last = today.min(period.end());
    if last < period.start() {
        return Vec::new();
    }
    let step = if period.days() > CHART_DAILY_LIMIT {
        7
    } else {
        1
    };
    let mut days: Vec<NaiveDate> = period
        .start()
        .iter_days()
        .take_while(|d| *d <= last)
        .step_by(step)
        .collect();
    if days.last() != Some(&last) {
        days.push(last);
    }
    days
}

/// Periods up to this many days (a quarter) are charted day by day.
pub const CHART_DAILY_LIMIT: i64 = 92;

/// What the forecast says about a target: the band (pipeline metrics), the status, and for a
/// target at risk or off track the reason and what would close the gap, in the user's terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outlook {
    pub pace: Pace,
    pub band: Option<Band>,
    pub health: Health,
    pub warning: Option<String>,
}

/// A bookings or won-opportunities target as the board's forecast panel holds it: which
/// cards count (their owners), what is won, and its open pipeline — all of it, counted by the
/// server, whatever the board shows (a board shows a window of each column).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PipelineTarget {
    pub id: i64,
    pub statement: String,
    pub assignee: String,
    pub metric: Metric,
    pub value: Decimal,
    pub currency: Option<Currency>,
    pub period: Period,
    /// People whose opportunities count: the assignee, or everyone in the assigned unit.
    pub owners: Vec<i64>,
    /// Won in the period.
    pub won: Decimal,
    /// Open opportunities closing in the period (or overdue), with the chance the server gave
    /// each.
    pub open: Pipeline,
    /// What the history adds: the shared shock and business still to come.
    pub uncertainty: Uncertainty,
}

/// A card shown in another stage than its own: the drag in progress, before the drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WhatIf {
    pub card_id: i64,
    pub stage_id: i64,
}

/// What one opportunity counts for a target.
#[derive(Clone, Debug, PartialEq)]
pub enum Counts {
    Nothing,
    Won(Decimal),
    Open(OpenOpportunity),
}

impl PipelineTarget {
    /// What `card` adds to this target: its value in the target's unit, or `None` when it is
    /// someone else's, in another currency, or not a bookings/won-opportunities figure.
    fn value_of(&self, card: &Opportunity) -> Option<Decimal> {
        if !self.owners.contains(&card.owner_id) {
            return None;
        }
        match self.metric {
            Metric::Bookings => (Some(card.value.currency()) == self.currency
                || self.currency.is_none())
            .then(|| card.value.amount()),
            Metric::WonOpportunities => Some(Decimal::ONE),
            _ => None,
        }
    }

    /// What `card` counts for, as it is or (`moved_to`) dropped on another stage: a card
    /// dropped on Won counts as won today; one dropped on another open stage has just entered
    /// it, at that stage's chance.
    pub fn counts(
        &self,
        card: &Opportunity,
        moved_to: Option<i64>,
        stages: &[Stage],
        today: NaiveDate,
        chances: &Chances,
    ) -> Counts {
        let Some(value) = self.value_of(card) else {
            return Counts::Nothing;
        };
        let moved = moved_to.filter(|&s| s != card.stage_id);
        let stage_id = moved.unwrap_or(card.stage_id);
        let Some(stage) = stages.iter().find(|s| s.id == stage_id) else {
            return Counts::Nothing;
        };
        match stage.kind {
            StageKind::Won => {
                let closed = if moved.is_some() {
                    Some(today)
                } else {
                    card.closed_on
                };
                if closed.is_some_and(|d| self.period.contains(d)) {
                    Counts::Won(value)
                } else {
                    Counts::Nothing
                }
            }
            StageKind::Open if card.expected_close_on <= self.period.end() => {
                let deal = DealNow {
                    overridden: if moved.is_some() {
                        None
                    } else {
                        card.probability
                    },
                    entered_on: if moved.is_some() {
                        today
                    } else {
                        card.stage_entered_at.date_naive()
                    },
                    due_on: card.expected_close_on,
                };
                Counts::Open(OpenOpportunity {
                    value,
                    probability: chances.deal_percent(stage, deal, today, self.period.end()),
                    stage: stage.name.clone(),
                })
            }
            StageKind::Open | StageKind::Lost => Counts::Nothing,
        }
    }

    fn take(&mut self, id: i64, counts: &Counts) {
        match counts {
            Counts::Nothing => {}
            Counts::Won(v) => self.won -= *v,
            Counts::Open(deal) => self.open.remove(id, deal),
        }
    }

    fn put(&mut self, id: i64, counts: Counts) {
        match counts {
            Counts::Nothing => {}
            Counts::Won(v) => self.won += v,
            Counts::Open(deal) => self.open.add(id, deal),
        }
    }

    /// The target after a card changed on the board: `before` as the server counted it (none:
    /// created), `after` as it is now (none: deleted).
    pub fn apply(
        &mut self,
        before: Option<&Opportunity>,
        after: Option<&Opportunity>,
        stages: &[Stage],
        today: NaiveDate,
        chances: &Chances,
    ) {
        if let Some(card) = before {
            let counts = self.counts(card, None, stages, today, chances);
            self.take(card.id, &counts);
        }
        if let Some(card) = after {
            let counts = self.counts(card, None, stages, today, chances);
            self.put(card.id, counts);
        }
    }

    /// Won so far and the open pipeline, with a card held over a column (`what_if`; `card` is
    /// that card) counted where it would be dropped.
    pub fn pipeline(
        &self,
        what_if: Option<(&Opportunity, i64)>,
        stages: &[Stage],
        today: NaiveDate,
        chances: &Chances,
    ) -> (Decimal, Pipeline) {
        let Some((card, stage_id)) = what_if.filter(|(c, s)| c.stage_id != *s) else {
            return (self.won, self.open.clone());
        };
        let mut moved = self.clone();
        let before = self.counts(card, None, stages, today, chances);
        moved.take(card.id, &before);
        let after = self.counts(card, Some(stage_id), stages, today, chances);
        moved.put(card.id, after);
        (moved.won, moved.open)
    }

    /// The outlook with a card held over a column (`what_if`, the card found among `cards`).
    #[allow(clippy::too_many_arguments)]
    pub fn outlook(
        &self,
        cards: &[Opportunity],
        stages: &[Stage],
        today: NaiveDate,
        what_if: Option<WhatIf>,
        thresholds: &Thresholds,
        calendar: &Calendar,
        chances: &Chances,
        locale: Locale,
    ) -> Outlook {
        let held = what_if.and_then(|w| {
            cards
                .iter()
                .find(|c| c.id == w.card_id)
                .map(|c| (c, w.stage_id))
        });
        let (won, open) = self.pipeline(held, stages, today, chances);
        pipeline_outlook(
            self.metric,
            self.currency,
            self.value,
            self.period,
            won,
            &open,
            &self.uncertainty,
            today,
            thresholds,
            calendar,
            locale,
        )
    }
}

/// The outlook of a bookings or won-opportunities target from what is won and what is open.
#[allow(clippy::too_many_arguments)]
pub fn pipeline_outlook(
    metric: Metric,
    currency: Option<Currency>,
    target: Decimal,
    period: Period,
    won: Decimal,
    open: &Pipeline,
    extra: &Uncertainty,
    today: NaiveDate,
    thresholds: &Thresholds,
    calendar: &Calendar,
    locale: Locale,
) -> Outlook {
    let band = simulate_pipeline(won, open, extra, target, TRIALS, SEED);
    let pace = Pace::at(target, won, period, today, calendar);
    let health = if won >= target {
        Health::OnTrack
    } else {
        thresholds.by_chance(band.p_hit)
    };
    let warning = (health != Health::OnTrack).then(|| {
        let show = |v: Decimal| format_value(locale, metric, v, currency);
        let gap = target - won;
        let by = locale.date(period.end());
        let chance = format!("{} % chance to reach {}", band.p_hit_percent(), show(target));
        match deals_to_cover(gap, open) {
            Some((n, stages)) => format!(
                "{chance}: {} more must close by {by}; {n} {}-stage {} {} it.",
                show(gap),
                stages.join("/"),
                if n == 1 { "opportunity" } else { "opportunities" },
                if n == 1 { "covers" } else { "cover" },
            ),
            None => format!(
                "{chance}: {} more must close by {by}, and all open opportunities closing by then come to {}: new ones are needed.",
                show(gap),
                show(band.open),
            ),
        }
    });
    Outlook {
        pace,
        band: Some(band),
        health,
        warning,
    }
}

/// The outlook of a run-rate target (turnover, visits, contacts, customers) from its actual
/// and, when the history allows one, its range ([`super::run_rate::band`]): with a range the
/// status comes from the chance to reach the target, as for bookings; without one, from the
/// pace.
#[allow(clippy::too_many_arguments)]
pub fn run_rate_outlook(
    metric: Metric,
    currency: Option<Currency>,
    target: Decimal,
    period: Period,
    actual: Decimal,
    band: Option<Band>,
    today: NaiveDate,
    thresholds: &Thresholds,
    calendar: &Calendar,
    locale: Locale,
) -> Outlook {
    let pace = Pace::at(target, actual, period, today, calendar);
    let health = if actual >= target || pace.elapsed_days == 0 {
        Health::OnTrack
    } else {
        match &band {
            Some(b) => thresholds.by_chance(b.p_hit),
            None => thresholds.by_pace(pace.projection, target),
        }
    };
    let warning = (health != Health::OnTrack).then(|| {
        let show = |v: Decimal| format_value(locale, metric, v, currency);
        let lead = match &band {
            Some(b) => format!(
                "{} % chance to reach {}: the same weeks in past years point to {} by {}",
                b.p_hit_percent(),
                show(target),
                show(b.p50),
                locale.date(period.end()),
            ),
            None => format!(
                "At this pace {} by {}, {} short of {}",
                show(pace.projection),
                locale.date(period.end()),
                show(target - pace.projection),
                show(target),
            ),
        };
        match pace.needed_per_week() {
            Some(week) => format!(
                "{lead}: {} a week until {} closes the gap.",
                per_week(locale, metric, week, currency),
                locale.date(period.end())
            ),
            None => format!("{lead}."),
        }
    });
    Outlook {
        pace,
        band,
        health,
        warning,
    }
}

/// What a customer-growth target knows: its baseline (customers active in the base period),
/// the customers active in the period so far, and what share of a period's active customers
/// had bought by this point in the same period a year earlier (`None` without that history).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GrowthSoFar {
    pub base: Decimal,
    pub active: Decimal,
    pub seen_share: Option<Decimal>,
}

/// The outlook of a customer-growth target (percent above the baseline). Customers active so
/// far only add up as the period goes on, so the partial count is never extrapolated by the
/// calendar (early in a period that projected −1 692 % on a real log whose outcome was −16 %):
/// it is completed with the share of customers that had bought by the same point a year
/// earlier. Without that history the projection is the count so far, and before the middle
/// of the period no status worse than on track is given on it.
#[allow(clippy::too_many_arguments)]
pub fn growth_outlook(
    metric: Metric,
    target: Decimal,
    period: Period,
    so_far: GrowthSoFar,
    today: NaiveDate,
    thresholds: &Thresholds,
    calendar: &Calendar,
    locale: Locale,
) -> Outlook {
    let GrowthSoFar {
        base,
        active,
        seen_share,
    } = so_far;
    let percent = |count: Decimal| {
        if base > Decimal::ZERO {
            ((count - base) / base * Decimal::ONE_HUNDRED).round_dp(1)
        } else {
            Decimal::ZERO
        }
    };
    let share = seen_share
        .filter(|s| *s > Decimal::ZERO)
        .map(|s| s.min(Decimal::ONE));
    let projected = match share {
        Some(share) => (active / share).round_dp(1),
        None => active,
    };
    let mut pace = Pace::at(target, percent(active), period, today, calendar);
    pace.expected = target;
    pace.projection = percent(projected);
    // The customers the target asks for.
    let goal = (base * (Decimal::ONE_HUNDRED + target) / Decimal::ONE_HUNDRED).ceil();
    let halfway = pace.elapsed_days * 2 >= pace.total_days;
    let health = if active >= goal || pace.elapsed_days == 0 || (share.is_none() && !halfway) {
        Health::OnTrack
    } else {
        thresholds.by_pace(projected, goal)
    };
    let warning = (health != Health::OnTrack).then(|| {
        let short = (goal - projected).max(Decimal::ZERO).ceil();
        format!(
            "At this pace about {} customers buy by {} ({} against the baseline of {}), {} short of the {} needed for {} %: {} more customers must buy.",
            projected.round(),
            locale.date(period.end()),
            format_value(locale, metric, pace.projection, None),
            base.round(),
            short,
            goal,
            target.normalize(),
            short,
        )
    });
    Outlook {
        pace,
        band: None,
        health,
        warning,
    }
}

/// "4 more visits", "€3.2 k more turnover": the weekly pace needed, rounded up for counts.
pub fn per_week(
    locale: Locale,
    metric: Metric,
    week: Decimal,
    currency: Option<Currency>,
) -> String {
    match metric.unit() {
        MetricUnit::Count => {
            let n = week.ceil();
            let noun = match metric {
                Metric::Visits => "visit",
                Metric::InitialContacts => "initial contact",
                Metric::NewCustomers => "new customer",
                _ => "won opportunity",
            };
            format!(
                "{} more {noun}{}",
                format_value(locale, metric, n, currency),
                if n == Decimal::ONE { "" } else { "s" }
            )
        }
        _ => format!(
            "{} more {}",
            format_value(locale, metric, week, currency),
            metric.label().to_lowercase()
        ),
    }
}

/// A made-up pipeline of `deals` open opportunities (stage probabilities, values from €500 to
/// €100 k), the same on every platform: the workload of the engine's benchmarks, natively and
/// in the browser.
pub fn sample_pipeline(deals: usize) -> Vec<OpenOpportunity> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(deals as u64);
    let stages = [
        ("Lead", 10),
        ("Qualified", 25),
        ("Proposal", 50),
        ("Negotiation", 75),
    ];
    (0..deals)
        .map(|_| {
            let x = rng.next_u64();
            let (stage, probability) = stages[(x % 4) as usize];
            OpenOpportunity {
                value: Decimal::new(50_000 + (x >> 8) as i64 % 9_950_000, 2),
                probability,
                stage: stage.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_core::RngCore;
    use rust_decimal::prelude::ToPrimitive;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn a_quarter_is_charted_day_by_day_and_a_year_week_by_week() {
        let q4 = Period::new(day(2026, 10, 1), day(2026, 12, 31)).unwrap();
        let days = chart_days(q4, day(2026, 11, 25));
        assert_eq!(days.len(), 56);
        assert_eq!((days[0], days[55]), (day(2026, 10, 1), day(2026, 11, 25)));
        // After the end: the whole period; before the start: nothing.
        assert_eq!(chart_days(q4, day(2027, 2, 1)).len(), 92);
        assert!(chart_days(q4, day(2026, 9, 30)).is_empty());
        // A year: every seventh day from 1 January, and today as the last point.
        let year = Period::new(day(2026, 1, 1), day(2026, 12, 31)).unwrap();
        let days = chart_days(year, day(2026, 1, 17));
        assert_eq!(
            days,
            vec![
                day(2026, 1, 1),
                day(2026, 1, 8),
                day(2026, 1, 15),
                day(2026, 1, 17)
            ]
        );
    }

    #[test]
    fn thresholds_typed_in_are_checked_field_by_field() {
        let input = ThresholdsInput::from(Thresholds::default());
        assert_eq!(input.parse(), Ok(Thresholds::default()));
        let with = |f: fn(&mut ThresholdsInput)| {
            let mut i = input.clone();
            f(&mut i);
            i.parse().unwrap_err()
        };
        let fields =
            |errors: Vec<FieldError>| errors.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(with(|i| i.hit_off_track = "70".into())),
            vec!["hit_off_track"]
        );
        assert_eq!(
            fields(with(|i| i.pace_on_track = "".into())),
            vec!["pace_on_track"]
        );
        assert_eq!(
            fields(with(|i| i.hit_on_track = "0".into())),
            vec!["hit_on_track"]
        );
        assert_eq!(
            fields(with(|i| {
                i.pace_on_track = "80".into();
                i.hit_off_track = "-1".into();
            })),
            vec!["hit_off_track", "pace_off_track"]
        );
        let mut percent = input.clone();
        percent.pace_on_track = " 95 % ".into();
        assert_eq!(percent.parse().unwrap().pace_on_track, 95);
    }

    fn deal(value: &str, probability: u8) -> OpenOpportunity {
        OpenOpportunity {
            value: d(value),
            probability,
            stage: "Proposal".into(),
        }
    }

    #[test]
    fn pace_counts_working_days_only() {
        // June 2026: 1 June is a Monday; 22 working days.
        let june = Period::new(day(2026, 6, 1), day(2026, 6, 30)).unwrap();
        let pace = Pace::at(
            d("22000"),
            d("6000"),
            june,
            day(2026, 6, 7),
            &Calendar::default(),
        ); // a Sunday
        assert_eq!((pace.elapsed_days, pace.total_days), (5, 22));
        assert_eq!(pace.expected, d("5000.00"));
        assert_eq!(pace.projection, d("26400.00"));
        assert_eq!(pace.needed_per_week(), Some(d("4705.88")));
        assert_eq!(pace.gap(), d("16000"));
    }

    #[test]
    fn pace_before_and_after_the_period() {
        let q = Period::new(day(2026, 7, 1), day(2026, 9, 30)).unwrap();
        let before = Pace::at(d("100"), d("0"), q, day(2026, 6, 30), &Calendar::default());
        assert_eq!(
            (before.elapsed_days, before.expected, before.projection),
            (0, d("0"), d("0"))
        );
        assert_eq!(before.total_days, 66);
        assert_eq!(before.needed_per_week(), Some(d("7.58")));
        let after = Pace::at(d("100"), d("80"), q, day(2026, 10, 5), &Calendar::default());
        assert_eq!(after.expected, d("100"));
        assert_eq!(after.projection, d("80"));
        assert_eq!(after.needed_per_week(), None);
    }

    #[test]
    fn working_days_across_month_and_year_ends() {
        // Thu 31 Dec 2026 → Mon 4 Jan 2027: Thu, Fri, Mon.
        assert_eq!(working_days_between(day(2026, 12, 31), day(2027, 1, 4)), 3);
        // February in a leap year: 29 Feb 2028 is a Tuesday.
        let feb = Period::new(day(2028, 2, 1), day(2028, 2, 29)).unwrap();
        assert_eq!(feb.working_days(), 21);
        assert_eq!(feb.working_days_elapsed(day(2028, 3, 15)), 21);
        assert_eq!(working_days_left(feb, day(2028, 2, 25)), 2); // Mon 28, Tue 29
        let year = Period::year_of(day(2026, 5, 5));
        assert_eq!(year.working_days(), 261);
        assert_eq!(working_days_left(year, day(2026, 12, 31)), 0);
    }

    #[test]
    fn certain_outcomes_collapse_the_band() {
        let open = [deal("1000", 100), deal("500", 0), deal("250.50", 100)];
        let band = simulate(d("100"), &open, d("1350.50"), 2_000, SEED);
        assert_eq!(
            (band.p10, band.p50, band.p90),
            (d("1350.50"), d("1350.50"), d("1350.50"))
        );
        assert_eq!(band.weighted, d("1350.50"));
        assert_eq!(band.p_hit, 1.0);
        assert_eq!(band.open, d("1750.50"));
    }

    #[test]
    fn the_same_data_gives_the_same_numbers() {
        let open: Vec<OpenOpportunity> = (0..500)
            .map(|i| deal(&format!("{}", 100 + i * 7), (i % 99) as u8 + 1))
            .collect();
        let a = simulate(d("5000"), &open, d("60000"), TRIALS, SEED);
        let b = simulate(d("5000"), &open, d("60000"), TRIALS, SEED);
        assert_eq!(a, b);
        let other = simulate(d("5000"), &open, d("60000"), TRIALS, SEED + 1);
        assert_ne!(a.p50, Decimal::ZERO);
        assert!(
            (a.p50 - other.p50).abs() < d("500"),
            "{} vs {}",
            a.p50,
            other.p50
        );
    }

    #[test]
    fn the_mean_of_many_trials_is_the_weighted_forecast() {
        // Few deals: every one drawn exactly.
        let open = [
            deal("10000", 75),
            deal("4000", 50),
            deal("2500", 25),
            deal("900", 10),
        ];
        check_mean(&open);
        // Many deals: the largest drawn exactly, the rest summed as a normal draw.
        let open: Vec<OpenOpportunity> = (0..3000)
            .map(|i| {
                deal(
                    &format!("{}.{:02}", 200 + (i * 37) % 5000, i % 100),
                    [10, 25, 50, 75][i % 4],
                )
            })
            .collect();
        check_mean(&open);
    }

    fn check_mean(open: &[OpenOpportunity]) {
        let band = simulate(d("0"), open, d("1"), 40_000, SEED);
        let mean = mean_of(open, 40_000);
        let weighted = band.weighted.to_f64().unwrap();
        let sd: f64 = open
            .iter()
            .map(|o| {
                let (v, p) = (o.value.to_f64().unwrap(), f64::from(o.probability) / 100.0);
                v * v * p * (1.0 - p)
            })
            .sum::<f64>()
            .sqrt();
        // Four standard errors of the mean of 40 000 trials.
        let tolerance = 4.0 * sd / 200.0;
        assert!(
            (mean - weighted).abs() <= tolerance,
            "mean {mean} vs weighted {weighted} ± {tolerance}"
        );
        assert!(band.p10 <= band.p50 && band.p50 <= band.p90);
    }

    /// The mean of the simulated outcomes.
    fn mean_of(open: &[OpenOpportunity], trials: u32) -> f64 {
        let totals = outcomes(
            Decimal::ZERO,
            open.iter(),
            &[],
            &Uncertainty::NONE,
            trials,
            SEED,
        )
        .totals;
        totals.iter().map(|&t| t as f64 / 100.0).sum::<f64>() / totals.len() as f64
    }

    #[test]
    fn deals_to_cover_picks_the_most_likely_first() {
        let open = [
            OpenOpportunity {
                value: d("30000"),
                probability: 75,
                stage: "Negotiation".into(),
            },
            OpenOpportunity {
                value: d("50000"),
                probability: 25,
                stage: "Qualified".into(),
            },
            OpenOpportunity {
                value: d("20000"),
                probability: 75,
                stage: "Negotiation".into(),
            },
            OpenOpportunity {
                value: d("9000"),
                probability: 50,
                stage: "Proposal".into(),
            },
        ];
        let open = Pipeline::of(open.into_iter().map(|d| (0, d)).collect());
        assert_eq!(
            deals_to_cover(d("38000"), &open),
            Some((2, vec!["Negotiation".to_string()]))
        );
        assert_eq!(
            deals_to_cover(d("55000"), &open),
            Some((3, vec!["Negotiation".to_string(), "Proposal".to_string()]))
        );
        assert_eq!(deals_to_cover(d("200000"), &open), None);
        assert_eq!(deals_to_cover(d("0"), &open), Some((0, vec![])));
    }

    #[test]
    fn thresholds() {
        let t = Thresholds::default();
        assert_eq!(t.by_chance(0.70), Health::OnTrack);
        assert_eq!(t.by_chance(0.69), Health::AtRisk);
        assert_eq!(t.by_chance(0.29), Health::OffTrack);
        assert_eq!(t.by_pace(d("100"), d("100")), Health::OnTrack);
        assert_eq!(t.by_pace(d("85"), d("100")), Health::AtRisk);
        assert_eq!(t.by_pace(d("84.99"), d("100")), Health::OffTrack);
        assert!(t.check().is_ok());
        assert!(Thresholds {
            hit_off_track: 70,
            ..t
        }
        .check()
        .is_err());
    }

    fn stage(id: i64, name: &str, probability: u8, kind: StageKind) -> Stage {
        Stage {
            id,
            name: name.into(),
            position: id as i32,
            probability: crate::domain::Probability::parse(i64::from(probability)).unwrap(),
            rotting_days: None,
            kind,
        }
    }

    fn card(id: i64, owner: i64, value: &str, stage_id: i64, closes: NaiveDate) -> Opportunity {
        Opportunity {
            id,
            title: format!("Deal {id}"),
            customer_id: 1,
            customer_name: "Acme".into(),
            owner_id: owner,
            owner_name: "Rep".into(),
            value: crate::domain::Money::new(d(value), Currency::EUR).unwrap(),
            expected_close_on: closes,
            stage_id,
            probability: None,
            lost_reason: None,
            closed_on: (stage_id >= 3).then(|| day(2026, 11, 2)),
            stage_entered_at: chrono::Utc::now(),
            version: 1,
        }
    }

    /// 5 000 open deals of very different sizes and chances (some certain, some hopeless).
    fn company_pipeline() -> Vec<(i64, OpenOpportunity)> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(21);
        let stages = [
            ("Lead", 10),
            ("Qualified", 25),
            ("Proposal", 50),
            ("Negotiation", 75),
            ("Verbal", 100),
            ("Stalled", 0),
            ("Proposal", 35),
        ];
        (0..5_000)
            .map(|i| {
                let x = rng.next_u64();
                let size = [10_000_i64, 200_000, 4_000_000][(x % 3) as usize];
                let value = size + ((x >> 8) as i64 % (size * 5));
                let (stage, probability) = stages[((x >> 40) % stages.len() as u64) as usize];
                let deal = OpenOpportunity {
                    value: Decimal::new(value, 2),
                    probability,
                    stage: stage.into(),
                };
                (i, deal)
            })
            .collect()
    }

    fn assert_same_band(full: &Band, summed: &Band) {
        assert!(
            (full.p_hit - summed.p_hit).abs() <= 0.005,
            "P(hit) {} vs {}",
            full.p_hit,
            summed.p_hit
        );
        for (a, b) in [
            (full.p10, summed.p10),
            (full.p50, summed.p50),
            (full.p90, summed.p90),
        ] {
            assert!(
                (a - b).abs() <= a.abs() / Decimal::from(100),
                "{full:?} vs {summed:?}"
            );
        }
        assert_eq!((full.open, full.weighted), (summed.open, summed.weighted));
    }

    #[test]
    fn a_summarised_pipeline_forecasts_like_every_deal_one_by_one() {
        let all = company_pipeline();
        let summary = Pipeline::summarise(all.clone());
        assert_eq!(summary.len(), all.len());
        assert!(
            summary.deals.len() <= PIPELINE_KEPT,
            "{}",
            summary.deals.len()
        );
        assert!(summary.rest.len() <= 7, "{:?}", summary.rest);
        let deals: Vec<OpenOpportunity> = all.iter().map(|(_, d)| d.clone()).collect();
        let extra = Uncertainty {
            shared_sd: 0.3,
            new_sd: 0.2,
            new_deals: 40.0,
            new_values: vec![10_000, 500_000, 8_000_000],
        };
        let won = d("250000");
        let weighted = simulate_with(won, &deals, &Uncertainty::NONE, d("1"), 1, SEED).weighted;
        // Targets below, at and above what the pipeline promises.
        for share in [80, 95, 100, 105, 120] {
            let target = weighted * Decimal::from(share) / Decimal::from(100);
            for extra in [&Uncertainty::NONE, &extra] {
                let full = simulate_with(won, &deals, extra, target, TRIALS, SEED);
                let summed = simulate_pipeline(won, &summary, extra, target, TRIALS, SEED);
                assert_same_band(&full, &summed);
            }
        }
        // A small pipeline is carried whole.
        let few: Vec<_> = all.iter().take(PIPELINE_ALL_UP_TO).cloned().collect();
        assert_eq!(Pipeline::summarise(few.clone()), Pipeline::of(few));
    }

    #[test]
    fn a_deal_moved_out_of_a_group_forecasts_like_every_deal() {
        let all = company_pipeline();
        let mut summary = Pipeline::summarise(all.clone());
        // Deals in groups and one drawn one by one, each taken out (lost) or changed.
        let grouped: Vec<i64> = all
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| !summary.deals.iter().any(|(d, _)| d == id))
            .take(3)
            .collect();
        let kept = summary.deals[0].0;
        let mut deals: std::collections::BTreeMap<i64, OpenOpportunity> =
            all.iter().cloned().collect();
        for id in grouped.iter().chain([&kept]) {
            let deal = deals[id].clone();
            summary.remove(*id, &deal);
            deals.remove(id);
        }
        // One comes back in another stage.
        let back = OpenOpportunity {
            value: d("12345.67"),
            probability: 75,
            stage: "Negotiation".into(),
        };
        summary.add(grouped[0], back.clone());
        deals.insert(grouped[0], back);
        assert_eq!(summary.len(), deals.len());
        let deals: Vec<OpenOpportunity> = deals.into_values().collect();
        let target = simulate_with(d("0"), &deals, &Uncertainty::NONE, d("1"), 1, SEED).weighted;
        let full = simulate_with(d("0"), &deals, &Uncertainty::NONE, target, TRIALS, SEED);
        let summed = simulate_pipeline(d("0"), &summary, &Uncertainty::NONE, target, TRIALS, SEED);
        assert_same_band(&full, &summed);
    }

    #[test]
    fn a_card_dragged_into_won_counts_at_once() {
        let stages = [
            stage(1, "Proposal", 50, StageKind::Open),
            stage(2, "Negotiation", 75, StageKind::Open),
            stage(3, "Won", 100, StageKind::Won),
            stage(4, "Lost", 0, StageKind::Lost),
        ];
        let q4 = Period::new(day(2026, 10, 1), day(2026, 12, 31)).unwrap();
        let today = day(2026, 11, 23);
        let cards = [
            card(1, 7, "30000", 2, day(2026, 12, 10)),
            card(2, 7, "20000", 1, day(2026, 12, 20)),
            card(3, 7, "10000", 3, day(2026, 11, 2)),
            card(4, 8, "99000", 2, day(2026, 12, 1)), // someone else's
            card(5, 7, "5000", 1, day(2027, 1, 15)),  // closes after the period
        ];
        let target = PipelineTarget {
            id: 1,
            statement: "Book €80 k in Q4 2026".into(),
            assignee: "Lena Schulz".into(),
            metric: Metric::Bookings,
            value: d("80000"),
            currency: Some(Currency::EUR),
            period: q4,
            owners: vec![7],
            won: d("25000"),
            open: Pipeline::of(vec![(99, deal("4000", 25))]),
            uncertainty: Uncertainty::NONE,
        };
        // No history: the configured probabilities. The server counts the cards as they are.
        let nominal = crate::domain::calibration::Calibration::nominal(&stages, today).chances;
        let mut target = target;
        for card in &cards {
            target.apply(None, Some(card), &stages, today, &nominal);
        }
        let (won, open) = target.pipeline(None, &stages, today, &nominal);
        assert_eq!(won, d("35000"));
        assert_eq!(open.len(), 3);
        let thresholds = Thresholds::default();
        let before = target.outlook(
            &cards,
            &stages,
            today,
            None,
            &thresholds,
            &Calendar::default(),
            &nominal,
            Locale::En,
        );
        let band = before.band.unwrap();
        assert_eq!(band.weighted, d("68500.00")); // 35 000 + 22 500 + 10 000 + 1 000
                                                  // Reaching €80 k needs both large deals: 75 % × 50 % ≈ 38 %.
        assert_eq!(before.health, Health::AtRisk);
        let warning = before.warning.unwrap();
        assert!(warning.starts_with("3"), "{warning}");
        assert!(
            warning.ends_with("chance to reach € 80 k: € 45 k more must close by 31 Dec 2026; 2 Negotiation/Proposal-stage opportunities cover it."),
            "{warning}"
        );

        let dragged = Some(WhatIf {
            card_id: 1,
            stage_id: 3,
        });
        let after = target.outlook(
            &cards,
            &stages,
            today,
            dragged,
            &thresholds,
            &Calendar::default(),
            &nominal,
            Locale::En,
        );
        let band_after = after.band.unwrap();
        assert_eq!(band_after.won, d("65000"));
        assert!(band_after.p_hit > band.p_hit);
        let lost = target.outlook(
            &cards,
            &stages,
            today,
            Some(WhatIf {
                card_id: 1,
                stage_id: 4,
            }),
            &thresholds,
            &Calendar::default(),
            &nominal,
            Locale::En,
        );
        assert_eq!(lost.band.unwrap().open, d("24000.00"));
        assert_eq!(lost.health, Health::OffTrack);
        assert!(lost
            .warning
            .unwrap()
            .ends_with("come to € 24 k: new ones are needed."));
    }

    #[test]
    fn a_run_rate_warning_says_what_closes_the_gap() {
        let q2 = Period::new(day(2026, 4, 1), day(2026, 6, 30)).unwrap();
        // 64 working days; by Fri 15 May, 33 have passed and 20 visits of 60 were made.
        let outlook = run_rate_outlook(
            Metric::Visits,
            None,
            d("60"),
            q2,
            d("20"),
            None,
            day(2026, 5, 15),
            &Thresholds::default(),
            &Calendar::default(),
            Locale::En,
        );
        assert_eq!(outlook.pace.elapsed_days, 33);
        assert_eq!(outlook.health, Health::OffTrack);
        assert_eq!(
            outlook.warning.as_deref(),
            Some("At this pace 39 by 30 Jun 2026, 21 short of 60: 7 more visits a week until 30 Jun 2026 closes the gap.")
        );
        let fine = run_rate_outlook(
            Metric::Visits,
            None,
            d("60"),
            q2,
            d("31"),
            None,
            day(2026, 5, 15),
            &Thresholds::default(),
            &Calendar::default(),
            Locale::En,
        );
        assert_eq!((fine.health, fine.warning), (Health::OnTrack, None));
    }

    fn deals() -> impl Strategy<Value = Vec<OpenOpportunity>> {
        prop::collection::vec(
            (1i64..5_000_000, 0u8..=100).prop_map(|(cents, p)| OpenOpportunity {
                value: Decimal::new(cents, 2),
                probability: p,
                stage: "Lead".into(),
            }),
            0..600,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn percentiles_are_ordered_and_within_the_possible(
            won in 0i64..10_000_000,
            open in deals(),
            target in 1i64..100_000_000,
            seed in any::<u64>(),
        ) {
            let won = Decimal::new(won, 2);
            let band = simulate(won, &open, Decimal::new(target, 2), 500, seed);
            let ceiling = won + open.iter().map(|o| o.value).sum::<Decimal>();
            prop_assert!(won <= band.p10);
            prop_assert!(band.p10 <= band.p50 && band.p50 <= band.p90);
            prop_assert!(band.p90 <= ceiling);
            prop_assert!(band.weighted >= won && band.weighted <= ceiling);
            prop_assert!((0.0..=1.0).contains(&band.p_hit));
        }

        #[test]
        fn all_or_nothing_probabilities_give_the_exact_value(
            open in prop::collection::vec((1i64..5_000_000, any::<bool>()), 0..800),
            seed in any::<u64>(),
        ) {
            let open: Vec<OpenOpportunity> = open
                .into_iter()
                .map(|(cents, sure)| OpenOpportunity {
                    value: Decimal::new(cents, 2),
                    probability: if sure { 100 } else { 0 },
                    stage: "Lead".into(),
                })
                .collect();
            let exact: Decimal = open.iter().filter(|o| o.probability == 100).map(|o| o.value).sum();
            let band = simulate(Decimal::ZERO, &open, exact, 300, seed);
            prop_assert_eq!((band.p10, band.p50, band.p90, band.weighted), (exact, exact, exact, exact));
            prop_assert_eq!(band.p_hit, 1.0);
        }
    }

    /// P(X ≥ k) for X the number won among `n` deals of chance `p`, exactly.
    fn binomial_at_least(n: u32, p: f64, k: u32) -> f64 {
        let mut term = (1.0 - p).powi(n as i32); // P(X = 0)
        let mut below = 0.0;
        for x in 0..k {
            below += term;
            term *= f64::from(n - x) / f64::from(x + 1) * p / (1.0 - p);
        }
        1.0 - below
    }

    #[test]
    fn a_count_of_many_deals_matches_the_exact_distribution_within_a_point() {
        // 200 deals of 30 %: the engine draws 64 exactly and the rest as one normal term,
        // rounded to whole deals (the continuity correction).
        for (n, p, k) in [
            (200u32, 30u8, 60u32),
            (200, 30, 66),
            (150, 10, 16),
            (300, 75, 230),
        ] {
            let open: Vec<OpenOpportunity> = (0..n).map(|_| deal("1", p)).collect();
            let band = simulate(Decimal::ZERO, &open, Decimal::from(k), TRIALS, SEED);
            let exact = binomial_at_least(n, f64::from(p) / 100.0, k);
            assert!(
                (band.p_hit - exact).abs() <= 0.01 + 0.01,
                "{n} deals of {p} %, at least {k}: simulated {:.4}, exact {exact:.4}",
                band.p_hit
            );
        }
    }

    #[test]
    fn the_shared_shock_and_new_business_widen_the_band_honestly() {
        let open = sample_pipeline(300);
        let target = d("5000000");
        let alone = simulate(Decimal::ZERO, &open, target, TRIALS, SEED);
        let shocked = simulate_with(
            Decimal::ZERO,
            &open,
            &Uncertainty {
                shared_sd: 0.6,
                ..Uncertainty::NONE
            },
            target,
            TRIALS,
            SEED,
        );
        assert!(shocked.p90 - shocked.p10 > (alone.p90 - alone.p10) * d("1.5"));
        let more = simulate_with(
            Decimal::ZERO,
            &open,
            &Uncertainty {
                shared_sd: 0.0,
                new_sd: 0.0,
                new_deals: 20.0,
                new_values: vec![1_000_000],
            },
            target,
            TRIALS,
            SEED,
        );
        // Twenty deals of €10 000 on average: about €200 k more at the median.
        let added = more.p50 - alone.p50;
        assert!((d("150000")..d("250000")).contains(&added), "{added}");
    }

    #[test]
    fn the_drafting_grid_is_the_bands_own_distribution() {
        let open = sample_pipeline(300);
        let extra = Uncertainty {
            shared_sd: 0.3,
            new_sd: 0.4,
            new_deals: 5.0,
            new_values: vec![500_000, 2_000_000],
        };
        let won = d("12345.67");
        let band = simulate_with(won, &open, &extra, d("1000000"), TRIALS, SEED);
        let grid = simulate_quantiles(won, &open, &extra, &[1, 10, 50, 90, 99], TRIALS, SEED);
        assert_eq!((grid[1], grid[2], grid[3]), (band.p10, band.p50, band.p90));
        assert!(grid.windows(2).all(|w| w[0] <= w[1]), "{grid:?}");
        assert!(grid[0] >= won);
    }

    proptest! {
        #[test]
        fn any_order_of_the_same_deals_gives_the_same_numbers(
            deals in proptest::collection::vec((1i64..1_000_000, 1u8..100), 1..300),
            sd in 0.0f64..1.0,
            seed in any::<u64>(),
        ) {
            let open: Vec<OpenOpportunity> = deals
                .iter()
                .map(|&(v, p)| OpenOpportunity { value: Decimal::new(v, 2), probability: p, stage: String::new() })
                .collect();
            let mut shuffled = open.clone();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            use rand_core::RngCore as _;
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
            }
            let extra = Uncertainty { shared_sd: sd, new_sd: sd * 2.0, new_deals: 2.0, new_values: vec![50_000, 70_000] };
            let target = Decimal::new(deals.iter().map(|d| d.0).sum::<i64>() / 3, 2);
            let a = simulate_with(Decimal::ZERO, &open, &extra, target, 2_000, SEED);
            let b = simulate_with(Decimal::ZERO, &shuffled, &extra, target, 2_000, SEED);
            prop_assert_eq!(a, b);
            prop_assert!(a.p10 <= a.p50 && a.p50 <= a.p90);
        }
    }

    #[test]
    fn customer_growth_is_completed_from_last_year_not_extrapolated_by_the_calendar() {
        // Day 7 of a quarter: 20 of last quarter's 100 customers have bought again; a year ago
        // 21 % of the quarter's customers had bought by day 7.
        let q = Period::new(day(2026, 1, 1), day(2026, 3, 31)).unwrap();
        let today = day(2026, 1, 9);
        let calendar = Calendar::default();
        let thresholds = Thresholds::default();
        let so_far = GrowthSoFar {
            base: d("100"),
            active: d("20"),
            seen_share: Some(d("0.21")),
        };
        let old = run_rate_outlook(
            Metric::CustomerGrowthPct,
            None,
            d("5"),
            q,
            d("-80"),
            None,
            today,
            &thresholds,
            &calendar,
            Locale::En,
        );
        // What the straight line made of it: nonsense, and off track.
        assert!(old.pace.projection < d("-500"), "{:?}", old.pace);
        assert_eq!(old.health, Health::OffTrack);

        let new = growth_outlook(
            Metric::CustomerGrowthPct,
            d("5"),
            q,
            so_far,
            today,
            &thresholds,
            &calendar,
            Locale::En,
        );
        // 20 ÷ 0.21 ≈ 95 customers: −4.8 %, against 105 needed for +5 %.
        assert_eq!(new.pace.projection, d("-4.8"));
        assert_eq!(new.pace.actual, d("-80.0"));
        assert_eq!(new.health, Health::AtRisk);
        let warning = new.warning.unwrap();
        assert!(warning.contains("about 95 customers"), "{warning}");
        assert!(
            warning.contains("10 short of the 105 needed for 5 %"),
            "{warning}"
        );

        // Without last year's history: the count so far, and no alarm before mid-period.
        let unknown = GrowthSoFar {
            seen_share: None,
            ..so_far
        };
        let early = growth_outlook(
            Metric::CustomerGrowthPct,
            d("5"),
            q,
            unknown,
            today,
            &thresholds,
            &calendar,
            Locale::En,
        );
        assert_eq!(early.pace.projection, d("-80.0"));
        assert_eq!(early.health, Health::OnTrack);
        // Reached: on track whatever the day.
        let reached = GrowthSoFar {
            active: d("106"),
            ..so_far
        };
        let done = growth_outlook(
            Metric::CustomerGrowthPct,
            d("5"),
            q,
            reached,
            today,
            &thresholds,
            &calendar,
            Locale::En,
        );
        assert_eq!(done.health, Health::OnTrack);
    }
}
