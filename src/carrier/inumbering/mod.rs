//! iNumbering (VoiceTel): US LNP port-in with a mandatory portability
//! pre-check.
//!
//! [`INumberingClient`] speaks all six calls of iNumbering's OpenAPI
//! document, each a POST with a JSON body, paths kept exactly (trailing
//! slashes included): `/v2.2/account/apikey` (the key exchange, run by the
//! client itself: once, then again only after a 401),
//! `/v2/iNumbering/portInAvailability/`, `/v2.2/account/port` (customer
//! orders, through iNumbering's LNP review), `/v2/iNumbering/portInOrder/`
//! (admin orders), `/v2.1/iNumbering/portStatus/` and
//! `/v2/iNumbering/portOutPinUpdate/`. Every call after the exchange
//! carries `Authorization: Bearer <key>`, and `"apikey"` in the body where
//! the spec's schema requires it.
//!
//! Through [`crate::PortProvider`], `submit` checks portability first (one
//! batched call for the numbers this client has not checked within the hour,
//! [`CHECK_LIFETIME`]), refuses the whole submission when any number is not
//! portable, orders every number in one request, and recovers once from a
//! 412 (stale check). Failures are read from the HTTP status and from the
//! body alike: a failure inside a 200 is a failure.
//!
//! portStatus answers every order of the account in one body. `orders`,
//! `order` and `reconcile` read it as it arrives
//! ([`INumberingClient::port_status_entries`]): entry by entry, in constant
//! memory, within [`crate::http::HttpConfig::max_listing_bytes`] and
//! [`MAX_ENTRY_BYTES`] an entry; an answer without the listing, cut or
//! malformed is [`crate::Error::Incomplete`], never an empty account.

mod auth;
mod builder;
mod check;
mod client;
mod from_wire;
mod links;
mod precheck;
mod provider;
mod request;
pub mod status_map;
mod summary;
mod to_wire;
mod types;
mod wire;

pub use crate::model::options::inumbering::{DIRECTIONS, INumberingOptions, NameType, StreetParts};
pub use auth::APIKEY_PATH;
pub use builder::{DEFAULT_BASE_URL, INumberingClientBuilder};
pub use client::{
    ACCOUNT_PORT_PATH, AVAILABILITY_PATH, INumberingClient, PIN_UPDATE_PATH, PORT_IN_ORDER_PATH,
    PORT_STATUS_PATH,
};
pub use from_wire::NO_FOC;
pub use precheck::CHECK_LIFETIME;
pub use summary::MAX_ENTRY_BYTES;
pub use types::{
    AccountPort, AccountPortCreated, AssignedPin, Availability, EndUser, MAX_CALLER_NAME,
    PinUpdate, PortFeature, PortInItem, PortInOrder, PortStatusEntry,
};
