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
