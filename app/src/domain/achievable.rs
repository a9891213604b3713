//! The Achievable letter (DESIGN.md, "SMART, checked as the manager types"): is the target
//! worth agreeing — not so low that the assignee reaches it anyway, not so high that nobody
//! believes in it?
//!
//! Three things answer it. What Pacer already expects the assignee to reach in the period on
//! the day the target is drafted ([`Expected`]: the run rate and the season, or what is won and
//! the open pipeline, as a grid of quantiles the server computes once), so the chance to hit
//! whatever value is typed ([`Expected::p_hit`]) is read in the browser on every keystroke and
//! again by the server on save. The growth over the same span last year against the range the
//! external factors make plausible ([`super::target::GrowthRange`]). And for bookings, the
//! open pipeline's coverage of the gap against what the company has needed before.

use super::metric::Metric;
use super::money::Currency;
use super::number::{format_value, signed_pct};
use super::smart::{Check, Level, TargetInput, TrackRecord};
use super::target::{Factor, Factors, Rating};
use chrono::NaiveDate;
use rust_decimal::prelude::*;
use serde::{Deserialize, Serialize};

/// The percentiles an [`Expected`] holds, ascending: P1, P5, P10 … P95, P99.
pub const LEVELS: [u8; 21] = [
    1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 99,
];

/// At or above this chance a target asks for what is already likely: too low.
pub const TOO_LOW: f64 = 0.9;
/// At or below this chance a target is out of reach: too high.
pub const TOO_HIGH: f64 = 0.1;

/// The weighted pipeline (Σ value × chance) a bookings target should have for its gap when the
/// company has no history to learn the need from: as much as the gap.
pub const DEFAULT_COVERAGE_NEED: Decimal = Decimal::ONE;

/// What the expectation is read from, in the words the message uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Run-rate metrics: the assignee's own days, weeks and seasons ([`super::run_rate`]).
    RunRate,
    /// Bookings and won opportunities: won so far and the open pipeline, simulated
    /// ([`super::forecast::simulate_quantiles`]).
    Pipeline,
}

impl Basis {
    fn words(self) -> &'static str {
        match self {
            Basis::RunRate => "the run rate and the season",
            Basis::Pipeline => "what is won and the open pipeline",
        }
    }
}

/// A bookings target's open pipeline, for its coverage of the gap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Σ value × chance of the assignee's open opportunities due by the period's end.
    pub weighted_open: Decimal,
    /// The weighted pipeline the company had at the same point of its recent periods of the
    /// same shape, as a multiple of what it then still booked in them; `None` without such a
    /// history ([`DEFAULT_COVERAGE_NEED`] applies, and the message says so).
    pub need: Option<Decimal>,
}

/// What Pacer expects the assignee to reach in the target's period, as of the day the target
/// is drafted: the outcome's quantiles at [`LEVELS`], in the metric's unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub as_of: NaiveDate,
    pub basis: Basis,
    /// Already reached in the period by `as_of`: the outcome is never lower.
    pub reached: Decimal,
    quantiles: Vec<Decimal>,
    /// Bookings only.
    pub coverage: Option<Coverage>,
}

impl Expected {
    /// The expectation from one quantile per [`LEVELS`] entry; `None` when there are not as
    /// many. Quantiles are put in order and never below what is already reached.
    pub fn new(
        as_of: NaiveDate,
        basis: Basis,
        reached: Decimal,
        mut quantiles: Vec<Decimal>,
        coverage: Option<Coverage>,
    ) -> Option<Expected> {
        if quantiles.len() != LEVELS.len() {
            return None;
        }
        quantiles.sort();
        for q in &mut quantiles {
            *q = (*q).max(reached);
        }
        Some(Expected {
            as_of,
            basis,
            reached,
            quantiles,
            coverage,
        })
    }

    /// The quantiles at [`LEVELS`], ascending.
    pub fn quantiles(&self) -> &[Decimal] {
        &self.quantiles
    }

    /// The outcome Pacer expects: the median.
    pub fn median(&self) -> Decimal {
        LEVELS
            .iter()
            .position(|l| *l == 50)
            .and_then(|i| self.quantiles.get(i))
            .copied()
            .unwrap_or(self.reached)
    }

