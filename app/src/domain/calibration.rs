//! What the forecast learns from the company's own history (issue 19): how often a deal in a
//! given stage and situation was won within so many days, how much whole periods varied
//! together, and how much business was created and won inside a period.
//!
//! The stage percentages an admin configures are a prior, not the truth: nominal percentages
//! overstate win rates, deals slip past their expected close date or end in no decision, and
//! deals sitting idle rarely wake up. Pacer keeps every stage move, so it can look back:
//! every [`OBSERVE_EVERY_DAYS`] days of the last [`LOOK_BACK_DAYS`], each deal then open is an
//! observation — its stage, whether it was overdue, whether it sat idle — and what followed:
//! won within 7, 14, 30 … 365 days or not. The learned chance for a cell is
//!
//! ```text
//!   (won in the cell + k × stage rate) ÷ (observations in the cell + k)
//!   stage rate = (won in the stage + k × configured probability) ÷ (observations in the stage + k)
//! ```
//!
//! a Beta prior worth [`PRIOR_DEALS`] observations at each level: with no history the learned
//! chance *is* the configured probability; with a thin history it moves part of the way.
//! Recent observations weigh more (half-life [`HALF_LIFE_DAYS`]), so drifting win rates are
//! followed. Pure and deterministic: the server learns it with the daily snapshot and the
//! browser uses the same numbers while a card is dragged.

use super::forecast::Uncertainty;
use super::pipeline::{Stage, StageKind};
use super::Probability;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The horizons (days ahead) at which chances are learned; between two, the chance is
/// interpolated linearly, below the first in proportion to the days.
pub const HORIZONS: [u16; 13] = [7, 14, 21, 30, 45, 61, 76, 91, 122, 152, 182, 273, 365];
/// What the prior is worth, in observations (a Beta(k·p, k·(1−p)) prior).
pub const PRIOR_DEALS: f64 = 20.0;
/// An observation this old counts half.
pub const HALF_LIFE_DAYS: f64 = 180.0;
/// Deals are observed once a week…
pub const OBSERVE_EVERY_DAYS: i64 = 7;
/// …over the last three years.
pub const LOOK_BACK_DAYS: i64 = 3 * 365;
/// A deal in a stage without a rotting limit counts as idle after this many days in it.
pub const IDLE_DAYS_WITHOUT_LIMIT: i64 = 60;
/// Values of deals created and won inside a horizon kept for resampling.
const NEW_DEAL_VALUES: usize = 256;

/// One deal as the history knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DealHistory {
    pub owner: i64,
    /// Whole hundredths of the deal's value (cents).
    pub value: i64,
    pub created_on: NaiveDate,
    /// The open stages it entered, in order; the first is where it was created.
    pub entries: Vec<StageEntry>,
    /// Its expected close date over time: (from that day on, the date), in order; the first
    /// is the one it was created with.
    pub dues: Vec<(NaiveDate, NaiveDate)>,
    pub closed: Option<Closed>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageEntry {
    pub on: NaiveDate,
    pub stage_id: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed {
    pub on: NaiveDate,
    pub won: bool,
}

/// Where an open deal stands, as far as its chance is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Situation {
    pub stage_id: i64,
    pub days_in_stage: i64,
    /// Days past its expected close date (negative: days until it).
    pub days_overdue: i64,
}

/// Observations and wins, weighted by age.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub observed: f64,
    pub won: f64,
}

impl Tally {
    fn add(&mut self, weight: f64, won: bool) {
        self.observed += weight;
        if won {
            self.won += weight;
        }
    }

    /// The rate, shrunk toward `prior` by [`PRIOR_DEALS`].
    fn shrunk(self, prior: f64) -> f64 {
        (self.won + PRIOR_DEALS * prior) / (self.observed + PRIOR_DEALS)
    }
}

/// The four situations a deal in a stage can be in.
const SITUATIONS: usize = 4;

fn situation_index(overdue: bool, idle: bool) -> usize {
    usize::from(overdue) * 2 + usize::from(idle)
}

