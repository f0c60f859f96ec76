//! The shared [`PortRequest`] and [`Amendment`] onto Cellhire's typed
//! requests. A mapping only: the request is checked first
//! ([`super::check::request`], [`super::check::amendment`]).

use chrono::NaiveDate;

use super::types::{CreatePort, CreatePortRow, RowUpdate};
use crate::model::{Amendment, LineChange, PortRequest};

/// The Create Port for a request, connected on `date`: one row a line, in
/// order. `None` when the request lacks the options or a line's SIM or PAC
/// (which the check reports).
pub(super) fn create(req: &PortRequest, date: NaiveDate) -> Option<CreatePort> {
    let options = req.cellhire.as_ref()?;
    let group_name = options.effective_group_name();
    let rows = req
        .lines
        .iter()
        .map(|line| {
            Some(CreatePortRow {
                group_name: group_name.clone(),
                esim: line.esim,
                msisdn: line.number.clone(),
                serial_no: line.sim.clone()?,
                provisioning_order: options.provisioning_order,
                provisioning_order_name: options.provisioning_order_name.clone(),
                pac: line.pac.clone()?,
                tariff_id: options.tariff_id,
                bolt_ons: options.bolt_ons.clone(),
                services: (!options.services.is_empty()).then(|| options.services.clone()),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(CreatePort {
        name: options.name.clone(),
        target_network_id: options.target_network_id,
        source_network_id: options.source_network_id,
        connection_date: date,
        port_type: options.port_type.clone(),
        rows,
    })
}

/// Cellhire row updates for an amendment, one a change, in order.
pub(super) fn updates(amendment: &Amendment) -> Vec<RowUpdate> {
    amendment
        .changes
        .iter()
        .map(|change| match change {
            LineChange::NewPac { number, pac } => RowUpdate::Amend {
                msisdn: number.clone(),
                pac: pac.clone(),
            },
            LineChange::Cancel { number } => RowUpdate::Cancel {
                msisdn: number.clone(),
            },
        })
        .collect()
}
