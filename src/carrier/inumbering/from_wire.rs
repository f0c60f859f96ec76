//! iNumbering's answers onto typed results, failures included: a failure
//! may come as an HTTP status or inside a 200 body (`status` "Error" or
//! "Failed", `statusCode` a string; the v2.2 envelope
//! `{"status": "error", "error": {"code", "message"}}`).

use chrono::NaiveDate;
use serde_json::Value;

use super::types::{Availability, PortStatusEntry};
use super::wire;
use crate::error::{Error, RejectReason, Result};
use crate::http::{HttpConfig, Reply, Verdict};
use crate::model::{PhoneNumber, Pin};
use crate::operation::{Carrier, Operation};

const CARRIER: Carrier = Carrier::INumbering;

/// `foc` meaning "no FOC assigned yet".
pub const NO_FOC: &str = "19750715";

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The failure an answer reports, from its HTTP status or its body: `None`
/// for a success. Reads only the envelope fields of the body.
pub(super) fn failure(
    http_status: u16,
    body: &[u8],
    retry_after: Option<std::time::Duration>,
) -> Option<Error> {
    let envelope: Option<wire::Envelope> = serde_json::from_slice(body).ok();
    failure_in(http_status, envelope.as_ref(), body, retry_after)
}

/// The failure an answer reports, from its HTTP status or its `envelope`
/// (`None` when the body is not a JSON object).
pub(super) fn failure_in(
    http_status: u16,
    envelope: Option<&wire::Envelope>,
    body: &[u8],
    retry_after: Option<std::time::Duration>,
) -> Option<Error> {
    let empty = wire::Envelope::default();
    let env = envelope.unwrap_or(&empty);
    let body_status = env.status.as_ref().and_then(Value::as_str).unwrap_or("");
    let body_failed = body_status.eq_ignore_ascii_case("error")
        || body_status.eq_ignore_ascii_case("failed")
        || body_status.eq_ignore_ascii_case("failure");
    let error_code = env.error.as_ref().and_then(|e| e.get("code"));
    let body_code = env
        .status_code
        .as_ref()
        .and_then(text)
        .and_then(|c| c.trim().parse::<u16>().ok())
        .or_else(|| {
            error_code
                .and_then(text)
                .and_then(|c| c.trim().parse().ok())
        });
    let http_failed = !(200..300).contains(&http_status);
    let code_failed = body_code.is_some_and(|c| !(200..300).contains(&c));
    if !http_failed && !body_failed && !code_failed {
        return None;
    }
    let code = if http_failed {
        http_status
    } else {
        body_code.filter(|c| !(200..300).contains(c)).unwrap_or(400)
    };
    let as_str = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).map(str::to_owned);
    let message = env
        .error
        .as_ref()
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| as_str(&env.message))
        .or_else(|| as_str(&env.exception))
        .or_else(|| as_str(&env.error))
        .or_else(|| as_str(&env.detail))
        .unwrap_or_else(|| {
            if envelope.is_none() {
                crate::http::error_body::ErrorBody::parse(body).message
            } else {
                format!("iNumbering reported status {code}")
            }
        });
    Some(error_for_code(code, message, retry_after))
}

/// iNumbering's classifier, for every call: the answer's failure (in the
/// HTTP status or inside a 2xx body) as the verdict its words call for
/// ([`verdict`]); a success decoded as `T`, then made the call's result by
/// `then`, whose error (a 2xx the call cannot use) is final.
pub(super) fn read<T: wire::Answer, U>(
    config: &HttpConfig,
    operation: Operation,
    reply: Reply,
    then: impl FnOnce(T) -> Result<U>,
) -> Verdict<U> {
    let retry_after = reply.retry_after(config);
    match answer::<T>(operation, reply.status, &reply.body, retry_after) {
        Ok(answer) => match then(answer) {
            Ok(done) => Verdict::Done(done),
            Err(e) => Verdict::Failed(e),
        },
        Err(e) => verdict(e),
    }
}

/// What the send path does on a failure iNumbering reported: a 401
/// (in the status or the body) asks for a new key; a failure its words
/// call transient (a storage or DB error, portStatus's 409) is sent again
/// like a 5xx where the call may be repeated; a 412 ("no portability check
/// within the hour") asks for the check first; anything else is final.
pub(super) fn verdict<T>(error: Error) -> Verdict<T> {
    match error {
        Error::Auth {
            status: Some(401), ..
        } => Verdict::Unauthorized(error),
        Error::CarrierUnavailable { .. } => Verdict::Transient(error),
        Error::Precondition { .. } => Verdict::Recover(error),
        other => Verdict::Failed(other),
    }
}

