//! One round of the follower: the ledger's open orders of the account, one
//! tracking round at the carrier, and each change into the ledger's outbox,
//! onto the event stream, and out of the outbox.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::events::{Events, MAX_EVENT_BYTES, PortEvent};
use crate::ledger::{Ledger, LedgerEntry, Staged, cut};
use crate::model::Submission;
use crate::model::{PhoneNumber, PortId, PortOrder, PortRequest, PortSummary, Portability};
use crate::operation::{Carrier, Operation};
use crate::provider::{Capabilities, PortProvider, Tracking};
use crate::status::{CarrierStatus, PortStatus};
use crate::track::{OrderChange, Seen, TrackOptions, one_round};

use super::lease::{Fence, lock};

/// How many orders' changes are written and published at once.
const IN_FLIGHT: usize = 32;

/// Whether a round ran under the follower's lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoundLease {
    /// The follower held the lease (took it or renewed it) for the whole
    /// round.
    Held {
        /// The epoch of its tenure (the fencing token).
        epoch: u64,
    },
    /// The follower held the lease when the round started and lost it
    /// before the end (a renewal failed, or its fencing bound came): the
    /// round stopped there; its counts say what it had done.
    Lost {
        /// The epoch of the tenure that ended.
        epoch: u64,
    },
    /// Another follower holds the lease: nothing was read or written.
    Elsewhere {
        /// The holder's epoch, when its value could be read.
        epoch: Option<u64>,
    },
}

/// What one [`crate::Follower::round`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoundReport {
    /// Whether the round ran under the lease.
    pub lease: RoundLease,
    /// The open orders read from the carrier this round (at most
    /// [`crate::Follower::max_orders_per_round`]).
    pub followed: usize,
    /// The ledger entries changed: a new status (with its event), or the
    /// carrier's status name or message.
    pub changed: usize,
    /// The events appended to the stream (a change left in an entry's
    /// outbox by a follower that stopped is published again and counted).
    pub published: usize,
    /// The orders the carrier says do not exist (on complete evidence):
    /// logged, and left in the ledger.
    pub missing: usize,
    /// How long [`crate::Follower::run`] waits after this report before
    /// its next try: the interval after a round; after a failed round,
    /// longer when the carrier's `Retry-After` asks (at most an hour);
    /// after a try that found the lease elsewhere, could not take it, or
    /// lost it, the standby (the interval, at most a quarter of the
    /// lease). `None` from [`crate::Follower::round`], which schedules
    /// nothing.
    pub next_try_in: Option<Duration>,
}

impl RoundReport {
    /// True when the follower held the lease when the round started
    /// ([`RoundLease::Held`] or [`RoundLease::Lost`]).
    pub fn held(&self) -> bool {
        matches!(
            self.lease,
            RoundLease::Held { .. } | RoundLease::Lost { .. }
        )
    }

    /// This report, saying the next try comes after `wait`.
    pub(crate) fn then_after(self, wait: Duration) -> Self {
        Self {
            next_try_in: Some(wait),
            ..self
        }
    }

    pub(crate) fn elsewhere(epoch: Option<u64>) -> Self {
        Self {
            lease: RoundLease::Elsewhere { epoch },
            followed: 0,
            changed: 0,
            published: 0,
            missing: 0,
            next_try_in: None,
        }
    }
}

/// What a round did so far (kept when the round is stopped midway).
#[derive(Debug, Default)]
pub(crate) struct Counts {
    followed: AtomicUsize,
    changed: AtomicUsize,
    published: AtomicUsize,
    missing: AtomicUsize,
}

impl Counts {
    fn add(counter: &AtomicUsize, n: usize) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn report(&self, lease: RoundLease) -> RoundReport {
        RoundReport {
            lease,
            followed: self.followed.load(Ordering::Relaxed),
            changed: self.changed.load(Ordering::Relaxed),
            published: self.published.load(Ordering::Relaxed),
            missing: self.missing.load(Ordering::Relaxed),
            next_try_in: None,
        }
    }
}

/// What the follower remembers between its rounds (in its own memory:
/// a new holder starts afresh).
#[derive(Debug, Default)]
pub(crate) struct Memory {
    /// Rounds run so far.
    round: u64,
    /// The round in which each open order was last read, for turns when
    /// there are more than a round reads.
    read: HashMap<PortId, u64>,
    /// How many orders the account's last complete listing held.
    listed: Option<u64>,
    /// Orders already logged as missing (logged once).
    missing: HashSet<PortId>,
}

