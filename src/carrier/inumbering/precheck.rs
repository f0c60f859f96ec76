//! The client-side memory of portability checks.
//!
//! iNumbering refuses an order (412) unless every number was checked with
//! portInAvailability within the last hour, and answers a re-check within
//! that hour from its own cache. The client remembers when it checked each
//! number, on the HTTP config's clock, so `submit` checks only what it has
//! not checked within the hour.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use super::types::Availability;

/// The carrier's lifetime of a check.
pub const CHECK_LIFETIME: Duration = Duration::hours(1);

/// One check of a set of numbers, as shared through the store.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct SharedChecks {
    /// When the check was made (the client's clock).
    pub at: DateTime<Utc>,
    /// The carrier's answer for every number.
    pub results: Vec<Availability>,
}

/// How far ahead of this client's clock a shared check may be dated:
/// another replica's clock a little ahead is fine; more is not believed.
const CLOCK_SKEW: Duration = Duration::minutes(5);

impl SharedChecks {
    /// A stored check, if readable and still within the hour at `now`, with
    /// every carrier text cleared of `secrets` (a value read back from the
    /// store may have been written by another replica, or before the
    /// request now in scope). An unreadable check, or one dated more than
    /// [`CLOCK_SKEW`] in the future, is dropped with a warning.
    pub(super) fn decode(bytes: &[u8], now: DateTime<Utc>, secrets: &[&str]) -> Option<Self> {
        let mut checks: Self = match serde_json::from_slice(bytes) {
            Ok(checks) => checks,
            Err(e) => {
                // An empty value is an expired one (`Shared::expire`).
                if !bytes.is_empty() {
                    tracing::warn!(
                        error = ?e.classify(),
                        "a shared portability check is unreadable; checking again"
                    );
                }
                return None;
            }
        };
        if checks.at.signed_duration_since(now) >= CLOCK_SKEW {
            tracing::warn!("a shared portability check is dated in the future; checking again");
            return None;
        }
        if now.signed_duration_since(checks.at) >= CHECK_LIFETIME {
            return None;
        }
        scrub(&mut checks.results, secrets);
        Some(checks)
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// How much longer the check holds at `now`.
    pub(super) fn lifetime(&self, now: DateTime<Utc>) -> std::time::Duration {
        (CHECK_LIFETIME - (now - self.at))
            .to_std()
            .unwrap_or_default()
            .min(std::time::Duration::from_secs(3600))
    }
}

/// Removes `secrets` from every carrier text of `results` (the reason, the
/// provider's name, the number as written) that may hold one; a clean
/// result (the usual case) is neither copied nor changed.
pub(super) fn scrub(results: &mut [Availability], secrets: &[&str]) {
    crate::redact::scrub_texts(secrets, texts(results));
}

/// Every carrier text of `results`.
pub(super) fn texts(results: &mut [Availability]) -> impl Iterator<Item = &mut String> {
    results.iter_mut().flat_map(|a| {
        a.not_portable_reason
            .iter_mut()
            .chain(a.service_provider.iter_mut())
            .chain(std::iter::once(&mut a.telephone_number))
    })
}

#[derive(Debug, Default)]
pub(super) struct Prechecks(Mutex<HashMap<String, (DateTime<Utc>, Availability)>>);

impl Prechecks {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (DateTime<Utc>, Availability)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The result for `digits` if it was checked less than an hour before `now`.
    pub(super) fn fresh(&self, digits: &str, now: DateTime<Utc>) -> Option<Availability> {
        self.lock()
            .get(digits)
            .filter(|(at, _)| now - *at < CHECK_LIFETIME)
            .map(|(_, a)| a.clone())
    }

    pub(super) fn record(&self, digits: String, at: DateTime<Utc>, result: Availability) {
        self.lock().insert(digits, (at, result));
    }

    pub(super) fn forget(&self, digits: &str) {
        self.lock().remove(digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(at: DateTime<Utc>) -> Vec<u8> {
        SharedChecks {
            at,
            results: Vec::new(),
        }
        .encode()
    }

    #[test]
    fn a_shared_check_is_believed_within_its_hour_only() {
        let now: DateTime<Utc> = "2026-05-01T09:00:00Z".parse().unwrap();
        let fresh = SharedChecks::decode(&stored(now - Duration::minutes(10)), now, &[]).unwrap();
        assert_eq!(fresh.lifetime(now), std::time::Duration::from_secs(50 * 60));
        assert!(SharedChecks::decode(&stored(now - Duration::minutes(60)), now, &[]).is_none());
        // A little ahead (another replica's clock) is fine; far ahead is not.
        assert!(SharedChecks::decode(&stored(now + Duration::minutes(1)), now, &[]).is_some());
        assert!(SharedChecks::decode(&stored(now + Duration::days(400)), now, &[]).is_none());
        assert!(SharedChecks::decode(b"", now, &[]).is_none());
    }

    #[test]
    fn a_shared_check_is_read_back_without_the_secrets_in_scope() {
        let now: DateTime<Utc> = "2026-05-01T09:00:00Z".parse().unwrap();
        let bytes = SharedChecks {
            at: now,
            results: vec![Availability {
                telephone_number: "3125550142".into(),
                number: None,
                portable: false,
                not_portable_reason: Some("PIN 7731 / acct 5512098734 refused".into()),
                service_provider: Some("Verizon".into()),
            }],
        }
        .encode();
        let read = SharedChecks::decode(&bytes, now, &["7731", "5512098734"]).unwrap();
        assert_eq!(
            read.results[0].not_portable_reason.as_deref(),
            Some("PIN [REDACTED] / acct [REDACTED] refused")
        );
        assert_eq!(read.results[0].service_provider.as_deref(), Some("Verizon"));
        assert_eq!(read.results[0].telephone_number, "3125550142");
    }
}
