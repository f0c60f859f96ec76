//! Typed Cellhire requests onto the exact wire JSON.

use chrono::NaiveDate;

use super::MsisdnFormat;
use super::types::{CreatePort, RowUpdate, Service};
use super::wire;

/// The connection date as the document's example sends it.
pub(super) fn connection_date(date: NaiveDate) -> String {
    // Written by hand: chrono's formatter parses its pattern on every call.
    use chrono::Datelike;
    format!(
        "{:04}-{:02}-{:02}T00:00:00.000Z",
        date.year(),
        date.month(),
        date.day()
    )
}

fn services(list: &[Service]) -> Vec<wire::ServiceOut<'_>> {
    list.iter()
        .map(|s| wire::ServiceOut {
            name: &s.name,
            value: &s.value,
        })
        .collect()
}

/// Create Port body.
pub(super) fn create_port<'a>(req: &'a CreatePort, format: &MsisdnFormat) -> wire::CreatePort<'a> {
    wire::CreatePort {
        name: &req.name,
        target_network_id: req.target_network_id,
        source_network_id: req.source_network_id,
        connection_date: connection_date(req.connection_date),
        port_type: req.port_type.wire_name(),
        rows: req
            .rows
            .iter()
            .map(|row| wire::CreatePortRow {
                group_name: &row.group_name,
                esim: row.esim,
                msisdn: format.write_cow(&row.msisdn),
                serial_no: row.serial_no.as_str(),
                provisioning_order: row.provisioning_order,
                provisioning_order_name: row.provisioning_order_name.as_deref(),
                pac: row.pac.expose(),
                tariff_id: row.tariff_id,
                bolt_ons: &row.bolt_ons,
                services: row.services.as_deref().map(services),
            })
            .collect(),
    }
}

/// Update Port body.
pub(super) fn update_port<'a>(
    updates: &'a [RowUpdate],
    format: &MsisdnFormat,
) -> wire::UpdatePort<'a> {
    wire::UpdatePort {
        rows: updates
            .iter()
            .map(|u| match u {
                RowUpdate::Amend { msisdn, pac } => wire::UpdatePortRow {
                    msisdn: format.write(msisdn),
                    pac: Some(pac.expose()),
                    port_row_status: "Amended",
                },
                RowUpdate::Cancel { msisdn } => wire::UpdatePortRow {
                    msisdn: format.write(msisdn),
                    pac: None,
                    port_row_status: "CancellationRequested",
                },
            })
            .collect(),
    }
}
