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
//! Claims ([`Store::claim`], [`Store::record`], [`Store::release`],
//! [`Store::remove`]) are the exception: they hold what
//! [`crate::OnceSubmitter`] knows of a submission, and a failing store fails
//! that submission before anything is sent (there is no memory fallback:
//! another replica could not see it). So are indexes
//! ([`Store::index_put`], [`Store::index_get`], [`Store::index_remove`],
//! [`Store::index_list`]): members with a value and a lifetime each, listed
//! together, which hold [`crate::Ledger`]'s orders.
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
mod redis_streams;
#[cfg(feature = "redis")]
mod seal;
mod shared;
mod streams;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};
#[cfg(feature = "redis")]
pub use seal::SealingKey;

pub(crate) use keys::{Namespace, set_hash};

/// `Err` when `value` is larger than [`MAX_VALUE_BYTES`].
pub(crate) fn check_size(store: &'static str, op: &str, value: &[u8]) -> Result<(), StoreError> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(StoreError::new(
            store,
            format!(
                "{op}: a value of {} bytes is larger than the {MAX_VALUE_BYTES}-byte limit",
                value.len()
            ),
        ));
    }
    Ok(())
}
pub(crate) use shared::Shared;

/// `call`, a call to `store`, given at most `timeout`: past it, an error of
/// `store` saying that no answer came. Every store call the crate makes
/// outside [`Shared`] goes through here.
pub(crate) async fn within<T>(
    store: &dyn Store,
    timeout: Duration,
    call: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or_else(|_| {
            Err(StoreError::new(
                store.name(),
                format!("no answer within {timeout:?}"),
            ))
        })
}

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

/// The longest index name or member name accepted by the index operations
/// ([`Store::index_put`] and the others), in bytes.
pub const MAX_INDEX_NAME_BYTES: usize = 512;

/// The most members one index holds: [`Store::index_put`] of a new member
/// into a full index (once its expired members are gone) is an error.
pub const MAX_INDEX_MEMBERS: usize = 1_000_000;

/// `Err` when an index or member name is empty or longer than
/// [`MAX_INDEX_NAME_BYTES`].
pub(crate) fn check_index_names(
    store: &'static str,
    op: &str,
    index: &str,
    member: Option<&str>,
) -> Result<(), StoreError> {
    for (what, name) in [("index", Some(index)), ("member", member)] {
        let Some(name) = name else { continue };
        if name.is_empty() || name.len() > MAX_INDEX_NAME_BYTES {
            return Err(StoreError::new(
                store,
                format!(
                    "{op}: the {what} name must have 1 to {MAX_INDEX_NAME_BYTES} bytes, not {}",
                    name.len()
                ),
            ));
        }
    }
    Ok(())
}

/// Proof of holding a lock taken with [`Store::try_lock`] (or a claim
/// taken with [`Store::claim`]): a random token
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

/// The answer of [`Store::claim`].
///
/// `Debug` shows the kind and the value's length, never the value.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// The key was free: the caller holds it (proved by the token) for the
    /// lease, and the store holds the caller's value under it.
    New(LockToken),
    /// The key held a value whose holder's lease had run out: the caller
    /// holds it now for a new lease; the value is unchanged and given here.
    TakenOver {
        /// Proof of holding the key.
        token: LockToken,
        /// The value the key holds (the previous holder's).
        previous: Vec<u8>,
    },
    /// Another caller holds the key and its lease is running: its value.
    Leased(Vec<u8>),
    /// The key holds a final value ([`Hold::Settle`]); nobody holds it.
    Settled(Vec<u8>),
}

impl fmt::Debug for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::New(_) => f.write_str("New(..)"),
            Self::TakenOver { previous, .. } => {
                write!(f, "TakenOver({} bytes)", previous.len())
            }
            Self::Leased(v) => write!(f, "Leased({} bytes)", v.len()),
            Self::Settled(v) => write!(f, "Settled({} bytes)", v.len()),
        }
    }
}

/// What [`Store::record`] leaves the key as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hold {
    /// Final: later claims answer [`Claim::Settled`] with the value.
    Settle,
    /// Still held by the recorder for this long from now (zero: not at
    /// all); after that the next claim takes it over
    /// ([`Claim::TakenOver`]).
    Lease(Duration),
}

/// The error of a store that does not implement claims (the default of
/// [`Store::claim`], [`Store::record`], [`Store::release`] and
/// [`Store::remove`]).
fn no_claims(store: &'static str) -> StoreError {
    StoreError::new(store, "this store does not implement claims")
}

