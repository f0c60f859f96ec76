//! Apeiron's answers onto typed results.

use serde_json::Value;

use super::types::CreatedPort;
use crate::error::{FieldError, RejectReason};

/// Keys that may hold the order id, most specific last tried first.
const ID_KEYS: &[&str] = &["port_order_id", "port_id", "order_id", "id"];

fn id_in(value: &Value) -> Option<String> {
    ID_KEYS.iter().find_map(|key| match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A 2xx answer: never a failure, whatever its body.
pub(super) fn created(status: u16, body: &[u8]) -> CreatedPort {
    let raw: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let id = id_in(&raw).or_else(|| raw.get("data").and_then(id_in));
    CreatedPort { id, status, raw }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The document's five rejection reasons, read from Apeiron's words.
pub(super) fn reject_reason(text: &str) -> RejectReason {
    let w = words(text);
    let has = |word: &str| w.iter().any(|x| x == word);
    if has("address") && (has("mismatch") || has("match") || has("records")) {
        RejectReason::AddressMismatch
    } else if has("iccid") || has("sim") {
        RejectReason::InvalidIccid
    } else if has("pin") || has("passcode") {
        RejectReason::IncorrectPin
    } else if has("mdn") && (has("inactive") || has("active") || has("pending")) {
        RejectReason::MdnInactive
    } else if has("plan") || has("service_plan") {
        RejectReason::PlanInvalid
    } else {
        RejectReason::Other
    }
}

/// A reason from the fields a DRF body names, when its words gave none.
pub(super) fn reason_from_fields(fields: &[FieldError]) -> RejectReason {
    fields
        .iter()
        .find_map(|f| match f.field.as_str() {
            "iccid" => Some(RejectReason::InvalidIccid),
            "pin" => Some(RejectReason::IncorrectPin),
            "service_plan" | "subscriber_service_plan_id" => Some(RejectReason::PlanInvalid),
            _ => None,
        })
        .unwrap_or(RejectReason::InvalidFields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_id_is_read_tolerantly() {
        let id = |body: &str| created(201, body.as_bytes()).id;
        assert_eq!(id(r#"{"id": 41}"#).as_deref(), Some("41"));
        assert_eq!(id(r#"{"port_order_id": "PO-9"}"#).as_deref(), Some("PO-9"));
        assert_eq!(id(r#"{"data": {"order_id": 7}}"#).as_deref(), Some("7"));
        assert_eq!(id(r#"{"status": "ok"}"#), None);
        assert_eq!(id("<html>ok</html>"), None);
        assert_eq!(id(""), None);
        assert_eq!(created(200, b"").raw, Value::Null);
    }

    #[test]
    fn the_documented_reasons_are_read_from_words() {
        let cases = [
            (
                "Address mismatch: must match losing carrier records",
                RejectReason::AddressMismatch,
            ),
            (
                "Invalid ICCID: must be unused and assigned to your org",
                RejectReason::InvalidIccid,
            ),
            (
                "Incorrect PIN: verify with losing carrier",
                RejectReason::IncorrectPin,
            ),
            (
                "MDN inactive: must be active and not pending port",
                RejectReason::MdnInactive,
            ),
            (
                "Plan invalid: check service_plan",
                RejectReason::PlanInvalid,
            ),
            ("Shipping delayed", RejectReason::Other),
        ];
        for (text, want) in cases {
            assert_eq!(reject_reason(text), want, "{text}");
        }
    }
}
