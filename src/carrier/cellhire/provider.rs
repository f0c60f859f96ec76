//! [`CellhireClient`] as a [`PortProvider`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;

use super::client::MAX_PAGE_SIZE;
use super::planner::ConnectionDatePlanner;
use super::request::{
    check_network, create_from_request, in_request_terms, updates_from_amendment,
};
use super::types::{CreatePort, PortDetails};
use super::{CellhireClient, from_wire};
use crate::bulk;
use crate::error::{Error, Problems, Result};
use crate::model::{
    Amendment, PhoneNumber, PortId, PortOrder, PortRequest, PortSummary, Portability,
    Reconciliation, Submission, SubmittedOrder,
};
use crate::operation::{Carrier, Operation};
use crate::provider::BulkOptions;
use crate::provider::{Capabilities, PortProvider};

#[async_trait]
impl PortProvider for CellhireClient {
    fn carrier(&self) -> Carrier {
        Carrier::Cellhire
    }

    /// Everything but a portability check, which Cellhire does not offer
    /// (the PAC check runs after the port is created).
    /// List Ports gives 50 ports a page with their status; a port's rows and
    /// messages need its details.
    fn tracking(&self) -> crate::provider::Tracking {
        crate::provider::Tracking::Listing {
            page_size: Some(super::MAX_PAGE_SIZE),
            complete_summaries: false,
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            submit: true,
            order: true,
            orders: true,
            amend: true,
            cancel: true,
            reconcile: true,
            multi_line_orders: true,
            ..Capabilities::NONE
        }
    }

    async fn check_portability(&self, _numbers: &[PhoneNumber]) -> Result<Vec<Portability>> {
        Err(Error::Unsupported {
            carrier: Carrier::Cellhire,
            operation: Operation::CheckPortability,
        })
    }

    /// One Cellhire port holding every line. The connection date is the
    /// request's `desired_date`, or the earliest valid one when it has none.
    async fn submit(&self, request: &PortRequest) -> Result<Submission> {
        let today = self.today();
        let mut problems = Problems::new();
        let create = create_from_request(
            request,
            request.desired_date.unwrap_or(today),
            &mut problems,
        );
        let Some(mut create) = create else {
            problems.finish()?;
            return Err(Error::Config(
                "the Cellhire request could not be built".into(),
            ));
        };
        self.plan_and_check(&mut create, request.desired_date.is_none(), today)
            .await?;
        let id = self.post_create(&create).await?;
        let numbers = request.lines.iter().map(|l| l.number.clone()).collect();
        let raw = serde_json::Value::String(id.to_string());
        Ok(Submission::new(
            Carrier::Cellhire,
            vec![SubmittedOrder::new(id, numbers, raw)],
        ))
    }

    async fn order(&self, id: &PortId) -> Result<PortOrder> {
        Ok(from_wire::order(&self.port_details(id).await?))
    }

