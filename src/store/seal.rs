//! Sealing: values kept in Redis encrypted and authenticated (the format is
//! documented on [`SealingKey`]).

use std::fmt;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The first bytes of every sealed value.
pub(crate) const VERSION: &[u8; 3] = b"np1";
/// The length of the plaintext tag following [`VERSION`].
pub(crate) const TAG_LEN: usize = 32;
/// The XChaCha20 nonce length.
const NONCE_LEN: usize = 24;
/// The Poly1305 tag length.
const AEAD_TAG_LEN: usize = 16;
/// Everything before the ciphertext.
const HEADER_LEN: usize = VERSION.len() + TAG_LEN + NONCE_LEN;

/// Derivation labels: one subkey to encrypt, one to tag plaintexts.
const SEAL_LABEL: &[u8] = b"numport/seal/v1";
const TAG_LABEL: &[u8] = b"numport/tag/v1";

/// A 32-byte key sealing every value a [`RedisStore`](super::RedisStore)
/// writes.
///
/// Give every replica the same key, e.g. from a secret manager as base64
/// (`openssl rand -base64 32`). Its `Debug` shows nothing of the key, and it
/// has no `Display`.
///
/// # Sealing
///
/// A `RedisStore` given a key never writes a value in clear: every value is
/// sealed with XChaCha20-Poly1305 under a subkey derived from the key
/// (`HMAC-SHA256(key, "numport/seal/v1")`), with a fresh random 192-bit
/// nonce. A stored value is
///
/// ```text
/// "np1" | tag (32 bytes) | nonce (24 bytes) | ciphertext | Poly1305 tag (16 bytes)
/// ```
///
/// where `tag = HMAC-SHA256(HMAC-SHA256(key, "numport/tag/v1"), plaintext)`.
/// The associated data is `"np1" | tag | Redis key`, so that a value copied
/// under another key does not open. Equal plaintexts have equal tags, which
/// lets [`Store::remove_if`](super::Store::remove_if) compare values inside
/// Redis (atomically, across processes) without Redis seeing a plaintext;
/// the tag does tell whoever reads Redis which values are equal.
///
/// A value that does not open (another key, tampered with, or written in
/// clear) reads as absent, with a `tracing` warning that shows its key,
/// never its value.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl SealingKey {
    /// A key from its 32 bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A key from standard base64 (with padding) of exactly 32 bytes.
    ///
    /// Errors with [`Error::Config`](crate::Error::Config) saying what is
    /// wrong, never quoting the text.
    pub fn from_base64(text: &str) -> Result<Self, crate::Error> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| {
                crate::Error::Config("the sealing key is not valid standard base64".to_owned())
            })?;
        let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            crate::Error::Config(format!(
                "the sealing key must be 32 bytes, not {}",
                bytes.len()
            ))
        })?;
        Ok(Self(bytes))
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

