//! The secret shared by the relay and a receiver.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretSlice};

use super::error::WebhookError;

/// The prefix of a webhook secret's text: `whsec_`.
pub const SECRET_PREFIX: &str = "whsec_";

/// The shortest secret accepted, in bytes (Standard Webhooks asks for 24
/// to 64).
pub const MIN_SECRET_BYTES: usize = 24;

/// The longest secret accepted, in bytes.
pub const MAX_SECRET_BYTES: usize = 64;

/// The key both sides sign with: `whsec_` and 24 to 64 bytes in base64
/// (the Standard Webhooks form, as Svix gives it).
///
/// It has no `Display`, its `Debug` is `WebhookSecret([REDACTED])`, and
/// its bytes are wiped from memory when the last clone is dropped (a
/// [`crate::webhook::Sender`] also keeps the text, unwiped, to mask it in
/// receivers' answers, and each signature a short-lived copy of the key).
/// Nothing in numport prints, logs or stores it.
///
/// ```
/// use numport::webhook::WebhookSecret;
///
/// let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
/// assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
/// assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err()); // 5 bytes
/// ```
#[derive(Clone)]
pub struct WebhookSecret(Arc<SecretSlice<u8>>);

impl WebhookSecret {
    /// Parses `whsec_<base64>` (surrounding white space ignored). Anything
    /// else, or a key outside [`MIN_SECRET_BYTES`]..=[`MAX_SECRET_BYTES`],
    /// is [`WebhookError::InvalidSecret`] (which never quotes the text).
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let text = text.trim();
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(WebhookError::InvalidSecret("it does not start with whsec_"))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret("what follows whsec_ is not base64"))?;
        Self::from_bytes(bytes)
    }

    /// A secret of these bytes (24 to 64 of them).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, WebhookError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(WebhookError::InvalidSecret("shorter than 24 bytes"));
        }
        if bytes.len() > MAX_SECRET_BYTES {
            return Err(WebhookError::InvalidSecret("longer than 64 bytes"));
        }
        Ok(Self(Arc::new(SecretSlice::from(bytes))))
    }

    /// A new random secret of 32 bytes (from the operating system's
    /// generator, through UUID v4), to configure on both sides.
    pub fn generate() -> Self {
        let mut bytes = Vec::with_capacity(32);
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self(Arc::new(SecretSlice::from(bytes)))
    }

    /// The secret's text, `whsec_<base64>`, to hand to a receiver's
    /// configuration. Never log it.
    pub fn expose_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(self.bytes()))
    }

    /// The key's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// The crate `standardwebhooks`' signer for this key (its copy of the
    /// key lives as long as the signer: keep it for one signature).
    pub(crate) fn webhook(&self) -> Result<standardwebhooks::Webhook, WebhookError> {
        standardwebhooks::Webhook::from_bytes(self.bytes().to_vec())
            .map_err(|_| WebhookError::InvalidSecret("the signer refused the key"))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}
