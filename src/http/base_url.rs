//! Base URLs: https anywhere, plain http only on loopback.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

use crate::error::FieldError;

/// A carrier's base URL (or token endpoint), checked at construction.
///
/// `https://` is accepted for any host; `http://` only for loopback hosts
/// (`localhost`, `127.0.0.0/8`, `[::1]`), so that local sandboxes and mock
/// servers work while a real carrier is never spoken to in clear text.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Parses and checks a URL. `field` names it in the error.
    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        let url = Url::parse(input.trim())
            .map_err(|e| FieldError::new(field, format!("is not a valid URL ({e})")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FieldError::new(field, "must not carry credentials"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(FieldError::new(field, "must not have a query or fragment"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(FieldError::new(
                    field,
                    "must use https (plain http is accepted only for loopback hosts)",
                ));
            }
            other => {
                return Err(FieldError::new(
                    field,
                    format!("has unsupported scheme {other:?}"),
                ));
            }
        }
        if url.host().is_none() {
            return Err(FieldError::new(field, "has no host"));
        }
        Ok(Self(url))
    }

    /// The URL of `path` (which starts with `/`) under this base, keeping any
    /// path prefix the base has.
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let prefix = url.path().trim_end_matches('/');
        if prefix.is_empty() {
            // The usual base, a bare origin: no prefix to copy.
            url.set_path(path);
        } else {
            let full = format!("{prefix}{path}");
            url.set_path(&full);
        }
        url
    }

    /// The URL itself.
    pub fn as_url(&self) -> &Url {
        &self.0
    }
}

/// A URL as a builder received it, before checking. Its `Debug` never shows
/// a user name or password embedded in it (`https://user:pass@host`), nor
/// the text of a value that is not a URL at all.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct UrlSetting(pub String);

impl UrlSetting {
    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UrlSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Url::parse(self.0.trim()) {
            Ok(mut url) => {
                if !url.username().is_empty() || url.password().is_some() {
                    let _ = url.set_username("REDACTED");
                    let _ = url.set_password(None);
                }
                if url.query().is_some() {
                    url.set_query(Some("[REDACTED]"));
                }
                write!(f, "{:?}", url.as_str())
            }
            Err(_) => f.write_str("\"[not a URL]\""),
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.0)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_loopback() {
        assert!(BaseUrl::parse("u", "https://api.cellhire.com").is_ok());
        assert!(BaseUrl::parse("u", "http://127.0.0.1:8080").is_ok());
        assert!(BaseUrl::parse("u", "http://localhost:1").is_ok());
        assert!(BaseUrl::parse("u", "http://[::1]:9").is_ok());
        let e = BaseUrl::parse("base_url", "http://api.cellhire.com").unwrap_err();
        assert_eq!(e.field, "base_url");
        assert!(BaseUrl::parse("u", "http://10.0.0.1").is_err());
        assert!(BaseUrl::parse("u", "ftp://localhost").is_err());
        assert!(BaseUrl::parse("u", "https://user:pw@host").is_err());
        assert!(BaseUrl::parse("u", "not a url").is_err());
    }

    #[test]
    fn setting_debug_hides_userinfo() {
        let s = UrlSetting("https://ops:hunter2@api.example/v2?key=k3y".into());
        let shown = format!("{s:?}");
        assert_eq!(shown, "\"https://REDACTED@api.example/v2?[REDACTED]\"");
        assert_eq!(
            format!("{:?}", UrlSetting("hunter2 is no url".into())),
            "\"[not a URL]\""
        );
    }

    #[test]
    fn join_keeps_prefix() {
        let b = BaseUrl::parse("u", "https://h.example/gw/").unwrap();
        assert_eq!(
            b.join("/api/porting/1").as_str(),
            "https://h.example/gw/api/porting/1"
        );
        let b = BaseUrl::parse("u", "https://h.example").unwrap();
        assert_eq!(b.join("/v2/x/").as_str(), "https://h.example/v2/x/");
        let b = BaseUrl::parse("u", "http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            b.join("/v2.1/iNumbering/portStatus/").as_str(),
            "http://127.0.0.1:8080/v2.1/iNumbering/portStatus/"
        );
        let b = BaseUrl::parse("u", "https://h.example/a/b//").unwrap();
        assert_eq!(b.join("/c").as_str(), "https://h.example/a/b/c");
    }
}
