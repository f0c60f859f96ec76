//! [`Follower`]: one poller per carrier account for a whole fleet.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::events::Events;
use crate::http::{Sleep, TokioSleep};
use crate::ledger::Ledger;
use crate::provider::{PortProvider, account_of};

use super::lease::{Acquired, Fence, FollowerLease, LeaseKeeper, LeaseSlot, lock};
use super::round::{Counts, Memory, Round, RoundLease, RoundReport, Stop};

/// The default [`Follower::lease`]: 10 seconds.
pub const DEFAULT_FOLLOW_LEASE: Duration = Duration::from_secs(10);
/// The shortest [`Follower::lease`]: 1 second.
pub const MIN_FOLLOW_LEASE: Duration = Duration::from_secs(1);
/// The longest [`Follower::lease`]: 10 minutes.
pub const MAX_FOLLOW_LEASE: Duration = Duration::from_secs(600);
/// The default [`Follower::interval`]: 30 seconds.
pub const DEFAULT_FOLLOW_INTERVAL: Duration = Duration::from_secs(30);
/// The shortest [`Follower::interval`]: 1 millisecond.
pub const MIN_FOLLOW_INTERVAL: Duration = Duration::from_millis(1);
/// The longest [`Follower::interval`]: 1 day.
pub const MAX_FOLLOW_INTERVAL: Duration = Duration::from_secs(86_400);
/// The default [`Follower::max_orders_per_round`]: 10,000.
pub const DEFAULT_MAX_ORDERS_PER_ROUND: usize = 10_000;
/// The largest [`Follower::max_orders_per_round`]: 100,000 (the ledger's
/// default listing bound, [`crate::DEFAULT_MAX_LISTED`]).
pub const MAX_ORDERS_PER_ROUND: usize = 100_000;
/// The longest a carrier's `Retry-After` may hold the next round back.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Follows every open order of one carrier account for a whole fleet:
/// one poller per account, whatever the number of replicas, each change
/// into the [`Ledger`] and onto the [`Events`] stream.
///
/// Every replica runs a `Follower` for the account (built from its own
/// client, the same account); they share the ledger's store. One of them
/// holds the account's **lease** (a claim at
/// `numport:<carrier>:<account hash>:follow` in the ledger's store, whose
/// value is `{"holder": <uuid>, "epoch": n}`) and polls; the others wait
/// and take over when its lease runs out. `epoch` is the fencing token: 1
/// for the first holder, one more on every takeover (while the key lives:
/// 30 days from the last holder's renewal; a holder that renews its own
/// lease after an outage, nobody having taken it meanwhile, keeps its
/// epoch). The holder renews its lease every third of it, also between
/// rounds.
///
/// **The fencing bound.** A holder counts its lease from the moment it
/// sent its last successful claim or renewal, on its own clock: the
/// store's lease, counted from when the store carried the call out, cannot
/// end earlier, so no other follower holds the lease before that bound.
/// A holder that cannot renew (the store failed or is down, or another
/// follower holds the lease) stops at once, and at the latest at the
/// bound (a renewal that does not answer is given up on there): no round
/// starts, no carrier call, no event published and no ledger write starts
/// after it. A step starts only while more than a margin is left before
/// the bound (the store's timeout, at most a quarter of the lease), and
/// the round in flight is dropped at the bound; what the store still
/// carries out of a step begun before it is bounded by the store's
/// timeout. It then tries to take the lease again. The clocks of the
/// replicas and the store need not agree, only run at the same rate.
///
/// **A round** ([`Follower::round`]), under the lease:
/// 1. the ledger's entries of this provider's account
///    ([`Ledger::entries`]); a change a stopped follower left in an
///    entry's outbox ([`crate::LedgerEntry::outbox`]) is published again,
///    as it is; an order that ended while read elsewhere (through
///    [`crate::Recorded`]) has its end published;
/// 2. the open ones, at most [`max_orders_per_round`](Self::max_orders_per_round)
///    (those this follower read longest ago first, then the
///    oldest-updated: the others are read on later rounds), followed by
///    one [`crate::PortProviderExt::watch_many`] round that knows what the
///    ledger last recorded of each: the fewest calls (iNumbering: one
///    portStatus call; Cellhire: one listing pass, and a read of each
///    order whose status changed);
/// 3. each order whose status is not the one last published gets its
///    change ([`crate::PortEvent`]: sequence one more than the entry's
///    change counter [`crate::LedgerEntry::changes`], `from` the status last
///    published, `to` the new one, the carrier's status name and message,
///    `seen_at` from the clock; two changes when the ledger also holds a
///    status read elsewhere that the stream has not had): every order's
///    changes are first **written into its entry** (the counter, status,
///    carrier status and message, and the events in its outbox), then
///    **published**, each order's in order, then the outbox emptied. A
///    follower that stops between the two leaves the events in the outbox
///    and the next holder publishes those same events again before anything
///    newer of the order: at least once, never lost, never told two ways
///    (receivers drop an id they have handled). One that stops after the
///    carrier answered and before the changes were written loses nothing
///    the carrier still shows: the next holder reads it again. A change of
///    the carrier's status name or message alone updates the entry and
///    publishes nothing.
///
/// Ended orders leave the open set as the ledger has it (terminal
/// statuses). An order the carrier says does not exist (missing from a
/// complete listing, or a read answering "not found") is logged (once per
/// follower) and left in the ledger: it is read again each round, and
/// leaves the ledger [`crate::OPEN_LIFETIME`] after its last update.
///
/// A single process with a [`crate::store::MemoryStore`] works the same.
/// Clones of a `Follower` are the same follower (one holder id, one lease).
#[derive(Debug, Clone)]
pub struct Follower {
    provider: Arc<dyn PortProvider>,
    ledger: Ledger,
    events: Events,
    lease: Duration,
    interval: Duration,
    max_orders_per_round: usize,
    clock: Arc<dyn Clock>,
    sleep: Arc<dyn Sleep>,
    shared: Arc<Shared>,
}

