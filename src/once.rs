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
use crate::model::{PortRequest, Reconciliation, Submission, SubmittedOrder};
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
    /// the claim, so before anything is sent.
    Pending {
        fingerprint: String,
        attempted_at: DateTime<Utc>,
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
    /// The carrier may have created the order.
    Unknown {
        fingerprint: String,
        attempted_at: DateTime<Utc>,
    },
}

impl Record {
    fn fingerprint(&self) -> &str {
        match self {
            Self::Pending { fingerprint, .. }
            | Self::Submitted { fingerprint, .. }
            | Self::Refused { fingerprint, .. }
            | Self::Unknown { fingerprint, .. } => fingerprint,
        }
    }
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
        let started = Instant::now();
        loop {
            let attempted_at = Utc::now();
            let pending = Self::encode(
                key,
                &Record::Pending {
                    fingerprint: fingerprint.clone(),
                    attempted_at,
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
                    return self
                        .send(key, &store_key, &token, &fingerprint, attempted_at, request)
                        .await;
                }
                Claim::Settled(bytes) => {
                    let record = Self::decode(key, &bytes)?;
                    if record.fingerprint() != fingerprint {
                        return Err(Self::conflict(key));
                    }
                    return Self::replay(key, record);
                }
                Claim::Leased(bytes) => {
                    let record = Self::decode(key, &bytes)?;
                    if record.fingerprint() != fingerprint {
                        return Err(Self::conflict(key));
                    }
                    let waited = started.elapsed();
                    if waited >= self.deadline {
                        return Err(Error::Idempotency {
                            key: key.0.clone(),
                            problem: IdempotencyProblem::InFlight,
                        });
                    }
                    let pause = self
                        .store
                        .poll_interval()
                        .min(MAX_POLL)
                        .min(self.deadline - waited);
                    tokio::time::sleep(pause).await;
                }
                Claim::TakenOver { token, previous } => {
                    return self
                        .take_over(key, &store_key, &token, &previous, &fingerprint, request)
                        .await;
                }
            }
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
            Record::Pending { .. } | Record::Unknown { .. } => Err(Self::store_error(
                key,
                "the key's entry is final but holds no outcome",
            )),
        }
    }

    /// Records `record` under the held key; a failure is logged, never
    /// returned (the outcome is already known to this caller).
    async fn keep(
        &self,
        store_key: &str,
        token: &LockToken,
        key: &IdempotencyKey,
        record: &Record,
        hold: Hold,
    ) {
        let written = match Self::encode(key, record) {
            Ok(bytes) => {
                self.bounded(
                    self.store
                        .record(store_key, token, &bytes, hold, self.key_ttl),
                )
                .await
            }
            Err(e) => Err(StoreError::new(self.store.name(), e.to_string())),
        };
        match written {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                carrier = %self.provider.carrier(),
                "an idempotency key was taken over before its outcome was recorded"
            ),
            Err(error) => tracing::warn!(
                carrier = %self.provider.carrier(),
                %error,
                "the outcome of an idempotent submission could not be recorded; the next \
                 call with its key reconciles once its lease ends"
            ),
        }
    }

    /// Sends under the held key and records the outcome.
    async fn send(
        &self,
        key: &IdempotencyKey,
        store_key: &str,
        token: &LockToken,
        fingerprint: &str,
        attempted_at: DateTime<Utc>,
        request: &PortRequest,
    ) -> Result<Submission> {
        let carrier = self.provider.carrier();
        let result = tokio::time::timeout(self.deadline, self.provider.submit(request))
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
        let fingerprint = fingerprint.to_owned();
        match &result {
            Ok(submission) => {
                let record = Record::Submitted {
                    fingerprint,
                    submission: submission.clone(),
                };
                self.keep(store_key, token, key, &record, Hold::Settle)
                    .await;
            }
            Err(e) if e.is_outcome_unknown() => {
                let record = Record::Unknown {
                    fingerprint,
                    attempted_at,
                };
                let hold = Hold::Lease(self.reconcile_after);
                self.keep(store_key, token, key, &record, hold).await;
            }
            Err(e) => match Refusal::of(e) {
                Some(refusal) => {
                    let record = Record::Refused {
                        fingerprint,
                        refusal,
                    };
                    self.keep(store_key, token, key, &record, Hold::Settle)
                        .await;
                }
                None => {
                    // Nothing was created (only an unknown outcome may have
                    // created an order): the next call may send.
                    if let Err(error) = self.bounded(self.store.release(store_key, token)).await {
                        tracing::warn!(
                            carrier = %carrier,
                            %error,
                            "an idempotency key could not be released after a failure that \
                             created nothing; the next call with it reconciles once its lease ends"
                        );
                    }
                }
            },
        }
        result
    }

    /// The key held by a caller whose lease ran out (or an unknown outcome
    /// whose wait passed) is this caller's now: resolve it.
    async fn take_over(
        &self,
        key: &IdempotencyKey,
        store_key: &str,
        token: &LockToken,
        previous: &[u8],
        fingerprint: &str,
        request: &PortRequest,
    ) -> Result<Submission> {
        // Hands the key back unchanged, for the next caller at once.
        let give_back = || async {
            let _ = self
                .bounded(self.store.record(
                    store_key,
                    token,
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
        if record.fingerprint() != fingerprint {
            give_back().await;
            return Err(Self::conflict(key));
        }
        let attempted_at = match record {
            Record::Pending { attempted_at, .. } | Record::Unknown { attempted_at, .. } => {
                attempted_at
            }
            final_record @ (Record::Submitted { .. } | Record::Refused { .. }) => {
                self.keep(store_key, token, key, &final_record, Hold::Settle)
                    .await;
                return Self::replay(key, final_record);
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
        let still_unknown = Record::Unknown {
            fingerprint: fingerprint.to_owned(),
            attempted_at,
        };
        match self.provider.reconcile(request, attempted_at).await {
            Ok(Reconciliation::Found(orders)) => {
                let mut submission = Submission::new(
                    carrier,
                    orders
                        .into_iter()
                        .map(|order| {
                            let numbers = order.lines.iter().filter_map(|l| l.number.clone());
                            let numbers = numbers.collect();
                            let raw = serde_json::to_value(&order).unwrap_or_default();
                            SubmittedOrder::new(order.id, numbers, raw)
                        })
                        .collect(),
                );
                submission.submitted_at = attempted_at;
                let record = Record::Submitted {
                    fingerprint: fingerprint.to_owned(),
                    submission: submission.clone(),
                };
                self.keep(store_key, token, key, &record, Hold::Settle)
                    .await;
                Ok(submission)
            }
            Ok(Reconciliation::NotFound) => {
                // Nothing was created: send once, under a fresh start.
                let attempted_at = Utc::now();
                let pending = Self::encode(
                    key,
                    &Record::Pending {
                        fingerprint: fingerprint.to_owned(),
                        attempted_at,
                    },
                )?;
                let renewed = self
                    .bounded(self.store.record(
                        store_key,
                        token,
                        &pending,
                        Hold::Lease(self.lease()),
                        self.key_ttl,
                    ))
                    .await;
                match renewed {
                    Ok(true) => {
                        self.send(key, store_key, token, fingerprint, attempted_at, request)
                            .await
                    }
                    Ok(false) => Err(Error::Idempotency {
                        key: key.0.clone(),
                        problem: IdempotencyProblem::InFlight,
                    }),
                    Err(e) => Err(Self::store_error(key, e)),
                }
            }
            Ok(Reconciliation::Inconclusive { reason, candidates }) => {
                self.keep(
                    store_key,
                    token,
                    key,
                    &still_unknown,
                    Hold::Lease(Duration::ZERO),
                )
                .await;
                Err(unresolved(format!(
                    "an earlier submission under this key may have created an order, and \
                     reconciling could not tell ({reason}; {} candidate(s)); it is not sent \
                     again: {clear_hint}",
                    candidates.len()
                )))
            }
            Err(e) => {
                self.keep(
                    store_key,
                    token,
                    key,
                    &still_unknown,
                    Hold::Lease(Duration::ZERO),
                )
                .await;
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
            fingerprint: fa,
            attempted_at: Utc::now(),
        })
        .unwrap();
        assert!(
            !record.contains("ABC123456") && !record.contains("7700900123"),
            "{record}"
        );
    }
}
