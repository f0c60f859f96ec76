//! [`ApeironClientBuilder`].

use super::ApeironClient;
use crate::error::{FieldError, Problems, Result};
use crate::http::{BaseUrl, HttpConfig, Transport, UrlSetting};
use crate::model::Credential;
use crate::operation::Carrier;
use crate::vars::Vars;

/// Apeiron's API host (paths start with `/v2`).
pub const DEFAULT_BASE_URL: &str = "https://api.apeiron.io";

/// Builds an [`ApeironClient`]. Every problem is reported at once by
/// [`ApeironClientBuilder::build`], by field.
///
/// ```
/// use numport::carrier::apeiron::ApeironClient;
///
/// let client = ApeironClient::builder()
///     .username("ops@example.com")
///     .api_token("my-api-token")
///     .build()?;
/// assert_eq!(client.username(), "ops@example.com");
/// // Debug never shows the token.
/// assert!(!format!("{client:?}").contains("my-api-token"));
/// # Ok::<(), numport::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct ApeironClientBuilder {
    base_url: Option<UrlSetting>,
    username: Option<String>,
    api_token: Option<Result<Credential, FieldError>>,
    http: HttpConfig,
}

impl ApeironClientBuilder {
    setters! {
        /// The API base URL (default `https://api.apeiron.io`); `http://` only
        /// for loopback hosts.
        base_url(url: impl Into<String>) => base_url = Some(UrlSetting(url.into()));

        /// The account e-mail, the Basic-auth user name (required).
        username(username: impl Into<String>) => username = Some(username.into());

        /// The API token, the Basic-auth password (required).
        api_token(token: impl Into<String>) => api_token = Some(Credential::new("api_token", token));

        /// Timeouts, retries, clock and HTTP client.
        http_config(http: HttpConfig) => http = http;
    }

    /// A builder from variables named as in the environment:
    /// `APEIRON_BASE_URL` (optional), `APEIRON_USERNAME`, `APEIRON_API_TOKEN`.
    /// `get` looks a name up.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut vars = Vars::new(get);
        let b = Self {
            base_url: vars.optional("APEIRON_BASE_URL").map(UrlSetting),
            username: vars.required("APEIRON_USERNAME"),
            api_token: vars
                .required("APEIRON_API_TOKEN")
                .map(|token| Credential::new("api_token", token)),
            ..Self::default()
        };
        vars.finish()?;
        Ok(b)
    }

    /// Checks everything and builds the client.
    pub fn build(self) -> Result<ApeironClient> {
        let mut problems = Problems::new();
        let base = problems.take(
            "",
            BaseUrl::parse(
                "base_url",
                self.base_url
                    .as_ref()
                    .map(UrlSetting::as_str)
                    .unwrap_or(DEFAULT_BASE_URL),
            ),
        );
        let username = match self.username {
            None => {
                problems.add("username", "is not set: the account e-mail");
                None
            }
            Some(u) if u.trim().is_empty() => {
                problems.add("username", "is empty");
                None
            }
            // Basic auth joins user and password with ':'.
            Some(u) if u.contains(':') || u.chars().any(char::is_control) => {
                problems.add("username", "must not hold ':' or control characters");
                None
            }
            Some(u) => Some(u),
        };
        let token = match self.api_token {
            None => {
                problems.add("api_token", "is not set");
                None
            }
            Some(token) => problems.take("", token),
        };
        problems.finish()?;
        let (Some(base), Some(username), Some(token)) = (base, username, token) else {
            return Err(crate::Error::Config(
                "incomplete Apeiron configuration".into(),
            ));
        };
        let transport = Transport::new(Carrier::Apeiron, base, self.http)?;
        ApeironClient::from_parts(transport, username, token)
    }
}

impl ApeironClient {
    /// A builder.
    pub fn builder() -> ApeironClientBuilder {
        ApeironClientBuilder::default()
    }

    /// A client configured from `APEIRON_BASE_URL` (optional),
    /// `APEIRON_USERNAME` and `APEIRON_API_TOKEN`.
    pub fn from_env() -> Result<Self> {
        ApeironClientBuilder::from_vars(|name| std::env::var(name).ok())?.build()
    }
}
