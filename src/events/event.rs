//! One change of an order, as an event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{PhoneNumber, PortId};
use crate::operation::Carrier;
use crate::status::{CarrierStatus, PortStatus};

/// The type of every [`PortEvent`] so far: an order's status changed.
pub const STATUS_CHANGED: &str = "port.status_changed";

/// The largest event accepted on a stream, serialized: 16 KiB.
pub const MAX_EVENT_BYTES: usize = 16 * 1024;

/// One change of one order's status, as numport saw it while following the
/// order (the carriers push nothing; numport polls and says what changed).
///
/// Its JSON form is the body of a webhook
/// (`numport relay`) and the payload of a stream entry. It holds no PIN,
/// PAC, account number or credential: the account is the provider's
/// [`crate::PortProvider::account_reference`] (a hash), and the carrier's
/// message is the one its client already cleared of the secrets it knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortEvent {
    /// Stable id: the same change of the same order always has the same id,
    /// whichever replica saw it and however often it is delivered
    /// (`evt_` and 32 hex digits; see [`PortEvent::id_for`]). Receivers
    /// drop an id they have already handled.
    pub id: String,
    /// Always [`STATUS_CHANGED`] for now.
    #[serde(rename = "type")]
    pub kind: String,
    /// The carrier.
    pub carrier: Carrier,
    /// The account's reference, `numport:<carrier>:<hash>`.
    pub account: String,
    /// The carrier's id for the order.
    pub order_id: PortId,
    /// The numbers of the order, as submitted (may be empty when numport
    /// did not submit the order itself).
    pub numbers: Vec<PhoneNumber>,
    /// The change's number for this order: 1 for the first status seen,
    /// then one more for each change. Per order, events are delivered in
    /// this order.
    pub sequence: u64,
    /// The status before the change (`None` for the first one seen).
    pub from: Option<PortStatus>,
    /// The status after it.
    pub to: PortStatus,
    /// The carrier's own status name.
    pub carrier_status: Option<CarrierStatus>,
    /// The carrier's message about the order, when it gave one.
    pub message: Option<String>,
    /// When numport saw the change.
    pub seen_at: DateTime<Utc>,
}

impl PortEvent {
    /// The stable id of change `sequence` of order `order_id` of `account`:
    /// `evt_` and the first 32 hex digits of SHA-256 over the three.
    pub fn id_for(account: &str, order_id: &PortId, sequence: u64) -> String {
        let mut hash = Sha256::new();
        hash.update(account.as_bytes());
        hash.update([0]);
        hash.update(order_id.as_str().as_bytes());
        hash.update([0]);
        hash.update(sequence.to_be_bytes());
        let digest = hash.finalize();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("evt_{hex}")
    }

    /// An event of change `sequence` of an order, its id derived from
    /// account, order and sequence.
    #[allow(clippy::too_many_arguments)]
    pub fn status_changed(
        carrier: Carrier,
        account: impl Into<String>,
        order_id: PortId,
        numbers: Vec<PhoneNumber>,
        sequence: u64,
        from: Option<PortStatus>,
        to: PortStatus,
        seen_at: DateTime<Utc>,
    ) -> Self {
        let account = account.into();
        Self {
            id: Self::id_for(&account, &order_id, sequence),
            kind: STATUS_CHANGED.to_owned(),
            carrier,
            account,
            order_id,
            numbers,
            sequence,
            from,
            to,
            carrier_status: None,
            message: None,
            seen_at,
        }
    }

    /// The same event with the carrier's status name and message.
    pub fn with_carrier_words(
        mut self,
        carrier_status: Option<CarrierStatus>,
        message: Option<String>,
    ) -> Self {
        self.carrier_status = carrier_status;
        self.message = message;
        self
    }
}
