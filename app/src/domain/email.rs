use serde::{Deserialize, Serialize};
use std::fmt;

/// A login e-mail address, trimmed and lower-cased so that "Anna@X.de " and "anna@x.de" are
/// one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("e-mail address is empty")]
    Empty,
    #[error("\"{0}\" is not an e-mail address (it needs one @ with text on both sides)")]
    Malformed(String),
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let normalised = input.trim().to_lowercase();
        if normalised.is_empty() {
            return Err(EmailError::Empty);
        }
        let well_formed = match normalised.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !normalised.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if well_formed && normalised.len() <= 254 {
            Ok(Email(normalised))
        } else {
            Err(EmailError::Malformed(input.trim().to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            Email::parse("  Anna.Berg@Pacer.Demo ").unwrap().as_str(),
            "anna.berg@pacer.demo"
        );
    }

    #[test]
    fn refuses_what_cannot_be_an_address() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        for bad in ["anna", "@pacer.demo", "anna@", "a@b@c", "an na@pacer.demo"] {
            assert!(
                matches!(Email::parse(bad), Err(EmailError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
