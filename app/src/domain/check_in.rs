//! Check-ins at customer visits (issue 7): where the phone was, how far from the customer, and
//! whether that verifies the visit (DESIGN.md: `verified` within the customer's radius,
//! `outside` with the distance, `unverified` without a location).

use crate::domain::locale::Locale;
use crate::domain::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The radius a visit is verified within when the customer has none of its own.
pub const DEFAULT_RADIUS_M: f64 = 300.0;

/// A customer's check-in radius as a manager types it: whole metres from 10 to 10 000, or
/// empty for the default.
pub fn parse_radius(text: &str) -> Result<Option<i32>, FieldError> {
    match text.trim() {
        "" => Ok(None),
        text => match text.parse::<i32>() {
            Ok(m) if (10..=10_000).contains(&m) => Ok(Some(m)),
            _ => Err(FieldError::new(
                "radius",
                "a radius is a whole number of metres from 10 to 10 000, or empty for 300 m",
            )),
        },
    }
}
/// Coarser fixes than this are not a location worth checking (a phone without GPS reports
/// tens of kilometres).
pub const MAX_ACCURACY_M: f64 = 10_000.0;
/// How far a device's clock may run ahead of the server's before the check-in is refused.
pub const MAX_CLOCK_AHEAD_MIN: i64 = 10;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two (latitude, longitude) points in degrees.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = libm::sin((lat2 - lat1) / 2.0).powi(2)
        + libm::cos(lat1) * libm::cos(lat2) * libm::sin((lon2 - lon1) / 2.0).powi(2);
    2.0 * EARTH_RADIUS_M * libm::asin(libm::sqrt(h.min(1.0)))
}

/// A position the browser reported.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
    /// The browser's accuracy radius, metres.
    pub accuracy_m: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Verification {
    Verified { distance_m: f64 },
    Outside { distance_m: f64 },
    Unverified { reason: String },
}

impl Verification {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verification::Verified { .. } => "verified",
            Verification::Outside { .. } => "outside",
            Verification::Unverified { .. } => "unverified",
        }
    }

    /// How it is stored: the distance (verified, outside) or the reason (unverified).
    pub fn columns(&self) -> (Option<f64>, Option<&str>) {
        match self {
            Verification::Verified { distance_m } | Verification::Outside { distance_m } => {
                (Some(*distance_m), None)
            }
            Verification::Unverified { reason } => (None, Some(reason)),
        }
    }

    /// What the rep and their manager read, numbers written as `locale` writes them.
    pub fn explain_in(&self, locale: Locale) -> String {
        match self {
            Verification::Verified { distance_m } => format!(
                "Verified: {} from the customer.",
                distance_text_in(locale, *distance_m)
            ),
            Verification::Outside { distance_m } => format!(
                "Outside the customer's radius: {} away.",
                distance_text_in(locale, *distance_m)
            ),
            Verification::Unverified { reason } => format!("Unverified: {reason}."),
        }
    }

    /// `position`: where the phone was (`None`: denied or unavailable, with `why`);
    /// `customer`: where the customer is, if known; `radius_m`: the customer's radius.
    pub fn of(
        position: Option<Position>,
        why: Option<&str>,
        customer: Option<(f64, f64)>,
        radius_m: f64,
    ) -> Verification {
        let Some(p) = position else {
            return Verification::Unverified {
                reason: why
                    .filter(|w| !w.trim().is_empty())
                    .unwrap_or("no location from the phone")
                    .to_string(),
            };
        };
        let Some(c) = customer else {
            return Verification::Unverified {
                reason: "the customer has no location on record".into(),
            };
        };
        let distance_m = haversine_m((p.lat, p.lon), c);
        if distance_m <= radius_m {
            Verification::Verified { distance_m }
        } else {
            Verification::Outside { distance_m }
        }
    }
}

/// "850 m", "12.4 km" / "12,4 km".
pub fn distance_text_in(locale: Locale, m: f64) -> String {
    let decimal = |x: f64, places: u32| {
        rust_decimal::Decimal::from_f64_retain(x)
            .map(|d| locale.fixed(d, places))
            .unwrap_or_else(|| format!("{x:.0}"))
    };
    if m < 1_000.0 {
        format!("{} m", decimal(m, 0))
    } else {
        format!("{} km", decimal(m / 1_000.0, 1))
    }
}

