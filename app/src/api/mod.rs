//! Server functions, one module per area. Each checks the session, parses its input into
//! domain types, calls one repository function and maps the error.

pub mod auth;
pub mod check_ins;
pub mod customers;
pub mod dashboard;
pub mod imports;
pub mod pipeline;
pub mod targets;
pub mod tokens;