/// What one open stage learned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageCalibration {
    pub stage_id: i64,
    pub name: String,
    /// The configured probability, percent.
    pub configured: u8,
    /// Per horizon: all observations in the stage.
    pub stage: Vec<Tally>,
    /// Per situation (on time / idle / overdue / overdue and idle), per horizon.
    pub situations: Vec<Vec<Tally>>,
    /// Deals that reached the stage and were later won / lost (for the page).
    pub reached_won: u32,
    pub reached_lost: u32,
}

/// The learned chances: all a board needs to give each card its chance (the rest of the
/// calibration stays on the server, so the browser's code and data stay small).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chances {
    pub stages: Vec<StageChances>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageChances {
    pub stage_id: i64,
    /// Days after which a deal counts as idle in it.
    pub idle_after_days: i64,
    /// Per situation (on time / idle / overdue / overdue and idle), per horizon: the learned
    /// chance of being won within it, 0–1.
    #[serde(with = "micro::rows")]
    pub by_situation: Vec<Vec<f64>>,
}

/// Fractions cross the wire to the board as whole millionths: the browser then parses no
/// floating-point text (that parser alone was 8 KB of the board's wasm), and because the server
/// rounds the same way before it uses them, both sides compute with the very same numbers.
pub mod micro {
    use serde::{Deserialize, Deserializer, Serializer};

    /// `x` to the nearest millionth, as the wire carries it.
    pub fn round(x: f64) -> f64 {
        libm::round(x * 1e6) / 1e6
    }

    fn whole(x: f64) -> i64 {
        libm::round(x * 1e6) as i64
    }

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(whole(*x))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(i64::deserialize(d)? as f64 / 1e6)
    }

    /// The same for rows of fractions.
    pub mod rows {
        use super::whole;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(rows: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
            let whole: Vec<Vec<i64>> = rows
                .iter()
                .map(|row| row.iter().map(|x| whole(*x)).collect())
                .collect();
            whole.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
            let whole = Vec::<Vec<i64>>::deserialize(d)?;
            Ok(whole
                .into_iter()
                .map(|row| row.into_iter().map(|x| x as f64 / 1e6).collect())
                .collect())
        }
    }
}

impl Chances {
    /// The chance, 0–1, that a deal in `situation` is won within `days` days.
    pub fn chance(&self, situation: Situation, days: i64) -> Option<f64> {
        let stage = self
            .stages
            .iter()
            .find(|s| s.stage_id == situation.stage_id)?;
        let idle = situation.days_in_stage > stage.idle_after_days;
        let row = stage
            .by_situation
            .get(situation_index(situation.days_overdue > 0, idle))?;
        Some(interpolate(row, days))
    }

    /// The chance in whole percent, as cards and the engine take it.
    pub fn percent(&self, situation: Situation, days: i64) -> Option<u8> {
        self.chance(situation, days)
            .map(|p| (p * 100.0).round().clamp(0.0, 100.0) as u8)
    }

    /// The chance, percent, a target ending `end` counts for an open deal in `stage` on
    /// `today`: the owner's explicit override wins; else what the history says for a deal in
    /// its situation; else the stage's configured probability.
    pub fn deal_percent(
        &self,
        stage: &Stage,
        deal: DealNow,
        today: NaiveDate,
        end: NaiveDate,
    ) -> u8 {
        if let Some(p) = deal.overridden {
            return p.percent();
        }
        let situation = Situation {
            stage_id: stage.id,
            days_in_stage: (today - deal.entered_on).num_days().max(0),
            days_overdue: (today - deal.due_on).num_days(),
        };
        self.percent(situation, days_left(today, end))
            .unwrap_or(stage.probability.percent())
    }
}

