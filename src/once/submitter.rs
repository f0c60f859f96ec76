//! [`OnceSubmitter`]: its settings, its calls, and the claim of a key.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::key::{IdempotencyKey, fingerprint, hex};
use super::record::Record;
use super::{DEFAULT_DEADLINE, DEFAULT_KEY_TTL, DEFAULT_RECONCILE_AFTER, MAX_KEY_TTL, MIN_KEY_TTL};
use crate::error::{Error, IdempotencyProblem, Result};
use crate::ledger::Ledger;
use crate::model::{PortRequest, Submission};
use crate::operation::Operation;
use crate::provider::{PortProvider, account_of};
use crate::store::{Claim, LockToken, Store, StoreError};

/// The longest [`OnceSubmitter::deadline`] and
/// [`OnceSubmitter::reconcile_after`]: one hour each.
const MAX_WAIT: Duration = Duration::from_secs(3600);
/// The longest pause between two looks at a key another call holds.
const MAX_POLL: Duration = Duration::from_millis(500);

/// Submits a request at most once per [`IdempotencyKey`], across every
/// replica that shares the store.
///
/// [`OnceSubmitter::submit`]:
/// - The first call with a key claims it in the store, atomically (with a
///   lease, and a token only it knows), sends, and records the outcome:
///   the [`Submission`], a refusal that proves nothing was created
///   ([`Error::Validation`], [`Error::Rejected`]), or "unknown"
///   ([`Error::OutcomeUnknown`]). Any other failure (a rate limit, a
///   refused credential, a connection never made) created nothing either:
///   the key is released, and the next call sends.
/// - A later call with the same key and the same request answers what was
///   recorded, sending nothing. With a different request: an
///   [`Error::Idempotency`] [`IdempotencyProblem::Conflict`] naming the
///   key, sending nothing.
/// - A call while another holds the key waits for its outcome, polling the
///   store, up to the [`deadline`](Self::deadline); then an
///   [`IdempotencyProblem::InFlight`] error (retryable).
/// - A key whose holder died (its lease ran out without an outcome) or
///   whose outcome is unknown is resolved with
///   [`PortProvider::reconcile`] before anything is sent again:
///   [`Reconciliation::Found`] is recorded and answered,
///   [`Reconciliation::NotFound`] sends once, and
///   [`Reconciliation::Inconclusive`] (or a carrier with no reconcile,
///   such as Apeiron) is an [`Error::OutcomeUnknown`] whose cause says so
///   and how to clear the key ([`OnceSubmitter::clear`]); nothing is ever
///   resent on it.
/// - For a carrier whose listing tells a create's order only by
///   elimination ([`crate::Capabilities::baseline`]: iNumbering), the
///   account's submissions are serialised through an account lock in the
///   store: its holder reads a [`Baseline`] of the carrier's orders, keeps
///   it with its key, sends, and releases the lock once the outcome is
///   recorded (an unknown outcome keeps it until its lease ends). A key
///   whose create may have left is then resolved with
///   [`PortProvider::reconcile_from`] by the next taker of the lock (its
///   own next call, or a call with another key on the account, which
///   resolves it before sending): the one order created after the
///   baseline is recorded and answered; none, and the key is sent again
///   once; anything else, an [`Error::OutcomeUnknown`] as above. A call
///   waiting for the lock past the deadline (or whose lock another call
///   took over before its create) fails with
///   [`IdempotencyProblem::AccountBusy`] (retryable), nothing sent. An
///   order placed on the account outside numport while a create's outcome
///   is unknown can make it unresolvable, or be taken for it (see
///   [`PortProvider::reconcile_from`]).
/// - A store that cannot be reached fails the call before anything is
///   sent, with a retryable [`IdempotencyProblem::Store`] error, unless
///   [`best_effort`](Self::best_effort) was chosen.
///
/// The holder's lease is the deadline plus
/// [`reconcile_after`](Self::reconcile_after); the holder's own send is
/// bounded by the deadline, so a lease runs out only after the send it
/// covers ended (or its caller gave up on it).
///
/// [`Reconciliation::Found`]: crate::Reconciliation::Found
/// [`Reconciliation::NotFound`]: crate::Reconciliation::NotFound
/// [`Reconciliation::Inconclusive`]: crate::Reconciliation::Inconclusive
/// [`Baseline`]: crate::Baseline
#[derive(Debug, Clone)]
pub struct OnceSubmitter {
    pub(super) provider: Arc<dyn PortProvider>,
    pub(super) store: Arc<dyn Store>,
    pub(super) deadline: Duration,
    pub(super) reconcile_after: Duration,
    pub(super) key_ttl: Duration,
    pub(super) best_effort: bool,
    ledger: Option<Ledger>,
}

