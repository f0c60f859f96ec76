//! [`CellhireClient`] as a [`PortProvider`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;

use super::check::{self, MAX_PAGE_SIZE, REQUEST};
use super::planner::ConnectionDatePlanner;
use super::reconcile::{DateRule, Wanted, reconcile};
use super::types::CreatePort;
use super::{CellhireClient, from_wire, request};
use crate::bulk;
use crate::error::{Error, Problems, Result};
use crate::model::options::cellhire::CellhireOptions;
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
            page_size: Some(MAX_PAGE_SIZE),
            complete_summaries: false,
        }
    }

    /// The namespace of the account's shared store entries: base URL and
    /// account id, hashed.
    fn account_reference(&self) -> Option<String> {
        Some(self.account_namespace().as_str().to_owned())
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
        let (options, mut create) = checked(request, today)?;
        plan_and_check(self, request, options, &mut create, today).await?;
        let id = self.send_create(&create).await?;
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
        check::amendment(id, amendment)?;
        self.send_update(id, &request::updates(amendment)).await
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
        let (options, _) = checked(request, self.today())?;
        let wanted = Wanted {
            name: options.name.trim().to_lowercase(),
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
        reconcile(self, &wanted).await
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
        let (mut creates, mut early) = bulk::prepare_each(requests, |r| checked(r, today));
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
            let Some((options, create)) = slot.as_mut() else {
                continue;
            };
            if let Err(e) = plan_and_check(self, &requests[i], options, create, today).await {
                early.push((i, Err(e)));
                *slot = None;
            }
        }
        let creates: Vec<Option<CreatePort>> = creates
            .into_iter()
            .map(|slot| slot.map(|(_, create)| create))
            .collect();
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
                match self.send_create(&merged).await {
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

/// A request checked once ([`check::request`]) and mapped onto Create Port
/// with `desired_date`, or `today` until a date is planned; with its
/// options.
fn checked(request: &PortRequest, today: NaiveDate) -> Result<(&CellhireOptions, CreatePort)> {
    check::request(request)?;
    let create = request::create(request, request.desired_date.unwrap_or(today));
    match (&request.cellhire, create) {
        (Some(options), Some(create)) => Ok((options, create)),
        _ => Err(Error::Config(
            "the Cellhire request could not be built".into(),
        )),
    }
}

/// Sets the planned date when the request named none, then checks the
/// network rules, on the (cached) target network, naming the request's
/// fields.
async fn plan_and_check(
    client: &CellhireClient,
    request: &PortRequest,
    options: &CellhireOptions,
    create: &mut CreatePort,
    today: NaiveDate,
) -> Result<()> {
    let (port_type, id) = (&options.port_type, options.target_network_id);
    let field = REQUEST.target_network_id;
    client
        .with_target_network(port_type, id, field, |network| {
            if request.desired_date.is_none() {
                create.connection_date = ConnectionDatePlanner::new(network)
                    .earliest(today)
                    .ok_or_else(|| check::no_bookable_day(REQUEST.connection_date, network))?;
            }
            let mut problems = Problems::new();
            let date = create.connection_date;
            check::request_network(options, &request.lines, date, network, today, &mut problems);
            problems.finish()
        })
        .await?
}
