pub mod form;
pub mod layout;
pub mod outlook;
pub mod placeholder;
pub mod timing;
pub mod turnover;