/// What the clones of a follower share.
#[derive(Debug)]
struct Shared {
    /// The holder id written in the lease.
    holder: String,
    slot: LeaseSlot,
    memory: Mutex<Memory>,
    /// One round at a time.
    running: tokio::sync::Mutex<()>,
}

impl Follower {
    /// A follower of `provider`'s account: its orders in `ledger`, their
    /// changes onto `events`, its lease in the ledger's store.
    pub fn new(provider: Arc<dyn PortProvider>, ledger: Ledger, events: Events) -> Self {
        Self {
            provider,
            ledger,
            events,
            lease: DEFAULT_FOLLOW_LEASE,
            interval: DEFAULT_FOLLOW_INTERVAL,
            max_orders_per_round: DEFAULT_MAX_ORDERS_PER_ROUND,
            clock: Arc::new(SystemClock),
            sleep: Arc::new(TokioSleep),
            shared: Arc::new(Shared {
                holder: uuid::Uuid::new_v4().simple().to_string(),
                slot: LeaseSlot::default(),
                memory: Mutex::new(Memory::default()),
                running: tokio::sync::Mutex::new(()),
            }),
        }
    }

    setters! {
        /// How long the lease lasts from its holder's last renewal (default
        /// [`DEFAULT_FOLLOW_LEASE`], [`MIN_FOLLOW_LEASE`] to
        /// [`MAX_FOLLOW_LEASE`]; out of range is an [`Error::Config`] on first
        /// use, with nothing sent or stored): a dead holder is replaced
        /// within about this long. Every replica should use the same.
        lease(lease: Duration) => lease = lease;

        /// The wait between two rounds of the holder (default
        /// [`DEFAULT_FOLLOW_INTERVAL`], [`MIN_FOLLOW_INTERVAL`] to
        /// [`MAX_FOLLOW_INTERVAL`]), longer when the carrier's `Retry-After`
        /// asks (up to an hour). A follower that does not hold the lease
        /// tries to take it this often, at least every quarter of the lease.
        interval(interval: Duration) => interval = interval;

        /// The most open orders one round reads (default
        /// [`DEFAULT_MAX_ORDERS_PER_ROUND`], 1 to [`MAX_ORDERS_PER_ROUND`]):
        /// the others are read on later rounds, those read longest ago
        /// first, then the oldest-updated.
        max_orders_per_round(max: usize) => max_orders_per_round = max;

        /// The clock of the lease's fencing bound and of the events' `seen_at`
        /// (default the system clock).
        clock(clock: Arc<dyn Clock>) => clock = clock;

        /// The sleep between rounds and renewals (default the tokio timer).
        /// It must wait: one that returns at once makes [`Follower::run`]
        /// spin.
        sleep(sleep: Arc<dyn Sleep>) => sleep = sleep;
    }

