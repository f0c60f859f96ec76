//! The shared [`PortRequest`] and [`Amendment`] onto Cellhire's typed
//! requests, and the document's rules checked before anything is sent.

use chrono::NaiveDate;

use super::planner::ConnectionDatePlanner;
use super::types::{CreatePort, CreatePortRow, RowUpdate, TargetNetwork};
use crate::error::{Error, FieldError, Problems};
use crate::model::{Amendment, LineChange, PortRequest, check_text};

/// The document's limit on `name`, `groupName` and `provisioningOrderName`.
pub const MAX_NAME: usize = 255;

/// The rules that need no round trip: names, provisioning, rows.
pub(super) fn check_static(req: &CreatePort, problems: &mut Problems) {
    problems.take("", check_text("name", &req.name, MAX_NAME));
    if req.rows.is_empty() {
        problems.add("rows", "is empty: a port needs at least one row");
    }
    for (i, row) in req.rows.iter().enumerate() {
        // The field prefix, made only when a row has a problem.
        let at = || format!("rows[{i}]");
        if let Err(e) = check_text("group_name", &row.group_name, MAX_NAME) {
            problems.take::<()>(&at(), Err(e));
        }
        match (&row.provisioning_order, &row.provisioning_order_name) {
            (None, None) => problems.add(
                format!("{}.provisioning_order", at()),
                "or provisioning_order_name must be given (Cellhire needs at least one)",
            ),
            (_, Some(name)) => {
                if let Err(e) = check_text("provisioning_order_name", name, MAX_NAME) {
                    problems.take::<()>(&at(), Err(e));
                }
            }
            _ => {}
        }
        if req.rows[..i].iter().any(|r| r.msisdn == row.msisdn) {
            problems.add(
                format!("{}.msisdn", at()),
                format!("{} appears twice", row.msisdn),
            );
        }
    }
}

/// The rules that need the target network: source network, eSIM, date.
pub(super) fn check_network(
    req: &CreatePort,
    network: &TargetNetwork,
    today: NaiveDate,
    problems: &mut Problems,
) {
    if network.source(req.source_network_id).is_none() {
        let known: Vec<String> = network
            .source_networks
            .iter()
            .map(|s| format!("{} ({})", s.id, s.name))
            .collect();
        problems.add(
            "source_network_id",
            format!(
                "{} is not a source network of {} (known: {})",
                req.source_network_id,
                network.name,
                known.join(", ")
            ),
        );
    }
    if !network.allow_esim {
        for (i, row) in req.rows.iter().enumerate() {
            if row.esim {
                problems.add(
                    format!("rows[{i}].esim"),
                    format!("is not allowed: {} takes no eSIMs", network.name),
                );
            }
        }
    }
    if let Err(problem) = ConnectionDatePlanner::new(network).check(today, req.connection_date) {
        problems.add(
            "connection_date",
            format!("{} {problem}", req.connection_date),
        );
    }
}

