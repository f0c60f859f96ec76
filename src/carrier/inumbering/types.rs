//! iNumbering's requests and answers, typed.
//!
//! Requests are plain structs with public fields, built with struct
//! literals; answers are `#[non_exhaustive]`.

use chrono::NaiveDate;

use crate::model::options::inumbering::{NameType, StreetParts};
use crate::model::{AccountNumber, PhoneNumber, Pin};

/// The longest caller-ID name (`lidb.name`, `callingName`).
pub const MAX_CALLER_NAME: usize = 15;

/// Per-number settings applied after the port completes (`features[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortFeature {
    /// `number`.
    pub number: PhoneNumber,
    /// `routing.gateway_id`.
    pub gateway_id: Option<i64>,
    /// `lidb.name` (at most 15 characters).
    pub lidb_name: Option<String>,
    /// `sms.campaign_id`.
    pub sms_campaign_id: Option<String>,
}

impl PortFeature {
    /// Features for `number`, none set yet.
    pub fn new(number: PhoneNumber) -> Self {
        Self {
            number,
            gateway_id: None,
            lidb_name: None,
            sms_campaign_id: None,
        }
    }
}

/// `POST /v2.2/account/port`: a customer port request, reviewed by
/// iNumbering's LNP team before it reaches the carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPort {
    /// `did[]`: the numbers, 10-digit NANP.
    pub numbers: Vec<PhoneNumber>,
    /// `name`: the subscriber exactly as on the losing carrier's bill.
    pub name: String,
    /// `name_type`.
    pub name_type: NameType,
    /// `lc_btn`: the billing telephone number.
    pub billing_number: PhoneNumber,
    /// `lc_account_number`.
    pub account_number: AccountNumber,
    /// `pin`, where the losing carrier uses one.
    pub pin: Option<Pin>,
    /// `StreetNumber`, `StreetPrefix`, `Street`, `StreetType`,
    /// `StreetSuffix`, `Building`, `Floor`, `Room`, `UnitValue`.
    pub street: StreetParts,
    /// `City`.
    pub city: String,
    /// `State`: two letters.
    pub state: String,
    /// `zip`.
    pub zip: String,
    /// `Country`.
    pub country: String,
    /// `auth_person`: who signs the LoA.
    pub auth_person: String,
    /// `desired_due_date`; standard processing when `None`.
    pub desired_due_date: Option<NaiveDate>,
    /// `features[]`.
    pub features: Vec<PortFeature>,
}

/// What `/v2.2/account/port` answered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AccountPortCreated {
    /// `pid`: the 5-character port order id.
    pub pid: String,
    /// `ticket`: the support ticket id.
    pub ticket: Option<i64>,
    /// `loa_url`: where to sign the Letter of Authorization.
    pub loa_url: Option<String>,
    /// `port_url`: where to follow the order.
    pub port_url: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// The whole answer.
    pub raw: serde_json::Value,
}

/// The end user of an admin port-in item (`endUser`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndUser {
    /// `name`.
    pub name: String,
    /// `streetNum`, `streetPreDir`, `streetName`, `streetType`,
    /// `streetPostDir`; building, floor, room and unit become
    /// `locationType1..3` / `locationValue1..3` (`BLDG`, `FL`, `RM`, or the
    /// unit's own designator such as `STE`).
    pub street: StreetParts,
    /// `city`.
    pub city: String,
    /// `state`.
    pub state: String,
    /// `postalCode`.
    pub postal_code: String,
    /// `typeOfService`: `B` or `R`.
    pub type_of_service: NameType,
}

/// One number of an admin port-in order (`tnItem`). `authDate` is never
/// sent: iNumbering sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInItem {
    /// `tn`.
    pub tn: PhoneNumber,
    /// `atn`: the account (billing) telephone number.
    pub atn: PhoneNumber,
    /// `accountNum`.
    pub account_number: AccountNumber,
    /// `accountPin`.
    pub account_pin: Option<Pin>,
    /// `authName`.
    pub auth_name: String,
    /// `endUser`.
    pub end_user: EndUser,
    /// `tnFeature.callerId.callingName` (at most 15 characters).
    pub calling_name: Option<String>,
}

/// `POST /v2/iNumbering/portInOrder/` (administrators only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInOrder {
    /// `desiredDueDate`.
    pub desired_due_date: NaiveDate,
    /// `tnList.tnItem[]`.
    pub items: Vec<PortInItem>,
}

/// One number's portability (`serviceAvailable[]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Availability {
    /// `telephoneNumber` as sent back.
    pub telephone_number: String,
    /// The number parsed, when it could be.
    pub number: Option<PhoneNumber>,
    /// `isPortable` (the string `"true"`).
    pub portable: bool,
    /// `notPortableReason`, only when not portable.
    pub not_portable_reason: Option<String>,
    /// `serviceProviderName`.
    pub service_provider: Option<String>,
}

/// One entry of `portStatusSummary`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortStatusEntry {
    /// `id`: the port record's document id.
    pub id: Option<String>,
    /// `value.pid`: the 5-character port order id.
    pub pid: Option<String>,
    /// `value.status` as sent (casing varies).
    pub status: String,
    /// `value.message`: FOC date and time, or a rejection reason.
    pub message: Option<String>,
    /// `value.foc`; `None` when absent or the `19750715` "no FOC yet" sentinel.
    pub foc: Option<NaiveDate>,
    /// `value.notify == "1"`.
    pub notify: bool,
    /// `value.url`: the support ticket URL.
    pub url: Option<String>,
    /// `value.pin`: the port-out PIN (redacted in `Debug`).
    pub pin: Option<Pin>,
    /// `key[1]`: the Unix timestamp of the record.
    pub timestamp: Option<i64>,
}

/// A port-out PIN to set (`portOutPin.tnList.tnItem[]`): given, or
/// generated by iNumbering when `pin` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinUpdate {
    /// `tn`.
    pub number: PhoneNumber,
    /// `portOutPin`: four digits, or `None` for a generated one.
    pub pin: Option<Pin>,
}

impl PinUpdate {
    /// Sets `pin` on `number`.
    pub fn set(number: PhoneNumber, pin: Pin) -> Self {
        Self {
            number,
            pin: Some(pin),
        }
    }

    /// Asks iNumbering to generate a PIN for `number`.
    pub fn generate(number: PhoneNumber) -> Self {
        Self { number, pin: None }
    }
}

/// A PIN iNumbering assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssignedPin {
    /// The number.
    pub number: PhoneNumber,
    /// Its port-out PIN.
    pub pin: Pin,
}

impl AccountPort {
    /// The request's own secrets (the account number, the PIN), removed
    /// from every error text and from the carrier's texts about it.
    pub(super) fn secrets(&self) -> Vec<&str> {
        std::iter::once(self.account_number.expose())
            .chain(self.pin.as_ref().map(Pin::expose))
            .collect()
    }
}

impl PortInOrder {
    /// The order's own secrets (every item's account number and PIN),
    /// removed from every error text and from the carrier's texts about it.
    pub(super) fn secrets(&self) -> Vec<&str> {
        self.items
            .iter()
            .flat_map(|i| {
                std::iter::once(i.account_number.expose())
                    .chain(i.account_pin.as_ref().map(Pin::expose))
            })
            .collect()
    }
}
