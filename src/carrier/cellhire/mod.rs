//! Cellhire: UK and European port-ins and migrations, PAC based.
//!
//! [`CellhireClient`] speaks every operation of Cellhire's porting document:
//! Get Porting Networks, List Ports (paged by `x-pagenumber` / `x-pagesize`,
//! at most 50), Get Port Details, Create Port (201 with the new GUID as a
//! bare JSON string), Update Port (PATCH, PascalCase rows, 202) and Cancel
//! Port (DELETE, 202), authenticated by a static bearer token or by OAuth2
//! client credentials. It implements [`crate::PortProvider`].
//!
//! Rules from the document are checked before anything is sent: a
//! provisioning order (id or name) on every row, names and group names of
//! at most 255 characters, eSIM only where the target network allows it, and
//! a connection date on a working day within the network's booking window
//! and off its holidays ([`ConnectionDatePlanner`]).
//!
//! Status is mapped by name ([`status_map`]); the ids Cellhire sends are kept
//! as raw data only, as they differ between endpoints.

mod auth;
mod builder;
mod check;
mod client;
mod from_wire;
mod listing;
mod msisdn;
mod planner;
mod provider;
mod reconcile;
mod request;
pub mod status_map;
mod to_wire;
mod types;
mod wire;

pub use crate::model::options::cellhire::{CellhireOptions, PortType, Service};
pub use auth::{CellhireAuth, DEFAULT_TOKEN_URL};
pub use builder::{CellhireClientBuilder, DEFAULT_BASE_URL, DEFAULT_TIMEZONE};
pub use check::{MAX_NAME, MAX_PAGE_SIZE};
pub use client::{CellhireClient, MAX_LIST_PAGES};
#[cfg(feature = "fuzzing")]
pub(crate) use from_wire::order as order_from_details;
pub use msisdn::MsisdnFormat;
pub use planner::{ConnectionDatePlanner, DateProblem, MAX_HOLIDAYS, MAX_PORT_DAYS};
pub use types::{
    CreatePort, CreatePortRow, PortDetails, PortListEntry, PortPage, PortRow, PortingNetworks,
    RowUpdate, SourceNetwork, TargetNetwork,
};
