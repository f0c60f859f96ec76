//! The fleet follower ([`numport::Follower`]): one poller per carrier
//! account over the ledger's open orders, each change onto the event
//! stream; on a `MemoryStore`, and on a real Redis (feature `redis`) with
//! several replicas, a holder that dies and a Redis that stops.

mod support;

#[path = "follow/setup.rs"]
mod setup;

#[path = "follow/bounds.rs"]
mod bounds;

#[path = "follow/memory.rs"]
mod memory;

#[cfg(feature = "redis")]
#[path = "follow/fleet.rs"]
mod fleet;

#[cfg(feature = "redis")]
#[path = "follow/takeover.rs"]
mod takeover;

#[cfg(feature = "redis")]
#[path = "follow/outage.rs"]
mod outage;
