//! Reconciling an ambiguous Cellhire submission: one walk of List Ports,
//! each port named and dated like the request confirmed on its rows.

use chrono::NaiveDate;
use futures::StreamExt;

use super::types::PortDetails;
use super::{CellhireClient, MAX_PAGE_SIZE, from_wire};
use crate::error::{Error, Result};
use crate::model::{PhoneNumber, PortOrder, PortSummary, Reconciliation};
use crate::operation::{Carrier, Operation};

/// What a port created by the ambiguous submission looks like.
pub(super) struct Wanted {
    /// `cellhire.name`, trimmed and lower-cased.
    pub name: String,
    /// The connection dates it may have.
    pub date: DateRule,
    /// The request's numbers.
    pub numbers: Vec<PhoneNumber>,
}

/// The connection dates a port created by the submission may have.
pub(super) enum DateRule {
    /// The requested connection date, a day either way.
    Around(NaiveDate),
    /// A planned date: any date from this one on.
    From(NaiveDate),
}

impl Wanted {
    /// True when the listed port could be the one: name and date agree, or
    /// are missing from the listing.
    fn listed(&self, summary: &PortSummary) -> bool {
        let name = summary
            .name
            .as_deref()
            .is_none_or(|n| n.trim().to_lowercase() == self.name);
        let date = summary.port_date.is_none_or(|d| match self.date {
            DateRule::Around(want) => (d - want).num_days().abs() <= 1,
            DateRule::From(earliest) => d >= earliest,
        });
        name && date
    }

    /// Whether the port's rows hold the request's lines: yes when a row
    /// holds one of the request's numbers; maybe when the port has no rows
    /// or a row's number cannot be read.
    fn holds(&self, details: &PortDetails) -> Holds {
        if details.rows.iter().any(|row| {
            row.number
                .as_ref()
                .is_some_and(|n| self.numbers.contains(n))
        }) {
            return Holds::Yes;
        }
        if details.rows.is_empty() {
            return Holds::Maybe("a port named and dated like the request has no rows".into());
        }
        if details.rows.iter().any(|row| row.number.is_none()) {
            return Holds::Maybe(
                "a port named and dated like the request has a row whose number cannot be read"
                    .into(),
            );
        }
        Holds::No
    }
}

/// Whether a port's rows hold a request's lines.
enum Holds {
    Yes,
    No,
    Maybe(String),
}

/// The most listed ports whose details one reconcile reads: past that,
/// the answer is [`Reconciliation::Inconclusive`] rather than a walk of
/// details without end.
const MAX_RECONCILE_DETAILS: usize = 50;

/// The most unconfirmed candidates an inconclusive answer names.
const MAX_CANDIDATES: usize = 20;

/// Whether `client`'s account holds the port `wanted` describes, within
/// the operation deadline.
pub(super) async fn reconcile(client: &CellhireClient, wanted: &Wanted) -> Result<Reconciliation> {
    let deadline = client.http_config().operation_deadline;
    match tokio::time::timeout(deadline, walk(client, wanted)).await {
        Ok(answer) => answer,
        Err(_) => Err(Error::Timeout {
            carrier: Carrier::Cellhire,
            operation: Operation::Reconcile,
        }),
    }
}

/// One walk of List Ports in constant memory: each listed port that
/// could be the one is read (at most [`MAX_RECONCILE_DETAILS`]) and
/// confirmed on its rows' numbers.
async fn walk(client: &CellhireClient, wanted: &Wanted) -> Result<Reconciliation> {
    let mut unsure = Unsure::default();
    let mut details_read = 0usize;
    let mut listing = client.list_ports(MAX_PAGE_SIZE);
    while let Some(item) = listing.next().await {
        let summary = match item {
            Ok(summary) => summary,
            Err(Error::Decode { message, .. }) => {
                unsure.because(format!("an entry could not be read ({message})"));
                continue;
            }
            Err(Error::Incomplete { message, .. }) => {
                unsure.because(message);
                break;
            }
            Err(e) => return Err(e),
        };
        if !wanted.listed(&summary) {
            continue;
        }
        if uuid::Uuid::parse_str(summary.id.as_str()).is_err() {
            unsure.candidate(
                order_from_summary(&summary),
                "a port named like the request has an id that is not a GUID; its rows \
                 cannot be read",
            );
            continue;
        }
        if details_read >= MAX_RECONCILE_DETAILS {
            // Nothing read past here could be confirmed: stop.
            unsure.candidate(
                order_from_summary(&summary),
                format!(
                    "more than {MAX_RECONCILE_DETAILS} ports are named and dated like the \
                     request; the listing was not read further"
                ),
            );
            break;
        }
        details_read += 1;
        let details = client.port_details(&summary.id).await?;
        match wanted.holds(&details) {
            Holds::Yes => return Ok(Reconciliation::Found(vec![from_wire::order(&details)])),
            Holds::No => {}
            Holds::Maybe(why) => unsure.candidate(from_wire::order(&details), why),
        }
    }
    Ok(unsure.answer())
}

/// What keeps a reconcile from saying `NotFound`, kept in bounded memory.
#[derive(Default)]
struct Unsure {
    reasons: Vec<String>,
    more_reasons: usize,
    candidates: Vec<PortOrder>,
    more_candidates: usize,
}

impl Unsure {
    fn because(&mut self, reason: impl Into<String>) {
        let reason = reason.into();
        if self.reasons.contains(&reason) {
            return;
        }
        if self.reasons.len() < 3 {
            self.reasons.push(reason);
        } else {
            self.more_reasons = self.more_reasons.saturating_add(1);
        }
    }

    fn candidate(&mut self, order: PortOrder, reason: impl Into<String>) {
        self.because(reason);
        if self.candidates.len() < MAX_CANDIDATES {
            self.candidates.push(order);
        } else {
            self.more_candidates = self.more_candidates.saturating_add(1);
        }
    }

    fn answer(self) -> Reconciliation {
        if self.reasons.is_empty() {
            return Reconciliation::NotFound;
        }
        let mut reason = format!(
            "cannot tell whether the submission created a port: {}",
            self.reasons.join("; ")
        );
        if self.more_reasons > 0 {
            reason.push_str(&format!(" (and {} more)", self.more_reasons));
        }
        if self.more_candidates > 0 {
            reason.push_str(&format!(
                "; {} more candidates are not listed",
                self.more_candidates
            ));
        }
        Reconciliation::Inconclusive {
            reason,
            candidates: self.candidates,
        }
    }
}

/// A listed port as an order (no rows: its details could not be read).
fn order_from_summary(summary: &PortSummary) -> PortOrder {
    let mut order = PortOrder::new(
        summary.id.clone(),
        Carrier::Cellhire,
        summary.status,
        summary.carrier_status.clone(),
    );
    order.name = summary.name.clone();
    order.port_date = summary.port_date;
    order
}
