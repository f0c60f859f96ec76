//! Cellhire's own resources, typed: networks, ports, rows, create and update.
//!
//! These are the public face of Cellhire's API for what the unified trait
//! cannot express. The exact JSON lives in the private `wire` module; the
//! mappings between the two are in `to_wire` and `from_wire`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub(crate) use crate::model::options::cellhire::{PortType, Service};
use crate::model::{Iccid, Pac, PhoneNumber, PortId};
use crate::status::{CarrierStatus, LineStatus, PortStatus};

/// A network a number can port from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceNetwork {
    /// Cellhire's id for it.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// A network a number can port to, with its booking rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetNetwork {
    /// Cellhire's id for it (`targetNetworkId` in Create Port).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The latest booking, in days from today.
    pub max_port_days: u32,
    /// The earliest booking, in days from today.
    pub min_port_days: u32,
    /// Whether eSIMs are allowed.
    pub allow_esim: bool,
    /// Cellhire's network number (for tariff and provisioning-order look-ups).
    pub network_number: i64,
    /// The networks numbers may come from.
    pub source_networks: Vec<SourceNetwork>,
    /// Non-working days in the booking window.
    pub upcoming_holidays: Vec<NaiveDate>,
}

impl TargetNetwork {
    /// The source network with this id, if numbers may come from it.
    pub fn source(&self, id: i64) -> Option<&SourceNetwork> {
        self.source_networks.iter().find(|s| s.id == id)
    }
}

/// The target networks for one port type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortingNetworks {
    /// The port type.
    pub port_type: PortType,
    /// Cellhire's id for the port type.
    pub port_type_id: i64,
    /// The networks available for it.
    pub target_networks: Vec<TargetNetwork>,
}

/// One row of a Create Port request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePortRow {
    /// The group, unique per tariff + bolt-ons + services (at most 255 characters).
    pub group_name: String,
    /// Whether the SIM is an eSIM (only where the network allows it).
    pub esim: bool,
    /// The number.
    pub msisdn: PhoneNumber,
    /// The SIM serial number.
    pub serial_no: Iccid,
    /// An existing provisioning order's id.
    pub provisioning_order: Option<i64>,
    /// A new provisioning order's name (at most 255 characters).
    pub provisioning_order_name: Option<String>,
    /// The PAC.
    pub pac: Pac,
    /// The tariff id.
    pub tariff_id: i64,
    /// The bolt-on ids.
    pub bolt_ons: Vec<i64>,
    /// Services to configure (`None` sends `null`).
    pub services: Option<Vec<Service>>,
}

/// A Create Port request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePort {
    /// The port's name (at most 255 characters).
    pub name: String,
    /// The target network id.
    pub target_network_id: i64,
    /// The source network id.
    pub source_network_id: i64,
    /// The connection date.
    pub connection_date: NaiveDate,
    /// The port type.
    pub port_type: PortType,
    /// The rows, at least one.
    pub rows: Vec<CreatePortRow>,
}

/// A change to one row of an existing port (Update Port).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowUpdate {
    /// A corrected PAC for a row in PacInvalid or PacInvalidDate (`Amended`).
    Amend {
        /// The row's number.
        msisdn: PhoneNumber,
        /// The new PAC.
        pac: Pac,
    },
    /// Cancel a row in PacInvalid, PacInvalidDate or Submitted
    /// (`CancellationRequested`).
    Cancel {
        /// The row's number.
        msisdn: PhoneNumber,
    },
}

/// One row of a port, as Get Port Details reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortRow {
    /// The row id.
    pub id: Option<String>,
    /// The number as Cellhire wrote it.
    pub msisdn: String,
    /// The number parsed (national numbers read in the client's country).
    pub number: Option<PhoneNumber>,
    /// The SIM serial.
    pub serial_no: Option<String>,
    /// The PAC on the row (redacted in `Debug`).
    pub pac: Option<Pac>,
    /// The unified line state.
    pub status: LineStatus,
    /// Cellhire's own row status.
    pub carrier_status: CarrierStatus,
    /// Cellhire's message on the row (why a source network refused, say).
    pub message: Option<String>,
    /// The row's group.
    pub group_name: Option<String>,
    /// Bolt-on ids.
    pub bolt_ons: Vec<i64>,
    /// Tariff id.
    pub tariff_id: Option<i64>,
    /// Tariff name.
    pub tariff_name: Option<String>,
    /// Whether the SIM is an eSIM.
    pub esim: bool,
    /// New provisioning order's name.
    pub provisioning_order_name: Option<String>,
    /// Existing provisioning order's id.
    pub provisioning_order: Option<i64>,
    /// Services.
    pub services: Vec<Service>,
}

impl PortRow {
    /// True when this row lets the port progress: Cellhire submits a port
    /// only once every row is PacValid or Cancelled.
    pub fn is_ready(&self) -> bool {
        matches!(self.status, LineStatus::Validated | LineStatus::Cancelled)
    }
}

/// A port with its rows (Get Port Details).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortDetails {
    /// The port id.
    pub id: PortId,
    /// The unified order state.
    pub status: PortStatus,
    /// Cellhire's own status.
    pub carrier_status: CarrierStatus,
    /// The port's name.
    pub name: Option<String>,
    /// Target network id and name.
    pub target_network: Option<(i64, String)>,
    /// Source network id and name.
    pub source_network: Option<(i64, String)>,
    /// The connection date.
    pub connection_date: Option<NaiveDate>,
    /// The port type.
    pub port_type: Option<PortType>,
    /// Cellhire's id for the port type.
    pub port_type_id: Option<i64>,
    /// The row count Cellhire reports.
    pub row_count: Option<u32>,
    /// The rows.
    pub rows: Vec<PortRow>,
}

impl PortDetails {
    /// The rows holding the port back while it waits to be submitted: every
    /// row that is neither PacValid nor Cancelled. Empty once the port has
    /// gone past that stage.
    pub fn rows_holding_port(&self) -> Vec<&PortRow> {
        if !matches!(
            self.status,
            PortStatus::Received | PortStatus::ActionRequired
        ) {
            return Vec::new();
        }
        self.rows.iter().filter(|r| !r.is_ready()).collect()
    }
}

/// One entry of List Ports: the shared summary plus Cellhire's port type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortListEntry {
    /// The port as the shared model sees it (id, status, name, date, row count).
    pub summary: crate::model::PortSummary,
    /// The port type, by name ("PortIn").
    pub port_type: Option<PortType>,
    /// Cellhire's id for the port type.
    pub port_type_id: Option<i64>,
}

/// One page of List Ports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortPage {
    /// Total ports on the account.
    pub total: u64,
    /// Total pages at this page size.
    pub total_pages: u64,
    /// The ports on this page.
    pub ports: Vec<PortListEntry>,
    /// Entries of this page that could not be read (an id that is not a
    /// usable port id), each described with its position on the page, so that
    /// a caller reconciling its books sees every port the carrier reported.
    pub unreadable: Vec<String>,
    /// How many entries the page held, readable or not.
    pub(crate) entries: usize,
    /// A hash of every entry id of the page in order, readable or not: tells
    /// a page that repeats the previous one without keeping its ids.
    pub(crate) fingerprint: u64,
}
