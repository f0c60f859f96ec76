//! Create Port, checked as the document says Cellhire checks it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use super::networks::{self, Network};
use super::state::{Port, Row, State, number_key};
use super::statuses::{PortState, RowState};
use crate::carrier::cellhire::ConnectionDatePlanner;

/// Why a Create Port was refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// 400 problem details with these field errors.
    Fields(BTreeMap<String, Vec<String>>),
    /// 400 with this plain-text message (the stock and open-port refusals).
    Text(String),
}

#[derive(Default)]
struct Problems(BTreeMap<String, Vec<String>>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

fn check_name(p: &mut Problems, field: &str, value: Option<&str>) {
    match value {
        None => p.add(field, format!("The {field} field is required.")),
        Some(s) if s.trim().is_empty() => p.add(field, format!("The {field} field is required.")),
        Some(s) if s.chars().count() > 255 => p.add(
            field,
            format!("The field {field} must be at most 255 characters."),
        ),
        Some(_) => {}
    }
}

/// The date part of `2025-05-02T00:00:00.000Z` or `2025-05-02`.
fn date(v: &Value) -> Option<NaiveDate> {
    let s = v.as_str()?;
    s.get(..10)?.parse().ok()
}

fn check_date(p: &mut Problems, network: &Network, today: NaiveDate, date: NaiveDate) {
    let holidays = networks::holidays(network, today);
    let planner = ConnectionDatePlanner::from_rules(network.min_days, network.max_days, &holidays);
    if let Err(problem) = planner.check(today, date) {
        p.add("connectionDate", format!("{date} {problem}"));
    }
}

fn row(p: &mut Problems, i: usize, r: &Value, network: Option<&Network>) -> Option<Row> {
    let at = |f: &str| format!("rows[{i}].{f}");
    check_name(p, &at("groupName"), text(r, "groupName"));
    let msisdn = text(r, "msisdn").unwrap_or_default();
    let digits = msisdn.chars().filter(char::is_ascii_digit).count();
    if msisdn.is_empty() || digits != msisdn.len() || !(10..=15).contains(&digits) {
        p.add(at("msisdn"), "The msisdn must be 10 to 15 digits.");
    }
    let serial = text(r, "serialNo").unwrap_or_default();
    if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_digit()) {
        p.add(at("serialNo"), "The serialNo must be digits.");
    }
    let order = int(r, "provisioningOrder");
    let order_name = text(r, "provisioningOrderName").map(str::to_owned);
    match &order_name {
        Some(name) => check_name(p, &at("provisioningOrderName"), Some(name)),
        None if order.is_none() => p.add(
            at("provisioningOrder"),
            "Either provisioningOrder or provisioningOrderName must be provided.",
        ),
        None => {}
    }
    let pac = text(r, "pac").unwrap_or_default();
    if pac.trim().is_empty() {
        p.add(at("pac"), "The pac field is required.");
    }
    let tariff = int(r, "tariffId").filter(|t| *t > 0);
    if tariff.is_none() {
        p.add(at("tariffId"), "The tariffId field is required.");
    }
    let bolt_ons: Option<Vec<i64>> = match r.get("boltOns") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(v) => v
            .as_array()
            .and_then(|a| a.iter().map(Value::as_i64).collect()),
    };
    if bolt_ons.is_none() {
        p.add(at("boltOns"), "The boltOns must be a list of ids.");
    }
    let services = r.get("services").cloned().unwrap_or(Value::Null);
    let services_ok = services.is_null()
        || services.as_array().is_some_and(|list| {
            list.iter()
                .all(|s| text(s, "name").is_some() && text(s, "value").is_some())
        });
    if !services_ok {
        p.add(at("services"), "Each service needs a name and a value.");
    }
    let esim = r.get("esim").and_then(Value::as_bool).unwrap_or(false);
    if let Some(n) = network.filter(|n| esim && !n.allow_esim) {
        p.add(at("esim"), format!("{} does not allow eSIMs.", n.name));
    }
    Some(Row {
        id: uuid::Uuid::new_v4().to_string(),
        msisdn: msisdn.to_owned(),
        serial_no: serial.to_owned(),
        pac: pac.to_owned(),
        state: RowState::Created,
        message: None,
        group_name: text(r, "groupName").unwrap_or_default().to_owned(),
        bolt_ons: bolt_ons?,
        tariff_id: tariff?,
        esim,
        provisioning_order_name: order_name,
        provisioning_order: order,
        has_services: services.as_array().is_some_and(|s| !s.is_empty()),
        services,
    })
}

