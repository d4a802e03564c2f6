//! Service names (E1).

use std::fmt;

/// Why a service name was refused (E1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceNameError {
    /// Shorter than 3 or longer than 63 characters.
    #[error("service name `{name}` has {len} characters; it needs 3 to 63")]
    Length {
        /// The name given.
        name: String,
        /// Its length in characters.
        len: usize,
    },
    /// A character other than a lowercase ASCII letter, a digit or `_`.
    #[error(
        "service name `{name}` contains `{found}`; only lowercase letters, digits and underscores are allowed"
    )]
    Character {
        /// The name given.
        name: String,
        /// The first character that is not allowed.
        found: char,
    },
    /// The first character is not a lowercase letter.
    #[error("service name `{name}` must start with a lowercase letter")]
    Start {
        /// The name given.
        name: String,
    },
}

/// A checked EAS service name: 3 to 63 lowercase ASCII letters, digits and
/// underscores, starting with a letter (the service refuses names that
/// start with a digit or an underscore).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceName(String);

impl ServiceName {
    /// Checks `name` against the E1 rule.
    ///
    /// ```
    /// use alibabacloud_eas::deploy::ServiceName;
    /// assert!(ServiceName::parse("qwen_chat_01").is_ok());
    /// assert!(ServiceName::parse("Qwen-Chat").is_err());
    /// ```
    pub fn parse(name: &str) -> Result<ServiceName, ServiceNameError> {
        let len = name.chars().count();
        if let Some(found) = name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
        {
            return Err(ServiceNameError::Character {
                name: name.to_owned(),
                found,
            });
        }
        if !(3..=63).contains(&len) {
            return Err(ServiceNameError::Length {
                name: name.to_owned(),
                len,
            });
        }
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(ServiceNameError::Start {
                name: name.to_owned(),
            });
        }
        Ok(ServiceName(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ServiceName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ServiceName {
    type Err = ServiceNameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServiceName::parse(s)
    }
}
