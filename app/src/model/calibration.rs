//! What the forecast learned, as the settings page shows it to managers and admins.

use crate::domain::calibration::{Calibration, Situation, HORIZONS, PRIOR_DEALS};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalibrationReport {
    pub as_of: NaiveDate,
    /// Opportunities in the history it learned from.
    pub deals: u32,
    pub stages: Vec<StageReport>,
    /// How far a whole period's open business typically moves together, ± percent (one
    /// standard deviation of the shared factor)…
    pub shared_percent: u32,
    /// …and the business still to come.
    pub new_shared_percent: u32,
    /// Deals a person wins in a quarter that were not in the pipeline (or not due) at its
    /// start, in tenths.
    pub new_per_person_quarter_tenths: u32,
    /// What the configured probability is worth, in deals.
    pub prior_deals: u32,
}

/// One open stage: configured against learned, in percent, and the evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageReport {
    pub name: String,
    pub configured: u8,
    /// Won within a month / a quarter, when on time and moving.
    pub month: u8,
    pub quarter: u8,
    /// Won within a quarter when overdue, when idle.
    pub overdue_quarter: u8,
    pub idle_quarter: u8,
    pub idle_after_days: i64,
    /// Deals that reached the stage and were later won / lost.
    pub reached_won: u32,
    pub reached_lost: u32,
}

impl From<&Calibration> for CalibrationReport {
    fn from(c: &Calibration) -> Self {
        let percent = |stage_id: i64, overdue: bool, idle_days: i64, days: i64| {
            let situation = Situation {
                stage_id,
                days_in_stage: idle_days,
                days_overdue: if overdue { 1 } else { -1 },
            };
            c.percent(situation, days).unwrap_or(0)
        };
        let swing = |sd: f64| ((libm::exp(sd) - 1.0) * 100.0).round().max(0.0) as u32;
        let quarter = HORIZONS.iter().position(|&h| h == 91).unwrap_or(0);
        let per_quarter = c.new_per_owner.get(quarter).copied().unwrap_or(0.0);
        CalibrationReport {
            as_of: c.as_of,
            deals: c.deals,
            stages: c
                .stages
                .iter()
                .zip(&c.chances.stages)
                .map(|(s, chances)| StageReport {
                    name: s.name.clone(),
                    configured: s.configured,
                    month: percent(s.stage_id, false, 0, 30),
                    quarter: percent(s.stage_id, false, 0, 91),
                    overdue_quarter: percent(s.stage_id, true, 0, 91),
                    idle_quarter: percent(s.stage_id, false, chances.idle_after_days + 1, 91),
                    idle_after_days: chances.idle_after_days,
                    reached_won: s.reached_won,
                    reached_lost: s.reached_lost,
                })
                .collect(),
            shared_percent: swing(c.shared_sd),
            new_shared_percent: swing(c.new_sd),
            new_per_person_quarter_tenths: (per_quarter * 10.0).round().max(0.0) as u32,
            prior_deals: PRIOR_DEALS as u32,
        }
    }
}
