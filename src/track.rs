//! Following many orders at once with the fewest carrier calls:
//! [`PortProviderExt::watch_many`](crate::PortProviderExt::watch_many).
//!
//! [`crate::watch`] follows one order with one read per poll; a service with
//! 5,000 open ports would spend 5,000 calls a round. `watch_many` spends a
//! round on whichever costs fewer calls, as the carrier's
//! [`Tracking`] says:
//! - **one listing pass** ([`crate::PortProvider::orders`]) when the carrier
//!   lists every order with its status (iNumbering answers all of an
//!   account's orders in one call; Cellhire lists 50 a page), followed, where
//!   the listing lacks the detail, by one [`crate::PortProvider::order`] read
//!   for each order whose status changed since it was last seen (the first
//!   sight of an order is taken from the listing);
//! - **one read per order** when that is cheaper (a handful of orders on an
//!   account of thousands), or when the carrier has no listing.
//!
//! Carriers with no read call at all (Apeiron) are reported as not trackable
//! up front, with one [`crate::Error::Unsupported`]. Each change of each
//! order is yielded once, with its old and new status and the carrier's
//! message. A transient failure (see [`crate::Error::is_retryable`]) skips
//! the round, and the next round waits at least as long as the carrier's
//! `Retry-After` asked (up to [`TrackOptions::max_retry_after`]); the stream
//! ends when every order is terminal.
//!
//! **Absence is a claim made only on complete evidence.** An order missing
//! from a listing pass that was complete (the listing ended as the carrier
//! documents it, and every entry was readable) is read on its own where the
//! carrier has a read call that can say "no such order" (Cellhire), or
//! reported at once where the listing is the carrier's whole answer
//! (iNumbering): either way it is yielded as [`crate::Error::NotFound`] and
//! dropped, in the first complete round that lacks it. A listing with
//! unreadable entries ([`crate::Error::Decode`], yielded in their place) or
//! cut short ([`crate::Error::Incomplete`], yielded too) still gives the
//! changes of the orders it holds, but no order is reported missing from it:
//! where the carrier can be asked for one order (Cellhire), the orders it
//! lacks are read on their own instead.
//! These two errors are yielded once per distinct text and do not end the
//! stream.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::http::{Sleep, TokioSleep};
use crate::model::{PortId, PortOrder, PortSummary};
use crate::operation::Operation;
use crate::provider::{PortProvider, Tracking};
use crate::status::{CarrierStatus, PortStatus};

/// How [`crate::PortProviderExt::watch_many`] polls.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TrackOptions {
    /// The wait between rounds (default 60 s).
    pub interval: Duration,
    /// How many reads of single orders may be in flight at once in a round
    /// of per-order reads (default 8).
    pub max_in_flight: usize,
    /// The most rounds before the stream gives up with
    /// [`crate::Error::Timeout`] (default: no limit).
    pub max_rounds: Option<u64>,
    /// The longest wait a carrier's `Retry-After` may impose between two
    /// rounds (default 1 hour): a round refused with a longer one waits
    /// this long.
    pub max_retry_after: Duration,
    /// The sleep between rounds.
    pub sleep: Arc<dyn Sleep>,
    /// The clock that stamps each change.
    pub clock: Arc<dyn Clock>,
}

impl Default for TrackOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(60),
            max_in_flight: 8,
            max_rounds: None,
            max_retry_after: Duration::from_secs(3600),
            sleep: Arc::new(TokioSleep),
            clock: Arc::new(SystemClock),
        }
    }
}

impl TrackOptions {
    setters! {
        /// Sets the wait between rounds.
        with_interval(interval: Duration) => interval = interval;

        /// Sets the sleep between rounds.
        with_sleep(sleep: Arc<dyn Sleep>) => sleep = sleep;

        /// Sets the clock.
        with_clock(clock: Arc<dyn Clock>) => clock = clock;

        /// Sets the longest wait a carrier's `Retry-After` may impose.
        with_max_retry_after(max: Duration) => max_retry_after = max;

        /// Sets the most rounds.
        with_max_rounds(rounds: u64) => max_rounds = Some(rounds);
    }
}