/// The error of a store that does not implement indexes (the default of
/// [`Store::index_put`], [`Store::index_get`], [`Store::index_remove`] and
/// [`Store::index_list`]).
fn no_indexes(store: &'static str) -> StoreError {
    StoreError::new(store, "this store does not implement indexes")
}

/// The error of a store that does not implement streams (the default of
/// [`Store::stream_add`] and the other stream operations).
fn no_streams(store: &'static str) -> StoreError {
    StoreError::new(store, "this store does not implement streams")
}

/// One entry of a stream, as read for a consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamEntry {
    /// The entry's id in the stream (Redis `<ms>-<seq>`).
    pub id: String,
    /// What was appended.
    pub payload: Vec<u8>,
    /// How many times the entry was delivered to the group, this delivery
    /// included (1 the first time).
    pub deliveries: u64,
}

impl StreamEntry {
    /// An entry (for stores outside this crate).
    pub fn new(id: impl Into<String>, payload: Vec<u8>, deliveries: u64) -> Self {
        Self {
            id: id.into(),
            payload,
            deliveries,
        }
    }
}

/// Shared state for carrier clients: bytes under keys, with a lifetime,
/// a lock per key and a counter of uses per window.
///
/// Every method must return within a bounded time (the clients also bound
/// each call, see [`Store::timeout`]). Implementations must be safe to call
/// from many processes at once: [`remove_if`](Store::remove_if),
/// [`try_lock`](Store::try_lock), [`unlock`](Store::unlock),
/// [`take_budget`](Store::take_budget), the claims
/// ([`claim`](Store::claim), [`record`](Store::record),
/// [`release`](Store::release)) and the indexes
/// ([`index_put`](Store::index_put), [`index_remove`](Store::index_remove),
/// [`index_list`](Store::index_list)) are atomic.
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

    /// Claims `key` for `lease`, atomically: when the key is free, stores
    /// `value` under it and answers [`Claim::New`]; when its holder's lease
    /// ran out (or was recorded as [`Hold::Lease`] that has passed), hands
    /// it to the caller for `lease`, keeping the value
    /// ([`Claim::TakenOver`]); otherwise answers the value held
    /// ([`Claim::Leased`] or [`Claim::Settled`]) and changes nothing.
    ///
    /// The entry lives `ttl` (at least `lease`) from a claim that stores
    /// it or takes it over. A value larger than [`MAX_VALUE_BYTES`] is an
    /// error, written or read; so is a stored value that cannot be read
    /// (it is never answered as absent: an absent claim lets the caller
    /// act).
    ///
    /// The default, for stores written before claims existed, is an error
    /// (nothing is stored): a store must not claim what it cannot make
    /// atomic across processes.
    async fn claim(
        &self,
        key: &str,
        value: &[u8],
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim, StoreError> {
        let _ = (key, value, lease, ttl);
        Err(no_claims(self.name()))
    }

    /// Replaces the value of the claim `key` if `token` still holds it,
    /// atomically, and leaves it as `hold` says, living `ttl` (at least the
    /// lease) from now. False, changing nothing, when another holds it or
    /// it is gone. Bounded as [`Store::claim`]. The default is an error.
    async fn record(
        &self,
        key: &str,
        token: &LockToken,
        value: &[u8],
        hold: Hold,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let _ = (key, token, value, hold, ttl);
        Err(no_claims(self.name()))
    }

    /// Removes the claim `key` if `token` still holds it, atomically; true
    /// when removed. The default is an error.
    async fn release(&self, key: &str, token: &LockToken) -> Result<bool, StoreError> {
        let _ = (key, token);
        Err(no_claims(self.name()))
    }

    /// Removes the claim `key` whoever holds it; true when there was one.
    /// The default is an error.
    async fn remove(&self, key: &str) -> Result<bool, StoreError> {
        let _ = key;
        Err(no_claims(self.name()))
    }

    /// Keeps `value` under `member` of the index `index` for `ttl` (at
    /// least a millisecond) from now, replacing the member's value and
    /// lifetime, atomically: the member is listed by
    /// [`Store::index_list`] exactly while its value can be read.
    ///
    /// Names are 1 to [`MAX_INDEX_NAME_BYTES`] bytes; a value larger than
    /// [`MAX_VALUE_BYTES`] is an error; so is a new member when the index
    /// already holds [`MAX_INDEX_MEMBERS`] live ones. Expired members are
    /// dropped on the way. The index itself lives as long as its
    /// longest-lived member.
    ///
    /// The default, for stores written before indexes existed, is an error
    /// (nothing is stored).
    async fn index_put(
        &self,
        index: &str,
        member: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let _ = (index, member, value, ttl);
        Err(no_indexes(self.name()))
    }

    /// Compare-and-set on one member of an index: writes `value` under
    /// `member` of `index` for `ttl`, as [`Store::index_put`], only when
    /// the member's value is still `expected` (`None`: only when the
    /// member is absent or expired). True when written; false, with
    /// nothing written, when the member holds something else. The check
    /// and the write are one atomic step, so of two callers that read the
    /// same value and both swap, exactly one succeeds: a read-modify-write
    /// that loses re-reads and tries again instead of overwriting.
    ///
    /// `expected` is compared with what [`Store::index_get`] answers (the
    /// opened value, for a sealing store), byte for byte. The bounds are
    /// those of [`Store::index_put`].
    ///
    /// The default, for stores written before it existed, is an error
    /// (nothing is stored); the order ledger ([`crate::Ledger`]) needs it.
    async fn index_swap(
        &self,
        index: &str,
        member: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let _ = (index, member, expected, value, ttl);
        Err(no_indexes(self.name()))
    }

    /// The value of `member` of `index`, if present and not expired. A
    /// stored value that cannot be read (too large, or sealed with another
    /// key) is an error, never an absence. The default is an error.
    async fn index_get(&self, index: &str, member: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let _ = (index, member);
        Err(no_indexes(self.name()))
    }

    /// Removes `member` from `index`, atomically; true when it was there.
    /// The default is an error.
    async fn index_remove(&self, index: &str, member: &str) -> Result<bool, StoreError> {
        let _ = (index, member);
        Err(no_indexes(self.name()))
    }

    /// At most `limit` live members of `index` with their values, in no
    /// particular order; expired members are dropped on the way. Ask for
    /// one more than you can take to tell a complete listing from a cut
    /// one. A stored value that cannot be read is an error (never left
    /// out: a listing with a hole is not the index). The default is an
    /// error.
    async fn index_list(
        &self,
        index: &str,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let _ = (index, limit);
        Err(no_indexes(self.name()))
    }

    /// Appends `payload` to the stream `stream` and trims the stream to
    /// about `max_len` entries (Redis `XADD … MAXLEN ~`; the memory store
    /// trims exactly), oldest first. Answers the entry's id. A payload
    /// larger than [`MAX_VALUE_BYTES`] is an error. Streams live until
    /// trimmed; their consumer groups with them.
    ///
    /// The default, for stores written before streams existed, is an
    /// error (nothing is stored).
    async fn stream_add(
        &self,
        stream: &str,
        payload: &[u8],
        max_len: u64,
    ) -> Result<String, StoreError> {
        let _ = (stream, payload, max_len);
        Err(no_streams(self.name()))
    }

    /// Up to `count` entries of `stream` for `consumer` of the consumer
    /// group `group` (created at the stream's start on first use). With
    /// `mine`, the entries delivered to this consumer before and not yet
    /// acknowledged (`XREADGROUP … 0`), at once; without, entries never
    /// delivered to the group (`XREADGROUP … >`), waiting up to `block`
    /// for one. Each delivered entry stays pending for `consumer` until
    /// [`Store::stream_ack`]. An entry trimmed away while pending is
    /// dropped from the pending list, never answered. The default is an
    /// error.
    async fn stream_read(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        mine: bool,
        count: usize,
        block: Duration,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        let _ = (stream, group, consumer, mine, count, block);
        Err(no_streams(self.name()))
    }

    /// Acknowledges entry `id` of `stream` for `group`: it leaves the
    /// pending list. True when it was pending. The default is an error.
    async fn stream_ack(&self, stream: &str, group: &str, id: &str) -> Result<bool, StoreError> {
        let _ = (stream, group, id);
        Err(no_streams(self.name()))
    }

    /// Up to `count` entries pending in `group` for `min_idle` or longer
    /// (their consumer died or is stuck), handed to `consumer`
    /// (`XAUTOCLAIM`): each counts one more delivery. The default is an
    /// error.
    async fn stream_claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        let _ = (stream, group, consumer, min_idle, count);
        Err(no_streams(self.name()))
    }

    /// How many entries `stream` holds (0 when it does not exist). The
    /// default is an error.
    async fn stream_len(&self, stream: &str) -> Result<u64, StoreError> {
        let _ = stream;
        Err(no_streams(self.name()))
    }

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
