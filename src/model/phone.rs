//! Phone numbers, normalised at construction.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

/// A phone number in international form (E.164), normalised at construction.
///
/// Accepted input:
/// - `+` or `00` followed by 8 to 15 digits: an international MSISDN;
/// - 10 digits, or 11 starting with `1`: a NANP number (`+1`), whose area code
///   and exchange must each start with 2–9 and not be an `N11` service code;
/// - spaces, dots, dashes and parentheses anywhere, which are dropped.
///
/// A national number with a trunk prefix (`07700 900123`) is ambiguous without
/// its country: use [`PhoneNumber::from_national`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    /// Digits only, country code first.
    digits: String,
}

const FIELD: &str = "number";

impl PhoneNumber {
    /// Parses a number in any of the accepted forms.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let (international, digits) = strip(input)?;
        if international {
            return Self::from_international_digits(digits);
        }
        match digits.len() {
            10 => Self::nanp_from_ten(&digits),
            11 if digits.starts_with('1') => Self::nanp_from_ten(&digits[1..]),
            _ if digits.starts_with('0') => Err(FieldError::new(
                FIELD,
                "is a national number without a country code; \
                 write it with + and the country code, or use PhoneNumber::from_national",
            )),
            _ => Err(FieldError::new(
                FIELD,
                "is neither a 10-digit NANP number nor an international number starting with +",
            )),
        }
    }

    /// Parses a strict 10-digit NANP number (an optional leading `1` or `+1`).
    pub fn nanp(input: &str) -> Result<Self, FieldError> {
        let (_, digits) = strip(input)?;
        match digits.len() {
            10 => Self::nanp_from_ten(&digits),
            11 if digits.starts_with('1') => Self::nanp_from_ten(&digits[1..]),
            _ => Err(FieldError::new(FIELD, "is not a 10-digit NANP number")),
        }
    }

    /// Builds a number from its national form and its country calling code:
    /// `from_national("07700 900123", "44")` is `+447700900123`. One leading
    /// trunk `0` is dropped.
    pub fn from_national(national: &str, country_code: &str) -> Result<Self, FieldError> {
        if country_code.is_empty()
            || country_code.len() > 3
            || !country_code.bytes().all(|b| b.is_ascii_digit())
            || country_code.starts_with('0')
        {
            return Err(FieldError::new(
                "country_code",
                "is not a 1-3 digit calling code",
            ));
        }
        let (_, digits) = strip(national)?;
        let significant = digits.strip_prefix('0').unwrap_or(&digits);
        if country_code == "1" {
            return Self::nanp_from_ten(significant);
        }
        Self::from_international_digits(format!("{country_code}{significant}"))
    }

    fn from_international_digits(digits: String) -> Result<Self, FieldError> {
        if digits.starts_with('0') {
            return Err(FieldError::new(FIELD, "has a country code starting with 0"));
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(FieldError::new(
                FIELD,
                "must have 8 to 15 digits with its country code",
            ));
        }
        if let Some(ten) = digits.strip_prefix('1') {
            return Self::nanp_from_ten(ten);
        }
        Ok(Self { digits })
    }

    fn nanp_from_ten(ten: &str) -> Result<Self, FieldError> {
        let b = ten.as_bytes();
        if b.len() != 10 {
            return Err(FieldError::new(FIELD, "is not a 10-digit NANP number"));
        }
        let bad_lead = |d: u8| !(b'2'..=b'9').contains(&d);
        if bad_lead(b[0]) {
            return Err(FieldError::new(
                FIELD,
                "has a NANP area code that does not start with 2-9",
            ));
        }
        if b[1] == b'1' && b[2] == b'1' {
            return Err(FieldError::new(
                FIELD,
                "has an N11 service code as its NANP area code",
            ));
        }
        if bad_lead(b[3]) {
            return Err(FieldError::new(
                FIELD,
                "has a NANP exchange that does not start with 2-9",
            ));
        }
        if b[4] == b'1' && b[5] == b'1' {
            return Err(FieldError::new(
                FIELD,
                "has an N11 service code as its NANP exchange",
            ));
        }
        Ok(Self {
            digits: format!("1{ten}"),
        })
    }

    /// `+` and the digits: `+14246346488`.
    pub fn e164(&self) -> String {
        format!("+{}", self.digits)
    }

    /// The digits with the country code and no `+` (an MSISDN): `14246346488`.
    pub fn msisdn(&self) -> &str {
        &self.digits
    }

    /// True for a `+1` number.
    pub fn is_nanp(&self) -> bool {
        self.digits.len() == 11 && self.digits.starts_with('1')
    }

    /// The 10-digit NANP form (`4246346488`), for `+1` numbers.
    pub fn nanp_digits(&self) -> Option<&str> {
        self.is_nanp().then(|| &self.digits[1..])
    }

    /// The national form with a trunk `0` when the number is in `country_code`:
    /// `+447700900123` in `"44"` is `07700900123`. NANP numbers give their 10
    /// digits. `None` when the number belongs to another country.
    pub fn national(&self, country_code: &str) -> Option<String> {
        let rest = self.digits.strip_prefix(country_code)?;
        if country_code == "1" {
            return Some(rest.to_owned());
        }
        Some(format!("0{rest}"))
    }
}

