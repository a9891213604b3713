//! The company calendar: when its fiscal year starts, which weekdays it works and its public
//! holidays. Pace and expected-to-date count its working days; quarters, "this year" and
//! year-to-date follow its fiscal year. Pure: the server loads it, the browser receives it.

use super::period::Period;
use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A company's calendar. The default is DESIGN.md's: the fiscal year is the calendar year,
/// Monday to Friday are working days, no holidays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// The month the fiscal year starts in, 1–12.
    fiscal_start_month: u32,
    /// Working weekdays, Monday first.
    working: [bool; 7],
    /// Public holidays, sorted, each once.
    holidays: Vec<NaiveDate>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            fiscal_start_month: 1,
            working: [true, true, true, true, true, false, false],
            holidays: Vec::new(),
        }
    }
}

/// Why a calendar cannot be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the fiscal year starts in a month from 1 (January) to 12 (December), not {0}")]
    Month(u32),
    #[error("at least one weekday must be a working day")]
    NoWorkingDay,
}

/// The weekdays, Monday first, as the settings page and the database name them.
pub const WEEKDAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "Monday"),
    (Weekday::Tue, "tue", "Tuesday"),
    (Weekday::Wed, "wed", "Wednesday"),
    (Weekday::Thu, "thu", "Thursday"),
    (Weekday::Fri, "fri", "Friday"),
    (Weekday::Sat, "sat", "Saturday"),
    (Weekday::Sun, "sun", "Sunday"),
];

impl Calendar {
    pub fn new(
        fiscal_start_month: u32,
        working: [bool; 7],
        mut holidays: Vec<NaiveDate>,
    ) -> Result<Calendar, CalendarError> {
        if !(1..=12).contains(&fiscal_start_month) {
            return Err(CalendarError::Month(fiscal_start_month));
        }
        if !working.iter().any(|w| *w) {
            return Err(CalendarError::NoWorkingDay);
        }
        holidays.sort_unstable();
        holidays.dedup();
        Ok(Calendar {
            fiscal_start_month,
            working,
            holidays,
        })
    }

    pub fn fiscal_start_month(&self) -> u32 {
        self.fiscal_start_month
    }

    pub fn working_weekdays(&self) -> [bool; 7] {
        self.working
    }

    pub fn holidays(&self) -> &[NaiveDate] {
        &self.holidays
    }

    pub fn works_on(&self, weekday: Weekday) -> bool {
        self.working[weekday.num_days_from_monday() as usize]
    }

