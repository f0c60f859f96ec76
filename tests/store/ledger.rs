//! The order ledger ([`Ledger`], [`Recorded`]): orders submitted through
//! several replicas (separate clients, separate stores on one Redis, or one
//! `MemoryStore`) are listed as open until the iNumbering sandbox completes
//! them and a `watch_many` through the wrapper reads it; no secret reaches
//! the store.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::future::join_all;
use numport::carrier::inumbering::INumberingClient;
use numport::sandbox::INumberingSandbox;
use numport::store::{MemoryStore, Store};
use numport::{
    BulkOptions, Carrier, IdempotencyKey, Ledger, OnceSubmitter, PortId, PortLine, PortProvider,
    PortProviderExt, PortRequest, PortStatus, Recorded, TrackOptions,
};

use crate::support::requests::{self, US_ACCOUNT, US_PIN, chicago};

const CLIENTS: usize = 4;

fn client(sandbox: &INumberingSandbox) -> Arc<dyn PortProvider> {
    Arc::new(
        INumberingClient::builder()
            .base_url(sandbox.base_url())
            .username(sandbox.username())
            .password(sandbox.password())
            .build()
            .unwrap(),
    )
}

/// `n` requests for numbers the sandbox moves to completion (not its
/// `…4444` rejection trigger nor `…0000`).
fn requests(n: usize) -> Vec<PortRequest> {
    (5_600_000u32..)
        .filter(|n| n % 10_000 != 4444 && n % 10_000 != 0)
        .take(n)
        .map(|n| requests::us_request(vec![PortLine::new(chicago(n))]))
        .collect()
}

/// `n` orders submitted through `CLIENTS` recorded clients, the ledger of
/// client `i` in `stores[i]`: the wrappers and the ids created.
async fn submit(
    sandbox: &INumberingSandbox,
    stores: &[Arc<dyn Store>],
    keep_after_end: Duration,
    n: usize,
) -> (Vec<Recorded>, Vec<PortId>) {
    let recorded: Vec<Recorded> = stores
        .iter()
        .map(|store| {
            let ledger = Ledger::new(store.clone()).keep_after_end(keep_after_end);
            Recorded::new(client(sandbox), ledger).unwrap()
        })
        .collect();
    let all = requests(n);
    let chunks: Vec<&[PortRequest]> = all.chunks(n.div_ceil(CLIENTS)).collect();
    assert_eq!(chunks.len(), CLIENTS);
    let options = BulkOptions::default();
    let results = join_all(
        recorded
            .iter()
            .zip(chunks)
            .map(|(r, chunk)| r.submit_many(chunk, &options)),
    )
    .await;
    let ids: Vec<PortId> = results
        .into_iter()
        .flatten()
        .map(|r| r.unwrap().orders[0].id.clone())
        .collect();
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), n);
    (recorded, ids)
}

/// Every replica's ledger lists the `n` orders as open, with what the
/// submission said and no status the carrier did not give.
async fn assert_all_open(recorded: &[Recorded], ids: &[PortId], n: usize) {
    let account = recorded[0].account_reference().unwrap();
    for r in recorded {
        let open = r.ledger().open_orders(Carrier::INumbering).await.unwrap();
        assert_eq!(open.len(), n);
        let listed: BTreeSet<&PortId> = open.iter().map(|e| &e.order_id).collect();
        assert_eq!(listed, ids.iter().collect());
        for entry in &open {
            assert_eq!(entry.carrier, Carrier::INumbering);
            assert_eq!(entry.account, account);
            assert_eq!(entry.numbers.len(), 1);
            assert_eq!(entry.status, None);
            assert_eq!(entry.carrier_status, None);
            assert_eq!(entry.idempotency_key, None);
            assert!(entry.is_open());
        }
        assert!(
            r.ledger()
                .open_orders(Carrier::Cellhire)
                .await
                .unwrap()
                .is_empty()
        );
    }
    let first = recorded[3]
        .ledger()
        .entry(Carrier::INumbering, &account, &ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.numbers, vec![chicago(5_600_001)]);
}

