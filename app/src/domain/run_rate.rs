//! The range of a run-rate target (turnover, visits, initial contacts, new customers): where
//! the rest of the period will land, read from how the same stretch of the calendar went
//! before.
//!
//! A straight line through the period so far has no range and no season: it calls a quiet
//! August "off track" every year and says nothing about how sure it is. Here the rest of the
//! period is compared with *analogues*: the same days one, two and three years back (shifted by
//! whole weeks, up to three either way, so weekdays line up, the nearer counting more), each scaled by how the last quarter
//! before today compares with the quarter before that analogue (the level now against the level
//! then). Without a year of history the analogues are the most recent stretches of the same
//! length. Each analogue is one possible rest of the period; a Gaussian kernel over them (width
//! by Silverman's rule) turns the handful into a smooth distribution, so P10, P50, P90 and the
//! chance to reach the target are not stuck on the few values seen.
//!
//! Whole stretches are resampled, never single days or weeks: a slow month is usually slow
//! throughout, and summing independent days would make the range far too narrow.

use super::forecast::Band;
use super::period::Period;
use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::*;

/// Days before a stretch that say how busy it was then: about a quarter.
pub const LEVEL_DAYS: i64 = 91;
/// Years back searched for the same season.
pub const YEARS_BACK: i64 = 3;
/// Weeks either side of the same season; the nearer, the more an analogue counts.
pub const SEASON_WEEKS: i64 = 3;
/// Recent stretches used without a year of history.
pub const MAX_RECENT: i64 = 26;
/// Fewer analogues than this give no range (the pace alone is shown); so do fewer than two
/// independent looks (a single past season, however many shifts of it).
pub const MIN_ANALOGUES: usize = 6;
/// How far the level now may differ from the level then: a tenth to ten times (a book that
/// lost its key account really is a fraction of what it was; the softening below keeps a few
/// events from making wild ratios).
const RATIO_LIMIT: f64 = 10.0;

/// A metric's totals day by day, from `first` up to and including `last` (the day the
/// forecast is made). Days without a value count as zero.
#[derive(Clone, Debug, PartialEq)]
pub struct Daily {
    first: NaiveDate,
    values: Vec<f64>,
}

impl Daily {
    /// The totals of `days` (days outside `first..=last` are ignored).
    pub fn new(
        first: NaiveDate,
        last: NaiveDate,
        days: impl IntoIterator<Item = (NaiveDate, f64)>,
    ) -> Daily {
        let len = usize::try_from((last - first).num_days() + 1).unwrap_or(0);
        let mut values = vec![0.0; len];
        for (day, value) in days {
            if let Some(slot) = usize::try_from((day - first).num_days())
                .ok()
                .and_then(|i| values.get_mut(i))
            {
                *slot += value;
            }
        }
        Daily { first, values }
    }

    /// The sum of `days` days from `from`, when all of them lie inside the history.
    fn sum(&self, from: NaiveDate, days: i64) -> Option<f64> {
        let start = usize::try_from((from - self.first).num_days()).ok()?;
        let end = start.checked_add(usize::try_from(days).ok()?)?;
        self.values.get(start..end).map(|v| v.iter().sum())
    }

    fn last(&self) -> NaiveDate {
        self.first + Duration::days(self.values.len() as i64 - 1)
    }
}

/// What the rest of a period may add: one value per analogue, already scaled to today's
/// level, with how much each counts; and how many independent looks at the future they are
/// (the shifts of one year overlap almost entirely: one year is one look; recent stretches a
/// week apart overlap too: as many looks as non-overlapping stretches fit).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analogues {
    pub values: Vec<(f64, f64)>,
    pub independent: f64,
}

