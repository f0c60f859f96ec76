//! The follower's lease: one holder per carrier account, taken and renewed
//! with the store's claims, and fenced by time on the holder's side.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::http::Sleep;
use crate::store::{Claim, Hold, LockToken, Store, StoreError};

/// How long the lease key lives after its last claim or renewal: 30 days,
/// so that the epoch keeps counting from one holder to the next.
const KEY_TTL: Duration = Duration::from_secs(30 * 86_400);

/// What the lease key holds: who holds it, and the epoch of its tenure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct LeaseValue {
    /// The holder's id (a UUID per [`crate::Follower`]).
    holder: String,
    /// The fencing token: 1 for the first tenure, one more on every
    /// takeover.
    epoch: u64,
}

impl LeaseValue {
    fn read(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }
}

/// What a [`crate::Follower`] knows of its lease
/// ([`crate::Follower::lease_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FollowerLease {
    /// True while the follower holds the lease: its last tenure has not
    /// ended (no renewal failed, its fencing bound has not come).
    pub held: bool,
    /// The epoch (fencing token) of its last tenure, if it ever held the
    /// lease.
    pub epoch: Option<u64>,
    /// The fencing bound of its last tenure: its last successful claim or
    /// renewal plus the lease, on the follower's clock. Nothing of that
    /// tenure starts after it (see [`crate::Follower`]).
    pub until: Option<DateTime<Utc>>,
}

/// Locks `m`, recovering from a poisoned lock (nothing here panics while
/// holding one).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `at + d`, or the end of time when that overflows.
pub(crate) fn after(at: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// From `now` to `then`, zero when `then` has passed.
pub(crate) fn until(now: DateTime<Utc>, then: DateTime<Utc>) -> Duration {
    (then - now).to_std().unwrap_or(Duration::ZERO)
}

/// The fence of one tenure: while it is open, the holder may start a step
/// (a carrier call, a publish, a ledger write).
///
/// Its bound is the time of the last successful claim or renewal (read
/// before the call was sent) plus the lease: the store's lease, counted
/// from when the store carried the call out, cannot end earlier, so no
/// other follower can hold the lease before the bound (the clocks need
/// not agree, only run at the same rate). A step starts only while more
/// than the margin is left before the bound; a failed renewal closes the
/// fence at once, for good.
#[derive(Debug)]
pub(crate) struct Fence {
    clock: Arc<dyn Clock>,
    margin: Duration,
    lease: Duration,
    epoch: u64,
    state: Mutex<FenceState>,
}

#[derive(Debug, Clone, Copy)]
struct FenceState {
    renewed_at: DateTime<Utc>,
    until: DateTime<Utc>,
    closed: bool,
}

impl Fence {
    fn new(
        clock: Arc<dyn Clock>,
        margin: Duration,
        lease: Duration,
        epoch: u64,
        taken_at: DateTime<Utc>,
    ) -> Self {
        Self {
            clock,
            margin,
            lease,
            epoch,
            state: Mutex::new(FenceState {
                renewed_at: taken_at,
                until: after(taken_at, lease),
                closed: false,
            }),
        }
    }

    /// True while a step may start: not closed, and more than the margin
    /// left before the bound.
    pub(crate) fn open(&self) -> bool {
        let s = *lock(&self.state);
        !s.closed && after(self.clock.now(), self.margin) < s.until
    }

    /// True while the tenure lasts: not closed and the bound not reached.
    pub(crate) fn live(&self) -> bool {
        let s = *lock(&self.state);
        !s.closed && self.clock.now() < s.until
    }

    /// The bound: when the holder stops at the latest.
    pub(crate) fn until(&self) -> DateTime<Utc> {
        lock(&self.state).until
    }

    /// The epoch of the tenure.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Ends the tenure: no step starts after this.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
    }

    fn renewed(&self, at: DateTime<Utc>) {
        let mut s = lock(&self.state);
        if !s.closed {
            s.renewed_at = at;
            s.until = s.until.max(after(at, self.lease));
        }
    }
}

