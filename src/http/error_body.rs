//! Reading carriers' error bodies and turning error statuses into [`Error`]s.
//!
//! Carriers answer errors in many shapes: ASP.NET problem details, Django
//! REST framework bodies, `{"error": ...}` envelopes, plain text, an HTML page
//! from a proxy, or nothing at all. [`ErrorBody::parse`] reads any of them
//! into a message and field errors; nothing here panics on a body.

use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, FieldError, RejectReason};
use crate::operation::Carrier;

/// How much of a carrier's text is kept while reading; errors cut it to
/// [`crate::error::MAX_MESSAGE_CHARS`] after redaction.
const MAX_MESSAGE: usize = 16 * 1024;

/// What an error body said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ErrorBody {
    /// The carrier's message, trimmed to a readable length.
    pub message: String,
    /// Field-level problems, when the body named fields.
    pub field_errors: Vec<FieldError>,
    /// A machine code from the body, when there was one.
    pub code: Option<String>,
}

impl ErrorBody {
    /// Reads any body.
    pub fn parse(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Self {
                message: "(empty body)".into(),
                ..Self::default()
            };
        }
        if let Ok(json) = serde_json::from_str::<Value>(trimmed) {
            return Self::from_json(&json);
        }
        if looks_like_html(trimmed) {
            let title = html_title(trimmed);
            return Self {
                message: match title {
                    Some(t) => format!("HTML error page: {t}"),
                    None => "HTML error page".into(),
                },
                ..Self::default()
            };
        }
        Self {
            message: truncate(trimmed),
            ..Self::default()
        }
    }

    fn from_json(json: &Value) -> Self {
        match json {
            Value::String(s) => Self {
                message: truncate(s),
                ..Self::default()
            },
            Value::Object(map) => {
                let mut out = Self::default();
                let mut parts: Vec<String> = Vec::new();
                for key in ["title", "detail", "message", "error_description"] {
                    if let Some(s) = map.get(key).and_then(Value::as_str) {
                        if !s.is_empty() && !parts.iter().any(|p| p == s) {
                            parts.push(s.to_owned());
                        }
                    }
                }
                match map.get("error") {
                    Some(Value::String(s)) => {
                        out.code = Some(s.clone());
                        if parts.is_empty() {
                            parts.push(s.clone());
                        }
                    }
                    Some(Value::Object(inner)) => {
                        if let Some(m) = inner.get("message").and_then(Value::as_str) {
                            parts.push(m.to_owned());
                        }
                        out.code = inner.get("code").map(scalar_text);
                    }
                    _ => {}
                }
                if let Some(Value::Object(errors)) = map.get("errors") {
                    collect_fields(errors, &mut out.field_errors);
                }
                // Django REST framework: {"field": ["message", ...]}.
                for (key, value) in map {
                    if let Value::Array(items) = value {
                        if key != "errors"
                            && items.iter().all(Value::is_string)
                            && !items.is_empty()
                        {
                            for item in items {
                                out.field_errors
                                    .push(FieldError::new(key, scalar_text(item)));
                            }
                        }
                    }
                }
                if parts.is_empty() && !out.field_errors.is_empty() {
                    parts.push(
                        out.field_errors
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; "),
                    );
                }
                if parts.is_empty() {
                    parts.push(truncate(&json.to_string()));
                }
                out.message = truncate(&parts.join(": "));
                out
            }
            other => Self {
                message: truncate(&other.to_string()),
                ..Self::default()
            },
        }
    }
}

fn collect_fields(errors: &serde_json::Map<String, Value>, out: &mut Vec<FieldError>) {
    for (field, value) in errors {
        match value {
            Value::Array(items) => {
                for item in items {
                    out.push(FieldError::new(field, scalar_text(item)));
                }
            }
            other => out.push(FieldError::new(field, scalar_text(other))),
        }
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<body")
}

fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = text.get(start..end)?.trim();
    (!title.is_empty()).then(|| truncate(title))
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_MESSAGE {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX_MESSAGE).collect();
        t.push('…');
        t
    }
}

/// Turns an error status and its body into the matching [`Error`].
///
/// The carrier's words decide before the status does: when `reason` reads a
/// documented rejection from the message or a field problem, any 4xx but
/// 401 and 429 is [`Error::Rejected`] with that reason (a carrier may carry
/// "MDN inactive" on a 409 or a 403 as well as on a 400). Otherwise the
/// status decides. `retry_after` is the parsed header for 429.
pub(crate) fn error_for_status(
    carrier: Carrier,
    status: u16,
    body: ErrorBody,
    retry_after: Option<Duration>,
    reason: fn(&str) -> RejectReason,
) -> Error {
    let ErrorBody {
        message,
        field_errors,
        ..
    } = body;
    let documented = Some(reason(&message))
        .filter(|r| *r != RejectReason::Other)
        .or_else(|| {
            field_errors
                .iter()
                .map(|f| reason(&f.problem))
                .find(|r| *r != RejectReason::Other)
        });
    // Only `Rejected` keeps field errors beside its message; every other
    // kind carries the carrier's per-field reasons in its message, or they
    // would be lost behind a generic title ("One or more validation errors
    // occurred.").
    let with_fields = |message: &String| with_field_reasons(message, &field_errors);
    let rejected = |reason, message, field_errors| Error::Rejected {
        carrier,
        status: Some(status),
        reason,
        message,
        field_errors,
    };
    match (status, documented) {
        (401, _) => Error::Auth {
            carrier,
            status: Some(status),
            message: with_fields(&message),
        },
        (429, _) => Error::RateLimited {
            carrier,
            retry_after,
            message: with_fields(&message),
        },
        (400..=499, Some(typed)) => rejected(typed, message, field_errors),
        (403, None) => Error::Auth {
            carrier,
            status: Some(status),
            message: with_fields(&message),
        },
        (404 | 410, None) => Error::NotFound {
            carrier,
            message: with_fields(&message),
        },
        (409, None) => Error::InvalidState {
            carrier,
            message: with_fields(&message),
        },
        (412, None) => Error::Precondition {
            carrier,
            message: with_fields(&message),
        },
        (400 | 422, None) => {
            let typed = if field_errors.is_empty() {
                RejectReason::Other
            } else {
                RejectReason::InvalidFields
            };
            rejected(typed, message, field_errors)
        }
        _ => Error::Api {
            carrier,
            status,
            retry_after,
            message: with_fields(&message),
        },
    }
}

