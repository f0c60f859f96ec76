//! What the crate keeps in a store: the values written and read back, a
//! real Redis (feature `redis`) and many replicas sharing one (feature
//! `redis`).

mod support;

#[path = "store/claims.rs"]
mod claims;

#[cfg(feature = "redis")]
#[path = "store/fleet.rs"]
mod fleet;

#[cfg(feature = "redis")]
#[path = "store/idempotent.rs"]
mod idempotent;

#[path = "store/indexes.rs"]
mod indexes;

#[path = "store/ledger.rs"]
mod ledger;

#[cfg(feature = "redis")]
#[path = "store/redis.rs"]
mod redis_store;

#[path = "store/streams.rs"]
mod streams;

#[path = "store/values.rs"]
mod values;