/// Reads an answer in one pass: a failure in the HTTP status or in the
/// body's envelope is its error; a 2xx body that does not fit `T` is
/// [`Error::Decode`] (or the failure it reports in another shape).
pub(super) fn answer<T: wire::Answer>(
    operation: Operation,
    http_status: u16,
    body: &[u8],
    retry_after: Option<std::time::Duration>,
) -> Result<T> {
    if !(200..300).contains(&http_status) {
        return Err(http_failure(operation, http_status, body, retry_after));
    }
    match serde_json::from_slice::<T>(body) {
        Ok(mut answer) => {
            let envelope = answer.envelope();
            match failure_in(http_status, Some(&envelope), body, retry_after) {
                Some(error) => Err(in_context(operation, error)),
                None => Ok(answer),
            }
        }
        Err(_) => match failure(http_status, body, retry_after) {
            Some(error) => Err(in_context(operation, error)),
            None => crate::http::decode::json::<T>(CARRIER, operation, body),
        },
    }
}

/// The failure a non-2xx answer reports, read from its status and body as
/// [`answer`] reads it.
pub(super) fn http_failure(
    operation: Operation,
    http_status: u16,
    body: &[u8],
    retry_after: Option<std::time::Duration>,
) -> Error {
    in_context(
        operation,
        failure(http_status, body, retry_after)
            .unwrap_or_else(|| error_for_code(http_status, String::new(), retry_after)),
    )
}

/// What a code means for this call: portStatus documents 409 as "Internal
/// storage error", a transient failure of the carrier's, not a refusal of
/// the caller's fields.
pub(super) fn in_context(operation: Operation, error: Error) -> Error {
    match error {
        Error::Rejected {
            status: Some(409),
            message,
            ..
        } if operation == Operation::ListOrders => Error::CarrierUnavailable {
            carrier: CARRIER,
            status: 409,
            message,
        },
        other => other,
    }
}

/// The documented codes onto typed errors.
pub(super) fn error_for_code(
    code: u16,
    message: String,
    retry_after: Option<std::time::Duration>,
) -> Error {
    let status = Some(code);
    // The document's words decide before the code: 414 means "Fields Are
    // Required" on an order but "Wireless not allowed for Customer" on the
    // portability check; a storage or DB error is the carrier's own
    // trouble whatever code carries it.
    let lower = message.to_ascii_lowercase();
    if lower.contains("wireless not allowed") {
        return Error::Rejected {
            carrier: CARRIER,
            status,
            reason: RejectReason::CheckUnavailable,
            message,
            field_errors: Vec::new(),
        };
    }
    if lower.contains("storage error") || lower.contains("db error") {
        return Error::CarrierUnavailable {
            carrier: CARRIER,
            status: code,
            message,
        };
    }
    let rejected = |reason| Error::Rejected {
        carrier: CARRIER,
        status,
        reason,
        message: message.clone(),
        field_errors: Vec::new(),
    };
    match code {
        401 => Error::Auth {
            carrier: CARRIER,
            status,
            message,
        },
        // Administrator access required (portInOrder).
        403 => Error::Auth {
            carrier: CARRIER,
            status,
            message: format!(
                "{message} (administrator access required: customers submit through /v2.2/account/port)"
            ),
        },
        402 => rejected(RejectReason::InsufficientBalance),
        400 | 409 | 414 => rejected(RejectReason::InvalidFields),
        412 => Error::Precondition {
            carrier: CARRIER,
            message,
        },
        429 => Error::RateLimited {
            carrier: CARRIER,
            retry_after,
            message,
        },
        430 => Error::NotFound {
            carrier: CARRIER,
            message,
        },
        // 410 DB error, 411 unknown error, 431 unable to complete, 5xx.
        _ => Error::Api {
            carrier: CARRIER,
            status: code,
            retry_after,
            message,
        },
    }
}

fn parse_number(raw: &str) -> Option<PhoneNumber> {
    PhoneNumber::nanp(raw).ok()
}

pub(super) fn availability(answer: wire::AvailabilityAnswer) -> Vec<Availability> {
    answer
        .service_available
        .into_iter()
        .map(|s| {
            let telephone_number = s
                .telephone_number
                .as_ref()
                .and_then(text)
                .unwrap_or_default();
            let portable = s
                .is_portable
                .as_ref()
                .and_then(text)
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("true"));
            Availability {
                number: parse_number(&telephone_number),
                telephone_number,
                portable,
                not_portable_reason: if portable {
                    None
                } else {
                    s.not_portable_reason
                },
                service_provider: s.service_provider_name,
            }
        })
        .collect()
}

/// `text` without white space around it; text that starts and ends with a
/// visible ASCII character (every field iNumbering documents) is returned
/// as it is, without the Unicode search.
fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// `YYYYMMDD`, with the sentinel read as no date.
pub(super) fn foc(raw: &str) -> Option<NaiveDate> {
    let raw = trim(raw);
    if raw == NO_FOC {
        return None;
    }
    // `YYYYMMDD`, read by hand: this runs for every status entry.
    let b = raw.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    NaiveDate::from_ymd_opt(i32::try_from(n(0..4)).ok()?, n(4..6), n(6..8))
}

pub(super) fn status(answer: wire::StatusAnswer) -> Vec<PortStatusEntry> {
    answer
        .port_status_summary
        .into_iter()
        .map(status_entry)
        .collect()
}

