use serde::{Deserialize, Serialize};
use std::fmt;

/// A win probability in whole percent, 0–100. Once a value exists it is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Probability(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("probability must be a whole number from 0 to 100 %, got {0}")]
pub struct ProbabilityError(pub String);

impl Probability {
    pub const ZERO: Probability = Probability(0);
    pub const CERTAIN: Probability = Probability(100);

    pub fn parse(percent: i64) -> Result<Self, ProbabilityError> {
        u8::try_from(percent)
            .ok()
            .filter(|p| *p <= 100)
            .map(Probability)
            .ok_or_else(|| ProbabilityError(percent.to_string()))
    }

    /// Parses what a person typed into a field ("75", " 75 % ").
    pub fn parse_str(input: &str) -> Result<Self, ProbabilityError> {
        let trimmed = input.trim().trim_end_matches('%').trim();
        trimmed
            .parse::<i64>()
            .map_err(|_| ProbabilityError(format!("\"{}\"", input.trim())))
            .and_then(Self::parse)
    }

    pub fn percent(self) -> u8 {
        self.0
    }

    /// The probability as a fraction 0.0–1.0, for samplers (never for money).
    pub fn fraction(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl TryFrom<i64> for Probability {
    type Error = ProbabilityError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Probability> for i64 {
    fn from(p: Probability) -> i64 {
        i64::from(p.0)
    }
}

impl fmt::Display for Probability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(Probability::parse(0).unwrap().percent(), 0);
        assert_eq!(Probability::parse(100).unwrap().percent(), 100);
    }

    #[test]
    fn out_of_range_is_refused_with_the_value() {
        let err = Probability::parse(101).unwrap_err();
        assert!(err.to_string().contains("101"), "{err}");
        assert!(Probability::parse(-1).is_err());
    }

    #[test]
    fn typed_input_with_percent_sign() {
        assert_eq!(Probability::parse_str(" 75 % ").unwrap().percent(), 75);
        assert!(Probability::parse_str("seventy").is_err());
        assert!(Probability::parse_str("7.5").is_err());
    }

    #[test]
    fn serde_refuses_invalid_values() {
        assert!(serde_json::from_str::<Probability>("150").is_err());
        assert_eq!(
            serde_json::from_str::<Probability>("50").unwrap().percent(),
            50
        );
    }

    proptest! {
        #[test]
        fn parse_accepts_exactly_0_to_100(p in -1000i64..1000) {
            prop_assert_eq!(Probability::parse(p).is_ok(), (0..=100).contains(&p));
        }
    }
}
