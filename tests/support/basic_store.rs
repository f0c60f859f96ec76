//! A store written before claims, indexes and the rest existed: it
//! implements only the basic methods of [`Store`] (forwarded to a
//! [`MemoryStore`]), so every other method is the trait's default, which
//! refuses, storing nothing.

use std::time::Duration;

use numport::store::{Budget, LockToken, MemoryStore, Store, StoreError};

/// Only the basic [`Store`] methods, named `old`; the [`MemoryStore`]
/// behind them shows what was stored.
#[derive(Debug, Default)]
pub struct BasicStore(pub MemoryStore);

#[async_trait::async_trait]
impl Store for BasicStore {
    fn name(&self) -> &'static str {
        "old"
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key).await
    }
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        self.0.put(key, value, ttl).await
    }
    async fn remove_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        self.0.remove_if(key, expected).await
    }
    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        self.0.try_lock(key, ttl).await
    }
    async fn unlock(&self, key: &str, token: &LockToken) -> Result<(), StoreError> {
        self.0.unlock(key, token).await
    }
    async fn take_budget(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Budget, StoreError> {
        self.0.take_budget(key, limit, window).await
    }
}
