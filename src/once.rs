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

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::error::{Error, FieldError, IdempotencyProblem, RejectReason, Result};
use crate::ledger::Ledger;
use crate::model::{
    Baseline, PhoneNumber, PortOrder, PortRequest, Reconciliation, Submission, SubmittedOrder,
};
use crate::operation::{Carrier, Operation};
use crate::provider::PortProvider;
use crate::store::{Claim, Hold, LockToken, Store, StoreError};

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
/// The longest [`OnceSubmitter::deadline`] and
/// [`OnceSubmitter::reconcile_after`]: one hour each.
const MAX_WAIT: Duration = Duration::from_secs(3600);
/// The longest pause between two looks at a key another call holds.
const MAX_POLL: Duration = Duration::from_millis(500);

/// A caller's idempotency key: 1 to 255 bytes of printable ASCII (space
/// to `~`), such as an order id or a UUID.
///
/// Keys are not secrets: they appear in errors. The store holds only their
/// SHA-256.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The longest key, in bytes.
    pub const MAX_LEN: usize = 255;

    /// Checks and wraps a key.
    ///
    /// Errors with [`Error::Validation`] on `idempotency_key` when it is
    /// empty, longer than [`Self::MAX_LEN`] bytes, or holds a control
    /// character or anything outside printable ASCII (the error gives the
    /// position, never the key).
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        if key.is_empty() {
            return Err(Error::invalid("idempotency_key", "is empty"));
        }
        if key.len() > Self::MAX_LEN {
            return Err(Error::invalid(
                "idempotency_key",
                format!(
                    "is {} bytes long; at most {} are allowed",
                    key.len(),
                    Self::MAX_LEN
                ),
            ));
        }
        if let Some((at, c)) = key.char_indices().find(|(_, c)| !(' '..='~').contains(c)) {
            let what = if c.is_control() {
                "a control character"
            } else {
                "a character outside printable ASCII"
            };
            return Err(Error::invalid(
                "idempotency_key",
                format!("holds {what} at byte {at}"),
            ));
        }
        Ok(Self(key))
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({:?})", self.0)
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a key's entry holds (its JSON form is what the store keeps).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    /// Claimed; the holder may be sending. `attempted_at` is taken before
    /// anything is sent. With the account lock: the `baseline` read just
    /// before the create (if one could be read), and the request's numbers
    /// (E.164; not secret), for whoever resolves the key; `waiting` while
    /// the holder waits for the account lock (nothing was sent under it).
    Pending {
        fingerprint: String,
        attempted_at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        baseline: Option<Baseline>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        numbers: Vec<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        waiting: bool,
    },
    /// The carrier answered with this submission. Final.
    Submitted {
        fingerprint: String,
        submission: Submission,
    },
    /// Nothing was created: this refusal is the answer. Final.
    Refused {
        fingerprint: String,
        refusal: Refusal,
    },
    /// The carrier may have created the order (`baseline` and `numbers` as
    /// in [`Record::Pending`]).
    Unknown {
        fingerprint: String,
        attempted_at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        baseline: Option<Baseline>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        numbers: Vec<String>,
    },
    /// Claimed only to look at it, by a caller resolving the account lock's
    /// previous holder that found no entry: nothing was sent under it, and
    /// the next claim may send.
    Vacant,
}

impl Record {
    /// The fingerprint of the request it was made for; none for
    /// [`Record::Vacant`].
    fn fingerprint(&self) -> Option<&str> {
        match self {
            Self::Pending { fingerprint, .. }
            | Self::Submitted { fingerprint, .. }
            | Self::Refused { fingerprint, .. }
            | Self::Unknown { fingerprint, .. } => Some(fingerprint),
            Self::Vacant => None,
        }
    }

    /// True when it was made for another request than `fingerprint`.
    fn conflicts(&self, fingerprint: &str) -> bool {
        self.fingerprint().is_some_and(|f| f != fingerprint)
    }

    /// True when nothing was sent under it: a look, or a holder waiting for
    /// the account lock.
    fn unsent(&self) -> bool {
        matches!(self, Self::Vacant | Self::Pending { waiting: true, .. })
    }
}

/// What the account lock holds: the store key of the key holding it.
#[derive(Debug, Serialize, Deserialize)]
struct LockValue {
    holder: String,
}

/// Where the account lock came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LockFrom {
    /// Nobody held it (no entry).
    Free,
    /// This caller's key held it last.
    Own,
    /// Another key held it last, and was resolved.
    Other,
}

