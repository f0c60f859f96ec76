//! How a client uses its store: every call bounded in time, a failing store
//! replaced by the client's own memory (with a warning), and fetches done
//! once across every replica sharing the store.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::{Budget, LockToken, MAX_VALUE_BYTES, MemoryStore, Namespace, Store, StoreError};

/// After a store failure, how long the client uses its own memory before
/// trying the store again.
const RETRY_STORE_AFTER: Duration = Duration::from_secs(1);

/// A client's view of its store, namespaced to its carrier account.
/// Clones share everything.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    namespace: Namespace,
    /// The configured shared store; `None` when the client uses memory only.
    remote: Option<Arc<dyn Store>>,
    /// The client's own memory: the default store, and the fallback.
    local: Arc<MemoryStore>,
    /// While set and in the future, `remote` is skipped.
    remote_down_until: Arc<Mutex<Option<Instant>>>,
}

impl Shared {
    /// A view of `store` (or of the client's memory when `None`) for the
    /// account in `namespace`.
    pub(crate) fn new(namespace: Namespace, store: Option<Arc<dyn Store>>) -> Self {
        Self {
            namespace,
            remote: store,
            local: Arc::new(MemoryStore::new()),
            remote_down_until: Arc::new(Mutex::new(None)),
        }
    }

    /// The account's namespace.
    pub(crate) fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// The store in charge of this call: the remote one unless it failed
    /// less than [`RETRY_STORE_AFTER`] ago.
    fn remote(&self) -> Option<&Arc<dyn Store>> {
        let remote = self.remote.as_ref()?;
        let mut down = self
            .remote_down_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match *down {
            Some(until) if Instant::now() < until => None,
            Some(_) => {
                *down = None;
                Some(remote)
            }
            None => Some(remote),
        }
    }

    /// Runs `op` on the remote store within its timeout, or on the local
    /// memory when there is no remote store or it failed.
    async fn call<'a, T, F, Fut>(&'a self, what: &'static str, op: F) -> Result<T, StoreError>
    where
        F: Fn(&'a dyn Store) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + 'a,
    {
        if let Some(remote) = self.remote() {
            let outcome = match tokio::time::timeout(remote.timeout(), op(remote.as_ref())).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) => e.message,
                Err(_) => format!("no answer within {:?}", remote.timeout()),
            };
            tracing::warn!(
                store = remote.name(),
                operation = what,
                error = %outcome,
                "the shared store failed; using this client's memory for now"
            );
            *self
                .remote_down_until
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Instant::now().checked_add(RETRY_STORE_AFTER);
        }
        // The memory store answers `Ok` to everything.
        op(self.local.as_ref()).await
    }

    /// The value of `item`; `None` when there is none or it is larger than
    /// [`MAX_VALUE_BYTES`] (dropped with a warning, never parsed: the
    /// caller fetches it again, as for a value that is not there).
    pub(crate) async fn get(&self, item: &str) -> Option<Vec<u8>> {
        let key = self.namespace.key(item);
        let value = self.call("get", |s| s.get(&key)).await.ok().flatten()?;
        within_limit(
            item,
            &value,
            "a store value is larger than the limit; dropped and fetched again",
        )
        .then_some(value)
    }

    /// Sets `item` for `ttl`. A value larger than [`MAX_VALUE_BYTES`] is
    /// not written: no client would read it back.
    pub(crate) async fn put(&self, item: &str, value: &[u8], ttl: Duration) {
        if !within_limit(
            item,
            value,
            "a value is larger than the store limit; not stored",
        ) {
            return;
        }
        let key = self.namespace.key(item);
        let _ = self.call("put", |s| s.put(&key, value, ttl)).await;
    }

    /// Makes `item` unreadable at once (an empty value for a millisecond,
    /// which no decoder accepts).
    pub(crate) async fn expire(&self, item: &str) {
        self.put(item, b"", Duration::from_millis(1)).await;
    }

    /// Removes `item` if it still holds `expected`.
    pub(crate) async fn remove_if(&self, item: &str, expected: &[u8]) -> bool {
        let key = self.namespace.key(item);
        self.call("remove_if", |s| s.remove_if(&key, expected))
            .await
            .unwrap_or(false)
    }

    /// Records one use of the budget `item`.
    pub(crate) async fn take_budget(&self, item: &str, limit: u32, window: Duration) -> Budget {
        let key = self.namespace.key(item);
        self.call("take_budget", |s| s.take_budget(&key, limit, window))
            .await
            .unwrap_or(Budget::Granted { remaining: 0 })
    }

    async fn try_lock(&self, item: &str, ttl: Duration) -> Option<LockToken> {
        let key = self.namespace.lock(item);
        self.call("try_lock", |s| s.try_lock(&key, ttl))
            .await
            .ok()
            .flatten()
    }

    async fn unlock(&self, item: &str, token: &LockToken) {
        let key = self.namespace.lock(item);
        let _ = self.call("unlock", |s| s.unlock(&key, token)).await;
    }

    fn lock_ttl(&self) -> Duration {
        self.remote
            .as_ref()
            .map_or(Duration::from_secs(10), |s| s.lock_ttl())
    }

    fn poll_interval(&self) -> Duration {
        self.remote
            .as_ref()
            .map_or(Duration::from_millis(25), |s| s.poll_interval())
    }

    /// The shared value of `item`, fetched by one replica at a time.
    ///
    /// When the store holds a value `decode` accepts, that is the answer.
    /// Otherwise one caller across every replica takes the item's lock,
    /// looks once more, calls `fetch` and stores its value for `ttl(&value)`;
    /// the others wait for it and read the stored value. A holder that dies
    /// leaves the lock to expire after the store's lock lifetime; a waiter
    /// gives up waiting after twice that and fetches itself.
    pub(crate) async fn fetch_once<T, E, Fut>(
        &self,
        item: &str,
        decode: impl Fn(&[u8]) -> Option<T>,
        encode: impl Fn(&T) -> Vec<u8>,
        ttl: impl Fn(&T) -> Duration,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let lock_ttl = self.lock_ttl();
        let give_up_at = Instant::now()
            .checked_add(lock_ttl.saturating_mul(2))
            .unwrap_or_else(Instant::now);
        let token = loop {
            if let Some(value) = self.get(item).await.and_then(|b| decode(&b)) {
                return Ok(value);
            }
            if let Some(token) = self.try_lock(item, lock_ttl).await {
                if let Some(value) = self.get(item).await.and_then(|b| decode(&b)) {
                    self.unlock(item, &token).await;
                    return Ok(value);
                }
                break Some(token);
            }
            if Instant::now() >= give_up_at {
                tracing::warn!(
                    item,
                    "another replica held the fetch lock past its lifetime; fetching here"
                );
                break None;
            }
            tokio::time::sleep(self.poll_interval()).await;
        };
        let fetched = fetch().await;
        if let Ok(value) = &fetched {
            let lifetime = ttl(value);
            if !lifetime.is_zero() {
                self.put(item, &encode(value), lifetime).await;
            }
        }
        if let Some(token) = token {
            self.unlock(item, &token).await;
        }
        fetched
    }
}

/// True when `value` fits [`MAX_VALUE_BYTES`]; otherwise warns with
/// `what`.
fn within_limit(item: &str, value: &[u8], what: &'static str) -> bool {
    if value.len() <= MAX_VALUE_BYTES {
        return true;
    }
    tracing::warn!(item, bytes = value.len(), limit = MAX_VALUE_BYTES, "{what}");
    false
}
