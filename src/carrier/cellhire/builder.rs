//! [`CellhireClientBuilder`].

use super::auth::{CellhireAuth, DEFAULT_TOKEN_URL};
use super::{CellhireClient, MsisdnFormat};
use crate::error::{FieldError, Problems, Result};
use crate::vars::Vars;
use std::sync::Arc;

use crate::http::{BaseUrl, HttpConfig, Transport, UrlSetting};
use crate::model::Credential;
use crate::operation::Carrier;
use crate::store::Store;

/// Cellhire's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.cellhire.com";

/// Cellhire is a UK carrier: its days are London days (GMT, and BST in
/// summer).
pub const DEFAULT_TIMEZONE: chrono_tz::Tz = chrono_tz::Europe::London;

/// Builds a [`CellhireClient`]. Every problem is reported at once by
/// [`CellhireClientBuilder::build`], by field.
///
/// ```
/// use numport::carrier::cellhire::CellhireClient;
///
/// let client = CellhireClient::builder()
///     .account_id(40001)
///     .client_credentials("my-client", "my-secret")
///     .build()?;
/// assert_eq!(client.account_id(), 40001);
/// // Debug never shows the secret.
/// assert!(!format!("{client:?}").contains("my-secret"));
/// # Ok::<(), numport::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct CellhireClientBuilder {
    store: Option<Arc<dyn Store>>,
    base_url: Option<UrlSetting>,
    account_id: Option<u64>,
    token: Option<Result<Credential, FieldError>>,
    client_id: Option<String>,
    client_secret: Option<Result<Credential, FieldError>>,
    token_url: Option<UrlSetting>,
    http: HttpConfig,
    msisdn: MsisdnFormat,
    timezone: Option<chrono_tz::Tz>,
}

impl CellhireClientBuilder {
    setters! {
        /// The API base URL (default `https://api.cellhire.com`); `http://` only
        /// for loopback hosts.
        base_url(url: impl Into<String>) => base_url = Some(UrlSetting(url.into()));

        /// The Cellhire account number (required).
        account_id(id: u64) => account_id = Some(id);

        /// Authenticate with this bearer token, as is.
        bearer_token(token: impl Into<String>) => token = Some(Credential::new("token", token));
    }