    /// The chance, 0–1, that the outcome reaches `target`: 1 when it is already reached,
    /// otherwise read from the grid with the distribution taken as straight between two
    /// neighbouring quantiles (and between what is reached and P1). Above P99 the grid knows
    /// only that the chance is below 1 %: 0 stands for it.
    pub fn p_hit(&self, target: Decimal) -> f64 {
        if target <= self.reached {
            return 1.0;
        }
        let mut below = (self.reached, 0.0_f64);
        for (q, level) in self.quantiles.iter().zip(LEVELS) {
            let share = f64::from(level) / 100.0;
            if *q >= target {
                let (x0, f0) = below;
                // target > x0 here, so the span is never zero.
                let span = (*q - x0).to_f64().unwrap_or(0.0);
                let into = (target - x0).to_f64().unwrap_or(0.0);
                let at = if span > 0.0 {
                    f0 + (share - f0) * (into / span)
                } else {
                    share
                };
                return (1.0 - at).clamp(0.0, 1.0);
            }
            below = (*q, share);
        }
        0.0
    }
}

/// What the server knows of the target's period beyond the past (the field
/// [`TrackRecord::outlook`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftOutlook {
    Expected(Expected),
    /// A bookings or won-opportunities target whose period has not started: its forecast
    /// rests on the deals open once it runs, so there is none yet.
    NotStarted,
}

/// A chance as a manager reads it: "94 %", "over 99 %", "under 1 %".
pub fn chance_words(p: f64) -> String {
    if p >= 0.995 {
        "over 99 %".to_string()
    } else if p < 0.005 {
        "under 1 %".to_string()
    } else {
        format!("{} %", (p * 100.0).round() as u8)
    }
}

/// "2.4×" / "2,4×".
fn times(locale: super::locale::Locale, ratio: Decimal) -> String {
    format!("{}×", locale.fixed(ratio.max(Decimal::ZERO), 1))
}

/// The five factors as the editor holds them: a blank or unknown rating counts as medium, as
/// the validator reads it (which reports the unknown one).
pub fn factors_as_typed(input: &TargetInput) -> Factors {
    let typed = [
        &input.market_relevance,
        &input.maturity,
        &input.competition,
        &input.cost_structure,
        &input.leadership_ambition,
    ];
    let mut factors = Factors::default();
    for (slot, text) in factors.0.iter_mut().zip(typed) {
        *slot = Rating::parse(text).unwrap_or(Rating::Medium);
    }
    factors
}

/// A target as the Achievable letter weighs it.
#[derive(Clone, Copy, Debug)]
pub struct Draft<'a> {
    pub metric: Metric,
    pub value: Decimal,
    pub currency: Option<Currency>,
    /// How the messages write numbers and dates.
    pub locale: super::locale::Locale,
    pub factors: Factors,
    pub record: &'a TrackRecord,
}

fn check(level: Level, message: String) -> Check {
    Check {
        level,
        message,
        field: None,
    }
}

/// The Achievable letter: the chance to hit the target, the growth it asks for against the
/// range the factors allow, and a bookings target's pipeline coverage — warnings first, each
/// with its figures.
pub fn assess(draft: &Draft<'_>) -> Check {
    let mut parts: Vec<Check> = Vec::new();
    let mut has_outlook = false;
    match &draft.record.outlook {
        Some(DraftOutlook::Expected(expected)) => {
            has_outlook = true;
            parts.push(chance(draft, expected));
            parts.extend(coverage(draft, expected));
        }
        Some(DraftOutlook::NotStarted) => parts.push(check(
            Level::Warning,
            format!(
                "no outlook before the period starts: Pacer forecasts {} from the opportunities open once it runs",
                draft.metric.label().to_lowercase()
            ),
        )),
        None => {}
    }
    parts.extend(growth(draft, has_outlook));
    // Warnings first: they are what the manager has to answer.
    parts.sort_by_key(|c| std::cmp::Reverse(c.level));
    let level = parts.first().map_or(Level::Pass, |c| c.level);
    let message = parts
        .into_iter()
        .map(|c| c.message)
        .collect::<Vec<_>>()
        .join("; ");
    check(level, message)
}

