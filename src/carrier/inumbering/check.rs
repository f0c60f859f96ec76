//! Checks on iNumbering's typed requests before sending, named after the
//! wire fields.

use super::to_wire::locations;
use super::types::{AccountPort, MAX_CALLER_NAME, PinUpdate, PortInOrder};
use crate::error::Problems;
use crate::model::options::inumbering::DIRECTIONS;
use crate::model::{PhoneNumber, check_text};

/// The longest free text iNumbering's fields take.
pub(super) const MAX_TEXT: usize = 255;

pub(super) fn nanp(p: &mut Problems, field: &str, number: &PhoneNumber) {
    if !number.is_nanp() {
        p.add(field, format!("{number} is not a 10-digit NANP number"));
    }
}

fn text(p: &mut Problems, field: &str, value: &str) {
    p.take("", check_text(field, value, MAX_TEXT));
}

/// A USPS state (or DC, or territory) code, upper-case, as the carrier
/// checks it.
fn state(p: &mut Problems, field: &str, value: &str) {
    if !crate::model::is_us_state(value) {
        p.add(
            field,
            format!("{value:?} is not a US state abbreviation (such as IL)"),
        );
    }
}

/// A ZIP code: five digits, or ZIP+4.
fn zip(p: &mut Problems, field: &str, value: &str) {
    if !crate::model::is_zip(value) {
        p.add(
            field,
            format!("{value:?} is not a ZIP code (12345 or 12345-6789)"),
        );
    }
}

pub(super) fn direction(p: &mut Problems, field: &str, value: &str) {
    if !value.is_empty() && !DIRECTIONS.contains(&value) {
        p.add(
            field,
            format!("{value:?} is not one of N, NE, E, SE, S, SW, W, NW"),
        );
    }
}

/// A caller-ID name: at most 15 characters.
pub(super) fn caller_name(p: &mut Problems, field: &str, name: &str) {
    if name.trim().is_empty() {
        p.add(field, "is empty");
    } else if name.chars().count() > MAX_CALLER_NAME {
        p.add(
            field,
            format!(
                "is {} characters: at most {MAX_CALLER_NAME}",
                name.chars().count()
            ),
        );
    }
}

pub(super) fn numbers(p: &mut Problems, field: &str, numbers: &[PhoneNumber]) {
    if numbers.is_empty() {
        p.add(field, "is empty");
    }
    for (i, n) in numbers.iter().enumerate() {
        nanp(p, &format!("{field}[{i}]"), n);
    }
}

pub(super) fn account_port(port: &AccountPort, p: &mut Problems) {
    numbers(p, "did", &port.numbers);
    text(p, "name", &port.name);
    nanp(p, "lc_btn", &port.billing_number);
    text(p, "StreetNumber", &port.street.number);
    direction(p, "StreetPrefix", &port.street.prefix);
    text(p, "Street", &port.street.name);
    text(p, "StreetType", &port.street.street_type);
    direction(p, "StreetSuffix", &port.street.suffix);
    text(p, "City", &port.city);
    state(p, "State", &port.state);
    zip(p, "zip", &port.zip);
    text(p, "Country", &port.country);
    text(p, "auth_person", &port.auth_person);
    for (i, f) in port.features.iter().enumerate() {
        nanp(p, &format!("features[{i}].number"), &f.number);
        if let Some(name) = &f.lidb_name {
            caller_name(p, &format!("features[{i}].lidb.name"), name);
        }
    }
}

pub(super) fn port_in_order(order: &PortInOrder, p: &mut Problems) {
    if order.items.is_empty() {
        p.add("tnList.tnItem", "is empty");
    }
    for (i, item) in order.items.iter().enumerate() {
        let at = |f: &str| format!("tnList.tnItem[{i}].{f}");
        nanp(p, &at("tn"), &item.tn);
        nanp(p, &at("atn"), &item.atn);
        text(p, &at("authName"), &item.auth_name);
        let u = &item.end_user;
        text(p, &at("endUser.name"), &u.name);
        text(p, &at("endUser.streetNum"), &u.street.number);
        direction(p, &at("endUser.streetPreDir"), &u.street.prefix);
        text(p, &at("endUser.streetName"), &u.street.name);
        text(p, &at("endUser.streetType"), &u.street.street_type);
        direction(p, &at("endUser.streetPostDir"), &u.street.suffix);
        text(p, &at("endUser.city"), &u.city);
        state(p, &at("endUser.state"), &u.state);
        zip(p, &at("endUser.postalCode"), &u.postal_code);
        if locations(&u.street).len() > 3 {
            p.add(
                at("endUser.locationType3"),
                "only three of building, floor, room and unit fit an admin order",
            );
        }
        if let Some(name) = &item.calling_name {
            caller_name(p, &at("tnFeature.callerId.callingName"), name);
        }
    }
}

pub(super) fn pin_updates(updates: &[PinUpdate], p: &mut Problems) {
    if updates.is_empty() {
        p.add("tnList.tnItem", "is empty");
    }
    for (i, u) in updates.iter().enumerate() {
        nanp(p, &format!("tnList.tnItem[{i}].tn"), &u.number);
        if let Some(pin) = &u.pin {
            let pin = pin.expose();
            if pin.len() != 4 || !pin.bytes().all(|b| b.is_ascii_digit()) {
                p.add(format!("tnList.tnItem[{i}].portOutPin"), "must be 4 digits");
            }
        }
    }
}
