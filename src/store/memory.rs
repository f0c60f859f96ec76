//! The default store: this process's memory.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::streams::MemoryStreams;
use super::{
    Budget, Claim, Hold, LockToken, MAX_INDEX_MEMBERS, Store, StoreError, StreamEntry,
    check_index_names, check_size,
};

/// A [`Store`] in this process's memory: what every client uses unless
/// given another. Entries, locks and budgets expire on tokio's clock.
///
/// Share one `Arc<MemoryStore>` between clients of one process to make
/// them share their caches; it is also the fallback each client keeps for
/// when its shared store fails.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    streams: MemoryStreams,
}

/// Shows how much is held, never a value: values may be API keys or tokens.
impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.inner();
        f.debug_struct("MemoryStore")
            .field("values", &inner.values.len())
            .field("locks", &inner.locks.len())
            .field("budgets", &inner.budgets.len())
            .field("claims", &inner.claims.len())
            .field("indexes", &inner.indexes.len())
            .field("streams", &self.streams.len())
            .finish()
    }
}

/// `at + d`, or a century on when that overflows the clock (a caller's
/// absurd lifetime must not panic).
fn later(at: Instant, d: Duration) -> Instant {
    at.checked_add(d)
        .or_else(|| at.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(at)
}

#[derive(Default)]
struct Inner {
    values: HashMap<String, (Vec<u8>, Instant)>,
    locks: HashMap<String, (String, Instant)>,
    budgets: HashMap<String, VecDeque<Instant>>,
    claims: HashMap<String, ClaimEntry>,
    indexes: HashMap<String, BTreeMap<String, (Vec<u8>, Instant)>>,
}

/// One claim: its value, its holder, until when it is held (`None`:
/// settled) and until when it lives.
struct ClaimEntry {
    value: Vec<u8>,
    owner: String,
    lease: Option<Instant>,
    until: Instant,
}

impl Inner {
    /// The live claim under `key`, dropping it if it expired.
    fn live_claim(&mut self, key: &str, now: Instant) -> Option<&mut ClaimEntry> {
        if self.claims.get(key).is_some_and(|c| c.until <= now) {
            self.claims.remove(key);
        }
        self.claims.get_mut(key)
    }
}

impl Inner {
    /// The index `index` with its expired members dropped (and the index
    /// itself when none is left).
    fn live_index(
        &mut self,
        index: &str,
        now: Instant,
    ) -> Option<&mut BTreeMap<String, (Vec<u8>, Instant)>> {
        let members = self.indexes.get_mut(index)?;
        members.retain(|_, (_, until)| *until > now);
        if members.is_empty() {
            self.indexes.remove(index);
            return None;
        }
        self.indexes.get_mut(index)
    }
}

impl MemoryStore {
    /// [`Store::index_put`] when `guard` is `None`; [`Store::index_swap`]
    /// of `expected` when it is `Some(expected)`: false, nothing written,
    /// when the member's live value is not `expected`.
    fn put_member(
        &self,
        op: &str,
        index: &str,
        member: &str,
        guard: Option<Option<&[u8]>>,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        check_index_names(self.name(), op, index, Some(member))?;
        check_size(self.name(), op, value)?;
        let mut inner = self.inner();
        let now = Instant::now();
        if let Some(expected) = guard {
            let current = inner
                .indexes
                .get(index)
                .and_then(|members| members.get(member))
                .filter(|(_, until)| *until > now)
                .map(|(value, _)| value.as_slice());
            if current != expected {
                return Ok(false);
            }
        }
        let until = later(now, ttl.max(Duration::from_millis(1)));
        let crowded = |inner: &Inner| {
            inner.indexes.get(index).is_some_and(|members| {
                members.len() >= MAX_INDEX_MEMBERS && !members.contains_key(member)
            })
        };
        // Expired members are dropped when they would make the index full
        // (and when it is listed): a put stays cheap.
        if crowded(&inner) {
            inner.live_index(index, now);
        }
        if crowded(&inner) {
            return Err(StoreError::new(
                self.name(),
                format!("{op}: the index holds {MAX_INDEX_MEMBERS} members already"),
            ));
        }
        inner
            .indexes
            .entry(index.to_owned())
            .or_default()
            .insert(member.to_owned(), (value.to_vec(), until));
        Ok(true)
    }

    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut inner = self.inner();
        let now = Instant::now();
        match inner.values.get(key) {
            Some((value, until)) if *until > now => Ok(Some(value.clone())),
            Some(_) => {
                inner.values.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        let until = later(Instant::now(), ttl.max(Duration::from_millis(1)));
        self.inner()
            .values
            .insert(key.to_owned(), (value.to_vec(), until));
        Ok(())
    }

    async fn remove_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        let mut inner = self.inner();
        let now = Instant::now();
        let matches = inner
            .values
            .get(key)
            .is_some_and(|(v, until)| *until > now && v == expected);
        if matches {
            inner.values.remove(key);
        }
        Ok(matches)
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        let mut inner = self.inner();
        let now = Instant::now();
        if inner.locks.get(key).is_some_and(|(_, until)| *until > now) {
            return Ok(None);
        }
        let token = LockToken::new();
        inner
            .locks
            .insert(key.to_owned(), (token.0.clone(), later(now, ttl)));
        Ok(Some(token))
    }

    async fn unlock(&self, key: &str, token: &LockToken) -> Result<(), StoreError> {
        let mut inner = self.inner();
        if inner.locks.get(key).is_some_and(|(t, _)| *t == token.0) {
            inner.locks.remove(key);
        }
        Ok(())
    }

    async fn take_budget(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Budget, StoreError> {
        if limit == 0 {
            return Ok(Budget::Spent { frees_in: window });
        }
        let mut inner = self.inner();
        let now = Instant::now();
        let uses = inner.budgets.entry(key.to_owned()).or_default();
        while uses.front().is_some_and(|at| later(*at, window) <= now) {
            uses.pop_front();
        }
        let limit = limit as usize;
        if uses.len() >= limit {
            let oldest = uses[uses.len() - limit];
            return Ok(Budget::Spent {
                frees_in: later(oldest, window).saturating_duration_since(now),
            });
        }
        uses.push_back(now);
        Ok(Budget::Granted {
            remaining: (limit - uses.len()) as u32,
        })
    }

    async fn claim(
        &self,
        key: &str,
        value: &[u8],
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim, StoreError> {
        check_size(self.name(), "claim", value)?;
        let mut inner = self.inner();
        let now = Instant::now();
        let until = later(now, ttl.max(lease).max(Duration::from_millis(1)));
        let token = LockToken::new();
        let Some(entry) = inner.live_claim(key, now) else {
            inner.claims.insert(
                key.to_owned(),
                ClaimEntry {
                    value: value.to_vec(),
                    owner: token.0.clone(),
                    lease: Some(later(now, lease)),
                    until,
                },
            );
            return Ok(Claim::New(token));
        };
        Ok(match entry.lease {
            None => Claim::Settled(entry.value.clone()),
            Some(held) if held > now => Claim::Leased(entry.value.clone()),
            Some(_) => {
                entry.owner = token.0.clone();
                entry.lease = Some(later(now, lease));
                entry.until = entry.until.max(until);
                Claim::TakenOver {
                    token,
                    previous: entry.value.clone(),
                }
            }
        })
    }

    async fn record(
        &self,
        key: &str,
        token: &LockToken,
        value: &[u8],
        hold: Hold,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        check_size(self.name(), "record", value)?;
        let mut inner = self.inner();
        let now = Instant::now();
        let Some(entry) = inner.live_claim(key, now) else {
            return Ok(false);
        };
        if entry.owner != token.0 {
            return Ok(false);
        }
        let (lease, least) = match hold {
            Hold::Settle => (None, Duration::ZERO),
            Hold::Lease(d) => (Some(later(now, d)), d),
        };
        entry.value = value.to_vec();
        entry.lease = lease;
        entry.until = later(now, ttl.max(least).max(Duration::from_millis(1)));
        Ok(true)
    }

    async fn release(&self, key: &str, token: &LockToken) -> Result<bool, StoreError> {
        let mut inner = self.inner();
        let now = Instant::now();
        let held = inner
            .live_claim(key, now)
            .is_some_and(|entry| entry.owner == token.0);
        if held {
            inner.claims.remove(key);
        }
        Ok(held)
    }

    async fn remove(&self, key: &str) -> Result<bool, StoreError> {
        let mut inner = self.inner();
        let now = Instant::now();
        let present = inner.live_claim(key, now).is_some();
        inner.claims.remove(key);
        Ok(present)
    }

    async fn index_put(
        &self,
        index: &str,
        member: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.put_member("index_put", index, member, None, value, ttl)
            .map(|_| ())
    }

    async fn index_swap(
        &self,
        index: &str,
        member: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.put_member("index_swap", index, member, Some(expected), value, ttl)
    }

    async fn index_get(&self, index: &str, member: &str) -> Result<Option<Vec<u8>>, StoreError> {
        check_index_names(self.name(), "index_get", index, Some(member))?;
        let mut inner = self.inner();
        let now = Instant::now();
        let Some(members) = inner.indexes.get_mut(index) else {
            return Ok(None);
        };
        match members.get(member) {
            Some((value, until)) if *until > now => Ok(Some(value.clone())),
            Some(_) => {
                members.remove(member);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn index_remove(&self, index: &str, member: &str) -> Result<bool, StoreError> {
        check_index_names(self.name(), "index_remove", index, Some(member))?;
        let mut inner = self.inner();
        let now = Instant::now();
        let removed = inner
            .indexes
            .get_mut(index)
            .and_then(|members| members.remove(member))
            .is_some_and(|(_, until)| until > now);
        if inner.indexes.get(index).is_some_and(BTreeMap::is_empty) {
            inner.indexes.remove(index);
        }
        Ok(removed)
    }

    async fn index_list(
        &self,
        index: &str,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        check_index_names(self.name(), "index_list", index, None)?;
        let mut inner = self.inner();
        let now = Instant::now();
        Ok(inner
            .live_index(index, now)
            .map(|members| {
                members
                    .iter()
                    .take(limit)
                    .map(|(m, (v, _))| (m.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn stream_add(
        &self,
        stream: &str,
        payload: &[u8],
        max_len: u64,
    ) -> Result<String, StoreError> {
        check_index_names(self.name(), "stream_add", stream, None)?;
        self.streams.add(stream, payload, max_len)
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
        check_index_names(self.name(), "stream_read", stream, Some(group))?;
        check_index_names(self.name(), "stream_read", stream, Some(consumer))?;
        Ok(self
            .streams
            .read(stream, group, consumer, mine, count, block)
            .await)
    }

    async fn stream_ack(&self, stream: &str, group: &str, id: &str) -> Result<bool, StoreError> {
        check_index_names(self.name(), "stream_ack", stream, Some(group))?;
        Ok(self.streams.ack(stream, group, id))
    }

    async fn stream_claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        check_index_names(self.name(), "stream_claim", stream, Some(group))?;
        check_index_names(self.name(), "stream_claim", stream, Some(consumer))?;
        Ok(self.streams.claim(stream, group, consumer, min_idle, count))
    }

    async fn stream_len(&self, stream: &str) -> Result<u64, StoreError> {
        Ok(self.streams.stream_len(stream))
    }

    fn timeout(&self) -> Duration {
        // Memory never stalls; the bound only matters for remote stores.
        Duration::from_secs(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn debug_shows_counts_never_values_and_absurd_lifetimes_do_not_panic() {
        let store = MemoryStore::new();
        store
            .put("numport:inumbering:x:apikey", b"k3y-s3cret", Duration::MAX)
            .await
            .unwrap();
        assert!(store.try_lock("l", Duration::MAX).await.unwrap().is_some());
        assert_eq!(
            store.take_budget("b", 1, Duration::MAX).await.unwrap(),
            Budget::Granted { remaining: 0 }
        );
        assert_eq!(
            format!("{store:?}"),
            "MemoryStore { values: 1, locks: 1, budgets: 1, claims: 0, indexes: 0, streams: 0 }"
        );
        assert_eq!(
            store.get("numport:inumbering:x:apikey").await.unwrap(),
            Some(b"k3y-s3cret".to_vec())
        );
    }

    #[tokio::test(start_paused = true)]
    async fn values_expire_and_remove_if_compares() {
        let store = MemoryStore::new();
        store
            .put("k", b"v1", Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(store.get("k").await.unwrap(), Some(b"v1".to_vec()));
        assert!(!store.remove_if("k", b"other").await.unwrap());
        assert!(store.remove_if("k", b"v1").await.unwrap());
        assert!(!store.remove_if("k", b"v1").await.unwrap());
        store
            .put("k", b"v2", Duration::from_secs(10))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(store.get("k").await.unwrap(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lock_is_released_only_by_its_owner_or_by_time() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(2);
        let held = store.try_lock("l", ttl).await.unwrap().unwrap();
        assert_eq!(store.try_lock("l", ttl).await.unwrap(), None);
        store.unlock("l", &LockToken::new()).await.unwrap();
        assert_eq!(store.try_lock("l", ttl).await.unwrap(), None);
        store.unlock("l", &held).await.unwrap();
        let again = store.try_lock("l", ttl).await.unwrap().unwrap();
        assert_ne!(again, held);
        tokio::time::advance(ttl).await;
        assert!(store.try_lock("l", ttl).await.unwrap().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_budget_grants_limit_uses_per_window_and_says_when_one_frees() {
        let store = MemoryStore::new();
        let hour = Duration::from_secs(3600);
        for left in (0..6).rev() {
            assert_eq!(
                store.take_budget("b", 6, hour).await.unwrap(),
                Budget::Granted { remaining: left }
            );
            tokio::time::advance(Duration::from_secs(60)).await;
        }
        // Six used at 0..5 minutes; now is 6 minutes: the first frees at 60.
        assert_eq!(
            store.take_budget("b", 6, hour).await.unwrap(),
            Budget::Spent {
                frees_in: Duration::from_secs(54 * 60)
            }
        );
        tokio::time::advance(Duration::from_secs(54 * 60)).await;
        assert_eq!(
            store.take_budget("b", 6, hour).await.unwrap(),
            Budget::Granted { remaining: 0 }
        );
        // No budget at all: spent for a whole window, as RedisStore says.
        assert_eq!(
            store.take_budget("none", 0, hour).await.unwrap(),
            Budget::Spent { frees_in: hour }
        );
    }
}