/// A row's Tariff + BoltOn + Services configuration, order-insensitive.
fn configuration(row: &Row) -> (i64, Vec<i64>, Vec<(String, String)>) {
    let mut bolt_ons = row.bolt_ons.clone();
    bolt_ons.sort_unstable();
    let mut services: Vec<(String, String)> = row
        .services
        .as_array()
        .map(|list| {
            list.iter()
                .map(|s| {
                    let t = |k| text(s, k).unwrap_or_default().to_owned();
                    (t("name"), t("value"))
                })
                .collect()
        })
        .unwrap_or_default();
    services.sort();
    (row.tariff_id, bolt_ons, services)
}

/// "groupName ... should be unique per Tariff + BoltOn + Services
/// configuration": one name per configuration, one configuration per name.
fn check_groups(p: &mut Problems, rows: &[Row]) {
    for (i, row) in rows.iter().enumerate() {
        let config = configuration(row);
        let Some((j, other)) = rows[..i]
            .iter()
            .enumerate()
            .find(|(_, o)| (o.group_name == row.group_name) != (configuration(o) == config))
        else {
            continue;
        };
        let message = if other.group_name == row.group_name {
            format!(
                "The groupName {} is already used by rows[{j}] with another Tariff + BoltOn + Services configuration; a groupName should be unique per Tariff + BoltOn + Services configuration.",
                row.group_name
            )
        } else {
            format!(
                "rows[{j}] has the same Tariff + BoltOn + Services configuration under the groupName {}; a groupName should be unique per Tariff + BoltOn + Services configuration.",
                other.group_name
            )
        };
        p.add(format!("rows[{i}].groupName"), message);
    }
}

/// The port a Create Port body asks for, or why it is refused.
pub(crate) fn build(state: &State, body: &Value) -> Result<Port, Refusal> {
    let mut p = Problems::default();
    let today = state.today();
    check_name(&mut p, "name", text(body, "name"));
    let port_type = text(body, "portType").and_then(networks::port_type);
    if port_type.is_none() {
        p.add(
            "portType",
            "The portType must be PortIn, MigrateIn or MigrateInKeep.",
        );
    }
    let target_id = int(body, "targetNetworkId");
    let network = match (port_type, target_id) {
        (Some((type_id, _)), Some(id)) => networks::find(type_id, id),
        _ => None,
    };
    if port_type.is_some() && network.is_none() {
        p.add(
            "targetNetworkId",
            "Unknown target network for this port type.",
        );
    }
    let source_id = int(body, "sourceNetworkId");
    let source = network.and_then(|n| n.sources.iter().find(|(id, _)| Some(*id) == source_id));
    if let (Some(n), None) = (network, source) {
        p.add(
            "sourceNetworkId",
            format!("Not a source network of {}.", n.name),
        );
    }
    let connection_date = body.get("connectionDate").and_then(date);
    match (connection_date, network) {
        (None, _) => p.add("connectionDate", "The connectionDate is not a valid date."),
        (Some(d), Some(n)) => check_date(&mut p, n, today, d),
        (Some(_), None) => {}
    }
    let rows: Vec<Row> = match body.get("rows").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => list
            .iter()
            .enumerate()
            .filter_map(|(i, r)| row(&mut p, i, r, network))
            .collect(),
        _ => {
            p.add("rows", "At least one row is required.");
            Vec::new()
        }
    };
    check_groups(&mut p, &rows);
    if !p.0.is_empty() {
        return Err(Refusal::Fields(p.0));
    }
    let in_stock: Vec<&str> = rows
        .iter()
        .filter(|r| state.stock.contains(&number_key(&r.msisdn)))
        .map(|r| r.msisdn.as_str())
        .collect();
    if !in_stock.is_empty() {
        return Err(Refusal::Text(format!(
            "The following MSISDN's already exists on our stock records: {}",
            in_stock.join(", ")
        )));
    }
    for r in &rows {
        if let Some(open) = state.open_port_of(&number_key(&r.msisdn)) {
            return Err(Refusal::Text(format!(
                "MSISDN {} already has an open port ({}); cancel it before booking a new one",
                r.msisdn, open.id
            )));
        }
    }
    // Every `None` below was reported above.
    let (Some((type_id, type_name)), Some(network), Some(&(source_id, source_name)), Some(date)) =
        (port_type, network, source, connection_date)
    else {
        return Err(Refusal::Text("The request could not be read.".into()));
    };
    Ok(Port {
        id: uuid::Uuid::new_v4().to_string(),
        name: text(body, "name").unwrap_or_default().to_owned(),
        target_network: (network.id, network.name.to_owned()),
        source_network: (source_id, source_name.to_owned()),
        connection_date: date,
        port_type: (type_id, type_name.to_owned()),
        status: PortState::Created,
        cancel_requested: false,
        rows,
    })
}