/// One `portStatusSummary` entry.
pub(super) fn status_entry(item: wire::StatusItem) -> PortStatusEntry {
    // Fields are moved out, not copied.
    let v = item.value.unwrap_or_default();
    PortStatusEntry {
        id: item.id,
        pid: v.pid,
        status: v.status.unwrap_or_default(),
        message: v.message,
        foc: v.foc.as_deref().and_then(foc),
        notify: v.notify.as_deref().is_some_and(|n| trim(n) == "1"),
        url: v.url,
        pin: v.pin.and_then(|p| Pin::new(p).ok()),
        timestamp: item.timestamp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_odd_field_in_one_status_entry_does_not_spoil_the_summary() {
        let answer: wire::StatusAnswer = serde_json::from_str(
            r#"{"statusCode":"200","status":"Success","portStatusSummary":[
                {"id":"a1","key":["1","1746000000"],"value":{"pid":7,"status":"Pending","url":{"x":1}}},
                {"id":"b2","key":["1","1746000001"],"value":{"pid":"b2b2b","status":"Complete"}}]}"#,
        )
        .unwrap();
        let entries = status(answer);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].pid.as_deref(), Some("7"));
        assert_eq!(entries[0].url, None);
        assert_eq!(entries[1].pid.as_deref(), Some("b2b2b"));
    }

    #[test]
    fn failures_come_from_the_status_or_the_body() {
        assert!(failure(200, br#"{"status":"Success","statusCode":"200"}"#, None).is_none());
        assert!(failure(201, br#"{"status":"success","data":{}}"#, None).is_none());
        let in_body = failure(
            200,
            br#"{"status":"Error","statusCode":"412","message":"verify first"}"#,
            None,
        )
        .unwrap();
        assert!(
            matches!(in_body, Error::Precondition { ref message, .. } if message == "verify first")
        );
        let envelope = failure(
            200,
            br#"{"status":"error","error":{"code":402,"message":"Insufficient balance"}}"#,
            None,
        )
        .unwrap();
        assert_eq!(
            envelope.reject_reason(),
            Some(RejectReason::InsufficientBalance)
        );
        assert_eq!(envelope.carrier_message(), Some("Insufficient balance"));
        let failed = failure(200, br#"{"status":"Failed"}"#, None).unwrap();
        assert_eq!(failed.status(), Some(400));
        let html = failure(502, b"<html><body>Bad Gateway</body></html>", None).unwrap();
        assert_eq!(html.status(), Some(502));
        assert!(failure(200, b"", None).is_none());
    }

    #[test]
    fn every_documented_code_is_typed() {
        let kind = |code| error_for_code(code, "m".into(), None);
        assert!(kind(401).is_auth());
        assert!(kind(403).is_auth());
        assert_eq!(
            kind(402).reject_reason(),
            Some(RejectReason::InsufficientBalance)
        );
        assert_eq!(kind(409).reject_reason(), Some(RejectReason::InvalidFields));
        assert_eq!(kind(414).reject_reason(), Some(RejectReason::InvalidFields));
        assert!(matches!(kind(412), Error::Precondition { .. }));
        assert!(kind(430).is_not_found());
        for code in [410, 411, 431] {
            assert!(matches!(kind(code), Error::Api { status, .. } if status == code));
        }
    }

    #[test]
    fn the_timestamp_is_the_second_element_of_key_whatever_its_form() {
        let stamp = |key: &str| {
            serde_json::from_str::<wire::StatusItem>(&format!(r#"{{"id":"a"{key}}}"#))
                .map(|item| status_entry(item).timestamp)
        };
        assert_eq!(
            stamp(r#","key":["1",1746000000]"#).unwrap(),
            Some(1746000000)
        );
        assert_eq!(
            stamp(r#","key":[1," 1746000000 ",{"x":[1]}]"#).unwrap(),
            Some(1746000000)
        );
        assert_eq!(stamp(r#","key":["1",-5]"#).unwrap(), Some(-5));
        for none in [
            "",
            r#","key":null"#,
            r#","key":[]"#,
            r#","key":["1"]"#,
            r#","key":["1",1.5]"#,
            r#","key":["1",18446744073709551615]"#,
            r#","key":["1","soon"]"#,
            r#","key":["1",{"t":1}]"#,
            r#","key":["1",[1]]"#,
            r#","key":["1",true]"#,
            r#","key":["1",null]"#,
        ] {
            assert_eq!(stamp(none).unwrap(), None, "{none}");
        }
        // `key` is an array, as before: anything else is not this entry.
        assert!(stamp(r#","key":"1746000000""#).is_err());
        assert!(stamp(r#","key":{"1":1}"#).is_err());
    }

    #[test]
    fn foc_sentinel_means_none() {
        assert_eq!(foc("19750715"), None);
        assert_eq!(foc("20261204"), NaiveDate::from_ymd_opt(2026, 12, 4));
        assert_eq!(foc("soon"), None);
        assert_eq!(foc(" 20261204\n"), NaiveDate::from_ymd_opt(2026, 12, 4));
        assert_eq!(foc(" 19750715 "), None);
    }
}
