//! The company's calendar and defaults as the settings page shows and saves them.

use crate::domain::calendar::Calendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A public holiday.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub day: NaiveDate,
    pub name: String,
}

/// The company's settings: its calendar, holidays (named), currency and locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySettings {
    pub calendar: Calendar,
    pub holidays: Vec<Holiday>,
    pub currency: String,
    pub locale: String,
}

impl Default for CompanySettings {
    fn default() -> Self {
        CompanySettings {
            calendar: Calendar::default(),
            holidays: Vec::new(),
            currency: "EUR".into(),
            locale: "en-GB".into(),
        }
    }
}

impl CompanySettings {
    /// The holidays as the form's text: one per line, `2026-12-25 Christmas Day`.
    pub fn holidays_text(&self) -> String {
        self.holidays
            .iter()
            .map(|h| format!("{} {}", h.day.format("%Y-%m-%d"), h.name))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What the company settings form posts: each weekday is a checkbox, present when ticked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyInput {
    pub fiscal_year_start_month: String,
    pub mon: Option<String>,
    pub tue: Option<String>,
    pub wed: Option<String>,
    pub thu: Option<String>,
    pub fri: Option<String>,
    pub sat: Option<String>,
    pub sun: Option<String>,
    #[serde(default)]
    pub holidays: String,
    pub currency: String,
    pub locale: String,
}
