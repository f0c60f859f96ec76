//! Following thousands of orders with the fewest calls per round:
//! `PortProviderExt::watch_many` over each sandbox, calls counted.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use futures::StreamExt;
use futures::future::BoxFuture;
use numport::BulkOptions;
use numport::carrier::apeiron::ApeironClient;
use numport::carrier::cellhire::{CellhireClient, CellhireOptions, Service};
use numport::carrier::inumbering::INumberingClient;
use numport::clock::ManualClock;
use numport::http::{HttpConfig, Sleep};
use numport::sandbox::{ApeironSandbox, CellhireSandbox, CellhireSandboxConfig, INumberingSandbox};
use numport::{
    Error, Iccid, OrderChange, Pac, PhoneNumber, PortId, PortLine, PortProvider, PortProviderExt,
    PortRequest, PortStatus, TrackOptions,
};

use crate::support::requests::{self, chicago};

const ORDERS: u32 = 5_000;

/// A sleep that does not wait, and runs `on_sleep` (time passing at the
/// carrier) every `every`-th time.
struct Ticking {
    every: usize,
    count: std::sync::atomic::AtomicUsize,
    on_sleep: Box<dyn Fn() + Send + Sync>,
}

impl std::fmt::Debug for Ticking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ticking")
    }
}

impl Sleep for Ticking {
    fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
        let n = self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if n % self.every == 0 {
            (self.on_sleep)();
        }
        Box::pin(async {})
    }
}

fn by_round(events: &[OrderChange]) -> BTreeMap<u64, usize> {
    let mut rounds = BTreeMap::new();
    for e in events {
        *rounds.entry(e.round).or_insert(0) += 1;
    }
    rounds
}

