//! The statuses of the sandbox's ports and rows, with the names and ids
//! it answers them with.

/// A port's status. Ids are the sandbox's own: the document gives the same
/// name different ids in different examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortState {
    Created,
    PacCheckFailed,
    Submitted,
    Locked,
    Ported,
    AwaitingSerial,
    CreateRa,
    AwaitingRa,
    CreateConfiguration,
    AwaitingConfiguration,
    Complete,
    Cancelled,
    SubmittedWithErrors,
    Error,
}

impl PortState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::PacCheckFailed => "PacCheckFailed",
            Self::Submitted => "Submitted",
            Self::Locked => "Locked",
            Self::Ported => "Ported",
            Self::AwaitingSerial => "Awaiting Serial",
            Self::CreateRa => "Create RA",
            Self::AwaitingRa => "Awaiting RA",
            Self::CreateConfiguration => "Create Configuration",
            Self::AwaitingConfiguration => "Awaiting Configuration",
            Self::Complete => "Complete",
            Self::Cancelled => "Cancelled",
            Self::SubmittedWithErrors => "SubmittedWithErrors",
            Self::Error => "Error",
        }
    }

    pub(crate) fn id(self) -> i64 {
        match self {
            Self::Created => 1,
            Self::PacCheckFailed => 2,
            Self::Submitted => 3,
            Self::Locked => 4,
            Self::Ported => 5,
            Self::AwaitingSerial => 6,
            Self::CreateRa => 7,
            Self::AwaitingRa => 8,
            Self::CreateConfiguration => 9,
            Self::AwaitingConfiguration => 10,
            Self::Complete => 11,
            Self::Cancelled => 12,
            Self::SubmittedWithErrors => 13,
            Self::Error => 14,
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
    PacInvalidDate,
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
            Self::PacInvalidDate => "PacInvalidDate",
            Self::Amended => "Amended",
            Self::CancellationRequested => "CancellationRequested",
            Self::Cancelled => "Cancelled",
            Self::Following(port) => port.name(),
        }
    }

    /// The states whose PAC Update Port may amend.
    pub(crate) fn pac_failed(self) -> bool {
        matches!(self, Self::PacInvalid | Self::PacInvalidDate)
    }

    pub(crate) fn id(self) -> i64 {
        match self {
            Self::Created => 1,
            Self::PacValid => 2,
            Self::PacInvalid => 3,
            Self::PacInvalidDate => 4,
            Self::Amended => 5,
            Self::CancellationRequested => 6,
            Self::Cancelled => 7,
            Self::Following(PortState::Complete) => 15,
            Self::Following(port) => 20 + port.id(),
        }
    }
}