/// One `watch_many` through a wrapper follows every order to its end; the
/// ledger then lists none open, every entry complete.
async fn complete(recorded: &[Recorded], ids: &[PortId], n: usize) {
    let options = TrackOptions::default()
        .with_interval(Duration::from_millis(1))
        .with_max_rounds(20);
    let events: Vec<_> = recorded[1]
        .watch_many(ids.to_vec(), options)
        .map(|e| e.unwrap())
        .collect()
        .await;
    let completed = events
        .iter()
        .filter(|e| e.to == PortStatus::Complete)
        .count();
    assert_eq!(completed, n);
    for r in recorded {
        assert_eq!(
            r.ledger().open_orders(Carrier::INumbering).await.unwrap(),
            vec![]
        );
    }
    let entries = recorded[0]
        .ledger()
        .entries(Carrier::INumbering)
        .await
        .unwrap();
    assert_eq!(entries.len(), n);
    for entry in &entries {
        assert_eq!(entry.status, Some(PortStatus::Complete));
        assert_eq!(entry.carrier_status.as_ref().unwrap().name, "Complete");
    }
    println!(
        "ledger: {n} orders through {CLIENTS} clients; open after submit {n}, \
         watch_many events {}, open after completion 0, ended entries kept {}",
        events.len(),
        entries.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_ledger_lists_what_replicas_submitted_until_watch_many_sees_it_end() {
    const N: usize = 1_000;
    let sandbox = INumberingSandbox::start().await.unwrap();
    sandbox.set_balance(100_000_000);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let stores = vec![store; CLIENTS];
    let (recorded, ids) = submit(&sandbox, &stores, Duration::from_secs(3600), N).await;
    assert_all_open(&recorded, &ids, N).await;
    complete(&recorded, &ids, N).await;
}

/// An idempotent submission records its key; a retried call (the same key)
/// adds no second entry.
#[tokio::test]
async fn once_submitter_records_its_key_in_the_ledger() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    sandbox.set_balance(100_000_000);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let ledger = Ledger::new(store.clone());
    let provider = client(&sandbox);
    let once = OnceSubmitter::new(provider.clone(), store.clone()).ledger(ledger.clone());
    let key = IdempotencyKey::new("order-42").unwrap();
    let request = requests(1).remove(0);
    let first = once.submit(&key, &request).await.unwrap();
    let again = once.submit(&key, &request).await.unwrap();
    assert_eq!(first, again);
    let open = ledger.open_orders(Carrier::INumbering).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].order_id, first.orders[0].id);
    assert_eq!(open[0].idempotency_key.as_deref(), Some("order-42"));
    assert_eq!(open[0].submitted_at, first.submitted_at);
    // A setting out of range is refused before the store is read.
    assert!(
        ledger
            .clone()
            .keep_after_end(Duration::ZERO)
            .open_orders(Carrier::Apeiron)
            .await
            .is_err()
    );
}

/// Reading one order through the wrapper updates its entry with what the
/// carrier said; an order numport did not record is not added.
#[tokio::test]
async fn an_order_read_through_the_wrapper_updates_its_entry_only() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    sandbox.set_balance(100_000_000);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let ledger = Ledger::new(store.clone());
    let plain = client(&sandbox);
    let recorded = Recorded::new(plain.clone(), ledger.clone()).unwrap();
    let reqs = requests(2);
    // One order created outside the wrapper, one through it.
    let outside = plain.submit(&reqs[0]).await.unwrap().orders[0].id.clone();
    let inside = recorded.submit(&reqs[1]).await.unwrap().orders[0]
        .id
        .clone();
    let order = recorded.order(&inside).await.unwrap();
    recorded.order(&outside).await.unwrap();
    let entries = ledger.entries(Carrier::INumbering).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].order_id, inside);
    assert_eq!(entries[0].status, Some(order.status));
    assert_eq!(
        entries[0].carrier_status.as_ref(),
        Some(&order.carrier_status)
    );
}

