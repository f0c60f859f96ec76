//! Submitting exactly once across a fleet: idempotency keys kept in a
//! shared [`Store`], above the [`PortProvider`] trait.
//!
//! One entry per key, under the provider's account
//! ([`PortProvider::account_reference`]), at
//! `numport:<carrier>:<account hash>:once:<SHA-256 of the key>`, holding
//! one of:
//! - *pending*: a call claimed the key and may be sending (its lease runs
//!   while it does), with when it started;
//! - *submitted*: the [`Submission`]; *refused*: the typed refusal (a
//!   validation error or a carrier's rejection: nothing was created);
//!   both final;
//! - *unknown*: the carrier may have created the order; the next call
//!   reconciles before anything is sent again.
//!
//! For a carrier whose listing can tell the order a create made only by
//! elimination ([`crate::Capabilities::baseline`]: iNumbering), the
//! account's submissions are also serialised through one more entry, the
//! account lock, at `numport:<carrier>:<account hash>:once-account`,
//! holding `{"holder": "<store key of the key holding it>"}`. Its holder
//! reads a [`Baseline`] (the orders the carrier held just before), keeps
//! it in its key's pending entry, sends, records the outcome and releases
//! the lock, except after an unknown outcome: then the lock is left to
//! expire, and whoever takes it next resolves that key first, with
//! [`PortProvider::reconcile_from`], before it reads its own baseline.
//!
//! The invariant: a key's baseline is used only while no other create
//! can have been sent on the account since it was read. Every taker of
//! the account lock resolves (or drops) the baseline of the key that held
//! it before it sends anything; a baseline kept by a key whose lock was
//! taken by another (or vanished) is never used again.
//!
//! Each holds a fingerprint of the request: SHA-256 over the key and the
//! request's JSON form (secrets included, so that a request differing only
//! in its PAC or PIN is another request). The request itself, and so its
//! secrets, is never stored.
//!
//! [`Store`]: crate::store::Store
//! [`PortProvider`]: crate::PortProvider
//! [`PortProvider::account_reference`]: crate::PortProvider::account_reference
//! [`Submission`]: crate::Submission
//! [`Baseline`]: crate::Baseline
//! [`PortProvider::reconcile_from`]: crate::PortProvider::reconcile_from

mod account;
mod key;
mod record;
mod send;
mod submitter;
mod takeover;

use std::time::Duration;

pub use key::IdempotencyKey;
pub use submitter::OnceSubmitter;

/// The default [`OnceSubmitter::deadline`]: 90 seconds.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(90);
/// The default [`OnceSubmitter::reconcile_after`]: 10 seconds.
pub const DEFAULT_RECONCILE_AFTER: Duration = Duration::from_secs(10);
/// The default [`OnceSubmitter::key_ttl`]: 24 hours.
pub const DEFAULT_KEY_TTL: Duration = Duration::from_secs(24 * 3600);
/// The shortest [`OnceSubmitter::key_ttl`]: one minute.
pub const MIN_KEY_TTL: Duration = Duration::from_secs(60);
/// The longest [`OnceSubmitter::key_ttl`]: 30 days.
pub const MAX_KEY_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
