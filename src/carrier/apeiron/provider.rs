//! [`ApeironClient`] as a [`PortProvider`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::ApeironClient;
use super::{check, request};
use crate::error::{Error, Result};
use crate::model::{
    LineFailure, PhoneNumber, PortId, PortRequest, Portability, Reconciliation, Submission,
    SubmittedOrder,
};
use crate::operation::{Carrier, Operation};
use crate::provider::{Capabilities, PortProvider};

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

/// The id of an order Apeiron accepted without naming a usable one:
/// `mdn:<10 digits>`. Apeiron has no status call, so the id is a record for
/// the caller only; the answer itself is kept in [`SubmittedOrder::raw`].
fn placeholder_id(number: &PhoneNumber) -> PortId {
    let digits = number.nanp_digits().unwrap_or_else(|| number.msisdn());
    // Digits after `mdn:` always make a valid id; the fallback is for form.
    PortId::new(format!("mdn:{digits}"))
        .or_else(|_| PortId::new("mdn:unknown"))
        .expect("a short ASCII id without white space or reserved characters is valid")
}

/// The id of an order Apeiron accepted (any 2xx is an order): its own id
/// when the crate can use it (1 to 128 characters, no white space, `/`,
/// `?`, `#` or `%`), else the placeholder. The answer, with the carrier's
/// id as sent, stays in [`SubmittedOrder::raw`].
fn order_id(carrier_id: Option<&str>, number: &PhoneNumber) -> PortId {
    match carrier_id.map(PortId::new) {
        Some(Ok(id)) => id,
        Some(Err(e)) => {
            tracing::warn!(
                problem = %e.problem,
                "Apeiron accepted the port with an id the crate cannot use; \
                 recording it under its number (the answer is kept raw)"
            );
            placeholder_id(number)
        }
        None => placeholder_id(number),
    }
}

#[async_trait]
impl PortProvider for ApeironClient {
    fn carrier(&self) -> Carrier {
        Carrier::Apeiron
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Base URL and user name, hashed.
    fn account_reference(&self) -> Option<String> {
        Some(self.account_namespace().as_str().to_owned())
    }

    async fn check_portability(&self, _numbers: &[PhoneNumber]) -> Result<Vec<Portability>> {
        Err(unsupported(Operation::CheckPortability))
    }

    /// One Apeiron order per number, sent one after the other once every
    /// number has passed the checklist (nothing is sent unless all pass).
    ///
    /// Every 2xx is an order and is kept in [`Submission::orders`], under
    /// Apeiron's id or, when it names none the crate can use, under
    /// `mdn:<digits>` (the answer is kept in [`SubmittedOrder::raw`]).
    /// Numbers that fail are reported in [`Submission::failures`] and never
    /// stop the numbers after them. When no order was created at all, the
    /// error returned is the first [`Error::OutcomeUnknown`] if any number's
    /// outcome is unknown (so that the caller does not resubmit blindly),
    /// else the first refusal. A failure whose outcome is unknown also
    /// appears in `failures`: its message says so.
    async fn submit(&self, request: &PortRequest) -> Result<Submission> {
        check::request(request)?;
        let ports = request::ports(request)
            .ok_or_else(|| Error::Config("the Apeiron request could not be built".into()))?;
        let mut orders = Vec::with_capacity(ports.len());
        let mut failures = Vec::new();
        let mut first_error: Option<Error> = None;
        let mut first_unknown: Option<Error> = None;
        for port in &ports {
            match self.submit_port(port).await {
                Ok(created) => {
                    let id = order_id(created.id.as_deref(), &port.mdn);
                    orders.push(SubmittedOrder::new(id, vec![port.mdn.clone()], created.raw));
                }
                Err(e) => {
                    failures.push(LineFailure::new(port.mdn.clone(), &e));
                    if e.is_outcome_unknown() && first_unknown.is_none() {
                        first_unknown = Some(e.clone());
                    }
                    first_error.get_or_insert(e);
                }
            }
        }
        if orders.is_empty() {
            if let Some(e) = first_unknown.or(first_error) {
                return Err(e);
            }
        }
        let mut submission = Submission::new(Carrier::Apeiron, orders);
        submission.failures = failures;
        Ok(submission)
    }

    /// Always [`Error::Unsupported`] ([`Operation::Reconcile`]), without
    /// sending anything: Apeiron documents no call that reads an order back
    /// (no status, no list), so nothing can show whether an ambiguous
    /// submission created one. Its documented refusal of a number that is
    /// "pending port" is no substitute: probing with a resubmission would
    /// create the order when there was none, and the refusal does not tell
    /// this account's pending port from another's, nor from an inactive
    /// number. Ask Apeiron's support, or check the number's port state with
    /// the losing carrier, before submitting again.
    async fn reconcile(
        &self,
        _request: &PortRequest,
        _attempted_at: DateTime<Utc>,
    ) -> Result<Reconciliation> {
        Err(unsupported(Operation::Reconcile))
    }
}