/// Why a round stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The fence closed (or the bound is near): nothing more may start.
    Fenced,
    /// A carrier or store failure, the lease still held.
    Failed(Error),
}

/// One round, under `fence`.
pub(crate) struct Round<'a> {
    pub(crate) provider: &'a Arc<dyn PortProvider>,
    pub(crate) ledger: &'a Ledger,
    pub(crate) events: &'a Events,
    pub(crate) account: &'a str,
    pub(crate) fence: &'a Fence,
    pub(crate) max_orders: usize,
    pub(crate) clock: &'a Arc<dyn Clock>,
    pub(crate) memory: &'a Mutex<Memory>,
    pub(crate) counts: &'a Counts,
}

impl Round<'_> {
    fn gate(&self) -> Result<(), Stop> {
        if self.fence.open() {
            Ok(())
        } else {
            Err(Stop::Fenced)
        }
    }

    fn failed(&self, error: Error) -> Stop {
        if self.fence.open() {
            Stop::Failed(error)
        } else {
            Stop::Fenced
        }
    }

    /// Runs `work` on each item, a few at a time; the first stop ends it.
    async fn each<T, F, Fut>(&self, items: Vec<T>, work: F) -> Result<(), Stop>
    where
        F: Fn(T) -> Fut,
        Fut: Future<Output = Result<(), Stop>>,
    {
        stream::iter(items.into_iter().map(work))
            .buffer_unordered(IN_FLIGHT)
            .try_collect::<Vec<()>>()
            .await
            .map(drop)
    }

    /// The round: see [`crate::Follower`].
    pub(crate) async fn run(&self) -> Result<(), Stop> {
        self.gate()?;
        let carrier = self.provider.carrier();
        let mut entries = self
            .ledger
            .entries(carrier)
            .await
            .map_err(|e| self.failed(e))?;
        entries.retain(|e| e.account == self.account);

        // 1. Changes written but not confirmed on the stream (a follower
        // stopped between the two): published again, as they are, before
        // anything newer of their orders.
        let waiting: Vec<Vec<PortEvent>> = entries
            .iter_mut()
            .map(|e| std::mem::take(&mut e.outbox))
            .filter(|outbox| !outbox.is_empty())
            .collect();
        self.each(waiting, |events| self.republish(events)).await?;

        // Ended orders whose end the stream has not had (read elsewhere,
        // through `Recorded`): published from the ledger.
        let mut batches: Vec<Vec<PortEvent>> = entries
            .iter()
            .filter(|e| !e.is_open())
            .map(|e| next_events(e, None))
            .filter(|events| !events.is_empty())
            .collect();

        // 2. The open orders of this round, read at the carrier.
        let selected = self.select(entries);
        Counts::add(&self.counts.followed, selected.len());
        let read = self.read(&selected).await?;

        // 3. Each order's changes written into its entry (the events in
        // its outbox), every order's before any is published: a follower
        // stopped while publishing leaves them all to the next.
        let mut changes: HashMap<PortId, OrderChange> =
            read.into_iter().map(|c| (c.id.clone(), c)).collect();
        let mut words = Vec::new();
        for entry in selected {
            let change = changes.remove(&entry.order_id);
            let events = next_events(&entry, change.as_ref());
            if !events.is_empty() {
                batches.push(events);
            } else if let Some(change) = change {
                words.push((entry, change));
            }
        }
        self.each(words, |(entry, change)| self.observe(entry, change))
            .await?;
        let staged: Vec<Vec<PortEvent>> = stream::iter(batches.into_iter().map(|e| self.stage(e)))
            .buffer_unordered(IN_FLIGHT)
            .try_filter_map(|staged| futures::future::ready(Ok(staged)))
            .try_collect()
            .await?;

        // 4. Published, each order's in its order, and out of the outbox.
        self.each(staged, |events| self.republish(events)).await
    }

    /// One tracking round over `selected`, through the fence: the changes
    /// against what the ledger holds. Missing orders are logged (once)
    /// and counted; listing problems logged.
    async fn read(&self, selected: &[LedgerEntry]) -> Result<Vec<OrderChange>, Stop> {
        let carrier = self.provider.carrier();
        let known: Vec<(PortId, Option<Seen>)> = selected
            .iter()
            .map(|e| (e.order_id.clone(), seen(e)))
            .collect();
        self.gate()?;
        let gated = Gated {
            inner: self.provider.as_ref(),
            fence: self.fence,
        };
        let mut listed = lock(self.memory).listed;
        let options = TrackOptions::default().with_clock(self.clock.clone());
        let read = one_round(&gated, known, &mut listed, options)
            .await
            .map_err(|e| self.failed(e))?;
        let open: HashSet<&PortId> = selected.iter().map(|e| &e.order_id).collect();
        {
            let mut memory = lock(self.memory);
            memory.listed = listed;
            for id in &read.missing {
                if memory.missing.insert(id.clone()) {
                    tracing::warn!(
                        %carrier,
                        order = %id,
                        "the carrier says this order does not exist: it stays in the ledger, \
                         and is read again each round"
                    );
                }
            }
            memory
                .missing
                .retain(|id| open.contains(id) || read.missing.contains(id));
        }
        Counts::add(&self.counts.missing, read.missing.len());
        for problem in &read.problems {
            if !problem.is_not_found() {
                tracing::warn!(%carrier, error = %problem, "the round could not read everything");
            }
        }
        Ok(read.changes)
    }

    /// The open orders of this round: those read longest ago by this
    /// follower first (never: first), then the oldest-updated, at most
    /// `max_orders`.
    fn select(&self, entries: Vec<LedgerEntry>) -> Vec<LedgerEntry> {
        let mut open: Vec<LedgerEntry> = entries.into_iter().filter(LedgerEntry::is_open).collect();
        let mut memory = lock(self.memory);
        let ids: HashSet<PortId> = open.iter().map(|e| e.order_id.clone()).collect();
        memory.read.retain(|id, _| ids.contains(id));
        let turn = |e: &LedgerEntry| memory.read.get(&e.order_id).copied().unwrap_or(0);
        open.sort_by(|a, b| {
            (turn(a), a.updated_at, a.order_id.as_str()).cmp(&(
                turn(b),
                b.updated_at,
                b.order_id.as_str(),
            ))
        });
        open.truncate(self.max_orders);
        memory.round = memory.round.saturating_add(1);
        let round = memory.round;
        for entry in &open {
            memory.read.insert(entry.order_id.clone(), round);
        }
        open
    }

    /// Records the carrier's new status name or message of `entry`'s
    /// order, its status the one last published (no event).
    async fn observe(&self, entry: LedgerEntry, change: OrderChange) -> Result<(), Stop> {
        let message = cut(change.message);
        let same = entry.status == Some(change.to)
            && entry.carrier_status.as_ref() == Some(&change.carrier_status)
            && entry.message == message;
        if same {
            return Ok(());
        }
        self.gate()?;
        let held = self
            .ledger
            .observe_words(
                entry.carrier,
                &entry.account,
                &entry.order_id,
                change.to,
                &change.carrier_status,
                message.as_ref(),
            )
            .await
            .map_err(|e| self.failed(e))?;
        if held {
            Counts::add(&self.counts.changed, 1);
        }
        Ok(())
    }

    /// Writes one order's `events` into its entry's outbox: `Some` when
    /// written.
    async fn stage(&self, events: Vec<PortEvent>) -> Result<Option<Vec<PortEvent>>, Stop> {
        self.gate()?;
        match self
            .ledger
            .stage_changes(&events)
            .await
            .map_err(|e| self.failed(e))?
        {
            Staged::Written => {
                Counts::add(&self.counts.changed, 1);
                Ok(Some(events))
            }
            Staged::Skipped => {
                tracing::debug!(
                    order = ?events.first().map(|e| &e.order_id),
                    "the entry moved on since it was read: left to the next round"
                );
                Ok(None)
            }
        }
    }

    /// Publishes one order's `events` (in its entry's outbox), in order,
    /// then empties the outbox.
    async fn republish(&self, events: Vec<PortEvent>) -> Result<(), Stop> {
        for event in &events {
            self.gate()?;
            self.events
                .publish(event)
                .await
                .map_err(|e| self.failed(e))?;
            Counts::add(&self.counts.published, 1);
        }
        self.gate()?;
        self.ledger
            .commit_changes(&events)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }
}

