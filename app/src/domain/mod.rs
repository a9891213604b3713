//! The pure domain core: plain Rust, no leptos, sqlx, tokio or web-sys.
//!
//! The same functions run on the server (the final word) and in the browser (instant feedback),
//! so nothing in here may depend on either side's runtime.

pub mod accuracy;
pub mod achievable;
pub mod activity;
pub mod allocation;
pub mod calendar;
pub mod calibration;
pub mod call;
pub mod check_in;
pub mod email;
pub mod field_error;
pub mod forecast;
pub mod html;
pub mod hundredths;
pub mod locale;
pub mod metric;
pub mod money;
pub mod number;
pub mod org;
pub mod period;
pub mod pipeline;
pub mod probability;
pub mod prospect;
pub mod role;
pub mod run_rate;
pub mod search;
pub mod smart;
pub mod target;
pub mod turnover;

pub use email::Email;
pub use field_error::FieldError;
pub use hundredths::Hundredths;
pub use locale::Locale;
pub use metric::{Metric, MetricUnit};
pub use money::{Currency, Money, MoneyError};
pub use org::{OrgUnitKind, Scope};
pub use period::{Horizon, Period, PeriodError};
pub use pipeline::{ColumnTotals, Opportunity, Stage, StageKind};
pub use probability::Probability;
pub use role::Role;
pub use smart::{Level, SmartReport, TargetInput};
pub use target::{Assignee, Side, TargetKind, TargetStatus};
