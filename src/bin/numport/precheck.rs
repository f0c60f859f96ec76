//! Cellhire's network rules checked for the whole file before anything is
//! sent: one read of the (cached) network list, no create.

use std::collections::BTreeMap;

use numport::carrier::cellhire::{CellhireClient, ConnectionDatePlanner, PortType, TargetNetwork};

use crate::failure::{CliResult, Failure};
use crate::input::Problem;
use crate::output::Masker;
use crate::rows::Row;

/// The problems of `rows` with Cellhire's networks: a target network that
/// does not exist for the port type, a source network it does not take, an
/// eSIM where none is allowed, a desired date outside the booking window, on
/// a weekend or a holiday. A failure to read the list ends the run.
pub async fn cellhire(
    client: &CellhireClient,
    rows: &[Row],
    masker: &Masker,
) -> CliResult<Vec<Problem>> {
    let mut networks: BTreeMap<(String, i64), Result<TargetNetwork, String>> = BTreeMap::new();
    let mut problems = Vec::new();
    let today = client.today();
    for row in rows {
        let Some(options) = &row.request.cellhire else {
            continue;
        };
        let key = (
            options.port_type.wire_name().to_owned(),
            options.target_network_id,
        );
        if !networks.contains_key(&key) {
            let found = match client
                .target_network(&options.port_type, options.target_network_id)
                .await
            {
                Ok(network) => Ok(network),
                Err(e) if e.is_validation() => Err(crate::failure::describe(&e)),
                Err(e) => return Err(Failure::api("cannot read Cellhire's networks", &e, masker)),
            };
            networks.insert(key.clone(), found);
        }
        let network = match &networks[&key] {
            Ok(network) => network,
            Err(problem) => {
                let problem = problem.trim_start_matches("target_network_id ");
                problems.push(Problem::at(row.line, "target_network_id", problem));
                continue;
            }
        };
        check_row(row, network, &options.port_type, today, &mut problems);
    }
    Ok(problems)
}

fn check_row(
    row: &Row,
    network: &TargetNetwork,
    port_type: &PortType,
    today: chrono::NaiveDate,
    problems: &mut Vec<Problem>,
) {
    let Some(options) = &row.request.cellhire else {
        return;
    };
    if network.source(options.source_network_id).is_none() {
        let known: Vec<String> = network
            .source_networks
            .iter()
            .map(|s| format!("{} ({})", s.id, s.name))
            .collect();
        problems.push(Problem::at(
            row.line,
            "source_network_id",
            format!(
                "{} is not a source network of {} for {port_type} (known: {})",
                options.source_network_id,
                network.name,
                known.join(", ")
            ),
        ));
    }
    if !network.allow_esim && row.request.lines.iter().any(|l| l.esim) {
        problems.push(Problem::at(
            row.line,
            "esim",
            format!("is not allowed: {} takes no eSIMs", network.name),
        ));
    }
    if let Some(date) = row.request.desired_date {
        if let Err(problem) = ConnectionDatePlanner::new(network).check(today, date) {
            problems.push(Problem::at(
                row.line,
                "desired_date",
                format!("{date} {problem}"),
            ));
        }
    }
}
