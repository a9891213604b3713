//! The accuracy report: for every closed period, how each forecast did at 25, 50 and 75 % of
//! it — Pacer's model, the plain method (the weighted pipeline for bookings and won
//! opportunities, the straight line for run-rate metrics) and the people's calls. Absolute
//! percentage error of the point forecast, whether the outcome fell inside P10–P90, the Brier
//! score of P(hit) (a point forecast counts as 100 % or 0 %), and how often targets given a
//! chance were reached (the reliability chart). Computed from the stored daily snapshots.

use super::period::Period;
use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::*;
use serde::{Deserialize, Serialize};

/// The points of a period the report looks at, in percent.
pub const CHECKPOINTS: [u8; 3] = [25, 50, 75];

/// The day at `percent` of `period`: the last day of its first quarter, half, three quarters.
pub fn checkpoint(period: Period, percent: u8) -> NaiveDate {
    let days = (period.end() - period.start()).num_days() + 1;
    let elapsed = (days * i64::from(percent) + 50) / 100;
    period.start() + Duration::days((elapsed - 1).max(0))
}

/// The days the report reads of `period`: its checkpoints and its last day (the outcome).
pub fn checkpoints_and_end(period: Period) -> [NaiveDate; 4] {
    let [a, b, c] = CHECKPOINTS.map(|p| checkpoint(period, p));
    [a, b, c, period.end()]
}

/// What one target looked like at one checkpoint, and how its period ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub period: Period,
    pub percent: u8,
    pub target: Decimal,
    pub outcome: Decimal,
    /// Pacer: its median (or the projection without a range), range and chance.
    pub p50: Decimal,
    pub band: Option<(Decimal, Decimal)>,
    pub p_hit: Option<f64>,
    /// The plain method's point (none for a pipeline target snapshotted before the weighted
    /// pipeline was kept).
    pub plain: Option<Decimal>,
    /// The latest call made by then: commit and best case.
    pub call: Option<(Decimal, Decimal)>,
}

/// One method's score over a set of observations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub forecasts: u32,
    /// Mean absolute percentage error of the point, in tenths of a percent.
    pub mape_tenths: Option<u32>,
    /// Share of outcomes inside the range (P10–P90; for calls commit–best case), in percent.
    pub inside_pct: Option<u8>,
    /// Brier score of P(hit), in thousandths (0 perfect, 250 a coin's).
    pub brier_milli: Option<u32>,
}

/// One row of the report: a closed period seen at one checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub period: Period,
    pub percent: u8,
    pub targets: u32,
    pub reached: u32,
    pub pacer: Score,
    pub plain: Score,
    pub calls: Score,
}

/// One bin of the reliability chart: targets Pacer gave a chance in `from..to` percent, and
/// how many of them were reached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub from: u8,
    pub to: u8,
    pub forecasts: u32,
    pub reached: u32,
    /// The mean chance given, in percent.
    pub mean_chance: u8,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccuracyReport {
    pub rows: Vec<Row>,
    pub reliability: Vec<Bin>,
    /// Every checkpoint of every closed period together.
    pub overall: Option<Row>,
}

/// What an admin's backfill did: the past days it computed, the target snapshots stored, and
/// the days still to compute (a backfill computes at most [`BACKFILL_DAYS`] per request).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backfilled {
    pub days: u32,
    pub snapshots: u32,
    pub remaining: u32,
}

/// Past days one backfill request computes (each learns the calibration of its day and
/// measures every target then running): the rest waits for the next press.
pub const BACKFILL_DAYS: usize = 24;

/// How far back the report looks, and the backfill computes: two years of closed periods.
pub const YEARS_BACK: u32 = 2;

#[derive(Default)]
struct Tally {
    n: u32,
    ape: f64,
    ape_n: u32,
    inside: u32,
    ranged: u32,
    brier: f64,
    chanced: u32,
}

impl Tally {
    fn add(
        &mut self,
        outcome: f64,
        target: f64,
        point: f64,
        range: Option<(f64, f64)>,
        chance: Option<f64>,
    ) {
        self.n += 1;
        if outcome.abs() > f64::EPSILON {
            // One near-empty outcome must not drown the rest: an error counts at most 1 000 %.
            self.ape += ((point - outcome).abs() / outcome.abs()).min(10.0);
            self.ape_n += 1;
        }
        if let Some((low, high)) = range {
            self.ranged += 1;
            self.inside += u32::from(low <= outcome && outcome <= high);
        }
        if let Some(p) = chance {
            let hit = f64::from(u8::from(outcome >= target));
            self.brier += (p - hit).powi(2);
            self.chanced += 1;
        }
    }

