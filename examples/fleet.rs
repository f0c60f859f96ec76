//! Several replicas of a porting service sharing one Redis: one iNumbering
//! key exchange, one Cellhire token grant and one networks read for the
//! whole fleet, none after a deploy.
//!
//! Runs against the crate's sandboxes. Redis comes from `NUMPORT_REDIS_URL`
//! when set; otherwise the example starts a `redis-server` (Debian package
//! `redis-server`) on a free loopback port and stops it at the end.
//!
//! ```text
//! cargo run --example fleet --features redis,sandbox
//! ```

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use numport::carrier::cellhire::{CellhireOptions, Service};
use numport::sandbox::{CellhireSandbox, INumberingSandbox};
use numport::store::{RedisStore, Store};
use numport::{
    AccountNumber, Address, Carrier, Iccid, Pac, PhoneNumber, Pin, PortLine, PortRequest, Registry,
    Subscriber,
};

const REPLICAS: usize = 4;

/// A `redis-server` this example started; killed on drop.
struct LocalRedis(Child);

impl Drop for LocalRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> Result<(String, LocalRedis), Box<dyn std::error::Error>> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!("could not start redis-server ({e}): install the Debian package redis-server or set NUMPORT_REDIS_URL")
        })?;
    let redis = LocalRedis(child);
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("redis-server did not start within 5 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((format!("redis://127.0.0.1:{port}/"), redis))
}

/// One replica: a registry built from the service's variables, its clients
/// sharing their state through its own connection to Redis.
fn replica(
    url: &str,
    inumbering: &INumberingSandbox,
    cellhire: &CellhireSandbox,
) -> Result<Registry, Box<dyn std::error::Error>> {
    let store: Arc<dyn Store> = Arc::new(RedisStore::new(url)?);
    let vars = [
        ("INUMBERING_BASE_URL", inumbering.base_url()),
        ("INUMBERING_USERNAME", inumbering.username().to_string()),
        ("INUMBERING_PASSWORD", inumbering.password().to_owned()),
        ("CELLHIRE_BASE_URL", cellhire.base_url()),
        ("CELLHIRE_AUTH_URL", cellhire.token_url()),
        ("CELLHIRE_ACCOUNT_ID", cellhire.account_id().to_string()),
        ("CELLHIRE_CLIENT_ID", cellhire.client_id().to_owned()),
        (
            "CELLHIRE_CLIENT_SECRET",
            cellhire.client_secret().to_owned(),
        ),
    ];
    let get = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    Ok(Registry::from_vars_with_store(get, Some(store))?)
}

fn us_request(n: u32) -> Result<PortRequest, numport::Error> {
    Ok(
        PortRequest::new(vec![PortLine::new(PhoneNumber::nanp(&format!(
            "312{n:07}"
        ))?)])
        .with_subscriber(Subscriber::new("Maria", "Lopez").with_address(Address::new(
            "233 S Wacker Dr",
            "Chicago",
            "IL",
            "60606",
            "US",
        )))
        .with_authorization_name("Maria Lopez")
        .with_losing_account(AccountNumber::new("5512098734")?, Pin::new("7731")?),
    )
}

fn uk_request(n: u32) -> Result<PortRequest, numport::Error> {
    let line = PortLine::new(PhoneNumber::parse(&format!("+4477009{n:05}"))?)
        .with_sim(Iccid::with_check_digit(&format!("894410003018{n:07}"))?)
        .with_pac(Pac::new("KQM482913")?);
    Ok(PortRequest::new(vec![line]).with_cellhire(
        CellhireOptions::new(format!("Fleet example {n}"), 1, 5, 102344)
            .with_provisioning_order(3630)
            .with_service(Service::new("voice", "true")),
    ))
}

/// Every replica submits one iNumbering and one Cellhire order at once.
async fn submit_round(replicas: &[Registry], round: u32) -> Result<(), Box<dyn std::error::Error>> {
    let mut calls = Vec::new();
    for (i, registry) in replicas.iter().enumerate() {
        let n = round * 100 + i as u32;
        let us = us_request(5_740_000 + n)?;
        let uk = uk_request(n)?;
        let inumbering = registry.get(Carrier::INumbering)?.clone();
        let cellhire = registry.get(Carrier::Cellhire)?.clone();
        calls.push(async move {
            let a = inumbering.submit(&us).await?;
            let b = cellhire.submit(&uk).await?;
            Ok::<_, numport::Error>((a, b))
        });
    }
    for (i, result) in join_all(calls).await.into_iter().enumerate() {
        let (a, b) = result?;
        println!(
            "  replica {i}: iNumbering order {}, Cellhire port {}",
            a.orders[0].id, b.orders[0].id
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (url, _local) = match std::env::var("NUMPORT_REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => {
            println!("Redis: NUMPORT_REDIS_URL");
            (url, None)
        }
        _ => {
            let (url, redis) = start_redis()?;
            println!("Redis: started redis-server at {url}");
            (url, Some(redis))
        }
    };
    let inumbering = INumberingSandbox::start().await?;
    inumbering.set_balance(10_000_000);
    let cellhire = CellhireSandbox::start().await?;
    println!(
        "Sandboxes: iNumbering {}, Cellhire {}",
        inumbering.base_url(),
        cellhire.base_url()
    );
    let counts = |when: &str| {
        let networks = cellhire
            .api_requests()
            .iter()
            .filter(|(m, p)| m == "GET" && p.ends_with("/networks"))
            .count();
        println!(
            "{when}: iNumbering key exchanges {}, Cellhire token grants {}, networks reads {networks}",
            inumbering.exchanges(),
            cellhire.token_grants(),
        );
    };

    println!("{REPLICAS} replicas submit at once:");
    let replicas: Vec<Registry> = (0..REPLICAS)
        .map(|_| replica(&url, &inumbering, &cellhire))
        .collect::<Result<_, _>>()?;
    submit_round(&replicas, 0).await?;
    counts("after the first round");

    println!("A deploy: every replica rebuilt, then another round:");
    drop(replicas);
    let replicas: Vec<Registry> = (0..REPLICAS)
        .map(|_| replica(&url, &inumbering, &cellhire))
        .collect::<Result<_, _>>()?;
    submit_round(&replicas, 1).await?;
    counts("after the deploy");

    println!("The carriers revoke the key and the token; every replica submits again:");
    inumbering.rotate_keys();
    cellhire.revoke_tokens();
    submit_round(&replicas, 2).await?;
    counts("after the revocation");
    Ok(())
}