#[cfg(feature = "redis")]
mod redis {
    use ::redis::AsyncCommands;
    use numport::store::{RedisStore, SealingKey};

    use super::*;
    use crate::support::redis_server::RedisServer;

    /// Every key and value in Redis, as bytes (strings, sorted-set members,
    /// hash fields and values).
    async fn everything(server: &RedisServer) -> Vec<(String, Vec<Vec<u8>>)> {
        let mut c = ::redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let mut keys: Vec<String> = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut c)
                .await
                .unwrap();
            keys.extend(batch);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        let mut out = Vec::new();
        for key in keys {
            let kind: String = ::redis::cmd("TYPE")
                .arg(&key)
                .query_async(&mut c)
                .await
                .unwrap();
            let values: Vec<Vec<u8>> = match kind.as_str() {
                "string" => vec![c.get(&key).await.unwrap()],
                "zset" => c.zrange(&key, 0, -1).await.unwrap(),
                "hash" => {
                    let all: Vec<(Vec<u8>, Vec<u8>)> = c.hgetall(&key).await.unwrap();
                    all.into_iter().flat_map(|(f, v)| [f, v]).collect()
                }
                other => panic!("{key}: unexpected type {other}"),
            };
            let ttl: i64 = c.pttl(&key).await.unwrap();
            assert!(ttl > 0, "{key} has no lifetime ({ttl})");
            out.push((key, values));
        }
        out
    }

    /// True when `needle` occurs in `hay` not next to another digit.
    fn holds(hay: &[u8], needle: &str) -> bool {
        let n = needle.as_bytes();
        hay.windows(n.len()).enumerate().any(|(at, w)| {
            w == n
                && !(at > 0 && hay[at - 1].is_ascii_digit())
                && !hay.get(at + n.len()).is_some_and(u8::is_ascii_digit)
        })
    }

    fn assert_no_secret(all: &[(String, Vec<Vec<u8>>)], sandbox: &INumberingSandbox) {
        let secrets = [US_ACCOUNT, US_PIN, sandbox.password()];
        let mut values = 0;
        for (key, vals) in all {
            for secret in secrets {
                assert!(!holds(key.as_bytes(), secret), "{key}");
                for v in vals {
                    values += 1;
                    assert!(!holds(v, secret), "{key} holds a secret");
                    assert!(
                        !String::from_utf8_lossy(v)
                            .to_lowercase()
                            .contains("\"pin\"")
                    );
                }
            }
        }
        println!(
            "ledger: {} keys, {} values scanned, no secret",
            all.len(),
            values / secrets.len()
        );
    }

    async fn run(sealing: Option<u8>) {
        const N: usize = 5_000;
        let server = RedisServer::start();
        let sandbox = INumberingSandbox::start().await.unwrap();
        sandbox.set_balance(100_000_000);
        let stores: Vec<Arc<dyn Store>> = (0..CLIENTS)
            .map(|_| {
                let mut b = RedisStore::builder(server.url()).timeout(Duration::from_secs(10));
                if let Some(k) = sealing {
                    b = b.sealing_key(SealingKey::new([k; 32]));
                }
                Arc::new(b.build().unwrap()) as Arc<dyn Store>
            })
            .collect();
        let keep = Duration::from_secs(3600);
        let (recorded, ids) = submit(&sandbox, &stores, keep, N).await;
        assert_all_open(&recorded, &ids, N).await;
        let open = everything(&server).await;
        // One index and one key per order, every one with a lifetime.
        assert_eq!(open.len(), N + 1);
        assert_no_secret(&open, &sandbox);
        // Sealed, no value (index member or entry) reads as an entry;
        // plain, the index members (account hash and id) do not.
        let unreadable = open
            .iter()
            .flat_map(|(_, v)| v)
            .filter(|v| !String::from_utf8_lossy(v).contains("order_id"))
            .count();
        let expected = if sealing.is_some() { 2 * N } else { N };
        assert_eq!(unreadable, expected);
        println!(
            "ledger: {unreadable} values not readable as entries (sealed: {})",
            sealing.is_some()
        );

        let mut c = ::redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let member = format!(
            "numport:ledger:inumbering:member:{}:{}",
            recorded[0]
                .account_reference()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap(),
            ids[0]
        );
        let ttl: i64 = c.pttl(&member).await.unwrap();
        assert!(ttl > 399 * 86_400_000, "open: {ttl}");

        complete(&recorded, &ids, N).await;
        let ended = everything(&server).await;
        assert_eq!(ended.len(), N + 1);
        assert_no_secret(&ended, &sandbox);
        let ttl: i64 = c.pttl(&member).await.unwrap();
        assert!(ttl > 0 && ttl <= 3_600_000, "ended: {ttl}");
        let ttl: i64 = c.pttl("numport:ledger:inumbering").await.unwrap();
        assert!(ttl > 0 && ttl <= 3_600_000, "index: {ttl}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sealed_redis_ledger_lists_5000_orders_of_4_replicas_until_they_end() {
        run(Some(7)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_plain_redis_ledger_lists_5000_orders_of_4_replicas_until_they_end() {
        run(None).await;
    }
}

/// The ledger's own rules, on entries made by hand: a listing larger than
/// `max_listed` is an error, not a cut list; an ended order is not
/// reopened by an older read; an order never recorded is not added.
#[tokio::test]
async fn a_ledger_refuses_cut_listings_and_keeps_ended_orders_ended() {
    use numport::{CarrierStatus, PortOrder, Submission, SubmittedOrder};

    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let account = "numport:cellhire:0123456789abcdef0123456789abcdef";
    let ledger = Ledger::new(store.clone());
    let id = |n: u32| PortId::new(format!("P{n}")).unwrap();
    let submission = Submission::new(
        Carrier::Cellhire,
        (1..=3)
            .map(|n| SubmittedOrder::new(id(n), vec![], serde_json::Value::Null))
            .collect(),
    );
    ledger.record(account, &submission, None).await.unwrap();
    assert_eq!(
        ledger.open_orders(Carrier::Cellhire).await.unwrap().len(),
        3
    );
    let e = ledger
        .clone()
        .max_listed(2)
        .open_orders(Carrier::Cellhire)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, numport::Error::Ledger { message } if message.contains("more than 2")),
        "{e}"
    );

    let order = |n: u32, status: PortStatus, name: &str| {
        PortOrder::new(
            id(n),
            Carrier::Cellhire,
            status,
            CarrierStatus {
                name: name.to_owned(),
                id: None,
            },
        )
    };
    assert!(
        ledger
            .observe(account, &order(1, PortStatus::Complete, "Complete"))
            .await
            .unwrap()
    );
    assert!(
        ledger
            .observe(account, &order(1, PortStatus::Submitted, "Submitted"))
            .await
            .unwrap()
    );
    let entry = ledger
        .entry(Carrier::Cellhire, account, &id(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.status, Some(PortStatus::Complete));
    assert!(
        !ledger
            .observe(account, &order(9, PortStatus::Submitted, "Submitted"))
            .await
            .unwrap()
    );
    let open: Vec<PortId> = ledger
        .open_orders(Carrier::Cellhire)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.order_id)
        .collect();
    assert_eq!(open, vec![id(2), id(3)]);
    assert_eq!(ledger.entries(Carrier::Cellhire).await.unwrap().len(), 3);
}

