//! The embedded sandboxes: started on loopback, their variables, a timer
//! that moves their orders along, and `numport sandbox`.

use std::sync::Arc;
use std::time::Duration;

use numport::Carrier;
use numport::carrier::inumbering::INumberingClient;
use numport::sandbox::{ApeironSandbox, CellhireSandbox, INumberingSandbox};
use tokio::task::JoinHandle;

use crate::args::{Global, SandboxArgs};
use crate::config::INUMBERING_API_KEY;
use crate::failure::{CliResult, Failure, OK};
use crate::output::out;
use numport::Redactor;

use crate::output;
use crate::signals::Signals;

/// Running sandboxes; they stop (and their timer with them) when dropped.
#[derive(Debug)]
pub struct Sandboxes {
    cellhire: Option<Arc<CellhireSandbox>>,
    apeiron: Option<ApeironSandbox>,
    inumbering: Option<INumberingSandbox>,
    ticker: Option<JoinHandle<()>>,
}

impl Drop for Sandboxes {
    fn drop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
    }
}

impl Sandboxes {
    /// Starts the sandbox of each of `carriers` (their orders move as they
    /// are read until [`Sandboxes::start_timer`] moves them on a timer too).
    pub async fn start(carriers: &[Carrier]) -> numport::Result<Self> {
        let mut sandboxes = Self {
            cellhire: None,
            apeiron: None,
            inumbering: None,
            ticker: None,
        };
        for carrier in carriers {
            match carrier {
                Carrier::Cellhire => {
                    sandboxes.cellhire = Some(Arc::new(CellhireSandbox::start().await?));
                }
                Carrier::Apeiron => sandboxes.apeiron = Some(ApeironSandbox::start().await?),
                _ => sandboxes.inumbering = Some(INumberingSandbox::start().await?),
            }
        }
        Ok(sandboxes)
    }

    /// The variables that point the carrier clients at these sandboxes.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = Vec::new();
        if let Some(s) = &self.cellhire {
            vars.push(("CELLHIRE_BASE_URL", s.base_url()));
            vars.push(("CELLHIRE_AUTH_URL", s.token_url()));
            vars.push(("CELLHIRE_ACCOUNT_ID", s.account_id().to_string()));
            vars.push(("CELLHIRE_CLIENT_ID", s.client_id().to_owned()));
            vars.push(("CELLHIRE_CLIENT_SECRET", s.client_secret().to_owned()));
        }
        if let Some(s) = &self.apeiron {
            vars.push(("APEIRON_BASE_URL", s.base_url()));
            vars.push(("APEIRON_USERNAME", s.username().to_owned()));
            vars.push(("APEIRON_API_TOKEN", s.api_token().to_owned()));
        }
        if let Some(s) = &self.inumbering {
            vars.push(("INUMBERING_BASE_URL", s.base_url()));
            vars.push(("INUMBERING_USERNAME", s.username().to_string()));
            vars.push(("INUMBERING_PASSWORD", s.password().to_owned()));
        }
        vars
    }

    /// Moves the orders along every `every`: Cellhire's `tick()`, and one
    /// iNumbering status read (each read moves its orders one step; Apeiron
    /// orders never move). Returns the iNumbering client the timer reads
    /// with, once it holds its API key.
    pub async fn start_timer(
        &mut self,
        every: Duration,
    ) -> numport::Result<Option<INumberingClient>> {
        let reader = match &self.inumbering {
            Some(s) => {
                let client = INumberingClient::builder()
                    .base_url(s.base_url())
                    .username(s.username())
                    .password(s.password())
                    .build()?;
                client.port_status().await?;
                Some(client)
            }
            None => None,
        };
        let cellhire = self.cellhire.clone();
        let status_reader = reader.clone();
        self.ticker = Some(tokio::spawn(async move {
            let mut timer = tokio::time::interval(every.max(Duration::from_millis(10)));
            timer.tick().await;
            loop {
                timer.tick().await;
                if let Some(s) = &cellhire {
                    s.tick();
                }
                if let Some(client) = &status_reader {
                    if let Err(e) = client.port_status().await {
                        tracing::debug!(error = %e, "sandbox timer: status read failed");
                    }
                }
            }
        }));
        Ok(reader)
    }
}

/// Single-quoted for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// `numport sandbox`: serves the three sandboxes until Ctrl-C.
pub async fn run(args: &SandboxArgs, global: &Global) -> CliResult {
    let masker = Redactor::new();
    let all = [Carrier::Cellhire, Carrier::Apeiron, Carrier::INumbering];
    let mut sandboxes = Sandboxes::start(&all)
        .await
        .map_err(|e| Failure::api("cannot start the sandboxes", &e, &masker))?;
    let reader = sandboxes
        .start_timer(args.tick)
        .await
        .map_err(|e| Failure::api("cannot start the sandbox timer", &e, &masker))?;
    let mut vars = sandboxes.vars();
    if let Some(key) = match &reader {
        Some(client) => client.api_key().await,
        None => None,
    } {
        vars.push((INUMBERING_API_KEY, key.expose().to_owned()));
    }
    let exports: String = vars
        .iter()
        .map(|(name, value)| format!("export {name}={}\n", shell_quote(value)))
        .collect();
    match &args.env_file {
        Some(path) => {
            write_private(path, &exports)?;
            eprintln!(
                "Wrote the variables to {}: run `source {}`",
                path.display(),
                path.display()
            );
        }
        None if global.json => {
            let map: serde_json::Map<String, serde_json::Value> = vars
                .iter()
                .map(|(n, v)| ((*n).to_owned(), serde_json::Value::String(v.clone())))
                .collect();
            output::json_line(&map);
        }
        None => out!("{exports}"),
    }
    eprintln!(
        "numport sandboxes on loopback (public local credentials). Cellhire ports and \
         iNumbering orders move one step every {:?}; Apeiron orders stay pending (Apeiron has \
         no status call). Serving until Ctrl-C.",
        args.tick
    );
    let mut signals = Signals::new();
    signals.next().await;
    eprintln!("Stopping the sandboxes.");
    drop(sandboxes);
    Ok(OK)
}

/// Writes `text` to a new file only its owner can read.
pub fn write_private(path: &std::path::Path, text: &str) -> CliResult<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
}
