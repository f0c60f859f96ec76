//! A bound on a test's wait for a condition: [`Patience::check`] in each
//! turn of a polling loop panics once the bound has passed, so a
//! regression fails the test with what it was waiting for instead of
//! hanging it.

use std::time::{Duration, Instant};

/// How long a test waits for one condition by default: far more than any
/// of them takes on a loaded two-core machine.
pub const WAIT: Duration = Duration::from_secs(180);

/// A wait for `what`, at most `limit` from its creation (real time).
#[derive(Debug)]
pub struct Patience {
    until: Instant,
    limit: Duration,
    what: &'static str,
}

impl Patience {
    /// A wait for `what`, at most `limit`.
    pub fn new(limit: Duration, what: &'static str) -> Self {
        Self {
            until: Instant::now() + limit,
            limit,
            what,
        }
    }

    /// A wait for `what`, at most [`WAIT`].
    pub fn waiting_for(what: &'static str) -> Self {
        Self::new(WAIT, what)
    }

    /// Panics when the bound has passed.
    #[track_caller]
    pub fn check(&self) {
        assert!(
            Instant::now() < self.until,
            "still waiting for {} after {:?}",
            self.what,
            self.limit
        );
    }
}