/// The submission made of `orders` a reconciliation found for an attempt
/// at `attempted_at`; an order without numbers gets `numbers` when it is
/// the only one.
fn found_submission(
    carrier: Carrier,
    orders: Vec<PortOrder>,
    numbers: &[PhoneNumber],
    attempted_at: DateTime<Utc>,
) -> Submission {
    let only = orders.len() == 1;
    let mut submission = Submission::new(
        carrier,
        orders
            .into_iter()
            .map(|order| {
                let mut listed: Vec<PhoneNumber> = order
                    .lines
                    .iter()
                    .filter_map(|l| l.number.clone())
                    .collect();
                if listed.is_empty() && only {
                    listed = numbers.to_vec();
                }
                let raw = serde_json::to_value(&order).unwrap_or_default();
                SubmittedOrder::new(order.id, listed, raw)
            })
            .collect(),
    );
    submission.submitted_at = attempted_at;
    submission
}

/// A refusal that proves nothing was created, as recorded.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Refusal {
    /// [`Error::Validation`]: nothing was sent.
    Validation { fields: Vec<(String, String)> },
    /// [`Error::Rejected`]: the carrier refused the request.
    Rejected {
        carrier: Carrier,
        status: Option<u16>,
        reason: RejectReason,
        message: String,
        fields: Vec<(String, String)>,
    },
}

fn pairs(fields: &[FieldError]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|f| (f.field.clone(), f.problem.clone()))
        .collect()
}

fn field_errors(pairs: Vec<(String, String)>) -> Vec<FieldError> {
    pairs
        .into_iter()
        .map(|(field, problem)| FieldError::new(field, problem))
        .collect()
}

impl Refusal {
    /// The refusal `error` is, when it proves nothing was created.
    fn of(error: &Error) -> Option<Self> {
        match error {
            Error::Validation(fields) => Some(Self::Validation {
                fields: pairs(fields),
            }),
            Error::Rejected {
                carrier,
                status,
                reason,
                message,
                field_errors,
            } => Some(Self::Rejected {
                carrier: *carrier,
                status: *status,
                reason: *reason,
                message: message.clone(),
                fields: pairs(field_errors),
            }),
            _ => None,
        }
    }

    fn into_error(self) -> Error {
        match self {
            Self::Validation { fields } => Error::Validation(field_errors(fields)),
            Self::Rejected {
                carrier,
                status,
                reason,
                message,
                fields,
            } => Error::Rejected {
                carrier,
                status,
                reason,
                message,
                field_errors: field_errors(fields),
            },
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 over the key (length-prefixed) and the request's JSON form.
fn fingerprint(key: &IdempotencyKey, request: &PortRequest) -> Result<String> {
    let json = serde_json::to_vec(request)
        .map_err(|e| Error::invalid("request", format!("could not be serialised to JSON: {e}")))?;
    let mut hash = Sha256::new();
    hash.update((key.0.len() as u64).to_be_bytes());
    hash.update(key.0.as_bytes());
    hash.update(&json);
    Ok(hex(&hash.finalize()))
}

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
///   waiting for the lock past the deadline fails with
///   [`IdempotencyProblem::InFlight`], nothing sent. An order placed on
///   the account outside numport while a create's outcome is unknown can
///   make it unresolvable, or be taken for it (see
///   [`PortProvider::reconcile_from`]).
/// - A store that cannot be reached fails the call before anything is
///   sent, with a retryable [`IdempotencyProblem::Store`] error, unless
///   [`best_effort`](Self::best_effort) was chosen.
///
/// The holder's lease is the deadline plus
/// [`reconcile_after`](Self::reconcile_after); the holder's own send is
/// bounded by the deadline, so a lease runs out only after the send it
/// covers ended (or its caller gave up on it).
#[derive(Debug, Clone)]
pub struct OnceSubmitter {
    provider: Arc<dyn PortProvider>,
    store: Arc<dyn Store>,
    deadline: Duration,
    reconcile_after: Duration,
    key_ttl: Duration,
    best_effort: bool,
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

    fn lease(&self) -> Duration {
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
    fn store_key(&self, key: &IdempotencyKey) -> Result<String> {
        let account = self.provider.account_reference().ok_or_else(|| {
            Error::Config(format!(
                "the {} provider names no account (PortProvider::account_reference), \
                 so its idempotency keys cannot be told from another account's",
                self.provider.carrier()
            ))
        })?;
        Ok(format!(
            "{account}:once:{}",
            hex(&Sha256::digest(key.0.as_bytes()))
        ))
    }

    /// One store call, bounded by the store's timeout.
    async fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let timeout = self.store.timeout();
        tokio::time::timeout(timeout, call)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::new(
                    self.store.name(),
                    format!("no answer within {timeout:?}"),
                ))
            })
    }

    fn store_error(key: &IdempotencyKey, message: impl fmt::Display) -> Error {
        Error::Idempotency {
            key: key.0.clone(),
            problem: IdempotencyProblem::Store {
                message: message.to_string(),
            },
        }
    }

