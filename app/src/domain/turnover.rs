//! Customers' turnover against expectation: the plus and minus lists and trend changes of
//! DESIGN.md, and the parsers for the figures in imported sales files.
//!
//! Amounts are integer minor units (cents) as the database sums them; percentages are Decimal.

use crate::domain::{FieldError, Period};
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which list a customer lands on for a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Plus,
    Minus,
}

/// Why a customer stands out beyond its deviation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mark {
    /// First sale ever falls in the period.
    New,
    /// Had turnover in the same span a year earlier, none in the period.
    Lost,
}

impl Mark {
    pub fn label(self) -> &'static str {
        match self {
            Mark::New => "new",
            Mark::Lost => "lost",
        }
    }
}

/// One customer's turnover in a period against the same span one year earlier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deviation {
    pub actual_minor: i64,
    pub expected_minor: i64,
    /// `actual − expected`.
    pub delta_minor: i64,
    /// The deviation in % of expected, one decimal; `None` when nothing was expected.
    pub pct: Option<Decimal>,
    pub side: Option<Side>,
    pub mark: Option<Mark>,
}

impl Deviation {
    /// `first_sale_in_period`: the customer bought nothing before the period starts.
    pub fn new(actual_minor: i64, expected_minor: i64, first_sale_in_period: bool) -> Deviation {
        let delta_minor = actual_minor - expected_minor;
        let side = match delta_minor.signum() {
            1 => Some(Side::Plus),
            -1 => Some(Side::Minus),
            _ => None,
        };
        let mark = if expected_minor > 0 && actual_minor == 0 {
            Some(Mark::Lost)
        } else if first_sale_in_period && actual_minor != 0 {
            Some(Mark::New)
        } else {
            None
        };
        Deviation {
            actual_minor,
            expected_minor,
            delta_minor,
            pct: percent(delta_minor, expected_minor),
            side,
            mark,
        }
    }
}

/// `part ÷ whole` in %, one decimal; `None` for a zero or negative whole (credit notes can
/// make a span's turnover negative, and a percentage of it would read backwards).
pub fn percent(part: i64, whole: i64) -> Option<Decimal> {
    (whole > 0).then(|| {
        (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole))
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    })
}

/// The spans a period is compared over: the period and the same span a year earlier.
pub fn comparison(period: Period) -> (Period, Period) {
    (period, period.one_year_earlier())
}

/// A span cut into whole calendar months (read from monthly totals) and the days at its edges
/// that do not make a whole month (read from single sales).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthCut {
    /// (year, first month, last month), months 1–12, at most one entry per year.
    pub whole: Vec<(i32, u32, u32)>,
    /// At most two: before the first whole month and after the last.
    pub days: Vec<Period>,
}

impl MonthCut {
    pub fn of(span: Period) -> MonthCut {
        let (start, end) = (span.start(), span.end());
        let first_whole = if start.day() == 1 {
            start
        } else {
            (start.with_day(1).expect("day 1") + Months::new(1)).max(start)
        };
        // The first day after the last whole month.
        let next = end.succ_opt().expect("representable");
        let after_whole = if next.day() == 1 {
            next
        } else {
            end.with_day(1).expect("day 1")
        };
        if first_whole >= after_whole {
            return MonthCut {
                whole: Vec::new(),
                days: vec![span],
            };
        }
        let mut days = Vec::new();
        if start < first_whole {
            days.push(
                Period::new(start, first_whole.pred_opt().expect("after start")).expect("ordered"),
            );
        }
        if after_whole <= end {
            days.push(Period::new(after_whole, end).expect("ordered"));
        }
        let last_whole = after_whole.pred_opt().expect("after first");
        let whole = (first_whole.year()..=last_whole.year())
            .map(|y| {
                let from = if y == first_whole.year() {
                    first_whole.month()
                } else {
                    1
                };
                let to = if y == last_whole.year() {
                    last_whole.month()
                } else {
                    12
                };
                (y, from, to)
            })
            .collect();
        MonthCut { whole, days }
    }
}

