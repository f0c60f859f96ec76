//! Where clients keep the state worth sharing between replicas.
//!
//! A carrier client keeps a few things between calls: the iNumbering API key
//! and how many exchanges it has spent this hour, iNumbering portability
//! results (valid one hour), Cellhire OAuth tokens and the Cellhire networks
//! list. By default they live in the client's own memory
//! ([`MemoryStore`]). A service running several replicas gives every client
//! one shared [`Store`] instead — `RedisStore` (feature `redis`) — so that
//! the fleet spends one key exchange, one token grant and one networks read
//! where one client would.
//!
//! The store only ever holds bytes under keys the crate makes: each is
//! namespaced by carrier and account (`numport:inumbering:<hash>:apikey`),
//! where the account part is a hash of the user name or client id, so that
//! a key never holds a secret. Entries expire on their own.
//!
//! A store that fails or is slow never fails a port: the client uses its
//! own memory for that call, logs a `tracing` warning, and tries the store
//! again a little later.
//!
//! A value read back from a store is not trusted more than a carrier's
//! answer: one larger than [`MAX_VALUE_BYTES`], unreadable, or outside its
//! carrier's bounds (a time in the future, a lifetime or a list longer
//! than the carrier allows) is dropped with a `tracing` warning and fetched
//! again from the carrier, and every carrier text in it is cleared of the
//! secrets the client knows before it is used.
//!
//! ```
//! use std::sync::Arc;
//! use numport::store::{MemoryStore, Store};
//!
//! // One store handed to every client (here the default, in memory).
//! let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
//! # let _ = store;
//! ```

mod keys;
mod memory;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod seal;
mod shared;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};
#[cfg(feature = "redis")]
pub use seal::SealingKey;

pub(crate) use keys::{Namespace, set_hash};
pub(crate) use shared::Shared;

/// The largest value a client reads back from (or writes to) a store, in
/// bytes: 4 MiB, the default HTTP body limit
/// ([`crate::http::DEFAULT_MAX_BODY_BYTES`]). Every value the crate stores
/// is made from one carrier answer (an API key, a token, a portability
/// check, the networks list), which that limit bounds by default. A larger
/// value is not read (nor parsed): it is dropped with a warning and
/// fetched again; nor is one written (a client whose body limit was raised
/// keeps a larger answer in its own memory only).
pub const MAX_VALUE_BYTES: usize = crate::http::DEFAULT_MAX_BODY_BYTES;

/// A store could not be reached or answered in a way it should not.
///
/// Clients never pass this to their callers: they fall back to their own
/// memory and log it. It is public for implementations of [`Store`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store {store}: {message}")]
#[non_exhaustive]
pub struct StoreError {
    /// The store's [`Store::name`].
    pub store: &'static str,
    /// What went wrong, without secrets.
    pub message: String,
}

impl StoreError {
    /// An error of `store` saying `message`.
    pub fn new(store: &'static str, message: impl Into<String>) -> Self {
        Self {
            store,
            message: message.into(),
        }
    }
}

/// Proof of holding a lock taken with [`Store::try_lock`]: a random token
/// only its owner knows, so that only the owner can release the lock.
#[derive(Clone, PartialEq, Eq)]
pub struct LockToken(pub(crate) String);

impl LockToken {
    /// A fresh random token.
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    /// The token's text, for a store to compare.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LockToken {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LockToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockToken(..)")
    }
}

/// The answer of [`Store::take_budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Budget {
    /// One use was recorded; `remaining` more are allowed in the window.
    Granted {
        /// Uses left in the window after this one.
        remaining: u32,
    },
    /// The window's uses are spent; nothing was recorded.
    Spent {
        /// When the oldest use leaves the window.
        frees_in: Duration,
    },
}

/// Shared state for carrier clients: bytes under keys, with a lifetime,
/// a lock per key and a counter of uses per window.
///
/// Every method must return within a bounded time (the clients also bound
/// each call, see [`Store::timeout`]). Implementations must be safe to call
/// from many processes at once: [`remove_if`](Store::remove_if),
/// [`try_lock`](Store::try_lock), [`unlock`](Store::unlock) and
/// [`take_budget`](Store::take_budget) are atomic.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// A short name for logs (`"memory"`, `"redis"`).
    fn name(&self) -> &'static str;

    /// The value under `key`, if present and not expired.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Sets `key` to `value` for `ttl` (at least a millisecond).
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError>;

    /// Removes `key` only if it still holds `expected`; true when removed.
    /// Ten replicas invalidating the same stale key remove it once.
    async fn remove_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError>;

    /// Takes the lock `key` for `ttl` unless someone holds it. The lock
    /// expires after `ttl` if its holder never releases it (a crash).
    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<LockToken>, StoreError>;

    /// Releases the lock `key` if `token` still holds it.
    async fn unlock(&self, key: &str, token: &LockToken) -> Result<(), StoreError>;

    /// Records one use under `key` if fewer than `limit` were recorded in
    /// the last `window`; otherwise records nothing and says when one frees.
    async fn take_budget(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Budget, StoreError>;

    /// The longest a client waits for one call to this store before using
    /// its own memory instead (default 500 ms).
    fn timeout(&self) -> Duration {
        Duration::from_millis(500)
    }

    /// How long a fetch lock is held at most (default 10 s): a replica that
    /// dies while fetching blocks the others this long.
    fn lock_ttl(&self) -> Duration {
        Duration::from_secs(10)
    }

    /// How often a replica waiting for another's fetch looks again
    /// (default 25 ms).
    fn poll_interval(&self) -> Duration {
        Duration::from_millis(25)
    }
}
