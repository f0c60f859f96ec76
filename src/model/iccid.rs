//! SIM serial numbers (ICCIDs).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

/// A SIM's ICCID.
///
/// [`Iccid::parse`] demands 18 to 22 digits, the `89` (telecom) prefix and a
/// valid Luhn check digit. Some SIMs, and some carriers' serial numbers, carry
/// none of that: [`Iccid::unchecked`] takes any 1 to 22 digits and says so in
/// [`Iccid::is_checked`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Iccid {
    digits: String,
    checked: bool,
}

impl Iccid {
    /// Parses and checks an ICCID (spaces and dashes are dropped).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let digits = digits_only(input)?;
        if !(18..=22).contains(&digits.len()) {
            return Err(FieldError::new("iccid", "must have 18 to 22 digits"));
        }
        if !digits.starts_with("89") {
            return Err(FieldError::new("iccid", "must start with 89"));
        }
        if !luhn_valid(&digits) {
            return Err(FieldError::new("iccid", "has an invalid Luhn check digit"));
        }
        Ok(Self {
            digits,
            checked: true,
        })
    }

    /// Takes 1 to 22 digits as they are, with no prefix or check-digit test.
    pub fn unchecked(input: &str) -> Result<Self, FieldError> {
        let digits = digits_only(input)?;
        if digits.len() > 22 {
            return Err(FieldError::new("iccid", "has more than 22 digits"));
        }
        Ok(Self {
            digits,
            checked: false,
        })
    }

    /// Appends the Luhn check digit to `body` (17 to 21 digits starting with
    /// `89`) and returns the checked ICCID.
    pub fn with_check_digit(body: &str) -> Result<Self, FieldError> {
        let body = digits_only(body)?;
        let check = luhn_check_digit(&body);
        Self::parse(&format!("{body}{check}"))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// True when built by [`Iccid::parse`] (prefix and check digit verified).
    pub fn is_checked(&self) -> bool {
        self.checked
    }
}

fn digits_only(input: &str) -> Result<String, FieldError> {
    let mut digits = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' => {}
            _ => {
                return Err(FieldError::new(
                    "iccid",
                    format!("holds the character {c:?}"),
                ));
            }
        }
    }
    if digits.is_empty() {
        return Err(FieldError::new("iccid", "is empty"));
    }
    Ok(digits)
}

fn luhn_sum(digits: &str, double_first: bool) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if (i % 2 == 0) == double_first {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum()
}

fn luhn_valid(digits: &str) -> bool {
    luhn_sum(digits, false) % 10 == 0
}

fn luhn_check_digit(body: &str) -> u32 {
    (10 - luhn_sum(body, true) % 10) % 10
}

impl fmt::Debug for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iccid({})", self.digits)
    }
}

impl fmt::Display for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

impl Serialize for Iccid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.digits)
    }
}

impl<'de> Deserialize<'de> for Iccid {
    /// Checked when the digits pass the checks, unchecked otherwise.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw)
            .or_else(|_| Self::unchecked(&raw))
            .map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_checked() {
        let ok = Iccid::with_check_digit("8944500102030405060").unwrap();
        assert_eq!(ok.as_str().len(), 20);
        assert!(ok.is_checked());
        assert_eq!(Iccid::parse(ok.as_str()).unwrap(), ok);
        // The Apeiron document's example ICCID fails the check digit.
        let err = Iccid::parse("89012345678901234567").unwrap_err();
        assert_eq!(err.problem, "has an invalid Luhn check digit");
        assert!(Iccid::parse("1234567890123456789").is_err());
        assert!(Iccid::parse("8901").is_err());
    }

    #[test]
    fn known_valid_iccid() {
        // The textbook Luhn example: 7992739871 has check digit 3.
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
        assert_eq!(luhn_check_digit("7992739871"), 3);
    }

    #[test]
    fn unchecked_takes_serials() {
        let s = Iccid::unchecked("2358880040200").unwrap();
        assert!(!s.is_checked());
        assert!(Iccid::unchecked("12a").is_err());
        assert!(Iccid::unchecked("").is_err());
    }
}
