//! Events of followed orders, delivered as signed webhooks by two relays
//! sharing one consumer group, to a receiver that verifies each one.
//!
//! Runs against the iNumbering sandbox: three port orders are submitted
//! and followed; each status change is published as a `PortEvent` on a
//! stream of the store (Redis when `NUMPORT_REDIS_URL` is set, this
//! process's memory otherwise). Two `Relay`s of one group deliver them to a
//! small axum receiver on loopback, which checks every webhook with
//! `numport::webhook::verify` and prints the events it accepts. The
//! receiver answers its first request 503, to show a retry. The example
//! exits non-zero on any error, or when an order's events did not arrive
//! once each and in sequence.
//!
//! ```text
//! cargo run --example webhooks --features redis,sandbox
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Days, Utc};
use futures::StreamExt;
use numport::carrier::inumbering::{INumberingClient, INumberingOptions};
use numport::sandbox::INumberingSandbox;
use numport::store::{MemoryStore, RedisStore, Store};
use numport::webhook::{Relay, RelayCounts, WebhookSecret, verify};
use numport::{
    AccountNumber, Address, Events, PhoneNumber, Pin, PortEvent, PortId, PortLine, PortProvider,
    PortRequest, PortStatus, Subscriber,
};

/// What the receiver shares with its handler.
struct Receiver {
    secret: WebhookSecret,
    accepted: Mutex<Vec<PortEvent>>,
    requests: Mutex<u32>,
}

