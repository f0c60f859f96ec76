//! Orders as carriers report them, and changes to them.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::model::{Pac, PhoneNumber};
use crate::operation::Carrier;
use crate::status::{CarrierStatus, LineStatus, PortStatus};

/// A carrier's id for a port order (a GUID at Cellhire, a number elsewhere).
///
/// 1 to 128 printable characters with no white space, `/`, `?` or `#`, so it is
/// always safe in a URL path.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PortId(String);

impl PortId {
    /// Validates and wraps an id.
    pub fn new(id: impl Into<String>) -> Result<Self, FieldError> {
        let id = id.into();
        if id.is_empty() || id.len() > 128 {
            return Err(FieldError::new("id", "must have 1 to 128 characters"));
        }
        // Printable ASCII (every id carriers issue) is checked byte by byte;
        // other text character by character.
        let ascii_ok = id
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'%'));
        if !ascii_ok
            && id
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '%'))
        {
            return Err(FieldError::new(
                "id",
                "may not hold white space, '/', '?', '#' or '%'",
            ));
        }
        Ok(Self(id))
    }

    /// The id as the carrier wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PortId {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PortId> for String {
    fn from(id: PortId) -> Self {
        id.0
    }
}

impl fmt::Debug for PortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PortId({})", self.0)
    }
}

impl fmt::Display for PortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One number within an order, as the carrier reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortLineDetail {
    /// The carrier's id for the line, when it has one.
    pub id: Option<String>,
    /// The number exactly as the carrier wrote it.
    pub msisdn: String,
    /// The number parsed, when it could be.
    pub number: Option<PhoneNumber>,
    /// The SIM serial the carrier holds for it.
    pub sim: Option<String>,
    /// The unified line state.
    pub status: LineStatus,
    /// The carrier's own status.
    pub carrier_status: CarrierStatus,
    /// The carrier's message about this line (a rejection reason, say).
    pub message: Option<String>,
}

impl PortLineDetail {
    /// A line detail (for adapters and tests).
    pub fn new(
        msisdn: impl Into<String>,
        status: LineStatus,
        carrier_status: CarrierStatus,
    ) -> Self {
        Self {
            id: None,
            msisdn: msisdn.into(),
            number: None,
            sim: None,
            status,
            carrier_status,
            message: None,
        }
    }
}

/// One order with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortOrder {
    /// The carrier's id for the order.
    pub id: PortId,
    /// The carrier.
    pub carrier: Carrier,
    /// The unified order state.
    pub status: PortStatus,
    /// The carrier's own status.
    pub carrier_status: CarrierStatus,
    /// The order's name, where the carrier keeps one.
    pub name: Option<String>,
    /// The planned (or actual) port date.
    pub port_date: Option<NaiveDate>,
    /// The lines.
    pub lines: Vec<PortLineDetail>,
    /// The carrier's latest message about the order (a FOC, the losing
    /// carrier's reason for a rejection or a cancellation), where it sends
    /// one.
    #[serde(default)]
    pub message: Option<String>,
}

impl PortOrder {
    /// An order with no name, date or lines (for adapters and tests).
    pub fn new(
        id: PortId,
        carrier: Carrier,
        status: PortStatus,
        carrier_status: CarrierStatus,
    ) -> Self {
        Self {
            id,
            carrier,
            status,
            carrier_status,
            name: None,
            port_date: None,
            lines: Vec::new(),
            message: None,
        }
    }

    /// The lines whose state asks the caller to act.
    pub fn lines_needing_action(&self) -> impl Iterator<Item = &PortLineDetail> {
        self.lines.iter().filter(|l| l.status.needs_action())
    }
}

/// An order as a listing shows it: no lines, perhaps a count of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortSummary {
    /// The carrier's id for the order.
    pub id: PortId,
    /// The carrier.
    pub carrier: Carrier,
    /// The unified order state.
    pub status: PortStatus,
    /// The carrier's own status.
    pub carrier_status: CarrierStatus,
    /// The order's name, where the carrier keeps one.
    pub name: Option<String>,
    /// The planned (or actual) port date.
    pub port_date: Option<NaiveDate>,
    /// How many lines the order has, when the listing says.
    pub line_count: Option<u32>,
    /// The carrier's latest message about the order, where its listing
    /// carries one.
    #[serde(default)]
    pub message: Option<String>,
}