    /// Whether `day` is a working day: a working weekday that is no holiday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.works_on(day.weekday()) && self.holidays.binary_search(&day).is_err()
    }

    /// Working days between two dates, both included; 0 when `end < start`. Whole weeks are
    /// counted at once and the holidays in range found by binary search: constant in the
    /// span, logarithmic in the holidays.
    pub fn working_days_between(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        if end < start {
            return 0;
        }
        let days = (end - start).num_days() + 1;
        let per_week = self.working.iter().filter(|w| **w).count() as i64;
        let mut count = days / 7 * per_week;
        let mut weekday = start.weekday();
        for _ in 0..days % 7 {
            if self.works_on(weekday) {
                count += 1;
            }
            weekday = weekday.succ();
        }
        let from = self.holidays.partition_point(|h| *h < start);
        let to = self.holidays.partition_point(|h| *h <= end);
        let off = self.holidays[from..to]
            .iter()
            .filter(|h| self.works_on(h.weekday()))
            .count() as i64;
        count - off
    }

    /// Working days of `period`.
    pub fn working_days(&self, period: Period) -> i64 {
        self.working_days_between(period.start(), period.end())
    }

    /// Working days of `period` up to and including `as_of`.
    pub fn working_days_elapsed(&self, period: Period, as_of: NaiveDate) -> i64 {
        if as_of < period.start() {
            0
        } else {
            self.working_days_between(period.start(), as_of.min(period.end()))
        }
    }

    /// The fiscal year containing `day`.
    pub fn year_of(&self, day: NaiveDate) -> Period {
        let start_year = if day.month() >= self.fiscal_start_month {
            day.year()
        } else {
            day.year() - 1
        };
        let start = NaiveDate::from_ymd_opt(start_year, self.fiscal_start_month, 1)
            .expect("the first of a month exists");
        let end = start
            .checked_add_months(Months::new(12))
            .and_then(|d| d.pred_opt())
            .expect("a year's end is representable");
        Period::new(start, end).expect("a year ends after it starts")
    }

    /// The fiscal quarter containing `day`.
    pub fn quarter_of(&self, day: NaiveDate) -> Period {
        let year = self.year_of(day);
        let months_in = (day.year() - year.start().year()) * 12 + day.month() as i32
            - year.start().month() as i32;
        let start = year
            .start()
            .checked_add_months(Months::new((months_in / 3 * 3) as u32))
            .expect("a quarter start is representable");
        let end = start
            .checked_add_months(Months::new(3))
            .and_then(|d| d.pred_opt())
            .expect("a quarter end is representable");
        Period::new(start, end).expect("a quarter ends after it starts")
    }

    /// Fiscal year to date: the fiscal year's first day up to and including `day`.
    pub fn year_to_date(&self, day: NaiveDate) -> Period {
        Period::new(self.year_of(day).start(), day).expect("a day is in its own year")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_default_is_monday_to_friday_in_the_calendar_year() {
        let cal = Calendar::default();
        assert_eq!(cal.working_days(Period::month_of(d(2026, 11, 5))), 21);
        assert_eq!(cal.working_days(cal.year_of(d(2026, 6, 1))), 261);
        assert_eq!(cal.year_of(d(2026, 6, 1)), Period::year_of(d(2026, 6, 1)));
        assert_eq!(
            cal.quarter_of(d(2026, 8, 9)),
            Period::quarter_of(d(2026, 8, 9))
        );
    }

    #[test]
    fn holidays_on_working_days_are_not_counted() {
        // December 2026: 23 weekdays; Christmas (Fri 25) and Boxing Day (Sat 26, a weekend
        // anyway) and 31 December (Thu) as holidays leave 21.
        let cal = Calendar::new(
            1,
            [true, true, true, true, true, false, false],
            vec![
                d(2026, 12, 31),
                d(2026, 12, 25),
                d(2026, 12, 26),
                d(2026, 12, 25),
            ],
        )
        .unwrap();
        let december = Period::month_of(d(2026, 12, 1));
        assert_eq!(Calendar::default().working_days(december), 23);
        assert_eq!(cal.working_days(december), 21);
        assert_eq!(cal.working_days_elapsed(december, d(2026, 12, 25)), 18);
        assert!(!cal.is_working_day(d(2026, 12, 25)));
        assert!(cal.is_working_day(d(2026, 12, 24)));
    }

    #[test]
    fn a_fiscal_year_from_april_shifts_quarters_and_year_to_date() {
        let cal = Calendar::new(4, [true; 7], Vec::new()).unwrap();
        let year = cal.year_of(d(2027, 2, 10));
        assert_eq!((year.start(), year.end()), (d(2026, 4, 1), d(2027, 3, 31)));
        let q = cal.quarter_of(d(2027, 2, 10));
        assert_eq!((q.start(), q.end()), (d(2027, 1, 1), d(2027, 3, 31)));
        let q = cal.quarter_of(d(2026, 5, 31));
        assert_eq!((q.start(), q.end()), (d(2026, 4, 1), d(2026, 6, 30)));
        let ytd = cal.year_to_date(d(2026, 4, 1));
        assert_eq!((ytd.start(), ytd.end()), (d(2026, 4, 1), d(2026, 4, 1)));
        let ytd = cal.year_to_date(d(2026, 3, 31));
        assert_eq!(ytd.start(), d(2025, 4, 1));
    }

    #[test]
    fn a_calendar_needs_a_month_and_a_working_day() {
        assert_eq!(
            Calendar::new(13, [true; 7], vec![]),
            Err(CalendarError::Month(13))
        );
        assert_eq!(
            Calendar::new(1, [false; 7], vec![]),
            Err(CalendarError::NoWorkingDay)
        );
    }
}
