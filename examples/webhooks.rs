//! Followed orders, delivered as signed webhooks by two relays sharing one
//! consumer group, to a receiver that verifies each one.
//!
//! Runs against the iNumbering sandbox: three port orders are submitted
//! through `Recorded`, which keeps them in the order ledger; a `Follower`
//! follows the ledger's open orders round by round and publishes each
//! status change as a `PortEvent` on a stream of the store (Redis when
//! `NUMPORT_REDIS_URL` is set, this process's memory otherwise). Two
//! `Relay`s of one group deliver them to a small axum receiver on
//! loopback, which checks every webhook with `numport::webhook::verify`
//! and prints the events it accepts. The receiver answers its first
//! request 503, to show a retry. The example exits non-zero on any error,
//! or unless every change the follower published arrived, once per id and
//! in sequence per order.
//!
//! ```text
//! cargo run --example webhooks --features redis,sandbox,webhooks
//! ```

use std::collections::{BTreeMap, HashSet};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Days, Utc};
use numport::carrier::inumbering::{INumberingClient, INumberingOptions};
use numport::sandbox::INumberingSandbox;
use numport::store::{MemoryStore, RedisStore, Store};
use numport::webhook::{Relay, RelayCounts, WebhookSecret, verify};
use numport::{
    AccountNumber, Address, Carrier, Events, Follower, Ledger, PhoneNumber, Pin, PortEvent, PortId,
    PortLine, PortProvider, PortRequest, Recorded, Subscriber,
};

/// What the receiver shares with its handler.
struct Receiver {
    secret: WebhookSecret,
    /// Events accepted, first delivery of each id only, in arrival order.
    accepted: Mutex<Vec<PortEvent>>,
    /// Deliveries of an id already accepted (dropped).
    repeats: Mutex<u32>,
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
        println!("   receiver: {} again, dropped", event.id);
        *receiver.repeats.lock().unwrap_or_else(|e| e.into_inner()) += 1;
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
    let ledger = Ledger::new(store.clone());
    println!("   stream {stream}");

    // 2. The receiver, on loopback.
    let secret = WebhookSecret::generate();
    let receiver = Arc::new(Receiver {
        secret: secret.clone(),
        accepted: Mutex::new(Vec::new()),
        repeats: Mutex::new(0),
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

    // 3. Orders on the sandbox, submitted through `Recorded`: each one is
    //    in the ledger, open.
    let sandbox = INumberingSandbox::start().await?;
    let client: Arc<dyn PortProvider> = Arc::new(
        INumberingClient::builder()
            .base_url(sandbox.base_url())
            .username(sandbox.username())
            .password(sandbox.password())
            .store(store.clone())
            .build()?,
    );
    let account = client
        .account_reference()
        .ok_or("the iNumbering client names no account")?;
    println!(
        "3. Three port orders on the iNumbering sandbox at {}, recorded in the ledger",
        sandbox.base_url()
    );
    let recorded = Recorded::new(client.clone(), ledger.clone())?;
    let mut ours: HashSet<PortId> = HashSet::new();
    for number in ["3125550142", "3125550143", "3125550145"] {
        let submission = recorded.submit(&request(number)?).await?;
        for order in submission.orders {
            println!("   submitted {number}: order {}", order.id);
            ours.insert(order.id);
        }
    }

    // 4. A follower publishes each change of the ledger's open orders (a
    //    service runs `follower.run(shutdown)` in every replica; here its
    //    rounds one by one), while two relays of one group deliver them.
    let follower = Follower::new(client, ledger.clone(), events.clone());
    println!("4. A follower of the account's orders, two relays of the group numport-relay");
    println!("   (retry schedule 0s,1s,2s)");
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
    let mut published = 0;
    let mut ended = false;
    let deadline = Instant::now() + Duration::from_secs(30);
    for round in 1.. {
        if Instant::now() > deadline {
            return Err(format!(
                "not done in 30 s: {published} events published, {} delivered",
                totals.delivered
            )
            .into());
        }
        if !ended {
            let report = follower.round().await?;
            published += report.published;
            println!(
                "   follower round {round}: {} open orders read, {} events published",
                report.followed, report.published
            );
            let entries = ledger.entries(Carrier::INumbering).await?;
            ended = entries
                .iter()
                .filter(|e| e.account == account && ours.contains(&e.order_id))
                .all(|e| e.published.is_some_and(|s| s.is_terminal()) && e.outbox.is_empty());
        }
        let (ca, cb) = tokio::join!(a.run_once(), b.run_once());
        let (ca, cb) = (ca?, cb?);
        let idle = ca == RelayCounts::default() && cb == RelayCounts::default();
        if !idle {
            println!(
                "   relays: relay-a {} delivered / {} to retry, relay-b {} delivered / {} to retry",
                ca.delivered, ca.retried, cb.delivered, cb.retried
            );
        }
        totals += ca;
        totals += cb;
        if ended && idle && a.held() == 0 && b.held() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 5. Every change the follower published, as the ledger counts them
    //    (1..=n per order), arrived: once per id, in sequence per order.
    let accepted = receiver
        .accepted
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let repeats = *receiver.repeats.lock().unwrap_or_else(|e| e.into_inner());
    println!(
        "5. The follower published {published} events; the receiver accepted {} ({} repeats \
         dropped; {} retried, {} dead-lettered)",
        accepted.len(),
        repeats,
        totals.retried,
        totals.dead_lettered
    );
    let mut by_order: BTreeMap<&PortId, Vec<u64>> = BTreeMap::new();
    for event in &accepted {
        if event.account != account || !ours.contains(&event.order_id) {
            return Err(format!("an event of another order: {}", event.id).into());
        }
        by_order
            .entry(&event.order_id)
            .or_default()
            .push(event.sequence);
    }
    let mut changes = 0;
    for entry in ledger.entries(Carrier::INumbering).await? {
        // The ledger holds every account's orders (other runs' too, on Redis).
        if entry.account != account || !ours.contains(&entry.order_id) {
            continue;
        }
        let expected: Vec<u64> = (1..=entry.changes).collect();
        let arrived = by_order.get(&entry.order_id).cloned().unwrap_or_default();
        if expected.is_empty() || arrived != expected {
            return Err(format!(
                "order {}: changes {expected:?} published, {arrived:?} arrived",
                entry.order_id
            )
            .into());
        }
        println!(
            "   order {}: changes {arrived:?} arrived in sequence, ending {}",
            entry.order_id,
            entry.published.map_or("-".to_owned(), |s| s.to_string())
        );
        changes += expected.len();
    }
    if by_order.len() != ours.len() || changes != accepted.len() || totals.dead_lettered > 0 {
        return Err(format!(
            "{} of {} orders, {} of {changes} changes arrived, {} dead-lettered",
            by_order.len(),
            ours.len(),
            accepted.len(),
            totals.dead_lettered
        )
        .into());
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
