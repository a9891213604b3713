pub mod layout;
pub mod placeholder;