/// One change of one followed order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderChange {
    /// The order.
    pub id: PortId,
    /// The state before, `None` for the first observation.
    pub from: Option<PortStatus>,
    /// The new state.
    pub to: PortStatus,
    /// The carrier's own status.
    pub carrier_status: CarrierStatus,
    /// The carrier's latest message about the order.
    pub message: Option<String>,
    /// When the change was seen.
    pub seen_at: DateTime<Utc>,
    /// The round (from 1) in which it was seen.
    pub round: u64,
}

/// What was last seen of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    /// Its status.
    pub(crate) status: PortStatus,
    /// The carrier's name for it.
    pub(crate) carrier_status: String,
    /// The carrier's message.
    pub(crate) message: Option<String>,
}

/// One order's state as a round read it.
struct Reading {
    status: PortStatus,
    carrier_status: CarrierStatus,
    message: Option<String>,
}

impl From<PortOrder> for Reading {
    fn from(o: PortOrder) -> Self {
        Self {
            status: o.status,
            carrier_status: o.carrier_status,
            message: o.message,
        }
    }
}

impl From<PortSummary> for Reading {
    fn from(s: PortSummary) -> Self {
        Self {
            status: s.status,
            carrier_status: s.carrier_status,
            message: s.message,
        }
    }
}

struct State<'a, P: ?Sized> {
    provider: &'a P,
    options: TrackOptions,
    tracking: Tracking,
    /// Open orders and what was last seen of each.
    open: HashMap<PortId, Option<Seen>>,
    /// Orders in the order given, for stable output.
    order: Vec<PortId>,
    /// How many orders the last listing pass returned (its cost estimate).
    listed: Option<u64>,
    round: u64,
    /// The wait before the next round, when a carrier asked for longer
    /// than the interval.
    wait: Option<Duration>,
    /// Hashes of the listing problems already yielded (bounded).
    reported: Reported,
    done: bool,
}

/// The listing problems already yielded, by a hash of their text: each is
/// yielded once. Bounded: past [`Reported::MAX`] distinct texts, the oldest
/// are forgotten (and may be yielded again).
#[derive(Default)]
struct Reported {
    seen: std::collections::VecDeque<u64>,
}

impl Reported {
    const MAX: usize = 1024;

    /// True the first time `error`'s text is seen.
    fn first(&mut self, error: &Error) -> bool {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        error.to_string().hash(&mut h);
        let key = h.finish();
        if self.seen.contains(&key) {
            return false;
        }
        if self.seen.len() >= Self::MAX {
            self.seen.pop_front();
        }
        self.seen.push_back(key);
        true
    }
}

/// Follows `ids` on `provider`; see the [module docs](self).
pub(crate) fn watch_many<'a, P: PortProvider + ?Sized>(
    provider: &'a P,
    ids: Vec<PortId>,
    options: TrackOptions,
) -> BoxStream<'a, Result<OrderChange>> {
    let tracking = provider.tracking();
    if tracking == Tracking::Unsupported {
        let error = Error::Unsupported {
            carrier: provider.carrier(),
            operation: Operation::Order,
        };
        return stream::once(async move { Err(error) }).boxed();
    }
    let mut order = Vec::with_capacity(ids.len());
    let mut open = HashMap::with_capacity(ids.len());
    for id in ids {
        if open.insert(id.clone(), None).is_none() {
            order.push(id);
        }
    }
    let state = State {
        provider,
        options,
        tracking,
        open,
        order,
        listed: None,
        round: 0,
        wait: None,
        reported: Reported::default(),
        done: false,
    };
    stream::unfold(state, |mut st| async move {
        loop {
            if st.done || st.open.is_empty() {
                return None;
            }
            if st.options.max_rounds.is_some_and(|max| st.round >= max) {
                st.done = true;
                let e = Error::Timeout {
                    carrier: st.provider.carrier(),
                    operation: Operation::Order,
                };
                return Some((vec![Err(e)], st));
            }
            if st.round > 0 {
                let wait = st.wait.take().unwrap_or(st.options.interval);
                st.options.sleep.sleep(wait).await;
            }
            st.round = st.round.saturating_add(1);
            match round(&mut st).await {
                Ok(items) if items.is_empty() => continue,
                Ok(items) => return Some((items, st)),
                Err(e) if e.is_retryable() => {
                    // The carrier's Retry-After, bounded, when it is longer
                    // than the interval.
                    st.wait = e
                        .retry_after()
                        .map(|asked| asked.min(st.options.max_retry_after))
                        .filter(|w| *w > st.options.interval);
                    tracing::debug!(round = st.round, wait = ?st.wait, "transient failure: round skipped");
                    continue;
                }
                Err(e) => {
                    st.done = true;
                    return Some((vec![Err(e)], st));
                }
            }
        }
    })
    .flat_map(stream::iter)
    .boxed()
}

