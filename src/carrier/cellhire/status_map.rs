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
/// written into `buf` (no allocation: this runs for every listed port) and
/// compared as bytes.
fn key<'b>(name: &str, buf: &'b mut [u8; MAX_KEY]) -> &'b [u8] {
    let mut n = 0;
    for b in name.bytes().filter(u8::is_ascii_alphanumeric) {
        if n == MAX_KEY {
            return b"";
        }
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    &buf[..n]
}

/// The unified state of a Cellhire order status name.
pub fn order_status(name: &str) -> PortStatus {
    let mut buf = [0; MAX_KEY];
    order_key(key(name, &mut buf))
}

fn order_key(key: &[u8]) -> PortStatus {
    match key {
        b"created" => PortStatus::Received,
        b"paccheckfailed" => PortStatus::ActionRequired,
        b"submitted" => PortStatus::Submitted,
        b"locked" => PortStatus::Scheduled,
        b"ported" => PortStatus::Ported,
        b"awaitingserial"
        | b"createra"
        | b"awaitingra"
        | b"createconfiguration"
        | b"awaitingconfiguration" => PortStatus::Provisioning,
        b"complete" | b"completed" => PortStatus::Complete,
        b"cancellationrequested" => PortStatus::CancelRequested,
        b"cancelled" | b"canceled" => PortStatus::Cancelled,
        b"submittedwitherrors" | b"error" => PortStatus::CarrierError,
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
        b"created" | b"amended" | b"pending" => LineStatus::Received,
        b"pacvalid" => LineStatus::Validated,
        b"pacinvalid" | b"pacinvaliddate" | b"paccheckfailed" => LineStatus::ActionRequired,
        other => match order_key(other) {
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
