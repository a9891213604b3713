//! Numbers in a metric's unit: shown the way a sales team reads them ("€ 1.2 M", "12,345",
//! "+12 %") and read the way people type them ("250k", "1,5 M").

use super::locale::Locale;
use super::metric::{Metric, MetricUnit};
use super::money::{Currency, Money};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Renders a target value in its metric's unit as `locale` writes it: "€ 1.2 M" /
/// "1,2 Mio. €", "12,345" / "12.345", "12.5 %" / "12,5 %".
pub fn format_value(
    locale: Locale,
    metric: Metric,
    value: Decimal,
    currency: Option<Currency>,
) -> String {
    match metric.unit() {
        MetricUnit::Currency => Money::new(value.round_dp(2), currency.unwrap_or(Currency::EUR))
            .map(|m| m.display_short_in(locale))
            .unwrap_or_else(|_| value.to_string()),
        MetricUnit::Count => locale.number(value, 0),
        MetricUnit::Percent => locale.percent(value, 1),
    }
}

/// The smallest step a metric's values move in: a cent, one, a tenth of a percent.
pub fn step(metric: Metric) -> Decimal {
    match metric.unit() {
        MetricUnit::Currency => Decimal::new(1, 2),
        MetricUnit::Count => Decimal::ONE,
        MetricUnit::Percent => Decimal::new(1, 1),
    }
}

/// `+12 %`, `-3 %`: a signed whole percentage.
pub fn signed_pct(pct: Decimal) -> String {
    let rounded = pct.round_dp(0).normalize();
    if rounded.is_sign_negative() && !rounded.is_zero() {
        format!("{rounded} %")
    } else {
        format!("+{} %", rounded.abs())
    }
}

/// Parses a number as a person of `locale` types it: spaces and `_` ignored, the locale's
/// grouping and decimal marks ("1.234,5" is 1234.5 in German), and `k` / `M` as thousands and
/// millions ("250k", "1,2 M").
pub fn parse_number_in(locale: Locale, text: &str) -> Result<Decimal, String> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .collect();
    // The suffix first: "1,25 M" is 1.25 million, and "1,500k" 1.5 million in English.
    let (digits, factor) = match compact.chars().last() {
        Some('k' | 'K') => (&compact[..compact.len() - 1], Decimal::from(1_000)),
        Some('m' | 'M') => (&compact[..compact.len() - 1], Decimal::from(1_000_000)),
        _ => (&compact[..], Decimal::ONE),
    };
    let canonical = locale.canonical_number(digits).replace(',', ".");
    let shape_ok = canonical.matches('.').count() <= 1
        && canonical
            .trim_start_matches(['-', '+'])
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
        && canonical.chars().any(|c| c.is_ascii_digit());
    if !shape_ok {
        return Err(format!(
            "\"{}\" is not a number (digits, an optional decimal point, k or M)",
            text.trim()
        ));
    }
    Decimal::from_str(&canonical)
        .ok()
        .and_then(|d| d.checked_mul(factor))
        .ok_or_else(|| format!("\"{}\" is too large", text.trim()))
}

/// "1 customer", "2 customers": a count with its noun.
pub fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular() {
        assert_eq!(plural(1, "customer", "customers"), "1 customer");
        assert_eq!(plural(0, "customer", "customers"), "0 customers");
        assert_eq!(plural(2, "person", "people"), "2 people");
    }

    #[test]
    fn numbers_as_people_type_them() {
        assert_eq!(
            parse_number_in(Locale::En, "250k").unwrap(),
            Decimal::from(250_000)
        );
        assert_eq!(
            parse_number_in(Locale::En, "1,5 M").unwrap(),
            Decimal::from(1_500_000)
        );
        assert_eq!(
            parse_number_in(Locale::En, "1 200 000").unwrap(),
            Decimal::from(1_200_000)
        );
        assert!(parse_number_in(Locale::En, "12x").is_err());
        assert_eq!(
            format_value(Locale::En, Metric::Visits, Decimal::from(12_345), None),
            "12,345"
        );
        assert_eq!(
            format_value(Locale::De, Metric::Visits, Decimal::from(12_345), None),
            "12.345"
        );
        assert_eq!(
            parse_number_in(Locale::De, "1.234,5").unwrap(),
            Decimal::new(12345, 1)
        );
        assert_eq!(
            parse_number_in(Locale::De, "250k").unwrap(),
            Decimal::from(250_000)
        );
        // The suffix is taken off before the grouping is read.
        for (locale, text, expected) in [
            (Locale::En, "1,25 M", 1_250_000),
            (Locale::En, "1,25k", 1_250),
            (Locale::En, "1,500k", 1_500_000),
            (Locale::En, "1.5 M", 1_500_000),
            (Locale::De, "1,25 M", 1_250_000),
            (Locale::De, "1.500k", 1_500_000),
            (Locale::De, "1.234.567", 1_234_567),
        ] {
            assert_eq!(
                parse_number_in(locale, text).unwrap(),
                Decimal::from(expected),
                "{locale:?} {text}"
            );
        }
    }
}
