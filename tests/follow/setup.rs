//! What the follower's tests share: sandboxes with orders in the ledger,
//! clients and stores per replica, a provider that logs when each carrier
//! call started, and the stream read back and checked order by order.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::BoxStream;
use numport::carrier::cellhire::{CellhireClient, Service};
use numport::carrier::inumbering::INumberingClient;
use numport::clock::ManualClock;
use numport::http::HttpConfig;
use numport::sandbox::{CellhireSandbox, CellhireSandboxConfig, INumberingSandbox};
use numport::store::Store;
use numport::{
    BulkOptions, Capabilities, Carrier, Events, Follower, Ledger, PhoneNumber, PortEvent, PortId,
    PortLine, PortOrder, PortProvider, PortRequest, PortStatus, PortSummary, Portability, Recorded,
    Submission, Tracking,
};

use crate::support::requests::{self, cellhire_options, chicago, uk_line};

/// The path of iNumbering's one listing call.
pub const PORT_STATUS: &str = "/v2.1/iNumbering/portStatus/";

/// portStatus calls the sandbox has answered so far.
pub fn status_calls(sandbox: &INumberingSandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|p| *p == PORT_STATUS)
        .count()
}

/// Cellhire calls so far: (List Ports pages, Get Port Details reads).
pub fn cellhire_calls(sandbox: &CellhireSandbox) -> (usize, usize) {
    let list = format!("/api/porting/{}", sandbox.account_id());
    let calls = sandbox.api_requests();
    let pages = calls
        .iter()
        .filter(|(m, p)| m == "GET" && *p == list)
        .count();
    let details = calls
        .iter()
        .filter(|(m, p)| m == "GET" && p.contains("/port/"))
        .count();
    (pages, details)
}

/// Held by each test on Redis for its whole run: they measure calls and
/// lease times, which the others' 5,000-order rounds would crowd out.
#[cfg(feature = "redis")]
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One replica's store on `redis`: its own connection, as another process
/// would have, sealed as production would be. Its timeout is 5 s: a debug
/// build unsealing 5,000 ledger entries in one listing takes longer than
/// the default half second.
#[cfg(feature = "redis")]
pub fn redis_store(redis: &crate::support::redis_server::RedisServer) -> Arc<dyn Store> {
    use numport::store::{RedisStore, SealingKey};
    Arc::new(
        RedisStore::builder(redis.url())
            .sealing_key(SealingKey::new([7; 32]))
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
    )
}

/// An iNumbering client of the sandbox's customer account, sharing its
/// API key through `store`.
pub fn inumbering(sandbox: &INumberingSandbox, store: &Arc<dyn Store>) -> Arc<dyn PortProvider> {
    Arc::new(
        INumberingClient::builder()
            .base_url(sandbox.base_url())
            .username(sandbox.username())
            .password(sandbox.password())
            .store(store.clone())
            .build()
            .unwrap(),
    )
}

/// A Cellhire sandbox whose today is 2026-05-01.
pub async fn cellhire_sandbox() -> Arc<CellhireSandbox> {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    Arc::new(
        CellhireSandbox::start_with(CellhireSandboxConfig::default().with_today(today))
            .await
            .unwrap(),
    )
}

/// A Cellhire client of the sandbox's account, sharing its token through
/// `store`.
pub fn cellhire(sandbox: &CellhireSandbox, store: &Arc<dyn Store>) -> Arc<dyn PortProvider> {
    Arc::new(
        CellhireClient::builder()
            .base_url(sandbox.base_url())
            .token_url(sandbox.token_url())
            .account_id(sandbox.account_id())
            .client_credentials(sandbox.client_id(), sandbox.client_secret())
            .http_config(HttpConfig::default().with_clock(Arc::new(ManualClock::new(
                "2026-05-01T09:00:00Z".parse().unwrap(),
            ))))
            .store(store.clone())
            .build()
            .unwrap(),
    )
}

/// `n` iNumbering requests for numbers the sandbox moves to completion.
fn inumbering_requests(n: usize) -> Vec<PortRequest> {
    (5_600_000u32..)
        .filter(|n| n % 10_000 != 4444 && n % 10_000 != 0)
        .take(n)
        .map(|n| requests::us_request(vec![PortLine::new(chicago(n))]))
        .collect()
}

/// `n` Cellhire requests, one port each.
fn cellhire_requests(n: usize) -> Vec<PortRequest> {
    (0..n)
        .map(|i| {
            let line = uk_line(
                &format!("+4477008{i:05}"),
                &format!("894410003018{i:07}"),
                "KQM482913",
            );
            PortRequest::new(vec![line]).with_cellhire(
                cellhire_options(format!("Fleet {i}")).with_service(Service::new("voice", "true")),
            )
        })
        .collect()
}

/// Submits `requests` through `provider` recorded in the ledger in
/// `store`: the ids created, in order.
async fn submit(
    provider: Arc<dyn PortProvider>,
    store: &Arc<dyn Store>,
    requests: Vec<PortRequest>,
    one_by_one: bool,
) -> Vec<PortId> {
    let recorded = Recorded::new(provider, Ledger::new(store.clone())).unwrap();
    let results = if one_by_one {
        let mut results = Vec::new();
        for request in &requests {
            results.push(recorded.submit(request).await);
        }
        results
    } else {
        recorded
            .submit_many(&requests, &BulkOptions::default())
            .await
    };
    let ids: Vec<PortId> = results
        .into_iter()
        .map(|r| r.unwrap().orders[0].id.clone())
        .collect();
    assert_eq!(ids.len(), requests.len());
    ids
}

