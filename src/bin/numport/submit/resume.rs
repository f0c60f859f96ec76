//! Resuming: which rows to send, and asking the carrier about the rows whose
//! outcome is unknown before any of them is sent again.

use std::collections::BTreeSet;

use numport::{Carrier, PortOrder, PortProvider, Reconciliation};

use super::prepare::Prepared;
use super::records;
use crate::failure::describe;
use crate::journal::{self, Outcome, Record};
use crate::output::Masker;

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

/// Asks the carrier about every ambiguous row: found → `submitted` with the
/// order; not found → sent again; the carrier cannot be asked (Apeiron) →
/// `manual_check`, never resent; the question fails → stays `unknown`.
pub async fn reconcile(
    provider: &dyn PortProvider,
    prepared: &Prepared,
    plan: &Plan,
    previous: &[Record],
    masker: &Masker,
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
    // Orders the carrier itself named for other rows (not found by an
    // earlier reconcile): where one order holds one row, none of them can
    // be this row's.
    let claimed: BTreeSet<String> = journal::latest(previous)
        .values()
        .filter(|r| r.outcome == Outcome::Submitted && !r.is_reconciled())
        .flat_map(|r| r.order_ids())
        .collect();
    // Cellhire matches the numbers; iNumbering only the time of the order.
    let by_number = provider.carrier() == Carrier::Cellhire;
    let one_row_per_order = !by_number;
    for record in &plan.ambiguous {
        let Some(row) = prepared.valid.iter().find(|r| r.line == record.row) else {
            continue;
        };
        let attempted_at = record.attempted_at.unwrap_or(record.recorded_at);
        match provider.reconcile(&row.request, attempted_at).await {
            Ok(Reconciliation::Found(orders)) => {
                let candidates: Vec<&PortOrder> = orders
                    .iter()
                    .filter(|o| !one_row_per_order || !claimed.contains(o.id.as_str()))
                    .collect();
                if candidates.is_empty() {
                    // Every order found belongs to another row: none is this one's.
                    settled.resend.push(record.row);
                    continue;
                }
                settled
                    .records
                    .push(records::found(record, &candidates, by_number));
            }
            Ok(Reconciliation::NotFound) => settled.resend.push(record.row),
            Ok(_) => settled.records.push(records::still_unknown(
                record,
                Outcome::ManualCheck,
                format!(
                    "{} gave an answer numport does not know",
                    provider.carrier()
                ),
                "not resent: check with the carrier",
            )),
            Err(e) if e.is_unsupported() => settled.records.push(records::still_unknown(
                record,
                Outcome::ManualCheck,
                format!(
                    "{} cannot be asked whether the order exists; check {} with {} before \
                     submitting it again",
                    provider.carrier(),
                    record.number,
                    provider.carrier()
                ),
                "not resent: manual check needed",
            )),
            Err(e) => settled.records.push(records::still_unknown(
                record,
                Outcome::Unknown,
                format!("could not reconcile: {}", masker.mask(&describe(&e))),
                "not resent: run --resume again",
            )),
        }
    }
    settled
}