/// Everything learned, for one company as of one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub as_of: NaiveDate,
    pub deals: u32,
    pub stages: Vec<StageCalibration>,
    pub chances: Chances,
    /// The spread of a per-period shock shared by all deals: the standard deviation of the
    /// log of the factor every chance of a period is multiplied by.
    pub shared_sd: f64,
    /// The same for the business still to come, which moves more with the market (it must
    /// be created and pass every stage within the period); the two move together.
    pub new_sd: f64,
    /// Per horizon: deals won within it that a target counted no chance for on its first day
    /// (created later, or then due after the horizon), per active owner.
    pub new_per_owner: Vec<f64>,
    /// What such a deal is worth (hundredths): the distribution of the latest 256 as 16
    /// equally likely values, or their mean with fewer than 32 — never one deal's value.
    pub new_values: Vec<i64>,
}

impl Calibration {
    /// What is known with no history: the configured probabilities, no shared shock, no new
    /// deals — exactly the forecast before calibration.
    pub fn nominal(stages: &[Stage], as_of: NaiveDate) -> Calibration {
        learn(&[], stages, as_of)
    }

    /// The chance, 0–1, that a deal in `situation` is won within `days` days.
    pub fn chance(&self, situation: Situation, days: i64) -> Option<f64> {
        self.chances.chance(situation, days)
    }

    /// The chance in whole percent.
    pub fn percent(&self, situation: Situation, days: i64) -> Option<u8> {
        self.chances.percent(situation, days)
    }

    /// Deals expected to be created and won by `owners` people within `days` days.
    pub fn new_deals(&self, owners: usize, days: i64) -> f64 {
        interpolate(&self.new_per_owner, days) * owners as f64
    }

    /// See [`Chances::deal_percent`].
    pub fn deal_percent(
        &self,
        stage: &Stage,
        deal: DealNow,
        today: NaiveDate,
        end: NaiveDate,
    ) -> u8 {
        self.chances.deal_percent(stage, deal, today, end)
    }

    /// What a target ending `end`, counting the deals of `owners` people, gets beyond its
    /// open deals: the shared shock and the business still to come (each worth 1 when
    /// `counts_deals`, else resampled from history).
    pub fn uncertainty(
        &self,
        counts_deals: bool,
        owners: usize,
        today: NaiveDate,
        end: NaiveDate,
    ) -> Uncertainty {
        Uncertainty {
            shared_sd: micro::round(self.shared_sd),
            new_sd: micro::round(self.new_sd),
            new_deals: micro::round(self.new_deals(owners, days_left(today, end))),
            new_values: if counts_deals {
                vec![100]
            } else {
                self.new_values.clone()
            },
        }
    }
}

/// Days a deal still has to close in a period ending `end`, after `today` (the figures are
/// those at the end of today); on the last day, that day.
fn days_left(today: NaiveDate, end: NaiveDate) -> i64 {
    (end - today).num_days().max(1)
}

/// What the chance of one open deal depends on besides its stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DealNow {
    /// The owner's explicit probability, if they set one.
    pub overridden: Option<Probability>,
    /// The day it entered its stage.
    pub entered_on: NaiveDate,
    /// Its expected close date.
    pub due_on: NaiveDate,
}

/// The value of `row` (one per [`HORIZONS`]) at `days`.
fn interpolate(row: &[f64], days: i64) -> f64 {
    if days <= 0 || row.is_empty() {
        return 0.0;
    }
    let days_f = days as f64;
    let first = f64::from(HORIZONS[0]);
    if days_f <= first {
        // Fewer days, fewer wins: a deal's last day in a period is not a whole week.
        return row[0] * days_f / first;
    }
    for i in 1..HORIZONS.len().min(row.len()) {
        let (a, b) = (f64::from(HORIZONS[i - 1]), f64::from(HORIZONS[i]));
        if days_f <= b {
            return row[i - 1] + (row[i] - row[i - 1]) * (days_f - a) / (b - a);
        }
    }
    row[row.len() - 1]
}

/// Where `deal` stood at the end of `day`, if it was open then and its history up to
/// `as_of` says so.
fn entry_at(deal: &DealHistory, day: NaiveDate) -> Option<&StageEntry> {
    if deal.created_on > day || deal.closed.is_some_and(|c| c.on <= day) {
        return None;
    }
    deal.entries.iter().take_while(|e| e.on <= day).last()
}