/// One tenure: the store's token, the epoch and the fence.
#[derive(Debug, Clone)]
struct Tenure {
    token: LockToken,
    epoch: u64,
    fence: Arc<Fence>,
}

/// What the follower knows of its lease, shared by its clones.
#[derive(Debug, Default)]
pub(crate) struct LeaseSlot {
    /// The tenure whose token it holds (kept after a failed renewal, to
    /// renew it again when the store is back).
    tenure: Mutex<Option<Tenure>>,
    /// The fence of the last tenure, ended or not.
    last: Mutex<Option<Arc<Fence>>>,
}

impl LeaseSlot {
    /// The fence of the last tenure, ended or not.
    pub(crate) fn last(&self) -> Option<Arc<Fence>> {
        lock(&self.last).clone()
    }
}

/// The answer of [`LeaseKeeper::acquire`].
#[derive(Debug)]
pub(crate) enum Acquired {
    /// This follower holds the lease: steps go through the fence.
    Held(Arc<Fence>),
    /// Another follower holds it (its epoch, when readable).
    Elsewhere(Option<u64>),
}

/// Takes, renews and hands back the lease at `key`.
pub(crate) struct LeaseKeeper<'a> {
    pub(crate) store: &'a Arc<dyn Store>,
    pub(crate) key: &'a str,
    pub(crate) holder: &'a str,
    pub(crate) lease: Duration,
    pub(crate) clock: &'a Arc<dyn Clock>,
    pub(crate) slot: &'a LeaseSlot,
}

