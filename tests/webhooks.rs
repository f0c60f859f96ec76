//! Signed webhooks (`numport::webhook`): signatures checked both ways, and
//! the relay delivering events to a receiver on loopback (axum) through
//! failures, redirects, `410 Gone`, two relays of one group, and its
//! bounds, with an injected clock (no test waits for the schedule).

mod support;

#[path = "webhooks/receiver.rs"]
mod receiver;

#[path = "webhooks/signatures.rs"]
mod signatures;

#[path = "webhooks/delivery.rs"]
mod delivery;

#[path = "webhooks/ordering.rs"]
mod ordering;

#[path = "webhooks/bounds.rs"]
mod bounds;

#[cfg(feature = "redis")]
#[path = "webhooks/redis.rs"]
mod redis_relays;

#[cfg(feature = "redis")]
#[path = "webhooks/end_to_end.rs"]
mod end_to_end;