/// How a trend change is detected (DESIGN.md), set by an admin: the least change in % per
/// client type — relationship clients are expected to buy steadily, so a smaller change of
/// theirs is worth a call; price clients follow offers and seasons, so only a larger change of
/// theirs means something — and one least amount for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendRule {
    /// The least change of a relationship client's monthly run rate that counts, in % (default 30).
    pub relationship_pct: u32,
    /// The least change of a price client's monthly run rate that counts, in % (default 30).
    pub price_pct: u32,
    /// The least change of the monthly run rate that counts, in minor units (default €500).
    pub min_change_minor: i64,
}

impl Default for TrendRule {
    fn default() -> Self {
        TrendRule::uniform(30, 50_000)
    }
}

/// The trend rule as typed into the admin's form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendRuleInput {
    pub relationship_pct: String,
    pub price_pct: String,
    pub min_change_amount: String,
}

impl From<TrendRule> for TrendRuleInput {
    fn from(r: TrendRule) -> Self {
        let abs = r.min_change_minor.unsigned_abs();
        TrendRuleInput {
            relationship_pct: r.relationship_pct.to_string(),
            price_pct: r.price_pct.to_string(),
            min_change_amount: if abs.is_multiple_of(100) {
                (abs / 100).to_string()
            } else {
                format!("{}.{:02}", abs / 100, abs % 100)
            },
        }
    }
}

/// A whole percentage from 1 to 1000 typed for `field`, or the error naming whose change it is.
fn parse_change_pct(text: &str, field: &'static str, whose: &str) -> Result<u32, FieldError> {
    let text = text.trim().trim_end_matches('%').trim();
    match text.parse::<u32>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => {
            let shown = if text.is_empty() { "nothing" } else { text };
            Err(FieldError::new(
                field,
                format!(
                    "the least change for {whose} is a whole percentage from 1 to 1000, not {shown}"
                ),
            ))
        }
    }
}