    fn conflict(key: &IdempotencyKey) -> Error {
        Error::Idempotency {
            key: key.0.clone(),
            problem: IdempotencyProblem::Conflict,
        }
    }

    fn encode(key: &IdempotencyKey, record: &Record) -> Result<Vec<u8>> {
        serde_json::to_vec(record).map_err(|e| Self::store_error(key, e))
    }

    fn decode(key: &IdempotencyKey, bytes: &[u8]) -> Result<Record> {
        serde_json::from_slice(bytes).map_err(|e| {
            Self::store_error(
                key,
                format!("the key's entry could not be read ({e}); nothing was sent"),
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
                let recorded = ledger.record(&account, &submission, Some(&key.0)).await;
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
                    let record = Self::decode(key, &bytes)?;
                    if record.conflicts(&fingerprint) {
                        return Err(Self::conflict(key));
                    }
                    return Self::replay(key, record);
                }
                Claim::Leased(bytes) => {
                    let record = Self::decode(key, &bytes)?;
                    if record.conflicts(&fingerprint) {
                        return Err(Self::conflict(key));
                    }
                    self.pause(key, started).await?;
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

    /// Waits one poll interval, or fails with
    /// [`IdempotencyProblem::InFlight`] once the call has waited its
    /// deadline since `started`.
    async fn pause(&self, key: &IdempotencyKey, started: Instant) -> Result<()> {
        let waited = started.elapsed();
        if waited >= self.deadline {
            return Err(Self::in_flight(key));
        }
        let pause = self
            .store
            .poll_interval()
            .min(MAX_POLL)
            .min(self.deadline - waited);
        tokio::time::sleep(pause).await;
        Ok(())
    }

    fn in_flight(key: &IdempotencyKey) -> Error {
        Error::Idempotency {
            key: key.0.clone(),
            problem: IdempotencyProblem::InFlight,
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

    /// The store failed before anything was sent.
    async fn without_guarantee(
        &self,
        key: &IdempotencyKey,
        request: &PortRequest,
        error: StoreError,
    ) -> Result<Submission> {
        if !self.best_effort {
            return Err(Self::store_error(key, error));
        }
        tracing::warn!(
            carrier = %self.provider.carrier(),
            %error,
            "the store of idempotency keys failed; submitting without the guarantee (best effort)"
        );
        self.provider.submit(request).await
    }

    /// What a final record answers.
    fn replay(key: &IdempotencyKey, record: Record) -> Result<Submission> {
        match record {
            Record::Submitted { submission, .. } => Ok(submission),
            Record::Refused { refusal, .. } => Err(refusal.into_error()),
            Record::Pending { .. } | Record::Unknown { .. } | Record::Vacant => Err(
                Self::store_error(key, "the key's entry is final but holds no outcome"),
            ),
        }
    }

    /// Writes `record` under the claim `store_key` if `token` still holds
    /// it; false when it does not.
    async fn write(
        &self,
        store_key: &str,
        token: &LockToken,
        record: &Record,
        hold: Hold,
    ) -> Result<bool, StoreError> {
        let bytes = serde_json::to_vec(record)
            .map_err(|e| StoreError::new(self.store.name(), e.to_string()))?;
        self.bounded(
            self.store
                .record(store_key, token, &bytes, hold, self.key_ttl),
        )
        .await
    }

    /// Records `record` under the held key; a failure is logged, never
    /// returned (the outcome is already known to this caller). True when it
    /// was written.
    async fn keep(&self, held: &Held<'_>, record: &Record, hold: Hold) -> bool {
        match self.write(held.store_key, held.token, record, hold).await {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!(
                    carrier = %self.provider.carrier(),
                    "an idempotency key was taken over before its outcome was recorded"
                );
                false
            }
            Err(error) => {
                tracing::warn!(
                    carrier = %self.provider.carrier(),
                    %error,
                    "the outcome of an idempotent submission could not be recorded; the next \
                     call with its key reconciles once its lease ends"
                );
                false
            }
        }
    }

    /// Releases the held key, under which nothing was sent; a failure is
    /// logged (the key is then taken over once its lease ends). True when
    /// it was released.
    async fn let_go(&self, held: &Held<'_>) -> bool {
        match self
            .bounded(self.store.release(held.store_key, held.token))
            .await
        {
            Ok(released) => released,
            Err(error) => {
                tracing::warn!(
                    carrier = %self.provider.carrier(),
                    %error,
                    "an idempotency key could not be released after a failure that created \
                     nothing; the next call with it reconciles once its lease ends"
                );
                false
            }
        }
    }

    /// Sends under the held key and records the outcome. With `locked`
    /// (the account lock is held): the baseline read before and the
    /// request's numbers, kept with an unknown outcome.
    ///
    /// Also says whether the key was left settled: its outcome recorded as
    /// final, or the key released after a failure that created nothing.
    /// Otherwise (an unknown outcome, a record that failed) the account
    /// lock must be left to expire.
    async fn send(
        &self,
        held: &Held<'_>,
        attempted_at: DateTime<Utc>,
        locked: Option<(Option<&Baseline>, &[String])>,
    ) -> (Result<Submission>, bool) {
        let carrier = self.provider.carrier();
        let result = tokio::time::timeout(self.deadline, self.provider.submit(held.request))
            .await
            .unwrap_or_else(|_| {
                Err(Error::OutcomeUnknown {
                    carrier,
                    operation: Operation::Submit,
                    cause: Box::new(Error::Timeout {
                        carrier,
                        operation: Operation::Submit,
                    }),
                })
            });
        let fingerprint = held.fingerprint.to_owned();
        let settled = match &result {
            Ok(submission) => {
                let record = Record::Submitted {
                    fingerprint,
                    submission: submission.clone(),
                };
                self.keep(held, &record, Hold::Settle).await
            }
            Err(e) if e.is_outcome_unknown() => {
                let (baseline, numbers) = locked.unwrap_or((None, &[]));
                let record = Record::Unknown {
                    fingerprint,
                    attempted_at,
                    baseline: baseline.cloned(),
                    numbers: numbers.to_vec(),
                };
                let hold = Hold::Lease(self.reconcile_after);
                self.keep(held, &record, hold).await;
                false
            }
            Err(e) => match Refusal::of(e) {
                Some(refusal) => {
                    let record = Record::Refused {
                        fingerprint,
                        refusal,
                    };
                    self.keep(held, &record, Hold::Settle).await
                }
                // Nothing was created (only an unknown outcome may have
                // created an order): the next call may send.
                None => self.let_go(held).await,
            },
        };
        (result, settled)
    }

    /// Records a fresh pending entry under the held key (nothing was
    /// created under it) and sends once, without the account lock.
    async fn send_fresh(&self, held: &Held<'_>) -> Result<Submission> {
        let attempted_at = Utc::now();
        let pending = Record::Pending {
            fingerprint: held.fingerprint.to_owned(),
            attempted_at,
            baseline: None,
            numbers: Vec::new(),
            waiting: false,
        };
        match self
            .write(
                held.store_key,
                held.token,
                &pending,
                Hold::Lease(self.lease()),
            )
            .await
        {
            Ok(true) => self.send(held, attempted_at, None).await.0,
            Ok(false) => Err(Self::in_flight(held.key)),
            Err(e) => Err(Self::store_error(held.key, e)),
        }
    }

    /// True when the provider's submissions on one account are serialised
    /// through the account lock ([`crate::Capabilities::baseline`]).
    fn locking(&self) -> bool {
        self.provider.capabilities().baseline
    }

    /// The account lock's store key.
    fn lock_key(&self, key: &IdempotencyKey) -> Result<String> {
        let store_key = self.store_key(key)?;
        let account = store_key
            .rsplit_once(":once:")
            .map_or(store_key.as_str(), |(account, _)| account);
        Ok(format!("{account}:once-account"))
    }

    /// How long the account lock's entry lives: longer than any key
    /// recorded while it is held (a key's entry is recorded up to a send
    /// after the lock's), so that a key's baseline never outlives the lock
    /// that guards it.
    fn lock_ttl(&self) -> Duration {
        self.key_ttl
            .saturating_add(self.lease())
            .saturating_add(self.lease())
    }

    fn holder(key: &IdempotencyKey, store_key: &str) -> Result<Vec<u8>> {
        serde_json::to_vec(&LockValue {
            holder: store_key.to_owned(),
        })
        .map_err(|e| Self::store_error(key, e))
    }

    /// Hands the account lock back unchanged, for the next caller at once.
    async fn give_back_lock(&self, lock_key: &str, token: &LockToken, previous: &[u8]) {
        let _ = self
            .bounded(self.store.record(
                lock_key,
                token,
                previous,
                Hold::Lease(Duration::ZERO),
                self.lock_ttl(),
            ))
            .await;
    }

    /// Releases the account lock; a failure is logged (the lock then
    /// expires with its lease).
    async fn unlock(&self, lock_key: &str, token: &LockToken) {
        if let Err(error) = self.bounded(self.store.release(lock_key, token)).await {
            tracing::warn!(
                carrier = %self.provider.carrier(),
                %error,
                "the account lock of idempotent submissions could not be released; the next \
                 submission on the account waits for its lease"
            );
        }
    }

    /// Takes the account lock for the held key, waiting (up to the
    /// deadline) while another holds it. A lock whose holder's lease ran
    /// out names the key that held it: that key is resolved first (see
    /// [`OnceSubmitter::resolve_holder`]), so that no baseline is used
    /// after this caller's create. Nothing is sent; on an error the lock is
    /// not held.
    async fn acquire_lock(&self, held: &Held<'_>) -> Result<(LockToken, LockFrom)> {
        let key = held.key;
        let lock_key = self.lock_key(key)?;
        let mine = Self::holder(key, held.store_key)?;
        loop {
            let claimed = self
                .bounded(
                    self.store
                        .claim(&lock_key, &mine, self.lease(), self.lock_ttl()),
                )
                .await
                .map_err(|e| Self::store_error(key, e))?;
            match claimed {
                Claim::New(token) => return Ok((token, LockFrom::Free)),
                Claim::Leased(_) => self.pause(key, held.started).await?,
                Claim::TakenOver { token, previous } => {
                    let holder = match serde_json::from_slice::<LockValue>(&previous) {
                        Ok(value) => value.holder,
                        Err(e) => {
                            self.give_back_lock(&lock_key, &token, &previous).await;
                            return Err(Self::store_error(
                                key,
                                format!(
                                    "the account lock's entry could not be read ({e}), so the \
                                     key that held it cannot be resolved; nothing was sent"
                                ),
                            ));
                        }
                    };
                    if holder == held.store_key {
                        return Ok((token, LockFrom::Own));
                    }
                    match self.resolve_holder(held, &holder).await {
                        Ok(true) => {
                            // The previous holder's baseline is resolved (or
                            // dropped): the lock is this key's now.
                            let recorded = self
                                .bounded(self.store.record(
                                    &lock_key,
                                    &token,
                                    &mine,
                                    Hold::Lease(self.lease()),
                                    self.lock_ttl(),
                                ))
                                .await
                                .map_err(|e| Self::store_error(key, e))?;
                            if recorded {
                                return Ok((token, LockFrom::Other));
                            }
                            // Taken over meanwhile: look again.
                            self.pause(key, held.started).await?;
                        }
                        Ok(false) => {
                            // The holder's key is held (by a call resolving
                            // it, which needs this lock): hand the lock back
                            // and look again.
                            self.give_back_lock(&lock_key, &token, &previous).await;
                            self.pause(key, held.started).await?;
                        }
                        Err(e) => {
                            self.give_back_lock(&lock_key, &token, &previous).await;
                            return Err(e);
                        }
                    }
                }
                Claim::Settled(_) => {
                    return Err(Self::store_error(
                        key,
                        "the account lock holds a final value, which it never should; \
                         nothing was sent",
                    ));
                }
            }
        }
    }

    /// Resolves the key `holder_key` that held the account lock before
    /// this caller took it over, so that its baseline is never used after
    /// another create: claimed, a key whose create may have left with a
    /// baseline is reconciled from it ([`PortProvider::reconcile_from`]):
    /// found, it is recorded as submitted; not found, it is released (its
    /// next call sends); otherwise it is recorded as unknown *without* its
    /// baseline (its next call reconciles plainly and never resends). A key
    /// under which nothing was sent is released; one without a baseline is
    /// handed back unchanged.
    ///
    /// True when resolved; false when another call holds that key (the
    /// caller hands the lock back and tries again). An error when what was
    /// found cannot be recorded: nothing may be sent then.
    async fn resolve_holder(&self, held: &Held<'_>, holder_key: &str) -> Result<bool> {
        let key = held.key;
        let vacant = Self::encode(key, &Record::Vacant)?;
        let claimed = self
            .bounded(
                self.store
                    .claim(holder_key, &vacant, self.lease(), self.key_ttl),
            )
            .await
            .map_err(|e| Self::store_error(key, e))?;
        let (token, previous) = match claimed {
            Claim::Settled(_) => return Ok(true),
            Claim::Leased(_) => return Ok(false),
            Claim::New(token) => {
                // No entry (cleared, or expired): nothing to resolve. A
                // vacant entry left behind is free to the next claim.
                let _ = self.bounded(self.store.release(holder_key, &token)).await;
                return Ok(true);
            }
            Claim::TakenOver { token, previous } => (token, previous),
        };
        let hand_back = || async {
            let _ = self
                .bounded(self.store.record(
                    holder_key,
                    &token,
                    &previous,
                    Hold::Lease(Duration::ZERO),
                    self.key_ttl,
                ))
                .await;
        };
        let record = match serde_json::from_slice::<Record>(&previous) {
            Ok(record) => record,
            Err(e) => {
                hand_back().await;
                return Err(Self::store_error(
                    key,
                    format!(
                        "the entry of the key that held the account lock could not be read \
                         ({e}); nothing was sent"
                    ),
                ));
            }
        };
        let written = |result: Result<bool, StoreError>| match result {
            Ok(true) => Ok(true),
            Ok(false) => Ok(false),
            Err(e) => Err(Self::store_error(key, e)),
        };
        if record.unsent() {
            let released = self.bounded(self.store.release(holder_key, &token)).await;
            return written(released);
        }
        let (fingerprint, attempted_at, baseline, numbers) = match record {
            Record::Pending {
                fingerprint,
                attempted_at,
                baseline: Some(baseline),
                numbers,
                ..
            }
            | Record::Unknown {
                fingerprint,
                attempted_at,
                baseline: Some(baseline),
                numbers,
            } => (fingerprint, attempted_at, baseline, numbers),
            _ => {
                // Final, or with no baseline to use: nothing here depends on
                // what this caller sends.
                hand_back().await;
                return Ok(true);
            }
        };
        match self.provider.reconcile_from(attempted_at, &baseline).await {
            Ok(Reconciliation::Found(orders)) => {
                let parsed: Vec<PhoneNumber> = numbers
                    .iter()
                    .filter_map(|n| PhoneNumber::parse(n).ok())
                    .collect();
                let submission =
                    found_submission(self.provider.carrier(), orders, &parsed, attempted_at);
                let record = Record::Submitted {
                    fingerprint,
                    submission,
                };
                written(self.write(holder_key, &token, &record, Hold::Settle).await)
            }
            Ok(Reconciliation::NotFound) => {
                written(self.bounded(self.store.release(holder_key, &token)).await)
            }
            _ => {
                let record = Record::Unknown {
                    fingerprint,
                    attempted_at,
                    baseline: None,
                    numbers,
                };
                written(
                    self.write(holder_key, &token, &record, Hold::Lease(Duration::ZERO))
                        .await,
                )
            }
        }
    }

    /// Sends under the held key and the account lock (taken here unless
    /// given): reads the baseline, keeps it in the key's pending entry,
    /// sends, records the outcome, and releases the lock unless the outcome
    /// is unknown. Nothing was created under the key before: on a failure
    /// before sending, it is released.
    async fn send_locked(&self, held: &Held<'_>, lock: Option<LockToken>) -> Result<Submission> {
        let key = held.key;
        let lock_key = self.lock_key(key)?;
        let lock = match lock {
            Some(lock) => lock,
            None => match self.acquire_lock(held).await {
                Ok((lock, _)) => lock,
                Err(e) => {
                    self.let_go(held).await;
                    return Err(e);
                }
            },
        };
        let baseline = match self.provider.baseline().await {
            Ok(baseline) => baseline,
            Err(error) => {
                tracing::warn!(
                    carrier = %self.provider.carrier(),
                    %error,
                    "the carrier's listing could not be read before an idempotent submission; \
                     sending without a baseline (an unknown outcome is reconciled plainly)"
                );
                None
            }
        };
        // After the baseline's read: its window starts before this.
        let attempted_at = Utc::now();
        // The lock's lease renewed for the create.
        let mine = Self::holder(key, held.store_key)?;
        let renewed = self
            .bounded(self.store.record(
                &lock_key,
                &lock,
                &mine,
                Hold::Lease(self.lease()),
                self.lock_ttl(),
            ))
            .await;
        match renewed {
            Ok(true) => {}
            Ok(false) => {
                self.let_go(held).await;
                return Err(Self::in_flight(key));
            }
            Err(e) => {
                self.let_go(held).await;
                self.unlock(&lock_key, &lock).await;
                return Err(Self::store_error(key, e));
            }
        }
        let numbers: Vec<String> = held.request.lines.iter().map(|l| l.number.e164()).collect();
        let pending = Record::Pending {
            fingerprint: held.fingerprint.to_owned(),
            attempted_at,
            baseline: baseline.clone(),
            numbers: numbers.clone(),
            waiting: false,
        };
        match self
            .write(
                held.store_key,
                held.token,
                &pending,
                Hold::Lease(self.lease()),
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                // The key was taken over: nothing is sent by this call.
                self.unlock(&lock_key, &lock).await;
                return Err(Self::in_flight(key));
            }
            Err(e) => {
                // The pending entry may hold the baseline: the lock is left
                // to expire, and its next taker resolves the key (nothing
                // was sent: not found, it is released).
                return Err(Self::store_error(key, e));
            }
        }
        let (result, settled) = self
            .send(held, attempted_at, Some((baseline.as_ref(), &numbers)))
            .await;
        if settled {
            self.unlock(&lock_key, &lock).await;
        }
        result
    }

    /// The key held by a caller whose lease ran out (or an unknown outcome
    /// whose wait passed) is this caller's now: resolve it.
    async fn take_over(&self, held: &Held<'_>, previous: &[u8]) -> Result<Submission> {
        let (key, fingerprint, request) = (held.key, held.fingerprint, held.request);
        // Hands the key back unchanged, for the next caller at once.
        let give_back = || async {
            let _ = self
                .bounded(self.store.record(
                    held.store_key,
                    held.token,
                    previous,
                    Hold::Lease(Duration::ZERO),
                    self.key_ttl,
                ))
                .await;
        };
        let record = match Self::decode(key, previous) {
            Ok(record) => record,
            Err(e) => {
                give_back().await;
                return Err(e);
            }
        };
        if record.conflicts(fingerprint) {
            give_back().await;
            return Err(Self::conflict(key));
        }
        if record.unsent() {
            // Nothing was sent under the key: send as a first call does.
            return if self.locking() {
                self.send_locked(held, None).await
            } else {
                self.send_fresh(held).await
            };
        }
        let (attempted_at, baseline, numbers) = match record {
            Record::Pending {
                attempted_at,
                baseline,
                numbers,
                ..
            }
            | Record::Unknown {
                attempted_at,
                baseline,
                numbers,
                ..
            } => (attempted_at, baseline, numbers),
            final_record @ (Record::Submitted { .. } | Record::Refused { .. } | Record::Vacant) => {
                self.keep(held, &final_record, Hold::Settle).await;
                return Self::replay(key, final_record);
            }
        };
        let lock = if self.locking() {
            match self.acquire_lock(held).await {
                Ok(lock) => Some(lock),
                Err(e) => {
                    give_back().await;
                    return Err(e);
                }
            }
        } else {
            None
        };
        let lock_key = self.lock_key(key)?;
        // The baseline is used only when this key held the account lock
        // last: then no create was sent on the account since it was read.
        // A lock found free, or last held by another key, means the
        // baseline may be stale: the plain reconcile answers instead.
        let answer = match (&lock, &baseline) {
            (Some((_, LockFrom::Own)), Some(baseline)) => {
                self.provider.reconcile_from(attempted_at, baseline).await
            }
            _ => self.provider.reconcile(request, attempted_at).await,
        };
        let unlock = |written: bool| {
            let lock = lock.as_ref().map(|(token, _)| token);
            let lock_key = &lock_key;
            async move {
                if let (true, Some(token)) = (written, lock) {
                    self.unlock(lock_key, token).await;
                }
            }
        };
        let carrier = self.provider.carrier();
        let unresolved = |reason: String| Error::OutcomeUnknown {
            carrier,
            operation: Operation::Submit,
            cause: Box::new(Error::Idempotency {
                key: key.0.clone(),
                problem: IdempotencyProblem::Unresolved { reason },
            }),
        };
        let clear_hint = "check with the carrier whether it created the order; if it did \
                          not, clear the key (OnceSubmitter::clear) and submit again";
        // Recorded without the baseline: whatever is sent next on the
        // account, it is never used again.
        let still_unknown = Record::Unknown {
            fingerprint: fingerprint.to_owned(),
            attempted_at,
            baseline: None,
            numbers,
        };
        match answer {
            Ok(Reconciliation::Found(orders)) => {
                let numbers: Vec<PhoneNumber> =
                    request.lines.iter().map(|l| l.number.clone()).collect();
                let submission = found_submission(carrier, orders, &numbers, attempted_at);
                let record = Record::Submitted {
                    fingerprint: fingerprint.to_owned(),
                    submission: submission.clone(),
                };
                let written = self.keep(held, &record, Hold::Settle).await;
                unlock(written).await;
                Ok(submission)
            }
            Ok(Reconciliation::NotFound) => match lock {
                // Nothing was created: send once, under a fresh start.
                Some((token, _)) => self.send_locked(held, Some(token)).await,
                None => self.send_fresh(held).await,
            },
            Ok(Reconciliation::Inconclusive { reason, candidates }) => {
                let written = self
                    .keep(held, &still_unknown, Hold::Lease(Duration::ZERO))
                    .await;
                unlock(written).await;
                Err(unresolved(format!(
                    "an earlier submission under this key may have created an order, and \
                     reconciling could not tell ({reason}; {} candidate(s)); it is not sent \
                     again: {clear_hint}",
                    candidates.len()
                )))
            }
            Err(e) => {
                let written = self
                    .keep(held, &still_unknown, Hold::Lease(Duration::ZERO))
                    .await;
                unlock(written).await;
                let why = if e.is_unsupported() {
                    format!("{carrier} cannot be asked (it has no reconcile)")
                } else {
                    format!("reconciling failed ({e}); a later call tries again")
                };
                Err(unresolved(format!(
                    "an earlier submission under this key may have created an order, and \
                     {why}; it is never sent again automatically: {clear_hint}"
                )))
            }
        }
    }
}

/// A key this call holds, and what for.
struct Held<'a> {
    key: &'a IdempotencyKey,
    store_key: &'a str,
    token: &'a LockToken,
    fingerprint: &'a str,
    request: &'a PortRequest,
    /// When the call started: its waits end a deadline after it.
    started: Instant,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PhoneNumber, PortLine};

    #[test]
    fn keys_are_bounded_printable_ascii() {
        assert_eq!(
            IdempotencyKey::new("order-7/a b~").unwrap().as_str(),
            "order-7/a b~"
        );
        assert!(IdempotencyKey::new("x".repeat(255)).is_ok());
        let problem = |k: String| match IdempotencyKey::new(k) {
            Err(Error::Validation(f)) => {
                assert_eq!(f.len(), 1);
                assert_eq!(f[0].field, "idempotency_key");
                f[0].problem.clone()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(problem(String::new()), "is empty");
        assert_eq!(
            problem("x".repeat(256)),
            "is 256 bytes long; at most 255 are allowed"
        );
        assert_eq!(
            problem("ab\ncd".into()),
            "holds a control character at byte 2"
        );
        assert_eq!(
            problem("a\u{7f}".into()),
            "holds a control character at byte 1"
        );
        assert_eq!(
            problem("café".into()),
            "holds a character outside printable ASCII at byte 3"
        );
    }

    #[test]
    fn the_fingerprint_covers_the_key_and_every_secret_and_holds_none() {
        let line = |pac: &str| {
            PortLine::new(PhoneNumber::parse("+447700900123").unwrap())
                .with_pac(crate::model::Pac::new(pac).unwrap())
        };
        let a = PortRequest::new(vec![line("ABC123456")]);
        let b = PortRequest::new(vec![line("ABC123457")]);
        let k1 = IdempotencyKey::new("k1").unwrap();
        let k2 = IdempotencyKey::new("k2").unwrap();
        let fa = fingerprint(&k1, &a).unwrap();
        assert_eq!(fa, fingerprint(&k1, &a.clone()).unwrap());
        assert_ne!(fa, fingerprint(&k1, &b).unwrap());
        assert_ne!(fa, fingerprint(&k2, &a).unwrap());
        assert_eq!(fa.len(), 64);
        // What is hashed holds the PAC; what is stored is the hash only.
        assert!(
            String::from_utf8(serde_json::to_vec(&a).unwrap())
                .unwrap()
                .contains("ABC123456")
        );
        let record = serde_json::to_string(&Record::Pending {
            fingerprint: fa.clone(),
            attempted_at: Utc::now(),
            baseline: None,
            numbers: Vec::new(),
            waiting: false,
        })
        .unwrap();
        assert!(
            !record.contains("ABC123456") && !record.contains("7700900123"),
            "{record}"
        );
        // Under the account lock the numbers (not secret) are kept, for
        // whoever resolves the key; never the PAC.
        let record = serde_json::to_string(&Record::Unknown {
            fingerprint: fa,
            attempted_at: Utc::now(),
            baseline: None,
            numbers: vec!["+447700900123".into()],
        })
        .unwrap();
        assert!(
            !record.contains("ABC123456") && record.contains("\"+447700900123\""),
            "{record}"
        );
    }

    #[test]
    fn records_written_before_baselines_are_read_with_none() {
        let old = r#"{"state":"unknown","fingerprint":"f","attempted_at":"2026-05-01T09:00:00Z"}"#;
        match serde_json::from_str::<Record>(old).unwrap() {
            Record::Unknown {
                fingerprint,
                baseline,
                numbers,
                ..
            } => {
                assert_eq!(fingerprint, "f");
                assert_eq!(baseline, None);
                assert!(numbers.is_empty());
            }
            other => panic!("{other:?}"),
        }
        let old = r#"{"state":"pending","fingerprint":"f","attempted_at":"2026-05-01T09:00:00Z"}"#;
        let record = serde_json::from_str::<Record>(old).unwrap();
        assert!(!record.unsent() && !record.conflicts("f") && record.conflicts("g"));
        // What a record without them writes is what it wrote before.
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"state":"pending","fingerprint":"f","attempted_at":"2026-05-01T09:00:00Z"}"#
        );
        let vacant = serde_json::to_string(&Record::Vacant).unwrap();
        assert_eq!(vacant, r#"{"state":"vacant"}"#);
        let vacant = serde_json::from_str::<Record>(&vacant).unwrap();
        assert!(vacant.unsent() && !vacant.conflicts("f"));
    }
}
