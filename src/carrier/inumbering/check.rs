//! Every check on what is sent to iNumbering, run once before the first
//! request (the key exchange included):
//! - [`request`]: a [`PortRequest`] for the customer request or the admin
//!   order, every problem named after the request's own fields
//!   (`lines[1].number`, `subscriber.address.state`,
//!   `inumbering.street.prefix`, `desired_date`). It covers every rule of
//!   the typed checks below for the request it maps to, so the mapped
//!   request is sent without them.
//! - [`availability`], [`account_port`], [`port_in_order`],
//!   [`pin_updates`]: the client's own calls on iNumbering's typed
//!   requests, named after the wire fields (`did[0]`, `tnList.tnItem[0].tn`).

use super::to_wire::locations;
use super::types::{AccountPort, MAX_CALLER_NAME, PinUpdate, PortInOrder};
use crate::error::{Problems, Result};
use crate::model::options::inumbering::{DIRECTIONS, INumberingOptions, NameType, StreetParts};
use crate::model::{PhoneNumber, PortRequest, check_text, is_us_state, is_zip};

/// The longest free text iNumbering's fields take.
const MAX_TEXT: usize = 255;

fn nanp(p: &mut Problems, field: &str, number: &PhoneNumber) {
    if !number.is_nanp() {
        p.add(field, format!("{number} is not a 10-digit NANP number"));
    }
}

/// Present, within [`MAX_TEXT`] characters, no control character.
fn text(p: &mut Problems, field: &str, value: &str) {
    p.take("", check_text(field, value, MAX_TEXT));
}

/// Length and control characters only (emptiness is checked where the
/// field is required, with its own message). True when it passed.
fn text_limits(p: &mut Problems, field: &str, value: &str) -> bool {
    if value.chars().count() > MAX_TEXT {
        p.add(field, format!("is longer than {MAX_TEXT} characters"));
    } else if value.chars().any(char::is_control) {
        p.add(field, "holds a control character");
    } else {
        return true;
    }
    false
}

/// A USPS state (or DC, or territory) code, upper-case, as the carrier
/// checks it.
fn state(p: &mut Problems, field: &str, value: &str) {
    if !is_us_state(value) {
        p.add(
            field,
            format!("{value:?} is not a US state abbreviation (such as IL)"),
        );
    }
}

/// A ZIP code: five digits, or ZIP+4.
fn zip(p: &mut Problems, field: &str, value: &str) {
    if !is_zip(value) {
        p.add(
            field,
            format!("{value:?} is not a ZIP code (12345 or 12345-6789)"),
        );
    }
}

fn direction(p: &mut Problems, field: &str, value: &str) {
    if !value.is_empty() && !DIRECTIONS.contains(&value) {
        p.add(
            field,
            format!("{value:?} is not one of N, NE, E, SE, S, SW, W, NW"),
        );
    }
}

