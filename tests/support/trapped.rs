//! A store that makes a follower hang mid-publish: the followers of one
//! test share a [`Trap`]; once armed, the `after`-th event appended through
//! any of their [`Trapped`] stores is appended, and then that follower's
//! appends never answer (it hangs holding its lease until its task is
//! aborted). Everything else goes to the inner store.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use numport::store::{Budget, Claim, Hold, LockToken, Store, StoreError, StreamEntry};

/// The trap the followers of one test share.
#[derive(Debug)]
pub struct Trap {
    /// Set by the test when the trap may spring.
    pub armed: AtomicBool,
    /// Events appended since it was armed.
    pub appended: AtomicUsize,
    /// The append that springs it.
    pub after: usize,
    /// The follower whose append sprang it.
    pub sprung: Mutex<Option<usize>>,
}

impl Trap {
    /// A trap not yet armed, springing at the `after`-th append once armed.
    pub fn new(after: usize) -> Arc<Self> {
        Arc::new(Self {
            armed: AtomicBool::new(false),
            appended: AtomicUsize::new(0),
            after,
            sprung: Mutex::new(None),
        })
    }

    /// Lets it spring.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// The follower it caught, if it sprang.
    pub fn sprung(&self) -> Option<usize> {
        *self.sprung.lock().unwrap()
    }
}

/// A follower's store, with the trap.
#[derive(Debug)]
pub struct Trapped {
    /// The store everything goes to.
    pub inner: Arc<dyn Store>,
    /// The shared trap.
    pub trap: Arc<Trap>,
    /// Which follower this store is.
    pub follower: usize,
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
    async fn index_swap(
        &self,
        index: &str,
        member: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.inner
            .index_swap(index, member, expected, value, ttl)
            .await
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
        if self.trap.sprung() == Some(self.follower) {
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
        // The inner store's (the tests give theirs 5 s: long enough to
        // abort the holder while its append hangs).
        self.inner.timeout()
    }
    fn lock_ttl(&self) -> Duration {
        self.inner.lock_ttl()
    }
    fn poll_interval(&self) -> Duration {
        self.inner.poll_interval()
    }
}
