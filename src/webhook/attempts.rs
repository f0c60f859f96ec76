//! Per event, the attempts a relay made and when the next one is due,
//! kept in the store so that the schedule survives a restart, a takeover
//! by another relay of the group, and `run_once` from cron.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::Store;

use super::error::WebhookError;
use super::order::bounded;

/// What is kept of an event being retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AttemptState {
    /// Attempts made.
    pub attempts: u32,
    /// When the next one is due.
    pub due: DateTime<Utc>,
    /// When a relay first took the event.
    pub held_since: DateTime<Utc>,
}

/// The attempt records of one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct AttemptRecords {
    store: Arc<dyn Store>,
    endpoint_hash: String,
}

impl AttemptRecords {
    pub(crate) fn new(store: Arc<dyn Store>, endpoint_hash: &str) -> Self {
        Self {
            store,
            endpoint_hash: endpoint_hash.to_owned(),
        }
    }

    /// `numport:relay:<endpoint hash>:attempts:<event id>` (ids are
    /// `evt_` and 32 hex digits; a longer one is cut: the key stays
    /// bounded).
    fn key(&self, event_id: &str) -> String {
        let id: String = event_id.chars().take(64).collect();
        format!("numport:relay:{}:attempts:{id}", self.endpoint_hash)
    }

    /// The state recorded for `event_id`; `None` when there is none or it
    /// cannot be read (the event then starts its schedule again: it is
    /// sent sooner, never lost).
    pub(crate) async fn get(&self, event_id: &str) -> Result<Option<AttemptState>, WebhookError> {
        let value = bounded(&self.store, self.store.get(&self.key(event_id))).await?;
        Ok(value.and_then(|v| serde_json::from_slice(&v).ok()))
    }

    /// Records `state` for `event_id`, kept `ttl`.
    pub(crate) async fn put(
        &self,
        event_id: &str,
        state: &AttemptState,
        ttl: Duration,
    ) -> Result<(), WebhookError> {
        let value = serde_json::to_vec(state).map_err(super::error::events_error)?;
        bounded(
            &self.store,
            self.store.put(&self.key(event_id), &value, ttl),
        )
        .await
    }
}