/// Where a customer is, as a list shows it under the name: its town and how far it is, each
/// when known ("Köln · 2.3 km", "Köln", "2.3 km", "").
pub fn place_text_in(locale: Locale, town: Option<&str>, distance_m: Option<f64>) -> String {
    let town = town
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    [town, distance_m.map(|m| distance_text_in(locale, m))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A position as sent, checked: coordinates in range, accuracy sensible.
pub fn check_position(lat: f64, lon: f64, accuracy_m: f64) -> Result<Position, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !lat.is_finite() || lat.abs() > 90.0 {
        errors.push(FieldError::new(
            "lat",
            format!("{lat} is not a latitude (−90 to 90)"),
        ));
    }
    if !lon.is_finite() || lon.abs() > 180.0 {
        errors.push(FieldError::new(
            "lon",
            format!("{lon} is not a longitude (−180 to 180)"),
        ));
    }
    if !accuracy_m.is_finite() || accuracy_m <= 0.0 || accuracy_m > MAX_ACCURACY_M {
        errors.push(FieldError::new(
            "accuracy",
            format!("an accuracy of {accuracy_m} m is not a usable location (0 to 10 000 m)"),
        ));
    }
    if errors.is_empty() {
        Ok(Position {
            lat,
            lon,
            accuracy_m,
        })
    } else {
        Err(errors)
    }
}

/// How long a check-in may wait on a phone before the server refuses it: a visit from longer
/// ago would land in a period whose targets may already be closed.
pub const MAX_QUEUED_DAYS: i64 = 31;

/// The device's clock may not run ahead of the server's by more than a few minutes: a
/// check-in cannot come from the future. Behind is fine (it may have waited offline), up to
/// `MAX_QUEUED_DAYS`.
pub fn check_device_time(device: DateTime<Utc>, received: DateTime<Utc>) -> Result<(), FieldError> {
    if device > received + Duration::minutes(MAX_CLOCK_AHEAD_MIN) {
        Err(FieldError::new(
            "device_time",
            "the phone's clock is ahead of the server's: set its time automatically and try again",
        ))
    } else if device < received - Duration::days(MAX_QUEUED_DAYS) {
        Err(FieldError::new(
            "device_time",
            format!(
                "this check-in is more than {MAX_QUEUED_DAYS} days old; ask your manager to record the visit"
            ),
        ))
    } else {
        Ok(())
    }
}

/// How a visit ended, as the rep records it at check-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    OrderTaken,
    FollowUp,
    NoDecision,
    NotMet,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::OrderTaken,
        Outcome::FollowUp,
        Outcome::NoDecision,
        Outcome::NotMet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::OrderTaken => "order_taken",
            Outcome::FollowUp => "follow_up",
            Outcome::NoDecision => "no_decision",
            Outcome::NotMet => "not_met",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::OrderTaken => "Order taken",
            Outcome::FollowUp => "Follow-up needed",
            Outcome::NoDecision => "No decision",
            Outcome::NotMet => "Not met",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// A position as the phone reported it, before it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RawPosition {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

/// A check-in as the phone keeps it in its queue and sends it until the server has it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInInput {
    /// Made by the phone when the rep taps "Check in"; the same id sent again is the same
    /// check-in.
    pub client_id: String,
    pub customer_id: i64,
    /// When the rep checked in, by the phone's clock.
    pub device_time: DateTime<Utc>,
    /// Where the phone was; `None` when it had no location, with `location_error` saying why.
    pub position: Option<RawPosition>,
    pub location_error: Option<String>,
}

/// The end of a visit: when, how it went, notes and the next step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckOutInput {
    pub client_id: String,
    pub device_time: DateTime<Utc>,
    pub outcome: Option<Outcome>,
    pub notes: String,
    pub next_step: String,
}

pub const MAX_NOTES_CHARS: usize = 2_000;
pub const MAX_NEXT_STEP_CHARS: usize = 500;
const MAX_REASON_CHARS: usize = 200;

