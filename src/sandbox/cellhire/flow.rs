//! The document's status flow, for ports and their rows, and one poll's step.

use super::state::{Port, Row};

/// A port's status. Ids are the sandbox's own: the document gives the same
/// name different ids in different examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortState {
    Created,
    PacCheckFailed,
    Submitted,
    Locked,
    Ported,
    CreateRa,
    AwaitingRa,
    CreateConfiguration,
    AwaitingConfiguration,
    Complete,
    Cancelled,
}

impl PortState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::PacCheckFailed => "PacCheckFailed",
            Self::Submitted => "Submitted",
            Self::Locked => "Locked",
            Self::Ported => "Ported",
            Self::CreateRa => "Create RA",
            Self::AwaitingRa => "Awaiting RA",
            Self::CreateConfiguration => "Create Configuration",
            Self::AwaitingConfiguration => "Awaiting Configuration",
            Self::Complete => "Complete",
            Self::Cancelled => "Cancelled",
        }
    }

    pub(crate) fn id(self) -> i64 {
        match self {
            Self::Created => 1,
            Self::PacCheckFailed => 2,
            Self::Submitted => 3,
            Self::Locked => 4,
            Self::Ported => 5,
            Self::CreateRa => 7,
            Self::AwaitingRa => 8,
            Self::CreateConfiguration => 9,
            Self::AwaitingConfiguration => 10,
            Self::Complete => 11,
            Self::Cancelled => 12,
        }
    }

    /// True while the port still holds its numbers.
    pub(crate) fn is_open(self) -> bool {
        !matches!(self, Self::Complete | Self::Cancelled)
    }
}

/// A row's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowState {
    Created,
    PacValid,
    PacInvalid,
    Amended,
    CancellationRequested,
    Cancelled,
    /// A row following its port's status once submitted.
    Following(PortState),
}

impl RowState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::PacValid => "PacValid",
            Self::PacInvalid => "PacInvalid",
            Self::Amended => "Amended",
            Self::CancellationRequested => "CancellationRequested",
            Self::Cancelled => "Cancelled",
            Self::Following(port) => port.name(),
        }
    }

    pub(crate) fn id(self) -> i64 {
        match self {
            Self::Created => 1,
            Self::PacValid => 2,
            Self::PacInvalid => 3,
            Self::Amended => 5,
            Self::CancellationRequested => 6,
            Self::Cancelled => 7,
            Self::Following(PortState::Complete) => 15,
            Self::Following(port) => 20 + port.id(),
        }
    }
}

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
            if pac_is_valid(&row.pac) {
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

/// Moves `port` one step along the flow, as one poll of the carrier sees.
pub(crate) fn step(port: &mut Port) {
    if port.cancel_requested && port.status == PortState::Submitted {
        port.status = PortState::Cancelled;
        follow(port);
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
        PortState::Submitted => PortState::Locked,
        PortState::Locked => PortState::Ported,
        PortState::Ported => PortState::CreateRa,
        PortState::CreateRa => PortState::AwaitingRa,
        PortState::AwaitingRa if configure => PortState::CreateConfiguration,
        PortState::AwaitingRa => PortState::Complete,
        PortState::CreateConfiguration => PortState::AwaitingConfiguration,
        PortState::AwaitingConfiguration => PortState::Complete,
        done @ (PortState::Complete | PortState::Cancelled) => done,
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