/// `n` iNumbering orders in the ledger of `store` (one at a time when
/// `one_by_one`, so that they are recorded oldest first).
pub async fn inumbering_orders(
    sandbox: &INumberingSandbox,
    store: &Arc<dyn Store>,
    n: usize,
    one_by_one: bool,
) -> Vec<PortId> {
    sandbox.set_balance(100_000_000);
    submit(
        inumbering(sandbox, store),
        store,
        inumbering_requests(n),
        one_by_one,
    )
    .await
}

/// `n` Cellhire orders in the ledger of `store`.
pub async fn cellhire_orders(
    sandbox: &CellhireSandbox,
    store: &Arc<dyn Store>,
    n: usize,
) -> Vec<PortId> {
    submit(cellhire(sandbox, store), store, cellhire_requests(n), false).await
}

/// A follower of `provider` with its ledger and stream in `store`.
pub fn follower(provider: Arc<dyn PortProvider>, store: &Arc<dyn Store>) -> Follower {
    Follower::new(
        provider,
        Ledger::new(store.clone()),
        Events::new(store.clone()),
    )
}

/// Every event on the stream of `store`, in stream order (read through a
/// group of its own; each batch by a consumer of its own, so that nothing
/// needs acknowledging).
pub async fn stream(store: &Arc<dyn Store>) -> Vec<PortEvent> {
    let events = Events::new(store.clone());
    let group = format!("check-{}", uuid());
    let mut all = Vec::new();
    for batch in 0.. {
        let consumer = events.consumer(group.clone(), format!("reader-{batch}"));
        let read = consumer.next(1_000, Duration::ZERO).await.unwrap();
        if read.is_empty() {
            break;
        }
        all.extend(read.into_iter().map(|d| d.event));
    }
    all
}

fn uuid() -> String {
    format!("{:x}", Utc::now().timestamp_nanos_opt().unwrap_or_default())
}

/// The stream read order by order.
#[derive(Debug)]
pub struct Chains {
    /// Events on the stream, duplicates included.
    pub events: usize,
    /// Events whose id came earlier on the stream (each identical to it).
    pub duplicates: usize,
    /// Each order's changes, first deliveries only, in stream order.
    pub orders: BTreeMap<PortId, Vec<PortEvent>>,
}

impl Chains {
    /// The statuses each order went through, as the stream tells it.
    pub fn statuses(&self, id: &PortId) -> Vec<PortStatus> {
        self.orders
            .get(id)
            .map(|events| events.iter().map(|e| e.to).collect())
            .unwrap_or_default()
    }
}

/// Reads `events` order by order, checking that a repeated id repeats the
/// same event, and that each order's first deliveries come in sequence
/// order from 1 without a gap, each `from` the previous `to`.
pub fn chains(events: Vec<PortEvent>) -> Chains {
    let total = events.len();
    let mut seen: HashMap<String, PortEvent> = HashMap::new();
    let mut duplicates = 0;
    let mut orders: BTreeMap<PortId, Vec<PortEvent>> = BTreeMap::new();
    for event in events {
        if let Some(first) = seen.get(&event.id) {
            assert_eq!(first, &event, "one id, two events");
            duplicates += 1;
            continue;
        }
        seen.insert(event.id.clone(), event.clone());
        orders
            .entry(event.order_id.clone())
            .or_default()
            .push(event);
    }
    for (id, events) in &orders {
        let mut from = None;
        for (n, event) in events.iter().enumerate() {
            assert_eq!(event.sequence, n as u64 + 1, "order {id}: {events:#?}");
            assert_eq!(event.from, from, "order {id}: {events:#?}");
            assert_eq!(
                event.id,
                PortEvent::id_for(&event.account, id, event.sequence)
            );
            from = Some(event.to);
        }
    }
    Chains {
        events: total,
        duplicates,
        orders,
    }
}

/// A provider that logs when each read began (an order read, a listing
/// opened), on the system clock, as a follower's clock tells it.
#[derive(Debug)]
pub struct Logged {
    inner: Arc<dyn PortProvider>,
    calls: Mutex<Vec<DateTime<Utc>>>,
}

impl Logged {
    /// `inner`, logged.
    pub fn new(inner: Arc<dyn PortProvider>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            calls: Mutex::new(Vec::new()),
        })
    }

    /// When each read began.
    pub fn calls(&self) -> Vec<DateTime<Utc>> {
        self.calls.lock().unwrap().clone()
    }

    fn log(&self) {
        self.calls.lock().unwrap().push(Utc::now());
    }
}

#[async_trait]
impl PortProvider for Logged {
    fn carrier(&self) -> Carrier {
        self.inner.carrier()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn account_reference(&self) -> Option<String> {
        self.inner.account_reference()
    }

    fn tracking(&self) -> Tracking {
        self.inner.tracking()
    }

    async fn check_portability(
        &self,
        numbers: &[PhoneNumber],
    ) -> numport::Result<Vec<Portability>> {
        self.inner.check_portability(numbers).await
    }

    async fn submit(&self, request: &PortRequest) -> numport::Result<Submission> {
        self.inner.submit(request).await
    }

    async fn order(&self, id: &PortId) -> numport::Result<PortOrder> {
        self.log();
        self.inner.order(id).await
    }

    fn orders(&self) -> BoxStream<'_, numport::Result<PortSummary>> {
        self.log();
        self.inner.orders()
    }
}
