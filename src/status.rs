//! The status flow every carrier's statuses map onto.
//!
//! [`PortStatus`] is an order's state and [`LineStatus`] one number's state
//! within it. Each carrier adapter maps its own status names onto these and
//! keeps the carrier's original in a [`CarrierStatus`], so nothing is lost and
//! an unknown name becomes [`PortStatus::Unknown`] instead of an error.
//!
//! The allowed transitions are data ([`PortStatus::TRANSITIONS`]), so a caller
//! following an order can tell an expected step from a surprise.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of a port order, common to every carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PortStatus {
    /// The carrier has the order and has not yet sent it to the losing network.
    Received,
    /// The caller must act (for example correct a PAC) before it can go on.
    ActionRequired,
    /// Sent to the losing network; it will port unless cancelled first.
    Submitted,
    /// The date is fixed and the order can no longer be cancelled (Cellhire
    /// "Locked", a FOC date).
    Scheduled,
    /// The number has moved; provisioning on the new network follows.
    Ported,
    /// Post-port configuration on the new network is running.
    Provisioning,
    /// Done.
    Complete,
    /// A cancellation was asked for and has not finished yet.
    CancelRequested,
    /// Cancelled; the number will not port.
    Cancelled,
    /// The carrier reports an internal error that its own team resolves
    /// (Cellhire "SubmittedWithErrors", "Error"). Not terminal, no action asked.
    CarrierError,
    /// The port failed for good.
    Failed,
    /// The carrier sent a status this crate does not know; see the raw status.
    Unknown,
}

/// The state of one number (line) within an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LineStatus {
    /// Received, not yet checked.
    Received,
    /// The line passed the carrier's checks (Cellhire "PacValid").
    Validated,
    /// The caller must act on this line (Cellhire "PacInvalid", "PacInvalidDate").
    ActionRequired,
    /// Sent to the losing network.
    Submitted,
    /// Locked to a date.
    Scheduled,
    /// Ported.
    Ported,
    /// Being provisioned on the new network.
    Provisioning,
    /// Done.
    Complete,
    /// A cancellation was asked for.
    CancelRequested,
    /// Cancelled.
    Cancelled,
    /// The carrier reports an internal error on this line.
    CarrierError,
    /// Failed for good.
    Failed,
    /// A status this crate does not know; see the raw status.
    Unknown,
}

/// A carrier's own status, kept next to the unified one.
///
/// The name is what the mapping reads; the id is kept only as data, because
/// carriers do not keep ids consistent (Cellhire sends "Complete" as 16, 11 and
/// 15 in different places).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CarrierStatus {
    /// The status name exactly as the carrier sent it.
    pub name: String,
    /// The carrier's numeric id for it, when it sent one.
    pub id: Option<i64>,
}

impl CarrierStatus {
    /// A raw status.
    pub fn new(name: impl Into<String>, id: Option<i64>) -> Self {
        Self {
            name: name.into(),
            id,
        }
    }
}

impl fmt::Display for CarrierStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            Some(id) => write!(f, "{} ({id})", self.name),
            None => f.write_str(&self.name),
        }
    }
}

use PortStatus as P;

impl PortStatus {
    /// Every state, in flow order.
    pub const ALL: [PortStatus; 12] = [
        P::Received,
        P::ActionRequired,
        P::Submitted,
        P::Scheduled,
        P::Ported,
        P::Provisioning,
        P::Complete,
        P::CancelRequested,
        P::Cancelled,
        P::CarrierError,
        P::Failed,
        P::Unknown,
    ];

