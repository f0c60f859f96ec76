//! Apeiron's JSON exactly as its document writes it. Private.

use serde::Serialize;

/// `POST /v2/cellular/port` body, JSON or the text parts of the multipart
/// form. `address2` is always sent (empty when there is none); optional
/// fields are left out when unset.
#[derive(Debug, Serialize)]
pub(super) struct PortBody<'a> {
    pub mdn: &'a str,
    pub authorization_name: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub address1: &'a str,
    pub address2: &'a str,
    pub city: &'a str,
    pub state: &'a str,
    pub postal_code: &'a str,
    pub account_number: &'a str,
    pub pin: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_plan: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber_service_plan_id: Option<&'a str>,
    pub iccid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e911_address1: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e911_address2: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e911_city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e911_state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e911_postal_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_subscriber: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_subscriber_address_for_e911: Option<bool>,
}
