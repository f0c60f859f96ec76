//! Resuming: which rows to send, and asking the carrier about the rows whose
//! outcome is unknown before any of them is sent again.

use numport::{
    Ledger, PhoneNumber, PortOrder, PortProvider, Reconciliation, Submission, SubmittedOrder,
};

use super::prepare::Prepared;
use super::records;
use crate::failure::describe;
use crate::journal::{self, Outcome, Record};
use numport::Redactor;

/// What to do with each valid row.
#[derive(Debug, Default)]
pub struct Plan {
    /// Lines to send: never sent, or failed without creating anything.
    pub to_send: Vec<u64>,
    /// Lines whose last record is `pending` or `unknown`, with that record.
    pub ambiguous: Vec<Record>,
}

/// Sorts the valid rows by their last record in `previous`.
pub fn plan(prepared: &Prepared, previous: &[Record]) -> Plan {
    let last = journal::latest(previous);
    let mut plan = Plan::default();
    for row in &prepared.valid {
        let record = last.get(&row.line);
        match record.map(|r| r.outcome) {
            Some(Outcome::Pending | Outcome::Unknown) => {
                plan.ambiguous.extend(record.map(|r| (*r).clone()));
            }
            outcome if super::sendable(outcome) => plan.to_send.push(row.line),
            _ => {}
        }
    }
    plan
}

/// What reconciling settled.
#[derive(Debug, Default)]
pub struct Settled {
    /// Records to append (found orders, manual checks, still unknown).
    pub records: Vec<Record>,
    /// Lines the carrier holds nothing for: safe to send again.
    pub resend: Vec<u64>,
}

/// Asks the carrier about every ambiguous row, one row at a time:
/// - found, and the order the carrier returned holds the row's number →
///   `submitted` with that order;
/// - not found (a complete answer with nothing that could be the order) →
///   sent again;
/// - inconclusive, or "found" without the row's number on the order (a
///   carrier whose listing names no numbers can match only by time) →
///   `manual_check`, never resent, the candidate orders named;
/// - the carrier cannot be asked (Apeiron) → `manual_check`, never resent;
/// - the question fails → stays `unknown` (`--resume` asks again).
///
/// Orders found holding the row's number are recorded in `ledger` (with
/// the row's key, and what the carrier said of them).
pub async fn reconcile(
    provider: &dyn PortProvider,
    prepared: &Prepared,
    plan: &Plan,
    ledger: Option<&Ledger>,
    masker: &Redactor,
) -> Settled {
    let mut settled = Settled::default();
    if plan.ambiguous.is_empty() {
        return settled;
    }
    eprintln!(
        "numport: asking {} whether it holds the {} rows whose outcome is unknown",
        provider.carrier(),
        plan.ambiguous.len()
    );
    let carrier = provider.carrier();
    for record in &plan.ambiguous {
        let Some(row) = prepared.valid.iter().find(|r| r.line == record.row) else {
            continue;
        };
        // A results file written before keys existed: its rows get theirs.
        let mut record = record.clone();
        record
            .idempotency_key
            .get_or_insert_with(|| row.key.clone());
        let record = &record;
        let attempted_at = record.attempted_at.unwrap_or(record.recorded_at);
        match provider.reconcile(&row.request, attempted_at).await {
            Ok(Reconciliation::NotFound) => settled.resend.push(record.row),
            Ok(Reconciliation::Found(orders)) => {
                let holding: Vec<&PortOrder> =
                    orders.iter().filter(|o| holds(o, &row.number)).collect();
                if holding.is_empty() {
                    let reason = format!(
                        "{carrier} reported {} order(s) that may be this row's, none naming {}",
                        orders.len(),
                        row.number
                    );
                    settled.records.push(records::cannot_tell(
                        record,
                        carrier,
                        &masker.redact(&reason),
                        &orders,
                    ));
                } else {
                    if let Some(ledger) = ledger {
                        let key = record.idempotency_key.as_deref();
                        record_found(provider, ledger, &holding, attempted_at, key).await;
                    }
                    settled.records.push(records::found(record, &holding));
                }
            }
            Ok(Reconciliation::Inconclusive { reason, candidates }) => {
                settled.records.push(records::cannot_tell(
                    record,
                    carrier,
                    &masker.redact(&reason),
                    &candidates,
                ));
            }
            Ok(_) => settled.records.push(records::cannot_tell(
                record,
                carrier,
                &format!("{carrier} gave an answer numport does not know"),
                &[],
            )),
            Err(e) if e.is_unsupported() => settled.records.push(records::still_unknown(
                record,
                Outcome::ManualCheck,
                format!(
                    "{carrier} cannot be asked whether the order exists; check {} with {carrier} \
                     before submitting it again",
                    record.number,
                ),
                "not resent: manual check needed",
            )),
            Err(e) => settled.records.push(records::still_unknown(
                record,
                Outcome::Unknown,
                format!("could not reconcile: {}", masker.redact(&describe(&e))),
                "not resent: run --resume again",
            )),
        }
    }
    settled
}

/// Records in `ledger` the `orders` a reconciliation found holding a row
/// (submitted when the row was attempted, under its key), with what the
/// carrier said of them. A ledger that fails fails no row: it is logged.
async fn record_found(
    provider: &dyn PortProvider,
    ledger: &Ledger,
    orders: &[&PortOrder],
    attempted_at: chrono::DateTime<chrono::Utc>,
    key: Option<&str>,
) {
    let Some(account) = provider.account_reference() else {
        return;
    };
    let mut submission = Submission::new(
        provider.carrier(),
        orders
            .iter()
            .map(|order| {
                let numbers = order.lines.iter().filter_map(|l| l.number.clone());
                SubmittedOrder::new(order.id.clone(), numbers.collect(), serde_json::Value::Null)
            })
            .collect(),
    );
    submission.submitted_at = attempted_at;
    let mut result = ledger.record(&account, &submission, key).await;
    for order in orders {
        if result.is_err() {
            break;
        }
        result = ledger.observe(&account, order).await.map(|_| ());
    }
    if let Err(error) = result {
        tracing::warn!(
            carrier = %provider.carrier(),
            %error,
            "the order ledger could not record a reconciled order"
        );
    }
}

/// True when `order` names `number` on one of its lines: the carrier's own
/// word that the order holds this row.
fn holds(order: &PortOrder, number: &PhoneNumber) -> bool {
    order
        .lines
        .iter()
        .any(|line| line.number.as_ref() == Some(number))
}
