//! The porting networks the fake Cellhire offers.

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

/// One target network's rules.
#[derive(Debug)]
pub(crate) struct Network {
    pub(crate) id: i64,
    pub(crate) name: &'static str,
    pub(crate) min_days: u32,
    pub(crate) max_days: u32,
    pub(crate) allow_esim: bool,
    pub(crate) network_number: i64,
    pub(crate) sources: &'static [(i64, &'static str)],
}

const VODAFONE: Network = Network {
    id: 1,
    name: "Vodafone",
    min_days: 1,
    max_days: 30,
    allow_esim: true,
    network_number: 200,
    sources: &[(5, "O2"), (10, "Virgin Media")],
};

const ORANGE_FR: Network = Network {
    id: 4,
    name: "Orange (France) LMVNO",
    min_days: 3,
    max_days: 20,
    allow_esim: false,
    network_number: 410,
    sources: &[(34, "Bouygues")],
};

/// `(portType id, portTypeName, target networks)`.
pub(crate) const PORT_TYPES: &[(i64, &str, &[Network])] = &[
    (2, "Port", &[VODAFONE, ORANGE_FR]),
    (3, "MigrateIn", &[VODAFONE]),
    // "Migrate In Keep Sim (available on limited networks)".
    (4, "MigrateInKeep", &[VODAFONE]),
];

/// UK bank holidays the sandbox knows of.
const HOLIDAYS: &[&str] = &[
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
];

/// The holidays in `network`'s booking window as of `today`.
pub(crate) fn holidays(network: &Network, today: NaiveDate) -> Vec<NaiveDate> {
    let first = today.checked_add_days(Days::new(network.min_days.into()));
    let last = today.checked_add_days(Days::new(network.max_days.into()));
    HOLIDAYS
        .iter()
        .filter_map(|d| d.parse::<NaiveDate>().ok())
        .filter(|d| first.is_some_and(|f| *d >= f) && last.is_some_and(|l| *d <= l))
        .collect()
}

/// The port type a Create Port `portType` names: `(id, name)`. The list
/// calls the port-in type `Port`, Create Port calls it `PortIn`.
pub(crate) fn port_type(create_name: &str) -> Option<(i64, &'static str)> {
    match create_name {
        "PortIn" => Some((2, "PortIn")),
        "MigrateIn" => Some((3, "MigrateIn")),
        "MigrateInKeep" => Some((4, "MigrateInKeep")),
        _ => None,
    }
}

/// Target network `id` of port type `type_id`.
pub(crate) fn find(type_id: i64, id: i64) -> Option<&'static Network> {
    PORT_TYPES
        .iter()
        .find(|(t, _, _)| *t == type_id)?
        .2
        .iter()
        .find(|n| n.id == id)
}

/// The Get Porting Networks answer.
pub(crate) fn list(today: NaiveDate) -> Value {
    let types: Vec<Value> = PORT_TYPES
        .iter()
        .map(|(id, name, networks)| {
            json!({
                "portTypeName": name,
                "portType": id,
                "targetNetworks": networks.iter().map(|n| json!({
                    "id": n.id,
                    "name": n.name,
                    "maxPortDays": n.max_days,
                    "minPortDays": n.min_days,
                    "allowEsim": n.allow_esim,
                    "networkNumber": n.network_number,
                    "sourceNetworks": n.sources.iter()
                        .map(|(id, name)| json!({"id": id, "name": name}))
                        .collect::<Vec<_>>(),
                    "upcomingHolidays": holidays(n, today).iter()
                        .map(|d| format!("{}T00:00:00", d.format("%Y-%m-%d")))
                        .collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Value::Array(types)
}
