//! [`ApeironClient`] as a [`PortProvider`].

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};

use super::ApeironClient;
use super::request::ports_from_request;
use crate::error::{Error, Result};
use crate::model::{
    Amendment, LineFailure, PhoneNumber, PortId, PortOrder, PortRequest, PortSummary, Portability,
    Submission, SubmittedOrder,
};
use crate::provider::{Capabilities, Carrier, Operation, PortProvider};

const CAPABILITIES: Capabilities = Capabilities {
    submit: true,
    documents: true,
    ..Capabilities::NONE
};

fn unsupported(operation: Operation) -> Error {
    Error::Unsupported {
        carrier: Carrier::Apeiron,
        operation,
    }
}

/// The id of an order Apeiron accepted without naming one: `mdn:<10 digits>`.
/// Apeiron has no status call, so the id is a record for the caller only;
/// the answer itself is kept in [`SubmittedOrder::raw`].
fn placeholder_id(number: &PhoneNumber) -> Result<PortId> {
    let digits = number.nanp_digits().unwrap_or_else(|| number.msisdn());
    PortId::new(format!("mdn:{digits}")).map_err(Error::from)
}

#[async_trait]
impl PortProvider for ApeironClient {
    fn carrier(&self) -> Carrier {
        Carrier::Apeiron
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    async fn check_portability(&self, _numbers: &[PhoneNumber]) -> Result<Vec<Portability>> {
        Err(unsupported(Operation::CheckPortability))
    }

    /// One Apeiron order per number, sent one after the other once every
    /// number has passed the checklist. Numbers Apeiron refuses are reported
    /// in [`Submission::failures`]; when it refuses all of them, the first
    /// refusal is returned as the error.
    async fn submit(&self, request: &PortRequest) -> Result<Submission> {
        let ports = ports_from_request(request)?;
        let mut orders = Vec::with_capacity(ports.len());
        let mut failures = Vec::new();
        let mut first_error = None;
        for port in &ports {
            match self.create_port(port).await {
                Ok(created) => {
                    let id = match &created.id {
                        Some(id) => PortId::new(id.clone()).map_err(Error::from)?,
                        None => placeholder_id(&port.mdn)?,
                    };
                    orders.push(SubmittedOrder::new(id, vec![port.mdn.clone()], created.raw));
                }
                Err(e) => {
                    failures.push(LineFailure::new(port.mdn.clone(), &e));
                    first_error.get_or_insert(e);
                }
            }
        }
        if orders.is_empty() {
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        let mut submission = Submission::new(Carrier::Apeiron, orders);
        submission.failures = failures;
        Ok(submission)
    }

    async fn order(&self, _id: &PortId) -> Result<PortOrder> {
        Err(unsupported(Operation::Order))
    }

    fn orders(&self) -> BoxStream<'_, Result<PortSummary>> {
        stream::once(async { Err(unsupported(Operation::ListOrders)) }).boxed()
    }

    async fn amend(&self, _id: &PortId, _amendment: &Amendment) -> Result<()> {
        Err(unsupported(Operation::Amend))
    }

    async fn cancel(&self, _id: &PortId) -> Result<()> {
        Err(unsupported(Operation::Cancel))
    }
}
