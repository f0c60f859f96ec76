//! Events on a stream of the [`Store`]: published by the follower, read
//! by consumer groups (a Redis Stream for a fleet, memory within one
//! process).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::store::{Store, StoreError, StreamEntry};

use super::event::{MAX_EVENT_BYTES, PortEvent};

/// The default stream: `numport:events`.
pub const DEFAULT_EVENT_STREAM: &str = "numport:events";

/// The default bound of the stream: about 100,000 events (older ones are
/// trimmed; consumers that fall that far behind lose them).
pub const DEFAULT_EVENT_STREAM_LEN: u64 = 100_000;

/// The largest stream bound accepted: 10,000,000 events.
pub const MAX_EVENT_STREAM_LEN: u64 = 10_000_000;

/// The most entries one read asks for: 1,000.
pub const MAX_EVENT_BATCH: usize = 1_000;

/// The events of a fleet's orders, on a stream of the [`Store`].
///
/// Publish with [`Events::publish`]; consume with a group
/// ([`Events::consumer`]): every event reaches each group at least once;
/// within a group each event goes to one consumer, stays pending for it
/// until acknowledged, and is handed to another one
/// ([`EventConsumer::claim_stale`]) when its consumer died.
#[derive(Debug, Clone)]
pub struct Events {
    store: Arc<dyn Store>,
    stream: String,
    max_len: u64,
}

/// One event handed to a consumer: acknowledge it with
/// [`EventConsumer::ack`] once handled, or it is delivered again.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The stream entry's id (what [`EventConsumer::ack`] takes).
    pub entry_id: String,
    /// The event.
    pub event: PortEvent,
    /// How many times this entry was handed to the group, this time
    /// included (1 the first time).
    pub deliveries: u64,
}

impl Events {
    /// The events on [`DEFAULT_EVENT_STREAM`] of `store`, bounded by
    /// [`DEFAULT_EVENT_STREAM_LEN`].
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            stream: DEFAULT_EVENT_STREAM.to_owned(),
            max_len: DEFAULT_EVENT_STREAM_LEN,
        }
    }

    setters! {
        /// The stream's name (default [`DEFAULT_EVENT_STREAM`]; 1 to 512 bytes).
        stream(name: impl Into<String>) => stream = name.into();

        /// About how many events the stream keeps (default
        /// [`DEFAULT_EVENT_STREAM_LEN`], 1 to [`MAX_EVENT_STREAM_LEN`]; out of range is an
        /// [`Error::Config`] on first use).
        max_len(max: u64) => max_len = max;
    }

    /// The stream's name.
    pub fn stream_name(&self) -> &str {
        &self.stream
    }

    /// The store the stream is in.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn check_settings(&self) -> Result<()> {
        if self.max_len == 0 || self.max_len > MAX_EVENT_STREAM_LEN {
            return Err(Error::Config(format!(
                "the event stream's max_len must be between 1 and {MAX_EVENT_STREAM_LEN}, not {}",
                self.max_len
            )));
        }
        Ok(())
    }

    /// Appends `event` to the stream; answers its entry id. An event over
    /// [`MAX_EVENT_BYTES`] serialized is an [`Error::Events`], appended to
    /// nothing.
    pub async fn publish(&self, event: &PortEvent) -> Result<String> {
        self.check_settings()?;
        let payload = serde_json::to_vec(event).map_err(events_error)?;
        if payload.len() > MAX_EVENT_BYTES {
            return Err(events_error(format!(
                "event {} is {} bytes, over the {MAX_EVENT_BYTES}-byte bound",
                event.id,
                payload.len()
            )));
        }
        bounded(
            &self.store,
            self.store.stream_add(&self.stream, &payload, self.max_len),
        )
        .await
    }

    /// How many events the stream holds.
    pub async fn len(&self) -> Result<u64> {
        bounded(&self.store, self.store.stream_len(&self.stream)).await
    }

    /// A consumer named `consumer` in the group `group` (each 1 to 512
    /// bytes): a group sees every event once, shared among its consumers.
    pub fn consumer(&self, group: impl Into<String>, consumer: impl Into<String>) -> EventConsumer {
        EventConsumer {
            events: self.clone(),
            group: group.into(),
            consumer: consumer.into(),
        }
    }
}

/// A consumer of [`Events`] in a consumer group.
#[derive(Debug, Clone)]
pub struct EventConsumer {
    events: Events,
    group: String,
    consumer: String,
}

