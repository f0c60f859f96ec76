//! Subscribers and their addresses.

use serde::{Deserialize, Serialize};

/// A postal (service) address.
///
/// Fields are kept as given; each carrier adapter checks what it needs (a US
/// state code and ZIP for Apeiron, for instance) before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// First street line, such as "123 Main St".
    pub line1: String,
    /// Second line (suite, unit), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City or town.
    pub city: String,
    /// State, province or region (a two-letter code in the US).
    pub state: String,
    /// ZIP or postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, such as "US" or "GB".
    pub country: String,
}

impl Address {
    /// An address; `line2` starts empty.
    pub fn new(
        line1: impl Into<String>,
        city: impl Into<String>,
        state: impl Into<String>,
        postal_code: impl Into<String>,
        country: impl Into<String>,
    ) -> Self {
        Self {
            line1: line1.into(),
            line2: None,
            city: city.into(),
            state: state.into(),
            postal_code: postal_code.into(),
            country: country.into(),
        }
    }

    /// Sets the second line.
    pub fn with_line2(mut self, line2: impl Into<String>) -> Self {
        self.line2 = Some(line2.into());
        self
    }
}

/// The person or business whose numbers are ported.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Subscriber {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Business name, for business accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// The service address on the losing carrier's records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

impl Subscriber {
    /// A subscriber with no business name and no address yet.
    pub fn new(first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        Self {
            first_name: first_name.into(),
            last_name: last_name.into(),
            business_name: None,
            address: None,
        }
    }

    setters! {
        /// Sets the service address.
        with_address(address: Address) => address = Some(address);

        /// Sets the business name.
        with_business_name(name: impl Into<String>) => business_name = Some(name.into());
    }

    /// "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }
}
