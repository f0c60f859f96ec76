//! The whole Cellhire flow: networks → plan a date → create → follow the
//! status → amend a failed PAC → list every page → cancel another order.
//!
//! With `CELLHIRE_ACCOUNT_ID` and `CELLHIRE_TOKEN` (or `CELLHIRE_CLIENT_ID` +
//! `CELLHIRE_CLIENT_SECRET`) set, it talks to Cellhire (`CELLHIRE_BASE_URL`,
//! `CELLHIRE_AUTH_URL` override the hosts). Otherwise it starts the crate's
//! Cellhire sandbox on loopback and runs against that.
//!
//! ```text
//! cargo run --example cellhire
//! ```

use std::process::ExitCode;
use std::time::Duration;

use futures::StreamExt;
use numport::carrier::cellhire::{
    CellhireClient, CellhireOptions, PortType, Service, TargetNetwork,
};
use numport::sandbox::CellhireSandbox;
use numport::{
    Amendment, Error, Iccid, Pac, PhoneNumber, PortId, PortLine, PortProvider, PortRequest,
    PortStatus,
};

/// Tariff and provisioning order ids are the caller's own (Cellhire's
/// Tariffs and Provisioning Orders pages are not public); these are the
/// document's example values.
const TARIFF_ID: i64 = 102344;
const PROVISIONING_ORDER: i64 = 3630;
const BOLT_ON: i64 = 502248;

struct Setup {
    client: CellhireClient,
    /// Kept alive for the run when no carrier is configured.
    _sandbox: Option<CellhireSandbox>,
    poll_every: Duration,
    max_polls: usize,
}

async fn setup() -> Result<Setup, Box<dyn std::error::Error>> {
    let configured = std::env::var_os("CELLHIRE_ACCOUNT_ID").is_some()
        && (std::env::var_os("CELLHIRE_TOKEN").is_some()
            || (std::env::var_os("CELLHIRE_CLIENT_ID").is_some()
                && std::env::var_os("CELLHIRE_CLIENT_SECRET").is_some()));
    if configured {
        println!("Using Cellhire as configured in the environment.");
        return Ok(Setup {
            client: CellhireClient::from_env()?,
            _sandbox: None,
            poll_every: Duration::from_secs(15),
            max_polls: 4,
        });
    }
    let sandbox = CellhireSandbox::start().await?;
    println!(
        "No CELLHIRE_* credentials set: started the Cellhire sandbox at {}",
        sandbox.base_url()
    );
    let client = CellhireClient::builder()
        .base_url(sandbox.base_url())
        .token_url(sandbox.token_url())
        .account_id(sandbox.account_id())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .build()?;
    Ok(Setup {
        client,
        _sandbox: Some(sandbox),
        poll_every: Duration::from_millis(20),
        max_polls: 12,
    })
}

fn uk(number: &str) -> Result<PhoneNumber, Error> {
    Ok(PhoneNumber::parse(number)?)
}

/// A Luhn-valid UK ICCID ending in `serial`.
fn sim(serial: u32) -> Result<Iccid, Error> {
    Ok(Iccid::with_check_digit(&format!(
        "894410003012{serial:07}"
    ))?)
}

/// Follows an order until it is terminal or the polls run out, amending any
/// line whose PAC failed with `corrected`.
async fn follow(setup: &Setup, id: &PortId, corrected: &Pac) -> Result<(), Error> {
    let client = &setup.client;
    let mut last: Option<PortStatus> = None;
    let mut amended = false;
    for _ in 0..setup.max_polls {
        let order = client.order(id).await?;
        if last != Some(order.status) {
            println!(
                "  {} → {} (Cellhire: {})",
                id, order.status, order.carrier_status
            );
            for line in &order.lines {
                let note = line
                    .message
                    .as_deref()
                    .map(|m| format!(" — {m}"))
                    .unwrap_or_default();
                println!(
                    "      {} {} ({}){note}",
                    line.msisdn, line.status, line.carrier_status.name
                );
            }
            last = Some(order.status);
        }
        if order.status.is_terminal() {
            return Ok(());
        }
        let failed: Vec<PhoneNumber> = order
            .lines_needing_action()
            .filter_map(|l| l.number.clone())
            .collect();
        if !failed.is_empty() && !amended {
            let mut amendment = Amendment::new();
            for number in &failed {
                println!("  PAC refused for {number}: sending a corrected PAC");
                amendment = amendment.new_pac(number.clone(), corrected.clone());
            }
            match client.amend(id, &amendment).await {
                Ok(()) => amended = true,
                Err(e) if e.is_rejected() || matches!(e, Error::InvalidState { .. }) => {
                    println!("  Cellhire refused the amendment: {e}");
                    amended = true;
                }
                Err(e) => return Err(e),
            }
        }
        tokio::time::sleep(setup.poll_every).await;
    }
    println!(
        "  still {} after {} polls; follow it later",
        last.map_or("unknown".into(), |s| s.to_string()),
        setup.max_polls
    );
    Ok(())
}