/// Too low, too high or in between, from the chance to hit the value typed.
fn chance(draft: &Draft<'_>, expected: &Expected) -> Check {
    let show = |v: Decimal| format_value(draft.locale, draft.metric, v, draft.currency);
    let median = show(expected.median());
    let basis = expected.basis.words();
    if draft.value <= expected.reached {
        return check(
            Level::Warning,
            format!(
                "too low: {} is already reached in this period; Pacer expects {median} from {basis}",
                show(expected.reached)
            ),
        );
    }
    // Judged as shown: on the whole percent the message gives.
    let p = (expected.p_hit(draft.value) * 100.0).round() / 100.0;
    let chance = chance_words(p);
    if p >= TOO_LOW {
        check(
            Level::Warning,
            format!(
                "too low: Pacer already expects {median} from {basis}, so {} is very likely (P(hit) {chance})",
                show(draft.value)
            ),
        )
    } else if p <= TOO_HIGH {
        check(
            Level::Warning,
            format!(
                "too high: P(hit) {chance} for {}; Pacer expects {median} from {basis}",
                show(draft.value)
            ),
        )
    } else {
        check(
            Level::Pass,
            format!("P(hit) {chance}; Pacer expects {median} from {basis}"),
        )
    }
}

/// A bookings target's weighted open pipeline against the gap, beside what the company needed.
fn coverage(draft: &Draft<'_>, expected: &Expected) -> Option<Check> {
    let coverage = expected.coverage.as_ref()?;
    let gap = draft.value - expected.reached;
    if draft.metric != Metric::Bookings || gap <= Decimal::ZERO {
        return None;
    }
    let ratio = (coverage.weighted_open / gap).round_dp(1);
    let (need, need_words) = match coverage.need {
        Some(need) => (
            need.round_dp(1),
            format!(
                "the company historically needs {}",
                times(draft.locale, need)
            ),
        ),
        None => (
            DEFAULT_COVERAGE_NEED,
            format!(
                "with no history yet Pacer asks for {}",
                times(draft.locale, DEFAULT_COVERAGE_NEED)
            ),
        ),
    };
    Some(if ratio >= need {
        check(
            Level::Pass,
            format!(
                "pipeline coverage {} of the gap; {need_words}",
                times(draft.locale, ratio)
            ),
        )
    } else {
        check(
            Level::Warning,
            format!(
                "pipeline coverage only {} of the gap; {need_words}",
                times(draft.locale, ratio)
            ),
        )
    })
}

