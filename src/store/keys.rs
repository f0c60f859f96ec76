//! Store keys: `numport:<carrier>:<account hash>:<item>`.
//!
//! The account part is the first 16 bytes of the SHA-256 of the carrier's
//! account identity (user name, client id and token URL), in hex: the same
//! for every replica, and no secret in the key.

use sha2::{Digest, Sha256};

/// The key prefix of one carrier account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Namespace(String);

impl Namespace {
    /// The namespace of `carrier`'s account named by `identity` (its parts
    /// are hashed, never stored).
    pub(crate) fn new(carrier: &str, identity: &[&str]) -> Self {
        let mut hash = Sha256::new();
        for part in identity {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let digest = hash.finalize();
        let mut hex = String::with_capacity(32);
        for b in &digest[..16] {
            hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        Self(format!("numport:{carrier}:{hex}"))
    }

    /// The namespace itself, `numport:<carrier>:<hash>`.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The key of `item` in this namespace.
    pub(crate) fn key(&self, item: &str) -> String {
        format!("{}:{item}", self.0)
    }

    /// The lock key guarding the fetch of `item`.
    pub(crate) fn lock(&self, item: &str) -> String {
        format!("{}:lock:{item}", self.0)
    }
}

/// A short hash of a set of numbers, for a key naming the set.
pub(crate) fn set_hash<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut sorted: Vec<&str> = items.into_iter().collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut hash = Sha256::new();
    for item in sorted {
        hash.update(item.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_carrier_and_a_hash_of_the_account_never_the_account() {
        let ns = Namespace::new("inumbering", &["1234567890"]);
        let key = ns.key("apikey");
        assert!(key.starts_with("numport:inumbering:"), "{key}");
        assert!(key.ends_with(":apikey"), "{key}");
        assert!(!key.contains("1234567890"), "{key}");
        assert_eq!(key.len(), "numport:inumbering::apikey".len() + 32);
        assert_eq!(ns, Namespace::new("inumbering", &["1234567890"]));
        assert_ne!(ns, Namespace::new("inumbering", &["1234567891"]));
        // Parts are length-prefixed: ("ab", "c") is not ("a", "bc").
        assert_ne!(
            Namespace::new("cellhire", &["ab", "c"]),
            Namespace::new("cellhire", &["a", "bc"])
        );
        assert_eq!(
            ns.lock("apikey"),
            format!("{}:lock:apikey", key.trim_end_matches(":apikey"))
        );
    }

    #[test]
    fn a_set_hash_ignores_order_and_repeats() {
        assert_eq!(set_hash(["b", "a"]), set_hash(["a", "b", "a"]));
        assert_ne!(set_hash(["a"]), set_hash(["a", "b"]));
        assert_eq!(set_hash(["a"]).len(), 16);
    }
}
