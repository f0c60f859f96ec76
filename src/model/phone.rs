//! Phone numbers, normalised at construction.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

/// A phone number in international form (E.164), normalised at construction.
///
/// Accepted input, as people write numbers:
/// - `+` or `00` followed by the country code and the number: an international
///   MSISDN of 8 to 15 digits in all (`+44 7700 900123`, `0044 7700 900123`);
///   a trunk `0` written in brackets after the country code is dropped
///   (`+44 (0) 7700 900123` is `+447700900123`);
/// - 10 digits, or 11 starting with `1`: a NANP number (`+1`), such as
///   `(212) 555-0123` or `1-212-555-0123`;
/// - spaces (including non-breaking ones), dots, dashes, slashes and brackets
///   anywhere, which are dropped.
///
/// Every `+1` number is held to the NANP rules: 10 digits after the `1`, an
/// area code and an exchange that each start with 2–9 and are not an `N11`
/// service code.
///
/// A national number with a trunk prefix (`07700 900123`) is ambiguous without
/// its country: use [`PhoneNumber::from_national`].
///
/// Country rules are deliberately not those of libphonenumber: its validity
/// tables refuse the ranges set aside for tests and drama (`+44 7700 900xxx`),
/// which carriers' test environments use.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    /// Digits only, country code first.
    digits: String,
}

const FIELD: &str = "number";

/// The most digits any accepted spelling may hold (15 for E.164, plus `1` or a
/// trunk `0` and some slack); longer input is refused before it is examined.
const MAX_DIGITS: usize = 20;

