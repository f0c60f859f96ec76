//! The unified [`PortRequest`] onto iNumbering's customer request or admin
//! order: the mapping alone, for a request [`super::check::request`]
//! passed.

use super::types::{AccountPort, EndUser, PortFeature, PortInItem, PortInOrder};
use crate::error::{Error, Result};
use crate::model::options::inumbering::{INumberingOptions, NameType, StreetParts};
use crate::model::{PhoneNumber, PortRequest};

/// A request that did not pass the checks: never reached after them.
fn unchecked() -> Error {
    Error::Config("incomplete iNumbering request".into())
}

/// What both order kinds share.
struct Common {
    numbers: Vec<PhoneNumber>,
    name: String,
    name_type: NameType,
    billing: PhoneNumber,
    street: StreetParts,
    city: String,
    state: String,
    zip: String,
    country: String,
    auth_person: String,
    options: INumberingOptions,
}

fn common(request: &PortRequest) -> Result<Common> {
    let options = request.inumbering.clone().unwrap_or_default();
    let subscriber = request.subscriber.as_ref().ok_or_else(unchecked)?;
    let address = subscriber.address.as_ref().ok_or_else(unchecked)?;
    let name = match options.name_type {
        NameType::Business => subscriber.business_name.clone().unwrap_or_default(),
        NameType::Residential => subscriber.full_name(),
    };
    let billing = options
        .billing_number
        .clone()
        .or_else(|| request.lines.first().map(|l| l.number.clone()))
        .ok_or_else(unchecked)?;
    let street = match &options.street {
        Some(street) => street.clone(),
        None => {
            let mut parsed = StreetParts::parse(&address.line1).ok_or_else(unchecked)?;
            parsed.unit = address.line2.clone().filter(|l| !l.trim().is_empty());
            parsed
        }
    };
    Ok(Common {
        numbers: request.lines.iter().map(|l| l.number.clone()).collect(),
        name,
        name_type: options.name_type,
        billing,
        street,
        city: address.city.clone(),
        state: address.state.clone(),
        zip: address.postal_code.clone(),
        country: if address.country.trim().is_empty() {
            "US".to_owned()
        } else {
            address.country.clone()
        },
        auth_person: request.authorization_name.clone().unwrap_or_default(),
        options,
    })
}

/// The customer request (`/v2.2/account/port`) for `request`.
pub(super) fn account_port(request: &PortRequest) -> Result<AccountPort> {
    let c = common(request)?;
    let has_features = c.options.gateway_id.is_some()
        || c.options.lidb_name.is_some()
        || c.options.sms_campaign_id.is_some();
    let features = if has_features {
        c.numbers
            .iter()
            .map(|n| PortFeature {
                number: n.clone(),
                gateway_id: c.options.gateway_id,
                lidb_name: c.options.lidb_name.clone(),
                sms_campaign_id: c.options.sms_campaign_id.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let account_number = request.account_number.clone().ok_or_else(unchecked)?;
    Ok(AccountPort {
        numbers: c.numbers,
        name: c.name,
        name_type: c.name_type,
        billing_number: c.billing,
        account_number,
        pin: request.pin.clone(),
        street: c.street,
        city: c.city,
        state: c.state,
        zip: c.zip,
        country: c.country,
        auth_person: c.auth_person,
        desired_due_date: request.desired_date,
        features,
    })
}

/// The admin order (`portInOrder`) for `request`: it needs a desired date.
pub(super) fn port_in_order(request: &PortRequest) -> Result<PortInOrder> {
    let c = common(request)?;
    let (Some(date), Some(account_number)) = (request.desired_date, request.account_number.clone())
    else {
        return Err(unchecked());
    };
    let end_user = EndUser {
        name: c.name,
        street: c.street,
        city: c.city,
        state: c.state,
        postal_code: c.zip,
        type_of_service: c.name_type,
    };
    Ok(PortInOrder {
        desired_due_date: date,
        items: c
            .numbers
            .into_iter()
            .map(|tn| PortInItem {
                tn,
                atn: c.billing.clone(),
                account_number: account_number.clone(),
                account_pin: request.pin.clone(),
                auth_name: c.auth_person.clone(),
                end_user: end_user.clone(),
                calling_name: c.options.lidb_name.clone(),
            })
            .collect(),
    })
}
