//! A holder dies mid-round: four followers run on one Redis; the holder's
//! task is aborted while it publishes a round (one event on the stream, its
//! entry's outbox not yet emptied), its state dropped. Another follower
//! takes the lease over within the lease time (Redis's clock), one epoch
//! on, publishes what the dead one left in the outboxes, and follows every
//! order to its end: each change on the stream at least once, in sequence
//! order per order, none lost.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use numport::sandbox::INumberingSandbox;
use numport::store::{Budget, Claim, Hold, LockToken, Store, StoreError, StreamEntry};
use numport::{Carrier, Follower, Ledger, PortStatus};
use redis_server::RedisServer;

use crate::setup::{chains, follower, inumbering, inumbering_orders, redis_store, stream};
use crate::support::redis_server;

const ORDERS: usize = 500;
const LEASE: Duration = Duration::from_secs(1);

/// The trap every follower's store shares: once armed, the `after`-th
/// event appended through any of them is appended, and then that store's
/// appends never answer.
#[derive(Debug, Default)]
struct Trap {
    armed: AtomicBool,
    appended: AtomicUsize,
    after: usize,
    /// The follower whose append sprang it.
    sprung: Mutex<Option<usize>>,
}

/// A follower's store, with the trap.
#[derive(Debug)]
struct Trapped {
    inner: Arc<dyn Store>,
    trap: Arc<Trap>,
    follower: usize,
}

#[async_trait]
impl Store for Trapped {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        self.inner.put(key, value, ttl).await
    }
    async fn remove_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        self.inner.remove_if(key, expected).await
    }
    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        self.inner.try_lock(key, ttl).await
    }
    async fn unlock(&self, key: &str, token: &LockToken) -> Result<(), StoreError> {
        self.inner.unlock(key, token).await
    }
    async fn take_budget(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Budget, StoreError> {
        self.inner.take_budget(key, limit, window).await
    }
    async fn claim(
        &self,
        key: &str,
        value: &[u8],
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim, StoreError> {
        self.inner.claim(key, value, lease, ttl).await
    }
    async fn record(
        &self,
        key: &str,
        token: &LockToken,
        value: &[u8],
        hold: Hold,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.inner.record(key, token, value, hold, ttl).await
    }
    async fn release(&self, key: &str, token: &LockToken) -> Result<bool, StoreError> {
        self.inner.release(key, token).await
    }
    async fn remove(&self, key: &str) -> Result<bool, StoreError> {
        self.inner.remove(key).await
    }
    async fn index_put(
        &self,
        index: &str,
        member: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.inner.index_put(index, member, value, ttl).await
    }
    async fn index_get(&self, index: &str, member: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.index_get(index, member).await
    }
    async fn index_remove(&self, index: &str, member: &str) -> Result<bool, StoreError> {
        self.inner.index_remove(index, member).await
    }
    async fn index_list(
        &self,
        index: &str,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.inner.index_list(index, limit).await
    }
    async fn stream_add(
        &self,
        stream: &str,
        payload: &[u8],
        max_len: u64,
    ) -> Result<String, StoreError> {
        if *self.trap.sprung.lock().unwrap() == Some(self.follower) {
            return std::future::pending().await;
        }
        let id = self.inner.stream_add(stream, payload, max_len).await?;
        let trap = &self.trap;
        if trap.armed.load(Ordering::SeqCst)
            && trap.appended.fetch_add(1, Ordering::SeqCst) + 1 == trap.after
        {
            *trap.sprung.lock().unwrap() = Some(self.follower);
            return std::future::pending().await;
        }
        Ok(id)
    }
    async fn stream_read(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        mine: bool,
        count: usize,
        block: Duration,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        self.inner
            .stream_read(stream, group, consumer, mine, count, block)
            .await
    }
    async fn stream_ack(&self, stream: &str, group: &str, id: &str) -> Result<bool, StoreError> {
        self.inner.stream_ack(stream, group, id).await
    }
    async fn stream_claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        self.inner
            .stream_claim(stream, group, consumer, min_idle, count)
            .await
    }
    async fn stream_len(&self, stream: &str) -> Result<u64, StoreError> {
        self.inner.stream_len(stream).await
    }
    fn timeout(&self) -> Duration {
        // Long enough for the test to abort the holder while its append
        // hangs (a real holder's publish would give up here).
        Duration::from_secs(5)
    }
}

