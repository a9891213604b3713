//! Contexts that bundle a feature's resources and actions for the components below them.

pub mod auth;
pub mod board;
pub mod locale;
pub mod resource;
