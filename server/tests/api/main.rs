//! Server integration tests: the real router on port 0, a fresh database per test, every test
//! run on SQLite and on Postgres (`both_backends!`).

mod helpers;

mod accuracy;
mod api_v1;
mod auth;
mod calibration;
mod calls;
mod check_ins;
mod client_types;
mod crash;
mod customers;
mod demo;
mod digest;
mod files;
mod forecast;
mod fuzz;
mod hardening;
mod instances;
mod mail;
mod people;
mod pipeline;
mod scale;
mod scoping;
mod snapshots;
mod startup;
mod sync;
mod targets;
mod webhooks;
mod work;
