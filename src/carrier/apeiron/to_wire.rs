//! A typed [`CellularPort`] onto Apeiron's JSON body or multipart form.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use super::types::{CellularPort, E911, ServicePlan};
use super::wire::PortBody;
use crate::model::Document;

/// The body fields; secrets are exposed here and only here.
pub(super) fn body(port: &CellularPort) -> PortBody<'_> {
    let (service_plan, plan_id) = match &port.plan {
        ServicePlan::Code(code) => (Some(code.as_str()), None),
        ServicePlan::SubscriberPlanId(id) => (None, Some(id.as_str())),
    };
    let mut body = PortBody {
        mdn: port.mdn.nanp_digits().unwrap_or_else(|| port.mdn.msisdn()),
        authorization_name: &port.authorization_name,
        first_name: &port.first_name,
        last_name: &port.last_name,
        address1: &port.address1,
        address2: port.address2.as_deref().unwrap_or(""),
        city: &port.city,
        state: &port.state,
        postal_code: &port.postal_code,
        account_number: port.account_number.expose(),
        pin: port.pin.expose(),
        service_plan,
        subscriber_service_plan_id: plan_id,
        iccid: port.iccid.as_str(),
        ticket_id: port.ticket_id.as_deref(),
        reference: port.reference.as_deref(),
        business_name: port.business_name.as_deref(),
        e911_address1: None,
        e911_address2: None,
        e911_city: None,
        e911_state: None,
        e911_postal_code: None,
        create_subscriber: port.create_subscriber,
        use_subscriber_address_for_e911: None,
    };
    match &port.e911 {
        E911::None => {}
        E911::SubscriberAddress => body.use_subscriber_address_for_e911 = Some(true),
        E911::Address {
            address1,
            address2,
            city,
            state,
            postal_code,
        } => {
            body.e911_address1 = Some(address1);
            body.e911_address2 = address2.as_deref();
            body.e911_city = Some(city);
            body.e911_state = Some(state);
            body.e911_postal_code = Some(postal_code);
        }
    }
    body
}

/// The JSON body.
pub(super) fn json(port: &CellularPort) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&body(port))
}

/// The multipart text fields (by name, in alphabetical order); booleans as
/// `true`/`false`.
pub(super) fn form_fields(port: &CellularPort) -> serde_json::Result<Vec<(String, String)>> {
    let Value::Object(map) = serde_json::to_value(body(port))? else {
        return Ok(Vec::new());
    };
    Ok(map
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (name, text)
        })
        .collect())
}

fn file(doc: &Document) -> Part {
    let part = || Part::bytes(doc.bytes.clone()).file_name(doc.file_name.clone());
    // The media type was checked against a fixed list before sending.
    part().mime_str(&doc.media_type).unwrap_or_else(|_| part())
}

/// A fresh multipart form (one per attempt: a form is consumed by sending).
pub(super) fn form(fields: &[(String, String)], port: &CellularPort) -> Form {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.clone(), value.clone());
    }
    if let Some(loa) = &port.loa {
        form = form.part("loa", file(loa));
    }
    if let Some(bill) = &port.bill {
        form = form.part("bill", file(bill));
    }
    form
}
