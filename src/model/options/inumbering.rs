//! iNumbering settings carried by a unified [`crate::PortRequest`].

use serde::{Deserialize, Serialize};

use crate::model::PhoneNumber;

/// Whether the numbers belong to a business or a residence (`name_type`;
/// `typeOfService` `B` or `R` on admin orders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NameType {
    /// `business` / `B`.
    Business,
    /// `residential` / `R`.
    #[default]
    Residential,
}

impl NameType {
    /// `business` or `residential`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Business => "business",
            Self::Residential => "residential",
        }
    }

    /// `B` or `R`.
    pub fn type_of_service(self) -> &'static str {
        match self {
            Self::Business => "B",
            Self::Residential => "R",
        }
    }
}

/// A service address split the way iNumbering's forms take it.
///
/// When [`INumberingOptions::street`] is `None`, it is read from the
/// subscriber's address line 1 ([`StreetParts::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreetParts {
    /// `StreetNumber` / `streetNum`, such as `350`.
    pub number: String,
    /// `StreetPrefix` / `streetPreDir`: `N`, `NE`, `E`, `SE`, `S`, `SW`, `W`, `NW` or empty.
    pub prefix: String,
    /// `Street` / `streetName`, such as `5th`.
    pub name: String,
    /// `StreetType` / `streetType`: the USPS abbreviation, such as `AVE`.
    pub street_type: String,
    /// `StreetSuffix` / `streetPostDir`: a direction or empty.
    pub suffix: String,
    /// `Building` (admin: location `BLDG`).
    pub building: Option<String>,
    /// `Floor` (admin: location `FL`).
    pub floor: Option<String>,
    /// `Room` (admin: location `RM`).
    pub room: Option<String>,
    /// `UnitValue`: designator and number, such as `STE 200`.
    pub unit: Option<String>,
}

/// The directions iNumbering accepts as street prefix or suffix.
pub const DIRECTIONS: &[&str] = &["N", "NE", "E", "SE", "S", "SW", "W", "NW"];

/// Common USPS street type abbreviations, and the words they stand for.
const STREET_TYPES: &[(&str, &str)] = &[
    ("ALY", "ALLEY"),
    ("AVE", "AVENUE"),
    ("BLVD", "BOULEVARD"),
    ("CIR", "CIRCLE"),
    ("CT", "COURT"),
    ("DR", "DRIVE"),
    ("EXPY", "EXPRESSWAY"),
    ("FWY", "FREEWAY"),
    ("HWY", "HIGHWAY"),
    ("LN", "LANE"),
    ("LOOP", "LOOP"),
    ("PKWY", "PARKWAY"),
    ("PL", "PLACE"),
    ("PLZ", "PLAZA"),
    ("RD", "ROAD"),
    ("SQ", "SQUARE"),
    ("ST", "STREET"),
    ("TER", "TERRACE"),
    ("TRL", "TRAIL"),
    ("WAY", "WAY"),
];

impl StreetParts {
    /// Number, street name and type.
    pub fn new(
        number: impl Into<String>,
        name: impl Into<String>,
        street_type: impl Into<String>,
    ) -> Self {
        Self {
            number: number.into(),
            name: name.into(),
            street_type: street_type.into(),
            ..Self::default()
        }
    }

    /// Splits a US address line such as `350 5th Ave` or `12 N Main St SW`:
    /// a leading house number, an optional direction, the name, a USPS
    /// street type, an optional direction. `None` when the line has another
    /// shape; set the parts yourself then.
    ///
    /// ```
    /// use numport::carrier::inumbering::StreetParts;
    ///
    /// let parts = StreetParts::parse("12 N Main Street SW").unwrap();
    /// assert_eq!((parts.number.as_str(), parts.prefix.as_str()), ("12", "N"));
    /// assert_eq!((parts.name.as_str(), parts.street_type.as_str()), ("Main", "ST"));
    /// assert_eq!(parts.suffix, "SW");
    /// assert!(StreetParts::parse("PO Box 7").is_none());
    /// ```
    pub fn parse(line: &str) -> Option<Self> {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        let number = words
            .first()
            .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
        let number = (*number).to_owned();
        words.remove(0);
        let direction = |w: &str| {
            let up = w.trim_end_matches('.').to_ascii_uppercase();
            DIRECTIONS.contains(&up.as_str()).then_some(up)
        };
        let mut suffix = String::new();
        if words.len() > 2 {
            if let Some(d) = words.last().and_then(|w| direction(w)) {
                suffix = d;
                words.pop();
            }
        }
        let kind = words.last().and_then(|w| {
            let up = w.trim_end_matches('.').to_ascii_uppercase();
            STREET_TYPES
                .iter()
                .find(|(abbr, full)| *abbr == up || *full == up)
                .map(|(abbr, _)| (*abbr).to_owned())
        })?;
        words.pop();
        let mut prefix = String::new();
        if words.len() > 1 {
            if let Some(d) = words.first().and_then(|w| direction(w)) {
                prefix = d;
                words.remove(0);
            }
        }
        if words.is_empty() {
            return None;
        }
        Some(Self {
            number,
            prefix,
            name: words.join(" "),
            street_type: kind,
            suffix,
            ..Self::default()
        })
    }
}

/// What iNumbering needs beyond the common request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct INumberingOptions {
    /// Business or residential (default residential).
    #[serde(default)]
    pub name_type: NameType,
    /// The billing telephone number on the losing carrier's bill (`lc_btn`,
    /// `atn`); the first number of the request when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_number: Option<PhoneNumber>,
    /// The service address's street, split; read from the subscriber's
    /// address line 1 when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<StreetParts>,
    /// Outbound caller-ID name (`lidb.name`, `callingName`), at most 15
    /// characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lidb_name: Option<String>,
    /// Gateway to route the numbers to after the port (`routing.gateway_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<i64>,
    /// 10DLC campaign id for SMS (`sms.campaign_id`), such as `C123456`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_campaign_id: Option<String>,
    /// Run the portability check (portInAvailability) before a *customer*
    /// order too (default `false`). The document makes the check mandatory
    /// before the admin `portInOrder` only, which always runs it; a customer
    /// order through `/v2.2/account/port` goes to iNumbering's review
    /// without it. When asked for, a number found not portable stops the
    /// order, while a check the carrier does not offer to the account
    /// (414 "Wireless not allowed for Customer") does not.
    #[serde(default)]
    pub check_portability: bool,
}

impl INumberingOptions {
    /// Default options (residential, street read from the address).
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Sets business or residential.
        with_name_type(name_type: NameType) => name_type = name_type;

        /// Sets the billing telephone number.
        with_billing_number(number: PhoneNumber) => billing_number = Some(number);

        /// Sets the street parts.
        with_street(street: StreetParts) => street = Some(street);

        /// Sets the caller-ID name (at most 15 characters).
        with_lidb_name(name: impl Into<String>) => lidb_name = Some(name.into());

        /// Sets the gateway id.
        with_gateway_id(id: i64) => gateway_id = Some(id);

        /// Asks for the portability check before a customer order.
        with_portability_check(check: bool) => check_portability = check;

        /// Sets the SMS campaign id.
        with_sms_campaign_id(id: impl Into<String>) => sms_campaign_id = Some(id.into());
    }
}