    fn score(&self) -> Score {
        Score {
            forecasts: self.n,
            mape_tenths: (self.ape_n > 0)
                .then(|| (self.ape / f64::from(self.ape_n) * 1000.0).round() as u32),
            inside_pct: (self.ranged > 0)
                .then(|| (f64::from(self.inside) / f64::from(self.ranged) * 100.0).round() as u8),
            brier_milli: (self.chanced > 0)
                .then(|| (self.brier / f64::from(self.chanced) * 1000.0).round() as u32),
        }
    }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn row(period: Period, percent: u8, observations: &[&Observation]) -> Row {
    let (mut pacer, mut plain, mut calls) = (Tally::default(), Tally::default(), Tally::default());
    let mut reached = 0;
    for o in observations {
        let (outcome, target) = (f(o.outcome), f(o.target));
        reached += u32::from(o.outcome >= o.target);
        pacer.add(
            outcome,
            target,
            f(o.p50),
            o.band.map(|(low, high)| (f(low), f(high))),
            o.p_hit,
        );
        if let Some(point) = o.plain {
            // Its Brier score over the same forecasts as Pacer's (those with a chance).
            let plain_hit = o.p_hit.map(|_| if point >= o.target { 1.0 } else { 0.0 });
            plain.add(outcome, target, f(point), None, plain_hit);
        }
        if let Some((commit, best)) = o.call {
            calls.add(outcome, target, f(commit), Some((f(commit), f(best))), None);
        }
    }
    Row {
        period,
        percent,
        targets: u32::try_from(observations.len()).unwrap_or(u32::MAX),
        reached,
        pacer: pacer.score(),
        plain: plain.score(),
        calls: calls.score(),
    }
}

/// The report over `observations`: one row per closed period and checkpoint (latest period
/// first), the overall row, and the reliability of Pacer's chances in ten bins.
pub fn report(observations: &[Observation]) -> AccuracyReport {
    let mut keys: Vec<(Period, u8)> = observations.iter().map(|o| (o.period, o.percent)).collect();
    keys.sort_by(|a, b| {
        b.0.end()
            .cmp(&a.0.end())
            .then(b.0.start().cmp(&a.0.start()))
            .then(a.1.cmp(&b.1))
    });
    keys.dedup();
    let rows = keys
        .into_iter()
        .map(|(period, percent)| {
            let these: Vec<&Observation> = observations
                .iter()
                .filter(|o| o.period == period && o.percent == percent)
                .collect();
            row(period, percent, &these)
        })
        .collect();
    let overall = observations.first().map(|first| {
        let all: Vec<&Observation> = observations.iter().collect();
        row(first.period, 0, &all)
    });
    let reliability = (0..10u8)
        .filter_map(|bin| {
            let (from, to) = (bin * 10, bin * 10 + 10);
            let these: Vec<(f64, bool)> = observations
                .iter()
                .filter_map(|o| o.p_hit.map(|p| (p, o.outcome >= o.target)))
                .filter(|(p, _)| {
                    let pct = p * 100.0;
                    pct >= f64::from(from) && (pct < f64::from(to) || (to == 100 && pct <= 100.0))
                })
                .collect();
            (!these.is_empty()).then(|| Bin {
                from,
                to,
                forecasts: u32::try_from(these.len()).unwrap_or(u32::MAX),
                reached: u32::try_from(these.iter().filter(|(_, hit)| *hit).count())
                    .unwrap_or(u32::MAX),
                mean_chance: (these.iter().map(|(p, _)| p).sum::<f64>() / these.len() as f64
                    * 100.0)
                    .round() as u8,
            })
        })
        .collect();
    AccuracyReport {
        rows,
        reliability,
        overall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn checkpoints_are_the_last_day_of_each_quarter_of_the_period() {
        let q3 = Period::new(day("2026-07-01"), day("2026-09-30")).unwrap();
        // 92 days: 23, 46 and 69 of them.
        assert_eq!(checkpoint(q3, 25), day("2026-07-23"));
        assert_eq!(checkpoint(q3, 50), day("2026-08-15"));
        assert_eq!(checkpoint(q3, 75), day("2026-09-07"));
        assert_eq!(checkpoint(q3, 100), day("2026-09-30"));
    }

    #[test]
    fn scores_say_how_far_off_how_often_inside_and_how_sure() {
        let q3 = Period::new(day("2026-07-01"), day("2026-09-30")).unwrap();
        let o = |outcome: i64, p50: i64, p_hit: f64, call: Option<(i64, i64)>| Observation {
            period: q3,
            percent: 50,
            target: Decimal::from(100),
            outcome: Decimal::from(outcome),
            p50: Decimal::from(p50),
            band: Some((Decimal::from(p50 - 10), Decimal::from(p50 + 10))),
            p_hit: Some(p_hit),
            plain: Some(Decimal::from(p50 + 30)),
            call: call.map(|(c, b)| (Decimal::from(c), Decimal::from(b))),
        };
        let report = report(&[o(110, 100, 0.5, Some((90, 120))), o(80, 100, 0.5, None)]);
        let row = &report.rows[0];
        assert_eq!((row.targets, row.reached), (2, 1));
        // |100−110|/110 = 9.1 %, |100−80|/80 = 25 %: 17.0 %.
        assert_eq!(row.pacer.mape_tenths, Some(170));
        assert_eq!(row.pacer.inside_pct, Some(50));
        assert_eq!(row.pacer.brier_milli, Some(250));
        // The plain point (130) says both reach it: right once, wrong once.
        assert_eq!(row.plain.brier_milli, Some(500));
        assert_eq!(row.calls.forecasts, 1);
        assert_eq!(row.calls.inside_pct, Some(100));
        assert_eq!(report.reliability.len(), 1);
        assert_eq!(
            (report.reliability[0].from, report.reliability[0].reached),
            (50, 1)
        );
    }
}