/// A client id: 8 to 64 letters, digits and dashes (a UUID fits).
pub fn check_client_id(id: &str) -> Result<(), FieldError> {
    let ok =
        (8..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "client_id",
            "a check-in id is 8 to 64 letters, digits or dashes",
        ))
    }
}

/// A check-in checked against the server's clock: its position (if any) in range, the
/// reason for a missing one kept short.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedCheckIn {
    pub position: Option<Position>,
    pub location_error: Option<String>,
}

impl CheckInInput {
    pub fn check(&self, received: DateTime<Utc>) -> Result<CheckedCheckIn, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = check_client_id(&self.client_id) {
            errors.push(e);
        }
        if self.customer_id <= 0 {
            errors.push(FieldError::new(
                "customer",
                "choose the customer you are visiting",
            ));
        }
        if let Err(e) = check_device_time(self.device_time, received) {
            errors.push(e);
        }
        let position = match self.position {
            Some(p) => match check_position(p.lat, p.lon, p.accuracy_m) {
                Ok(p) => Some(p),
                Err(mut e) => {
                    errors.append(&mut e);
                    None
                }
            },
            None => None,
        };
        if errors.is_empty() {
            let location_error = self
                .location_error
                .as_deref()
                .map(|r| r.trim().chars().take(MAX_REASON_CHARS).collect::<String>())
                .filter(|r| !r.is_empty());
            Ok(CheckedCheckIn {
                position,
                location_error,
            })
        } else {
            Err(errors)
        }
    }
}