/// The analogues of the `rest_days` days from `rest_from`; empty when the history holds too
/// few (fewer than [`MIN_ANALOGUES`], or fewer than two independent looks). Seasonal analogues
/// compare levels over [`LEVEL_DAYS`]; recent ones, which know nothing of the season, over
/// `recent_level_days` (the period so far, at least four weeks), so the season the period is in
/// sets their level.
pub fn analogues(
    history: &Daily,
    rest_from: NaiveDate,
    rest_days: i64,
    recent_level_days: i64,
) -> Analogues {
    if rest_days <= 0 || history.values.is_empty() {
        return Analogues::default();
    }
    let today = history.last();
    // (the stretch's sum, the level before it, its weight)
    let stretch = |start: NaiveDate, weight: f64, level_days: i64| -> Option<(f64, f64, f64)> {
        // Only what was known today: the stretch must have ended by then.
        if start + Duration::days(rest_days - 1) > today {
            return None;
        }
        Some((
            history.sum(start, rest_days)?,
            history.sum(start - Duration::days(level_days), level_days)?,
            weight,
        ))
    };
    let mut years = std::collections::BTreeSet::new();
    let seasonal: Vec<(f64, f64, f64)> = (1..=YEARS_BACK)
        .flat_map(|year| (-SEASON_WEEKS..=SEASON_WEEKS).map(move |week| (year, week)))
        .filter_map(|(year, week)| {
            let weight = (SEASON_WEEKS + 1 - week.abs()) as f64;
            let found = stretch(
                rest_from - Duration::days(364 * year + 7 * week),
                weight,
                LEVEL_DAYS,
            );
            if found.is_some() {
                years.insert(year);
            }
            found
        })
        .collect();
    // The shifts of one year span six weeks: as many independent looks as stretches of this
    // length fit in the span (a month: 2.4 a year; three quarters of a quarter: 1.6).
    let per_year = (1.0 + (14 * SEASON_WEEKS) as f64 / rest_days as f64).min(7.0);
    let (chosen, independent, level_days) = if seasonal.len() >= MIN_ANALOGUES && years.len() >= 2 {
        (seasonal, years.len() as f64 * per_year, LEVEL_DAYS)
    } else {
        // The most recent stretches of the same length that ended by today, a week apart.
        let level_days = recent_level_days.clamp(28, LEVEL_DAYS);
        let weeks_back = (rest_days + 6) / 7;
        let recent: Vec<(f64, f64, f64)> = (weeks_back..weeks_back + MAX_RECENT)
            .filter_map(|w| stretch(rest_from - Duration::days(7 * w), 1.0, level_days))
            .collect();
        let span = 7 * (recent.len() as i64 - 1).max(0) + rest_days;
        (recent, span as f64 / rest_days as f64, level_days)
    };
    if chosen.len() < MIN_ANALOGUES || independent < 2.0 {
        return Analogues::default();
    }
    // Credit notes can make a stretch's turnover negative: a level is never below nothing.
    let level_now = match history.sum(today - Duration::days(level_days - 1), level_days) {
        Some(v) => v.max(0.0),
        None => return Analogues::default(),
    };
    // A few events in a quarter make a wild ratio: both levels get a tenth of the typical level.
    let typical = chosen.iter().map(|(_, level, _)| level).sum::<f64>() / chosen.len() as f64;
    let soften = (typical * 0.1).max(f64::MIN_POSITIVE);
    let values = chosen
        .into_iter()
        .map(|(sum, level_then, weight)| {
            let ratio = ((level_now + soften) / (level_then.max(0.0) + soften))
                .clamp(1.0 / RATIO_LIMIT, RATIO_LIMIT);
            (sum * ratio, weight)
        })
        .collect();
    Analogues {
        values,
        independent,
    }
}

/// The smoothed distribution of the rest of the period: one normal kernel per analogue, all
/// of one width (Silverman's rule, counting only the independent looks), never below zero
/// unless an analogue was (credit notes).
struct Smoothed {
    centres: Vec<(f64, f64)>,
    total: f64,
    width: f64,
    floor: f64,
}

impl Smoothed {
    fn new(analogues: Analogues) -> Smoothed {
        let Analogues {
            values: centres,
            independent,
        } = analogues;
        let total: f64 = centres.iter().map(|(_, w)| w).sum();
        let effective =
            (total.powi(2) / centres.iter().map(|(_, w)| w * w).sum::<f64>()).min(independent);
        let mean = centres.iter().map(|(c, w)| c * w).sum::<f64>() / total;
        let variance = centres
            .iter()
            .map(|(c, w)| w * (c - mean).powi(2))
            .sum::<f64>()
            / total
            * effective
            / (effective - 1.0).max(1.0);
        let sd = variance.sqrt();
        let mut sorted: Vec<f64> = centres.iter().map(|(c, _)| *c).collect();
        sorted.sort_by(f64::total_cmp);
        let iqr = quantile_sorted(&sorted, 0.75) - quantile_sorted(&sorted, 0.25);
        let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
        // Identical analogues still leave some doubt: a twentieth of their level.
        let width = (1.06 * spread * effective.powf(-0.2))
            .max(mean.abs() * 0.05)
            .max(1e-9);
        let floor = centres.iter().map(|(c, _)| *c).fold(0.0, f64::min);
        Smoothed {
            centres,
            total,
            width,
            floor,
        }
    }

    /// P(rest ≥ x); everything lies at or above the floor.
    fn above(&self, x: f64) -> f64 {
        if x <= self.floor {
            return 1.0;
        }
        self.centres
            .iter()
            .map(|(c, w)| w * 0.5 * libm::erfc((x - c) / (self.width * std::f64::consts::SQRT_2)))
            .sum::<f64>()
            / self.total
    }

