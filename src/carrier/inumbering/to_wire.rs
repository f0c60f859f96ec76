//! Typed iNumbering requests onto the exact wire JSON. Secrets are exposed
//! here and only here.

use bytes::Bytes;

use super::types::{AccountPort, PinUpdate, PortInOrder};
use super::wire;
use crate::error::{Error, Result};
use crate::model::PhoneNumber;
use crate::model::options::inumbering::StreetParts;

/// Every body iNumbering takes is JSON.
pub(super) const JSON: &str = "application/json";

/// A request body.
pub(super) fn json(value: &impl serde::Serialize) -> Result<Bytes> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Error::Config(format!("could not encode the request: {e}")))
}

/// The 10 NANP digits (checked before this is called).
pub(super) fn digits(number: &PhoneNumber) -> String {
    number
        .nanp_digits()
        .unwrap_or_else(|| number.msisdn())
        .to_owned()
}

/// The 10 NANP digits as the integer `tn` some schemas want.
pub(super) fn tn(number: &PhoneNumber) -> u64 {
    digits(number).parse().unwrap_or_default()
}

pub(super) fn availability<'a>(
    apikey: &'a str,
    numbers: &[PhoneNumber],
) -> wire::AvailabilityRequest<'a> {
    wire::AvailabilityRequest {
        apikey,
        tn_list: wire::TnList {
            tn_item: numbers.iter().map(|n| wire::Tn { tn: tn(n) }).collect(),
        },
    }
}

/// Building, floor, room and unit as up to three location pairs.
pub(super) fn locations(street: &StreetParts) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (kind, value) in [
        ("BLDG", &street.building),
        ("FL", &street.floor),
        ("RM", &street.room),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            out.push((kind.to_owned(), v.trim().to_owned()));
        }
    }
    if let Some(unit) = street
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        match unit.split_once(' ') {
            Some((kind, value)) => out.push((kind.to_ascii_uppercase(), value.trim().to_owned())),
            None => out.push(("UNIT".to_owned(), unit.to_owned())),
        }
    }
    out
}

pub(super) fn port_in_order<'a>(
    apikey: &'a str,
    order: &'a PortInOrder,
) -> wire::PortInOrderRequest<'a> {
    let items = order
        .items
        .iter()
        .map(|item| {
            let u = &item.end_user;
            let mut loc = locations(&u.street).into_iter();
            let (t1, v1) = loc.next().unzip();
            let (t2, v2) = loc.next().unzip();
            let (t3, v3) = loc.next().unzip();
            wire::PortInItem {
                tn: digits(&item.tn),
                atn: digits(&item.atn),
                account_num: item.account_number.expose(),
                account_pin: item.account_pin.as_ref().map(|p| p.expose()),
                auth_name: &item.auth_name,
                end_user: wire::EndUser {
                    name: &u.name,
                    street_num: &u.street.number,
                    street_pre_dir: &u.street.prefix,
                    street_name: &u.street.name,
                    street_type: &u.street.street_type,
                    street_post_dir: &u.street.suffix,
                    location_type1: t1,
                    location_value1: v1,
                    location_type2: t2,
                    location_value2: v2,
                    location_type3: t3,
                    location_value3: v3,
                    city: &u.city,
                    state: &u.state,
                    postal_code: &u.postal_code,
                    type_of_service: u.type_of_service.type_of_service(),
                },
                tn_feature: item.calling_name.as_deref().map(|name| wire::TnFeature {
                    caller_id: wire::CallerId { calling_name: name },
                }),
            }
        })
        .collect();
    wire::PortInOrderRequest {
        apikey,
        port_in_order: wire::PortInOrder {
            desired_due_date: order.desired_due_date.format("%Y-%m-%d").to_string(),
            tn_list: wire::TnList { tn_item: items },
        },
    }
}

pub(super) fn account_port(port: &AccountPort) -> wire::AccountPortRequest<'_> {
    let s = &port.street;
    wire::AccountPortRequest {
        did: port.numbers.iter().map(digits).collect(),
        name: &port.name,
        name_type: port.name_type.wire_name(),
        lc_btn: digits(&port.billing_number),
        lc_account_number: port.account_number.expose(),
        pin: port.pin.as_ref().map(|p| p.expose()),
        StreetNumber: &s.number,
        StreetPrefix: &s.prefix,
        Street: &s.name,
        StreetType: &s.street_type,
        StreetSuffix: &s.suffix,
        Building: s.building.as_deref(),
        Floor: s.floor.as_deref(),
        Room: s.room.as_deref(),
        UnitValue: s.unit.as_deref(),
        City: &port.city,
        State: &port.state,
        zip: &port.zip,
        Country: &port.country,
        auth_person: &port.auth_person,
        desired_due_date: port
            .desired_due_date
            .map(|d| d.format("%Y-%m-%d").to_string()),
        features: port
            .features
            .iter()
            .map(|f| wire::Feature {
                number: digits(&f.number),
                routing: f.gateway_id.map(|gateway_id| wire::Routing { gateway_id }),
                lidb: f.lidb_name.as_deref().map(|name| wire::Lidb { name }),
                sms: f
                    .sms_campaign_id
                    .as_deref()
                    .map(|campaign_id| wire::Sms { campaign_id }),
            })
            .collect(),
    }
}

pub(super) fn pin_update<'a>(
    apikey: &'a str,
    updates: &'a [PinUpdate],
) -> wire::PinUpdateRequest<'a> {
    wire::PinUpdateRequest {
        apikey,
        port_out_pin: wire::PinList {
            tn_list: wire::TnList {
                tn_item: updates
                    .iter()
                    .map(|u| wire::PinItem {
                        tn: tn(&u.number),
                        port_out_pin: u.pin.as_ref().map(|p| p.expose()),
                    })
                    .collect(),
            },
        },
    }
}
