//! How turnover figures read wherever they show: amounts, deviations, trend reasons.

use crate::domain::turnover::{Direction, Segment, Trend};
use crate::domain::{Currency, Money};
use crate::providers::locale::use_locale;
use rust_decimal::Decimal;

pub fn eur(minor: i64) -> String {
    Money::from_minor(minor, Currency::EUR).display_in(use_locale())
}

pub fn percent_text(pct: Option<Decimal>) -> String {
    let locale = use_locale();
    match pct {
        Some(p) if p > Decimal::ZERO => format!("+{}", locale.percent(p, 2)),
        Some(p) => locale.percent(p, 2),
        None => "—".into(),
    }
}

/// "buys 40 % more a month: € 2,800.00 over the last 3 months against € 2,000.00 before".
pub fn trend_text(t: &Trend) -> String {
    let (verb, pct) = match t.direction {
        Direction::Up => ("more", t.change_pct),
        Direction::Down => ("less", -t.change_pct),
    };
    format!(
        "buys {pct} % {verb} a month: {} a month over the last 3 months against {} in the 12 months before",
        eur(t.recent_per_month_minor),
        eur(t.base_per_month_minor)
    )
}

/// "Price client" / "Relationship client" for a stored segment.
pub fn segment_label(segment: &str) -> &'static str {
    Segment::parse(segment).map_or("—", Segment::label)
}
