pub mod client_id;
pub mod form;
pub mod layout;
pub mod log_activity;
pub mod outlook;
pub mod placeholder;
pub mod timing;
pub mod turnover;