/// A cancel through the wrapper records what the carrier says of the order
/// afterwards (read again), not a status of its own.
#[tokio::test]
async fn a_cancel_through_the_wrapper_records_the_order_read_again() {
    use numport::carrier::cellhire::{CellhireClient, Service};
    use numport::sandbox::CellhireSandbox;

    use crate::support::requests::{cellhire_options, uk_line};

    let sandbox = CellhireSandbox::start().await.unwrap();
    let plain: Arc<dyn PortProvider> = Arc::new(
        CellhireClient::builder()
            .base_url(sandbox.base_url())
            .token_url(sandbox.token_url())
            .account_id(sandbox.account_id())
            .client_credentials(sandbox.client_id(), sandbox.client_secret())
            .build()
            .unwrap(),
    );
    let ledger = Ledger::new(Arc::new(MemoryStore::new()));
    let recorded = Recorded::new(plain.clone(), ledger.clone()).unwrap();
    let request = PortRequest::new(vec![uk_line(
        "+447700900123",
        "89441000301234567891",
        "KQM482913",
    )])
    .with_cellhire(cellhire_options("Ledger cancel").with_service(Service::new("voice", "true")));
    let id = recorded.submit(&request).await.unwrap().orders[0]
        .id
        .clone();
    let account = recorded.account_reference().unwrap();
    let before = ledger
        .entry(Carrier::Cellhire, &account, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.status, None);
    recorded.cancel(&id).await.unwrap();
    let said = plain.order(&id).await.unwrap();
    let after = ledger
        .entry(Carrier::Cellhire, &account, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, Some(said.status));
    assert_eq!(after.carrier_status, Some(said.carrier_status.clone()));
    assert_eq!(after.submitted_at, before.submitted_at);
    println!("ledger: after cancel the carrier says {:?}", said.status);
}

