//! The error every server function returns: what the user may see, with the HTTP status it
//! travels with. Causes are logged on the server and never sent to the client.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in.")]
    Unauthorized,
    #[error("The e-mail address or password is wrong.")]
    BadCredentials,
    #[error("Too many sign-in attempts from here. Try again in {retry_after_secs} s.")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("You do not have access to this {0}.")]
    Forbidden(String),
    /// A state change sent from a page that is not Pacer's own (another site's form).
    #[error("This request did not come from a Pacer page, so it was refused. Reload Pacer and try again.")]
    CrossSite,
    #[error("This {0} does not exist or is not visible to you.")]
    NotFound(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// The request itself could not be read (malformed JSON or form fields).
    #[error("The request could not be read: {0}")]
    BadRequest(String),
    #[error("Something went wrong on our side. It has been logged; please try again.")]
    Internal,
    /// Pacer could not be reached, or what answered was not Pacer (no network, a proxy in the
    /// way). The words say what it means; [`AppError::detail`] keeps what the browser
    /// reported, shown only behind "Details".
    #[error("No connection to Pacer. Check the network and try again.")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The HTTP status this error is sent with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::BadCredentials => 401,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Forbidden(_) | AppError::CrossSite => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::BadRequest(_) => 400,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// The technical detail behind the plain message, for a "Details" toggle: what the browser
    /// reported when Pacer could not be reached.
    pub fn detail(&self) -> Option<&str> {
        match self {
            AppError::Transport(detail) => Some(detail),
            _ => None,
        }
    }

    /// The form field this error is about, so the UI can put the message beside it.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            AppError::BadCredentials => Some("password"),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server these come from reading a request's arguments: the client's fault.
            // (The browser meets Deserialization only when a response is not what it expected,
            // a transport problem worth retrying.)
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(e) | ServerFnErrorErr::Deserialization(e) => {
                AppError::BadRequest(e)
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

impl From<Vec<crate::domain::FieldError>> for AppError {
    /// The first problem of a form, named by its field. The browser shows them all as the
    /// user types; the server, the final word, names one.
    fn from(errors: Vec<crate::domain::FieldError>) -> Self {
        errors
            .into_iter()
            .next()
            .map(|e| AppError::invalid(e.field, e.message))
            .unwrap_or_else(|| AppError::invalid("form", "the form could not be read"))
    }
}