/// HMAC-SHA256 under a 32-byte key.
///
/// HMAC pads a key shorter than the hash's block to the block with zeros,
/// so handing it the padded 64-byte block is the same function, without a
/// length check that could fail.
fn keyed_hmac(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

/// `HMAC-SHA256(key, data)`.
fn hmac_sha256(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed_hmac(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Seals and opens values with the subkeys of one [`SealingKey`].
#[derive(Clone)]
pub(crate) struct Sealer {
    cipher: XChaCha20Poly1305,
    tag_key: [u8; 32],
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// The associated data of a sealed value: version, tag and Redis key.
fn associated_data(tag: &[u8], redis_key: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(VERSION.len() + TAG_LEN + redis_key.len());
    aad.extend_from_slice(VERSION);
    aad.extend_from_slice(tag);
    aad.extend_from_slice(redis_key.as_bytes());
    aad
}

impl Sealer {
    /// The sealer of `key`.
    pub(crate) fn new(key: &SealingKey) -> Self {
        let seal_key = hmac_sha256(&key.0, SEAL_LABEL);
        Self {
            cipher: XChaCha20Poly1305::new(&seal_key.into()),
            tag_key: hmac_sha256(&key.0, TAG_LABEL),
        }
    }

    /// The tag of `plaintext`: equal for equal plaintexts under one key.
    pub(crate) fn tag(&self, plaintext: &[u8]) -> [u8; TAG_LEN] {
        hmac_sha256(&self.tag_key, plaintext)
    }

    /// `plaintext` sealed for storage under `redis_key`.
    ///
    /// Fails only when the system has no randomness for a nonce.
    pub(crate) fn seal(&self, redis_key: &str, plaintext: &[u8]) -> Result<Vec<u8>, &'static str> {
        let tag = self.tag(plaintext);
        let nonce = XNonce::try_generate().map_err(|_| "no randomness for a nonce")?;
        let aad = associated_data(&tag, redis_key);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| "the value could not be sealed")?;
        let mut sealed = Vec::with_capacity(HEADER_LEN + ciphertext.len());
        sealed.extend_from_slice(VERSION);
        sealed.extend_from_slice(&tag);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// The plaintext of `sealed` stored under `redis_key`, or `None` when it
    /// does not open with this key there.
    pub(crate) fn open(&self, redis_key: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < HEADER_LEN + AEAD_TAG_LEN || !sealed.starts_with(VERSION) {
            return None;
        }
        let (header, ciphertext) = sealed.split_at(HEADER_LEN);
        let tag = &header[VERSION.len()..VERSION.len() + TAG_LEN];
        let nonce = XNonce::try_from(&header[VERSION.len() + TAG_LEN..]).ok()?;
        let aad = associated_data(tag, redis_key);
        let plaintext = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .ok()?;
        // The tag is authenticated as associated data; checking it against
        // the plaintext as well costs one HMAC.
        let mut mac = keyed_hmac(&self.tag_key);
        mac.update(&plaintext);
        mac.verify_slice(tag).ok()?;
        Some(plaintext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "numport:inumbering:0123456789abcdef0123456789abcdef:apikey";

    fn sealer(byte: u8) -> Sealer {
        Sealer::new(&SealingKey::new([byte; 32]))
    }

    #[test]
    fn the_padded_hmac_is_hmac_sha256() {
        // RFC 4231 has no 32-byte key case; compare with the slice API.
        let key = [7u8; 32];
        let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(&key).unwrap();
        mac.update(b"numport/seal/v1");
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(hmac_sha256(&key, b"numport/seal/v1"), expected);
    }

    #[test]
    fn a_sealed_value_opens_under_its_key() {
        let s = sealer(1);
        let sealed = s.seal(KEY, b"api-key-value").unwrap();
        assert_eq!(&sealed[..3], b"np1");
        assert_eq!(&sealed[3..35], &s.tag(b"api-key-value"));
        assert_eq!(sealed.len(), 3 + 32 + 24 + b"api-key-value".len() + 16);
        assert_eq!(s.open(KEY, &sealed), Some(b"api-key-value".to_vec()));
        // Another instance of the same key opens it too (another replica).
        assert_eq!(
            sealer(1).open(KEY, &sealed),
            Some(b"api-key-value".to_vec())
        );
        // The empty value too (a client's "expire now").
        let empty = s.seal(KEY, b"").unwrap();
        assert_eq!(s.open(KEY, &empty), Some(Vec::new()));
    }

    #[test]
    fn a_value_does_not_open_with_another_key() {
        let sealed = sealer(1).seal(KEY, b"secret").unwrap();
        assert_eq!(sealer(2).open(KEY, &sealed), None);
    }

    #[test]
    fn a_value_does_not_open_under_another_redis_key() {
        let s = sealer(1);
        let sealed = s.seal(KEY, b"secret").unwrap();
        assert_eq!(s.open("numport:cellhire:00:token", &sealed), None);
    }

    #[test]
    fn tampered_clear_or_short_values_do_not_open() {
        let s = sealer(1);
        let sealed = s.seal(KEY, b"secret").unwrap();
        for at in [0, 3, 34, 35, 58, 59, sealed.len() - 1] {
            let mut bad = sealed.clone();
            bad[at] ^= 1;
            assert_eq!(s.open(KEY, &bad), None, "byte {at} flipped");
        }
        // A tag swapped for another plaintext's tag.
        let mut swapped = sealed.clone();
        swapped[3..35].copy_from_slice(&s.tag(b"other"));
        assert_eq!(s.open(KEY, &swapped), None);
        assert_eq!(s.open(KEY, b"secret"), None);
        assert_eq!(s.open(KEY, b""), None);
        assert_eq!(s.open(KEY, &sealed[..sealed.len() - 1]), None);
        assert_eq!(s.open(KEY, &sealed[..HEADER_LEN + AEAD_TAG_LEN - 1]), None);
    }

    #[test]
    fn tags_are_equal_for_equal_plaintexts_only() {
        let s = sealer(1);
        assert_eq!(s.tag(b"v1"), s.tag(b"v1"));
        assert_ne!(s.tag(b"v1"), s.tag(b"v2"));
        assert_ne!(s.tag(b"v1"), sealer(2).tag(b"v1"));
        let a = s.seal(KEY, b"v1").unwrap();
        let b = s.seal(KEY, b"v1").unwrap();
        assert_eq!(a[3..35], b[3..35], "same tag");
        assert_ne!(a[35..59], b[35..59], "fresh nonces");
        assert_ne!(a, b);
    }

    #[test]
    fn the_sealed_bytes_do_not_contain_the_plaintext() {
        let plaintext = b"a-rather-recognisable-api-key-0123456789";
        let sealed = sealer(1).seal(KEY, plaintext).unwrap();
        assert!(
            !sealed
                .windows(8)
                .any(|w| plaintext.windows(8).any(|p| p == w)),
            "no 8-byte run of the plaintext in the sealed value"
        );
    }

    #[test]
    fn a_key_reads_from_base64_of_32_bytes_only() {
        let text = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        let key = SealingKey::from_base64(&text).unwrap();
        assert_eq!(key.0, [9u8; 32]);
        assert_eq!(format!("{key:?}"), "SealingKey(..)");
        let short = base64::engine::general_purpose::STANDARD.encode([9u8; 31]);
        match SealingKey::from_base64(&short) {
            Err(crate::Error::Config(m)) => {
                assert_eq!(m, "the sealing key must be 32 bytes, not 31");
            }
            other => panic!("{other:?}"),
        }
        match SealingKey::from_base64("not base64!") {
            Err(crate::Error::Config(m)) => assert!(!m.contains("not base64!"), "{m}"),
            other => panic!("{other:?}"),
        }
        // URL-safe alphabet is not standard base64.
        let url_safe = base64::engine::general_purpose::URL_SAFE.encode([0xfb; 32]);
        assert!(SealingKey::from_base64(&url_safe).is_err());
    }
}
