//! [`CellhireClient`] as a [`PortProvider`].

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;

use super::client::MAX_PAGE_SIZE;
use super::planner::ConnectionDatePlanner;
use super::request::{check_network, create_from_request, updates_from_amendment};
use super::{CellhireClient, from_wire};
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
        let network = self
            .target_network(&create.port_type, create.target_network_id)
            .await?;
        if request.desired_date.is_none() {
            match ConnectionDatePlanner::new(&network).earliest(today) {
                Some(date) => create.connection_date = date,
                None => {
                    return Err(Error::invalid(
                        "desired_date",
                        format!("{} has no bookable working day in its window", network.name),
                    ));
                }
            }
        }
        let mut problems = Problems::new();
        check_network(&create, &network, today, &mut problems);
        problems.finish()?;
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
}