fn strip(input: &str) -> Result<(bool, String), FieldError> {
    let trimmed = input.trim();
    let (international, body) = if let Some(rest) = trimmed.strip_prefix('+') {
        (true, rest)
    } else if let Some(rest) = trimmed.strip_prefix("00") {
        (true, rest)
    } else {
        (false, trimmed)
    };
    let mut digits = String::with_capacity(body.len());
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(FieldError::new(FIELD, format!("holds the character {c:?}"))),
        }
    }
    if digits.is_empty() {
        return Err(FieldError::new(FIELD, "is empty"));
    }
    Ok((international, digits))
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber(+{})", self.digits)
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.digits)
    }
}

impl FromStr for PhoneNumber {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanp_forms_normalise() {
        for input in [
            "4246346488",
            "(424) 634-6488",
            "1-424-634-6488",
            "+1 424 634 6488",
        ] {
            let n = PhoneNumber::parse(input).unwrap();
            assert_eq!(n.e164(), "+14246346488", "{input}");
            assert_eq!(n.nanp_digits(), Some("4246346488"));
        }
        assert!(
            PhoneNumber::parse("1246346488").is_err(),
            "area code starts with 1"
        );
        assert!(
            PhoneNumber::parse("4241346488").is_err(),
            "exchange starts with 1"
        );
        assert!(PhoneNumber::parse("9116346488").is_err(), "N11 area code");
        assert!(PhoneNumber::nanp("+447700900123").is_err());
    }

    #[test]
    fn international_forms_normalise() {
        let n = PhoneNumber::parse("+44 7700 900123").unwrap();
        assert_eq!(n.msisdn(), "447700900123");
        assert_eq!(PhoneNumber::parse("00447700900123").unwrap(), n);
        assert_eq!(PhoneNumber::from_national("07700 900123", "44").unwrap(), n);
        assert_eq!(n.national("44").as_deref(), Some("07700900123"));
        assert_eq!(n.national("33"), None);
        assert!(!n.is_nanp());
        assert!(
            PhoneNumber::parse("07700900123")
                .unwrap_err()
                .problem
                .contains("from_national")
        );
        assert!(PhoneNumber::parse("+44 77x").is_err());
        assert!(PhoneNumber::parse("+1234").is_err());
    }

    #[test]
    fn serde_uses_e164() {
        let n = PhoneNumber::parse("4246346488").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"+14246346488\"");
        assert_eq!(
            serde_json::from_str::<PhoneNumber>("\"+14246346488\"").unwrap(),
            n
        );
    }
}
