//! Cellhire's wire JSON onto its typed resources and the shared models.

use super::status_map::{line_status, order_status};
use super::types::{
    PortDetails, PortListEntry, PortRow, PortType, PortingNetworks, Service, SourceNetwork,
    TargetNetwork,
};
use super::wire::date;
use super::{MsisdnFormat, wire};
use crate::model::{Pac, PortId, PortLineDetail, PortOrder, PortSummary};
use crate::operation::Carrier;
use crate::redact::{Runs, longest_run};
use crate::status::CarrierStatus;

fn raw_status(name: Option<String>, id: Option<i64>) -> CarrierStatus {
    CarrierStatus::new(name.unwrap_or_default(), id)
}

/// Get Porting Networks.
pub(super) fn networks(list: Vec<wire::PortTypeNetworks>) -> Vec<PortingNetworks> {
    list.into_iter()
        .map(|t| PortingNetworks {
            port_type: PortType::from_name(&t.port_type_name),
            port_type_id: t.port_type,
            target_networks: t
                .target_networks
                .into_iter()
                .map(|n| TargetNetwork {
                    id: n.id,
                    name: n.name,
                    max_port_days: n.max_port_days,
                    min_port_days: n.min_port_days,
                    allow_esim: n.allow_esim,
                    network_number: n.network_number,
                    source_networks: n
                        .source_networks
                        .into_iter()
                        .map(|s| SourceNetwork {
                            id: s.id,
                            name: s.name,
                        })
                        .collect(),
                    upcoming_holidays: n.upcoming_holidays.iter().filter_map(|d| date(d)).collect(),
                })
                .collect(),
        })
        .collect()
}

/// Feeds a List Ports entry's id, as sent, to `hasher` (no copy): text
/// folded to one word first, so that the page's hash costs a few
/// instructions per entry. The fingerprint only tells a page that repeats
/// the previous one; two pages that fold alike end the listing as
/// incomplete, never as complete.
pub(super) fn hash_list_id(entry: &wire::ListEntry, hasher: &mut impl std::hash::Hasher) {
    use std::hash::Hash;
    match entry {
        wire::ListEntry::Port(item) => match &item.id {
            wire::ListId::Text(s) => hasher.write_u64(fold(s.as_bytes())),
            wire::ListId::Null => hasher.write_u64(fold(b"null")),
            wire::ListId::Other(other) => other.to_string().hash(hasher),
        },
        wire::ListEntry::Other(kind) => kind.hash(hasher),
    }
}

/// `bytes` folded to one word, eight bytes at a time (FxHash's step), with
/// the length mixed in.
fn fold(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    let mut h = step(0, bytes.len() as u64);
    for c in &mut chunks {
        let word: [u8; 8] = c.try_into().unwrap_or_default();
        h = step(h, u64::from_le_bytes(word));
    }
    let tail = chunks
        .remainder()
        .iter()
        .rev()
        .fold(0u64, |w, &b| (w << 8) | u64::from(b));
    step(h, tail)
}

/// A List Ports entry, or what is wrong with its id.
pub(super) fn list_entry(entry: wire::ListEntry) -> Result<PortListEntry, String> {
    let item = match entry {
        wire::ListEntry::Port(item) => item,
        wire::ListEntry::Other(kind) => return Err(format!("it is {kind}, not an object")),
    };
    let id = match item.id {
        wire::ListId::Text(text) => {
            PortId::new(text).map_err(|e| format!("its id {}", e.problem))?
        }
        wire::ListId::Null => return Err("it has no id".into()),
        wire::ListId::Other(_) => return Err("its id is not a string".into()),
    };
    let status = order_status(item.status_name.as_deref().unwrap_or_default());
    let mut s = PortSummary::new(
        id,
        Carrier::Cellhire,
        status,
        raw_status(item.status_name, item.status),
    );
    s.name = item.name;
    s.port_date = item.connection_date;
    s.line_count = item.row_count;
    Ok(PortListEntry {
        summary: s,
        port_type: item.port_type_name,
        port_type_id: item.port_type,
    })
}

fn row(r: wire::PortRow, format: &MsisdnFormat) -> PortRow {
    let status = line_status(r.status_name.as_deref().unwrap_or_default());
    PortRow {
        id: r.id,
        number: format.read(&r.msisdn),
        msisdn: r.msisdn,
        serial_no: r.serial_no,
        pac: r.pac.and_then(|p| Pac::new(p).ok()),
        status,
        carrier_status: raw_status(r.status_name, r.status),
        message: r.message,
        group_name: r.group_name,
        bolt_ons: r.bolt_ons.unwrap_or_default(),
        tariff_id: r.tariff_id,
        tariff_name: r.tariff_name,
        esim: r.esim.unwrap_or(false),
        provisioning_order_name: r.provisioning_order_name,
        provisioning_order: r.provisioning_order,
        services: r
            .services
            .unwrap_or_default()
            .into_iter()
            .map(|s| Service {
                name: s.name,
                value: s.value,
            })
            .collect(),
    }
}