impl PortSummary {
    /// A summary (for adapters and tests).
    pub fn new(
        id: PortId,
        carrier: Carrier,
        status: PortStatus,
        carrier_status: CarrierStatus,
    ) -> Self {
        Self {
            id,
            carrier,
            status,
            carrier_status,
            name: None,
            port_date: None,
            line_count: None,
            message: None,
        }
    }
}

/// One order a submission created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubmittedOrder {
    /// The carrier's id for the new order.
    pub id: PortId,
    /// The numbers it covers.
    pub numbers: Vec<PhoneNumber>,
    /// The carrier's answer, as JSON, for fields this crate does not model.
    pub raw: serde_json::Value,
}

impl SubmittedOrder {
    /// An order record.
    pub fn new(id: PortId, numbers: Vec<PhoneNumber>, raw: serde_json::Value) -> Self {
        Self { id, numbers, raw }
    }
}

/// A number a submission could not order, while others in the same request
/// were ordered (carriers that take one number per order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LineFailure {
    /// The number not ordered.
    pub number: PhoneNumber,
    /// The typed reason, when the carrier's words gave one.
    pub reason: Option<crate::error::RejectReason>,
    /// The HTTP status, when the failure came from one.
    pub status: Option<u16>,
    /// The error, as [`crate::Error`]'s `Display` shows it.
    pub message: String,
    /// True when the carrier may have created the order all the same
    /// ([`crate::Error::is_outcome_unknown`]): reconcile before ordering
    /// this number again.
    #[serde(default)]
    pub outcome_unknown: bool,
    /// True when the request for this number provably never left
    /// ([`crate::Error::is_never_sent`]).
    #[serde(default)]
    pub never_sent: bool,
}

impl LineFailure {
    /// The failure of `number` with `error`.
    pub fn new(number: PhoneNumber, error: &crate::Error) -> Self {
        Self {
            number,
            reason: error.reject_reason(),
            status: error.status(),
            message: error.to_string(),
            outcome_unknown: error.is_outcome_unknown(),
            never_sent: error.is_never_sent(),
        }
    }
}

/// What [`crate::PortProvider::submit`] created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Submission {
    /// The carrier.
    pub carrier: Carrier,
    /// The orders created: one for a carrier that takes many numbers per order,
    /// one per number for a carrier that takes one.
    pub orders: Vec<SubmittedOrder>,
    /// Numbers that could not be ordered while others were. A submission in
    /// which nothing was ordered is an `Err` instead, so this is empty unless
    /// `orders` is not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<LineFailure>,
    /// When the submission was answered.
    pub submitted_at: DateTime<Utc>,
}

impl Submission {
    /// A submission record, stamped now.
    pub fn new(carrier: Carrier, orders: Vec<SubmittedOrder>) -> Self {
        Self {
            carrier,
            orders,
            failures: Vec::new(),
            submitted_at: Utc::now(),
        }
    }

    /// The id of the first (often the only) order.
    pub fn first_id(&self) -> Option<&PortId> {
        self.orders.first().map(|o| &o.id)
    }
}

/// A change to one line of an existing order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LineChange {
    /// Replace a refused PAC.
    NewPac {
        /// The line's number.
        number: PhoneNumber,
        /// The corrected PAC.
        pac: Pac,
    },
    /// Cancel this line only.
    Cancel {
        /// The line's number.
        number: PhoneNumber,
    },
}

impl LineChange {
    /// The number the change concerns.
    pub fn number(&self) -> &PhoneNumber {
        match self {
            Self::NewPac { number, .. } | Self::Cancel { number } => number,
        }
    }
}

/// Changes to the lines of an existing order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Amendment {
    /// The changes, at least one, at most one per number.
    pub changes: Vec<LineChange>,
}

impl Amendment {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the PAC of `number`.
    pub fn new_pac(mut self, number: PhoneNumber, pac: Pac) -> Self {
        self.changes.push(LineChange::NewPac { number, pac });
        self
    }

    /// Cancels the line of `number`.
    pub fn cancel_line(mut self, number: PhoneNumber) -> Self {
        self.changes.push(LineChange::Cancel { number });
        self
    }
}

/// The answer to a portability check for one number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Portability {
    /// The number checked.
    pub number: PhoneNumber,
    /// True when the carrier says it can be ported in.
    pub portable: bool,
    /// The carrier's reason when it cannot.
    pub reason: Option<String>,
}

impl Portability {
    /// A check result.
    pub fn new(number: PhoneNumber, portable: bool, reason: Option<String>) -> Self {
        Self {
            number,
            portable,
            reason,
        }
    }
}