/// Orders a reconcile through the wrapper finds (created by a submission
/// whose answer was lost) are recorded, as submitted at the attempt, with
/// the status the carrier gave.
#[tokio::test]
async fn orders_a_reconcile_finds_are_recorded() {
    use numport::Reconciliation;
    use numport::carrier::cellhire::{CellhireClient, Service};
    use numport::sandbox::CellhireSandbox;

    use crate::support::requests::{cellhire_options, uk_line};

    let sandbox = CellhireSandbox::start().await.unwrap();
    let plain: Arc<dyn PortProvider> = Arc::new(
        CellhireClient::builder()
            .base_url(sandbox.base_url())
            .token_url(sandbox.token_url())
            .account_id(sandbox.account_id())
            .client_credentials(sandbox.client_id(), sandbox.client_secret())
            .build()
            .unwrap(),
    );
    let ledger = Ledger::new(Arc::new(MemoryStore::new()));
    let recorded = Recorded::new(plain.clone(), ledger.clone()).unwrap();
    let request = PortRequest::new(vec![uk_line(
        "+447700900124",
        "89441000301234567892",
        "KQM482913",
    )])
    .with_cellhire(
        cellhire_options("Ledger reconcile").with_service(Service::new("voice", "true")),
    );
    let attempted_at = chrono::Utc::now() - chrono::Duration::seconds(1);
    // The answer of this submission is "lost": nothing recorded.
    let id = plain.submit(&request).await.unwrap().orders[0].id.clone();
    assert!(ledger.entries(Carrier::Cellhire).await.unwrap().is_empty());
    let found = match recorded.reconcile(&request, attempted_at).await.unwrap() {
        Reconciliation::Found(orders) => orders,
        other => panic!("expected Found, got {other:?}"),
    };
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, id);
    let entries = ledger.entries(Carrier::Cellhire).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].order_id, id);
    assert_eq!(entries[0].submitted_at, attempted_at);
    assert_eq!(entries[0].status, Some(found[0].status));
}