/// The expected close date `deal` had at the end of `day`.
fn due_at(deal: &DealHistory, day: NaiveDate) -> Option<NaiveDate> {
    deal.dues
        .iter()
        .take_while(|(from, _)| *from <= day)
        .last()
        .or(deal.dues.first())
        .map(|(_, due)| *due)
}

/// Whether a target ending `end` counts `deal` on `day` as an open deal due by then.
fn counted_open(deal: &DealHistory, day: NaiveDate, end: NaiveDate) -> bool {
    entry_at(deal, day).is_some() && due_at(deal, day).is_some_and(|due| due <= end)
}

/// Learns from `deals` what was known at the end of `as_of`: later moves, closings and deals
/// are ignored, so a backtest can hand over the whole world and ask about a day in its past.
pub fn learn(deals: &[DealHistory], stages: &[Stage], as_of: NaiveDate) -> Calibration {
    let open: Vec<&Stage> = stages
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .collect();
    let index_of = |id: i64| open.iter().position(|s| s.id == id);
    let horizons = HORIZONS.len();
    let mut stage_tallies = vec![vec![Tally::default(); horizons]; open.len()];
    let mut cell_tallies = vec![vec![vec![Tally::default(); horizons]; SITUATIONS]; open.len()];
    let mut reached = vec![(0u32, 0u32); open.len()];
    let idle_after: Vec<i64> = open
        .iter()
        .map(|s| s.rotting_days.map_or(IDLE_DAYS_WITHOUT_LIMIT, i64::from))
        .collect();
    let known = |deal: &DealHistory| deal.closed.filter(|c| c.on <= as_of);
    let start = as_of - chrono::Duration::days(LOOK_BACK_DAYS);
    let observation_days: Vec<NaiveDate> = (1..)
        .map(|k| as_of - chrono::Duration::days(k * OBSERVE_EVERY_DAYS))
        .take_while(|d| *d >= start)
        .collect();
    let weights: Vec<f64> = observation_days
        .iter()
        .map(|day| libm::pow(0.5, (as_of - *day).num_days() as f64 / HALF_LIFE_DAYS))
        .collect();

    let mut counted = 0u32;
    for deal in deals.iter().filter(|d| d.created_on <= as_of) {
        counted += 1;
        let closed = known(deal);
        let won_on = closed.filter(|c| c.won).map(|c| c.on);
        for entry in deal.entries.iter().filter(|e| e.on <= as_of) {
            if let (Some(i), Some(c)) = (index_of(entry.stage_id), closed) {
                if c.won {
                    reached[i].0 += 1;
                } else {
                    reached[i].1 += 1;
                }
            }
        }
        for (d, &day) in observation_days.iter().enumerate() {
            if day < deal.created_on {
                break;
            }
            let Some(entry) = entry_at(deal, day).filter(|_| closed.is_none_or(|c| c.on > day))
            else {
                continue;
            };
            let Some(i) = index_of(entry.stage_id) else {
                continue;
            };
            let Some(due) = due_at(deal, day) else {
                continue;
            };
            let overdue = due < day;
            let idle = (day - entry.on).num_days() > idle_after[i];
            let cell = situation_index(overdue, idle);
            let w = weights[d];
            for (h, &horizon) in HORIZONS.iter().enumerate() {
                let end = day + chrono::Duration::days(i64::from(horizon));
                // Only what is fully known by `as_of`, and only deals due within the
                // horizon (or already overdue): the deals a target counts.
                if end > as_of || due > end {
                    continue;
                }
                let won = won_on.is_some_and(|w| w <= end);
                stage_tallies[i][h].add(w, won);
                cell_tallies[i][cell][h].add(w, won);
            }
        }
    }

    let mut calibrated = Vec::with_capacity(open.len());
    let mut chances = Chances::default();
    for (i, stage) in open.iter().enumerate() {
        let prior = f64::from(stage.probability.percent()) / 100.0;
        let stage_rates = monotone(
            stage_tallies[i]
                .iter()
                .map(|t| (t.shrunk(prior), t.observed + PRIOR_DEALS)),
        );
        let by_situation: Vec<Vec<f64>> = cell_tallies[i]
            .iter()
            .map(|cell| {
                monotone(
                    cell.iter()
                        .zip(&stage_rates)
                        .map(|(t, &rate)| (t.shrunk(rate), t.observed + PRIOR_DEALS)),
                )
                .into_iter()
                .map(micro::round)
                .collect()
            })
            .collect();
        calibrated.push(StageCalibration {
            stage_id: stage.id,
            name: stage.name.clone(),
            configured: stage.probability.percent(),
            stage: stage_tallies[i].clone(),
            situations: cell_tallies[i].clone(),
            reached_won: reached[i].0,
            reached_lost: reached[i].1,
        });
        chances.stages.push(StageChances {
            stage_id: stage.id,
            idle_after_days: idle_after[i],
            by_situation,
        });
    }
    let (new_per_owner, new_values) = new_business(deals, &observation_days, as_of);
    let mut calibration = Calibration {
        as_of,
        deals: counted,
        stages: calibrated,
        chances,
        shared_sd: 0.0,
        new_sd: 0.0,
        new_per_owner,
        new_values,
    };
    (calibration.shared_sd, calibration.new_sd) = shared_spread(deals, &calibration);
    calibration
}

