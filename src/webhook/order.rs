//! Per order, the last event a relay delivered (or dead-lettered), kept in
//! the store so that every relay of a group keeps the order.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

use super::error::{WebhookError, events_error};

/// How long a relay remembers an order's last delivered sequence after
/// the last change: 400 days (an order is followed for months at most).
pub const ORDER_RECORD_TTL: Duration = Duration::from_secs(400 * 24 * 3600);

/// The longest account and order id kept as they are in a key; longer
/// ones are replaced with a hash.
const MAX_KEY_PART_BYTES: usize = 256;

/// The order records of one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct OrderRecords {
    store: Arc<dyn Store>,
    endpoint_hash: String,
}

impl OrderRecords {
    pub(crate) fn new(store: Arc<dyn Store>, endpoint_hash: &str) -> Self {
        Self {
            store,
            endpoint_hash: endpoint_hash.to_owned(),
        }
    }

    /// `numport:relay:<endpoint hash>:order:<account>:<order>`.
    pub(crate) fn key(&self, account: &str, order: &str) -> String {
        let part = |text: &str| {
            if text.len() <= MAX_KEY_PART_BYTES {
                text.to_owned()
            } else {
                let digest = Sha256::digest(text.as_bytes());
                let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                format!("sha256-{hex}")
            }
        };
        format!(
            "numport:relay:{}:order:{}:{}",
            self.endpoint_hash,
            part(account),
            part(order)
        )
    }

    /// The last sequence delivered or dead-lettered for the order, if any
    /// is recorded. An unreadable value is an error (never "none": that
    /// would let a later event pass its predecessor).
    pub(crate) async fn last(
        &self,
        account: &str,
        order: &str,
    ) -> Result<Option<u64>, WebhookError> {
        let key = self.key(account, order);
        let Some(value) = bounded(&self.store, self.store.get(&key)).await? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&value)
            .ok()
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| {
                events_error(format!("the order record {key} is not a sequence number"))
            })?;
        Ok(Some(text))
    }

    /// Records `sequence` as the order's last one (kept
    /// [`ORDER_RECORD_TTL`]).
    pub(crate) async fn record(
        &self,
        account: &str,
        order: &str,
        sequence: u64,
    ) -> Result<(), WebhookError> {
        let key = self.key(account, order);
        let value = sequence.to_string();
        bounded(
            &self.store,
            self.store.put(&key, value.as_bytes(), ORDER_RECORD_TTL),
        )
        .await
    }
}

/// A store call within the store's own bound.
pub(crate) async fn bounded<T>(
    store: &Arc<dyn Store>,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, WebhookError> {
    crate::store::within(&**store, store.timeout(), call)
        .await
        .map_err(events_error)
}
