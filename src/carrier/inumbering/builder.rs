//! [`INumberingClientBuilder`]: the settings, checked; the client is made
//! from them in `client.rs` (`INumberingClientBuilder::build`).

use std::sync::Arc;

use super::auth::KeySource;
use crate::error::{FieldError, Problems, Result};
use crate::http::{BaseUrl, HttpConfig, Transport, UrlSetting};
use crate::model::Credential;
use crate::operation::Carrier;
use crate::store::{Namespace, Shared, Store};
use crate::vars::Vars;

/// iNumbering's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.voicetel.com";

/// Builds an [`INumberingClient`](super::INumberingClient). Every problem
/// is reported at once by [`INumberingClientBuilder::build`], by field.
///
/// ```
/// use numport::carrier::inumbering::INumberingClient;
///
/// let client = INumberingClient::builder()
///     .username(1234567890)
///     .password("my-password")
///     .build()?;
/// assert!(!client.is_admin());
/// // Debug never shows the password.
/// assert!(!format!("{client:?}").contains("my-password"));
/// # Ok::<(), numport::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct INumberingClientBuilder {
    store: Option<Arc<dyn Store>>,
    base_url: Option<UrlSetting>,
    username: Option<u64>,
    password: Option<Result<Credential, FieldError>>,
    api_key: Option<Result<Credential, FieldError>>,
    admin: bool,
    http: HttpConfig,
}

impl INumberingClientBuilder {
    setters! {
        /// The API base URL (default `https://api.voicetel.com`); `http://`
        /// only for loopback hosts.
        base_url(url: impl Into<String>) => base_url = Some(UrlSetting(url.into()));

        /// The account username, a number (required).
        username(username: u64) => username = Some(username);

        /// The account password (required), exchanged once for an API key.
        password(password: impl Into<String>) => password = Some(Credential::new("password", password));

        /// An API key the caller already has (saved from an earlier process with
        /// [`INumberingClient::api_key`](super::INumberingClient::api_key)), used until the carrier answers 401:
        /// a restart then spends none of the six exchanges an hour.
        api_key(key: impl Into<String>) => api_key = Some(Credential::new("api_key", key));

        /// Submit orders with the admin `portInOrder` call instead of the
        /// customer `account/port` request (default `false`).
        admin(admin: bool) => admin = admin;

        /// Where the API key, the hour's exchange budget and portability
        /// results are kept (default: this client's memory). Give every replica
        /// of a service the same shared store (`RedisStore`, feature `redis`) so
        /// that the fleet spends one exchange and one check where one client
        /// would. See [`crate::store`].
        store(store: Arc<dyn Store>) => store = Some(store);

        /// Timeouts, retries, clock (which also times the one-hour portability
        /// checks) and HTTP client.
        http_config(http: HttpConfig) => http = http;
    }

    /// A builder from variables named as in the environment:
    /// `INUMBERING_BASE_URL` (optional), `INUMBERING_USERNAME`,
    /// `INUMBERING_PASSWORD`, `INUMBERING_ADMIN` (`1` or `true` for admin
    /// orders). `get` looks a name up.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut vars = Vars::new(get);
        let b = Self {
            base_url: vars.optional("INUMBERING_BASE_URL").map(UrlSetting),
            username: vars.number("INUMBERING_USERNAME"),
            password: vars
                .required("INUMBERING_PASSWORD")
                .map(|password| Credential::new("password", password)),
            admin: vars.flag("INUMBERING_ADMIN"),
            ..Self::default()
        };
        vars.finish()?;
        Ok(b)
    }

    /// Checks everything: the parts of the client.
    pub(super) fn parts(self) -> Result<Parts> {
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
        if self.username.is_none() {
            problems.add("username", "is not set");
        }
        let password = match self.password {
            None => {
                problems.add("password", "is not set");
                None
            }
            Some(p) => problems.take("", p),
        };
        let api_key = match self.api_key {
            None => None,
            Some(k) => problems.take("", k),
        };
        problems.finish()?;
        let (Some(base), Some(username), Some(password)) = (base, self.username, password) else {
            return Err(crate::Error::Config(
                "incomplete iNumbering configuration".into(),
            ));
        };
        let shared = Shared::new(
            Namespace::new(
                "inumbering",
                &[base.as_url().as_str(), &username.to_string()],
            ),
            self.store,
        );
        let transport = Transport::new(Carrier::INumbering, base, self.http)?;
        Ok(Parts {
            transport,
            keys: KeySource::new(username, password, api_key, shared.clone()),
            admin: self.admin,
            shared,
        })
    }
}

/// What a client is made of, checked.
pub(super) struct Parts {
    pub transport: Transport,
    pub keys: KeySource,
    pub admin: bool,
    /// The store shared with other clients of the account.
    pub shared: Shared,
}
