//! A Cellhire row: SIM, PAC, the port's name, networks, tariff and
//! provisioning.

use numport::carrier::cellhire::{CellhireOptions, MAX_NAME, PortType, Service};
use numport::{Iccid, Pac, PhoneNumber, PortLine, PortRequest};

use super::Cells;

/// The request of a Cellhire row, or `None` with the problems recorded.
pub fn request(c: &mut Cells<'_>, number: Option<PhoneNumber>) -> Option<PortRequest> {
    let sim = sim(c);
    let pac = if c.has("pac") {
        c.parsed("pac", |v| Pac::new(v))
    } else {
        c.problem("pac", "is missing: Cellhire needs the PAC");
        None
    };
    let esim = c.bool("esim").unwrap_or(false);
    let options = options(c);
    let line = PortLine::new(number?)
        .with_sim(sim?)
        .with_pac(pac?)
        .esim(esim);
    Some(PortRequest::new(vec![line]).with_cellhire(options?))
}

fn sim(c: &mut Cells<'_>) -> Option<Iccid> {
    if !c.has("sim") {
        c.problem("sim", "is missing: Cellhire needs the SIM's ICCID");
        return None;
    }
    c.parsed("sim", Iccid::parse)
}

fn options(c: &mut Cells<'_>) -> Option<CellhireOptions> {
    let name = c.required("port_name", "Cellhire names every port");
    let name = name.filter(|n| {
        let fits = n.chars().count() <= MAX_NAME;
        if !fits {
            c.problem("port_name", format!("is longer than {MAX_NAME} characters"));
        }
        fits
    });
    let target = c.required_int("target_network_id", "the network to port to");
    let source = c.required_int("source_network_id", "the network to port from");
    let tariff = c.required_int("tariff_id", "the tariff of the new SIM");
    let order = c.int("provisioning_order");
    let order_name = c.short_text("provisioning_order_name", MAX_NAME);
    if order.is_none() && !c.has("provisioning_order") && !c.has("provisioning_order_name") {
        c.problem(
            "provisioning_order",
            "is missing, and so is provisioning_order_name: Cellhire needs one",
        );
    }
    let bolt_ons = bolt_ons(c);
    let services = services(c);
    let group = c.short_text("group_name", MAX_NAME);
    let port_type = port_type(c);
    let mut options = CellhireOptions::new(name?, target?, source?, tariff?)
        .with_bolt_ons(bolt_ons?)
        .with_port_type(port_type?);
    if let Some(order) = order {
        options = options.with_provisioning_order(order);
    }
    if let Some(order_name) = order_name {
        options = options.with_provisioning_order_name(order_name);
    }
    for service in services? {
        options = options.with_service(service);
    }
    if let Some(group) = group {
        options = options.with_group_name(group);
    }
    Some(options)
}

/// Ids separated by `;`, `,` or spaces.
fn bolt_ons(c: &mut Cells<'_>) -> Option<Vec<i64>> {
    let Some(text) = c.text("bolt_ons") else {
        return Some(Vec::new());
    };
    let ids: Result<Vec<i64>, _> = text
        .split([';', ',', ' '])
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect();
    match ids {
        Ok(ids) => Some(ids),
        Err(_) => {
            c.problem("bolt_ons", "must be whole numbers separated by ';'");
            None
        }
    }
}

/// `name=value` pairs separated by `;`.
fn services(c: &mut Cells<'_>) -> Option<Vec<Service>> {
    let Some(text) = c.text("services") else {
        return Some(Vec::new());
    };
    let mut services = Vec::new();
    for part in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        match part.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                services.push(Service::new(name.trim(), value.trim()));
            }
            _ => {
                c.problem("services", "must be name=value pairs separated by ';'");
                return None;
            }
        }
    }
    Some(services)
}

fn port_type(c: &mut Cells<'_>) -> Option<PortType> {
    let Some(text) = c.text("port_type") else {
        return Some(PortType::PortIn);
    };
    match PortType::from_name(&text) {
        PortType::Other(_) => {
            c.problem("port_type", "must be PortIn, MigrateIn or MigrateInKeep");
            None
        }
        known => Some(known),
    }
}