/// `message` followed by each field reason it does not already hold:
/// `One or more validation errors occurred.: Rows[0].Msisdn: is in use`.
pub(crate) fn with_field_reasons(message: &str, field_errors: &[FieldError]) -> String {
    let missing: Vec<String> = field_errors
        .iter()
        .filter(|f| !message.contains(f.problem.as_str()))
        .map(|f| {
            if f.field.is_empty() {
                f.problem.clone()
            } else {
                format!("{}: {}", f.field, f.problem)
            }
        })
        .collect();
    if missing.is_empty() {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len() + 64);
    out.push_str(message.trim_end());
    if !out.is_empty() {
        out.push_str(": ");
    }
    out.push_str(&missing.join("; "));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_details() {
        let body = br#"{"title":"One or more validation errors occurred.","status":400,
            "errors":{"Rows[0].Pac":["The PAC is invalid."]}}"#;
        let b = ErrorBody::parse(body);
        assert_eq!(b.message, "One or more validation errors occurred.");
        assert_eq!(
            b.field_errors,
            vec![FieldError::new("Rows[0].Pac", "The PAC is invalid.")]
        );
    }

    #[test]
    fn field_reasons_reach_the_message_of_every_error_but_rejected() {
        let body = br#"{"title":"One or more validation errors occurred.","status":500,
            "errors":{"Rows[0].Msisdn":["The MSISDN is on a port in progress."],"Name":["Too long."]}}"#;
        let e = error_for_status(Carrier::Cellhire, 500, ErrorBody::parse(body), None, |_| {
            RejectReason::Other
        });
        assert_eq!(
            e.to_string(),
            // Fields in the order the JSON map keeps them (by name).
            "Cellhire answered HTTP 500: One or more validation errors occurred.: \
             Name: Too long.; Rows[0].Msisdn: The MSISDN is on a port in progress."
        );
        let e = error_for_status(Carrier::Cellhire, 409, ErrorBody::parse(body), None, |_| {
            RejectReason::Other
        });
        assert!(
            e.to_string().ends_with(
                "occurred.: Name: Too long.; Rows[0].Msisdn: The MSISDN is on a port in progress."
            ),
            "{e}"
        );
        // Rejected keeps the carrier's text unaltered, the fields beside it.
        let e = error_for_status(Carrier::Cellhire, 400, ErrorBody::parse(body), None, |_| {
            RejectReason::Other
        });
        assert_eq!(e.field_errors().len(), 2);
        assert!(e.to_string().ends_with("occurred."), "{e}");
        // A message already made of the field reasons is not repeated.
        assert_eq!(
            with_field_reasons(
                "iccid ICCID is already in use.",
                &[FieldError::new("iccid", "ICCID is already in use.")]
            ),
            "iccid ICCID is already in use."
        );
    }

    #[test]
    fn drf_and_envelopes() {
        let b = ErrorBody::parse(br#"{"iccid":["ICCID is already in use."]}"#);
        assert_eq!(
            b.field_errors,
            vec![FieldError::new("iccid", "ICCID is already in use.")]
        );
        assert_eq!(b.message, "iccid ICCID is already in use.");
        let b = ErrorBody::parse(br#"{"detail":"Authentication credentials were not provided."}"#);
        assert_eq!(b.message, "Authentication credentials were not provided.");
        let b = ErrorBody::parse(
            br#"{"status":"error","error":{"code":402,"message":"Insufficient balance"}}"#,
        );
        assert_eq!(
            (b.message.as_str(), b.code.as_deref()),
            ("Insufficient balance", Some("402"))
        );
        let b = ErrorBody::parse(br#"{"error":"invalid_client"}"#);
        assert_eq!(
            (b.message.as_str(), b.code.as_deref()),
            ("invalid_client", Some("invalid_client"))
        );
    }

    #[test]
    fn text_html_and_empty() {
        assert_eq!(ErrorBody::parse(b"  bad PAC  ").message, "bad PAC");
        assert_eq!(
            ErrorBody::parse(
                b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>"
            )
            .message,
            "HTML error page: 502 Bad Gateway"
        );
        assert_eq!(ErrorBody::parse(b"").message, "(empty body)");
        assert_eq!(
            ErrorBody::parse(b"\"plain json string\"").message,
            "plain json string"
        );
        assert_eq!(ErrorBody::parse(&[0xff, 0xfe]).message, "\u{fffd}\u{fffd}");
        let long = "x".repeat(20_000);
        assert_eq!(
            ErrorBody::parse(long.as_bytes()).message.chars().count(),
            MAX_MESSAGE + 1
        );
    }
}
