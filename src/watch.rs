//! Following one order until it ends: [`PortProviderExt::watch`].
//!
//! The carriers here have no webhooks, so following an order means polling
//! it. `watch` does that with backoff: it starts at
//! [`WatchOptions::first_interval`], doubles while nothing changes up to
//! [`WatchOptions::max_interval`], and starts again from the first interval
//! after each change. It yields each change of state once, with the time it
//! was seen, and ends after a terminal state. Transient errors (see
//! [`crate::Error::is_retryable`]) are ridden out, up to
//! [`WatchOptions::max_consecutive_errors`] in a row, each followed by a
//! wait at least as long as the carrier's `Retry-After` (up to
//! [`WatchOptions::max_retry_after`]); a permanent error is yielded and ends
//! the stream.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};

use crate::clock::{Clock, SystemClock};
use crate::error::Result;
use crate::http::{Sleep, TokioSleep};
use crate::model::{PortId, PortOrder};
use crate::provider::PortProvider;
use crate::status::{CarrierStatus, PortStatus};

/// How [`PortProviderExt::watch`] polls.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WatchOptions {
    /// The wait before the second poll, and after every change (default 5 s).
    pub first_interval: Duration,
    /// The longest wait between polls (default 5 minutes).
    pub max_interval: Duration,
    /// How many transient errors in a row are ridden out before the last one
    /// is yielded and the stream ends (default 8).
    pub max_consecutive_errors: u32,
    /// The longest wait a carrier's `Retry-After` may impose before the next
    /// poll (default 1 hour): a poll refused with a longer one waits this
    /// long.
    pub max_retry_after: Duration,
    /// The sleep between polls.
    pub sleep: Arc<dyn Sleep>,
    /// The clock that stamps each change.
    pub clock: Arc<dyn Clock>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            first_interval: Duration::from_secs(5),
            max_interval: Duration::from_secs(300),
            max_consecutive_errors: 8,
            max_retry_after: Duration::from_secs(3600),
            sleep: Arc::new(TokioSleep),
            clock: Arc::new(SystemClock),
        }
    }
}

impl WatchOptions {
    /// Sets the first and the longest interval.
    pub fn with_intervals(mut self, first: Duration, max: Duration) -> Self {
        self.first_interval = first;
        self.max_interval = max.max(first);
        self
    }

    setters! {
        /// Sets the sleep between polls.
        with_sleep(sleep: Arc<dyn Sleep>) => sleep = sleep;

        /// Sets the clock.
        with_clock(clock: Arc<dyn Clock>) => clock = clock;
    }
}

/// One change of an order's state, as seen by polling.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusChange {
    /// The state before, `None` for the first observation.
    pub from: Option<PortStatus>,
    /// The new state.
    pub to: PortStatus,
    /// The carrier's own status.
    pub carrier_status: CarrierStatus,
    /// When the change was seen.
    pub seen_at: DateTime<Utc>,
    /// False when the flow does not allow reaching `to` from `from` (a
    /// carrier surprise worth logging); the change is yielded all the same.
    pub expected: bool,
    /// The carrier's latest message about the order (a FOC, a rejection or
    /// cancellation reason), as in [`PortOrder::message`].
    pub message: Option<String>,
    /// The whole order as last read.
    pub order: PortOrder,
}