    /// Authenticate with OAuth2 client credentials.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(Credential::new("client_secret", client_secret));
        self
    }

    setters! {
        /// The token endpoint (default `https://auth.cellhire.com/connect/token`).
        token_url(url: impl Into<String>) => token_url = Some(UrlSetting(url.into()));

        /// Where OAuth tokens and the networks list are kept (default: this
        /// client's memory). Give every replica of a service the same shared
        /// store (`RedisStore`, feature `redis`) so that the fleet spends one
        /// token grant and one networks read where one client would. See
        /// [`crate::store`].
        store(store: Arc<dyn Store>) => store = Some(store);

        /// Timeouts, retries, clock and HTTP client.
        http_config(http: HttpConfig) => http = http;

        /// How numbers are written on the wire (default national UK form).
        msisdn_format(format: MsisdnFormat) => msisdn = format;
    }

    /// A builder from variables named as in the environment: `CELLHIRE_BASE_URL`,
    /// `CELLHIRE_ACCOUNT_ID`, `CELLHIRE_TOKEN` or `CELLHIRE_CLIENT_ID` +
    /// `CELLHIRE_CLIENT_SECRET`, `CELLHIRE_AUTH_URL`. `get` looks a name up.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut vars = Vars::new(get);
        let mut b = Self {
            base_url: vars.optional("CELLHIRE_BASE_URL").map(UrlSetting),
            account_id: vars.number("CELLHIRE_ACCOUNT_ID"),
            ..Self::default()
        };
        match (
            vars.optional("CELLHIRE_TOKEN"),
            vars.optional("CELLHIRE_CLIENT_ID"),
            vars.optional("CELLHIRE_CLIENT_SECRET"),
        ) {
            (Some(token), _, _) => b = b.bearer_token(token),
            (None, Some(id), Some(secret)) => b = b.client_credentials(id, secret),
            _ => vars.problem(
                "CELLHIRE_TOKEN",
                "is not set, nor are CELLHIRE_CLIENT_ID and CELLHIRE_CLIENT_SECRET",
            ),
        }
        b.token_url = vars.optional("CELLHIRE_AUTH_URL").map(UrlSetting);
        vars.finish()?;
        Ok(b)
    }

    /// The time zone Cellhire's date rules count in (default
    /// `Europe/London`, [`DEFAULT_TIMEZONE`]): "from now" for
    /// `minPortDays` / `maxPortDays`, working days and holidays.
    pub fn timezone(mut self, timezone: chrono_tz::Tz) -> Self {
        self.timezone = Some(timezone);
        self
    }

    /// Checks everything and builds the client.
    pub fn build(self) -> Result<CellhireClient> {
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
        match self.account_id {
            None => problems.add("account_id", "is not set"),
            Some(0) => problems.add("account_id", "must be greater than 0"),
            Some(_) => {}
        }
        let auth = match (self.token, self.client_id, self.client_secret) {
            (Some(_), Some(_), _) => {
                problems.add(
                    "auth",
                    "set either a bearer token or client credentials, not both",
                );
                None
            }
            (Some(token), None, _) => problems.take("", token).map(CellhireAuth::Token),
            (None, Some(client_id), Some(secret)) => {
                if client_id.trim().is_empty() {
                    problems.add("client_id", "is empty");
                }
                let secret = problems.take("", secret);
                let url = problems.take(
                    "",
                    BaseUrl::parse(
                        "token_url",
                        self.token_url
                            .as_ref()
                            .map(UrlSetting::as_str)
                            .unwrap_or(DEFAULT_TOKEN_URL),
                    ),
                );
                match (secret, url) {
                    (Some(client_secret), Some(token_url)) => {
                        Some(CellhireAuth::ClientCredentials {
                            client_id,
                            client_secret,
                            token_url,
                        })
                    }
                    _ => None,
                }
            }
            (None, _, _) => {
                problems.add(
                    "auth",
                    "is not set: call bearer_token or client_credentials",
                );
                None
            }
        };
        if let MsisdnFormat::National { country_code } = &self.msisdn {
            if country_code.is_empty() || !country_code.bytes().all(|b| b.is_ascii_digit()) {
                problems.add("msisdn_format.country_code", "must be 1-3 digits");
            }
        }
        problems.finish()?;
        let (Some(base), Some(account_id), Some(auth)) = (base, self.account_id, auth) else {
            return Err(crate::Error::Config(
                "incomplete Cellhire configuration".into(),
            ));
        };
        // The token endpoint is the one other host the client may send to.
        let extra: Vec<&BaseUrl> = match &auth {
            CellhireAuth::ClientCredentials { token_url, .. } => vec![token_url],
            CellhireAuth::Token(_) => vec![],
        };
        let transport = Transport::with_origins(Carrier::Cellhire, base, &extra, self.http)?;
        CellhireClient::from_parts(
            transport,
            account_id,
            auth,
            self.msisdn,
            self.timezone.unwrap_or(DEFAULT_TIMEZONE),
            self.store,
        )
    }
}

impl CellhireClient {
    /// A builder.
    pub fn builder() -> CellhireClientBuilder {
        CellhireClientBuilder::default()
    }

    /// A client configured from `CELLHIRE_BASE_URL` (optional),
    /// `CELLHIRE_ACCOUNT_ID`, and `CELLHIRE_TOKEN` or `CELLHIRE_CLIENT_ID` +
    /// `CELLHIRE_CLIENT_SECRET` (token endpoint `CELLHIRE_AUTH_URL`, optional).
    pub fn from_env() -> Result<Self> {
        CellhireClientBuilder::from_vars(|name| std::env::var(name).ok())?.build()
    }
}
