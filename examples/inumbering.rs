//! iNumbering: key exchange → portability check (one portable number, one
//! not) → port request → status → port-out PIN update.
//!
//! With `INUMBERING_USERNAME` and `INUMBERING_PASSWORD` set it talks to
//! iNumbering (`INUMBERING_BASE_URL` overrides the host, `INUMBERING_ADMIN=1`
//! submits admin orders). Otherwise it starts the crate's iNumbering sandbox
//! on loopback and runs against that.
//!
//! ```text
//! cargo run --example inumbering
//! ```

use std::process::ExitCode;

use chrono::{Days, Utc};
use numport::carrier::inumbering::{INumberingClient, INumberingOptions, PinUpdate};
use numport::sandbox::INumberingSandbox;
use numport::{
    AccountNumber, Address, Error, PhoneNumber, Pin, PortLine, PortProvider, PortRequest,
    Subscriber,
};

async fn client() -> Result<(INumberingClient, Option<INumberingSandbox>), Error> {
    let configured = std::env::var_os("INUMBERING_USERNAME").is_some()
        && std::env::var_os("INUMBERING_PASSWORD").is_some();
    if configured {
        println!("Using iNumbering as configured in the environment.");
        return Ok((INumberingClient::from_env()?, None));
    }
    let sandbox = INumberingSandbox::start().await?;
    println!(
        "No INUMBERING_* credentials set: started the iNumbering sandbox at {}",
        sandbox.base_url()
    );
    let client = INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .password(sandbox.password())
        .build()?;
    Ok((client, Some(sandbox)))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _sandbox) = client().await?;
    let provider: &dyn PortProvider = &client;
    let portable = PhoneNumber::nanp("3125550142")?;
    let inactive = PhoneNumber::nanp("3125550000")?;

    println!("1. Portability of {portable} and {inactive} (the API key is exchanged first)");
    for check in provider
        .check_portability(&[portable.clone(), inactive.clone()])
        .await?
    {
        match (&check.portable, &check.reason) {
            (true, _) => println!("   {}: portable", check.number),
            (false, reason) => println!(
                "   {}: not portable ({})",
                check.number,
                reason.as_deref().unwrap_or("no reason given")
            ),
        }
    }
    println!("   key exchanges so far: {}", client.exchanges());

    println!("2. Port request for {portable}");
    let request = PortRequest::new(vec![PortLine::new(portable.clone())])
        .with_subscriber(Subscriber::new("Maria", "Lopez").with_address(
            Address::new("233 S Wacker Dr", "Chicago", "IL", "60606", "US").with_line2("STE 4700"),
        ))
        .with_authorization_name("Maria Lopez")
        .with_losing_account(AccountNumber::new("5512098734")?, Pin::new("7731")?)
        .with_desired_date(
            Utc::now()
                .date_naive()
                .checked_add_days(Days::new(10))
                .unwrap_or_default(),
        )
        .with_inumbering(INumberingOptions::new().with_lidb_name("MARIA LOPEZ"));
    let mut order_id = None;
    match provider.submit(&request).await {
        Ok(submission) => {
            for order in &submission.orders {
                println!("   ordered: {} ({})", order.id, order.raw);
                order_id = Some(order.id.clone());
            }
        }
        Err(e) if e.is_rejected() || e.is_auth() || e.is_validation() => {
            println!("   iNumbering refused the port: {e}")
        }
        Err(e) => return Err(e.into()),
    }

    println!("3. Status");
    if let Some(id) = &order_id {
        match provider.order(id).await {
            Ok(order) => println!(
                "   {} is {} (iNumbering: {}), FOC {}",
                order.id,
                order.status,
                order.carrier_status.name,
                order.port_date.map_or("not set".into(), |d| d.to_string())
            ),
            Err(e) if e.is_not_found() => println!("   {id} is not in the status summary yet"),
            Err(e) => return Err(e.into()),
        }
    }
    for entry in client.port_status().await?.iter().take(5) {
        println!(
            "   {} {} — {}",
            entry.pid.as_deref().unwrap_or("-"),
            entry.status,
            entry.message.as_deref().unwrap_or("")
        );
    }

    println!("4. Port-out PINs: one set, one generated");
    let updates = [
        PinUpdate::set(PhoneNumber::nanp("3125550101")?, Pin::new("4826")?),
        PinUpdate::generate(PhoneNumber::nanp("3125550102")?),
    ];
    match client.port_out_pin_update(&updates).await {
        Ok(assigned) => {
            for a in &assigned {
                println!(
                    "   {} now has a port-out PIN ({} digits)",
                    a.number,
                    a.pin.expose().len()
                );
            }
            if assigned.is_empty() {
                println!("   none of these numbers belong to the account");
            }
        }
        Err(e) if e.is_rejected() || e.is_auth() => println!("   iNumbering refused: {e}"),
        Err(e) => return Err(e.into()),
    }
    println!("   key exchanges in all: {}", client.exchanges());
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