/// Extra operations for every [`PortProvider`], `dyn` ones included.
pub trait PortProviderExt: PortProvider {
    /// A stream of the changes of order `id` until it is terminal.
    ///
    /// The carriers here have no webhooks, so following an order means polling
    /// it. `watch` does that with backoff: it starts at
    /// [`WatchOptions::first_interval`], doubles while nothing changes up to
    /// [`WatchOptions::max_interval`], and starts again from the first interval
    /// after each change. It yields each change of state once, with the time it
    /// was seen, and ends after a terminal state. Transient errors (see
    /// [`crate::Error::is_retryable`]) are ridden out, up to
    /// [`WatchOptions::max_consecutive_errors`] in a row, each followed by a
    /// wait at least as long as the carrier's `Retry-After` (up to
    /// [`WatchOptions::max_retry_after`]); a permanent error is yielded and ends
    /// the stream.
    fn watch<'a>(
        &'a self,
        id: &PortId,
        options: WatchOptions,
    ) -> BoxStream<'a, Result<StatusChange>> {
        watch(self, id.clone(), options)
    }

    /// A stream of the changes of every order in `ids` until all are
    /// terminal, with the fewest carrier calls a round.
    ///
    /// [`PortProviderExt::watch_many`](crate::PortProviderExt::watch_many).
    ///
    /// [`PortProviderExt::watch`] follows one order with one read per poll; a service with
    /// 5,000 open ports would spend 5,000 calls a round. `watch_many` spends a
    /// round on whichever costs fewer calls, as the carrier's
    /// [`Tracking`](crate::Tracking) says:
    /// - **one listing pass** ([`crate::PortProvider::orders`]) when the carrier
    ///   lists every order with its status (iNumbering answers all of an
    ///   account's orders in one call; Cellhire lists 50 a page), followed, where
    ///   the listing lacks the detail, by one [`crate::PortProvider::order`] read
    ///   for each order whose status changed since it was last seen (the first
    ///   sight of an order is taken from the listing);
    /// - **one read per order** when that is cheaper (a handful of orders on an
    ///   account of thousands), or when the carrier has no listing.
    ///
    /// Carriers with no read call at all (Apeiron) are reported as not trackable
    /// up front, with one [`crate::Error::Unsupported`]. Each change of each
    /// order is yielded once, with its old and new status and the carrier's
    /// message. A transient failure (see [`crate::Error::is_retryable`]) skips
    /// the round, and the next round waits at least as long as the carrier's
    /// `Retry-After` asked (up to [`TrackOptions::max_retry_after`](crate::TrackOptions::max_retry_after)); the stream
    /// ends when every order is terminal.
    ///
    /// **Absence is a claim made only on complete evidence.** An order missing
    /// from a listing pass that was complete (the listing ended as the carrier
    /// documents it, and every entry was readable) is read on its own where the
    /// carrier has a read call that can say "no such order" (Cellhire), or
    /// reported at once where the listing is the carrier's whole answer
    /// (iNumbering): either way it is yielded as [`crate::Error::NotFound`] and
    /// dropped, in the first complete round that lacks it. A listing with
    /// unreadable entries ([`crate::Error::Decode`], yielded in their place) or
    /// cut short ([`crate::Error::Incomplete`], yielded too) still gives the
    /// changes of the orders it holds, but no order is reported missing from it:
    /// where the carrier can be asked for one order (Cellhire), the orders it
    /// lacks are read on their own instead.
    /// These two errors are yielded once per distinct text and do not end the
    /// stream.
    fn watch_many<'a>(
        &'a self,
        ids: Vec<PortId>,
        options: crate::track::TrackOptions,
    ) -> BoxStream<'a, Result<crate::track::OrderChange>> {
        crate::track::watch_many(self, ids, options)
    }
}

impl<T: PortProvider + ?Sized> PortProviderExt for T {}

struct State<'a, P: ?Sized> {
    provider: &'a P,
    id: PortId,
    options: WatchOptions,
    last: Option<(PortStatus, String, Option<String>)>,
    interval: Duration,
    errors: u32,
    first: bool,
    done: bool,
}

