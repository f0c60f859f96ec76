//! Sending under a held key, and recording what came of it.

use chrono::{DateTime, Utc};

use super::key::IdempotencyKey;
use super::record::{Record, Refusal};
use super::submitter::{Held, OnceSubmitter};
use crate::error::{Error, Result};
use crate::model::{Baseline, PortRequest, Submission};
use crate::operation::Operation;
use crate::store::{Hold, LockToken, StoreError};

impl OnceSubmitter {
    /// The store failed before anything was sent.
    pub(super) async fn without_guarantee(
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
    pub(super) fn replay(key: &IdempotencyKey, record: Record) -> Result<Submission> {
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
    pub(super) async fn write(
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
    pub(super) async fn keep(&self, held: &Held<'_>, record: &Record, hold: Hold) -> bool {
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
    pub(super) async fn let_go(&self, held: &Held<'_>) -> bool {
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
    pub(super) async fn send(
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
    pub(super) async fn send_fresh(&self, held: &Held<'_>) -> Result<Submission> {
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
}