    /// The value the rest stays below with probability `p` (bisection on the mixture).
    fn quantile(&self, p: f64) -> f64 {
        let mut lo = self.floor;
        let mut hi = self.centres.iter().map(|(c, _)| *c).fold(0.0, f64::max) + 8.0 * self.width;
        // The mass the kernels put below the floor sits on it.
        if 1.0 - self.above(self.floor + self.width * 1e-9) >= p {
            return self.floor;
        }
        for _ in 0..80 {
            let mid = (lo + hi) / 2.0;
            if 1.0 - self.above(mid) < p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    }
}

fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let at = p * (sorted.len() - 1) as f64;
    let (i, frac) = (at.floor() as usize, at.fract());
    let next = sorted.get(i + 1).copied().unwrap_or(sorted[i]);
    sorted[i] + (next - sorted[i]) * frac
}

/// What the rest of `period` after `history`'s last day may add, smoothed, with the number of
/// analogues it rests on: `None` when the period is over or the history has too few analogues.
/// A period that has not started is all rest, read from the same season in past years (or the
/// most recent stretches).
fn rest_of(history: &Daily, period: Period) -> Option<(Smoothed, u32)> {
    let today = history.last();
    let rest_from = today.succ_opt()?.max(period.start());
    let rest_days = (period.end() - rest_from).num_days() + 1;
    if rest_days <= 0 {
        return None;
    }
    let so_far = (rest_from - period.start()).num_days();
    let samples = analogues(history, rest_from, rest_days, so_far);
    if samples.values.is_empty() {
        return None;
    }
    let trials = samples.values.len() as u32;
    Some((Smoothed::new(samples), trials))
}

/// The range of a run-rate target of `target` in `period`, `actual` reached by the end of
/// `history`'s last day: `None` when the period is over or the history has too few analogues
/// (then only the pace is shown). Values are in the metric's unit, rounded to hundredths.
pub fn band(history: &Daily, period: Period, actual: Decimal, target: Decimal) -> Option<Band> {
    let (smoothed, trials) = rest_of(history, period)?;
    let done = actual.to_f64().unwrap_or(0.0);
    let gap = target.to_f64().unwrap_or(0.0) - done;
    let money = |rest: f64| actual + Decimal::from_f64(rest).unwrap_or_default().round_dp(2);
    let (p10, p50, p90) = (
        money(smoothed.quantile(0.1)),
        money(smoothed.quantile(0.5)),
        money(smoothed.quantile(0.9)),
    );
    Some(Band {
        won: actual,
        open: Decimal::ZERO,
        weighted: p50,
        p10,
        p50,
        p90,
        p_hit: smoothed.above(gap),
        trials,
    })
}