/// The changes of `entry`'s order to publish: the status the ledger holds
/// when the stream has not had it (read elsewhere, through `Recorded`),
/// unless `change` reads it again, then the status `change` read when it
/// is not the last published; numbered on from the entry's counter.
fn next_events(entry: &LedgerEntry, change: Option<&OrderChange>) -> Vec<PortEvent> {
    let mut events: Vec<PortEvent> = Vec::new();
    let mut push = |to: PortStatus, words: Option<CarrierStatus>, message, seen_at| {
        let (sequence, from) = match events.last() {
            Some(previous) => (previous.sequence.saturating_add(1), Some(previous.to)),
            None => (entry.changes.saturating_add(1), entry.published),
        };
        if from != Some(to) {
            events.push(event(entry, sequence, from, to, words, message, seen_at));
        }
    };
    if let Some(status) = entry.status {
        if change.is_none_or(|c| c.to != status) {
            push(
                status,
                entry.carrier_status.clone(),
                entry.message.clone(),
                entry.updated_at,
            );
        }
    }
    if let Some(c) = change {
        push(
            c.to,
            Some(c.carrier_status.clone()),
            cut(c.message.clone()),
            c.seen_at,
        );
    }
    events
}

/// What the ledger last recorded of `entry`'s order, for the tracking
/// round (`None`: never read).
fn seen(entry: &LedgerEntry) -> Option<Seen> {
    entry.status.map(|status| Seen {
        status,
        carrier_status: entry
            .carrier_status
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        message: entry.message.clone(),
    })
}