/// Chances that never fall as the horizon grows (a deal won within 30 days is also won
/// within 61), whatever noise the separate tallies carry: the weighted isotonic fit (pool
/// adjacent violators) of (rate, weight) pairs, so a horizon with little evidence gives way
/// to its neighbours with much.
fn monotone(rates: impl Iterator<Item = (f64, f64)>) -> Vec<f64> {
    // Blocks of pooled horizons: (mean, weight, horizons in it).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for (rate, weight) in rates {
        blocks.push((rate.clamp(0.0, 1.0), weight.max(1e-9), 1));
        while blocks.len() >= 2 && blocks[blocks.len() - 2].0 > blocks[blocks.len() - 1].0 {
            let (b_mean, b_weight, b_len) = blocks.pop().unwrap_or((0.0, 0.0, 0));
            let a = blocks.last_mut().expect("two blocks");
            let weight = a.1 + b_weight;
            a.0 = (a.0 * a.1 + b_mean * b_weight) / weight;
            a.1 = weight;
            a.2 += b_len;
        }
    }
    blocks
        .into_iter()
        .flat_map(|(mean, _, len)| std::iter::repeat_n(mean, len))
        .collect()
}

/// How much whole periods moved together, as the standard deviation of the log of a factor
/// shared by every chance of a period: one for the open deals, one for the business still to
/// come. Each past calendar month is a period. Open deals: those open at its start and due
/// by its end, each with its learned chance, against how many were won in the month; the
/// surprise (won − Σp) has variance Σp(1−p) from the deals' own chances plus σ²(Σp)² from
/// the shared factor. New business: deals won in the month that were not among those,
/// against the learned rate λ; variance λ + σ²λ². The method of moments over the months
/// gives each σ². Zero with fewer than six months of history.
fn shared_spread(deals: &[DealHistory], calibration: &Calibration) -> (f64, f64) {
    let as_of = calibration.as_of;
    let earliest = as_of - chrono::Duration::days(LOOK_BACK_DAYS);
    let mut months = Vec::new();
    let mut first =
        NaiveDate::from_ymd_opt(earliest.year(), earliest.month(), 1).unwrap_or(earliest);
    while let Some(next) = first.checked_add_months(chrono::Months::new(1)) {
        let last = next - chrono::Duration::days(1);
        if last > as_of {
            break;
        }
        if first > earliest {
            months.push((first, last));
        }
        first = next;
    }
    let mut open = Moments::default();
    let mut new = Moments::default();
    for (first, last) in months {
        let eve = first - chrono::Duration::days(1);
        let days = (last - eve).num_days();
        let (mut surprise, mut variance, mut expected, mut n) = (0f64, 0f64, 0f64, 0);
        let mut owners: Vec<i64> = Vec::new();
        let mut arrived = 0f64;
        for deal in deals {
            if deal.created_on <= eve && deal.created_on > eve - chrono::Duration::days(365) {
                owners.push(deal.owner);
            }
            let won = deal
                .closed
                .is_some_and(|c| c.won && c.on >= first && c.on <= last);
            let counted = entry_at(deal, eve).zip(due_at(deal, eve).filter(|due| *due <= last));
            let Some((entry, due)) = counted else {
                arrived += f64::from(u8::from(won));
                continue;
            };
            let situation = Situation {
                stage_id: entry.stage_id,
                days_in_stage: (eve - entry.on).num_days(),
                days_overdue: (eve - due).num_days(),
            };
            let Some(p) = calibration.chance(situation, days) else {
                continue;
            };
            surprise += f64::from(u8::from(won)) - p;
            variance += p * (1.0 - p);
            expected += p;
            n += 1;
        }
        if n >= 5 {
            open.add(surprise, variance, expected);
        }
        owners.sort_unstable();
        owners.dedup();
        let lambda = calibration.new_deals(owners.len(), days);
        if lambda > 0.0 {
            new.add(arrived - lambda, lambda, lambda);
        }
    }
    (open.sd(), new.sd())
}

