//! One module per route.

mod accuracy;
mod admin;
mod board;
pub mod check_in;
mod customers;
mod dashboard;
mod login;
mod not_found;
mod settings;
mod setup;
mod targets;
mod tokens;
mod webhooks;

pub use admin::AdminPages;
pub use board::{BoardPage, StagesPage};
pub use check_in::{forget_kept_customers, CheckInPage, TeamCheckInsPage};
pub use customers::{CustomerPage, CustomersPage, ImportPage, NewProspectPage};
pub use dashboard::DashboardPage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use settings::SettingsPage;
pub use setup::WelcomePages;
pub use targets::{EditTargetPage, NewTargetPage, TargetPage, TargetsPage};
