//! Events a relay gave up on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::events::PortEvent;

/// The suffix of a relay's dead-letter stream: events of the stream
/// `numport:events` that could not be delivered go to
/// `numport:events:dead`.
pub const DEAD_LETTER_SUFFIX: &str = ":dead";

/// An event whose every attempt failed, as kept on the dead-letter stream
/// (`<stream>:dead`, through the same [`crate::store::Store`] stream
/// operations).
///
/// Its JSON is the event's own fields with one more, `dead_letter`: so the
/// entries can also be read back as [`PortEvent`]s (with
/// [`crate::Events`] on that stream) to be sent again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The event.
    #[serde(flatten)]
    pub event: PortEvent,
    /// Why it is here.
    pub dead_letter: DeadLetterReason,
}

/// Why an event was dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeadLetterReason {
    /// The endpoint's [`crate::webhook::Endpoint::hash`] (never its URL).
    pub endpoint: String,
    /// The attempts made.
    pub attempts: u32,
    /// What the last attempt came to
    /// ([`crate::webhook::AttemptOutcome::describe`]: redacted, at most a
    /// 500-character excerpt of the receiver's body).
    pub last_error: String,
    /// When the relay gave up (its clock).
    pub at: DateTime<Utc>,
}

impl DeadLetter {
    /// A dead letter of `event`.
    pub fn new(event: PortEvent, reason: DeadLetterReason) -> Self {
        Self {
            event,
            dead_letter: reason,
        }
    }

    /// Reads a dead-letter stream entry's payload.
    pub fn from_json(payload: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(payload)
    }
}

impl DeadLetterReason {
    /// A reason.
    pub fn new(
        endpoint: impl Into<String>,
        attempts: u32,
        last_error: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            attempts,
            last_error: last_error.into(),
            at,
        }
    }
}
