//! Where a relay sends its webhooks.

use std::fmt;

use sha2::{Digest, Sha256};
use url::Url;

use crate::http::BaseUrl;

use super::error::WebhookError;

/// A receiver's URL, checked as carrier base URLs are: `https://` for any
/// host, plain `http://` only on loopback (`localhost`, `127.0.0.0/8`,
/// `[::1]`), no credentials, no query or fragment.
///
/// Its `Debug` and `Display` show the origin only (scheme, host, port):
/// a path may hold a token. The relay keys what it keeps in the store by
/// [`Endpoint::hash`].
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: BaseUrl,
    hash: String,
}

impl Endpoint {
    /// Parses and checks `url`.
    pub fn parse(url: &str) -> Result<Self, WebhookError> {
        let url =
            BaseUrl::parse("url", url).map_err(|e| WebhookError::InvalidEndpoint(e.to_string()))?;
        let digest = Sha256::digest(url.as_url().as_str().as_bytes());
        let hash = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { url, hash })
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        self.url.as_url()
    }

    /// 16 hex digits of SHA-256 over the URL: names the endpoint in store
    /// keys and dead letters without showing its path.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// `scheme://host:port`.
    pub fn origin(&self) -> String {
        let url = self.url.as_url();
        format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        )
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({} #{})", self.origin(), self.hash)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin())
    }
}