impl CheckOutInput {
    /// `checked_in`: when the visit began (the check-in's device time).
    pub fn check(
        &self,
        checked_in: DateTime<Utc>,
        received: DateTime<Utc>,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = check_client_id(&self.client_id) {
            errors.push(e);
        }
        if let Err(e) = check_device_time(self.device_time, received) {
            errors.push(e);
        } else if self.device_time < checked_in {
            errors.push(FieldError::new(
                "device_time",
                "the check-out is before the check-in: check the phone's clock",
            ));
        }
        if self.notes.chars().count() > MAX_NOTES_CHARS {
            errors.push(FieldError::new(
                "notes",
                "keep the notes under 2 000 characters",
            ));
        }
        if self.next_step.chars().count() > MAX_NEXT_STEP_CHARS {
            errors.push(FieldError::new(
                "next_step",
                "keep the next step under 500 characters",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// "45 min", "1 h 20 min".
pub fn duration_text(minutes: i64) -> String {
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes % 60 == 0 {
        format!("{} h", minutes / 60)
    } else {
        format!("{} h {} min", minutes / 60, minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_shows_what_is_known_and_no_stray_separator() {
        assert_eq!(
            place_text_in(Locale::En, Some("Köln"), Some(2_300.0)),
            "Köln · 2.3 km"
        );
        assert_eq!(place_text_in(Locale::En, None, Some(104_400.0)), "104.4 km");
        assert_eq!(place_text_in(Locale::En, Some(" "), Some(800.0)), "800 m");
        assert_eq!(place_text_in(Locale::En, Some("Köln"), None), "Köln");
        assert_eq!(place_text_in(Locale::En, None, None), "");
    }

    #[test]
    fn distances_on_known_coordinates() {
        // One degree along the equator: π/180 × R.
        let d = haversine_m((0.0, 0.0), (0.0, 1.0));
        assert!((d - 111_195.08).abs() < 0.01, "{d}");
        // Hamburg Rathaus – Berlin Brandenburger Tor: about 254 km as the crow flies.
        let d = haversine_m((53.5503, 9.9920), (52.5163, 13.3777));
        assert!((253_000.0..255_000.0).contains(&d), "{d}");
        // One thousandth of a degree of latitude: about 111 m.
        let d = haversine_m((50.0, 8.0), (50.001, 8.0));
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert_eq!(haversine_m((10.0, 20.0), (10.0, 20.0)), 0.0);
        // Antipodes: half the circumference.
        let d = haversine_m((0.0, 0.0), (0.0, 180.0));
        assert!((d - std::f64::consts::PI * EARTH_RADIUS_M).abs() < 1.0);
    }

    #[test]
    fn verified_outside_and_unverified() {
        let customer = Some((53.5503, 9.9920));
        let near = Position {
            lat: 53.5510,
            lon: 9.9925,
            accuracy_m: 15.0,
        };
        let far = Position {
            lat: 53.5600,
            lon: 9.9920,
            accuracy_m: 15.0,
        };
        let v = Verification::of(Some(near), None, customer, DEFAULT_RADIUS_M);
        assert_eq!(v.as_str(), "verified");
        let v = Verification::of(Some(far), None, customer, DEFAULT_RADIUS_M);
        assert_eq!(v.as_str(), "outside");
        assert!(
            v.explain_in(Locale::En).contains("1.1 km"),
            "{}",
            v.explain_in(Locale::En)
        );
        let v = Verification::of(None, Some("location permission denied"), customer, 300.0);
        assert_eq!(
            v.explain_in(Locale::En),
            "Unverified: location permission denied."
        );
        let v = Verification::of(Some(near), None, None, 300.0);
        assert!(v.explain_in(Locale::En).contains("no location on record"));
    }

    #[test]
    fn bad_positions_and_clocks_name_their_field() {
        let fields = |r: Result<Position, Vec<FieldError>>| {
            r.unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(check_position(91.0, 0.0, 10.0)), ["lat"]);
        assert_eq!(fields(check_position(0.0, -181.0, 10.0)), ["lon"]);
        assert_eq!(fields(check_position(0.0, 0.0, 50_000.0)), ["accuracy"]);
        assert_eq!(
            fields(check_position(f64::NAN, 0.0, 0.0)),
            ["lat", "accuracy"]
        );
        assert!(check_position(53.5, 10.0, 25.0).is_ok());
        let now = Utc::now();
        assert!(check_device_time(now + Duration::minutes(5), now).is_ok());
        assert!(check_device_time(now - Duration::days(3), now).is_ok());
        assert_eq!(
            check_device_time(now + Duration::hours(2), now)
                .unwrap_err()
                .field,
            "device_time"
        );
    }

    #[test]
    fn check_ins_and_check_outs_are_checked_by_field() {
        let now = Utc::now();
        let input = CheckInInput {
            client_id: "0f8c2a4e-6b1d-4c3e-9a7f-2d5e8b1c4a90".into(),
            customer_id: 7,
            device_time: now - Duration::hours(3),
            position: Some(RawPosition {
                lat: 53.55,
                lon: 9.99,
                accuracy_m: 12.0,
            }),
            location_error: None,
        };
        assert!(input.check(now).unwrap().position.is_some());
        let fields = |input: &CheckInInput| {
            input
                .check(now)
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        let bad = CheckInInput {
            client_id: "x y".into(),
            customer_id: 0,
            device_time: now - Duration::days(40),
            position: Some(RawPosition {
                lat: 12.0,
                lon: 200.0,
                accuracy_m: 1e9,
            }),
            ..input.clone()
        };
        assert_eq!(
            fields(&bad),
            ["client_id", "customer", "device_time", "lon", "accuracy"]
        );
        let denied = CheckInInput {
            position: None,
            location_error: Some(format!("  {}  ", "denied ".repeat(100))),
            ..input.clone()
        };
        let checked = denied.check(now).unwrap();
        assert_eq!(checked.position, None);
        assert_eq!(checked.location_error.unwrap().chars().count(), 200);

        let out = CheckOutInput {
            client_id: input.client_id.clone(),
            device_time: now - Duration::hours(2),
            outcome: Some(Outcome::FollowUp),
            notes: "Wants a quote for 40 pallets.".into(),
            next_step: "Send the quote by Friday.".into(),
        };
        assert!(out.check(input.device_time, now).is_ok());
        let early = CheckOutInput {
            device_time: now - Duration::hours(4),
            notes: "n".repeat(2_001),
            ..out.clone()
        };
        let fields: Vec<_> = early
            .check(input.device_time, now)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["device_time", "notes"]);
        assert_eq!(Outcome::parse("not_met"), Some(Outcome::NotMet));
        assert_eq!(Outcome::parse("won"), None);
        assert_eq!(duration_text(45), "45 min");
        assert_eq!(duration_text(80), "1 h 20 min");
        assert_eq!(duration_text(120), "2 h");
    }
}
