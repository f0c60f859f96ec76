//! Apeiron's pre-submission checklist, on a [`CellularPort`] and on the
//! unified request it comes from.

use super::types::{CellularPort, E911, ServicePlan};
use crate::error::Problems;
use crate::model::options::apeiron::{ApeironOptions, E911Address};
use crate::model::{DocumentKind, PortRequest, check_text, is_us_state, is_zip};

/// Longest free-text field accepted (Apeiron names no limit; this keeps a
/// runaway value from being sent).
const MAX_TEXT: usize = 255;

fn text(p: &mut Problems, field: &str, value: &str) {
    p.take("", check_text(field, value, MAX_TEXT));
}

fn optional(p: &mut Problems, field: &str, value: Option<&str>) {
    if let Some(value) = value {
        text(p, field, value);
    }
}

fn state(p: &mut Problems, field: &str, value: &str) {
    if !is_us_state(value) {
        p.add(
            field,
            format!("{value:?} is not a two-letter US state code"),
        );
    }
}

fn zip(p: &mut Problems, field: &str, value: &str) {
    if !is_zip(value) {
        p.add(field, format!("{value:?} is not a ZIP or ZIP+4 code"));
    }
}

/// The checklist on one port, problems named after Apeiron's fields.
pub(crate) fn check_port(port: &CellularPort, p: &mut Problems) {
    if !port.mdn.is_nanp() {
        p.add("mdn", format!("{} is not a 10-digit NANP number", port.mdn));
    }
    text(p, "authorization_name", &port.authorization_name);
    text(p, "first_name", &port.first_name);
    text(p, "last_name", &port.last_name);
    text(p, "address1", &port.address1);
    if let Some(line) = port.address2.as_deref().filter(|l| !l.is_empty()) {
        text(p, "address2", line);
    }
    text(p, "city", &port.city);
    state(p, "state", &port.state);
    zip(p, "postal_code", &port.postal_code);
    match &port.plan {
        ServicePlan::Code(code) => text(p, "service_plan", code),
        ServicePlan::SubscriberPlanId(id) => text(p, "subscriber_service_plan_id", id),
    }
    optional(p, "ticket_id", port.ticket_id.as_deref());
    optional(p, "reference", port.reference.as_deref());
    optional(p, "business_name", port.business_name.as_deref());
    if let E911::Address {
        address1,
        address2,
        city,
        state: code,
        postal_code,
    } = &port.e911
    {
        text(p, "e911_address1", address1);
        optional(p, "e911_address2", address2.as_deref());
        text(p, "e911_city", city);
        state(p, "e911_state", code);
        zip(p, "e911_postal_code", postal_code);
    }
    for (field, doc) in [("loa", &port.loa), ("bill", &port.bill)] {
        if let Some(doc) = doc {
            if let Err(e) = doc.validate() {
                p.push(e.at(field));
            }
        }
    }
}

/// The E911 choice from the options, or every problem with it.
pub(crate) fn e911(options: &ApeironOptions, p: &mut Problems) -> Option<E911> {
    let parts = options
        .e911
        .as_ref()
        .filter(|a| **a != E911Address::default());
    match (options.use_subscriber_address_for_e911, parts) {
        (true, Some(_)) => {
            p.add(
                "apeiron.e911",
                "cannot be combined with use_subscriber_address_for_e911: set one or the other",
            );
            None
        }
        (true, None) => Some(E911::SubscriberAddress),
        (false, None) => Some(E911::None),
        (false, Some(a)) => {
            let mut part = |name: &str, value: &Option<String>| match value
                .as_deref()
                .filter(|v| !v.trim().is_empty())
            {
                Some(v) => Some(v.to_owned()),
                None => {
                    p.add(
                        format!("apeiron.e911.{name}"),
                        "is missing: a partial E911 address is not accepted",
                    );
                    None
                }
            };
            let address1 = part("address1", &a.address1);
            let city = part("city", &a.city);
            let state = part("state", &a.state);
            let postal_code = part("postal_code", &a.postal_code);
            Some(E911::Address {
                address1: address1?,
                address2: a.address2.clone().filter(|l| !l.trim().is_empty()),
                city: city?,
                state: state?,
                postal_code: postal_code?,
            })
        }
    }
}

/// The plan from the options: exactly one of code and id.
pub(crate) fn plan(options: &ApeironOptions, p: &mut Problems) -> Option<ServicePlan> {
    match (&options.service_plan, &options.subscriber_service_plan_id) {
        (Some(code), None) => Some(ServicePlan::Code(code.clone())),
        (None, Some(id)) => Some(ServicePlan::SubscriberPlanId(id.clone())),
        (Some(_), Some(_)) => {
            p.add(
                "apeiron.subscriber_service_plan_id",
                "is set together with apeiron.service_plan: set exactly one",
            );
            None
        }
        (None, None) => {
            p.add(
                "apeiron.service_plan",
                "is not set, nor is apeiron.subscriber_service_plan_id: set exactly one",
            );
            None
        }
    }
}

/// Apeiron takes one `loa` and one `bill`.
pub(crate) fn documents(request: &PortRequest, p: &mut Problems) {
    for kind in [DocumentKind::LetterOfAuthorization, DocumentKind::Bill] {
        let of_kind: Vec<usize> = request
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind == kind)
            .map(|(i, _)| i)
            .collect();
        for i in of_kind.iter().skip(1) {
            p.add(
                format!("documents[{i}]"),
                format!("is a second {kind:?}: Apeiron takes one loa and one bill"),
            );
        }
    }
}

/// The [`PortRequest`] field behind an Apeiron field, for line `line` and
/// the request's documents.
pub(crate) fn request_field(wire: &str, line: usize, request: &PortRequest) -> String {
    let (head, rest) = match wire.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (wire, None),
    };
    let mapped = match head {
        "mdn" => format!("lines[{line}].number"),
        "iccid" => format!("lines[{line}].sim"),
        "first_name" | "last_name" | "business_name" => format!("subscriber.{head}"),
        "address1" => "subscriber.address.line1".to_owned(),
        "address2" => "subscriber.address.line2".to_owned(),
        "city" | "state" | "postal_code" => format!("subscriber.address.{head}"),
        "service_plan" | "subscriber_service_plan_id" | "ticket_id" => format!("apeiron.{head}"),
        "loa" | "bill" => {
            let kind = if head == "loa" {
                DocumentKind::LetterOfAuthorization
            } else {
                DocumentKind::Bill
            };
            let at = request.documents.iter().position(|d| d.kind == kind);
            at.map_or_else(|| "documents".to_owned(), |i| format!("documents[{i}]"))
        }
        other => match other.strip_prefix("e911_") {
            Some(part) => format!("apeiron.e911.{part}"),
            None => other.to_owned(),
        },
    };
    match rest {
        Some(rest) => format!("{mapped}.{rest}"),
        None => mapped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_codes() {
        assert!(is_zip("90210"));
        assert!(is_zip("90210-1234"));
        assert!(!is_zip("9021"));
        assert!(!is_zip("90210 1234"));
        assert!(!is_zip("ABCDE"));
        assert!(!is_zip("90210-12é"));
    }
}