impl EventConsumer {
    /// The group's name.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// This consumer's name.
    pub fn name(&self) -> &str {
        &self.consumer
    }

    /// Up to `max` (at most [`MAX_EVENT_BATCH`]) events for this consumer: first
    /// those handed to it before and not acknowledged (after a restart,
    /// [`EventConsumer::pending`]), else new ones, waiting up to `wait` for
    /// one ([`EventConsumer::fresh`]).
    ///
    /// An entry that is not an event numport can read is acknowledged and
    /// dropped with a warning (it would block the group forever
    /// otherwise).
    pub async fn next(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>> {
        let mine = self.pending(max).await?;
        if !mine.is_empty() {
            return Ok(mine);
        }
        self.fresh(max, wait).await
    }

    /// Up to `max` (at most [`MAX_EVENT_BATCH`]) events handed to this
    /// consumer before and not acknowledged, at once; each counts one more
    /// delivery. Entries that are not events are dropped as by
    /// [`EventConsumer::next`].
    pub async fn pending(&self, max: usize) -> Result<Vec<Delivery>> {
        let max = max.clamp(1, MAX_EVENT_BATCH);
        let store = &self.events.store;
        let mine = bounded(
            store,
            store.stream_read(
                &self.events.stream,
                &self.group,
                &self.consumer,
                true,
                max,
                Duration::ZERO,
            ),
        )
        .await?;
        self.decode(mine).await
    }

    /// Up to `max` (at most [`MAX_EVENT_BATCH`]) events never handed to the
    /// group before, waiting up to `wait` for one; each stays pending for
    /// this consumer until acknowledged. Entries that are not events are
    /// dropped as by [`EventConsumer::next`].
    pub async fn fresh(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>> {
        let max = max.clamp(1, MAX_EVENT_BATCH);
        let store = &self.events.store;
        let timeout = store.timeout().saturating_add(wait);
        let fresh = bounded_by(
            store,
            timeout,
            store.stream_read(
                &self.events.stream,
                &self.group,
                &self.consumer,
                false,
                max,
                wait,
            ),
        )
        .await?;
        self.decode(fresh).await
    }

    /// Takes over up to `max` (at most [`MAX_EVENT_BATCH`]) events pending in the
    /// group for `min_idle` or longer: their consumer died or is stuck.
    pub async fn claim_stale(&self, min_idle: Duration, max: usize) -> Result<Vec<Delivery>> {
        let max = max.clamp(1, MAX_EVENT_BATCH);
        let store = &self.events.store;
        let entries = bounded(
            store,
            store.stream_claim(
                &self.events.stream,
                &self.group,
                &self.consumer,
                min_idle,
                max,
            ),
        )
        .await?;
        self.decode(entries).await
    }

    /// Acknowledges the delivery `entry_id`: it is not handed out again.
    /// True when it was pending.
    pub async fn ack(&self, entry_id: &str) -> Result<bool> {
        let store = &self.events.store;
        bounded(
            store,
            store.stream_ack(&self.events.stream, &self.group, entry_id),
        )
        .await
    }

    async fn decode(&self, entries: Vec<StreamEntry>) -> Result<Vec<Delivery>> {
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            match serde_json::from_slice::<PortEvent>(&entry.payload) {
                Ok(event) => out.push(Delivery {
                    entry_id: entry.id,
                    event,
                    deliveries: entry.deliveries,
                }),
                Err(error) => {
                    tracing::warn!(
                        stream = %self.events.stream,
                        entry = %entry.id,
                        %error,
                        "a stream entry that is not a numport event was dropped"
                    );
                    self.ack(&entry.id).await?;
                }
            }
        }
        Ok(out)
    }
}

fn events_error(message: impl std::fmt::Display) -> Error {
    Error::Events {
        message: message.to_string(),
    }
}

async fn bounded<T>(
    store: &Arc<dyn Store>,
    call: impl Future<Output = std::result::Result<T, StoreError>>,
) -> Result<T> {
    bounded_by(store, store.timeout(), call).await
}

async fn bounded_by<T>(
    store: &Arc<dyn Store>,
    timeout: Duration,
    call: impl Future<Output = std::result::Result<T, StoreError>>,
) -> Result<T> {
    crate::store::within(&**store, timeout, call)
        .await
        .map_err(events_error)
}
