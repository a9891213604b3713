//! Whole hundredths of a metric's unit — cents of a currency, hundredths of a visit or of a
//! percentage point: how target values and snapshots are stored, and the forecast engine's
//! integer measure. One rounding rule and one range for all of them, so a target and its
//! snapshot can never differ by a cent.

use rust_decimal::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Hundredths(i64);

impl Hundredths {
    /// The largest magnitude kept: a quarter of `i64`, so that a handful of values can be
    /// added (a forecast's won total plus its open pipeline) without overflowing. Parsed
    /// values (a target at most 10¹², an amount within `Money`'s range) stay far below it.
    pub const LIMIT: i64 = i64::MAX / 4;

    pub const ZERO: Hundredths = Hundredths(0);

    /// `value` in hundredths, rounded half away from zero and held within ±[`LIMIT`].
    ///
    /// [`LIMIT`]: Hundredths::LIMIT
    pub fn from_decimal(value: Decimal) -> Hundredths {
        let scaled = value
            .checked_mul(Decimal::ONE_HUNDRED)
            .map(|v| v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
            .and_then(|v| v.to_i64());
        Hundredths(match scaled {
            Some(h) => h.clamp(-Self::LIMIT, Self::LIMIT),
            None if value.is_sign_negative() => -Self::LIMIT,
            None => Self::LIMIT,
        })
    }

    /// A stored count of hundredths (held within ±[`LIMIT`](Hundredths::LIMIT)).
    pub fn from_raw(raw: i64) -> Hundredths {
        Hundredths(raw.clamp(-Self::LIMIT, Self::LIMIT))
    }

    pub fn raw(self) -> i64 {
        self.0
    }

    /// The value in the metric's unit, without trailing zeros.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2).normalize()
    }
}

impl From<Hundredths> for Decimal {
    fn from(h: Hundredths) -> Decimal {
        h.to_decimal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_half_away_from_zero() {
        let h = |s: &str| Hundredths::from_decimal(Decimal::from_str(s).unwrap()).raw();
        assert_eq!(h("12.345"), 1235);
        assert_eq!(h("12.335"), 1234);
        assert_eq!(h("-12.345"), -1235);
        assert_eq!(h("0.004"), 0);
        assert_eq!(h("1000"), 100_000);
    }

    #[test]
    fn out_of_range_is_held_at_the_limit() {
        assert_eq!(
            Hundredths::from_decimal(Decimal::MAX).raw(),
            Hundredths::LIMIT
        );
        assert_eq!(
            Hundredths::from_decimal(Decimal::MIN).raw(),
            -Hundredths::LIMIT
        );
        assert_eq!(Hundredths::from_raw(i64::MIN).raw(), -Hundredths::LIMIT);
    }

    proptest! {
        #[test]
        fn cents_round_trip(cents in -Hundredths::LIMIT..=Hundredths::LIMIT) {
            let value = Decimal::new(cents, 2);
            prop_assert_eq!(Hundredths::from_decimal(value).raw(), cents);
            prop_assert_eq!(Hundredths::from_raw(cents).to_decimal(), value.normalize());
        }
    }
}