/// Change `sequence` of `entry`'s order, from `from` to `to`, within the
/// stream's size bound.
fn event(
    entry: &LedgerEntry,
    sequence: u64,
    from: Option<PortStatus>,
    to: PortStatus,
    carrier_status: Option<CarrierStatus>,
    message: Option<String>,
    seen_at: DateTime<Utc>,
) -> PortEvent {
    let event = PortEvent::status_changed(
        entry.carrier,
        entry.account.clone(),
        entry.order_id.clone(),
        entry.numbers.clone(),
        sequence,
        from,
        to,
        seen_at,
    )
    .with_carrier_words(carrier_status, message);
    fit(event)
}

/// `event` within [`MAX_EVENT_BYTES`]: an event over it loses its numbers,
/// then its message, then the carrier's status name (logged), so that a
/// change is never stuck behind a bound.
fn fit(mut event: PortEvent) -> PortEvent {
    let size = |e: &PortEvent| serde_json::to_vec(e).map_or(usize::MAX, |v| v.len());
    if size(&event) <= MAX_EVENT_BYTES {
        return event;
    }
    tracing::warn!(
        order = %event.order_id,
        "an event over the stream's size bound is published without its numbers"
    );
    event.numbers.clear();
    if size(&event) > MAX_EVENT_BYTES {
        event.message = None;
    }
    if size(&event) > MAX_EVENT_BYTES {
        event.carrier_status = None;
    }
    event
}

/// The provider as a round sees it: reads only, and none once the fence
/// is shut.
struct Gated<'a> {
    inner: &'a dyn PortProvider,
    fence: &'a Fence,
}

impl fmt::Debug for Gated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gated").field("inner", &self.inner).finish()
    }
}

impl Gated<'_> {
    fn fenced() -> Error {
        Error::Ledger {
            message: "the follower's lease is ending: no carrier call starts".to_owned(),
        }
    }

    fn unsupported(&self, operation: Operation) -> Error {
        Error::Unsupported {
            carrier: self.inner.carrier(),
            operation,
        }
    }
}

#[async_trait]
impl PortProvider for Gated<'_> {
    fn carrier(&self) -> Carrier {
        self.inner.carrier()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn account_reference(&self) -> Option<String> {
        self.inner.account_reference()
    }

    fn tracking(&self) -> Tracking {
        self.inner.tracking()
    }

    async fn check_portability(&self, _: &[PhoneNumber]) -> Result<Vec<Portability>> {
        Err(self.unsupported(Operation::CheckPortability))
    }

    async fn submit(&self, _: &PortRequest) -> Result<Submission> {
        Err(self.unsupported(Operation::Submit))
    }

    async fn order(&self, id: &PortId) -> Result<PortOrder> {
        if !self.fence.open() {
            return Err(Self::fenced());
        }
        self.inner.order(id).await
    }

    fn orders(&self) -> BoxStream<'_, Result<PortSummary>> {
        if !self.fence.open() {
            return stream::once(async { Err(Self::fenced()) }).boxed();
        }
        let fence = self.fence;
        stream::unfold(Some(self.inner.orders()), move |listing| async move {
            let mut listing = listing?;
            if !fence.open() {
                return Some((Err(Self::fenced()), None));
            }
            let item = listing.next().await?;
            Some((item, Some(listing)))
        })
        .boxed()
    }
}
