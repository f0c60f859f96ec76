//! [`CellhireClient`] as a [`PortProvider`].

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;

use super::client::MAX_PAGE_SIZE;
use super::planner::ConnectionDatePlanner;
use super::request::{
    check_network, create_from_request, in_request_terms, updates_from_amendment,
};
use super::types::CreatePort;
use super::{CellhireClient, from_wire};
use crate::bulk::{self, BulkOptions};
use crate::error::{Error, Problems, Result};
use crate::model::{
    Amendment, PhoneNumber, PortId, PortOrder, PortRequest, PortSummary, Portability, Submission,
    SubmittedOrder,
};
use crate::provider::{Capabilities, Carrier, Operation, PortProvider};

#[async_trait]
impl PortProvider for CellhireClient {
    fn carrier(&self) -> Carrier {
        Carrier::Cellhire
    }

    /// Everything but a portability check, which Cellhire does not offer
    /// (the PAC check runs after the port is created).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            submit: true,
            order: true,
            orders: true,
            amend: true,
            cancel: true,
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