/// Redis's own clock, in milliseconds.
async fn redis_ms(redis: &RedisServer) -> i64 {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
    secs * 1_000 + micros / 1_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_aborted_mid_round_is_taken_over_within_the_lease_and_nothing_is_lost() {
    let _alone = crate::setup::ONE_AT_A_TIME.lock().await;
    let redis = RedisServer::start();
    let sandbox = INumberingSandbox::start().await.unwrap();
    let submitter = redis_store(&redis);
    let ids = inumbering_orders(&sandbox, &submitter, ORDERS, false).await;
    let ledger = Ledger::new(submitter.clone());
    let trap = Arc::new(Trap {
        after: 100,
        ..Trap::default()
    });
    let interval = Duration::from_millis(50);
    let fleet: Vec<Follower> = (0..4)
        .map(|follower_no| {
            let store: Arc<dyn Store> = Arc::new(Trapped {
                inner: redis_store(&redis),
                trap: trap.clone(),
                follower: follower_no,
            });
            follower(inumbering(&sandbox, &store), &store)
                .lease(LEASE)
                .interval(interval)
        })
        .collect();
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    for f in &fleet {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let f = f.clone();
        stops.push(Some(stop));
        tasks.push(Some(tokio::spawn(async move {
            f.run(async {
                let _ = stopped.await;
            })
            .await
        })));
    }
    let mut fleet: Vec<Option<Follower>> = fleet.into_iter().map(Some).collect();

    // Every order's first status on the stream: a round went through.
    loop {
        let entries = ledger.entries(Carrier::INumbering).await.unwrap();
        if entries
            .iter()
            .all(|e| e.changes >= 1 && e.outbox.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    trap.armed.store(true, Ordering::SeqCst);
    let dead = loop {
        if let Some(n) = *trap.sprung.lock().unwrap() {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    // Mid-round: the 100th event of the round is on the stream, its outbox
    // not emptied. The holder dies with its state.
    let task = tasks[dead].take().unwrap();
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let aborted_at = redis_ms(&redis).await;
    let old = fleet[dead].take().unwrap().lease_status();
    stops[dead] = None;
    let old_epoch = old.epoch.unwrap();
    let waiting = ledger
        .entries(Carrier::INumbering)
        .await
        .unwrap()
        .iter()
        .filter(|e| !e.outbox.is_empty())
        .count();
    assert!(waiting >= 1, "the round was cut while publishing");

    // Another follower takes over, one epoch on.
    let (next, new_bound, taken_at) = loop {
        let taken = fleet.iter().enumerate().find_map(|(n, f)| {
            let status = f.as_ref()?.lease_status();
            (status.held && status.epoch == Some(old_epoch + 1)).then_some((n, status.until?))
        });
        if let Some((n, until)) = taken {
            break (n, until, redis_ms(&redis).await);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    // The new tenure began (its claim was sent) when the dead holder's
    // fencing bound had passed, but for the claim's own way to Redis: the
    // two never overlap.
    let lease = chrono::TimeDelta::from_std(LEASE).unwrap();
    let old_bound = old.until.unwrap();
    let gap = (new_bound - lease) - old_bound;
    assert!(gap > -chrono::TimeDelta::milliseconds(50), "{gap:?}");
    // The dead holder's lease ran out at most a lease after its last
    // renewal (before the abort); a waiting follower tries every quarter
    // lease at most (here every interval): it took over within the lease
    // and that wait (and the time its own claim took), by Redis's clock.
    let new_start = (new_bound - lease).timestamp_millis();
    let takeover = Duration::from_millis(u64::try_from(new_start - aborted_at).unwrap());
    assert!(
        takeover <= LEASE + interval.min(LEASE / 4) + LEASE / 10,
        "{takeover:?}"
    );
    assert!(taken_at >= new_start);
    assert_ne!(next, dead);

    // The new holder follows every order to its end.
    loop {
        let entries = ledger.entries(Carrier::INumbering).await.unwrap();
        if entries
            .iter()
            .all(|e| e.published == Some(PortStatus::Complete) && e.outbox.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for stop in stops.into_iter().flatten() {
        stop.send(()).unwrap();
    }
    for task in tasks.into_iter().flatten() {
        task.await.unwrap().unwrap();
    }

    let chains = chains(stream(&submitter).await);
    assert_eq!(chains.orders.len(), ORDERS);
    for id in &ids {
        assert_eq!(
            chains.statuses(id),
            [
                PortStatus::Received,
                PortStatus::Submitted,
                PortStatus::Scheduled,
                PortStatus::Complete
            ],
            "{id}"
        );
    }
    // The event appended as the holder died was in its outbox: published
    // again by the next holder, with the same id.
    assert!(chains.duplicates >= 1);
    println!(
        "takeover: holder {dead} (epoch {old_epoch}) aborted mid-round with {waiting} orders' \
         changes in their outboxes; follower {next} took over (epoch {}) {} ms later by Redis's \
         clock (lease {} ms), {} ms after the dead holder's fencing bound; {} events, {} duplicates (same id), {} orders, none lost",
        old_epoch + 1,
        takeover.as_millis(),
        LEASE.as_millis(),
        gap.num_milliseconds(),
        chains.events,
        chains.duplicates,
        chains.orders.len()
    );
}
