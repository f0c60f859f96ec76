//! iNumbering port statuses onto the unified flow, ignoring case.
//!
//! The spec lists `submitted`, `Validating`, `Pending`, `complete`,
//! `Complete`, `Completed`. The flow they describe: the request is received
//! (`submitted`), iNumbering's LNP team validates it with the losing carrier
//! (`Validating`), the carrier has it (`Pending`, scheduled once a FOC date
//! is set), then it is done. Anything else is `Unknown`, never an error.

use chrono::NaiveDate;

use crate::status::PortStatus;

/// The unified state of a status name, given the FOC date if any.
pub fn order_status(name: &str, foc: Option<NaiveDate>) -> PortStatus {
    match name.trim().to_ascii_lowercase().as_str() {
        "submitted" => PortStatus::Received,
        "validating" => PortStatus::Submitted,
        "pending" if foc.is_some() => PortStatus::Scheduled,
        "pending" => PortStatus::Submitted,
        "complete" | "completed" => PortStatus::Complete,
        "cancelled" | "canceled" => PortStatus::Cancelled,
        "rejected" | "failed" => PortStatus::Failed,
        _ => PortStatus::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_maps_whatever_its_case() {
        let foc = NaiveDate::from_ymd_opt(2026, 12, 4);
        let cases = [
            ("submitted", None, PortStatus::Received),
            ("Validating", None, PortStatus::Submitted),
            ("Pending", None, PortStatus::Submitted),
            ("Pending", foc, PortStatus::Scheduled),
            ("complete", None, PortStatus::Complete),
            ("Complete", None, PortStatus::Complete),
            ("Completed", foc, PortStatus::Complete),
            ("SUBMITTED", None, PortStatus::Received),
            ("On hold", None, PortStatus::Unknown),
        ];
        for (name, foc, want) in cases {
            assert_eq!(order_status(name, foc), want, "{name}");
        }
    }
}
