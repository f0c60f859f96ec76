//! Verifying a webhook, for receivers.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

use crate::events::{MAX_EVENT_BYTES, PortEvent};

use super::error::WebhookError;
use super::secret::WebhookSecret;
use super::signer::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};

/// How far a webhook's timestamp may be from the receiver's clock, either
/// way: 5 minutes (the Standard Webhooks tolerance).
pub const TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Checks a webhook numport's relay sent and answers its event.
///
/// In this order: the three headers are present and readable
/// ([`WebhookError::MissingHeader`], [`WebhookError::InvalidHeader`]); the
/// `webhook-timestamp` is within [`TIMESTAMP_TOLERANCE`] of `now`
/// ([`WebhookError::TooOld`], [`WebhookError::TooNew`]; `now` is given so
/// that a test can set the clock); one `v1` signature of
/// `webhook-signature` is HMAC-SHA256 over `id.timestamp.body` with the
/// secret, computed by the crate `standardwebhooks` and compared in
/// constant time ([`WebhookError::BadSignature`]); and the body is a
/// [`PortEvent`] (at most [`MAX_EVENT_BYTES`]) whose id is the
/// `webhook-id` ([`WebhookError::NotAnEvent`]).
///
/// Answer `2xx` once the event is handled (numport retries anything else,
/// and stops sending for good on `410 Gone`). Events come at least once:
/// drop an id already handled. Within one order they come in
/// [`PortEvent::sequence`] order.
///
/// ```
/// use numport::webhook::{Signer, WebhookError, WebhookSecret, verify};
/// use numport::{Carrier, PortEvent, PortId, PortStatus};
///
/// // What the receiver is configured with (NUMPORT_WEBHOOK_SECRET on the relay).
/// let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
///
/// /// The body of a POST handler: 204 when handled, 400 when refused.
/// fn handle(secret: &WebhookSecret, headers: &reqwest::header::HeaderMap, body: &[u8]) -> u16 {
///     match verify(secret, headers, body, chrono::Utc::now()) {
///         Ok(event) => {
///             println!("{} {}: {:?} -> {}", event.id, event.order_id, event.from, event.to);
///             204
///         }
///         Err(refused) => {
///             eprintln!("webhook refused: {refused}");
///             400
///         }
///     }
/// }
///
/// // What the relay sends (here signed in place, to show both sides).
/// let event = PortEvent::status_changed(
///     Carrier::Cellhire, "numport:cellhire:4f2a", PortId::new("81234")?, vec![], 1,
///     None, PortStatus::Submitted, chrono::Utc::now(),
/// );
/// let body = serde_json::to_vec(&event).unwrap();
/// let signed = Signer::new(secret.clone()).sign(&event.id, chrono::Utc::now().timestamp(), &body)?;
/// assert_eq!(handle(&secret, &signed.to_header_map(), &body), 204);
///
/// // One byte changed: refused.
/// let mut tampered = body.clone();
/// tampered[body.len() - 2] ^= 1;
/// assert!(matches!(
///     verify(&secret, &signed.to_header_map(), &tampered, chrono::Utc::now()),
///     Err(WebhookError::BadSignature)
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(
    secret: &WebhookSecret,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<PortEvent, WebhookError> {
    let id = header(headers, HEADER_ID)?;
    let signatures = header(headers, HEADER_SIGNATURE)?;
    let timestamp: i64 = header(headers, HEADER_TIMESTAMP)?
        .trim()
        .parse()
        .map_err(|_| WebhookError::InvalidHeader(HEADER_TIMESTAMP))?;

    let tolerance = i64::try_from(TIMESTAMP_TOLERANCE.as_secs()).unwrap_or(i64::MAX);
    let now = now.timestamp();
    let age = now.saturating_sub(timestamp);
    if age > tolerance {
        return Err(WebhookError::TooOld {
            age_secs: age,
            tolerance_secs: tolerance,
        });
    }
    if age < tolerance.saturating_neg() {
        return Err(WebhookError::TooNew {
            ahead_secs: age.saturating_neg(),
            tolerance_secs: tolerance,
        });
    }

    if body.len() > MAX_EVENT_BYTES {
        return Err(WebhookError::NotAnEvent(format!(
            "the body is {} bytes, over the {MAX_EVENT_BYTES}-byte bound",
            body.len()
        )));
    }
    let expected = secret
        .webhook()?
        .sign(id, timestamp, body)
        .map_err(|_| WebhookError::BadSignature)?;
    let expected = expected
        .strip_prefix("v1,")
        .ok_or(WebhookError::BadSignature)?;
    let matches = signatures
        .split(' ')
        .filter_map(|s| s.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .fold(false, |found, (_, given)| {
            found | constant_time_eq(given.as_bytes(), expected.as_bytes())
        });
    if !matches {
        return Err(WebhookError::BadSignature);
    }

    let event: PortEvent =
        serde_json::from_slice(body).map_err(|e| WebhookError::NotAnEvent(format!("{e}")))?;
    if event.id != id {
        return Err(WebhookError::NotAnEvent(
            "the event's id is not the webhook-id".into(),
        ));
    }
    Ok(event)
}

/// A header's value as text.
fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, WebhookError> {
    headers
        .get(name)
        .ok_or(WebhookError::MissingHeader(name))?
        .to_str()
        .map_err(|_| WebhookError::InvalidHeader(name))
}

/// Equality that takes the same time wherever the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
