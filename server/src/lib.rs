//! The Pacer server: configuration, start-up (database, sessions, router) and the demo company.
#![recursion_limit = "512"]

pub mod api_error;
pub mod api_v1;
pub mod configuration;
pub mod demo;
pub mod digest;
pub mod export;
pub mod files;
pub mod guard;
pub mod import;
pub mod mail;
pub mod session_store;
pub mod sign_in;
pub mod snapshots;
pub mod startup;
pub mod telemetry;
pub mod webhooks;
