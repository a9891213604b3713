//! Forecast calls: what a person says a target will come to, beside what Pacer's model says.
//! A rep calls their own target (commit: what they are sure of; best case: if the open deals
//! go their way); a manager calls the unit's target, adjusting the roll-up of the team's calls.
//! Every call is kept, so the accuracy of people and model can be compared afterwards.

use super::field_error::FieldError;
use super::hundredths::Hundredths;
use super::metric::{Metric, MetricUnit};
use super::number::parse_number_in;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The longest note a call keeps.
pub const NOTE_LIMIT: usize = 500;

/// A call as typed into the form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallInput {
    pub commit: String,
    pub best_case: String,
    pub note: String,
    /// How the person typing writes numbers ("1.234,5" in German); set by the server from
    /// the signed-in person.
    #[serde(default)]
    pub locale: super::locale::Locale,
}

/// A call that passed [`CallInput::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub commit: Decimal,
    pub best_case: Decimal,
    pub note: String,
}

impl CallInput {
    /// Both figures in the metric's unit (whole numbers for counts, cents for money), not
    /// negative, the best case at least the commit; the note at most [`NOTE_LIMIT`] characters.
    pub fn parse(&self, metric: Metric) -> Result<Call, Vec<FieldError>> {
        let mut errors = Vec::new();
        let counts = metric.unit() == MetricUnit::Count;
        let mut figure = |field: &'static str, what: &str, text: &str| -> Option<Decimal> {
            let text = text.trim();
            if text.is_empty() {
                errors.push(FieldError::new(field, format!("say what {what}")));
                return None;
            }
            match parse_number_in(self.locale, text) {
                Err(message) => {
                    errors.push(FieldError::new(field, message));
                    None
                }
                Ok(n) if n < Decimal::ZERO && metric != Metric::CustomerGrowthPct => {
                    errors.push(FieldError::new(field, "a call cannot be negative"));
                    None
                }
                Ok(n) if counts && n.fract() != Decimal::ZERO => {
                    errors.push(FieldError::new(
                        field,
                        format!("{} counts whole numbers: {n} is not one", metric.label()),
                    ));
                    None
                }
                Ok(n) if n.abs() > Hundredths::from_raw(Hundredths::LIMIT).to_decimal() => {
                    errors.push(FieldError::new(field, format!("{n} is too large")));
                    None
                }
                Ok(n) if n.round_dp(2) != n => {
                    errors.push(FieldError::new(field, "at most two decimals (cents)"));
                    None
                }
                Ok(n) => Some(n.normalize()),
            }
        };
        let commit = figure("commit", "you are sure to reach (commit)", &self.commit);
        let best_case = figure(
            "best_case",
            "you reach if the open deals go your way (best case)",
            &self.best_case,
        );
        if let (Some(c), Some(b)) = (commit, best_case) {
            if b < c {
                errors.push(FieldError::new(
                    "best_case",
                    format!("the best case ({b}) cannot be below the commit ({c})"),
                ));
            }
        }
        let note = self.note.trim().to_string();
        if note.chars().count() > NOTE_LIMIT {
            errors.push(FieldError::new(
                "note",
                format!(
                    "at most {NOTE_LIMIT} characters (this note has {})",
                    note.chars().count()
                ),
            ));
        }
        match (commit, best_case) {
            (Some(commit), Some(best_case)) if errors.is_empty() => Ok(Call {
                commit,
                best_case,
                note,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(commit: &str, best_case: &str) -> CallInput {
        CallInput {
            commit: commit.into(),
            best_case: best_case.into(),
            note: String::new(),
            locale: Default::default(),
        }
    }

    fn fields(r: Result<Call, Vec<FieldError>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_call_is_two_figures_the_best_case_not_below_the_commit() {
        let call = input("120000", "150 000").parse(Metric::Bookings).unwrap();
        assert_eq!(call.commit, Decimal::from(120_000));
        assert_eq!(call.best_case, Decimal::from(150_000));
        assert_eq!(
            fields(input("150000", "120000").parse(Metric::Bookings)),
            ["best_case"]
        );
        assert_eq!(
            fields(input("", "x").parse(Metric::Bookings)),
            ["commit", "best_case"]
        );
        assert_eq!(fields(input("-1", "5").parse(Metric::Bookings)), ["commit"]);
        assert_eq!(
            fields(input("10.5", "12").parse(Metric::Visits)),
            ["commit"]
        );
        assert_eq!(
            fields(input("10.555", "12").parse(Metric::Turnover)),
            ["commit"]
        );
        let long = CallInput {
            note: "x".repeat(NOTE_LIMIT + 1),
            ..input("1", "2")
        };
        assert_eq!(fields(long.parse(Metric::Visits)), ["note"]);
    }
}