impl PhoneNumber {
    /// Parses a number in any of the accepted forms.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let written = strip(input)?;
        if written.international {
            return Self::from_international_digits(written.digits);
        }
        let digits = written.digits;
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
                "is neither a 10-digit NANP number nor an international number starting with + or 00",
            )),
        }
    }

    /// Parses a strict 10-digit NANP number (an optional leading `1`, `+1` or
    /// `001`).
    pub fn nanp(input: &str) -> Result<Self, FieldError> {
        let written = strip(input)?;
        let digits = written.digits.as_str();
        let ten = match (written.international, digits.len()) {
            (false, 10) => digits,
            (_, 11) if digits.starts_with('1') => &digits[1..],
            (true, _) if !digits.starts_with('1') => {
                return Err(FieldError::new(
                    FIELD,
                    "is an international number outside NANP (+1)",
                ));
            }
            _ => return Err(FieldError::new(FIELD, "is not a 10-digit NANP number")),
        };
        Self::nanp_from_ten(ten)
    }

    /// Builds a number from its national form and its country calling code:
    /// `from_national("07700 900123", "44")` is `+447700900123`. One leading
    /// trunk `0` is dropped; for `"1"` (NANP) the trunk is a leading `1`.
    ///
    /// A number written internationally (a leading `+` or `00`) is read as
    /// such, whatever `country_code` says: `country_code` is the country of
    /// numbers written without one, so `from_national("+33 6 12 34 56 78",
    /// "44")` is `+33612345678`. `country_code` must still be a well-formed
    /// calling code (1 to 3 digits, not starting with `0`).
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
        // Plain national digits (as carriers send them) are read in place;
        // anything else is stripped of its separators first.
        let trimmed = national.trim();
        let plain = !trimmed.is_empty()
            && trimmed.len() <= MAX_DIGITS
            && !trimmed.starts_with("00")
            && trimmed.bytes().all(|b| b.is_ascii_digit());
        let written;
        let digits: &str = if plain {
            trimmed
        } else {
            written = strip(national)?;
            if written.international {
                return Self::from_international_digits(written.digits);
            }
            &written.digits
        };
        if country_code == "1" {
            return match digits.len() {
                11 if digits.starts_with('1') => Self::nanp_from_ten(&digits[1..]),
                _ => Self::nanp_from_ten(digits),
            };
        }
        let significant = digits.strip_prefix('0').unwrap_or(digits);
        if significant.is_empty() {
            return Err(FieldError::new(FIELD, "has no digits after its trunk 0"));
        }
        let mut all = String::with_capacity(country_code.len() + significant.len());
        all.push_str(country_code);
        all.push_str(significant);
        Self::from_international_digits(all)
    }

    /// A number from its international digits without `+` (`447700900123`),
    /// as some carriers write it; anything but 1-15 plain digits is refused.
    pub(crate) fn from_plain_international(digits: &str) -> Result<Self, FieldError> {
        if digits.is_empty()
            || digits.len() > MAX_DIGITS
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Self::parse(&format!("+{digits}"));
        }
        Self::from_international_digits(digits.to_owned())
    }

    fn from_international_digits(digits: String) -> Result<Self, FieldError> {
        if digits.starts_with('0') {
            return Err(FieldError::new(FIELD, "has a country code starting with 0"));
        }
        if let Some(ten) = digits.strip_prefix('1') {
            return Self::nanp_from_ten(ten);
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(FieldError::new(
                FIELD,
                "must have 8 to 15 digits with its country code",
            ));
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

/// A number as written, reduced to its digits.
struct Written {
    /// Written with a leading `+` or `00`.
    international: bool,
    /// The digits after the `+` or `00`, any bracketed trunk `0` dropped.
    digits: String,
}

/// True for the separators people put between groups of digits: spaces
/// (including no-break and thin spaces, but no control characters such as a
/// tab or a line break), dashes of every kind, dots and slashes.
fn is_separator(c: char) -> bool {
    (c.is_whitespace() && !c.is_control())
        || matches!(c, '-' | '.' | '/' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

fn strip(input: &str) -> Result<Written, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(FIELD, "is empty"));
    }
    let (international, body) = if let Some(rest) = trimmed.strip_prefix('+') {
        (true, rest)
    } else if let Some(rest) = trimmed.strip_prefix("00") {
        (true, rest)
    } else {
        (false, trimmed)
    };
    let mut digits = String::with_capacity(body.len().min(MAX_DIGITS));
    let mut open: Option<usize> = None;
    for c in body.chars() {
        match c {
            '0'..='9' => {
                if digits.len() == MAX_DIGITS {
                    return Err(FieldError::new(
                        FIELD,
                        "has too many digits for a phone number",
                    ));
                }
                digits.push(c);
            }
            '(' if open.is_none() => open = Some(digits.len()),
            ')' => {
                let Some(at) = open.take() else {
                    return Err(FieldError::new(FIELD, "has a ) without a ("));
                };
                // `+44 (0) 7700 900123`: the trunk 0 a caller inside the
                // country dials, bracketed after the country code; it is not
                // part of the international number.
                if international && (1..=3).contains(&at) && &digits[at..] == "0" {
                    digits.truncate(at);
                }
            }
            '(' => return Err(FieldError::new(FIELD, "has brackets inside brackets")),
            c if is_separator(c) => {}
            _ => return Err(FieldError::new(FIELD, format!("holds the character {c:?}"))),
        }
    }
    if open.is_some() {
        return Err(FieldError::new(FIELD, "has a ( without a )"));
    }
    if digits.is_empty() {
        return Err(FieldError::new(FIELD, "has no digits"));
    }
    Ok(Written {
        international,
        digits,
    })
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

    fn e164(r: Result<PhoneNumber, FieldError>) -> Result<String, String> {
        r.map(|n| n.e164()).map_err(|e| e.to_string())
    }

    #[test]
    fn international_input_to_from_national_is_read_as_international() {
        for (input, cc) in [
            ("+44 7700 900123", "44"),
            ("0044 7700 900123", "44"),
            ("+44 (0) 7700 900123", "44"),
            ("+44 7700 900123", "33"),
            ("07700 900123", "44"),
            ("7700 900123", "44"),
        ] {
            assert_eq!(
                e164(PhoneNumber::from_national(input, cc)).as_deref(),
                Ok("+447700900123"),
                "{input} in {cc}"
            );
        }
        assert_eq!(
            e164(PhoneNumber::from_national("+1 212 555 0123", "44")).as_deref(),
            Ok("+12125550123")
        );
        for input in ["1 (212) 555-0123", "212.555.0123", "+1 212 555 0123"] {
            assert_eq!(
                e164(PhoneNumber::from_national(input, "1")).as_deref(),
                Ok("+12125550123"),
                "{input}"
            );
        }
        assert_eq!(
            PhoneNumber::from_national("+447700900123", "x4").unwrap_err(),
            FieldError::new("country_code", "is not a 1-3 digit calling code")
        );
        assert_eq!(
            PhoneNumber::from_national("0", "44").unwrap_err(),
            FieldError::new("number", "has no digits after its trunk 0")
        );
    }

    #[test]
    fn bracketed_trunk_zero_after_country_code_is_dropped() {
        for input in [
            "+44 (0) 7700 900123",
            "+44(0)7700900123",
            "+44 (0)7700-900-123",
            "0044 (0) 7700 900123",
            "+44 ( 0 ) 7700 900123",
        ] {
            assert_eq!(
                e164(PhoneNumber::parse(input)).as_deref(),
                Ok("+447700900123"),
                "{input}"
            );
        }
        // Brackets elsewhere keep their digits.
        assert_eq!(
            e164(PhoneNumber::parse("+1 (212) 555-0123")).as_deref(),
            Ok("+12125550123")
        );
        assert_eq!(
            e164(PhoneNumber::parse("+39 (06) 6988 4857")).as_deref(),
            Ok("+390669884857")
        );
    }

    #[test]
    fn plus_one_is_held_to_nanp_rules() {
        for (input, problem) in [
            (
                "+1 123 555 0123",
                "has a NANP area code that does not start with 2-9",
            ),
            (
                "+1 212 055 0123",
                "has a NANP exchange that does not start with 2-9",
            ),
            (
                "+1 911 555 0123",
                "has an N11 service code as its NANP area code",
            ),
            (
                "+1 212 411 0123",
                "has an N11 service code as its NANP exchange",
            ),
            ("+1 212 555 012", "is not a 10-digit NANP number"),
            ("+1 212 555 01234", "is not a 10-digit NANP number"),
            ("001 212 555 01", "is not a 10-digit NANP number"),
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap_err(),
                FieldError::new("number", problem),
                "{input}"
            );
        }
        assert_eq!(
            PhoneNumber::nanp("+44 7700 900123").unwrap_err().problem,
            "is an international number outside NANP (+1)"
        );
        assert_eq!(
            e164(PhoneNumber::nanp("001 212 555 0123")).as_deref(),
            Ok("+12125550123")
        );
    }

    #[test]
    fn human_spellings_and_malformed_input() {
        for (input, want) in [
            ("212.555.0123", "+12125550123"),
            ("212/555-0123", "+12125550123"),
            ("\u{a0}+44\u{a0}7700\u{a0}900123 ", "+447700900123"),
            ("+44 7700\u{2013}900123", "+447700900123"),
            ("+33 6 12 34 56 78", "+33612345678"),
        ] {
            assert_eq!(
                e164(PhoneNumber::parse(input)).as_deref(),
                Ok(want),
                "{input}"
            );
        }
        for (input, problem) in [
            ("", "is empty"),
            ("  ", "is empty"),
            ("+", "has no digits"),
            ("+44 7700 90012x", "holds the character 'x'"),
            ("+44 7700\n900123", "holds the character '\\n'"),
            ("(212 555-0123", "has a ( without a )"),
            ("212) 555-0123", "has a ) without a ("),
            ("((212)) 555-0123", "has brackets inside brackets"),
            (
                "+4477009001234567890123",
                "has too many digits for a phone number",
            ),
            ("+44 770", "must have 8 to 15 digits with its country code"),
            ("+0 7700 900123", "has a country code starting with 0"),
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap_err(),
                FieldError::new("number", problem),
                "{input:?}"
            );
        }
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
