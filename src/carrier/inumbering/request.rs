//! The unified [`PortRequest`] onto iNumbering's customer request or admin
//! order, checked field by field in the request's own terms.

use super::check::caller_name;
use super::options::{INumberingOptions, NameType, StreetParts};
use super::types::{AccountPort, EndUser, PortFeature, PortInItem, PortInOrder};
use crate::error::{Problems, Result};
use crate::model::{PhoneNumber, PortRequest};

/// What both order kinds share, checked.
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
    let mut p = Problems::new();
    request.validate_common(&mut p);
    if !request.documents.is_empty() {
        p.add(
            "documents",
            "are not taken by iNumbering with the order: sign the LoA at the loa_url it returns",
        );
    }
    let options = request.inumbering.clone().unwrap_or_default();
    for (i, line) in request.lines.iter().enumerate() {
        if !line.number.is_nanp() {
            p.add(
                format!("lines[{i}].number"),
                format!("{} is not a 10-digit NANP number", line.number),
            );
        }
    }
    let billing = options
        .billing_number
        .clone()
        .or_else(|| request.lines.first().map(|l| l.number.clone()));
    if let Some(b) = options.billing_number.as_ref().filter(|b| !b.is_nanp()) {
        p.add(
            "inumbering.billing_number",
            format!("{b} is not a 10-digit NANP number"),
        );
    }
    if request.account_number.is_none() {
        p.add(
            "account_number",
            "is missing: the losing carrier's account number",
        );
    }
    let auth_person = request.authorization_name.clone().unwrap_or_default();
    if auth_person.trim().is_empty() {
        p.add(
            "authorization_name",
            "is missing: who signs the Letter of Authorization",
        );
    }
    if let Some(name) = &options.lidb_name {
        caller_name(&mut p, "inumbering.lidb_name", name);
    }
    let subscriber = request.subscriber.as_ref();
    let name = match (subscriber, options.name_type) {
        (None, _) => {
            p.add(
                "subscriber",
                "is missing: iNumbering needs the name and service address",
            );
            String::new()
        }
        (Some(s), NameType::Business) => match s.business_name.clone() {
            Some(n) if !n.trim().is_empty() => n,
            _ => {
                p.add(
                    "subscriber.business_name",
                    "is missing: a business port needs it",
                );
                String::new()
            }
        },
        (Some(s), NameType::Residential) => {
            let n = s.full_name();
            if n.is_empty() {
                p.add("subscriber.first_name", "is empty");
            }
            n
        }
    };
    let address = subscriber.and_then(|s| s.address.as_ref());
    if subscriber.is_some() && address.is_none() {
        p.add(
            "subscriber.address",
            "is missing: iNumbering needs the service address",
        );
    }
    let street = match (&options.street, address) {
        (Some(street), _) => Some(street.clone()),
        (None, Some(a)) => {
            let parsed = StreetParts::parse(&a.line1);
            if parsed.is_none() {
                p.add(
                    "subscriber.address.line1",
                    format!(
                        "{:?} could not be split into number, street and type: set inumbering.street",
                        a.line1
                    ),
                );
            }
            parsed.map(|mut s| {
                s.unit = a.line2.clone().filter(|l| !l.trim().is_empty());
                s
            })
        }
        (None, None) => None,
    };
    if let Some(a) = address {
        if a.state.len() != 2 || !a.state.bytes().all(|b| b.is_ascii_uppercase()) {
            p.add(
                "subscriber.address.state",
                format!("{:?} is not a 2-letter state abbreviation", a.state),
            );
        }
        for (field, value) in [("city", &a.city), ("postal_code", &a.postal_code)] {
            if value.trim().is_empty() {
                p.add(format!("subscriber.address.{field}"), "is empty");
            }
        }
    }
    p.finish()?;
    let (Some(billing), Some(street), Some(address)) = (billing, street, address) else {
        return Err(crate::Error::Config("incomplete iNumbering request".into()));
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
        auth_person,
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
    let Some(account_number) = request.account_number.clone() else {
        return Err(crate::Error::Config("incomplete iNumbering request".into()));
    };
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
    let mut p = Problems::new();
    if request.desired_date.is_none() {
        p.add(
            "desired_date",
            "is missing: portInOrder needs desiredDueDate",
        );
    }
    let c = common(request);
    let c = match (c, p.finish()) {
        (Ok(c), Ok(())) => c,
        (Err(crate::Error::Validation(mut found)), Err(crate::Error::Validation(date))) => {
            found.extend(date);
            return Err(crate::Error::Validation(found));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let (Some(date), Some(account_number)) = (request.desired_date, request.account_number.clone())
    else {
        return Err(crate::Error::Config("incomplete iNumbering request".into()));
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