/// The widest shared shock believed: a factor whose log has standard deviation 1 already
/// makes a period's business 2.7 times as likely to halve as a calm one; beyond it the
/// estimate is noise from a short or lumpy history.
const MAX_SHARED_SD: f64 = 1.0;

/// Sums for the method of moments: σ² = Σ(surprise² − own variance) ÷ Σ expected².
#[derive(Default)]
struct Moments {
    excess: f64,
    scale: f64,
    periods: u32,
}

impl Moments {
    fn add(&mut self, surprise: f64, own_variance: f64, expected: f64) {
        self.excess += surprise * surprise - own_variance;
        self.scale += expected * expected;
        self.periods += 1;
    }

    fn sd(&self) -> f64 {
        if self.periods < 6 || self.scale <= 0.0 {
            return 0.0;
        }
        libm::sqrt((self.excess / self.scale).max(0.0)).min(MAX_SHARED_SD)
    }
}

/// Per horizon, deals won within it that were not open and due within it on the
/// observation day (created later, or then due later), per owner active then (someone with a
/// deal created in the year before); and the values of the latest such deals (quarter
/// horizon). A target counts those deals nowhere else, so this is the business it will get
/// on top of its pipeline.
fn new_business(
    deals: &[DealHistory],
    observation_days: &[NaiveDate],
    as_of: NaiveDate,
) -> (Vec<f64>, Vec<i64>) {
    let mut created: Vec<(NaiveDate, i64)> = deals
        .iter()
        .filter(|d| d.created_on <= as_of)
        .map(|d| (d.created_on, d.owner))
        .collect();
    created.sort_unstable();
    let upto = |day: NaiveDate| created.partition_point(|k| k.0 <= day);
    // Observation days run backwards from `as_of`: index k is `as_of - 7(k+1)` days.
    let index_of = |day: NaiveDate| -> Option<usize> {
        let back = (as_of - day).num_days();
        (back >= OBSERVE_EVERY_DAYS && back % OBSERVE_EVERY_DAYS == 0)
            .then(|| (back / OBSERVE_EVERY_DAYS - 1) as usize)
            .filter(|&k| k < observation_days.len())
    };
    let quarter = HORIZONS.iter().position(|&h| h == 91).unwrap_or(4);
    let mut extra = vec![vec![0u32; HORIZONS.len()]; observation_days.len()];
    let mut values: Vec<(NaiveDate, i64)> = Vec::new();
    for deal in deals {
        let Some(won) = deal.closed.filter(|c| c.won && c.on <= as_of).map(|c| c.on) else {
            continue;
        };
        let mut outside_a_quarter = false;
        // Every observation day before the win, up to the longest horizon back.
        let first = won - chrono::Duration::days(i64::from(HORIZONS[HORIZONS.len() - 1]));
        let mut day = as_of - chrono::Duration::days(OBSERVE_EVERY_DAYS);
        while day >= won {
            day -= chrono::Duration::days(OBSERVE_EVERY_DAYS);
        }
        while day >= first {
            if let Some(k) = index_of(day) {
                for (h, &horizon) in HORIZONS.iter().enumerate() {
                    let end = day + chrono::Duration::days(i64::from(horizon));
                    if end < won || end > as_of {
                        continue;
                    }
                    if !counted_open(deal, day, end) {
                        extra[k][h] += 1;
                        outside_a_quarter |= h == quarter;
                    }
                }
            }
            day -= chrono::Duration::days(OBSERVE_EVERY_DAYS);
        }
        if outside_a_quarter {
            values.push((won, deal.value));
        }
    }
    let mut per_owner = vec![(0f64, 0f64); HORIZONS.len()];
    for (k, &day) in observation_days.iter().enumerate() {
        let mut owners: Vec<i64> = created[upto(day - chrono::Duration::days(365))..upto(day)]
            .iter()
            .map(|c| c.1)
            .collect();
        owners.sort_unstable();
        owners.dedup();
        if owners.is_empty() {
            continue;
        }
        let w = libm::pow(0.5, (as_of - day).num_days() as f64 / HALF_LIFE_DAYS);
        for (h, &horizon) in HORIZONS.iter().enumerate() {
            if day + chrono::Duration::days(i64::from(horizon)) > as_of {
                continue;
            }
            per_owner[h].0 += w * f64::from(extra[k][h]);
            per_owner[h].1 += w * owners.len() as f64;
        }
    }
    let rates = monotone(per_owner.iter().map(|&(n, o)| {
        let rate = if o > 0.0 { n / o } else { 0.0 };
        (rate, o)
    }));
    values.sort_unstable_by(|a, b| b.cmp(a));
    let latest: Vec<i64> = values
        .into_iter()
        .take(NEW_DEAL_VALUES)
        .map(|(_, v)| v)
        .collect();
    (rates, value_quantiles(latest))
}