fn watch<'a, P: PortProvider + ?Sized>(
    provider: &'a P,
    id: PortId,
    options: WatchOptions,
) -> BoxStream<'a, Result<StatusChange>> {
    let interval = options.first_interval;
    let state = State {
        provider,
        id,
        options,
        last: None,
        interval,
        errors: 0,
        first: true,
        done: false,
    };
    stream::unfold(state, |mut st| async move {
        loop {
            if st.done {
                return None;
            }
            if !st.first {
                st.options.sleep.sleep(st.interval).await;
            }
            st.first = false;
            match st.provider.order(&st.id).await {
                Err(e) => {
                    st.errors += 1;
                    if e.is_retryable() && st.errors < st.options.max_consecutive_errors {
                        tracing::debug!(order = %st.id, errors = st.errors, "transient error while watching");
                        st.interval = grow(st.interval, &st.options);
                        // The carrier's Retry-After, bounded, when longer.
                        if let Some(asked) = e.retry_after() {
                            st.interval = st.interval.max(asked.min(st.options.max_retry_after));
                        }
                        continue;
                    }
                    st.done = true;
                    return Some((Err(e), st));
                }
                Ok(order) => {
                    st.errors = 0;
                    // A new message (a FOC, a reason) is news even when the
                    // status stays.
                    let key = (
                        order.status,
                        order.carrier_status.name.clone(),
                        order.message.clone(),
                    );
                    if st.last.as_ref() == Some(&key) {
                        st.interval = grow(st.interval, &st.options);
                        continue;
                    }
                    let from = st.last.as_ref().map(|(s, _, _)| *s);
                    let change = StatusChange {
                        from,
                        to: order.status,
                        carrier_status: order.carrier_status.clone(),
                        seen_at: st.options.clock.now(),
                        expected: from.is_none_or(|f| f == order.status || f.can_reach(order.status)),
                        message: order.message.clone(),
                        order,
                    };
                    st.last = Some(key);
                    st.interval = st.options.first_interval;
                    st.done = change.to.is_terminal();
                    return Some((Ok(change), st));
                }
            }
        }
    })
    .boxed()
}

