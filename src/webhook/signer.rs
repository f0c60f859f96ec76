//! Signing a webhook: the Standard Webhooks headers.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::error::WebhookError;
use super::secret::WebhookSecret;

/// The header holding the webhook's id (the event's id): `webhook-id`.
pub const HEADER_ID: &str = standardwebhooks::HEADER_WEBHOOK_ID;

/// The header holding when the webhook was signed, in Unix seconds:
/// `webhook-timestamp`.
pub const HEADER_TIMESTAMP: &str = standardwebhooks::HEADER_WEBHOOK_TIMESTAMP;

/// The header holding the signatures: `webhook-signature`, each
/// `v1,<base64 HMAC-SHA256>` separated by spaces.
pub const HEADER_SIGNATURE: &str = standardwebhooks::HEADER_WEBHOOK_SIGNATURE;

/// Signs webhooks as Standard Webhooks (and Svix) do, with the crate
/// `standardwebhooks`: `webhook-signature` is `v1,` and the base64 of
/// HMAC-SHA256, keyed with the secret's bytes, over
/// `<webhook-id>.<webhook-timestamp>.<body>`.
///
/// ```
/// use numport::webhook::{Signer, WebhookSecret};
///
/// let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
/// let headers = Signer::new(secret)
///     .sign(
///         "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
///         1649367553,
///         br#"{"email":"test@example.com","username":"test_user"}"#,
///     )
///     .unwrap();
/// assert_eq!(headers.signature, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
/// ```
#[derive(Debug, Clone)]
pub struct Signer {
    secret: WebhookSecret,
}

/// The three headers of one signed webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedHeaders {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
    /// `webhook-signature`: `v1,<base64>`.
    pub signature: String,
}

impl Signer {
    /// A signer with `secret`.
    pub fn new(secret: WebhookSecret) -> Self {
        Self { secret }
    }

    /// The headers of the webhook `id` with `body`, signed at `timestamp`
    /// (Unix seconds). A body that is not UTF-8, or an id that cannot be a
    /// header value, is [`WebhookError::NotAnEvent`].
    pub fn sign(
        &self,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<SignedHeaders, WebhookError> {
        if HeaderValue::from_str(id).is_err() || id.is_empty() {
            return Err(WebhookError::NotAnEvent(
                "the id cannot be a header value".into(),
            ));
        }
        let signature = self
            .secret
            .webhook()?
            .sign(id, timestamp, body)
            .map_err(|_| WebhookError::NotAnEvent("the body is not UTF-8".into()))?;
        Ok(SignedHeaders {
            id: id.to_owned(),
            timestamp,
            signature,
        })
    }
}

impl SignedHeaders {
    /// The three headers, to add to a request.
    pub fn to_header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(3);
        let pairs = [
            (HEADER_ID, self.id.clone()),
            (HEADER_TIMESTAMP, self.timestamp.to_string()),
            (HEADER_SIGNATURE, self.signature.clone()),
        ];
        for (name, value) in pairs {
            // The id was checked by `Signer::sign`; the others are ASCII.
            if let Ok(value) = HeaderValue::from_str(&value) {
                map.insert(HeaderName::from_static(name), value);
            }
        }
        map
    }
}