impl OnceSubmitter {
    /// A submitter sending through `provider`, keeping its keys in `store`
    /// (a `RedisStore` shared by every replica, or a
    /// [`crate::store::MemoryStore`] within one process).
    pub fn new(provider: Arc<dyn PortProvider>, store: Arc<dyn Store>) -> Self {
        Self {
            provider,
            store,
            deadline: DEFAULT_DEADLINE,
            reconcile_after: DEFAULT_RECONCILE_AFTER,
            key_ttl: DEFAULT_KEY_TTL,
            best_effort: false,
            ledger: None,
        }
    }

    setters! {
        /// The longest one call sends for, and waits for another call holding
        /// its key (default 90 s, at most an hour). Set it at least as long
        /// as the provider's own operation deadline
        /// ([`crate::http::HttpConfig`]): a send still running at this deadline
        /// is given up on, as an unknown outcome.
        deadline(deadline: Duration) => deadline = deadline;

        /// How long an unknown outcome is left before a later call reconciles
        /// it (default 10 s, at most an hour): a create whose answer was lost
        /// may still be on its way into the carrier's records.
        reconcile_after(wait: Duration) => reconcile_after = wait;

        /// How long a key is remembered (default 24 hours, from
        /// [`MIN_KEY_TTL`] to [`MAX_KEY_TTL`], and at least the deadline plus
        /// [`reconcile_after`](Self::reconcile_after)).
        key_ttl(ttl: Duration) => key_ttl = ttl;

        /// When true, a store that cannot be reached does not stop the call: it
        /// submits without the guarantee and logs a `tracing` warning (default
        /// false: it fails before sending).
        best_effort(best_effort: bool) => best_effort = best_effort;

        /// Records every order a submission created (or a retried call read
        /// back) in `ledger`, with its idempotency key. A ledger that fails
        /// does not fail the submission: it is logged as a `tracing` warning.
        ledger(ledger: Ledger) => ledger = Some(ledger);
    }

    /// The provider it sends through.
    pub fn provider(&self) -> &Arc<dyn PortProvider> {
        &self.provider
    }

    pub(super) fn lease(&self) -> Duration {
        self.deadline.saturating_add(self.reconcile_after)
    }

