//! [`Registry`]: one [`PortProvider`] per [`Carrier`], so a caller routes a
//! request by carrier without knowing which adapter sits behind it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::carrier::apeiron::ApeironClientBuilder;
use crate::carrier::cellhire::CellhireClientBuilder;
use crate::carrier::inumbering::INumberingClientBuilder;
use crate::error::{Error, Result};
use crate::operation::Carrier;
use crate::provider::PortProvider;
use crate::store::Store;

/// The variable naming the Redis server every client shares its state
/// through (feature `redis`).
pub const REDIS_URL_VAR: &str = "NUMPORT_REDIS_URL";

/// The variable holding the base64 key (32 bytes) that seals secrets in
/// Redis (feature `redis`, optional).
pub const REDIS_SEALING_KEY_VAR: &str = "NUMPORT_REDIS_SEALING_KEY";

/// The configured carriers.
///
/// ```
/// use std::sync::Arc;
/// use numport::{Carrier, Registry};
/// use numport::carrier::cellhire::CellhireClient;
///
/// let cellhire = CellhireClient::builder().account_id(40001).bearer_token("token").build()?;
/// let registry = Registry::new().with(Arc::new(cellhire));
/// assert_eq!(registry.get(Carrier::Cellhire)?.carrier(), Carrier::Cellhire);
/// assert!(registry.get(Carrier::Apeiron).is_err());
/// # Ok::<(), numport::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    providers: BTreeMap<Carrier, Arc<dyn PortProvider>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.providers.iter()).finish()
    }
}

impl Registry {
    /// No carriers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the provider for its carrier.
    pub fn with(mut self, provider: Arc<dyn PortProvider>) -> Self {
        self.insert(provider);
        self
    }

    /// Adds (or replaces) the provider for its carrier.
    pub fn insert(&mut self, provider: Arc<dyn PortProvider>) {
        self.providers.insert(provider.carrier(), provider);
    }

    /// The provider for `carrier`, or [`Error::Config`] naming what to set.
    pub fn get(&self, carrier: Carrier) -> Result<&Arc<dyn PortProvider>> {
        self.providers.get(&carrier).ok_or_else(|| {
            Error::Config(format!(
                "no {carrier} provider is configured in this registry"
            ))
        })
    }

    /// The carriers configured, in a stable order.
    pub fn carriers(&self) -> impl Iterator<Item = Carrier> + '_ {
        self.providers.keys().copied()
    }

    /// True when no carrier is configured.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// A registry of every carrier whose variables are set in the
    /// environment (the names the examples use). A carrier whose variables
    /// are set but invalid is an error naming them; a carrier with none set
    /// is left out.
    ///
    /// When `NUMPORT_REDIS_URL` is set, every client shares its credentials
    /// and caches through that Redis (feature `redis`; see
    /// [`crate::store`]), sealed with `NUMPORT_REDIS_SEALING_KEY` when that
    /// is set. Without the feature, setting it is an error rather than a
    /// silent fleet of unshared clients.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`Registry::from_env`], looking names up with `get`.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let store = store_from_vars(&get)?;
        Self::from_vars_with_store(get, store)
    }

    /// As [`Registry::from_vars`], with every client keeping its state in
    /// `store` (`None`: each client's own memory); `NUMPORT_REDIS_URL` is
    /// not read.
    pub fn from_vars_with_store(
        get: impl Fn(&str) -> Option<String>,
        store: Option<Arc<dyn Store>>,
    ) -> Result<Self> {
        let mut registry = Self::new();
        let mut problems = Vec::new();
        let mut add = |names: &[&str], build: &dyn Fn() -> Result<Arc<dyn PortProvider>>| {
            if names.iter().any(|n| get(n).is_some()) {
                match build() {
                    Ok(provider) => registry.insert(provider),
                    Err(e) => problems.extend(e.field_errors().iter().cloned()),
                }
            }
        };
        add(
            &[
                "CELLHIRE_ACCOUNT_ID",
                "CELLHIRE_TOKEN",
                "CELLHIRE_CLIENT_ID",
                "CELLHIRE_CLIENT_SECRET",
            ],
            &|| {
                let mut builder = CellhireClientBuilder::from_vars(&get)?;
                if let Some(store) = &store {
                    builder = builder.store(store.clone());
                }
                Ok(Arc::new(builder.build()?))
            },
        );
        add(&["APEIRON_USERNAME", "APEIRON_API_TOKEN"], &|| {
            Ok(Arc::new(ApeironClientBuilder::from_vars(&get)?.build()?))
        });
        add(&["INUMBERING_USERNAME", "INUMBERING_PASSWORD"], &|| {
            let mut builder = INumberingClientBuilder::from_vars(&get)?;
            if let Some(store) = &store {
                builder = builder.store(store.clone());
            }
            Ok(Arc::new(builder.build()?))
        });
        if problems.is_empty() {
            Ok(registry)
        } else {
            Err(Error::Validation(problems))
        }
    }
}