impl LeaseKeeper<'_> {
    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::Ledger {
            message: format!("the follower's lease could not be taken or renewed: {message}"),
        }
    }

    /// One store call, bounded by the store's timeout.
    async fn bounded<T>(
        &self,
        call: impl Future<Output = std::result::Result<T, StoreError>>,
    ) -> Result<T> {
        crate::store::within(&**self.store, self.store.timeout(), call)
            .await
            .map_err(|e| self.error(e))
    }

    fn value(&self, epoch: u64) -> Result<Vec<u8>> {
        serde_json::to_vec(&LeaseValue {
            holder: self.holder.to_owned(),
            epoch,
        })
        .map_err(|e| self.error(e))
    }

    /// The margin of a fence: the store's timeout, at most a quarter of
    /// the lease.
    fn margin(&self) -> Duration {
        self.store.timeout().min(self.lease / 4)
    }

    fn start(&self, token: LockToken, epoch: u64, at: DateTime<Utc>) -> Arc<Fence> {
        let fence = Arc::new(Fence::new(
            self.clock.clone(),
            self.margin(),
            self.lease,
            epoch,
            at,
        ));
        *lock(&self.slot.tenure) = Some(Tenure {
            token,
            epoch,
            fence: fence.clone(),
        });
        *lock(&self.slot.last) = Some(fence.clone());
        fence
    }

    /// Writes this holder's value under `token` with a fresh lease.
    async fn record(&self, token: &LockToken, epoch: u64, hold: Hold) -> Result<bool> {
        let value = self.value(epoch)?;
        self.bounded(
            self.store
                .record(self.key, token, &value, hold, KEY_TTL.max(self.lease)),
        )
        .await
    }

    /// Renews the lease this follower holds, or takes it when it is free
    /// or its holder's lease ran out (one more epoch).
    pub(crate) async fn acquire(&self) -> Result<Acquired> {
        let held = lock(&self.slot.tenure).clone();
        if let Some(tenure) = held {
            let at = self.clock.now();
            match self
                .record(&tenure.token, tenure.epoch, Hold::Lease(self.lease))
                .await
            {
                Ok(true) => {
                    if tenure.fence.live() {
                        tenure.fence.renewed(at);
                        return Ok(Acquired::Held(tenure.fence));
                    }
                    // The store kept it for us while the fence was shut: a
                    // new tenure of the same epoch (nobody else held it).
                    tenure.fence.close();
                    tracing::info!(epoch = tenure.epoch, "the follower holds its lease again");
                    return Ok(Acquired::Held(self.start(tenure.token, tenure.epoch, at)));
                }
                Ok(false) => {
                    tenure.fence.close();
                    *lock(&self.slot.tenure) = None;
                    tracing::warn!(epoch = tenure.epoch, "the follower lost its lease");
                }
                Err(e) => {
                    tenure.fence.close();
                    return Err(e);
                }
            }
        }
        let at = self.clock.now();
        let first = self.value(1)?;
        let claim = self
            .bounded(
                self.store
                    .claim(self.key, &first, self.lease, KEY_TTL.max(self.lease)),
            )
            .await?;
        match claim {
            Claim::New(token) => {
                tracing::info!(epoch = 1, "the follower took its lease");
                Ok(Acquired::Held(self.start(token, 1, at)))
            }
            Claim::TakenOver { token, previous } => {
                let before = LeaseValue::read(&previous).map_or(0, |v| v.epoch);
                let epoch = before.saturating_add(1);
                if self.record(&token, epoch, Hold::Lease(self.lease)).await? {
                    tracing::info!(epoch, "the follower took its lease over");
                    Ok(Acquired::Held(self.start(token, epoch, at)))
                } else {
                    Ok(Acquired::Elsewhere(None))
                }
            }
            Claim::Leased(value) => Ok(Acquired::Elsewhere(
                LeaseValue::read(&value).map(|v| v.epoch),
            )),
            Claim::Settled(value) => {
                tracing::error!(
                    key = %self.key,
                    "the follower's lease key holds a final value; no follower can take it"
                );
                Ok(Acquired::Elsewhere(
                    LeaseValue::read(&value).map(|v| v.epoch),
                ))
            }
        }
    }

    /// Keeps the lease of `fence` while it lasts: renews it every third of
    /// the lease; returns when a renewal fails or finds the lease taken
    /// (the fence is closed at once), or at the bound.
    pub(crate) async fn keep(&self, fence: &Arc<Fence>, sleep: &Arc<dyn Sleep>) {
        loop {
            let tenure = lock(&self.slot.tenure).clone();
            let Some(tenure) = tenure.filter(|t| Arc::ptr_eq(&t.fence, fence)) else {
                fence.close();
                return;
            };
            let now = self.clock.now();
            let state = *lock(&fence.state);
            if state.closed || now >= state.until {
                fence.close();
                return;
            }
            let next = after(state.renewed_at, self.lease / 3);
            if now < next {
                sleep.sleep(until(now, next.min(state.until))).await;
                tokio::task::yield_now().await;
                continue;
            }
            let bound = sleep.sleep(until(now, state.until));
            let renewal = self.record(&tenure.token, tenure.epoch, Hold::Lease(self.lease));
            let renewed = tokio::select! {
                renewed = renewal => renewed,
                () = bound => {
                    fence.close();
                    tracing::warn!(
                        epoch = tenure.epoch,
                        "the follower's lease ran out before the store answered its renewal: \
                         it stops following"
                    );
                    return;
                }
            };
            match renewed {
                Ok(true) => fence.renewed(now),
                Ok(false) => {
                    fence.close();
                    tracing::warn!(epoch = tenure.epoch, "the follower lost its lease");
                    return;
                }
                Err(error) => {
                    fence.close();
                    tracing::warn!(
                        epoch = tenure.epoch,
                        %error,
                        "the follower could not renew its lease: it stops following"
                    );
                    return;
                }
            }
        }
    }

    /// Hands the lease back (the next claim takes it over at once, one
    /// more epoch), if this follower holds it.
    pub(crate) async fn release(&self) -> Result<()> {
        let held = lock(&self.slot.tenure).take();
        let Some(tenure) = held else {
            return Ok(());
        };
        tenure.fence.close();
        self.record(&tenure.token, tenure.epoch, Hold::Lease(Duration::ZERO))
            .await?;
        Ok(())
    }
}
