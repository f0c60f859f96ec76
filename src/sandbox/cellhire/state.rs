//! What the fake Cellhire remembers: tokens, ports, stock, requests.

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use super::CellhireSandboxConfig;
use super::statuses::{PortState, RowState};

/// The sandbox's memory, behind one lock.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) config: CellhireSandboxConfig,
    pub(crate) tokens: HashSet<String>,
    pub(crate) grants: usize,
    pub(crate) requests: Vec<(String, String)>,
    pub(crate) fail_next: usize,
    pub(crate) fail_status: u16,
    pub(crate) stock: HashSet<String>,
    pub(crate) ports: Vec<Port>,
    /// How long the answer of the next create waits once it is recorded.
    pub(crate) stall_create: Option<std::time::Duration>,
    /// How long the create just recorded waits before its answer.
    pub(crate) stall_answer: Option<std::time::Duration>,
}

/// One port, as created.
#[derive(Debug)]
pub(crate) struct Port {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) target_network: (i64, String),
    pub(crate) source_network: (i64, String),
    pub(crate) connection_date: NaiveDate,
    pub(crate) port_type: (i64, String),
    pub(crate) status: PortState,
    pub(crate) cancel_requested: bool,
    pub(crate) rows: Vec<Row>,
}

/// One row of a port.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) id: String,
    /// The number as the client sent it.
    pub(crate) msisdn: String,
    pub(crate) serial_no: String,
    pub(crate) pac: String,
    pub(crate) state: RowState,
    pub(crate) message: Option<String>,
    pub(crate) group_name: String,
    pub(crate) bolt_ons: Vec<i64>,
    pub(crate) tariff_id: i64,
    pub(crate) esim: bool,
    pub(crate) provisioning_order_name: Option<String>,
    pub(crate) provisioning_order: Option<i64>,
    pub(crate) services: Value,
    pub(crate) has_services: bool,
}

/// A number as digits, a national leading `0` read as UK `44`.
pub(crate) fn number_key(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if let Some(international) = digits.strip_prefix("00") {
        international.to_owned()
    } else if let Some(national) = digits.strip_prefix('0') {
        format!("44{national}")
    } else {
        digits
    }
}

impl State {
    pub(crate) fn new(config: CellhireSandboxConfig) -> Self {
        let stock = config.stock.iter().map(|n| number_key(n)).collect();
        Self {
            config,
            tokens: HashSet::new(),
            grants: 0,
            requests: Vec::new(),
            fail_next: 0,
            fail_status: 503,
            stock,
            ports: Vec::new(),
            stall_create: None,
            stall_answer: None,
        }
    }

    pub(crate) fn today(&self) -> NaiveDate {
        // Cellhire counts its days in London, as the client does.
        self.config.today.unwrap_or_else(|| {
            Utc::now()
                .with_timezone(&chrono_tz::Europe::London)
                .date_naive()
        })
    }

    pub(crate) fn grant_token(&mut self) -> String {
        let token = format!("sandbox-{}", uuid::Uuid::new_v4().simple());
        self.tokens.insert(token.clone());
        token
    }

    pub(crate) fn port(&self, id: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    pub(crate) fn port_mut(&mut self, id: &str) -> Option<&mut Port> {
        self.ports
            .iter_mut()
            .find(|p| p.id.eq_ignore_ascii_case(id))
    }

    /// The open port holding `key`, if any.
    pub(crate) fn open_port_of(&self, key: &str) -> Option<&Port> {
        self.ports.iter().find(|p| {
            p.status.is_open()
                && p.rows
                    .iter()
                    .any(|r| r.state != RowState::Cancelled && number_key(&r.msisdn) == key)
        })
    }
}

fn date_time(date: NaiveDate) -> String {
    format!("{}T00:00:00", date.format("%Y-%m-%d"))
}

impl Port {
    /// The List Ports entry.
    pub(crate) fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "connectionDate": date_time(self.connection_date),
            "portType": self.port_type.0,
            "portTypeName": self.port_type.1,
            "rowCount": self.rows.len(),
            "status": self.status.id(),
            "statusName": self.status.name(),
        })
    }

    /// The Get Port Details answer.
    pub(crate) fn details(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status.id(),
            "statusName": self.status.name(),
            "name": self.name,
            "targetNetworkId": self.target_network.0,
            "targetNetworkName": self.target_network.1,
            "sourceNetworkId": self.source_network.0,
            "sourceNetworkName": self.source_network.1,
            "connectionDate": date_time(self.connection_date),
            "portType": self.port_type.0,
            "portTypeName": self.port_type.1,
            "rowCount": self.rows.len(),
            "rows": self.rows.iter().map(Row::details).collect::<Vec<_>>(),
        })
    }
}

impl Row {
    fn details(&self) -> Value {
        json!({
            "id": self.id,
            "msisdn": self.msisdn,
            "serialNo": self.serial_no,
            "pac": self.pac,
            "status": self.state.id(),
            "statusName": self.state.name(),
            "message": self.message,
            "groupName": self.group_name,
            "boltOns": self.bolt_ons,
            "tariffId": self.tariff_id,
            "tariffName": format!("Tariff {}", self.tariff_id),
            "esim": self.esim,
            "provisioningOrderName": self.provisioning_order_name,
            "provisioningOrder": self.provisioning_order,
            "services": self.services,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::number_key;

    #[test]
    fn numbers_compare_as_international_digits() {
        assert_eq!(number_key("07700 900123"), "447700900123");
        assert_eq!(number_key("447700900123"), "447700900123");
        assert_eq!(number_key("+44 7700 900123"), "447700900123");
        assert_eq!(number_key("0033612345678"), "33612345678");
    }
}