/// Get Port Details. `Err` carries the reason the id is unusable.
pub(super) fn details(d: wire::PortDetails, format: &MsisdnFormat) -> Result<PortDetails, String> {
    let id = PortId::new(d.id).map_err(|e| format!("port {e}"))?;
    let status = order_status(d.status_name.as_deref().unwrap_or_default());
    Ok(PortDetails {
        id,
        status,
        carrier_status: raw_status(d.status_name, d.status),
        name: d.name,
        target_network: d
            .target_network_id
            .map(|i| (i, d.target_network_name.unwrap_or_default())),
        source_network: d
            .source_network_id
            .map(|i| (i, d.source_network_name.unwrap_or_default())),
        connection_date: d.connection_date.as_deref().and_then(date),
        port_type: d.port_type_name.as_deref().map(PortType::from_name),
        port_type_id: d.port_type,
        row_count: d.row_count,
        rows: d.rows.into_iter().map(|r| row(r, format)).collect(),
    })
}

/// True when a row of `details` carries a message.
pub(super) fn has_messages(details: &PortDetails) -> bool {
    details.rows.iter().any(|r| r.message.is_some())
}

/// Removes `secrets` (the client's, whose runs are `runs`) and the rows'
/// own PACs from every row's message that may hold one: Cellhire's words
/// on a row (a PAC failure, a cancellation reason) may echo the PAC or a
/// credential.
pub(super) fn scrub_messages(details: &mut PortDetails, runs: &Runs<'_>, secrets: &[&str]) {
    // First a test that copies nothing (the usual answer: no message
    // holds any); only when one may are the PACs copied out of the rows
    // so that the messages can be changed. A PAC is letters and digits:
    // it is its own run.
    let may = details
        .rows
        .iter()
        .filter_map(|r| r.message.as_deref())
        .any(|m| {
            runs.may_hold(m.as_bytes())
                || details
                    .rows
                    .iter()
                    .filter_map(|r| r.pac.as_ref())
                    .any(|p| crate::redact::may_hold_run(longest_run(p.expose()), m.as_bytes()))
        });
    if !may {
        return;
    }
    let pacs: Vec<String> = details
        .rows
        .iter()
        .filter_map(|r| r.pac.as_ref().map(|p| p.expose().to_owned()))
        .collect();
    let mut all: Vec<&str> = secrets.to_vec();
    all.extend(pacs.iter().map(String::as_str));
    crate::redact::scrub_texts(
        &all,
        details.rows.iter_mut().filter_map(|r| r.message.as_mut()),
    );
}

/// Every carrier text of a networks list (the networks' names).
pub(super) fn network_texts(networks: &mut [PortingNetworks]) -> impl Iterator<Item = &mut String> {
    networks
        .iter_mut()
        .flat_map(|t| t.target_networks.iter_mut())
        .flat_map(|n| {
            std::iter::once(&mut n.name).chain(n.source_networks.iter_mut().map(|s| &mut s.name))
        })
}

/// The shared order model of a port's details.
pub fn order(details: &PortDetails) -> PortOrder {
    let mut order = PortOrder::new(
        details.id.clone(),
        Carrier::Cellhire,
        details.status,
        details.carrier_status.clone(),
    );
    order.name = details.name.clone();
    order.port_date = details.connection_date;
    order.lines = details
        .rows
        .iter()
        .map(|r| {
            let mut line =
                PortLineDetail::new(r.msisdn.clone(), r.status, r.carrier_status.clone());
            line.id = r.id.clone();
            line.number = r.number.clone();
            line.sim = r.serial_no.clone();
            line.message = r.message.clone();
            line
        })
        .collect();
    // Cellhire keeps its words on the rows (a PAC failure, the source
    // network's reason for cancelling): the order's message is that of the
    // first row asking for action, else the first row that has one.
    let said = |r: &&PortRow| r.message.as_deref().is_some_and(|m| !m.trim().is_empty());
    order.message = details
        .rows
        .iter()
        .filter(said)
        .find(|r| r.status.needs_action())
        .or_else(|| details.rows.iter().find(said))
        .and_then(|r| r.message.clone());
    order
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn dates_in_every_form() {
        let want = NaiveDate::from_ymd_opt(2024, 7, 18);
        for s in [
            "2024-07-18T00:00:00",
            "2024-07-18",
            "2024-07-18T00:00:00.000Z",
            "2024-07-18T00:00:00.5",
            "2024-07-18T00:00:00+01:00",
        ] {
            assert_eq!(date(s), want, "{s}");
        }
        assert_eq!(date("18/07/2024"), None);
        assert_eq!(date("2024-13-01T00:00:00"), None);
        assert_eq!(date("2024-07-18Tgarbage"), None);
        assert_eq!(date("2024-07-18T00:00:00"), want);
        assert_eq!(date(" 2024-07-18T00:00:00 "), want);
        assert_eq!(date("2024-07-18T"), want);
        assert_eq!(date("2024-02-30"), None);
    }

    #[test]
    fn the_page_fingerprint_tells_ids_apart() {
        let ids = [
            "93949676-932c-4c43-140f-08dca4c4f4e2",
            "93949676-932c-4c43-140f-08dca4c4f4e3",
            "03949676-932c-4c43-140f-08dca4c4f4e2",
            "93949676-932c-4c43-140f-08dca4c4f4e",
            "93949676-932c-4c43-140f-08dca4c4f4e2 ",
            "",
            "a",
            "a\0",
        ];
        let folds: Vec<u64> = ids.iter().map(|id| fold(id.as_bytes())).collect();
        for (i, a) in folds.iter().enumerate() {
            for b in &folds[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // A trailing zero byte is not the same text as none.
        assert_ne!(fold(b"abc"), fold(b"abc\0"));
    }
}
