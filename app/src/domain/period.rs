use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::RangeInclusive;

/// The years a date Pacer is given may fall in (targets, close dates, filters): wide enough
/// for any plan, narrow enough that every date arithmetic on it (a year back, the months
/// around it) stays representable in both databases.
pub const YEARS: RangeInclusive<i32> = 2000..=2100;

/// A day as typed (`YYYY-MM-DD`, within [`YEARS`]), or why not in plain words.
pub fn parse_day(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("\"{text}\" is not a date (use YYYY-MM-DD)"))
        .and_then(within_years)
}

/// A day as a person of `locale` types it (or ISO), within [`YEARS`], or why not in plain words.
pub fn parse_day_in(locale: super::locale::Locale, text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    locale
        .parse_date(text)
        .ok_or_else(|| {
            format!(
                "\"{text}\" is not a date (write it as {})",
                locale.date_hint()
            )
        })
        .and_then(within_years)
}

/// `day` if it lies within [`YEARS`], or why not in plain words.
pub fn within_years(day: NaiveDate) -> Result<NaiveDate, String> {
    if YEARS.contains(&day.year()) {
        Ok(day)
    } else {
        Err(format!(
            "{day} is outside the years {}–{}",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPeriod", into = "RawPeriod")]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Serialize, Deserialize)]
struct RawPeriod {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the end date {end} is before the start date {start}")]
    EndBeforeStart { start: NaiveDate, end: NaiveDate },
}

/// How far a target reaches, derived from its period (DESIGN.md): short ≤ 3 months,
/// medium ≤ 12, long > 12.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Horizon {
    Short,
    Medium,
    Long,
}

impl Horizon {
    pub fn label(self) -> &'static str {
        match self {
            Horizon::Short => "short term (up to 3 months)",
            Horizon::Medium => "medium term (up to 12 months)",
            Horizon::Long => "long term (over 12 months)",
        }
    }
}

impl Period {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, PeriodError> {
        if end < start {
            return Err(PeriodError::EndBeforeStart { start, end });
        }
        Ok(Period { start, end })
    }

    /// A filter's range, where either end may be left open: when both are given it is a
    /// period, so the end may not come before the start. The board and the API's opportunity
    /// and target lists check their ranges here (the customer list, whose ends are always
    /// set, is a [`Period`] itself).
    pub fn range(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<(Option<NaiveDate>, Option<NaiveDate>), PeriodError> {
        if let (Some(start), Some(end)) = (from, to) {
            Period::new(start, end)?;
        }
        Ok((from, to))
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// Calendar days, both ends included.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Monday to Friday in the period, both ends included.
    pub fn working_days(&self) -> i64 {
        working_days_between(self.start, self.end)
    }

    /// Working days from the start up to and including `as_of`, clamped to the period:
    /// 0 before it starts, all of them after it ends.
    pub fn working_days_elapsed(&self, as_of: NaiveDate) -> i64 {
        if as_of < self.start {
            0
        } else {
            working_days_between(self.start, as_of.min(self.end))
        }
    }

    pub fn horizon(&self) -> Horizon {
        let after = |months| self.start.checked_add_months(Months::new(months));
        // `end` is inclusive: a period of exactly three months ends the day before start + 3 months.
        let exclusive_end = self.end.succ_opt().unwrap_or(self.end);
        match (after(3), after(12)) {
            (Some(three), _) if exclusive_end <= three => Horizon::Short,
            (_, Some(twelve)) if exclusive_end <= twelve => Horizon::Medium,
            _ => Horizon::Long,
        }
    }

    /// The same span one year earlier (29 February maps to 28 February).
    pub fn one_year_earlier(&self) -> Period {
        let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
        Period {
            start: back(self.start),
            end: back(self.end),
        }
    }

    /// The calendar month containing `day`.
    pub fn month_of(day: NaiveDate) -> Period {
        let start = day.with_day(1).expect("day 1 exists in every month");
        let end = start
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .expect("month end is representable");
        Period { start, end }
    }

    /// The calendar quarter containing `day`.
    pub fn quarter_of(day: NaiveDate) -> Period {
        let first_month = (day.month0() / 3) * 3 + 1;
        let start =
            NaiveDate::from_ymd_opt(day.year(), first_month, 1).expect("valid quarter start");
        let end = start
            .checked_add_months(Months::new(3))
            .and_then(|d| d.pred_opt())
            .expect("quarter end is representable");
        Period { start, end }
    }

    /// The calendar year containing `day` (Pacer's fiscal year is the calendar year).
    pub fn year_of(day: NaiveDate) -> Period {
        Period {
            start: NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("1 January exists"),
            end: NaiveDate::from_ymd_opt(day.year(), 12, 31).expect("31 December exists"),
        }
    }

    /// Year to date: 1 January up to and including `day`.
    pub fn year_to_date(day: NaiveDate) -> Period {
        Period {
            start: Period::year_of(day).start,
            end: day,
        }
    }
}

/// Mon–Fri between two dates, both included; 0 when `end < start`. Constant time.
pub fn working_days_between(start: NaiveDate, end: NaiveDate) -> i64 {
    if end < start {
        return 0;
    }
    let days = (end - start).num_days() + 1;
    let full_weeks = days / 7;
    let mut count = full_weeks * 5;
    let remainder = days % 7;
    let mut weekday = start.weekday();
    for _ in 0..remainder {
        if !matches!(weekday, Weekday::Sat | Weekday::Sun) {
            count += 1;
        }
        weekday = weekday.succ();
    }
    count
}

impl From<Period> for RawPeriod {
    fn from(p: Period) -> Self {
        RawPeriod {
            start: p.start,
            end: p.end,
        }
    }
}

impl TryFrom<RawPeriod> for Period {
    type Error = PeriodError;
    fn try_from(raw: RawPeriod) -> Result<Self, Self::Error> {
        Period::new(raw.start, raw.end)
    }
}

impl Period {
    /// "01 Jul 2026 – 30 Sep 2026" / "01.07.2026 – 30.09.2026".
    pub fn label_in(&self, locale: super::locale::Locale) -> String {
        format!("{} – {}", locale.date(self.start), locale.date(self.end))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label_in(super::locale::Locale::En))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_outside_the_years_are_refused_in_words() {
        assert_eq!(
            super::parse_day(" 2026-03-01 "),
            Ok(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
        );
        for (text, reason) in [
            ("-0001-01-01", "outside the years 2000–2100"),
            ("+10000-01-01", ""),
            ("10000-01-01", ""),
            ("1999-12-31", "outside the years 2000–2100"),
            ("2101-01-01", "outside the years 2000–2100"),
            ("2026-02-30", "is not a date"),
        ] {
            // Five-digit years: chrono reads some, refuses others; refused either way.
            let e = super::parse_day(text).unwrap_err();
            assert!(e.contains(reason), "{text}: {e}");
            assert!(e.contains("outside the years") || e.contains("is not a date"));
        }
    }

    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn brute_force_working_days(start: NaiveDate, end: NaiveDate) -> i64 {
        start
            .iter_days()
            .take_while(|day| *day <= end)
            .filter(|day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
            .count() as i64
    }

    #[test]
    fn end_before_start_is_refused_naming_both_dates() {
        let err = Period::new(d(2026, 3, 1), d(2026, 2, 28)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the end date 2026-02-28 is before the start date 2026-03-01"
        );
    }

    #[test]
    fn a_single_day_is_a_period() {
        let p = Period::new(d(2026, 11, 23), d(2026, 11, 23)).unwrap();
        assert_eq!(p.days(), 1);
        assert_eq!(p.working_days(), 1); // a Monday
    }

    #[test]
    fn working_days_of_known_months() {
        // November 2026 starts on a Sunday: 21 working days.
        assert_eq!(Period::month_of(d(2026, 11, 5)).working_days(), 21);
        // February 2028 is a leap month starting on a Tuesday: 21 working days.
        assert_eq!(Period::month_of(d(2028, 2, 10)).working_days(), 21);
        assert_eq!(Period::year_of(d(2026, 6, 1)).working_days(), 261);
    }

    #[test]
    fn elapsed_working_days_clamp_to_the_period() {
        let q = Period::quarter_of(d(2026, 11, 23));
        assert_eq!(q.start(), d(2026, 10, 1));
        assert_eq!(q.end(), d(2026, 12, 31));
        assert_eq!(q.working_days_elapsed(d(2026, 9, 30)), 0);
        assert_eq!(q.working_days_elapsed(d(2027, 1, 15)), q.working_days());
        // Across the month end: 1 Oct (Thu) to 2 Nov (Mon) is 23 working days.
        assert_eq!(q.working_days_elapsed(d(2026, 11, 2)), 23);
    }

    #[test]
    fn horizon_boundaries() {
        let p = |s, e| Period::new(s, e).unwrap().horizon();
        assert_eq!(p(d(2026, 1, 1), d(2026, 3, 31)), Horizon::Short);
        assert_eq!(p(d(2026, 1, 1), d(2026, 4, 1)), Horizon::Medium);
        assert_eq!(p(d(2026, 1, 1), d(2026, 12, 31)), Horizon::Medium);
        assert_eq!(p(d(2026, 1, 1), d(2027, 1, 1)), Horizon::Long);
    }

    #[test]
    fn one_year_earlier_handles_leap_day() {
        let p = Period::new(d(2028, 1, 1), d(2028, 2, 29))
            .unwrap()
            .one_year_earlier();
        assert_eq!((p.start(), p.end()), (d(2027, 1, 1), d(2027, 2, 28)));
    }

    #[test]
    fn serde_refuses_inverted_periods() {
        let json = r#"{"start":"2026-05-01","end":"2026-04-01"}"#;
        assert!(serde_json::from_str::<Period>(json).is_err());
    }

    proptest! {
        #[test]
        fn working_days_match_counting_them(start in 0i64..3000, len in 0i64..800) {
            let s = d(2024, 1, 1) + chrono::Duration::days(start);
            let e = s + chrono::Duration::days(len);
            prop_assert_eq!(working_days_between(s, e), brute_force_working_days(s, e));
        }

        #[test]
        fn elapsed_never_exceeds_total(start in 0i64..1000, len in 0i64..400, at in -50i64..500) {
            let s = d(2025, 1, 1) + chrono::Duration::days(start);
            let p = Period::new(s, s + chrono::Duration::days(len)).unwrap();
            let elapsed = p.working_days_elapsed(s + chrono::Duration::days(at));
            prop_assert!(0 <= elapsed && elapsed <= p.working_days());
        }
    }
}
