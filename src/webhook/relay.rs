//! The relay: events of a consumer group, delivered as signed webhooks to
//! one endpoint, retried on a schedule, dead-lettered when it ends, in
//! order per order.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::ops::AddAssign;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::time::Instant;

use crate::clock::{Clock, SystemClock};
use crate::events::{
    DEFAULT_EVENT_STREAM_LEN, Delivery, EventConsumer, Events, MAX_EVENT_BATCH, PortEvent,
};
use crate::http::{Sleep, TokioSleep};

use super::attempts::{AttemptRecords, AttemptState};
use super::dead_letter::{DEAD_LETTER_SUFFIX, DeadLetter, DeadLetterReason};
use super::endpoint::Endpoint;
use super::error::{WebhookError, events_error};
use super::order::{OrderRecords, bounded};
use super::schedule::RetrySchedule;
use super::secret::WebhookSecret;
use super::sender::{AttemptOutcome, DEFAULT_ATTEMPT_TIMEOUT, MAX_ATTEMPT_TIMEOUT, Sender};

/// The default consumer group of relays: `numport-relay`.
pub const DEFAULT_RELAY_GROUP: &str = "numport-relay";

/// The default idle time after which a dead relay's events are taken over
/// by another of the group: 60 s.
pub const DEFAULT_CLAIM_IDLE: Duration = Duration::from_secs(60);

/// The default number of events read from the stream at a time: 100.
pub const DEFAULT_RELAY_BATCH: usize = 100;

/// The default (and largest) number of events one relay holds at once,
/// due or waiting: 1,000 ([`MAX_EVENT_BATCH`]).
pub const DEFAULT_MAX_HELD: usize = MAX_EVENT_BATCH;

/// The default number of orders delivered to at once: 8.
pub const DEFAULT_RELAY_CONCURRENCY: usize = 8;

/// The largest concurrency accepted: 64.
pub const MAX_RELAY_CONCURRENCY: usize = 64;

/// The default bound of one [`Relay::run_once`]'s deliveries: 5 minutes
/// (no attempt starts after it; what is left is due at the next round).
pub const DEFAULT_ROUND_DEADLINE: Duration = Duration::from_secs(300);

/// The default wait of [`Relay::run`] between rounds when nothing is due
/// sooner: 1 s.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The longest group or consumer name: 512 bytes.
const MAX_NAME_BYTES: usize = 512;

/// A day, the bound of the relay's durations.
const DAY: Duration = Duration::from_secs(24 * 3600);

/// What a relay did: one [`Relay::run_once`], or a whole [`Relay::run`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelayCounts {
    /// Events the endpoint answered 2xx to (acknowledged).
    pub delivered: u64,
    /// Failed attempts followed by another one later.
    pub retried: u64,
    /// Events whose last attempt failed: put on the dead-letter stream,
    /// then acknowledged.
    pub dead_lettered: u64,
    /// Events already delivered for their order (a sequence at or below
    /// the one recorded): acknowledged without sending.
    pub duplicates_skipped: u64,
    /// Events sent although a predecessor of their order was still
    /// missing after [`RelayBuilder::max_order_wait`].
    pub sent_out_of_order: u64,
}

impl AddAssign for RelayCounts {
    fn add_assign(&mut self, other: Self) {
        self.delivered = self.delivered.saturating_add(other.delivered);
        self.retried = self.retried.saturating_add(other.retried);
        self.dead_lettered = self.dead_lettered.saturating_add(other.dead_lettered);
        self.duplicates_skipped = self
            .duplicates_skipped
            .saturating_add(other.duplicates_skipped);
        self.sent_out_of_order = self
            .sent_out_of_order
            .saturating_add(other.sent_out_of_order);
    }
}

/// The settings of a [`Relay`]; see [`Relay::builder`].
#[derive(Debug)]
pub struct RelayBuilder {
    events: Events,
    endpoint: String,
    secret: WebhookSecret,
    group: String,
    consumer: String,
    schedule: RetrySchedule,
    attempt_timeout: Duration,
    claim_idle: Duration,
    batch: usize,
    max_held: usize,
    concurrency: usize,
    round_deadline: Duration,
    poll_interval: Duration,
    max_order_wait: Option<Duration>,
    clock: Arc<dyn Clock>,
    sleep: Arc<dyn Sleep>,
}