/// The growth over the same span last year against the range the factors make plausible.
/// With an outlook, a missing or empty last year adds nothing worth a warning.
fn growth(draft: &Draft<'_>, has_outlook: bool) -> Option<Check> {
    let record = draft.record;
    let metric = draft.metric;
    // Growth targets are already a percentage: compare them with past growth directly.
    let (required, against) = if metric.needs_baseline() {
        (draft.value, String::new())
    } else {
        match &record.last_year {
            Some((period, actual)) if *actual > Decimal::ZERO => (
                (draft.value / *actual - Decimal::ONE) * Decimal::ONE_HUNDRED,
                format!(
                    " over {} ({})",
                    format_value(draft.locale, metric, *actual, draft.currency),
                    period.label_in(draft.locale)
                ),
            ),
            _ if has_outlook => return None,
            Some((period, _)) => {
                return Some(check(
                    Level::Warning,
                    format!(
                        "no {} in the same span last year ({}): nothing to compare the target with",
                        metric.label().to_lowercase(),
                        period.label_in(draft.locale)
                    ),
                ))
            }
            None => {
                return Some(check(
                    Level::Warning,
                    "no history for this assignee and metric: the target cannot be compared with past results"
                        .to_string(),
                ))
            }
        }
    };
    // Judged as shown: in whole percent.
    let required = required.round_dp(0);
    let shown = signed_pct(required);
    let range = draft.factors.growth_range();
    let (floor, ceiling) = (
        Decimal::from(range.floor_pct),
        Decimal::from(range.ceiling_pct),
    );
    let best = record
        .best_growth_pct
        .map(|b| format!("; best {} so far was {}", record.period_word, signed_pct(b)))
        .unwrap_or_default();
    if required < Decimal::ZERO && !metric.needs_baseline() {
        // Even where the factors make a decline plausible, asking for less than was achieved
        // is said (DESIGN.md): the manager confirms it knowingly.
        return Some(check(
            Level::Warning,
            format!(
                "target lower than what was already achieved: {shown}{against}; these factors make {range} plausible"
            ),
        ));
    }
    if required < floor {
        let ambition = if draft.factors.get(Factor::LeadershipAmbition) == Rating::High {
            " (high ambition raises the floor)"
        } else {
            ""
        };
        let floor_words = format!(
            "these factors put the floor at {}{ambition}",
            signed_pct(floor)
        );
        return Some(check(
            Level::Warning,
            format!("too low for these factors: needs {shown}{against}, and {floor_words}"),
        ));
    }
    let beyond_best = record.best_growth_pct.is_none_or(|b| required > b);
    if required > ceiling && beyond_best {
        return Some(check(
            Level::Warning,
            format!(
                "a stretch: needs {shown}{against}, above the {} these factors make plausible{best}",
                signed_pct(ceiling)
            ),
        ));
    }
    Some(check(
        Level::Pass,
        format!("needs {shown}{against}, within the plausible {range}{best}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Period;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// An outcome spread evenly from `low` (P1) to `high` (P99), with `reached` already in.
    fn spread(reached: i64, low: i64, high: i64, basis: Basis) -> Expected {
        let (low, high) = (Decimal::from(low), Decimal::from(high));
        let quantiles = LEVELS
            .iter()
            .map(|l| low + (high - low) * Decimal::from(*l - 1) / Decimal::from(98))
            .collect();
        Expected::new(
            d(2026, 7, 15),
            basis,
            Decimal::from(reached),
            quantiles,
            None,
        )
        .unwrap()
    }

    fn record(outlook: Option<DraftOutlook>, last_year: Option<i64>) -> TrackRecord {
        TrackRecord {
            last_year: last_year.map(|v| {
                (
                    Period::new(d(2025, 7, 1), d(2025, 9, 30)).unwrap(),
                    Decimal::from(v),
                )
            }),
            best_growth_pct: None,
            period_word: "quarter".into(),
            outlook,
        }
    }

    fn draft<'a>(
        metric: Metric,
        value: i64,
        factors: Factors,
        record: &'a TrackRecord,
    ) -> Draft<'a> {
        Draft {
            metric,
            value: Decimal::from(value),
            currency: Some(Currency::EUR),
            locale: Default::default(),
            factors,
            record,
        }
    }

    #[test]
    fn the_chance_is_read_from_the_grid() {
        let e = spread(100, 200, 1180, Basis::RunRate);
        assert_eq!(e.quantiles().len(), LEVELS.len());
        assert_eq!(e.median(), Decimal::from(690));
        assert_eq!(e.p_hit(Decimal::from(100)), 1.0);
        assert_eq!(e.p_hit(Decimal::from(50)), 1.0);
        assert!((e.p_hit(Decimal::from(690)) - 0.5).abs() < 1e-9);
        // Between P1 and what is reached, the chance falls from all to 99 %.
        let p = e.p_hit(Decimal::from(150));
        assert!(p > 0.99 && p < 1.0, "{p}");
        assert!((e.p_hit(Decimal::from(1180)) - 0.01).abs() < 1e-9);
        assert_eq!(e.p_hit(Decimal::from(5000)), 0.0);
        // Never rising with the target.
        let mut last = 1.0;
        for v in (0..1300).step_by(7) {
            let p = e.p_hit(Decimal::from(v));
            assert!(p <= last, "{v}: {p} > {last}");
            last = p;
        }
        assert_eq!(chance_words(0.999), "over 99 %");
        assert_eq!(chance_words(0.941), "94 %");
        assert_eq!(chance_words(0.001), "under 1 %");
    }

    #[test]
    fn quantiles_come_in_order_and_never_below_what_is_reached() {
        let mut q: Vec<Decimal> = LEVELS.iter().map(|l| Decimal::from(*l)).collect();
        q.reverse();
        let e = Expected::new(d(2026, 1, 1), Basis::Pipeline, Decimal::from(10), q, None).unwrap();
        assert!(e.quantiles().windows(2).all(|w| w[0] <= w[1]));
        assert!(e.quantiles().iter().all(|q| *q >= Decimal::from(10)));
        assert_eq!(
            Expected::new(
                d(2026, 1, 1),
                Basis::Pipeline,
                Decimal::ZERO,
                vec![Decimal::ONE],
                None
            ),
            None
        );
    }

    #[test]
    fn a_target_pacer_already_expects_is_too_low() {
        let r = record(
            Some(DraftOutlook::Expected(spread(
                0,
                300_000,
                500_000,
                Basis::RunRate,
            ))),
            None,
        );
        let low = assess(&draft(Metric::Turnover, 250_000, Factors::default(), &r));
        assert_eq!(low.level, Level::Warning);
        assert_eq!(
            low.message,
            "too low: Pacer already expects € 400 k from the run rate and the season, so € 250 k is very likely (P(hit) 99 %)"
        );
        // 94 % is still too low; the figure is the chance of the value typed.
        let p94 = spread(0, 300_000, 500_000, Basis::RunRate);
        let value = (300_000..500_000)
            .step_by(1_000)
            .find(|v| p94.p_hit(Decimal::from(*v)) < 0.945)
            .unwrap();
        let c = assess(&draft(Metric::Turnover, value, Factors::default(), &r));
        assert_eq!(c.level, Level::Warning);
        assert!(c.message.starts_with("too low:"), "{}", c.message);
        assert!(c.message.ends_with("(P(hit) 94 %)"), "{}", c.message);
        // Below what is already reached.
        let reached = record(
            Some(DraftOutlook::Expected(spread(
                260_000,
                300_000,
                500_000,
                Basis::RunRate,
            ))),
            None,
        );
        let c = assess(&draft(
            Metric::Turnover,
            250_000,
            Factors::default(),
            &reached,
        ));
        assert_eq!(
            c.message,
            "too low: € 260 k is already reached in this period; Pacer expects € 400 k from the run rate and the season"
        );
    }

    #[test]
    fn a_target_out_of_reach_is_too_high_and_one_between_passes() {
        let r = record(
            Some(DraftOutlook::Expected(spread(
                0,
                300_000,
                500_000,
                Basis::RunRate,
            ))),
            None,
        );
        let high = assess(&draft(Metric::Turnover, 490_000, Factors::default(), &r));
        assert_eq!(high.level, Level::Warning);
        assert!(
            high.message
                .starts_with("too high: P(hit) 6 % for € 490 k; Pacer expects € 400 k"),
            "{}",
            high.message
        );
        let fair = assess(&draft(Metric::Turnover, 420_000, Factors::default(), &r));
        assert_eq!(fair.level, Level::Pass);
        assert_eq!(
            fair.message,
            "P(hit) 40 %; Pacer expects € 400 k from the run rate and the season"
        );
    }

    #[test]
    fn growth_is_judged_against_the_range_the_factors_allow() {
        let r = record(None, Some(1_000_000));
        // +9 % with every factor medium: inside +0 % to +20 %.
        let c = assess(&draft(Metric::Turnover, 1_090_000, Factors::default(), &r));
        assert_eq!(c.level, Level::Pass);
        assert_eq!(
            c.message,
            "needs +9 % over € 1 M (01 Jul 2025 – 30 Sep 2025), within the plausible +0 % to +20 %"
        );
        // High ambition raises the floor to +10 %: the same +9 % now asks too little.
        let mut ambitious = Factors::default();
        ambitious.0[4] = Rating::High;
        let c = assess(&draft(Metric::Turnover, 1_090_000, ambitious, &r));
        assert_eq!(c.level, Level::Warning);
        assert_eq!(
            c.message,
            "too low for these factors: needs +9 % over € 1 M (01 Jul 2025 – 30 Sep 2025), and these factors put the floor at +10 % (high ambition raises the floor)"
        );
        // …and never makes a stretch easier: +25 % is beyond the ceiling either way.
        for factors in [Factors::default(), ambitious] {
            let c = assess(&draft(Metric::Turnover, 1_250_000, factors, &r));
            assert!(
                c.message.starts_with("a stretch: needs +25 %"),
                "{}",
                c.message
            );
        }
        // Strong competition makes growth harder: -5 % to +15 %, so a small decline is
        // plausible — and still said, as less than was achieved.
        let mut crowded = Factors::default();
        crowded.0[2] = Rating::High;
        let c = assess(&draft(Metric::Turnover, 970_000, crowded, &r));
        assert_eq!(c.level, Level::Warning, "{}", c.message);
        assert!(
            c.message.contains(
                "target lower than what was already achieved: -3 % over € 1 M (01 Jul 2025 – 30 Sep 2025); these factors make -5 % to +15 % plausible"
            ),
            "{}",
            c.message
        );
        let c = assess(&draft(Metric::Turnover, 970_000, Factors::default(), &r));
        assert!(
            c.message
                .starts_with("target lower than what was already achieved: -3 %"),
            "{}",
            c.message
        );
    }

    #[test]
    fn warnings_come_first_and_no_history_is_said_once() {
        let both = record(
            Some(DraftOutlook::Expected(spread(
                0,
                1_000_000,
                1_400_000,
                Basis::RunRate,
            ))),
            Some(1_000_000),
        );
        // A fair chance, but +28 % is a stretch: the warning leads.
        let c = assess(&draft(
            Metric::Turnover,
            1_280_000,
            Factors::default(),
            &both,
        ));
        assert_eq!(c.level, Level::Warning);
        assert!(
            c.message.starts_with("a stretch: needs +28 %"),
            "{}",
            c.message
        );
        assert!(
            c.message.contains("; P(hit) 30 %; Pacer expects € 1.2 M"),
            "{}",
            c.message
        );
        // With an outlook, a missing last year is no warning of its own.
        let no_year = record(
            Some(DraftOutlook::Expected(spread(
                0,
                1_000_000,
                1_400_000,
                Basis::RunRate,
            ))),
            None,
        );
        let c = assess(&draft(
            Metric::Turnover,
            1_200_000,
            Factors::default(),
            &no_year,
        ));
        assert_eq!(c.level, Level::Pass);
        assert_eq!(
            c.message,
            "P(hit) 50 %; Pacer expects € 1.2 M from the run rate and the season"
        );
        // Neither: the one sentence it always was.
        let c = assess(&draft(
            Metric::Visits,
            60,
            Factors::default(),
            &record(None, None),
        ));
        assert_eq!(
            c.message,
            "no history for this assignee and metric: the target cannot be compared with past results"
        );
        // A pipeline target before its period: said, not invented.
        let c = assess(&draft(
            Metric::Bookings,
            60_000,
            Factors::default(),
            &record(Some(DraftOutlook::NotStarted), None),
        ));
        assert_eq!(c.level, Level::Warning);
        assert!(
            c.message.starts_with("no outlook before the period starts"),
            "{}",
            c.message
        );
    }

    #[test]
    fn bookings_show_the_pipelines_coverage_of_the_gap() {
        let with = |need: Option<Decimal>| {
            let mut e = spread(20_000, 40_000, 140_000, Basis::Pipeline);
            e.coverage = Some(Coverage {
                weighted_open: Decimal::from(120_000),
                need,
            });
            record(Some(DraftOutlook::Expected(e)), None)
        };
        // Gap € 50 k, € 120 k weighted open: 2.4×, against a history of 3.0×.
        let thin = with(Some(Decimal::from(3)));
        let c = assess(&draft(Metric::Bookings, 70_000, Factors::default(), &thin));
        assert_eq!(c.level, Level::Warning);
        assert!(
            c.message.starts_with(
                "pipeline coverage only 2.4× of the gap; the company historically needs 3.0×"
            ),
            "{}",
            c.message
        );
        let enough = with(Some(Decimal::new(18, 1)));
        let c = assess(&draft(
            Metric::Bookings,
            70_000,
            Factors::default(),
            &enough,
        ));
        assert!(
            c.message
                .contains("pipeline coverage 2.4× of the gap; the company historically needs 1.8×"),
            "{}",
            c.message
        );
        // No history: the default, and the message says which need it shows.
        let c = assess(&draft(
            Metric::Bookings,
            70_000,
            Factors::default(),
            &with(None),
        ));
        assert!(
            c.message
                .contains("with no history yet Pacer asks for 1.0×"),
            "{}",
            c.message
        );
        // Nothing left to book: no coverage to speak of.
        let c = assess(&draft(Metric::Bookings, 10_000, Factors::default(), &thin));
        assert!(!c.message.contains("coverage"), "{}", c.message);
    }

    #[test]
    fn the_editors_factors_read_blank_as_medium() {
        let input = TargetInput {
            competition: "high".into(),
            leadership_ambition: "nonsense".into(),
            ..TargetInput::default()
        };
        let f = factors_as_typed(&input);
        assert_eq!(f.get(Factor::Competition), Rating::High);
        assert_eq!(f.get(Factor::LeadershipAmbition), Rating::Medium);
        assert_eq!(f.get(Factor::MarketRelevance), Rating::Medium);
    }
}
