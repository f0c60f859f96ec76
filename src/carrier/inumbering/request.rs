//! The unified [`PortRequest`] onto iNumbering's customer request or admin
//! order, checked field by field in the request's own terms.

use super::check::{self, MAX_TEXT, caller_name, direction};
use super::types::{AccountPort, EndUser, PortFeature, PortInItem, PortInOrder};
use crate::error::{Error, FieldError, Problems, Result};
use crate::model::options::inumbering::{INumberingOptions, NameType, StreetParts};
use crate::model::{PhoneNumber, PortRequest, check_text};

/// Length and control characters only (emptiness is checked where the
/// field is required, with its own message).
fn text_limits(p: &mut Problems, field: &str, value: &str) {
    if value.chars().count() > MAX_TEXT {
        p.add(field, format!("is longer than {MAX_TEXT} characters"));
    } else if value.chars().any(char::is_control) {
        p.add(field, "holds a control character");
    }
}

/// The free text of `request` as iNumbering's fields take it (at most 255
/// characters, no control character), named after the request's fields.
/// Runs with the other checks, before anything is sent.
fn free_text(request: &PortRequest, options: &INumberingOptions, p: &mut Problems) {
    if let Some(name) = request.authorization_name.as_deref() {
        text_limits(p, "authorization_name", name);
    }
    if let Some(s) = request.subscriber.as_ref() {
        match options.name_type {
            NameType::Business => {
                if let Some(name) = s.business_name.as_deref() {
                    text_limits(p, "subscriber.business_name", name);
                }
            }
            NameType::Residential => {
                let before = p.fields().count();
                text_limits(p, "subscriber.first_name", &s.first_name);
                text_limits(p, "subscriber.last_name", &s.last_name);
                if p.fields().count() == before && s.full_name().chars().count() > MAX_TEXT {
                    p.add(
                        "subscriber.last_name",
                        format!(
                            "makes the name (first and last together) longer than {MAX_TEXT} characters"
                        ),
                    );
                }
            }
        }
        if let Some(a) = s.address.as_ref() {
            if options.street.is_none() {
                text_limits(p, "subscriber.address.line1", &a.line1);
            }
            if let Some(line2) = a.line2.as_deref() {
                text_limits(p, "subscriber.address.line2", line2);
            }
            text_limits(p, "subscriber.address.city", &a.city);
            text_limits(p, "subscriber.address.postal_code", &a.postal_code);
            text_limits(p, "subscriber.address.country", &a.country);
        }
    }
    if let Some(street) = options.street.as_ref() {
        for (part, value) in [
            ("number", &street.number),
            ("name", &street.name),
            ("street_type", &street.street_type),
        ] {
            p.take(
                "",
                check_text(&format!("inumbering.street.{part}"), value, MAX_TEXT),
            );
        }
        direction(p, "inumbering.street.prefix", &street.prefix);
        direction(p, "inumbering.street.suffix", &street.suffix);
        for (part, value) in [
            ("building", &street.building),
            ("floor", &street.floor),
            ("room", &street.room),
            ("unit", &street.unit),
        ] {
            if let Some(value) = value {
                text_limits(p, &format!("inumbering.street.{part}"), value);
            }
        }
    }
}