fn pick_network(
    networks: &[numport::carrier::cellhire::PortingNetworks],
) -> Option<(&TargetNetwork, i64)> {
    networks
        .iter()
        .filter(|n| n.port_type == PortType::PortIn)
        .flat_map(|n| n.target_networks.iter())
        .find_map(|t| t.source_networks.first().map(|s| (t, s.id)))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let setup = setup().await?;
    let client = &setup.client;

    println!("1. Porting networks");
    let networks = client.networks().await?;
    for n in &networks {
        for t in &n.target_networks {
            println!(
                "   {} → {} (id {}): book {}–{} days ahead, eSIM {}, from {}",
                n.port_type,
                t.name,
                t.id,
                t.min_port_days,
                t.max_port_days,
                if t.allow_esim { "yes" } else { "no" },
                t.source_networks
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let Some((target, source_id)) = pick_network(&networks) else {
        println!("No port-in network with a source network is offered; nothing more to do.");
        return Ok(());
    };

    println!("2. Planning a connection date on {}", target.name);
    let date = client
        .plan_connection_date(&PortType::PortIn, target.id)
        .await?;
    println!(
        "   earliest valid date booked today ({}): {date}",
        client.today()
    );

    println!("3. Creating a port of two numbers");
    let options = CellhireOptions::new("numport example", target.id, source_id, TARIFF_ID)
        .with_provisioning_order(PROVISIONING_ORDER)
        .with_bolt_ons(vec![BOLT_ON])
        .with_service(Service::new("voice", "true"));
    let request = PortRequest::new(vec![
        PortLine::new(uk("+44 7700 900123")?)
            .with_sim(sim(1001)?)
            .with_pac(Pac::new("KQM482913")?),
        // The document's own example PAC: not UK format, so the PAC check refuses it.
        PortLine::new(uk("+44 7700 900124")?)
            .with_sim(sim(1002)?)
            .with_pac(Pac::new("PAC12345")?),
    ])
    .with_desired_date(date)
    .with_cellhire(options.clone());
    let provider: &dyn PortProvider = client;
    match provider.submit(&request).await {
        Ok(submission) => {
            for order in &submission.orders {
                println!(
                    "   created {} for {} numbers",
                    order.id,
                    order.numbers.len()
                );
                println!("4. Following {}", order.id);
                follow(&setup, &order.id, &Pac::new("RTN551204")?).await?;
            }
        }
        Err(e) if e.is_rejected() || e.is_validation() => {
            println!("   Cellhire refused the port: {e}")
        }
        Err(e) => return Err(e.into()),
    }

    println!("5. Every port on the account");
    let mut all = provider.orders();
    let mut count = 0;
    while let Some(summary) = all.next().await {
        let summary = summary?;
        count += 1;
        println!(
            "   {} {:<28} {} ({})",
            summary.id,
            summary.name.as_deref().unwrap_or("-"),
            summary.status,
            summary.carrier_status.name
        );
    }
    println!("   {count} ports in all");

    println!("6. Creating another port and cancelling it");
    let other = PortRequest::new(vec![
        PortLine::new(uk("+44 7700 900125")?)
            .with_sim(sim(1003)?)
            .with_pac(Pac::new("BTX600417")?),
    ])
    .with_desired_date(date)
    .with_cellhire(options.with_name("numport example (to cancel)"));
    match provider.submit(&other).await {
        Ok(submission) => {
            if let Some(id) = submission.first_id() {
                match provider.cancel(id).await {
                    Ok(()) => println!("   asked Cellhire to cancel {id}"),
                    Err(e) if matches!(e, Error::InvalidState { .. }) || e.is_rejected() => {
                        println!("   Cellhire would not cancel {id}: {e}")
                    }
                    Err(e) => return Err(e.into()),
                }
                let order = provider.order(id).await?;
                println!(
                    "   {id} is now {} (Cellhire: {})",
                    order.status, order.carrier_status
                );
            }
        }
        Err(e) if e.is_rejected() || e.is_validation() => {
            println!("   Cellhire refused the port: {e}")
        }
        Err(e) => return Err(e.into()),
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