/// The receiver's one route: verify, then 204 (or 503 for the very first
/// request, to show the relay's retry).
async fn webhook(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let first = {
        let mut n = receiver.requests.lock().unwrap_or_else(|e| e.into_inner());
        *n += 1;
        *n == 1
    };
    let event = match verify(&receiver.secret, &headers, &body, Utc::now()) {
        Ok(event) => event,
        Err(refused) => {
            println!("   receiver: refused a webhook: {refused}");
            return StatusCode::BAD_REQUEST;
        }
    };
    if first {
        println!(
            "   receiver: {} verified, answered 503 (busy) to show a retry",
            event.id
        );
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let mut accepted = receiver.accepted.lock().unwrap_or_else(|e| e.into_inner());
    if accepted.iter().any(|e| e.id == event.id) {
        // Events come at least once: an id already handled is dropped.
        return StatusCode::NO_CONTENT;
    }
    println!(
        "   receiver: {} order {} #{}: {} -> {}",
        event.id,
        event.order_id,
        event.sequence,
        event.from.map_or("-".to_owned(), |s| s.to_string()),
        event.to
    );
    accepted.push(event);
    StatusCode::NO_CONTENT
}

fn request(number: &str) -> Result<PortRequest, Box<dyn std::error::Error>> {
    Ok(
        PortRequest::new(vec![PortLine::new(PhoneNumber::nanp(number)?)])
            .with_subscriber(Subscriber::new("Maria", "Lopez").with_address(Address::new(
                "233 S Wacker Dr",
                "Chicago",
                "IL",
                "60606",
                "US",
            )))
            .with_authorization_name("Maria Lopez")
            .with_losing_account(AccountNumber::new("5512098734")?, Pin::new("7731")?)
            .with_desired_date(
                Utc::now()
                    .date_naive()
                    .checked_add_days(Days::new(10))
                    .unwrap_or_default(),
            )
            .with_inumbering(INumberingOptions::new().with_lidb_name("MARIA LOPEZ")),
    )
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // 1. The store and a stream of this run's own.
    let store: Arc<dyn Store> = match std::env::var("NUMPORT_REDIS_URL") {
        Ok(url) if !url.is_empty() => {
            println!("1. Store: Redis (NUMPORT_REDIS_URL)");
            Arc::new(RedisStore::builder(url).build()?)
        }
        _ => {
            println!("1. Store: this process's memory (set NUMPORT_REDIS_URL for Redis)");
            Arc::new(MemoryStore::new())
        }
    };
    let stream = format!(
        "numport:events:example-{}-{}",
        std::process::id(),
        Utc::now().timestamp()
    );
    let events = Events::new(store.clone()).stream(stream.clone());
    println!("   stream {stream}");

    // 2. The receiver, on loopback.
    let secret = WebhookSecret::generate();
    let receiver = Arc::new(Receiver {
        secret: secret.clone(),
        accepted: Mutex::new(Vec::new()),
        requests: Mutex::new(0),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hooks/numport", listener.local_addr()?);
    let router = axum::Router::new()
        .route("/hooks/numport", axum::routing::post(webhook))
        .with_state(receiver.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    println!("2. Receiver at {url}, verifying with a fresh whsec_ secret");

    // 3. Orders on the sandbox, followed; each change published.
    let sandbox = INumberingSandbox::start().await?;
    let client = INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .password(sandbox.password())
        .build()?;
    let account = client
        .account_reference()
        .unwrap_or_else(|| "numport:inumbering:example".to_owned());
    println!(
        "3. Three port orders on the iNumbering sandbox at {}",
        sandbox.base_url()
    );
    let mut numbers: BTreeMap<PortId, PhoneNumber> = BTreeMap::new();
    for number in ["3125550142", "3125550143", "3125550145"] {
        let submission = client.submit(&request(number)?).await?;
        for order in submission.orders {
            println!("   submitted {number}: order {}", order.id);
            numbers.insert(order.id, PhoneNumber::nanp(number)?);
        }
    }
    let mut last: BTreeMap<PortId, (u64, PortStatus)> = BTreeMap::new();
    let mut published = 0u64;
    for round in 1..=8 {
        let mut listing = client.orders();
        while let Some(summary) = listing.next().await {
            let summary = summary?;
            let Some(number) = numbers.get(&summary.id) else {
                continue;
            };
            let (sequence, from) = match last.get(&summary.id) {
                Some((_, status)) if *status == summary.status => continue,
                Some((n, status)) => (n + 1, Some(*status)),
                None => (1, None),
            };
            let event = PortEvent::status_changed(
                numport::Carrier::INumbering,
                account.clone(),
                summary.id.clone(),
                vec![number.clone()],
                sequence,
                from,
                summary.status,
                Utc::now(),
            )
            .with_carrier_words(
                Some(summary.carrier_status.clone()),
                summary.message.clone(),
            );
            events.publish(&event).await?;
            published += 1;
            println!(
                "   round {round}: order {} is {} (#{sequence}): published {}",
                summary.id, summary.status, event.id
            );
            last.insert(summary.id.clone(), (sequence, summary.status));
        }
        if last.values().all(|(_, s)| s.is_terminal()) && last.len() == numbers.len() {
            break;
        }
    }

    // 4. Two relays of one group deliver them.
    println!(
        "4. Two relays of the group numport-relay deliver {published} events (schedule 0s,1s,2s)"
    );
    let relay = |name: &str| {
        Relay::builder(events.clone(), &url, secret.clone())
            .consumer(name)
            .schedule("0s,1s,2s".parse()?)
            .batch(4)
            .max_held(4)
            .build()
    };
    let (mut a, mut b) = (relay("relay-a")?, relay("relay-b")?);
    let mut totals = RelayCounts::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    while totals.delivered < published {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {published} events delivered in 30 s",
                totals.delivered
            )
            .into());
        }
        let (ca, cb) = tokio::join!(a.run_once(), b.run_once());
        let (ca, cb) = (ca?, cb?);
        if ca.delivered + cb.delivered + ca.retried + cb.retried > 0 {
            println!(
                "   round: relay-a {} delivered / {} to retry, relay-b {} delivered / {} to retry",
                ca.delivered, ca.retried, cb.delivered, cb.retried
            );
        }
        totals += ca;
        totals += cb;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 5. What the receiver accepted: every event once, each order in sequence.
    let accepted = receiver
        .accepted
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    println!(
        "5. The receiver accepted {} events ({} retried, {} dead-lettered)",
        accepted.len(),
        totals.retried,
        totals.dead_lettered
    );
    if accepted.len() as u64 != published || totals.dead_lettered > 0 {
        return Err(format!("{} of {published} events accepted", accepted.len()).into());
    }
    let mut by_order: BTreeMap<&PortId, Vec<u64>> = BTreeMap::new();
    for event in &accepted {
        by_order
            .entry(&event.order_id)
            .or_default()
            .push(event.sequence);
    }
    for (order, sequences) in &by_order {
        let expected: Vec<u64> = (1..=sequences.len() as u64).collect();
        if *sequences != expected {
            return Err(format!("order {order} arrived as {sequences:?}").into());
        }
        println!("   order {order}: events {sequences:?}, in sequence");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhooks example failed: {e}");
            ExitCode::FAILURE
        }
    }
}