    /// `Err(Error::Config)` when a setting is out of its range.
    fn check_settings(&self) -> Result<()> {
        let mut problems = Vec::new();
        if self.lease < MIN_FOLLOW_LEASE || self.lease > MAX_FOLLOW_LEASE {
            problems.push(format!(
                "lease must be between {MIN_FOLLOW_LEASE:?} and {MAX_FOLLOW_LEASE:?}, not {:?}",
                self.lease
            ));
        }
        if self.interval < MIN_FOLLOW_INTERVAL || self.interval > MAX_FOLLOW_INTERVAL {
            problems.push(format!(
                "interval must be between {MIN_FOLLOW_INTERVAL:?} and {MAX_FOLLOW_INTERVAL:?}, \
                 not {:?}",
                self.interval
            ));
        }
        if self.max_orders_per_round == 0 || self.max_orders_per_round > MAX_ORDERS_PER_ROUND {
            problems.push(format!(
                "max_orders_per_round must be between 1 and {MAX_ORDERS_PER_ROUND}, not {}",
                self.max_orders_per_round
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Config(format!("Follower: {}", problems.join("; "))))
        }
    }

    /// The provider's account reference, or [`Error::Config`].
    fn account(&self) -> Result<String> {
        account_of(&*self.provider, "its orders")
    }

    fn keeper<'a>(&'a self, key: &'a str) -> LeaseKeeper<'a> {
        LeaseKeeper {
            store: self.ledger.store(),
            key,
            holder: &self.shared.holder,
            lease: self.lease,
            clock: &self.clock,
            slot: &self.shared.slot,
        }
    }

    /// What this follower knows of its lease: whether it holds it now, and
    /// the epoch and fencing bound of its last tenure.
    pub fn lease_status(&self) -> FollowerLease {
        match self.shared.slot.last() {
            Some(fence) => FollowerLease {
                held: fence.live(),
                epoch: Some(fence.epoch()),
                until: Some(fence.until()),
            },
            None => FollowerLease {
                held: false,
                epoch: None,
                until: None,
            },
        }
    }

    /// One round (see [`Follower`]), if this follower holds the lease or
    /// can take it; the lease is renewed while the round runs, and kept
    /// when it ends (call again within the lease to keep it, or use
    /// [`Follower::run`]).
    ///
    /// Errors: [`Error::Config`] for a setting out of range or a provider
    /// that names no account (nothing sent or stored); [`Error::Ledger`]
    /// when the lease could not be taken or renewed (the store failed) or
    /// the ledger could not be read or written; [`Error::Events`] when an
    /// event could not be published (it stays in its entry's outbox for
    /// the next round); the carrier's error when its round failed (a
    /// retryable one: try again later; a carrier with no read call, such
    /// as Apeiron, is an [`Error::Unsupported`] whenever orders are open).
    pub async fn round(&self) -> Result<RoundReport> {
        self.check_settings()?;
        let account = self.account()?;
        let key = format!("{account}:follow");
        let _running = self.shared.running.lock().await;
        let keeper = self.keeper(&key);
        let fence = match keeper.acquire().await? {
            Acquired::Held(fence) => fence,
            Acquired::Elsewhere(epoch) => return Ok(RoundReport::elsewhere(epoch)),
        };
        let counts = Counts::default();
        let epoch = fence.epoch();
        let outcome = tokio::select! {
            biased;
            () = keeper.keep(&fence, &self.sleep) => Err(Stop::Fenced),
            outcome = self.round_under(&fence, &account, &counts) => outcome,
        };
        match outcome {
            Ok(()) => Ok(counts.report(RoundLease::Held { epoch })),
            Err(Stop::Fenced) => Ok(counts.report(RoundLease::Lost { epoch })),
            Err(Stop::Failed(error)) => Err(error),
        }
    }

    async fn round_under(
        &self,
        fence: &Fence,
        account: &str,
        counts: &Counts,
    ) -> std::result::Result<(), Stop> {
        Round {
            provider: &self.provider,
            ledger: &self.ledger,
            events: &self.events,
            account,
            fence,
            max_orders: self.max_orders_per_round,
            clock: &self.clock,
            memory: &self.shared.memory,
            counts,
        }
        .run()
        .await
    }

    /// Follows until `shutdown` completes: takes the lease when it can,
    /// runs a round every [`interval`](Self::interval) while it holds it
    /// (renewing it meanwhile), stops at once when it loses it and tries
    /// again later. A round's failure is logged and the round tried again
    /// after the interval. On shutdown the lease is handed back, so that
    /// another follower takes over at once. [`Follower::run_reporting`]
    /// does the same and reports each round.
    ///
    /// Errors only with [`Error::Config`] (a setting out of range, a
    /// provider that names no account), before anything is sent or stored.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<()> {
        self.run_reporting(shutdown, |_, _| {}).await
    }

