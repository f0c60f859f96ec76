//! How MSISDNs are written to and read from Cellhire.

use crate::model::PhoneNumber;

/// How numbers are written in Cellhire requests.
///
/// The document's examples write national numbers with a trunk `0`
/// (`07000000000`) and never say whether international form is accepted, so
/// the default is [`MsisdnFormat::National`] for the UK (`"44"`): a number in
/// that country is sent as `07700900123`, a number elsewhere in international
/// digits (`33612345678`). Numbers read back are parsed the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MsisdnFormat {
    /// National form with a trunk `0` for numbers in this country code.
    National {
        /// The country calling code, such as `"44"`.
        country_code: String,
    },
    /// International digits without `+` (`447700900123`).
    International,
}

impl Default for MsisdnFormat {
    fn default() -> Self {
        Self::National {
            country_code: "44".into(),
        }
    }
}

impl MsisdnFormat {
    /// The number as sent.
    pub fn write(&self, number: &PhoneNumber) -> String {
        self.write_cow(number).into_owned()
    }

    /// As [`write`](Self::write), borrowing the number's digits when they
    /// are written as they are.
    pub(super) fn write_cow<'a>(&self, number: &'a PhoneNumber) -> std::borrow::Cow<'a, str> {
        match self {
            Self::National { country_code } => number.national(country_code).map_or(
                std::borrow::Cow::Borrowed(number.msisdn()),
                std::borrow::Cow::Owned,
            ),
            Self::International => std::borrow::Cow::Borrowed(number.msisdn()),
        }
    }

    /// A number as Cellhire wrote it, parsed; `None` when it cannot be.
    pub fn read(&self, text: &str) -> Option<PhoneNumber> {
        let t = text.trim();
        if t.starts_with('+') || t.starts_with("00") {
            return PhoneNumber::parse(t).ok();
        }
        if t.starts_with('0') {
            let country = match self {
                Self::National { country_code } => country_code.as_str(),
                Self::International => "44",
            };
            return PhoneNumber::from_national(t, country).ok();
        }
        PhoneNumber::from_plain_international(t).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_by_default() {
        let f = MsisdnFormat::default();
        let uk = PhoneNumber::parse("+447700900123").unwrap();
        assert_eq!(f.write(&uk), "07700900123");
        assert_eq!(f.read("07700900123"), Some(uk.clone()));
        assert_eq!(f.read("447700900123"), Some(uk.clone()));
        let fr = PhoneNumber::parse("+33612345678").unwrap();
        assert_eq!(f.write(&fr), "33612345678");
        assert_eq!(MsisdnFormat::International.write(&uk), "447700900123");
        assert_eq!(f.read("not a number"), None);
    }
}
