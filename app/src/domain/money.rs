use super::locale::Locale;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An ISO 4217 currency code ("EUR"). Three ASCII capital letters; any other input is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(input: &str) -> Result<Self, MoneyError> {
        let code = input.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|ch| ch.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(MoneyError::Currency(input.trim().to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// The symbol people expect in front of or behind an amount.
    pub fn symbol(&self) -> &str {
        match self.as_str() {
            "EUR" => "€",
            "USD" => "$",
            "GBP" => "£",
            "CHF" => "CHF",
            other => other,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("\"{0}\" is not a currency code (use three letters such as EUR)")]
    Currency(String),
    #[error("amount is empty")]
    Empty,
    #[error("\"{0}\" is not an amount (use digits with an optional decimal point or comma)")]
    Malformed(String),
    #[error("\"{0}\" has more than 2 decimal places")]
    TooPrecise(String),
    #[error("amount {0} is too large")]
    TooLarge(String),
    #[error("cannot add {0} to {1}: different currencies")]
    CurrencyMismatch(Currency, Currency),
}

/// An amount of money: a `Decimal` with at most two decimal places, and its currency.
///
/// Money is never `f64`. In the database it is stored as integer minor units (cents), which
/// both SQLite and Postgres sum exactly and quickly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

/// Minor units per major unit: every amount carries exactly two decimal places.
const SCALE: u32 = 2;

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let normalised = amount.normalize();
        if normalised.scale() > SCALE {
            return Err(MoneyError::TooPrecise(amount.to_string()));
        }
        // Must fit in i64 minor units for storage.
        let fits = normalised
            .checked_mul(Decimal::from(100))
            .is_some_and(|minor| i64::try_from(minor).is_ok());
        if !fits {
            return Err(MoneyError::TooLarge(amount.to_string()));
        }
        let mut amount = normalised;
        amount.rescale(SCALE);
        Ok(Money { amount, currency })
    }

    pub fn zero(currency: Currency) -> Self {
        Money {
            amount: Decimal::new(0, SCALE),
            currency,
        }
    }

    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money {
            amount: Decimal::new(minor, SCALE),
            currency,
        }
    }

    /// Parses what a person typed or a CSV held: `1234.56`, `1234,56`, `-12`, with optional
    /// spaces. Thousands separators are not guessed at: `1.234,56` is ambiguous in a file that
    /// mixes conventions, so the importer decides the convention per file, not per value.
    pub fn parse(input: &str, currency: Currency) -> Result<Self, MoneyError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(MoneyError::Empty);
        }
        let canonical: String = trimmed
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        let valid_shape = canonical.matches('.').count() <= 1
            && canonical
                .trim_start_matches(['-', '+'])
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && canonical.chars().any(|c| c.is_ascii_digit());
        if !valid_shape {
            return Err(MoneyError::Malformed(trimmed.to_string()));
        }
        let amount =
            Decimal::from_str(&canonical).map_err(|_| MoneyError::TooLarge(trimmed.to_string()))?;
        Money::new(amount, currency).map_err(|e| match e {
            MoneyError::TooPrecise(_) => MoneyError::TooPrecise(trimmed.to_string()),
            other => other,
        })
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Integer minor units (cents) for storage. Exact by construction.
    pub fn minor_units(&self) -> i64 {
        i64::try_from(self.amount * Decimal::from(100)).expect("checked in Money::new")
    }

    pub fn is_positive(&self) -> bool {
        self.amount > Decimal::ZERO
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(other.currency, self.currency));
        }
        Money::new(self.amount + other.amount, self.currency)
    }

    /// A grouped, two-decimal rendering in English ("€ 12,345.60"), for logs and messages
    /// not addressed to one person; people see `display_in` their locale.
    pub fn display(&self) -> String {
        self.display_in(Locale::En)
    }

    /// A grouped, two-decimal rendering as `locale` writes it: "€ 12,345.60" / "12.345,60 €".
    /// The same on server and in the browser, so hydration never sees two spellings.
    pub fn display_in(&self, locale: Locale) -> String {
        locale.amount(self.currency.symbol(), self.amount)
    }

    /// A short rendering for dense places such as board columns, as `locale` writes it:
    /// "€ 12.3 k" / "12,3 Tsd. €", "€ 1.2 M" / "1,2 Mio. €".
    pub fn display_short_in(&self, locale: Locale) -> String {
        locale.amount_short(self.currency.symbol(), self.amount)
    }

    /// Reads an amount as a user of `locale` types it ("1.234,56" in German).
    pub fn parse_in(input: &str, currency: Currency, locale: Locale) -> Result<Self, MoneyError> {
        match Money::parse(&locale.canonical_number(input), currency) {
            Err(MoneyError::Malformed(_)) => Err(MoneyError::Malformed(input.trim().to_string())),
            other => other,
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(s: &str) -> Money {
        Money::parse(s, Currency::EUR).unwrap()
    }

    #[test]
    fn parses_decimal_point_and_comma() {
        assert_eq!(eur("1234.56").minor_units(), 123_456);
        assert_eq!(eur("1234,56").minor_units(), 123_456);
        assert_eq!(eur(" -12 ").minor_units(), -1_200);
        assert_eq!(eur("0.5").minor_units(), 50);
    }

    #[test]
    fn refuses_garbage_with_the_input_in_the_message() {
        assert_eq!(Money::parse("", Currency::EUR), Err(MoneyError::Empty));
        let err = Money::parse("12a", Currency::EUR).unwrap_err();
        assert_eq!(err, MoneyError::Malformed("12a".into()));
        assert!(matches!(
            Money::parse("1.2.3", Currency::EUR),
            Err(MoneyError::Malformed(_))
        ));
        assert!(matches!(
            Money::parse("-", Currency::EUR),
            Err(MoneyError::Malformed(_))
        ));
        assert_eq!(
            Money::parse("1.234", Currency::EUR),
            Err(MoneyError::TooPrecise("1.234".into()))
        );
        assert!(matches!(
            Money::parse("99999999999999999999", Currency::EUR),
            Err(MoneyError::TooLarge(_))
        ));
    }

    #[test]
    fn trailing_zeros_beyond_cents_are_not_precision() {
        assert_eq!(eur("1.2300").minor_units(), 123);
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse("eur").unwrap(), Currency::EUR);
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
    }

    #[test]
    fn adding_different_currencies_is_an_error() {
        let usd = Money::parse("1", Currency::parse("USD").unwrap()).unwrap();
        assert!(matches!(
            eur("1").checked_add(usd),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert_eq!(eur("1.10").checked_add(eur("2.25")).unwrap(), eur("3.35"));
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(eur("1234567.5").display(), "€ 1,234,567.50");
        assert_eq!(eur("-999.99").display(), "€ -999.99");
        assert_eq!(eur("0").display(), "€ 0.00");
        assert_eq!(eur("12345").display_short_in(Locale::En), "€ 12.3 k");
        assert_eq!(eur("2500000").display_short_in(Locale::En), "€ 2.5 M");
        assert_eq!(eur("640").display_short_in(Locale::En), "€ 640");
    }

    proptest! {
        #[test]
        fn minor_units_round_trip(minor in -1_000_000_000_000i64..1_000_000_000_000) {
            let m = Money::from_minor(minor, Currency::EUR);
            prop_assert_eq!(m.minor_units(), minor);
            prop_assert_eq!(Money::parse(&m.amount().to_string(), Currency::EUR).unwrap(), m);
        }

        #[test]
        fn sums_are_exact(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let sum = Money::from_minor(a, Currency::EUR)
                .checked_add(Money::from_minor(b, Currency::EUR))
                .unwrap();
            prop_assert_eq!(sum.minor_units(), a + b);
        }
    }
}