fn grow(interval: Duration, options: &WatchOptions) -> Duration {
    interval
        .saturating_mul(2)
        .min(options.max_interval)
        .max(options.first_interval)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use async_trait::async_trait;
    use futures::future::BoxFuture;

    use super::*;
    use crate::Error;
    use crate::clock::ManualClock;
    use crate::model::{Amendment, PhoneNumber, PortRequest, PortSummary, Portability, Submission};
    use crate::operation::{Carrier, Operation};
    use crate::provider::Capabilities;

    #[derive(Debug)]
    struct Scripted(Mutex<VecDeque<Result<PortStatus>>>);

    #[async_trait]
    impl PortProvider for Scripted {
        fn carrier(&self) -> Carrier {
            Carrier::Cellhire
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                order: true,
                ..Capabilities::NONE
            }
        }
        async fn check_portability(&self, _: &[PhoneNumber]) -> Result<Vec<Portability>> {
            unreachable!()
        }
        async fn submit(&self, _: &PortRequest) -> Result<Submission> {
            unreachable!()
        }
        async fn order(&self, id: &PortId) -> Result<PortOrder> {
            let next = self
                .0
                .lock()
                .unwrap()
                .pop_front()
                .expect("polled past the script");
            next.map(|s| {
                PortOrder::new(
                    id.clone(),
                    Carrier::Cellhire,
                    s,
                    CarrierStatus::new(format!("{s:?}"), None),
                )
            })
        }
        fn orders(&self) -> BoxStream<'_, Result<PortSummary>> {
            unreachable!()
        }
        async fn amend(&self, _: &PortId, _: &Amendment) -> Result<()> {
            unreachable!()
        }
        async fn cancel(&self, _: &PortId) -> Result<()> {
            unreachable!()
        }
    }

    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<Duration>>);

    /// The waits `sleep` was asked for, in whole seconds.
    fn slept(sleep: &Recorder) -> Vec<u64> {
        sleep
            .0
            .lock()
            .unwrap()
            .iter()
            .map(Duration::as_secs)
            .collect()
    }

    impl Sleep for Recorder {
        fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
            self.0.lock().unwrap().push(d);
            Box::pin(async {})
        }
    }

    fn api(status: u16) -> Error {
        Error::Api {
            carrier: Carrier::Cellhire,
            status,
            retry_after: None,
            message: "x".into(),
        }
    }

    fn options(sleep: Arc<Recorder>) -> WatchOptions {
        let clock = ManualClock::new("2026-05-01T09:00:00Z".parse().unwrap());
        WatchOptions::default()
            .with_intervals(Duration::from_secs(1), Duration::from_secs(4))
            .with_sleep(sleep)
            .with_clock(Arc::new(clock))
    }

    #[tokio::test]
    async fn yields_each_change_once_rides_out_transients_and_ends_at_terminal() {
        use PortStatus::*;
        let script = vec![
            Ok(Received),
            Ok(Received),
            Err(api(503)),
            Ok(Received),
            Ok(Submitted),
            Ok(Scheduled),
            Ok(Complete),
        ];
        let provider = Scripted(Mutex::new(script.into()));
        let sleep = Arc::new(Recorder::default());
        let id = PortId::new("p1").unwrap();
        let changes: Vec<_> = provider.watch(&id, options(sleep.clone())).collect().await;
        let seen: Vec<(Option<PortStatus>, PortStatus, bool)> = changes
            .iter()
            .map(|c| c.as_ref().map(|c| (c.from, c.to, c.expected)).unwrap())
            .collect();
        assert_eq!(
            seen,
            vec![
                (None, Received, true),
                (Some(Received), Submitted, true),
                (Some(Submitted), Scheduled, true),
                (Some(Scheduled), Complete, true),
            ]
        );
        let secs = slept(&sleep);
        // 1 after the first change; doubled while unchanged or failing (2, 4, capped 4);
        // back to 1 after each change.
        assert_eq!(secs, vec![1, 2, 4, 4, 1, 1]);
        assert!(provider.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn permanent_error_is_yielded_and_ends_the_stream() {
        let provider = Scripted(Mutex::new(
            vec![
                Ok(PortStatus::Submitted),
                Err(Error::NotFound {
                    carrier: Carrier::Cellhire,
                    message: "gone".into(),
                }),
            ]
            .into(),
        ));
        let id = PortId::new("p1").unwrap();
        let out: Vec<_> = provider
            .watch(&id, options(Arc::new(Recorder::default())))
            .collect()
            .await;
        assert_eq!(out.len(), 2);
        assert!(out[1].as_ref().unwrap_err().is_not_found());
    }

    #[tokio::test]
    async fn an_incomplete_answer_is_ridden_out_and_retry_after_honoured() {
        let incomplete = Error::Incomplete {
            carrier: Carrier::INumbering,
            operation: Operation::Order,
            message: "200 {\"message\":\"maintenance\"}".into(),
        };
        let limited = Error::RateLimited {
            carrier: Carrier::Cellhire,
            retry_after: Some(Duration::from_secs(86_400)),
            message: "slow down".into(),
        };
        let provider = Scripted(Mutex::new(
            vec![Err(incomplete), Err(limited), Ok(PortStatus::Complete)].into(),
        ));
        let sleep = Arc::new(Recorder::default());
        let id = PortId::new("p1").unwrap();
        let out: Vec<_> = provider.watch(&id, options(sleep.clone())).collect().await;
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap().to, PortStatus::Complete);
        let secs = slept(&sleep);
        // 2 after the incomplete answer; then the day asked for, bounded to
        // the hour.
        assert_eq!(secs, vec![2, 3600]);
    }

    #[tokio::test]
    async fn too_many_transient_errors_end_the_stream() {
        let provider = Scripted(Mutex::new((0..3).map(|_| Err(api(500))).collect()));
        let mut opts = options(Arc::new(Recorder::default()));
        opts.max_consecutive_errors = 3;
        let id = PortId::new("p1").unwrap();
        let out: Vec<_> = provider.watch(&id, opts).collect().await;
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap_err().status(), Some(500));
    }

    #[tokio::test]
    async fn works_through_dyn() {
        let provider: Arc<dyn PortProvider> =
            Arc::new(Scripted(Mutex::new(vec![Ok(PortStatus::Cancelled)].into())));
        let id = PortId::new("p1").unwrap();
        let out: Vec<_> = provider
            .watch(&id, options(Arc::new(Recorder::default())))
            .collect()
            .await;
        assert_eq!(out[0].as_ref().unwrap().to, PortStatus::Cancelled);
        assert_eq!(out.len(), 1);
    }
}