/// The [`PortRequest`] field behind a field of the customer request or the
/// admin order, as [`check`] names them.
fn request_field(wire: &str, request: &PortRequest) -> String {
    let options = request.inumbering.clone().unwrap_or_default();
    let street = |part: &str| {
        if options.street.is_some() {
            format!("inumbering.street.{part}")
        } else {
            "subscriber.address.line1".to_owned()
        }
    };
    let name = match options.name_type {
        NameType::Business => "subscriber.business_name",
        NameType::Residential => "subscriber.first_name",
    };
    let billing = if options.billing_number.is_some() {
        "inumbering.billing_number"
    } else {
        "lines[0].number"
    };
    // `did[2]`, `features[2].number` and `tnList.tnItem[2].…` are line 2.
    let (line, tail) = ["did[", "features[", "tnList.tnItem["]
        .iter()
        .find_map(|head| {
            let rest = wire.strip_prefix(head)?;
            let (index, tail) = rest.split_once(']')?;
            Some((index.to_owned(), tail.trim_start_matches('.').to_owned()))
        })
        .unwrap_or_default();
    let at_line = || format!("lines[{line}].number");
    if wire.starts_with("did[") {
        at_line()
    } else if wire.starts_with("features[") {
        match tail.as_str() {
            "number" => at_line(),
            _ => "inumbering.lidb_name".to_owned(),
        }
    } else if wire.starts_with("tnList.tnItem[") {
        match tail.as_str() {
            "tn" => at_line(),
            "atn" => billing.to_owned(),
            "authName" => "authorization_name".to_owned(),
            "endUser.name" => name.to_owned(),
            "endUser.streetNum" => street("number"),
            "endUser.streetPreDir" => street("prefix"),
            "endUser.streetName" => street("name"),
            "endUser.streetType" => street("street_type"),
            "endUser.streetPostDir" => street("suffix"),
            "endUser.city" => "subscriber.address.city".to_owned(),
            "endUser.state" => "subscriber.address.state".to_owned(),
            "endUser.postalCode" => "subscriber.address.postal_code".to_owned(),
            "endUser.locationType3" => {
                if options.street.is_some() {
                    "inumbering.street".to_owned()
                } else {
                    "subscriber.address.line2".to_owned()
                }
            }
            "tnFeature.callerId.callingName" => "inumbering.lidb_name".to_owned(),
            _ => wire.to_owned(),
        }
    } else {
        match wire {
            "did" | "tnList.tnItem" => "lines".to_owned(),
            "name" => name.to_owned(),
            "lc_btn" => billing.to_owned(),
            "StreetNumber" => street("number"),
            "StreetPrefix" => street("prefix"),
            "Street" => street("name"),
            "StreetType" => street("street_type"),
            "StreetSuffix" => street("suffix"),
            "City" => "subscriber.address.city".to_owned(),
            "State" => "subscriber.address.state".to_owned(),
            "zip" => "subscriber.address.postal_code".to_owned(),
            "Country" => "subscriber.address.country".to_owned(),
            "auth_person" => "authorization_name".to_owned(),
            other => other.to_owned(),
        }
    }
}

/// Runs the checks the client runs on the typed request (`check`), so that
/// they fail here, before the key exchange and the pre-check, with the
/// request's field names; a field is reported once.
fn recheck(request: &PortRequest, run: impl FnOnce(&mut Problems)) -> Result<()> {
    let mut wire = Problems::new();
    run(&mut wire);
    let mut p = Problems::new();
    for f in wire.into_vec() {
        let field = request_field(&f.field, request);
        if !p.fields().any(|known| known == field) {
            p.push(FieldError::new(field, f.problem));
        }
    }
    p.finish()
}

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
    free_text(request, &options, &mut p);
    p.finish()?;
    let (Some(billing), Some(street), Some(address)) = (billing, street, address) else {
        return Err(Error::Config("incomplete iNumbering request".into()));
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
        return Err(Error::Config("incomplete iNumbering request".into()));
    };
    let port = AccountPort {
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
    };
    recheck(request, |p| check::account_port(&port, p))?;
    Ok(port)
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
        (Err(Error::Validation(mut found)), Err(Error::Validation(date))) => {
            found.extend(date);
            return Err(Error::Validation(found));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let (Some(date), Some(account_number)) = (request.desired_date, request.account_number.clone())
    else {
        return Err(Error::Config("incomplete iNumbering request".into()));
    };
    let end_user = EndUser {
        name: c.name,
        street: c.street,
        city: c.city,
        state: c.state,
        postal_code: c.zip,
        type_of_service: c.name_type,
    };
    let order = PortInOrder {
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
    };
    recheck(request, |p| check::port_in_order(&order, p))?;
    Ok(order)
}