/// A caller-ID name: at most 15 characters.
fn caller_name(p: &mut Problems, field: &str, name: &str) {
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

/// More building, floor, room and unit values than an admin order's three
/// location fields take.
fn too_many_locations(street: &StreetParts) -> bool {
    locations(street).len() > 3
}

const TOO_MANY_LOCATIONS: &str = "only three of building, floor, room and unit fit an admin order";

fn numbers(p: &mut Problems, field: &str, numbers: &[PhoneNumber]) {
    if numbers.is_empty() {
        p.add(field, "is empty");
    }
    for (i, n) in numbers.iter().enumerate() {
        nanp(p, &format!("{field}[{i}]"), n);
    }
}

/// `request` for the customer request (`admin` false) or the admin order:
/// every problem at once, in the request's own terms.
///
/// Beside the request's own rules, the typed checks' rules hold for what
/// the request maps to: each field of the mapped request comes from one
/// request field, checked here under its name (a parsed street line's
/// parts are pieces of `subscriber.address.line1`, so its length and
/// control-character check covers them; the parse gives no empty part,
/// and only a direction as prefix or suffix).
pub(super) fn request(request: &PortRequest, admin: bool) -> Result<()> {
    let mut p = Problems::new();
    request.validate_common(&mut p);
    if !request.documents.is_empty() {
        p.add(
            "documents",
            "are not taken by iNumbering with the order: sign the LoA at the loa_url it returns",
        );
    }
    let none;
    let options = match &request.inumbering {
        Some(options) => options,
        None => {
            none = INumberingOptions::default();
            &none
        }
    };
    for (i, line) in request.lines.iter().enumerate() {
        nanp(&mut p, &format!("lines[{i}].number"), &line.number);
    }
    if let Some(b) = options.billing_number.as_ref() {
        nanp(&mut p, "inumbering.billing_number", b);
    }
    if request.account_number.is_none() {
        p.add(
            "account_number",
            "is missing: the losing carrier's account number",
        );
    }
    if request
        .authorization_name
        .as_deref()
        .is_none_or(|n| n.trim().is_empty())
    {
        p.add(
            "authorization_name",
            "is missing: who signs the Letter of Authorization",
        );
    }
    if let Some(name) = &options.lidb_name {
        caller_name(&mut p, "inumbering.lidb_name", name);
    }
    let subscriber = request.subscriber.as_ref();
    match (subscriber, options.name_type) {
        (None, _) => p.add(
            "subscriber",
            "is missing: iNumbering needs the name and service address",
        ),
        (Some(s), NameType::Business) => {
            if s.business_name
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
            {
                p.add(
                    "subscriber.business_name",
                    "is missing: a business port needs it",
                );
            }
        }
        (Some(s), NameType::Residential) => {
            if s.full_name().is_empty() {
                p.add("subscriber.first_name", "is empty");
            }
        }
    }
    let address = subscriber.and_then(|s| s.address.as_ref());
    if subscriber.is_some() && address.is_none() {
        p.add(
            "subscriber.address",
            "is missing: iNumbering needs the service address",
        );
    }
    if let (None, Some(a)) = (&options.street, address) {
        if StreetParts::parse(&a.line1).is_none() {
            p.add(
                "subscriber.address.line1",
                format!(
                    "{:?} could not be split into number, street and type: set inumbering.street",
                    a.line1
                ),
            );
        }
    }
    if let Some(a) = address {
        if a.state.len() != 2 || !a.state.bytes().all(|b| b.is_ascii_uppercase()) {
            p.add(
                "subscriber.address.state",
                format!("{:?} is not a 2-letter state abbreviation", a.state),
            );
        } else {
            state(&mut p, "subscriber.address.state", &a.state);
        }
        for (field, value) in [("city", &a.city), ("postal_code", &a.postal_code)] {
            if value.trim().is_empty() {
                p.add(format!("subscriber.address.{field}"), "is empty");
            }
        }
    }
    free_text(request, options, &mut p);
    if admin {
        // A street read from the address has one location at most: the
        // second line.
        if options.street.as_ref().is_some_and(too_many_locations) {
            p.add("inumbering.street", TOO_MANY_LOCATIONS);
        }
        if request.desired_date.is_none() {
            p.add(
                "desired_date",
                "is missing: portInOrder needs desiredDueDate",
            );
        }
    }
    p.finish()
}

/// The free text of `request` as iNumbering's fields take it (at most 255
/// characters, no control character; a ZIP code's shape), named after the
/// request's fields.
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
                let first = text_limits(p, "subscriber.first_name", &s.first_name);
                let last = text_limits(p, "subscriber.last_name", &s.last_name);
                if first && last && s.full_name().chars().count() > MAX_TEXT {
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
            if text_limits(p, "subscriber.address.postal_code", &a.postal_code)
                && !a.postal_code.trim().is_empty()
            {
                zip(p, "subscriber.address.postal_code", &a.postal_code);
            }
            text_limits(p, "subscriber.address.country", &a.country);
        }
    }
    if let Some(street) = options.street.as_ref() {
        for (part, value) in [
            ("number", &street.number),
            ("name", &street.name),
            ("street_type", &street.street_type),
        ] {
            text(p, &format!("inumbering.street.{part}"), value);
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

/// portInAvailability's numbers: at least one, each 10-digit NANP.
pub(super) fn availability(list: &[PhoneNumber]) -> Result<()> {
    let mut p = Problems::new();
    numbers(&mut p, "tnList.tnItem", list);
    p.finish()
}

/// A customer request, named after its wire fields.
pub(super) fn account_port(port: &AccountPort) -> Result<()> {
    let mut p = Problems::new();
    numbers(&mut p, "did", &port.numbers);
    text(&mut p, "name", &port.name);
    nanp(&mut p, "lc_btn", &port.billing_number);
    text(&mut p, "StreetNumber", &port.street.number);
    direction(&mut p, "StreetPrefix", &port.street.prefix);
    text(&mut p, "Street", &port.street.name);
    text(&mut p, "StreetType", &port.street.street_type);
    direction(&mut p, "StreetSuffix", &port.street.suffix);
    text(&mut p, "City", &port.city);
    state(&mut p, "State", &port.state);
    zip(&mut p, "zip", &port.zip);
    text(&mut p, "Country", &port.country);
    text(&mut p, "auth_person", &port.auth_person);
    for (i, f) in port.features.iter().enumerate() {
        nanp(&mut p, &format!("features[{i}].number"), &f.number);
        if let Some(name) = &f.lidb_name {
            caller_name(&mut p, &format!("features[{i}].lidb.name"), name);
        }
    }
    p.finish()
}

/// An admin order, named after its wire fields.
pub(super) fn port_in_order(order: &PortInOrder) -> Result<()> {
    let mut p = Problems::new();
    if order.items.is_empty() {
        p.add("tnList.tnItem", "is empty");
    }
    for (i, item) in order.items.iter().enumerate() {
        let at = |f: &str| format!("tnList.tnItem[{i}].{f}");
        nanp(&mut p, &at("tn"), &item.tn);
        nanp(&mut p, &at("atn"), &item.atn);
        text(&mut p, &at("authName"), &item.auth_name);
        let u = &item.end_user;
        text(&mut p, &at("endUser.name"), &u.name);
        text(&mut p, &at("endUser.streetNum"), &u.street.number);
        direction(&mut p, &at("endUser.streetPreDir"), &u.street.prefix);
        text(&mut p, &at("endUser.streetName"), &u.street.name);
        text(&mut p, &at("endUser.streetType"), &u.street.street_type);
        direction(&mut p, &at("endUser.streetPostDir"), &u.street.suffix);
        text(&mut p, &at("endUser.city"), &u.city);
        state(&mut p, &at("endUser.state"), &u.state);
        zip(&mut p, &at("endUser.postalCode"), &u.postal_code);
        if too_many_locations(&u.street) {
            p.add(at("endUser.locationType3"), TOO_MANY_LOCATIONS);
        }
        if let Some(name) = &item.calling_name {
            caller_name(&mut p, &at("tnFeature.callerId.callingName"), name);
        }
    }
    p.finish()
}

/// portOutPinUpdate's numbers and PINs (4 digits where given).
pub(super) fn pin_updates(updates: &[PinUpdate]) -> Result<()> {
    let mut p = Problems::new();
    if updates.is_empty() {
        p.add("tnList.tnItem", "is empty");
    }
    for (i, u) in updates.iter().enumerate() {
        nanp(&mut p, &format!("tnList.tnItem[{i}].tn"), &u.number);
        if let Some(pin) = &u.pin {
            let pin = pin.expose();
            if pin.len() != 4 || !pin.bytes().all(|b| b.is_ascii_digit()) {
                p.add(format!("tnList.tnItem[{i}].portOutPin"), "must be 4 digits");
            }
        }
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::super::request;
    use super::*;
    use crate::model::{AccountNumber, Address, Pin, PortLine, Subscriber};

    fn valid() -> PortRequest {
        let number = PhoneNumber::nanp("3125550142").unwrap();
        PortRequest::new(vec![PortLine::new(number)])
            .with_subscriber(Subscriber::new("Maria", "Lopez").with_address(Address::new(
                "233 S Wacker Dr",
                "Chicago",
                "IL",
                "60606",
                "US",
            )))
            .with_authorization_name("Maria Lopez")
            .with_losing_account(
                AccountNumber::new("5512098734").unwrap(),
                Pin::new("7731").unwrap(),
            )
            .with_desired_date("2026-06-01".parse().unwrap())
    }

    fn address(r: &mut PortRequest) -> &mut Address {
        r.subscriber.as_mut().unwrap().address.as_mut().unwrap()
    }

    fn street(edit: impl FnOnce(&mut StreetParts)) -> INumberingOptions {
        let mut parts = StreetParts::new("233", "Wacker", "DR");
        edit(&mut parts);
        INumberingOptions::new().with_street(parts)
    }

    /// A street with a building, a floor, a room and the `unit` given.
    fn located(building: &str, unit: Option<&str>) -> INumberingOptions {
        street(|s| {
            s.building = Some(building.into());
            s.floor = Some("2".into());
            s.room = Some("7".into());
            s.unit = unit.map(Into::into);
        })
    }

    /// A change to the valid request.
    type Edit = Box<dyn Fn(&mut PortRequest)>;

    /// Requests that pass or fail the checks at their edges: each field
    /// the typed checks read, at values the request's own rules alone let
    /// through.
    fn variants() -> Vec<PortRequest> {
        let mut edits: Vec<Edit> = vec![Box::new(|_| {})];
        for state in ["ZZ", "DC", "il"] {
            edits.push(Box::new(move |r| address(r).state = state.into()));
        }
        for zip in ["ABCDE", "60606-1234", " 60606", "6060"] {
            edits.push(Box::new(move |r| address(r).postal_code = zip.into()));
        }
        let lines = [
            "12 n. Main Street sw",
            "12 N Main St",
            "12 Main",
            "1 St",
            "PO Box 7",
        ];
        for line1 in lines {
            edits.push(Box::new(move |r| address(r).line1 = line1.into()));
        }
        for line2 in ["STE 200", "  "] {
            edits.push(Box::new(move |r| address(r).line2 = Some(line2.into())));
        }
        let business = || INumberingOptions::new().with_name_type(NameType::Business);
        let uk = || PhoneNumber::parse("+447700900123").unwrap();
        let options = [
            business(),
            street(|s| s.prefix = "NE".into()),
            street(|s| s.suffix = "Q".into()),
            street(|s| s.name = " ".into()),
            located("B", None),
            located("B", Some("STE 200")),
            located(" ", Some("STE 200")),
            INumberingOptions::new().with_lidb_name("MARIA"),
            INumberingOptions::new().with_lidb_name(" "),
            INumberingOptions::new().with_billing_number(uk()),
        ];
        for o in options {
            edits.push(Box::new(move |r| r.inumbering = Some(o.clone())));
        }
        let more: [Edit; 8] = [
            Box::new(|r| address(r).country = " ".into()),
            Box::new(|r| {
                r.subscriber.as_mut().unwrap().first_name = " ".into();
                r.subscriber.as_mut().unwrap().last_name = "Lopez".into();
            }),
            Box::new(|r| r.subscriber.as_mut().unwrap().first_name = "M".repeat(200)),
            Box::new(move |r| {
                r.subscriber.as_mut().unwrap().business_name = Some("Acme".into());
                r.inumbering = Some(business());
            }),
            Box::new(move |r| r.lines.push(PortLine::new(uk()))),
            Box::new(|r| r.lines.clear()),
            Box::new(|r| r.authorization_name = Some(" ".into())),
            Box::new(|r| r.desired_date = None),
        ];
        edits.extend(more);
        edits
            .iter()
            .map(|edit| {
                let mut r = valid();
                edit(&mut r);
                r
            })
            .collect()
    }

    fn fields(result: Result<()>) -> Vec<String> {
        match result {
            Ok(()) => Vec::new(),
            Err(e) => e.field_errors().iter().map(|f| f.field.clone()).collect(),
        }
    }

    /// Nothing the request's checks let through fails the typed checks of
    /// what it maps to: the trait path sends it without them.
    #[test]
    fn the_request_checks_cover_every_typed_check_of_the_mapped_request() {
        let mut passed = 0;
        for r in variants() {
            if request(&r, false).is_ok() {
                passed += 1;
                let port = request::account_port(&r).unwrap();
                assert_eq!(fields(account_port(&port)), Vec::<String>::new(), "{r:?}");
            }
            if request(&r, true).is_ok() {
                let order = request::port_in_order(&r).unwrap();
                assert_eq!(fields(port_in_order(&order)), Vec::<String>::new(), "{r:?}");
            }
        }
        assert!(passed > 10, "too few variants pass: {passed}");
    }

    /// The rules only the typed checks had are named in the request's
    /// terms, with the typed checks' words.
    #[test]
    fn state_zip_and_locations_are_named_after_the_request() {
        let mut r = valid();
        address(&mut r).state = "ZZ".into();
        address(&mut r).postal_code = "ABCDE".into();
        let e = request(&r, false).unwrap_err();
        let got: Vec<(&str, &str)> = e
            .field_errors()
            .iter()
            .map(|f| (f.field.as_str(), f.problem.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "subscriber.address.state",
                    "\"ZZ\" is not a US state abbreviation (such as IL)"
                ),
                (
                    "subscriber.address.postal_code",
                    "\"ABCDE\" is not a ZIP code (12345 or 12345-6789)"
                ),
            ]
        );
        // An empty ZIP is reported once.
        let mut r = valid();
        address(&mut r).postal_code = String::new();
        assert_eq!(
            fields(request(&r, false)),
            ["subscriber.address.postal_code"]
        );
        // Four locations fit a customer request, not an admin order.
        let mut r = valid();
        r.inumbering = Some(located("B", Some("STE 200")));
        assert_eq!(fields(request(&r, false)), Vec::<String>::new());
        assert_eq!(fields(request(&r, true)), ["inumbering.street"]);
    }
}
