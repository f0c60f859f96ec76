//! Building a carrier client from the environment (with the crate's own
//! parsing of the examples' variables), or from sandboxes started here.

use std::collections::HashMap;
use std::sync::Arc;

use numport::carrier::apeiron::{ApeironClient, ApeironClientBuilder};
use numport::carrier::cellhire::{CellhireClient, CellhireClientBuilder};
use numport::carrier::inumbering::{INumberingClient, INumberingClientBuilder};
use numport::store::Store;
use numport::{Carrier, Ledger, PortProvider, Recorded};

use crate::failure::{CliResult, Failure};
use crate::sandboxes::Sandboxes;
use numport::Redactor;

/// Variables whose values are secrets.
const SECRET_VARS: &[&str] = &[
    "CELLHIRE_TOKEN",
    "CELLHIRE_CLIENT_SECRET",
    "APEIRON_API_TOKEN",
    "INUMBERING_PASSWORD",
    "INUMBERING_API_KEY",
    "NUMPORT_REDIS_URL",
    "NUMPORT_REDIS_SEALING_KEY",
];

/// A key saved from an earlier iNumbering key exchange (not read by the
/// crate's `from_vars`: an addition of the command line).
pub const INUMBERING_API_KEY: &str = "INUMBERING_API_KEY";

/// One carrier's client, concrete so that its own operations stay reachable.
#[derive(Debug)]
pub enum Client {
    /// Cellhire.
    Cellhire(CellhireClient),
    /// Apeiron.
    Apeiron(ApeironClient),
    /// iNumbering.
    INumbering(INumberingClient),
}

/// A connected carrier, and the sandboxes behind it when `--sandbox` started
/// them (they stop when this is dropped).
#[derive(Debug)]
pub struct Session {
    /// The client.
    pub client: Client,
    /// Where the client keeps its credentials and caches between runs
    /// (`None`: this process's memory only).
    pub store: Option<Arc<dyn Store>>,
    /// True when `store` is shared by every machine (Redis,
    /// `NUMPORT_REDIS_URL`): rows are then submitted under their
    /// idempotency keys.
    pub shared: bool,
    _sandboxes: Option<Sandboxes>,
}

impl Session {
    /// The client as the carrier-neutral trait.
    pub fn provider(&self) -> &dyn PortProvider {
        match &self.client {
            Client::Cellhire(c) => c,
            Client::Apeiron(c) => c,
            Client::INumbering(c) => c,
        }
    }

    /// A shared handle on the client, as the carrier-neutral trait.
    pub fn shared_provider(&self) -> Arc<dyn PortProvider> {
        match &self.client {
            Client::Cellhire(c) => Arc::new(c.clone()),
            Client::Apeiron(c) => Arc::new(c.clone()),
            Client::INumbering(c) => Arc::new(c.clone()),
        }
    }
}

impl Session {
    /// The client as the carrier-neutral trait, keeping the order ledger
    /// up to date when every machine shares the store (Redis,
    /// `NUMPORT_REDIS_URL`): what `order`, `orders`, `watch`, `amend` and
    /// `cancel` read of an order numport created is recorded in its entry,
    /// which `numport follow` follows. A ledger that cannot be written is
    /// logged, never a failure of the command. The plain client otherwise.
    pub fn recorded_provider(&self, masker: &Redactor) -> CliResult<Arc<dyn PortProvider>> {
        let provider = self.shared_provider();
        match &self.store {
            Some(store) if self.shared => {
                let recorded = Recorded::new(provider, Ledger::new(store.clone()))
                    .map_err(|e| Failure::api("cannot record orders in the ledger", &e, masker))?;
                Ok(Arc::new(recorded))
            }
            _ => Ok(provider),
        }
    }
}

/// A variable's value from the environment; an empty one counts as unset.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Teaches `masker` every secret the environment holds.
pub fn learn_env_secrets(masker: &mut Redactor) {
    for name in SECRET_VARS {
        if let Some(value) = env(name) {
            masker.add(&value);
        }
    }
}

/// Connects to `carrier`: from the environment, or (with `sandbox`) to its
/// sandbox started in this process.
pub async fn connect(carrier: Carrier, sandbox: bool, masker: &mut Redactor) -> CliResult<Session> {
    if sandbox {
        let mut sandboxes = Sandboxes::start(&[carrier])
            .await
            .map_err(|e| Failure::api("cannot start the sandbox", &e, masker))?;
        sandboxes
            .start_timer(std::time::Duration::from_secs(1))
            .await
            .map_err(|e| Failure::api("cannot start the sandbox timer", &e, masker))?;
        let vars: HashMap<&str, String> = sandboxes.vars().into_iter().collect();
        for name in SECRET_VARS {
            if let Some(value) = vars.get(name) {
                masker.add(value);
            }
        }
        let client = build(carrier, |name| vars.get(name).cloned(), None)
            .map_err(|e| Failure::api("cannot configure the sandbox client", &e, masker))?;
        return Ok(Session {
            client,
            store: None,
            shared: false,
            _sandboxes: Some(sandboxes),
        });
    }
    let store = crate::state::store(false, env)?;
    let client = build(carrier, env, store.clone()).map_err(|e| {
        Failure::usage(format!(
            "{carrier} is not configured: {}. Set its variables (see `numport --help`) or pass --sandbox",
            masker.redact(&crate::failure::describe(&e))
        ))
    })?;
    let shared = store.is_some() && env(numport::REDIS_URL_VAR).is_some();
    Ok(Session {
        client,
        store,
        shared,
        _sandboxes: None,
    })
}

/// The client of `carrier` from variables looked up with `get`, by the
/// builders' own `from_vars`, keeping its state in `store` when given.
pub fn build(
    carrier: Carrier,
    get: impl Fn(&str) -> Option<String>,
    store: Option<Arc<dyn Store>>,
) -> numport::Result<Client> {
    Ok(match carrier {
        Carrier::Cellhire => {
            let mut builder = CellhireClientBuilder::from_vars(&get)?;
            if let Some(store) = store {
                builder = builder.store(store);
            }
            Client::Cellhire(builder.build()?)
        }
        Carrier::Apeiron => Client::Apeiron(ApeironClientBuilder::from_vars(&get)?.build()?),
        _ => {
            let mut builder = INumberingClientBuilder::from_vars(&get)?;
            if let Some(key) = get(INUMBERING_API_KEY) {
                builder = builder.api_key(key);
            }
            if let Some(store) = store {
                builder = builder.store(store);
            }
            Client::INumbering(builder.build()?)
        }
    })
}