/// What [`one_round`] read.
#[derive(Debug, Default)]
pub(crate) struct OneRound {
    /// The orders whose state differs from what was last seen of them.
    pub(crate) changes: Vec<OrderChange>,
    /// The orders the carrier says do not exist, on complete evidence.
    pub(crate) missing: Vec<PortId>,
    /// What the round could not read without failing: unreadable listing
    /// entries, a listing cut short, the carrier's "not found" errors.
    pub(crate) problems: Vec<Error>,
}

/// One round of [`watch_many`] over `orders`, each with what was last seen
/// of it (`None`: never read), for a caller that keeps that between rounds
/// itself (the follower, in the ledger): the calls a round of a running
/// `watch_many` makes, and what it yields. `listed` is how many orders the
/// account's last complete listing held (the estimate of a listing pass's
/// cost), read and updated.
///
/// A failure of the whole round is the `Err`: a transient one
/// ([`Error::is_retryable`]) means the round should be tried again later.
/// A carrier with no read call is an [`Error::Unsupported`], with no call.
pub(crate) async fn one_round<P: PortProvider + ?Sized>(
    provider: &P,
    orders: Vec<(PortId, Option<Seen>)>,
    listed: &mut Option<u64>,
    options: TrackOptions,
) -> Result<OneRound> {
    let tracking = provider.tracking();
    if tracking == Tracking::Unsupported {
        return Err(Error::Unsupported {
            carrier: provider.carrier(),
            operation: Operation::Order,
        });
    }
    let mut order = Vec::with_capacity(orders.len());
    let mut open = HashMap::with_capacity(orders.len());
    for (id, seen) in orders {
        if let std::collections::hash_map::Entry::Vacant(slot) = open.entry(id) {
            order.push(slot.key().clone());
            slot.insert(seen);
        }
    }
    if open.is_empty() {
        return Ok(OneRound::default());
    }
    let mut st = State {
        provider,
        options,
        tracking,
        open,
        order,
        listed: *listed,
        round: 1,
        wait: None,
        reported: Reported::default(),
        done: false,
    };
    let items = round(&mut st).await;
    *listed = st.listed;
    let mut out = OneRound::default();
    for item in items? {
        match item {
            Ok(change) => out.changes.push(change),
            Err(e) => out.problems.push(e),
        }
    }
    // An order leaves the open set when it ends or is missing: those that
    // left with no change ending them are the missing ones.
    let ended: std::collections::HashSet<&PortId> = out
        .changes
        .iter()
        .filter(|c| c.to.is_terminal())
        .map(|c| &c.id)
        .collect();
    out.missing = st
        .order
        .iter()
        .filter(|id| !st.open.contains_key(*id) && !ended.contains(id))
        .cloned()
        .collect();
    Ok(out)
}

/// The calls a listing pass costs, estimated from the last one.
fn listing_cost(tracking: Tracking, listed: Option<u64>, open: u64) -> Option<u64> {
    match tracking {
        Tracking::Listing {
            page_size: None, ..
        } => Some(1),
        Tracking::Listing {
            page_size: Some(size),
            ..
        } => {
            let size = u64::from(size.max(1));
            // Before the first pass the account's size is unknown: assume
            // it is about the orders followed.
            let entries = listed.unwrap_or(open).max(1);
            Some(entries.div_ceil(size))
        }
        Tracking::PerOrder | Tracking::Unsupported => None,
    }
}

