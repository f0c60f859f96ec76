//! [`CellhireClient`] as a [`PortProvider`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;

use super::client::{MAX_LIST_PAGES, MAX_PAGE_SIZE};
use super::planner::ConnectionDatePlanner;
use super::request::{
    check_network, create_from_request, in_request_terms, updates_from_amendment,
};
use super::types::{CreatePort, PortDetails};
use super::{CellhireClient, from_wire};
use crate::bulk::{self, BulkOptions};
use crate::error::{Error, Problems, Result};
use crate::model::{
    Amendment, PhoneNumber, PortId, PortOrder, PortRequest, PortSummary, Portability,
    Reconciliation, Submission, SubmittedOrder,
};
use crate::provider::{Capabilities, Carrier, Operation, PortProvider};

#[async_trait]
impl PortProvider for CellhireClient {
    fn carrier(&self) -> Carrier {
        Carrier::Cellhire
    }

    /// Everything but a portability check, which Cellhire does not offer
    /// (the PAC check runs after the port is created).
    /// List Ports gives 50 ports a page with their status; a port's rows and
    /// messages need its details.
    fn tracking(&self) -> crate::track::Tracking {
        crate::track::Tracking::Listing {
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

    /// Reads List Ports, newest pages first (page 1 for the totals, then
    /// the last page back to the second, then page 1's entries: Cellhire
    /// does not document the order of the listing, and an account that
    /// appends new ports keeps them last), and stops at the first page
    /// holding a match.
    ///
    /// A listed port is a candidate when its name is the request's
    /// `cellhire.name` (ignoring case and surrounding space) and its
    /// connection date is the request's `desired_date` (a day either way,
    /// for time zones), or, for a request with no `desired_date` (the date
    /// was planned), any date from the day before `attempted_at` on. A
    /// listed port with no name or date counts as matching on it. List
    /// Ports names no numbers, so each candidate's Get Port Details is read:
    /// it matches when one of its rows holds one of the request's numbers,
    /// or a number that cannot be read, or when it has no rows.
    ///
    /// An error from either call is returned. `NotFound` only after every
    /// page was read with the same `total` throughout; a listing that grows
    /// or shrinks while it is read, that names more than 20,000 pages, or
    /// that holds an entry whose id cannot be read is an
    /// [`Error::Decode`] instead (reconcile again).
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
        // One read of the network list serves every request (it is cached).
        if creates.iter().any(Option::is_some) {
            if let Err(e) = self.networks().await {
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

    /// True when the port's rows could hold the request's lines.
    fn holds(&self, details: &PortDetails) -> bool {
        details.rows.is_empty()
            || details.rows.iter().any(|row| match &row.number {
                None => true,
                Some(n) => self.numbers.contains(n),
            })
    }
}

fn listing_error(message: String) -> Error {
    Error::Decode {
        carrier: Carrier::Cellhire,
        operation: Operation::Reconcile,
        message,
    }
}

impl CellhireClient {
    async fn reconcile_wanted(&self, wanted: &Wanted) -> Result<Reconciliation> {
        let first = self.list_ports_page(1, MAX_PAGE_SIZE).await?;
        let served = first.entries as u64;
        let pages = if first.total_pages > 0 {
            first.total_pages
        } else if first.total > 0 && served > 0 {
            first.total.div_ceil(served)
        } else if served == 0 && first.total == 0 {
            1
        } else {
            // No totals: walk forward to the end as `orders` does.
            return self.reconcile_forward(wanted).await;
        };
        if pages > u64::from(MAX_LIST_PAGES) {
            return Err(listing_error(format!(
                "List Ports names {pages} pages, more than the {MAX_LIST_PAGES} read; \
                 cannot tell whether the submission created a port"
            )));
        }
        let mut unreadable = first.unreadable.first().cloned();
        let pages = u32::try_from(pages).unwrap_or(MAX_LIST_PAGES);
        for page_no in (2..=pages).rev() {
            let page = self.list_ports_page(page_no, MAX_PAGE_SIZE).await?;
            if page.total != first.total || page.total_pages != first.total_pages {
                return Err(listing_error(format!(
                    "List Ports changed while it was read ({} ports, then {}); \
                     cannot tell whether the submission created a port: reconcile again",
                    first.total, page.total
                )));
            }
            if unreadable.is_none() {
                unreadable = page.unreadable.first().cloned();
            }
            let found = self
                .confirm(wanted, page.ports.iter().map(|e| &e.summary))
                .await?;
            if !found.is_empty() {
                return Ok(Reconciliation::Found(found));
            }
        }
        let found = self
            .confirm(wanted, first.ports.iter().map(|e| &e.summary))
            .await?;
        if !found.is_empty() {
            return Ok(Reconciliation::Found(found));
        }
        match unreadable {
            Some(message) => Err(listing_error(format!(
                "{message}; cannot tell whether the submission created a port"
            ))),
            None => Ok(Reconciliation::NotFound),
        }
    }

    async fn reconcile_forward(&self, wanted: &Wanted) -> Result<Reconciliation> {
        let mut listed = Vec::new();
        let mut stream = self.list_ports(MAX_PAGE_SIZE);
        while let Some(item) = stream.next().await {
            listed.push(item?);
        }
        let found = self.confirm(wanted, listed.iter()).await?;
        Ok(if found.is_empty() {
            Reconciliation::NotFound
        } else {
            Reconciliation::Found(found)
        })
    }

    /// The listed ports that match `wanted`, each read with its rows (a
    /// port whose id is not a GUID cannot be read: it counts as a match,
    /// without rows).
    async fn confirm(
        &self,
        wanted: &Wanted,
        listed: impl Iterator<Item = &PortSummary>,
    ) -> Result<Vec<PortOrder>> {
        let mut found = Vec::new();
        for summary in listed.filter(|s| wanted.listed(s)) {
            if uuid::Uuid::parse_str(summary.id.as_str()).is_err() {
                let mut order = PortOrder::new(
                    summary.id.clone(),
                    Carrier::Cellhire,
                    summary.status,
                    summary.carrier_status.clone(),
                );
                order.name = summary.name.clone();
                order.port_date = summary.port_date;
                found.push(order);
                continue;
            }
            let details = self.port_details(&summary.id).await?;
            if wanted.holds(&details) {
                found.push(from_wire::order(&details));
            }
        }
        Ok(found)
    }
}
