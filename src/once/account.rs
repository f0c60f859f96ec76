//! The account lock of a carrier with baselines
//! ([`crate::Capabilities::baseline`]): taken before each create, with the
//! baseline read under it and kept in the key's pending entry; its
//! previous holder resolved from that baseline before anything is sent.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::key::IdempotencyKey;
use super::record::{Record, found_submission};
use super::submitter::{Held, OnceSubmitter};
use crate::error::Result;
use crate::model::{PhoneNumber, Reconciliation, Submission};
use crate::store::{Claim, Hold, LockToken, StoreError};

/// What the account lock holds: the store key of the key holding it.
#[derive(Debug, Serialize, Deserialize)]
struct LockValue {
    holder: String,
}

/// Where the account lock came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LockFrom {
    /// Nobody held it (no entry).
    Free,
    /// This caller's key held it last.
    Own,
    /// Another key held it last, and was resolved.
    Other,
}

impl OnceSubmitter {
    /// True when the provider's submissions on one account are serialised
    /// through the account lock ([`crate::Capabilities::baseline`]).
    pub(super) fn locking(&self) -> bool {
        self.provider.capabilities().baseline
    }

    /// The account lock's store key, beside the key stored at `store_key`
    /// ([`OnceSubmitter::store_key`]) under the same account.
    pub(super) fn lock_key(store_key: &str) -> String {
        let account = store_key
            .rsplit_once(":once:")
            .map_or(store_key, |(account, _)| account);
        format!("{account}:once-account")
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
    pub(super) async fn unlock(&self, lock_key: &str, token: &LockToken) {
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
    /// deadline, then [`crate::IdempotencyProblem::AccountBusy`]) while
    /// another holds it. A lock whose holder's lease ran out names the key
    /// that held it: that key is resolved first (see
    /// [`OnceSubmitter::resolve_holder`]), so that no baseline is used
    /// after this caller's create. Nothing is sent; on an error the lock is
    /// not held.
    pub(super) async fn acquire_lock(&self, held: &Held<'_>) -> Result<(LockToken, LockFrom)> {
        let key = held.key;
        let lock_key = Self::lock_key(held.store_key);
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
                Claim::Leased(_) => self.pause(key, held.started, Self::account_busy).await?,
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
                            self.pause(key, held.started, Self::account_busy).await?;
                        }
                        Ok(false) => {
                            // The holder's key is held (by a call resolving
                            // it, which needs this lock): hand the lock back
                            // and look again.
                            self.give_back_lock(&lock_key, &token, &previous).await;
                            self.pause(key, held.started, Self::account_busy).await?;
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
    /// baseline is reconciled from it ([`crate::PortProvider::reconcile_from`]):
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
    pub(super) async fn send_locked(
        &self,
        held: &Held<'_>,
        lock: Option<LockToken>,
    ) -> Result<Submission> {
        let key = held.key;
        let lock_key = Self::lock_key(held.store_key);
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
                // Another caller took the account lock over meanwhile.
                self.let_go(held).await;
                return Err(Self::account_busy(key));
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_lock_sits_beside_the_keys_of_its_account() {
        assert_eq!(
            OnceSubmitter::lock_key("numport:inumbering:0123abcd:once:feed"),
            "numport:inumbering:0123abcd:once-account"
        );
    }
}