    /// `Err(Error::Config)` when a setting is out of its range.
    fn check_settings(&self) -> Result<()> {
        let mut problems = Vec::new();
        if self.deadline.is_zero() || self.deadline > MAX_WAIT {
            problems.push(format!(
                "deadline must be between 1 ns and {MAX_WAIT:?}, not {:?}",
                self.deadline
            ));
        }
        if self.reconcile_after > MAX_WAIT {
            problems.push(format!(
                "reconcile_after must be at most {MAX_WAIT:?}, not {:?}",
                self.reconcile_after
            ));
        }
        if self.key_ttl < MIN_KEY_TTL || self.key_ttl > MAX_KEY_TTL {
            problems.push(format!(
                "key_ttl must be between {MIN_KEY_TTL:?} and {MAX_KEY_TTL:?}, not {:?}",
                self.key_ttl
            ));
        } else if self.key_ttl < self.lease() {
            problems.push(format!(
                "key_ttl ({:?}) must be at least deadline plus reconcile_after ({:?})",
                self.key_ttl,
                self.lease()
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "OnceSubmitter: {}",
                problems.join("; ")
            )))
        }
    }

    /// The store key of `key` under the provider's account.
    pub(super) fn store_key(&self, key: &IdempotencyKey) -> Result<String> {
        let account = account_of(&*self.provider, "its idempotency keys")?;
        Ok(format!(
            "{account}:once:{}",
            hex(&Sha256::digest(key.as_str().as_bytes()))
        ))
    }

    /// One store call, bounded by the store's timeout.
    pub(super) async fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        crate::store::within(&*self.store, self.store.timeout(), call).await
    }

    pub(super) fn store_error(key: &IdempotencyKey, message: impl fmt::Display) -> Error {
        Error::Idempotency {
            key: key.as_str().to_owned(),
            problem: IdempotencyProblem::Store {
                message: message.to_string(),
            },
        }
    }

    pub(super) fn conflict(key: &IdempotencyKey) -> Error {
        Error::Idempotency {
            key: key.as_str().to_owned(),
            problem: IdempotencyProblem::Conflict,
        }
    }

    /// `e` for a key whose earlier attempt may have reached the carrier
    /// (its entry is held, final, or left by a holder that died): this
    /// call sent nothing, but the key's request may have been sent, so an
    /// idempotency error becomes [`Error::OutcomeUnknown`] with it as the
    /// cause ([`Error::is_never_sent`] must not say "safe to resend").
    pub(super) fn after_earlier_attempt(&self, e: Error) -> Error {
        match e {
            Error::Idempotency { .. } => Error::OutcomeUnknown {
                carrier: self.provider.carrier(),
                operation: Operation::Submit,
                cause: Box::new(e),
            },
            other => other,
        }
    }

    pub(super) fn encode(key: &IdempotencyKey, record: &Record) -> Result<Vec<u8>> {
        serde_json::to_vec(record).map_err(|e| Self::store_error(key, e))
    }

    pub(super) fn decode(key: &IdempotencyKey, bytes: &[u8]) -> Result<Record> {
        serde_json::from_slice(bytes).map_err(|e| {
            Self::store_error(
                key,
                format!("the key's entry could not be read ({e}); nothing was sent by this call"),
            )
        })
    }

    /// Submits `request` at most once for `key` (see [`OnceSubmitter`]).
    ///
    /// Errors before anything is sent or stored: [`Error::Config`] for a
    /// setting out of range or a provider that names no account;
    /// [`Error::Idempotency`] for a conflict, a key in flight past the
    /// deadline, or a store that failed.
    pub async fn submit(&self, key: &IdempotencyKey, request: &PortRequest) -> Result<Submission> {
        let submission = self.submit_once(key, request).await?;
        if let Some(ledger) = &self.ledger {
            // The account was read by `submit_once` already.
            if let Some(account) = self.provider.account_reference() {
                let recorded = ledger
                    .record(&account, &submission, Some(key.as_str()))
                    .await;
                if let Err(error) = recorded {
                    tracing::warn!(
                        carrier = %self.provider.carrier(),
                        %error,
                        "the order ledger could not record a submission"
                    );
                }
            }
        }
        Ok(submission)
    }

    /// [`OnceSubmitter::submit`] without the ledger.
    async fn submit_once(&self, key: &IdempotencyKey, request: &PortRequest) -> Result<Submission> {
        self.check_settings()?;
        let store_key = self.store_key(key)?;
        let fingerprint = fingerprint(key, request)?;
        let locking = self.locking();
        let started = Instant::now();
        loop {
            let attempted_at = Utc::now();
            let pending = Self::encode(
                key,
                &Record::Pending {
                    fingerprint: fingerprint.clone(),
                    attempted_at,
                    baseline: None,
                    numbers: Vec::new(),
                    waiting: locking,
                },
            )?;
            let claimed = self
                .bounded(
                    self.store
                        .claim(&store_key, &pending, self.lease(), self.key_ttl),
                )
                .await;
            let claim = match claimed {
                Ok(claim) => claim,
                Err(e) => return self.without_guarantee(key, request, e).await,
            };
            match claim {
                Claim::New(token) => {
                    let held = Held {
                        key,
                        store_key: &store_key,
                        token: &token,
                        fingerprint: &fingerprint,
                        request,
                        started,
                    };
                    return if locking {
                        self.send_locked(&held, None).await
                    } else {
                        self.send(&held, attempted_at, None).await.0
                    };
                }
                Claim::Settled(bytes) => {
                    let record =
                        Self::decode(key, &bytes).map_err(|e| self.after_earlier_attempt(e))?;
                    if record.conflicts(&fingerprint) {
                        return Err(Self::conflict(key));
                    }
                    return Self::replay(key, record);
                }
                Claim::Leased(bytes) => {
                    let record =
                        Self::decode(key, &bytes).map_err(|e| self.after_earlier_attempt(e))?;
                    if record.conflicts(&fingerprint) {
                        return Err(Self::conflict(key));
                    }
                    self.pause(key, started, Self::in_flight).await?;
                }
                Claim::TakenOver { token, previous } => {
                    let held = Held {
                        key,
                        store_key: &store_key,
                        token: &token,
                        fingerprint: &fingerprint,
                        request,
                        started,
                    };
                    return self.take_over(&held, &previous).await;
                }
            }
        }
    }

    /// Waits one poll interval, or fails with `expired` (for `key`) once
    /// the call has waited its deadline since `started`:
    /// [`OnceSubmitter::in_flight`] while another call holds the key,
    /// [`OnceSubmitter::account_busy`] while another holds the account
    /// lock.
    pub(super) async fn pause(
        &self,
        key: &IdempotencyKey,
        started: Instant,
        expired: fn(&IdempotencyKey) -> Error,
    ) -> Result<()> {
        let waited = started.elapsed();
        if waited >= self.deadline {
            return Err(expired(key));
        }
        let pause = self
            .store
            .poll_interval()
            .min(MAX_POLL)
            .min(self.deadline - waited);
        tokio::time::sleep(pause).await;
        Ok(())
    }

    /// [`IdempotencyProblem::InFlight`]: another call holds the key.
    pub(super) fn in_flight(key: &IdempotencyKey) -> Error {
        Error::Idempotency {
            key: key.as_str().to_owned(),
            problem: IdempotencyProblem::InFlight,
        }
    }

    /// [`IdempotencyProblem::AccountBusy`]: another submission on the
    /// account holds the account lock.
    pub(super) fn account_busy(key: &IdempotencyKey) -> Error {
        Error::Idempotency {
            key: key.as_str().to_owned(),
            problem: IdempotencyProblem::AccountBusy,
        }
    }

    /// Forgets `key`: its entry is removed whatever it holds, and the next
    /// call with it sends. True when there was one.
    ///
    /// For a key whose outcome could not be resolved (an
    /// [`Error::OutcomeUnknown`] from [`OnceSubmitter::submit`]): check
    /// with the carrier first that no order was created, or the next call
    /// may create a second one.
    pub async fn clear(&self, key: &IdempotencyKey) -> Result<bool> {
        let store_key = self.store_key(key)?;
        self.bounded(self.store.remove(&store_key))
            .await
            .map_err(|e| Self::store_error(key, e))
    }
}

/// A key this call holds, and what for.
pub(super) struct Held<'a> {
    pub(super) key: &'a IdempotencyKey,
    pub(super) store_key: &'a str,
    pub(super) token: &'a LockToken,
    pub(super) fingerprint: &'a str,
    pub(super) request: &'a PortRequest,
    /// When the call started: its waits end a deadline after it.
    pub(super) started: Instant,
}
