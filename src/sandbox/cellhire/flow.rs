//! The document's status flow, for ports and their rows, and one poll's step.

use super::state::{Port, Row, number_key};
use super::statuses::{PortState, RowState};

/// A PAC in UK format starting `EXP` (e.g. `EXP123456`) is a real PAC that
/// expires before the connection date: its row becomes `PacInvalidDate`.
pub(crate) const EXPIRING_PAC_PREFIX: &str = "EXP";
/// A row with this number takes its port to `SubmittedWithErrors` on the
/// poll after `Submitted` ("something went wrong with provider").
pub(crate) const SUBMITTED_WITH_ERRORS_NUMBER: &str = "447700900901";
/// A row with this number takes its port to `Error` on the poll after
/// `Ported` ("something went wrong").
pub(crate) const ERROR_NUMBER: &str = "447700900902";
/// A row with this number is rejected by the source network while the port
/// is `Submitted`: the port is cancelled, the reason in the row `message`.
pub(crate) const SOURCE_REJECTS_NUMBER: &str = "447700900903";
/// The source network's reason, as the trigger row's `message`.
pub(crate) const SOURCE_REJECTION: &str =
    "Rejected by the source network: the account holder has asked for the number not to be ported";
/// Port type id of `MigrateInKeep` (migrate in, keep the SIM).
pub(crate) const MIGRATE_IN_KEEP: i64 = 4;

/// True for a UK PAC (3 letters, 6 digits) or a French RIO (12 characters).
pub(crate) fn pac_is_valid(pac: &str) -> bool {
    let uk = pac.is_ascii()
        && pac.len() == 9
        && pac[..3].chars().all(|c| c.is_ascii_alphabetic())
        && pac[3..].chars().all(|c| c.is_ascii_digit());
    let rio = pac.chars().count() == 12 && pac.chars().all(|c| c.is_ascii_alphanumeric());
    uk || rio
}

fn check_pacs(rows: &mut [Row]) {
    for row in rows {
        if matches!(row.state, RowState::Created | RowState::Amended) {
            if pac_is_valid(&row.pac) && row.pac.starts_with(EXPIRING_PAC_PREFIX) {
                row.state = RowState::PacInvalidDate;
                row.message = Some(format!(
                    "PAC {} expires before the connection date",
                    row.pac
                ));
            } else if pac_is_valid(&row.pac) {
                row.state = RowState::PacValid;
                row.message = None;
            } else {
                row.state = RowState::PacInvalid;
                row.message = Some(format!(
                    "PAC check failed: {} is not a valid PAC for this number",
                    row.pac
                ));
            }
        }
    }
}

/// After a PAC check: on when every row is valid or cancelled.
fn after_check(port: &mut Port) {
    let cancelled = |r: &Row| r.state == RowState::Cancelled;
    if port.rows.iter().all(cancelled) {
        port.status = PortState::Cancelled;
    } else if port
        .rows
        .iter()
        .all(|r| r.state == RowState::PacValid || cancelled(r))
    {
        port.status = PortState::Submitted;
        follow(port);
    } else {
        port.status = PortState::PacCheckFailed;
    }
}

/// Every live row takes the port's status.
fn follow(port: &mut Port) {
    let status = port.status;
    for row in &mut port.rows {
        if row.state != RowState::Cancelled {
            row.state = if status == PortState::Cancelled {
                RowState::Cancelled
            } else {
                RowState::Following(status)
            };
        }
    }
}

/// True when a live row of `port` holds the trigger number `key`.
fn holds(port: &Port, key: &str) -> bool {
    port.rows
        .iter()
        .any(|r| r.state != RowState::Cancelled && number_key(&r.msisdn) == key)
}

/// The source network refuses the port: every live row is cancelled, the
/// reason on the refused row, a pointer to it on the others.
fn source_rejects(port: &mut Port) {
    port.status = PortState::Cancelled;
    let refused = port
        .rows
        .iter()
        .find(|r| number_key(&r.msisdn) == SOURCE_REJECTS_NUMBER)
        .map(|r| r.msisdn.clone())
        .unwrap_or_default();
    for row in &mut port.rows {
        if row.state == RowState::Cancelled {
            continue;
        }
        row.state = RowState::Cancelled;
        row.message = Some(if number_key(&row.msisdn) == SOURCE_REJECTS_NUMBER {
            SOURCE_REJECTION.to_owned()
        } else {
            format!("Cancelled: the source network rejected {refused} on this port")
        });
    }
}

/// Moves `port` one step along the flow, as one poll of the carrier sees.
pub(crate) fn step(port: &mut Port) {
    if port.cancel_requested && port.status == PortState::Submitted {
        port.status = PortState::Cancelled;
        follow(port);
        return;
    }
    if port.status == PortState::Submitted && holds(port, SOURCE_REJECTS_NUMBER) {
        source_rejects(port);
        return;
    }
    for row in &mut port.rows {
        if row.state == RowState::CancellationRequested {
            row.state = RowState::Cancelled;
        }
    }
    let configure = port.rows.iter().any(|r| r.has_services);
    port.status = match port.status {
        PortState::Created | PortState::PacCheckFailed => {
            check_pacs(&mut port.rows);
            after_check(port);
            return;
        }
        PortState::Submitted if holds(port, SUBMITTED_WITH_ERRORS_NUMBER) => {
            PortState::SubmittedWithErrors
        }
        PortState::Submitted => PortState::Locked,
        PortState::Locked => PortState::Ported,
        PortState::Ported if holds(port, ERROR_NUMBER) => PortState::Error,
        PortState::Ported if port.port_type.0 == MIGRATE_IN_KEEP => PortState::AwaitingSerial,
        PortState::Ported | PortState::AwaitingSerial => PortState::CreateRa,
        PortState::CreateRa => PortState::AwaitingRa,
        PortState::AwaitingRa if configure => PortState::CreateConfiguration,
        PortState::AwaitingRa => PortState::Complete,
        PortState::CreateConfiguration => PortState::AwaitingConfiguration,
        PortState::AwaitingConfiguration => PortState::Complete,
        // The error states wait for the Cellhire team.
        done @ (PortState::Complete
        | PortState::Cancelled
        | PortState::SubmittedWithErrors
        | PortState::Error) => done,
    };
    if port.rows.iter().all(|r| r.state == RowState::Cancelled) {
        port.status = PortState::Cancelled;
    }
    follow(port);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pac_formats() {
        assert!(pac_is_valid("KQM482913"));
        assert!(pac_is_valid("84E046866KO2"));
        assert!(!pac_is_valid("PAC12345"));
        assert!(!pac_is_valid("12345"));
        assert!(!pac_is_valid("KQ1482913"));
    }
}
