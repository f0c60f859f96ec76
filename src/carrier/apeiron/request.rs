//! The unified [`PortRequest`] onto Apeiron port-ins: one per number.

use super::check;
use super::types::CellularPort;
use crate::error::{Error, FieldError, Problems, Result};
use crate::model::{DocumentKind, PortRequest};

/// One [`CellularPort`] per line of `request`, or every problem found in any
/// of them, named after the request's own fields. Nothing is sent unless all
/// lines pass.
pub(crate) fn ports_from_request(request: &PortRequest) -> Result<Vec<CellularPort>> {
    let mut p = Problems::new();
    request.validate_common(&mut p);
    check::documents(request, &mut p);
    let Some(options) = &request.apeiron else {
        p.add(
            "apeiron",
            "options are missing: set PortRequest::with_apeiron",
        );
        p.finish()?;
        return Ok(Vec::new());
    };
    let plan = check::plan(options, &mut p);
    let e911 = check::e911(options, &mut p);
    let subscriber = request.subscriber.as_ref();
    if subscriber.is_none() {
        p.add(
            "subscriber",
            "is missing: Apeiron needs the subscriber's name and service address",
        );
    }
    let address = subscriber.and_then(|s| s.address.as_ref());
    if subscriber.is_some() && address.is_none() {
        p.add(
            "subscriber.address",
            "is missing: Apeiron needs the service address",
        );
    }
    let authorization_name = request.authorization_name.as_deref();
    if authorization_name.is_none() {
        p.add(
            "authorization_name",
            "is missing: the name on the Letter of Authorization",
        );
    }
    if request.account_number.is_none() {
        p.add(
            "account_number",
            "is missing: the losing carrier's account number",
        );
    }
    if request.pin.is_none() {
        p.add("pin", "is missing: the losing carrier's account PIN");
    }
    for (i, line) in request.lines.iter().enumerate() {
        if line.sim.is_none() {
            p.add(
                format!("lines[{i}].sim"),
                "is missing: Apeiron needs the SIM's ICCID",
            );
        }
    }
    let document = |kind: DocumentKind| request.documents.iter().find(|d| d.kind == kind).cloned();
    let mut ports = Vec::with_capacity(request.lines.len());
    if let (
        Some(subscriber),
        Some(address),
        Some(name),
        Some(account),
        Some(pin),
        Some(plan),
        Some(e911),
    ) = (
        subscriber,
        address,
        authorization_name,
        &request.account_number,
        &request.pin,
        plan,
        e911,
    ) {
        for (i, line) in request.lines.iter().enumerate() {
            let Some(sim) = &line.sim else { continue };
            let mut port = CellularPort::new(
                line.number.clone(),
                name,
                &subscriber.first_name,
                &subscriber.last_name,
                address,
                account.clone(),
                pin.clone(),
                plan.clone(),
                sim.clone(),
            );
            port.ticket_id = options.ticket_id.clone();
            port.reference = request.reference.clone();
            port.business_name = subscriber.business_name.clone();
            port.e911 = e911.clone();
            port.create_subscriber = options.create_subscriber;
            port.loa = document(DocumentKind::LetterOfAuthorization);
            port.bill = document(DocumentKind::Bill);
            let mut line_problems = Problems::new();
            check::check_port(&port, &mut line_problems);
            if let Err(Error::Validation(found)) = line_problems.finish() {
                for f in found {
                    let field = check::request_field(&f.field, i, request);
                    // Request-wide fields are reported once, not per line.
                    if !p.fields().any(|known| known == field) {
                        p.push(FieldError::new(field, f.problem));
                    }
                }
            }
            ports.push(port);
        }
    }
    p.finish()?;
    Ok(ports)
}
