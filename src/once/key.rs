//! The caller's idempotency key, and the fingerprint of a request under it.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::PortRequest;

/// A caller's idempotency key: 1 to 255 bytes of printable ASCII (space
/// to `~`), such as an order id or a UUID.
///
/// Keys are not secrets: they appear in errors. The store holds only their
/// SHA-256.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The longest key, in bytes.
    pub const MAX_LEN: usize = 255;

    /// Checks and wraps a key.
    ///
    /// Errors with [`Error::Validation`] on `idempotency_key` when it is
    /// empty, longer than [`Self::MAX_LEN`] bytes, or holds a control
    /// character or anything outside printable ASCII (the error gives the
    /// position, never the key).
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        if key.is_empty() {
            return Err(Error::invalid("idempotency_key", "is empty"));
        }
        if key.len() > Self::MAX_LEN {
            return Err(Error::invalid(
                "idempotency_key",
                format!(
                    "is {} bytes long; at most {} are allowed",
                    key.len(),
                    Self::MAX_LEN
                ),
            ));
        }
        if let Some((at, c)) = key.char_indices().find(|(_, c)| !(' '..='~').contains(c)) {
            let what = if c.is_control() {
                "a control character"
            } else {
                "a character outside printable ASCII"
            };
            return Err(Error::invalid(
                "idempotency_key",
                format!("holds {what} at byte {at}"),
            ));
        }
        Ok(Self(key))
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({:?})", self.0)
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 over the key (length-prefixed) and the request's JSON form.
pub(super) fn fingerprint(key: &IdempotencyKey, request: &PortRequest) -> Result<String> {
    let json = serde_json::to_vec(request)
        .map_err(|e| Error::invalid("request", format!("could not be serialised to JSON: {e}")))?;
    let mut hash = Sha256::new();
    hash.update((key.0.len() as u64).to_be_bytes());
    hash.update(key.0.as_bytes());
    hash.update(&json);
    Ok(hex(&hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PhoneNumber, PortLine};
    use crate::once::record::Record;
    use chrono::Utc;

    #[test]
    fn keys_are_bounded_printable_ascii() {
        assert_eq!(
            IdempotencyKey::new("order-7/a b~").unwrap().as_str(),
            "order-7/a b~"
        );
        assert!(IdempotencyKey::new("x".repeat(255)).is_ok());
        let problem = |k: String| match IdempotencyKey::new(k) {
            Err(Error::Validation(f)) => {
                assert_eq!(f.len(), 1);
                assert_eq!(f[0].field, "idempotency_key");
                f[0].problem.clone()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(problem(String::new()), "is empty");
        assert_eq!(
            problem("x".repeat(256)),
            "is 256 bytes long; at most 255 are allowed"
        );
        assert_eq!(
            problem("ab\ncd".into()),
            "holds a control character at byte 2"
        );
        assert_eq!(
            problem("a\u{7f}".into()),
            "holds a control character at byte 1"
        );
        assert_eq!(
            problem("café".into()),
            "holds a character outside printable ASCII at byte 3"
        );
    }

    #[test]
    fn the_fingerprint_covers_the_key_and_every_secret_and_holds_none() {
        let line = |pac: &str| {
            PortLine::new(PhoneNumber::parse("+447700900123").unwrap())
                .with_pac(crate::model::Pac::new(pac).unwrap())
        };
        let a = PortRequest::new(vec![line("ABC123456")]);
        let b = PortRequest::new(vec![line("ABC123457")]);
        let k1 = IdempotencyKey::new("k1").unwrap();
        let k2 = IdempotencyKey::new("k2").unwrap();
        let fa = fingerprint(&k1, &a).unwrap();
        assert_eq!(fa, fingerprint(&k1, &a.clone()).unwrap());
        assert_ne!(fa, fingerprint(&k1, &b).unwrap());
        assert_ne!(fa, fingerprint(&k2, &a).unwrap());
        assert_eq!(fa.len(), 64);
        // What is hashed holds the PAC; what is stored is the hash only.
        assert!(
            String::from_utf8(serde_json::to_vec(&a).unwrap())
                .unwrap()
                .contains("ABC123456")
        );
        let record = serde_json::to_string(&Record::Pending {
            fingerprint: fa.clone(),
            attempted_at: Utc::now(),
            baseline: None,
            numbers: Vec::new(),
            waiting: false,
        })
        .unwrap();
        assert!(
            !record.contains("ABC123456") && !record.contains("7700900123"),
            "{record}"
        );
        // Under the account lock the numbers (not secret) are kept, for
        // whoever resolves the key; never the PAC.
        let record = serde_json::to_string(&Record::Unknown {
            fingerprint: fa,
            attempted_at: Utc::now(),
            baseline: None,
            numbers: vec!["+447700900123".into()],
        })
        .unwrap();
        assert!(
            !record.contains("ABC123456") && record.contains("\"+447700900123\""),
            "{record}"
        );
    }
}
