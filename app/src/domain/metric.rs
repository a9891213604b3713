use serde::{Deserialize, Serialize};
use std::fmt;

/// What a target measures (DESIGN.md, "Metrics").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Sum of sales.
    Turnover,
    /// Value of opportunities won.
    Bookings,
    WonOpportunities,
    Visits,
    InitialContacts,
    /// Customers whose first sale falls in the period.
    NewCustomers,
    /// Turnover from customers with a sale before the period ÷ their number.
    TurnoverPerExistingCustomer,
    /// Active customers in the period vs the baseline period.
    CustomerGrowthPct,
}

/// The unit a metric's target value is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricUnit {
    Currency,
    Count,
    Percent,
}

/// How a metric's end-of-period value is foreseen (DESIGN.md, "Progress, pace, forecast").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMethod {
    /// Actual ÷ elapsed working days × working days in the period.
    RunRate,
    /// Won so far plus the open pipeline expected to close in the period.
    Pipeline,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric \"{0}\"")]
pub struct MetricError(pub String);

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::Turnover,
        Metric::Bookings,
        Metric::WonOpportunities,
        Metric::Visits,
        Metric::InitialContacts,
        Metric::NewCustomers,
        Metric::TurnoverPerExistingCustomer,
        Metric::CustomerGrowthPct,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Turnover => "turnover",
            Metric::Bookings => "bookings",
            Metric::WonOpportunities => "won_opportunities",
            Metric::Visits => "visits",
            Metric::InitialContacts => "initial_contacts",
            Metric::NewCustomers => "new_customers",
            Metric::TurnoverPerExistingCustomer => "turnover_per_existing_customer",
            Metric::CustomerGrowthPct => "customer_growth_pct",
        }
    }

    pub fn parse(s: &str) -> Result<Self, MetricError> {
        Metric::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| MetricError(s.to_string()))
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::Turnover => "Turnover",
            Metric::Bookings => "Bookings",
            Metric::WonOpportunities => "Won opportunities",
            Metric::Visits => "Visits",
            Metric::InitialContacts => "Initial contacts",
            Metric::NewCustomers => "New customers",
            Metric::TurnoverPerExistingCustomer => "Turnover per existing customer",
            Metric::CustomerGrowthPct => "Customer growth",
        }
    }

    pub fn unit(self) -> MetricUnit {
        match self {
            Metric::Turnover | Metric::Bookings | Metric::TurnoverPerExistingCustomer => {
                MetricUnit::Currency
            }
            Metric::WonOpportunities
            | Metric::Visits
            | Metric::InitialContacts
            | Metric::NewCustomers => MetricUnit::Count,
            Metric::CustomerGrowthPct => MetricUnit::Percent,
        }
    }

    /// Growth metrics are measured against a baseline, which a target must then state.
    pub fn needs_baseline(self) -> bool {
        matches!(self, Metric::CustomerGrowthPct)
    }

    pub fn forecast_method(self) -> ForecastMethod {
        match self {
            Metric::Bookings | Metric::WonOpportunities => ForecastMethod::Pipeline,
            _ => ForecastMethod::RunRate,
        }
    }

    /// Whether a target on this metric may count one client type only (price or relationship
    /// clients): the metrics summed from customers' sales.
    pub fn splits_by_client_type(self) -> bool {
        matches!(self, Metric::Turnover | Metric::TurnoverPerExistingCustomer)
    }

    /// Whether children's values add up to the parent's: sums do, ratios and percentages don't.
    pub fn is_additive(self) -> bool {
        !matches!(
            self,
            Metric::TurnoverPerExistingCustomer | Metric::CustomerGrowthPct
        )
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_round_trips_and_has_a_unit() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.as_str()).unwrap(), m);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.as_str()));
        }
    }

    #[test]
    fn money_metrics_are_currency_and_growth_needs_a_baseline() {
        assert_eq!(Metric::Turnover.unit(), MetricUnit::Currency);
        assert_eq!(Metric::Visits.unit(), MetricUnit::Count);
        assert!(Metric::CustomerGrowthPct.needs_baseline());
        assert!(!Metric::Turnover.needs_baseline());
        assert_eq!(Metric::Bookings.forecast_method(), ForecastMethod::Pipeline);
        assert_eq!(Metric::Visits.forecast_method(), ForecastMethod::RunRate);
    }

    #[test]
    fn unknown_metric_names_itself() {
        assert_eq!(
            Metric::parse("revenue").unwrap_err().to_string(),
            "unknown metric \"revenue\""
        );
    }
}
