//! Pacer's shared crate: the pure domain core and read models, the UI, server functions, and
//! (with the `ssr` feature) the service layer they call, the repository and the database.
#![recursion_limit = "512"]

// The check-in bundle's build (no split points, drawn with Leptos's `csr`) merged into the
// server's or the whole app's would build them wrong without a word: refused instead.
#[cfg(all(feature = "check-in-only", any(feature = "ssr", feature = "hydrate")))]
compile_error!(
    "app's `check-in-only` is for frontend/check-in alone (scripts/check-in-bundle.sh); \
     exclude frontend-check-in from workspace-wide builds"
);

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod model;
pub mod pages;
pub mod providers;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod state;

pub use app::{shell, App, BUILD_ID};
