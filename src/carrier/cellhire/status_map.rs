//! Cellhire status names onto the unified flow.
//!
//! Mapped by *name*: the document gives "Complete" the id 16 in List Ports, 11
//! in Get Port Details and 15 on a row, so ids are kept as raw data only.
//! Names are compared ignoring case, spaces, hyphens and underscores, so
//! "Pac Check Failed" and "PacCheckFailed" are the same. An unknown name maps to
//! `Unknown`, never to an error.

use crate::status::{LineStatus, PortStatus};

/// The longest status name compared; longer names are unknown.
const MAX_KEY: usize = 40;

/// `name` lower-cased with everything but ASCII letters and digits dropped,
/// written into `buf` (no allocation: this runs for every listed port).
fn key<'b>(name: &str, buf: &'b mut [u8; MAX_KEY]) -> &'b str {
    let mut n = 0;
    for b in name.bytes().filter(u8::is_ascii_alphanumeric) {
        if n == MAX_KEY {
            return "";
        }
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    // Only ASCII letters and digits were written.
    std::str::from_utf8(&buf[..n]).unwrap_or("")
}

/// The unified state of a Cellhire order status name.
pub fn order_status(name: &str) -> PortStatus {
    let mut buf = [0; MAX_KEY];
    match key(name, &mut buf) {
        "created" => PortStatus::Received,
        "paccheckfailed" => PortStatus::ActionRequired,
        "submitted" => PortStatus::Submitted,
        "locked" => PortStatus::Scheduled,
        "ported" => PortStatus::Ported,
        "awaitingserial"
        | "createra"
        | "awaitingra"
        | "createconfiguration"
        | "awaitingconfiguration" => PortStatus::Provisioning,
        "complete" | "completed" => PortStatus::Complete,
        "cancellationrequested" => PortStatus::CancelRequested,
        "cancelled" | "canceled" => PortStatus::Cancelled,
        "submittedwitherrors" | "error" => PortStatus::CarrierError,
        _ => PortStatus::Unknown,
    }
}

/// The unified state of a Cellhire port-row status name.
///
/// Row statuses the document names: PacValid, PacInvalid, PacInvalidDate,
/// Submitted, Amended, CancellationRequested, Cancelled, Complete; rows also
/// follow the order's own names (Locked, Ported, ...).
pub fn line_status(name: &str) -> LineStatus {
    let mut buf = [0; MAX_KEY];
    match key(name, &mut buf) {
        "created" | "amended" | "pending" => LineStatus::Received,
        "pacvalid" => LineStatus::Validated,
        "pacinvalid" | "pacinvaliddate" | "paccheckfailed" => LineStatus::ActionRequired,
        _ => match order_status(name) {
            PortStatus::Submitted => LineStatus::Submitted,
            PortStatus::Scheduled => LineStatus::Scheduled,
            PortStatus::Ported => LineStatus::Ported,
            PortStatus::Provisioning => LineStatus::Provisioning,
            PortStatus::Complete => LineStatus::Complete,
            PortStatus::CancelRequested => LineStatus::CancelRequested,
            PortStatus::Cancelled => LineStatus::Cancelled,
            PortStatus::CarrierError => LineStatus::CarrierError,
            PortStatus::Failed => LineStatus::Failed,
            _ => LineStatus::Unknown,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_order_status_maps() {
        let cases = [
            ("Created", PortStatus::Received),
            ("Pac Check Failed", PortStatus::ActionRequired),
            ("PacCheckFailed", PortStatus::ActionRequired),
            ("Cancelled", PortStatus::Cancelled),
            ("Submitted", PortStatus::Submitted),
            ("Locked", PortStatus::Scheduled),
            ("Ported", PortStatus::Ported),
            ("Awaiting Serial", PortStatus::Provisioning),
            ("Create RA", PortStatus::Provisioning),
            ("Awaiting RA", PortStatus::Provisioning),
            ("Create Configuration", PortStatus::Provisioning),
            ("Awaiting Configuration", PortStatus::Provisioning),
            ("Complete", PortStatus::Complete),
            ("SubmittedWithErrors", PortStatus::CarrierError),
            ("Error", PortStatus::CarrierError),
            ("Teleported", PortStatus::Unknown),
        ];
        for (name, want) in cases {
            assert_eq!(order_status(name), want, "{name}");
        }
    }

    #[test]
    fn every_documented_row_status_maps() {
        let cases = [
            ("PacValid", LineStatus::Validated),
            ("PacInvalid", LineStatus::ActionRequired),
            ("PacInvalidDate", LineStatus::ActionRequired),
            ("Submitted", LineStatus::Submitted),
            ("Amended", LineStatus::Received),
            ("CancellationRequested", LineStatus::CancelRequested),
            ("Cancelled", LineStatus::Cancelled),
            ("Complete", LineStatus::Complete),
            ("Locked", LineStatus::Scheduled),
            ("", LineStatus::Unknown),
        ];
        for (name, want) in cases {
            assert_eq!(line_status(name), want, "{name}");
        }
    }
}