/// The store `NUMPORT_REDIS_URL` names, if set.
#[cfg(feature = "redis")]
fn store_from_vars(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Arc<dyn Store>>> {
    use crate::error::FieldError;
    use crate::store::{RedisStore, SealingKey};
    let Some(url) = get(REDIS_URL_VAR).filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let named = |var: &str, e: Error| {
        let problem = match &e {
            Error::Config(m) => m.clone(),
            other => other.to_string(),
        };
        Error::Validation(vec![FieldError::new(var, problem)])
    };
    let mut builder = RedisStore::builder(url.trim());
    if let Some(key) = get(REDIS_SEALING_KEY_VAR).filter(|k| !k.trim().is_empty()) {
        let key =
            SealingKey::from_base64(key.trim()).map_err(|e| named(REDIS_SEALING_KEY_VAR, e))?;
        builder = builder.sealing_key(key);
    }
    let store = builder.build().map_err(|e| named(REDIS_URL_VAR, e))?;
    Ok(Some(Arc::new(store)))
}

/// Without the `redis` feature, a set `NUMPORT_REDIS_URL` is an error.
#[cfg(not(feature = "redis"))]
fn store_from_vars(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Arc<dyn Store>>> {
    if get(REDIS_URL_VAR).is_some_and(|u| !u.trim().is_empty()) {
        return Err(Error::Validation(vec![crate::error::FieldError::new(
            REDIS_URL_VAR,
            "is set, but numport was built without its `redis` feature",
        )]));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn from_vars_builds_what_is_set() {
        let r = Registry::from_vars(vars(&[
            ("CELLHIRE_ACCOUNT_ID", "40001"),
            ("CELLHIRE_TOKEN", "t"),
            ("APEIRON_USERNAME", "ops@example.com"),
            ("APEIRON_API_TOKEN", "a"),
            ("INUMBERING_USERNAME", "1234567890"),
            ("INUMBERING_PASSWORD", "p"),
        ]))
        .unwrap();
        assert_eq!(
            r.carriers().collect::<Vec<_>>(),
            vec![Carrier::Cellhire, Carrier::Apeiron, Carrier::INumbering]
        );
        let empty = Registry::from_vars(vars(&[])).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn half_set_variables_are_named() {
        let err = Registry::from_vars(vars(&[("CELLHIRE_TOKEN", "t")])).unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(fields, vec!["CELLHIRE_ACCOUNT_ID"]);
        let err = Registry::from_vars(vars(&[
            ("CELLHIRE_ACCOUNT_ID", "x"),
            ("CELLHIRE_CLIENT_ID", "c"),
        ]))
        .unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(fields, vec!["CELLHIRE_ACCOUNT_ID", "CELLHIRE_TOKEN"]);
        let err = Registry::from_vars(vars(&[("APEIRON_API_TOKEN", "a")])).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "APEIRON_USERNAME");
    }

    #[cfg(feature = "redis")]
    #[test]
    fn numport_redis_url_gives_every_client_one_store_and_bad_values_are_named() {
        let base = [
            ("INUMBERING_USERNAME", "1234567890"),
            ("INUMBERING_PASSWORD", "p"),
        ];
        // Connected lazily: building needs no server.
        let mut set = base.to_vec();
        set.push((REDIS_URL_VAR, "redis://127.0.0.1:1/"));
        set.push((
            REDIS_SEALING_KEY_VAR,
            "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
        ));
        let r = Registry::from_vars(vars(&set)).unwrap();
        assert_eq!(r.carriers().collect::<Vec<_>>(), vec![Carrier::INumbering]);

        let mut bad = base.to_vec();
        bad.push((REDIS_URL_VAR, "not a url"));
        let err = Registry::from_vars(vars(&bad)).unwrap_err();
        assert_eq!(err.field_errors()[0].field, REDIS_URL_VAR);

        let mut bad = base.to_vec();
        bad.push((REDIS_URL_VAR, "redis://127.0.0.1:1/"));
        bad.push((REDIS_SEALING_KEY_VAR, "c2hvcnQ="));
        let err = Registry::from_vars(vars(&bad)).unwrap_err();
        assert_eq!(err.field_errors()[0].field, REDIS_SEALING_KEY_VAR);
        assert!(!err.to_string().contains("c2hvcnQ"), "{err}");
    }

    #[cfg(not(feature = "redis"))]
    #[test]
    fn numport_redis_url_without_the_feature_is_an_error() {
        let err = Registry::from_vars(vars(&[(REDIS_URL_VAR, "redis://127.0.0.1/")])).unwrap_err();
        assert_eq!(err.field_errors()[0].field, REDIS_URL_VAR);
    }
}
