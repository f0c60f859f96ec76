//! The records a submission writes: pending before sending, then the outcome.

use chrono::{DateTime, Utc};
use numport::{Carrier, IdempotencyProblem, PortOrder, Submission};

use crate::args::carrier_name;
use crate::failure::describe;
use crate::journal::{Outcome, RECONCILED, Record, one_line};
use crate::rows::Row;
use numport::Redactor;

/// A record with no order, status or note.
pub fn plain(
    row: u64,
    number: String,
    carrier: Carrier,
    outcome: Outcome,
    error: Option<String>,
) -> Record {
    Record {
        row,
        number,
        outcome,
        order_id: None,
        carrier_status: None,
        error: error.map(|e| one_line(&e)),
        note: None,
        carrier: carrier_name(carrier).to_owned(),
        attempted_at: None,
        recorded_at: Utc::now(),
        idempotency_key: None,
    }
}

/// The `pending` record written before `row`'s request can leave.
pub fn pending(row: &Row, carrier: Carrier, attempted_at: DateTime<Utc>) -> Record {
    let mut record = plain(row.line, row.number.e164(), carrier, Outcome::Pending, None);
    record.attempted_at = Some(attempted_at);
    record.idempotency_key = Some(row.key.clone());
    record
}

/// The record of what `submit_many` answered for `row`.
pub fn outcome(
    row: &Row,
    carrier: Carrier,
    attempted_at: DateTime<Utc>,
    result: &numport::Result<Submission>,
    masker: &Redactor,
) -> Record {
    let mut record = pending(row, carrier, attempted_at);
    match result {
        Ok(submission) if !submission.orders.is_empty() => {
            let ids: Vec<String> = submission.orders.iter().map(|o| o.id.to_string()).collect();
            record.outcome = Outcome::Submitted;
            record.order_id = Some(ids.join(";"));
            // Apeiron's answer holds the order's status ("pending").
            record.carrier_status = submission.orders[0]
                .raw
                .get("status")
                .and_then(|s| s.as_str())
                .filter(|_| carrier == Carrier::Apeiron)
                .map(str::to_owned);
        }
        Ok(submission) => {
            let unknown = submission.failures.iter().any(|f| f.outcome_unknown);
            record.outcome = if unknown {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            let texts: Vec<String> = submission
                .failures
                .iter()
                .map(|f| f.message.clone())
                .collect();
            record.error = Some(one_line(&masker.redact(&texts.join("; "))));
        }
        Err(e) if matches!(e.idempotency_problem(), Some(IdempotencyProblem::InFlight)) => {
            // Another process (or machine) holds the row's key and had not
            // finished within the deadline: it may be creating the order.
            record.outcome = Outcome::Unknown;
            record.error = Some(one_line(&masker.redact(&describe(e))));
            record.note = Some(
                "another process holds this row's key and has not finished: not sent; \
                 --resume asks the carrier"
                    .to_owned(),
            );
        }
        Err(e)
            if matches!(
                e.idempotency_problem(),
                Some(IdempotencyProblem::AccountBusy)
            ) =>
        {
            // Another submission on the account (another row's key, here or
            // on another machine) held the account's lock past the
            // deadline: this row was not sent; it goes again under its key.
            record.outcome = Outcome::Failed;
            record.error = Some(one_line(&masker.redact(&describe(e))));
            record.note = Some(
                "another submission on the account held its lock: not sent; --resume sends it \
                 again under its key"
                    .to_owned(),
            );
        }
        Err(e) if e.is_idempotency_conflict() => {
            // The key was first used for a request differing only in a
            // secret column: that request may have created the order.
            record.outcome = Outcome::ManualCheck;
            record.error = Some(one_line(&format!(
                "this row's idempotency key {} was first used for another request (the row's \
                 PAC, PIN or account number differs) within the key's lifetime; nothing was \
                 sent; that request may have created an order: check {} with {carrier}; \
                 if it holds none, submit the row again under a new --key-scope",
                row.key, record.number
            )));
            record.note = Some("not resent: manual check needed".to_owned());
        }
        Err(e) => {
            record.outcome = if e.is_outcome_unknown() {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            record.error = Some(one_line(&masker.redact(&describe(e))));
            record.note = Some(
                if e.is_outcome_unknown() {
                    "the carrier may have created the order: --resume reconciles it"
                } else if e.is_never_sent() {
                    "never sent"
                } else {
                    "refused: no order was created"
                }
                .to_owned(),
            );
        }
    }
    record
}

/// The `submitted` record of a row whose number the carrier names on
/// `orders`.
pub fn found(previous: &Record, orders: &[&PortOrder]) -> Record {
    let ids: Vec<String> = orders.iter().map(|o| o.id.to_string()).collect();
    let mut record = previous.clone();
    record.outcome = Outcome::Submitted;
    record.order_id = Some(ids.join(";"));
    record.carrier_status = orders.first().map(|o| o.carrier_status.name.clone());
    record.error = None;
    record.note = Some(if orders.len() == 1 {
        format!("{RECONCILED} the carrier holds this number on the order")
    } else {
        format!(
            "{RECONCILED} the carrier holds this number on each of these {} orders; check \
             before cancelling any",
            orders.len()
        )
    });
    record.recorded_at = Utc::now();
    record
}

/// How many candidate orders a record names at most.
pub const MAX_CANDIDATES_NAMED: usize = 10;

/// The `manual_check` record of a row numport cannot tell about: `reason`
/// (masked), and the orders that may be the row's (at most
/// [`MAX_CANDIDATES_NAMED`] named, then how many more). Never resent.
pub fn cannot_tell(
    previous: &Record,
    carrier: Carrier,
    reason: &str,
    candidates: &[PortOrder],
) -> Record {
    let mut error = format!("cannot tell whether {carrier} holds this row's order: {reason}");
    if candidates.is_empty() {
        error.push_str("; no candidate order");
    } else {
        let named: Vec<&str> = candidates
            .iter()
            .take(MAX_CANDIDATES_NAMED)
            .map(|o| o.id.as_str())
            .collect();
        error.push_str(&format!("; candidate orders: {}", named.join(", ")));
        let more = candidates.len().saturating_sub(MAX_CANDIDATES_NAMED);
        if more > 0 {
            error.push_str(&format!(" and {more} more"));
        }
    }
    error.push_str(&format!(
        "; check {} with {carrier} before submitting it again",
        previous.number
    ));
    still_unknown(
        previous,
        Outcome::ManualCheck,
        error,
        "not resent: manual check needed",
    )
}

/// The record of a row whose outcome stays unknown.
pub fn still_unknown(previous: &Record, outcome: Outcome, error: String, note: &str) -> Record {
    let mut record = previous.clone();
    record.outcome = outcome;
    record.order_id = None;
    record.error = Some(one_line(&error));
    record.note = Some(note.to_owned());
    record.recorded_at = Utc::now();
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use numport::{Error, PhoneNumber, PortLine, PortRequest};

    fn row() -> Row {
        let number = PhoneNumber::parse("+447700900123").unwrap();
        Row {
            line: 2,
            number: number.clone(),
            request: PortRequest::new(vec![PortLine::new(number)]),
            key: "numport-row-00112233445566778899aabbccddeeff".into(),
        }
    }

    fn record_of(problem: IdempotencyProblem) -> Record {
        let error = Error::Idempotency {
            key: row().key,
            problem,
        };
        outcome(
            &row(),
            Carrier::Cellhire,
            Utc::now(),
            &Err(error),
            &Redactor::new(),
        )
    }

    #[test]
    fn a_key_held_elsewhere_is_unknown_never_failed() {
        let record = record_of(IdempotencyProblem::InFlight);
        assert_eq!(record.outcome, Outcome::Unknown);
        assert_eq!(record.idempotency_key, Some(row().key));
        assert_eq!(
            record.note.as_deref(),
            Some(
                "another process holds this row's key and has not finished: not sent; \
                 --resume asks the carrier"
            )
        );
    }

    #[test]
    fn a_busy_account_sent_nothing_and_the_row_goes_again() {
        let record = record_of(IdempotencyProblem::AccountBusy);
        assert_eq!(record.outcome, Outcome::Failed);
        assert_eq!(record.idempotency_key, Some(row().key));
        assert_eq!(
            record.error.as_deref(),
            Some(
                "idempotency key \"numport-row-00112233445566778899aabbccddeeff\": another \
                 submission on the same account held the account lock past the deadline; \
                 nothing was sent (call again later)"
            )
        );
        assert_eq!(
            record.note.as_deref(),
            Some(
                "another submission on the account held its lock: not sent; --resume sends it \
                 again under its key"
            )
        );
    }

    #[test]
    fn a_key_used_for_another_request_needs_a_manual_check() {
        let record = record_of(IdempotencyProblem::Conflict);
        assert_eq!(record.outcome, Outcome::ManualCheck);
        assert_eq!(
            record.error.as_deref(),
            Some(
                "this row's idempotency key numport-row-00112233445566778899aabbccddeeff was \
                 first used for another request (the row's PAC, PIN or account number \
                 differs) within the key's lifetime; nothing was sent; that request may have \
                 created an order: check +447700900123 with Cellhire; if it holds none, \
                 submit the row again under a new --key-scope"
            )
        );
        assert_eq!(
            record.note.as_deref(),
            Some("not resent: manual check needed")
        );
    }

    #[test]
    fn a_store_that_failed_sent_nothing() {
        let record = record_of(IdempotencyProblem::Store {
            message: "no answer within 2s".into(),
        });
        assert_eq!(record.outcome, Outcome::Failed);
        assert_eq!(record.note.as_deref(), Some("never sent"));
    }
}