    /// [`Follower::run`], calling `on_round(report, error)` after each try:
    ///
    /// - after every round run under the lease, with what it did:
    ///   [`RoundLease::Held`] (it ended, `error` `None`), or
    ///   [`RoundLease::Lost`] (the lease was lost midway and the round
    ///   stopped there; `error` `None`);
    /// - after a round that failed (a carrier, ledger or stream error, the
    ///   lease still held): [`RoundLease::Held`] with the counts of what it
    ///   did before it failed, and `Some(error)`; it is tried again after
    ///   the interval (longer when the carrier's `Retry-After` asks);
    /// - once for each try that found the lease held elsewhere:
    ///   [`RoundLease::Elsewhere`], counts 0, `error` `None`;
    /// - once for each try that could not take the lease because the store
    ///   failed: [`RoundLease::Elsewhere`] with no epoch, counts 0, and
    ///   `Some(error)` (the lease's holder is unknown).
    ///
    /// A round cut short by `shutdown` is not reported. The lease is kept
    /// in the background as in [`Follower::run`]: `on_round` should return
    /// quickly (the next round waits for it, the renewals do not).
    ///
    /// Errors only with [`Error::Config`], as [`Follower::run`].
    pub async fn run_reporting(
        &self,
        shutdown: impl Future<Output = ()>,
        mut on_round: impl FnMut(&RoundReport, Option<&Error>) + Send,
    ) -> Result<()> {
        self.check_settings()?;
        let account = self.account()?;
        let key = format!("{account}:follow");
        let keeper = self.keeper(&key);
        let standby = self.standby();
        let follow = async {
            loop {
                match keeper.acquire().await {
                    Ok(Acquired::Held(fence)) => {
                        self.follow_while_held(&keeper, &fence, &account, &mut on_round)
                            .await
                    }
                    Ok(Acquired::Elsewhere(epoch)) => {
                        on_round(&RoundReport::elsewhere(epoch).then_after(standby), None)
                    }
                    Err(error) => {
                        tracing::warn!(
                            carrier = %self.provider.carrier(),
                            %error,
                            "the follower could not take its lease; it tries again"
                        );
                        on_round(
                            &RoundReport::elsewhere(None).then_after(standby),
                            Some(&error),
                        );
                    }
                }
                self.sleep.sleep(standby).await;
            }
        };
        tokio::select! {
            () = shutdown => {}
            _ = follow => {}
        }
        if let Err(error) = keeper.release().await {
            tracing::warn!(%error, "the follower could not hand its lease back; it runs out");
        }
        Ok(())
    }

    /// Rounds every interval while `fence` lasts, each reported to
    /// `on_round`; a round stopped by the end of the fence is reported
    /// [`RoundLease::Lost`].
    async fn follow_while_held(
        &self,
        keeper: &LeaseKeeper<'_>,
        fence: &Arc<Fence>,
        account: &str,
        on_round: &mut (impl FnMut(&RoundReport, Option<&Error>) + Send),
    ) {
        let carrier = self.provider.carrier();
        let epoch = fence.epoch();
        // The counts of the round in flight, kept here so that a round
        // dropped when the fence ends still reports what it did.
        let in_flight: Mutex<Option<Arc<Counts>>> = Mutex::new(None);
        let rounds = async {
            loop {
                let wait = {
                    let _running = self.shared.running.lock().await;
                    let counts = Arc::new(Counts::default());
                    *lock(&in_flight) = Some(counts.clone());
                    let outcome = self.round_under(fence, account, &counts).await;
                    if matches!(outcome, Err(Stop::Fenced)) {
                        return;
                    }
                    lock(&in_flight).take();
                    let report = counts.report(RoundLease::Held { epoch });
                    match outcome {
                        Err(Stop::Failed(error)) => {
                            tracing::warn!(
                                %carrier,
                                %error,
                                "the follower's round failed; it tries again after the interval"
                            );
                            let wait = error
                                .retry_after()
                                .map(|asked| asked.min(MAX_RETRY_AFTER))
                                .filter(|asked| *asked > self.interval)
                                .unwrap_or(self.interval);
                            on_round(&report.then_after(wait), Some(&error));
                            wait
                        }
                        _ => {
                            let report = report.then_after(self.interval);
                            tracing::debug!(%carrier, ?report, "follower round");
                            on_round(&report, None);
                            self.interval
                        }
                    }
                };
                self.sleep.sleep(wait).await;
            }
        };
        tokio::select! {
            biased;
            () = keeper.keep(fence, &self.sleep) => {}
            () = rounds => {}
        }
        let cut = lock(&in_flight).take();
        if let Some(counts) = cut {
            let report = counts
                .report(RoundLease::Lost { epoch })
                .then_after(self.standby());
            tracing::debug!(%carrier, ?report, "follower round stopped: the lease ended");
            on_round(&report, None);
        }
    }

    /// How long a try that did not end in a round under the lease waits
    /// before the next: the interval, at most a quarter of the lease (a
    /// standby follower takes over well within a lease).
    fn standby(&self) -> Duration {
        self.interval.min(self.lease / 4)
    }

    /// Hands the lease back if this follower holds it: another follower
    /// takes over at its next try (one more epoch). [`Follower::run`] does
    /// it on shutdown.
    pub async fn release(&self) -> Result<()> {
        let account = self.account()?;
        let key = format!("{account}:follow");
        let _running = self.shared.running.lock().await;
        self.keeper(&key).release().await
    }
}
