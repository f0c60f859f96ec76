//! Taking over a key whose holder died, or whose outcome is unknown: it is
//! resolved (reconciled) before anything is sent again.

use std::time::Duration;

use super::account::LockFrom;
use super::record::{Record, found_submission};
use super::submitter::{Held, OnceSubmitter};
use crate::error::{Error, IdempotencyProblem, Result};
use crate::model::{PhoneNumber, Reconciliation, Submission};
use crate::operation::Operation;
use crate::store::Hold;

impl OnceSubmitter {
    /// The key held by a caller whose lease ran out (or an unknown outcome
    /// whose wait passed) is this caller's now: resolve it.
    pub(super) async fn take_over(&self, held: &Held<'_>, previous: &[u8]) -> Result<Submission> {
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
                return Err(self.after_earlier_attempt(e));
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
                    return Err(self.after_earlier_attempt(e));
                }
            }
        } else {
            None
        };
        let lock_key = Self::lock_key(held.store_key);
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
                key: key.as_str().to_owned(),
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
