//! iNumbering: key exchange → portability check (one portable number, one
//! not) → port request → status → port-out PIN update.
//!
//! With `INUMBERING_USERNAME` and `INUMBERING_PASSWORD` set it talks to
//! iNumbering (`INUMBERING_BASE_URL` overrides the host, `INUMBERING_ADMIN=1`
//! submits admin orders). Otherwise it starts the crate's iNumbering sandbox
//! on loopback and runs against that.
//!
//! iNumbering does not offer the portability check to every account (414
//! "Wireless not allowed for Customer"): the example says so and goes on to
//! the order, which a customer account places without the check.
//!
//! ```text
//! cargo run --example inumbering
//! ```

use std::io::Write;
use std::process::ExitCode;

use chrono::{Days, Utc};
use numport::carrier::inumbering::{INumberingClient, INumberingOptions, PinUpdate};
use numport::sandbox::INumberingSandbox;
use numport::{
    AccountNumber, Address, Error, PhoneNumber, Pin, PortLine, PortProvider, PortRequest,
    RejectReason, Subscriber,
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

/// The example's steps on `client`, said on `out`. What iNumbering answers
/// about the numbers and the order is reported and the steps go on; any
/// other failure ends them.
pub async fn steps(
    client: &INumberingClient,
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let provider: &dyn PortProvider = client;
    let portable = PhoneNumber::nanp("3125550142")?;
    let inactive = PhoneNumber::nanp("3125550000")?;

    writeln!(
        out,
        "1. Portability of {portable} and {inactive} (the API key is exchanged first)"
    )?;
    match provider
        .check_portability(&[portable.clone(), inactive.clone()])
        .await
    {
        Ok(checks) => {
            for check in checks {
                match (&check.portable, &check.reason) {
                    (true, _) => writeln!(out, "   {}: portable", check.number)?,
                    (false, reason) => writeln!(
                        out,
                        "   {}: not portable ({})",
                        check.number,
                        reason.as_deref().unwrap_or("no reason given")
                    )?,
                }
            }
        }
        // Not offered to this account for these numbers (414 "Wireless not
        // allowed for Customer"): that says nothing about whether they can
        // be ported, and a customer order goes to iNumbering's review
        // without the check.
        Err(e) if e.reject_reason() == Some(RejectReason::CheckUnavailable) => writeln!(
            out,
            "   iNumbering does not offer this check to this account for these numbers ({}): \
             going on to the order without it",
            e.carrier_message().unwrap_or("no reason given")
        )?,
        Err(e) => return Err(e.into()),
    }
    writeln!(out, "   key exchanges so far: {}", client.exchanges())?;

    writeln!(out, "2. Port request for {portable}")?;
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
                writeln!(out, "   ordered: {} ({})", order.id, order.raw)?;
                order_id = Some(order.id.clone());
            }
        }
        Err(e) if e.is_rejected() || e.is_auth() || e.is_validation() => {
            writeln!(out, "   iNumbering refused the port: {e}")?
        }
        Err(e) => return Err(e.into()),
    }

    writeln!(out, "3. Status")?;
    if let Some(id) = &order_id {
        match provider.order(id).await {
            Ok(order) => writeln!(
                out,
                "   {} is {} (iNumbering: {}), FOC {}",
                order.id,
                order.status,
                order.carrier_status.name,
                order.port_date.map_or("not set".into(), |d| d.to_string())
            )?,
            Err(e) if e.is_not_found() => {
                writeln!(out, "   {id} is not in the status summary yet")?
            }
            Err(e) => return Err(e.into()),
        }
    }
    for entry in client.port_status().await?.iter().take(5) {
        let pid = entry.pid.as_deref().unwrap_or("-");
        match &entry.message {
            Some(message) => writeln!(out, "   {pid} {} — {message}", entry.status)?,
            None => writeln!(out, "   {pid} {}", entry.status)?,
        }
    }

    writeln!(out, "4. Port-out PINs: one set, one generated")?;
    let updates = [
        PinUpdate::set(PhoneNumber::nanp("3125550101")?, Pin::new("4826")?),
        PinUpdate::generate(PhoneNumber::nanp("3125550102")?),
    ];
    match client.port_out_pin_update(&updates).await {
        Ok(assigned) => {
            for a in &assigned {
                writeln!(
                    out,
                    "   {} now has a port-out PIN ({} digits)",
                    a.number,
                    a.pin.expose().len()
                )?;
            }
            if assigned.is_empty() {
                writeln!(out, "   none of these numbers belong to the account")?;
            }
        }
        Err(e) if e.is_rejected() || e.is_auth() => writeln!(out, "   iNumbering refused: {e}")?,
        Err(e) => return Err(e.into()),
    }
    writeln!(out, "   key exchanges in all: {}", client.exchanges())?;
    Ok(())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _sandbox) = client().await?;
    steps(&client, &mut std::io::stdout()).await
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