/// How many values stand for the distribution of deal values sent to every board.
const VALUE_QUANTILES: usize = 16;

/// The distribution of `values` as [`VALUE_QUANTILES`] equally likely values, each the mean
/// of its slice of at least two deals; with fewer than 32 values the mean of all (at least
/// five), else nothing. Every board gets this with its forecast, so it must never show one
/// deal's value of someone outside the viewer's scope.
fn value_quantiles(mut values: Vec<i64>) -> Vec<i64> {
    let mean = |v: &[i64]| {
        let sum: i128 = v.iter().map(|&x| i128::from(x)).sum();
        i64::try_from(sum / v.len().max(1) as i128).unwrap_or(i64::MAX)
    };
    if values.len() < 5 {
        return Vec::new();
    }
    if values.len() < VALUE_QUANTILES * 2 {
        return vec![mean(&values)];
    }
    values.sort_unstable();
    (0..VALUE_QUANTILES)
        .map(|k| {
            let slice = &values
                [k * values.len() / VALUE_QUANTILES..(k + 1) * values.len() / VALUE_QUANTILES];
            mean(slice)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Probability;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn stages() -> Vec<Stage> {
        [(1, 10), (2, 50), (3, 100), (4, 0)]
            .into_iter()
            .map(|(id, p)| Stage {
                id,
                name: format!("S{id}"),
                position: id as i32,
                probability: Probability::parse(p).unwrap(),
                rotting_days: Some(30),
                kind: match id {
                    3 => StageKind::Won,
                    4 => StageKind::Lost,
                    _ => StageKind::Open,
                },
            })
            .collect()
    }

    /// A deal created in stage 2 on `created`, due 30 days later, closed after `days`.
    fn deal(created: NaiveDate, days: i64, won: bool) -> DealHistory {
        DealHistory {
            owner: 1,
            value: 100_000,
            created_on: created,
            entries: vec![StageEntry {
                on: created,
                stage_id: 2,
            }],
            dues: vec![(created, created + chrono::Duration::days(30))],
            closed: Some(Closed {
                on: created + chrono::Duration::days(days),
                won,
            }),
        }
    }

    fn on_time(stage_id: i64) -> Situation {
        Situation {
            stage_id,
            days_in_stage: 3,
            days_overdue: -20,
        }
    }

    #[test]
    fn with_no_history_the_learned_chance_is_the_configured_one() {
        let c = Calibration::nominal(&stages(), day(2026, 6, 1));
        for days in [7, 20, 45, 91, 200, 400] {
            assert_eq!(c.percent(on_time(1), days), Some(10));
            assert_eq!(c.percent(on_time(2), days), Some(50));
        }
        assert_eq!(c.shared_sd, 0.0);
        assert_eq!(c.new_deals(5, 91), 0.0);
    }

    #[test]
    fn a_stage_whose_deals_were_mostly_lost_learns_a_lower_chance() {
        let start = day(2025, 1, 1);
        // Two deals a day for a year; one in five won, ten days after creation.
        let deals: Vec<DealHistory> = (0..730)
            .map(|i| deal(start + chrono::Duration::days(i / 2), 10, i % 5 == 0))
            .collect();
        let c = learn(&deals, &stages(), day(2026, 3, 1));
        let learned = c.chance(on_time(2), 30).unwrap();
        assert!((0.17..0.25).contains(&learned), "{learned}");
        // Untouched stage keeps its configured chance.
        assert_eq!(c.percent(on_time(1), 30), Some(10));
    }

    #[test]
    fn nothing_after_the_day_is_learned_from() {
        let start = day(2025, 1, 1);
        let deals: Vec<DealHistory> = (0..600)
            .map(|i| deal(start + chrono::Duration::days(i), 10 + i % 40, i % 3 == 0))
            .collect();
        let as_of = day(2025, 9, 1);
        // What was known then: later deals gone, later closings not yet happened.
        let known: Vec<DealHistory> = deals
            .iter()
            .filter(|d| d.created_on <= as_of)
            .map(|d| DealHistory {
                closed: d.closed.filter(|c| c.on <= as_of),
                ..d.clone()
            })
            .collect();
        assert_eq!(
            learn(&deals, &stages(), as_of),
            learn(&known, &stages(), as_of)
        );
    }

    #[test]
    fn boards_get_the_spread_of_deal_values_never_one_deal() {
        assert_eq!(value_quantiles(vec![]), Vec::<i64>::new());
        // Too few to hide one: nothing.
        assert_eq!(value_quantiles(vec![100, 200, 600]), Vec::<i64>::new());
        // A few: their mean only.
        assert_eq!(value_quantiles(vec![100, 200, 600, 300, 300]), vec![300]);
        // Many: sixteen slices of the distribution, in order, each an average of its slice
        // (here sixteen deals each, none of them a deal's own value).
        let many: Vec<i64> = (1..=256).rev().map(|v| v * 1_000).collect();
        let q = value_quantiles(many.clone());
        assert_eq!(q.len(), 16);
        assert!(q.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!((q[0], q[15]), (8_500, 248_500));
        assert!(q.iter().all(|v| !many.contains(v)));
    }

    proptest! {
        #[test]
        fn chances_never_fall_as_the_horizon_grows(
            outcomes in proptest::collection::vec((0i64..120, any::<bool>()), 50..300),
        ) {
            let start = day(2025, 1, 1);
            let deals: Vec<DealHistory> = outcomes
                .iter()
                .enumerate()
                .map(|(i, &(days, won))| deal(start + chrono::Duration::days(i as i64), days, won))
                .collect();
            let c = learn(&deals, &stages(), day(2026, 6, 1));
            let mut last = 0.0;
            for days in [1, 5, 7, 10, 30, 45, 61, 91, 150, 182, 365, 500] {
                let p = c.chance(on_time(2), days).unwrap();
                prop_assert!((0.0..=1.0).contains(&p));
                prop_assert!(p >= last - 1e-12, "{p} after {last}");
                last = p;
            }
        }
    }
}