/// Where `period` will land, `actual` reached by the end of `history`'s last day, at each of
/// `levels` (percent, 1–99): the quantiles of the same smoothed analogues as [`band`], `None`
/// where it is. The grid a target being drafted is judged by
/// ([`super::achievable::Expected`]).
pub fn quantiles(
    history: &Daily,
    period: Period,
    actual: Decimal,
    levels: &[u8],
) -> Option<Vec<Decimal>> {
    let (smoothed, _) = rest_of(history, period)?;
    Some(
        levels
            .iter()
            .map(|&level| {
                let rest = smoothed.quantile(f64::from(level.min(100)) / 100.0);
                actual + Decimal::from_f64(rest).unwrap_or_default().round_dp(2)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn steady(first: &str, last: &str, per_day: f64) -> Daily {
        let (first, last) = (day(first), day(last));
        Daily::new(
            first,
            last,
            first
                .iter_days()
                .take_while(|d| *d <= last)
                .map(|d| (d, per_day)),
        )
    }

    #[test]
    fn a_steady_history_centres_on_its_rate() {
        let history = steady("2023-01-01", "2026-03-31", 10.0);
        let q2 = Period::new(day("2026-04-01"), day("2026-06-30")).unwrap();
        let band = band(&history, q2, Decimal::ZERO, Decimal::from(910)).unwrap();
        assert_eq!(band.p50, Decimal::from(910));
        assert!(band.p10 <= band.p50 && band.p50 <= band.p90);
        assert!((band.p_hit - 0.5).abs() < 0.05, "{}", band.p_hit);
    }

    #[test]
    fn the_drafting_grid_is_the_bands_distribution_and_reaches_periods_not_started() {
        let history = steady("2023-01-01", "2026-03-31", 10.0);
        let q2 = Period::new(day("2026-04-01"), day("2026-06-30")).unwrap();
        let b = band(&history, q2, Decimal::ZERO, Decimal::from(910)).unwrap();
        let grid = quantiles(&history, q2, Decimal::ZERO, &[10, 50, 90]).unwrap();
        assert_eq!(grid, vec![b.p10, b.p50, b.p90]);
        // A quarter that starts in three months is read from the same season in past years.
        let q3 = Period::new(day("2026-07-01"), day("2026-09-30")).unwrap();
        let later = quantiles(&history, q3, Decimal::ZERO, &[1, 50, 99]).unwrap();
        assert_eq!(later[1], Decimal::from(920));
        assert!(later[0] <= later[1] && later[1] <= later[2], "{later:?}");
        let short = steady("2026-03-01", "2026-03-31", 10.0);
        assert_eq!(quantiles(&short, q2, Decimal::ZERO, &[50]), None);
    }

    #[test]
    fn too_little_history_gives_no_range() {
        let history = steady("2026-03-01", "2026-03-31", 10.0);
        let q2 = Period::new(day("2026-04-01"), day("2026-06-30")).unwrap();
        assert_eq!(band(&history, q2, Decimal::ZERO, Decimal::from(900)), None);
    }

    #[test]
    fn every_analogue_had_ended_by_today() {
        // Five a day, every day: each analogue is a whole stretch that had ended by today (a
        // stretch reaching past today, or counting unknown days as nothing, would sum less),
        // with three years of history (seasons) and with one (recent stretches).
        for first in [day("2023-01-01"), day("2025-09-01")] {
            let today = day("2026-05-15");
            let history = Daily::new(
                first,
                today,
                first
                    .iter_days()
                    .take_while(|d| *d <= today)
                    .map(|d| (d, 5.0)),
            );
            let found = analogues(&history, day("2026-05-16"), 46, 45);
            assert!(found.values.len() >= MIN_ANALOGUES, "{first}");
            for (value, _) in found.values {
                assert!((value - 230.0).abs() < 1e-6, "{first}: {value}");
            }
        }
    }

    #[test]
    fn days_after_today_are_dropped() {
        // A history that ends today; a huge value after today must change nothing.
        let mut days: Vec<(NaiveDate, f64)> = day("2024-01-01")
            .iter_days()
            .take_while(|d| *d <= day("2026-05-15"))
            .map(|d| (d, 5.0))
            .collect();
        let q2 = Period::new(day("2026-04-01"), day("2026-06-30")).unwrap();
        let before = band(
            &Daily::new(day("2024-01-01"), day("2026-05-15"), days.clone()),
            q2,
            Decimal::from(200),
            Decimal::from(500),
        );
        days.push((day("2026-05-20"), 1e9));
        let after = band(
            &Daily::new(day("2024-01-01"), day("2026-05-15"), days),
            q2,
            Decimal::from(200),
            Decimal::from(500),
        );
        assert_eq!(before, after);
    }

    #[test]
    fn the_season_comes_back() {
        // Every December is three times as busy as the rest of the year.
        let (first, last) = (day("2022-01-01"), day("2025-11-30"));
        let history = Daily::new(
            first,
            last,
            first.iter_days().take_while(|d| *d <= last).map(|d| {
                (
                    d,
                    if d.format("%m").to_string() == "12" {
                        30.0
                    } else {
                        10.0
                    },
                )
            }),
        );
        let december = Period::new(day("2025-12-01"), day("2025-12-31")).unwrap();
        let band = band(&history, december, Decimal::ZERO, Decimal::from(600)).unwrap();
        // A straight line through November would say 310; December's history says about 930
        // (the analogues a week or three off reach into November and January: about 700).
        assert!(band.p50 > Decimal::from(600), "{band:?}");
        assert!(band.p_hit > 0.6, "{band:?}");
    }

    proptest::proptest! {
        #[test]
        fn percentiles_are_ordered(
            values in proptest::collection::vec(0.0f64..1000.0, 400..1200),
            actual in 0u32..5000,
            target in 0u32..20000,
            offset in 0i64..90,
        ) {
            let first = day("2023-01-01");
            let last = first + Duration::days(values.len() as i64 - 1);
            let history = Daily::new(
                first,
                last,
                values.iter().enumerate().map(|(i, v)| (first + Duration::days(i as i64), *v)),
            );
            let start = last - Duration::days(offset);
            let period = Period::new(start, start + Duration::days(120)).unwrap();
            if let Some(b) = band(&history, period, Decimal::from(actual), Decimal::from(target)) {
                proptest::prop_assert!(Decimal::from(actual) <= b.p10);
                proptest::prop_assert!(b.p10 <= b.p50 && b.p50 <= b.p90);
                proptest::prop_assert!((0.0..=1.0).contains(&b.p_hit));
            }
        }
    }
}
