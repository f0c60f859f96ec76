//! Cellhire's network rules checked for the whole file before anything is
//! sent: one read of the (cached) network list, no create.

use std::collections::{BTreeMap, HashMap};

use numport::carrier::cellhire::{CellhireClient, ConnectionDatePlanner, PortType, TargetNetwork};

use crate::failure::{CliResult, Failure};
use crate::input::Problem;
use crate::rows::Row;
use numport::Redactor;

/// The problems of `rows` with Cellhire's networks: a target network that
/// does not exist for the port type, a source network it does not take, an
/// eSIM where none is allowed, a desired date outside the booking window, on
/// a weekend or a holiday. A failure to read the list ends the run.
pub async fn cellhire(
    client: &CellhireClient,
    rows: &[Row],
    masker: &Redactor,
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

/// What Cellhire merges rows on: rows with equal keys, handed over in one
/// `submit_many`, become one port (in chunks of `--max-lines-per-order`).
/// The same fields, in the same terms, as the crate's merge: target and
/// source network, port type, connection date (the planned one when the
/// row names none), and the port's name.
pub type PortKey = (i64, i64, String, chrono::NaiveDate, String);

/// The port key of each Cellhire row, by line. A row whose date cannot be
/// planned (no bookable day, or a network the list lacks) has no key: it
/// is not merged with others here, and the carrier call reports it.
pub async fn cellhire_port_keys(client: &CellhireClient, rows: &[&Row]) -> HashMap<u64, PortKey> {
    let today = client.today();
    let mut planned: BTreeMap<(String, i64), Option<chrono::NaiveDate>> = BTreeMap::new();
    let mut keys = HashMap::new();
    for row in rows {
        let Some(options) = &row.request.cellhire else {
            continue;
        };
        let date = match row.request.desired_date {
            Some(date) => Some(date),
            None => {
                let at = (
                    options.port_type.wire_name().to_owned(),
                    options.target_network_id,
                );
                if !planned.contains_key(&at) {
                    // The list is cached: this reads nothing from Cellhire.
                    let date = client
                        .target_network(&options.port_type, options.target_network_id)
                        .await
                        .ok()
                        .and_then(|n| ConnectionDatePlanner::new(&n).earliest(today));
                    planned.insert(at.clone(), date);
                }
                planned.get(&at).copied().flatten()
            }
        };
        if let Some(date) = date {
            keys.insert(
                row.line,
                (
                    options.target_network_id,
                    options.source_network_id,
                    options.port_type.wire_name().to_owned(),
                    date,
                    options.name.clone(),
                ),
            );
        }
    }
    keys
}