impl RelayBuilder {
    setters! {
        /// The consumer group (default [`DEFAULT_RELAY_GROUP`]; 1 to 512
        /// bytes). Relays of one group share the events: each goes to one
        /// of them.
        group(name: impl Into<String>) => group = name.into();

        /// This relay's name in the group (default `relay-<pid>`; 1 to
        /// 512 bytes). Give each running relay its own, and the same one
        /// again after a restart, so that it takes back its pending
        /// events at once.
        consumer(name: impl Into<String>) => consumer = name.into();

        /// The retry schedule (default [`RetrySchedule::default`]).
        schedule(schedule: RetrySchedule) => schedule = schedule;

        /// The bound of one attempt (default [`DEFAULT_ATTEMPT_TIMEOUT`];
        /// 1 ms to an hour).
        attempt_timeout(timeout: Duration) => attempt_timeout = timeout;

        /// How long an event stays pending with another relay of the group
        /// before this one takes it over (default [`DEFAULT_CLAIM_IDLE`];
        /// at most a day). A running relay refreshes its own pending events
        /// well within this time.
        claim_idle(idle: Duration) => claim_idle = idle;

        /// Events read from the stream at a time (default
        /// [`DEFAULT_RELAY_BATCH`]; 1 to [`MAX_EVENT_BATCH`]).
        batch(size: usize) => batch = size;

        /// The most events this relay holds at once, due or waiting
        /// (default [`DEFAULT_MAX_HELD`]; 1 to [`MAX_EVENT_BATCH`]); no
        /// more is read until some are done.
        max_held(max: usize) => max_held = max;

        /// Orders delivered to at once (default
        /// [`DEFAULT_RELAY_CONCURRENCY`]; 1 to [`MAX_RELAY_CONCURRENCY`]).
        /// Within an order, one event at a time.
        concurrency(orders: usize) => concurrency = orders;

        /// The bound of one [`Relay::run_once`]'s deliveries (default
        /// [`DEFAULT_ROUND_DEADLINE`]; 1 ms to a day).
        round_deadline(deadline: Duration) => round_deadline = deadline;

        /// The wait of [`Relay::run`] between rounds when nothing is due
        /// sooner (default [`DEFAULT_POLL_INTERVAL`]; 1 ms to an hour).
        poll_interval(interval: Duration) => poll_interval = interval;

        /// How long an event waits for a missing predecessor of its order
        /// before it is sent anyway, with a warning (default: the
        /// schedule's [`RetrySchedule::total`], the longest the predecessor
        /// can be tried by any relay; at most 30 days).
        max_order_wait(wait: Duration) => max_order_wait = Some(wait);

        /// The clock of the schedule and of the signatures' timestamps
        /// (default the system's).
        clock(clock: Arc<dyn Clock>) => clock = clock;

        /// The sleep of [`Relay::run`] between rounds (default tokio's).
        sleep(sleep: Arc<dyn Sleep>) => sleep = sleep;
    }