impl TrendRuleInput {
    /// Whole percentages from 1 to 1000 and an amount of at least 0.
    pub fn parse(&self) -> Result<TrendRule, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut pct = |text: &str, field, segment: Segment| match parse_change_pct(
            text,
            field,
            segment.clients(),
        ) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let relationship = pct(
            &self.relationship_pct,
            "relationship_pct",
            Segment::Relationship,
        );
        let price = pct(&self.price_pct, "price_pct", Segment::Price);
        let amount_text = self.min_change_amount.trim().trim_start_matches('€').trim();
        let amount = match parse_amount(amount_text) {
            Ok(m) if m >= 0 => Some(m),
            Ok(_) => {
                errors.push(FieldError::new(
                    "min_change_amount",
                    "the least change a month cannot be negative",
                ));
                None
            }
            Err(e) => {
                errors.push(FieldError::new("min_change_amount", e));
                None
            }
        };
        match (relationship, price, amount) {
            (Some(relationship_pct), Some(price_pct), Some(min_change_minor))
                if errors.is_empty() =>
            {
                Ok(TrendRule {
                    relationship_pct,
                    price_pct,
                    min_change_minor,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Months compared: the last complete months …
pub const RECENT_MONTHS: u32 = 3;
/// … against the months before them.
pub const BASE_MONTHS: u32 = 12;

/// The windows a trend is computed over on `today`: the last 3 complete months and the 12
/// months before them, both as whole calendar months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendWindows {
    pub base: Period,
    pub recent: Period,
}

impl TrendWindows {
    pub fn on(today: NaiveDate) -> TrendWindows {
        let this_month = today.with_day(1).expect("day 1 exists");
        let recent_start = this_month - Months::new(RECENT_MONTHS);
        let base_start = recent_start - Months::new(BASE_MONTHS);
        let day_before = |d: NaiveDate| d.pred_opt().expect("not the first representable day");
        TrendWindows {
            base: Period::new(base_start, day_before(recent_start)).expect("ordered"),
            recent: Period::new(recent_start, day_before(this_month)).expect("ordered"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Up,
    Down,
}

/// A detected change of a customer's buying rhythm, with both run rates as its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    pub direction: Direction,
    /// Turnover per month over the last 3 complete months.
    pub recent_per_month_minor: i64,
    /// Turnover per month over the 12 months before them.
    pub base_per_month_minor: i64,
    /// Change of the run rate in % of the base rate, one decimal.
    pub change_pct: Decimal,
}

impl Trend {
    /// From the turnover summed over each window, by the rule for the customer's client type.
    /// A customer with no turnover in the base window has no run rate to change from: it is
    /// new, and the plus list shows it.
    pub fn detect(
        recent_sum_minor: i64,
        base_sum_minor: i64,
        rule: TrendRule,
        segment: Segment,
    ) -> Option<Trend> {
        if !rule.flags(segment, recent_sum_minor, base_sum_minor) {
            return None;
        }
        let recent = per_month(recent_sum_minor, RECENT_MONTHS);
        let base = per_month(base_sum_minor, BASE_MONTHS);
        let (r, b) = (i128::from(recent_sum_minor), i128::from(base_sum_minor));
        let scaled_change = r * i128::from(BASE_MONTHS) - b * i128::from(RECENT_MONTHS);
        let change_pct = Decimal::from_i128_with_scale(scaled_change * 100, 0)
            / Decimal::from_i128_with_scale(b * i128::from(RECENT_MONTHS), 0);
        Some(Trend {
            direction: if scaled_change > 0 {
                Direction::Up
            } else {
                Direction::Down
            },
            recent_per_month_minor: recent,
            base_per_month_minor: base,
            change_pct: change_pct
                .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .normalize(),
        })
    }
}

impl TrendRule {
    /// The same least change for both client types: the rule as it was before each type had
    /// its own, and what a stored rule without per-type figures still means.
    pub fn uniform(min_change_pct: u32, min_change_minor: i64) -> TrendRule {
        TrendRule {
            relationship_pct: min_change_pct,
            price_pct: min_change_pct,
            min_change_minor,
        }
    }

    /// The least change in % that counts for a customer of `segment`.
    pub fn pct_for(&self, segment: Segment) -> u32 {
        match segment {
            Segment::Relationship => self.relationship_pct,
            Segment::Price => self.price_pct,
        }
    }

    /// Whether the run rates of the two windows (given as their sums) of a customer of
    /// `segment` differ enough, computed exactly in integers: `|recent/3 − base/12| ≥ pct % of
    /// base/12` and `≥ min`, both sides multiplied by 3 × 12. [`TrendRule::sql`] is the same
    /// test in SQL.
    pub fn flags(&self, segment: Segment, recent_sum_minor: i64, base_sum_minor: i64) -> bool {
        if base_sum_minor <= 0 {
            return false;
        }
        let (r, b) = (i128::from(recent_sum_minor), i128::from(base_sum_minor));
        let (rm, bm) = (i128::from(RECENT_MONTHS), i128::from(BASE_MONTHS));
        let change = (r * bm - b * rm).abs();
        change * 100 >= i128::from(self.pct_for(segment)) * b * rm
            && change >= i128::from(self.min_change_minor) * rm * bm
    }

    /// [`TrendRule::flags`] as a SQL condition over two integer expressions (the window sums)
    /// and the customer's client type (`segment`, a column holding `price` or `relationship`).
    pub fn sql(&self, segment: &str, recent: &str, base: &str) -> String {
        let (rm, bm) = (RECENT_MONTHS, BASE_MONTHS);
        let change = change_sql(recent, base);
        let pct = if self.relationship_pct == self.price_pct {
            self.price_pct.to_string()
        } else {
            format!(
                "(CASE WHEN {segment} = '{}' THEN {} ELSE {} END)",
                Segment::Relationship.as_str(),
                self.relationship_pct,
                self.price_pct
            )
        };
        format!(
            "({base} > 0 AND {change} * 100 >= {pct} * CAST({base} AS NUMERIC) * {rm} \
             AND {change} >= {min})",
            min = i128::from(self.min_change_minor) * i128::from(rm * bm),
        )
    }
}

/// The change of the monthly run rate between `recent` and `base`, scaled to whole numbers
/// (`|recent · base months − base · recent months|`), in SQL. Exact decimals: turnover near
/// the top of the integer range must not overflow Postgres's 64-bit integers (SQLite turns an
/// overflowing integer into a float instead of failing).
pub fn change_sql(recent: &str, base: &str) -> String {
    let (rm, bm) = (RECENT_MONTHS, BASE_MONTHS);
    format!("ABS(CAST({recent} AS NUMERIC) * {bm} - CAST({base} AS NUMERIC) * {rm})")
}

/// A sum spread over `months`, rounded to the nearest minor unit.
fn per_month(sum_minor: i64, months: u32) -> i64 {
    // In i128: twice a sum near the top of i64 does not fit it; the result always does.
    let (sum, months) = (i128::from(sum_minor), i128::from(months));
    i64::try_from((sum * 2 + months * sum.signum()) / (months * 2)).unwrap_or(sum_minor)
}

/// A client type (the seed's distinction): price clients buy on price, relationship clients on
/// the relationship.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Segment {
    Price,
    Relationship,
}

impl Segment {
    pub const ALL: [Segment; 2] = [Segment::Relationship, Segment::Price];

    pub fn as_str(self) -> &'static str {
        match self {
            Segment::Price => "price",
            Segment::Relationship => "relationship",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Segment::Price => "Price client",
            Segment::Relationship => "Relationship client",
        }
    }

    /// "price clients" / "relationship clients", as a sentence names them.
    pub fn clients(self) -> &'static str {
        match self {
            Segment::Price => "price clients",
            Segment::Relationship => "relationship clients",
        }
    }

    /// "Price clients" / "Relationship clients", as a list or a select names them.
    pub fn clients_label(self) -> &'static str {
        match self {
            Segment::Price => "Price clients",
            Segment::Relationship => "Relationship clients",
        }
    }

    /// `price` / `relationship`, in any case, with or without "client".
    pub fn parse(text: &str) -> Result<Segment, String> {
        let t = text.trim().to_lowercase();
        let t = t.strip_suffix("client").unwrap_or(&t).trim();
        match t {
            "price" => Ok(Segment::Price),
            "relationship" => Ok(Segment::Relationship),
            "" => Err("is empty: write price or relationship".into()),
            _ => Err(format!(
                "\"{}\" is not a client type: write price or relationship",
                text.trim()
            )),
        }
    }
}

/// The dates sales files carry: ISO `2026-03-31` or German `31.03.2026` (also `1.3.2026`).
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    let parsed = if t.contains('-') {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
    } else {
        NaiveDate::parse_from_str(t, "%d.%m.%Y")
    };
    match parsed {
        Ok(d) if (2000..=2100).contains(&d.year()) => Ok(d),
        Ok(_) => Err(format!("\"{t}\" is outside the years 2000–2100")),
        Err(_) => Err(format!(
            "\"{t}\" is not a date: write YYYY-MM-DD or DD.MM.YYYY"
        )),
    }
}

/// Largest amount one sale may carry, in minor units (10¹² in major units).
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;

/// An amount with a decimal point or a decimal comma, into minor units (cents).
///
/// With both `.` and `,` the last one is the decimal separator and the other groups thousands
/// (`1.234,56`, `1,234.56`). A single `,` is a decimal comma (`12,5`), a single `.` a decimal
/// point; a separator repeated (`1.234.567`) groups thousands. Spaces and apostrophes group
/// thousands too. At most two decimals; a leading `-` is a credit note.
pub fn parse_amount(text: &str) -> Result<i64, String> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if t.is_empty() {
        return Err("is empty".into());
    }
    let shown = text.trim();
    let not_amount = || format!("\"{shown}\" is not an amount: write e.g. 1234.56 or 1.234,56");
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(not_amount());
    }
    let dots = digits.matches('.').count();
    let commas = digits.matches(',').count();
    let decimal = match (dots, commas) {
        (0, 0) => None,
        (1, 0) => Some('.'),
        (0, 1) => Some(','),
        (_, 0) | (0, _) => None,
        _ => digits.chars().rev().find(|c| *c == '.' || *c == ','),
    };
    let (whole, fraction) = match decimal {
        Some(sep) => {
            let at = digits.rfind(sep).expect("separator present");
            (&digits[..at], &digits[at + 1..])
        }
        None => (digits, ""),
    };
    if fraction.contains(['.', ',']) {
        return Err(not_amount());
    }
    // Thousands groups: every group after the first has exactly three digits.
    let groups: Vec<&str> = whole.split(['.', ',']).collect();
    if groups.len() > 1 && (groups[0].is_empty() || groups[1..].iter().any(|g| g.len() != 3))
        || (decimal.is_some() && (whole.is_empty() || fraction.is_empty()))
    {
        return Err(not_amount());
    }
    if fraction.len() > 2 {
        return Err(format!(
            "\"{shown}\" has more than 2 decimals (for thousands write e.g. 1.005,00 or 1005)"
        ));
    }
    let whole: String = groups.concat();
    let mut minor: i64 = 0;
    for c in whole.chars().chain(fraction.chars()) {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(c as u8 - b'0')))
            .ok_or_else(|| format!("\"{shown}\" is too large"))?;
    }
    for _ in fraction.len()..2 {
        minor = minor
            .checked_mul(10)
            .ok_or_else(|| format!("\"{shown}\" is too large"))?;
    }
    if minor > MAX_AMOUNT_MINOR {
        return Err(format!("\"{shown}\" is too large"));
    }
    Ok(if negative { -minor } else { minor })
}

