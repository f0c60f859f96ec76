//! The unified [`PortRequest`] onto Apeiron port-ins: one per number. A
//! mapping only: the request is checked first ([`super::check::request`]).

use super::types::{CellularPort, E911, ServicePlan};
use crate::model::options::apeiron::{ApeironOptions, E911Address};
use crate::model::{DocumentKind, PortRequest};

/// The E911 address the options give, when they give one.
pub(super) fn e911_parts(options: &ApeironOptions) -> Option<&E911Address> {
    options
        .e911
        .as_ref()
        .filter(|a| **a != E911Address::default())
}

/// A part of an E911 address that is set and not blank.
pub(super) fn e911_part(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

/// The plan the options name, when they name exactly one.
fn plan(options: &ApeironOptions) -> Option<ServicePlan> {
    match (&options.service_plan, &options.subscriber_service_plan_id) {
        (Some(code), None) => Some(ServicePlan::Code(code.clone())),
        (None, Some(id)) => Some(ServicePlan::SubscriberPlanId(id.clone())),
        _ => None,
    }
}

/// The E911 choice the options make, when it is one Apeiron takes.
fn e911(options: &ApeironOptions) -> Option<E911> {
    let owned = |value: &Option<String>| e911_part(value).map(str::to_owned);
    match (options.use_subscriber_address_for_e911, e911_parts(options)) {
        (true, Some(_)) => None,
        (true, None) => Some(E911::SubscriberAddress),
        (false, None) => Some(E911::None),
        (false, Some(a)) => Some(E911::Address {
            address1: owned(&a.address1)?,
            address2: owned(&a.address2),
            city: owned(&a.city)?,
            state: owned(&a.state)?,
            postal_code: owned(&a.postal_code)?,
        }),
    }
}

/// One [`CellularPort`] per line of `request`, in order; `None` when the
/// request lacks something every port needs (which the check reports).
pub(super) fn ports(request: &PortRequest) -> Option<Vec<CellularPort>> {
    let options = request.apeiron.as_ref()?;
    let plan = plan(options)?;
    let e911 = e911(options)?;
    let subscriber = request.subscriber.as_ref()?;
    let address = subscriber.address.as_ref()?;
    let name = request.authorization_name.as_deref()?;
    let account = request.account_number.as_ref()?;
    let pin = request.pin.as_ref()?;
    let document = |kind: DocumentKind| request.documents.iter().find(|d| d.kind == kind).cloned();
    request
        .lines
        .iter()
        .map(|line| {
            let mut port = CellularPort::new(
                line.number.clone(),
                name,
                &subscriber.first_name,
                &subscriber.last_name,
                address,
                account.clone(),
                pin.clone(),
                plan.clone(),
                line.sim.clone()?,
            );
            port.ticket_id = options.ticket_id.clone();
            port.reference = request.reference.clone();
            port.business_name = subscriber.business_name.clone();
            port.e911 = e911.clone();
            port.create_subscriber = options.create_subscriber;
            port.loa = document(DocumentKind::LetterOfAuthorization);
            port.bill = document(DocumentKind::Bill);
            Some(port)
        })
        .collect()
}