    /// The relay; a setting out of range is [`WebhookError::Config`], an
    /// endpoint refused [`WebhookError::InvalidEndpoint`].
    pub fn build(self) -> Result<Relay, WebhookError> {
        let endpoint = Endpoint::parse(&self.endpoint)?;
        for (what, name) in [("group", &self.group), ("consumer", &self.consumer)] {
            if name.is_empty() || name.len() > MAX_NAME_BYTES {
                return Err(WebhookError::Config(format!(
                    "the {what} name must have 1 to {MAX_NAME_BYTES} bytes, not {}",
                    name.len()
                )));
            }
        }
        let in_range = |what: &str, value: Duration, min: Duration, max: Duration| {
            if value < min || value > max {
                Err(WebhookError::Config(format!(
                    "{what} must be between {min:?} and {max:?}, not {value:?}"
                )))
            } else {
                Ok(())
            }
        };
        let ms = Duration::from_millis(1);
        in_range(
            "attempt_timeout",
            self.attempt_timeout,
            ms,
            MAX_ATTEMPT_TIMEOUT,
        )?;
        in_range("claim_idle", self.claim_idle, Duration::ZERO, DAY)?;
        in_range("round_deadline", self.round_deadline, ms, DAY)?;
        in_range(
            "poll_interval",
            self.poll_interval,
            ms,
            Duration::from_secs(3600),
        )?;
        let max_order_wait = self.max_order_wait.unwrap_or_else(|| self.schedule.total());
        in_range("max_order_wait", max_order_wait, Duration::ZERO, DAY * 30)?;
        for (what, value, max) in [
            ("batch", self.batch, MAX_EVENT_BATCH),
            ("max_held", self.max_held, MAX_EVENT_BATCH),
            ("concurrency", self.concurrency, MAX_RELAY_CONCURRENCY),
        ] {
            if value == 0 || value > max {
                return Err(WebhookError::Config(format!(
                    "{what} must be between 1 and {max}, not {value}"
                )));
            }
        }
        let sender = Sender::new(endpoint.clone(), self.secret)?
            .attempt_timeout(self.attempt_timeout)
            .clock(self.clock.clone());
        let store = self.events.store().clone();
        let dead_stream = format!("{}{DEAD_LETTER_SUFFIX}", self.events.stream_name());
        let consumer = self.events.consumer(&self.group, &self.consumer);
        Ok(Relay {
            attempt_records: AttemptRecords::new(store.clone(), endpoint.hash()),
            records: OrderRecords::new(store, endpoint.hash()),
            endpoint,
            events: self.events,
            consumer,
            sender,
            schedule: self.schedule,
            claim_idle: self.claim_idle,
            batch: self.batch,
            max_held: self.max_held,
            concurrency: self.concurrency,
            round_deadline: self.round_deadline,
            poll_interval: self.poll_interval,
            max_order_wait,
            clock: self.clock,
            sleep: self.sleep,
            dead_stream,
            held: BTreeMap::new(),
            refreshed_at: None,
            gone: false,
        })
    }
}

/// Delivers the events of a consumer group to one endpoint as signed
/// webhooks ([Standard Webhooks](https://www.standardwebhooks.com/):
/// `webhook-id` is the event's id, `webhook-timestamp` the Unix seconds of
/// the attempt, `webhook-signature` `v1,<base64 HMAC-SHA256>` over
/// `id.timestamp.body`; receivers check them with
/// [`crate::webhook::verify`]).
///
/// The rules:
/// - A 2xx acknowledges the event. Anything else (a 3xx, which is never
///   followed, a 4xx or 5xx, no connection, an attempt past its bound)
///   is tried again on the [`RetrySchedule`]; after its last attempt the
///   event goes to the dead-letter stream `<stream>:dead`
///   ([`DeadLetter`], with the last error) and is acknowledged.
/// - `410 Gone` disables the endpoint: an `error!` log, and the relay
///   stops with [`WebhookError::EndpointGone`], acknowledging and
///   dead-lettering nothing (the events stay pending for the group).
/// - Per order (account and order id), events go out in
///   [`PortEvent::sequence`] order, across every relay of the group: the
///   store keeps, per endpoint and order, the last sequence delivered or
///   dead-lettered (`numport:relay:<endpoint hash>:order:<account>:<order>`,
///   [`crate::webhook::ORDER_RECORD_TTL`]); sequence `n` is sent only
///   after `n - 1` (sequence 1, the first status seen, when nothing is
///   recorded), so an event waits behind a predecessor being retried. One
///   whose predecessor is still missing after
///   [`RelayBuilder::max_order_wait`] is sent anyway with a warning. An
///   event at or below the recorded sequence was delivered already: it is
///   acknowledged without sending.
/// - The schedule outlives the relay: after a failed attempt, the attempts
///   made and when the next is due are kept in the store
///   (`numport:relay:<endpoint hash>:attempts:<event id>`, for the
///   schedule's whole time and a day), and so is, when an event starts
///   waiting for a missing predecessor, when it was first taken (for
///   `max_order_wait` and a day); whichever relay of the group takes the
///   event next reads them back (this one after a restart, another after a
///   takeover, the next `run_once` from cron).
/// - Events pending with a relay of the group that died are taken over
///   after [`RelayBuilder::claim_idle`]; a running relay keeps its own
///   pending events fresh so that they are not.
/// - Each attempt is bounded ([`RelayBuilder::attempt_timeout`]), each
///   round too ([`RelayBuilder::round_deadline`]); at most 64 KiB of a
///   receiver's answer is read; logs and dead letters hold a redacted
///   500-character excerpt of it at most; the secret is never logged.
///
/// Time comes from the injected [`Clock`] (the schedule, the signatures)
/// and [`Sleep`] (the waits of [`Relay::run`]), so a test drives the
/// schedule without waiting.
///
/// ```no_run
/// use std::sync::Arc;
/// use numport::Events;
/// use numport::store::MemoryStore;
/// use numport::webhook::{Relay, WebhookSecret};
///
/// # async fn run() -> Result<(), numport::webhook::WebhookError> {
/// let events = Events::new(Arc::new(MemoryStore::new()));
/// let secret = WebhookSecret::parse(&std::env::var("NUMPORT_WEBHOOK_SECRET").unwrap_or_default())?;
/// let mut relay = Relay::builder(events, "https://hooks.example.com/numport", secret)
///     .consumer("relay-1")
///     .build()?;
/// let counts = relay.run_once().await?; // what is due now; or `relay.run(shutdown)`
/// println!("{} delivered, {} to retry", counts.delivered, counts.retried);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Relay {
    events: Events,
    consumer: EventConsumer,
    endpoint: Endpoint,
    sender: Sender,
    records: OrderRecords,
    attempt_records: AttemptRecords,
    schedule: RetrySchedule,
    claim_idle: Duration,
    batch: usize,
    max_held: usize,
    concurrency: usize,
    round_deadline: Duration,
    poll_interval: Duration,
    max_order_wait: Duration,
    clock: Arc<dyn Clock>,
    sleep: Arc<dyn Sleep>,
    dead_stream: String,
    /// The events held, by order (account, order id), lowest sequence
    /// first after each round.
    held: BTreeMap<(String, String), Vec<Held>>,
    /// When this relay last read its own pending entries (which keeps
    /// them from looking idle to the group); `None` before the first
    /// round.
    refreshed_at: Option<Instant>,
    /// Set by a `410 Gone`.
    gone: bool,
}

