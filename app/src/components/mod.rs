pub mod form;
pub mod layout;
pub mod placeholder;
pub mod timing;
