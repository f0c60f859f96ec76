//! Values that must never be printed: PACs, PINs, account numbers and credentials.
//!
//! Each type keeps its value in a [`secrecy::SecretString`] (wiped from memory on
//! drop) and renders as `Type([REDACTED])` in `Debug`. None of them implements
//! `Display`. Read the value with `expose()`, only where it goes on the wire.
//!
//! The porting-data types ([`Pac`], [`Pin`], [`AccountNumber`]) implement serde so
//! a [`crate::PortRequest`] can be stored and replayed; serialising them writes the
//! real value, as a port request must carry it. Credentials do not implement serde.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

macro_rules! redacted_debug {
    ($name:ident) => {
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl $name {
            /// The secret value, for the one place it goes on the wire.
            pub fn expose(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.expose() == other.expose()
            }
        }

        impl Eq for $name {}
    };
}

macro_rules! serde_via_new {
    ($name:ident) => {
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.expose())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                $name::new(raw).map_err(|e| serde::de::Error::custom(e.problem))
            }
        }
    };
}

/// A Porting Authorisation Code (UK PAC, French RIO, or a carrier's own form).
///
/// Accepted at construction: 1 to 32 ASCII letters and digits (surrounding white
/// space trimmed, letters upper-cased). The format is *not* forced to the UK or RIO
/// shape because carriers accept others; [`Pac::is_uk_format`] and
/// [`Pac::is_rio_format`] tell which it is.
#[derive(Clone)]
pub struct Pac(SecretString);
redacted_debug!(Pac);
serde_via_new!(Pac);

impl Pac {
    /// Validates and wraps a PAC.
    pub fn new(value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into();
        // Already in its canonical form (as carriers send it): kept as is.
        let canonical = !value.is_empty()
            && value.len() <= 32
            && value
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if canonical {
            return Ok(Self(SecretString::from(value)));
        }
        let trimmed = value.trim().to_ascii_uppercase();
        if trimmed.is_empty() {
            return Err(FieldError::new("pac", "is empty"));
        }
        if trimmed.len() > 32 {
            return Err(FieldError::new("pac", "is longer than 32 characters"));
        }
        if !trimmed.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(FieldError::new("pac", "may hold only letters and digits"));
        }
        Ok(Self(SecretString::from(trimmed)))
    }

    /// True for the UK format: three letters followed by six digits (`ABC123456`).
    pub fn is_uk_format(&self) -> bool {
        let b = self.expose().as_bytes();
        b.len() == 9
            && b[..3].iter().all(u8::is_ascii_alphabetic)
            && b[3..].iter().all(u8::is_ascii_digit)
    }

    /// True for the French RIO format: twelve letters and digits.
    pub fn is_rio_format(&self) -> bool {
        self.expose().len() == 12
    }
}

/// The losing carrier's account PIN or passcode.
///
/// 1 to 32 characters with no white space or control characters.
#[derive(Clone)]
pub struct Pin(SecretString);
redacted_debug!(Pin);
serde_via_new!(Pin);

impl Pin {
    /// Validates and wraps a PIN.
    pub fn new(value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into();
        check_token("pin", &value, 32)?;
        Ok(Self(SecretString::from(value)))
    }
}

/// The subscriber's account number at the losing carrier.
///
/// 1 to 64 characters with no control characters; inner spaces are kept.
#[derive(Clone)]
pub struct AccountNumber(SecretString);
redacted_debug!(AccountNumber);
serde_via_new!(AccountNumber);

impl AccountNumber {
    /// Validates and wraps an account number.
    pub fn new(value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into().trim().to_owned();
        if value.is_empty() {
            return Err(FieldError::new("account_number", "is empty"));
        }
        if value.chars().count() > 64 {
            return Err(FieldError::new(
                "account_number",
                "is longer than 64 characters",
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(FieldError::new(
                "account_number",
                "holds a control character",
            ));
        }
        Ok(Self(SecretString::from(value)))
    }
}

/// A password, API token, client secret or bearer token.
///
/// Non-empty, no control characters, at most 4096 bytes. Never serialised.
#[derive(Clone)]
pub struct Credential(SecretString);
redacted_debug!(Credential);

impl Credential {
    /// Validates and wraps a credential. `field` names it in the error.
    pub fn new(field: &str, value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into();
        if value.is_empty() {
            return Err(FieldError::new(field, "is empty"));
        }
        if value.len() > 4096 {
            return Err(FieldError::new(field, "is longer than 4096 bytes"));
        }
        if value.chars().any(char::is_control) {
            return Err(FieldError::new(field, "holds a control character"));
        }
        Ok(Self(SecretString::from(value)))
    }
}

fn check_token(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.is_empty() {
        return Err(FieldError::new(field, "is empty"));
    }
    // Printable ASCII (what carriers issue) is checked byte by byte.
    if value.len() <= max && value.bytes().all(|b| b.is_ascii_graphic()) {
        return Ok(());
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(
            field,
            "holds white space or a control character",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_exactly() {
        assert_eq!(
            format!("{:?}", Pac::new("ABC123456").unwrap()),
            "Pac([REDACTED])"
        );
        assert_eq!(
            format!("{:?}", Pin::new("1234").unwrap()),
            "Pin([REDACTED])"
        );
        assert_eq!(
            format!("{:?}", AccountNumber::new("123456789").unwrap()),
            "AccountNumber([REDACTED])"
        );
        assert_eq!(
            format!("{:?}", Credential::new("password", "hunter2").unwrap()),
            "Credential([REDACTED])"
        );
    }

    #[test]
    fn pac_formats() {
        let uk = Pac::new(" abc123456 ").unwrap();
        assert_eq!(uk.expose(), "ABC123456");
        assert!(uk.is_uk_format());
        assert!(!uk.is_rio_format());
        assert!(Pac::new("84E046866KO2").unwrap().is_rio_format());
        let odd = Pac::new("12345").unwrap();
        assert!(!odd.is_uk_format() && !odd.is_rio_format());
        assert_eq!(Pac::new("").unwrap_err().field, "pac");
        assert!(Pac::new("AB-12").is_err());
    }

    #[test]
    fn pin_and_account_rules() {
        assert!(Pin::new("12 34").is_err());
        assert!(Pin::new("").is_err());
        assert_eq!(AccountNumber::new("  12 34 ").unwrap().expose(), "12 34");
        assert!(AccountNumber::new("a\nb").is_err());
        assert!(Credential::new("token", "").is_err());
    }

    #[test]
    fn serde_round_trip_validates() {
        let pac: Pac = serde_json::from_str("\"abc123456\"").unwrap();
        assert_eq!(serde_json::to_string(&pac).unwrap(), "\"ABC123456\"");
        assert!(serde_json::from_str::<Pin>("\"\"").is_err());
    }
}
