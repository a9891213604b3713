//! How a user reads numbers, money and dates: English ("€ 1,234.56", "31 Mar 2026") or German
//! ("1.234,56 €", "31.03.2026"). Each user picks theirs; every number, amount and date Pacer
//! shows them, mails them or exports for them goes through one of these functions.
//!
//! Written by hand rather than with an ICU crate: two locales, a handful of patterns, and the
//! same code must give the same characters on the server and in the browser (hydration), where
//! ICU data would add hundreds of kilobytes to the wasm.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    De,
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::De];

    /// The code stored with the user and sent in the page's `lang` ("en", "de").
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
        }
    }

    /// "en", "de", "de-DE", "DE": anything else is not a locale Pacer has.
    pub fn parse(code: &str) -> Option<Locale> {
        let lang = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match lang.as_str() {
            "en" => Some(Locale::En),
            "de" => Some(Locale::De),
            _ => None,
        }
    }

    /// The choice as the settings list it, in its own language.
    pub fn label(self) -> &'static str {
        match self {
            Locale::En => "English (€ 1,234.56 · 31 Mar 2026)",
            Locale::De => "Deutsch (1.234,56 € · 31.03.2026)",
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Locale::En => (',', '.'),
            Locale::De => ('.', ','),
        }
    }

    /// A number with its thousands grouped and at most `places` decimals, trailing zeros
    /// dropped: "1,234.5" / "1.234,5".
    pub fn number(self, value: Decimal, places: u32) -> String {
        self.digits(value.round_dp(places).normalize(), None)
    }

    /// A number with exactly `places` decimals: "1,234.50" / "1.234,50".
    pub fn fixed(self, value: Decimal, places: u32) -> String {
        self.digits(value.round_dp(places), Some(places))
    }

    /// A number as a form field holds it for editing: no grouping, the locale's decimal mark,
    /// trailing zeros dropped ("1234.5" / "1234,5").
    pub fn plain(self, value: Decimal) -> String {
        let text = value.normalize().to_string();
        match self {
            Locale::En => text,
            Locale::De => text.replace('.', ","),
        }
    }

    /// A whole count: "12,345" / "12.345".
    pub fn count(self, n: i64) -> String {
        self.digits(Decimal::from(n), Some(0))
    }

    fn digits(self, value: Decimal, places: Option<u32>) -> String {
        let (group, point) = self.separators();
        let text = match places {
            Some(p) => format!("{:.*}", p as usize, value.abs()),
            None => value.abs().to_string(),
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
        if value.is_sign_negative() && !value.is_zero() {
            out.push('-');
        }
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(ch);
        }
        if !fraction.is_empty() {
            out.push(point);
            out.push_str(fraction);
        }
        out
    }

    /// A percentage with at most `places` decimals: "12.5 %" / "12,5 %".
    pub fn percent(self, value: Decimal, places: u32) -> String {
        format!("{} %", self.number(value, places))
    }

    /// An amount of money with its symbol where readers of the locale expect it:
    /// "€ 1,234.56" / "1.234,56 €".
    pub fn amount(self, symbol: &str, value: Decimal) -> String {
        let digits = self.fixed(value, 2);
        match self {
            Locale::En => format!("{symbol} {digits}"),
            Locale::De => format!("{digits} {symbol}"),
        }
    }

    /// A short amount for dense places such as board columns: "€ 12.3 k" / "12,3 Tsd. €",
    /// "€ 1.2 M" / "1,2 Mio. €".
    pub fn amount_short(self, symbol: &str, value: Decimal) -> String {
        let abs = value.abs();
        let sign = if value.is_sign_negative() && !value.is_zero() {
            "-"
        } else {
            ""
        };
        let (scaled, suffix) = if abs >= Decimal::from(1_000_000) {
            (abs / Decimal::from(1_000_000), self.millions())
        } else if abs >= Decimal::from(1_000) {
            (abs / Decimal::from(1_000), self.thousands())
        } else {
            (abs, "")
        };
        let places = if suffix.is_empty() { 0 } else { 1 };
        let digits = format!("{sign}{}{suffix}", self.number(scaled, places));
        match self {
            Locale::En => format!("{symbol} {digits}"),
            Locale::De => format!("{digits} {symbol}"),
        }
    }

    fn thousands(self) -> &'static str {
        match self {
            Locale::En => " k",
            Locale::De => " Tsd.",
        }
    }

    fn millions(self) -> &'static str {
        match self {
            Locale::En => " M",
            Locale::De => " Mio.",
        }
    }

    /// A day: "01 Jul 2026" / "01.07.2026".
    pub fn date(self, day: NaiveDate) -> String {
        match self {
            Locale::En => format!(
                "{:02} {} {}",
                day.day(),
                MONTHS_EN[day.month0() as usize],
                day.year()
            ),
            Locale::De => format!("{:02}.{:02}.{}", day.day(), day.month(), day.year()),
        }
    }

    /// A day of this year, short: "31 Mar" / "31.03.".
    pub fn day_month(self, day: NaiveDate) -> String {
        match self {
            Locale::En => format!("{:02} {}", day.day(), MONTHS_EN[day.month0() as usize]),
            Locale::De => format!("{:02}.{:02}.", day.day(), day.month()),
        }
    }

    /// A month: "Mar 2026" / "03.2026".
    pub fn month(self, day: NaiveDate) -> String {
        match self {
            Locale::En => format!("{} {}", MONTHS_EN[day.month0() as usize], day.year()),
            Locale::De => format!("{:02}.{}", day.month(), day.year()),
        }
    }

    /// A day and a time of day (UTC as stored): "01 Jul 2026 14:05" / "01.07.2026 14:05".
    pub fn date_time(self, at: chrono::DateTime<chrono::Utc>) -> String {
        use chrono::Timelike;
        format!(
            "{} {:02}:{:02}",
            self.date(at.date_naive()),
            at.hour(),
            at.minute()
        )
    }

    /// How a date field asks to be filled in: "31 Mar 2026 or 2026-03-31" / "TT.MM.JJJJ".
    pub fn date_hint(self) -> &'static str {
        match self {
            Locale::En => "e.g. 31 Mar 2026",
            Locale::De => "TT.MM.JJJJ",
        }
    }

    /// Reads a day as a user of the locale types it. ISO ("2026-03-31") is read in every locale;
    /// English also reads "31 Mar 2026" and "31 March 2026" (not "03/04/2026": which is the
    /// day depends on the reader); German "31.03.2026", "31.3.26" and "31.3.2026". Empty or
    /// unreadable: `None`.
    pub fn parse_date(self, text: &str) -> Option<NaiveDate> {
        let text = text.trim();
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(day);
        }
        let numeric = |sep: char| -> Option<NaiveDate> {
            let mut parts = text.split(sep).map(str::trim);
            let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some()
                || ![d, m, y]
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            {
                return None;
            }
            let year: i32 = match y.len() {
                2 => 2000 + y.parse::<i32>().ok()?,
                4 => y.parse().ok()?,
                _ => return None,
            };
            NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)
        };
        match self {
            Locale::De => numeric('.'),
            // Not 03/04/2026: day or month first depends on the reader.
            Locale::En => (|| {
                let mut words = text.split_whitespace();
                let (d, m, y) = (words.next()?, words.next()?, words.next()?);
                if words.next().is_some() || y.len() != 4 {
                    return None;
                }
                // "Mar", "march": the first three letters name the month.
                let m = m.chars().take(3).collect::<String>().to_ascii_lowercase();
                let month = MONTHS_EN
                    .iter()
                    .position(|name| name.to_ascii_lowercase() == m)?;
                NaiveDate::from_ymd_opt(y.parse().ok()?, month as u32 + 1, d.parse().ok()?)
            })(),
        }
    }

    /// Reads an amount or count as a user of the locale types it: the locale's decimal mark,
    /// its grouping mark anywhere in the whole part, spaces ignored. "1.234,56" in German is
    /// 1234.56; "1,234.56" in English. A lone "," in English ("12,5") is read as a decimal
    /// comma too, since nobody groups three digits after one. Returns the canonical form
    /// ("1234.56") for the strict parsers, or the text unchanged when it is not a number.
    pub fn canonical_number(self, text: &str) -> String {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let (group, point) = self.separators();
        let groups_ok = |s: &str| {
            let whole = s.split(point).next().unwrap_or("");
            let mut parts = whole.trim_start_matches(['-', '+']).split(group);
            let first = parts.next().unwrap_or("");
            !first.is_empty() && first.len() <= 3 && parts.all(|p| p.len() == 3)
        };
        let points = compact.matches(point).count();
        let groups = compact.matches(group).count();
        if groups > 0 && points <= 1 && groups_ok(&compact) {
            let whole_end = compact.find(point).unwrap_or(compact.len());
            if compact[..whole_end].contains(group) {
                return compact.replace(group, "").replace(point, ".");
            }
        }
        if points == 1 && groups == 0 {
            return compact.replace(point, ".");
        }
        // English readers also type a decimal comma ("12,5"): one comma, not three digits after.
        if self == Locale::En && groups == 1 && points == 0 {
            let after = compact.rsplit(',').next().unwrap_or("");
            if after.len() != 3 {
                return compact.replace(',', ".");
            }
            return compact.replace(',', "");
        }
        compact
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn money_numbers_and_dates_in_both_locales() {
        assert_eq!(Locale::En.amount("€", d("1234.56")), "€ 1,234.56");
        assert_eq!(Locale::De.amount("€", d("1234.56")), "1.234,56 €");
        assert_eq!(Locale::De.amount("€", d("-1234567.5")), "-1.234.567,50 €");
        assert_eq!(Locale::En.amount_short("€", d("12345")), "€ 12.3 k");
        assert_eq!(Locale::De.amount_short("€", d("1260000")), "1,3 Mio. €");
        assert_eq!(Locale::De.amount_short("€", d("950")), "950 €");
        assert_eq!(Locale::En.count(12345), "12,345");
        assert_eq!(Locale::De.count(12345), "12.345");
        assert_eq!(Locale::De.percent(d("12.5"), 1), "12,5 %");
        assert_eq!(Locale::En.number(d("0.26"), 1), "0.3");
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(Locale::En.date(day), "31 Mar 2026");
        assert_eq!(Locale::De.date(day), "31.03.2026");
    }

    #[test]
    fn dates_read_as_each_locale_writes_them() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        for text in [
            "31.03.2026",
            "31.3.2026",
            "31.3.26",
            "2026-03-31",
            " 31.03.2026 ",
        ] {
            assert_eq!(Locale::De.parse_date(text), Some(day), "{text}");
        }
        for text in ["31 Mar 2026", "31 march 2026", "2026-03-31"] {
            assert_eq!(Locale::En.parse_date(text), Some(day), "{text}");
        }
        for text in [
            "",
            "31.13.2026",
            "32.01.2026",
            "03/31/2026",
            "31/03/2026",
            "31 Foo 2026",
            "31.03",
        ] {
            assert_eq!(
                Locale::De.parse_date(text).or(Locale::En.parse_date(text)),
                None,
                "{text}"
            );
        }
        // Every day written by a locale reads back to itself.
        for offset in (0..800).step_by(7) {
            let day = day + chrono::Days::new(offset);
            for l in Locale::ALL {
                assert_eq!(l.parse_date(&l.date(day)), Some(day));
            }
        }
    }

    #[test]
    fn numbers_read_as_each_locale_writes_them() {
        assert_eq!(Locale::De.canonical_number("1.234,56"), "1234.56");
        assert_eq!(Locale::De.canonical_number("1.234.567"), "1234567");
        assert_eq!(Locale::De.canonical_number("12,5"), "12.5");
        assert_eq!(Locale::De.canonical_number("250k"), "250k");
        assert_eq!(Locale::En.canonical_number("1,234.56"), "1234.56");
        assert_eq!(Locale::En.canonical_number("1,234"), "1234");
        assert_eq!(Locale::En.canonical_number("12,5"), "12.5");
        assert_eq!(Locale::En.canonical_number("12.345"), "12.345");
        assert_eq!(Locale::En.canonical_number("1 200 000"), "1200000");
        for l in Locale::ALL {
            assert_eq!(
                l.canonical_number(&l.fixed(d("1234567.89"), 2)),
                "1234567.89"
            );
        }
        assert_eq!(Locale::parse("de-DE"), Some(Locale::De));
        assert_eq!(Locale::parse("fr"), None);
    }
}