async fn round<P: PortProvider + ?Sized>(
    st: &mut State<'_, P>,
) -> Result<Vec<Result<OrderChange>>> {
    let open = st.open.len() as u64;
    let mut out = Vec::new();
    let readings: Vec<(PortId, Result<Reading>)> = match listing_cost(st.tracking, st.listed, open)
    {
        Some(cost) if cost <= open => {
            let (readings, problems) = listing_round(st).await?;
            for problem in problems {
                if st.reported.first(&problem) {
                    out.push(Err(problem));
                }
            }
            readings
        }
        _ => per_order_round(st, None).await,
    };
    let now = st.options.clock.now();
    for (id, reading) in readings {
        match reading {
            Ok(r) => {
                let seen = Seen {
                    status: r.status,
                    carrier_status: r.carrier_status.name.clone(),
                    message: r.message.clone(),
                };
                let Some(last) = st.open.get_mut(&id) else {
                    continue;
                };
                if last.as_ref() == Some(&seen) {
                    continue;
                }
                let from = last.as_ref().map(|s| s.status);
                *last = Some(seen);
                if r.status.is_terminal() {
                    st.open.remove(&id);
                }
                out.push(Ok(OrderChange {
                    id,
                    from,
                    to: r.status,
                    carrier_status: r.carrier_status,
                    message: r.message,
                    seen_at: now,
                    round: st.round,
                }));
            }
            Err(e) if e.is_not_found() => {
                st.open.remove(&id);
                out.push(Err(e));
            }
            // One order's transient failure does not cost the others their
            // changes: it is read again next round.
            Err(e) if e.is_retryable() => {
                tracing::debug!(order = %id, error = %e, "transient failure reading one order");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// One listing pass, then a read of each changed order whose summary lacks
/// the detail, and of each order missing from a complete pass where the
/// carrier can be asked for it alone. Returns the readings and the listing
/// problems seen (unreadable entries, a cut listing).
async fn listing_round<P: PortProvider + ?Sized>(
    st: &mut State<'_, P>,
) -> Result<(Vec<(PortId, Result<Reading>)>, Vec<Error>)> {
    let mut found: HashMap<PortId, PortSummary> = HashMap::new();
    let mut listed = 0u64;
    let mut problems = Vec::new();
    let mut complete = true;
    let mut listing = st.provider.orders();
    while let Some(item) = listing.next().await {
        match item {
            Ok(summary) => {
                listed = listed.saturating_add(1);
                if st.open.contains_key(&summary.id) {
                    found.insert(summary.id.clone(), summary);
                }
            }
            // An entry the carrier sent but we cannot read: it may be one
            // of ours, so nothing is missing from this pass for sure.
            Err(e @ Error::Decode { .. }) => {
                listed = listed.saturating_add(1);
                complete = false;
                problems.push(e);
            }
            // The listing was cut: what it held is real, what it lacks is
            // unknown.
            Err(e @ Error::Incomplete { .. }) => {
                complete = false;
                problems.push(e);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    drop(listing);
    if complete {
        st.listed = Some(listed);
    }
    let full_summaries = matches!(
        st.tracking,
        Tracking::Listing {
            complete_summaries: true,
            ..
        }
    );
    let mut readings = Vec::with_capacity(found.len());
    let mut to_read = Vec::new();
    for id in &st.order {
        if !st.open.contains_key(id) {
            continue;
        }
        let Some(summary) = found.remove(id) else {
            if !complete && !full_summaries {
                // The listing could not say; the carrier's own read of the
                // order can.
                to_read.push(id.clone());
            } else if complete {
                if full_summaries {
                    // The listing is the carrier's whole answer.
                    readings.push((
                        id.clone(),
                        Err(Error::NotFound {
                            carrier: st.provider.carrier(),
                            message: format!(
                                "order {id} is not in the complete listing of the account"
                            ),
                        }),
                    ));
                } else {
                    // Ask the carrier for it alone: its answer decides.
                    to_read.push(id.clone());
                }
            }
            continue;
        };
        let last = st.open.get(id).and_then(Option::as_ref);
        let status_changed = last.is_none_or(|l| {
            l.status != summary.status || l.carrier_status != summary.carrier_status.name
        });
        if !status_changed {
            continue;
        }
        // The first sight of an order is taken from the listing; a later
        // change is read in full (rows, message) where the listing lacks it.
        if full_summaries || last.is_none() {
            readings.push((id.clone(), Ok(Reading::from(summary))));
        } else {
            to_read.push(id.clone());
        }
    }
    readings.extend(per_order_round(st, Some(to_read)).await);
    Ok((readings, problems))
}

/// Reads `ids` (every open order when `None`), a few at a time.
async fn per_order_round<P: PortProvider + ?Sized>(
    st: &State<'_, P>,
    ids: Option<Vec<PortId>>,
) -> Vec<(PortId, Result<Reading>)> {
    let ids = ids.unwrap_or_else(|| {
        st.order
            .iter()
            .filter(|id| st.open.contains_key(*id))
            .cloned()
            .collect()
    });
    let provider = st.provider;
    stream::iter(ids)
        .map(|id| async move {
            let reading = provider.order(&id).await.map(Reading::from);
            (id, reading)
        })
        .buffered(st.options.max_in_flight.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use futures::future::BoxFuture;
    use proptest::prelude::*;

    use super::*;
    use crate::model::{Amendment, PhoneNumber, PortRequest, Portability, Submission};
    use crate::operation::Carrier;
    use crate::provider::Capabilities;

    /// What one scripted listing round holds for one followed order.
    #[derive(Debug, Clone, Copy)]
    enum Seen {
        Absent,
        Status(u8),
    }

    /// One scripted listing round: each followed order's entry, some
    /// unreadable entries, and whether it ends cut short.
    #[derive(Debug, Clone)]
    struct Round {
        orders: Vec<Seen>,
        unreadable: u8,
        cut: bool,
    }

    /// A listing carrier (iNumbering-like: one call, complete summaries)
    /// playing `rounds` in order; past the script it answers a transient
    /// failure.
    #[derive(Debug)]
    struct Scripted {
        rounds: Mutex<std::collections::VecDeque<Round>>,
        played: Mutex<Vec<Round>>,
    }

    const STATUSES: [PortStatus; 4] = [
        PortStatus::Received,
        PortStatus::Submitted,
        PortStatus::Scheduled,
        PortStatus::Complete,
    ];

    fn id(i: usize) -> PortId {
        PortId::new(format!("o{i}")).unwrap()
    }

    #[async_trait]
    impl PortProvider for Scripted {
        fn carrier(&self) -> Carrier {
            Carrier::INumbering
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::NONE
        }
        fn tracking(&self) -> Tracking {
            Tracking::Listing {
                page_size: None,
                complete_summaries: true,
            }
        }
        async fn check_portability(&self, _: &[PhoneNumber]) -> Result<Vec<Portability>> {
            unreachable!()
        }
        async fn submit(&self, _: &PortRequest) -> Result<Submission> {
            unreachable!()
        }
        async fn order(&self, _: &PortId) -> Result<PortOrder> {
            unreachable!("complete summaries need no read")
        }
        fn orders(&self) -> BoxStream<'_, Result<PortSummary>> {
            let round = self.rounds.lock().unwrap().pop_front();
            let Some(round) = round else {
                let e = Error::Api {
                    carrier: Carrier::INumbering,
                    status: 503,
                    retry_after: None,
                    message: "script over".into(),
                };
                return stream::iter(vec![Err(e)]).boxed();
            };
            self.played.lock().unwrap().push(round.clone());
            let mut items: Vec<Result<PortSummary>> = Vec::new();
            for (i, seen) in round.orders.iter().enumerate() {
                if let Seen::Status(s) = seen {
                    let status = STATUSES[usize::from(*s) % STATUSES.len()];
                    items.push(Ok(PortSummary::new(
                        id(i),
                        Carrier::INumbering,
                        status,
                        CarrierStatus::new(format!("{status:?}"), None),
                    )));
                }
            }
            for u in 0..round.unreadable {
                items.push(Err(Error::Decode {
                    carrier: Carrier::INumbering,
                    operation: Operation::ListOrders,
                    message: format!("entry {u} unreadable"),
                }));
            }
            if round.cut {
                items.push(Err(Error::Incomplete {
                    carrier: Carrier::INumbering,
                    operation: Operation::ListOrders,
                    message: "cut".into(),
                }));
            }
            stream::iter(items).boxed()
        }
        async fn amend(&self, _: &PortId, _: &Amendment) -> Result<()> {
            unreachable!()
        }
        async fn cancel(&self, _: &PortId) -> Result<()> {
            unreachable!()
        }
    }

    #[derive(Debug)]
    struct NoWait;

    impl Sleep for NoWait {
        fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
            Box::pin(async {})
        }
    }

    fn round_strategy(orders: usize) -> impl Strategy<Value = Round> {
        (
            proptest::collection::vec(
                prop_oneof![Just(Seen::Absent), (0u8..4).prop_map(Seen::Status)],
                orders,
            ),
            0u8..3,
            any::<bool>(),
        )
            .prop_map(|(orders, unreadable, cut)| Round {
                orders,
                unreadable,
                cut,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Whatever a listing holds round after round, `watch_many` claims
        /// an order missing only in a round whose listing was complete and
        /// lacked it, yields each order's change once per change and
        /// nothing after its end, and stops within its round limit.
        #[test]
        fn absence_is_claimed_only_on_complete_rounds(
            rounds in (1usize..5).prop_flat_map(|n| proptest::collection::vec(round_strategy(n), 1..8)),
            max_rounds in prop_oneof![Just(u64::MAX), 1u64..10],
        ) {
            let orders = rounds[0].orders.len();
            let provider = Scripted {
                rounds: Mutex::new(rounds.clone().into()),
                played: Mutex::new(Vec::new()),
            };
            let options = TrackOptions::default()
                .with_sleep(Arc::new(NoWait))
                .with_max_rounds(max_rounds.min(rounds.len() as u64 + 3));
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let items: Vec<Result<OrderChange>> = rt.block_on(
                crate::watch::PortProviderExt::watch_many(
                    &provider,
                    (0..orders).map(id).collect(),
                    options,
                )
                .collect(),
            );
            let played = provider.played.lock().unwrap().clone();
            // Replay the rounds: the state a correct follower must have.
            let mut last: Vec<Option<PortStatus>> = vec![None; orders];
            let mut gone = vec![false; orders];
            let mut expected_missing = Vec::new();
            let mut expected_changes = Vec::new();
            for (r, round) in played.iter().enumerate() {
                let complete = !round.cut && round.unreadable == 0;
                for (i, seen) in round.orders.iter().enumerate() {
                    if gone[i] {
                        continue;
                    }
                    match seen {
                        Seen::Status(s) => {
                            let status = STATUSES[usize::from(*s) % STATUSES.len()];
                            if last[i] != Some(status) {
                                expected_changes.push((r as u64 + 1, i, last[i], status));
                                last[i] = Some(status);
                                gone[i] = status.is_terminal();
                            }
                        }
                        Seen::Absent if complete => {
                            expected_missing.push(i);
                            gone[i] = true;
                        }
                        Seen::Absent => {}
                    }
                }
            }
            let mut changes = Vec::new();
            let mut missing = Vec::new();
            for item in &items {
                match item {
                    Ok(c) => {
                        let i: usize = c.id.as_str()[1..].parse().unwrap();
                        changes.push((c.round, i, c.from, c.to));
                    }
                    Err(Error::NotFound { message, .. }) => {
                        let i = (0..orders).find(|i| message.contains(&format!("order o{i} "))).unwrap();
                        missing.push(i);
                    }
                    Err(_) => {}
                }
            }
            prop_assert_eq!(changes, expected_changes);
            prop_assert_eq!(missing, expected_missing);
            prop_assert!(played.len() as u64 <= max_rounds);
        }
    }

    #[test]
    fn the_cheaper_way_is_chosen() {
        let cellhire = Tracking::Listing {
            page_size: Some(50),
            complete_summaries: false,
        };
        // 5,000 open orders on an account of 5,000: 100 pages beat 5,000 reads.
        assert_eq!(listing_cost(cellhire, Some(5_000), 5_000), Some(100));
        // 3 orders on an account of 100,000: 2,000 pages lose to 3 reads.
        assert_eq!(listing_cost(cellhire, Some(100_000), 3), Some(2_000));
        let inumbering = Tracking::Listing {
            page_size: None,
            complete_summaries: true,
        };
        assert_eq!(listing_cost(inumbering, None, 5_000), Some(1));
        assert_eq!(listing_cost(Tracking::PerOrder, None, 10), None);
    }
}
