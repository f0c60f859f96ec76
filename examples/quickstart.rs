//! One subscriber's numbers ported through each carrier with the same code:
//! every carrier is a `&dyn PortProvider`, every order is followed with
//! `watch()` until it completes.
//!
//! Carriers whose variables are set (see README) are used for real; the
//! others run on the crate's sandboxes, started here on loopback.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use numport::carrier::apeiron::{ApeironClient, ApeironOptions};
use numport::carrier::cellhire::{CellhireClient, CellhireOptions};
use numport::carrier::inumbering::{INumberingClient, INumberingOptions};
use numport::sandbox::{ApeironSandbox, CellhireSandbox, INumberingSandbox};
use numport::{
    AccountNumber, Address, Carrier, Iccid, Pac, PhoneNumber, Pin, PortLine, PortProvider,
    PortProviderExt, PortRequest, Registry, Subscriber, WatchOptions,
};

type Failure = Box<dyn std::error::Error>;

/// The carriers, real where configured, sandboxed otherwise.
struct Carriers {
    registry: Registry,
    /// Carriers running on a sandbox (kept alive for the run).
    sandboxed: Vec<Carrier>,
    _cellhire: Option<CellhireSandbox>,
    _apeiron: Option<ApeironSandbox>,
    _inumbering: Option<INumberingSandbox>,
}

async fn carriers() -> Result<Carriers, Failure> {
    let mut registry = Registry::from_env()?;
    let mut sandboxed = Vec::new();
    let mut c = Carriers {
        registry: Registry::new(),
        sandboxed: Vec::new(),
        _cellhire: None,
        _apeiron: None,
        _inumbering: None,
    };
    if registry.get(Carrier::Cellhire).is_err() {
        let s = CellhireSandbox::start().await?;
        registry.insert(Arc::new(
            CellhireClient::builder()
                .base_url(s.base_url())
                .token_url(s.token_url())
                .account_id(s.account_id())
                .client_credentials(s.client_id(), s.client_secret())
                .build()?,
        ));
        sandboxed.push(Carrier::Cellhire);
        c._cellhire = Some(s);
    }
    if registry.get(Carrier::Apeiron).is_err() {
        let s = ApeironSandbox::start().await?;
        registry.insert(Arc::new(
            ApeironClient::builder()
                .base_url(s.base_url())
                .username(s.username())
                .api_token(s.api_token())
                .build()?,
        ));
        sandboxed.push(Carrier::Apeiron);
        c._apeiron = Some(s);
    }
    if registry.get(Carrier::INumbering).is_err() {
        let s = INumberingSandbox::start().await?;
        registry.insert(Arc::new(
            INumberingClient::builder()
                .base_url(s.base_url())
                .username(s.username())
                .password(s.password())
                .build()?,
        ));
        sandboxed.push(Carrier::INumbering);
        c._inumbering = Some(s);
    }
    c.registry = registry;
    c.sandboxed = sandboxed;
    Ok(c)
}

fn subscriber() -> Subscriber {
    Subscriber::new("Maria", "Lopez").with_address(Address::new(
        "233 S Wacker Dr",
        "Chicago",
        "IL",
        "60606",
        "US",
    ))
}

/// The request for `carrier`: the same subscriber, the number and details
/// that carrier's market uses.
fn request_for(carrier: Carrier) -> Result<PortRequest, Failure> {
    Ok(match carrier {
        Carrier::Cellhire => PortRequest::new(vec![
            PortLine::new(PhoneNumber::parse("+44 7700 900123")?)
                .with_sim(Iccid::with_check_digit("8944100030120001001")?)
                .with_pac(Pac::new("KQM482913")?),
        ])
        .with_subscriber(subscriber())
        .with_cellhire(
            CellhireOptions::new("Maria Lopez UK line", 1, 5, 102344).with_provisioning_order(3630),
        ),
        Carrier::Apeiron => PortRequest::new(vec![
            PortLine::new(PhoneNumber::nanp("3125550142")?)
                .with_sim(Iccid::with_check_digit("8901260123456700001")?),
        ])
        .with_subscriber(subscriber())
        .with_authorization_name("Maria Lopez")
        .with_losing_account(AccountNumber::new("5512098734")?, Pin::new("7731")?)
        .with_apeiron(ApeironOptions::new("UTT5GB")),
        _ => PortRequest::new(vec![PortLine::new(PhoneNumber::nanp("3125550143")?)])
            .with_subscriber(subscriber())
            .with_authorization_name("Maria Lopez")
            .with_losing_account(AccountNumber::new("5512098734")?, Pin::new("7731")?)
            .with_inumbering(INumberingOptions::new().with_lidb_name("MARIA LOPEZ")),
    })
}

/// Submits through the trait and follows the order as far as it goes.
async fn port(provider: &dyn PortProvider, sandboxed: bool) -> Result<(), Failure> {
    let carrier = provider.carrier();
    let request = request_for(carrier)?;
    let submission = match provider.submit(&request).await {
        Ok(s) => s,
        Err(e) if e.is_rejected() || e.is_validation() => {
            println!("   {carrier} refused the port: {e}");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    for failure in &submission.failures {
        println!(
            "   {carrier} refused {}: {}",
            failure.number, failure.message
        );
    }
    let Some(id) = submission.first_id() else {
        return Ok(());
    };
    println!("   {carrier} accepted order {id}");
    if !provider.capabilities().order {
        println!("   {carrier} has no status call: keep order {id} on record");
        return Ok(());
    }
    let (options, budget) = if sandboxed {
        (
            WatchOptions::default()
                .with_intervals(Duration::from_millis(10), Duration::from_millis(50)),
            Duration::from_secs(30),
        )
    } else {
        (WatchOptions::default(), Duration::from_secs(60))
    };
    let mut changes = provider.watch(id, options);
    let followed = tokio::time::timeout(budget, async {
        while let Some(change) = changes.next().await {
            let change = change?;
            println!(
                "   {} {} → {} ({})",
                change.seen_at.format("%H:%M:%S%.3f"),
                change.from.map_or("new".into(), |s| s.to_string()),
                change.to,
                change.carrier_status
            );
        }
        Ok::<(), numport::Error>(())
    })
    .await;
    match followed {
        Ok(result) => result?,
        Err(_) => println!("   still in progress after {budget:?}: follow {id} later"),
    }
    Ok(())
}

async fn run() -> Result<(), Failure> {
    let carriers = carriers().await?;
    for carrier in [Carrier::Cellhire, Carrier::Apeiron, Carrier::INumbering] {
        let provider = carriers.registry.get(carrier)?;
        let sandboxed = carriers.sandboxed.contains(&carrier);
        println!(
            "{carrier} ({})",
            if sandboxed {
                "sandbox"
            } else {
                "configured in the environment"
            }
        );
        port(provider.as_ref(), sandboxed).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("Done.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
