//! Apeiron's port-in request and answer, typed.

pub(crate) use crate::model::options::apeiron::ServicePlan;
use crate::model::{AccountNumber, Document, Iccid, PhoneNumber, Pin};

/// Where the E911 address comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum E911 {
    /// No E911 fields are sent.
    #[default]
    None,
    /// `e911_address1`, `e911_address2`, `e911_city`, `e911_state`,
    /// `e911_postal_code`.
    Address {
        /// Line 1.
        address1: String,
        /// Line 2 (sent only when set).
        address2: Option<String>,
        /// City.
        city: String,
        /// Two-letter state code.
        state: String,
        /// ZIP or ZIP+4.
        postal_code: String,
    },
    /// `use_subscriber_address_for_e911: true`.
    SubscriberAddress,
}

/// `POST /v2/cellular/port`: one MDN, every field of Apeiron's table.
///
/// Sent as JSON, or as `multipart/form-data` when [`CellularPort::loa`] or
/// [`CellularPort::bill`] is set. [`super::ApeironClient::create_port`]
/// checks it before sending; problems are named after the wire fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CellularPort {
    /// `mdn`: the number to port, a 10-digit NANP number.
    pub mdn: PhoneNumber,
    /// `authorization_name`: the name on the LoA.
    pub authorization_name: String,
    /// `first_name`.
    pub first_name: String,
    /// `last_name`.
    pub last_name: String,
    /// `address1`.
    pub address1: String,
    /// `address2`: always sent, empty when `None`.
    pub address2: Option<String>,
    /// `city`.
    pub city: String,
    /// `state`: a two-letter US state code.
    pub state: String,
    /// `postal_code`: ZIP or ZIP+4.
    pub postal_code: String,
    /// `account_number` at the losing carrier.
    pub account_number: AccountNumber,
    /// `pin` at the losing carrier.
    pub pin: Pin,
    /// `service_plan` or `subscriber_service_plan_id`.
    pub plan: ServicePlan,
    /// `iccid`.
    pub iccid: Iccid,
    /// `ticket_id`.
    pub ticket_id: Option<String>,
    /// `reference`.
    pub reference: Option<String>,
    /// `business_name`.
    pub business_name: Option<String>,
    /// The E911 fields.
    pub e911: E911,
    /// `create_subscriber`.
    pub create_subscriber: Option<bool>,
    /// The `loa` file part.
    pub loa: Option<Document>,
    /// The `bill` file part.
    pub bill: Option<Document>,
}

impl CellularPort {
    /// A port of `mdn` with the required fields; optional ones start empty.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        mdn: PhoneNumber,
        authorization_name: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        address: &crate::model::Address,
        account_number: AccountNumber,
        pin: Pin,
        plan: ServicePlan,
        iccid: Iccid,
    ) -> Self {
        Self {
            mdn,
            authorization_name: authorization_name.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            address1: address.line1.clone(),
            address2: address.line2.clone(),
            city: address.city.clone(),
            state: address.state.clone(),
            postal_code: address.postal_code.clone(),
            account_number,
            pin,
            plan,
            iccid,
            ticket_id: None,
            reference: None,
            business_name: None,
            e911: E911::None,
            create_subscriber: None,
            loa: None,
            bill: None,
        }
    }

    /// True when it goes as `multipart/form-data`.
    pub fn is_multipart(&self) -> bool {
        self.loa.is_some() || self.bill.is_some()
    }
}

/// What Apeiron answered to a port-in.
///
/// Apeiron does not document its success body: the order id is read from
/// the first of `id`, `port_id`, `port_order_id`, `order_id` (a number or a
/// string, at the top level or under `data`) and the whole JSON is kept.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreatedPort {
    /// The port order id, when the answer named one.
    pub id: Option<String>,
    /// The HTTP status (2xx).
    pub status: u16,
    /// The body as sent (`Null` when empty or not JSON).
    pub raw: serde_json::Value,
}