/// One event this relay holds (pending for it in the group).
#[derive(Debug)]
struct Held {
    entry_id: String,
    event: PortEvent,
    /// When this relay took it (its clock).
    held_since: DateTime<Utc>,
    /// Attempts made.
    attempts: u32,
    /// When the next attempt is due.
    due: DateTime<Utc>,
    /// Whether the wait for a missing predecessor was already reported.
    out_of_order: bool,
    /// Whether its state is in the store (so that its schedule and its
    /// wait for a predecessor survive a restart or a takeover).
    recorded: bool,
}

impl Held {
    /// What is kept of it in the store.
    fn state(&self) -> AttemptState {
        AttemptState {
            attempts: self.attempts,
            due: self.due,
            held_since: self.held_since,
        }
    }
}

/// What delivering one order's events came to.
struct OrderRound {
    key: (String, String),
    items: Vec<Held>,
    counts: RelayCounts,
    error: Option<WebhookError>,
}

impl Relay {
    /// A relay of `events` to `endpoint` (https, or http on loopback
    /// only), signing with `secret`; see [`RelayBuilder`] for the rest.
    pub fn builder(events: Events, endpoint: &str, secret: WebhookSecret) -> RelayBuilder {
        RelayBuilder {
            events,
            endpoint: endpoint.to_owned(),
            secret,
            group: DEFAULT_RELAY_GROUP.to_owned(),
            consumer: format!("relay-{}", std::process::id()),
            schedule: RetrySchedule::default(),
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            claim_idle: DEFAULT_CLAIM_IDLE,
            batch: DEFAULT_RELAY_BATCH,
            max_held: DEFAULT_MAX_HELD,
            concurrency: DEFAULT_RELAY_CONCURRENCY,
            round_deadline: DEFAULT_ROUND_DEADLINE,
            poll_interval: DEFAULT_POLL_INTERVAL,
            max_order_wait: None,
            clock: Arc::new(SystemClock),
            sleep: Arc::new(TokioSleep),
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The consumer this relay reads as.
    pub fn consumer(&self) -> &EventConsumer {
        &self.consumer
    }

    /// The dead-letter stream: `<stream>:dead`.
    pub fn dead_letter_stream(&self) -> &str {
        &self.dead_stream
    }

    /// How many events this relay holds: pending for it, due later or
    /// waiting for a predecessor.
    pub fn held(&self) -> usize {
        self.held.values().map(Vec::len).sum()
    }

    /// One round: takes back this relay's own pending events (after a
    /// restart), takes over those of dead relays of the group, reads new
    /// ones (up to [`RelayBuilder::max_held`]), and sends every event that
    /// is due now, then returns what it did. Nothing waits for a retry:
    /// a later round sends what falls due later.
    ///
    /// After a `410 Gone` it (and every later call) is
    /// [`WebhookError::EndpointGone`]. A store failure is
    /// [`WebhookError::Events`]; what was held is kept for the next round.
    pub async fn run_once(&mut self) -> Result<RelayCounts, WebhookError> {
        if self.gone {
            return Err(self.gone_error());
        }
        let mut counts = RelayCounts::default();
        self.take_in(&mut counts).await?;

        let deadline = Instant::now()
            .checked_add(self.round_deadline)
            .unwrap_or_else(Instant::now);
        let gone = AtomicBool::new(false);
        let groups = std::mem::take(&mut self.held);
        let rounds: Vec<OrderRound> = {
            let this = &*self;
            futures::stream::iter(
                groups
                    .into_iter()
                    .map(|(key, items)| this.deliver_order(key, items, deadline, &gone)),
            )
            .buffer_unordered(this.concurrency)
            .collect()
            .await
        };
        let mut first_error = None;
        for round in rounds {
            counts += round.counts;
            if !round.items.is_empty() {
                self.held.insert(round.key, round.items);
            }
            if let Some(error) = round.error {
                if matches!(error, WebhookError::EndpointGone { .. }) || first_error.is_none() {
                    first_error = Some(error);
                }
            }
        }
        if gone.load(Ordering::SeqCst) {
            self.gone = true;
            return Err(self.gone_error());
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(counts),
        }
    }

    /// Rounds until `shutdown` completes (then the totals), waiting
    /// between them until the next event is due or
    /// [`RelayBuilder::poll_interval`], whichever comes first. A store
    /// failure is logged and tried again at the next round; a `410 Gone`
    /// ends it with [`WebhookError::EndpointGone`].
    pub async fn run(
        &mut self,
        shutdown: impl Future<Output = ()>,
    ) -> Result<RelayCounts, WebhookError> {
        tokio::pin!(shutdown);
        let mut totals = RelayCounts::default();
        loop {
            let round = tokio::select! {
                biased;
                () = &mut shutdown => return Ok(totals),
                round = self.run_once() => round,
            };
            match round {
                Ok(counts) => totals += counts,
                Err(error @ WebhookError::EndpointGone { .. }) => return Err(error),
                Err(error) => {
                    tracing::warn!(%error, "a relay round failed; trying again at the next one");
                }
            }
            let wait = self.next_wait();
            tokio::select! {
                biased;
                () = &mut shutdown => return Ok(totals),
                () = self.sleep.sleep(wait) => {}
            }
        }
    }

    /// Until the next attempt falls due, at most the poll interval.
    fn next_wait(&self) -> Duration {
        let now = self.clock.now();
        self.held
            .values()
            .filter_map(|items| items.first())
            .map(|head| (head.due - now).to_std().unwrap_or(Duration::ZERO))
            .fold(self.poll_interval, Duration::min)
    }

    fn gone_error(&self) -> WebhookError {
        WebhookError::EndpointGone {
            endpoint: self.endpoint.origin(),
        }
    }

    /// Reads what this relay should hold: its own pending entries (first
    /// round, then often enough to keep them from looking idle), stale
    /// ones of dead relays, new ones.
    async fn take_in(&mut self, counts: &mut RelayCounts) -> Result<(), WebhookError> {
        let refresh_every = self.claim_idle / 3;
        let refresh = match self.refreshed_at {
            None => true,
            Some(at) => self.held() > 0 && at.elapsed() >= refresh_every,
        };
        if refresh {
            let mine = self.consumer.pending(self.max_held).await?;
            self.refreshed_at = Some(Instant::now());
            self.hold(mine, counts).await?;
        }

        let room = self.max_held.saturating_sub(self.held());
        if room > 0 {
            let stale = self
                .consumer
                .claim_stale(self.claim_idle, room.min(self.batch))
                .await?;
            self.hold(stale, counts).await?;
        }

        loop {
            let room = self.max_held.saturating_sub(self.held());
            if room == 0 {
                break;
            }
            let asked = room.min(self.batch);
            let fresh = self.consumer.fresh(asked, Duration::ZERO).await?;
            // Fewer than asked (entries that were not events dropped
            // included): the stream has nothing more for now.
            let got = fresh.len();
            self.hold(fresh, counts).await?;
            if got < asked {
                break;
            }
        }
        Ok(())
    }

    /// Adds deliveries not held yet. A second entry of an event already
    /// held (the same order and sequence) is acknowledged as a duplicate.
    async fn hold(
        &mut self,
        deliveries: Vec<Delivery>,
        counts: &mut RelayCounts,
    ) -> Result<(), WebhookError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let known: HashSet<String> = self
            .held
            .values()
            .flatten()
            .map(|h| h.entry_id.clone())
            .collect();
        let now = self.clock.now();
        let first_delay = self.schedule.delay_before(0).unwrap_or(Duration::ZERO);
        let due = now + chrono::Duration::from_std(first_delay).unwrap_or(chrono::Duration::zero());
        for delivery in deliveries {
            if known.contains(&delivery.entry_id) {
                continue;
            }
            // An entry handed to the group before may have been tried by
            // this relay before a restart, or by another one of the group.
            let state = if delivery.deliveries > 1 {
                self.attempt_records.get(&delivery.event.id).await?
            } else {
                None
            };
            let key = (
                delivery.event.account.clone(),
                delivery.event.order_id.as_str().to_owned(),
            );
            let items = self.held.entry(key).or_default();
            if items
                .iter()
                .any(|h| h.event.sequence == delivery.event.sequence)
            {
                tracing::debug!(event = %delivery.event.id, entry = %delivery.entry_id,
                    "a second entry of an event held already: acknowledged");
                self.consumer.ack(&delivery.entry_id).await?;
                counts.duplicates_skipped = counts.duplicates_skipped.saturating_add(1);
                continue;
            }
            items.push(Held {
                entry_id: delivery.entry_id,
                event: delivery.event,
                held_since: state.map_or(now, |s| s.held_since),
                attempts: state.map_or(0, |s| s.attempts),
                due: state.map_or(due, |s| s.due),
                out_of_order: false,
                recorded: state.is_some(),
            });
        }
        Ok(())
    }

    /// Sends one order's events that are due, lowest sequence first, while
    /// they succeed or are dead-lettered.
    async fn deliver_order(
        &self,
        key: (String, String),
        mut items: Vec<Held>,
        deadline: Instant,
        gone: &AtomicBool,
    ) -> OrderRound {
        items.sort_by_key(|h| h.event.sequence);
        let mut counts = RelayCounts::default();
        let error = self
            .deliver_items(&key, &mut items, deadline, gone, &mut counts)
            .await
            .err();
        OrderRound {
            key,
            items,
            counts,
            error,
        }
    }

    async fn deliver_items(
        &self,
        (account, order): &(String, String),
        items: &mut Vec<Held>,
        deadline: Instant,
        gone: &AtomicBool,
        counts: &mut RelayCounts,
    ) -> Result<(), WebhookError> {
        let mut last = self.records.last(account, order).await?;
        while let Some(head) = items.first_mut() {
            let sequence = head.event.sequence;
            if last.is_some_and(|l| sequence <= l) {
                tracing::debug!(event = %head.event.id, sequence,
                    "an event already delivered for its order: acknowledged");
                self.consumer.ack(&head.entry_id).await?;
                counts.duplicates_skipped = counts.duplicates_skipped.saturating_add(1);
                items.remove(0);
                continue;
            }
            let in_turn = match last {
                Some(l) => sequence == l.saturating_add(1),
                None => sequence <= 1,
            };
            let now = self.clock.now();
            if !in_turn {
                let waited = (now - head.held_since).to_std().unwrap_or(Duration::ZERO);
                if waited <= self.max_order_wait {
                    if !head.recorded {
                        // When the wait began, kept for whichever relay
                        // takes the event next (a restart, a takeover, the
                        // next `run_once` from cron).
                        self.attempt_records
                            .put(
                                &head.event.id,
                                &head.state(),
                                self.max_order_wait.saturating_add(DAY),
                            )
                            .await?;
                        head.recorded = true;
                    }
                    break;
                }
                if !head.out_of_order {
                    head.out_of_order = true;
                    tracing::warn!(
                        event = %head.event.id,
                        sequence,
                        last_delivered = ?last,
                        waited_secs = waited.as_secs(),
                        "an event's predecessor is still missing: sending it out of order"
                    );
                    counts.sent_out_of_order = counts.sent_out_of_order.saturating_add(1);
                }
            }
            if head.due > now || gone.load(Ordering::SeqCst) || Instant::now() >= deadline {
                break;
            }

            let outcome = self.sender.send(&head.event).await;
            head.attempts = head.attempts.saturating_add(1);
            let after = self.clock.now();
            match outcome {
                AttemptOutcome::Delivered { status } => {
                    tracing::debug!(event = %head.event.id, status, attempt = head.attempts,
                        "webhook delivered");
                    self.records.record(account, order, sequence).await?;
                    self.consumer.ack(&head.entry_id).await?;
                    counts.delivered = counts.delivered.saturating_add(1);
                    last = Some(last.map_or(sequence, |l| l.max(sequence)));
                    items.remove(0);
                }
                AttemptOutcome::Gone => {
                    gone.store(true, Ordering::SeqCst);
                    tracing::error!(
                        endpoint = %self.endpoint,
                        event = %head.event.id,
                        "the webhook endpoint answered 410 Gone: it is disabled and the relay stops; \
                         its events stay pending"
                    );
                    return Err(self.gone_error());
                }
                failed => {
                    let reason = failed.describe();
                    let attempt = usize::try_from(head.attempts).unwrap_or(usize::MAX);
                    match self.schedule.delay_before(attempt) {
                        Some(delay) => {
                            let delay = chrono::Duration::from_std(delay)
                                .unwrap_or(chrono::Duration::zero());
                            head.due = after + delay;
                            let keep = self.schedule.total().saturating_add(DAY);
                            self.attempt_records
                                .put(&head.event.id, &head.state(), keep)
                                .await?;
                            head.recorded = true;
                            counts.retried = counts.retried.saturating_add(1);
                            tracing::warn!(
                                event = %head.event.id,
                                attempt = head.attempts,
                                attempts = self.schedule.attempts(),
                                next_in_secs = delay.num_seconds(),
                                reason = %reason,
                                "webhook attempt failed; trying again later"
                            );
                            break;
                        }
                        None => {
                            self.dead_letter(head, reason, after).await?;
                            self.records.record(account, order, sequence).await?;
                            self.consumer.ack(&head.entry_id).await?;
                            counts.dead_lettered = counts.dead_lettered.saturating_add(1);
                            last = Some(last.map_or(sequence, |l| l.max(sequence)));
                            items.remove(0);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    async fn dead_letter(
        &self,
        held: &Held,
        reason: String,
        at: DateTime<Utc>,
    ) -> Result<(), WebhookError> {
        tracing::warn!(
            event = %held.event.id,
            attempts = held.attempts,
            reason = %reason,
            stream = %self.dead_stream,
            "webhook attempts exhausted: the event goes to the dead-letter stream"
        );
        let letter = DeadLetter::new(
            held.event.clone(),
            DeadLetterReason::new(self.endpoint.hash(), held.attempts, reason, at),
        );
        let payload = serde_json::to_vec(&letter).map_err(events_error)?;
        let store = self.events.store();
        bounded(
            store,
            store.stream_add(&self.dead_stream, &payload, DEFAULT_EVENT_STREAM_LEN),
        )
        .await?;
        Ok(())
    }
}