/// A latitude or longitude within `limit` degrees.
pub fn parse_coordinate(text: &str, limit: f64) -> Result<f64, String> {
    let t = text.trim().replace(',', ".");
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(v),
        Ok(_) => Err(format!(
            "\"{}\" is out of range (−{limit} to {limit})",
            text.trim()
        )),
        Err(_) => Err(format!("\"{}\" is not a number", text.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn plus_minus_new_lost_and_zero_expected() {
        let grew = Deviation::new(12_000, 10_000, false);
        assert_eq!(grew.side, Some(Side::Plus));
        assert_eq!(grew.delta_minor, 2_000);
        assert_eq!(grew.pct, Some(Decimal::new(200, 1)));
        assert_eq!(grew.mark, None);

        let shrank = Deviation::new(7_500, 10_000, false);
        assert_eq!(shrank.side, Some(Side::Minus));
        assert_eq!(shrank.pct, Some(Decimal::new(-250, 1)));

        let new = Deviation::new(5_000, 0, true);
        assert_eq!(
            (new.side, new.mark, new.pct),
            (Some(Side::Plus), Some(Mark::New), None)
        );

        // Nothing a year ago but bought before: plus, not new.
        let back = Deviation::new(5_000, 0, false);
        assert_eq!((back.side, back.mark), (Some(Side::Plus), None));

        let lost = Deviation::new(0, 8_000, false);
        assert_eq!(lost.side, Some(Side::Minus));
        assert_eq!(lost.mark, Some(Mark::Lost));
        assert_eq!(lost.pct, Some(Decimal::new(-1000, 1)));

        let flat = Deviation::new(4_000, 4_000, false);
        assert_eq!((flat.side, flat.mark), (None, None));
        assert_eq!(Deviation::new(0, 0, false).side, None);
    }

    #[test]
    fn comparison_span_of_a_leap_day_period() {
        // Year to date ending on 29 February 2028 compares with 1 Jan – 28 Feb 2027.
        let p = Period::new(d(2028, 1, 1), d(2028, 2, 29)).unwrap();
        let (_, earlier) = comparison(p);
        assert_eq!(
            (earlier.start(), earlier.end()),
            (d(2027, 1, 1), d(2027, 2, 28))
        );
        // A span starting on a leap day starts on 28 February a year earlier.
        let p = Period::new(d(2024, 2, 29), d(2024, 3, 31)).unwrap();
        let (_, earlier) = comparison(p);
        assert_eq!(
            (earlier.start(), earlier.end()),
            (d(2023, 2, 28), d(2023, 3, 31))
        );
    }

    #[test]
    fn spans_cut_into_whole_months_and_edge_days() {
        let cut = |a: NaiveDate, b: NaiveDate| MonthCut::of(Period::new(a, b).unwrap());
        // Year to date on 29 November: January–October whole, 1–29 November as days.
        let ytd = cut(d(2026, 1, 1), d(2026, 11, 29));
        assert_eq!(ytd.whole, vec![(2026, 1, 10)]);
        assert_eq!(
            ytd.days,
            vec![Period::new(d(2026, 11, 1), d(2026, 11, 29)).unwrap()]
        );
        // Across a year end with ragged edges.
        let c = cut(d(2025, 11, 15), d(2026, 2, 10));
        assert_eq!(c.whole, vec![(2025, 12, 12), (2026, 1, 1)]);
        assert_eq!(
            c.days,
            vec![
                Period::new(d(2025, 11, 15), d(2025, 11, 30)).unwrap(),
                Period::new(d(2026, 2, 1), d(2026, 2, 10)).unwrap()
            ]
        );
        // Inside one month: only days. A leap February ending on the 29th is whole.
        assert_eq!(cut(d(2026, 3, 5), d(2026, 3, 20)).whole, vec![]);
        assert_eq!(cut(d(2028, 2, 1), d(2028, 2, 29)).whole, vec![(2028, 2, 2)]);
        assert_eq!(cut(d(2028, 2, 1), d(2028, 2, 29)).days, vec![]);
        assert_eq!(cut(d(2028, 2, 1), d(2028, 2, 28)).days.len(), 1);
        // The trend windows are whole months by construction.
        let w = TrendWindows::on(d(2026, 11, 29));
        assert!(MonthCut::of(w.base).days.is_empty() && MonthCut::of(w.recent).days.is_empty());
    }

    #[test]
    fn trend_windows_are_whole_months_before_this_one() {
        let w = TrendWindows::on(d(2026, 11, 29));
        assert_eq!(
            (w.recent.start(), w.recent.end()),
            (d(2026, 8, 1), d(2026, 10, 31))
        );
        assert_eq!(
            (w.base.start(), w.base.end()),
            (d(2025, 8, 1), d(2026, 7, 31))
        );
        // Across a year end, and on the first of a month (that month is not complete).
        let w = TrendWindows::on(d(2027, 2, 1));
        assert_eq!(
            (w.recent.start(), w.recent.end()),
            (d(2026, 11, 1), d(2027, 1, 31))
        );
        assert_eq!(
            (w.base.start(), w.base.end()),
            (d(2025, 11, 1), d(2026, 10, 31))
        );
    }

    #[test]
    fn trend_on_hand_computed_series() {
        let rule = TrendRule::default();
        let detect = |recent, base, rule| Trend::detect(recent, base, rule, Segment::Price);
        // 12 months of €1 000, then 3 months of €1 400: +40 %, €400 a month — below €500.
        assert_eq!(detect(3 * 140_000, 12 * 100_000, rule), None);
        // 12 months of €2 000, then 3 of €2 800: +40 %, +€800 a month → up.
        let up = detect(3 * 280_000, 12 * 200_000, rule).unwrap();
        assert_eq!(up.direction, Direction::Up);
        assert_eq!(
            (up.recent_per_month_minor, up.base_per_month_minor),
            (280_000, 200_000)
        );
        assert_eq!(up.change_pct, Decimal::from(40));
        // Exactly −30 % counts; −29.9 % does not.
        let down = detect(3 * 700_000, 12 * 1_000_000, rule).unwrap();
        assert_eq!(
            (down.direction, down.change_pct),
            (Direction::Down, Decimal::from(-30))
        );
        assert_eq!(detect(3 * 701_000, 12 * 1_000_000, rule), None);
        // Stopped buying: −100 %.
        let stopped = detect(0, 12 * 100_000, rule).unwrap();
        assert_eq!(stopped.change_pct, Decimal::from(-100));
        // No base: new, not a trend.
        assert_eq!(detect(3 * 500_000, 0, rule), None);
        // A looser rule flags the first series.
        let loose = TrendRule::uniform(30, 10_000);
        assert!(detect(3 * 140_000, 12 * 100_000, loose).is_some());
        // The default rule is the same for both client types.
        assert_eq!(
            Trend::detect(3 * 700_000, 12 * 1_000_000, rule, Segment::Relationship),
            Some(down)
        );
    }

    #[test]
    fn each_client_type_is_flagged_by_its_own_threshold() {
        // Relationship clients are expected to be steady (flagged from −10 %); price clients
        // fluctuate (flagged from −25 %).
        let rule = TrendRule {
            relationship_pct: 10,
            price_pct: 25,
            min_change_minor: 10_000,
        };
        // 12 months of €10 000, then 3 months of €8 500: −15 % a month, €1 500 less.
        let (recent, base) = (3 * 850_000, 12 * 1_000_000);
        let relationship = Trend::detect(recent, base, rule, Segment::Relationship).unwrap();
        assert_eq!(
            (relationship.direction, relationship.change_pct),
            (Direction::Down, Decimal::from(-15))
        );
        assert_eq!(Trend::detect(recent, base, rule, Segment::Price), None);
        // A fall of 30 % is flagged for both.
        let (recent, base) = (3 * 700_000, 12 * 1_000_000);
        assert!(Trend::detect(recent, base, rule, Segment::Price).is_some());
        assert!(Trend::detect(recent, base, rule, Segment::Relationship).is_some());
        // Exactly at each type's threshold counts, just short of it does not.
        assert!(rule.flags(Segment::Relationship, 3 * 900_000, 12 * 1_000_000));
        assert!(!rule.flags(Segment::Relationship, 3 * 901_000, 12 * 1_000_000));
        assert!(rule.flags(Segment::Price, 3 * 750_000, 12 * 1_000_000));
        assert!(!rule.flags(Segment::Price, 3 * 751_000, 12 * 1_000_000));
        assert_eq!(rule.pct_for(Segment::Relationship), 10);
        // In SQL the type picks its threshold; one threshold for both needs no choice.
        let sql = rule.sql("segment", "recent", "base");
        assert!(
            sql.contains("CASE WHEN segment = 'relationship' THEN 10 ELSE 25 END"),
            "{sql}"
        );
        assert!(!TrendRule::default()
            .sql("segment", "recent", "base")
            .contains("CASE"));
    }

    #[test]
    fn amounts_in_the_ways_files_write_them() {
        for (text, minor) in [
            ("1234.56", 123_456),
            ("1234,56", 123_456),
            ("1.234,56", 123_456),
            ("1,234.56", 123_456),
            ("1.234.567", 123_456_700),
            ("1 234,5", 123_450),
            ("12", 1_200),
            ("-12,5", -1_250),
            ("0", 0),
            ("1'000.00", 100_000),
        ] {
            assert_eq!(parse_amount(text), Ok(minor), "{text}");
        }
        for bad in [
            "",
            "abc",
            "12.345,6,7",
            "1.2.3",
            "€12",
            "1,234,5",
            "-",
            "12.",
            ",",
            ",5",
            "1.005",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
        assert!(parse_amount("1.005")
            .unwrap_err()
            .contains("more than 2 decimals"));
        assert!(parse_amount("99999999999999999999")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn dates_iso_and_german() {
        assert_eq!(parse_date("2026-03-31"), Ok(d(2026, 3, 31)));
        assert_eq!(parse_date("31.03.2026"), Ok(d(2026, 3, 31)));
        assert_eq!(parse_date(" 1.3.2026 "), Ok(d(2026, 3, 1)));
        assert_eq!(parse_date("29.02.2028"), Ok(d(2028, 2, 29)));
        assert!(parse_date("29.02.2027").unwrap_err().contains("not a date"));
        assert!(parse_date("03/31/2026").is_err());
        assert!(parse_date("1899-01-01").unwrap_err().contains("2000–2100"));
        assert_eq!(parse_date(""), Err("is empty".into()));
    }

    #[test]
    fn segments_and_coordinates() {
        assert_eq!(Segment::parse("Price"), Ok(Segment::Price));
        assert_eq!(
            Segment::parse("relationship client"),
            Ok(Segment::Relationship)
        );
        assert!(Segment::parse("vip")
            .unwrap_err()
            .contains("not a client type"));
        assert_eq!(parse_coordinate("53,55", 90.0), Ok(53.55));
        assert!(parse_coordinate("91", 90.0)
            .unwrap_err()
            .contains("out of range"));
        assert!(parse_coordinate("north", 90.0)
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn the_trend_rule_form_names_its_fields() {
        let ok = TrendRuleInput {
            relationship_pct: "10 %".into(),
            price_pct: "25".into(),
            min_change_amount: "1.000,50".into(),
        };
        assert_eq!(
            ok.parse(),
            Ok(TrendRule {
                relationship_pct: 10,
                price_pct: 25,
                min_change_minor: 100_050
            })
        );
        let bad = TrendRuleInput {
            relationship_pct: "0".into(),
            price_pct: String::new(),
            min_change_amount: "-5".into(),
        };
        let errors = bad.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["relationship_pct", "price_pct", "min_change_amount"]
        );
        assert_eq!(
            errors[0].message,
            "the least change for relationship clients is a whole percentage from 1 to 1000, not 0"
        );
        assert_eq!(
            errors[1].message,
            "the least change for price clients is a whole percentage from 1 to 1000, not nothing"
        );
        assert_eq!(
            TrendRuleInput::from(TrendRule::default()).parse(),
            Ok(TrendRule::default())
        );
    }

    proptest! {
        #[test]
        fn amounts_round_trip_in_both_conventions(minor in -99_999_999_999i64..99_999_999_999) {
            let abs = minor.unsigned_abs();
            let sign = if minor < 0 { "-" } else { "" };
            let point = format!("{sign}{}.{:02}", abs / 100, abs % 100);
            let comma = format!("{sign}{},{:02}", abs / 100, abs % 100);
            prop_assert_eq!(parse_amount(&point), Ok(minor));
            prop_assert_eq!(parse_amount(&comma), Ok(minor));
        }

        #[test]
        fn deviation_sides_follow_the_sign(actual in -1_000_000i64..1_000_000, expected in 0i64..1_000_000) {
            let dev = Deviation::new(actual, expected, false);
            prop_assert_eq!(dev.delta_minor, actual - expected);
            prop_assert_eq!(dev.side == Some(Side::Plus), actual > expected);
            prop_assert_eq!(dev.side == Some(Side::Minus), actual < expected);
        }
    }
}
