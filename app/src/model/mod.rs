//! Read models: what the screens, the JSON API and the exports show, as the service layer
//! returns them. Plain data compiled for the browser (wasm) and the server alike; they import
//! the domain and nothing above it.

pub mod auth;
pub mod calibration;
pub mod calls;
pub mod candidates;
pub mod check_ins;
pub mod company;
pub mod customers;
pub mod dashboard;
pub mod imports;
pub mod people;
pub mod pipeline;
pub mod sync;
pub mod targets;
pub mod tokens;
pub mod webhooks;
