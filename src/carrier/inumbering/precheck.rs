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

impl SharedChecks {
    /// A stored check, if readable and still within the hour at `now`.
    pub(super) fn decode(bytes: &[u8], now: DateTime<Utc>) -> Option<Self> {
        let checks: Self = serde_json::from_slice(bytes).ok()?;
        (now - checks.at < CHECK_LIFETIME).then_some(checks)
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// How much longer the check holds at `now`.
    pub(super) fn lifetime(&self, now: DateTime<Utc>) -> std::time::Duration {
        (self.at + CHECK_LIFETIME - now)
            .to_std()
            .unwrap_or_default()
    }
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