    fn orders(&self) -> BoxStream<'_, Result<PortSummary>> {
        self.list_ports(MAX_PAGE_SIZE).boxed()
    }

    async fn amend(&self, id: &PortId, amendment: &Amendment) -> Result<()> {
        let mut problems = Problems::new();
        let updates = updates_from_amendment(amendment, &mut problems);
        problems.finish()?;
        self.update_port(id, &updates).await
    }

    async fn cancel(&self, id: &PortId) -> Result<()> {
        self.cancel_port(id).await
    }

    /// Walks List Ports once, in constant memory and within the operation
    /// deadline ([`crate::http::HttpConfig::operation_deadline`]; past it,
    /// [`Error::Timeout`]).
    ///
    /// A listed port is a candidate when its name is the request's
    /// `cellhire.name` (ignoring case and surrounding space) and its
    /// connection date is the request's `desired_date` (a day either way,
    /// for time zones), or, for a request with no `desired_date` (the date
    /// was planned), any date from the day before `attempted_at` on. A
    /// listed port with no name or date counts as matching on it. List
    /// Ports names no numbers, so each candidate's Get Port Details is read
    /// (at most 50 a reconcile).
    ///
    /// - `Found` with the first port one of whose rows holds one of the
    ///   request's numbers.
    /// - `NotFound` only when the listing was complete (see
    ///   [`CellhireClient::list_ports`]) and no candidate could be it.
    /// - `Inconclusive` when the listing was incomplete, held an entry whose
    ///   id cannot be read, or a candidate could be neither confirmed nor
    ///   ruled out (no rows, a row number that cannot be read, an id that is
    ///   not a GUID, more than 50 candidates: the walk stops at the 51st);
    ///   it names up to 20 candidates.
    ///
    /// An error of List Ports or Get Port Details is returned as it is.
    async fn reconcile(
        &self,
        request: &PortRequest,
        attempted_at: DateTime<Utc>,
    ) -> Result<Reconciliation> {
        let today = self.today();
        let mut problems = Problems::new();
        let create = create_from_request(
            request,
            request.desired_date.unwrap_or(today),
            &mut problems,
        );
        problems.finish()?;
        let Some(create) = create else {
            return Err(Error::Config(
                "the Cellhire request could not be built".into(),
            ));
        };
        let wanted = Wanted {
            name: create.name.trim().to_lowercase(),
            date: match request.desired_date {
                Some(date) => DateRule::Around(date),
                None => DateRule::From(
                    attempted_at
                        .date_naive()
                        .pred_opt()
                        .unwrap_or(NaiveDate::MIN),
                ),
            },
            numbers: request.lines.iter().map(|l| l.number.clone()).collect(),
        };
        self.reconcile_wanted(&wanted).await
    }

    /// Merges requests that share their port-level settings (networks, port
    /// type, connection date, name) into as few Create Port calls as
    /// `max_lines_per_order` allows; each row keeps its own tariff, bolt-ons,
    /// services and derived group name. Each request is validated on its own
    /// first, so one bad request fails alone.
    async fn submit_many(
        &self,
        requests: &[PortRequest],
        options: &BulkOptions,
    ) -> Vec<Result<Submission>> {
        let today = self.today();
        let mut early: Vec<(usize, Result<Submission>)> = Vec::new();
        let mut creates: Vec<Option<CreatePort>> = Vec::with_capacity(requests.len());
        for (i, request) in requests.iter().enumerate() {
            let mut problems = Problems::new();
            let create = create_from_request(
                request,
                request.desired_date.unwrap_or(today),
                &mut problems,
            );
            match (create, problems.finish()) {
                (Some(create), Ok(())) => creates.push(Some(create)),
                (_, Err(e)) => {
                    early.push((i, Err(e)));
                    creates.push(None);
                }
                (None, Ok(())) => {
                    early.push((
                        i,
                        Err(Error::Config(
                            "the Cellhire request could not be built".into(),
                        )),
                    ));
                    creates.push(None);
                }
            }
        }
        // The network list, cached for 15 minutes (and shared through the
        // store): one read serves every request of every batch.
        if creates.iter().any(Option::is_some) {
            if let Err(e) = self.cached_networks().await {
                for (i, slot) in creates.iter_mut().enumerate() {
                    if slot.take().is_some() {
                        early.push((i, Err(e.clone())));
                    }
                }
            }
        }
        for (i, slot) in creates.iter_mut().enumerate() {
            let Some(create) = slot.as_mut() else {
                continue;
            };
            if let Err(e) = self
                .plan_and_check(create, requests[i].desired_date.is_none(), today)
                .await
            {
                early.push((i, Err(e)));
                *slot = None;
            }
        }
        let keys: Vec<Option<(i64, i64, String, chrono::NaiveDate, String)>> = creates
            .iter()
            .map(|c| {
                c.as_ref().map(|c| {
                    (
                        c.target_network_id,
                        c.source_network_id,
                        c.port_type.wire_name().to_owned(),
                        c.connection_date,
                        c.name.clone(),
                    )
                })
            })
            .collect();
        let lines: Vec<usize> = requests.iter().map(|r| r.lines.len()).collect();
        let batches = bulk::batches(keys, &lines, options.max_lines_per_order);
        let creates = &creates;
        bulk::run(
            requests.len(),
            early,
            batches,
            options.max_in_flight,
            |batch| async move {
                let members: Vec<&CreatePort> =
                    batch.iter().filter_map(|&i| creates[i].as_ref()).collect();
                let Some(first) = members.first() else {
                    return Vec::new();
                };
                let merged = CreatePort {
                    rows: members
                        .iter()
                        .flat_map(|c| c.rows.iter().cloned())
                        .collect(),
                    ..(*first).clone()
                };
                match self.post_create(&merged).await {
                    Ok(id) => members
                        .iter()
                        .map(|c| {
                            let numbers = c.rows.iter().map(|r| r.msisdn.clone()).collect();
                            let raw = serde_json::Value::String(id.to_string());
                            Ok(Submission::new(
                                Carrier::Cellhire,
                                vec![SubmittedOrder::new(id.clone(), numbers, raw)],
                            ))
                        })
                        .collect(),
                    Err(e) => members.iter().map(|_| Err(e.clone())).collect(),
                }
            },
        )
        .await
    }
}

impl CellhireClient {
    /// Sets the planned date when the request named none, then checks the
    /// network rules. Problems name the [`PortRequest`] fields they come from.
    async fn plan_and_check(
        &self,
        create: &mut CreatePort,
        plan: bool,
        today: chrono::NaiveDate,
    ) -> Result<()> {
        self.plan_and_check_create(create, plan, today)
            .await
            .map_err(in_request_terms)
    }

    async fn plan_and_check_create(
        &self,
        create: &mut CreatePort,
        plan: bool,
        today: chrono::NaiveDate,
    ) -> Result<()> {
        let network = self
            .target_network(&create.port_type, create.target_network_id)
            .await?;
        if plan {
            create.connection_date = ConnectionDatePlanner::new(&network)
                .earliest(today)
                .ok_or_else(|| {
                    Error::invalid(
                        "desired_date",
                        format!("{} has no bookable working day in its window", network.name),
                    )
                })?;
        }
        let mut problems = Problems::new();
        check_network(create, &network, today, &mut problems);
        problems.finish()
    }
}

/// What a port created by the ambiguous submission looks like.
struct Wanted {
    /// `cellhire.name`, trimmed and lower-cased.
    name: String,
    date: DateRule,
    numbers: Vec<PhoneNumber>,
}

enum DateRule {
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
pub(super) const MAX_RECONCILE_DETAILS: usize = 50;

/// The most unconfirmed candidates an inconclusive answer names.
const MAX_CANDIDATES: usize = 20;

impl CellhireClient {
    async fn reconcile_wanted(&self, wanted: &Wanted) -> Result<Reconciliation> {
        let deadline = self.http_config().operation_deadline;
        match tokio::time::timeout(deadline, self.reconcile_walk(wanted)).await {
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
    async fn reconcile_walk(&self, wanted: &Wanted) -> Result<Reconciliation> {
        let mut unsure = Unsure::default();
        let mut details_read = 0usize;
        let mut listing = self.list_ports(MAX_PAGE_SIZE);
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
            let details = self.port_details(&summary.id).await?;
            match wanted.holds(&details) {
                Holds::Yes => return Ok(Reconciliation::Found(vec![from_wire::order(&details)])),
                Holds::No => {}
                Holds::Maybe(why) => unsure.candidate(from_wire::order(&details), why),
            }
        }
        Ok(unsure.answer())
    }
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
