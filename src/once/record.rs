//! What a key's entry holds in the store: pending, submitted, refused
//! (with the typed refusal), unknown or vacant; and the submission a
//! reconciliation found.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError, RejectReason};
use crate::model::{Baseline, PhoneNumber, PortOrder, Submission, SubmittedOrder};
use crate::operation::Carrier;

/// What a key's entry holds (its JSON form is what the store keeps).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(super) enum Record {
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
    pub(super) fn fingerprint(&self) -> Option<&str> {
        match self {
            Self::Pending { fingerprint, .. }
            | Self::Submitted { fingerprint, .. }
            | Self::Refused { fingerprint, .. }
            | Self::Unknown { fingerprint, .. } => Some(fingerprint),
            Self::Vacant => None,
        }
    }

    /// True when it was made for another request than `fingerprint`.
    pub(super) fn conflicts(&self, fingerprint: &str) -> bool {
        self.fingerprint().is_some_and(|f| f != fingerprint)
    }

    /// True when nothing was sent under it: a look, or a holder waiting for
    /// the account lock.
    pub(super) fn unsent(&self) -> bool {
        matches!(self, Self::Vacant | Self::Pending { waiting: true, .. })
    }
}

/// The submission made of `orders` a reconciliation found for an attempt
/// at `attempted_at`; an order without numbers gets `numbers` when it is
/// the only one.
pub(super) fn found_submission(
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
pub(super) enum Refusal {
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
    pub(super) fn of(error: &Error) -> Option<Self> {
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

    pub(super) fn into_error(self) -> Error {
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

#[cfg(test)]
mod tests {
    use super::*;

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