fn us_request(n: u32) -> PortRequest {
    requests::us_request(vec![PortLine::new(chicago(n))])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inumbering_follows_5000_orders_with_one_status_call_a_round() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    sandbox.set_balance(100_000_000);
    let client = INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .password(sandbox.password())
        .build()
        .unwrap();
    // Numbers the sandbox moves to completion (not its `…4444` rejection
    // trigger).
    let requests: Vec<PortRequest> = (5_600_000u32..)
        .filter(|n| n % 10_000 != 4444)
        .take(ORDERS as usize)
        .map(us_request)
        .collect();
    let ids: Vec<PortId> = client
        .submit_many(&requests, &BulkOptions::default())
        .await
        .into_iter()
        .map(|r| r.unwrap().orders[0].id.clone())
        .collect();
    let before = sandbox.requests().len();

    let options = TrackOptions::default()
        .with_interval(Duration::from_millis(1))
        .with_max_rounds(20);
    let events: Vec<OrderChange> = client
        .watch_many(ids.clone(), options)
        .map(|e| e.unwrap())
        .collect()
        .await;

    let calls: Vec<String> = sandbox.requests()[before..].to_vec();
    let rounds = events.iter().map(|e| e.round).max().unwrap();
    assert!(
        calls.iter().all(|c| c == "/v2.1/iNumbering/portStatus/"),
        "{calls:?}"
    );
    assert_eq!(calls.len() as u64, rounds, "one portStatus call a round");
    // Every order reached its end, each change once.
    let complete = events
        .iter()
        .filter(|e| e.to == PortStatus::Complete)
        .count();
    assert_eq!(complete, ORDERS as usize);
    println!(
        "iNumbering: {ORDERS} orders, {rounds} rounds, {} calls, {} events, by round {:?}",
        calls.len(),
        events.len(),
        by_round(&events)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cellhire_follows_5000_orders_listing_then_reading_only_the_changed() {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let sandbox = Arc::new(
        CellhireSandbox::start_with(CellhireSandboxConfig::default().with_today(today))
            .await
            .unwrap(),
    );
    let client = CellhireClient::builder()
        .base_url(sandbox.base_url())
        .token_url(sandbox.token_url())
        .account_id(sandbox.account_id())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .http_config(HttpConfig::default().with_clock(Arc::new(ManualClock::new(
            "2026-05-01T09:00:00Z".parse().unwrap(),
        ))))
        .build()
        .unwrap();
    // One port per order: each request has its own name.
    let requests: Vec<PortRequest> = (0..ORDERS)
        .map(|n| {
            let line = PortLine::new(PhoneNumber::parse(&format!("+4477008{n:05}")).unwrap())
                .with_sim(Iccid::with_check_digit(&format!("894410003018{n:07}")).unwrap())
                .with_pac(Pac::new("KQM482913").unwrap());
            PortRequest::new(vec![line]).with_cellhire(
                CellhireOptions::new(format!("Fleet {n}"), 1, 5, 102344)
                    .with_provisioning_order(3630)
                    .with_service(Service::new("voice", "true")),
            )
        })
        .collect();
    let ids: Vec<PortId> = client
        .submit_many(&requests, &BulkOptions::default())
        .await
        .into_iter()
        .map(|r| r.unwrap().orders[0].id.clone())
        .collect();
    assert_eq!(ids.len(), ORDERS as usize);
    let before = sandbox.api_requests().len();

    // Time passes at the carrier on every other sleep: rounds alternate
    // between "nothing changed" and "every order moved one step".
    let ticking = sandbox.clone();
    let sleep = Arc::new(Ticking {
        every: 2,
        count: Default::default(),
        on_sleep: Box::new(move || ticking.tick()),
    });
    let options = TrackOptions::default()
        .with_interval(Duration::from_millis(1))
        .with_sleep(sleep)
        .with_max_rounds(4);
    let events: Vec<_> = client.watch_many(ids.clone(), options).collect().await;
    let (events, errors): (Vec<_>, Vec<_>) = events.into_iter().partition(Result::is_ok);
    let events: Vec<OrderChange> = events.into_iter().map(Result::unwrap).collect();
    // Stopped by the round limit, as asked.
    assert!(
        matches!(errors[..], [Err(Error::Timeout { .. })]),
        "{errors:?}"
    );

    let calls = sandbox.api_requests()[before..].to_vec();
    let list_path = format!("/api/porting/{}", sandbox.account_id());
    let listings = calls.iter().filter(|(_, p)| *p == list_path).count();
    let details = calls.iter().filter(|(_, p)| p.contains("/port/")).count();
    let pages = (ORDERS as usize).div_ceil(50);
    // Round 1: one listing pass, every order seen from it (no reads).
    // Round 2: nothing moved: one listing pass, no reads.
    // Round 3: every order moved: a listing pass and one read per order.
    // Round 4: the sandbox also moves a port when its details are read, so
    //          round 3's reads moved every order again: the same cost.
    // Per-order reads alone would have cost 4 × 5,000 calls.
    assert_eq!(listings, 4 * pages, "{listings} list calls");
    assert_eq!(details, 2 * ORDERS as usize, "{details} detail reads");
    let rounds = by_round(&events);
    assert_eq!(rounds.get(&1), Some(&(ORDERS as usize)));
    assert_eq!(rounds.get(&2), None);
    assert_eq!(rounds.get(&3), Some(&(ORDERS as usize)), "{rounds:?}");
    assert_eq!(rounds.get(&4), Some(&(ORDERS as usize)), "{rounds:?}");
    assert!(listings + details < 4 * ORDERS as usize);
    println!(
        "Cellhire: {ORDERS} orders, 4 rounds, {listings} list calls ({pages} a round), \
         {details} detail reads, events by round {rounds:?}"
    );
}

#[tokio::test]
async fn apeiron_orders_are_reported_not_trackable_up_front() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    let client = ApeironClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .api_token(sandbox.api_token())
        .build()
        .unwrap();
    let events: Vec<_> = client
        .watch_many(
            vec![PortId::new("mdn:3125550142").unwrap()],
            TrackOptions::default(),
        )
        .collect()
        .await;
    assert!(
        matches!(events[..], [Err(Error::Unsupported { .. })]),
        "{events:?}"
    );
    assert_eq!(sandbox.requests(), 0);
}
