//! A refusal that points at one form field: what every parser in the domain returns, so the
//! form can put the sentence under the right input and the API can name the field.

use serde::{Deserialize, Serialize};

/// One field's problem, for the form to show beside that field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}