    /// The direct transitions a carrier may report, as `(from, to)` pairs.
    ///
    /// [`PortStatus::Unknown`] may go to and come from any state and is not
    /// listed. Terminal states have no way out.
    pub const TRANSITIONS: &'static [(PortStatus, PortStatus)] = &[
        (P::Received, P::ActionRequired),
        (P::Received, P::Submitted),
        (P::Received, P::CancelRequested),
        (P::Received, P::Cancelled),
        (P::Received, P::CarrierError),
        (P::Received, P::Failed),
        (P::ActionRequired, P::Received),
        (P::ActionRequired, P::Submitted),
        (P::ActionRequired, P::CancelRequested),
        (P::ActionRequired, P::Cancelled),
        (P::ActionRequired, P::Failed),
        (P::Submitted, P::Scheduled),
        (P::Submitted, P::CancelRequested),
        (P::Submitted, P::Cancelled),
        (P::Submitted, P::CarrierError),
        (P::Submitted, P::Failed),
        (P::Scheduled, P::Ported),
        (P::Scheduled, P::CarrierError),
        (P::Scheduled, P::Failed),
        (P::Ported, P::Provisioning),
        (P::Ported, P::Complete),
        (P::Ported, P::CarrierError),
        (P::Provisioning, P::Complete),
        (P::Provisioning, P::CarrierError),
        (P::Provisioning, P::Failed),
        (P::CancelRequested, P::Cancelled),
        (P::CancelRequested, P::Submitted),
        (P::CancelRequested, P::Failed),
        (P::CarrierError, P::Submitted),
        (P::CarrierError, P::Scheduled),
        (P::CarrierError, P::Ported),
        (P::CarrierError, P::Provisioning),
        (P::CarrierError, P::Complete),
        (P::CarrierError, P::Cancelled),
        (P::CarrierError, P::Failed),
    ];

    /// True when the order will not change again: complete, cancelled or failed.
    pub fn is_terminal(self) -> bool {
        matches!(self, P::Complete | P::Cancelled | P::Failed)
    }

    /// True when the caller must act before the order can go on.
    pub fn needs_action(self) -> bool {
        self == P::ActionRequired
    }

    /// True when a cancel may still be asked for (before the port is locked).
    pub fn is_cancellable(self) -> bool {
        matches!(self, P::Received | P::ActionRequired | P::Submitted)
    }

    /// True when lines may still be amended (a new PAC, or a line cancelled).
    pub fn is_amendable(self) -> bool {
        matches!(self, P::ActionRequired | P::Submitted)
    }

    /// True when `self → next` is one direct step of the flow (or either side
    /// is [`PortStatus::Unknown`], or nothing changed).
    pub fn can_transition_to(self, next: PortStatus) -> bool {
        self == next
            || self == P::Unknown
            || next == P::Unknown
            || Self::TRANSITIONS.contains(&(self, next))
    }

    /// True when `next` can follow `self` through any number of steps, as seen
    /// by someone polling who may miss the states in between.
    pub fn can_reach(self, next: PortStatus) -> bool {
        if self.can_transition_to(next) {
            return true;
        }
        let mut seen = vec![self];
        let mut frontier = vec![self];
        while let Some(state) = frontier.pop() {
            for &(from, to) in Self::TRANSITIONS {
                if from == state && !seen.contains(&to) {
                    if to == next {
                        return true;
                    }
                    seen.push(to);
                    frontier.push(to);
                }
            }
        }
        false
    }
}

impl LineStatus {
    /// True when the line will not change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            LineStatus::Complete | LineStatus::Cancelled | LineStatus::Failed
        )
    }

    /// True when the caller must act on this line.
    pub fn needs_action(self) -> bool {
        self == LineStatus::ActionRequired
    }
}

impl fmt::Display for PortStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl fmt::Display for LineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_states_have_no_way_out() {
        for (from, _) in PortStatus::TRANSITIONS {
            assert!(
                !from.is_terminal(),
                "{from} is terminal but has a transition"
            );
        }
        assert!(P::Complete.is_terminal() && P::Cancelled.is_terminal() && P::Failed.is_terminal());
        assert!(!P::CarrierError.is_terminal());
    }

    #[test]
    fn every_non_terminal_state_can_reach_a_terminal_one() {
        for s in PortStatus::ALL {
            if s.is_terminal() || s == P::Unknown {
                continue;
            }
            assert!(s.can_reach(P::Complete) || s.can_reach(P::Cancelled), "{s}");
        }
    }

    #[test]
    fn reachability_skips_missed_polls_but_not_backwards() {
        assert!(P::Received.can_reach(P::Complete));
        assert!(!P::Received.can_transition_to(P::Complete));
        assert!(!P::Scheduled.can_transition_to(P::Cancelled));
        assert!(!P::Scheduled.can_reach(P::Received));
        assert!(!P::Complete.can_reach(P::Submitted));
        assert!(P::Complete.can_transition_to(P::Unknown));
    }

    #[test]
    fn predicates() {
        assert!(P::ActionRequired.needs_action());
        assert!(P::Submitted.is_cancellable() && !P::Scheduled.is_cancellable());
        assert!(P::ActionRequired.is_amendable() && !P::Received.is_amendable());
        assert_eq!(
            serde_json::to_string(&P::ActionRequired).unwrap(),
            "\"action_required\""
        );
    }
}