/// The Cellhire request for a shared one, on `date`. Records every missing
/// or invalid field; returns `None` when there were any.
pub(super) fn create_from_request(
    req: &PortRequest,
    date: NaiveDate,
    problems: &mut Problems,
) -> Option<CreatePort> {
    req.validate_common(problems);
    let Some(options) = &req.cellhire else {
        problems.add(
            "cellhire",
            "options are missing: set PortRequest::with_cellhire",
        );
        return None;
    };
    let group_name = options.effective_group_name();
    let mut rows = Vec::with_capacity(req.lines.len());
    for (i, line) in req.lines.iter().enumerate() {
        let at = format!("lines[{i}]");
        if line.sim.is_none() {
            problems.add(
                format!("{at}.sim"),
                "is missing: Cellhire needs the SIM serial number",
            );
        }
        if line.pac.is_none() {
            problems.add(format!("{at}.pac"), "is missing: Cellhire needs the PAC");
        }
        if let (Some(sim), Some(pac)) = (&line.sim, &line.pac) {
            rows.push(CreatePortRow {
                group_name: group_name.clone(),
                esim: line.esim,
                msisdn: line.number.clone(),
                serial_no: sim.clone(),
                provisioning_order: options.provisioning_order,
                provisioning_order_name: options.provisioning_order_name.clone(),
                pac: pac.clone(),
                tariff_id: options.tariff_id,
                bolt_ons: options.bolt_ons.clone(),
                services: (!options.services.is_empty()).then(|| options.services.clone()),
            });
        }
    }
    let create = CreatePort {
        name: options.name.clone(),
        target_network_id: options.target_network_id,
        source_network_id: options.source_network_id,
        connection_date: date,
        port_type: options.port_type.clone(),
        rows,
    };
    problems.take("cellhire", check_text("name", &options.name, MAX_NAME));
    problems.take("cellhire", check_text("group_name", &group_name, MAX_NAME));
    match (
        &options.provisioning_order,
        &options.provisioning_order_name,
    ) {
        (None, None) => problems.add(
            "cellhire.provisioning_order",
            "or provisioning_order_name must be given (Cellhire needs at least one)",
        ),
        (_, Some(name)) => {
            problems.take(
                "cellhire",
                check_text("provisioning_order_name", name, MAX_NAME),
            );
        }
        _ => {}
    }
    problems.is_empty().then_some(create)
}

/// Cellhire row updates for a shared amendment.
pub(super) fn updates_from_amendment(
    amendment: &Amendment,
    problems: &mut Problems,
) -> Vec<RowUpdate> {
    if amendment.changes.is_empty() {
        problems.add(
            "changes",
            "is empty: an amendment needs at least one change",
        );
    }
    let mut out = Vec::with_capacity(amendment.changes.len());
    for (i, change) in amendment.changes.iter().enumerate() {
        if amendment.changes[..i]
            .iter()
            .any(|c| c.number() == change.number())
        {
            problems.add(
                format!("changes[{i}].number"),
                format!("{} is changed twice", change.number()),
            );
        }
        out.push(match change {
            LineChange::NewPac { number, pac } => RowUpdate::Amend {
                msisdn: number.clone(),
                pac: pac.clone(),
            },
            LineChange::Cancel { number } => RowUpdate::Cancel {
                msisdn: number.clone(),
            },
        });
    }
    out
}

/// The [`PortRequest`] field behind a [`CreatePort`] field, so that a caller
/// of the trait reads problems in the terms of what it built. Only used on a
/// create built from one request, where row `i` is line `i`.
pub(super) fn request_field(create_field: &str) -> String {
    if let Some(rest) = create_field.strip_prefix("rows[") {
        let rest = rest
            .replace("].msisdn", "].number")
            .replace("].serial_no", "].sim");
        return format!("lines[{rest}");
    }
    match create_field {
        "connection_date" => "desired_date".to_owned(),
        "source_network_id" | "target_network_id" | "port_type" | "name" => {
            format!("cellhire.{create_field}")
        }
        other => other.to_owned(),
    }
}

/// `error` with its field paths read as [`PortRequest`] fields.
pub(super) fn in_request_terms(error: Error) -> Error {
    match error {
        Error::Validation(fields) => Error::Validation(
            fields
                .into_iter()
                .map(|f| FieldError::new(request_field(&f.field), f.problem))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod field_tests {
    use super::request_field;

    #[test]
    fn create_fields_read_as_request_fields() {
        assert_eq!(request_field("rows[3].esim"), "lines[3].esim");
        assert_eq!(request_field("rows[0].msisdn"), "lines[0].number");
        assert_eq!(request_field("connection_date"), "desired_date");
        assert_eq!(
            request_field("target_network_id"),
            "cellhire.target_network_id"
        );
        assert_eq!(request_field("lines[1].pac"), "lines[1].pac");
    }
}
