//! Customers as the list, the detail page and the plus/minus lists read them, and the
//! query that selects them.

use crate::domain::turnover::{Deviation, Segment, Trend, TrendWindows};
use crate::domain::Period;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub id: i64,
    pub external_ref: Option<String>,
    pub name: String,
    pub segment: String,
    pub city: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// Turnover in the period against the same span a year earlier.
    pub deviation: Deviation,
    /// A change of buying rhythm over the last complete months, if any.
    pub trend: Option<Trend>,
    /// Estimated annual potential in euro cents, when one is on record.
    #[serde(default)]
    pub potential_minor: Option<i64>,
    /// Euro turnover of the last 12 months (cents), read when a potential is on record.
    #[serde(default)]
    pub last_12_months_minor: Option<i64>,
}

impl CustomerSummary {
    /// How much of the potential the last 12 months' turnover reached, in whole %; `None`
    /// without a potential (or with a potential of zero).
    pub fn potential_reached_pct(&self) -> Option<rust_decimal::Decimal> {
        let potential = self.potential_minor?;
        crate::domain::turnover::percent(self.last_12_months_minor.unwrap_or(0), potential).map(
            |p| {
                p.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    .normalize()
            },
        )
    }

    /// The potential not bought in the last 12 months (never below zero), as the gap
    /// candidates count it; `None` without a potential.
    pub fn untapped_minor(&self) -> Option<i64> {
        self.potential_minor
            .map(|p| crate::domain::prospect::untapped(p, self.last_12_months_minor.unwrap_or(0)))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerList {
    /// How many customers match, of which `customers` holds one page.
    pub total: i64,
    pub customers: Vec<CustomerSummary>,
    /// The filter as the server understood it (defaults filled in).
    pub filter: CustomerFilter,
    /// The span the period is compared with.
    pub compared_with: Period,
    pub windows: TrendWindows,
    /// Turnover of all matching customers in the period and a year earlier.
    pub actual_minor: i64,
    pub expected_minor: i64,
    pub page_size: i64,
    /// When each of `customers` last changed (for the API's sync; the screens do not need it).
    #[serde(skip)]
    pub stamps: Vec<crate::model::sync::Stamp>,
}

/// The last page number a list is asked for: a million pages of customers is more than any
/// company has, and its offset stays far inside the integer range.
pub const MAX_PAGE: i64 = 1_000_000;

/// How many customers one page of the list shows.
pub const CUSTOMER_PAGE_SIZE: i64 = 100;

/// Which customers the list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Listing {
    #[default]
    All,
    /// Above expectation, largest deviation first.
    Plus,
    /// Below expectation, most negative first.
    Minus,
    /// Customers whose buying rhythm changed.
    Trend,
}

impl Listing {
    pub fn parse(text: &str) -> Result<Listing, String> {
        match text {
            "" | "all" => Ok(Listing::All),
            "plus" => Ok(Listing::Plus),
            "minus" => Ok(Listing::Minus),
            "trend" => Ok(Listing::Trend),
            other => Err(format!(
                "\"{other}\" is not a list: choose all, plus, minus or trend"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Listing::All => "all",
            Listing::Plus => "plus",
            Listing::Minus => "minus",
            Listing::Trend => "trend",
        }
    }
}

/// What the list is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    /// The list's natural order: by name for all, by deviation for plus/minus, by change for
    /// trend.
    #[default]
    Natural,
    Name,
    Actual,
    Expected,
    Deviation,
    Percent,
    /// The potential not bought in the last 12 months; customers without a potential last.
    Untapped,
}

impl SortKey {
    pub fn parse(text: &str) -> Result<SortKey, String> {
        match text {
            "" => Ok(SortKey::Natural),
            "name" => Ok(SortKey::Name),
            "actual" => Ok(SortKey::Actual),
            "expected" => Ok(SortKey::Expected),
            "deviation" => Ok(SortKey::Deviation),
            "percent" => Ok(SortKey::Percent),
            "untapped" => Ok(SortKey::Untapped),
            other => Err(format!(
                "\"{other}\" is not a column to sort by: choose name, actual, expected, deviation, percent or untapped"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Natural => "",
            SortKey::Name => "name",
            SortKey::Actual => "actual",
            SortKey::Expected => "expected",
            SortKey::Deviation => "deviation",
            SortKey::Percent => "percent",
            SortKey::Untapped => "untapped",
        }
    }
}

/// The list's filter, parsed from the page's URL (every field optional text).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerQuery {
    pub search: Option<String>,
    pub unit: Option<String>,
    pub owner: Option<String>,
    pub segment: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub list: Option<String>,
    pub sort: Option<String>,
    pub desc: Option<String>,
    pub page: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFilter {
    pub search: Option<String>,
    /// Customers owned by people in this org unit or below it (within the viewer's scope).
    pub unit_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub segment: Option<Segment>,
    /// Default: year to date.
    pub period: Period,
    pub listing: Listing,
    pub sort: SortKey,
    pub descending: bool,
    /// From 0.
    pub page: i64,
    /// Only these (a sync page's changed customers).
    #[serde(default, skip)]
    pub ids: Option<Vec<i64>>,
}

impl CustomerFilter {
    /// Every customer with a trend change on `today`, strongest first.
    pub fn trends(today: NaiveDate) -> CustomerFilter {
        CustomerFilter {
            search: None,
            unit_id: None,
            owner_id: None,
            segment: None,
            period: Period::year_to_date(today),
            listing: Listing::Trend,
            sort: SortKey::Natural,
            descending: false,
            page: 0,
            ids: None,
        }
    }
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

impl CustomerQuery {
    /// The filter, or the first field that cannot be read and why. Without dates the period
    /// is the company's fiscal year to date.
    pub fn parse(
        &self,
        today: NaiveDate,
        calendar: &crate::domain::calendar::Calendar,
    ) -> Result<CustomerFilter, AppError> {
        let date = |field: &str, text: &Option<String>| -> Result<Option<NaiveDate>, AppError> {
            given(text)
                .map(|t| {
                    // A year and more around the period is summed: the years keep it in
                    // dates both databases hold.
                    crate::domain::period::parse_day(t).map_err(|e| AppError::invalid(field, e))
                })
                .transpose()
        };
        let ytd = calendar.year_to_date(today);
        let from = date("from", &self.from)?.unwrap_or(ytd.start());
        let to = date("to", &self.to)?.unwrap_or(if from > today { from } else { today });
        let period = Period::new(from, to)
            .map_err(|_| AppError::invalid("to", "the end of the period is before its start"))?;
        let unit_id = given(&self.unit)
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|_| AppError::invalid("unit", format!("\"{t}\" is not a unit")))
            })
            .transpose()?;
        let owner_id = given(&self.owner)
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|_| AppError::invalid("owner", format!("\"{t}\" is not an owner")))
            })
            .transpose()?;
        let segment = given(&self.segment)
            .map(|t| Segment::parse(t).map_err(|e| AppError::invalid("segment", e)))
            .transpose()?;
        let listing = Listing::parse(given(&self.list).unwrap_or(""))
            .map_err(|e| AppError::invalid("list", e))?;
        let sort = SortKey::parse(given(&self.sort).unwrap_or(""))
            .map_err(|e| AppError::invalid("sort", e))?;
        let search = crate::domain::search::parse_search(self.search.as_deref().unwrap_or(""))
            .map_err(|e| AppError::invalid("search", e))?;
        let page = given(&self.page)
            .map(|t| match t.parse::<i64>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n - 1),
                Ok(n) if n > MAX_PAGE => Err(AppError::invalid(
                    "page",
                    format!("page {n} is past the end of any list (at most {MAX_PAGE})"),
                )),
                _ => Err(AppError::invalid(
                    "page",
                    format!("\"{t}\" is not a page number"),
                )),
            })
            .transpose()?
            .unwrap_or(0);
        Ok(CustomerFilter {
            search,
            unit_id,
            owner_id,
            segment,
            period,
            listing,
            sort,
            descending: matches!(given(&self.desc), Some("1" | "true")),
            page,
            ids: None,
        })
    }
}

