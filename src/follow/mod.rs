//! Following a fleet's orders: one poller per carrier account, whatever
//! the number of replicas, each change into the [`crate::Ledger`] and onto
//! the [`crate::Events`] stream ([`Follower`]).

mod follower;
mod lease;
mod round;

pub use follower::{
    DEFAULT_FOLLOW_INTERVAL, DEFAULT_FOLLOW_LEASE, DEFAULT_MAX_ORDERS_PER_ROUND, Follower,
    MAX_FOLLOW_INTERVAL, MAX_FOLLOW_LEASE, MAX_ORDERS_PER_ROUND, MIN_FOLLOW_INTERVAL,
    MIN_FOLLOW_LEASE,
};
pub use lease::FollowerLease;
pub use round::{RoundLease, RoundReport};
