//! A prospect: a customer without turnover yet, created by a rep (DESIGN.md), with an estimated
//! annual potential. Before it is saved, customers of the same name in the same town are
//! flagged: "Müller GmbH, Hamburg" and "Mueller GmbH & Co. KG" in Hamburg are one firm.

use super::turnover::Segment;
use super::{Currency, FieldError, Money};
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_CITY_CHARS: usize = 100;

/// The form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProspectInput {
    pub name: String,
    pub city: String,
    /// `price` or `relationship`.
    pub segment: String,
    /// Estimated annual potential in euros; empty when unknown.
    pub potential: String,
    /// The user saw the possible duplicates and saves anyway.
    pub confirmed: bool,
    /// How the person typing writes amounts ("1.234,56" in German); set by the server.
    #[serde(default)]
    pub locale: super::locale::Locale,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prospect {
    pub name: String,
    pub city: Option<String>,
    pub segment: Segment,
    pub potential_minor: Option<i64>,
}

impl ProspectInput {
    pub fn parse(&self) -> Result<Prospect, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.chars().count() < 2 {
            errors.push(FieldError::new("name", "give the company's name"));
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new("name", "at most 200 characters"));
        }
        let city = self.city.split_whitespace().collect::<Vec<_>>().join(" ");
        if city.chars().count() > MAX_CITY_CHARS {
            errors.push(FieldError::new("city", "at most 100 characters"));
        }
        let segment = match Segment::parse(&self.segment) {
            Ok(s) => Some(s),
            Err(_) => {
                errors.push(FieldError::new(
                    "segment",
                    "choose price client or relationship client",
                ));
                None
            }
        };
        let potential_minor = parse_potential_in(self.locale, &self.potential)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        match (errors.is_empty(), segment) {
            (true, Some(segment)) => Ok(Prospect {
                name,
                city: (!city.is_empty()).then_some(city),
                segment,
                potential_minor,
            }),
            _ => Err(errors),
        }
    }
}

/// The span a customer's purchases are counted over against its annual potential: the last
/// 12 months up to `today`, from this day on.
pub fn potential_since(today: chrono::NaiveDate) -> chrono::NaiveDate {
    today - chrono::Duration::days(365)
}

/// The potential not yet bought (never below zero): what a rep can still win there.
pub fn untapped(potential_minor: i64, bought_minor: i64) -> i64 {
    potential_minor.saturating_sub(bought_minor).max(0)
}

/// An estimated annual potential as typed, in euros ("120000", "€ 120 000,50"): its cents, or
/// `None` when left empty (unknown). Refused, on the field `potential`, when it is not an
/// amount or is negative.
pub fn parse_potential_in(
    locale: super::locale::Locale,
    text: &str,
) -> Result<Option<i64>, FieldError> {
    match text.trim() {
        "" => Ok(None),
        text => match Money::parse_in(text.trim_matches(['€', ' ']), Currency::EUR, locale) {
            Ok(m) if !m.amount().is_sign_negative() => Ok(Some(m.minor_units())),
            Ok(_) => Err(FieldError::new(
                "potential",
                "the potential cannot be negative",
            )),
            Err(e) => Err(FieldError::new(
                "potential",
                format!("the potential must be an amount in euros: {e}"),
            )),
        },
    }
}

/// Legal forms and filler that do not tell two firms apart.
const NOISE: [&str; 14] = [
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "ek",
    "e.k",
    "co",
    "mbh",
    "haftungsbeschränkt",
    "ltd",
    "inc",
    "und",
    "the",
];

/// A company name reduced to what tells firms apart: lower case, umlauts spelled out, legal
/// forms, "&", "+" and punctuation dropped.
pub fn name_key(name: &str) -> String {
    let lowered = name
        .to_lowercase()
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss");
    lowered
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .map(|w| w.trim_matches('.'))
        .filter(|w| !w.is_empty() && !NOISE.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest word of [`name_key`] (the most telling: "metallbau" of "A & B Metallbau"), for
/// the database to narrow the search.
pub fn telling_word(name: &str) -> Option<String> {
    name_key(name)
        .split(' ')
        .filter(|w| !w.is_empty())
        .max_by_key(|w| (w.chars().count(), std::cmp::Reverse(w.to_string())))
        .map(str::to_string)
}

/// Whether a stored customer (`name`, `city`) looks like the new prospect: the same name key,
/// in the same town (or either without a town).
pub fn looks_alike(prospect: &Prospect, name: &str, city: Option<&str>) -> bool {
    let same_town = match (&prospect.city, city) {
        (Some(a), Some(b)) => name_key(a) == name_key(b),
        _ => true,
    };
    same_town && name_key(&prospect.name) == name_key(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, city: &str) -> ProspectInput {
        ProspectInput {
            name: name.into(),
            city: city.into(),
            segment: "relationship".into(),
            potential: "120000".into(),
            confirmed: false,
            locale: Default::default(),
        }
    }

    #[test]
    fn the_same_firm_spelled_another_way_is_flagged() {
        let p = input("Müller GmbH", " Hamburg ").parse().unwrap();
        assert_eq!(p.city.as_deref(), Some("Hamburg"));
        assert_eq!(p.potential_minor, Some(12_000_000));
        assert!(looks_alike(&p, "Mueller GmbH & Co. KG", Some("hamburg")));
        assert!(looks_alike(&p, "MÜLLER", None));
        assert!(!looks_alike(&p, "Müller GmbH", Some("Bremen")));
        assert!(!looks_alike(&p, "Müller Bau GmbH", Some("Hamburg")));
        assert_eq!(
            telling_word("A & B Metallbau GmbH").as_deref(),
            Some("metallbau")
        );
        assert_eq!(telling_word("GmbH"), None);
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = ProspectInput {
            name: " x ".into(),
            segment: "vip".into(),
            potential: "12a".into(),
            ..ProspectInput::default()
        };
        let fields: Vec<_> = bad
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "segment", "potential"]);
        let negative = ProspectInput {
            potential: "-5".into(),
            ..input("Acme", "")
        };
        assert_eq!(negative.parse().unwrap_err()[0].field, "potential");
    }

    #[test]
    fn a_potential_is_euros_or_nothing() {
        assert_eq!(
            parse_potential_in(crate::domain::Locale::En, "  "),
            Ok(None)
        );
        assert_eq!(
            parse_potential_in(crate::domain::Locale::En, "120000"),
            Ok(Some(12_000_000))
        );
        assert_eq!(
            parse_potential_in(crate::domain::Locale::En, "€ 1 500,50"),
            Ok(Some(150_050))
        );
        assert_eq!(
            parse_potential_in(crate::domain::Locale::En, "0"),
            Ok(Some(0))
        );
        for bad in ["lots", "-5", "1.234,56", "12.345"] {
            let e = parse_potential_in(crate::domain::Locale::En, bad).unwrap_err();
            assert_eq!(e.field, "potential", "{bad}");
            assert!(e.message.contains("potential"), "{bad}: {}", e.message);
        }
    }
}
