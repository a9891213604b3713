//! Check-ins at customer visits (issue 7): where the phone was, how far from the customer, and
//! whether that verifies the visit (DESIGN.md: `verified` within the customer's radius,
//! `outside` with the distance, `unverified` without a location).

use crate::domain::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The radius a visit is verified within when the customer has none of its own.
pub const DEFAULT_RADIUS_M: f64 = 300.0;
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

    /// What the rep and their manager read.
    pub fn explain(&self) -> String {
        match self {
            Verification::Verified { distance_m } => {
                format!("Verified: {:.0} m from the customer.", distance_m)
            }
            Verification::Outside { distance_m } => format!(
                "Outside the customer's radius: {} away.",
                distance_text(*distance_m)
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

/// "850 m", "12.4 km".
pub fn distance_text(m: f64) -> String {
    if m < 1_000.0 {
        format!("{m:.0} m")
    } else {
        format!("{:.1} km", m / 1_000.0)
    }
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

/// The device's clock may not run ahead of the server's by more than a few minutes: a
/// check-in cannot come from the future. (Behind is fine: it may have waited offline.)
pub fn check_device_time(device: DateTime<Utc>, received: DateTime<Utc>) -> Result<(), FieldError> {
    if device > received + Duration::minutes(MAX_CLOCK_AHEAD_MIN) {
        Err(FieldError::new(
            "device_time",
            "the phone's clock is ahead of the server's: set its time automatically and try again",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(v.explain().contains("1.1 km"), "{}", v.explain());
        let v = Verification::of(None, Some("location permission denied"), customer, 300.0);
        assert_eq!(v.explain(), "Unverified: location permission denied.");
        let v = Verification::of(Some(near), None, None, 300.0);
        assert!(v.explain().contains("no location on record"));
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
}