/// A replica's store whose first index write waits, once its read is done,
/// until the test lets it go: what another replica writes in between is
/// what a plain read-then-write would lose.
#[derive(Debug)]
struct Paused {
    inner: Arc<dyn Store>,
    /// Signalled when the first write arrives.
    reached: Arc<tokio::sync::Notify>,
    /// Lets that write go.
    release: Arc<tokio::sync::Notify>,
    /// Index writes seen (swaps and puts).
    writes: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Store for Paused {
    fn name(&self) -> &'static str {
        "paused"
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, numport::store::StoreError> {
        self.inner.get(key).await
    }
    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<(), numport::store::StoreError> {
        self.inner.put(key, value, ttl).await
    }
    async fn remove_if(
        &self,
        key: &str,
        expected: &[u8],
    ) -> Result<bool, numport::store::StoreError> {
        self.inner.remove_if(key, expected).await
    }
    async fn try_lock(
        &self,
        key: &str,
        ttl: Duration,
    ) -> Result<Option<numport::store::LockToken>, numport::store::StoreError> {
        self.inner.try_lock(key, ttl).await
    }
    async fn unlock(
        &self,
        key: &str,
        token: &numport::store::LockToken,
    ) -> Result<(), numport::store::StoreError> {
        self.inner.unlock(key, token).await
    }
    async fn take_budget(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<numport::store::Budget, numport::store::StoreError> {
        self.inner.take_budget(key, limit, window).await
    }
    async fn index_get(
        &self,
        index: &str,
        member: &str,
    ) -> Result<Option<Vec<u8>>, numport::store::StoreError> {
        self.inner.index_get(index, member).await
    }
    async fn index_put(
        &self,
        index: &str,
        member: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<(), numport::store::StoreError> {
        self.pause().await;
        self.inner.index_put(index, member, value, ttl).await
    }
    async fn index_swap(
        &self,
        index: &str,
        member: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, numport::store::StoreError> {
        self.pause().await;
        self.inner
            .index_swap(index, member, expected, value, ttl)
            .await
    }
}

impl Paused {
    async fn pause(&self) {
        use std::sync::atomic::Ordering;
        if self.writes.fetch_add(1, Ordering::SeqCst) == 0 {
            self.reached.notify_one();
            self.release.notified().await;
        }
    }
}

/// Two replicas update one entry at once: one reads it, the other writes
/// (the idempotency key its submission was made under), then the first
/// writes. The first one's write is retried on what is there now: the
/// entry holds both, and the first replica wrote twice (one lost swap).
#[tokio::test]
async fn concurrent_updates_of_one_entry_lose_nothing() {
    use numport::{CarrierStatus, PortOrder, Submission, SubmittedOrder};

    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let account = "numport:cellhire:0123456789abcdef0123456789abcdef";
    let id = PortId::new("P1").unwrap();
    let submission = Submission::new(
        Carrier::Cellhire,
        vec![SubmittedOrder::new(
            id.clone(),
            vec![],
            serde_json::Value::Null,
        )],
    );
    let first = Ledger::new(store.clone());
    first.record(account, &submission, None).await.unwrap();

    let paused = Arc::new(Paused {
        inner: store.clone(),
        reached: Arc::new(tokio::sync::Notify::new()),
        release: Arc::new(tokio::sync::Notify::new()),
        writes: std::sync::atomic::AtomicUsize::new(0),
    });
    let reader = Ledger::new(paused.clone());
    let order = PortOrder::new(
        id.clone(),
        Carrier::Cellhire,
        PortStatus::Submitted,
        CarrierStatus {
            name: "Submitted".to_owned(),
            id: None,
        },
    );
    let observing = tokio::spawn(async move { reader.observe(account, &order).await });
    tokio::time::timeout(Duration::from_secs(10), paused.reached.notified())
        .await
        .expect("the observing replica never wrote");

    // In between its read and its write, another replica records the key.
    first
        .record(account, &submission, Some("row-7"))
        .await
        .unwrap();
    paused.release.notify_one();
    let observed = tokio::time::timeout(Duration::from_secs(10), observing)
        .await
        .expect("the observing replica never finished")
        .unwrap();
    assert!(observed.unwrap());

    let entry = first
        .entry(Carrier::Cellhire, account, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.status, Some(PortStatus::Submitted));
    assert_eq!(entry.idempotency_key.as_deref(), Some("row-7"));
    assert_eq!(
        paused.writes.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one lost swap, one written"
    );
}