/// One month of a customer's turnover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthTurnover {
    /// The first day of the month.
    pub month: NaiveDate,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ActivityLine {
    pub id: i64,
    pub kind: String,
    pub user_id: i64,
    pub user_name: String,
    pub occurred_at: DateTime<Utc>,
    pub notes: String,
    pub planned: bool,
    pub outcome: Option<String>,
    pub next_step: String,
    pub next_step_due: Option<NaiveDate>,
    pub next_step_done: bool,
}

/// A next step a rep promised, due by a day, until it is ticked off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct NextStep {
    /// The activity it came from.
    pub id: i64,
    pub customer_id: i64,
    pub customer: String,
    pub kind: String,
    pub next_step: String,
    pub next_step_due: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerOpportunity {
    pub id: i64,
    pub title: String,
    pub stage: String,
    pub value_minor: i64,
    pub currency: String,
    pub expected_close_on: NaiveDate,
    pub owner_name: String,
}

/// Months the customer page charts.
pub const CHART_MONTHS: u32 = 24;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub customer: CustomerSummary,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub first_contact_on: Option<NaiveDate>,
    /// Within this distance a check-in is verified; `None`: the default (300 m).
    pub visit_radius_m: Option<i32>,
    pub period: Period,
    pub compared_with: Period,
    pub windows: TrendWindows,
    /// The last 24 months, oldest first, the current (incomplete) month last.
    pub months: Vec<MonthTurnover>,
    pub opportunities: Vec<CustomerOpportunity>,
    /// Planned visits first (soonest first), then the latest activities.
    pub activities: Vec<ActivityLine>,
}

/// A customer a new prospect may duplicate, as the user may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookalike {
    pub id: i64,
    pub name: String,
    pub city: Option<String>,
}

/// What saving a prospect did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProspectSaved {
    Created {
        id: i64,
    },
    /// Nothing was saved: customers of that name in that town exist. `hidden` more belong to
    /// people the user does not cover (their names are not shown).
    LooksLike {
        visible: Vec<Lookalike>,
        hidden: usize,
    },
}
