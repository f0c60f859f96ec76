//! Apeiron: US cellular port-in (`POST /v2/cellular/port`).
//!
//! [`ApeironClient`] sends Apeiron's one porting call with HTTP Basic
//! (account e-mail + API token): JSON when no document is attached,
//! `multipart/form-data` with `loa` and `bill` file parts when one is. Every
//! field of Apeiron's table is reachable through [`CellularPort`] (natively)
//! or [`crate::PortRequest`] with [`ApeironOptions`] (through the trait).
//!
//! The pre-submission checklist is enforced before anything is sent: a
//! 10-digit NANP MDN, account number and PIN, a complete service address
//! (US state code, ZIP or ZIP+4), an ICCID, exactly one of `service_plan` and
//! `subscriber_service_plan_id`, `use_subscriber_address_for_e911` never with
//! an `e911_*` field, a complete E911 address when any part is given, and
//! non-empty PDF or image attachments.
//!
//! Apeiron documents no success body: the order id is read tolerantly and
//! the JSON kept ([`CreatedPort`]). Its five troubleshooting reasons become
//! [`crate::RejectReason`]s (address mismatch, invalid ICCID, incorrect PIN,
//! MDN inactive, plan invalid), its Django-REST-style field errors
//! [`crate::FieldError`]s. A port-in is never resent once it may have
//! reached Apeiron.

mod builder;
mod check;
mod client;
mod from_wire;
mod provider;
mod request;
mod to_wire;
mod types;
mod wire;

pub use crate::model::options::apeiron::{ApeironOptions, E911Address, ServicePlan};
pub use builder::{ApeironClientBuilder, DEFAULT_BASE_URL};
pub use client::{ApeironClient, PORT_PATH};
pub use types::{CellularPort, CreatedPort, E911};
